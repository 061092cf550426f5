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
  self-driving labs of MacLeod et al. 2020 (Sci. Adv. 6, eaaz8867); and the constrained form, a known
  objective (build rate) times the probability that a measured constraint holds (density ≥ 99.5 %),
  after Gardner et al. 2014 (ICML, "Bayesian optimization with inequality constraints").

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


def probability_of_feasibility(mean, std, threshold: float) -> np.ndarray:
    """P(f ≥ threshold) under N(mean, std²): Φ((μ − t)/σ) (Gardner et al. 2014)."""
    mean, std = np.asarray(mean, dtype=float), np.maximum(np.asarray(std, dtype=float), 1e-12)
    return norm.cdf((mean - threshold) / std)


def best_feasible_so_far(objective, measured, threshold: float) -> np.ndarray:
    """Running best ``objective`` among the experiments whose measured constraint is ≥ ``threshold``
    (0 until the first feasible one), one value per experiment in the order they were done."""
    obj = np.where(np.asarray(measured, dtype=float) >= threshold, np.asarray(objective, dtype=float), 0.0)
    return np.maximum.accumulate(obj)


@dataclass
class ConstrainedBOHistory:
    """Candidate indices in the order tried, the measured constraint, the known objective, and per
    iteration the acquisition, posterior mean and std of the constraint over all candidates."""

    index: np.ndarray
    measured: np.ndarray
    objective: np.ndarray
    threshold: float
    n_init: int
    acquisition: list[np.ndarray]
    mean: list[np.ndarray]
    std: list[np.ndarray]

    @property
    def best_so_far(self) -> np.ndarray:
        """Best objective among the experiments measured feasible so far (0 before the first)."""
        return best_feasible_so_far(self.objective, self.measured, self.threshold)


def constrained_bayes_opt(measure: Callable[[int], float], inputs, objective, threshold: float,
                          n_init: int = 5, n_iter: int = 20, floor: float | None = None,
                          length_scale: float = 0.5, refit_every: int = 5, seed: int = 0) -> ConstrainedBOHistory:
    """Maximise a known ``objective`` (one value per candidate) subject to a measured constraint ≥ ``threshold``.

    ``inputs`` are the GP inputs of the candidates (rows; e.g. log P and log v), ``measure(i)`` runs the
    experiment on candidate ``i`` and returns the constraint value (e.g. density in %). Random start, then per
    iteration: fit a GP to the measurements (clipped below at ``floor``, so that the GP spends its variance near
    the threshold, not on how bad a failed cube was), and try the untried candidate with the largest
    ``max(objective − best feasible so far, 0) · P(constraint ≥ threshold)``. The kernel hyperparameters
    are re-optimised every ``refit_every`` iterations and kept fixed in between (the GP is still conditioned
    on every new cube), which makes a 20-cube campaign a second or two.
    """
    Z = np.asarray(inputs, dtype=float)
    obj = np.asarray(objective, dtype=float)
    if len(obj) != len(Z):
        raise ValueError(f"objective has {len(obj)} values for {len(Z)} candidates: give one per candidate row")
    rng = np.random.default_rng(seed)
    idx = [int(i) for i in rng.choice(len(Z), n_init, replace=False)]
    meas = [float(measure(i)) for i in idx]
    acqs, means, stds = [], [], []
    kernel = None
    for it in range(n_iter):
        target = np.maximum(meas, floor) if floor is not None else np.asarray(meas)
        if kernel is None or it % refit_every == 0:
            gp = fit_gp(Z[idx], target, length_scale=length_scale, length_scale_bounds=(1e-2, 1e2), restarts=0,
                        seed=seed)
            kernel = gp.kernel_
        else:
            gp = GaussianProcessRegressor(kernel, normalize_y=True, optimizer=None).fit(Z[idx], target)
        mu, sd = gp_predict(gp, Z, include_noise=False)
        best = best_feasible_so_far(obj[idx], meas, threshold)[-1]
        a = np.maximum(obj - best, 0.0) * probability_of_feasibility(mu, sd, threshold)
        a[idx] = -np.inf
        nxt = int(np.argmax(a))
        acqs.append(a)
        means.append(mu)
        stds.append(sd)
        idx.append(nxt)
        meas.append(float(measure(nxt)))
    return ConstrainedBOHistory(np.array(idx), np.array(meas), obj[idx], float(threshold), n_init, acqs, means,
                                stds)
