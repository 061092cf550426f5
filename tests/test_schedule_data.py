"""The committed schedule is the course page's semester, exactly."""

from __future__ import annotations

import datetime as dt
import re

from coursebuild import schedule as sched

COURSE_PAGE_SESSION = re.compile(
    r"(?:Lecture: )?(Tuesday), (\d\d\.\d\d\.\d{4}), (\d\d:\d\d)-(\d\d:\d\d).*?\| (?:Exercise: )?(Thursday), "
    r"(\d\d\.\d\d\.\d{4}), (\d\d:\d\d)-(\d\d:\d\d)")


def course_page_sessions(root) -> list[tuple[dt.date, str, str, dt.date, str, str]]:
    """Every week's sessions as the course page (docs/course-page.txt, the specification) gives them."""
    out = []
    for line in (root / "docs" / "course-page.txt").read_text().splitlines():
        m = COURSE_PAGE_SESSION.search(line)
        if m:
            d1 = dt.datetime.strptime(m.group(2), "%d.%m.%Y").date()
            d2 = dt.datetime.strptime(m.group(6), "%d.%m.%Y").date()
            out.append((d1, m.group(3), m.group(4), d2, m.group(7), m.group(8)))
    return out


def test_all_fourteen_weeks_match_the_course_page(root):
    schedule = sched.load()
    expected = course_page_sessions(root)
    assert len(expected) == 14
    assert [w.number for w in schedule.weeks] == list(range(1, 15))
    for week, (d1, s1, e1, d2, s2, e2) in zip(schedule.weeks, expected, strict=True):
        assert week.lecture.date == d1 and f"{week.lecture.start:%H:%M}" == s1 and f"{week.lecture.end:%H:%M}" == e1
        assert week.exercise.date == d2 and f"{week.exercise.start:%H:%M}" == s2
        assert f"{week.exercise.end:%H:%M}" == e2


def test_week_titles_match_the_course_page(root):
    text = (root / "docs" / "course-page.txt").read_text()
    for week in sched.load().weeks:
        assert f"Week {week.number} – {week.title}" in text


def test_the_three_holiday_notices_and_the_buffer_week():
    s = sched.load()
    notices = {(w.number, n.session): n for w in s.weeks for n in w.notices}
    assert set(notices) == {(5, "exercise"), (7, "lecture"), (8, "exercise")}
    assert notices[(5, "exercise")].kind == "cancelled" and "Himmelfahrt" in notices[(5, "exercise")].holiday
    assert notices[(7, "lecture")].kind == "self-study" and notices[(7, "lecture")].holiday == "Pfingstdienstag"
    assert notices[(8, "exercise")].kind == "self-study" and notices[(8, "exercise")].holiday == "Fronleichnam"
    assert "solution is released afterwards" in notices[(8, "exercise")].message
    assert s.week(14).buffer and "No new material" in s.week(14).description


def test_holidays_agree_with_the_holidays_package():
    s = sched.load()
    assert sched.holiday_clashes(s) == []
    statutory = sched.statutory_holidays(s, {2026})
    assert "Ascension" in statutory[s.week(5).exercise.date]
    assert "Corpus Christi" in statutory[s.week(8).exercise.date]
    # Pfingstdienstag is no statutory holiday anywhere: the university gives it, and the schedule says so
    assert s.week(7).lecture.date not in statutory
    assert s.university_days_off[s.week(7).lecture.date] == "Pfingstdienstag"


def test_release_is_the_end_of_the_exercise_session():
    s = sched.load()
    w8 = s.week(8)
    assert w8.release_at == dt.datetime(2026, 6, 4, 17, 45, tzinfo=s.tz)
