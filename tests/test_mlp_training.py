"""The course MLP is deterministic, learns what one neuron cannot, and scales with training data only."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mlpc.models.mlp import MLP, train_mlp


def _xor_blobs(n: int = 200, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two classes on the diagonals of a square (XOR): no straight line separates them."""
    rng = np.random.default_rng(seed)
    centres = np.array([[0, 0], [1, 1], [0, 1], [1, 0]], dtype=float)
    k = rng.integers(0, 4, n)
    x = centres[k] + rng.normal(0, 0.12, (n, 2))
    return x.astype(np.float32), (k >= 2).astype(int)


def test_same_seed_same_model_other_seed_other_model():
    x, y = _xor_blobs()
    a = train_mlp(x, y, hidden=(8,), epochs=5, seed=3)
    b = train_mlp(x, y, hidden=(8,), epochs=5, seed=3)
    c = train_mlp(x, y, hidden=(8,), epochs=5, seed=4)
    np.testing.assert_array_equal(a.first_layer_weights(), b.first_layer_weights())
    assert a.history["train_loss"] == b.history["train_loss"]
    assert not np.allclose(a.first_layer_weights(), c.first_layer_weights())


def test_hidden_layer_solves_xor_that_a_single_neuron_cannot():
    x, y = _xor_blobs(seed=0)
    xt, yt = _xor_blobs(seed=1)
    neuron = train_mlp(x, y, hidden=(), epochs=200, lr=1e-2, batch_size=256, weight_decay=0, seed=0)
    mlp = train_mlp(x, y, hidden=(16,), epochs=200, lr=1e-2, batch_size=256, weight_decay=0, seed=0)
    assert (neuron.predict(xt) == yt).mean() < 0.8  # a straight line gets at most 3 of 4 blobs
    assert (mlp.predict(xt) == yt).mean() > 0.95
    assert mlp.hidden_activations(xt).shape == (len(xt), 16)
    assert np.all(mlp.hidden_activations(xt) >= 0)  # ReLU features


def test_inputs_are_scaled_with_training_statistics_and_history_is_recorded():
    x, y = _xor_blobs()
    xv, yv = _xor_blobs(seed=5)
    model = train_mlp(10 * x + 3, y, hidden=(4,), epochs=7, X_val=10 * xv + 3, y_val=yv, seed=0)
    np.testing.assert_allclose(model.mean, (10 * x + 3).mean(axis=0), rtol=1e-5)
    np.testing.assert_allclose(model.std, (10 * x + 3).std(axis=0), rtol=1e-4)
    assert [len(v) for v in model.history.values()] == [7, 7, 7]
    assert model.history["train_loss"][-1] < model.history["train_loss"][0]
    proba = model.predict_proba(xv)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)


def test_images_are_flattened_and_the_network_has_the_expected_size():
    rng = np.random.default_rng(0)
    images = rng.random((12, 8, 8)).astype(np.float32)
    model = train_mlp(images, np.arange(12) % 3, hidden=(5,), epochs=2, seed=0)
    assert model.first_layer_weights().shape == (5, 64)
    assert model.predict(images).shape == (12,)
    net = MLP(64 * 64, 4, (64,))
    assert sum(p.numel() for p in net.parameters()) == 64 * 64 * 64 + 64 + 64 * 4 + 4
    assert isinstance(net(torch.zeros(2, 4096)), torch.Tensor)


def test_bad_arguments_are_refused():
    x, y = _xor_blobs(20)
    with pytest.raises(ValueError):
        train_mlp(x, y[:10])
    with pytest.raises(ValueError):
        train_mlp(x, y + 5, n_classes=2)
    with pytest.raises(ValueError):
        MLP(4, 2, (8,), activation="swish")
