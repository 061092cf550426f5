"""ML process maps from scattered LPBF experiments, physics-constrained regression and inverse queries (week 8).

What is here, and where it comes from:

- **Features** (:func:`process_features`): the raw machine settings ``(P, v)`` or physical variables, the
  volumetric energy density ``E_v = P/(v·h·t)`` (a common lack-of-fusion proxy; Gong et al. 2014, Addit. Manuf.
  1–4, 87) and the normalised enthalpy ``ΔH/h_s`` (keyhole above ≈ 30; Hann, Iammi & Folkes 2011, J. Phys. D
  44, 445401; King et al. 2014, J. Mater. Process. Technol. 214, 2915), in log10. In these variables the keyhole
  boundary is a straight line; week 8's generator (:data:`LACK_OF_FUSION`) decides lack of fusion by melt-pool
  overlap (Tang, Pistorius & Beuth 2017, Addit. Manuf. 14, 39), which is not a line of constant ``E_v``, and
  balling (``L/W > π`` after Yadroitsev et al. 2010, J. Mater. Process. Technol. 210, 1624) stays curved too.
- **Density models** (:data:`DENSITY_MODELS`, :func:`fit_density_model`): a quadratic response surface in
  ``(P, v)`` (the classic design-of-experiments model, Box & Wilson 1951, J. R. Stat. Soc. B 13, 1);
  gradient-boosted trees (Friedman 2001, Ann. Stat. 29, 1189; histogram variant after Ke et al. 2017,
  LightGBM, NeurIPS) on ``(P, v)`` or on the physical variables; and the physics-constrained model: trees on
  ``(log E_v, log ΔH/h_s)`` with monotone constraints (density rises with ``E_v`` as lack-of-fusion pores
  close, falls with ``ΔH/h_s`` as keyhole pores and balling appear) and the bound ``ρ_rel ≤ 100 %``. These
  directions are an approximation: the overlap generator breaks them near the low-power edge of the window.
- **Regime classifier** (:func:`fit_regime_classifier`): multinomial logistic regression on raw or physical
  features, a linear-boundary process map in the spirit of the SVM process maps of Aoyagi et al. 2019
  (Addit. Manuf. 27, 353).
- **Honest comparisons**: :func:`cross_validated_scores` (same K folds for every model) and
  :func:`extrapolation_scores` (train inside a sampled P–v box, test on the experiments outside it).
- **Inverse problems**: :func:`equal_density_pair` (two parameter sets of one density from the data
  generator, :mod:`mlpc.datasets.process`), :func:`inverse_query` (all parameters a surrogate maps to a target
  density: the low-energy and the high-energy branch), :func:`fit_direct_inverse` (a regressor ``ρ_rel → P``
  that averages the branches: why inverse problems need a forward model and a search;
  Bishop 1994, "Mixture density networks", Aston University NCRG/94/004; Hadamard 1902 on well-posedness).
- **Process corridor** (:func:`robust_corridor`): parameters whose predicted density stays above a threshold
  for every ±tolerance change of power and speed and that lie inside the convex hull of the experiments
  (the model's applicability domain).

Textbook: S. Sandfeld, *Materials Data Science*, Springer 2024 (regression, decision trees and ensembles,
model validation).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import brentq
from scipy.spatial import Delaunay
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.neighbors import KNeighborsRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import PolynomialFeatures, StandardScaler
from threadpoolctl import threadpool_limits

from mlpc.datasets import process as pr

FEATURE_KINDS: tuple[str, ...] = ("raw", "physics")
"""``raw``: (P in W, v in mm/s); ``physics``: (log10 E_v in J/mm³, log10 ΔH/h_s)."""

DENSITY_MODELS: dict[str, str] = {
    "quadratic": "quadratic response surface in (P, v)",
    "trees_raw": "boosted trees on (P, v), unconstrained",
    "trees_physics": "boosted trees on (E_v, ΔH/h_s), unconstrained",
    "trees_physics_monotone": "boosted trees on (E_v, ΔH/h_s), monotone, ≤ 100 %",
}
"""The density models compared in week 8 (key -> one-line description)."""

#: Monotone directions of the relative density in (log10 E_v, log10 ΔH/h_s): +1 rises, −1 falls.
MONOTONE_DIRECTIONS: tuple[int, int] = (1, -1)

#: Hyper-parameters of the boosted trees (small data: shallow leaves, a fixed number of rounds).
TREE_PARAMS: dict[str, Any] = {"max_iter": 100, "learning_rate": 0.15, "max_leaf_nodes": 15,
                               "min_samples_leaf": 3, "early_stopping": False}

LACK_OF_FUSION = "overlap"
"""The lack-of-fusion criterion of week 8's generator (:data:`mlpc.datasets.process.LACK_OF_FUSION_CRITERIA`):
melt-pool overlap ``(h/W)² + (t/D)² > 1`` (Tang, Pistorius & Beuth 2017), under which the densest setting lies
inside the P–v map. The physics-informed features ``(E_v, ΔH/h_s)`` are then NOT the generator's law."""

QUALITY_THRESHOLD_PCT = 99.5
"""'Good' parts: relative density ≥ 99.5 % (the quality label of :func:`mlpc.datasets.process.quality_label`)."""


def _as_float(name: str, value) -> np.ndarray:
    arr = np.asarray(value, dtype=float)
    if not np.all(np.isfinite(arr)) or np.any(arr <= 0):
        raise ValueError(f"{name} must be finite and > 0, got {value!r}")
    return arr


def process_features(power_W, speed_mm_s, kind: str = "physics", material: str = "316L",
                     hatch_um: float = 100.0, layer_um: float = 30.0) -> np.ndarray:
    """Feature matrix ``(n, k)`` of laser power ``power_W`` (W) and scan speed ``speed_mm_s`` (mm/s).

    ``kind="raw"``: ``[P, v]``; ``"physics"``: ``[log10 E_v (J/mm³), log10 ΔH/h_s]``. Arrays broadcast and
    are flattened.
    """
    if kind not in FEATURE_KINDS:
        raise ValueError(f"kind={kind!r} must be one of {FEATURE_KINDS}")
    p, v = np.broadcast_arrays(_as_float("power_W", power_W), _as_float("speed_mm_s", speed_mm_s))
    p, v = p.ravel(), v.ravel()
    if kind == "raw":
        return np.column_stack([p, v])
    return np.column_stack([np.log10(pr.volumetric_energy_density(p, v, hatch_um, layer_um)),
                            np.log10(pr.normalized_enthalpy(p, v, material))])


def _hatch_layer(experiments: pd.DataFrame) -> tuple[float, float]:
    for col in ("power_W", "speed_mm_s", "hatch_um", "layer_um"):
        if col not in experiments:
            raise ValueError(f"experiments must have a column {col!r} (see mlpc.datasets.process.process_experiments)")
    hatch, layer = experiments["hatch_um"].unique(), experiments["layer_um"].unique()
    if len(hatch) != 1 or len(layer) != 1:
        raise ValueError("a P–v process map needs one hatch and one layer thickness; got "
                         f"hatch {sorted(hatch)} µm, layer {sorted(layer)} µm")
    return float(hatch[0]), float(layer[0])


@dataclass(frozen=True)
class ProcessModel:
    """A fitted process-map model: ``predict(P_W, v_mm_s)`` returns density (%) or regime labels."""

    kind: str
    features: str
    estimator: Any
    material: str
    hatch_um: float
    layer_um: float
    upper_bound_pct: float | None = None

    def _x(self, power_W, speed_mm_s) -> tuple[np.ndarray, tuple[int, ...]]:
        shape = np.broadcast_shapes(np.shape(power_W), np.shape(speed_mm_s))
        return process_features(power_W, speed_mm_s, self.features, self.material, self.hatch_um,
                                self.layer_um), shape

    def predict(self, power_W, speed_mm_s) -> np.ndarray:
        """Prediction at (P, v) (arrays broadcast; the result has the broadcast shape)."""
        x, shape = self._x(power_W, speed_mm_s)
        with threadpool_limits(1):
            y = self.estimator.predict(x)
        if self.upper_bound_pct is not None:
            y = np.minimum(y, self.upper_bound_pct)
        return y.reshape(shape)

    def predict_proba(self, power_W, speed_mm_s) -> np.ndarray:
        """Class probabilities ``(..., n_classes)`` of a regime classifier (order: ``estimator.classes_``)."""
        if not hasattr(self.estimator, "predict_proba"):
            raise ValueError(f"model {self.kind!r} is a regressor: it has no class probabilities")
        x, shape = self._x(power_W, speed_mm_s)
        with threadpool_limits(1):
            return self.estimator.predict_proba(x).reshape(*shape, -1)


def _density_estimator(kind: str, seed: int):
    if kind == "quadratic":
        return "raw", make_pipeline(StandardScaler(), PolynomialFeatures(2), LinearRegression()), None
    if kind == "trees_raw":
        return "raw", HistGradientBoostingRegressor(**TREE_PARAMS, random_state=seed), None
    if kind == "trees_physics":
        return "physics", HistGradientBoostingRegressor(**TREE_PARAMS, random_state=seed), None
    if kind == "trees_physics_monotone":
        est = HistGradientBoostingRegressor(**TREE_PARAMS, monotonic_cst=list(MONOTONE_DIRECTIONS),
                                            random_state=seed)
        return "physics", est, 100.0
    raise ValueError(f"kind={kind!r} must be one of {list(DENSITY_MODELS)}")


def fit_density_model(experiments: pd.DataFrame, kind: str = "trees_physics_monotone",
                      target: str = "relative_density_pct", material: str = "316L",
                      seed: int = 0) -> ProcessModel:
    """Fit one of :data:`DENSITY_MODELS` to a table of experiments (columns of ``process_experiments``)."""
    hatch, layer = _hatch_layer(experiments)
    if target not in experiments:
        raise ValueError(f"target={target!r} is not a column of experiments")
    features, est, bound = _density_estimator(kind, seed)
    x = process_features(experiments["power_W"].to_numpy(), experiments["speed_mm_s"].to_numpy(), features,
                         material, hatch, layer)
    with threadpool_limits(1):
        est.fit(x, experiments[target].to_numpy(dtype=float))
    return ProcessModel(kind, features, est, material, hatch, layer, bound)


def fit_regime_classifier(experiments: pd.DataFrame, features: str = "physics", material: str = "316L",
                          C: float = 100.0) -> ProcessModel:
    """Multinomial logistic regression of the regime on standardised ``features`` (a linear process map)."""
    hatch, layer = _hatch_layer(experiments)
    if "regime" not in experiments:
        raise ValueError("experiments must have a 'regime' column")
    x = process_features(experiments["power_W"].to_numpy(), experiments["speed_mm_s"].to_numpy(), features,
                         material, hatch, layer)
    est = make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=5000))
    with threadpool_limits(1):
        est.fit(x, experiments["regime"].to_numpy())
    return ProcessModel(f"logistic_{features}", features, est, material, hatch, layer, None)


def rmse(y_true, y_pred) -> float:
    """Root-mean-square error (same unit as the target)."""
    d = np.asarray(y_pred, dtype=float) - np.asarray(y_true, dtype=float)
    return float(np.sqrt(np.mean(d**2)))


def cross_validated_scores(experiments: pd.DataFrame, kinds=tuple(DENSITY_MODELS), n_splits: int = 5,
                           material: str = "316L", seed: int = 0) -> pd.DataFrame:
    """K-fold RMSE and MAE (% points) of each density model on the SAME folds (shuffled with ``seed``).

    Returns one row per model: ``model``, ``rmse_pct``, ``rmse_std_pct`` (over folds), ``mae_pct``.
    """
    if not 2 <= n_splits <= len(experiments):
        raise ValueError(f"n_splits={n_splits} must be in [2, {len(experiments)}]")
    folds = list(KFold(n_splits, shuffle=True, random_state=seed).split(experiments))
    rows = []
    for kind in kinds:
        errs, maes = [], []
        for tr, te in folds:
            model = fit_density_model(experiments.iloc[tr], kind, material=material, seed=seed)
            test = experiments.iloc[te]
            pred = model.predict(test["power_W"].to_numpy(), test["speed_mm_s"].to_numpy())
            errs.append(rmse(test["relative_density_pct"], pred))
            maes.append(float(np.mean(np.abs(pred - test["relative_density_pct"].to_numpy()))))
        rows.append({"model": kind, "rmse_pct": float(np.mean(errs)), "rmse_std_pct": float(np.std(errs)),
                     "mae_pct": float(np.mean(maes))})
    return pd.DataFrame(rows)


def cross_validated_regime_accuracy(experiments: pd.DataFrame, features=("raw", "physics"), n_splits: int = 5,
                                    material: str = "316L", seed: int = 0) -> pd.DataFrame:
    """Balanced accuracy of the logistic regime classifier per feature set, on the same stratified folds."""
    folds = list(StratifiedKFold(n_splits, shuffle=True, random_state=seed).split(experiments,
                                                                                   experiments["regime"]))
    rows = []
    for feat in features:
        pred = np.empty(len(experiments), dtype=object)
        for tr, te in folds:
            model = fit_regime_classifier(experiments.iloc[tr], feat, material)
            test = experiments.iloc[te]
            pred[te] = model.predict(test["power_W"].to_numpy(), test["speed_mm_s"].to_numpy())
        rows.append({"features": feat,
                     "balanced_accuracy": float(balanced_accuracy_score(experiments["regime"], pred.astype(str)))})
    return pd.DataFrame(rows)


def in_box(experiments: pd.DataFrame, power_max_W: float, speed_max_mm_s: float) -> np.ndarray:
    """Boolean mask of experiments with ``P ≤ power_max_W`` and ``v ≤ speed_max_mm_s`` (the sampled range)."""
    return ((experiments["power_W"] <= power_max_W) & (experiments["speed_mm_s"] <= speed_max_mm_s)).to_numpy()


def extrapolation_scores(experiments: pd.DataFrame, power_max_W: float = 250.0, speed_max_mm_s: float = 1500.0,
                         kinds=tuple(DENSITY_MODELS), threshold_pct: float = QUALITY_THRESHOLD_PCT,
                         material: str = "316L", seed: int = 0) -> pd.DataFrame:
    """Train every model on the experiments inside the sampled box, test on those outside it.

    Columns: ``model``, ``n_train``, ``n_test``, ``rmse_inside_pct`` (training data, optimistic),
    ``rmse_outside_pct`` (measured density of the experiments beyond the box), ``max_pred_pct``,
    ``false_safe`` (outside experiments predicted ≥ ``threshold_pct`` but measured below it) and
    ``above_100`` (outside predictions > 100 %, physically impossible).
    """
    inside = in_box(experiments, power_max_W, speed_max_mm_s)
    if inside.sum() < 10 or (~inside).sum() < 1:
        raise ValueError(f"the box P ≤ {power_max_W} W, v ≤ {speed_max_mm_s} mm/s leaves {inside.sum()} training "
                         f"and {(~inside).sum()} test experiments: need ≥ 10 and ≥ 1")
    train, test = experiments[inside], experiments[~inside]
    rows = []
    for kind in kinds:
        model = fit_density_model(train, kind, material=material, seed=seed)
        p_in = model.predict(train["power_W"].to_numpy(), train["speed_mm_s"].to_numpy())
        p_out = model.predict(test["power_W"].to_numpy(), test["speed_mm_s"].to_numpy())
        y_out = test["relative_density_pct"].to_numpy()
        rows.append({"model": kind, "n_train": int(inside.sum()), "n_test": int((~inside).sum()),
                     "rmse_inside_pct": rmse(train["relative_density_pct"], p_in),
                     "rmse_outside_pct": rmse(y_out, p_out), "max_pred_pct": float(p_out.max()),
                     "false_safe": int(np.sum((p_out >= threshold_pct) & (y_out < threshold_pct))),
                     "above_100": int(np.sum(p_out > 100.0))})
    return pd.DataFrame(rows)


# ----------------------------------------------------------------------------------------------------------
# Inverse problems
# ----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EqualDensityPair:
    """Two laser powers at one scan speed that give the same (noise-free) relative density."""

    target_pct: float
    speed_mm_s: float
    power_W: tuple[float, float]
    regime: tuple[str, str]
    normalized_enthalpy: tuple[float, float]
    energy_density_J_mm3: tuple[float, float]
    melt_pool_depth_um: tuple[float, float]
    power_at_peak_W: float
    peak_density_pct: float


def equal_density_pair(target_pct: float = 98.0, speed_mm_s: float = 800.0, material: str = "316L",
                       hatch_um: float = 100.0, layer_um: float = 30.0,
                       power_range_W: tuple[float, float] = (50.0, 400.0),
                       lack_of_fusion: str = LACK_OF_FUSION) -> EqualDensityPair:
    """The low-power and the high-power solution of ``ρ_rel(P, v) = target`` at fixed ``v`` (forward model of
    :func:`mlpc.datasets.process.relative_density_model` with ``lack_of_fusion``): the inverse is multi-valued.

    Raises ``ValueError`` if the target is not reached on both sides of the density peak in ``power_range_W``.
    """
    def f(p: float) -> float:
        return float(pr.relative_density_model(p, speed_mm_s, hatch_um, layer_um, material, lof)) - target_pct

    lof = lack_of_fusion
    grid = np.linspace(*power_range_W, 701)
    dens = pr.relative_density_model(grid, speed_mm_s, hatch_um, layer_um, material, lof)
    k = int(np.argmax(dens))
    if not (dens[:k + 1].min() < target_pct < dens[k] and dens[k:].min() < target_pct):
        raise ValueError(f"target_pct={target_pct} is not crossed twice at v={speed_mm_s} mm/s in "
                         f"P = {power_range_W} W (peak {dens[k]:.2f} %)")
    lo_idx = int(np.flatnonzero(dens[:k + 1] < target_pct)[-1])
    hi_idx = k + int(np.flatnonzero(dens[k:] < target_pct)[0])
    p_lo = brentq(f, grid[lo_idx], grid[k])
    p_hi = brentq(f, grid[k], grid[hi_idx])
    powers = (float(p_lo), float(p_hi))
    pa = np.array(powers)
    return EqualDensityPair(
        target_pct=float(target_pct), speed_mm_s=float(speed_mm_s), power_W=powers,
        regime=tuple(str(r) for r in pr.classify_regime(pa, speed_mm_s, hatch_um, layer_um, material, lof)),
        normalized_enthalpy=tuple(float(x) for x in pr.normalized_enthalpy(pa, speed_mm_s, material)),
        energy_density_J_mm3=tuple(float(x) for x in pr.volumetric_energy_density(pa, speed_mm_s, hatch_um,
                                                                                    layer_um)),
        melt_pool_depth_um=tuple(float(x) for x in pr.melt_pool_size(
            pa, speed_mm_s, material, slow_scan_bound=lof == "overlap").depth_um),
        power_at_peak_W=float(grid[k]), peak_density_pct=float(dens[k]),
    )


def parameter_grid(n_power: int = 141, n_speed: int = 141, power_range_W: tuple[float, float] = (50.0, 400.0),
                   speed_range_mm_s: tuple[float, float] = (100.0, 3000.0)) -> tuple[np.ndarray, np.ndarray]:
    """Power (linear) and speed (logarithmic) axes of a P–v map; use ``np.meshgrid(p, v, indexing="ij")``."""
    if n_power < 3 or n_speed < 3:
        raise ValueError(f"n_power={n_power} and n_speed={n_speed} must be >= 3")
    return np.linspace(*power_range_W, n_power), np.geomspace(*speed_range_mm_s, n_speed)


def build_rate_mm3_s(speed_mm_s, hatch_um: float = 100.0, layer_um: float = 30.0) -> np.ndarray:
    """Volumetric build rate of one laser ``v·h·t`` in mm³/s (× 3.6 for cm³/h)."""
    return _as_float("speed_mm_s", speed_mm_s) * hatch_um * 1e-3 * layer_um * 1e-3


@dataclass(frozen=True)
class InverseSolutions:
    """The settings a forward model maps to ``target_pct``: at each scan speed the lowest and the highest power at
    which the predicted density crosses the target (the two edges of the superlevel set ``ρ̂ ≥ target``).

    ``power_low_W`` is the low-energy branch (less power: lack of fusion), ``power_high_W`` the high-energy branch
    (more power: keyhole / balling). A branch is NaN where it lies outside the searched power range (the target is
    already reached at the lowest or still at the highest power) or where no power reaches the target.
    """

    target_pct: float
    speed_mm_s: np.ndarray
    power_low_W: np.ndarray
    power_high_W: np.ndarray
    reachable: np.ndarray

    @property
    def n_solutions(self) -> int:
        """Number of (P, v) solutions found on the grid (both branches)."""
        return int(np.sum(~np.isnan(self.power_low_W)) + np.sum(~np.isnan(self.power_high_W)))

    def at_speed(self, speed_mm_s: float) -> tuple[float, float]:
        """(low-energy, high-energy) power in W at the grid speed closest to ``speed_mm_s`` (log distance)."""
        k = int(np.argmin(np.abs(np.log(self.speed_mm_s / _as_float("speed_mm_s", speed_mm_s)))))
        return float(self.power_low_W[k]), float(self.power_high_W[k])

    def fastest_speed_mm_s(self) -> float:
        """The highest scan speed at which some power still reaches the target (where the branches meet)."""
        if not self.reachable.any():
            raise ValueError(f"no setting reaches {self.target_pct} %")
        return float(self.speed_mm_s[self.reachable][-1])


def inverse_query(model: ProcessModel, target_pct: float, power_W: np.ndarray | None = None,
                  speed_mm_s: np.ndarray | None = None) -> InverseSolutions:
    """Search a P–v grid (powers ascending) for every setting whose predicted density reaches ``target_pct`` and
    return, per speed, the lowest and the highest such power: the two branches of the multi-valued inverse."""
    p_ax, v_ax = parameter_grid() if power_W is None or speed_mm_s is None else (np.asarray(power_W, float),
                                                                                   np.asarray(speed_mm_s, float))
    if np.any(np.diff(p_ax) <= 0):
        raise ValueError("power_W must be strictly increasing")
    pp, vv = np.meshgrid(p_ax, v_ax, indexing="ij")
    ok = model.predict(pp, vv) >= target_pct
    reachable = ok.any(axis=0)
    first = np.argmax(ok, axis=0)
    last = len(p_ax) - 1 - np.argmax(ok[::-1], axis=0)
    low = np.where(reachable & (first > 0), p_ax[first], np.nan)
    high = np.where(reachable & (last < len(p_ax) - 1), p_ax[last], np.nan)
    return InverseSolutions(float(target_pct), v_ax, low, high, reachable)


@dataclass(frozen=True)
class DirectInverse:
    """A regressor ``ρ_rel → P`` fitted directly to cubes printed in one speed band (the tempting shortcut)."""

    estimator: Any
    speed_band_mm_s: tuple[float, float]
    n_cubes: int

    def power_for(self, density_pct) -> np.ndarray:
        """Predicted laser power (W) for a target relative density (%) in the speed band."""
        d = np.asarray(density_pct, dtype=float)
        with threadpool_limits(1):
            return self.estimator.predict(d.reshape(-1, 1)).reshape(d.shape)


def fit_direct_inverse(experiments: pd.DataFrame, speed_band_mm_s: tuple[float, float] = (600.0, 1070.0),
                       n_neighbors: int = 9) -> DirectInverse:
    """k-nearest-neighbour regression of P on the measured density of the cubes in ``speed_band_mm_s``.

    Under squared loss any regressor estimates the conditional MEAN power given the density, i.e. an average of
    the low- and the high-energy branch, a power that gives a different density (Bishop 1994).
    """
    v = experiments["speed_mm_s"].to_numpy()
    band = (v >= speed_band_mm_s[0]) & (v <= speed_band_mm_s[1])
    if band.sum() < n_neighbors:
        raise ValueError(f"only {band.sum()} cubes in {speed_band_mm_s} mm/s: need at least n_neighbors={n_neighbors}")
    est = KNeighborsRegressor(n_neighbors=n_neighbors)
    with threadpool_limits(1):
        est.fit(experiments.loc[band, "relative_density_pct"].to_numpy().reshape(-1, 1),
                experiments.loc[band, "power_W"].to_numpy())
    return DirectInverse(est, (float(speed_band_mm_s[0]), float(speed_band_mm_s[1])), int(band.sum()))


# ----------------------------------------------------------------------------------------------------------
# Process corridor
# ----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Corridor:
    """A safe processing corridor on a P–v grid (arrays shaped ``(n_power, n_speed)``).

    ``robust_min_pct`` is the lowest predicted density over the ±``tolerance`` neighbourhood of each point;
    ``safe = robust_min_pct ≥ threshold_pct`` and inside the applicability domain (``in_domain``).
    """

    power_W: np.ndarray
    speed_mm_s: np.ndarray
    predicted_pct: np.ndarray
    robust_min_pct: np.ndarray
    in_domain: np.ndarray
    safe: np.ndarray
    threshold_pct: float
    tolerance: float

    def best_build_rate(self, hatch_um: float = 100.0, layer_um: float = 30.0) -> tuple[float, float, float]:
        """(P in W, v in mm/s, build rate in mm³/s) of the safe point with the highest build rate ``v·h·t``
        (ties: the one with the highest robust density)."""
        if not self.safe.any():
            raise ValueError("the corridor is empty: no safe point to choose from")
        i, j = np.nonzero(self.safe)
        order = np.lexsort((-self.robust_min_pct[i, j], -self.speed_mm_s[j]))
        k = order[0]
        v = float(self.speed_mm_s[j[k]])
        return float(self.power_W[i[k]]), v, float(build_rate_mm3_s(v, hatch_um, layer_um))


def inside_hull(points_P_v: np.ndarray, query_P, query_v) -> np.ndarray:
    """True where (P, v) lies inside the convex hull of the experiments, in (P, log10 v) coordinates."""
    pts = np.column_stack([points_P_v[:, 0], np.log10(points_P_v[:, 1])])
    qp, qv = np.broadcast_arrays(np.asarray(query_P, float), np.asarray(query_v, float))
    q = np.column_stack([qp.ravel(), np.log10(qv.ravel())])
    return (Delaunay(pts).find_simplex(q) >= 0).reshape(qp.shape)


def robust_corridor(model: ProcessModel, experiments: pd.DataFrame | None = None,
                    threshold_pct: float = QUALITY_THRESHOLD_PCT, tolerance: float = 0.05,
                    power_W: np.ndarray | None = None, speed_mm_s: np.ndarray | None = None) -> Corridor:
    """Safe region: predicted density ≥ ``threshold_pct`` at P·(1+a), v·(1+b) for all a, b in
    {−tolerance, 0, +tolerance} (machine drift, absorptivity scatter), and inside the experiments' hull."""
    if not 0 <= tolerance < 0.5:
        raise ValueError(f"tolerance={tolerance} must be in [0, 0.5)")
    p_ax, v_ax = parameter_grid() if power_W is None or speed_mm_s is None else (np.asarray(power_W, float),
                                                                                   np.asarray(speed_mm_s, float))
    pp, vv = np.meshgrid(p_ax, v_ax, indexing="ij")
    pred = model.predict(pp, vv)
    worst = pred.copy()
    for a in (-tolerance, 0.0, tolerance):
        for b in (-tolerance, 0.0, tolerance):
            if a or b:
                worst = np.minimum(worst, model.predict(pp * (1 + a), vv * (1 + b)))
    if experiments is None:
        domain = np.ones(pp.shape, dtype=bool)
    else:
        domain = inside_hull(experiments[["power_W", "speed_mm_s"]].to_numpy(), pp, vv)
    safe = (worst >= threshold_pct) & domain
    return Corridor(p_ax, v_ax, pred, worst, domain, safe, float(threshold_pct), float(tolerance))


def corridor_truth_check(corridor: Corridor, material: str = "316L", hatch_um: float = 100.0,
                         layer_um: float = 30.0, lack_of_fusion: str = LACK_OF_FUSION) -> dict[str, float]:
    """Compare a corridor with the generator's noise-free density: ``precision`` (share of corridor points that
    are truly ≥ threshold), ``coverage`` (share of truly robust-safe points inside the corridor), ``n_safe``."""
    pp, vv = np.meshgrid(corridor.power_W, corridor.speed_mm_s, indexing="ij")
    t = corridor.tolerance
    true_worst = pr.relative_density_model(pp, vv, hatch_um, layer_um, material, lack_of_fusion)
    true_here = true_worst.copy()
    for a in (-t, 0.0, t):
        for b in (-t, 0.0, t):
            true_worst = np.minimum(true_worst, pr.relative_density_model(pp * (1 + a), vv * (1 + b), hatch_um,
                                                                          layer_um, material, lack_of_fusion))
    truly_safe = true_worst >= corridor.threshold_pct
    n = int(corridor.safe.sum())
    return {"n_safe": n,
            "precision": float(np.mean(true_here[corridor.safe] >= corridor.threshold_pct)) if n else float("nan"),
            "coverage": float(np.mean(corridor.safe[truly_safe])) if truly_safe.any() else float("nan"),
            "min_true_pct": float(true_here[corridor.safe].min()) if n else float("nan")}


__all__ = [
    "FEATURE_KINDS", "DENSITY_MODELS", "MONOTONE_DIRECTIONS", "TREE_PARAMS", "LACK_OF_FUSION", "QUALITY_THRESHOLD_PCT",
    "process_features", "ProcessModel", "fit_density_model", "fit_regime_classifier", "rmse",
    "cross_validated_scores", "cross_validated_regime_accuracy", "in_box", "extrapolation_scores",
    "EqualDensityPair", "equal_density_pair", "parameter_grid", "build_rate_mm3_s", "InverseSolutions",
    "inverse_query", "DirectInverse", "fit_direct_inverse", "Corridor", "inside_hull", "robust_corridor",
    "corridor_truth_check",
]
