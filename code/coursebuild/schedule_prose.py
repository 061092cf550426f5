"""Holiday wording in decks and handouts comes from the schedule, never from their prose.

The pre-render step writes, for every week, ``_build/notices/weekNN.yml`` (:func:`notice_metadata`), and
every deck lists it in its front matter (``metadata-files: [../_build/notices/weekNN.yml]``; the handout and
solution get it from the pre-render step, :mod:`coursebuild.exercises`).
Quarto reads ``metadata-files`` into the document's metadata before any filter runs, so both
``{{< meta notice.exercise.message >}}`` and ``::: {.content-visible when-meta="notice.lecture.self-study"}``
see it; the offline engine reads the same file. Keys, for ``lecture`` and ``exercise``:

- ``notice.<session>.any`` / ``.cancelled`` / ``.self-study``: true or false (what ``when-meta`` tests);
- ``notice.<session>.holiday``, ``.message``, ``.label``: the notice's text ("" when there is none).

:func:`prose_problems` (run by ``python -m coursebuild.schedule check``) fails a deck or exercise whose own
prose names a holiday, a cancellation or a self-study arrangement that its week's notices do not have.
Text inside a ``.content-visible when-meta="notice.…"`` block is shown only when the schedule says so, and
is therefore exempt.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from coursebuild.schedule import Schedule, ScheduleError, Week, holiday_names

NOTICE_DIR = Path("_build") / "notices"
GATE_RE = re.compile(r'^(?P<fence>:{3,})\s*\{[^}]*\.content-visible[^}]*when-meta="notice\.[^"]+"[^}]*\}\s*$')
FENCE_RE = re.compile(r"^(?P<fence>:{3,})\s*(?P<rest>.*)$")
SHORTCODE_RE = re.compile(r"\{\{<\s*meta\s+[^>]*>\}\}")
GENERIC = {
    "a cancellation": re.compile(r"\bcancell?ed\b", re.IGNORECASE),
    "a self-study arrangement": re.compile(r"\bself[- ]study\b", re.IGNORECASE),
    "a holiday": re.compile(r"\b(?:public holiday|holiday|Feiertag|day off)\b", re.IGNORECASE),
}


def metadata_file(number: int) -> Path:
    """The project-relative metadata file of week ``number``."""
    return NOTICE_DIR / f"week{number:02d}.yml"


def metadata_reference(number: int) -> str:
    """What a deck or exercise (one folder below the root) lists under ``metadata-files``."""
    return f"../{metadata_file(number).as_posix()}"


def notice_metadata(week: Week) -> dict[str, Any]:
    """The metadata a week's deck, handout and solution read: ``{"notice": {"lecture": {...}, "exercise": {...}}}``."""
    out: dict[str, Any] = {}
    for session in week.sessions:
        n = session.notice
        out[session.kind] = {
            "any": n is not None,
            "cancelled": n is not None and n.kind == "cancelled",
            "self-study": n is not None and n.kind == "self-study",
            "holiday": n.holiday if n else "",
            "message": n.message if n else "",
            "label": n.label if n else "",
        }
    return {"notice": out}


def _ungated_lines(text: str) -> list[tuple[int, str]]:
    """The lines of ``text`` outside ``.content-visible when-meta="notice.…"`` blocks, shortcodes removed."""
    out: list[tuple[int, str]] = []
    stack: list[tuple[int, bool]] = []  # (fence length, gated)
    for number, line in enumerate(text.splitlines(), 1):
        gate = GATE_RE.match(line)
        fence = FENCE_RE.match(line)
        if gate:
            stack.append((len(gate.group("fence")), True))
            continue
        if fence and fence.group("rest"):
            stack.append((len(fence.group("fence")), False))
        elif fence and stack:
            stack.pop()
            continue
        if not any(gated for _, gated in stack):
            out.append((number, SHORTCODE_RE.sub("", line)))
    return out


def prose_problems(schedule: Schedule) -> list[ScheduleError]:
    """Every deck or exercise line naming a holiday arrangement its week's notices lack, and every document
    that does not list its week's notice metadata."""
    root = schedule.root or schedule.path.parent.parent
    names = sorted(holiday_names(schedule), key=len, reverse=True)
    name_re = re.compile(r"\b(" + "|".join(map(re.escape, names)) + r")\b", re.IGNORECASE)
    problems: list[ScheduleError] = []
    for week in schedule.weeks:
        named = {n.holiday.lower() for n in week.notices}
        has = ", ".join(n.label for n in week.notices) or "no notice"
        for rel in filter(None, (week.deck, week.exercise_source)):
            path = root / rel
            if not path.is_file():
                continue
            text = path.read_text(encoding="utf-8")
            if rel == week.deck and metadata_reference(week.number) not in text:
                problems.append(ScheduleError(path, "metadata-files", f"does not list {metadata_reference(week.number)}"
                                              f" (week {week.number}'s notices)", "add to the front matter: "
                                              f"metadata-files: [\"{metadata_reference(week.number)}\"]"))
            for number, line in _ungated_lines(text):
                found = [f"'{m.group(1)}'" for m in name_re.finditer(line) if m.group(1).lower() not in named]
                if not week.notices:
                    found += [f"{what} ('{m.group(0)}')" for what, rx in GENERIC.items() if (m := rx.search(line))]
                if found:
                    problems.append(ScheduleError(
                        path, f"line {number}", f"names {', '.join(found)}, but week {week.number} has {has} in "
                        f"{schedule.path.name}", "take the wording from the schedule: wrap the text in "
                        "'::: {.content-visible when-meta=\"notice.exercise.any\"}' (or notice.lecture.self-study, "
                        "…) and write {{< meta notice.exercise.message >}} / {{< meta notice.exercise.holiday >}}"))
    return problems
