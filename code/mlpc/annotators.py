"""Labels with uncertainty: simulated human annotators of a micrograph, probabilistic labels from their
votes, and the Bayesian view of a pixel's label.

**Annotators.** Manual segmentation of the same micrograph differs between people and between sessions of
one person; inter-observer spread of porosity and phase fractions is a known issue in quantitative
metallography (ASTM E562 and E1245 round robins) and in medical image segmentation, where several raters
are fused into one estimate (STAPLE: Warfield, Zou & Wells 2004, *IEEE Trans. Med. Imaging* 23, 903). An
annotator here is a small, explicit model of the habits that cause it:

- the grey level they call "void" (a personal threshold between the void and the matrix level),
- how they trace a boundary (generous outline = dilation, tight outline = erosion, by whole pixels),
- the smallest feature they bother to outline (a minimum area in µm²),
- how much they smooth by eye (a Gaussian of a personal width before judging).

**Probabilistic labels.** The fraction of annotators who call a pixel "void" is a soft label ``p ∈ [0, 1]``;
training against it with cross-entropy keeps the disagreement instead of hiding it in a majority vote.

**Bayes.** For a pixel of grey value ``g`` with class-conditional likelihoods ``N(g; μ_c, σ_c)`` and prior
``π`` (the areal porosity), ``P(void | g) = π·N(g; μ_v, σ_v) / (π·N(g; μ_v, σ_v) + (1 − π)·N(g; μ_m, σ_m))``.
With equal widths the decision boundary ``P = 1/2`` lies at
``g* = (μ_v + μ_m)/2 − σ²·ln((1 − π)/π) / (μ_m − μ_v)``: a rare class needs stronger evidence
(Bishop 2006, *Pattern Recognition and Machine Learning*, §1.5 and §4.2).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage
from scipy.stats import norm


@dataclass(frozen=True)
class Annotator:
    """Habits of one annotator: threshold (fraction of the way from void to matrix grey), boundary bias in
    pixels (+ generous, − tight), smallest outlined feature (µm²) and the width of visual smoothing (px)."""

    name: str
    threshold: float
    boundary_px: int
    min_area_um2: float
    smoothing_px: float


@dataclass(frozen=True)
class AnnotatorSet:
    """Masks ``(n_annotators, H, W)`` of the feature class drawn by each :class:`Annotator`."""

    masks: np.ndarray
    annotators: tuple[Annotator, ...]
    pixel_size_um: float

    @property
    def soft_label(self) -> np.ndarray:
        """Fraction of annotators who marked each pixel (a probabilistic label in [0, 1])."""
        return self.masks.mean(axis=0)

    @property
    def area_fractions(self) -> np.ndarray:
        """Area fraction of the feature class according to each annotator."""
        return self.masks.reshape(len(self.masks), -1).mean(axis=1)


def random_annotators(n: int = 5, seed: int = 0) -> tuple[Annotator, ...]:
    """Draw ``n`` annotators with plausible habits: threshold 0.3–0.6 of the void→matrix range, boundary
    bias −1/0/+1 px, minimum outlined feature 0–150 µm², visual smoothing 0.5–1.5 px."""
    if not 1 <= n <= 50:
        raise ValueError(f"n={n} must be in [1, 50]")
    rng = np.random.default_rng(seed)
    return tuple(Annotator(name=f"A{i + 1}", threshold=float(rng.uniform(0.3, 0.6)),
                           boundary_px=int(rng.integers(-1, 2)), min_area_um2=float(rng.choice([0, 40, 150])),
                           smoothing_px=float(rng.uniform(0.5, 1.5))) for i in range(n))


def annotate(image: np.ndarray, annotator: Annotator, pixel_size_um: float, dark_level: float,
             bright_level: float) -> np.ndarray:
    """The mask one annotator draws for the dark feature class of ``image``."""
    img = np.asarray(image, dtype=float)
    if img.ndim != 2:
        raise ValueError("image must be 2D")
    if not dark_level < bright_level:
        raise ValueError("dark_level must be below bright_level")
    seen = ndimage.gaussian_filter(img, annotator.smoothing_px)
    mask = seen < dark_level + annotator.threshold * (bright_level - dark_level)
    if annotator.boundary_px > 0:
        mask = ndimage.binary_dilation(mask, iterations=annotator.boundary_px)
    elif annotator.boundary_px < 0:
        mask = ndimage.binary_erosion(mask, iterations=-annotator.boundary_px)
    if annotator.min_area_um2 > 0:
        lab, n = ndimage.label(mask)
        areas = ndimage.sum(mask, lab, index=np.arange(1, n + 1)) * pixel_size_um**2
        keep = np.concatenate([[False], areas >= annotator.min_area_um2])
        mask = keep[lab]
    return mask


def simulate_annotators(image: np.ndarray, pixel_size_um: float, n: int = 5, dark_level: float | None = None,
                        bright_level: float | None = None, seed: int = 0) -> AnnotatorSet:
    """Masks of ``n`` random annotators (:func:`random_annotators`) of the dark features of ``image``.

    ``dark_level``/``bright_level``: the grey of the feature and of the matrix (default: 2nd and 50th
    percentiles of the image, what a person reads off the histogram).
    """
    img = np.asarray(image, dtype=float)
    dark = float(np.percentile(img, 2)) if dark_level is None else float(dark_level)
    bright = float(np.percentile(img, 50)) if bright_level is None else float(bright_level)
    people = random_annotators(n, seed)
    masks = np.stack([annotate(img, a, pixel_size_um, dark, bright) for a in people])
    return AnnotatorSet(masks=masks, annotators=people, pixel_size_um=float(pixel_size_um))


def pairwise_dice(masks: np.ndarray) -> np.ndarray:
    """Matrix of Dice coefficients between every pair of masks ``(n, H, W)`` (1 on the diagonal)."""
    m = np.asarray(masks, dtype=bool).reshape(len(masks), -1).astype(float)
    inter = m @ m.T
    size = m.sum(axis=1)
    denom = size[:, None] + size[None, :]
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(denom > 0, 2 * inter / denom, 1.0)
    return out


def pixel_posterior(grey: np.ndarray, prior: float, mean_feature: float, sd_feature: float,
                    mean_matrix: float, sd_matrix: float) -> np.ndarray:
    """``P(feature | grey)`` from Gaussian likelihoods of each class and the prior area fraction."""
    if not 0 < prior < 1:
        raise ValueError(f"prior={prior} must lie in (0, 1)")
    if sd_feature <= 0 or sd_matrix <= 0:
        raise ValueError("standard deviations must be > 0")
    g = np.asarray(grey, dtype=float)
    log_f = np.log(prior) + norm.logpdf(g, mean_feature, sd_feature)
    log_m = np.log1p(-prior) + norm.logpdf(g, mean_matrix, sd_matrix)
    return 1.0 / (1.0 + np.exp(np.clip(log_m - log_f, -700, 700)))


def bayes_threshold(prior: float, mean_feature: float, mean_matrix: float, sd: float) -> float:
    """Grey value where ``P(feature | grey) = 1/2`` for equal class widths ``sd`` (feature darker)."""
    if not 0 < prior < 1:
        raise ValueError(f"prior={prior} must lie in (0, 1)")
    if not mean_feature < mean_matrix or sd <= 0:
        raise ValueError("need mean_feature < mean_matrix and sd > 0")
    return float(0.5 * (mean_feature + mean_matrix) - sd**2 * np.log((1 - prior) / prior)
                 / (mean_matrix - mean_feature))


__all__ = ["Annotator", "AnnotatorSet", "random_annotators", "annotate", "simulate_annotators",
           "pairwise_dice", "pixel_posterior", "bayes_threshold"]
