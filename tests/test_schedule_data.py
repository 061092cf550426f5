"""The committed schedule is the course page's semester, moved to whatever year the schedule says.

Nothing here names a year: the expectations come from the course page (docs/course-page.txt, the
specification, written for its own semester) and from the calendar of the schedule's own year, so these tests
hold after `python -m coursebuild.schedule move` to any year.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil

from coursebuild import schedule as sched
from coursebuild.schedule_move import move

COURSE_PAGE_SESSION = re.compile(
    r"(?:Lecture: )?(Tuesday), (\d\d\.\d\d\.\d{4}), (\d\d:\d\d)-(\d\d:\d\d)(?P<lnote>[^|]*)\| (?:Exercise: )?"
    r"(Thursday), (\d\d\.\d\d\.\d{4}), (\d\d:\d\d)-(\d\d:\d\d)(?P<enote>.*)")
NOTE = re.compile(r"\((cancelled|self-study)\s*[-—]\s*(\w+)")


def course_page_sessions(root) -> list[tuple[dt.date, str, str, dt.date, str, str]]:
    """Every week's sessions as the course page gives them."""
    out = []
    for line in (root / "docs" / "course-page.txt").read_text().splitlines():
        m = COURSE_PAGE_SESSION.search(line)
        if m:
            d1 = dt.datetime.strptime(m.group(2), "%d.%m.%Y").date()
            d2 = dt.datetime.strptime(m.group(7), "%d.%m.%Y").date()
            out.append((d1, m.group(3), m.group(4), d2, m.group(8), m.group(9)))
    return out


def course_page_notices(root) -> dict[tuple[int, str], tuple[str, str]]:
    """(week, session) -> (kind, a word of the holiday's name), e.g. (5, "exercise") -> ("cancelled", "Himmelfahrt")."""
    out = {}
    text = (root / "docs" / "course-page.txt").read_text()
    lines = [ln for ln in text.splitlines() if COURSE_PAGE_SESSION.search(ln)]
    for number, line in enumerate(lines, 1):
        m = COURSE_PAGE_SESSION.search(line)
        for session, note in (("lecture", m.group("lnote")), ("exercise", m.group("enote"))):
            if n := NOTE.search(note):
                out[(number, session)] = (n.group(1), n.group(2))
    return out


def test_all_fourteen_weeks_follow_the_course_page(root):
    """Same weekdays, times and spacing as the course page, shifted to the schedule's first lecture."""
    schedule = sched.load()
    expected = course_page_sessions(root)
    assert len(expected) == 14
    assert [w.number for w in schedule.weeks] == list(range(1, 15))
    shift = schedule.weeks[0].lecture.date - expected[0][0]
    assert shift.days % 7 == 0, "a move keeps the weekdays"
    for week, (d1, s1, e1, d2, s2, e2) in zip(schedule.weeks, expected, strict=True):
        assert week.lecture.date == d1 + shift
        assert (f"{week.lecture.start:%H:%M}", f"{week.lecture.end:%H:%M}") == (s1, e1)
        assert week.exercise.date == d2 + shift
        assert (f"{week.exercise.start:%H:%M}", f"{week.exercise.end:%H:%M}") == (s2, e2)


def test_week_titles_match_the_course_page(root):
    text = (root / "docs" / "course-page.txt").read_text()
    for week in sched.load().weeks:
        assert f"Week {week.number} – {week.title}" in text


def test_every_holiday_of_the_semester_has_its_notice_and_no_other_day_has_one():
    s = sched.load()
    assert sched.holiday_clashes(s) == []
    off = sched.days_off(s)
    on_holiday = {(w.number, x.kind) for w in s.weeks for x in w.sessions if x.date in off}
    assert on_holiday == {(w.number, n.session) for w in s.weeks for n in w.notices}
    # Pfingstdienstag is no statutory holiday anywhere: the university gives it, and the schedule says so
    whit_tuesday = [d for d, name in s.university_days_off.items() if name == "Pfingstdienstag"]
    assert len(whit_tuesday) == 1 and whit_tuesday[0] not in sched.statutory_holidays(s, {whit_tuesday[0].year})
    assert s.week(14).buffer and "No new material" in s.week(14).description


def test_moving_to_the_course_page_semester_gives_its_notices(root, tmp_path):
    """`move --notices --write` to the course page's own first lecture reproduces the page's notices."""
    path = tmp_path / "schedule.yml"
    shutil.copy(root / "data" / "schedule.yml", path)
    report = move(path, course_page_sessions(root)[0][0], notices=True, write=True)
    assert report.clashes == []
    moved = sched.load(path, check_files=False)
    found = {(w.number, n.session): n for w in moved.weeks for n in w.notices}
    expected = course_page_notices(root)
    assert set(found) == set(expected) and len(expected) == 3
    for key, (kind, word) in expected.items():
        assert found[key].kind == kind and word in found[key].holiday
        assert found[key].holiday in found[key].message


def test_release_is_the_end_of_the_exercise_session():
    s = sched.load()
    for week in s.weeks:
        if week.release_override is None:
            assert week.release_at == dt.datetime.combine(week.exercise.date, week.exercise.end, tzinfo=s.tz)
