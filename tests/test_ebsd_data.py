"""EBSD data: the real Ni patterns load offline and match the master pattern; projection, symmetry,
misorientation, texture labels and the orientation map obey crystallography."""

from __future__ import annotations

import numpy as np
import pytest

from mlpc import ebsd_geometry as geo
from mlpc.datasets import ebsd


def _ncc(a: np.ndarray, b: np.ndarray) -> float:
    """Normalised cross-correlation of two patterns (the similarity dictionary indexing uses)."""
    a = a - a.mean()
    b = b - b.mean()
    return float((a * b).sum() / np.sqrt((a * a).sum() * (b * b).sum()))


@pytest.fixture(scope="module")
def real() -> ebsd.RealEBSDPatterns:
    return ebsd.load_nickel_ebsd_small()


def test_real_ni_and_master_pattern_load_without_network(no_network) -> None:
    ebsd._master_pattern_arrays.cache_clear()
    real = ebsd.load_nickel_ebsd_small()
    master = ebsd.load_nickel_master_pattern()
    assert real.patterns_counts.shape == (3, 3, 60, 60)
    assert real.patterns_counts.dtype == np.uint8
    assert master.lambert_upper.shape == master.lambert_lower.shape == (401, 401)
    assert master.stereographic_upper.shape == (401, 401)
    ebsd.project_patterns(np.array([[0.0, 0.0, 0.0]]))


def test_real_ni_metadata_is_the_documented_acquisition(real: ebsd.RealEBSDPatterns) -> None:
    assert real.geometry.beam_energy_keV == 20.0
    assert real.geometry.sample_tilt_deg == 70.0
    assert real.scan_step_um == pytest.approx(1.5)
    assert real.working_distance_mm == pytest.approx(24.7)
    pcx, pcy, pcz = real.geometry.pc
    assert 0.40 < pcx < 0.45 and 0.19 < pcy < 0.24 and 0.48 < pcz < 0.52
    assert "CC BY 4.0" in real.licence and "3265037" in real.source


def test_master_pattern_is_fcc_nickel_at_20_keV() -> None:
    master = ebsd.load_nickel_master_pattern()
    assert master.space_group == "Fm-3m"
    assert master.lattice_parameter_nm == pytest.approx(0.3524, abs=0.001)
    assert master.beam_energy_keV == 20.0


def test_missing_bundled_file_raises_instead_of_downloading() -> None:
    with pytest.raises(FileNotFoundError, match="never downloads"):
        ebsd._kikuchipy_data_file("kikuchipy_h5ebsd/not_there.h5")


def test_real_patterns_match_the_master_pattern_at_their_stored_orientation(
        real: ebsd.RealEBSDPatterns) -> None:
    sim = ebsd.project_patterns(real.stored_euler_deg.reshape(-1, 3), dose_counts_per_px=None).kikuchi
    rng = np.random.default_rng(3)
    random_sim = ebsd.project_patterns(rng.uniform([0, 0, 0], [360, 180, 360], (30, 3)),
                                       dose_counts_per_px=None).kikuchi
    for exp, own in zip(real.patterns_corrected.reshape(-1, 60, 60), sim, strict=True):
        assert _ncc(exp, own) > 0.3
        assert max(_ncc(exp, other) for other in random_sim) < 0.15


def test_default_synthetic_patterns_look_as_noisy_and_contrasted_as_the_real_ones(
        real: ebsd.RealEBSDPatterns) -> None:
    from scipy.ndimage import gaussian_filter

    def modulation(patterns: np.ndarray) -> float:
        """Mean relative std of pattern / smoothed pattern (bands plus noise over the background)."""
        crop = patterns.reshape(-1, 60, 60)[:, 5:55, 5:55].astype(float)
        return float(np.mean([(p / gaussian_filter(p, 6)).std() for p in crop]))

    synthetic = ebsd.project_patterns(real.stored_euler_deg.reshape(-1, 3), seed=0).counts
    assert modulation(synthetic) == pytest.approx(modulation(real.patterns_counts), rel=0.25)


def test_two_orientations_give_different_patterns_and_equivalent_ones_the_same() -> None:
    base = geo.euler_to_quaternion(np.radians([30.0, 20.0, 10.0]))
    equivalent = geo.quaternion_multiply(geo.CUBIC_SYMMETRY[1:6], base)  # crystal-frame symmetry operations
    euler = np.degrees(np.vstack([geo.quaternion_to_euler(base), geo.quaternion_to_euler(equivalent),
                                  np.radians([[35.0, 20.0, 10.0], [0.0, 45.0, 0.0]])]))
    k = ebsd.project_patterns(euler, dose_counts_per_px=None).kikuchi
    for i in range(1, 6):
        assert _ncc(k[0], k[i]) > 0.98
    assert _ncc(k[0], k[6]) < 0.9  # 5° about ND already changes the pattern
    assert _ncc(k[0], k[7]) < 0.5


def test_pattern_counts_follow_the_dose_with_poisson_noise() -> None:
    euler = np.array([[10.0, 30.0, 50.0], [200.0, 70.0, 5.0]])
    expected = ebsd.project_patterns(euler, dose_counts_per_px=None).counts * 300.0
    counts = ebsd.project_patterns(euler, dose_counts_per_px=300.0, seed=1).counts
    assert counts.mean() == pytest.approx(300.0, rel=0.01)
    z = (counts - expected) / np.sqrt(expected)
    assert abs(z.mean()) < 0.05 and z.var() == pytest.approx(1.0, abs=0.06)


def test_misorientation_with_cubic_symmetry() -> None:
    assert ebsd.misorientation_deg([12.0, 34.0, 56.0], [12.0, 34.0, 56.0])[0] == pytest.approx(0.0, abs=1e-6)
    assert ebsd.misorientation_deg([0.0, 0.0, 0.0], [0.0, 45.0, 0.0])[0] == pytest.approx(45.0)
    assert ebsd.misorientation_deg([0.0, 0.0, 0.0], [90.0, 0.0, 0.0])[0] == pytest.approx(0.0, abs=1e-6)
    rng = np.random.default_rng(0)
    a, b = rng.uniform([0, 0, 0], [360, 180, 360], (2, 500, 3))
    angles = ebsd.misorientation_deg(a, b)
    assert angles.max() <= 62.8 + 1e-6  # the largest cubic disorientation (Mackenzie 1958)
    with pytest.raises(ValueError, match="same number"):
        ebsd.misorientation_deg(a[:3], b[:4])


def test_texture_classes_lie_at_their_components() -> None:
    data = ebsd.ebsd_texture_classification(n_per_class=40, spread_deg=5.0, seed=2)
    assert np.bincount(data.labels).tolist() == [40, 40, 40, 40]
    for label in range(3):
        own = data.deviation_deg[data.labels == label, label]
        # |N(0, 5°)| has mean 5·√(2/π) ≈ 4°; the fibre deviation is at most the rotation angle
        assert 2.0 < own.mean() < 6.0 and own.max() < 20.0
    rnd = data.deviation_deg[data.labels == 3]
    assert rnd.min() >= 15.0
    assert np.allclose(ebsd.misorientation_deg(data.euler_deg[data.labels == 0], np.zeros((40, 3))),
                       data.deviation_deg[data.labels == 0, 0], atol=1e-3)


def test_texture_classification_is_deterministic_under_its_seed() -> None:
    a = ebsd.ebsd_texture_classification(n_per_class=5, seed=4)
    b = ebsd.ebsd_texture_classification(n_per_class=5, seed=4)
    c = ebsd.ebsd_texture_classification(n_per_class=5, seed=5)
    assert np.array_equal(a.counts, b.counts) and np.array_equal(a.labels, b.labels)
    assert not np.array_equal(a.counts, c.counts)


def test_orientation_map_boundaries_have_the_set_misorientations() -> None:
    m = ebsd.ebsd_orientation_map(seed=1)
    ga, gb = m.low_angle_pair
    gc, gd = m.twin_pair
    grains = m.grain_euler_deg
    assert ebsd.misorientation_deg(grains[ga], grains[gb])[0] == pytest.approx(5.0, abs=0.01)
    assert ebsd.misorientation_deg(grains[gc], grains[gd])[0] == pytest.approx(60.0, abs=0.01)
    right = m.grain_id[:, :-1], m.grain_id[:, 1:]
    twin_edge = ((right[0] == gc) & (right[1] == gd)) | ((right[0] == gd) & (right[1] == gc))
    assert twin_edge.any()
    assert np.median(m.boundary_misorientation_deg[:, :-1][twin_edge]) == pytest.approx(60.0, abs=2.0)
    interior = m.boundary_misorientation_deg[:-1, :-1][
        (m.grain_id[:-1, :-1] == m.grain_id[1:, :-1]) & (m.grain_id[:-1, :-1] == m.grain_id[:-1, 1:])]
    assert np.median(interior) < 1.5
    same = ebsd.ebsd_orientation_map(seed=1)
    assert np.array_equal(same.euler_deg, m.euler_deg)
    assert not np.array_equal(ebsd.ebsd_orientation_map(seed=2).grain_id, m.grain_id)


@pytest.mark.parametrize(("kwargs", "name"), [
    ({"dose_counts_per_px": -1.0}, "dose_counts_per_px"),
    ({"band_contrast": 2.0}, "band_contrast"),
    ({"shape_px": (4, 4)}, "shape_px"),
])
def test_bad_projection_input_is_named(kwargs: dict, name: str) -> None:
    with pytest.raises(ValueError, match=name):
        ebsd.project_patterns(np.zeros((1, 3)), **kwargs)
