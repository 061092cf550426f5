"""Release of solutions and the meaning of "today".

A week's solution is released when its exercise session has ended (the schedule may set another
``release`` time). A **student** build (the default) contains no trace of an unreleased solution; an
**instructor** build shows everything.

Two environment variables steer it, and nothing else:

- ``MLPC_TODAY``: the "now" of the build, as ``YYYY-MM-DD`` (that day at 00:00 local time, so a
  session on that day has not ended yet) or ``YYYY-MM-DDTHH:MM`` (local time of the course). Unset: the
  clock.
- ``MLPC_BUILD``: ``student`` (default) or ``instructor`` (surrounding blanks and case do not matter;
  anything else stops the build). :func:`parse_build_mode` is the one reading of it: the command line's
  guard on the output folder and the release rule both use it.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass

from coursebuild.schedule import Schedule, Week

BUILD_MODES = ("student", "instructor")


def now(schedule: Schedule) -> dt.datetime:
    """The build's "now" in the course's time zone (``MLPC_TODAY`` overrides the clock)."""
    override = os.environ.get("MLPC_TODAY", "").strip()
    if not override:
        return dt.datetime.now(tz=schedule.tz)
    try:
        if "T" in override or " " in override:
            value = dt.datetime.fromisoformat(override)
        else:
            value = dt.datetime.combine(dt.date.fromisoformat(override), dt.time(0, 0))
    except ValueError:
        raise ValueError(f"MLPC_TODAY='{override}' is not a date: use YYYY-MM-DD or YYYY-MM-DDTHH:MM") from None
    return in_course_time(value, schedule.tz)


def in_course_time(value: dt.datetime, tz: dt.tzinfo) -> dt.datetime:
    """``value`` in the course's time zone: a time with an offset (``...Z``, ``+02:00``) is converted, a time
    without one is read as local time of the course."""
    return value.astimezone(tz) if value.tzinfo else value.replace(tzinfo=tz)


def parse_build_mode(raw: str | None) -> str:
    """The build mode named by a raw ``MLPC_BUILD`` value: ``student`` when unset or blank, else the value
    stripped and lower-cased, which must be one of :data:`BUILD_MODES`."""
    mode = (raw or "").strip().lower() or "student"
    if mode not in BUILD_MODES:
        raise ValueError(f"MLPC_BUILD={raw!r} is not a build mode: use one of {', '.join(BUILD_MODES)} "
                         "(or leave it unset for a student build)")
    return mode


def build_mode() -> str:
    """``student`` (default) or ``instructor``, from ``MLPC_BUILD`` (see :func:`parse_build_mode`)."""
    return parse_build_mode(os.environ.get("MLPC_BUILD"))


def is_released(week: Week, when: dt.datetime) -> bool:
    """Whether the week's solution is out at ``when`` (the end of the exercise session, or the override)."""
    return week.exercise_source is not None and when >= week.release_at


def solution_visible(week: Week, when: dt.datetime, mode: str) -> bool:
    """Whether this build shows the week's solution (always in an instructor build)."""
    if week.exercise_source is None:
        return False
    return mode == "instructor" or is_released(week, when)


@dataclass(frozen=True)
class Position:
    """Where "now" stands in the semester: the current week, the next session, or over."""

    phase: str  # "before", "during", "over"
    current: Week | None
    upcoming: Week | None


def position(schedule: Schedule, when: dt.datetime) -> Position:
    """The current week runs from its lecture day up to the day before the next week's lecture."""
    weeks = schedule.weeks
    if when.date() < weeks[0].lecture.date:
        return Position("before", None, weeks[0])
    if when >= weeks[-1].exercise.ends_at:
        return Position("over", None, None)
    current = [w for w in weeks if w.lecture.date <= when.date()][-1]
    upcoming = next((w for w in weeks if w.number == current.number + 1), None)
    return Position("during", current, upcoming)
