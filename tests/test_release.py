"""Release of solutions at several dates: before, on and after an exercise session.

Every date is derived from the schedule (week 1's exercise, the first exercise with a notice, ...), so these
tests hold in whatever year the schedule is.
"""

from __future__ import annotations

import datetime as dt

import pytest

from coursebuild import pages, release
from coursebuild import schedule as sched


@pytest.fixture()
def schedule():
    return sched.load()


def at(schedule, text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=schedule.tz)


def around(session, minutes: int) -> dt.datetime:
    """``minutes`` after the session's end (negative: before it)."""
    return session.ends_at + dt.timedelta(minutes=minutes)


@pytest.mark.parametrize(("offset", "released"), [
    (-60 * 24 * 15, False),  # two weeks before: before the semester
    (-17 * 60 - 45, False),  # the day of the exercise, 00:00
    (-75, False),            # during the exercise session
    (-1, False),             # one minute before its end
    (0, True),               # the session has ended
    (60 * 15, True),         # the day after
])
def test_week1_solution_released_when_the_exercise_ends(schedule, offset, released):
    week = schedule.week(1)
    assert release.is_released(week, around(week.exercise, offset)) is released


def test_a_solution_of_a_week_without_its_session_is_released_after_the_slot(schedule):
    week = next(w for w in schedule.weeks if w.exercise.notice and w.exercise_source)
    assert not release.is_released(week, around(week.exercise, -345))
    assert release.is_released(week, around(week.exercise, 0))


def test_instructor_build_shows_every_solution(schedule):
    early = around(schedule.week(1).lecture, -60 * 24 * 40)
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


def test_position_in_the_semester(schedule):
    w1, last = schedule.weeks[0], schedule.weeks[-1]
    mid = next(w for w in schedule.weeks if w.lecture.notice) if any(w.lecture.notice for w in schedule.weeks) \
        else schedule.week(7)
    cases = [
        (around(w1.lecture, -60 * 24 * 40), "before", None, 1),
        (dt.datetime.combine(w1.lecture.date, dt.time(9), tzinfo=schedule.tz), "during", 1, 2),
        (around(mid.lecture, 60 * 20), "during", mid.number, mid.number + 1),
        (around(last.exercise, -45), "during", last.number, None),
        (around(last.exercise, 15), "over", None, None),
    ]
    for when, phase, current, upcoming in cases:
        pos = release.position(schedule, when)
        assert pos.phase == phase, when
        assert (pos.current.number if pos.current else None) == current, when
        assert (pos.upcoming.number if pos.upcoming else None) == upcoming, when


def test_schedule_table_links_a_solution_only_once_released(schedule):
    week = schedule.week(1)
    before = pages.schedule_table(schedule, around(week.exercise, -465), "student")
    after = pages.schedule_table(schedule, around(week.exercise, 15), "student")
    assert f"solutions/{week.slug}.html" not in before
    assert f"released {week.release_at:%d.%m. %H:%M}" in before
    assert f"solutions/{week.slug}.html" in after


def test_schedule_table_shows_every_notice(schedule):
    table = pages.schedule_table(schedule, around(schedule.week(1).lecture, -60 * 24 * 14), "student")
    notices = [n for w in schedule.weeks for n in w.notices]
    assert notices, "the schedule has holidays in every semester it has been moved to"
    for notice in notices:
        assert notice.label in table
    assert "Buffer week" in table


def test_week_card_this_week_next_up_and_over(schedule):
    week = next(w for w in schedule.weeks if w.notices and w.number < len(schedule.weeks))
    card = pages.week_card(schedule, around(week.lecture, 60 * 20), "student")
    assert f"This week: Week {week.number}" in card and week.notices[0].holiday in card
    assert f"Next up:</strong> Week {week.number + 1}" in card
    assert "Next up" in pages.week_card(schedule, around(schedule.week(1).lecture, -60 * 24 * 40), "student")
    assert "The semester is over" in pages.week_card(schedule, around(schedule.weeks[-1].exercise, 60 * 24 * 16),
                                                     "student")
