"""A broken schedule gets errors that name the file, the field and the fix — every one of them at once.

Broken schedules are made by mutating the committed one; the dates they break are taken from it, so the tests
hold in any year. Where a test needs a particular calendar it moves a copy to a year it names (2027).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from icalendar import Calendar

from coursebuild import pages
from coursebuild import schedule as sched
from coursebuild.schedule_move import move, semester_name

FIXTURES = Path(__file__).parent / "fixtures" / "schedules"
BROKEN = {
    # fixture name: (words the error must contain: the field, and the fix)
    "wrong-weekday.yml": ("week 3.exercise.date", "is a Friday", "fix: use the Thursday"),
    "missing-week.yml": ("weeks[3].week", "week 5 stands where week 4 belongs", "fix: list every week once"),
    "bad-date.yml": ("week 2.lecture.date", "'2026-04-31' is not a date", "fix: write it as YYYY-MM-DD"),
    "bad-time.yml": ("slots.lecture.start", "'2:15 pm' is not a time", "fix: write it as HH:MM"),
    "end-before-start.yml": ("week 1.lecture.end", "is not after the start", "fix: make end later"),
    "holiday-without-notice.yml": ("exercise.date", "but the session has no notice", "fix: add notice"),
    "notice-on-a-normal-day.yml": ("week 2.exercise.notice.holiday", "no holiday", "fix: remove the notice"),
    "unknown-notice-kind.yml": ("notice.kind", "'postponed' is not a notice kind",
                                "fix: use one of cancelled, self-study"),
    "missing-deck-file.yml": ("week 1.deck", "does not exist", "fix: create the file"),
    "unknown-unit.yml": ("week 2.unit", "'VI' is not one of the units", "fix: add it under units"),
    "typo-in-a-key.yml": ("week 3.exercise_sorce", "is not a known key", "fix: rename it to 'exercise_source'"),
    "typo-in-a-course-key.yml": ("course.lecturr", "is not a known key", "fix: rename it to 'lecturer'"),
    "page-outside-the-project.yml": ("week 14.page", "'/etc/passwd' is outside the project", "fix: give a path"),
    "page-climbing-out.yml": ("week 14.page", "'../../etc/hostname' is outside the project", "fix: give a path"),
    "room-not-text.yml": ("slots.lecture.room", "is a list, not text", "fix: write room"),
}


def first_notice(weeks: list[dict]) -> tuple[dict, str]:
    """The first week (raw) that carries a notice, and the session that carries it."""
    for week in weeks:
        for session in ("lecture", "exercise"):
            if isinstance(week[session], dict) and week[session].get("notice"):
                return week, session
    raise AssertionError("the committed schedule has no notice")


def mutate(root: Path, name: str, tmp_path: Path) -> Path:
    """Write a broken copy of the committed schedule (the fixture names the mutation)."""
    data = yaml.safe_load((root / "data" / "schedule.yml").read_text())
    weeks = data["weeks"]
    if name == "wrong-weekday.yml":
        weeks[2]["exercise"]["date"] += dt.timedelta(days=1)
    elif name == "missing-week.yml":
        del weeks[3]
    elif name == "bad-date.yml":
        weeks[1]["lecture"]["date"] = "2026-04-31"
    elif name == "bad-time.yml":
        data["slots"]["lecture"]["start"] = "2:15 pm"
    elif name == "end-before-start.yml":
        weeks[0]["lecture"]["end"] = "14:00"
    elif name == "holiday-without-notice.yml":
        week, session = first_notice(weeks)
        del week[session]["notice"]
    elif name == "notice-on-a-normal-day.yml":
        week, session = first_notice(weeks)
        weeks[1]["exercise"]["notice"] = dict(week[session]["notice"])
    elif name == "unknown-notice-kind.yml":
        week, session = first_notice(weeks)
        week[session]["notice"]["kind"] = "postponed"
    elif name == "missing-deck-file.yml":
        weeks[0]["deck"] = "lectures/week01-no-such-deck.qmd"
    elif name == "unknown-unit.yml":
        weeks[1]["unit"] = "VI"
    elif name == "typo-in-a-key.yml":
        weeks[2]["exercise_sorce"] = weeks[2].pop("exercise_source")
    elif name == "typo-in-a-course-key.yml":
        data["course"]["lecturr"] = "Prof. A. Example"
    elif name == "page-outside-the-project.yml":
        weeks[13]["page"] = "/etc/passwd"
    elif name == "page-climbing-out.yml":
        weeks[13]["page"] = "../../etc/hostname"
    elif name == "room-not-text.yml":
        data["slots"]["lecture"]["room"] = ["H 1", "H 2"]
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    return path


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_schedule_names_file_field_and_fix(root, tmp_path, name):
    path = mutate(root, name, tmp_path)
    with pytest.raises(sched.ScheduleError) as err:
        sched.load(path, root=root)
    message = str(err.value)
    assert message.startswith(str(path))
    for words in BROKEN[name]:
        assert words in message, f"{words!r} missing from: {message}"


def test_every_error_is_reported_at_once(root, tmp_path):
    data = yaml.safe_load((root / "data" / "schedule.yml").read_text())
    data["weeks"][1]["unit"] = "VI"
    data["weeks"][4]["exercise_sorce"] = "x"
    data["slots"]["exercise"]["end"] = "25:00"
    path = tmp_path / "three-errors.yml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    with pytest.raises(sched.ScheduleError) as err:
        sched.load(path, root=root)
    fields = [e.field for e in err.value.errors]
    assert {"week 2.unit", "week 5.exercise_sorce", "slots.exercise.end"} <= set(fields)
    assert all(str(path) in line and "fix:" in line for line in str(err.value).splitlines())


def test_a_non_utf8_schedule_names_the_file_the_line_and_the_fix(root, tmp_path):
    path = tmp_path / "latin1.yml"
    path.write_bytes((root / "data" / "schedule.yml").read_text().replace("Characterization", "Charakterisierung "
                     "für", 1).encode("latin-1", errors="replace"))
    with pytest.raises(sched.ScheduleError) as err:
        sched.load(path, root=root)
    assert str(path) in str(err.value) and "is not UTF-8" in str(err.value) and "fix: save the file as UTF-8" in str(
        err.value)
    assert err.value.field.startswith("line ")


def test_committed_fixture_files_fail_too(root):
    """The hand-written fixtures (YAML syntax errors cannot be made by mutation) fail clearly as well."""
    for path in sorted(FIXTURES.glob("*.yml")):
        with pytest.raises(sched.ScheduleError) as err:
            sched.load(path, root=root)
        assert str(path) in str(err.value) and "fix:" in str(err.value)


def test_optional_course_facts_and_rooms_are_read(root, tmp_path):
    data = yaml.safe_load((root / "data" / "schedule.yml").read_text())
    data["course"].update(lecturer="Prof. A. Example", contact="a.example@uni.example", office_hours="Wed 10-11",
                          exam="Oral exam, 30 min", grading="Exam 100 %")
    data["slots"]["lecture"]["room"] = "H 1"
    data["weeks"][2]["lecture"]["room"] = "H 2"
    path = tmp_path / "facts.yml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    s = sched.load(path, root=root)
    assert tuple(s.course[key] for key in sched.COURSE_FACTS) == (
        "Prof. A. Example", "a.example@uni.example", "Wed 10-11", "Oral exam, 30 min", "Exam 100 %")
    assert s.week(1).lecture.room == "H 1" and s.week(3).lecture.room == "H 2" and s.week(3).exercise.room is None
    assert s.week(3).rooms == {"lecture": "H 2"}
    events = Calendar.from_ical(sched.to_ics(s, site_url="https://course.example/ml-pc")).walk("VEVENT")
    w3 = next(e for e in events if "W03 Lecture" in str(e["summary"]))
    facts = pages.course_facts(s)
    assert "<dt>Office hours</dt><dd>Wed 10-11</dd>" in facts and "mailto:a.example@uni.example" in facts
    assert str(w3["location"]) == "H 2"
    assert str(w3["url"]) == f"https://course.example/ml-pc/{Path(s.week(3).deck).with_suffix('.html').as_posix()}"


def test_the_check_command_reports_ok_and_every_error(root, tmp_path, capsys):
    notices = sum(len(w.notices) for w in sched.load().weeks)
    assert sched.main(["check"]) == 0
    assert f"14 weeks, {notices} notices" in capsys.readouterr().out
    checkout = copy_checkout(root, tmp_path)
    data = yaml.safe_load((checkout / "data" / "schedule.yml").read_text())
    data["weeks"][2]["exercise"]["date"] += dt.timedelta(days=1)
    data["weeks"][1]["unit"] = "VI"
    (checkout / "data" / "schedule.yml").write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    assert sched.main(["--root", str(checkout), "check"]) == 2
    err = capsys.readouterr().err
    assert "week 3.exercise.date" in err and "week 2.unit" in err and "2 problem(s)" in err


def copy_checkout(root: Path, tmp_path: Path) -> Path:
    """A second checkout: what the schedule tools read (schedule, decks, exercises, project file)."""
    target = tmp_path / "checkout"
    for rel in ("data", "lectures", "exercises"):
        shutil.copytree(root / rel, target / rel, ignore=shutil.ignore_patterns("*.npz", "*.pt", "*.csv"))
    for rel in ("_quarto.yml", "review.qmd"):
        shutil.copy(root / rel, target / rel)
    return target


def test_the_tools_work_on_the_checkout_in_the_current_directory(root, tmp_path):
    """With two checkouts, `move` run inside one edits that one, never the one the package comes from."""
    other = copy_checkout(root, tmp_path)
    before = (root / "data" / "schedule.yml").read_bytes()
    start = sched.load().weeks[0].lecture.date + dt.timedelta(days=364)
    env = {**os.environ, "PYTHONPATH": str(root / "code")}
    run = subprocess.run([sys.executable, "-m", "coursebuild.schedule", "move", "--start", str(start)],
                         cwd=other / "lectures", env=env, capture_output=True, text=True, timeout=120)
    assert str(other / "data" / "schedule.yml") in run.stdout, run.stdout + run.stderr
    assert sched.load(other / "data" / "schedule.yml", check_holidays=False).weeks[0].lecture.date == start
    assert (root / "data" / "schedule.yml").read_bytes() == before
    outside = subprocess.run([sys.executable, "-m", "coursebuild.schedule", "check"], cwd=tmp_path, env=env,
                             capture_output=True, text=True, timeout=120)
    assert outside.returncode == 2 and "not inside a course checkout" in outside.stderr and "--root" in outside.stderr


def moved_to_2027(root: Path, tmp_path: Path, **kwargs) -> tuple[Path, object]:
    """A copy of the schedule as the course page's 2026 semester (moved there first, with its notices, whatever
    year the committed schedule is in), then moved to the 2027 semester (first lecture Tuesday 13 April 2027)."""
    path = tmp_path / "schedule.yml"
    shutil.copy(root / "data" / "schedule.yml", path)
    move(path, dt.date(2026, 4, 14), notices=True, write=True)
    return path, move(path, dt.date(2027, 4, 13), **kwargs)


def test_moving_the_semester_rederives_dates_and_reports_clashes(root, tmp_path):
    path, report = moved_to_2027(root, tmp_path)
    moved = sched.load(path, check_files=False, check_holidays=False)
    assert moved.weeks[0].lecture.date == dt.date(2027, 4, 13)
    assert moved.weeks[13].exercise.date == dt.date(2027, 7, 15)
    assert all(w.lecture.date.weekday() == 1 and w.exercise.date.weekday() == 3 for w in moved.weeks)
    assert moved.course["semester"] == "Summer semester 2027"
    # 2027: Ascension is Thu 6 May (week 4), Corpus Christi Thu 27 May (week 7), Pfingstdienstag Tue 18 May (week 6)
    assert moved.university_days_off == {dt.date(2027, 5, 18): "Pfingstdienstag"}
    text = "\n".join(report.clashes)
    assert "week 4.exercise.date: 2027-05-06 is Ascension Day" in text
    assert "week 6.lecture.date: 2027-05-18 is Pfingstdienstag" in text
    assert "names Christi Himmelfahrt, but 2027-05-13 is no holiday" in text
    assert "# The semester: the single source of truth" in path.read_text(), "comments must survive the move"
    assert "course.semester: 'Summer semester 2026' -> 'Summer semester 2027'" in "\n".join(report.lines())


def test_move_with_notices_proposes_and_write_applies_the_standard_notices(root, tmp_path):
    path, report = moved_to_2027(root, tmp_path, notices=True)
    assert not report.written and report.clashes, "without --write the notices are only proposed"
    assert "week 4.exercise: add a cancelled notice: 2027-05-06 is Christi Himmelfahrt" in report.proposals
    assert any(p.startswith("week 8.exercise: remove the self-study notice (Fronleichnam)") for p in report.proposals)
    path, report = moved_to_2027(root, tmp_path, notices=True, write=True)
    assert report.written and report.clashes == []
    moved = sched.load(path, check_files=False)
    notices = {(w.number, n.session): (n.kind, n.holiday) for w in moved.weeks for n in w.notices}
    assert notices == {(4, "exercise"): ("cancelled", "Christi Himmelfahrt"),
                       (6, "lecture"): ("self-study", "Pfingstdienstag"),
                       (7, "exercise"): ("self-study", "Fronleichnam")}
    assert moved.week(6).lecture.notice.message.startswith("Self-study lecture: the Tuesday slot is cancelled "
                                                           "(Pfingstdienstag).")


@pytest.mark.parametrize("written", ['"Pfingstdienstag"', "'Pfingstdienstag'", "Pfingstdienstag",
                                     "block"])
def test_move_rederives_pfingstdienstag_however_it_is_quoted(root, tmp_path, written):
    path, _ = moved_to_2027(root, tmp_path)
    move(path, dt.date(2026, 4, 14))
    text = path.read_text()
    line = next(ln for ln in text.splitlines() if "Pfingstdienstag" in ln and "name:" in ln)
    day = line.split("date:")[1].split(",")[0].strip()
    new = ("    - date: " + day + "\n      name: Pfingstdienstag" if written == "block"
           else line.replace('"Pfingstdienstag"', written))
    path.write_text(text.replace(line, new))
    move(path, dt.date(2027, 4, 13))
    assert sched.load(path, check_files=False, check_holidays=False).university_days_off == {
        dt.date(2027, 5, 18): "Pfingstdienstag"}


def test_semester_names():
    assert semester_name(dt.date(2027, 4, 13), "Summer semester 2026") == "Summer semester 2027"
    assert semester_name(dt.date(2027, 10, 19), "Summer semester 2026") == "Winter semester 2027/28"
    assert semester_name(dt.date(2028, 1, 11), "x") == "Winter semester 2027/28"


def test_move_refuses_a_start_on_the_wrong_weekday(root, tmp_path):
    path = tmp_path / "schedule.yml"
    shutil.copy(root / "data" / "schedule.yml", path)
    with pytest.raises(sched.ScheduleError, match="start on a Tuesday"):
        move(path, dt.date(2027, 4, 14))


def test_check_fails_on_a_deck_that_names_a_holiday_its_week_does_not_have(root, tmp_path, capsys):
    checkout = copy_checkout(root, tmp_path)
    schedule = sched.load(root=checkout)
    quiet = next(w for w in schedule.weeks if w.deck and not w.notices)
    named = next(n for w in schedule.weeks for n in w.notices)
    deck = checkout / quiet.deck
    deck.write_text(deck.read_text() + f"\n## Note\n\nThursday is {named.holiday}: the exercise is cancelled.\n"
                    "\n::: {.content-visible when-meta=\"notice.exercise.any\"}\nSelf-study this week.\n:::\n")
    assert sched.main(["--root", str(checkout), "check"]) == 2
    err = capsys.readouterr().err
    assert f"{deck}: line" in err and f"'{named.holiday}'" in err and "a cancellation" in err
    assert "Self-study this week" not in err and "1 problem(s)" in err, "text shown only with a notice is exempt"
    assert "when-meta" in err and "{{< meta notice." in err


def test_calendar_is_rfc5545_with_every_session_its_time_zone_and_the_notices():
    s = sched.load()
    ics = sched.to_ics(s)
    cal = Calendar.from_ical(ics)
    events = list(cal.walk("VEVENT"))
    assert len(events) == 28 and len({str(e["uid"]) for e in events}) == 28
    cancelled = [e for e in events if e.get("status") == "CANCELLED"]
    assert len(cancelled) == sum(n.kind == "cancelled" for w in s.weeks for n in w.notices)
    first = min(events, key=lambda e: e.decoded("dtstart"))
    assert first.decoded("dtstart") == s.weeks[0].lecture.starts_at
    for n in (n for w in s.weeks for n in w.notices):
        assert any(f"{n.kind.upper()}: {n.holiday}" in str(e["summary"]) for e in events)
    # what a validator checks: a VTIMEZONE for every TZID used, required properties, CRLF, folded lines
    zones = {str(tz["tzid"]) for tz in cal.walk("VTIMEZONE")}
    assert zones == {s.course["timezone"]}
    assert {"STANDARD", "DAYLIGHT"} <= {c.name for c in cal.walk("VTIMEZONE")[0].subcomponents}
    assert cal.subcomponents[0].name == "VTIMEZONE", "the time zone comes before the events that use it"
    years = {w.lecture.date.year for w in s.weeks}
    assert "1970" not in ics.decode() and all(str(y) in str(cal.walk("VTIMEZONE")[0]["comment"]) for y in years)
    assert all(e.get(k) is not None for e in events for k in ("uid", "dtstamp", "dtstart", "dtend", "summary"))
    assert all(f"TZID={s.course['timezone']}" in e.to_ical().decode() for e in events)
    lines = ics.split(b"\r\n")
    assert b"\n" not in b"".join(lines) and all(len(line) <= 75 for line in lines)
    assert cal["version"] == "2.0" and cal.get("prodid")
    assert str(s.weeks[0].lecture.date.year) in ics.decode().split("DTSTAMP:", 1)[1][:4]
