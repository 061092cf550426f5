"""Holiday wording comes from the schedule: the per-week notice metadata, and what decks and handouts do with it.

Quarto reads a document's ``metadata-files`` into its metadata before any filter runs (quarto-cli
src/config/metadata.ts ``includedMetadata``, merged in src/command/render/render-contexts.ts), so both its
``when-meta`` (evaluated from the metadata captured at filter init, customnodes/content-hidden.lua) and its
``meta`` shortcode (quarto-pre/shortcodes-handlers.lua) see the notice. The offline engine must do the same.
"""

from __future__ import annotations

import re

import pytest
import yaml

from coursebuild import qmd
from coursebuild import schedule as sched
from coursebuild.errors import BuildError
from coursebuild.schedule_prose import metadata_reference, notice_metadata
from coursebuild.site import build_site
from test_engine import make_project

SCHEDULE = sched.load()
DECK_WEEKS = [w for w in SCHEDULE.weeks if w.deck]

DECK = """---
title: "Deck"
week: 1
metadata-files: ["../_build/notices/week01.yml"]
format: revealjs
---

## Learning goals

- One goal

::: {.content-visible when-meta="notice.lecture.self-study"}
## Study guide: this lecture is self-study

{{< meta notice.lecture.message >}}
:::

::: {.content-visible when-meta="notice.exercise.any"}
## The exercise this week

{{< meta notice.exercise.label >}}: {{< meta notice.exercise.message >}}
:::

## Recap
"""


def week_with(kind: str, session: str) -> sched.Week:
    """A week of the schedule with (or, for kind "none", without) such a notice."""
    if kind == "none":
        return next(w for w in SCHEDULE.weeks if not w.notices)
    return next(w for w in SCHEDULE.weeks for n in w.notices if n.kind == kind and n.session == session)


def build(tmp_path, root, week: sched.Week, deck: str = DECK) -> str:
    proj = make_project(tmp_path, root, deck)
    meta = proj / "_build" / "notices" / "week01.yml"
    meta.parent.mkdir(parents=True)
    meta.write_text(yaml.safe_dump(notice_metadata(week), allow_unicode=True))
    build_site(proj)
    return (proj / "_site" / "lectures" / "week01-deck.html").read_text()


def test_the_metadata_says_what_each_session_has():
    for week in SCHEDULE.weeks:
        meta = notice_metadata(week)["notice"]
        for session in week.sessions:
            n = session.notice
            assert meta[session.kind]["any"] is (n is not None)
            assert meta[session.kind]["self-study"] is (n is not None and n.kind == "self-study")
            assert meta[session.kind]["cancelled"] is (n is not None and n.kind == "cancelled")
            assert meta[session.kind]["message"] == (n.message if n else "")


def test_a_self_study_lecture_shows_the_study_guide_with_the_schedules_words(tmp_path, root):
    week = week_with("self-study", "lecture")
    html = build(tmp_path, root, week)
    assert "Study guide: this lecture is self-study" in html
    assert week.lecture.notice.message in html
    assert "{{&lt;" not in html and "{{<" not in html


def test_a_week_without_notices_hides_the_guide_and_names_no_holiday(tmp_path, root):
    html = build(tmp_path, root, week_with("none", ""))
    assert "Study guide" not in html and "The exercise this week" not in html
    names = sched.holiday_names(SCHEDULE)
    assert not [n for n in names if n in html]


def test_a_cancelled_exercise_shows_its_notice_but_no_study_guide(tmp_path, root):
    week = week_with("cancelled", "exercise")
    html = build(tmp_path, root, week)
    assert "Study guide" not in html
    assert f"{week.exercise.notice.label}: {week.exercise.notice.message}" in html


def test_a_missing_metadata_file_or_key_fails_loudly(tmp_path, root):
    proj = make_project(tmp_path, root, DECK)
    with pytest.raises(BuildError, match=r"metadata-files: \.\./_build/notices/week01.yml does not exist"):
        build_site(proj)
    with pytest.raises(BuildError, match=r"\{\{< meta notice.lecture.room >\}\}: the document has no such"):
        build(tmp_path / "b", root, week_with("none", ""), DECK + "\n{{< meta notice.lecture.room >}}\n")


@pytest.mark.parametrize("week", DECK_WEEKS, ids=lambda w: f"week{w.number:02d}")
def test_every_deck_reads_its_notice_and_carries_a_study_guide_for_self_study(root, week):
    text = (root / week.deck).read_text(encoding="utf-8")
    doc = qmd.parse(root / week.deck)
    assert metadata_reference(week.number) in doc.front_matter.get("metadata-files", [])
    guide = re.search(r'::: \{\.content-visible when-meta="notice\.lecture\.self-study"\}\n## Study guide[^\n]*\n'
                      r"(?P<body>.*?)\n:::\n", text, flags=re.S)
    assert guide, f"{week.deck}: no study guide shown when the lecture is self-study"
    body = guide.group("body")
    assert "{{< meta notice.lecture.message >}}" in body, "the guide says why, in the schedule's words"
    assert re.search(r"^(1\. |\| )", body, flags=re.M), "the guide gives an order to read in (a list or a table)"
    assert "heckpoint" in text[guide.start():guide.end() + 1500]
    titles = re.findall(r"^## (.*)$", text[:guide.start()], flags=re.M)
    assert not any(re.search(r"recap|where this", t, re.I) for t in titles), \
        "the study guide stands right after the title and learning goals"


def test_handouts_get_their_weeks_notice_metadata(root):
    from coursebuild.exercises import split_exercise

    for week in (w for w in SCHEDULE.weeks if w.exercise_source):
        split = split_exercise(root / week.exercise_source, week.number)
        front = yaml.safe_load(split.handout.split("---\n", 2)[1])
        assert front["metadata-files"] == [metadata_reference(week.number)]
