"""Attention behaves as the equations say; the ViT sees position, the local CNN does not; the naive score
matrix costs 4 L² bytes while the fused kernel does not."""

from __future__ import annotations

import numpy as np
import torch
from torch.nn import functional as F

from mlpc import attention as att
from mlpc.datasets.stem4d import stem4d_classification
from mlpc.models.cnn import fit


def test_naive_attention_matches_pytorch_fused_kernel_and_rows_sum_to_one():
    gen = torch.Generator().manual_seed(0)
    q, k, v = (torch.randn(2, 3, 50, 8, generator=gen) for _ in range(3))
    out, w = att.scaled_dot_product_attention(q, k, v)
    assert torch.allclose(out, F.scaled_dot_product_attention(q, k, v), atol=1e-5)
    assert torch.allclose(w.sum(-1), torch.ones(2, 3, 50), atol=1e-6)


def test_a_query_equal_to_one_large_key_attends_to_that_key():
    k = torch.eye(4)[None] * 10.0
    v = torch.arange(4.0)[None, :, None]
    out, w = att.scaled_dot_product_attention(k[:, 2:3], k, v)
    assert w[0, 0].argmax() == 2 and w[0, 0, 2] > 0.99
    assert abs(float(out) - 2.0) < 0.05


def test_local_cnn_with_global_pooling_ignores_where_a_disk_is():
    model = att.LocalCNN(channels=8, n_conv=3, seed=0).eval()
    x = torch.zeros(2, 1, 24, 24)
    x[0, 0, 7:10, 10:13] = 100.0  # a disk above the centre
    x[1, 0, 14:17, 10:13] = 100.0  # the same disk below it (≥ 7 px from the borders in both cases)
    with torch.no_grad():
        out = model(x)
    assert torch.allclose(out[0], out[1], atol=1e-5)


def test_vit_output_depends_on_where_a_disk_is():
    model = att.TinyViT(24, patch=6, dim=16, depth=2, heads=2, seed=0).eval()
    x = torch.zeros(2, 1, 24, 24)
    x[0, 0, 4:8, 8:12] = 100.0
    x[1, 0, 16:20, 8:12] = 100.0
    with torch.no_grad():
        out = model(x)
    assert not torch.allclose(out[0], out[1], atol=1e-4)


def test_class_token_attention_maps_are_per_pixel_and_normalised():
    model = att.TinyViT(24, patch=6, dim=16, depth=1, heads=2, seed=0)
    X = stem4d_classification(n=4, task="polarity", pattern_px=24, seed=0).X
    maps = att.cls_attention_maps(model, X)
    assert maps.shape == (4, 24, 24)
    # summed over pixels: patch² (36) × (weight not spent on the class token itself) ≤ 36
    total = maps.sum(axis=(1, 2)) / 36
    assert np.all(total > 0) and np.all(total <= 1 + 1e-6)


def test_vit_beats_local_cnn_on_the_long_range_polarity_cue():
    torch.set_num_threads(1)
    d = stem4d_classification(n=260, task="polarity", pattern_px=24, seed=0)
    scores = []
    for m in (att.TinyViT(24, patch=6, dim=16, depth=2, heads=2, seed=0), att.LocalCNN(16, 3, seed=0)):
        h = fit(m, d.X[:180], d.y[:180], d.X[180:], d.y[180:], epochs=6, lr=3e-3, seed=0, n_threads=1)
        scores.append(h.val_score[-1])
    assert scores[1] < 0.62  # the local CNN stays near chance
    assert scores[0] > scores[1]


def test_naive_attention_peak_holds_scores_and_weights_at_once_and_fused_does_not():
    cost = att.attention_memory_scan(lengths=(256, 1024, 2048), head_dim=8)
    np.testing.assert_allclose(cost.score_matrix_bytes, 4.0 * np.array([256, 1024, 2048]) ** 2)
    # the true peak of the naive call is scores + softmax weights (2 × 4 L²) plus the small output
    ratio = cost.naive_peak_bytes / cost.score_matrix_bytes
    assert np.all((ratio > 1.99) & (ratio < 2.1)), ratio
    assert cost.fused_peak_bytes[2] < 0.1 * cost.naive_peak_bytes[2]
    # same work: 4 L² d FLOPs (two matmuls) for both, counted, not timed
    np.testing.assert_array_equal(cost.naive_flops, 4.0 * np.array([256, 1024, 2048]) ** 2 * 8)
    np.testing.assert_array_equal(cost.fused_flops, cost.naive_flops)
    again = att.attention_memory_scan(lengths=(256, 1024, 2048), head_dim=8)
    np.testing.assert_array_equal(again.naive_peak_bytes, cost.naive_peak_bytes)
    np.testing.assert_array_equal(again.fused_peak_bytes, cost.fused_peak_bytes)


def test_peak_of_a_call_counts_simultaneous_tensors_not_the_largest_one():
    def two_alive(n):
        a = torch.ones(n)
        b = torch.ones(n)
        return float((a + b).sum())  # a, b and a + b exist at once

    def one_at_a_time(n):
        total = 0.0
        for _ in range(3):
            total += float(torch.ones(n).sum())
        return total

    n = 1_000_000
    assert 3 * 4 * n <= att.peak_bytes_of_call(two_alive, n) < 3.2 * 4 * n
    assert 4 * n <= att.peak_bytes_of_call(one_at_a_time, n) < 1.2 * 4 * n
