"""Inspect experimental data before learning from it: counting noise, spikes and dropouts in logs, machine
offsets and drift, batch effects, grouped validation, and a physics-based vs a data-driven fit (week 1).

What is here, and the physics or statistics behind it:

- **Counting noise** (:func:`poisson_dispersion`, :func:`residual_autocorrelation`, :func:`variance_to_mean`):
  a detector that counts independent quanta (X-ray photons in an EDS channel, electrons in a pixel) records
  Poisson numbers, variance = mean (Goldstein et al., *Scanning Electron Microscopy and X-Ray
  Microanalysis*, 4th ed., Springer 2018, ch. 19; Reimer, *Scanning Electron Microscopy*, 2nd ed.,
  Springer 1998). On a spectrum whose mean is locally linear, the second difference
  ``c[i-1] − 2 c[i] + c[i+1]`` of independent channels has variance ``6 μ``, so the ratio
  ``Var(second difference) / (6 · mean)`` is 1 for raw Poisson counts, below 1 when neighbouring
  channels were smoothed or resampled (correlated), above 1 for extra noise or unresolved structure.
- **Spikes and dropouts** (:func:`robust_spikes`, :func:`nan_runs`): a rolling median is blind to isolated
  spikes (Tukey 1977, *Exploratory Data Analysis*); residuals beyond ``k`` robust standard deviations
  (1.4826 × median absolute deviation, Hampel 1974, J. Am. Stat. Assoc. 69, 383) are flagged. Runs of
  missing values separate isolated dropouts from blind ranges of a sensor.
- **Photodiode offsets and drift** (:func:`photodiode_levels`): the laser-off baseline of a melt-pool
  signal is the machine's electronic offset; the laser-on plateau divided by the expected level
  ``(ΔH/h_s / 20)^0.7`` (the library's signal model, :func:`mlpc.datasets.process.melt_pool_signals`)
  is the machine's gain, which falls as the protective window fouls during a build.
- **Physics-based vs data-driven** (:func:`cell_size_um`, :func:`physics_vs_forest`): the Hall–Petch
  relation ``σ_y = σ_0 + k / sqrt(λ)`` (Hall 1951, Proc. Phys. Soc. B 64, 747; Petch 1953, J. Iron Steel
  Inst. 174, 25) on the solidification cell size ``λ = 80 · Ṫ^−0.33`` µm (Katayama & Matsunawa 1984) with
  the Rosenthal (1946) centreline cooling rate ``Ṫ = 2π k (T_m − T_0)² v / (A P)``, and the Balshin (1949)
  porosity factor ``(ρ_rel)^4``: two fitted numbers. Against it a random forest (Breiman 2001, Mach.
  Learn. 45, 5) on the raw process parameters. Both are trained on slow scans and tested on fast ones.
- **Batch effects and grouped validation** (:func:`build_offsets`, :func:`split_scores`): rows of one
  specimen or one build share random effects, so a random row split puts the same specimen in training
  and test and rewards memorisation (Roberts et al. 2017, Ecography 40, 913; Kapoor & Narayanan 2023,
  Patterns 4, 100804); batch effects: Leek et al. 2010, Nat. Rev. Genet. 11, 733.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.signal import savgol_filter

from mlpc.datasets.process import AMBIENT_K, MeltPoolSignals, get_material

#: Robust standard deviation of a normal distribution per median absolute deviation (Hampel 1974).
MAD_TO_SIGMA = 1.4826


def _counts_1d(counts: np.ndarray, name: str = "counts") -> np.ndarray:
    arr = np.asarray(counts, dtype=float)
    if arr.ndim != 1 or arr.size < 5:
        raise ValueError(f"{name} must be a 1D array of at least 5 values, got shape {arr.shape}")
    return arr


def _window_mask(n: int, mask: np.ndarray | None) -> np.ndarray:
    if mask is None:
        return np.ones(n, dtype=bool)
    mask = np.asarray(mask, dtype=bool)
    if mask.shape != (n,):
        raise ValueError(f"mask must have shape ({n},), got {mask.shape}")
    return mask


def poisson_dispersion(counts: np.ndarray, mask: np.ndarray | None = None) -> float:
    """``Var(c[i-1] − 2c[i] + c[i+1]) / (6 · mean c)`` over the channels in ``mask`` (default: all).

    1 for independent Poisson counts on a locally linear mean (use a peak-free window, e.g. a continuum
    stretch of an EDS spectrum); < 1 when neighbouring channels are correlated (smoothed or resampled
    data); > 1 for extra noise or curvature of the mean inside the window.
    """
    c = _counts_1d(counts)
    inner = _window_mask(c.size, mask)[1:-1]
    if inner.sum() < 10:
        raise ValueError(f"the window holds {int(inner.sum())} inner channels; at least 10 are needed")
    d2 = c[:-2] - 2.0 * c[1:-1] + c[2:]
    mean = c[1:-1][inner].mean()
    if mean <= 0:
        raise ValueError("the mean count in the window must be > 0")
    return float(d2[inner].var() / (6.0 * mean))


def residual_autocorrelation(counts: np.ndarray, lag: int = 1, mask: np.ndarray | None = None,
                             window: int = 31) -> float:
    """Autocorrelation at ``lag`` channels of the residual from a Savitzky–Golay fit (``window`` channels,
    quadratic; Savitzky & Golay 1964). About 0 for independent channels (slightly negative from the fit),
    clearly positive (e.g. 0.8) when the spectrum was smoothed or resampled."""
    c = _counts_1d(counts)
    if int(lag) != lag or not 1 <= lag <= 10:
        raise ValueError(f"lag must be an integer in [1, 10], got {lag!r}")
    if int(window) != window or window % 2 == 0 or not 7 <= window <= c.size:
        raise ValueError(f"window must be an odd integer in [7, {c.size}], got {window!r}")
    m = _window_mask(c.size, mask)
    resid = (c - savgol_filter(c, int(window), 2))[m]
    if resid.size <= lag + 5:
        raise ValueError(f"the window holds {resid.size} channels; too few for lag {lag}")
    return float(np.corrcoef(resid[:-lag], resid[lag:])[0, 1])


def variance_to_mean(counts: np.ndarray, labels: np.ndarray, min_pixels: int = 50,
                     erode_px: int = 4) -> pd.DataFrame:
    """Mean and variance of the counts inside each flat region (grain interior) of a labelled image.

    ``labels`` assigns a region id to every pixel (e.g. the grain map of a synthetic polycrystal); each
    region is eroded by ``erode_px`` pixels to keep clear of boundaries (their blurred tails add variance
    that grows with dose). For shot-noise-limited counts the variance equals the mean (Poisson), for any
    dose. Returns one row per region with ``mean_counts``,
    ``variance_counts`` and ``n_pixels``.
    """
    from scipy import ndimage

    img = np.asarray(counts, dtype=float)
    lab = np.asarray(labels)
    if img.shape != lab.shape or img.ndim != 2:
        raise ValueError(f"counts {img.shape} and labels {lab.shape} must be 2D arrays of one shape")
    rows = []
    for region in np.unique(lab):
        inside = ndimage.binary_erosion(lab == region, iterations=int(erode_px)) if erode_px else lab == region
        if inside.sum() >= min_pixels:
            vals = img[inside]
            rows.append({"region": int(region), "mean_counts": vals.mean(), "variance_counts": vals.var(ddof=1),
                         "n_pixels": int(inside.sum())})
    return pd.DataFrame(rows, columns=["region", "mean_counts", "variance_counts", "n_pixels"])


@dataclass(frozen=True)
class NetCounts:
    """Net counts of a line above a linear background, with the Poisson standard deviation."""

    energy_keV: float
    gross: float
    background: float
    net: float
    sigma: float

    @property
    def relative_precision(self) -> float:
        """σ_net / net: 1/sqrt(N) for a line without background."""
        return self.sigma / self.net if self.net > 0 else float("inf")


def net_peak_counts(energy_keV: np.ndarray, counts: np.ndarray, center_keV: float,
                    fwhm_keV: float) -> NetCounts:
    """Net counts of the line at ``center_keV`` in a window of ±1 FWHM, background from two side windows.

    The background under the peak is the mean count per channel of two windows of one FWHM each, placed
    1.5 FWHM beyond the window on either side, times the window's channel count (a linear background;
    Goldstein et al. 2018, ch. 19). For Poisson counts the net counts N = G − B have
    ``σ_N = sqrt(G + B·(n_peak / n_side))`` (G gross counts, B background estimate).
    """
    e = _counts_1d(energy_keV, "energy_keV")
    c = _counts_1d(counts)
    if e.shape != c.shape:
        raise ValueError(f"energy_keV {e.shape} and counts {c.shape} must have one shape")
    if not fwhm_keV > 0:
        raise ValueError(f"fwhm_keV must be > 0, got {fwhm_keV!r}")
    peak = np.abs(e - center_keV) <= fwhm_keV
    side = (np.abs(e - center_keV) >= 2.5 * fwhm_keV) & (np.abs(e - center_keV) <= 3.5 * fwhm_keV)
    n_left, n_right = int((side & (e < center_keV)).sum()), int((side & (e > center_keV)).sum())
    if peak.sum() < 3 or min(n_left, n_right) < 2:
        raise ValueError(f"center_keV={center_keV} with fwhm_keV={fwhm_keV} needs >= 3 peak channels and "
                         f">= 2 side channels on each side inside the axis (got {n_left} left, {n_right} right)")
    gross = float(c[peak].sum())
    background = float(c[side].mean() * peak.sum())
    sigma = float(np.sqrt(gross + background * peak.sum() / side.sum()))
    return NetCounts(energy_keV=float(center_keV), gross=gross, background=background,
                     net=gross - background, sigma=sigma)


def robust_spikes(x: np.ndarray, window: int = 15, threshold: float = 6.0) -> np.ndarray:
    """Indices where ``x`` leaves its rolling median by more than ``threshold`` robust standard deviations.

    The rolling median (centred, ``window`` samples, NaN-aware) follows ramps and holds but not isolated
    spikes; the robust standard deviation is 1.4826 × the median absolute residual (Hampel 1974).
    Missing values (NaN) are never flagged.
    """
    arr = np.asarray(x, dtype=float)
    if arr.ndim != 1:
        raise ValueError(f"x must be 1D, got shape {arr.shape}")
    if int(window) != window or window < 3 or window % 2 == 0:
        raise ValueError(f"window must be an odd integer >= 3, got {window!r}")
    if not threshold > 0:
        raise ValueError(f"threshold must be > 0, got {threshold!r}")
    med = pd.Series(arr).rolling(int(window), center=True, min_periods=3).median().to_numpy()
    resid = arr - med
    sigma = MAD_TO_SIGMA * np.nanmedian(np.abs(resid))
    if not sigma > 0:
        return np.array([], dtype=int)
    with np.errstate(invalid="ignore"):
        return np.flatnonzero(np.abs(resid) > threshold * sigma)


def nan_runs(x: np.ndarray) -> list[tuple[int, int]]:
    """Runs of missing values as ``(start, stop)`` index pairs (stop exclusive), in order."""
    missing = np.isnan(np.asarray(x, dtype=float)).astype(np.int8)
    edges = np.diff(np.concatenate([[0], missing, [0]]))
    return list(zip(np.flatnonzero(edges == 1).tolist(), np.flatnonzero(edges == -1).tolist(), strict=True))


def photodiode_levels(signals: MeltPoolSignals, baseline_ms: float = 0.4) -> pd.DataFrame:
    """Per track: laser-off baseline (V), laser-on plateau above it (V) and the apparent gain.

    ``baseline_V`` is the mean signal before ``baseline_ms`` (the laser switches on at 0.5 ms);
    ``plateau_V`` the median of the laser-on samples minus the baseline; ``apparent_gain`` the plateau
    divided by the expected level ``(ΔH/h_s / 20)^0.7`` of the signal model (conduction tracks only, NaN
    for other regimes, whose level carries extra regime factors).
    """
    if not 0 < baseline_ms <= 0.45:
        raise ValueError(f"baseline_ms must be in (0, 0.45] ms (the laser switches on near 0.5 ms), "
                         f"got {baseline_ms!r}")
    before = signals.time_ms < baseline_ms
    baseline = signals.signal_V[:, before].mean(axis=1)
    on = np.where(signals.laser_on, signals.signal_V, np.nan)
    plateau = np.nanmedian(on, axis=1) - baseline
    expected = (signals.normalized_enthalpy / 20.0) ** 0.7
    gain = np.where(signals.regime == "conduction", plateau / expected, np.nan)
    return pd.DataFrame({"machine_id": signals.machine_id, "build_id": signals.build_id,
                         "hours_into_build": signals.hours_into_build, "regime": signals.regime,
                         "baseline_V": baseline, "plateau_V": plateau, "apparent_gain": gain})


# ------------------------------------------------------------------------------------------------------
# Physics-based vs data-driven
# ------------------------------------------------------------------------------------------------------


def cell_size_um(power_W: np.ndarray | float, speed_mm_s: np.ndarray | float,
                 material: str = "316L") -> np.ndarray:
    """Solidification cell size (µm) of an LPBF track: ``λ = 80 · Ṫ^−0.33`` with the Rosenthal centreline
    cooling rate ``Ṫ = 2π k (T_m − T_0)² v / (A P)`` in K/s (Rosenthal 1946; Katayama & Matsunawa 1984)."""
    mat = get_material(material)
    p = np.asarray(power_W, dtype=float)
    v = np.asarray(speed_mm_s, dtype=float)
    if np.any(~np.isfinite(p)) or np.any(p <= 0) or np.any(~np.isfinite(v)) or np.any(v <= 0):
        raise ValueError(f"power_W={power_W!r} and speed_mm_s={speed_mm_s!r} must be finite and > 0")
    rate = (2 * np.pi * mat.conductivity_W_mK * (mat.melt_temperature_K - AMBIENT_K) ** 2 * v * 1e-3
            / (mat.absorptivity * p))
    return 80.0 * rate ** -0.33


PROCESS_COLUMNS = ("power_W", "speed_mm_s", "hatch_um", "layer_um", "anneal_temperature_C", "anneal_time_h",
                   "relative_density_pct")


@dataclass(frozen=True)
class PhysicsVsForest:
    """A Hall–Petch fit and a random forest on the same specimens, split by scan speed.

    ``specimens`` has one row per specimen with ``cell_size_um``, ``train`` (slow scans), the predictions
    ``hall_petch_MPa`` and ``forest_MPa``; ``recrystallised`` holds specimens annealed at or above
    ``recrystallised_from_C`` (outside the training domain of both models) with their predictions.
    ``mae_MPa`` maps ``(model, part)`` to the mean absolute error; parts are ``cv`` (5-fold CV inside the
    training domain), ``extrapolation`` (fast scans) and ``recrystallised``. ``bias_MPa`` is the mean
    signed error (prediction − measurement) on the extrapolation set.
    """

    specimens: pd.DataFrame
    recrystallised: pd.DataFrame
    sigma0_MPa: float
    k_MPa_sqrt_um: float
    split_speed_mm_s: float
    mae_MPa: dict[tuple[str, str], float]
    bias_MPa: dict[str, float]
    description: str


def _hall_petch_design(frame: pd.DataFrame) -> np.ndarray:
    rho4 = (frame["relative_density_pct"].to_numpy() / 100.0) ** 4
    return np.column_stack([rho4, rho4 / np.sqrt(frame["cell_size_um"].to_numpy())])


def physics_vs_forest(n_builds: int = 8, specimens_per_build: int = 40, split_speed_mm_s: float = 1000.0,
                      max_anneal_C: float = 800.0, recrystallised_from_C: float = 1050.0, n_trees: int = 100,
                      seed: int = 0) -> PhysicsVsForest:
    """Fit Hall–Petch (2 numbers) and a random forest (raw process parameters) to LPBF 316L yield strength.

    Data: :func:`mlpc.datasets.tabular.process_property_table`, one row per specimen. Stress-relieved
    specimens (anneal ≤ ``max_anneal_C``, cells retained) scanned at ≤ ``split_speed_mm_s`` train both
    models; faster scans (finer cells, higher strength) test extrapolation; specimens annealed at
    ≥ ``recrystallised_from_C`` (cells recovered, a mechanism neither model saw) test a regime change.
    The forest sees ``PROCESS_COLUMNS`` (power, speed, hatch, layer, anneal, measured density).
    """
    from sklearn.ensemble import RandomForestRegressor
    from sklearn.model_selection import KFold

    from mlpc.datasets.tabular import process_property_table

    if not 100.0 < split_speed_mm_s < 1800.0:
        raise ValueError(f"split_speed_mm_s={split_speed_mm_s} must lie inside the sampled 400–1800 mm/s")
    if not max_anneal_C < recrystallised_from_C <= 1150.0:
        raise ValueError(f"need max_anneal_C ({max_anneal_C}) < recrystallised_from_C "
                         f"({recrystallised_from_C}) <= 1150 °C")
    data = process_property_table(n_builds=n_builds, specimens_per_build=specimens_per_build,
                                  indents_per_specimen=1, seed=seed)
    frame = data.frame.copy()
    frame["cell_size_um"] = cell_size_um(frame["power_W"], frame["speed_mm_s"])
    relieved = frame[frame["anneal_temperature_C"] <= max_anneal_C].reset_index(drop=True)
    recryst = frame[frame["anneal_temperature_C"] >= recrystallised_from_C].reset_index(drop=True)
    train = (relieved["speed_mm_s"] <= split_speed_mm_s).to_numpy()
    if train.sum() < 20 or (~train).sum() < 10:
        raise ValueError(f"split_speed_mm_s={split_speed_mm_s} leaves {train.sum()} training and "
                         f"{(~train).sum()} test specimens; need >= 20 and >= 10")
    y = relieved["yield_strength_MPa"].to_numpy()
    design = _hall_petch_design(relieved)
    cols = list(PROCESS_COLUMNS)

    def fit_hp(rows: np.ndarray) -> np.ndarray:
        return np.linalg.lstsq(design[rows], y[rows], rcond=None)[0]

    def forest() -> RandomForestRegressor:
        return RandomForestRegressor(n_estimators=n_trees, min_samples_leaf=2, random_state=seed, n_jobs=1)

    coef = fit_hp(train)
    model = forest().fit(relieved.loc[train, cols], y[train])
    relieved["train"] = train
    relieved["hall_petch_MPa"] = design @ coef
    relieved["forest_MPa"] = model.predict(relieved[cols])
    recryst["hall_petch_MPa"] = _hall_petch_design(recryst) @ coef
    recryst["forest_MPa"] = model.predict(recryst[cols])

    idx = np.flatnonzero(train)
    cv_hp, cv_rf = np.empty(idx.size), np.empty(idx.size)
    for fit_pos, test_pos in KFold(5, shuffle=True, random_state=seed).split(idx):
        rows_fit, rows_test = idx[fit_pos], idx[test_pos]
        cv_hp[test_pos] = design[rows_test] @ fit_hp(rows_fit)
        cv_rf[test_pos] = forest().fit(relieved.loc[rows_fit, cols], y[rows_fit]).predict(
            relieved.loc[rows_test, cols])
    test = ~train
    mae = {("hall_petch", "cv"): float(np.abs(cv_hp - y[idx]).mean()),
           ("forest", "cv"): float(np.abs(cv_rf - y[idx]).mean())}
    bias = {}
    for name in ("hall_petch", "forest"):
        pred = relieved[f"{name}_MPa"].to_numpy()
        mae[(name, "extrapolation")] = float(np.abs(pred - y)[test].mean())
        bias[name] = float((pred - y)[test].mean())
        mae[(name, "recrystallised")] = float(np.abs(recryst[f"{name}_MPa"] - recryst["yield_strength_MPa"]).mean())
    return PhysicsVsForest(
        specimens=relieved, recrystallised=recryst, sigma0_MPa=float(coef[0]), k_MPa_sqrt_um=float(coef[1]),
        split_speed_mm_s=float(split_speed_mm_s), mae_MPa=mae, bias_MPa=bias,
        description=(f"{train.sum()} training / {test.sum()} extrapolation / {len(recryst)} recrystallised "
                     f"specimens of LPBF 316L"),
    )


# ------------------------------------------------------------------------------------------------------
# Batch effects and grouped validation
# ------------------------------------------------------------------------------------------------------


def build_offsets(frame: pd.DataFrame) -> pd.DataFrame:
    """Per build: mean hardness residual (HV) against the physics model without batch terms, with its
    standard error, from a table of :func:`mlpc.datasets.tabular.process_property_table`.

    The residual of an indent is its ``hardness_HV`` minus
    :func:`mlpc.datasets.tabular.process_property_truth` at ``build_number=0`` (fresh powder, no build
    effect); averaged per build it estimates that build's offset (random build effect + powder drift).
    Returns columns ``build_id``, ``build_index``, ``build_date``, ``residual_HV``, ``sem_HV``,
    ``n_specimens``, ``layer_um``.
    """
    from mlpc.datasets.tabular import process_property_truth

    need = {"build_id", "specimen_id", "build_date", "hardness_HV", *PROCESS_COLUMNS[:6]}
    missing = need - set(frame.columns)
    if missing:
        raise ValueError(f"frame lacks the columns {sorted(missing)}")
    clean = frame.dropna(subset=sorted(need))
    truth = process_property_truth(clean["power_W"], clean["speed_mm_s"], clean["hatch_um"], clean["layer_um"],
                                   clean["anneal_temperature_C"], clean["anneal_time_h"], build_number=0)
    resid = clean.assign(residual_HV=clean["hardness_HV"].to_numpy() - truth["hardness_HV"])
    per_specimen = resid.groupby(["build_id", "specimen_id"], sort=True).agg(
        residual_HV=("residual_HV", "mean"), build_date=("build_date", "first"), layer_um=("layer_um", "first"))
    out = per_specimen.groupby("build_id", sort=True).agg(
        residual_HV=("residual_HV", "mean"), sd=("residual_HV", "std"), n_specimens=("residual_HV", "size"),
        build_date=("build_date", "first"), layer_um=("layer_um", "first")).reset_index()
    out["sem_HV"] = out.pop("sd") / np.sqrt(out["n_specimens"])
    out["build_index"] = np.arange(len(out))
    return out[["build_id", "build_index", "build_date", "residual_HV", "sem_HV", "n_specimens", "layer_um"]]


def split_scores(X: np.ndarray | pd.DataFrame, y: np.ndarray, groups: dict[str, np.ndarray | None],
                 n_splits: int = 5, n_trees: int = 100, seed: int = 0) -> pd.DataFrame:
    """Cross-validated MAE and R² of one random forest under several splits of the same rows.

    ``groups`` maps a split name to group labels (rows of one group never straddle training and test:
    :class:`~sklearn.model_selection.GroupKFold`) or to ``None`` (a shuffled row-wise
    :class:`~sklearn.model_selection.KFold`). Returns one row per split: ``split``, ``mae``, ``r2``.
    """
    from sklearn.ensemble import RandomForestRegressor
    from sklearn.metrics import mean_absolute_error, r2_score
    from sklearn.model_selection import GroupKFold, KFold, cross_val_predict

    y = np.asarray(y, dtype=float)
    if len(X) != y.size:
        raise ValueError(f"X has {len(X)} rows but y has {y.size}")
    rows = []
    for name, g in groups.items():
        model = RandomForestRegressor(n_estimators=n_trees, random_state=seed, n_jobs=1)
        if g is None:
            cv, g_arr = KFold(n_splits, shuffle=True, random_state=seed), None
        else:
            g_arr = np.asarray(g)
            n_groups = np.unique(g_arr).size
            if n_groups < 2:
                raise ValueError(f"split {name!r} has {n_groups} group; need at least 2")
            cv = GroupKFold(min(n_splits, n_groups))
        pred = cross_val_predict(model, X, y, cv=cv, groups=g_arr)
        rows.append({"split": name, "mae": mean_absolute_error(y, pred), "r2": r2_score(y, pred)})
    return pd.DataFrame(rows)


__all__ = [
    "MAD_TO_SIGMA", "PROCESS_COLUMNS", "NetCounts", "PhysicsVsForest", "build_offsets", "cell_size_um",
    "nan_runs", "net_peak_counts", "photodiode_levels", "physics_vs_forest", "poisson_dispersion",
    "residual_autocorrelation", "robust_spikes", "split_scores", "variance_to_mean",
]
