"""Error measures the course uses beyond scikit-learn: overlap of segmentation masks and cross-entropy with
probabilistic (soft) labels, plus the four regression measures in one call.

- **Dice coefficient** (Dice 1945, *Ecology* 26, 297; Sørensen 1948): ``D = 2|A ∩ B| / (|A| + |B|)``. On
  pixel masks it equals the F1 score of the "feature" class (precision and recall of pixels).
- **Intersection over union** (Jaccard 1912, *New Phytologist* 11, 37): ``J = |A ∩ B| / |A ∪ B|``; the two
  are linked by ``J = D / (2 − D)``, so they rank segmentations identically but J is harsher.
- **Categorical cross-entropy** ``H(p, q) = −Σ_k p_k ln q_k`` averaged over samples (Shannon 1948; the
  negative log-likelihood of a categorical model). With one-hot ``p`` it is scikit-learn's ``log_loss``;
  with soft ``p`` (e.g. the fraction of annotators voting for each class) it is minimised by ``q = p``.
- **Regression**: MAE, MSE, RMSE and the coefficient of determination ``R² = 1 − SS_res / SS_tot`` (which
  depends on the spread of the test set, not only on the model).

Two empty masks agree perfectly: Dice and IoU are defined as 1 there (nothing to find, nothing found).
"""

from __future__ import annotations

import numpy as np


def _masks(pred: np.ndarray, truth: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    a = np.asarray(pred)
    b = np.asarray(truth)
    if a.shape != b.shape:
        raise ValueError(f"masks must have the same shape, got {a.shape} and {b.shape}")
    for name, m in (("pred", a), ("truth", b)):
        if m.dtype != bool and not np.isin(m, (0, 1)).all():
            raise ValueError(f"{name} must be a boolean (or 0/1) mask")
    return a.astype(bool), b.astype(bool)


def confusion_counts(pred: np.ndarray, truth: np.ndarray) -> dict[str, int]:
    """Pixel counts of true/false positives/negatives of a binary mask ``pred`` against ``truth``."""
    a, b = _masks(pred, truth)
    return {"tp": int(np.sum(a & b)), "fp": int(np.sum(a & ~b)), "fn": int(np.sum(~a & b)),
            "tn": int(np.sum(~a & ~b))}


def dice(pred: np.ndarray, truth: np.ndarray) -> float:
    """Dice coefficient ``2|A∩B| / (|A| + |B|)`` of two binary masks (= pixel F1 of the feature class)."""
    c = confusion_counts(pred, truth)
    denom = 2 * c["tp"] + c["fp"] + c["fn"]
    return 1.0 if denom == 0 else 2 * c["tp"] / denom


def iou(pred: np.ndarray, truth: np.ndarray) -> float:
    """Intersection over union (Jaccard index) ``|A∩B| / |A∪B|`` of two binary masks."""
    c = confusion_counts(pred, truth)
    denom = c["tp"] + c["fp"] + c["fn"]
    return 1.0 if denom == 0 else c["tp"] / denom


def pixel_accuracy(pred: np.ndarray, truth: np.ndarray) -> float:
    """Fraction of pixels labelled correctly: dominated by the majority class (matrix) on sparse features."""
    c = confusion_counts(pred, truth)
    return (c["tp"] + c["tn"]) / sum(c.values())


def categorical_cross_entropy(p_true: np.ndarray, q_pred: np.ndarray, eps: float = 1e-12) -> float:
    """Mean cross-entropy ``−Σ_k p_k ln q_k`` (nats) over samples.

    ``p_true``: integer class labels of shape ``(n,)`` or probabilities ``(n, K)`` (one-hot or soft labels);
    ``q_pred``: predicted probabilities ``(n, K)``, rows summing to 1. Probabilities are clipped to
    ``[eps, 1]`` so that a confident wrong prediction costs ``−ln eps`` instead of infinity.
    """
    q = np.asarray(q_pred, dtype=float)
    if q.ndim != 2:
        raise ValueError(f"q_pred must be (n, K) probabilities, got shape {q.shape}")
    if np.any(q < 0) or not np.allclose(q.sum(axis=1), 1.0, atol=1e-6):
        raise ValueError("rows of q_pred must be probabilities that sum to 1")
    p = np.asarray(p_true)
    if p.ndim == 1:
        if not np.issubdtype(p.dtype, np.integer) or p.min() < 0 or p.max() >= q.shape[1]:
            raise ValueError(f"integer labels must lie in [0, {q.shape[1] - 1}]")
        p = np.eye(q.shape[1])[p]
    p = p.astype(float)
    if p.shape != q.shape:
        raise ValueError(f"p_true {p.shape} and q_pred {q.shape} must have the same shape")
    if np.any(p < 0) or not np.allclose(p.sum(axis=1), 1.0, atol=1e-6):
        raise ValueError("rows of p_true must be probabilities that sum to 1")
    return float(np.mean(-np.sum(p * np.log(np.clip(q, eps, 1.0)), axis=1)))


def regression_scores(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, float]:
    """MAE, MSE, RMSE (units of ``y``, squared for MSE) and R² (dimensionless) of a prediction."""
    y = np.asarray(y_true, dtype=float)
    p = np.asarray(y_pred, dtype=float)
    if y.shape != p.shape or y.ndim != 1 or y.size < 2:
        raise ValueError(f"y_true and y_pred must be 1D of equal length >= 2, got {y.shape} and {p.shape}")
    err = p - y
    mse = float(np.mean(err**2))
    ss_tot = float(np.sum((y - y.mean()) ** 2))
    return {"MAE": float(np.mean(np.abs(err))), "MSE": mse, "RMSE": float(np.sqrt(mse)),
            "R2": float(1.0 - np.sum(err**2) / ss_tot) if ss_tot > 0 else float("nan")}


__all__ = ["confusion_counts", "dice", "iou", "pixel_accuracy", "categorical_cross_entropy",
           "regression_scores"]
