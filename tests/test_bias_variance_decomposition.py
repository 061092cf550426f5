"""The softening curve is the table's physics, and the bias–variance decomposition on it shows the textbook
behaviour: bias falls and variance rises with complexity, ridge trades one for the other, the parsimonious
physical model sits near the noise floor, and a single holdout scatters more than K-fold."""

from __future__ import annotations

import numpy as np
import pytest

from mlpc import bias_variance as bv


def test_softening_curve_has_a_plateau_and_drops_near_1000_C():
    t = np.linspace(450, 1150, 141)
    hv = bv.softening_curve(t)
    assert np.all(np.diff(hv) <= 1e-9)  # anneal never hardens
    assert np.ptp(hv[t < 800]) < 2.0     # recovery negligible below 800 °C
    half = hv[0] - 0.5 * (hv[0] - hv[-1])
    t_half = t[np.argmin(np.abs(hv - half))]
    assert 950 < t_half < 1050           # Hollomon–Jaffe midpoint: 1000 °C for 1 h
    assert hv[0] - hv[-1] > 60           # recrystallisation removes the cell strengthening


def test_bias_falls_and_variance_rises_with_polynomial_degree():
    sweep = bv.degree_sweep([1, 5, 9], n_sets=60, seed=0).set_index("degree")
    assert sweep.loc[1, "bias2"] > 5 * sweep.loc[5, "bias2"]
    assert sweep.loc[9, "variance"] > 5 * sweep.loc[5, "variance"]
    assert sweep.loc[5, "expected_mse"] < min(sweep.loc[1, "expected_mse"], sweep.loc[9, "expected_mse"])


def test_ridge_trades_variance_for_bias():
    sweep = bv.ridge_sweep([1e-4, 1e-1, 1e2], degree=12, n_sets=60, seed=0)
    assert sweep["variance"].iloc[0] > sweep["variance"].iloc[1]
    assert sweep["bias2"].iloc[2] > sweep["bias2"].iloc[1]
    assert sweep["expected_mse"].iloc[1] < sweep["expected_mse"].iloc[[0, 2]].min()


def test_the_parsimonious_physical_model_reaches_the_noise_floor():
    dec = bv.decompose(bv.fit_logistic, n_sets=40, seed=0)
    assert dec.noise == pytest.approx(25.0)
    assert dec.bias2 < 2.0 and dec.expected_mse < 1.5 * dec.noise


def test_a_single_holdout_scatters_more_than_k_fold():
    est = bv.cv_estimates(degree=3, n_sets=60, seed=0)
    iqr = est.quantile(0.75) - est.quantile(0.25)
    assert iqr["holdout"] > iqr["kfold"]
    assert iqr["holdout"] > iqr["true"]


def test_fit_polynomial_is_exact_for_a_polynomial_truth():
    t = np.linspace(450, 1150, 20)
    y = 3.0 + 0.01 * t - 2e-5 * t**2
    f = bv.fit_polynomial(t, y, 2)
    np.testing.assert_allclose(f(t), y, atol=1e-6)
