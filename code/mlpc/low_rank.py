"""PCA and SVD of spectrum images and image stacks, and how many components rise above the noise.

A spectrum image is a data matrix X with one row per pixel (N) and one column per channel (C). PCA
diagonalises the sample covariance of the centred data, Σ = X_cᵀX_c / (N − 1) = V Λ Vᵀ, which is the SVD
X_c = U S Vᵀ with Λ = S² / (N − 1) (the MFML refresher on covariance). A mixture of K phases whose
fractions sum to one spans K − 1 directions around the mean spectrum; everything else is noise.

Where the noise ends is physics, not taste:

- counts are Poisson, so the noise variance of each element equals its mean and differs from channel to
  channel; scaling rows and columns by the square roots of the mean image and the mean spectrum makes it
  nearly uniform (Keenan & Kotula 2004, *Surf. Interface Anal.* 36, 203);
- for uniform noise of variance σ², the eigenvalues of a pure-noise N × C covariance stay below the
  Marchenko–Pastur edge σ²(1 + sqrt(C / N))² as N, C → ∞ (Marchenko & Pastur 1967; for the largest
  eigenvalue Johnstone 2001, *Ann. Stat.* 29, 295), and a signal component is detectable only if it lifts
  its eigenvalue above that edge (Baik, Ben Arous & Péché 2005, *Ann. Probab.* 33, 1643);
- parallel analysis compares each eigenvalue with those of the same data with every column shuffled
  independently, which keeps each channel's variance and destroys correlations (Horn 1965,
  *Psychometrika* 30, 179). It needs no noise model, and is conservative when the signal is strong.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def _as_matrix(data: np.ndarray) -> np.ndarray:
    x = np.asarray(data, dtype=float)
    if x.ndim == 3:
        x = x.reshape(-1, x.shape[-1])
    if x.ndim != 2 or min(x.shape) < 2:
        raise ValueError(f"data must be (n_samples, n_features) or (H, W, channels), got shape {x.shape}")
    return x


@dataclass(frozen=True)
class PCAResult:
    """A PCA of N samples × C features.

    ``eigenvalues`` (descending, length min(N, C)); ``components`` (n, C) the unit-norm loadings in the
    analysed (possibly weighted) space; ``scores`` (N, n); ``mean`` (C,) of the analysed data;
    ``row_scale`` (N,) and ``col_scale`` (C,) the Poisson weights (ones when unweighted): analysed =
    data / (row_scale ⊗ col_scale); ``n_samples`` and ``n_features`` for the noise edge.
    """

    eigenvalues: np.ndarray
    components: np.ndarray
    scores: np.ndarray
    mean: np.ndarray
    row_scale: np.ndarray
    col_scale: np.ndarray
    n_samples: int
    n_features: int
    poisson_weighted: bool


def poisson_scales(data: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row and column scales sqrt(r_i / sqrt T) and sqrt(c_j / sqrt T) (r row sums, c column sums, T the
    total) such that count / (row ⊗ col) has noise variance ≈ 1 when the mean of each element is close
    to the rank-one model r_i c_j / T (Keenan & Kotula 2004). Zero sums get scale 1."""
    x = _as_matrix(data)
    if np.any(x < 0):
        raise ValueError("Poisson weighting needs counts >= 0")
    total = x.sum()
    if total <= 0:
        raise ValueError("data has no counts")
    r = x.sum(axis=1)
    c = x.sum(axis=0)
    row = np.where(r > 0, np.sqrt(r / np.sqrt(total)), 1.0)
    col = np.where(c > 0, np.sqrt(c / np.sqrt(total)), 1.0)
    return row, col


def pca(data: np.ndarray, poisson_weighted: bool = False, n_keep: int | None = None) -> PCAResult:
    """PCA of ``data`` (N, C) or a spectrum image (H, W, C): eigen-decomposition of the C × C covariance
    of the centred matrix (the right singular vectors of its SVD, computed this way because C ≪ N).

    ``poisson_weighted=True`` first divides by :func:`poisson_scales` (counts only); ``n_keep`` limits the
    stored components and scores (all eigenvalues are always returned). Each component's sign is fixed so
    that its largest-magnitude loading is positive (the SVD leaves it arbitrary).
    """
    x = _as_matrix(data)
    n, c = x.shape
    if poisson_weighted:
        row, col = poisson_scales(x)
    else:
        row, col = np.ones(n), np.ones(c)
    y = x / np.outer(row, col)
    mean = y.mean(axis=0)
    yc = y - mean
    evals, evecs = np.linalg.eigh(yc.T @ yc / (n - 1))
    order = np.argsort(evals)[::-1]
    evals = np.clip(evals[order], 0.0, None)
    vt = evecs[:, order].T
    k = len(evals) if n_keep is None else int(min(max(n_keep, 1), len(evals)))
    vt = vt[:k]
    vt = vt * np.sign(vt[np.arange(k), np.argmax(np.abs(vt), axis=1)])[:, None]
    return PCAResult(eigenvalues=evals, components=vt, scores=yc @ vt.T, mean=mean,
                     row_scale=row, col_scale=col, n_samples=n, n_features=c,
                     poisson_weighted=poisson_weighted)


def reconstruct(result: PCAResult, k: int) -> np.ndarray:
    """Rank-``k`` reconstruction (mean + k components) back in the units of the input data (N, C)."""
    if int(k) != k or not 0 <= k <= result.components.shape[0]:
        raise ValueError(f"k must be an integer in [0, {result.components.shape[0]}], got {k!r}")
    k = int(k)
    y = result.mean + result.scores[:, :k] @ result.components[:k]
    return y * np.outer(result.row_scale, result.col_scale)


def marchenko_pastur_edge(n_samples: int, n_features: int, noise_variance: float = 1.0) -> float:
    """Upper edge σ²(1 + sqrt(C / N))² of the Marchenko–Pastur law: the largest covariance eigenvalue that
    pure noise of variance σ² produces in N samples of C features (for large N, C)."""
    if n_samples < 2 or n_features < 1:
        raise ValueError(f"need n_samples >= 2 and n_features >= 1, got {n_samples}, {n_features}")
    if not np.isfinite(noise_variance) or noise_variance <= 0:
        raise ValueError(f"noise_variance must be > 0, got {noise_variance!r}")
    return float(noise_variance * (1.0 + np.sqrt(n_features / n_samples)) ** 2)


#: 95 % quantile of the Tracy–Widom (β = 1) law of the largest eigenvalue (Tracy & Widom 1996).
TRACY_WIDOM_95 = 0.9793


def noise_threshold(n_samples: int, n_features: int, noise_variance: float = 1.0) -> float:
    """Covariance eigenvalue that pure noise exceeds with only 5 % probability: the Marchenko–Pastur edge
    plus the Tracy–Widom fluctuation of the largest eigenvalue (Johnstone 2001, centring and scaling
    μ = (sqrt(N−1) + sqrt C)², σ = (sqrt(N−1) + sqrt C)(1/sqrt(N−1) + 1/sqrt C)^(1/3), for centred data)."""
    marchenko_pastur_edge(n_samples, n_features, noise_variance)  # validates the arguments
    a, b = np.sqrt(n_samples - 1.0), np.sqrt(float(n_features))
    mu = (a + b) ** 2
    sigma = (a + b) * (1.0 / a + 1.0 / b) ** (1.0 / 3.0)
    return float(noise_variance * (mu + TRACY_WIDOM_95 * sigma) / (n_samples - 1.0))


def parallel_analysis(data: np.ndarray, poisson_weighted: bool = False, n_shuffles: int = 5,
                      quantile: float = 0.95, seed: int = 0) -> np.ndarray:
    """Eigenvalue thresholds by parallel analysis (Horn 1965): the ``quantile`` over ``n_shuffles``
    column-wise permutations of each eigenvalue of the (weighted, centred) data. A component is kept when
    its eigenvalue exceeds the threshold of the same rank."""
    if int(n_shuffles) != n_shuffles or n_shuffles < 1:
        raise ValueError(f"n_shuffles must be an integer >= 1, got {n_shuffles!r}")
    if not 0 < quantile < 1:
        raise ValueError(f"quantile must be in (0, 1), got {quantile!r}")
    x = _as_matrix(data)
    if poisson_weighted:
        row, col = poisson_scales(x)
        x = x / np.outer(row, col)
    rng = np.random.default_rng(seed)
    n = x.shape[0]
    eigs = []
    for _ in range(int(n_shuffles)):
        shuffled = rng.permuted(x, axis=0)
        shuffled = shuffled - shuffled.mean(axis=0)
        eigs.append(np.linalg.eigvalsh(shuffled.T @ shuffled / (n - 1))[::-1])
    return np.quantile(np.array(eigs), quantile, axis=0)


def n_signal_components(eigenvalues: np.ndarray, threshold: float | np.ndarray) -> int:
    """Number of leading eigenvalues above ``threshold`` (a scalar edge or per-rank thresholds), counted
    from the top until the first one that falls below."""
    ev = np.asarray(eigenvalues, dtype=float)
    th = np.broadcast_to(np.asarray(threshold, dtype=float), ev.shape)
    below = np.nonzero(ev <= th)[0]
    return int(below[0]) if below.size else int(ev.size)


__all__ = [
    "PCAResult",
    "TRACY_WIDOM_95",
    "marchenko_pastur_edge",
    "n_signal_components",
    "noise_threshold",
    "parallel_analysis",
    "pca",
    "poisson_scales",
    "reconstruct",
]
