"""The built site: links and assets resolve, notices show where they belong, no solution leaks, no network.

`_site/` is the student build made by `make site` (the test command builds it first). The leak tests
build further student sites at several "today" dates into temporary folders (execution comes from the
cache, so each takes seconds).
"""

from __future__ import annotations

import datetime as dt
import os
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from coursebuild import schedule as sched
from coursebuild import search
from coursebuild.exercises import split_exercise
from coursebuild.prerender import run as prerender
from coursebuild.project import Project
from coursebuild.site import build_site

SCHEDULE = sched.load()
TEXT_SUFFIXES = {".html", ".css", ".js", ".json", ".xml", ".txt", ".ics", ".md", ".qmd"}


class Refs(HTMLParser):
    """Collects every URL a page refers to, with the tag that refers to it."""

    def __init__(self) -> None:
        super().__init__()
        self.refs: list[tuple[str, str, str]] = []
        self.images: list[dict[str, str | None]] = []

    def handle_starttag(self, tag, attrs):
        d = dict(attrs)
        for key in ("href", "src", "data-src"):
            if d.get(key):
                self.refs.append((tag, key, d[key]))
        if tag == "img":
            self.images.append(d)


def parse(path: Path) -> Refs:
    refs = Refs()
    refs.feed(path.read_text(encoding="utf-8"))
    return refs


def html_pages(site: Path) -> list[Path]:
    return sorted(p for p in site.rglob("*.html") if "site_libs" not in p.parts)


def test_every_page_of_the_render_list_was_built(root, site, build_report):
    project = Project.load(root)
    expected = {project.relative(p) for p in project.render_list()}
    built = {d["source"] for d in build_report["documents"]}
    assert expected == built
    for doc in build_report["documents"]:
        assert (site / doc["output"]).exists()
        if doc["cells"]:
            assert doc["executed"] or doc["cache_hit"], f"{doc['source']} was not executed"


def test_every_internal_link_and_asset_resolves(site):
    broken = []
    for page in html_pages(site):
        for tag, attr, url in parse(page).refs:
            parsed = urlparse(url)
            if parsed.scheme in {"http", "https", "mailto"} or url.startswith("#"):
                continue
            assert not parsed.scheme, f"{page.relative_to(site)}: unexpected URL scheme in {url}"
            target = (page.parent / unquote(parsed.path)).resolve()
            if not target.exists():
                broken.append(f"{page.relative_to(site)}: <{tag} {attr}={url}>")
    assert not broken, "broken links/assets:\n" + "\n".join(broken)


def test_no_asset_is_loaded_from_the_network(site):
    offenders = []
    for page in html_pages(site):
        for tag, attr, url in parse(page).refs:
            if tag in {"script", "link", "img", "iframe", "video", "source"} and re.match(r"(https?:)?//", url):
                offenders.append(f"{page.relative_to(site)}: <{tag} {attr}={url}>")
        text = page.read_text(encoding="utf-8")
        for m in re.finditer(r"@import\s+url\(['\"]?(https?:)?//", text):
            offenders.append(f"{page.relative_to(site)}: css import {m.group(0)}")
    for css in site.rglob("*.css"):
        if re.search(r"url\(['\"]?(https?:)?//", css.read_text(encoding="utf-8", errors="ignore")):
            offenders.append(str(css.relative_to(site)))
    assert not offenders, "network references:\n" + "\n".join(offenders)


def test_no_page_shows_a_python_object_repr(site):
    """A cell ending in ``ax.legend()`` or ``plt.plot(...)`` prints ``<matplotlib.legend.Legend at 0x…>`` under
    its figure; end such a line with ``;`` (Quarto shows the same repr)."""
    leaks = []
    for page in html_pages(site):
        for m in re.finditer(r"&lt;(matplotlib\.[\w.]+|Figure size)[^&]*&gt;", page.read_text(encoding="utf-8")):
            leaks.append(f"{page.relative_to(site)}: {m.group(0)}")
    assert not leaks, "object reprs in cell output:\n" + "\n".join(leaks)


@pytest.mark.parametrize("week", [w for w in SCHEDULE.weeks if w.deck], ids=lambda w: f"week{w.number:02d}")
def test_deck_title_slide_figures_and_notes(site, week):
    html = (site / Path(week.deck).with_suffix(".html")).read_text(encoding="utf-8")
    refs = parse(site / Path(week.deck).with_suffix(".html"))
    title = html.split("quarto-title-block", 1)[1].split("</section>", 1)[0]
    assert f"Week {week.number}" in title and week.lecture.date_text in title
    figures = [img for img in refs.images if "_files/figure-revealjs/" in (img.get("src") or img.get("data-src") or "")]
    assert len(figures) >= 6, f"{week.deck}: {len(figures)} figures made by code (want at least 6)"
    assert all((img.get("alt") or "").strip() for img in refs.images), f"{week.deck}: an image without alt text"
    assert html.count('<aside class="notes">') >= 15


def test_every_image_of_every_page_has_alt_text(site):
    """Decks, handouts, solutions and site pages: every image says what it shows (``fig-alt`` on the cell)."""
    missing = []
    for page in html_pages(site):
        for img in parse(page).images:
            if not (img.get("alt") or "").strip():
                missing.append(f"{page.relative_to(site)}: {img.get('src') or img.get('data-src')}")
    assert not missing, f"{len(missing)} images without alt text:\n" + "\n".join(missing)


def test_search_index_covers_pages_decks_and_handouts(site):
    indexed = search.index_text(site)
    for week in SCHEDULE.weeks:
        if week.deck:
            assert f"/{Path(week.deck).with_suffix('.html')}" in indexed, f"{week.deck} is not in the search index"
        if week.slug:
            assert f"/handouts/{week.slug}.html" in indexed, f"handout of week {week.number} is not indexed"
    assert "/schedule.html" in indexed and "/index.html" in indexed


def notice_pages(week: sched.Week, notice: sched.Notice) -> list[str]:
    pages = []
    if week.deck:
        pages.append(str(Path(week.deck).with_suffix(".html")))
    if notice.session == "exercise" and week.slug:
        pages.append(f"handouts/{week.slug}.html")
    return pages


@pytest.mark.parametrize(("week", "notice"), [(w, n) for w in SCHEDULE.weeks for n in w.notices],
                         ids=lambda x: getattr(x, "holiday", "") or f"week{getattr(x, 'number', '')}")
def test_holiday_notice_on_the_schedule_and_the_affected_pages(site, week, notice):
    schedule_html = (site / "schedule.html").read_text(encoding="utf-8")
    row = schedule_html.split(f'id="week-{week.number:02d}"', 1)[1].split("</tr>", 1)[0]
    assert notice.label in row and notice.message in row
    for page in notice_pages(week, notice):
        html = (site / page).read_text(encoding="utf-8")
        assert f'class="notice notice-{notice.kind}"' in html and notice.label in html, page
        assert notice.message in html, page


def test_home_page_has_the_week_card_and_the_calendar_is_published(site):
    home = (site / "index.html").read_text(encoding="utf-8")
    assert 'id="this-week"' in home
    ics = (site / "calendar" / "ml-pc.ics").read_text()
    assert ics.startswith("BEGIN:VCALENDAR") and ics.count("BEGIN:VEVENT") == 28
    assert 'href="calendar/ml-pc.ics"' in (site / "schedule.html").read_text(encoding="utf-8")


def public_text(root: Path) -> str:
    """Material that is public anyway: every deck and every handout (hints may quote a solution line)."""
    parts = [deck.read_text(encoding="utf-8") for deck in (root / "lectures").glob("week*.qmd")]
    parts += [split_exercise(root / w.exercise_source, w.number).handout for w in WEEKS_WITH_EXERCISE]
    return "\n".join(parts)


def secret_lines(root: Path, week: sched.Week) -> list[str]:
    """Lines only the solution has (not in any deck or handout): none may appear in a site that does not release it."""
    split = split_exercise(root / week.exercise_source, week.number)
    public = public_text(root)
    lines = [ln.strip() for ln in split.solution.splitlines() if ln.strip() not in public]
    return [ln for ln in lines if len(ln) >= 25 and not ln.startswith(("title:", ":::", "```", "#|"))]


def site_text(site: Path) -> str:
    return "\n".join(p.read_text(encoding="utf-8", errors="ignore") for p in site.rglob("*")
                     if p.is_file() and p.suffix in TEXT_SUFFIXES and "site_libs" not in p.parts)


def collapsed(text: str) -> str:
    """Whitespace collapsed to single spaces, as the search index stores a page."""
    return " ".join(text.split())


@pytest.fixture(scope="module")
def restore_generated(root):
    yield
    os.environ.pop("MLPC_TODAY", None)
    os.environ["MLPC_BUILD"] = "student"
    prerender(root)


WEEKS_WITH_EXERCISE = [w for w in SCHEDULE.weeks if w.exercise_source]
_W1_EXERCISE = SCHEDULE.week(1).exercise
_SELF_STUDY = next((w.exercise for w in SCHEDULE.weeks if w.exercise.notice), SCHEDULE.week(8).exercise)
LEAK_DATES = {  # from the schedule, so that they hold in any year
    "before-semester": f"{SCHEDULE.week(1).lecture.date - dt.timedelta(days=44)}T12:00",
    "week1-exercise-day-before-session": f"{_W1_EXERCISE.date}T12:00",
    "week1-just-after-session": f"{_W1_EXERCISE.ends_at + dt.timedelta(minutes=1):%Y-%m-%dT%H:%M}",
    "during-a-week-without-its-exercise-session": f"{_SELF_STUDY.date}T12:00",
}


@pytest.mark.parametrize("label", list(LEAK_DATES))
def test_student_build_has_no_trace_of_unreleased_solutions(root, site, tmp_path, label, restore_generated):
    today = LEAK_DATES[label]
    out = tmp_path / "site"
    build_site(root, out=out, env={"MLPC_TODAY": today, "MLPC_BUILD": "student"})
    now = dt.datetime.fromisoformat(today).replace(tzinfo=SCHEDULE.tz)
    text = site_text(out)
    indexed = collapsed(search.index_text(out))
    public = collapsed(public_text(root))
    for week in WEEKS_WITH_EXERCISE:
        released = now >= week.release_at
        page = out / "solutions" / f"{week.slug}.html"
        assert page.exists() is released, f"{label}: solution of week {week.number} exists={page.exists()}"
        assert (f"solutions/{week.slug}.html" in text) is released
        assert (f"/solutions/{week.slug}.html" in indexed) is released, f"{label}: week {week.number} in the index"
        if not released:
            leaks = [ln for ln in secret_lines(root, week) if ln in text]
            assert not leaks, f"{label}: week {week.number} solution text in the student site: {leaks[:3]}"
            # the index collapses whitespace, so a line the handout wraps differently may match there: count only
            # lines that are not in the public text once collapsed too
            leaks = [ln for ln in secret_lines(root, week)
                     if collapsed(ln) in indexed and collapsed(ln) not in public]
            assert not leaks, f"{label}: week {week.number} solution text in the search index: {leaks[:3]}"
            assert not (root / "solutions" / f"{week.slug}.qmd").exists(), "unreleased solution source exists"
        assert (out / "handouts" / f"{week.slug}.html").exists()
    assert all(f"/handouts/{w.slug}.html" in indexed for w in WEEKS_WITH_EXERCISE), "the search index is incomplete"


def test_instructor_build_shows_every_solution(root, tmp_path, restore_generated):
    out = tmp_path / "instructor"
    build_site(root, out=out, env={"MLPC_TODAY": LEAK_DATES["before-semester"], "MLPC_BUILD": "instructor"})
    for week in WEEKS_WITH_EXERCISE:
        assert (out / "solutions" / f"{week.slug}.html").exists()
