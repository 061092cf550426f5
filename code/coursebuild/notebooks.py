"""Jupyter notebooks of the handouts and the released solutions, written by the pre-render step.

The pre-render step writes ``handouts/weekNN-<slug>.qmd`` (always) and ``solutions/weekNN-<slug>.qmd`` (once
released) from one exercise source (:mod:`coursebuild.exercises`); next to each it writes the same text as a
notebook, ``weekNN-<slug>.ipynb``: prose as Markdown cells, code chunks as code cells (their ``#|`` options
dropped, no outputs). A notebook is made from the split text, so a handout notebook holds exactly what the
handout page holds (skeletons and TODOs, no solution), and it exists exactly when its page does. ``_quarto.yml``
lists both folders' notebooks as resources, so the offline engine and Quarto publish them beside the pages.

Build-only cells (code that imports ``coursebuild``, e.g. the Week 13 timeline read from the schedule) cannot run
on a student's laptop: the pre-render runs them here and the notebook gets their printed Markdown instead.
Each page gets a "Download notebook" line under its title (:func:`with_download_link`).
"""

from __future__ import annotations

import contextlib
import io
import json
import re
from pathlib import Path

import yaml

from coursebuild.errors import BuildError
from coursebuild.qmd import DIV_CLOSE_RE, DIV_OPEN_RE, FENCE_RE, parse_attributes

CHUNK_OPEN_RE = re.compile(r"^(?P<fence>`{3,})\s*\{python[^}]*\}\s*$")
OPTION_RE = re.compile(r"^#\|\s*(?P<key>[\w-]+)\s*:\s*(?P<value>.*?)\s*$")
COMMENT_RE = re.compile(r"<!--.*?-->\s*", re.S)
SETUP_NOTE = ("*Course notebook of ML-PC.* It needs the course package `mlpc` (see the course site's page "
              "**Set up your laptop**; `python -m mlpc doctor` checks an install). Run the cells from the top; "
              "`check(...)` cells compare your numbers with the handout's checkpoints.")


def notebook_name(qmd_path: Path) -> str:
    """``handouts/week05-cnn-training.qmd`` -> ``week05-cnn-training.ipynb``."""
    return qmd_path.with_suffix(".ipynb").name


def with_download_link(text: str, qmd_path: Path) -> str:
    """The page's Markdown with a "Download notebook" line (and the set-up page) after the front matter."""
    head, sep, body = text.partition("\n---\n")
    line = (f"[Download notebook]({notebook_name(qmd_path)}) · [Set up your laptop](../setup.qmd) "
            "(one install, then open the notebook in Jupyter or VS Code)\n\n")
    return head + sep + "\n" + line + body.lstrip("\n")


def to_notebook(text: str, source: Path) -> dict:
    """Convert a generated handout/solution (Markdown with front matter and ```{python} chunks) to nbformat 4."""
    _, _, rest = text.partition("---\n")
    header, _, body = rest.partition("\n---\n")
    meta = yaml.safe_load(header) or {}
    cells = [_markdown(f"# {meta.get('title', source.stem)}\n\n{SETUP_NOTE}")]
    prose: list[str] = []
    lines = COMMENT_RE.sub("", body).splitlines()
    i = 0
    while i < len(lines):
        opened = CHUNK_OPEN_RE.match(lines[i])
        if not opened:
            prose.append(_prose_line(lines[i]))
            i += 1
            continue
        fence, start = opened.group("fence"), i
        i += 1
        code: list[str] = []
        while i < len(lines) and not re.match("^" + fence + r"\s*$", lines[i]):
            code.append(lines[i])
            i += 1
        if i == len(lines):
            raise BuildError("a ```{python} chunk is never closed", source, start + 1)
        i += 1
        _flush(prose, cells)
        cells.append(_code_cell(code, source, start + 1))
    _flush(prose, cells)
    for n, cell in enumerate(cells):
        cell["id"] = f"cell-{n:03d}"
    return {"cells": cells, "metadata": {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"}}, "nbformat": 4, "nbformat_minor": 5}


def _prose_line(line: str) -> str:
    """Quarto div fences become plain Markdown: a callout's title in bold, other fences dropped."""
    if FENCE_RE.match(line):
        return line
    opened = DIV_OPEN_RE.match(line)
    if opened:
        _, _, attrs = parse_attributes(opened.group("attrs"))
        return f"**{attrs['title']}.**" if "title" in attrs else ""
    return "" if DIV_CLOSE_RE.match(line) else line


def _flush(prose: list[str], cells: list[dict]) -> None:
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(prose)).strip()
    if text:
        cells.append(_markdown(text))
    prose.clear()


def _code_cell(code: list[str], source: Path, line: int) -> dict:
    options = {m.group("key"): m.group("value") for m in map(OPTION_RE.match, code) if m}
    body = "\n".join(c for c in code if not OPTION_RE.match(c)).strip("\n")
    if options.get("eval") == "false":
        return _markdown(f"```python\n{body}\n```")
    if re.search(r"^\s*(from|import)\s+coursebuild\b", body, re.M):
        return _markdown(_run_build_only(body, source, line))
    return {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
            "source": body.splitlines(keepends=True)}


def _run_build_only(code: str, source: Path, line: int) -> str:
    """Run a cell that needs the site build (e.g. the schedule) now; the notebook gets what it prints."""
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            exec(compile(code, f"{source}:{line}", "exec"), {"__name__": "__notebook_cell__"})
    except Exception as exc:  # noqa: BLE001 - reported with the file and line, like a failing cell
        raise BuildError(f"a build-only cell (it imports coursebuild) failed for the notebook: {exc!r}",
                         source, line) from exc
    return out.getvalue().strip() or "*(computed when the site was built)*"


def _markdown(text: str) -> dict:
    return {"cell_type": "markdown", "metadata": {}, "source": text.splitlines(keepends=True)}


def dumps(notebook: dict) -> str:
    """Stable JSON (same text for the same notebook: no timestamps, fixed cell ids)."""
    return json.dumps(notebook, indent=1, ensure_ascii=False, sort_keys=True) + "\n"


def write_notebooks(pages: dict[Path, str], folders: list[Path]) -> int:
    """Write ``<page>.ipynb`` beside every generated page; delete every other notebook in ``folders``.

    ``pages`` maps each generated ``.qmd`` to its text (before the download link is added). Returns the count.
    """
    wanted = {path.with_suffix(".ipynb"): dumps(to_notebook(text, path)) for path, text in pages.items()}
    for folder in folders:
        for path in folder.glob("*.ipynb"):
            if path not in wanted:
                path.unlink()
    for path, text in wanted.items():
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
    return len(wanted)
