"""What the schedule-driven pages show: course facts when the schedule sets them, rooms, labelled dates with the
year, escaped data, and no build internals on a student page."""

from __future__ import annotations

import dataclasses
import datetime as dt

from coursebuild import pages
from coursebuild import schedule as sched

SCHEDULE = sched.load()
WHEN = dt.datetime(2026, 5, 13, 12, 0, tzinfo=SCHEDULE.tz)


def with_facts_and_rooms() -> sched.Schedule:
    """The real schedule plus a lecturer, a contact, an exam, a lecture room on every week and one room change."""
    course = dict(SCHEDULE.course, lecturer="Prof. A. <Example>", contact="ml-pc@example.org",
                  exam="Oral exam, 30 min", grading="Exam 100 %")
    weeks = [dataclasses.replace(w, lecture=dataclasses.replace(w.lecture, room="Room 0.001 & Lab"))
             for w in SCHEDULE.weeks]
    weeks[4] = dataclasses.replace(weeks[4], exercise=dataclasses.replace(weeks[4].exercise, room="CIP pool 2"))
    return dataclasses.replace(SCHEDULE, course=course, weeks=weeks)


def test_course_facts_show_what_the_schedule_sets_escaped():
    html = pages.course_facts(with_facts_and_rooms())
    assert "<dt>Lecturer</dt><dd>Prof. A. &#60;Example&#62;</dd>" in html
    assert '<a href="mailto:ml-pc@example.org">ml-pc@example.org</a>' in html
    assert "<dt>Rooms</dt><dd>Lecture: Room 0.001 &#38; Lab · Exercise: CIP pool 2</dd>" in html
    assert "<dt>Exam</dt>" in html and "<dt>Grading</dt>" in html
    assert "Office hours" not in html, "a fact the schedule does not set is not shown"


def test_course_facts_without_optional_keys_show_semester_and_hours_only():
    html = pages.course_facts(SCHEDULE)
    assert SCHEDULE.course["semester"] in html and f"{SCHEDULE.course['ects']} ECTS" in html
    for label in ("Lecturer", "Contact", "Rooms", "Exam", "Grading", "Office hours"):
        assert f"<dt>{label}</dt>" not in html


def test_schedule_rows_label_dates_show_the_year_and_the_room():
    html = pages.schedule_table(with_facts_and_rooms(), when=WHEN, mode="student")
    row = html.split('id="week-05"', 1)[1].split("</tr>", 1)[0]
    week = SCHEDULE.weeks[4]
    assert '<span class="when-label">Lecture</span>' in row and '<span class="when-label">Exercise</span>' in row
    assert f'<span class="nowrap">{week.lecture.date:%a %d.%m.%Y}</span>' in row
    assert f'<span class="nowrap">{week.lecture.start:%H:%M}–{week.lecture.end:%H:%M}</span>' in row
    assert '<span class="room">Room 0.001 &#38; Lab</span>' in row and '<span class="room">CIP pool 2</span>' in row
    for label in pages.COLUMNS:
        assert f'data-label="{label}"' in row


def test_week_card_names_the_room():
    html = pages.week_card(with_facts_and_rooms(), when=WHEN, mode="student")
    assert "This week: Week 5" in html and "Room 0.001 &#38; Lab" in html


def test_student_pages_show_no_build_internals(site):
    for page in ("index.html", "schedule.html", "lectures.html", "exercises.html"):
        text = (site / page).read_text(encoding="utf-8")
        body = text.split('<main', 1)[1]
        for internal in ("data/schedule.yml", "coursebuild", ".qmd"):
            assert internal not in body, f"{page} shows '{internal}'"


def test_calendar_offers_a_webcal_subscription_when_served():
    """Beside the .ics download, a subscription link: hidden on a page opened from disk, a webcal:// address of
    the site's calendar when the page is served over http(s)."""
    note = pages.calendar_note()
    assert f'<a href="{pages.CALENDAR_URL}">' in note and '<span class="webcal-subscribe" hidden>' in note
    assert '"webcal:" + a.href.slice(a.href.indexOf("//"))' in note and 'location.protocol.indexOf("http")' in note
