"""mlpc.data_inspection finds what it claims: Poisson statistics, correlated channels, spikes, blind ranges,
machine offsets and drift, batch drift, leakage, and a Hall–Petch model that extrapolates where a forest
cannot."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.ndimage import convolve1d

from mlpc import data_inspection as di
from mlpc.datasets import imaging, process, tabular


def poisson_ramp(n: int = 4000, seed: int = 0) -> np.ndarray:
    """Independent Poisson counts on a linear background from 200 to 600 counts per channel."""
    return np.random.default_rng(seed).poisson(np.linspace(200, 600, n)).astype(float)


def test_poisson_dispersion_is_one_for_raw_counts_and_low_for_smoothed_counts():
    counts = poisson_ramp()
    assert di.poisson_dispersion(counts) == pytest.approx(1.0, abs=0.08)
    smoothed = convolve1d(counts, [0.25, 0.5, 0.25], mode="nearest")
    # a [1/4, 1/2, 1/4] kernel leaves (1/16 + 1/4 + 1/16) / 6 = 1/16 of the second-difference variance
    assert di.poisson_dispersion(smoothed) == pytest.approx(1 / 16, abs=0.02)


def test_poisson_dispersion_sees_extra_noise_and_respects_the_mask():
    counts = poisson_ramp()
    noisy = counts + np.random.default_rng(1).normal(0, 20, counts.size)  # σ² = 400 on a mean of 400
    assert di.poisson_dispersion(noisy) == pytest.approx(2.0, abs=0.2)
    half = np.arange(counts.size) < counts.size // 2
    assert di.poisson_dispersion(counts, half) == pytest.approx(1.0, abs=0.12)
    with pytest.raises(ValueError, match="mask"):
        di.poisson_dispersion(counts, half[:10])
    with pytest.raises(ValueError, match="at least 10"):
        di.poisson_dispersion(counts, np.arange(counts.size) < 5)


def test_residual_autocorrelation_separates_independent_from_smoothed_channels():
    counts = poisson_ramp()
    assert abs(di.residual_autocorrelation(counts, 1)) < 0.12
    smoothed = convolve1d(counts, [0.25, 0.5, 0.25], mode="nearest")
    assert di.residual_autocorrelation(smoothed, 1) > 0.5
    assert di.residual_autocorrelation(smoothed, 3) < 0.2  # the kernel is 3 channels wide
    with pytest.raises(ValueError, match="lag"):
        di.residual_autocorrelation(counts, 0)
    with pytest.raises(ValueError, match="window"):
        di.residual_autocorrelation(counts, 1, window=30)


def test_variance_equals_mean_for_shot_noise_and_exceeds_it_with_read_noise():
    labels = np.repeat(np.arange(4), 64 * 16).reshape(64, 64)  # four flat bands
    image = np.array([0.2, 0.4, 0.6, 0.8])[labels]
    for dose in (10, 1000):
        stats = di.variance_to_mean(imaging.shot_noise(image, dose, seed=0), labels, erode_px=1)
        ratio = stats["variance_counts"] / stats["mean_counts"]
        assert len(stats) == 4
        assert np.allclose(ratio, 1.0, atol=0.12)
    counts = imaging.shot_noise(image, 100, seed=0) + np.random.default_rng(0).normal(0, 5, image.shape)
    stats = di.variance_to_mean(counts, labels, erode_px=1)
    assert np.allclose(stats["variance_counts"] - stats["mean_counts"], 25.0, atol=12.0)
    with pytest.raises(ValueError, match="one shape"):
        di.variance_to_mean(image, labels[:10])


def test_net_peak_counts_recovers_a_line_with_its_poisson_error():
    energy = np.arange(0, 10, 0.01)
    line, area, fwhm = 5.0, 20_000.0, 0.13
    sigma = fwhm / 2.3548
    expected = 100.0 + area * 0.01 * np.exp(-0.5 * ((energy - line) / sigma) ** 2) / (sigma * np.sqrt(2 * np.pi))
    nets = [di.net_peak_counts(energy, np.random.default_rng(s).poisson(expected), line, fwhm) for s in range(40)]
    values = np.array([n.net for n in nets])
    in_window = area * 0.9815  # ±1 FWHM = ±2.355 σ holds 98.15 % of a Gaussian
    assert values.mean() == pytest.approx(in_window, rel=0.01)
    assert values.std() == pytest.approx(np.mean([n.sigma for n in nets]), rel=0.3)
    assert nets[0].relative_precision > 1 / np.sqrt(nets[0].net)  # the background adds noise
    with pytest.raises(ValueError, match="side"):
        di.net_peak_counts(energy, expected, 0.05, fwhm)


def test_robust_spikes_finds_every_planted_spike_in_the_sps_log_and_nothing_else():
    for seed in (0, 1, 2):
        log = process.process_log("sps", seed=seed)
        assert np.array_equal(di.robust_spikes(log.temperature_C), log.spike_index)
    flat = np.r_[np.full(50, 10.0), np.nan, np.full(50, 10.0)]
    assert di.robust_spikes(flat).size == 0
    with pytest.raises(ValueError, match="odd"):
        di.robust_spikes(flat, window=10)


def test_nan_runs_separate_dropouts_from_the_pyrometer_blind_range():
    assert di.nan_runs(np.array([1.0, np.nan, 2.0, np.nan, np.nan, 3.0, np.nan])) == [(1, 2), (3, 5), (6, 7)]
    assert di.nan_runs(np.ones(4)) == []
    log = process.process_log("sps", seed=0)
    long_runs = [(a, b) for a, b in di.nan_runs(log.temperature_C) if b - a > 5]
    assert len(long_runs) == 2
    for a, b in long_runs:  # inside each run the true temperature is below the pyrometer's limit
        assert np.all(log.temperature_true_C[a:b] < log.pyrometer_min_C + 10)


@pytest.fixture(scope="module")
def melt_pool():
    return process.melt_pool_signals(seed=0)


def test_photodiode_levels_recover_machine_offsets_and_window_fouling(melt_pool):
    levels = di.photodiode_levels(melt_pool)
    for m in np.unique(melt_pool.machine_id):
        sel = melt_pool.machine_id == m
        assert levels.baseline_V[sel].mean() == pytest.approx(melt_pool.machine_offset_V[sel][0], abs=0.005)
        g = levels[sel].dropna(subset=["apparent_gain"])
        slope, start = np.polyfit(g.hours_into_build, g.apparent_gain, 1)
        true_slope, true_start = np.polyfit(melt_pool.hours_into_build[sel], melt_pool.machine_gain[sel], 1)
        assert 100 * slope / start == pytest.approx(100 * true_slope / true_start, abs=0.5)
    assert levels.apparent_gain[melt_pool.regime != "conduction"].isna().all()
    with pytest.raises(ValueError, match="baseline_ms"):
        di.photodiode_levels(melt_pool, baseline_ms=0.6)


def test_cell_size_follows_rosenthal_and_matches_the_table_generator():
    p, v = np.array([150.0, 300.0, 300.0]), np.array([800.0, 800.0, 1600.0])
    lam = di.cell_size_um(p, v)
    truth = tabular.process_property_truth(p, v, 100.0, 30.0, 500.0, 1.0)["cell_size_um"]
    np.testing.assert_allclose(lam, truth, rtol=1e-12)
    assert lam[1] > lam[0]  # more power: slower cooling, coarser cells
    assert lam[2] < lam[1]  # faster scan: faster cooling, finer cells
    assert lam[2] / lam[1] == pytest.approx(2 ** -0.33, rel=1e-9)  # λ ∝ (v/P)^-0.33
    assert np.all((lam > 0.2) & (lam < 1.5))  # sub-µm cells of LPBF 316L (Wang et al. 2018)
    with pytest.raises(ValueError, match="power_W"):
        di.cell_size_um(-1.0, 800.0)


@pytest.fixture(scope="module")
def comparison():
    return di.physics_vs_forest(seed=0)


def test_hall_petch_extrapolates_to_fast_scans_where_the_forest_flattens(comparison):
    mae, bias = comparison.mae_MPa, comparison.bias_MPa
    assert mae[("hall_petch", "extrapolation")] < 0.6 * mae[("forest", "extrapolation")]
    assert abs(bias["hall_petch"]) < 8.0
    assert bias["forest"] < -15.0  # a forest cannot predict above the targets it has seen
    assert comparison.k_MPa_sqrt_um == pytest.approx(250.0, rel=0.2)  # generator's Hall–Petch slope
    assert mae[("hall_petch", "cv")] < 20.0  # close to the noise floor of ~16 MPa (σ ≈ 12 MPa MAE)


def test_neither_model_survives_recrystallisation(comparison):
    assert len(comparison.recrystallised) > 10
    assert comparison.mae_MPa[("hall_petch", "recrystallised")] > 100.0
    assert comparison.mae_MPa[("forest", "recrystallised")] > 100.0


def test_physics_vs_forest_is_deterministic_and_validates_its_split():
    a = di.physics_vs_forest(n_builds=3, specimens_per_build=40, n_trees=10, seed=3)
    b = di.physics_vs_forest(n_builds=3, specimens_per_build=40, n_trees=10, seed=3)
    pd.testing.assert_frame_equal(a.specimens, b.specimens)
    assert a.mae_MPa == b.mae_MPa
    with pytest.raises(ValueError, match="split_speed_mm_s"):
        di.physics_vs_forest(split_speed_mm_s=2500.0)
    with pytest.raises(ValueError, match="max_anneal_C"):
        di.physics_vs_forest(max_anneal_C=1100.0, recrystallised_from_C=1050.0)


def test_build_offsets_recover_the_powder_reuse_drift():
    table = tabular.process_property_table(n_builds=20, seed=0).frame
    offsets = di.build_offsets(table)
    assert len(offsets) == 20 and (offsets["n_specimens"] == 12).all()
    (slope, _), cov = np.polyfit(offsets["build_index"], offsets["residual_HV"], 1, cov=True)
    assert abs(slope - 3.0 / 2.876) < 3 * np.sqrt(cov[0, 0])  # +3 MPa per build = +1.04 HV per build
    assert (offsets["sem_HV"] < offsets["residual_HV"].std()).all()  # offsets are real, not noise
    with pytest.raises(ValueError, match="lacks"):
        di.build_offsets(table.drop(columns=["power_W"]))


def test_random_row_split_leaks_specimens_and_grouped_splits_do_not():
    table = tabular.process_property_table(seed=0).frame
    cols = list(di.PROCESS_COLUMNS[:6])
    scores = di.split_scores(table[cols], table["hardness_HV"],
                             {"rows": None, "specimen": table["specimen_id"], "build": table["build_id"]},
                             n_trees=30).set_index("split")
    within = table.groupby("specimen_id")["hardness_HV"].std().mean()
    assert scores.loc["rows", "mae"] < 1.5 * within  # the forest recalls the specimen
    assert scores.loc["specimen", "mae"] > 2 * scores.loc["rows", "mae"]
    assert scores.loc["build", "mae"] > 2 * scores.loc["rows", "mae"]
    with pytest.raises(ValueError, match="rows"):
        di.split_scores(table[cols], table["hardness_HV"][:10], {"rows": None})
