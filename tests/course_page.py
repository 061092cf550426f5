"""Read the course page (docs/course-page.txt, the specification of the content) week by week."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

WEEK_RE = re.compile(r"^1\.3\.\d+\.\d+ Week (\d+) – (.+)$")


@dataclass
class CourseWeek:
    number: int
    title: str
    lecture_bullets: list[str] = field(default_factory=list)
    summary_bullets: list[str] = field(default_factory=list)
    exercise: str = ""

    @property
    def bullets(self) -> list[str]:
        return self.lecture_bullets + self.summary_bullets


def read_course_page(path: Path) -> dict[int, CourseWeek]:
    weeks: dict[int, CourseWeek] = {}
    current: CourseWeek | None = None
    section = None
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        m = WEEK_RE.match(line)
        if m:
            current = CourseWeek(int(m.group(1)), m.group(2))
            weeks[current.number] = current
            section = "lecture"
            continue
        if current is None:
            continue
        if line.startswith("1.4 ") or line.startswith("1.3.") and not m and "Unit" in line:
            section = None
            if line.startswith("1.4 "):
                current = None
            continue
        if line == "Summary:":
            section = "summary"
        elif line.startswith("Exercise:") and "|" not in line:
            current.exercise = line.removeprefix("Exercise:").strip()
            section = "exercise"
        elif section == "exercise" and line and not current.exercise:
            current.exercise = line
        elif line.startswith("- ") and section in {"lecture", "summary"}:
            text = line[2:].strip()
            if text.endswith(":") and section == "summary":
                continue  # a heading bullet ("Error measures:") whose sub-bullets follow
            (current.lecture_bullets if section == "lecture" else current.summary_bullets).append(text)
    return weeks
