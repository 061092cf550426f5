"""Uncertainty-aware regression for process–property problems: GPs, NN ensembles, calibration, BO.

- **Gaussian process regression** (Rasmussen & Williams 2006, *Gaussian Processes for Machine Learning*,
  MIT Press, ch. 2 and 5): an anisotropic RBF kernel on the raw process parameters, so that each fitted
  length scale carries the unit of its input (W, mm/s), plus a ``WhiteKernel`` whose variance is the
  aleatoric (measurement) noise, e.g. the Archimedes repeatability of a density cube.
- **Deep ensembles** (Lakshminarayanan, Pritzel & Blundell 2017, NeurIPS): several MLPs from different
  seeds; their spread is the epistemic part, a residual variance the aleatoric part.
- **Calibration**: the fraction of held-out measurements inside the central 68 % / 95 % interval of a
  Gaussian predictive distribution (Kuleshov, Fenner & Ermon 2018, ICML).
- **Bayesian optimisation**: expected improvement (Jones, Schonlau & Welch 1998, J. Global Optim. 13, 455)
  and the upper confidence bound (Srinivas et al. 2010, ICML) over a finite candidate set, as in the
  self-driving labs of MacLeod et al. 2020 (Sci. Adv. 6, eaaz8867).

Book chapter: Sandfeld 2024, *Materials Data Science*, Springer, chapter on regression and uncertainty.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.stats import norm
from sklearn.exceptions import ConvergenceWarning
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import RBF, ConstantKernel, WhiteKernel
from sklearn.neural_network import MLPRegressor
from sklearn.preprocessing import StandardScaler


def fit_gp(X, y, length_scale=(100.0, 500.0), length_scale_bounds=(1.0, 1e5), noise_level: float = 0.05,
           optimize: bool = True, restarts: int = 2, seed: int = 0) -> GaussianProcessRegressor:
    """Fit ``C·RBF(ℓ) + White(σ²)`` on inputs in physical units; ℓ has the units of the columns of ``X``.

    ``optimize=False`` keeps the given hyperparameters (for showing what a length scale does).
    """
    X = np.asarray(X, dtype=float)
    ls = np.broadcast_to(np.asarray(length_scale, dtype=float), (X.shape[1],)).copy()
    kernel = (ConstantKernel(1.0, (1e-2, 1e2)) * RBF(ls, length_scale_bounds)
              + WhiteKernel(noise_level, (1e-4, 1.0)))
    gp = GaussianProcessRegressor(kernel, normalize_y=True, optimizer="fmin_l_bfgs_b" if optimize else None,
                                  n_restarts_optimizer=restarts if optimize else 0, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return gp.fit(X, np.asarray(y, dtype=float))


def gp_hyperparameters(gp: GaussianProcessRegressor) -> dict[str, object]:
    """Fitted length scales (input units), signal std and noise std (units of ``y``) of :func:`fit_gp`."""
    k = gp.kernel_
    scale = float(gp._y_train_std) if gp.normalize_y else 1.0
    return {"length_scale": np.atleast_1d(k.k1.k2.length_scale).astype(float),
            "signal_std": float(np.sqrt(k.k1.k1.constant_value)) * scale,
            "noise_std": float(np.sqrt(k.k2.noise_level)) * scale}


def gp_predict(gp: GaussianProcessRegressor, X, include_noise: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Posterior mean and std; ``include_noise=False`` drops the WhiteKernel (epistemic part only)."""
    mu, sd = gp.predict(np.asarray(X, dtype=float), return_std=True)
    noise = gp_hyperparameters(gp)["noise_std"]
    if include_noise:
        return mu, sd
    return mu, np.sqrt(np.clip(sd**2 - noise**2, 0.0, None))


@dataclass
class MLPEnsemble:
    """Deep ensemble of sklearn MLPs on standardised inputs; ``noise_std`` is the pooled residual std."""

    members: list[MLPRegressor]
    scaler: StandardScaler
    noise_std: float

    def predict(self, X, include_noise: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """Ensemble mean and std (spread of the members, plus the residual noise if ``include_noise``)."""
        Z = self.scaler.transform(np.asarray(X, dtype=float))
        preds = np.stack([m.predict(Z) for m in self.members])
        var = preds.var(axis=0) + (self.noise_std**2 if include_noise else 0.0)
        return preds.mean(axis=0), np.sqrt(var)


def fit_mlp_ensemble(X, y, n_members: int = 5, hidden: tuple[int, ...] = (16, 16), seed: int = 0,
                     max_iter: int = 300) -> MLPEnsemble:
    """Train ``n_members`` MLPs that differ only in their seed (Lakshminarayanan et al. 2017)."""
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    scaler = StandardScaler().fit(X)
    Z = scaler.transform(X)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        members = [MLPRegressor(hidden_layer_sizes=hidden, activation="tanh", solver="lbfgs", alpha=1e-2,
                                max_iter=max_iter, random_state=seed + i).fit(Z, y) for i in range(n_members)]
    resid = y - np.mean([m.predict(Z) for m in members], axis=0)
    return MLPEnsemble(members, scaler, float(np.sqrt(np.mean(resid**2))))


def interval_coverage(y, mean, std, level: float = 0.95) -> float:
    """Fraction of ``y`` inside the central ``level`` interval of N(mean, std²) (0.95 → ±1.96 σ)."""
    if not 0 < level < 1:
        raise ValueError(f"level={level} must be in (0, 1)")
    z = norm.ppf(0.5 + level / 2)
    y, mean, std = (np.asarray(a, dtype=float) for a in (y, mean, std))
    return float(np.mean(np.abs(y - mean) <= z * std))


def expected_improvement(mean, std, best: float, xi: float = 0.0) -> np.ndarray:
    """EI for maximisation: ``(μ − f* − ξ)Φ(z) + σφ(z)``, ``z = (μ − f* − ξ)/σ`` (Jones et al. 1998)."""
    mean, std = np.asarray(mean, dtype=float), np.maximum(np.asarray(std, dtype=float), 1e-12)
    imp = mean - best - xi
    z = imp / std
    return imp * norm.cdf(z) + std * norm.pdf(z)


def upper_confidence_bound(mean, std, kappa: float = 2.0) -> np.ndarray:
    """UCB ``μ + κσ`` (Srinivas et al. 2010): large κ explores, κ → 0 exploits."""
    return np.asarray(mean, dtype=float) + kappa * np.asarray(std, dtype=float)


@dataclass
class BOHistory:
    """Points tried (rows of ``X``), their measured values, and the acquisition/posterior per iteration."""

    X: np.ndarray
    y: np.ndarray
    n_init: int
    acquisition: list[np.ndarray]
    mean: list[np.ndarray]
    std: list[np.ndarray]

    @property
    def best_so_far(self) -> np.ndarray:
        """Running maximum of the measured values, one per experiment."""
        return np.maximum.accumulate(self.y)


def bayes_opt(objective: Callable[[np.ndarray], float], candidates, n_init: int = 5, n_iter: int = 10,
              acquisition: str = "ei", kappa: float = 2.0, xi: float = 0.01, length_scale=(100.0, 500.0),
              seed: int = 0) -> BOHistory:
    """Maximise ``objective`` over the rows of ``candidates``: random start, then one GP + acquisition step
    per iteration (a self-driving-lab loop: fit, propose, measure, repeat). Each candidate is tried once."""
    cand = np.asarray(candidates, dtype=float)
    rng = np.random.default_rng(seed)
    idx = list(rng.choice(len(cand), n_init, replace=False))
    y = [float(objective(cand[i])) for i in idx]
    acqs, means, stds = [], [], []
    for _ in range(n_iter):
        gp = fit_gp(cand[idx], y, length_scale=length_scale, restarts=0, seed=seed)
        mu, sd = gp_predict(gp, cand, include_noise=False)
        if acquisition == "ei":
            a = expected_improvement(mu, sd, max(y), xi)
        elif acquisition == "ucb":
            a = upper_confidence_bound(mu, sd, kappa)
        else:
            raise ValueError(f"acquisition={acquisition!r}: use 'ei' or 'ucb'")
        a = a.copy()
        a[idx] = -np.inf
        nxt = int(np.argmax(a))
        acqs.append(a)
        means.append(mu)
        stds.append(sd)
        idx.append(nxt)
        y.append(float(objective(cand[nxt])))
    return BOHistory(cand[idx], np.array(y), n_init, acqs, means, stds)
