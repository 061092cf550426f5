"""The project's post-render step, shared by both render paths (``post-render: code/post_render.py``).

Quarto runs it after every render, full or partial (``src/command/render/project.ts``: ``runPostRender``),
with ``QUARTO_PROJECT_OUTPUT_DIR`` set and ``QUARTO_PROJECT_RENDER_ALL=1`` for a full render; the offline
engine runs it the same way after ``python -m coursebuild site``. It:

1. copies KaTeX from ``node_modules/katex/dist`` to ``<output>/site_libs/katex/`` (Quarto does not ship KaTeX;
   every page's ``html-math-method`` points there, so formulas render without network);
2. after a full render, exports every deck, handout and released solution to ``<output>/pdf/`` (so
   ``quarto render`` and ``quarto publish`` make the PDFs the pages link to);
3. after a build (a full Quarto render, or any engine build) in another release state than the default one
   (``MLPC_BUILD=instructor`` or ``MLPC_TODAY``), writes the generated sources back in the default state, so
   that a later ``quarto preview`` or ``quarto render <file>`` does not list a solution its own pre-render
   then deletes. Not after the partial renders of an instructor ``quarto preview``: its next render needs
   them (the pre-render names any leftover it deletes later).

Inside the PDF export of a build (``COURSEBUILD_NESTED``) it does nothing. ``COURSEBUILD_NO_PDF=1`` skips
step 2 (``python -m coursebuild build``); ``COURSEBUILD_NO_CACHE=1`` re-exports every deck.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from coursebuild.errors import BuildError
from coursebuild.hooks import ENGINE_VAR
from coursebuild.prerender import KATEX_DIR, NESTED_VAR

#: What changes the release state of a build (coursebuild.release): the default state has neither.
STATE_VARS = ("MLPC_BUILD", "MLPC_TODAY")


def copy_katex(root: Path, out: Path) -> None:
    source = root / "node_modules" / "katex" / "dist"
    if not (source / "katex.min.js").exists():
        raise BuildError("KaTeX is not installed (formulas would show as raw TeX): run `npm ci`",
                         root / "package.json")
    shutil.copytree(source, out / KATEX_DIR, dirs_exist_ok=True)


def non_default_state(environ: dict[str, str]) -> bool:
    return environ.get("MLPC_BUILD", "student").strip() not in {"", "student"} or bool(
        environ.get("MLPC_TODAY", "").strip())


def restore_default_sources(root: Path) -> None:
    """Run the pre-render step again in the default release state (student build, real clock)."""
    from coursebuild.prerender import run as prerender

    saved = {k: os.environ.pop(k) for k in STATE_VARS if k in os.environ}
    try:
        print("post-render: generated sources back to the default release state", flush=True)
        prerender(root)
    finally:
        os.environ.update(saved)


def run(root: Path, out: Path, environ: dict[str, str]) -> None:
    copy_katex(root, out)
    if environ.get("QUARTO_PROJECT_RENDER_ALL") == "1" and not environ.get("COURSEBUILD_NO_PDF"):
        from coursebuild.pdf import export_all

        export_all(root, out, quarto=not environ.get(ENGINE_VAR), use_cache=not environ.get("COURSEBUILD_NO_CACHE"))
    # after a build, not after the partial renders of a preview session (its next render needs the sources)
    full_build = environ.get("QUARTO_PROJECT_RENDER_ALL") == "1" or bool(environ.get(ENGINE_VAR))
    if full_build and non_default_state(environ):
        restore_default_sources(root)


def main() -> int:
    root = Path(os.environ.get("QUARTO_PROJECT_DIR") or Path.cwd()).resolve()
    if os.environ.get(NESTED_VAR):
        return 0
    out = root / os.environ.get("QUARTO_PROJECT_OUTPUT_DIR", "_site")
    try:
        run(root, out.resolve(), dict(os.environ))
    except (BuildError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0
