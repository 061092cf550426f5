"""Week 2's figure helpers draw what their slides claim, and the numbers the slides quote hold: the alias
lands where folding predicts, the Poisson floor equals the mean count, √N-weighted fits are biased low,
dose decides which phase a BSE image shows, and the spectrum image has two components above the edge."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.figure import Figure

from mlpc import fourier
from mlpc.figures import week02_data_formation as w2

FIGURES = [name for name in w2.__all__ if name.endswith("_figure")]


@pytest.mark.parametrize("name", FIGURES)
def test_every_figure_helper_draws_something(name):
    fig = getattr(w2, name)()
    assert isinstance(fig, Figure)
    axes = fig.get_axes()
    assert axes
    assert sum(len(ax.images) + len(ax.lines) + len(ax.collections) for ax in axes) >= 2


def test_moire_alias_is_where_folding_puts_it():
    m = w2.moire_numbers()
    assert m["pixel_nm"] > m["nyquist_px_nm"]
    assert m["d_measured_nm"] == pytest.approx(m["d_alias_predicted_nm"], rel=0.01)
    assert m["d_measured_nm"] > 5 * m["d_true_nm"]


def test_probe_transfer_falls_with_probe_size():
    mtf = [w2.probe_modulation(f) for f in (0.1, 0.2, 0.35)]
    assert mtf[0] > mtf[1] > mtf[2]
    assert mtf[2] < 0.1  # the 0.35 nm probe all but erases the 0.39 nm fringe


def test_noise_floor_is_the_mean_count():
    n = w2.noise_floor_numbers()
    assert n["floor_measured"] == pytest.approx(n["mean_counts"], rel=0.05)
    assert n["k_info_per_um"] < 0.5 * n["nyquist_per_um"]


def test_rose_criterion_separates_the_two_phases():
    c = w2.contrast_numbers(dose_e_per_px=10_000)
    assert c["rose counts θ-Al2Cu"] < c["detected counts α-Al"] < c["rose counts eutectic Si"]


def test_root_n_least_squares_is_biased_low_and_the_likelihood_is_not():
    n = w2.poisson_fit_numbers(areas=(10, 1000), n_spectra=200)
    assert n["neyman_lsq bias"][0] < -15
    assert abs(n["poisson_mle bias"][0]) < 5
    assert np.all(np.abs(n["poisson_mle bias"]) < n["poisson_mle spread"])


def test_spectrum_image_has_two_components_for_three_phases():
    s = w2.scree_numbers()
    assert s["n_phases"] == 3
    assert s["n_above_threshold"] == 2 == s["n_parallel_analysis"]
    assert s["best_k"] == 2
    assert s["rmse_by_k"][2] < 0.3 * s["rmse_raw"]


# Numbers the Week 2 deck states in prose (alt text and speaker notes), with the deck's own arguments.

def test_deck_probe_profile_peaks():
    """Alt text: peaks of about 5, 2 and ~1 times the mean for 0.1, 0.2 and 0.35 nm probes."""
    from mlpc.datasets import imaging, micrographs

    lat = micrographs.lattice_image(160, pixel_size_nm=0.02, spacing_nm=w2.SRTIO3_A_NM, column_fwhm_nm=0.08,
                                    lattice="perovskite", column_scatter=0.0, seed=0)
    crop = slice(40, 120)
    row = int(np.argmax(lat.image[crop, crop].max(axis=1)))
    peaks = []
    for f in (0.1, 0.2, 0.35):
        img = imaging.gaussian_psf(lat.image, f, lat.pixel_size_nm)[crop, crop]
        peaks.append((img / img.mean())[row].max())
    assert 4.5 < peaks[0] < 5.5 and 1.6 < peaks[1] < 2.2 and 1.0 < peaks[2] < 1.2


def test_deck_poisson_fit_claims_hold_over_seeds():
    """Alt text: √N-weighted LSQ about −30 % at 10 counts, → 0 at 1000; notes: the likelihood is unbiased and
    scatters less than the other unbiased fit (unweighted LSQ) at every area."""
    for seed in range(3):
        n = w2.poisson_fit_numbers(seed=seed)
        assert -35 < n["neyman_lsq bias"][0] < -25 and abs(n["neyman_lsq bias"][-1]) < 1
        assert np.all(np.abs(n["poisson_mle bias"]) < 3)
        assert np.all(n["poisson_mle spread"] < n["ordinary_lsq spread"])


def test_deck_poisson_histograms_show_the_bias_of_the_whole_distribution():
    """Alt text: over 400 spectra of true area 30, Poisson-likelihood mean about 30, √N-LSQ mean about 24."""
    for seed in range(1, 6):
        d = w2.poisson_fit_draws(30.0, 400, seed)
        assert abs(d["poisson_mle"].mean() - 30) < 1.0 and 23 < d["neyman_lsq"].mean() < 26


def test_deck_sampling_alt_text_numbers():
    """Nyquist: 7.8, 2.2, 1.3 px per period and a 1.29 nm alias at 0.3 nm; moiré ~3 nm at ~45° in a 35 nm
    field; noise floor crossing near 1.1 µm⁻¹."""
    assert [round(w2.SRTIO3_A_NM / p, 1) for p in (0.05, 0.18, 0.3)] == [7.8, 2.2, 1.3]
    k = 1 / w2.SRTIO3_A_NM
    assert 1 / abs(k - round(k * 0.3) / 0.3) == pytest.approx(1.29, abs=0.01)
    m = w2.moire_numbers()
    assert 2.8 < m["d_measured_nm"] < 3.3 and 40 < m["alias_angle_deg"] < 50
    assert 96 * m["pixel_nm"] == pytest.approx(35, abs=1)
    assert 1.0 < w2.noise_floor_numbers(seed=0)["k_info_per_um"] < 1.2


def test_deck_scree_and_reconstruction_alt_text_numbers():
    """Alt text of the scree, loadings and reconstruction slides."""
    s = w2.scree_numbers()
    assert round(s["eig1"], 1) == 86.3 and round(s["eig2"], 1) == 58.5 and round(s["eig3"], 1) == 1.8
    assert s["eig3"] < s["noise_threshold"]
    _, _, u, pa, _ = w2.spectrum_image_pca(200.0, 0)
    assert 350 < u.eigenvalues[0] < 450 and 110 < u.eigenvalues[1] < 150
    assert 7 < u.eigenvalues[2] < 10 and 2.5 < u.eigenvalues[19] < 3.5
    assert 11 < pa[0] < 13.5 and 3.5 < pa[19] < 4.5
    assert round(s["rmse_by_k"][0], 2) == 1.04 and 0.11 < s["rmse_by_k"][2] < 0.13 and round(s["rmse_raw"], 2) == 0.63


def test_scan_distortion_recovers_a_known_drift():
    from mlpc.datasets import imaging, micrographs

    sq = micrographs.lattice_image(512, pixel_size_nm=0.02, spacing_nm=w2.SRTIO3_A_NM, seed=3)
    drifted = imaging.drift(sq.image, (0.04, 0.03))[:384, :384]
    d = fourier.scan_distortion(*w2._two_reflections(drifted, 0.02, 4.0), w2.SRTIO3_A_NM, 90.0)
    assert d.drift_x_px_per_line == pytest.approx(0.04, abs=0.003)
    assert d.drift_y_px_per_line == pytest.approx(0.03, abs=0.003)
    assert d.scale == pytest.approx(1.0, abs=0.005)


def test_deck_real_haadf_claims():
    """Slide: {100} spacings below 0.274 nm and unequal; the pixel ~5 % too large; the same shear in both
    halves; at 0.20 nm pixels a false ~0.40 nm lattice where folding predicts it."""
    h = w2.real_haadf_numbers()
    assert h["pixel_nm"] == pytest.approx(0.0127, abs=1e-4)
    assert h["d_max_nm"] < h["d_true_nm"] and h["d_max_nm"] - h["d_min_nm"] > 0.01
    assert 0.04 < 1 - h["scale"] < 0.07
    assert -0.07 < h["top dx"] < -0.05 and -0.07 < h["bottom dx"] < -0.05  # a steady drift, not noise
    assert abs(h["top dy"]) < 0.01 and abs(h["bottom dy"]) < 0.01
    assert h["coarse_pixel_nm"] == pytest.approx(0.203, abs=0.001)
    assert abs(h["coarse_d_nm"] - h["alias_predicted_d_nm"]) < 0.02 and 0.38 < h["coarse_d_nm"] < 0.42
    assert isinstance(w2.real_haadf_figure(), Figure)


def test_week02_exercise_task2_alias_power_with_and_without_low_pass():
    """Exercise Task 2 (d): the point-sampled alias stands ~290 × the median, ~50 × after the low-pass."""
    from mlpc.datasets import imaging, real_data

    im = real_data.load_haadf_mos2()
    pk = fourier.find_peaks(fourier.power_spectrum(im.image, im.pixel_size_nm), 6, max_freq=5.0)
    pixel = 16 * im.pixel_size_nm
    aliases = np.array([fourier.aliased_frequency(p, pixel) for p in pk])
    ratios = []
    for antialias in (False, True):
        s = fourier.power_spectrum(imaging.downsample(im.image, 16, antialias=antialias), pixel)
        kx, ky = np.meshgrid(s.freq_x, s.freq_y)
        near = np.min([np.hypot(kx - a[0], ky - a[1]) for a in aliases], axis=0) < 0.15
        ratios.append(s.power[near].max() / np.median(s.power))
    assert 250 < ratios[0] < 330 and 35 < ratios[1] < 70
