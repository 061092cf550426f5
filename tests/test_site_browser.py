"""The site on a phone (390 × 844) and a laptop (1280 × 800) in a real browser: layout, schedule, search, axe-core.

Uses the server and browser of test_browser.py. Screenshots of the home page, the schedule and one handout at
both widths are kept in _build/screenshots/ (CI artefacts). axe-core comes from npm (node_modules/axe-core);
it runs in every site page, three decks (also in reveal's print view, where every slide is laid out, so the
code and notices of slides other than the first are checked too) and two handouts.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from coursebuild import schedule as sched
from test_browser import browser, page, server  # noqa: F401  (fixtures shared with the deck tests)

pytestmark = pytest.mark.browser
SCHEDULE = sched.load()
WIDTHS = {"phone": (390, 844), "desktop": (1280, 800)}
SITE_PAGES = ["index.html", "schedule.html", "lectures.html", "exercises.html", "datasets.html", "review.html"]
DECKS = [str(Path(w.deck).with_suffix(".html")) for w in SCHEDULE.weeks if w.deck][:3]
HANDOUTS = [f"handouts/{w.slug}.html" for w in SCHEDULE.weeks if w.slug][:2]
#: axe-core impacts that fail the test
BLOCKING = ("serious", "critical")


def open_at(page, server, path: str, width: str) -> None:  # noqa: F811
    w, h = WIDTHS[width]
    page.set_viewport_size({"width": w, "height": h})
    page.goto(f"{server}/{path}")
    page.wait_for_load_state("load")


def shoot(page, root: Path, name: str) -> None:  # noqa: F811
    shots = root / "_build" / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / f"{name}.png"), full_page=True)


def horizontal_overflow(page) -> int:  # noqa: F811
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


@pytest.mark.parametrize("width", list(WIDTHS))
def test_no_page_scrolls_sideways_and_the_navbar_fits(page, server, site, width):  # noqa: F811
    pages = SITE_PAGES + sorted(p.relative_to(site).as_posix() for p in site.glob("handouts/*.html"))
    wide = []
    for path in pages:
        open_at(page, server, path, width)
        if horizontal_overflow(page) > 0:
            wide.append(f"{path}: {horizontal_overflow(page)} px too wide")
    assert not wide, "pages that scroll sideways:\n" + "\n".join(wide)
    open_at(page, server, "index.html", width)
    toggler = page.locator(".navbar-toggler")
    exercises = page.locator(".navbar .nav-link", has_text="Exercises")
    if width == "phone":
        assert toggler.is_visible() and not exercises.is_visible(), "the navbar must collapse into a menu"
        toggler.click()
        exercises.wait_for(state="visible")
        assert page.locator("#site-search input").is_visible(), "the search box is in the menu"
    else:
        assert not toggler.is_visible() and exercises.is_visible()
    box = exercises.bounding_box()
    assert box and box["x"] + box["width"] <= WIDTHS[width][0], "a navbar item is off-screen"
    assert not page.watch.external and not page.watch.errors, (page.watch.external[:3], page.watch.errors[:3])


@pytest.mark.parametrize("width", list(WIDTHS))
def test_schedule_shows_every_week_with_labelled_dates_and_all_links(page, server, root, width):  # noqa: F811
    open_at(page, server, "schedule.html", width)
    shoot(page, root, f"schedule-{width}")
    assert horizontal_overflow(page) <= 0
    viewport = WIDTHS[width][0]
    for week in SCHEDULE.weeks:
        row = page.locator(f"#week-{week.number:02d}")
        dates = row.locator("td.dates").inner_text()
        assert "Lecture" in dates and "Exercise" in dates, f"week {week.number}: dates without labels"
        assert f"{week.lecture.date:%d.%m.%Y}" in dates and f"{week.exercise.date:%d.%m.%Y}" in dates
        for notice in week.notices:
            assert row.get_by_text(notice.label).is_visible(), f"week {week.number}: notice not visible"
        # a date or a time range never breaks inside: every .nowrap span is one line box
        broken = row.evaluate("r => [...r.querySelectorAll('.nowrap')].filter(s => new Set([...s.getClientRects()]"
                              ".map(b => Math.round(b.bottom))).size > 1).map(s => s.textContent)")
        assert not broken, f"week {week.number}: broken inside {broken}"
        links = row.locator("a")
        for i in range(links.count()):
            link = links.nth(i)
            box = link.bounding_box()
            assert link.is_visible() and box and 0 <= box["x"] and box["x"] + box["width"] <= viewport, \
                f"week {week.number}: link '{link.inner_text()}' is not fully on screen at {viewport} px"
        if week.deck:
            assert row.locator("a", has_text=re.compile(r"^Slides$")).count() == 1
        if week.slug:
            assert row.locator("a", has_text=re.compile(r"^Exercise$")).count() == 1
        assert row.locator("a.pdf").count() >= (week.deck is not None) + (week.slug is not None)


@pytest.mark.parametrize("width", list(WIDTHS))
def test_home_page_this_week_card_above_the_fold(page, server, root, width):  # noqa: F811
    open_at(page, server, "index.html", width)
    shoot(page, root, f"home-{width}")
    card = page.locator("#this-week").bounding_box()
    assert card and card["y"] < WIDTHS[width][1] - 120, f"the week card starts at {card} (below the fold)"
    assert page.locator("#course-facts").is_visible()
    open_at(page, server, HANDOUTS[0], width)
    shoot(page, root, f"handout-{width}")
    assert horizontal_overflow(page) <= 0


def slide_word(site: Path, deck: str) -> tuple[str, str]:
    """A slide title of ``deck`` that appears on no other page of the site (so the search must find this deck)."""
    html = (site / deck).read_text(encoding="utf-8")
    others = "\n".join(p.read_text(encoding="utf-8") for p in site.rglob("*.html")
                       if "site_libs" not in p.parts and p != site / deck)
    for title in re.findall(r"<h2[^>]*>([^<]{12,60})</h2>", html):
        words = [w for w in re.findall(r"[A-Za-z]{7,}", title) if w.lower() not in others.lower()]
        if words:
            return words[0], title
    pytest.fail(f"{deck}: no slide title with a word found nowhere else")


@pytest.mark.parametrize("width", list(WIDTHS))
def test_search_finds_a_slide_by_a_word_on_it(page, server, site, width):  # noqa: F811
    deck = DECKS[1]
    word, title = slide_word(site, deck)
    open_at(page, server, "schedule.html", width)
    if width == "phone":
        page.locator(".navbar-toggler").click()
    box = page.locator("#site-search input")
    box.wait_for(state="visible")
    box.fill(word)
    result = page.locator(f'#site-search a.pagefind-ui__result-link[href*="{deck}"]').first
    result.wait_for(state="visible", timeout=15000)
    assert result.is_visible(), f"searching '{word}' (slide '{title}') did not list {deck}"
    assert not page.watch.external and not page.watch.errors, (page.watch.external[:3], page.watch.errors[:3])


AXE_TARGETS = SITE_PAGES + DECKS + [f"{d}?print-pdf" for d in DECKS] + HANDOUTS


@pytest.mark.parametrize("width", list(WIDTHS))
def test_axe_core_finds_no_serious_or_critical_violation(page, server, root, width):  # noqa: F811
    axe = root / "node_modules" / "axe-core" / "axe.min.js"
    assert axe.exists(), "axe-core is not installed: run `npm ci`"
    found = []
    for path in AXE_TARGETS:
        open_at(page, server, path, width)
        if path.startswith("lectures/") and "print-pdf" not in path:
            page.wait_for_function("() => window.Reveal && Reveal.isReady()")
        page.add_script_tag(path=str(axe))
        violations = page.evaluate("async () => (await axe.run(document)).violations.map(v => ({id: v.id, "
                                   "impact: v.impact, nodes: v.nodes.map(n => n.target.join(' '))}))")
        for v in violations:
            if v["impact"] in BLOCKING:
                found.append(f"{path} at {width}: {v['impact']} {v['id']} on {v['nodes'][:3]}")
    assert not found, "axe-core violations:\n" + "\n".join(found)
