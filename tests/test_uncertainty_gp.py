"""GPs, ensembles, interval coverage and Bayesian optimisation behave as the week-11 lecture says."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.figure import Figure

from mlpc import uncertainty as unc
from mlpc.datasets.process import relative_density_model


def test_coverage_of_gaussian_draws_matches_nominal_level():
    rng = np.random.default_rng(0)
    y = rng.normal(0.0, 2.0, 20_000)
    assert unc.interval_coverage(y, 0.0, 2.0, 0.68) == pytest.approx(0.68, abs=0.01)
    assert unc.interval_coverage(y, 0.0, 2.0, 0.95) == pytest.approx(0.95, abs=0.01)
    assert unc.interval_coverage(y, 0.0, 1.0, 0.95) < 0.7  # overconfident std under-covers
    with pytest.raises(ValueError):
        unc.interval_coverage(y, 0.0, 1.0, 1.5)


def test_expected_improvement_rewards_mean_and_uncertainty():
    ei = unc.expected_improvement([1.0, 0.0, 0.0], [0.1, 0.1, 2.0], best=0.5)
    assert ei[0] == pytest.approx(0.5, abs=1e-3)  # certain improvement of 0.5
    assert ei[1] < 1e-3 < ei[2]  # a low mean with a large std is still worth a try
    ucb = unc.upper_confidence_bound([0.0, 0.0], [0.1, 1.0], kappa=2.0)
    assert ucb[1] - ucb[0] == pytest.approx(1.8)


def test_gp_recovers_noise_and_length_scale_in_input_units():
    rng = np.random.default_rng(1)
    v = rng.uniform(0.0, 3000.0, 80)  # mm/s
    y = np.sin(v / 300.0) + rng.normal(0, 0.1, v.size)
    gp = unc.fit_gp(v[:, None], y, length_scale=500.0, seed=0)
    hp = unc.gp_hyperparameters(gp)
    assert 150 < hp["length_scale"][0] < 600  # a sine of period 2π·300 mm/s
    assert hp["noise_std"] == pytest.approx(0.1, rel=0.4)
    _, sd_in = unc.gp_predict(gp, [[1500.0]], include_noise=False)
    _, sd_out = unc.gp_predict(gp, [[6000.0]], include_noise=False)
    assert sd_out[0] > 5 * sd_in[0]  # epistemic std grows away from the data


def test_ensemble_spread_is_small_at_data_and_total_std_includes_noise():
    rng = np.random.default_rng(2)
    x = rng.uniform(-1, 1, (60, 1))
    y = x[:, 0] ** 2 + rng.normal(0, 0.05, 60)
    ens = unc.fit_mlp_ensemble(x, y, n_members=3, seed=0)
    mu, sd_epi = ens.predict([[0.0]], include_noise=False)
    _, sd_tot = ens.predict([[0.0]])
    assert abs(mu[0]) < 0.1
    assert sd_tot[0] > sd_epi[0]
    assert 0.02 < ens.noise_std < 0.1


def test_week11_line_gp_is_uncertain_beyond_the_campaign():
    from mlpc.figures import week11_gp as w11
    gp = w11.line_gp()
    _, sd_in = unc.gp_predict(gp, w11.line_inputs([500.0]), include_noise=False)
    _, sd_out = unc.gp_predict(gp, w11.line_inputs([2800.0]), include_noise=False)
    assert sd_out[0] > 3 * sd_in[0]
    assert isinstance(w11.length_scale_effect(), Figure)
    assert "mm/s" in w11.uncertainty_markdown()


def test_probability_of_feasibility_and_best_feasible_so_far():
    pof = unc.probability_of_feasibility([99.5, 99.0, 98.0], [0.5, 1e-9, 1.0], threshold=99.0)
    assert pof[0] == pytest.approx(0.8413, abs=1e-3) and pof[1] == pytest.approx(0.5)
    assert pof[2] == pytest.approx(0.1587, abs=1e-3)
    best = unc.best_feasible_so_far([3.0, 5.0, 4.0, 6.0], [99.5, 98.0, 99.2, 99.1], threshold=99.0)
    np.testing.assert_array_equal(best, [3.0, 3.0, 4.0, 6.0])  # the infeasible 5.0 never counts


def test_constrained_bo_builds_each_cube_once_and_learns_the_limit():
    p, v = np.meshgrid(np.linspace(50, 400, 12), np.linspace(100, 3000, 15), indexing="ij")
    P, V = p.ravel(), v.ravel()
    truth = relative_density_model(P, V)
    h = unc.constrained_bayes_opt(lambda i: float(truth[i]), np.log(np.c_[P, V]), V, 99.0, n_init=4, n_iter=20,
                                  floor=95.0, seed=0)
    assert len(h.index) == 24 and len(np.unique(h.index)) == 24
    assert np.all(np.diff(h.best_so_far) >= 0)
    feasible_speeds = V[truth >= 99.0]
    assert h.best_so_far[-1] == feasible_speeds.max()  # finds the fastest dense setting of the grid
    with pytest.raises(ValueError, match="one per candidate"):
        unc.constrained_bayes_opt(lambda i: 0.0, np.log(np.c_[P, V]), V[:5], 99.0)


def _exercise_split(seed: int):
    from mlpc.datasets.process import process_experiments

    cubes = process_experiments(n_points=90, seed=seed)
    inside = cubes.speed_mm_s <= 1500.0
    test_mask = np.random.default_rng(seed).random(len(cubes)) < 0.3
    return cubes[inside & ~test_mask], cubes[inside & test_mask], cubes[~inside]


def _inputs(frame):
    return np.log(frame[["power_W", "speed_mm_s"]].to_numpy(float))


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
def test_week11_exercise_reading_gp_vs_ensemble(seed):
    """The week-11 solution's "Expected reading", on (ln P, ln v): on every seed the GP's 95 % interval covers at
    most a fifth of the extrapolation cubes and the ensemble at least as many; the ensemble is more accurate
    inside on four of five seeds (not seed 2); seed 0's numbers as quoted (Tasks 2, 4 and 5)."""
    train, test, extra = _exercise_split(seed)
    gp = unc.fit_gp(_inputs(train), train.relative_density_pct, length_scale=(0.3, 0.3),
                    length_scale_bounds=(0.01, 10.0), seed=seed)
    ens = unc.fit_mlp_ensemble(_inputs(train), train.relative_density_pct, n_members=5, seed=seed)

    def score(pred, frame):
        mu, sd = pred(_inputs(frame))
        y = frame.relative_density_pct.to_numpy()
        return (np.sqrt(np.mean((y - mu) ** 2)), unc.interval_coverage(y, mu, sd, 0.68),
                unc.interval_coverage(y, mu, sd, 0.95), sd.mean())

    gp_test, gp_extra = (score(lambda X: unc.gp_predict(gp, X), f) for f in (test, extra))
    ens_test, ens_extra = (score(ens.predict, f) for f in (test, extra))
    assert gp_extra[2] <= 0.2 and ens_extra[2] >= gp_extra[2]
    assert (ens_test[0] < gp_test[0]) == (seed != 2)
    if seed == 0:
        assert (len(train), len(test), len(extra)) == (45, 13, 32)
        assert abs(ens_test[0] - 1.2) < 0.1 and abs(gp_test[0] - 1.9) < 0.1
        assert abs(ens_test[3] - 0.4) < 0.05 and abs(gp_test[3] - 1.0) < 0.1 and min(gp_test[2], ens_test[2]) > 0.8
        assert 0.05 < gp_extra[2] < 0.15 and abs(gp_extra[3] - 0.9) < 0.1          # "one cube in ten", "≈ 0.9 %"
        assert 0.4 < ens_extra[2] < 0.6 and abs(ens_extra[3] - 2.0) < 0.3           # "about half", "≈ 2 %"
        assert ens.noise_std < 0.15
        # Task 5 at 250 W: the truth falls to about 92 % at 3000 mm/s; the GP stays near 97 % with ±2σ ≈ 2 %,
        # the ensemble falls to about 96 % with ±2σ ≈ 5 %; the GP's signal std is about 1.3 %
        at = np.log([[250.0, 3000.0]])
        (mg, sg), (me, se) = unc.gp_predict(gp, at), ens.predict(at)
        assert abs(relative_density_model(250.0, 3000.0) - 92) < 0.6
        assert abs(mg[0] - 97) < 0.6 and abs(2 * sg[0] - 2) < 0.3 and abs(me[0] - 96) < 0.6 and abs(2 * se[0] - 5) < 0.6
        assert abs(unc.gp_hyperparameters(gp)["signal_std"] - 1.3) < 0.1


def test_week11_exercise_kernel_and_posterior_match_the_library():
    """Checkpoint 2: a hand-written RBF kernel and Cholesky posterior equal sklearn's to 1e-6 %."""
    from scipy.linalg import cho_factor, cho_solve

    train, test, _ = _exercise_split(0)
    gp = unc.fit_gp(_inputs(train), train.relative_density_pct, length_scale=(0.3, 0.3),
                    length_scale_bounds=(0.01, 10.0), seed=0)
    hp = unc.gp_hyperparameters(gp)
    ell, sf, sn = hp["length_scale"], hp["signal_std"], hp["noise_std"]
    assert 1.35 < np.exp(ell[0]) < 1.45 and 1.8 < np.exp(ell[1]) < 1.95  # "×1.4 in P, 1.9 in v"
    assert abs(sn - 0.16) < 0.01                                          # "about 0.16 %"
    X, y, Xn = _inputs(train), train.relative_density_pct.to_numpy(), _inputs(test)

    def k(a, b):
        return sf**2 * np.exp(-0.5 * np.sum(((a[:, None] - b[None]) / ell) ** 2, -1))

    factor = cho_factor(k(X, X) + sn**2 * np.eye(len(X)))
    ks = k(X, Xn)
    mu = y.mean() + ks.T @ cho_solve(factor, y - y.mean())
    sd = np.sqrt(np.clip(sf**2 - np.sum(ks * cho_solve(factor, ks), 0), 0, None))
    mu_lib, sd_lib = unc.gp_predict(gp, Xn, include_noise=False)
    assert np.abs(mu - mu_lib).max() < 1e-6 and np.abs(sd - sd_lib).max() < 1e-6
