"""mlpc.checks: each registered checkpoint shows only what its handout prints, and check() answers ✓/✗ per value."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from coursebuild import schedule as sched
from coursebuild.exercises import split_exercise
from mlpc.checkpoints import CHECKPOINTS
from mlpc.checks import Value, check, evaluate

ROOT = Path(__file__).resolve().parents[1]
WEEKS = {w.number: w for w in sched.load().weeks if w.exercise_source}
CALL_RE = re.compile(r'check\("(?P<key>\d+\.\d+)"')


def handout(week: int) -> str:
    return split_exercise(ROOT / WEEKS[week].exercise_source, week).handout


def solution(week: int) -> str:
    return split_exercise(ROOT / WEEKS[week].exercise_source, week).solution


def squash(text: str) -> str:
    return " ".join(text.replace("−", "-").split())


def typed_values(point) -> list[float]:
    out = []
    for spec in point.values.values():
        specs = spec.values() if isinstance(spec, dict) else [spec] if isinstance(spec, Value) else []
        out += [s.expected for s in specs if not callable(s.expected)]
    return out


@pytest.mark.parametrize("key", sorted(CHECKPOINTS))
def test_checkpoint_reveals_only_what_the_handout_prints(key):
    week, task = (int(x) for x in key.split("."))
    text = squash(handout(week))
    point = CHECKPOINTS[key]
    assert point.where == f"Week {week}, Task {task}"
    for value in typed_values(point):
        forms = {f"{value:g}", f"{value:.2f}", f"{value:.1f}", f"{value:,}"}
        assert any(f in text for f in forms), f"{key}: {value} is not printed in the Week {week} handout"
    if any(callable(getattr(s, "expected", s)) for s in point.values.values()):
        # computed from the data: the handout prints this checkpoint from the same data in a shared cell
        assert f"**Checkpoint {task}.**" in text, f"{key}: the handout does not print checkpoint {task}"
    if point.hint:
        assert squash(point.hint) in text, f"{key}: the hint is not the handout's"


def test_every_check_call_names_a_checkpoint_and_runs_in_both_notebooks():
    calls = 0
    for number in WEEKS:
        h, s = handout(number), solution(number)
        for key in CALL_RE.findall(s):
            calls += 1
            assert key in CHECKPOINTS, f"week {number}: check({key!r}) is not registered in mlpc.checkpoints"
            assert key.startswith(f"{number}."), f"week {number} checks {key}"
        assert CALL_RE.findall(h) == CALL_RE.findall(s), f"week {number}: check cells must sit outside .solution"
    assert calls >= 8


def test_check_answers_per_value_with_tolerance_and_hint(capsys):
    result = evaluate("5.3", n_weights=29_641, rf_px=40, val_iou=None)
    assert result.lines[1] == "✓ n_weights = 2.964e+04 (expected 2.964e+04 ± 0)"
    assert result.lines[2].startswith("✗ rf_px = 40 px (expected 44 px ± 0)")
    assert result.lines[3].startswith("… val_iou: not computed yet (expected 0.93 ± 0.03)")
    assert result.lines[-1].startswith("Hint: If the IoU stays near 0")
    assert not result.passed and result.missing == ["val_iou"]
    check("5.1", field_um=128.0, class_pct={"gas_pore": 10.2, "crack": 0.36})
    out = capsys.readouterr().out
    assert "✓ field_um = 128 µm" in out and "✓ class_pct['crack'] = 0.36 %" in out
    assert "… class_pct['lack_of_fusion']: not computed yet" in out and "Hint" not in out


def test_strict_mode_raises_on_a_miss_or_a_placeholder(monkeypatch):
    monkeypatch.setenv("MLPC_CHECK_STRICT", "1")
    check("5.2", sigma=1.0, iou=0.85)
    with pytest.raises(AssertionError, match="checkpoint 5.2 not met"):
        check("5.2", sigma=1.0, iou=0.70)
    with pytest.raises(AssertionError, match="not computed yet"):
        check("5.2", sigma=None)


def test_bad_calls_name_the_fix():
    with pytest.raises(KeyError, match="no checkpoint '9.9'; the checkpoints are 5.1"):
        evaluate("9.9", x=1)
    with pytest.raises(TypeError, match="has no value porosity; it checks field_um, porosity_pct"):
        evaluate("5.1", porosity=15.1)
    assert "is not a number" in str(evaluate("5.1", field_um="128 µm"))


def test_week8_checkpoints_are_computed_from_the_handouts_data():
    from mlpc.datasets import process

    cubes = process.process_experiments(n_points=120, seed=8, lack_of_fusion="overlap")
    good = int((cubes["relative_density_pct"] >= 99.5).sum())
    assert evaluate("8.1", n_good=good, E_v0=float(cubes.loc[0, "energy_density_J_mm3"])).passed
    assert not evaluate("8.1", n_good=good + 1).passed
