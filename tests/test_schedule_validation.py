"""A broken schedule gets an error that names the file, the field and the fix."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
import yaml
from icalendar import Calendar

from coursebuild import schedule as sched

FIXTURES = Path(__file__).parent / "fixtures" / "schedules"
BROKEN = {
    # fixture name: (words the error must contain: the field, and the fix)
    "wrong-weekday.yml": ("week 3.exercise.date", "is a Friday", "fix: use the Thursday"),
    "missing-week.yml": ("weeks[3].week", "week 5 stands where week 4 belongs", "fix: list every week once"),
    "bad-date.yml": ("week 2.lecture.date", "'2026-04-31' is not a date", "fix: write it as YYYY-MM-DD"),
    "bad-time.yml": ("slots.lecture.start", "'2:15 pm' is not a time", "fix: write it as HH:MM"),
    "end-before-start.yml": ("week 1.lecture.end", "is not after the start", "fix: make end later"),
    "holiday-without-notice.yml": ("week 5.exercise.date", "Ascension Day", "fix: add notice"),
    "notice-on-a-normal-day.yml": ("week 4.exercise.notice.holiday", "no holiday", "fix: remove the notice"),
    "unknown-notice-kind.yml": ("week 7.lecture.notice.kind", "'postponed' is not a notice kind",
                                "fix: use one of cancelled, self-study"),
    "missing-deck-file.yml": ("week 1.deck", "does not exist", "fix: create the file"),
    "unknown-unit.yml": ("week 2.unit", "'VI' is not one of the units", "fix: add it under units"),
}


def mutate(root: Path, name: str, tmp_path: Path) -> Path:
    """Write a broken copy of the committed schedule (the fixture names the mutation)."""
    data = yaml.safe_load((root / "data" / "schedule.yml").read_text())
    weeks = data["weeks"]
    if name == "wrong-weekday.yml":
        weeks[2]["exercise"]["date"] = dt.date(2026, 5, 1)
    elif name == "missing-week.yml":
        del weeks[3]
    elif name == "bad-date.yml":
        weeks[1]["lecture"]["date"] = "2026-04-31"
    elif name == "bad-time.yml":
        data["slots"]["lecture"]["start"] = "2:15 pm"
    elif name == "end-before-start.yml":
        weeks[0]["lecture"]["end"] = "14:00"
    elif name == "holiday-without-notice.yml":
        del weeks[4]["exercise"]["notice"]
    elif name == "notice-on-a-normal-day.yml":
        weeks[3]["exercise"]["notice"] = dict(weeks[4]["exercise"]["notice"])
    elif name == "unknown-notice-kind.yml":
        weeks[6]["lecture"]["notice"]["kind"] = "postponed"
    elif name == "missing-deck-file.yml":
        weeks[0]["deck"] = "lectures/week01-no-such-deck.qmd"
    elif name == "unknown-unit.yml":
        weeks[1]["unit"] = "VI"
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_schedule_names_file_field_and_fix(root, tmp_path, name):
    path = mutate(root, name, tmp_path)
    with pytest.raises(sched.ScheduleError) as err:
        sched.load(path)
    message = str(err.value)
    assert message.startswith(str(path))
    for words in BROKEN[name]:
        assert words in message, f"{words!r} missing from: {message}"


def test_committed_fixture_files_fail_too():
    """The hand-written fixtures (YAML syntax errors cannot be made by mutation) fail clearly as well."""
    for path in sorted(FIXTURES.glob("*.yml")):
        with pytest.raises(sched.ScheduleError) as err:
            sched.load(path)
        assert str(path) in str(err.value) and "fix:" in str(err.value)


def test_the_check_command_reports_ok_and_errors(root, tmp_path, capsys):
    assert sched.main(["check"]) == 0
    assert "14 weeks, 3 notices" in capsys.readouterr().out
    broken = mutate(root, "wrong-weekday.yml", tmp_path)
    assert sched.main(["check", "--file", str(broken)]) == 2
    assert "week 3.exercise.date" in capsys.readouterr().err


def test_moving_the_semester_rederives_dates_and_reports_clashes(root, tmp_path):
    path = tmp_path / "schedule.yml"
    shutil.copy(root / "data" / "schedule.yml", path)
    clashes = sched.move(path, dt.date(2027, 4, 13))
    moved = sched.load(path, check_files=False, check_holidays=False)
    assert moved.weeks[0].lecture.date == dt.date(2027, 4, 13)
    assert moved.weeks[13].exercise.date == dt.date(2027, 7, 15)
    assert all(w.lecture.date.weekday() == 1 and w.exercise.date.weekday() == 3 for w in moved.weeks)
    # 2027: Ascension is Thu 6 May (week 4), Corpus Christi Thu 27 May (week 7), Pfingstdienstag Tue 18 May
    assert moved.university_days_off == {dt.date(2027, 5, 18): "Pfingstdienstag"}
    text = "\n".join(clashes)
    assert "week 4.exercise.date: 2027-05-06 is Ascension Day" in text
    assert "week 6.lecture.date: 2027-05-18 is Pfingstdienstag" in text
    assert "week 5.exercise.notice.holiday: names Christi Himmelfahrt" in text
    assert "# The semester: the single source of truth" in path.read_text(), "comments must survive the move"


def test_move_refuses_a_start_on_the_wrong_weekday(root, tmp_path):
    path = tmp_path / "schedule.yml"
    shutil.copy(root / "data" / "schedule.yml", path)
    with pytest.raises(sched.ScheduleError, match="start on a Tuesday"):
        sched.move(path, dt.date(2027, 4, 14))


def test_calendar_is_rfc5545_with_every_session_and_the_notices():
    cal = Calendar.from_ical(sched.to_ics(sched.load()))
    events = list(cal.walk("VEVENT"))
    assert len(events) == 28
    cancelled = [e for e in events if e.get("status") == "CANCELLED"]
    assert len(cancelled) == 1 and "W05 Exercise" in str(cancelled[0]["summary"])
    first = min(events, key=lambda e: e.decoded("dtstart"))
    assert first.decoded("dtstart").isoformat() == "2026-04-14T14:15:00+02:00"
    assert any("SELF-STUDY: Pfingstdienstag" in str(e["summary"]) for e in events)
    assert len({str(e["uid"]) for e in events}) == 28
