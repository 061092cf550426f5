"""Benchmark of the build: ``python -m coursebuild bench [--clean]``.

Prints the clean build time (the last build that ran every document, or a fresh one with ``--clean`` into
a temporary cache and folder), the no-change rebuild time (measured now), the rebuild time after a comment
is appended to ``data/schedule.yml`` (in a copy of the project: the checkout is not touched), the execution
time of every document (slowest first), the PDF export time (measured now), the deck PDFs printed clean (median
seconds a deck, total for all decks, the notes edition, and the old exporter, decktape, on one deck in the same
run as the yardstick) and each deck's page weight. Numbers are printed, not asserted: speed goals are budgets to
report, not tests that flake.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from coursebuild.pdf import DeckJob, export_all, export_deck_decktape, pdf_name, print_decks, site_documents
from coursebuild.site import build_site


def _size(paths: list[Path]) -> int:
    return sum(p.stat().st_size for p in paths if p.is_file())


def deck_weight(site: Path, rel_html: str) -> tuple[int, int]:
    """(bytes of the deck's own HTML and figures, bytes of the shared libraries it loads)."""
    html = site / rel_html
    own = [html, *(html.parent / f"{html.stem}_files").rglob("*")]
    shared = [*(site / "site_libs").rglob("*"), *(site / "styles").rglob("*")]
    return _size(own), _size(shared)


def deck_pdf_times(root: Path, site: Path, yardstick: str = "week08") -> dict:
    """Print every deck clean (no cache) into a temporary folder: the slides, then the notes edition, from one
    browser each time; then decktape (the old exporter) on one deck, when it is installed."""
    decks = [d["output"] for d in site_documents(root, site) if d["format"] == "revealjs"]
    result: dict = {"decks": len(decks)}
    with tempfile.TemporaryDirectory() as tmp:
        for notes in (False, True):
            t0 = time.perf_counter()
            seconds = print_decks(site, [DeckJob(d, Path(tmp) / pdf_name(d, notes), notes) for d in decks])
            per_deck = {d: round(s, 2) for d, s in zip(decks, seconds, strict=True)}
            key = "notes" if notes else "slides"
            result[key] = {"total_s": round(time.perf_counter() - t0, 2), "per_deck_s": per_deck,
                           "median_s": round(statistics.median(per_deck.values()), 2)}
        old = next((d for d in decks if yardstick in d), decks[0])
        if (root / "node_modules" / ".bin" / "decktape").exists():
            t0 = time.perf_counter()
            export_deck_decktape(root, site, old, Path(tmp) / "decktape.pdf")
            result["decktape"] = {"deck": old, "seconds": round(time.perf_counter() - t0, 2)}
            # the same deck alone through the new exporter (browser start included), for the side-by-side ratio
            t0 = time.perf_counter()
            print_decks(site, [DeckJob(old, Path(tmp) / "new.pdf")])
            result["decktape"]["new_seconds"] = round(time.perf_counter() - t0, 2)
    return result


def print_deck_pdf_times(times: dict) -> None:
    slides, notes = times["slides"], times["notes"]
    print(f"deck PDFs, clean       {slides['total_s']:8.1f} s   ({times['decks']} decks from one browser, "
          f"median {slides['median_s']:.1f} s a deck)")
    print(f"notes edition, clean   {notes['total_s']:8.1f} s   (median {notes['median_s']:.1f} s a deck)")
    old = times.get("decktape")
    if old:
        print(f"decktape (old), 1 deck {old['seconds']:8.1f} s   ({old['deck']}; new exporter alone, browser start "
              f"included: {old['new_seconds']:.1f} s, {old['seconds'] / old['new_seconds']:.0f}x faster)")
    else:
        print("decktape (old)             -     (not installed: no yardstick in this run)")


def schedule_edit_rebuild(root: Path) -> tuple[float, int]:
    """Seconds of a rebuild after a comment is appended to ``data/schedule.yml`` of a copy of the project (its
    caches copied too), and how many documents it re-executed: only those that read the schedule."""
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / root.name
        skip = shutil.ignore_patterns(".git", "node_modules", "_site*", "._site*", "pdf-cache", "md", "*.lock")
        shutil.copytree(root, copy, ignore=skip, symlinks=True)
        (copy / "node_modules").symlink_to(root / "node_modules")
        build_site(copy, out=copy / "_site")
        with open(copy / "data" / "schedule.yml", "a", encoding="utf-8") as fh:
            fh.write("# a comment changes no date\n")
        t0 = time.perf_counter()
        reports = build_site(copy, out=copy / "_site")
        return time.perf_counter() - t0, sum(r.executed for r in reports)


def run(root: Path, clean: bool = False, pdf: bool = False) -> dict:
    site = root / "_site"
    if clean:
        with tempfile.TemporaryDirectory() as tmp:
            os.environ["COURSEBUILD_CACHE"] = str(Path(tmp) / "cache")
            try:
                t0 = time.perf_counter()
                build_site(root, out=Path(tmp) / "site")
                clean_s = time.perf_counter() - t0
            finally:
                os.environ.pop("COURSEBUILD_CACHE", None)
        clean_note = "measured now"
    else:
        last = root / "_build" / "last-clean-build.json"
        clean_s = json.loads(last.read_text())["seconds"] if last.exists() else float("nan")
        clean_note = "from the last build that ran every document" if last.exists() else "none recorded: --clean"
    t0 = time.perf_counter()
    reports = build_site(root, out=site)
    rebuild_s = time.perf_counter() - t0
    edit_s, edit_runs = schedule_edit_rebuild(root)
    pdf_report = root / "_build" / "pdf-report-_site.json"
    last_pdf = json.loads(pdf_report.read_text()) if pdf_report.exists() else None
    # a report with cached deck PDFs says nothing about export time: measure again
    if pdf or last_pdf is None or last_pdf.get("deck_cache_hits", 0):
        t0 = time.perf_counter()
        export_all(root, site, use_cache=False)
        pdf_s = time.perf_counter() - t0
        pdf_note = "measured now"
    else:
        pdf_s = last_pdf["seconds"]
        pdf_note = "from the last export (--pdf measures it again)"
    deck_times = deck_pdf_times(root, site)
    cache = root / "_build" / "cache"
    exec_times = {}
    for entry in cache.glob("*.json"):
        data = json.loads(entry.read_text())
        exec_times[data["doc"]] = max(exec_times.get(data["doc"], 0.0), data["seconds"])
    current = {r.source for r in reports}
    rows = sorted(((s, d) for d, s in exec_times.items() if d in current), reverse=True)
    print("\n=== benchmark (2 cores, no GPU) ===")
    print(f"clean build            {clean_s:8.1f} s   ({clean_note})")
    print(f"no-change rebuild      {rebuild_s:8.1f} s")
    print(f"schedule comment       {edit_s:8.1f} s   (rebuild after a comment in data/schedule.yml: "
          f"{edit_runs} documents re-executed)")
    print(f"PDF export             {pdf_s:8.1f} s   ({pdf_note})")
    print_deck_pdf_times(deck_times)
    print("execution per document (slowest first):")
    for seconds, doc in rows:
        print(f"  {seconds:7.1f} s  {doc}")
    print("deck page weight (own HTML + figures; shared reveal.js/KaTeX/styles loaded once):")
    weights = {}
    for r in reports:
        if r.format == "revealjs":
            own, shared = deck_weight(site, r.output)
            weights[r.output] = own
            print(f"  {own / 1e6:6.2f} MB  {r.output}   (+ {shared / 1e6:.2f} MB shared)")
    result = {"clean_build_s": clean_s, "rebuild_s": round(rebuild_s, 2), "pdf_s": round(pdf_s, 2),
              "deck_pdfs": deck_times,
              "schedule_comment_rebuild_s": round(edit_s, 2), "schedule_comment_executed": edit_runs,
              "execution_s": {d: round(s, 2) for s, d in rows}, "deck_bytes": weights}
    (root / "_build" / "benchmark.json").write_text(json.dumps(result, indent=1))
    return result
