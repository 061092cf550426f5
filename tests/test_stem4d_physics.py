"""Synthetic 4D-STEM obeys diffraction physics: disks at |g| = 1/d, strain and rotation move them as set,
the transmitted disk and the counts follow the dose, and the polarity task lives in Friedel pairs."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from mlpc.datasets import stem4d


def _disks(pattern: np.ndarray, cal: stem4d.STEM4DCalibration) -> np.ndarray:
    """Intensity-weighted centroids (gx, gy) in nm⁻¹ of all diffracted disks fully inside the detector."""
    labels, n = ndimage.label(pattern > 1e-9)
    centres = np.array(ndimage.center_of_mass(pattern, labels, range(1, n + 1)))
    edge = cal.disk_radius_px + 1.5
    npx = pattern.shape[0]
    inside = np.all((centres > edge) & (centres < npx - 1 - edge), axis=1)
    cy, cx = cal.center_px
    g = np.column_stack([centres[:, 1] - cx, cy - centres[:, 0]])[inside] * cal.k_pixel_nm_inv
    return g[np.linalg.norm(g, axis=1) > 0.5]  # drop the transmitted disk


@pytest.fixture(scope="module")
def clean() -> stem4d.STEM4DScan:
    return stem4d.stem4d_scan(scan_shape=(8, 16), n_grains=3, max_strain=0.05, dose_e_per_pattern=None,
                              seed=3)


def test_electron_wavelength_is_relativistic() -> None:
    assert stem4d.electron_wavelength_nm(300.0) == pytest.approx(1.9687e-3, rel=1e-4)
    assert stem4d.electron_wavelength_nm(200.0) == pytest.approx(2.5079e-3, rel=1e-4)
    assert stem4d.electron_wavelength_nm(100.0) == pytest.approx(3.7014e-3, rel=1e-4)


def test_calibration_links_nm_inverse_mrad_and_disk_radius(clean: stem4d.STEM4DScan) -> None:
    cal = clean.calibration
    assert cal.k_pixel_mrad == pytest.approx(cal.k_pixel_nm_inv * cal.wavelength_nm * 1e3)
    assert cal.disk_radius_px * cal.k_pixel_mrad == pytest.approx(cal.convergence_semiangle_mrad)


@pytest.mark.parametrize(("phase", "d_nm", "n_nearest"), [
    (0, 0.3905, 4),                      # SrTiO3 (100): d = a
    (1, 0.3189 * np.sqrt(3) / 2, 6),     # GaN (10-10): d = √3 a / 2
])
def test_first_disks_sit_at_one_over_d(clean: stem4d.STEM4DScan, phase: int, d_nm: float,
                                       n_nearest: int) -> None:
    positions = np.argwhere(clean.phase == phase)
    assert len(positions) > 0
    for iy, ix in positions[:: max(1, len(positions) // 10)]:
        d_strained = d_nm * (1 + clean.strain[iy, ix])
        radii = np.sort(np.linalg.norm(_disks(clean.counts[iy, ix], clean.calibration), axis=1))
        assert radii[:n_nearest] == pytest.approx(1 / d_strained, abs=0.01)
        assert radii[n_nearest] > 1.1 / d_strained


def _same_grain_pair(scan: stem4d.STEM4DScan) -> tuple[tuple[int, int], tuple[int, int]]:
    """Two probe positions in one row and one grain with the largest strain difference."""
    best, pair = -1.0, None
    for iy in range(scan.phase.shape[0]):
        key = scan.phase[iy] * 1000 + scan.rotation_deg[iy]
        for value in np.unique(key):
            cols = np.flatnonzero(key == value)
            diff = scan.strain[iy, cols[-1]] - scan.strain[iy, cols[0]]
            if diff > best:
                best, pair = diff, ((iy, cols[0]), (iy, cols[-1]))
    return pair


def test_strain_moves_disks_radially_by_the_set_strain(clean: stem4d.STEM4DScan) -> None:
    a, b = _same_grain_pair(clean)
    eps_a, eps_b = clean.strain[a], clean.strain[b]
    assert eps_b - eps_a > 0.02
    r_a = np.sort(np.linalg.norm(_disks(clean.counts[a], clean.calibration), axis=1))[:6].mean()
    r_b = np.sort(np.linalg.norm(_disks(clean.counts[b], clean.calibration), axis=1))[:6].mean()
    eps_b_measured = r_a / r_b * (1 + eps_a) - 1  # |g| ∝ 1 / (1 + ε)
    assert eps_b_measured == pytest.approx(eps_b, abs=0.002)


def test_rotation_rotates_the_disk_pattern_by_the_set_angle(clean: stem4d.STEM4DScan) -> None:
    for phase, fold in ((0, 4), (1, 6)):
        recip = stem4d.reciprocal_basis_nm_inv(stem4d.CRYSTALS[stem4d.SCAN_PHASES[phase]]["basis_nm"])
        offset = np.degrees(np.arctan2(recip[0, 1], recip[0, 0]))
        for iy, ix in np.argwhere(clean.phase == phase):
            g = _disks(clean.counts[iy, ix], clean.calibration)
            first = g[np.argsort(np.linalg.norm(g, axis=1))[:fold]]
            angles = np.arctan2(first[:, 1], first[:, 0])
            measured = np.degrees(np.angle(np.exp(1j * fold * angles).mean())) / fold
            period = 360 / fold
            diff = (measured - clean.rotation_deg[iy, ix] - offset + period / 2) % period - period / 2
            assert abs(diff) < 0.3


def test_transmitted_disk_holds_the_unscattered_fraction() -> None:
    scan = stem4d.stem4d_scan(scan_shape=(8, 8), scattered_fraction=(0.4, 0.25), dose_e_per_pattern=None,
                              seed=1)
    cal = scan.calibration
    bf = stem4d.virtual_detector_image(scan, 0.0, cal.convergence_semiangle_mrad + cal.k_pixel_mrad)
    assert set(np.unique(scan.phase)) == {0, 1}
    assert bf[scan.phase == 0] == pytest.approx(0.6, abs=0.002)
    assert bf[scan.phase == 1] == pytest.approx(0.75, abs=0.002)


def test_counts_are_poisson_at_the_dose() -> None:
    expected = stem4d.stem4d_scan(scan_shape=(8, 8), dose_e_per_pattern=None, seed=2).counts * 2e4
    counts = stem4d.stem4d_scan(scan_shape=(8, 8), dose_e_per_pattern=2e4, seed=2).counts
    totals = counts.sum(axis=(2, 3))
    assert totals.mean() == pytest.approx(expected.sum(axis=(2, 3)).mean(), rel=0.002)
    assert expected.sum(axis=(2, 3)).max() <= 2e4 * 1.0001  # disks off the detector are lost, never gained
    bright = expected > 20
    z = (counts[bright] - expected[bright]) / np.sqrt(expected[bright])
    assert abs(z.mean()) < 0.05 and z.var() == pytest.approx(1.0, abs=0.08)


def test_scan_is_deterministic_under_its_seed() -> None:
    a = stem4d.stem4d_scan(scan_shape=(4, 4), seed=7)
    b = stem4d.stem4d_scan(scan_shape=(4, 4), seed=7)
    c = stem4d.stem4d_scan(scan_shape=(4, 4), seed=8)
    assert np.array_equal(a.counts, b.counts) and np.array_equal(a.rotation_deg, b.rotation_deg)
    assert not np.array_equal(a.counts, c.counts)


def _up_down_asymmetry(samples: stem4d.STEM4DSamples) -> np.ndarray:
    """(upper − lower) / (upper + lower) of the diffracted intensity per pattern (central disk masked)."""
    cal = samples.calibration
    npx = samples.X.shape[-1]
    yy, xx = np.mgrid[0:npx, 0:npx]
    outside_bf = np.hypot(yy - cal.center_px[0], xx - cal.center_px[1]) > cal.disk_radius_px + 1
    upper = (samples.X * (outside_bf & (yy < cal.center_px[0]))).sum(axis=(1, 2))
    lower = (samples.X * (outside_bf & (yy > cal.center_px[0]))).sum(axis=(1, 2))
    return (upper - lower) / (upper + lower)


def test_polarity_labels_live_in_friedel_pairs() -> None:
    data = stem4d.stem4d_classification(n=200, friedel_asymmetry=0.3, seed=0)
    asym = _up_down_asymmetry(data)
    assert asym[data.y == 0].mean() > 0.1 and asym[data.y == 1].mean() < -0.1
    centro = stem4d.stem4d_classification(n=200, friedel_asymmetry=0.0, seed=0)
    asym0 = _up_down_asymmetry(centro)
    assert abs(asym0[centro.y == 0].mean() - asym0[centro.y == 1].mean()) < 0.03  # Friedel's law holds


def test_single_disk_brightness_does_not_give_the_polarity_away() -> None:
    data = stem4d.stem4d_classification(n=400, max_rotation_deg=0.0, max_strain=0.0, max_tilt_gradient_nm=0.0,
                                        seed=1)
    cal = data.calibration
    cy, cx = (int(round(c)) for c in cal.center_px)
    dy = int(round(2 / stem4d._GAN_C_NM / cal.k_pixel_nm_inv))  # the 0002 disk
    top = data.X[:, cy - dy - 1:cy - dy + 2, cx - 1:cx + 2].sum(axis=(1, 2))
    bottom = data.X[:, cy + dy - 1:cy + dy + 2, cx - 1:cx + 2].sum(axis=(1, 2))
    # one disk alone: classes overlap strongly (random pair brightness); the Friedel ratio separates them
    single = np.mean((top > np.median(top)) == (data.y == 0))
    ratio = np.mean((top > bottom) == (data.y == 0))
    assert single < 0.8 and ratio > 0.95


def test_classification_is_deterministic_and_balanced() -> None:
    a = stem4d.stem4d_classification(n=64, task="phase", seed=3)
    b = stem4d.stem4d_classification(n=64, task="phase", seed=3)
    assert np.array_equal(a.X, b.X) and np.array_equal(a.y, b.y)
    assert np.bincount(a.y).tolist() == [32, 32]
    assert not np.array_equal(a.X, stem4d.stem4d_classification(n=64, task="phase", seed=4).X)


@pytest.mark.parametrize(("kwargs", "name"), [
    ({"convergence_mrad": -1.0}, "convergence_mrad"),
    ({"dose_e_per_pattern": 0.0}, "dose_e_per_pattern"),
    ({"scan_shape": (1, 300)}, "scan_shape"),
])
def test_bad_scan_input_is_named(kwargs: dict, name: str) -> None:
    with pytest.raises(ValueError, match=name):
        stem4d.stem4d_scan(**kwargs)


def test_bad_task_is_named() -> None:
    with pytest.raises(ValueError, match="task"):
        stem4d.stem4d_classification(task="texture")  # type: ignore[arg-type]
