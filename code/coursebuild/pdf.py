"""Export the built site to PDFs: every deck (decktape + Debian's chromium) and every handout and released solution
(Pandoc's Typst writer + the ``typst`` Python package).

- Decks: one page per slide, fragments collapsed, no speaker notes, 1280×720. ``chromium --print-to-pdf``
  of ``?print-pdf`` gives a blank page, so decktape (installed with ``PUPPETEER_SKIP_DOWNLOAD=1``) drives
  the system chromium instead.
- Handouts and solutions: the Markdown the engine assembled for the HTML page (kept in ``_build/md/``) goes
  through ``pandoc -t typst`` and is compiled in-process; figures are the same PNGs as on the page.
- Names come from the schedule: ``pdf/weekNN-<slug>-slides.pdf``, ``pdf/weekNN-<slug>-handout.pdf``,
  ``pdf/weekNN-<slug>-solution.pdf``. A solution PDF exists only when its page exists in this build.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import zlib
from pathlib import Path

import yaml

from coursebuild.errors import BuildError
from coursebuild.execute import tree_digest
from coursebuild.render import FILTERS, TEMPLATES, pandoc_binary

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]


def chromium_path() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    raise BuildError("no chromium on PATH: install Debian's chromium (`make deps` does)")


def pdf_name(rel_html: str) -> str:
    """``lectures/week01-x.html`` -> ``week01-x-slides.pdf`` (the schedule's naming,
    :func:`coursebuild.pages.pdf_url`)."""
    from coursebuild.pages import pdf_url

    return Path(pdf_url(rel_html)).name


def export_deck(root: Path, site: Path, rel_html: str, out_pdf: Path) -> None:
    decktape = root / "node_modules" / ".bin" / "decktape"
    if not decktape.exists():
        raise BuildError("decktape is not installed: run `npm ci` (or `make deps`)", root / "package.json")
    with tempfile.TemporaryDirectory() as profile:
        cmd = [str(decktape), "reveal", "--size", "1280x720", "--pause", "300", "--load-pause", "300",
               "--chrome-path", chromium_path(), *[f"--chrome-arg={a}" for a in CHROMIUM_ARGS],
               f"--chrome-arg=--user-data-dir={profile}", (site / rel_html).resolve().as_uri(), str(out_pdf)]
        env = dict(os.environ, PUPPETEER_SKIP_DOWNLOAD="1")
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
    if proc.returncode != 0 or not out_pdf.exists():
        raise BuildError(f"decktape failed:\n{proc.stdout[-1500:]}\n{proc.stderr[-1500:]}", rel_html)


def deck_pdf_key(root: Path, site: Path, rel_html: str) -> str:
    """Cache key of a deck's PDF: the deck's HTML, its figures, the site's stylesheets and the decktape version.

    The same key means decktape would print the same slides; a changed figure, note-free text or style changes it.
    """
    html = site / rel_html
    h = hashlib.sha256(html.read_bytes())
    h.update(tree_digest([html.parent / f"{html.stem}_files", site / "styles"]).encode())
    pkg = root / "node_modules" / "decktape" / "package.json"
    h.update(pkg.read_bytes() if pkg.exists() else b"no decktape")
    return h.hexdigest()


def pdf_page_count(path: Path) -> int:
    """Number of pages of a PDF (page objects, also inside compressed object streams as decktape writes them)."""
    data = Path(path).read_bytes()
    chunks = [data]
    for m in re.finditer(rb"/FlateDecode[^>]*>>\s*stream\r?\n", data):
        end = data.find(b"endstream", m.end())
        try:
            chunks.append(zlib.decompress(data[m.end():end]))
        except zlib.error:
            continue
    return sum(len(re.findall(rb"/Type\s*/Page(?![s\w])", chunk)) for chunk in chunks)


def export_page(root: Path, site: Path, rel_source: str, out_pdf: Path) -> None:
    """Render a handout/solution page to PDF through Typst, with the figures of the HTML page."""
    import typst

    md_file = root / "_build" / "md" / Path(rel_source).with_suffix(".md")
    if not md_file.exists():
        raise BuildError("its assembled Markdown is missing: build the site first (`make site`)", rel_source)
    meta = json.loads(md_file.with_suffix(".json").read_text(encoding="utf-8"))
    doc_meta = {k: v for k, v in meta.items() if k in {"title", "subtitle", "week", "doc-kind", "date"}}
    html_dir = site / Path(rel_source).parent
    typ_file = html_dir / f".{Path(rel_source).stem}.typ"
    with tempfile.TemporaryDirectory() as tmp:
        meta_file = Path(tmp) / "meta.yml"
        meta_file.write_text(yaml.safe_dump(doc_meta, allow_unicode=True))
        cmd = [pandoc_binary(), "--from", "markdown", "--to", "typst", "--standalone",
               "--template", str(TEMPLATES / "handout.typ"), "--resource-path", str(html_dir),
               "--metadata-file", str(meta_file), "--lua-filter", str(FILTERS / "course.lua"),
               "--lua-filter", str(FILTERS / "engine.lua"), "--lua-filter", str(FILTERS / "typst.lua"),
               "--output", str(typ_file)]
        env = dict(os.environ, MLPC_PROJECT_DIR=str(root))
        proc = subprocess.run(cmd, input=md_file.read_text(encoding="utf-8"), text=True, capture_output=True,
                              env=env, cwd=root)
    if proc.returncode != 0:
        raise BuildError(f"pandoc (typst) failed:\n{proc.stderr}", rel_source)
    try:
        typst.compile(str(typ_file), output=str(out_pdf), root=str(site))
    except Exception as exc:  # noqa: BLE001 - typst raises its own error types
        raise BuildError(f"typst failed: {exc}", rel_source) from None
    finally:
        typ_file.unlink(missing_ok=True)


def export_page_quarto(root: Path, rel_source: str, out_pdf: Path) -> None:
    """With Quarto on PATH: ``quarto render <page> --to typst`` (Quarto's own Typst path)."""
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.run(["quarto", "render", rel_source, "--to", "typst", "--output-dir", tmp],
                              cwd=root, capture_output=True, text=True)
        made = list(Path(tmp).rglob("*.pdf"))
        if proc.returncode != 0 or not made:
            raise BuildError(f"quarto render --to typst failed:\n{proc.stderr[-2000:]}", rel_source)
        shutil.move(str(made[0]), out_pdf)


def site_documents(root: Path, site: Path) -> list[dict]:
    """Decks, handouts and solutions present in ``site``, from the project's render list."""
    from coursebuild import qmd
    from coursebuild.project import Project

    project = Project.load(root)
    docs = []
    for source in project.render_list():
        rel = project.relative(source)
        rel_html = str(Path(rel).with_suffix(".html"))
        if Path(rel).parent.name in {"lectures", "handouts", "solutions"} and (site / rel_html).exists():
            meta = project.document_metadata(source, qmd.parse(source).front_matter)
            docs.append({"source": rel, "output": rel_html, "format": next(iter(meta["format"]))})
    return docs


def export_all(root: Path, site: Path, quarto: bool = False, use_cache: bool = True) -> list[tuple[str, str, float]]:
    """Export every deck, handout and solution present in ``site``; returns (source page, pdf, seconds).

    Deck PDFs (decktape, ~15 s each) are cached in ``_build/pdf-cache`` under :func:`deck_pdf_key`; handouts
    and solutions (Typst, < 1 s) are always made.
    """
    docs = site_documents(root, site)
    pdf_dir = site / "pdf"
    if pdf_dir.exists():
        shutil.rmtree(pdf_dir)
    pdf_dir.mkdir(parents=True)
    targets = docs
    results = []
    hits = 0
    start = time.perf_counter()
    for n, doc in enumerate(targets, 1):
        t0 = time.perf_counter()
        out_pdf = pdf_dir / pdf_name(doc["output"])
        how = "run"
        if doc["format"] == "revealjs":
            cached = root / "_build" / "pdf-cache" / f"{deck_pdf_key(root, site, doc['output'])}.pdf"
            if use_cache and cached.exists():
                shutil.copy2(cached, out_pdf)
                how = "cache"
            else:
                export_deck(root, site, doc["output"], out_pdf)
                cached.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(out_pdf, cached)
        elif quarto:
            export_page_quarto(root, doc["source"], out_pdf)
        else:
            export_page(root, site, doc["source"], out_pdf)
        seconds = time.perf_counter() - t0
        results.append((doc["output"], f"pdf/{out_pdf.name}", round(seconds, 2)))
        hits += how == "cache"
        print(f"[{n:2d}/{len(targets)}] pdf/{out_pdf.name:<50s} {how:<5s} {seconds:5.1f} s", flush=True)
    total = time.perf_counter() - start
    print(f"summary: {len(results)} PDFs in {total:.1f} s ({hits} decks from cache) -> {pdf_dir}", flush=True)
    (root / "_build" / f"pdf-report-{site.name}.json").write_text(json.dumps(
        {"seconds": round(total, 2), "deck_cache_hits": hits, "pdfs": results}, indent=1))
    return results
