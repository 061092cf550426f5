"""CNN against pixel MLP against a grey-level baseline: same data, same split, same budget, several seeds.

Two tasks:

- ``"four_classes"``: the four microstructure classes of
  :func:`mlpc.datasets.micrographs.microstructure_classes` (grains, lamellae, particles, pores). Their
  grey-level histograms already differ (pores are darker and rarer than particles, grain boundaries are
  thin), so a baseline on grey-level statistics alone is strong.
- ``"texture"``: three two-phase morphologies (particles, lamellae, bicontinuous; Berk 1987, Cahn 1965) drawn
  with the SAME range of dark-phase fraction and feature size, so that the grey-level histogram carries no
  class information by construction: only the spatial arrangement (texture) does.

The baseline is a logistic regression on grey-level statistics of each image (mean, standard deviation,
skewness and the fraction below its Otsu threshold; Otsu 1979): what a tuned threshold can know. The CNN
(:class:`~mlpc.models.cnn.SmallCNN`) and the MLP (:class:`~mlpc.models.cnn.PixelMLP`) get the same split,
epochs, batch size, optimiser and learning rate (no tuning for either).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats
from skimage.filters import threshold_otsu
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from mlpc.datasets import imaging, micrographs
from mlpc.models import cnn

TASKS = ("four_classes", "texture")
TEXTURE_CLASSES = ("particles", "lamellar", "bicontinuous")
MODELS = ("grey-level baseline", "pixel MLP", "CNN")


def texture_classes(n_per_class: int = 80, size: int = 32, seed: int = 0) -> micrographs.MicrostructureSet:
    """Three morphologies with the same dark-phase fraction (0.25–0.45) and feature size (4–7 µm) at
    1 µm per pixel, through the same nuisance chain as the four-class set (gain, offset, blur, dose 10–200
    counts per pixel, shading)."""
    if int(n_per_class) != n_per_class or not 2 <= n_per_class <= 2000:
        raise ValueError(f"n_per_class must be an integer in [2, 2000], got {n_per_class!r}")
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(len(TEXTURE_CLASSES)), n_per_class)
    rng.shuffle(y)
    X = np.empty((len(y), size, size), dtype=np.float32)
    for i, cls in enumerate(y):
        ideal = micrographs.two_phase(size, rng.uniform(0.25, 0.45), TEXTURE_CLASSES[cls],
                                      feature_size_um=rng.uniform(4.0, 7.0), pixel_size_um=1.0,
                                      n_colonies=int(rng.integers(1, 4)), seed=int(rng.integers(0, 2**31 - 1))).image
        gain, offset = rng.uniform(0.6, 1.0), rng.uniform(0.0, 0.2)
        shot = imaging.acquire(offset + gain * ideal, 1.0, psf_fwhm=rng.uniform(0.5, 2.0),
                               dose=rng.uniform(10, 200), shading=rng.uniform(0.0, 0.3),
                               seed=int(rng.integers(0, 2**31 - 1)))
        X[i] = np.clip(shot.image, 0.0, 1.0)
    return micrographs.MicrostructureSet(X=X, y=y.astype(np.int64), class_names=TEXTURE_CLASSES,
                                         pixel_size_um=1.0,
                                         description=f"{len(y)} two-phase micrographs, {size}×{size} px at 1 µm, "
                                                     "3 morphologies with matched fraction and feature size")


def grey_level_features(X: np.ndarray) -> np.ndarray:
    """Per image: mean, standard deviation, skewness and the fraction of pixels below its Otsu threshold."""
    flat = X.reshape(len(X), -1).astype(float)
    below = np.array([(img < threshold_otsu(img)).mean() for img in flat])
    return np.column_stack([flat.mean(1), flat.std(1), stats.skew(flat, axis=1), below])


def _dataset(task: str, n_per_class: int, size: int, seed: int) -> micrographs.MicrostructureSet:
    if task == "four_classes":
        return micrographs.microstructure_classes(n_per_class, size, seed=seed)
    if task == "texture":
        return texture_classes(n_per_class, size, seed=seed)
    raise ValueError(f"task must be one of {TASKS}, got {task!r}")


def seed_study(task: str, seeds: tuple[int, ...] = (0, 1, 2, 3, 4), n_per_class: int = 60, size: int = 48,
               test_fraction: float = 0.3, epochs: int = 8, lr: float = 3e-3, batch_size: int = 16,
               verbose: bool = False) -> pd.DataFrame:
    """Held-out and training accuracy of the three models on ``task``, one row per (seed, model).

    Each seed draws a new data set and split; within a seed all models see the same training and test
    images. The CNN and the MLP share epochs, batch size, Adam and ``lr``.
    """
    if len(seeds) < 2:
        raise ValueError("give at least two seeds: a comparison on one seed is an anecdote")
    rows = []
    for seed in seeds:
        data = _dataset(task, n_per_class, size, seed)
        n_test = int(round(test_fraction * len(data.y)))
        Xtr, ytr, Xte, yte = data.X[n_test:], data.y[n_test:], data.X[:n_test], data.y[:n_test]
        base = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
        base.fit(grey_level_features(Xtr), ytr)
        rows.append((seed, MODELS[0], base.score(grey_level_features(Xtr), ytr),
                     base.score(grey_level_features(Xte), yte)))
        k = len(data.class_names)
        for name, model in ((MODELS[1], cnn.PixelMLP(size, k, seed=seed)), (MODELS[2], cnn.SmallCNN(k, seed=seed))):
            cnn.fit(model, Xtr, ytr, Xte, yte, epochs=epochs, batch_size=batch_size, lr=lr, seed=seed)
            train_acc = float((cnn.predict(model, Xtr).argmax(1) == ytr).mean())
            test_acc = float((cnn.predict(model, Xte).argmax(1) == yte).mean())
            rows.append((seed, name, train_acc, test_acc))
        if verbose:
            print(f"{task} seed {seed}: " + ", ".join(f"{r[1]} {r[3]:.2f}" for r in rows[-3:]))
    out = pd.DataFrame(rows, columns=["seed", "model", "train_accuracy", "test_accuracy"])
    out.attrs["chance"] = 1.0 / len(data.class_names)
    out.attrs["task"] = task
    return out


def summary(study: pd.DataFrame) -> pd.DataFrame:
    """Mean, standard deviation, minimum and maximum of the held-out accuracy per model, over seeds."""
    g = study.groupby("model", sort=False)["test_accuracy"]
    return pd.DataFrame({"mean": g.mean(), "std": g.std(ddof=1), "min": g.min(), "max": g.max(),
                         "seeds": g.size()}).reindex(list(MODELS))


__all__ = ["MODELS", "TASKS", "TEXTURE_CLASSES", "grey_level_features", "seed_study", "summary",
           "texture_classes"]
