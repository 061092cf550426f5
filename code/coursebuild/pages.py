"""Site content generated from the schedule: the schedule table, the "this week" card, lecture and exercise lists.

Pages call these from a cell with ``#| output: asis``; they return HTML/Markdown with links relative to
the site root (the pages that use them live there). Whether a solution is linked is decided by
:mod:`coursebuild.release`, the same rule the pre-render step uses to decide whether the page exists.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from coursebuild import release
from coursebuild.schedule import Schedule, Week, load

CALENDAR_URL = "calendar/ml-pc.ics"

#: Characters that HTML or Markdown (also inside an HTML block) would read as markup.
_MARKUP = str.maketrans({c: f"&#{ord(c)};" for c in "&<>\"'`*_[]{}\\$~^"})


def esc(text: object) -> str:
    """A string from the data (a title, a unit, a notice) as plain text in HTML and in Markdown: every markup
    character becomes a character reference, so ``<script>`` or ``[x](javascript:...)`` shows as written."""
    return str(text).translate(_MARKUP)


#: PDF export names: ``pdf/<page stem>-<kind>.pdf``, one per deck, handout and released solution.
PDF_KINDS = {"lectures": "slides", "handouts": "handout", "solutions": "solution"}


def pdf_url(rel_html: str) -> str:
    """``lectures/week01-x.html`` -> ``pdf/week01-x-slides.pdf`` (site-root relative)."""
    path = Path(rel_html)
    return f"pdf/{path.stem}-{PDF_KINDS[path.parent.name]}.pdf"


def notes_pdf_url(rel_html: str) -> str:
    """``lectures/week01-x.html`` -> ``pdf/week01-x-slides-notes.pdf``: the deck with its speaker notes."""
    return pdf_url(rel_html).removesuffix(".pdf") + "-notes.pdf"


def _html(path: str) -> str:
    return str(Path(path).with_suffix(".html"))


def slides_url(week: Week) -> str | None:
    return _html(week.deck) if week.deck else None


def handout_url(week: Week) -> str | None:
    return f"handouts/{week.slug}.html" if week.slug else None


def solution_url(week: Week) -> str | None:
    return f"solutions/{week.slug}.html" if week.slug else None


def _when(session) -> str:
    """One session for the schedule: ``Lecture Tue 14.04.2026 14:15–15:45`` (date and time never break inside),
    and its room on the next line when the schedule has one."""
    label = "Lecture" if session.kind == "lecture" else "Exercise"
    room = getattr(session, "room", None)
    where = f'<span class="room">{esc(str(room))}</span>' if room else ""
    return (f'<span class="when"><span class="when-label">{label}</span> '
            f'<span class="nowrap">{session.date:%a %d.%m.%Y}</span> '
            f'<span class="nowrap">{session.start:%H:%M}–{session.end:%H:%M}</span>{where}</span>')


def _badges(week: Week) -> str:
    out = [f'<span class="notice notice-{n.kind}">{esc(n.label)}</span>' for n in week.notices]
    if week.buffer:
        out.append('<span class="notice notice-buffer">Buffer week</span>')
    return " ".join(out)


def _pdf_links(url: str) -> str:
    """The PDF export(s) of a page, shown next to its link (further exports of the same page go here too)."""
    return f' <a class="pdf" href="{pdf_url(url)}">PDF</a>'


def _link(url: str | None, text: str, missing: str = "in preparation", pdf: bool = False) -> str:
    if url is None:
        return f'<span class="pending">{missing}</span>'
    extra = _pdf_links(url) if pdf else ""
    return f'<span class="nowrap"><a href="{url}">{text}</a>{extra}</span>'


def slides_cell(week: Week) -> str:
    """The Slides column: the deck and its PDF, or a buffer week's review page."""
    if week.page:
        return _link(_html(week.page), "Review")
    cell = _link(slides_url(week), "Slides", "—" if week.buffer else "in preparation", True)
    if slides_url(week):
        cell += f' <a class="pdf" href="{notes_pdf_url(slides_url(week))}">PDF with notes</a>'
    return cell


def _solution_cell(week: Week, when: dt.datetime, mode: str) -> str:
    if week.slug is None:
        return "—"
    if release.solution_visible(week, when, mode):
        return _link(solution_url(week), "Solution", pdf=True)
    return f'<span class="pending">released {week.release_at:%d.%m. %H:%M}</span>'


#: the schedule's columns: header text and the label a phone shows in front of each cell
COLUMNS = ("Week", "Dates", "Topic", "Slides", "Exercise", "Solution")


def _topic(week: Week) -> str:
    topic = f"<strong>{esc(week.title)}</strong>"
    if week.description:
        topic += f"<br><small>{esc(week.description)}</small>"
    badges = _badges(week)
    if badges:
        topic += f"<br>{badges}"
    for n in week.notices:
        topic += f"<br><small>{esc(n.message)}</small>"
    return topic


def schedule_table(schedule: Schedule | None = None, when: dt.datetime | None = None,
                   mode: str | None = None) -> str:
    """The 14-week schedule as an HTML table: week, dates, topic, Slides, Exercise, Solution, notices.

    On a phone the stylesheet shows each row as a card, every cell under its column's name (``data-label``).
    """
    schedule = schedule or load()
    when = when or release.now(schedule)
    mode = mode or release.build_mode()
    pos = release.position(schedule, when)
    rows = []
    unit = None
    for w in schedule.weeks:
        if w.unit != unit:
            unit = w.unit
            rows.append(f'<tr class="unit"><th colspan="6" scope="rowgroup">Unit {esc(unit)} — '
                        f'{esc(schedule.units[unit])}</th></tr>')
        current = ' class="current"' if pos.current and pos.current.number == w.number else ""
        cells = (f"Week {w.number}", _when(w.lecture) + _when(w.exercise), _topic(w), slides_cell(w),
                 _link(handout_url(w), "Exercise", "—" if w.buffer else "in preparation", True),
                 _solution_cell(w, when, mode))
        tds = "".join(f'<td data-label="{label}" class="{label.lower()}">{cell}</td>'
                      for label, cell in zip(COLUMNS, cells, strict=True))
        rows.append(f'<tr id="week-{w.number:02d}"{current}>{tds}</tr>')
    head = "<thead><tr>" + "".join(f'<th scope="col">{c}</th>' for c in COLUMNS) + "</tr></thead>"
    return f'<table class="schedule-table">{head}<tbody>\n' + "\n".join(rows) + "\n</tbody></table>\n"


def calendar_note(schedule: Schedule | None = None) -> str:
    schedule = schedule or load()
    return (f'All sessions in your calendar: <a href="{CALENDAR_URL}">{esc(schedule.course["short"])} calendar '
            f'(.ics)</a><span class="webcal-subscribe" hidden> · <a href="{CALENDAR_URL}">subscribe (webcal://: '
            'your calendar follows every change)</a></span>. '
            f'Times are local time ({esc(schedule.course["timezone"])}).{SUBSCRIBE_SCRIPT}')


#: Turns the hidden "subscribe" link into a webcal:// address of this site's calendar: only when the page is
#: served over http(s) (a subscription needs the site's address; a page opened from disk has none).
SUBSCRIBE_SCRIPT = (
    '<script>document.querySelectorAll("span.webcal-subscribe").forEach(function (s) {'
    ' if (location.protocol.indexOf("http") !== 0) return; var a = s.querySelector("a");'
    ' a.href = "webcal:" + a.href.slice(a.href.indexOf("//")); s.hidden = false; });</script>')


def week_card(schedule: Schedule | None = None, when: dt.datetime | None = None, mode: str | None = None) -> str:
    """The home page's card: this week (with its links and notices), next up, or "semester over"."""
    schedule = schedule or load()
    when = when or release.now(schedule)
    mode = mode or release.build_mode()
    pos = release.position(schedule, when)
    if pos.phase == "over":
        return ('<div class="week-card" id="this-week"><h2>The semester is over</h2><p>All decks, handouts and '
                'released solutions stay online: see the <a href="schedule.html">schedule</a>.</p></div>\n')
    parts = ['<div class="week-card" id="this-week">']
    if pos.phase == "before":
        parts.append("<h2>Next up</h2>")
        parts.append(_week_summary(pos.upcoming, when, mode))
    else:
        parts.append(f"<h2>This week: Week {pos.current.number}</h2>")
        parts.append(_week_summary(pos.current, when, mode))
        if pos.upcoming:
            parts.append(f"<p><strong>Next up:</strong> Week {pos.upcoming.number}, "
                         f"{esc(pos.upcoming.title)} — {pos.upcoming.lecture.date_text}</p>")
    parts.append("</div>")
    return "\n".join(parts) + "\n"


def _week_summary(w: Week, when: dt.datetime, mode: str) -> str:
    links = " · ".join(x for x in [
        _link(slides_url(w), "Slides") if w.deck else "",
        _link(handout_url(w), "Exercise") if w.slug else "",
        _link(solution_url(w), "Solution") if release.solution_visible(w, when, mode) else "",
    ] if x)
    notices = "".join(f"<p>{_badges(w)} {esc(n.message)}</p>" for n in w.notices[:1]) if w.notices else ""
    if w.notices[1:]:
        notices += "".join(f"<p>{esc(n.message)}</p>" for n in w.notices[1:])
    return (f"<p><strong>{esc(w.title)}</strong><br>Lecture: {_date_room(w.lecture)}<br>"
            f"Exercise: {_date_room(w.exercise)}</p>{notices}<p>{links}</p>")


def _date_room(session) -> str:
    """``Tuesday, 14.04.2026, 14:15–15:45, Room X`` (the room when the schedule has one)."""
    room = getattr(session, "room", None)
    return esc(session.date_text + (f", {room}" if room else ""))


#: optional ``course`` keys of the schedule shown on the home page, in this order, with their labels
COURSE_FACTS = (("lecturer", "Lecturer"), ("contact", "Contact"), ("office_hours", "Office hours"),
                ("exam", "Exam"), ("grading", "Grading"))


def _rooms(schedule: Schedule) -> str | None:
    """``Lecture: R1 · Exercise: R2`` from the sessions' rooms (the slot's room unless a session names another)."""
    parts = []
    for kind, label in (("lecture", "Lecture"), ("exercise", "Exercise")):
        rooms = list(dict.fromkeys(str(r) for w in schedule.weeks if (r := getattr(getattr(w, kind), "room", None))))
        if rooms:
            parts.append(f"{label}: {', '.join(rooms)}")
    return " · ".join(parts) or None


def _fact_html(value) -> str:
    """A fact as escaped text; an e-mail address becomes a ``mailto:`` link."""
    text = str(value).strip()
    if "@" in text and " " not in text:
        return f'<a href="mailto:{esc(text)}">{esc(text)}</a>'
    return esc(text)


def course_facts(schedule: Schedule | None = None) -> str:
    """The home page's practical facts (lecturer, contact, office hours, rooms, exam, grading) as a definition list.

    Only the facts the schedule's ``course`` block sets are shown; the semester, ECTS and hours always are.
    """
    schedule = schedule or load()
    course = schedule.course
    facts = [("Semester", esc(f"{course.get('semester', '')} · {course.get('ects', '')} ECTS"))]
    if course.get("hours"):
        facts.append(("Hours", esc(str(course["hours"]))))
    for key, label in COURSE_FACTS[:3]:
        if course.get(key):
            facts.append((label, _fact_html(course[key])))
    rooms = _rooms(schedule)
    if rooms:
        facts.append(("Rooms", esc(rooms)))
    for key, label in COURSE_FACTS[3:]:
        if course.get(key):
            facts.append((label, _fact_html(course[key])))
    items = "".join(f"<dt>{label}</dt><dd>{value}</dd>" for label, value in facts)
    return f'<dl class="course-facts" id="course-facts">{items}</dl>\n'


def lecture_list(schedule: Schedule | None = None) -> str:
    """Markdown list of every deck, by unit."""
    schedule = schedule or load()
    lines = []
    unit = None
    for w in schedule.weeks:
        if w.unit != unit:
            unit = w.unit
            lines.append(f"\n## Unit {unit}: {esc(schedule.units[unit])}\n")
        badge = f" {_badges(w)}" if w.notices else ""
        target = (f"[{esc(w.title)}]({slides_url(w)}) · [PDF]({pdf_url(slides_url(w))}) · "
                  f"[PDF with notes]({notes_pdf_url(slides_url(w))})" if w.deck
                  else f"{esc(w.title)} *(in preparation)*")
        if w.buffer:
            target = f"{esc(w.title)} *(no new material)*"
        lines.append(f"- **Week {w.number}** ({w.lecture.date:%d.%m.%Y}): {target}{badge}")
    return "\n".join(lines) + "\n"


def exercise_list(schedule: Schedule | None = None, when: dt.datetime | None = None,
                  mode: str | None = None) -> str:
    """Markdown list of every exercise with its handout and, once released, its solution."""
    schedule = schedule or load()
    when = when or release.now(schedule)
    mode = mode or release.build_mode()
    lines = []
    for w in schedule.weeks:
        if w.buffer:
            continue
        if not w.slug:
            lines.append(f"- **Week {w.number}** ({w.exercise.date:%d.%m.%Y}): *in preparation*")
            continue
        sol = (f" · [Solution]({solution_url(w)}) ([PDF]({pdf_url(solution_url(w))}))"
               if release.solution_visible(w, when, mode)
               else f" · solution released {w.release_at:%d.%m.%Y %H:%M}")
        badge = " " + " ".join(f'<span class="notice notice-{n.kind}">{esc(n.label)}</span>'
                               for n in w.notices if n.session == "exercise")
        lines.append(f"- **Week {w.number}** ({w.exercise.date:%d.%m.%Y}): [{esc(w.title)}]({handout_url(w)}) "
                     f"([PDF]({pdf_url(handout_url(w))})){sol}"
                     f"{badge.rstrip()}")
    return "\n".join(lines) + "\n"
