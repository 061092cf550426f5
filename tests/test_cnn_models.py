"""The week-5 networks behave as the lecture says: weight counts follow k²·C_in·C_out + C_out, the
receptive field computed from the layers is the support of the gradient, convolution is shift-equivariant,
training is seeded and learns a pore detector, and bad input is refused."""

from __future__ import annotations

import numpy as np
import pytest

# isort: off
from mlpc.models import cnn  # before torch: idle OpenMP threads sleep, which matters on a busy CPU
import torch

# isort: on


def _conv_weights(k: int, cin: int, cout: int) -> int:
    return k * k * cin * cout + cout


def _discs(n: int, size: int, seed: int, dose: float = 50.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bright matrix with 0 or 1 dark disc (a pore) per image, Poisson noise: images, masks, has-pore."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size]
    X = np.empty((n, size, size), dtype=np.float32)
    Y = np.zeros((n, size, size), dtype=bool)
    has = rng.random(n) < 0.5
    for i in range(n):
        if has[i]:
            cy, cx = rng.uniform(6, size - 6, 2)
            Y[i] = (yy - cy) ** 2 + (xx - cx) ** 2 <= rng.uniform(3, 5) ** 2
        X[i] = rng.poisson(np.where(Y[i], 0.1, 0.8) * dose) / dose
    return X, Y, has.astype(np.int64)


def test_weight_counts_follow_the_convolution_formula():
    c, k = 8, 4
    expected_cnn = (_conv_weights(5, 1, c) + _conv_weights(3, c, 2 * c) + _conv_weights(3, 2 * c, 4 * c)
                    + 4 * c * k + k)
    assert cnn.count_parameters(cnn.SmallCNN(k, c)) == expected_cnn == 6148
    assert cnn.count_parameters(cnn.PixelMLP(64, 4, hidden=64)) == 64 * 64 * 64 + 64 + 64 * 4 + 4
    # the CNN's weights do not depend on the image size; doubling the channels roughly quadruples them
    assert cnn.count_parameters(cnn.SmallCNN(k, 2 * c)) > 3.5 * expected_cnn
    unet = cnn.SmallUNet(channels=8, batch_norm=False)
    blocks = (_conv_weights(3, 1, 8) + _conv_weights(3, 8, 8) + _conv_weights(3, 8, 16) + _conv_weights(3, 16, 16)
              + _conv_weights(3, 16, 32) + _conv_weights(3, 32, 32) + _conv_weights(3, 32, 16)
              + _conv_weights(3, 16, 16) + _conv_weights(3, 16, 8) + _conv_weights(3, 8, 8))
    ups = (4 * 32 * 16 + 16) + (4 * 16 * 8 + 8)
    assert cnn.count_parameters(unet) == blocks + ups + 8 + 1
    # batch norm adds a scale and a shift per channel of each of the ten convolutions
    assert cnn.count_parameters(cnn.SmallUNet()) == cnn.count_parameters(unet) + 2 * 2 * (8 + 16 + 32 + 16 + 8)


def test_receptive_field_formula_on_textbook_chains():
    assert cnn.receptive_field([("conv", 3, 1)] * 2) == 5
    assert cnn.receptive_field([("conv", 3, 1), ("pool", 2, 2), ("conv", 3, 1)]) == 8
    assert cnn.receptive_field(cnn.SmallCNN.layers) == 20
    assert cnn.receptive_field(cnn.SmallUNet.layers) == 44
    with pytest.raises(ValueError, match="kernel == stride"):
        cnn.receptive_field([("up", 3, 2)])
    with pytest.raises(ValueError, match="kind"):
        cnn.receptive_field([("dense", 3, 1)])


@pytest.mark.parametrize("model,dense", [
    (cnn.SmallCNN(seed=1), "features"),
    (cnn.SmallUNet(seed=1), None),
])
def test_gradient_support_equals_the_theoretical_receptive_field(model, dense):
    fn = (lambda x: model.features(x)[-1]) if dense else None
    erf = cnn.effective_receptive_field(model, 64, n_samples=4, dense=fn)
    ys, xs = np.nonzero(erf > 0)
    expected = cnn.receptive_field(type(model).layers)
    assert ys.max() - ys.min() + 1 == expected
    assert xs.max() - xs.min() + 1 == expected
    # the effective field is concentrated: the central half (a quarter of the area) holds far more than a
    # quarter of the gradient
    c, h = 32, expected // 4
    central = erf[c - h:c + h + 1, c - h:c + h + 1]
    assert central.sum() / erf.sum() > 1.5 * central.size / expected**2
    assert model.standardise is True  # restored after the measurement


def test_convolution_is_shift_equivariant_a_moved_pore_moves_its_response():
    model = cnn.SmallCNN(seed=0)
    model.standardise = False
    X, _, _ = _discs(1, 48, seed=3)
    x = torch.from_numpy(X[:, None])
    shifted = torch.roll(x, shifts=(5, -3), dims=(-2, -1))
    with torch.no_grad():
        a = model.features(x)[0]
        b = model.features(shifted)[0]
    inner = (slice(8, 40), slice(8, 40))
    assert torch.allclose(torch.roll(a, (5, -3), (-2, -1))[..., inner[0], inner[1]], b[..., inner[0], inner[1]],
                          atol=1e-5)


def test_training_is_seeded_and_repeatable():
    X, _, y = _discs(32, 32, seed=0)

    def weights(seed: int) -> torch.Tensor:
        m = cnn.SmallCNN(2, seed=seed)
        cnn.fit(m, X[:24], y[:24], X[24:], y[24:], epochs=2, batch_size=8, seed=seed)
        return m.conv1.weight.detach().clone()

    assert torch.equal(weights(0), weights(0))
    assert not torch.equal(weights(0), weights(1))


def test_cnn_learns_to_tell_sections_with_a_pore_from_sound_ones():
    X, _, y = _discs(160, 32, seed=1)
    m = cnn.SmallCNN(2, seed=0)
    hist = cnn.fit(m, X[:120], y[:120], X[120:], y[120:], epochs=8, batch_size=16, lr=5e-3, seed=0)
    assert hist.task == "classify" and len(hist.val_score) == 8
    assert hist.val_score[-1] >= 0.9
    assert hist.best_epoch == int(np.argmin(hist.val_loss)) + 1
    assert hist.val_loss[hist.best_epoch - 1] < hist.val_loss[0]
    prob = cnn.predict(m, X[120:])
    assert np.allclose(prob.sum(axis=1), 1.0, atol=1e-5)


def test_unet_learns_to_segment_pores_in_noise():
    X, Y, _ = _discs(64, 32, seed=2, dose=20.0)
    m = cnn.SmallUNet(seed=0)
    hist = cnn.fit(m, X[:48], Y[:48], X[48:], Y[48:], epochs=6, batch_size=8, lr=1e-2, dice_weight=1.0, seed=0)
    assert hist.task == "segment"
    assert hist.val_score[-1] > 0.7  # IoU of the pore pixels
    assert hist.train_loss[-1] < hist.train_loss[0]
    prob = cnn.predict(m, X[48:])
    assert prob.shape == (16, 32, 32) and prob.min() >= 0 and prob.max() <= 1


def test_augmentation_rotates_image_and_mask_together():
    x = torch.arange(16.0).reshape(1, 1, 4, 4)
    y = (x > 7).float()
    gen = torch.Generator().manual_seed(0)
    for _ in range(8):
        xa, ya = cnn._dihedral(x, y, gen)
        assert torch.equal(ya, (xa > 7).float())


def test_bad_input_is_refused_with_a_clear_message():
    with pytest.raises(ValueError, match="n_classes"):
        cnn.SmallCNN(n_classes=1)
    with pytest.raises(ValueError, match="channels"):
        cnn.SmallUNet(channels=0)
    with pytest.raises(ValueError, match="divisible by 4"):
        cnn.SmallUNet()(torch.zeros(1, 1, 30, 30))
    with pytest.raises(ValueError, match="64 px"):
        cnn.PixelMLP(64)(torch.zeros(1, 1, 32, 32))
    X = np.zeros((4, 32, 32), dtype=np.float32)
    with pytest.raises(ValueError, match="labels"):
        cnn.fit(cnn.SmallCNN(2), X, np.zeros(3), X, np.zeros(4))
    with pytest.raises(ValueError, match="epochs"):
        cnn.fit(cnn.SmallCNN(2), X, np.zeros(4), X, np.zeros(4), epochs=0)
    with pytest.raises(ValueError, match="shape"):
        cnn.fit(cnn.SmallCNN(2), np.zeros((4, 2, 32, 32)), np.zeros(4), X, np.zeros(4))
