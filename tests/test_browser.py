"""The site in a real browser (Debian's chromium driven by Playwright): click, present, no network, no overflow.

Screenshots of every deck's title slide and of the schedule page are kept in artifacts/screenshots/.
"""

from __future__ import annotations

import functools
import http.server
import re
import shutil
import tempfile
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest

from coursebuild import schedule as sched

pytestmark = pytest.mark.browser
SCHEDULE = sched.load()
DECKS = [w for w in SCHEDULE.weeks if w.deck]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]
#: how far (px, in the 1280x720 slide's own coordinates) content may reach past the slide edge
OVERFLOW_TOLERANCE_PX = 2


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server(site):
    handler = functools.partial(QuietHandler, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    from coursebuild.pdf import chromium_path

    chromium = chromium_path()
    profile = tempfile.mkdtemp(prefix="mlpc-chromium-")
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(profile, executable_path=chromium, headless=True,
                                                       args=CHROMIUM_ARGS, viewport={"width": 1280, "height": 720})
        yield context
        context.close()
    shutil.rmtree(profile, ignore_errors=True)


class Watch:
    """Records console errors, page errors and every request that does not go to localhost."""

    def __init__(self, page):
        self.errors: list[str] = []
        self.external: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))

        def route(r):
            host = urlparse(r.request.url).hostname
            if r.request.url.startswith(("data:", "blob:")) or host in {"127.0.0.1", "localhost"}:
                r.continue_()
            else:
                self.external.append(r.request.url)
                r.abort()

        page.route("**/*", route)


@pytest.fixture()
def page(browser):
    page = browser.new_page()
    page.watch = Watch(page)
    yield page
    page.close()


def test_home_to_schedule_to_every_slides_link(page, server, root):
    page.goto(f"{server}/index.html")
    page.get_by_role("link", name="Schedule", exact=True).first.click()
    page.wait_for_url(re.compile(r"schedule\.html$"))
    shots = root / "artifacts" / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / "schedule.png"), full_page=True)
    slides = page.locator("table.schedule-table a", has_text=re.compile(r"^Slides$"))
    hrefs = [slides.nth(i).get_attribute("href") for i in range(slides.count())]
    assert hrefs == [str(Path(w.deck).with_suffix(".html")) for w in DECKS]
    for week, href in zip(DECKS, hrefs, strict=True):
        page.goto(f"{server}/schedule.html")
        page.locator(f'#week-{week.number:02d} a[href="{href}"]').click()
        page.wait_for_function("() => window.Reveal && Reveal.isReady()")
        total = page.evaluate("Reveal.getTotalSlides()")
        assert total >= 20, f"week {week.number}: {total} slides"
        page.screenshot(path=str(shots / f"week{week.number:02d}-title.png"))
        page.keyboard.press("ArrowRight")
        page.wait_for_function("() => Reveal.getIndices().h === 1")
        page.keyboard.press("ArrowRight")
        page.wait_for_function("() => Reveal.getIndices().h === 2")
        page.keyboard.press("ArrowLeft")
        page.wait_for_function("() => Reveal.getIndices().h === 1")
        notes = page.evaluate("document.querySelectorAll('.slides section aside.notes').length")
        assert notes >= 15, f"week {week.number}: {notes} slides with speaker notes"
    assert not page.watch.external, f"requests left localhost: {page.watch.external[:5]}"
    assert not page.watch.errors, f"console errors: {page.watch.errors[:5]}"


def test_every_exercise_solution_and_pdf_link_opens(page, server, site):
    page.goto(f"{server}/schedule.html")
    links = page.eval_on_selector_all("table.schedule-table a", "els => els.map(e => e.getAttribute('href'))")
    assert any(h.startswith("handouts/") for h in links) and any(h.startswith("pdf/") for h in links)
    for href in links:
        response = page.request.get(f"{server}/{href}")
        assert response.ok, f"{href}: HTTP {response.status}"
        if href.endswith(".pdf"):
            assert response.body()[:5] == b"%PDF-"
        elif href.endswith(".html"):
            page.goto(f"{server}/{href}")
            assert page.locator("h1").first.is_visible()
    assert not page.watch.external and not page.watch.errors, (page.watch.external[:3], page.watch.errors[:3])


def test_every_page_loads_without_network_or_console_errors(page, server, site):
    for html in sorted(site.glob("*.html")) + sorted(site.glob("handouts/*.html")) + sorted(
            site.glob("solutions/*.html")):
        page.goto(f"{server}/{html.relative_to(site).as_posix()}")
        page.wait_for_load_state("load")
    assert not page.watch.external, f"requests left localhost: {page.watch.external[:5]}"
    assert not page.watch.errors, f"console errors: {page.watch.errors[:5]}"


def test_a_deck_opens_at_the_slide_its_url_names(page, server):
    deck = Path(DECKS[0].deck).with_suffix(".html")
    page.goto(f"{server}/{deck}#/5")
    page.wait_for_function("() => window.Reveal && Reveal.isReady()")
    assert page.evaluate("Reveal.getIndices().h") == 5
    assert page.evaluate("!!document.querySelector('.reveal .slide-number')")
    assert page.evaluate("!!document.querySelector('.reveal .footer')")
    assert page.evaluate("typeof katex") == "object" or "class=\"math" not in page.content()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => Reveal.getIndices().h === 6")
    assert page.evaluate("location.hash") == "#/6", "the address shows slide numbers while moving (hash-type: number)"


def open_deck(page, server, week, slide: int = 0) -> None:
    page.goto(f"{server}/{Path(week.deck).with_suffix('.html')}#/{slide}")
    page.wait_for_function("() => window.Reveal && Reveal.isReady()")


def test_a_deck_has_quartos_menu_chalkboard_and_copy_buttons_served_offline(page, server):
    week = DECKS[0]
    open_deck(page, server, week, 1)
    assert {"menu", "RevealChalkboard"} <= set(page.evaluate("Object.keys(Reveal.getPlugins())"))
    board = "getComputedStyle(document.getElementById('chalkboard'))"  # the chalkboard's canvas container
    assert page.evaluate("!!document.querySelector('#chalkboard canvas')"), "the chalkboard's canvas is on the page"
    assert page.evaluate(f"{board}.visibility === 'hidden' || {board}.opacity === '0'"), "closed until asked for"
    page.locator(".slide-chalkboard-buttons button").first.click()
    page.wait_for_function(f"() => {board}.visibility === 'visible' && {board}.opacity === '1'")
    page.keyboard.press("b")
    page.wait_for_function(f"() => {board}.visibility === 'hidden' || {board}.opacity === '0'")
    page.locator(".slide-menu-button").click()
    page.wait_for_selector(".slide-menu.active")
    items = page.locator(".slide-menu-items li.slide-menu-item")
    assert items.count() == page.evaluate("Reveal.getTotalSlides()"), "the menu lists every slide"
    items.nth(4).click()
    page.wait_for_function("() => Reveal.getIndices().h === 4")
    with_code = page.evaluate("Array.from(document.querySelectorAll('.reveal div.sourceCode')).length")
    assert with_code >= 1, f"week {week.number}: no code shown on any slide"
    assert page.evaluate("document.querySelectorAll('.reveal div.sourceCode > .code-copy-button').length") == with_code
    fonts = page.evaluate("document.fonts.load('900 18px \"Font Awesome 5 Free\"').then(f => f.length > 0)")
    assert fonts, "the icon font (site_libs, no CDN) is loaded"
    assert not page.watch.external, f"requests left localhost: {page.watch.external[:5]}"
    assert not page.watch.errors, f"console errors: {page.watch.errors[:5]}"


#: rectangles (in CSS px of the 1280x720 window) of the slide number, the visible prev/next controls, the menu and
#: chalkboard buttons and the footer's text
CHROME_BOXES_JS = """
() => {
  const box = e => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
  const shown = e => { const s = getComputedStyle(e);
    return s.visibility !== 'hidden' && s.display !== 'none' && parseFloat(s.opacity) > 0
           && e.getBoundingClientRect().width > 0; };
  const out = {number: box(document.querySelector('.reveal .slide-number'))};
  document.querySelectorAll('.reveal .controls button').forEach(b => { if (shown(b)) out[b.className] = box(b); });
  out.menu = box(document.querySelector('.slide-menu-button'));
  out.chalkboard = box(document.querySelector('.slide-chalkboard-buttons'));
  const text = document.createRange();
  text.selectNodeContents(document.querySelector('.reveal > .footer p'));
  out.footer = box(text);
  return out;
}
"""


def overlaps(a: list[float], b: list[float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@pytest.mark.parametrize("week", DECKS, ids=lambda w: f"week{w.number:02d}")
def test_controls_and_buttons_never_cover_the_slide_number_or_the_footer(page, server, week):
    for where in ("1", "last"):
        open_deck(page, server, week, 1)
        if where == "last":
            page.evaluate("Reveal.slide(Reveal.getTotalSlides() - 1)")
        boxes = page.evaluate(CHROME_BOXES_JS)
        assert any("navigate-" in name for name in boxes), "prev/next controls are shown"
        names = sorted(boxes)
        clashes = [(a, b) for i, a in enumerate(names) for b in names[i + 1:] if overlaps(boxes[a], boxes[b])]
        assert not clashes, f"week {week.number}, slide {where}: overlapping {clashes}: {boxes}"


OVERFLOW_JS = """
() => {
  const out = [];
  const slides = Reveal.getSlides();
  const W = Reveal.getConfig().width, H = Reveal.getConfig().height;
  slides.forEach((s, i) => {
    Reveal.slide(i);
    const scale = Reveal.getScale();
    const box = document.querySelector('.reveal .slides').getBoundingClientRect();
    let maxBottom = 0, maxRight = 0;
    s.querySelectorAll(':scope > *:not(aside):not(.notes)').forEach(el => {
      const r = el.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) return;
      maxBottom = Math.max(maxBottom, (r.bottom - box.top) / scale);
      maxRight = Math.max(maxRight, (r.right - box.left) / scale);
    });
    const title = (s.querySelector('h1,h2') || {}).textContent || '(untitled)';
    out.push({i, title, bottom: Math.round(maxBottom), right: Math.round(maxRight), W, H});
  });
  return out;
}
"""


@pytest.mark.parametrize("week", DECKS, ids=lambda w: f"week{w.number:02d}")
def test_no_slide_content_overflows_1280x720(page, server, week):
    deck = Path(week.deck).with_suffix(".html")
    page.goto(f"{server}/{deck}")
    page.wait_for_function("() => window.Reveal && Reveal.isReady()")
    page.evaluate("Promise.all(Array.from(document.images).map(i => { i.loading = 'eager'; "
                  "if (i.dataset.src && !i.src) i.src = i.dataset.src; return i.decode().catch(() => null); }))")
    rows = page.evaluate(OVERFLOW_JS)
    over = [r for r in rows if r["bottom"] > r["H"] + OVERFLOW_TOLERANCE_PX
            or r["right"] > r["W"] + OVERFLOW_TOLERANCE_PX]
    assert not over, "slides whose content overflows 1280x720:\n" + "\n".join(
        f"  slide {r['i']} '{r['title']}': content reaches {r['right']}x{r['bottom']} px" for r in over)
