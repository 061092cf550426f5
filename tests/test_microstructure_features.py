"""Hand-crafted microstructure features measure what their stereology says, and ignore detector gain."""

from __future__ import annotations

import numpy as np
import pytest

from mlpc import features as F
from mlpc.datasets import ebsd
from mlpc.datasets import micrographs as m


def test_feature_vector_matches_its_names():
    tp = m.two_phase(64, 0.3, "particles", feature_size_um=6.0, pixel_size_um=1.0, seed=0)
    vec = F.microstructure_features(tp.image, 1.0)
    assert vec.shape == (len(F.FEATURE_NAMES),)
    assert set(F.FEATURE_LABELS) == set(F.FEATURE_NAMES)
    table = F.feature_table(np.stack([tp.image, tp.image]), 1.0)
    np.testing.assert_allclose(table[0], vec)


@pytest.mark.parametrize("morphology", ["particles", "lamellar", "bicontinuous"])
def test_segmented_area_fraction_recovers_the_true_phase_fraction(morphology):
    tp = m.two_phase(128, 0.3, morphology, feature_size_um=24.0, pixel_size_um=1.0, seed=2)
    mask = F.dark_phase_mask(tp.image, 1.0)
    assert mask.mean() == pytest.approx(tp.fraction, abs=0.02)
    assert F.microstructure_features(tp.image, 1.0)[0] == pytest.approx(tp.fraction, abs=0.02)


def test_thin_lamellae_near_the_smoothing_width_are_biased_towards_half():
    # dark lamellae 2.4 µm wide (30 % of an 8 µm period) blur into a near-sinusoid: A_A is overestimated
    tp = m.two_phase(128, 0.3, "lamellar", feature_size_um=8.0, pixel_size_um=1.0, seed=2)
    assert F.dark_phase_mask(tp.image, 1.0, smooth_um=0.0).mean() == pytest.approx(tp.fraction, abs=0.01)
    assert F.dark_phase_mask(tp.image, 1.0, smooth_um=1.0).mean() > tp.fraction + 0.1


def test_interface_density_counts_the_boundaries_of_stripes():
    n, width = 64, 4
    xx = np.mgrid[0:n, 0:n][1]
    stripes = (xx // width) % 2 == 0  # vertical stripes: every row crosses n/width - 1 boundaries
    expected = n * (n // width - 1) / (2 * n * (n - 1) * 0.5)  # hits / (rows + columns) line length in µm
    assert F.interface_density(stripes, 0.5) == pytest.approx(expected)
    assert F.interface_density(np.zeros((16, 16), bool), 1.0) == 0.0


def test_mean_intercept_is_two_area_fraction_over_p_l_and_scales_with_feature_size():
    small = F.microstructure_features(m.two_phase(128, 0.3, "bicontinuous", 6.0, 1.0, seed=0).image, 1.0)
    large = F.microstructure_features(m.two_phase(128, 0.3, "bicontinuous", 12.0, 1.0, seed=0).image, 1.0)
    i = F.FEATURE_NAMES.index
    assert small[i("mean_intercept_um")] == pytest.approx(2 * small[0] / small[1])
    assert large[i("mean_intercept_um")] / small[i("mean_intercept_um")] == pytest.approx(2.0, rel=0.15)


def test_morphology_features_tell_round_particles_from_lamellae_and_networks():
    i = F.FEATURE_NAMES.index
    particles = F.microstructure_features(m.two_phase(128, 0.2, "particles", 8.0, 1.0, seed=0).image, 1.0)
    lamellae = F.microstructure_features(m.two_phase(128, 0.4, "lamellar", 8.0, 1.0, n_colonies=1,
                                                     seed=0).image, 1.0)
    grains = F.microstructure_features(m.polycrystal(128, 40, pixel_size_um=1.0, seed=0).image, 1.0)
    assert particles[i("mean_solidity")] > 0.85 > grains[i("mean_solidity")]
    assert lamellae[i("coherence")] > 0.6 > 0.3 > particles[i("coherence")]
    assert grains[i("largest_cluster_share")] > 0.9 > 0.4 > particles[i("largest_cluster_share")]


def test_features_do_not_depend_on_detector_gain_and_offset():
    img = m.two_phase(96, 0.3, "lamellar", 8.0, 1.0, seed=3).image
    a = F.microstructure_features(img, 1.0)
    b = F.microstructure_features(0.4 * img + 0.3, 1.0)
    np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-9)


def test_e562_confidence_interval_by_hand_and_its_coverage():
    res = F.e562_estimate(np.array([0.2, 0.3, 0.25, 0.25]))
    s = np.std([0.2, 0.3, 0.25, 0.25], ddof=1)
    assert res.mean == pytest.approx(0.25)
    assert res.ci95 == pytest.approx(3.1824 * s / 2, rel=1e-3)  # t(0.975, 3) = 3.182
    assert res.relative_accuracy == pytest.approx(res.ci95 / 0.25)
    rng = np.random.default_rng(0)
    hits = 0
    for _ in range(1000):
        est = F.e562_estimate(rng.binomial(100, 0.3, 10) / 100)
        hits += abs(est.mean - 0.3) <= est.ci95
    assert 0.92 <= hits / 1000 <= 0.98  # a 95 % interval covers the truth 95 % of the time
    with pytest.raises(ValueError):
        F.e562_estimate(np.array([0.3]))


def test_sigma3_deviation_is_zero_for_a_twin_symmetric_and_two_percent_of_random_pairs_pass_brandon():
    from orix.quaternion import Rotation

    rng = np.random.default_rng(1)
    q = rng.normal(size=(2000, 2, 4))
    q /= np.linalg.norm(q, axis=-1, keepdims=True)
    twin = Rotation.from_axes_angles([1, 1, 1], np.radians(60.0))
    twinned = (twin * Rotation(q[:, 0])).data
    np.testing.assert_allclose(F.sigma3_deviation_deg(q[:, 0], twinned), 0.0, atol=1e-4)
    np.testing.assert_allclose(F.sigma3_deviation_deg(twinned, q[:, 0]), 0.0, atol=1e-4)
    d_ab, d_ba = F.sigma3_deviation_deg(q[:, 0], q[:, 1]), F.sigma3_deviation_deg(q[:, 1], q[:, 0])
    np.testing.assert_allclose(d_ab, d_ba, atol=1e-6)
    assert F.sigma3_deviation_deg(q[0, 0], q[0, 0]) == pytest.approx(60.0, abs=1e-4)
    # Mackenzie-random boundaries: about 2 % fall within Brandon's 8.66° of Σ3
    assert 0.01 < np.mean(d_ab <= 15 / np.sqrt(3)) < 0.03


def test_classify_boundaries_finds_the_subgrain_boundary_and_the_twin():
    om = ebsd.ebsd_orientation_map(seed=1)
    b = F.classify_boundaries(om.quaternions)
    g = om.grain_id
    interior = (g[:-1, :-1] == g[:-1, 1:]) & (g[:-1, :-1] == g[1:, :-1])
    assert np.all(b.classes[:-1, :-1][interior] == 0)  # 0.3° indexing noise is not a boundary
    for pair, cls in ((om.low_angle_pair, 1), (om.twin_pair, 3)):
        a, c = pair
        across = ((g[:, :-1] == a) & (g[:, 1:] == c)) | ((g[:, :-1] == c) & (g[:, 1:] == a))
        assert across.any()
        assert np.all(b.classes[:, :-1][across] == cls)
    assert (b.classes == 2).sum() > 5 * (b.classes == 3).sum()
