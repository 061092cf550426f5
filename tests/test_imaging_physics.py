"""The imaging chain obeys its physics: Poisson counting, Gaussian probe width, Nyquist sampling and
aliasing, scan jitter and drift geometry, vignetting; and it is seeded."""

from __future__ import annotations

import numpy as np
import pytest

from mlpc.datasets import imaging as im
from mlpc.datasets.micrographs import lattice_image


def test_shot_noise_variance_equals_mean_at_a_dose():
    flat = np.full((256, 256), 0.4)
    for dose in (5.0, 50.0, 500.0):
        counts = im.shot_noise(flat, dose, seed=1)
        assert counts.mean() == pytest.approx(0.4 * dose, rel=0.01)
        assert counts.var() == pytest.approx(counts.mean(), rel=0.03)
    # SNR grows like sqrt(dose)
    snr = [im.shot_noise(flat, d, seed=2).mean() / im.shot_noise(flat, d, seed=2).std() for d in (10, 1000)]
    assert snr[1] / snr[0] == pytest.approx(10.0, rel=0.05)


def test_read_noise_has_the_requested_sigma():
    noisy = im.read_noise(np.zeros((256, 256)), 0.05, seed=0)
    assert noisy.std() == pytest.approx(0.05, rel=0.02)


def _fwhm_of_profile(profile: np.ndarray, pixel: float) -> float:
    half = profile.max() / 2
    above = np.flatnonzero(profile >= half)
    lo, hi = above[0], above[-1]
    left = lo - 1 + (half - profile[lo - 1]) / (profile[lo] - profile[lo - 1])
    right = hi + (profile[hi] - half) / (profile[hi] - profile[hi + 1])
    return (right - left) * pixel


@pytest.mark.parametrize("fwhm_nm, pixel_nm", [(2.0, 0.25), (5.0, 0.5), (1.2, 0.1)])
def test_psf_fwhm_measured_on_a_point_source_is_the_requested_one(fwhm_nm, pixel_nm):
    point = np.zeros((129, 129))
    point[64, 64] = 1.0
    blurred = im.gaussian_psf(point, fwhm_nm, pixel_nm)
    assert blurred.sum() == pytest.approx(1.0, rel=1e-6)  # the probe conserves the signal
    assert _fwhm_of_profile(blurred[64], pixel_nm) == pytest.approx(fwhm_nm, rel=0.03)
    assert _fwhm_of_profile(blurred[:, 64], pixel_nm) == pytest.approx(fwhm_nm, rel=0.03)


def _strongest_peak(image: np.ndarray, pixel: float) -> tuple[float, float]:
    fx, fy, power = im.power_spectrum(image * np.outer(*(2 * [np.hanning(image.shape[0])])), pixel)
    iy, ix = np.unravel_index(np.argmax(power), power.shape)
    return fx[ix], fy[iy]


@pytest.mark.parametrize("rotation_deg", [0.0, 17.0])
def test_lattice_spacing_read_from_the_fft_in_nm(rotation_deg):
    lat = lattice_image(256, pixel_size_nm=0.02, spacing_nm=0.3905, rotation_deg=rotation_deg, seed=0)
    assert not lat.aliased
    kx, ky = _strongest_peak(lat.image, lat.pixel_size_nm)
    bin_width = 1 / (256 * 0.02)
    assert np.hypot(kx, ky) == pytest.approx(1 / 0.3905, abs=bin_width)
    angle = np.degrees(np.arctan2(ky, kx)) % 90
    assert min(abs(angle - rotation_deg), 90 - abs(angle - rotation_deg)) < 2.0


def test_hexagonal_lattice_peaks_at_the_plane_spacing():
    lat = lattice_image(256, pixel_size_nm=0.02, spacing_nm=0.3, lattice="hexagonal", column_scatter=0.0)
    kx, ky = _strongest_peak(lat.image, lat.pixel_size_nm)
    assert np.hypot(kx, ky) == pytest.approx(1 / (0.3 * np.sqrt(3) / 2), abs=1 / (256 * 0.02))


def test_undersampled_lattice_peak_moves_to_the_alias_frequency():
    spacing, pixel = 0.3905, 0.3  # pixel > d/2: Nyquist fails
    lat = lattice_image(256, pixel_size_nm=pixel, spacing_nm=spacing, column_fwhm_nm=0.15, seed=0)
    assert lat.aliased
    kx, ky = _strongest_peak(lat.image, pixel)
    expected = im.alias_frequency(1 / spacing, pixel)
    assert expected < 0.5 / pixel < 1 / spacing
    assert np.hypot(kx, ky) == pytest.approx(expected, abs=1 / (256 * pixel))
    # the false period an observer would read
    assert 1 / np.hypot(kx, ky) > 2 * spacing


def test_anti_alias_filter_suppresses_the_alias_that_point_sampling_creates():
    fine = lattice_image(512, pixel_size_nm=0.05, spacing_nm=0.3905, column_fwhm_nm=0.15, seed=0)
    factor = 6  # 0.3 nm pixels: aliased
    f_alias = im.alias_frequency(1 / 0.3905, 0.3)

    def power_at_alias(img):
        fx, fy, power = im.power_spectrum(img, 0.3)
        ix = np.argmin(np.abs(fx - f_alias))
        iy = np.argmin(np.abs(fy))
        return power[iy, ix] / img.size

    raw = power_at_alias(im.downsample(fine.image, factor, antialias=False))
    filtered = power_at_alias(im.downsample(fine.image, factor, antialias=True))
    assert filtered < 0.01 * raw


def test_alias_frequency_folds_about_nyquist():
    assert im.alias_frequency(2.0, 0.1) == pytest.approx(2.0)  # below Nyquist (5 nm⁻¹): unchanged
    assert im.alias_frequency(8.0, 0.1) == pytest.approx(2.0)  # 10 - 8
    assert im.alias_frequency(10.0, 0.1) == pytest.approx(0.0)  # sampled once per period: looks flat


def _edge_positions(img: np.ndarray) -> np.ndarray:
    return np.array([np.interp(0.5, row[::-1], np.arange(len(row))[::-1]) for row in img])


def test_scan_jitter_makes_a_straight_edge_ragged_by_sigma():
    edge = np.tile((np.arange(128) < 64).astype(float), (512, 1))
    jittered = im.scan_jitter(edge, 1.5, seed=0)
    positions = _edge_positions(jittered)
    assert positions.std() == pytest.approx(1.5, rel=0.15)
    assert np.abs(np.diff(_edge_positions(edge))).max() == 0


def test_drift_shears_an_edge_by_the_drift_per_line():
    edge = np.tile((np.arange(256) < 128).astype(float), (100, 1))
    sheared = im.drift(edge, (0.2, 0.0))
    slope = np.polyfit(np.arange(100), _edge_positions(sheared), 1)[0]
    assert abs(slope) == pytest.approx(0.2, rel=0.02)


def test_vignetting_darkens_the_corners_by_the_strength():
    shaded = im.uneven_illumination(np.ones((101, 101)), strength=0.3)
    assert shaded[50, 50] == pytest.approx(1.0)
    assert shaded[0, 0] == pytest.approx(0.7)


def test_acquire_chains_and_is_seeded():
    img = np.clip(np.random.default_rng(0).random((64, 64)), 0, 1)
    kwargs = {"psf_fwhm": 1.0, "dose": 30.0, "read_noise_sigma": 0.01, "jitter_px": 0.5, "shading": 0.2,
              "downsample_factor": 2}
    a = im.acquire(img, 0.5, seed=3, **kwargs)
    b = im.acquire(img, 0.5, seed=3, **kwargs)
    c = im.acquire(img, 0.5, seed=4, **kwargs)
    assert np.array_equal(a.image, b.image) and not np.array_equal(a.image, c.image)
    assert a.image.shape == (32, 32) and a.pixel_size == 1.0
    assert np.all(a.counts == np.round(a.counts))  # whole electrons
    flat = im.acquire(np.full((128, 128), 0.5), 1.0, dose=100.0, seed=0)
    assert flat.image.mean() == pytest.approx(0.5, rel=0.01)  # image stays in yield units


@pytest.mark.parametrize("call, name", [
    (lambda: im.gaussian_psf(np.zeros((8, 8)), -1.0, 1.0), "fwhm"),
    (lambda: im.shot_noise(np.zeros((8, 8)), 0.0), "dose"),
    (lambda: im.downsample(np.zeros((8, 8)), 1.5), "factor"),
    (lambda: im.uneven_illumination(np.zeros((8, 8)), 1.5), "strength"),
    (lambda: im.drift(np.zeros((8, 8)), (3.0, 0.0)), "px_per_line"),
    (lambda: im.gaussian_psf(np.zeros(8), 1.0, 1.0), "image"),
])
def test_bad_input_names_the_argument(call, name):
    with pytest.raises(ValueError, match=name):
        call()
