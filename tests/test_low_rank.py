"""mlpc.low_rank separates signal from noise the way random-matrix theory says: pure noise stays under the
Marchenko–Pastur edge, Poisson weighting makes counting noise uniform, and a spectrum image of K phases
shows K − 1 components above the edge around its mean."""

from __future__ import annotations

import numpy as np
import pytest

from mlpc import low_rank
from mlpc.datasets.spectrum_images import spectrum_image


def test_pure_gaussian_noise_fills_the_marchenko_pastur_bulk():
    rng = np.random.default_rng(0)
    n, c = 2000, 200
    largest = []
    for _ in range(8):
        result = low_rank.pca(rng.normal(0.0, 1.5, (n, c)))
        largest.append(result.eigenvalues[0])
        assert result.eigenvalues[-1] > 2.25 * (1 - np.sqrt(c / n)) ** 2 * 0.9  # lower MP edge
    edge = low_rank.marchenko_pastur_edge(n, c, 2.25)
    assert np.mean(largest) == pytest.approx(edge, rel=0.03)
    assert np.mean(np.array(largest) > low_rank.noise_threshold(n, c, 2.25)) <= 0.25


def test_planted_components_are_counted():
    rng = np.random.default_rng(1)
    n, c, k = 1500, 120, 3
    signal = rng.normal(size=(n, k)) @ (3.0 * rng.normal(size=(k, c)) / np.sqrt(c))
    x = signal + rng.normal(size=(n, c))
    result = low_rank.pca(x)
    threshold = low_rank.noise_threshold(n, c)
    assert low_rank.n_signal_components(result.eigenvalues, threshold) == k
    pa = low_rank.parallel_analysis(x, n_shuffles=3, seed=0)
    assert low_rank.n_signal_components(result.eigenvalues, pa) == k


def test_poisson_weighting_makes_counting_noise_unit_variance():
    rng = np.random.default_rng(2)
    spectrum = np.linspace(0.2, 20.0, 150)  # mean counts per channel differ by 100×
    counts = rng.poisson(np.ones((3000, 1)) * spectrum).astype(float)
    raw = low_rank.pca(counts)
    weighted = low_rank.pca(counts, poisson_weighted=True)
    assert raw.eigenvalues[0] / raw.eigenvalues[-1] > 20  # heteroscedastic: no flat noise floor
    assert np.median(weighted.eigenvalues) == pytest.approx(1.0, abs=0.1)
    assert weighted.eigenvalues[0] < low_rank.noise_threshold(3000, 150) * 1.02


@pytest.mark.parametrize("n_phases", [2, 3])
def test_spectrum_image_of_k_phases_has_k_minus_one_components(n_phases):
    si = spectrum_image(shape=(48, 48), n_phases=n_phases, dose_counts_per_pixel=200.0, seed=0)
    x = si.cube.reshape(-1, si.cube.shape[-1])
    result = low_rank.pca(x, poisson_weighted=True, n_keep=6)
    threshold = low_rank.noise_threshold(result.n_samples, result.n_features)
    assert low_rank.n_signal_components(result.eigenvalues, threshold) == n_phases - 1
    truth = si.dose_counts_per_pixel * np.tensordot(si.abundances, si.endmembers, axes=(2, 0)).reshape(x.shape)
    errors = [np.sqrt(np.mean((low_rank.reconstruct(result, k) - truth) ** 2)) for k in range(5)]
    assert int(np.argmin(errors)) == n_phases - 1
    assert errors[n_phases - 1] < 0.3 * np.sqrt(np.mean((x - truth) ** 2))


def test_full_reconstruction_returns_the_data():
    rng = np.random.default_rng(3)
    counts = rng.poisson(5.0, (200, 30)).astype(float)
    result = low_rank.pca(counts, poisson_weighted=True)
    assert np.allclose(low_rank.reconstruct(result, 30), counts)
    # mean only: in the weighted space every pixel gets the mean spectrum shape, scaled by its own total
    rank0 = low_rank.reconstruct(result, 0)
    shape = counts.sum(axis=0) / counts.sum()
    assert np.allclose(rank0 / rank0.sum(axis=1, keepdims=True), shape[None, :], atol=1e-3)


def test_parallel_analysis_is_seeded():
    x = np.random.default_rng(4).normal(size=(300, 20))
    a = low_rank.parallel_analysis(x, seed=1)
    assert np.array_equal(a, low_rank.parallel_analysis(x, seed=1))
    assert not np.array_equal(a, low_rank.parallel_analysis(x, seed=2))


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="data"):
        low_rank.pca(np.ones(5))
    with pytest.raises(ValueError, match="counts"):
        low_rank.poisson_scales(-np.ones((4, 4)))
    with pytest.raises(ValueError, match="k"):
        low_rank.reconstruct(low_rank.pca(np.random.default_rng(0).normal(size=(20, 4))), 9)
    with pytest.raises(ValueError, match="noise_variance"):
        low_rank.marchenko_pastur_edge(100, 10, 0.0)
