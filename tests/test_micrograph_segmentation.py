"""Segmentation sets obey their imaging physics (Poisson noise falls as 1/dose, voids darker than oxide
inclusions darker than the matrix, masks are the truth), the scores are the textbook IoU and Dice, the
threshold baseline works where it should, and tiling with a margin of half the receptive field gives the
same answer as one pass over the whole image."""

from __future__ import annotations

import numpy as np
import pytest

from mlpc import micrograph_segmentation as ms
from mlpc.datasets import micrographs
from mlpc.models import cnn


def test_iou_and_dice_are_the_textbook_overlaps():
    p = np.zeros((4, 4), bool)
    t = np.zeros((4, 4), bool)
    p[:2] = True  # 8 pixels
    t[1:3] = True  # 8 pixels, 4 shared
    assert ms.iou(p, t) == pytest.approx(4 / 12)
    assert ms.dice(p, t) == pytest.approx(8 / 16)
    iou = ms.iou(p, t)
    assert ms.dice(p, t) == pytest.approx(2 * iou / (1 + iou))
    assert ms.iou(np.zeros((3, 3)), np.zeros((3, 3))) == 1.0
    assert ms.iou(p, ~p) == 0.0
    assert list(ms.per_image_iou(np.stack([p, t]), np.stack([t, t]))) == pytest.approx([1 / 3, 1.0])
    with pytest.raises(ValueError, match="shape"):
        ms.iou(p, t[:2])


def test_phase_set_masks_are_the_dark_phase_at_the_requested_fractions():
    s = ms.phase_set(12, dose=(1000.0, 1000.0), seed=0)
    assert s.X.shape == s.Y.shape == (12, 64, 64)
    assert np.allclose(s.fraction, s.Y.mean(axis=(1, 2)))
    assert np.all((s.fraction > 0.1) & (s.fraction < 0.55))
    for x, y in zip(s.X, s.Y, strict=True):
        assert x[y].mean() < x[~y].mean() - 0.1  # the second phase is the dark one
    assert set(s.morphology) <= set(micrographs.MORPHOLOGIES)


def test_counting_noise_variance_is_yield_over_dose():
    """Same seed → same specimens and optics; only the Poisson draw changes. var(X_10 − X_1000) ≈ X/10."""
    lo = ms.phase_set(6, dose=(10.0, 10.0), seed=4)
    hi = ms.phase_set(6, dose=(1000.0, 1000.0), seed=4)
    assert np.array_equal(lo.Y, hi.Y)
    diff_var = np.var(lo.X - hi.X)
    expected = hi.X.mean() * (1 / 10 + 1 / 1000)
    assert diff_var == pytest.approx(expected, rel=0.15)


def test_porosity_set_labels_voids_not_inclusions_and_voids_are_darkest():
    s = ms.porosity_set(30, dose=(2000.0, 2000.0), psf_fwhm_um=(2.0, 2.0), seed=1)
    names = s.class_names
    voids = np.isin(s.class_map, [names.index(c) + 1 for c in ms.VOID_CLASSES])
    assert np.array_equal(s.Y, voids)
    assert np.allclose(s.fraction, s.Y.mean(axis=(1, 2)))
    inclusion = s.class_map == names.index("inclusion") + 1
    gas = s.class_map == names.index("gas_pore") + 1
    assert inclusion.any() and gas.any()
    assert not np.any(s.Y & inclusion)
    # interior pixels (away from the probe blur) keep the contrast order void < oxide < matrix
    from scipy import ndimage
    core = np.stack([ndimage.binary_erosion(g, iterations=2) for g in gas])
    inc_core = np.stack([ndimage.binary_erosion(g, iterations=1) for g in inclusion])
    matrix = s.class_map == 0
    assert s.X[core].mean() < s.X[inc_core].mean() < s.X[matrix].mean()


def test_sets_are_seeded_and_subsets_keep_their_truth():
    a, b = ms.porosity_set(4, seed=3), ms.porosity_set(4, seed=3)
    assert np.array_equal(a.X, b.X) and np.array_equal(a.class_map, b.class_map)
    assert not np.array_equal(a.X, ms.porosity_set(4, seed=4).X)
    sub = a.subset(slice(1, 3))
    assert np.array_equal(sub.Y, a.Y[1:3]) and np.array_equal(sub.class_map, a.class_map[1:3])
    assert sub.dose_e_per_px.shape == (2,)
    with pytest.raises(ValueError, match="dose"):
        ms.phase_set(2, dose=(10.0, 1.0))
    with pytest.raises(ValueError, match="n must"):
        ms.porosity_set(0)


def test_generators_do_not_touch_the_network(no_network):
    ms.phase_set(2, seed=0)
    ms.porosity_set(2, seed=0)


def test_otsu_recovers_a_clean_two_level_image_and_smoothing_helps_in_noise():
    rng = np.random.default_rng(0)
    truth = micrographs.two_phase(64, 0.3, "particles", feature_size_um=10, pixel_size_um=1.0, seed=0).phase_mask
    clean = np.where(truth, 0.2, 0.8)
    assert ms.iou(ms.otsu_segment(clean), truth) == 1.0
    noisy = rng.poisson(clean * 5.0) / 5.0
    raw = ms.iou(ms.otsu_segment(noisy), truth)
    smooth = ms.iou(ms.otsu_segment(noisy, 1.0), truth)
    assert smooth > raw + 0.1
    assert ms.tune_otsu_smoothing(noisy[None], truth[None]) > 0
    assert ms.tune_otsu_smoothing(clean[None], truth[None]) == 0.0
    with pytest.raises(ValueError, match="smooth_px"):
        ms.otsu_segment(clean, -1.0)


def test_tiles_with_half_the_receptive_field_as_margin_reproduce_one_pass():
    model = cnn.SmallUNet(seed=0).eval()
    model.standardise = False  # per-tile statistics would differ from the whole image's
    rng = np.random.default_rng(0)
    image = rng.random((160, 160)).astype(np.float32)

    def predict(x: np.ndarray) -> np.ndarray:
        return cnn.predict(model, x)

    whole = predict(image[None])[0]
    margin = cnn.receptive_field(cnn.SmallUNet.layers) // 2
    assert np.allclose(ms.tile_predict(predict, image, 64, margin), whole, atol=1e-4)
    seams = np.abs(ms.tile_predict(predict, image, 64, 0) - whole)
    assert seams.max() > 1e-3
    # the differences of the margin-0 tiling sit next to the tile edges
    near_edge = np.zeros(image.shape, bool)
    for e in (64, 128):
        near_edge[e - margin:e + margin] = True
        near_edge[:, e - margin:e + margin] = True
    assert seams[~near_edge].max() < 1e-4
    identity = ms.tile_predict(lambda x: x, image, 64, 10)
    assert np.array_equal(identity, image)
    with pytest.raises(ValueError, match="margin"):
        ms.tile_predict(predict, image, 64, 40)


def test_class_recall_and_border_objects():
    cmap = np.zeros((6, 6), np.uint8)
    cmap[0:2, 0:2] = 1  # gas pore at the corner, 4 px
    cmap[3:5, 3:5] = 4  # inclusion, 4 px
    pred = np.zeros((6, 6), bool)
    pred[0, 0:2] = True  # half of the pore
    pred[3, 3] = True  # a quarter of the inclusion
    rec = ms.class_recall(pred, cmap, micrographs.DEFECT_CLASSES)
    assert rec["gas_pore"] == 0.5 and rec["inclusion"] == 0.25 and rec["matrix"] == 0.0
    assert np.isnan(rec["crack"])
    border = ms.touches_border(cmap > 0)
    assert border[0, 0] and not border[3, 3]


def test_error_map_colours_and_error_budget_attribute_every_wrong_pixel():
    names = micrographs.DEFECT_CLASSES
    cmap = np.zeros((8, 8), np.uint8)
    cmap[1:4, 1:4] = 1  # gas pore, 9 px
    cmap[6, :] = 3  # crack, 8 px
    cmap[5, 5] = 4  # one inclusion pixel
    truth = np.isin(cmap, (1, 2, 3))
    pred = np.zeros_like(truth)
    pred[1:4, 1:4] = True  # pore found
    pred[5, 5] = True  # inclusion called void
    pred[0, 7] = True  # matrix called void
    budget = ms.error_budget(pred, truth, cmap, names)
    assert budget["missed crack"] == 8 and budget["missed gas_pore"] == 0
    assert budget["false alarm on inclusion"] == 1 and budget["false alarm on matrix"] == 1
    wrong = np.count_nonzero(pred != truth)
    assert sum(v for k, v in budget.items() if k != "at interfaces") == wrong
    assert 0 < budget["at interfaces"] <= wrong  # the crack and the inclusion sit next to void edges
    rgb = ms.error_map(pred, truth)
    blue = [int(ms.ERROR_COLOURS["found"][j:j + 2], 16) / 255 for j in (1, 3, 5)]
    assert np.allclose(rgb[2, 2], blue) and np.allclose(rgb[7, 0], 1.0)
    assert not np.allclose(rgb[6, 0], rgb[5, 5])  # missed vs false alarm differ
    stacked = ms.error_budget(np.stack([pred, pred]), np.stack([truth, truth]), np.stack([cmap, cmap]), names)
    assert stacked["missed crack"] == 16
