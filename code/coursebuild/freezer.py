"""Keep Quarto's freeze honest: drop a document's frozen results when anything it executes with has changed.

Quarto's ``freeze: auto`` (``src/command/render/freeze.ts``) re-executes a document only when the document's
own text changes (``freezeInputHash`` hashes the input file alone). The course's figures come from
``code/mlpc`` helpers, ``data/`` and, for the pages that import ``coursebuild``, the schedule and the release
state, none of which is in that hash. So the pre-render step records, per document, the files it depends on:

- every project module its cells import, followed through the modules' own imports (``code/``);
- the files under ``data/`` (by size and modification time: a false alarm costs one re-execution);
- ``data/schedule.yml`` and the pre-render's ``_build/schedule-meta.json`` (release state, current week) when
  it imports ``coursebuild``.

When any of them differs from what was recorded at the previous pre-render, the document's frozen results
(``execute-results/``) in ``_freeze/`` and in the hidden preview freezer ``.quarto/_freeze/`` (which
``quarto preview`` uses even for ``freeze: false`` pages: ``src/command/render/render-files.ts``) are
deleted, so Quarto executes it again.
The record lives in ``_build/quarto-freeze.json``.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import shutil
from pathlib import Path

STATE = Path("_build") / "quarto-freeze.json"
#: Quarto's freezer folders: the published one and the hidden one ``quarto preview`` uses (projectScratchPath).
FREEZERS = (Path("_freeze"), Path(".quarto") / "_freeze")


def _module_file(code: Path, name: str) -> Path | None:
    base = code.joinpath(*name.split("."))
    for candidate in (base / "__init__.py", base.with_suffix(".py")):
        if candidate.is_file():
            return candidate
    return None


IMPORT_RE = re.compile(r"^[ \t]*import[ \t]+([\w. ,\t]+)", re.M)
FROM_RE = re.compile(r"^[ \t]*from[ \t]+(\.*)([\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[^\n#;]+)", re.M)


def _imported_names(source: str, package: str) -> set[str]:
    """Dotted module names ``source`` imports (relative imports resolved against ``package``).

    Read from the text (fast; an ``import`` line inside a string only adds a dependency, never hides one).
    """
    names: set[str] = set()
    for m in IMPORT_RE.finditer(source):
        names.update(part.split(" as ")[0].strip() for part in m.group(1).split(","))
    for m in FROM_RE.finditer(source):
        dots, base = len(m.group(1)), m.group(2)
        if dots:
            parts = package.split(".")[: len(package.split(".")) - dots + 1]
            base = ".".join([*parts, *([base] if base else [])])
        names.add(base)
        for part in m.group(3).strip("()").split(","):
            name = part.split(" as ")[0].strip()
            if name.isidentifier():
                names.add(f"{base}.{name}")
    return {n for n in names if n}


@functools.cache
def _module_imports(path: Path, package: str, stamp: tuple[int, int]) -> frozenset[str]:
    """Names a module file imports (cached per file version: a pre-render reads each module once)."""
    return frozenset(_imported_names(path.read_text(encoding="utf-8"), package))


def import_closure(code: Path, sources: list[str]) -> set[Path]:
    """Project files (under ``code``) that code in ``sources`` imports, directly or through other modules."""
    todo = [name for source in sources for name in _imported_names(source, "")]
    found: set[Path] = set()
    while todo:
        parts = todo.pop().split(".")
        for i in range(1, len(parts) + 1):  # a.b.c imports a, a.b and a.b.c
            path = _module_file(code, ".".join(parts[:i]))
            if path is None or path in found:
                continue
            found.add(path)
            pkg = ".".join(parts[:i]) if path.name == "__init__.py" else ".".join(parts[: i - 1])
            stat = path.stat()
            todo.extend(_module_imports(path, pkg, (stat.st_size, stat.st_mtime_ns)))
    return found


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "missing"


def dependencies(root: Path, cells: list[str]) -> dict[str, str]:
    """What a document with these cell sources executes with: ``{project-relative path: fingerprint}``."""
    code = root / "code"
    modules = import_closure(code, cells)
    deps = {p.relative_to(root).as_posix(): _digest(p) for p in modules if "__pycache__" not in p.parts}
    for path in sorted((root / "data").rglob("*")):
        if path.is_file() and path.name != "schedule.yml":
            stat = path.stat()
            deps[path.relative_to(root).as_posix()] = f"{stat.st_size}:{stat.st_mtime_ns}"
    if any(name.startswith("code/coursebuild/") for name in deps):
        for rel in ("data/schedule.yml", "_build/schedule-meta.json"):
            deps[rel] = _digest(root / rel)
    return deps


def invalidate(root: Path, documents: dict[str, list[str]]) -> list[tuple[str, list[str]]]:
    """Drop Quarto's frozen results of every document whose dependencies changed since the last call.

    ``documents`` maps project-relative sources to their cell sources. Returns (document, changed files) for
    each document whose frozen results were deleted.
    """
    state_file = root / STATE
    previous = json.loads(state_file.read_text()) if state_file.exists() else {}
    current = {rel: dependencies(root, cells) for rel, cells in documents.items()}
    dropped = []
    for rel, deps in current.items():
        old = previous.get(rel)
        changed = sorted(k for k in deps.keys() | (old or {}).keys() if (old or {}).get(k) != deps.get(k))
        if old is not None and not changed:
            continue
        # only execute-results/: _freeze/lectures/ (lectures.qmd) also holds the folders of lectures/*.qmd
        frozen = [root / freezer / Path(rel).with_suffix("") / "execute-results" for freezer in FREEZERS]
        if any(p.exists() for p in frozen):
            for path in frozen:
                shutil.rmtree(path, ignore_errors=True)
            dropped.append((rel, changed if old is not None else ["(no record of what it was frozen with)"]))
    state_file.parent.mkdir(exist_ok=True)
    state_file.write_text(json.dumps({**previous, **current}, indent=1, sort_keys=True))
    return dropped
