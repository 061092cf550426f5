"""Week 12 figures: the non-physical predictions they show are really there (density > 100 %, Σ ≠ 1)."""

import numpy as np
from matplotlib.figure import Figure

from mlpc.figures import week12_constraints as w12


def test_density_bounds_quadratic_exceeds_100_sigmoid_does_not():
    fig, counts = w12.density_bounds()
    assert isinstance(fig, Figure) and fig.axes[0].get_xlabel() == "scan speed (mm/s)"
    assert counts["above_100"] > 0 and counts["max_plain"] > 100
    assert counts["bounded_out"] == 0
    lines = {line.get_label(): line.get_ydata() for line in fig.axes[0].lines}  # alt text: the 500 W cubic > 100 %
    assert lines["cubic, 500 W"].max() > 100 and lines["sigmoid-bounded, 500 W"].max() < 100
    assert lines["cubic, 200 W"].max() < 100


def test_fraction_models_softmax_conserves_cubic_does_not():
    fig, counts = w12.fraction_models()
    assert counts["soft_bad_sum"] == 0
    assert counts["plain_bad_sum"] > 0
    assert 1.01 < counts["plain_sum_range"][1] < 1.03 and counts["plain_min"] < 0  # alt: "about 2 %", "below zero"
    cubic, softmax = (line.get_ydata() for line in fig.axes[1].lines)
    assert abs(softmax).max() < 1e-3 and cubic.max() > 1.0  # percent


def test_hardness_figures_have_axes_with_units():
    for make in (w12.hardness_data, w12.hardness_sweeps, w12.hardness_scores, w12.hybrid_baseline):
        fig = make()
        assert any("HV" in ax.get_ylabel() for ax in fig.axes)


def test_sweep_figure_shows_a_sweep_that_really_rises_and_the_profile_counts():
    from mlpc.constrained import hardness_experiment, violation_profile

    r = hardness_experiment(12)
    curve = r["results"]["unconstrained"]["curves"][w12.worst_sweep()]
    assert np.clip(np.diff(curve), 0, None).sum() > 20  # the slide's "rises by tens of HV"
    fig = w12.hardness_sweeps()
    left = fig.axes[0].lines[0].get_ydata()
    np.testing.assert_array_equal(left, violation_profile(r["results"]["unconstrained"]["curves"], -1, tol=1.0))
    assert left[: len(left) // 2].sum() > left[len(left) // 2:].sum()  # most violations in the low-T plateau


def test_misspecified_hybrid_slide_claims():
    """Week 12: "a plateau off by ±20 HV costs a few HV, a wrong form more than the networks" (six seeds)."""
    from mlpc.constrained import hybrid_misspecification, seed_study

    mis, study = hybrid_misspecification(), seed_study()
    best_net = np.min([study[k]["rmse_out"] for k in study if k != "hybrid"], axis=0)
    np.testing.assert_allclose(mis["law as generated"], study["hybrid"]["rmse_out"])  # the deck's hybrid
    for k in ("plateau +20 HV", "plateau −20 HV"):
        cost = np.median(mis[k]) - np.median(mis["law as generated"])
        assert -1 < cost < 10 and np.all(mis[k] < best_net)
    assert np.all(mis["linear in HJ (wrong form)"] > best_net)
    fig = w12.hybrid_misspecified(mis, study)
    assert len(fig.axes[0].patches) == 5
