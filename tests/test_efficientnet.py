"""mlpc.efficientnet: the real ImageNet EfficientNet-Lite0 loads offline, names skimage's coffee and cat,
sees a grey micrograph as three equal, ImageNet-normalised channels, caches exactly what the frozen trunk
computes (also for the eight symmetry operations), its light fine-tuning learns and is seeded, and the cheaper
tail layers compute what the layers they replace compute."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mlpc import efficientnet as en
from mlpc import transfer
from mlpc.datasets import micrographs

transfer.set_threads(2)


@pytest.fixture(scope="module")
def model():
    return en.load_efficientnet()


def test_loads_offline_with_imagenet_size_and_names_coffee_and_cat(no_network, model):
    from mlpc.figures.week06_transfer import skimage_photo

    assert 4.6e6 < sum(p.numel() for p in model.parameters()) < 4.7e6
    coffee = en.classify_photo(skimage_photo("coffee.png"), model, top=3)
    cat = en.classify_photo(skimage_photo("chelsea.png"), model, top=3)
    assert en.IMAGENET_CLASSES[coffee[0][0]] == "espresso" and coffee[0][1] > 0.5
    assert all("cat" in en.IMAGENET_CLASSES[k] for k, _ in cat) and cat[0][1] > 0.5


def test_grey_images_become_three_equal_normalised_channels():
    x = en.imagenet_input(np.full((2, 64, 64), 0.5))
    assert x.shape == (2, 3, 64, 64)
    expected = (0.5 - np.array(en.IMAGENET_MEAN)) / np.array(en.IMAGENET_STD)
    assert np.allclose(x[0, :, 10, 10].numpy(), expected, atol=1e-6)
    assert en.imagenet_input(np.zeros((64, 64)), size=96).shape == (1, 3, 96, 96)
    with pytest.raises(ValueError, match="at least 32 px"):
        en.imagenet_input(np.zeros((1, 16, 16)))
    with pytest.raises(ValueError, match="shape"):
        en.imagenet_input(np.zeros((1, 2, 64, 64)))


def test_trunk_activations_are_what_the_frozen_blocks_compute_for_each_symmetry(model):
    X = micrographs.microstructure_classes(1, 64, seed=5).X
    d4 = en.trunk_activations(model, X, d4=True)
    assert d4.shape[:2] == (len(X), 8)
    plain = en.trunk_activations(model, X)
    assert torch.allclose(d4[:, 0], plain, atol=1e-5)
    turned = en.trunk_activations(model, np.rot90(X, 1, axes=(1, 2)).copy())
    assert torch.allclose(d4[:, 1], turned, atol=1e-4)
    with pytest.raises(ValueError, match="n_frozen"):
        en.trunk_activations(model, X, n_frozen=17)


def test_pooled_features_are_the_networks_own_penultimate_layer(model):
    X = micrographs.microstructure_classes(1, 64, seed=6).X
    with torch.no_grad():
        full = model.extract_features(en.imagenet_input(X)).mean(dim=(-2, -1)).numpy()
    assert np.allclose(en.pooled_features(model, en.trunk_activations(model, X)), full, atol=1e-4)
    assert np.allclose(en.extract_features(model, X), full, atol=1e-4)


def test_fine_tuning_learns_trains_few_weights_and_is_seeded(model):
    data = micrographs.microstructure_classes(6, 64, seed=101)
    acts = en.trunk_activations(model, data.X, d4=True)
    a = en.fine_tune_tail(model, acts, data.y, steps=30, seed=3)
    b = en.fine_tune_tail(model, acts, data.y, steps=30, seed=3)
    assert all(torch.equal(p, q) for p, q in zip(a.state_dict().values(), b.state_dict().values(), strict=True))
    train_acc = (en.predict_tail(a, acts[:, 0]) == data.y).mean()
    assert train_acc > 0.9
    n_train = en.trainable_parameters(model, 4)
    assert n_train < 0.25 * sum(p.numel() for p in model.parameters())
    untouched = en.load_efficientnet()._blocks[0]._depthwise_conv.weight
    assert torch.equal(model._blocks[0]._depthwise_conv.weight, untouched)  # the trunk stays frozen
    with pytest.raises(ValueError, match="same length"):
        en.fine_tune_tail(model, acts, data.y[:-1], steps=1)


def test_frozen_batch_norm_computes_what_eval_batch_norm_computes_with_the_same_gradients(model):
    """The tail's cheaper batch norm is the same function of its input and its γ, β as nn.BatchNorm2d in eval
    mode, and fine-tuning a tail leaves the network's own batch norms untouched (the tail owns copies)."""
    bn = torch.nn.BatchNorm2d(6, eps=1e-3).eval()
    with torch.no_grad():
        bn.running_mean.uniform_(-1, 1), bn.running_var.uniform_(0.5, 2), bn.weight.uniform_(0.5, 2)
    frozen = en.FrozenBatchNorm(bn)
    x = torch.randn(4, 6, 3, 3, requires_grad=True)
    y_ref, y = bn(x), frozen(x)
    assert torch.allclose(y, y_ref, atol=1e-5)
    g_ref = torch.autograd.grad(y_ref.square().sum(), (x, bn.weight, bn.bias))
    g = torch.autograd.grad(y.square().sum(), (x, frozen.weight, frozen.bias))
    assert all(torch.allclose(a, b, atol=1e-4) for a, b in zip(g, g_ref, strict=True))
    head_bn = model._bn1.weight.detach().clone()
    data = micrographs.microstructure_classes(2, 64, seed=7)
    en.fine_tune_tail(model, en.trunk_activations(model, data.X), data.y, steps=2)
    assert torch.equal(model._bn1.weight, head_bn)


def test_pointwise_conv_is_the_1x1_convolution_it_replaces_and_only_those_are_replaced(model):
    conv = model._blocks[15]._project_conv
    point = en.PointwiseConv(conv)
    x = torch.randn(3, conv.in_channels, 2, 2, requires_grad=True)
    y_ref, y = conv(x), point(x)
    assert y.shape == y_ref.shape and torch.allclose(y, y_ref, atol=1e-4)
    g_ref = torch.autograd.grad(y_ref.square().sum(), (x, conv.weight))
    g = torch.autograd.grad(y.square().sum(), (x, point.weight))
    assert all(torch.allclose(a, b, rtol=1e-4, atol=1e-3) for a, b in zip(g, g_ref, strict=True))
    kinds = [type(m).__name__ for m in en.Tail(model, 4).modules()]
    assert kinds.count("PointwiseConv") == 3 and kinds.count("FrozenBatchNorm") == 4  # the depthwise conv stays
    assert "BatchNorm2d" not in kinds
