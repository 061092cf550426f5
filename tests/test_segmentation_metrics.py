"""Dice, IoU, pixel accuracy, cross-entropy with soft labels and the regression scores behave as their
definitions demand, and agree with scikit-learn where scikit-learn has them."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import f1_score, log_loss, mean_absolute_error, mean_squared_error, r2_score

from mlpc import metrics


def _random_masks(seed: int, fraction: float = 0.1, shape=(64, 64)):
    rng = np.random.default_rng(seed)
    return rng.random(shape) < fraction, rng.random(shape) < fraction


def test_identical_masks_score_one_and_disjoint_masks_zero():
    a = np.zeros((8, 8), bool)
    a[2:5, 2:5] = True
    b = np.zeros_like(a)
    b[6:, 6:] = True
    assert metrics.dice(a, a) == 1.0 and metrics.iou(a, a) == 1.0
    assert metrics.dice(a, b) == 0.0 and metrics.iou(a, b) == 0.0
    empty = np.zeros_like(a)
    assert metrics.dice(empty, empty) == 1.0


def test_dice_equals_pixel_f1_and_iou_is_dice_over_two_minus_dice():
    for seed in range(5):
        pred, truth = _random_masks(seed, fraction=0.3)
        d = metrics.dice(pred, truth)
        assert d == pytest.approx(f1_score(truth.ravel(), pred.ravel()))
        assert metrics.iou(pred, truth) == pytest.approx(d / (2 - d))


def test_pixel_accuracy_of_an_empty_mask_is_the_matrix_fraction_while_dice_is_zero():
    truth = np.zeros((100, 100), bool)
    truth[:5] = True  # 5 % voids
    empty = np.zeros_like(truth)
    assert metrics.pixel_accuracy(empty, truth) == pytest.approx(0.95)
    assert metrics.dice(empty, truth) == 0.0


def test_mismatched_masks_are_refused():
    with pytest.raises(ValueError, match="same shape"):
        metrics.dice(np.zeros((4, 4), bool), np.zeros((4, 5), bool))
    with pytest.raises(ValueError, match="boolean"):
        metrics.iou(np.full((2, 2), 0.5), np.zeros((2, 2), bool))


def test_cross_entropy_with_hard_labels_is_sklearns_log_loss():
    rng = np.random.default_rng(0)
    q = rng.dirichlet(np.ones(4), size=50)
    y = rng.integers(0, 4, 50)
    assert metrics.categorical_cross_entropy(y, q) == pytest.approx(log_loss(y, q, labels=range(4)))


def test_cross_entropy_with_soft_labels_is_smallest_when_the_prediction_equals_the_label():
    rng = np.random.default_rng(1)
    p = rng.dirichlet(np.ones(3), size=40)
    best = metrics.categorical_cross_entropy(p, p)
    entropy = float(np.mean(-np.sum(p * np.log(p), axis=1)))
    assert best == pytest.approx(entropy)
    for _ in range(20):
        q = rng.dirichlet(np.ones(3), size=40)
        assert metrics.categorical_cross_entropy(p, q) > best


def test_a_confident_mistake_costs_more_than_an_honest_doubt():
    y = np.array([0])
    assert metrics.categorical_cross_entropy(y, np.array([[0.01, 0.99]])) > \
        metrics.categorical_cross_entropy(y, np.array([[0.5, 0.5]]))


def test_cross_entropy_refuses_non_probabilities():
    with pytest.raises(ValueError, match="sum to 1"):
        metrics.categorical_cross_entropy(np.array([0, 1]), np.array([[0.5, 0.6], [0.5, 0.5]]))
    with pytest.raises(ValueError, match="integer labels"):
        metrics.categorical_cross_entropy(np.array([0, 3]), np.full((2, 2), 0.5))


def test_regression_scores_agree_with_sklearn_and_the_mean_predictor_has_zero_r2():
    rng = np.random.default_rng(2)
    y = rng.normal(200, 30, 100)
    p = y + rng.normal(0, 5, 100)
    s = metrics.regression_scores(y, p)
    assert s["MAE"] == pytest.approx(mean_absolute_error(y, p))
    assert s["MSE"] == pytest.approx(mean_squared_error(y, p))
    assert s["RMSE"] == pytest.approx(np.sqrt(mean_squared_error(y, p)))
    assert s["R2"] == pytest.approx(r2_score(y, p))
    assert metrics.regression_scores(y, np.full_like(y, y.mean()))["R2"] == pytest.approx(0.0, abs=1e-12)


def test_one_gross_label_error_moves_rmse_far_more_than_mae():
    y = np.linspace(150, 250, 100)
    p = y + np.tile([3.0, -3.0], 50)
    slipped = y.copy()
    slipped[0] *= 10  # a decimal slip in one test label
    clean, bad = metrics.regression_scores(y, p), metrics.regression_scores(slipped, p)
    assert bad["RMSE"] / clean["RMSE"] > 3 * bad["MAE"] / clean["MAE"]
