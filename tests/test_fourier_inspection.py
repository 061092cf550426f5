"""mlpc.fourier reads physics off a power spectrum: calibrated lattice spacings, the white-noise floor,
aliasing as the sampling theorem predicts it, and filters that remove what they claim to remove."""

from __future__ import annotations

import numpy as np
import pytest

from mlpc import fourier
from mlpc.datasets import imaging, micrographs

A_SRTIO3_NM = 0.3905


@pytest.mark.parametrize("size", [64, 200])
def test_white_noise_has_a_flat_spectrum_at_its_variance_whatever_the_size(size):
    noise = np.random.default_rng(0).normal(5.0, 2.0, (size, size))
    spec = fourier.power_spectrum(noise, 0.1)
    assert abs(spec.power.mean() / 4.0 - 1) < 0.03  # Parseval with the window normalisation
    k, p = fourier.radial_profile(spec)
    low, high = p[(k > 0.1 * spec.nyquist) & (k < 0.5 * spec.nyquist)], p[k >= 0.5 * spec.nyquist]
    assert abs(low.mean() / high.mean() - 1) < 0.1  # flat: white


def test_poisson_floor_equals_the_mean_count():
    counts = np.random.default_rng(1).poisson(12.0, (128, 128)).astype(float)
    _, p = fourier.radial_profile(fourier.power_spectrum(counts, 1.0))
    assert abs(p[2:].mean() / 12.0 - 1) < 0.05


def test_lattice_peaks_give_the_srtio3_spacing_and_rotation():
    lat = micrographs.lattice_image(256, pixel_size_nm=0.02, spacing_nm=A_SRTIO3_NM, rotation_deg=12.0, seed=0)
    spec = fourier.power_spectrum(lat.image, 0.02)
    peaks = fourier.find_peaks(spec, 4, max_freq=4.0)
    d = fourier.spacing_from_peak(peaks)
    assert np.allclose(d, A_SRTIO3_NM, atol=1e-3)
    angles = np.degrees(np.arctan2(peaks[:, 1], peaks[:, 0])) % 90
    assert np.allclose(angles, 12.0, atol=0.3)
    # the centroid refinement beats the frequency step by far
    assert spec.resolution * A_SRTIO3_NM**2 / 2 > 10 * np.abs(d - A_SRTIO3_NM).max()


def test_hexagonal_lattice_peaks_sit_at_the_plane_spacing_not_the_lattice_parameter():
    lat = micrographs.lattice_image(256, pixel_size_nm=0.02, spacing_nm=0.2951, lattice="hexagonal", seed=0)
    d = fourier.spacing_from_peak(fourier.find_peaks(fourier.power_spectrum(lat.image, 0.02), 6, max_freq=5.0))
    assert np.allclose(d, 0.2951 * np.sqrt(3) / 2, atol=1e-3)


def test_aliased_frequency_is_unchanged_below_nyquist_and_folds_above():
    k = np.array([2.0, 0.5])
    assert np.allclose(fourier.aliased_frequency(k, 0.2), k)  # Nyquist 2.5
    assert np.allclose(fourier.aliased_frequency(k, 0.3), [2.0 - 1 / 0.3, 0.5])
    assert fourier.nyquist_frequency(0.2) == pytest.approx(2.5)


def test_point_sampled_lattice_shows_the_predicted_alias():
    pixel = 0.36
    lat = micrographs.lattice_image(96, pixel_size_nm=pixel, spacing_nm=A_SRTIO3_NM, rotation_deg=5.0,
                                    column_fwhm_nm=0.15, seed=0)
    t = np.radians(5.0)
    predicted = fourier.aliased_frequency(np.array([np.cos(t), np.sin(t)]) / A_SRTIO3_NM, pixel)
    peaks = fourier.find_peaks(fourier.power_spectrum(lat.image, pixel), 4)
    measured = fourier.spacing_from_peak(peaks)
    assert np.allclose(measured, 1 / np.hypot(*predicted), rtol=0.01)
    assert measured.min() > 5 * A_SRTIO3_NM  # a false lattice, far coarser than the true one


def test_radial_profile_of_a_cosine_peaks_at_its_frequency():
    n, px = 128, 0.5
    x = np.arange(n) * px
    img = np.cos(2 * np.pi * x / 4.0)[None, :] * np.ones((n, 1))  # period 4 length units
    k, p = fourier.radial_profile(fourier.power_spectrum(img, px, window=False))
    assert k[np.argmax(p)] == pytest.approx(0.25, abs=1e-9)
    assert k.max() < fourier.nyquist_frequency(px) + 1e-9


def test_characteristic_wavelength_recovers_the_period_of_a_periodic_pattern():
    n = 96
    yy, xx = np.mgrid[:n, :n]
    img = np.cos(2 * np.pi * xx / 12.0) + np.cos(2 * np.pi * yy / 12.0)
    assert fourier.characteristic_wavelength(img, 1.0, window=False) == pytest.approx(12.0, rel=1e-6)
    assert fourier.characteristic_wavelength(img, 0.5, window=False) == pytest.approx(6.0, rel=1e-6)
    with pytest.raises(ValueError, match="constant"):
        fourier.characteristic_wavelength(np.ones((16, 16)), 1.0)


def _lattice_power(img, px=0.02):
    s = fourier.power_spectrum(img, px)
    return s.power[np.abs(s.radius() - 1 / A_SRTIO3_NM) < 0.3].max()


def test_low_pass_below_the_lattice_frequency_erases_the_lattice_and_keeps_the_mean():
    lat = micrographs.lattice_image(128, pixel_size_nm=0.02, spacing_nm=A_SRTIO3_NM, seed=0).image
    above = fourier.band_pass(lat, 0.02, high_freq=4.0)
    below = fourier.band_pass(lat, 0.02, high_freq=1.0)
    assert _lattice_power(above) > 0.3 * _lattice_power(lat)
    assert _lattice_power(below) < 1e-3 * _lattice_power(lat)
    assert below.mean() == pytest.approx(lat.mean(), rel=1e-9)


def test_high_pass_removes_mean_and_slow_shading():
    rng = np.random.default_rng(0)
    shaded = imaging.uneven_illumination(np.ones((128, 128)), 0.3) + 0.01 * rng.standard_normal((128, 128))
    hp = fourier.band_pass(shaded, 1.0, low_freq=0.1)
    assert abs(hp.mean()) < 1e-9
    assert hp.std() < 0.3 * shaded.std()


def test_bragg_filter_fills_a_missing_column():
    n, px = 128, 0.02
    lat = micrographs.lattice_image(n, pixel_size_nm=px, spacing_nm=A_SRTIO3_NM, column_fwhm_nm=0.1,
                                    column_scatter=0.0, seed=0).image
    yy, xx = np.mgrid[:n, :n]
    c = n / 2 - 0.5
    site = np.hypot(xx - c, yy - c) * px < 0.05
    neighbour = np.hypot(xx - c - A_SRTIO3_NM / px, yy - c) * px < 0.05
    vacancy = np.where(np.hypot(xx - c, yy - c) * px < 0.15, 0.0, lat)
    peaks = fourier.find_peaks(fourier.power_spectrum(vacancy, px), 4, max_freq=3.5)
    filtered = fourier.bragg_filter(vacancy, px, peaks, radius=0.3)
    assert vacancy[site].mean() / vacancy[neighbour].mean() < 0.05
    assert filtered[site].mean() / filtered[neighbour].mean() > 0.8
    low_passed = fourier.band_pass(vacancy, px, high_freq=4.0)
    assert low_passed[site].mean() / low_passed[neighbour].mean() < 0.3


def test_bad_input_is_refused_with_a_named_argument():
    with pytest.raises(ValueError, match="pixel_size"):
        fourier.power_spectrum(np.ones((8, 8)), 0.0)
    with pytest.raises(ValueError, match="2D"):
        fourier.power_spectrum(np.ones(8), 1.0)
    with pytest.raises(ValueError, match="low_freq"):
        fourier.band_pass(np.ones((8, 8)), 1.0, low_freq=0.3, high_freq=0.2)
    with pytest.raises(ValueError, match="radius"):
        fourier.bragg_filter(np.ones((8, 8)), 1.0, np.array([[0.1, 0.0]]), radius=-1)
    with pytest.raises(ValueError, match="k = 0"):
        fourier.spacing_from_peak(np.array([0.0, 0.0]))


def test_srtio3_model_holds_the_ti_o_columns_at_the_cell_centre():
    lat = micrographs.lattice_image(200, pixel_size_nm=0.01, spacing_nm=A_SRTIO3_NM, lattice="perovskite",
                                    column_scatter=0.0, seed=0)
    step = A_SRTIO3_NM / 0.01  # px per cell; a Sr column sits at the image centre
    c = 100 - 0.5

    def at(fx, fy):
        return lat.image[int(round(c + fy * step)), int(round(c + fx * step))]

    sr, tio, o = at(0, 0), at(0.5, 0.5), at(0.5, 0)
    weights = micrographs.column_weights()
    assert abs(tio / sr - weights[1]) < 0.05 and 0.4 < tio / sr < 0.55  # (22^1.7 + 8^1.7) / 38^1.7
    assert o / sr < 0.12  # oxygen columns barely visible


def test_srtio3_strongest_reflections_are_110_then_200_not_100():
    lat = micrographs.lattice_image(256, pixel_size_nm=0.02, spacing_nm=A_SRTIO3_NM, lattice="perovskite",
                                    column_fwhm_nm=0.1, seed=0)
    spec = fourier.power_spectrum(lat.image, 0.02)
    d = np.sort(fourier.spacing_from_peak(fourier.find_peaks(spec, 8, max_freq=6.0)))
    assert np.allclose(d[:4], A_SRTIO3_NM / 2, atol=0.003)  # {200}: 4 peaks in the upper half plane pairs
    assert np.allclose(d[4:], A_SRTIO3_NM / np.sqrt(2), atol=0.003)  # {110}
    assert abs(lat.plane_spacing_nm - A_SRTIO3_NM / np.sqrt(2)) < 1e-9
    (hk, _, top), *_ = micrographs.perovskite_reflections(A_SRTIO3_NM, 0.1)
    amp = {r[0]: r[2] for r in micrographs.perovskite_reflections(A_SRTIO3_NM, 0.1)}
    assert abs(hk[0]) == abs(hk[1]) == 1 and amp[(1, 0)] < 0.6 * top  # Sr and Ti–O in antiphase for (100)
