"""mlpc.physical_augmentation: BSE yields follow Reuter's η(Z), brightness jitter breaks composition labels,
lamella directions are measured correctly, 90° rotations break a direction label while the axis-preserving
symmetries do not, and BSE images carry their element only in the absolute grey level."""

from __future__ import annotations

import numpy as np
import pytest

from mlpc import physical_augmentation as pa


def test_bse_coefficient_matches_reuter_and_rises_with_z():
    assert abs(pa.bse_coefficient(26) - 0.279) < 0.002  # Fe
    assert abs(pa.bse_coefficient(28) - 0.295) < 0.002  # Ni
    assert abs(pa.bse_coefficient(79) - 0.487) < 0.003  # Au
    eta = pa.bse_coefficient(np.arange(6, 80))
    assert np.all(np.diff(eta) > 0)
    with pytest.raises(ValueError, match="atomic number"):
        pa.bse_coefficient(0)


def test_brightness_jitter_breaks_composition_labels_beyond_half_the_contrast():
    eta = np.array([pa.bse_coefficient(z) for z in pa.BSE_ELEMENTS.values()])
    half_gap = np.min(np.diff(eta) / eta[1:]) / 2  # ≈ 1.3 % between neighbours
    assert pa.jitter_label_flip_rate(0.0) == 0.0
    assert pa.jitter_label_flip_rate(0.9 * half_gap) == 0.0
    rates = [pa.jitter_label_flip_rate(j) for j in (0.02, 0.05, 0.1)]
    assert rates[0] < rates[1] < rates[2] and rates[1] > 0.4
    with pytest.raises(ValueError, match="jitter"):
        pa.jitter_label_flip_rate(1.5)


@pytest.mark.parametrize("direction", [0.0, 30.0, 90.0, 135.0])
def test_measured_lamella_direction_matches_the_generated_one(direction):
    img = pa.lamellar_micrograph(direction, spacing_px=6.0, seed=2)
    measured = pa.lamellae_direction_deg(img)
    diff = abs((measured - direction + 90.0) % 180.0 - 90.0)
    assert diff < 6.0
    assert 0 <= img.min() and img.max() <= 1


def test_orientation_order_separates_lamellae_from_isotropic_noise():
    stripes = pa.lamellar_micrograph(20.0, seed=1)
    noise = np.random.default_rng(0).random((64, 64))
    assert pa.orientation_order(stripes) > 0.6
    assert pa.orientation_order(noise) < 0.1
    with pytest.raises(ValueError, match="fold"):
        pa.orientation_order(noise, fold=3)


def test_orientation_set_labels_follow_the_lamella_direction():
    ds = pa.lamellae_orientation_set(10, max_deviation_deg=20.0, seed=0)
    assert np.all(np.bincount(ds.y) == 10)
    measured = np.array([pa.lamellae_direction_deg(x) for x in ds.X])
    dev_from_x = np.minimum(measured, 180.0 - measured)
    assert np.all(dev_from_x[ds.y == 0] < 28.0) and np.all(dev_from_x[ds.y == 1] > 62.0)


def test_ninety_degree_turns_contradict_the_label_and_axis_preserving_ops_do_not():
    ds = pa.lamellae_orientation_set(6, seed=1)
    for group, wrong_share in (("axis-preserving", 0.0), ("d4", 0.5)):
        X_aug, y_aug = pa.augment_orientation_set(ds.X, ds.y, group)
        dev_x = np.array([min(d, 180.0 - d) for d in map(pa.lamellae_direction_deg, X_aug)])
        along_y = (dev_x > 45.0).astype(int)
        assert abs(np.mean(along_y != y_aug) - wrong_share) < 0.02
    assert pa.augment_orientation_set(ds.X, ds.y, "d4")[0].shape[0] == 8 * len(ds.y)
    with pytest.raises(ValueError, match="group"):
        pa.augment_orientation_set(ds.X, ds.y, "colour")


def test_invalid_rotation_augmentation_drops_accuracy_to_chance():
    train = pa.lamellae_orientation_set(15, seed=3)
    val = pa.lamellae_orientation_set(30, seed=4)
    assert pa.orientation_classifier_accuracy(train, val, "none") > 0.9
    assert pa.orientation_classifier_accuracy(train, val, "axis-preserving") > 0.9
    assert pa.orientation_classifier_accuracy(train, val, "d4") < 0.7


def test_power_spectrum_features_turn_with_the_image():
    X = np.stack([pa.lamellar_micrograph(0.0, seed=5), pa.lamellar_micrograph(60.0, seed=6)])
    f = pa.power_spectrum_features(X).reshape(2, 8, 8)
    f_t = pa.power_spectrum_features(X.transpose(0, 2, 1)).reshape(2, 8, 8)
    np.testing.assert_allclose(f_t, f.transpose(0, 2, 1), rtol=1e-10)
    assert not np.allclose(f[0], f[0].T, rtol=0.05)
    with pytest.raises(ValueError, match="multiple"):
        pa.power_spectrum_features(np.zeros((1, 60, 60)))


def test_bse_images_carry_the_element_in_the_mean_grey_level_only():
    ds = pa.bse_composition_set(6, dose=400.0, seed=0)
    for k, el in enumerate(ds.class_names):
        expected = pa.bse_coefficient(pa.BSE_ELEMENTS[el]) / ds.eta_full_scale
        assert abs(ds.X[ds.y == k].mean() / expected - 1) < 0.01
    # Poisson counting: within one grain the grey level scatters as sqrt(counts) / (dose * full scale)
    counts = ds.X * ds.dose * ds.eta_full_scale
    assert 0.5 < np.var(np.diff(counts[0], axis=1)) / (2 * counts[0].mean()) < 1.5
    with pytest.raises(ValueError, match="elements"):
        pa.bse_composition_set(2, elements=("Fe", "Zn"))
