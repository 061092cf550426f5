"""Release of solutions at several dates: before, on and after an exercise session."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from coursebuild import pages, release
from coursebuild import schedule as sched


@pytest.fixture()
def schedule():
    return sched.load()


def at(schedule, text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=schedule.tz)


@pytest.mark.parametrize(("when", "released"), [
    ("2026-04-01T12:00", False),  # before the semester
    ("2026-04-16T00:00", False),  # the day of the exercise, before it
    ("2026-04-16T16:30", False),  # during the exercise session
    ("2026-04-16T17:44", False),  # one minute before its end
    ("2026-04-16T17:45", True),   # the session has ended
    ("2026-04-17T09:00", True),   # the day after
])
def test_week1_solution_released_when_the_exercise_ends(schedule, when, released):
    assert release.is_released(schedule.week(1), at(schedule, when)) is released


def test_self_study_week8_solution_released_after_its_slot(schedule):
    w8 = dataclasses.replace(schedule.week(8), exercise_source="exercises/week08-process-map.qmd")
    assert not release.is_released(w8, at(schedule, "2026-06-04T12:00"))
    assert release.is_released(w8, at(schedule, "2026-06-04T17:45"))


def test_instructor_build_shows_every_solution(schedule):
    early = at(schedule, "2026-03-01T00:00")
    assert release.solution_visible(schedule.week(1), early, "instructor")
    assert not release.solution_visible(schedule.week(1), early, "student")


def test_today_and_mode_come_from_one_environment_variable_each(schedule, monkeypatch):
    monkeypatch.setenv("MLPC_TODAY", "2026-05-14")
    assert release.now(schedule) == at(schedule, "2026-05-14T00:00")
    monkeypatch.setenv("MLPC_TODAY", "2026-05-14T18:00")
    assert release.now(schedule) == at(schedule, "2026-05-14T18:00")
    monkeypatch.setenv("MLPC_TODAY", "14.05.2026")
    with pytest.raises(ValueError, match="MLPC_TODAY='14.05.2026' is not a date"):
        release.now(schedule)
    monkeypatch.setenv("MLPC_BUILD", "teacher")
    with pytest.raises(ValueError, match="use one of student, instructor"):
        release.build_mode()
    monkeypatch.delenv("MLPC_BUILD")
    assert release.build_mode() == "student"


@pytest.mark.parametrize(("when", "phase", "current", "upcoming"), [
    ("2026-03-01T10:00", "before", None, 1),
    ("2026-04-14T09:00", "during", 1, 2),
    ("2026-05-27T10:00", "during", 7, 8),
    ("2026-07-16T17:00", "during", 14, None),
    ("2026-07-16T18:00", "over", None, None),
])
def test_position_in_the_semester(schedule, when, phase, current, upcoming):
    pos = release.position(schedule, at(schedule, when))
    assert pos.phase == phase
    assert (pos.current.number if pos.current else None) == current
    assert (pos.upcoming.number if pos.upcoming else None) == upcoming


def test_schedule_table_links_a_solution_only_once_released(schedule):
    slug = schedule.week(1).slug
    before = pages.schedule_table(schedule, at(schedule, "2026-04-16T10:00"), "student")
    after = pages.schedule_table(schedule, at(schedule, "2026-04-16T18:00"), "student")
    assert f"solutions/{slug}.html" not in before and "released 16.04. 17:45" in before
    assert f"solutions/{slug}.html" in after


def test_schedule_table_shows_the_three_notices(schedule):
    table = pages.schedule_table(schedule, at(schedule, "2026-04-01T10:00"), "student")
    assert "Exercise cancelled (Christi Himmelfahrt)" in table
    assert "Lecture self-study (Pfingstdienstag)" in table
    assert "Exercise self-study (Fronleichnam)" in table
    assert "Buffer week" in table


def test_week_card_this_week_next_up_and_over(schedule):
    card = pages.week_card(schedule, at(schedule, "2026-05-27T10:00"), "student")
    assert "This week: Week 7" in card and "Pfingstdienstag" in card and "Next up:</strong> Week 8" in card
    assert "Next up" in pages.week_card(schedule, at(schedule, "2026-03-01T10:00"), "student")
    assert "The semester is over" in pages.week_card(schedule, at(schedule, "2026-08-01T10:00"), "student")
