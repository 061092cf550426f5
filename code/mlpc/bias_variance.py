"""Bias–variance decomposition on a materials curve whose truth is known: the softening of LPBF 316L during a
1 h anneal (hardness vs anneal temperature, :func:`mlpc.datasets.tabular.process_property_truth`).

The expected squared error of a model fitted to a random training set decomposes at every test point into
``bias² + variance + noise`` (Geman, Bienenstock & Doursat 1992, *Neural Comput.* 4, 1; Hastie, Tibshirani
& Friedman 2009, *The Elements of Statistical Learning*, §7.3). With the true curve in hand the three terms
are computed exactly by refitting on many independent training sets: bias² is the squared gap between the
average fit and the truth, variance the spread of the fits around their average.

Models:

- polynomials of degree ``d`` in the scaled temperature (least squares, or ridge with penalty ``α``;
  Hoerl & Kennard 1970, *Technometrics* 12, 55): complexity grows with ``d`` and shrinks with ``α``;
- a parsimonious physical model: a logistic step in temperature, four parameters (plateau, drop, midpoint,
  width), the form the Hollomon–Jaffe recovery law takes at fixed time (Hollomon & Jaffe 1945).

The noise default, 5 HV, is the specimen-to-specimen scatter of the mean of five indents in
:func:`mlpc.datasets.tabular.process_property_table`: build (12 MPa) and specimen (6 MPa) effects and
4 HV indent repeatability, sqrt((12² + 6²)/2.876² + 4²/5) ≈ 5 HV.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import curve_fit

from mlpc.datasets.tabular import process_property_truth

#: Fixed LPBF parameters of the softening curve: a dense part (P, v, hatch, layer).
DENSE_PART = {"power_W": 200.0, "speed_mm_s": 800.0, "hatch_um": 100.0, "layer_um": 30.0}
T_RANGE_C = (450.0, 1150.0)


def softening_curve(temperature_C: np.ndarray, anneal_time_h: float = 1.0) -> np.ndarray:
    """True Vickers hardness (HV) of a dense LPBF 316L part after annealing at ``temperature_C``."""
    t = np.asarray(temperature_C, dtype=float)
    return process_property_truth(DENSE_PART["power_W"], DENSE_PART["speed_mm_s"], DENSE_PART["hatch_um"],
                                  DENSE_PART["layer_um"], t, np.full(t.shape, anneal_time_h))["hardness_HV"]


def sample_specimens(n: int, noise_HV: float = 5.0, rng: np.random.Generator | None = None,
                     seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``n`` specimens annealed at uniform random temperatures in 450–1150 °C: ``(T_C, hardness_HV)``."""
    if n < 2:
        raise ValueError(f"n={n} must be >= 2")
    rng = np.random.default_rng(seed) if rng is None else rng
    t = rng.uniform(*T_RANGE_C, n)
    return t, softening_curve(t) + rng.normal(0.0, noise_HV, n)


def _scaled(t: np.ndarray) -> np.ndarray:
    lo, hi = T_RANGE_C
    return 2.0 * (np.asarray(t, dtype=float) - lo) / (hi - lo) - 1.0


def fit_polynomial(t: np.ndarray, y: np.ndarray, degree: int, alpha: float = 0.0):
    """Least-squares (``alpha = 0``) or ridge polynomial of ``degree`` in the scaled temperature; returns a
    callable ``T_C -> HV``. Legendre features keep the fit well conditioned; the intercept is not penalised."""
    if degree < 0 or alpha < 0:
        raise ValueError("degree and alpha must be >= 0")
    x = _scaled(t)
    basis = np.polynomial.legendre.legvander(x, degree)
    penalty = alpha * np.eye(degree + 1)
    penalty[0, 0] = 0.0
    coef = np.linalg.solve(basis.T @ basis + penalty + 1e-10 * np.eye(degree + 1), basis.T @ y)
    return lambda tq: np.polynomial.legendre.legvander(_scaled(tq), degree) @ coef


def _logistic(t, top, drop, mid, width):
    return top - drop / (1.0 + np.exp(-(t - mid) / width))


def fit_logistic(t: np.ndarray, y: np.ndarray):
    """Four-parameter logistic softening step ``top − drop / (1 + exp(−(T − T_mid)/w))``; returns a callable."""
    p0 = (float(np.max(y)), float(np.ptp(y)), 950.0, 40.0)
    bounds = ([0.0, 0.0, 450.0, 5.0], [1000.0, 1000.0, 1150.0, 300.0])
    params, _ = curve_fit(_logistic, t, y, p0=p0, bounds=bounds, maxfev=5000)
    return lambda tq: _logistic(np.asarray(tq, dtype=float), *params)


@dataclass(frozen=True)
class Decomposition:
    """Averages over the test grid (HV²): ``bias2``, ``variance``, ``noise`` and their sum ``expected_mse``."""

    bias2: float
    variance: float
    noise: float

    @property
    def expected_mse(self) -> float:
        return self.bias2 + self.variance + self.noise


def decompose(fit, n_train: int = 30, n_sets: int = 200, noise_HV: float = 5.0, seed: int = 0,
              grid: np.ndarray | None = None) -> Decomposition:
    """Bias², variance and noise of a fitting procedure ``fit(t, y) -> predictor`` over ``n_sets`` training
    sets of ``n_train`` specimens, on a grid of test temperatures (default 200 points in 450–1150 °C)."""
    rng = np.random.default_rng(seed)
    tq = np.linspace(*T_RANGE_C, 200) if grid is None else np.asarray(grid, dtype=float)
    truth = softening_curve(tq)
    preds = np.empty((n_sets, tq.size))
    for i in range(n_sets):
        t, y = sample_specimens(n_train, noise_HV, rng=rng)
        preds[i] = fit(t, y)(tq)
    mean = preds.mean(axis=0)
    return Decomposition(bias2=float(np.mean((mean - truth) ** 2)), variance=float(np.mean(preds.var(axis=0))),
                         noise=float(noise_HV**2))


def degree_sweep(degrees=range(1, 13), n_train: int = 30, n_sets: int = 200, noise_HV: float = 5.0,
                 seed: int = 0) -> pd.DataFrame:
    """Bias², variance and expected test MSE (HV²) of least-squares polynomials of each degree."""
    rows = []
    for d in degrees:
        dec = decompose(lambda t, y, d=d: fit_polynomial(t, y, d), n_train, n_sets, noise_HV, seed)
        rows.append({"degree": d, "bias2": dec.bias2, "variance": dec.variance, "expected_mse": dec.expected_mse})
    return pd.DataFrame(rows)


def ridge_sweep(alphas, degree: int = 12, n_train: int = 30, n_sets: int = 200, noise_HV: float = 5.0,
                seed: int = 0) -> pd.DataFrame:
    """Bias², variance and expected test MSE (HV²) of a ridge polynomial of ``degree`` for each ``alpha``."""
    rows = []
    for a in alphas:
        dec = decompose(lambda t, y, a=a: fit_polynomial(t, y, degree, alpha=a), n_train, n_sets, noise_HV, seed)
        rows.append({"alpha": float(a), "bias2": dec.bias2, "variance": dec.variance,
                     "expected_mse": dec.expected_mse})
    return pd.DataFrame(rows)


def cv_estimates(degree: int = 5, n_train: int = 30, n_sets: int = 200, noise_HV: float = 5.0, k: int = 5,
                 holdout_fraction: float = 0.25, seed: int = 0) -> pd.DataFrame:
    """Validation estimates of the test MSE (HV²) of a degree-``degree`` polynomial, one row per training set:
    a single holdout (``holdout_fraction``), ``k``-fold CV and leave-one-out CV, next to the true MSE of the
    model fitted on all ``n_train`` specimens (computed on the known curve plus the noise variance).

    Holdout and K-fold train on fewer specimens than the final model, so they overestimate its error
    (pessimistic bias); LOOCV trains on ``n − 1`` (Stone 1974, *J. R. Stat. Soc. B* 36, 111; Kohavi 1995,
    IJCAI; Hastie et al. 2009, §7.10)."""
    if not 2 <= k <= n_train:
        raise ValueError(f"k={k} must lie in [2, n_train]")
    rng = np.random.default_rng(seed)
    grid = np.linspace(*T_RANGE_C, 400)
    truth = softening_curve(grid)
    rows = []
    for _ in range(n_sets):
        t, y = sample_specimens(n_train, noise_HV, rng=rng)
        perm = rng.permutation(n_train)

        def mse(test, t=t, y=y):
            train = np.setdiff1d(np.arange(n_train), test)
            return np.mean((fit_polynomial(t[train], y[train], degree)(t[test]) - y[test]) ** 2)

        n_hold = max(1, int(round(holdout_fraction * n_train)))
        folds = np.array_split(perm, k)
        rows.append({
            "holdout": mse(perm[:n_hold]),
            "kfold": float(np.sum([mse(f) * len(f) for f in folds]) / n_train),
            "loocv": float(np.mean([mse(np.array([i])) for i in range(n_train)])),
            "true": float(np.mean((fit_polynomial(t, y, degree)(grid) - truth) ** 2) + noise_HV**2),
        })
    return pd.DataFrame(rows)


__all__ = ["DENSE_PART", "T_RANGE_C", "softening_curve", "sample_specimens", "fit_polynomial", "fit_logistic",
           "Decomposition", "decompose", "degree_sweep", "ridge_sweep", "cv_estimates"]
