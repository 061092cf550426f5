"""Hard constraints hold by construction, soft ones reduce violations, the hybrid extrapolates (week 12)."""

import numpy as np
import pytest
import torch

from mlpc.constrained import (
    BUILD_FEATURES,
    MLP,
    BoundedOutput,
    HybridHardness,
    MonotoneMLP,
    SoftmaxFractions,
    bound_violations,
    build_features,
    fit_torch,
    hardness_experiment,
    hardness_table,
    hollomon_jaffe,
    hybrid_identifiability,
    monotone_violations,
    monotonicity_penalty,
    predict_torch,
    seed_study,
    softening_curve,
    sum_violations,
    table_hollomon_jaffe,
    temperature_split,
    violation_profile,
)
from mlpc.datasets.tabular import (
    RECOVERY_HJ_HALF_K,
    process_property_truth,
    recrystallised_hardness_HV,
    vickers_from_yield,
)


def test_monotone_mlp_never_rises_in_constrained_inputs_even_far_outside():
    torch.manual_seed(3)
    model = MonotoneMLP((0, -1, 1), hidden=8)
    x = torch.randn(200, 3) * 5
    for idx, sign in ((1, -1), (2, 1)):
        shifted = x.clone()
        shifted[:, idx] += 0.5
        with torch.no_grad():
            assert torch.all(sign * (model(shifted) - model(x)) >= -1e-6)


def test_unconstrained_input_of_monotone_mlp_is_free():
    torch.manual_seed(0)
    model = MonotoneMLP((0, -1), hidden=8)
    x = torch.randn(500, 2)
    shifted = x.clone()
    shifted[:, 0] += 0.5
    with torch.no_grad():
        d = model(shifted) - model(x)
    assert (d > 0).any() and (d < 0).any()


def test_bounded_output_stays_in_bounds_for_huge_inputs():
    model = BoundedOutput(MLP(2), 0.0, 100.0)
    y = predict_torch(model, np.array([[1e4, -1e4], [0, 0], [-1e5, 3e3]]))
    assert bound_violations(y, 0, 100) == 0
    with pytest.raises(ValueError):
        BoundedOutput(MLP(2), 1.0, 1.0)


def test_softmax_fractions_sum_to_one_and_fit_truth():
    rng = np.random.default_rng(0)
    x = rng.uniform(-2, 2, (80, 1))
    f = 1 / (1 + np.exp(-3 * x[:, 0]))
    model = fit_torch(SoftmaxFractions(1, 2), x, np.column_stack([f, 1 - f]), epochs=300)
    pred = predict_torch(model, np.linspace(-10, 10, 50)[:, None])
    assert sum_violations(pred) == 0
    assert np.abs(predict_torch(model, x)[:, 0] - f).max() < 0.1


def test_violation_counters():
    assert monotone_violations(np.array([[3, 2, 1], [3, 4, 1]]), -1) == 1
    assert monotone_violations(np.array([[3, 3.5, 1]]), -1, tol=1.0) == 0
    assert bound_violations([-1, 50, 101], 0, 100) == 2
    assert sum_violations([[0.5, 0.5], [0.7, 0.4], [1.1, -0.1]]) == 2


def test_penalty_is_zero_for_monotone_and_positive_for_wrong_slope():
    x = torch.linspace(-1, 1, 20)[:, None]
    assert monotonicity_penalty(lambda t: -t[:, 0], x, 0, -1).item() == 0
    assert monotonicity_penalty(lambda t: 2 * t[:, 0], x, 0, -1).item() == pytest.approx(4.0)


def test_hollomon_jaffe_and_softening_law():
    assert hollomon_jaffe(1000 - 273.15, 1.0) == pytest.approx(20_000)
    table = hardness_table(12)
    np.testing.assert_allclose(table_hollomon_jaffe(table),  # log10 time column agrees with the hours
                               hollomon_jaffe(table["anneal_temperature_C"], table["anneal_time_h"]))
    hv = softening_curve(np.array([20_000, 25_000, 30_000]), 100, 100, 25_000, 500)
    assert hv[0] > 199 and hv[1] == pytest.approx(150) and hv[2] < 101


def test_violation_profile_locates_wrong_way_steps():
    curves = np.array([[5.0, 6.0, 4.0, 3.0], [5.0, 4.0, 4.5, 3.0]])
    assert violation_profile(curves, -1).tolist() == [1, 1, 0]
    assert violation_profile(curves, -1, tol=0.6).tolist() == [1, 0, 0]
    assert violation_profile(curves, 1).tolist() == [1, 1, 2]


def test_recrystallised_hardness_is_the_generators_end_state():
    truth = process_property_truth(250.0, 1000.0, 100.0, 30.0, 1300.0, 100.0)
    sigma_dense = truth["yield_strength_MPa"] / (truth["relative_density_pct"] / 100) ** 4
    assert truth["retained_fraction"] < 1e-4
    assert float(vickers_from_yield(sigma_dense)) == pytest.approx(recrystallised_hardness_HV(), abs=0.1)
    assert recrystallised_hardness_HV(10.0) > recrystallised_hardness_HV(40.0)  # Hall–Petch: finer is harder
    with pytest.raises(ValueError, match="grain_size_um"):
        recrystallised_hardness_HV(0.0)


def test_temperature_split_is_disjoint_and_honest():
    table = hardness_table(12)
    train, test_in, test_out = temperature_split(table, 950.0, seed=12)
    assert len(set(train) | set(test_in) | set(test_out)) == len(train) + len(test_in) + len(test_out) == len(table)
    temps = table["anneal_temperature_C"].to_numpy()
    assert temps[train].max() <= 950 and temps[test_in].max() <= 950 and temps[test_out].min() > 950
    assert len(test_in) == (len(train) + len(test_in)) // 4


def test_hybrid_recovers_a_known_law_and_its_residual_ignores_the_anneal():
    table = hardness_table(3).copy()
    hj = hollomon_jaffe(table["anneal_temperature_C"], table["anneal_time_h"])
    feats = build_features(table)
    z = (feats - feats.mean(0)) / feats.std(0)
    y = softening_curve(hj, 120.0, 90.0, 25_400.0, 650.0) + z @ np.array([4.0, -3.0, 1.0, 2.0, 5.0, -6.0])
    model = HybridHardness.fit(table, y)
    np.testing.assert_allclose(model.params, [120.0, 90.0, 25_400.0, 650.0], rtol=1e-3)
    fixed = HybridHardness.fit(table, y, hv_recrystallised=120.0)
    assert fixed.params[0] == 120.0 and fixed.params[2] == pytest.approx(25_400.0, rel=1e-3)
    hot = table.copy()
    hot["anneal_temperature_C"] = 1400.0
    residual = model.predict(hot) - softening_curve(hollomon_jaffe(1400.0, hot["anneal_time_h"]), *model.params)
    np.testing.assert_allclose(residual, model.predict(table) - softening_curve(hj, *model.params), atol=1e-9)
    assert list(BUILD_FEATURES) == ["power_W", "speed_mm_s", "hatch_um", "layer_um"]


def test_hardness_experiment_constraints_pay_off_outside_the_training_range():
    r = hardness_experiment(seed=12)
    res = r["results"]
    assert res["monotone"]["violations"] == 0 and res["hybrid"]["violations"] == 0
    assert res["unconstrained"]["violations"] > res["soft"]["violations"]
    assert res["hybrid"]["rmse_out"] < 0.5 * res["unconstrained"]["rmse_out"]
    assert abs(r["hybrid_params"][2] - RECOVERY_HJ_HALF_K) < 1000


def test_hybrid_wins_above_the_range_in_every_seed_and_the_penalty_helps():
    study = seed_study()
    best_net = np.min([study[k]["rmse_out"] for k in ("unconstrained", "soft", "monotone")], axis=0)
    assert np.all(study["hybrid"]["rmse_out"] < 0.6 * best_net)
    assert np.all(study["monotone"]["violation_pct"] == 0) and np.all(study["hybrid"]["violation_pct"] == 0)
    assert study["soft"]["violation_pct"].mean() < 0.5 * study["unconstrained"]["violation_pct"].mean()


def test_free_plateau_is_not_identified_below_950_C_but_the_hall_petch_plateau_is():
    ident = hybrid_identifiability()
    assert np.all(ident["fixed"] < ident["free"])
    assert np.all(np.abs(ident["hj_half_fixed"] - RECOVERY_HJ_HALF_K) < 1000)
    assert np.ptp(ident["hj_half_free"]) > 2 * np.ptp(ident["hj_half_fixed"])


def test_hybrid_rejects_an_unknown_law_form_and_fits_the_linear_one():
    from mlpc.constrained import HybridHardness, hardness_table

    table = hardness_table(1)
    y = table["hardness_HV"].to_numpy(float)
    with pytest.raises(ValueError, match="form='cubic'"):
        HybridHardness.fit(table, y, form="cubic")
    linear = HybridHardness.fit(table, y, form="linear")
    assert linear.form == "linear" and len(linear.params) == 2 and linear.params[1] < 0  # softening with HJ
    assert np.sqrt(np.mean((linear.predict(table) - y) ** 2)) < np.std(y)
