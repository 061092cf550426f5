"""The semester: load, validate and render ``data/schedule.yml``, the single source of truth for time.

Everything that shows a date reads this module: the schedule page, the home page's "this week" card,
the notices on decks and handouts (through the pre-render step), the release of solutions
(:mod:`coursebuild.release`), the calendar export (``.ics``) and the PDF names.

Command line::

    python -m coursebuild.schedule check                  # validate; errors name the file, the field and the fix
    python -m coursebuild.schedule move --start 2027-04-13  # move the semester, report holidays that now clash
    python -m coursebuild.schedule ics out.ics            # write the calendar
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
SCHEDULE_FILE = REPO_ROOT / "data" / "schedule.yml"
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
NOTICE_KINDS = ("cancelled", "self-study")
TIME_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
#: University days off that move with Easter, re-derived when the semester moves (days after Easter Sunday).
MOVABLE_DAYS_OFF = {"Pfingstdienstag": 51}


class ScheduleError(ValueError):
    """A broken schedule: the message names the file, the field and the fix."""

    def __init__(self, path: Path, field_name: str, problem: str, fix: str):
        self.path, self.field, self.problem, self.fix = path, field_name, problem, fix
        super().__init__(f"{path}: {field_name}: {problem} — fix: {fix}")


@dataclass(frozen=True)
class Notice:
    """A holiday notice on one session."""

    kind: str  # "cancelled" or "self-study"
    holiday: str
    message: str
    session: str  # "lecture" or "exercise"

    @property
    def label(self) -> str:
        what = "Lecture" if self.session == "lecture" else "Exercise"
        kind = "cancelled" if self.kind == "cancelled" else "self-study"
        return f"{what} {kind} ({self.holiday})"


@dataclass(frozen=True)
class Session:
    """One lecture or exercise slot."""

    kind: str
    date: dt.date
    start: dt.time
    end: dt.time
    room: str | None
    notice: Notice | None
    tz: ZoneInfo

    @property
    def starts_at(self) -> dt.datetime:
        return dt.datetime.combine(self.date, self.start, tzinfo=self.tz)

    @property
    def ends_at(self) -> dt.datetime:
        return dt.datetime.combine(self.date, self.end, tzinfo=self.tz)

    @property
    def date_text(self) -> str:
        """E.g. ``Tuesday, 14.04.2026, 14:15–15:45`` (the course page's format)."""
        return f"{WEEKDAYS[self.date.weekday()]}, {self.date:%d.%m.%Y}, {self.start:%H:%M}–{self.end:%H:%M}"


@dataclass(frozen=True)
class Week:
    """One week of the semester."""

    number: int
    unit: str
    title: str
    lecture: Session
    exercise: Session
    deck: str | None = None
    exercise_source: str | None = None
    buffer: bool = False
    page: str | None = None
    description: str | None = None
    release_override: dt.datetime | None = None

    @property
    def notices(self) -> list[Notice]:
        return [s.notice for s in (self.lecture, self.exercise) if s.notice]

    @property
    def release_at(self) -> dt.datetime:
        """When the solution is released: the end of the exercise session unless overridden."""
        return self.release_override or self.exercise.ends_at

    @property
    def slug(self) -> str | None:
        """The exercise's file stem, e.g. ``week01-inspect-datasets``."""
        return Path(self.exercise_source).stem if self.exercise_source else None


@dataclass
class Schedule:
    """The whole semester as validated from ``schedule.yml``."""

    path: Path
    course: dict[str, Any]
    units: dict[str, str]
    weeks: list[Week]
    university_days_off: dict[dt.date, str] = field(default_factory=dict)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.course["timezone"])

    def week(self, number: int) -> Week:
        for week in self.weeks:
            if week.number == number:
                return week
        raise KeyError(f"week {number} is not in {self.path}")

    def week_of_deck(self, deck: str) -> Week | None:
        return next((w for w in self.weeks if w.deck == deck), None)


# ---------------------------------------------------------------------------------------------------------
# loading and validation
# ---------------------------------------------------------------------------------------------------------
def _require(mapping: Any, key: str, where: str, path: Path, fix: str) -> Any:
    if not isinstance(mapping, dict) or key not in mapping or mapping[key] in (None, ""):
        raise ScheduleError(path, f"{where}.{key}" if where else key, "is missing", fix)
    return mapping[key]


def _parse_date(value: Any, where: str, path: Path) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ScheduleError(path, where, f"'{value}' is not a date",
                            "write it as YYYY-MM-DD, e.g. 2026-04-14") from None


def _parse_time(value: Any, where: str, path: Path) -> dt.time:
    text = str(value)
    if not TIME_RE.match(text):
        raise ScheduleError(path, where, f"'{value}' is not a time", "write it as HH:MM in quotes, e.g. \"14:15\"")
    return dt.time.fromisoformat(text)


def _parse_notice(raw: Any, where: str, session: str, path: Path) -> Notice | None:
    if raw is None:
        return None
    kind = _require(raw, "kind", where, path, f"set kind to one of {', '.join(NOTICE_KINDS)}")
    if kind not in NOTICE_KINDS:
        raise ScheduleError(path, f"{where}.kind", f"'{kind}' is not a notice kind",
                            f"use one of {', '.join(NOTICE_KINDS)}")
    holiday = _require(raw, "holiday", where, path, "name the holiday, e.g. holiday: \"Fronleichnam\"")
    message = _require(raw, "message", where, path, "write the sentence students read on the page")
    return Notice(kind=kind, holiday=str(holiday), message=" ".join(str(message).split()), session=session)


def _parse_session(raw: Any, kind: str, where: str, slot: dict[str, Any], tz: ZoneInfo, path: Path) -> Session:
    if not isinstance(raw, dict):
        raise ScheduleError(path, where, "is missing", f"give the {kind} as {{date: YYYY-MM-DD}}")
    date = _parse_date(_require(raw, "date", where, path, "add date: YYYY-MM-DD"), f"{where}.date", path)
    start = _parse_time(raw.get("start", slot["start"]), f"{where}.start", path)
    end = _parse_time(raw.get("end", slot["end"]), f"{where}.end", path)
    if end <= start:
        raise ScheduleError(path, f"{where}.end", f"{end:%H:%M} is not after the start {start:%H:%M}",
                            "make end later than start")
    weekday = WEEKDAYS[date.weekday()]
    if "start" not in raw and weekday != slot["weekday"]:
        raise ScheduleError(path, f"{where}.date", f"{date} is a {weekday}, but the {kind} slot is on "
                            f"{slot['weekday']}", f"use the {slot['weekday']} of that week or give the session "
                            "its own start/end")
    notice = _parse_notice(raw.get("notice"), f"{where}.notice", kind, path)
    return Session(kind=kind, date=date, start=start, end=end, room=raw.get("room"), notice=notice, tz=tz)


def load(path: Path | str = SCHEDULE_FILE, check_files: bool = True, check_holidays: bool = True) -> Schedule:
    """Load and validate the schedule; raises :class:`ScheduleError` naming file, field and fix."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ScheduleError(path, "(file)", "does not exist", "create data/schedule.yml (see README)") from None
    except yaml.YAMLError as exc:
        raise ScheduleError(path, "(YAML)", str(exc).replace("\n", " "), "fix the YAML syntax at that line") from None
    if not isinstance(raw, dict):
        raise ScheduleError(path, "(top level)", "is not a mapping", "start from the committed data/schedule.yml")
    course = _require(raw, "course", "", path, "add the course: block")
    for key in ("title", "short", "semester", "timezone"):
        _require(course, key, "course", path, f"add course.{key}")
    try:
        tz = ZoneInfo(course["timezone"])
    except Exception:  # noqa: BLE001 - zoneinfo raises several types
        raise ScheduleError(path, "course.timezone", f"'{course['timezone']}' is not a time zone",
                            "use an IANA name such as Europe/Berlin") from None
    slots = _require(raw, "slots", "", path, "add slots: lecture and exercise with weekday, start, end")
    for name in ("lecture", "exercise"):
        slot = _require(slots, name, "slots", path, f"add slots.{name}: {{weekday: ..., start: ..., end: ...}}")
        if slot.get("weekday") not in WEEKDAYS:
            raise ScheduleError(path, f"slots.{name}.weekday", f"'{slot.get('weekday')}' is not a weekday",
                                f"use one of {', '.join(WEEKDAYS)}")
        for key in ("start", "end"):
            _parse_time(_require(slot, key, f"slots.{name}", path, "add HH:MM"), f"slots.{name}.{key}", path)
    units = _require(raw, "units", "", path, "add units: {I: name, II: name, ...}")
    days_off = {}
    for i, entry in enumerate(course.get("university_days_off") or []):
        where = f"course.university_days_off[{i}]"
        days_off[_parse_date(_require(entry, "date", where, path, "add date"), f"{where}.date", path)] = str(
            _require(entry, "name", where, path, "add the day's name"))
    raw_weeks = _require(raw, "weeks", "", path, "list the weeks")
    if not isinstance(raw_weeks, list):
        raise ScheduleError(path, "weeks", "is not a list", "write each week as '- week: N'")
    weeks: list[Week] = []
    for i, rw in enumerate(raw_weeks):
        where = f"weeks[{i}]"
        number = _require(rw, "week", where, path, "number the week: week: N")
        if number != i + 1:
            raise ScheduleError(path, f"{where}.week", f"week {number} stands where week {i + 1} belongs",
                                "list every week once, in order 1, 2, 3, ...")
        where = f"week {number}"
        unit = _require(rw, "unit", where, path, "name the unit (I, II, ...)")
        if unit not in units:
            raise ScheduleError(path, f"{where}.unit", f"'{unit}' is not one of the units {', '.join(units)}",
                                "add it under units: or correct the week")
        lecture = _parse_session(rw.get("lecture"), "lecture", f"{where}.lecture", slots["lecture"], tz, path)
        exercise = _parse_session(rw.get("exercise"), "exercise", f"{where}.exercise", slots["exercise"], tz, path)
        if exercise.starts_at <= lecture.starts_at:
            raise ScheduleError(path, f"{where}.exercise.date", "the exercise is not after the lecture",
                                "put the exercise after the week's lecture")
        if weeks and lecture.date <= weeks[-1].exercise.date:
            raise ScheduleError(path, f"{where}.lecture.date", f"{lecture.date} is not after week {number - 1}",
                                "weeks must follow each other in time")
        release = None
        if rw.get("release"):
            try:
                release = dt.datetime.fromisoformat(str(rw["release"]))
                release = release.astimezone(tz) if release.tzinfo else release.replace(tzinfo=tz)
            except ValueError:
                raise ScheduleError(path, f"{where}.release", f"'{rw['release']}' is not a date-time",
                                    "write YYYY-MM-DDTHH:MM") from None
        for key, folder in (("deck", "lectures"), ("exercise_source", "exercises")):
            value = rw.get(key)
            if value is None:
                continue
            if not re.fullmatch(rf"{folder}/week{number:02d}-[a-z0-9-]+\.qmd", str(value)):
                raise ScheduleError(path, f"{where}.{key}", f"'{value}' does not follow the naming scheme",
                                    f"name it {folder}/week{number:02d}-<slug>.qmd")
            if check_files and not (REPO_ROOT / value).exists():
                raise ScheduleError(path, f"{where}.{key}", f"{value} does not exist",
                                    "create the file or remove the key until it exists")
        page = rw.get("page")
        if page is not None and check_files and not (REPO_ROOT / page).exists():
            raise ScheduleError(path, f"{where}.page", f"{page} does not exist", "create the page or remove the key")
        weeks.append(Week(number=number, unit=str(unit), title=str(_require(rw, "title", where, path, "add a title")),
                          lecture=lecture, exercise=exercise, deck=rw.get("deck"),
                          exercise_source=rw.get("exercise_source"), buffer=bool(rw.get("buffer", False)),
                          page=page,
                          description=" ".join(str(rw["description"]).split()) if rw.get("description") else None,
                          release_override=release))
    schedule = Schedule(path=path, course=course, units={str(k): str(v) for k, v in units.items()}, weeks=weeks,
                        university_days_off=days_off)
    if check_holidays:
        problems = holiday_clashes(schedule)
        if problems:
            first = problems[0]
            raise ScheduleError(path, first[0], first[1], first[2])
    return schedule


# ---------------------------------------------------------------------------------------------------------
# holidays
# ---------------------------------------------------------------------------------------------------------
def statutory_holidays(schedule: Schedule, years: set[int]) -> dict[dt.date, str]:
    """Statutory holidays of the configured German state, from the ``holidays`` package (English names)."""
    import holidays

    cfg = schedule.course.get("holidays") or {}
    country, subdiv = cfg.get("country", "DE"), cfg.get("subdivision")
    cal = holidays.country_holidays(country, subdiv=subdiv, years=sorted(years), language="en_US")
    return dict(cal.items())


GERMAN_NAMES = {
    "Christi Himmelfahrt": "Ascension Day",
    "Fronleichnam": "Corpus Christi",
    "Pfingstmontag": "Pentecost Monday",
    "Karfreitag": "Good Friday",
    "Ostermontag": "Easter Monday",
    "Tag der Arbeit": "Labor Day",
    "Tag der Deutschen Einheit": "German Unity Day",
    "Mariä Himmelfahrt": "Assumption Day",
    "Allerheiligen": "All Saints' Day",
}


def holiday_clashes(schedule: Schedule) -> list[tuple[str, str, str]]:
    """Every session on a holiday without a notice, and every notice not on the holiday it names.

    Returns (field, problem, fix) triples; empty when the schedule and the calendar agree.
    """
    years = {w.lecture.date.year for w in schedule.weeks} | {w.exercise.date.year for w in schedule.weeks}
    statutory = statutory_holidays(schedule, years)
    region = "DE-" + str((schedule.course.get("holidays") or {}).get("subdivision", ""))
    problems: list[tuple[str, str, str]] = []
    for week in schedule.weeks:
        for session in (week.lecture, week.exercise):
            where = f"week {week.number}.{session.kind}"
            official = statutory.get(session.date)
            uni = schedule.university_days_off.get(session.date)
            notice = session.notice
            if (official or uni) and notice is None:
                name = official or f"{uni} (university day off)"
                problems.append((f"{where}.date", f"{session.date} is {name} ({region}) but the session has no notice",
                                 "add notice: {kind: cancelled|self-study, holiday: ..., message: ...} "
                                 "or move the session"))
            if notice is not None:
                expected = GERMAN_NAMES.get(notice.holiday, notice.holiday)
                matches_official = official is not None and expected.lower() in official.lower()
                matches_uni = uni is not None and uni == notice.holiday
                if not (matches_official or matches_uni):
                    actual = official or uni or "no holiday"
                    problems.append((f"{where}.notice.holiday",
                                     f"names {notice.holiday}, but {session.date} is {actual} in {region}",
                                     "remove the notice or correct the holiday's name or date"))
    return problems


# ---------------------------------------------------------------------------------------------------------
# moving the semester
# ---------------------------------------------------------------------------------------------------------
def move(path: Path, new_start: dt.date) -> list[str]:
    """Shift every date of the schedule so that week 1's lecture is on ``new_start``.

    Comments and layout of the YAML are kept (only date values change). Movable university days off
    (Pfingstdienstag) are re-derived for the new year. Returns the holiday clashes of the moved
    semester as readable lines (empty: nothing clashes).
    """
    schedule = load(path, check_files=False, check_holidays=False)
    old_start = schedule.weeks[0].lecture.date
    if new_start.weekday() != old_start.weekday():
        raise ScheduleError(path, "--start", f"{new_start} is a {WEEKDAYS[new_start.weekday()]}",
                            f"start on a {WEEKDAYS[old_start.weekday()]}, the lecture slot's weekday")
    delta = new_start - old_start
    text = path.read_text(encoding="utf-8")

    def shift(match: re.Match[str]) -> str:
        old = dt.date.fromisoformat(match.group(2))
        return f"{match.group(1)}{old + delta}"

    text = re.sub(r"(\b(?:date|release):\s*)(\d{4}-\d{2}-\d{2})", shift, text)
    for name, offset in MOVABLE_DAYS_OFF.items():
        year = (old_start + delta).year
        easter = _easter(year)
        text = re.sub(rf"(date:\s*)\d{{4}}-\d{{2}}-\d{{2}}(\s*,\s*name:\s*\"{name}\")",
                      lambda m, d=easter + dt.timedelta(days=offset): f"{m.group(1)}{d}{m.group(2)}", text)
    path.write_text(text, encoding="utf-8")
    moved = load(path, check_files=False, check_holidays=False)
    return [f"{f}: {p} — {fix}" for f, p, fix in holiday_clashes(moved)]


def _easter(year: int) -> dt.date:
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


# ---------------------------------------------------------------------------------------------------------
# calendar
# ---------------------------------------------------------------------------------------------------------
def to_ics(schedule: Schedule, site_url: str | None = None) -> bytes:
    """The semester as an RFC 5545 calendar: one event per session, notices in the summary and description."""
    from icalendar import Calendar, Event

    cal = Calendar()
    cal.add("prodid", f"-//{schedule.course['short']}//course schedule//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"{schedule.course['short']} {schedule.course['semester']}")
    cal.add("x-wr-timezone", schedule.course["timezone"])
    for week in schedule.weeks:
        for session in (week.lecture, week.exercise):
            event = Event()
            what = "Lecture" if session.kind == "lecture" else "Exercise"
            summary = f"{schedule.course['short']} W{week.number:02d} {what}: {week.title}"
            desc = [f"Week {week.number} — {week.title}"]
            if session.notice:
                summary += f" [{session.notice.kind.upper()}: {session.notice.holiday}]"
                desc.append(session.notice.message)
                if session.notice.kind == "cancelled":
                    event.add("status", "CANCELLED")
            if week.buffer and week.description:
                desc.append(week.description)
            event.add("uid", f"{schedule.course['short'].lower()}-{week.lecture.date.year}-w{week.number:02d}-"
                             f"{session.kind}@ml-pc.course")
            event.add("summary", summary)
            event.add("dtstart", session.starts_at)
            event.add("dtend", session.ends_at)
            event.add("dtstamp", dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
            if session.room:
                event.add("location", session.room)
            event.add("description", "\n".join(desc))
            cal.add_component(event)
    return cal.to_ical()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m coursebuild.schedule", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("check", help="validate the schedule")
    check.add_argument("--file", type=Path, default=SCHEDULE_FILE)
    mv = sub.add_parser("move", help="move the semester so that week 1's lecture is on --start")
    mv.add_argument("--start", required=True, type=dt.date.fromisoformat)
    mv.add_argument("--file", type=Path, default=SCHEDULE_FILE)
    ics = sub.add_parser("ics", help="write the calendar")
    ics.add_argument("output", type=Path)
    args = parser.parse_args(argv)
    try:
        if args.command == "check":
            schedule = load(args.file)
            print(f"{args.file}: {len(schedule.weeks)} weeks, {sum(len(w.notices) for w in schedule.weeks)} "
                  "notices, holidays agree with the calendar: OK")
        elif args.command == "move":
            clashes = move(args.file, args.start)
            print(f"moved the semester: week 1 lecture now on {args.start}; every date in {args.file} re-derived")
            if clashes:
                print(f"{len(clashes)} holiday clash(es) to resolve in {args.file}:")
                for line in clashes:
                    print("  - " + line)
                return 1
            print("no holiday clashes")
        else:
            args.output.write_bytes(to_ics(load()))
            print(f"wrote {args.output}")
    except ScheduleError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
