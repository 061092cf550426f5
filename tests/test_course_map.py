"""The home page's and the review page's maps: verbatim course-page texts, weeks in range, no broken links."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
from matplotlib.figure import Figure
from matplotlib.text import Annotation

from coursebuild import course_map
from coursebuild.pages import pdf_url
from coursebuild.schedule import Schedule, load
from mlpc.figures.home import SYNERGY_BOXES, synergy_map

ROOT = Path(__file__).resolve().parents[1]
LINK_RE = re.compile(r"\]\(([^)]+)\)")


def _section_bullets(heading: str) -> list[str]:
    """The ``- `` bullets under a numbered heading (e.g. ``1.4 Learning Outcomes``) of the course page."""
    lines = (ROOT / "docs" / "course-page.txt").read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == heading)
    bullets = []
    for line in lines[start + 1:]:
        text = line.strip()
        if re.match(r"^\d+(\.\d+)+ ", text):
            break
        if text.startswith("- "):
            bullets.append(text[2:].strip())
    return bullets


@pytest.fixture(scope="module")
def schedule() -> Schedule:
    return load()


def _listed_urls(schedule: Schedule) -> set[str]:
    """Every page the schedule lists (decks, handouts, solutions) and their PDFs."""
    urls = set()
    for w in schedule.weeks:
        if w.deck:
            urls.add(str(Path(w.deck).with_suffix(".html")))
        if w.slug:
            urls |= {f"handouts/{w.slug}.html", f"solutions/{w.slug}.html"}
    urls |= {f"{folder}/{lab.stem}.html" for lab in course_map.OPTIONAL_LABS for folder in ("handouts", "solutions")}
    return urls | {pdf_url(u) for u in urls}


def _week_text(schedule: Schedule, number: int) -> str:
    """A week's deck and exercise source, the files a link to that week promises."""
    week = schedule.week(number)
    return "\n".join((ROOT / rel).read_text(encoding="utf-8") for rel in (week.deck, week.exercise_source) if rel)


def test_outcomes_are_the_course_page_verbatim():
    expected = _section_bullets("1.4 Learning Outcomes")
    assert len(expected) == 7
    assert [m.text for m in course_map.LEARNING_OUTCOMES] == expected


def test_labs_are_the_course_page_verbatim():
    expected = _section_bullets("1.5 Lab Possibilities")
    assert len(expected) == 10
    assert [m.text for m in course_map.LAB_POSSIBILITIES] == expected


@pytest.mark.parametrize("items", [course_map.LEARNING_OUTCOMES, course_map.LAB_POSSIBILITIES,
                                   course_map.DIFFICULT_TOPICS])
def test_every_item_is_mapped_to_a_teaching_week(items):
    for item in items:
        assert item.weeks, item.text
        assert all(1 <= n <= 13 for n in item.weeks), item.text  # week 14 has no new material
        assert len(set(item.weeks)) == len(item.weeks), item.text


def test_every_teaching_week_serves_some_outcome():
    taught = {n for m in course_map.LEARNING_OUTCOMES for n in m.weeks}
    assert taught == set(range(1, 14))


@pytest.mark.parametrize("render", [course_map.outcomes_markdown, course_map.labs_markdown,
                                    course_map.difficult_topics_markdown, course_map.materials_markdown])
def test_links_only_to_what_the_schedule_lists(schedule, render):
    links = LINK_RE.findall(render(schedule))
    assert links, render.__name__
    listed = _listed_urls(schedule)
    for url in links:
        assert url in listed, url
        if not url.startswith("pdf/"):
            source = ROOT / Path(url).with_suffix(".qmd")
            if url.startswith(("handouts/", "solutions/")):
                source = ROOT / "exercises" / Path(url).with_suffix(".qmd").name
            assert source.exists(), source


def test_unwritten_week_is_in_preparation_without_links(schedule):
    bare = dataclasses.replace(schedule.week(3), deck=None, exercise_source=None)
    assert course_map.week_links(bare) == "Week 3 (in preparation)"
    only_deck = dataclasses.replace(schedule.week(3), exercise_source=None)
    text = course_map.week_links(only_deck)
    assert "handouts/" not in text and "exercise in preparation" in text
    weeks = [bare if w.number == 3 else w for w in schedule.weeks]
    fake = dataclasses.replace(schedule, weeks=weeks)
    rendered = course_map.labs_markdown(fake)
    assert "Week 3 (in preparation)" in rendered
    assert "week03" not in rendered


def test_materials_link_pdfs_and_released_solutions_only(schedule):
    text = course_map.materials_markdown(schedule, when=schedule.week(1).lecture.starts_at, mode="student")
    assert "solutions/" not in text  # nothing is released before the first session
    w1 = schedule.week(1)
    assert f"pdf/{w1.slug}-handout.pdf" in text
    after = course_map.materials_markdown(schedule, when=w1.release_at, mode="student")
    assert f"solutions/{w1.slug}.html" in after and f"pdf/{w1.slug}-solution.pdf" in after
    assert "Week 14" not in after  # the buffer week is the review page itself


def test_course_facts_and_buffer_text_come_from_the_schedule(schedule):
    changed = dataclasses.replace(schedule, course={**schedule.course, "ects": 6, "semester": "Winter 2030"})
    assert course_map.course_facts(changed).startswith("Winter 2030 · 6 ECTS")
    assert course_map.buffer_text(schedule).startswith("No new material.")


def test_synergy_map_is_a_figure_with_the_three_courses():
    fig = synergy_map()
    assert isinstance(fig, Figure)
    texts = {t.get_text() for t in fig.axes[0].texts}
    assert {"MFML", "ML-PC", "MG"} <= texts
    for _, _, items, _ in SYNERGY_BOXES:
        assert set(items) <= texts
    assert "Gaussian Processes" in texts and "crystal structures" in texts


def test_self_test_answers_appear_only_after_release(schedule):
    early = course_map.self_test_markdown(schedule, when=schedule.week(1).lecture.starts_at, mode="student")
    assert early.count("answer released with the week's solution") == len(course_map.SELF_TESTS)
    late = course_map.self_test_markdown(schedule, when=schedule.week(13).release_at, mode="student")
    assert "answer released" not in late and course_map.SELF_TESTS[0].answer in late
    assert {t.week for t in course_map.SELF_TESTS} == set(range(7, 14))


@pytest.mark.parametrize("items", [course_map.LEARNING_OUTCOMES, course_map.LAB_POSSIBILITIES,
                                   course_map.DIFFICULT_TOPICS], ids=["outcomes", "labs", "topics"])
def test_every_link_points_to_a_week_that_teaches_it(schedule, items):
    """Each (item, week) link names the evidence that week's deck or exercise must contain, and it does."""
    missing = []
    for item in items:
        assert len(item.evidence) == len(item.weeks), f"one evidence pattern per week: {item.text}"
        for number, pattern in zip(item.weeks, item.evidence, strict=True):
            if not re.search(pattern, _week_text(schedule, number), re.I):
                missing.append(f"Week {number} lacks /{pattern}/ for: {item.text}")
    assert not missing, "\n".join(missing)


def test_evidence_check_fails_for_a_false_link(schedule):
    """The check above can fail: Week 2 (Fourier, data formation) does not teach Gaussian Processes."""
    assert not re.search(course_map.LEARNING_OUTCOMES[4].evidence[0], _week_text(schedule, 2), re.I)
    assert not re.search(r"NMF of an EELS map", _week_text(schedule, 4), re.I)


def test_process_maps_and_surrogate_links_are_the_ones_the_weeks_realise():
    outcomes = {m.text: m.weeks for m in course_map.LEARNING_OUTCOMES}
    labs = {m.text: m.weeks for m in course_map.LAB_POSSIBILITIES}
    assert 7 in outcomes["Apply Gaussian Processes and neural networks as surrogate models."]
    assert {7, 8} <= set(outcomes["Evaluate generalization, robustness, and uncertainty in experimental ML models."])
    assert {7, 8} <= set(outcomes["Integrate physical constraints into ML workflows."])
    assert labs["GP-based process maps."] == (11,)  # Week 8's process map uses boosted trees, not a GP


def test_every_optional_lab_is_linked_from_its_lab_and_realises_it(schedule):
    assert course_map.OPTIONAL_LABS, "lab 9 (EBSD pattern classification) is realised by an optional lab"
    rendered = course_map.labs_markdown(schedule)
    for lab in course_map.OPTIONAL_LABS:
        source = ROOT / lab.source
        assert source.exists() and source.parent.name == "exercises", source
        item = course_map.LAB_POSSIBILITIES[lab.lab - 1]
        line = next(line for line in rendered.split("\n- ") if item.text in line)
        assert f"handouts/{lab.stem}.html" in line
        assert "EBSD pattern" in item.text and re.search(r"EBSD pattern", source.read_text(encoding="utf-8"))
    lab = course_map.OPTIONAL_LABS[0]
    week = schedule.week(lab.week)
    before = course_map.lab_links(lab, schedule, when=week.lecture.starts_at, mode="student")
    after = course_map.lab_links(lab, schedule, when=week.release_at, mode="student")
    assert "solutions/" not in before and f"solutions/{lab.stem}.html" in after


def test_concept_map_covers_every_teaching_week_and_draws_every_link(schedule):
    keys = [c.key for c in course_map.CONCEPTS]
    assert len(set(keys)) == len(keys)
    assert sorted(c.week for c in course_map.CONCEPTS) == list(range(1, 14))
    assert len({(c.row, c.column) for c in course_map.CONCEPTS}) == len(keys), "two concepts in one place"
    for a, relation, b in course_map.CONCEPT_LINKS:
        assert a in keys and b in keys and a != b and relation.strip()
    linked = {k for a, _, b in course_map.CONCEPT_LINKS for k in (a, b)}
    assert linked == set(keys), "every concept is linked to another"
    text = course_map.concept_map_markdown()
    assert text.count("\n") == len(course_map.CONCEPT_LINKS)
    assert ("**Signal surrogates** (Week 7) — is the forward model searched in — **Inverse problems, process maps**"
            in text)
    fig = course_map.concept_map_figure(schedule)
    ax = fig.axes[0]
    boxes = [t for t in ax.texts if t.get_text()]
    assert {t.get_text().split("\nWeek")[0] for t in boxes} == {c.label for c in course_map.CONCEPTS}
    arrows = [t for t in ax.texts if isinstance(t, Annotation) and t.arrow_patch is not None]
    assert len(arrows) == len(course_map.CONCEPT_LINKS)
    width_in = fig.get_size_inches()[0]
    assert width_in <= 5.0 and min(t.get_fontsize() for t in boxes) >= 12  # ≥ 12 px at 390 px wide


def test_review_covers_week_7_and_every_unit():
    weeks = {n for m in course_map.DIFFICULT_TOPICS for n in m.weeks}
    assert 7 in weeks
    units = {load().week(n).unit for n in weeks}
    assert units == set(load().units)


def test_exercises_page_lists_every_optional_lab(schedule):
    text = course_map.optional_labs_markdown(schedule)
    for lab in course_map.OPTIONAL_LABS:
        assert f"handouts/{lab.stem}.html" in text and f"Week {lab.week}" in text
    assert "course_map.optional_labs_markdown()" in (ROOT / "exercises.qmd").read_text(encoding="utf-8")
