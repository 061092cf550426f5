"""Export the built site to PDFs: every deck twice (slides, and slides with speaker notes) and every handout and
released solution (Pandoc's Typst writer + the ``typst`` Python package).

- Decks: reveal.js's own print mode (``?print-pdf``) in Debian's chromium, driven by Playwright for Python: one
  browser for all decks, a page per deck (two at a time on 2 cores), ``page.pdf()`` at the page size reveal.js
  sets (the deck's 16:9 size plus its margin). One page per slide, fragments collapsed, the footer and the slide
  number on every page (the deck template copies the footer onto each printed page). The notes edition adds
  ``showNotes=separate-page``: each slide is followed by a page with its speaker notes.
- Handouts and solutions: the Markdown the engine assembled for the HTML page (kept in ``_build/md/``) goes
  through ``pandoc -t typst`` and is compiled in-process; figures are the same PNGs as on the page.
- Names come from the schedule: ``pdf/weekNN-<slug>-slides.pdf``, ``pdf/weekNN-<slug>-slides-notes.pdf``,
  ``pdf/weekNN-<slug>-handout.pdf``, ``pdf/weekNN-<slug>-solution.pdf``. A solution PDF exists only when its
  page exists in this build.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

from coursebuild.errors import BuildError
from coursebuild.execute import tree_digest
from coursebuild.render import FILTERS, TEMPLATES, pandoc_binary

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]
#: decks printed at once (one browser, one page each); two fill the 2 cores of the course machines
PDF_JOBS = int(os.environ.get("COURSEBUILD_PDF_JOBS", "2"))
#: the longest a deck may take to load and print before the export fails naming it
DECK_TIMEOUT_MS = 120_000
#: what the exporter waits for: reveal.js ready, its print layout done (this engine's template marks it once the
#: footers are on the pages; a Quarto-rendered deck has its own), every image loaded
PRINT_READY_JS = """() => window.Reveal && Reveal.isReady() && !!document.querySelector('.reveal .pdf-page')
  && (document.documentElement.hasAttribute('data-pdf-ready')
      || !document.querySelector('meta[name=generator][content^=coursebuild]'))
  && Array.from(document.images).every(i => i.complete)"""


def chromium_path() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    raise BuildError("no chromium on PATH: install Debian's chromium (`make deps` does)")


def pdf_name(rel_html: str, notes: bool = False) -> str:
    """``lectures/week01-x.html`` -> ``week01-x-slides.pdf`` (or ``week01-x-slides-notes.pdf``; the schedule's
    naming, :func:`coursebuild.pages.pdf_url`)."""
    from coursebuild.pages import notes_pdf_url, pdf_url

    return Path(notes_pdf_url(rel_html) if notes else pdf_url(rel_html)).name


@dataclass(frozen=True)
class DeckJob:
    """One deck PDF to print: the deck (site-relative HTML), the PDF to write, with or without speaker notes."""

    rel_html: str
    out_pdf: Path
    notes: bool = False


def deck_print_url(site: Path, job: DeckJob) -> str:
    query = "?print-pdf&showNotes=separate-page" if job.notes else "?print-pdf"
    return (site / job.rel_html).resolve().as_uri() + query


async def _print_deck(browser, site: Path, job: DeckJob, slots: asyncio.Semaphore) -> float:
    from playwright.async_api import TimeoutError as PlaywrightTimeout

    async with slots:
        t0 = time.perf_counter()
        context = await browser.new_context(viewport={"width": 1280, "height": 720})
        errors: list[str] = []
        page = await context.new_page()
        page.on("pageerror", lambda e: errors.append(str(e)))
        try:
            await page.goto(deck_print_url(site, job), timeout=DECK_TIMEOUT_MS)
            await page.wait_for_function(PRINT_READY_JS, timeout=DECK_TIMEOUT_MS)
            if errors:
                raise BuildError("the deck has JavaScript errors in print mode:\n" + "\n".join(errors), job.rel_html)
            await page.pdf(path=str(job.out_pdf), print_background=True, prefer_css_page_size=True)
        except PlaywrightTimeout as exc:
            raise BuildError(f"printing timed out ({exc.message.splitlines()[0]}); open the deck with ?print-pdf "
                             "in chromium to see why", job.rel_html) from None
        finally:
            await context.close()
        return time.perf_counter() - t0


async def _print_all(site: Path, jobs: list[DeckJob], workers: int,
                     done: Callable[[DeckJob, float], None]) -> list[float]:
    from playwright.async_api import async_playwright

    slots = asyncio.Semaphore(max(1, workers))
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            async def one(job: DeckJob) -> float:
                seconds = await _print_deck(browser, site, job, slots)
                done(job, seconds)
                return seconds

            return list(await asyncio.gather(*(one(job) for job in jobs)))
        finally:
            await browser.close()


def print_decks(site: Path, jobs: list[DeckJob], workers: int = PDF_JOBS,
                done: Callable[[DeckJob, float], None] = lambda job, seconds: None) -> list[float]:
    """Print ``jobs`` from one browser, ``workers`` decks at a time; returns each deck's seconds (browser start
    excluded) and calls ``done(job, seconds)`` as each one finishes."""
    return asyncio.run(_print_all(site, jobs, workers, done))


def export_deck_decktape(root: Path, site: Path, rel_html: str, out_pdf: Path) -> None:
    """The previous exporter (decktape, a browser per deck, a pause per slide): kept as the benchmark's yardstick
    while decktape is still in node_modules."""
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


@functools.lru_cache(maxsize=1)
def exporter_id() -> str:
    """The deck exporter and its versions (Playwright, chromium): part of every deck-PDF cache key."""
    from importlib.metadata import version

    try:
        browser = subprocess.run([chromium_path(), "--version"], capture_output=True, text=True,
                                 timeout=30).stdout.strip()
    except (BuildError, OSError, subprocess.TimeoutExpired):
        browser = "no chromium"
    return f"reveal.js print-pdf, Playwright {version('playwright')}, {browser}"


def deck_pdf_key(root: Path, site: Path, rel_html: str, notes: bool = False) -> str:
    """Cache key of a deck's PDF: the deck's HTML, its figures, the site's stylesheets, the edition (with or
    without notes), the exporter (:func:`exporter_id`) and the npm lock file (reveal.js and its plugins print).

    The same key means the exporter would print the same pages; a changed figure, text or style changes it.
    """
    html = site / rel_html
    h = hashlib.sha256(html.read_bytes())
    h.update(tree_digest([html.parent / f"{html.stem}_files", site / "styles"]).encode())
    h.update(f"{exporter_id()} notes={notes}".encode())
    lock = root / "package-lock.json"
    h.update(lock.read_bytes() if lock.exists() else b"no package-lock.json")
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


def nested_quarto_env(environ: dict[str, str]) -> dict[str, str]:
    """Environment of a ``quarto render`` the build runs itself: the build's release state (``MLPC_BUILD``,
    ``MLPC_TODAY``) carried over, its pre-render and post-render told to change nothing (``COURSEBUILD_NESTED``),
    and no ``QUARTO_PROJECT_*`` of the outer render (a nested render is not a full render)."""
    from coursebuild.prerender import NESTED_VAR

    env = {k: v for k, v in environ.items() if not k.startswith("QUARTO_PROJECT_")}
    return {**env, NESTED_VAR: "1"}


def export_page_quarto(root: Path, rel_source: str, out_pdf: Path) -> None:
    """With Quarto on PATH: ``quarto render <page> --to typst`` (Quarto's own Typst path), in this build's
    release state (see :func:`nested_quarto_env`). ``--use-freezer``: a one-page render would otherwise always
    execute; the outer pre-render has dropped every frozen result that could be stale."""
    cmd = ["quarto", "render", rel_source, "--to", "typst", "--use-freezer", "--output-dir"]
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.run([*cmd, tmp], cwd=root, capture_output=True, text=True,
                              env=nested_quarto_env(dict(os.environ)))
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
    """Export every deck (slides and the notes edition), handout and solution present in ``site``; returns
    (source page, pdf, seconds).

    Deck PDFs are cached in ``_build/pdf-cache`` under :func:`deck_pdf_key`; the decks not in the cache are printed
    from one browser (:func:`print_decks`). Handouts and solutions (Typst, < 1 s) are always made.
    """
    docs = site_documents(root, site)
    pdf_dir = site / "pdf"
    if pdf_dir.exists():
        shutil.rmtree(pdf_dir)
    pdf_dir.mkdir(parents=True)
    cache_dir = root / "_build" / "pdf-cache"
    decks = [DeckJob(d["output"], pdf_dir / pdf_name(d["output"], notes), notes)
             for d in docs if d["format"] == "revealjs" for notes in (False, True)]
    pages = [d for d in docs if d["format"] != "revealjs"]
    total_n = len(decks) + len(pages)
    results: list[tuple[str, str, float]] = []
    start = time.perf_counter()

    def report(job_output: str, out_pdf: Path, how: str, seconds: float) -> None:
        results.append((job_output, f"pdf/{out_pdf.name}", round(seconds, 2)))
        print(f"[{len(results):2d}/{total_n}] pdf/{out_pdf.name:<50s} {how:<5s} {seconds:5.1f} s", flush=True)

    keys = {job: cache_dir / f"{deck_pdf_key(root, site, job.rel_html, job.notes)}.pdf" for job in decks}
    misses = []
    for job in decks:
        if use_cache and keys[job].exists():
            shutil.copy2(keys[job], job.out_pdf)
            report(job.rel_html, job.out_pdf, "cache", 0.0)
        else:
            misses.append(job)
    if misses:
        cache_dir.mkdir(parents=True, exist_ok=True)

        def printed(job: DeckJob, seconds: float) -> None:
            shutil.copy2(job.out_pdf, keys[job])
            report(job.rel_html, job.out_pdf, "print", seconds)

        print_decks(site, misses, done=printed)
    decks_s = time.perf_counter() - start
    for doc in pages:
        t0 = time.perf_counter()
        out_pdf = pdf_dir / pdf_name(doc["output"])
        if quarto:
            export_page_quarto(root, doc["source"], out_pdf)
        else:
            export_page(root, site, doc["source"], out_pdf)
        report(doc["output"], out_pdf, "typst", time.perf_counter() - t0)
    total = time.perf_counter() - start
    hits = len(decks) - len(misses)
    print(f"summary: {len(results)} PDFs in {total:.1f} s ({len(misses)} deck PDFs printed in {decks_s:.1f} s, "
          f"{hits} from cache) -> {pdf_dir}", flush=True)
    (root / "_build" / f"pdf-report-{site.name}.json").write_text(json.dumps(
        {"seconds": round(total, 2), "decks_seconds": round(decks_s, 2), "deck_cache_hits": hits,
         "decks_printed": len(misses), "pdfs": results}, indent=1))
    return results
