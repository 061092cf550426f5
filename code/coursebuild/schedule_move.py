"""Move the semester: every date, the semester's name, the movable days off and (on request) the notices.

``python -m coursebuild.schedule move --start 2027-04-13 --notices --write`` is the whole move: dates shift so
that week 1's lecture is on the new start, ``course.semester`` and Pfingstdienstag are re-derived, and the
notices are made to match the holidays of the new dates with the standard sentences. The YAML is edited in
place with its comments, layout and quoting kept (``ruamel.yaml`` round trip); what changed is printed.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, FoldedScalarString

from coursebuild.schedule import MOVABLE_DAYS_OFF, WEEKDAYS, Schedule, ScheduleError, days_off, holiday_clashes, load

#: The standard sentences of a notice, by (session, kind). Fields: weekday, holiday, why, exercise_day.
STANDARD_MESSAGES = {
    ("lecture", "self-study"): "Self-study lecture: the {weekday} slot is cancelled ({holiday}). Work through the "
                               "slide deck independently; the {exercise_day} exercise runs in class and "
                               "consolidates the material.",
    ("lecture", "cancelled"): "The {weekday} lecture is cancelled ({holiday}, {why}). Work through the slide deck "
                              "with its study guide on your own before the exercise.",
    ("exercise", "self-study"): "Self-study exercise: the {weekday} slot is cancelled ({holiday}). The exercise is "
                                "provided for independent work; a solution is released afterwards.",
    ("exercise", "cancelled"): "The {weekday} exercise session is cancelled ({holiday}, {why}). Work through the "
                               "handout as self-study; the solution is released after the slot.",
}
SEMESTER_RE = re.compile(r"\b(Summer|Winter) semester \d{4}(?:/\d{2,4})?")


@dataclass
class MoveReport:
    """What a move changed (and, without ``--write``, what it proposes)."""

    path: Path
    start: dt.date
    changes: list[str] = field(default_factory=list)
    proposals: list[str] = field(default_factory=list)
    written: bool = False
    clashes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"moved the semester in {self.path}: week 1's lecture is now on {self.start}"]
        out += ["  " + c for c in self.changes]
        if self.proposals:
            out.append("notices " + ("applied:" if self.written else "proposed (apply them with --write):"))
            out += ["  " + c for c in self.proposals]
        if self.clashes:
            out.append(f"{len(self.clashes)} holiday clash(es) to resolve in {self.path}:")
            out += ["  - " + c for c in self.clashes]
        else:
            out.append("no holiday clashes: run `python -m coursebuild.schedule check`")
        return out


def semester_name(start: dt.date, old: str) -> str:
    """``Summer semester 2027`` for a start in March–August, ``Winter semester 2027/28`` otherwise."""
    if 3 <= start.month <= 8:
        name = f"Summer semester {start.year}"
    else:
        first = start.year if start.month >= 9 else start.year - 1
        name = f"Winter semester {first}/{(first + 1) % 100:02d}"
    return SEMESTER_RE.sub(name, old) if SEMESTER_RE.search(old) else name


def easter(year: int) -> dt.date:
    """Gregorian Easter Sunday (anonymous Gregorian algorithm, Meeus/Jones/Butcher)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l_) // 451
    month = (h + l_ - 7 * m + 114) // 31
    day = ((h + l_ - 7 * m + 114) % 31) + 1
    return dt.date(year, month, day)


def _yaml() -> YAML:
    y = YAML()
    y.preserve_quotes = True
    y.width = 4096
    y.indent(mapping=2, sequence=4, offset=2)
    return y


def _as_date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _shift_dates(data: Any, delta: dt.timedelta, report: MoveReport) -> None:
    first_old = last_old = None
    for week in data["weeks"]:
        for kind in ("lecture", "exercise"):
            session = week[kind]
            old = _as_date(session["date"])
            session["date"] = old + delta
            first_old = first_old or old
            last_old = old
        if week.get("release"):
            old = dt.datetime.fromisoformat(str(week["release"]))
            week["release"] = (old + delta).isoformat(timespec="minutes")
            report.changes.append(f"week {week['week']}.release: {old:%Y-%m-%dT%H:%M} -> {week['release']}")
    report.changes.insert(0, f"every session date: {first_old} … {last_old} -> {first_old + delta} … "
                             f"{last_old + delta} ({delta.days:+d} days)")


def _rederive_days_off(course: Any, year: int, report: MoveReport) -> None:
    for entry in course.get("university_days_off") or []:
        name = str(entry.get("name", ""))
        old = _as_date(entry["date"])
        if name in MOVABLE_DAYS_OFF:
            entry["date"] = easter(year) + dt.timedelta(days=MOVABLE_DAYS_OFF[name])
            if entry["date"] != old:
                report.changes.append(f"course.university_days_off {name}: {old} -> {entry['date']}")
        elif old.year != year:
            report.changes.append(f"course.university_days_off {name}: {old} is not re-derived: give its "
                                  f"{year} date by hand")


def _propose_notices(data: Any, schedule: Schedule, report: MoveReport) -> None:
    """Make every session's notice match the holiday on its (new) date, with the standard sentences."""
    off = days_off(schedule)
    old_kinds = {(n.holiday, n.session): n.kind for w in schedule.weeks for n in w.notices}
    exercise_day = schedule.weeks[0].exercise.weekday
    for raw_week, week in zip(data["weeks"], schedule.weeks, strict=True):
        for session in week.sessions:
            raw = raw_week[session.kind]
            day = off.get(session.date)
            notice = session.notice
            if notice and day and notice.holiday.lower() in {n.lower() for n in day[1]}:
                continue
            where = f"week {week.number}.{session.kind}"
            if notice:
                del raw["notice"]
                report.proposals.append(f"{where}: remove the {notice.kind} notice ({notice.holiday}): "
                                        f"{session.date} is no holiday")
            if day:
                name, _, statutory = day
                kind = old_kinds.get((name, session.kind), "self-study")
                message = STANDARD_MESSAGES[(session.kind, kind)].format(
                    weekday=session.weekday, holiday=name, exercise_day=exercise_day,
                    why="public holiday" if statutory else "university day off")
                if hasattr(raw, "fa"):
                    raw.fa.set_block_style()  # a folded message cannot stand in a {flow: mapping}
                raw["notice"] = {"kind": kind, "holiday": DoubleQuotedScalarString(name),
                                 "message": FoldedScalarString(message)}
                report.proposals.append(f"{where}: add a {kind} notice: {session.date} is {name}")


def move(path: Path, new_start: dt.date, notices: bool = False, write: bool = False) -> MoveReport:
    """Shift every date of the schedule so that week 1's lecture is on ``new_start``; returns what changed.

    The semester's name and the movable university days off are re-derived. With ``notices`` the notices
    that the new dates need are proposed; with ``write`` they are applied too. The returned report lists the
    holiday clashes that remain (none after ``notices`` and ``write``).
    """
    schedule = load(path, check_files=False, check_holidays=False)
    old_start = schedule.weeks[0].lecture.date
    if new_start.weekday() != old_start.weekday():
        raise ScheduleError(path, "--start", f"{new_start} is a {WEEKDAYS[new_start.weekday()]}",
                            f"start on a {WEEKDAYS[old_start.weekday()]}, the lecture slot's weekday")
    y = _yaml()
    data = y.load(path.read_text(encoding="utf-8"))
    report = MoveReport(path=path, start=new_start)
    _shift_dates(data, new_start - old_start, report)
    course = data["course"]
    old_name = str(course["semester"])
    new_name = semester_name(new_start, old_name)
    if new_name != old_name:
        course["semester"] = type(course["semester"])(new_name) if isinstance(course["semester"], str) else new_name
        report.changes.append(f"course.semester: {old_name!r} -> {new_name!r}")
    _rederive_days_off(course, new_start.year, report)
    _dump(y, data, path)
    if notices:
        moved = load(path, check_files=False, check_holidays=False)
        _propose_notices(data, moved, report)
        if write and report.proposals:
            _dump(y, data, path)
            report.written = True
    final = load(path, check_files=False, check_holidays=False)
    report.clashes = [f"{f}: {p} — fix: {fix}" for f, p, fix in holiday_clashes(final)]
    return report


def _dump(y: YAML, data: Any, path: Path) -> None:
    out = io.StringIO()
    y.dump(data, out)
    # a removed notice takes the blank line after its week with it: keep one blank line between weeks
    path.write_text(re.sub(r"(?<=[^\n:])\n(  - week: )", r"\n\n\1", out.getvalue()), encoding="utf-8")
