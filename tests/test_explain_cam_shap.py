"""Class activation maps are the classifier's own score decomposition, a planted scale bar is found,
SHAP values add up to the prediction, and the fusion data carry the physics they claim."""

from __future__ import annotations

import numpy as np
import torch

from mlpc import explain
from mlpc.models.cnn import SmallCNN


def test_cam_mean_is_the_class_logit_minus_bias():
    torch.manual_seed(0)
    model = SmallCNN(seed=1)
    X = np.random.default_rng(0).random((3, 32, 32)).astype(np.float32)
    x = torch.as_tensor(X)[:, None]
    with torch.no_grad():
        f3 = model.features(x)[-1]
        logits = model(x)
    raw = torch.einsum("nk,nkhw->nhw", model.head.weight[[2, 2, 2]], f3).mean(dim=(-2, -1))
    assert torch.allclose(raw + model.head.bias[2], logits[:, 2], atol=1e-5)
    cams = explain.class_activation_maps(model, X, np.array([2, 2, 2]))
    assert cams.shape == X.shape and cams.min() >= 0 and np.allclose(cams.max(axis=(1, 2)), 1.0)


def test_cam_of_a_unit_that_sees_only_the_bar_sits_on_the_bar():
    model = SmallCNN(channels=1, seed=0)
    with torch.no_grad():  # one detector of bright pixels, and only class 1 listens to it
        model.conv1.weight.zero_()
        model.conv1.weight[0, 0, 2, 2] = 1.0
        model.conv1.bias.fill_(-2.0)
        for conv in (model.conv2, model.conv3):
            conv.weight.zero_()
            conv.weight[:, 0, 1, 1] = 1.0
            conv.bias.zero_()
        model.head.weight.zero_()
        model.head.weight[1] = 1.0
    X = np.full((1, 64, 64), 0.3, dtype=np.float32) + np.random.default_rng(1).normal(0, 0.01, (1, 64, 64))
    Xb = explain.plant_scale_bar(X.astype(np.float32), np.array([1]), target_class=1)
    cam = explain.class_activation_maps(model, Xb, np.array([1]))
    mask = explain.scale_bar_mask(64)
    share = explain.cam_fraction_in(cam, mask)[0]
    assert share > 10 * mask.mean()  # far above a uniform map


def test_scale_bar_only_on_target_class():
    X = np.full((4, 64, 64), 0.5, dtype=np.float32)
    y = np.array([0, 1, 2, 1])
    Xb = explain.plant_scale_bar(X, y, target_class=1)
    mask = explain.scale_bar_mask(64)
    assert np.all(Xb[[1, 3]][:, mask] == 1.0) and np.array_equal(Xb[[0, 2]], X[[0, 2]])
    assert np.array_equal(X, np.full((4, 64, 64), 0.5, dtype=np.float32))  # input untouched


def test_cam_fraction_of_uniform_map_is_area_fraction():
    mask = explain.scale_bar_mask(64)
    assert np.isclose(explain.cam_fraction_in(np.ones((1, 64, 64)), mask)[0], mask.mean())


def test_shap_values_add_up_and_anneal_temperature_lowers_strength():
    res = explain.shap_process_property(seed=0)
    assert res.values.shape == res.X.shape
    k = list(res.X.columns).index("anneal_temperature_C")
    assert np.argmax(np.abs(res.values).mean(0)) == k  # recovery dominates (Hollomon–Jaffe)
    r = np.corrcoef(res.X["anneal_temperature_C"], res.values[:, k])[0, 1]
    assert r < -0.5 and res.cv_r2 > 0.5


def test_fusion_image_tracks_porosity_and_eds_sees_chromium():
    data = explain.fusion_dataset(seed=0)
    feats = explain.fusion_features(data)
    por = 100 - data.table["relative_density_pct"]
    assert np.corrcoef(feats["dark_area_pct"], por)[0, 1] > 0.3
    # 316L has 17 wt% Cr, 67.5 wt% Fe: net Cr Kα is a few tenths of Fe Kα, never zero or above Fe
    assert 0.1 < feats["Cr_Fe_ratio"].median() < 0.8
    assert data.table["oxygen_wt_pct"].groupby(data.table["build_id"]).mean().is_monotonic_increasing
    assert len(data.images) == len(data.spectra) == len(data.table) == 96


def test_line_counts_removes_flat_background():
    e = np.linspace(0, 10, 1001)
    peak = 1000 * np.exp(-0.5 * ((e - 6.4) / 0.05) ** 2)
    net = explain.line_counts(100.0 + peak, e, 6.4)[0]
    in_window = peak[np.abs(e - 6.4) <= 0.08].sum()  # ±1.6 σ: about 89 % of the line
    assert np.isclose(net, in_window, rtol=0.01)
    assert 0.8 < net / (1000 * 0.05 * np.sqrt(2 * np.pi) / 0.01) < 0.95
