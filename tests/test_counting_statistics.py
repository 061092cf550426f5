"""mlpc.counting_statistics: the Anscombe transform stabilises Poisson variance and inverts without bias,
the photon-transfer curve recovers a camera's gain and read noise, and a Poisson likelihood fits low-count
peaks without the bias of "√N error bars"."""

from __future__ import annotations

import numpy as np
import pytest

from mlpc import counting_statistics as cs


@pytest.mark.parametrize("mean", [5.0, 20.0, 200.0])
def test_anscombe_makes_the_variance_one_above_a_few_counts(mean):
    counts = np.random.default_rng(0).poisson(mean, 200_000)
    assert counts.var() == pytest.approx(mean, rel=0.03)
    assert cs.anscombe(counts).var() == pytest.approx(1.0, abs=0.03)


def test_anscombe_variance_falls_below_one_at_one_count():
    counts = np.random.default_rng(1).poisson(1.0, 200_000)
    assert 0.6 < cs.anscombe(counts).var() < 0.8


@pytest.mark.parametrize("mean", [1.0, 3.0, 10.0])
def test_exact_unbiased_inverse_returns_the_poisson_mean(mean):
    transformed_mean = cs.anscombe(np.random.default_rng(2).poisson(mean, 400_000)).mean()
    assert cs.inverse_anscombe(transformed_mean) == pytest.approx(mean, rel=0.02)
    if mean <= 1.0:  # the algebraic inverse is biased low at low counts
        assert cs.inverse_anscombe(transformed_mean, unbiased=False) < 0.9 * mean


def test_anscombe_refuses_negative_counts():
    with pytest.raises(ValueError, match="counts"):
        cs.anscombe(np.array([1.0, -1.0]))


def test_photon_transfer_recovers_gain_and_read_noise_despite_fixed_pattern():
    ff = cs.flat_field_pairs(gain_dn_per_e=0.8, read_noise_e=4.0, prnu=0.02, seed=3)
    ptc = cs.photon_transfer(ff.frames, ff.offset_dn)
    assert ptc.gain_dn_per_e == pytest.approx(0.8, rel=0.03)
    assert ptc.read_noise_e == pytest.approx(4.0, rel=0.1)
    # a single frame's spatial variance is inflated by the 2 % pixel non-uniformity at high signal
    top = ff.frames[-1, 0]
    assert top.var() > 1.3 * ptc.variance_dn2[-1]


def test_flat_fields_are_seeded():
    a = cs.flat_field_pairs(seed=5).frames
    assert np.array_equal(a, cs.flat_field_pairs(seed=5).frames)
    assert not np.array_equal(a, cs.flat_field_pairs(seed=6).frames)


def _spectra(area: float, n: int = 400, seed: int = 0):
    energy = np.arange(2.01, 2.61, 0.02)
    shape = cs.gaussian_line(energy, 2.307, 0.08)
    counts = np.random.default_rng(seed).poisson(area * shape + 0.5 + 0.5 * area / 100, (n, energy.size))
    return counts, shape


def test_gaussian_line_is_normalised_and_centred():
    energy = np.arange(0.0, 4.0, 0.01)
    g = cs.gaussian_line(energy, 2.0, 0.1)
    assert g.sum() == pytest.approx(1.0)
    assert energy[np.argmax(g)] == pytest.approx(2.0)
    half = energy[g >= g.max() / 2]
    assert half[-1] - half[0] == pytest.approx(0.1, abs=0.011)


def test_poisson_likelihood_is_unbiased_where_root_n_least_squares_is_not():
    counts, shape = _spectra(30.0)
    mle, _ = cs.fit_peak_area(counts, shape, "poisson_mle")
    neyman, _ = cs.fit_peak_area(counts, shape, "neyman_lsq")
    ols, _ = cs.fit_peak_area(counts, shape, "ordinary_lsq")
    assert abs(mle.mean() / 30.0 - 1) < 0.04
    assert neyman.mean() / 30.0 - 1 < -0.10
    assert mle.std() < ols.std()


def test_all_methods_agree_at_high_counts():
    counts, shape = _spectra(1000.0, n=200)
    for method in cs.FIT_METHODS:
        area, _ = cs.fit_peak_area(counts, shape, method)
        assert area.mean() == pytest.approx(1000.0, rel=0.01)


def test_fit_refuses_bad_input():
    counts, shape = _spectra(30.0, n=2)
    with pytest.raises(ValueError, match="method"):
        cs.fit_peak_area(counts, shape, "chi2")
    with pytest.raises(ValueError, match="shape"):
        cs.fit_peak_area(counts, shape[:-1])
