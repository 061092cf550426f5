"""One exercise source, two renders: the handout and the solution.

An exercise is written once, in ``exercises/weekNN-<slug>.qmd``. Solution parts sit in
``::: {.solution}`` divs, handout-only parts (skeleton code, "your answer here") in ``::: {.handout}``
divs. The handout drops the solution divs (their cells are never executed in the handout); the solution
keeps them, shown as solution boxes, and drops the handout-only parts. Both get the week and their kind
in the front matter, so the schedule filter adds the session's date and notice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from coursebuild.errors import BuildError, read_text
from coursebuild.qmd import DIV_CLOSE_RE, DIV_OPEN_RE, FENCE_RE, parse_attributes, split_front_matter
from coursebuild.schedule_prose import metadata_reference

SOLUTION_OPEN = '::: {.callout-tip title="Solution"}'


@dataclass
class Split:
    """The two renders of one source."""

    handout: str
    solution: str
    n_solution_blocks: int


def split_exercise(source: Path, week: int, title_extra: dict[str, str] | None = None) -> Split:
    """Split an exercise source into handout and solution Markdown (with front matter)."""
    text = read_text(source)
    meta, body, first = split_front_matter(text, source)
    if "title" not in meta:
        raise BuildError("an exercise needs a title in its front matter", source, 1)
    handout_lines: list[str] = []
    solution_lines: list[str] = []
    stack: list[str] = []  # role of each open div: "solution", "handout" or "other"
    fence: str | None = None
    n_blocks = 0
    for offset, line in enumerate(body):
        lineno = first + offset
        if fence:
            if re.match("^" + re.escape(fence[0]) + "{" + str(len(fence)) + r",}\s*$", line):
                fence = None
            _emit(line, stack, handout_lines, solution_lines)
            continue
        match = FENCE_RE.match(line)
        if match:
            fence = match.group("fence")
            _emit(line, stack, handout_lines, solution_lines)
            continue
        opened = DIV_OPEN_RE.match(line)
        if opened:
            classes, _, _ = parse_attributes(opened.group("attrs"))
            role = "solution" if "solution" in classes else "handout" if "handout" in classes else "other"
            if role != "other" and any(r != "other" for r in stack):
                raise BuildError(f"a .{role} div inside a .solution/.handout div: they cannot nest", source, lineno)
            if role == "solution":
                n_blocks += 1
                solution_lines.append(SOLUTION_OPEN)
            elif role == "other":
                _emit(line, stack, handout_lines, solution_lines)
            stack.append(role)
            continue
        if DIV_CLOSE_RE.match(line) and stack:
            role = stack.pop()
            if role == "solution":
                solution_lines.append(":::")
            elif role == "other":
                _emit(line, stack, handout_lines, solution_lines)
            continue
        _emit(line, stack, handout_lines, solution_lines)
    if fence:
        raise BuildError("a code block is never closed", source)
    if stack:
        raise BuildError(f"{len(stack)} div(s) opened with ':::' are never closed", source)
    if n_blocks == 0:
        raise BuildError("an exercise source needs at least one ::: {.solution} block (handout and solution "
                         "come from one source)", source)
    rel = f"exercises/{source.name}"
    handout = _front(meta, week, "handout", rel, title_extra) + "\n".join(handout_lines) + "\n"
    solution = _front(meta, week, "solution", rel, title_extra) + "\n".join(solution_lines) + "\n"
    return Split(handout=handout, solution=solution, n_solution_blocks=n_blocks)


def _emit(line: str, stack: list[str], handout: list[str], solution: list[str]) -> None:
    in_solution = "solution" in stack
    in_handout = "handout" in stack
    if not in_solution:
        handout.append(line)
    if not in_handout:
        solution.append(line)


def _front(meta: dict[str, Any], week: int, kind: str, rel: str, extra: dict[str, str] | None) -> str:
    out = dict(meta)
    out["week"] = week
    out["doc-kind"] = kind
    # the week's notice as metadata ({{< meta notice.exercise.message >}}, when-meta="notice.exercise.any")
    out.setdefault("metadata-files", [metadata_reference(week)])
    if kind == "solution":
        out["title"] = f"{meta['title']} — solution"
    out.update(extra or {})
    header = yaml.safe_dump(out, allow_unicode=True, sort_keys=False)
    note = (f"<!-- Generated from {rel} by the pre-render step (python -m coursebuild.prerender). "
            "Edit the source, not this file. -->\n")
    return f"---\n{header}---\n\n{note}\n"
