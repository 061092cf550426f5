"""Instant checks for the exercise notebooks: ``check("5.1", field_um=..., porosity_pct=...)``.

Each checkpoint that a handout prints in a box is registered in :mod:`mlpc.checkpoints` with the numbers the
box shows, the tolerance the handout states and the hint it gives. :func:`check` answers per value with ✓ or ✗,
the expected number and its tolerance, and the hint when something is off. It knows nothing that the handout
does not print (no solution code, no answer the box does not show). A value still ``None`` (the skeleton's
placeholder) is reported as "not computed yet", never as an error, so a handout notebook runs top to bottom.

``MLPC_CHECK_STRICT=1`` turns a ✗ or a missing value into an ``AssertionError``: the course's tests run the
solution notebooks that way.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

Number = float | int


@dataclass(frozen=True)
class Value:
    """One number of a checkpoint: ``expected`` (or a function that computes what the handout prints from the
    data), the absolute tolerance ``tol`` and the unit as the handout writes it."""

    expected: Number | Callable[[], Number]
    tol: float
    unit: str = ""

    def target(self) -> float:
        return float(self.expected() if callable(self.expected) else self.expected)


@dataclass(frozen=True)
class Checkpoint:
    """A handout's checkpoint box: where it is, its values by the names the notebook uses, and its hint."""

    where: str
    values: Mapping[str, Value | Mapping[str, Value] | Callable[[], Mapping[str, Value]]]
    hint: str = ""


@dataclass
class CheckResult:
    """What :func:`check` found: one line per value; ``passed`` when every given value is within tolerance."""

    key: str
    lines: list[str] = field(default_factory=list)
    passed: bool = True
    missing: list[str] = field(default_factory=list)
    hint: str = ""

    def __str__(self) -> str:
        return "\n".join(self.lines)


def check(key: str, **values: Any) -> None:
    """Compare the notebook's values with checkpoint ``key`` (e.g. ``"5.1"``) and print ✓/✗ per value."""
    result = evaluate(key, **values)
    print(result)
    if os.environ.get("MLPC_CHECK_STRICT") == "1" and (not result.passed or result.missing):
        raise AssertionError(f"checkpoint {key} not met:\n{result}")


def evaluate(key: str, **values: Any) -> CheckResult:
    """What :func:`check` prints, as a :class:`CheckResult` (one line per value, the hint when one is off)."""
    from mlpc.checkpoints import CHECKPOINTS

    if key not in CHECKPOINTS:
        known = sorted(CHECKPOINTS, key=lambda k: tuple(int(n) for n in k.split(".")))  # 5.1 … 8.5, 11.2
        raise KeyError(f"no checkpoint {key!r}; the checkpoints are {', '.join(known)}")
    point = CHECKPOINTS[key]
    unknown = sorted(set(values) - set(point.values))
    if unknown:
        raise TypeError(f"checkpoint {key} ({point.where}) has no value {', '.join(unknown)}; "
                        f"it checks {', '.join(point.values)}")
    result = CheckResult(key, [f"Checkpoint {key} ({point.where})"], hint=point.hint)
    for name, spec in point.values.items():
        if name not in values:
            continue
        given = values[name]
        if callable(spec):  # a group of values computed from the data when first checked
            spec = spec()
        if isinstance(spec, Mapping):
            for sub, sub_spec in spec.items():
                sub_given = None if given is None else _lookup(given, sub)
                _compare(result, f"{name}[{sub!r}]", sub_given, sub_spec)
        else:
            _compare(result, name, given, spec)
    if not result.passed and point.hint:
        result.lines.append(f"Hint: {point.hint}")
    return result


def _lookup(given: Any, key: str) -> Any:
    try:
        return given[key]
    except (KeyError, TypeError, IndexError):
        return None


def _compare(result: CheckResult, name: str, given: Any, spec: Value) -> None:
    target = spec.target()
    unit = f" {spec.unit}" if spec.unit else ""
    expect = f"expected {_fmt(target)}{unit} ± {_fmt(spec.tol)}"
    if given is None:
        result.missing.append(name)
        result.lines.append(f"… {name}: not computed yet ({expect})")
        return
    try:
        number = float(given)
    except (TypeError, ValueError):
        result.passed = False
        result.lines.append(f"✗ {name} = {given!r} is not a number ({expect})")
        return
    ok = math.isfinite(number) and abs(number - target) <= spec.tol * (1 + 1e-9)
    result.passed &= ok
    result.lines.append(f"{'✓' if ok else '✗'} {name} = {_fmt(number)}{unit} ({expect})")


def _fmt(x: float) -> str:
    return f"{x:.4g}"
