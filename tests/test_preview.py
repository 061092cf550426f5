"""Live preview (coursebuild.preview): an edit to a copy of a deck is rebuilt and served, the open tab reloads at
the same slide, an edit to a module the deck imports re-runs it, and the site's files never carry the reload
script."""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from coursebuild import preview

DECK = """---
title: "Preview deck"
format: revealjs
---

## First

Old text on the first slide.

## Second

```{python}
#| echo: false
from helper import value
print(f"value = {value()}")
```

## Third

The end.
"""

HELPER = "def value():\n    return 41\n"


@pytest.fixture(scope="module")
def project(tmp_path_factory, root: Path) -> Path:
    """A small project: one deck whose cell imports a module of the project's ``code/``."""
    proj = tmp_path_factory.mktemp("preview") / "proj"
    (proj / "lectures").mkdir(parents=True)
    (proj / "code").mkdir()
    (proj / "styles").mkdir()
    (proj / "_quarto.yml").write_text(
        "project:\n  type: website\n  render:\n    - lectures/*.qmd\nwebsite:\n  title: T\n"
        "execute:\n  echo: false\n")
    (proj / "lectures" / "_metadata.yml").write_text(
        (root / "lectures" / "_metadata.yml").read_text().replace("doc-kind: deck\n", ""))
    shutil.copy(root / "styles" / "slides.css", proj / "styles" / "slides.css")
    (proj / "node_modules").symlink_to(root / "node_modules")
    (proj / "code" / "helper.py").write_text(HELPER)
    (proj / "lectures" / "week01-preview.qmd").write_text(DECK)
    return proj


def get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read().decode()


def wait_for_version(base: str, after: int, timeout: float = 90) -> dict:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        version = json.loads(get(base + preview.VERSION_PATH))
        if version["version"] > after:
            return version
        time.sleep(0.1)
    raise AssertionError(f"no rebuild within {timeout} s")


@pytest.fixture(scope="module")
def served(project: Path):
    """The preview of the deck: built once, served, watched (as ``make preview`` runs it), for all tests here."""
    rel = "lectures/week01-preview.qmd"
    site = project / "_site"
    state = preview.PreviewState()
    before = preview.snapshot(preview.watched_files(project, rel))
    preview.rebuild(project, rel, site, state)
    assert state.error is None
    seen = preview.built_state(preview.watched_files(project, rel), before)  # taken before the thread starts
    httpd = preview.serve(site, state)
    stop = threading.Event()
    builds: list[float] = []
    watcher = threading.Thread(target=preview.watch, args=(project, rel, site, state, stop, builds.append, seen),
                               daemon=True)
    watcher.start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    yield project, base, f"{base}/lectures/week01-preview.html", builds
    stop.set()
    watcher.join(timeout=10)
    httpd.shutdown()


@pytest.fixture()
def running(served):
    """The running preview; each test starts from the original deck and module and leaves them so."""
    project, base, _, _ = served
    yield served
    deck, helper = project / "lectures" / "week01-preview.qmd", project / "code" / "helper.py"
    if deck.read_text() != DECK or helper.read_text() != HELPER:
        before = json.loads(get(base + preview.VERSION_PATH))["version"]
        deck.write_text(DECK)
        helper.write_text(HELPER)
        version = wait_for_version(base, before)["version"]
        while True:  # settled: no further rebuild within three watch intervals
            time.sleep(3 * preview.WATCH_INTERVAL_S)
            now = json.loads(get(base + preview.VERSION_PATH))["version"]
            if now == version:
                break
            version = now


def test_an_edit_is_rebuilt_and_served_and_the_site_files_stay_clean(running):
    project, base, url, builds = running
    page = get(url)
    assert "Old text on the first slide." in page and "value = 41" in page
    assert preview.VERSION_PATH in page, "served HTML carries the reload script"
    deck = project / "lectures" / "week01-preview.qmd"
    before = json.loads(get(base + preview.VERSION_PATH))["version"]
    deck.write_text(DECK.replace("Old text", "New text"))
    wait_for_version(base, before)
    page = get(url)
    assert "New text on the first slide." in page and "Old text" not in page
    assert builds[-1] < 30, "a text edit is a cache hit: no kernel runs"
    on_disk = (project / "_site" / "lectures" / "week01-preview.html").read_text()
    assert "New text" in on_disk and preview.VERSION_PATH not in on_disk, "the site's files never get the script"


def test_an_edit_to_an_imported_module_re_runs_the_deck(running):
    project, base, url, _ = running
    before = json.loads(get(base + preview.VERSION_PATH))["version"]
    (project / "code" / "helper.py").write_text("def value():\n    return 42\n")
    wait_for_version(base, before)
    assert "value = 42" in get(url)


def test_a_failed_build_is_reported_to_the_page_and_the_last_page_stays(running):
    project, base, url, _ = running
    before = json.loads(get(base + preview.VERSION_PATH))["version"]
    deck = project / "lectures" / "week01-preview.qmd"
    deck.write_text(DECK.replace("## Third", "## Third\n\n{{< video intro.mp4 >}}"))
    version = wait_for_version(base, before)
    assert "BUILD FAILED" in version["error"] and "week01-preview.qmd" in version["error"]
    assert "Old text on the first slide." in get(url)
    deck.write_text(DECK)
    assert wait_for_version(base, version["version"])["error"] is None


@pytest.mark.browser
def test_the_open_tab_reloads_at_the_same_slide(running):
    from playwright.sync_api import sync_playwright

    from coursebuild.pdf import CHROMIUM_ARGS, chromium_path

    project, base, url, _ = running
    deck = project / "lectures" / "week01-preview.qmd"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 720})
            page.goto(f"{url}#/2")
            page.wait_for_function("() => window.Reveal && Reveal.isReady()")
            page.wait_for_timeout(2 * preview.POLL_MS)  # the page has seen the current version
            deck.write_text(DECK.replace("The end.", "The very end."))
            page.wait_for_function("() => document.body && document.body.innerText.includes('The very end.')"
                                   " && window.Reveal && Reveal.isReady()", timeout=60_000)
            assert page.evaluate("Reveal.getIndices().h") == 2
            assert page.evaluate("location.hash") == "#/2"
        finally:
            browser.close()


def run_watch(tmp_path: Path, monkeypatch, fake_build, polls: int = 15) -> list[bool]:
    """Run :func:`preview.watch` over one watched file with ``fake_build(n)`` as the build (no kernels) for
    ``polls`` watch intervals after a first save; returns one entry per build."""
    doc = tmp_path / "deck.qmd"
    doc.write_text("v0")
    builds: list[bool] = []

    def rebuild(root, rel, site, state, full=True):
        builds.append(full)
        fake_build(len(builds), doc)
        return 0.0

    monkeypatch.setattr(preview, "watched_files", lambda root, rel: {doc})
    monkeypatch.setattr(preview, "rebuild", rebuild)
    stop = threading.Event()
    seen = preview.snapshot({doc})
    watcher = threading.Thread(target=preview.watch, args=(tmp_path, "deck.qmd", tmp_path, preview.PreviewState(),
                                                           stop, lambda s: None, seen), daemon=True)
    watcher.start()
    doc.write_text("v1")
    time.sleep(polls * preview.WATCH_INTERVAL_S)
    stop.set()
    watcher.join(timeout=10)
    return builds


def test_a_save_made_while_a_build_runs_is_built_next(tmp_path, monkeypatch):
    """The author saves again while the first rebuild runs: that save must not be taken for the built state."""
    def build(n: int, doc: Path) -> None:
        if n == 1:
            doc.write_text("v2, saved during the build")

    assert len(run_watch(tmp_path, monkeypatch, build)) == 2


def test_a_build_that_rewrites_a_watched_file_with_the_same_bytes_does_not_loop(tmp_path, monkeypatch):
    """Comparing contents, not times: a build that touches a watched file without changing it builds once."""
    def build(n: int, doc: Path) -> None:
        doc.write_text(doc.read_text())
        os.utime(doc, ns=(time.time_ns(), time.time_ns() + 10**9))

    assert len(run_watch(tmp_path, monkeypatch, build)) == 1
