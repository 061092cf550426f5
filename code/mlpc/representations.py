"""Hand-crafted features vs learned representations of micrographs, compared on the same splits.

Three classifiers of the same micrographs, each trained and tested on the SAME stratified random splits
(so every difference is the representation or the model, not luck of the split), scored on held-out
images by accuracy and macro-averaged F1 (each class counts equally), reported as mean ± standard
deviation over the splits:

- ``features + logistic``: the classical pipeline, :func:`mlpc.features.feature_table` (stereology,
  morphology, Haralick texture) → z-score → multinomial logistic regression (one layer of neurons);
- ``features + MLP``: the same features → a small MLP (one hidden layer), which can combine them
  non-linearly;
- ``pixels + MLP``: the raw pixels → an MLP that must learn its own features from the image.

Scalers are fitted on each training split only (no leakage; Kaufman et al., *ACM TKDD* 6, 15, 2012).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import StratifiedShuffleSplit
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from mlpc.models.mlp import TrainedMLP, train_mlp

MODELS: tuple[str, ...] = ("features + logistic", "features + MLP", "pixels + MLP")


@dataclass
class SplitResult:
    """One train/test split: indices, test-set predictions and scores per model."""

    seed: int
    train: np.ndarray
    test: np.ndarray
    predictions: dict[str, np.ndarray]
    accuracy: dict[str, float]
    macro_f1: dict[str, float]


@dataclass
class Comparison:
    """Results over all splits, plus the models trained on the first split (for inspection)."""

    splits: list[SplitResult]
    class_names: tuple[str, ...]
    y: np.ndarray
    first_models: dict[str, Pipeline | TrainedMLP] = field(default_factory=dict)

    def scores(self, metric: str = "accuracy") -> dict[str, np.ndarray]:
        """Per-model array of the metric (``accuracy`` or ``macro_f1``) over the splits."""
        if metric not in ("accuracy", "macro_f1"):
            raise ValueError(f"metric must be 'accuracy' or 'macro_f1', got {metric!r}")
        return {m: np.array([getattr(s, metric)[m] for s in self.splits]) for m in MODELS}

    def summary(self, metric: str = "accuracy") -> dict[str, tuple[float, float]]:
        """Per-model (mean, sample standard deviation) of the metric over the splits."""
        return {m: (float(v.mean()), float(v.std(ddof=1)) if len(v) > 1 else 0.0)
                for m, v in self.scores(metric).items()}

    def markdown_table(self) -> str:
        """Markdown table of accuracy and macro-F1 (mean ± std over the splits) per model."""
        acc, f1 = self.summary("accuracy"), self.summary("macro_f1")
        n_test = len(self.splits[0].test)
        lines = [f"| model ({len(self.splits)} splits, {n_test} test images each) | accuracy | macro-F1 |",
                 "|---|---|---|"]
        for m in MODELS:
            lines.append(f"| {m} | {acc[m][0]:.3f} ± {acc[m][1]:.3f} | {f1[m][0]:.3f} ± {f1[m][1]:.3f} |")
        return "\n".join(lines)


def logistic_on_features(features: np.ndarray, y: np.ndarray, C: float = 1.0) -> Pipeline:
    """z-score (fitted on these training data) + multinomial logistic regression."""
    return make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=5000)).fit(features, y)


def compare_representations(images: np.ndarray, y: np.ndarray, features: np.ndarray,
                            class_names: tuple[str, ...], n_splits: int = 5, test_size: float = 0.3,
                            pixel_hidden: int = 64, pixel_epochs: int = 20, feature_hidden: int = 32,
                            feature_epochs: int = 40, seed: int = 0) -> Comparison:
    """Train and score the three models of :data:`MODELS` on ``n_splits`` stratified splits.

    ``images`` (N, H, W), ``features`` (N, F) computed from the same images, ``y`` (N,) labels. Split
    ``k`` uses ``random_state = seed + k`` and the MLPs use ``seed + k`` too, so a call is reproducible.
    """
    X = np.asarray(images, dtype=np.float32)
    feats = np.asarray(features, dtype=float)
    labels = np.asarray(y)
    if not len(X) == len(feats) == len(labels):
        raise ValueError(f"images, features and y must have the same length, got {len(X)}, {len(feats)}, "
                         f"{len(labels)}")
    if n_splits < 1:
        raise ValueError(f"n_splits must be >= 1, got {n_splits!r}")
    k = len(class_names)
    out = Comparison(splits=[], class_names=tuple(class_names), y=labels)
    for i in range(n_splits):
        s = seed + i
        train, test = next(StratifiedShuffleSplit(1, test_size=test_size, random_state=s).split(feats, labels))
        # the first split also records the held-out loss per epoch (learning curves)
        val = {} if i else {"y_val": labels[test]}
        models = {
            MODELS[0]: logistic_on_features(feats[train], labels[train]),
            MODELS[1]: train_mlp(feats[train], labels[train], hidden=(feature_hidden,), epochs=feature_epochs,
                                 lr=3e-3, batch_size=64, n_classes=k, seed=s,
                                 X_val=feats[test] if val else None, **val),
            MODELS[2]: train_mlp(X[train], labels[train], hidden=(pixel_hidden,), epochs=pixel_epochs,
                                 n_classes=k, seed=s, X_val=X[test] if val else None, **val),
        }
        inputs = {MODELS[0]: feats, MODELS[1]: feats, MODELS[2]: X}
        pred = {m: np.asarray(models[m].predict(inputs[m][test])) for m in MODELS}
        out.splits.append(SplitResult(
            seed=s, train=train, test=test, predictions=pred,
            accuracy={m: float(accuracy_score(labels[test], pred[m])) for m in MODELS},
            macro_f1={m: float(f1_score(labels[test], pred[m], average="macro")) for m in MODELS}))
        if i == 0:
            out.first_models = models
    return out


__all__ = ["MODELS", "Comparison", "SplitResult", "compare_representations", "logistic_on_features"]
