"""One exercise source, two renders: the handout never contains the solution, the solution has it all."""

from __future__ import annotations

from pathlib import Path

import pytest

from coursebuild import qmd
from coursebuild import schedule as sched
from coursebuild.errors import BuildError
from coursebuild.exercises import split_exercise

SOURCE = """---
title: "Test exercise"
---

## Task 1

Compute the porosity.

::: {.handout}
```{python}
porosity = None  # your code here
```
:::

::: {.solution}
```{python}
porosity = 0.031
print(f"SECRET porosity = {porosity}")
```

::: {.callout-note}
Expected: 3.1 % SECRET-ANSWER
:::
:::

## Task 2

Text for both.
"""


def test_split_keeps_the_handout_free_of_solution_text(tmp_path):
    src = tmp_path / "week01-x.qmd"
    src.write_text(SOURCE)
    split = split_exercise(src, week=1)
    assert "SECRET" not in split.handout
    assert "porosity = None" in split.handout and "Text for both." in split.handout
    assert "SECRET porosity" in split.solution and "SECRET-ANSWER" in split.solution
    assert "porosity = None" not in split.solution
    assert split.n_solution_blocks == 1
    assert "doc-kind: handout" in split.handout and "doc-kind: solution" in split.solution
    assert "title: Test exercise — solution" in split.solution
    # both renders are valid documents of the supported subset, with the right cells
    handout = qmd.parse(tmp_path / "h.qmd", split.handout)
    solution = qmd.parse(tmp_path / "s.qmd", split.solution)
    assert [c.source.splitlines()[0] for c in handout.cells] == ["porosity = None  # your code here"]
    assert [c.source.splitlines()[0] for c in solution.cells] == ["porosity = 0.031"]


def test_an_exercise_without_a_solution_block_is_refused(tmp_path):
    src = tmp_path / "week01-x.qmd"
    src.write_text("---\ntitle: x\n---\n\nOnly a handout.\n")
    with pytest.raises(BuildError, match="needs at least one ::: {.solution} block"):
        split_exercise(src, week=1)


def test_unclosed_solution_div_is_refused(tmp_path):
    src = tmp_path / "week01-x.qmd"
    src.write_text("---\ntitle: x\n---\n\n::: {.solution}\nanswer\n")
    with pytest.raises(BuildError, match="never closed"):
        split_exercise(src, week=1)


def test_every_exercise_of_the_schedule_splits_and_parses(root: Path):
    for week in sched.load().weeks:
        if week.exercise_source:
            split = split_exercise(root / week.exercise_source, week.number)
            assert split.n_solution_blocks >= 1
            qmd.parse(root / "handouts" / "x.qmd", split.handout)
            qmd.parse(root / "solutions" / "x.qmd", split.solution)
