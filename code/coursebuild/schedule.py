"""The semester: load, validate and render ``data/schedule.yml``, the single source of truth for time.

Everything that shows a date reads this module: the schedule page, the home page's "this week" card,
the notices on decks and handouts (through the pre-render step), the release of solutions
(:mod:`coursebuild.release`), the calendar export (``.ics``) and the PDF names.

The tools work on the checkout in the current directory (or ``--root``), never on another one::

    python -m coursebuild.schedule check                    # validate schedule and prose; every error at once
    python -m coursebuild.schedule move --start 2027-04-13 --notices --write   # move the semester (one command)
    python -m coursebuild.schedule ics out.ics              # write the calendar
"""

from __future__ import annotations

import argparse
import datetime as dt
import difflib
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

SCHEDULE_REL = Path("data") / "schedule.yml"
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
NOTICE_KINDS = ("cancelled", "self-study")
TIME_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
#: University days off that move with Easter, re-derived when the semester moves (days after Easter Sunday).
MOVABLE_DAYS_OFF = {"Pfingstdienstag": 51}
#: Optional facts about the course that the home page shows (all text).
COURSE_FACTS = ("lecturer", "contact", "office_hours", "exam", "grading")
#: Every key the file may use, per level; anything else is rejected with the closest valid name.
KNOWN_KEYS: dict[str, tuple[str, ...]] = {
    "top": ("course", "slots", "units", "weeks"),
    "course": ("title", "short", "semester", "ects", "hours", "timezone", "holidays", "university_days_off",
               *COURSE_FACTS),
    "holidays": ("country", "subdivision"),
    "day_off": ("date", "name"),
    "slots": ("lecture", "exercise"),
    "slot": ("weekday", "start", "end", "room"),
    "week": ("week", "unit", "title", "lecture", "exercise", "deck", "exercise_source", "buffer", "page",
             "description", "release"),
    "session": ("date", "start", "end", "room", "notice"),
    "notice": ("kind", "holiday", "message"),
}


class ScheduleError(ValueError):
    """A broken schedule: the message names the file, the field and the fix.

    ``errors`` lists every problem found (one when raised for a single problem).
    """

    def __init__(self, path: Path, field_name: str, problem: str, fix: str):
        self.path, self.field, self.problem, self.fix = path, field_name, problem, fix
        self.errors: list[ScheduleError] = [self]
        super().__init__(f"{path}: {field_name}: {problem} — fix: {fix}")

    @classmethod
    def many(cls, errors: list[ScheduleError]) -> ScheduleError:
        """One exception carrying every problem; its message lists them all, one a line."""
        first = errors[0]
        combined = cls(first.path, first.field, first.problem, first.fix)
        combined.errors = list(errors)
        combined.args = ("\n".join(str(e) for e in errors),)
        return combined

    def __str__(self) -> str:
        return str(self.args[0])


def find_root(start: Path | None = None) -> Path:
    """The course checkout containing ``start`` (default: the current directory): it holds ``data/schedule.yml``."""
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / SCHEDULE_REL).is_file() and (folder / "_quarto.yml").is_file():
            return folder
    raise ScheduleError(here, "(checkout)", "is not inside a course checkout (no data/schedule.yml and _quarto.yml "
                        "above it)", "run the command inside the checkout or pass --root PATH")


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
        return f"{what} {self.kind} ({self.holiday})"


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
    def weekday(self) -> str:
        return WEEKDAYS[self.date.weekday()]

    @property
    def date_text(self) -> str:
        """E.g. ``Tuesday, 14.04.2026, 14:15–15:45`` (the course page's format)."""
        return f"{self.weekday}, {self.date:%d.%m.%Y}, {self.start:%H:%M}–{self.end:%H:%M}"


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
    def sessions(self) -> tuple[Session, Session]:
        return (self.lecture, self.exercise)

    @property
    def notices(self) -> list[Notice]:
        return [s.notice for s in self.sessions if s.notice]

    @property
    def rooms(self) -> dict[str, str]:
        """The rooms known for this week's sessions, e.g. ``{"lecture": "H 1"}``."""
        return {s.kind: s.room for s in self.sessions if s.room}

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
    root: Path | None = None

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
# loading and validation: every problem is collected, and reported together
# ---------------------------------------------------------------------------------------------------------
class _Problems:
    """Collects :class:`ScheduleError`\\ s for one file."""

    def __init__(self, path: Path):
        self.path = path
        self.errors: list[ScheduleError] = []

    def add(self, field_name: str, problem: str, fix: str) -> None:
        self.errors.append(ScheduleError(self.path, field_name, problem, fix))

    def require(self, mapping: Any, key: str, where: str, fix: str) -> Any:
        if not isinstance(mapping, dict) or key not in mapping or mapping[key] in (None, ""):
            self.add(f"{where}.{key}" if where else key, "is missing", fix)
            return None
        return mapping[key]

    def known_keys(self, mapping: Any, level: str, where: str) -> None:
        if not isinstance(mapping, dict):
            return
        allowed = KNOWN_KEYS[level]
        for key in mapping:
            if key in allowed:
                continue
            close = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6)
            fix = (f"rename it to '{close[0]}'" if close else "remove it") + f" (known keys: {', '.join(allowed)})"
            self.add(f"{where}.{key}" if where else str(key), "is not a known key", fix)

    def mapping(self, value: Any, where: str) -> dict[str, Any]:
        """``value`` if it is a mapping; otherwise an error (unless it is missing, already reported) and ``{}``."""
        if value is not None and not isinstance(value, dict):
            self.add(where, f"is a {type(value).__name__}, not a mapping", "write its keys indented below it")
        return value if isinstance(value, dict) else {}

    def date(self, value: Any, where: str) -> dt.date | None:
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            self.add(where, f"'{value}' is not a date", "write it as YYYY-MM-DD, e.g. 2026-04-14")
            return None

    def time(self, value: Any, where: str) -> dt.time | None:
        if not TIME_RE.match(str(value)):
            self.add(where, f"'{value}' is not a time", "write it as HH:MM in quotes, e.g. \"14:15\"")
            return None
        return dt.time.fromisoformat(str(value))

    def text(self, mapping: dict[str, Any], key: str, where: str) -> str | None:
        value = mapping.get(key)
        if value is not None and (not isinstance(value, (str, int, float)) or isinstance(value, bool)):
            self.add(f"{where}.{key}", f"is a {type(value).__name__}, not text", f"write {key}: \"...\" as one line")
            return None
        return None if value is None else str(value)


def _parse_notice(raw: Any, where: str, session: str, p: _Problems) -> Notice | None:
    if raw is None:
        return None
    p.known_keys(raw, "notice", where)
    kind = p.require(raw, "kind", where, f"set kind to one of {', '.join(NOTICE_KINDS)}")
    if kind is not None and kind not in NOTICE_KINDS:
        p.add(f"{where}.kind", f"'{kind}' is not a notice kind", f"use one of {', '.join(NOTICE_KINDS)}")
        kind = None
    holiday = p.require(raw, "holiday", where, "name the holiday, e.g. holiday: \"Fronleichnam\"")
    message = p.require(raw, "message", where, "write the sentence students read on the page")
    if None in (kind, holiday, message):
        return None
    return Notice(kind=kind, holiday=str(holiday), message=" ".join(str(message).split()), session=session)


def _parse_session(raw: Any, kind: str, where: str, slot: dict[str, Any], tz: ZoneInfo,
                   p: _Problems) -> Session | None:
    if not isinstance(raw, dict):
        p.add(where, "is missing", f"give the {kind} as {{date: YYYY-MM-DD}}")
        return None
    p.known_keys(raw, "session", where)
    errors = len(p.errors)
    raw_date = p.require(raw, "date", where, "add date: YYYY-MM-DD")
    date = p.date(raw_date, f"{where}.date") if raw_date is not None else None
    start, end = (p.time(raw[key], f"{where}.{key}") if key in raw else
                  (dt.time.fromisoformat(slot[key]) if key in slot else None) for key in ("start", "end"))
    room = p.text(raw, "room", where) or slot.get("room")
    notice = _parse_notice(raw.get("notice"), f"{where}.notice", kind, p)
    if len(p.errors) > errors or date is None or start is None or end is None:
        return None
    if end <= start:
        p.add(f"{where}.end", f"{end:%H:%M} is not after the start {start:%H:%M}", "make end later than start")
    weekday = WEEKDAYS[date.weekday()]
    if "start" not in raw and weekday != slot.get("weekday"):
        p.add(f"{where}.date", f"{date} is a {weekday}, but the {kind} slot is on {slot.get('weekday')}",
              f"use the {slot.get('weekday')} of that week or give the session its own start/end")
    return Session(kind=kind, date=date, start=start, end=end, room=room, notice=notice, tz=tz)


def _read_yaml(path: Path) -> Any:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ScheduleError(path, "(file)", "does not exist", "create data/schedule.yml (see README)") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise ScheduleError(path, f"line {line}", f"byte 0x{data[exc.start]:02x} is not UTF-8 (the file is in "
                            "another encoding, e.g. Latin-1)", "save the file as UTF-8, e.g. "
                            f"iconv -f latin1 -t utf-8 {path.name} > tmp && mv tmp {path.name}") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ScheduleError(path, "(YAML)", str(exc).replace("\n", " "), "fix the YAML syntax at that line") from None


def _inside(root: Path, value: str) -> bool:
    target = (root / value).resolve()
    return not Path(value).is_absolute() and target.is_relative_to(root.resolve())


def load(path: Path | str | None = None, check_files: bool = True, check_holidays: bool = True,
         root: Path | None = None) -> Schedule:
    """Load and validate the schedule; raises :class:`ScheduleError` listing every problem (file, field, fix).

    ``path`` defaults to ``data/schedule.yml`` of ``root``; ``root`` defaults to the checkout that holds
    ``path`` (or, for a file outside any checkout, the checkout of the current directory).
    """
    if root is None:
        try:
            root = find_root(Path(path).parent if path else None)
        except ScheduleError:
            root = find_root()
    path = Path(path) if path else root / SCHEDULE_REL
    raw = _read_yaml(path)
    if not isinstance(raw, dict):
        raise ScheduleError(path, "(top level)", "is not a mapping", "start from the committed data/schedule.yml")
    p = _Problems(path)
    p.known_keys(raw, "top", "")
    course = p.mapping(p.require(raw, "course", "", "add the course: block"), "course")
    p.known_keys(course, "course", "course")
    p.known_keys(course.get("holidays"), "holidays", "course.holidays")
    for key in ("title", "short", "semester", "timezone"):
        p.require(course, key, "course", f"add course.{key}")
    for key in COURSE_FACTS:
        p.text(course, key, "course")
    tz = ZoneInfo("UTC")
    try:
        tz = ZoneInfo(str(course["timezone"])) if course.get("timezone") else tz
    except Exception:  # noqa: BLE001 - zoneinfo raises several types
        p.add("course.timezone", f"'{course.get('timezone')}' is not a time zone",
              "use an IANA name such as Europe/Berlin")
    slots = p.mapping(p.require(raw, "slots", "", "add slots: lecture and exercise with weekday, start, end"), "slots")
    p.known_keys(slots, "slots", "slots")
    for name in ("lecture", "exercise"):
        slot = p.mapping(p.require(slots, name, "slots", f"add slots.{name}: {{weekday: ..., start: ..., end: ...}}"),
                         f"slots.{name}")
        p.known_keys(slot, "slot", f"slots.{name}")
        if slot and slot.get("weekday") not in WEEKDAYS:
            p.add(f"slots.{name}.weekday", f"'{slot.get('weekday')}' is not a weekday",
                  f"use one of {', '.join(WEEKDAYS)}")
        for key in ("start", "end"):
            value = p.require(slot, key, f"slots.{name}", "add HH:MM") if slot else None
            if value is not None and p.time(value, f"slots.{name}.{key}") is None:
                slot.pop(key)
        p.text(slot, "room", f"slots.{name}") if slot else None
    units = p.mapping(p.require(raw, "units", "", "add units: {I: name, II: name, ...}"), "units")
    days_off = {}
    for i, entry in enumerate(course.get("university_days_off") or []):
        where = f"course.university_days_off[{i}]"
        p.known_keys(entry, "day_off", where)
        day, name = p.require(entry, "date", where, "add date"), p.require(entry, "name", where, "add the day's name")
        if day is not None and name is not None and (day := p.date(day, f"{where}.date")):
            days_off[day] = str(name)
    raw_weeks = p.require(raw, "weeks", "", "list the weeks") or []
    if not isinstance(raw_weeks, list) or not raw_weeks:
        p.add("weeks", "is not a list of weeks", "write each week as '- week: N' with its keys below")
        raw_weeks = []
    weeks = [w for i, rw in enumerate(raw_weeks) if (w := _parse_week(rw, i, units, slots, tz, root, check_files, p))]
    for prev, week in zip(weeks, weeks[1:], strict=False):
        if week.lecture.date <= prev.exercise.date:
            p.add(f"week {week.number}.lecture.date", f"{week.lecture.date} is not after week {prev.number}",
                  "weeks must follow each other in time")
    if p.errors:
        raise ScheduleError.many(p.errors)
    schedule = Schedule(path=path, course=course, units={str(k): str(v) for k, v in units.items()}, weeks=weeks,
                        university_days_off=days_off, root=root)
    if check_holidays:
        problems = holiday_clashes(schedule)
        if problems:
            raise ScheduleError.many([ScheduleError(path, *problem) for problem in problems])
    return schedule


def _parse_week(rw: Any, i: int, units: dict, slots: dict, tz: ZoneInfo, root: Path, check_files: bool,
                p: _Problems) -> Week | None:
    where = f"weeks[{i}]"
    if not isinstance(rw, dict):
        p.add(where, "is not a mapping", "write the week as '- week: N' with its keys below")
        return None
    errors = len(p.errors)
    number = p.require(rw, "week", where, "number the week: week: N")
    if number is not None and number != i + 1:
        p.add(f"{where}.week", f"week {number} stands where week {i + 1} belongs",
              "list every week once, in order 1, 2, 3, ...")
        return None
    where = f"week {number}"
    p.known_keys(rw, "week", where)
    unit = p.require(rw, "unit", where, "name the unit (I, II, ...)")
    if unit is not None and unit not in units:
        p.add(f"{where}.unit", f"'{unit}' is not one of the units {', '.join(map(str, units))}",
              "add it under units: or correct the week")
    title = p.require(rw, "title", where, "add a title")
    lecture = _parse_session(rw.get("lecture"), "lecture", f"{where}.lecture", slots.get("lecture") or {}, tz, p)
    exercise = _parse_session(rw.get("exercise"), "exercise", f"{where}.exercise", slots.get("exercise") or {}, tz, p)
    if lecture and exercise and exercise.starts_at <= lecture.starts_at:
        p.add(f"{where}.exercise.date", "the exercise is not after the lecture",
              "put the exercise after the week's lecture")
    release = None
    if rw.get("release"):
        try:
            release = dt.datetime.fromisoformat(str(rw["release"]))
            release = release.astimezone(tz) if release.tzinfo else release.replace(tzinfo=tz)
        except ValueError:
            p.add(f"{where}.release", f"'{rw['release']}' is not a date-time", "write YYYY-MM-DDTHH:MM")
    for key, folder in (("deck", "lectures"), ("exercise_source", "exercises")):
        value = rw.get(key)
        if value is None:
            continue
        if not re.fullmatch(rf"{folder}/week{number:02d}-[a-z0-9-]+\.qmd", str(value)):
            p.add(f"{where}.{key}", f"'{value}' does not follow the naming scheme",
                  f"name it {folder}/week{number:02d}-<slug>.qmd")
        elif check_files and not (root / value).exists():
            p.add(f"{where}.{key}", f"{value} does not exist", "create the file or remove the key until it exists")
    page = rw.get("page")
    if page is not None:
        if not _inside(root, str(page)):
            p.add(f"{where}.page", f"'{page}' is outside the project", "give a path inside the checkout, "
                  "relative to its root, e.g. review.qmd")
        elif check_files and not (root / page).is_file():
            p.add(f"{where}.page", f"{page} does not exist", "create the page or remove the key")
    if len(p.errors) > errors or lecture is None or exercise is None:
        return None
    description = " ".join(str(rw["description"]).split()) if rw.get("description") else None
    return Week(number=number, unit=str(unit), title=str(title), lecture=lecture, exercise=exercise,
                deck=rw.get("deck"), exercise_source=rw.get("exercise_source"), buffer=bool(rw.get("buffer", False)),
                page=page, description=description, release_override=release)


# ---------------------------------------------------------------------------------------------------------
# holidays
# ---------------------------------------------------------------------------------------------------------
def statutory_holidays(schedule: Schedule, years: set[int], language: str = "en_US") -> dict[dt.date, str]:
    """Statutory holidays of the configured German state, from the ``holidays`` package."""
    import holidays

    cfg = schedule.course.get("holidays") or {}
    country, subdiv = cfg.get("country", "DE"), cfg.get("subdivision")
    cal = holidays.country_holidays(country, subdiv=subdiv, years=sorted(years), language=language)
    return dict(cal.items())


def days_off(schedule: Schedule) -> dict[dt.date, tuple[str, set[str], bool]]:
    """Every day off in the semester's years: date -> (German name, every accepted name, statutory?)."""
    years = {s.date.year for w in schedule.weeks for s in w.sessions}
    german = statutory_holidays(schedule, years, language="de")
    english = statutory_holidays(schedule, years)
    out = {day: (name, {name, english.get(day, name)}, True) for day, name in german.items()}
    for day, name in schedule.university_days_off.items():
        out.setdefault(day, (name, {name}, False))
    return out


def holiday_names(schedule: Schedule) -> set[str]:
    """Every name a holiday of this course can go by (German and English), e.g. for searching prose."""
    return {name for _, names, _ in days_off(schedule).values() for name in names} | set(MOVABLE_DAYS_OFF)


def holiday_clashes(schedule: Schedule) -> list[tuple[str, str, str]]:
    """Every session on a holiday without a notice, and every notice not on the holiday it names.

    Returns (field, problem, fix) triples; empty when the schedule and the calendar agree.
    """
    off = days_off(schedule)
    region = "DE-" + str((schedule.course.get("holidays") or {}).get("subdivision", ""))
    problems: list[tuple[str, str, str]] = []
    for week in schedule.weeks:
        for session in week.sessions:
            where = f"week {week.number}.{session.kind}"
            day = off.get(session.date)
            notice = session.notice
            if day and notice is None:
                name, names, statutory = day
                what = " / ".join(sorted(names)) if statutory else f"{name} (university day off)"
                problems.append((f"{where}.date", f"{session.date} is {what} ({region}) but the session has no "
                                 "notice", "add notice: {kind: cancelled|self-study, holiday: ..., message: ...} "
                                 "(python -m coursebuild.schedule move --start <week 1> --notices --write "
                                 "proposes it) or move the session"))
            if notice is not None and not (day and notice.holiday.lower() in {n.lower() for n in day[1]}):
                actual = " / ".join(sorted(day[1])) if day else "no holiday"
                problems.append((f"{where}.notice.holiday", f"names {notice.holiday}, but {session.date} is "
                                 f"{actual} in {region}", "remove the notice or correct the holiday's name or date"))
    return problems


# ---------------------------------------------------------------------------------------------------------
# calendar
# ---------------------------------------------------------------------------------------------------------
def to_ics(schedule: Schedule, site_url: str | None = None) -> bytes:
    """The semester as an RFC 5545 calendar: one event per session with its time zone (VTIMEZONE), room
    (LOCATION) when known, the week's materials (URL, when the site's address is known) and its notice."""
    from icalendar import Calendar, Event, Timezone

    from coursebuild.pages import handout_url, slides_url

    short = schedule.course["short"]
    cal = Calendar()
    cal.add("prodid", f"-//{short}//course schedule//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", f"{short} {schedule.course['semester']}")
    cal.add("x-wr-timezone", schedule.course["timezone"])
    stamp = dt.datetime(schedule.weeks[0].lecture.date.year, 1, 1, tzinfo=dt.UTC)
    for week in schedule.weeks:
        for session in week.sessions:
            event = Event()
            what = "Lecture" if session.kind == "lecture" else "Exercise"
            summary = f"{short} W{week.number:02d} {what}: {week.title}"
            desc = [f"Week {week.number} — {week.title}"]
            if session.notice:
                summary += f" [{session.notice.kind.upper()}: {session.notice.holiday}]"
                desc.append(session.notice.message)
                if session.notice.kind == "cancelled":
                    event.add("status", "CANCELLED")
            if week.buffer and week.description:
                desc.append(week.description)
            page = (slides_url(week) if session.kind == "lecture" else handout_url(week)) or week.page
            if page and site_url:
                url = site_url.rstrip("/") + "/" + str(Path(page).with_suffix(".html").as_posix())
                event.add("url", url)
                desc.append(f"Materials: {url}")
            event.add("uid", f"{short.lower()}-{week.lecture.date.year}-w{week.number:02d}-{session.kind}@ml-pc.course")
            event.add("summary", summary)
            event.add("dtstart", session.starts_at)
            event.add("dtend", session.ends_at)
            event.add("dtstamp", stamp)
            if session.room:
                event.add("location", session.room)
            event.add("description", "\n".join(desc))
            cal.add_component(event)
    # the time zone's rules for the semester's years only (the default covers 1970-2038 in hundreds of lines)
    years = [s.date.year for w in schedule.weeks for s in w.sessions]
    zone = Timezone.from_tzid(schedule.course["timezone"], first_date=dt.date(min(years), 1, 1),
                              last_date=dt.date(max(years) + 1, 1, 1))
    cal.subcomponents.insert(0, zone)  # before the events that refer to it, as clients expect
    return cal.to_ical()


# ---------------------------------------------------------------------------------------------------------
# command line
# ---------------------------------------------------------------------------------------------------------
def _check(root: Path) -> int:
    from coursebuild.schedule_prose import prose_problems

    errors: list[ScheduleError] = []
    schedule = None
    try:
        schedule = load(root=root)
    except ScheduleError as exc:
        errors.extend(exc.errors)
    if schedule is not None:
        errors.extend(prose_problems(schedule))
    if errors:
        print(f"{len(errors)} problem(s):", file=sys.stderr)
        for err in errors:
            print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"{schedule.path}: {len(schedule.weeks)} weeks, {sum(len(w.notices) for w in schedule.weeks)} notices, "
          "holidays agree with the calendar, decks and handouts name no other arrangement: OK")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m coursebuild.schedule", description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=None,
                        help="the course checkout (default: the one containing the current directory)")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("check", help="validate the schedule and the holiday wording of decks and handouts")
    mv = sub.add_parser("move", help="move the semester so that week 1's lecture is on --start")
    mv.add_argument("--start", required=True, type=dt.date.fromisoformat)
    mv.add_argument("--notices", action="store_true", help="propose the notices for the new dates")
    mv.add_argument("--write", action="store_true", help="apply the proposed notices (implies --notices)")
    ics = sub.add_parser("ics", help="write the calendar")
    ics.add_argument("output", type=Path)
    args = parser.parse_args(argv)
    try:
        root = find_root(args.root)
        if args.command == "check":
            return _check(root)
        if args.command == "move":
            from coursebuild.schedule_move import move

            report = move(root / SCHEDULE_REL, args.start, notices=args.notices or args.write, write=args.write)
            print("\n".join(report.lines()))
            return 1 if report.clashes else 0
        args.output.write_bytes(to_ics(load(root=root)))
        print(f"wrote {args.output}")
    except ScheduleError as exc:
        for err in exc.errors:
            print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
