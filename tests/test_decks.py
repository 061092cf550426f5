"""Every registered deck and exercise meets the content standard that can be checked from its source.

What is checked here: the course page's bullets of the week are all mapped to slides that exist; slide
count; speaker notes on content slides; at most 6 bullets a slide; the standard slides (learning goals,
recap, failure modes, check your understanding, summary, references); code shown on at least one slide;
figure cells with alt text. The built site is checked in tests/test_site.py (figures, notices, links).
"""

from __future__ import annotations

import re

import pytest

from course_page import read_course_page
from coursebuild import qmd
from coursebuild import schedule as sched
from coursebuild.qmd import Cell

SCHEDULE = sched.load()
DECK_WEEKS = [w for w in SCHEDULE.weeks if w.deck]
EXERCISE_WEEKS = [w for w in SCHEDULE.weeks if w.exercise_source]
NO_NOTES_NEEDED = re.compile(r"references|check your understanding|questions|this week's notice", re.I)
STANDARD_SLIDES = {
    "learning goals": re.compile(r"learning goals", re.I),
    "failure modes": re.compile(r"fail|goes wrong|pitfall", re.I),
    "check your understanding": re.compile(r"check your understanding", re.I),
    "summary": re.compile(r"summary", re.I),
    "references": re.compile(r"references", re.I),
}


def slides(doc: qmd.Document) -> list[tuple[str, str, list[Cell]]]:
    """(title, markdown, cells) per `##` slide, code blocks excluded from the markdown."""
    out: list[tuple[str, str, list[Cell]]] = []
    for part in doc.parts:
        if isinstance(part, Cell):
            if out:
                out[-1][2].append(part)
            continue
        text = re.sub(r"```.*?```", "", part.text, flags=re.S)
        for line in text.splitlines():
            m = re.match(r"^## (.+?)\s*(\{.*\})?\s*$", line)
            if m:
                out.append((m.group(1).strip(), "", []))
            elif out:
                title, body, cells = out[-1]
                out[-1] = (title, body + line + "\n", cells)
    return out


@pytest.fixture(scope="module")
def course(root):
    return read_course_page(root / "docs" / "course-page.txt")


@pytest.mark.parametrize("week", DECK_WEEKS, ids=lambda w: f"week{w.number:02d}")
def test_deck_teaches_every_course_page_bullet_of_its_week(root, course, week):
    doc = qmd.parse(root / week.deck)
    meta = doc.front_matter
    assert meta.get("week") == week.number, "front matter week must match data/schedule.yml"
    assert f"Week {week.number}" in meta["format"]["revealjs"]["footer"]
    titles = {t for t, _, _ in slides(doc)}
    teaches = meta.get("teaches") or []
    mapped = {entry["bullet"]: entry["slides"] for entry in teaches}
    expected = course[week.number].bullets
    missing = [b for b in expected if b not in mapped]
    assert not missing, f"course-page bullets not mapped to slides in {week.deck}: {missing}"
    for bullet, slide_titles in mapped.items():
        assert slide_titles, f"bullet {bullet!r} has no slide"
        for title in slide_titles:
            assert title in titles, f"{week.deck}: slide {title!r} (teaching {bullet!r}) does not exist"


@pytest.mark.parametrize("week", DECK_WEEKS, ids=lambda w: f"week{w.number:02d}")
def test_deck_structure_fits_a_90_minute_lecture(root, week):
    doc = qmd.parse(root / week.deck)
    deck = slides(doc)
    assert 20 <= len(deck) <= 36, f"{len(deck)} slides (want 20-35 for 90 minutes)"
    titles = [t for t, _, _ in deck]
    for name, pattern in STANDARD_SLIDES.items():
        assert any(pattern.search(t) for t in titles), f"{week.deck} has no '{name}' slide"
    if week.number > 1:
        assert any(re.search(r"recap|last week", t, re.I) for t in titles), "no recap of last week"
    for title, body, _cells in deck:
        if not NO_NOTES_NEEDED.search(title):
            assert "::: {.notes}" in body or "::: notes" in body, f"slide {title!r} has no speaker notes"
        bullets = [ln for ln in body.splitlines() if re.match(r"^(- |\* |\d+\. )", ln)]
        assert len(bullets) <= 6, f"slide {title!r} has {len(bullets)} bullets (at most 6 for the back row)"
    assert any(c.options.get("echo") is True for c in doc.cells), "no slide where code is the lesson (echo: true)"
    # figure cells carry their alt text in the source; every <img> of the built deck having alt text is
    # checked on the site (test_site), so a figure cell without fig-alt cannot pass unnoticed
    figure_cells = [c for c in doc.cells if str(c.options.get("fig-alt", "")).strip()]
    assert len(figure_cells) >= 6, f"only {len(figure_cells)} figure cells with fig-alt (want at least 6)"
    for cell in doc.cells:
        assert len(cell.source.splitlines()) <= 12, f"cell {cell.label} is long: move it into code/mlpc/"


@pytest.mark.parametrize("week", EXERCISE_WEEKS, ids=lambda w: f"week{w.number:02d}")
def test_exercise_source_has_the_parts_of_a_handout(root, week):
    path = root / week.exercise_source
    text = path.read_text()
    doc = qmd.parse(path, allow_exercise=True)
    assert doc.front_matter.get("title")
    tasks = re.findall(r"^## Task", text, flags=re.M)
    assert 3 <= len(tasks) <= 6, f"{len(tasks)} tasks (want 3-6 of rising difficulty)"
    for words in ("hand in", "minutes"):
        assert words in text.lower(), f"the handout does not say '{words}'"
    assert text.count("::: {.solution}") >= len(tasks), "every task needs its solution block"
