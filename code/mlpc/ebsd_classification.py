"""EBSD pattern classification (optional lab 9): a texture class from the Kikuchi pattern itself.

Each pattern of :func:`mlpc.datasets.ebsd.ebsd_texture_classification` is a Ni pattern near the cube, Goss or
γ-fibre orientation, or a random orientation (at least 15° from all three). Two routes to its class:

- **learn it from labelled patterns**: a classifier on the pixels (:func:`pixel_classifier`, PCA + logistic
  regression) or the nearest labelled training pattern (:func:`nearest_pattern_labels`), trained on a
  few hundred patterns;
- **index it, then classify the orientation** (dictionary indexing, Chen et al. 2015, *Microsc. Microanal.*
  21, 739): compare the pattern with patterns simulated from the master pattern for orientations that
  cover the cubic fundamental zone (:func:`simulated_dictionary`), take the best normalised
  cross-correlation, and apply the crystallographic rule of :func:`texture_class` to the matched
  orientation. No labelled pattern is used.

Both routes see the same test patterns of the same split; :func:`seed_study` repeats the comparison over
data seeds with the chance baseline and the oracle (the rule applied to the true orientation).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from mlpc.datasets.ebsd import TEXTURE_CLASSES, _deviation_from_components, ebsd_texture_classification

#: Deviation (degrees) below which an orientation counts as its nearest texture component: halfway between the
#: generator's scatter (|N(0, 5°)|, 95 % within 10°) and the 15° that random orientations keep from every
#: component.
THRESHOLD_DEG = 12.5
#: The methods of :func:`seed_study`, in the order the lab draws them.
METHODS: tuple[str, ...] = ("chance", "pixels + logistic", "nearest training pattern", "dictionary indexing",
                            "oracle (true orientation)")


@dataclass(frozen=True)
class PatternDictionary:
    """Noise-free patterns simulated for orientations covering the cubic fundamental zone.

    ``patterns`` are normalised as :func:`normalise_patterns` does (one row per orientation); ``labels`` are
    the texture classes of the orientations (rule of :func:`texture_class`).
    """

    euler_deg: np.ndarray
    patterns: np.ndarray
    labels: np.ndarray
    resolution_deg: float
    shape_px: tuple[int, int]


def normalise_patterns(counts: np.ndarray, background: np.ndarray | None = None) -> np.ndarray:
    """Patterns (n, ny, nx) -> rows (n, ny·nx): divided by the static background, zero mean, unit length.

    Dividing by the smooth backscatter background leaves the Kikuchi band modulation; zero mean and unit
    length make the dot product of two rows their normalised cross-correlation (NCC), as in dictionary
    indexing. Without ``background`` only the zero-mean/unit-length step is applied.
    """
    counts = np.asarray(counts, dtype=float)
    if counts.ndim != 3:
        raise ValueError(f"counts must be (n, ny, nx) patterns, got shape {counts.shape}")
    if background is not None:
        background = np.asarray(background, dtype=float)
        if background.shape != counts.shape[1:]:
            raise ValueError(f"background must be one pattern of shape {counts.shape[1:]}, got {background.shape}")
        if np.any(background <= 0):
            raise ValueError("background must be positive everywhere (it divides the counts)")
        counts = counts / background[None]
    rows = counts.reshape(len(counts), -1)
    rows = rows - rows.mean(axis=1, keepdims=True)
    norm = np.linalg.norm(rows, axis=1, keepdims=True)
    if np.any(norm == 0):
        raise ValueError("a pattern is constant (no Kikuchi bands to compare): check the counts")
    return rows / norm


def texture_class(deviation_deg: np.ndarray, threshold_deg: float = THRESHOLD_DEG) -> np.ndarray:
    """Class of each orientation from its deviations (n, 3) to cube, Goss and the γ fibre.

    The nearest component if it is closer than ``threshold_deg``, otherwise "random" (label 3); labels follow
    :data:`mlpc.datasets.ebsd.TEXTURE_CLASSES`.
    """
    deviation_deg = np.asarray(deviation_deg, dtype=float)
    if deviation_deg.ndim != 2 or deviation_deg.shape[1] != 3:
        raise ValueError(f"deviation_deg must be (n, 3) (cube, Goss, γ fibre), got shape {deviation_deg.shape}")
    return np.where(deviation_deg.min(axis=1) < threshold_deg, deviation_deg.argmin(axis=1), 3)


def simulated_dictionary(resolution_deg: float = 4.0, shape_px: tuple[int, int] = (40, 40)) -> PatternDictionary:
    """Project the Ni master pattern for a uniform grid of the cubic fundamental zone.

    The grid is orix's cubochoric sampling (``get_sample_fundamental``), computed by the NumPy port
    :func:`mlpc.ebsd_geometry.sample_cubic_fundamental_zone` (the same rotations).
    4° gives 11,935 orientations (about 5–8 s at 40 × 40 px, no compile); 6° gives 3,557.
    """
    from mlpc.datasets.ebsd import project_patterns
    from mlpc.ebsd_geometry import quaternion_to_euler, sample_cubic_fundamental_zone

    if not 2.0 <= resolution_deg <= 20.0:
        raise ValueError(f"resolution_deg must be in [2, 20] degrees, got {resolution_deg!r}")
    rotations = sample_cubic_fundamental_zone(resolution_deg)
    euler = np.degrees(quaternion_to_euler(rotations))
    sim = project_patterns(euler, shape_px=shape_px, dose_counts_per_px=None)
    return PatternDictionary(euler_deg=euler, patterns=normalise_patterns(sim.kikuchi).astype(np.float32),
                             labels=texture_class(_deviation_from_components(rotations)),
                             resolution_deg=float(resolution_deg), shape_px=tuple(shape_px))


def best_match(rows: np.ndarray, reference: np.ndarray, batch: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """Index of the most similar reference row for each row, and that NCC (rows from :func:`normalise_patterns`)."""
    if rows.shape[1] != reference.shape[1]:
        raise ValueError(f"patterns have {rows.shape[1]} pixels, the reference {reference.shape[1]}: "
                         "use the same detector size for both")
    index = np.empty(len(rows), dtype=int)
    score = np.empty(len(rows))
    for start in range(0, len(rows), batch):
        ncc = rows[start:start + batch] @ reference.T
        index[start:start + batch] = ncc.argmax(axis=1)
        score[start:start + batch] = ncc.max(axis=1)
    return index, score


def dictionary_labels(rows: np.ndarray, dictionary: PatternDictionary) -> np.ndarray:
    """Texture class of each pattern: the class of its best-matching dictionary orientation."""
    index, _ = best_match(rows, dictionary.patterns)
    return dictionary.labels[index]


def nearest_pattern_labels(rows: np.ndarray, train_rows: np.ndarray, train_labels: np.ndarray) -> np.ndarray:
    """Label of the most similar labelled training pattern (1-nearest neighbour in NCC)."""
    index, _ = best_match(rows, train_rows)
    return np.asarray(train_labels)[index]


def pixel_classifier(n_components: int = 30, seed: int = 0) -> Pipeline:
    """Standardised pixels -> PCA (``n_components``) -> multinomial logistic regression."""
    return make_pipeline(StandardScaler(), PCA(n_components, random_state=seed), LogisticRegression(max_iter=2000))


def split_accuracies(seed: int, dictionary: PatternDictionary, n_per_class: int = 100,
                     dose_counts_per_px: float = 800.0, test_fraction: float = 0.3) -> dict[str, float]:
    """Accuracy of every method of :data:`METHODS` on one data seed (same stratified split for all)."""
    data = ebsd_texture_classification(n_per_class=n_per_class, shape_px=dictionary.shape_px,
                                       dose_counts_per_px=dose_counts_per_px, seed=seed)
    rows = normalise_patterns(data.counts, data.background_counts)
    idx = np.arange(len(data.labels))
    train, test = train_test_split(idx, test_size=test_fraction, stratify=data.labels, random_state=seed)
    y_train, y_test = data.labels[train], data.labels[test]
    majority = np.bincount(y_train).argmax()
    model = pixel_classifier(seed=seed).fit(rows[train], y_train)
    predictions = {
        "chance": np.full(len(test), majority),
        "pixels + logistic": model.predict(rows[test]),
        "nearest training pattern": nearest_pattern_labels(rows[test], rows[train], y_train),
        "dictionary indexing": dictionary_labels(rows[test], dictionary),
        "oracle (true orientation)": texture_class(data.deviation_deg[test]),
    }
    return {name: float(np.mean(predictions[name] == y_test)) for name in METHODS}


def seed_study(seeds: Iterable[int] = range(5), dictionary: PatternDictionary | None = None,
               n_per_class: int = 100, dose_counts_per_px: float = 800.0) -> pd.DataFrame:
    """Accuracy per data seed (rows) and method (columns); prints one line per seed."""
    dictionary = dictionary or simulated_dictionary()
    rows = []
    for seed in seeds:
        acc = split_accuracies(seed, dictionary, n_per_class=n_per_class, dose_counts_per_px=dose_counts_per_px)
        print(f"seed {seed}: " + ", ".join(f"{k} {v:.2f}" for k, v in acc.items()), flush=True)
        rows.append({"seed": seed, **acc})
    return pd.DataFrame(rows).set_index("seed")


def summary(table: pd.DataFrame) -> pd.DataFrame:
    """Mean, standard deviation, minimum and maximum accuracy of each method over the seeds."""
    return table.agg(["mean", "std", "min", "max"]).T.round(3)


__all__ = ["THRESHOLD_DEG", "METHODS", "TEXTURE_CLASSES", "PatternDictionary", "normalise_patterns",
           "texture_class", "simulated_dictionary", "best_match", "dictionary_labels", "nearest_pattern_labels",
           "pixel_classifier", "split_accuracies", "seed_study", "summary"]
