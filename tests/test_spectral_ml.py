"""mlpc.spectral keeps the physics: Poisson-aware denoising, peaks at tabulated positions, NMF components
that are the true spectra, PCA components that are not, phase maps and an autoencoder that learn."""

from __future__ import annotations

import numpy as np
import pytest

from mlpc import spectral
from mlpc.datasets.spectrum_images import score_decomposition, spectrum_image


@pytest.fixture(scope="module")
def steel():
    return spectrum_image(shape=(24, 24), kind="eds", dose_counts_per_pixel=500, correlation_length_px=4.0, seed=0)


def _gauss_spectrum(seed: int = 0, peak_counts: float = 400.0):
    e = np.linspace(0.0, 10.0, 1001)
    mean = 50.0 + peak_counts * np.exp(-0.5 * ((e - 6.4) / 0.05) ** 2) + 60 * np.exp(-0.5 * ((e - 7.06) / 0.05) ** 2)
    return e, mean, np.random.default_rng(seed).poisson(mean).astype(float)


def test_anscombe_savgol_reduces_error_against_truth_and_keeps_counts_nonnegative():
    e, mean, counts = _gauss_spectrum()
    smooth = spectral.anscombe_savgol(counts, window=11, polyorder=2)
    assert np.all(smooth >= 0)
    assert np.sqrt(np.mean((smooth - mean) ** 2)) < 0.6 * np.sqrt(np.mean((counts - mean) ** 2))
    with pytest.raises(ValueError):
        spectral.anscombe_savgol(-counts)


def test_peaks_are_found_at_fe_lines_and_threshold_scales_with_poisson_noise():
    e, _, counts = _gauss_spectrum()
    peaks = spectral.find_spectral_peaks(e, counts, n_sigma=5.0)
    named = spectral.match_to_table(peaks.positions, spectral.eds_line_table(("Fe",), (5.0, 9.0)), tolerance=0.06)
    assert "Fe Ka" in named and abs(named["Fe Ka"] - 6.40) < 0.03
    assert len(peaks.positions) <= 3, "5 σ must reject the noise maxima of a flat background"
    loose = spectral.find_spectral_peaks(e, counts, n_sigma=0.5)
    assert len(loose.positions) > 10 * len(peaks.positions)


def test_match_to_table_refuses_peaks_outside_tolerance():
    assert spectral.match_to_table(np.array([1.0, 2.5]), {"A": 1.02, "B": 2.0}, tolerance=0.05) == {"A": 1.0}
    assert spectral.match_to_table(np.array([]), {"A": 1.0}, 0.1) == {}


def test_bragg_table_puts_ferrite_110_where_bragg_does():
    d110 = 0.28665 / np.sqrt(2)
    expected = 2 * np.degrees(np.arcsin(0.15406 / (2 * d110)))
    assert abs(spectral.bragg_table("Fe-bcc")["Fe-bcc 110"] - expected) < 0.05


def test_nmf_recovers_true_endmembers_and_pca_components_are_not_spectra(steel):
    x = steel.cube.reshape(-1, steel.cube.shape[-1])
    nmf = spectral.nmf_poisson(x, 3, n_iter=300, seed=0)
    assert np.all(nmf.components >= 0) and np.all(nmf.abundances >= 0)
    assert np.all(np.diff(nmf.divergence) <= 1e-6 * nmf.divergence[0]), "KL updates must not increase the divergence"
    score = score_decomposition(nmf.components, steel.endmembers, nmf.abundances, steel.abundances.reshape(-1, 3))
    assert score.mean_cosine > 0.995 and score.abundance_rmse < 0.05
    from mlpc import low_rank

    pca = low_rank.pca(x, poisson_weighted=True, n_keep=3)
    assert np.all(spectral.negative_fraction(pca.components) > 0.2)
    assert score_decomposition(pca.components, steel.endmembers).mean_cosine < 0.8
    assert np.all(spectral.negative_fraction(nmf.components) == 0)


def test_pca_denoise_beats_raw_counts(steel):
    truth = steel.dose_counts_per_pixel * np.tensordot(steel.abundances, steel.endmembers, axes=(2, 0))
    den = spectral.pca_denoise(steel.cube, 2)
    assert den.shape == steel.cube.shape
    assert np.sqrt(np.mean((den - truth) ** 2)) < 0.5 * np.sqrt(np.mean((steel.cube - truth) ** 2))


def test_kmeans_on_pca_scores_maps_phases_and_accuracy_ignores_label_names(steel):
    from mlpc import low_rank

    pca = low_rank.pca(steel.cube, poisson_weighted=True, n_keep=2)
    labels = spectral.kmeans_labels(pca.scores, 3, seed=0)
    assert spectral.matched_accuracy(labels, steel.phase_map) > 0.9
    truth = steel.phase_map.ravel()
    assert spectral.matched_accuracy((truth + 1) % 3, truth) == 1.0


def test_tsne_embeds_a_seeded_subset_and_separates_phases(steel):
    from mlpc import low_rank

    pca = low_rank.pca(steel.cube, poisson_weighted=True, n_keep=3)
    idx, emb = spectral.tsne_embedding(pca.scores, n_max=200, seed=0)
    assert emb.shape == (200, 2) and len(np.unique(idx)) == 200
    idx2, emb2 = spectral.tsne_embedding(pca.scores, n_max=200, seed=0)
    assert np.array_equal(idx, idx2) and np.allclose(emb, emb2)
    labels = spectral.kmeans_labels(emb, 3, seed=0)
    assert spectral.matched_accuracy(labels, steel.phase_map.ravel()[idx]) > 0.8


def test_autoencoder_outputs_nonnegative_spectra_with_the_pixel_counts_and_learns(steel):
    x = steel.cube.reshape(-1, steel.cube.shape[-1])[:, :200]
    ae = spectral.train_spectrum_autoencoder(x, latent_dim=2, hidden=16, epochs=40, seed=0)
    assert np.all(ae.reconstruction >= 0)
    assert np.allclose(ae.reconstruction.sum(axis=1), x.sum(axis=1), rtol=1e-4)
    assert ae.losses[-1] < ae.losses[0]
    assert ae.latent.shape == (x.shape[0], 2)
