"""Leakage in materials workflows: flawed and honest pipelines side by side, on the same data and model.

Leakage is any route by which information about the test set reaches the model or its preprocessing, so
that the reported score is better than the score on genuinely new specimens (Kaufman et al. 2012, *ACM
Trans. Knowl. Discov. Data* 6, 15; Kapoor & Narayanan 2023, *Patterns* 4, 100804). The routes shown here:

- **Group leakage** (:func:`split_scheme_scores`): the five Vickers indents of one specimen share its
  microstructure and its random effects; the specimens of one build plate share a powder lot and a plate
  position. A random split of rows puts the same specimen on both sides and rewards memorisation
  (Roberts et al. 2017, *Ecography* 40, 913, on grouped, spatial and temporal cross-validation).
- **Temporal leakage** (:func:`temporal_scores`): powder reuse drifts the strength build after build; a
  random split lets the model interpolate the drift that a model deployed on next month's builds has to
  extrapolate. The honest split trains on the past and tests on the future (forward chaining).
- **Spatial leakage** (:func:`micrograph_tiles`, :func:`tile_scores`): tiles cut from one micrograph share
  the specimen's actual grain size and the imaging session (brightness, contrast, dose, focus); a random
  tile split lets a classifier recognise the session instead of the microstructure.
- **Pre-processing leakage** (:func:`selection_leak`): a feature selection fitted on all rows has seen the
  test labels. On labels with no relation to the features at all it still "finds" signal (Ambroise &
  McLachlan 2002, *PNAS* 99, 6562; Varma & Simon 2006, *BMC Bioinformatics* 7, 91).
- **The planted flaws of the week-3 exercise** (:func:`lab_table`, :func:`run_pipeline`): duplicate rows,
  a target-derived column, a target encoding fitted before the split, and splits that ignore specimens,
  builds and time, each switchable so that its inflation of the score can be measured alone.

Data: :func:`mlpc.datasets.tabular.process_property_table` (LPBF 316L, indents per specimen, specimens per
build, builds every 4 days with a powder-reuse drift), :func:`mlpc.datasets.micrographs.polycrystal` with
:func:`mlpc.datasets.imaging.acquire`, and :func:`mlpc.datasets.process.melt_pool_signals`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.feature_selection import SelectKBest, f_classif
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold, KFold, StratifiedGroupKFold, StratifiedKFold, cross_val_score
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler, TargetEncoder

from mlpc.datasets import imaging
from mlpc.datasets.micrographs import polycrystal
from mlpc.datasets.process import melt_pool_signals
from mlpc.datasets.tabular import process_property_table
from mlpc.metrics import regression_scores

#: The columns known before a part is built and annealed: the honest inputs of a hardness model.
PROCESS_FEATURES: tuple[str, ...] = ("power_W", "speed_mm_s", "hatch_um", "layer_um", "energy_density_J_mm3",
                                     "anneal_temperature_C", "anneal_time_h")

#: The table every leakage demonstration of week 3 uses: 30 builds × 4 specimens × 5 indents (600 rows),
#: builds every 4 days over four months.
TABLE_SHAPE = {"n_builds": 30, "specimens_per_build": 4, "indents_per_specimen": 5}


def hardness_table(seed: int = 0, **defects: int) -> pd.DataFrame:
    """The week's LPBF 316L indent table (:data:`TABLE_SHAPE`), optionally with injected ``duplicates``,
    ``missing`` cells or ``outliers``."""
    return process_property_table(**TABLE_SHAPE, seed=seed, **defects).frame


def forest(seed: int = 0, n_estimators: int = 100) -> RandomForestRegressor:
    """The regressor of every tabular comparison: a random forest (Breiman 2001), flexible enough to
    memorise a specimen it has seen."""
    return RandomForestRegressor(n_estimators=n_estimators, random_state=seed, n_jobs=1)


def split_indices(frame: pd.DataFrame, scheme: str, n_splits: int = 5, seed: int = 0
                  ) -> list[tuple[np.ndarray, np.ndarray]]:
    """Train/test indices of ``n_splits`` folds: ``"row"`` (random rows), ``"specimen"`` or ``"build"``
    (whole groups on one side)."""
    idx = np.arange(len(frame))
    if scheme == "row":
        return list(KFold(n_splits, shuffle=True, random_state=seed).split(idx))
    if scheme in ("specimen", "build"):
        groups = frame[f"{scheme}_id"].to_numpy()
        return list(GroupKFold(n_splits, shuffle=True, random_state=seed).split(idx, groups=groups))
    raise ValueError(f"scheme={scheme!r} must be 'row', 'specimen' or 'build'")


def groups_on_both_sides(train: np.ndarray, test: np.ndarray, groups: np.ndarray) -> int:
    """Number of groups (specimens, builds, micrographs) with members in both ``train`` and ``test``."""
    g = np.asarray(groups)
    return len(set(g[train]) & set(g[test]))


def out_of_fold(model, X: np.ndarray, y: np.ndarray, folds: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """Predictions for every row from the fold model that did not see it."""
    pred = np.full(len(y), np.nan)
    for train, test in folds:
        pred[test] = clone(model).fit(X[train], y[train]).predict(X[test])
    return pred


def split_scheme_scores(frame: pd.DataFrame, schemes: Iterable[str] = ("row", "specimen", "build"),
                        model_factory: Callable[[], object] = forest, n_splits: int = 5,
                        seed: int = 0) -> pd.DataFrame:
    """MAE, RMSE (HV) and R² of the same model under each split scheme (pooled out-of-fold predictions),
    with the number of specimens that had indents on both sides of a fold. The out-of-fold predictions are
    kept in ``result.attrs["predictions"][scheme]``."""
    X = frame[list(PROCESS_FEATURES)].to_numpy()
    y = frame["hardness_HV"].to_numpy()
    rows, predictions = [], {}
    for scheme in schemes:
        folds = split_indices(frame, scheme, n_splits, seed)
        predictions[scheme] = out_of_fold(model_factory(), X, y, folds)
        s = regression_scores(y, predictions[scheme])
        shared = sum(groups_on_both_sides(tr, te, frame["specimen_id"].to_numpy()) for tr, te in folds)
        rows.append({"scheme": scheme, "MAE": s["MAE"], "RMSE": s["RMSE"], "R2": s["R2"],
                     "specimens_on_both_sides": shared})
    result = pd.DataFrame(rows)
    result.attrs["predictions"] = predictions
    return result


def forward_split(frame: pd.DataFrame, test_fraction: float = 0.25) -> tuple[np.ndarray, np.ndarray]:
    """Train on the earliest builds, test on the latest ``test_fraction`` of builds (by build date)."""
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction={test_fraction} must lie in (0, 1)")
    builds = frame.groupby("build_id")["build_date"].first().sort_values()
    n_test = max(1, int(round(test_fraction * len(builds))))
    test_builds = set(builds.index[-n_test:])
    is_test = frame["build_id"].isin(test_builds).to_numpy()
    return np.flatnonzero(~is_test), np.flatnonzero(is_test)


def random_build_split(frame: pd.DataFrame, test_fraction: float = 0.25, seed: int = 0
                       ) -> tuple[np.ndarray, np.ndarray]:
    """Whole builds on each side, but test builds drawn at random from the whole period."""
    builds = np.array(sorted(frame["build_id"].unique()))
    n_test = max(1, int(round(test_fraction * len(builds))))
    test_builds = np.random.default_rng(seed).choice(builds, n_test, replace=False)
    is_test = frame["build_id"].isin(test_builds).to_numpy()
    return np.flatnonzero(~is_test), np.flatnonzero(is_test)


def temporal_scores(frame: pd.DataFrame, model_factory: Callable[[], object] = forest,
                    test_fraction: float = 0.25, n_random: int = 5, seed: int = 0) -> dict[str, float]:
    """MAE (HV) and R² of the forward split (past → future) and the means over ``n_random`` random build
    splits of the same size; both keep whole builds together, so the difference is the time effect alone.
    ``forward_bias`` is the mean residual (measured − predicted, HV) on the future builds."""
    X = frame[list(PROCESS_FEATURES)].to_numpy()
    y = frame["hardness_HV"].to_numpy()
    tr, te = forward_split(frame, test_fraction)
    pred = model_factory().fit(X[tr], y[tr]).predict(X[te])
    forward = regression_scores(y[te], pred)
    random = []
    for k in range(n_random):
        tr, te = random_build_split(frame, test_fraction, seed=seed + k)
        random.append(regression_scores(y[te], model_factory().fit(X[tr], y[tr]).predict(X[te])))
    return {"forward_MAE": forward["MAE"], "forward_R2": forward["R2"],
            "forward_bias": float(np.mean(y[forward_split(frame, test_fraction)[1]] - pred)),
            "random_builds_MAE": float(np.mean([r["MAE"] for r in random])),
            "random_builds_R2": float(np.mean([r["R2"] for r in random])),
            "random_builds_MAE_sd": float(np.std([r["MAE"] for r in random]))}


# ----------------------------------------------------------------------------------------------------------
# Spatial leakage: tiles of micrographs
# ----------------------------------------------------------------------------------------------------------

TILE_FEATURES: tuple[str, ...] = ("mean grey", "grey spread", "mean gradient", "10th percentile")


@dataclass(frozen=True)
class TileSet:
    """Tiles cut from micrographs of two anneal conditions.

    ``features``: (n_tiles, 4) per :data:`TILE_FEATURES`; ``label``: 0 = fine-grained condition,
    1 = coarse-grained; ``micrograph``: which micrograph (= specimen and imaging session) a tile came from;
    ``images``: the acquired micrographs (for figures); ``mean_intercept_um``: each micrograph's true E112
    mean intercept.
    """

    features: np.ndarray
    label: np.ndarray
    micrograph: np.ndarray
    images: np.ndarray
    mean_intercept_um: np.ndarray
    tile_px: int
    pixel_size_um: float


def tile_features(tile: np.ndarray) -> np.ndarray:
    """Four simple tile descriptors: mean grey, grey spread, mean gradient magnitude, 10th percentile."""
    t = np.asarray(tile, dtype=float)
    gy, gx = np.gradient(t)
    return np.array([t.mean(), t.std(), np.hypot(gx, gy).mean(), np.percentile(t, 10)])


def micrograph_tiles(n_per_class: int = 10, size: int = 256, tile_px: int = 64, pixel_size_um: float = 0.5,
                     grains: tuple[int, int] = (100, 70), specimen_spread: float = 0.25,
                     seed: int = 0) -> TileSet:
    """Polycrystal micrographs of two anneal conditions (nominal ``grains`` per field: more grains = finer),
    each specimen's grain count scattered log-normally (``specimen_spread``) and each imaged in its own
    session (gain 0.6–1.0, offset 0–0.2, probe FWHM 0.5–1.5 µm, dose 20–200 counts/px), cut into tiles."""
    if size % tile_px:
        raise ValueError(f"size={size} must be a multiple of tile_px={tile_px}")
    rng = np.random.default_rng(seed)
    feats, labels, groups, images, intercepts = [], [], [], [], []
    for cls, nominal in enumerate(grains):
        for _ in range(n_per_class):
            n = max(4, int(round(nominal * rng.lognormal(0.0, specimen_spread))))
            p = polycrystal(size, n, pixel_size_um=pixel_size_um, seed=int(rng.integers(2**31 - 1)))
            gain, offset = rng.uniform(0.6, 1.0), rng.uniform(0.0, 0.2)
            shot = imaging.acquire(offset + gain * p.image, pixel_size_um, psf_fwhm=rng.uniform(0.5, 1.5),
                                   dose=rng.uniform(20, 200), seed=int(rng.integers(2**31 - 1)))
            img = shot.image
            images.append(img)
            intercepts.append(p.mean_intercept_um)
            for i in range(0, size, tile_px):
                for j in range(0, size, tile_px):
                    feats.append(tile_features(img[i:i + tile_px, j:j + tile_px]))
                    labels.append(cls)
                    groups.append(len(images) - 1)
    return TileSet(features=np.array(feats), label=np.array(labels), micrograph=np.array(groups),
                   images=np.array(images), mean_intercept_um=np.array(intercepts), tile_px=tile_px,
                   pixel_size_um=float(pixel_size_um))


def tile_scores(tiles: TileSet, n_splits: int = 5, seed: int = 0) -> dict[str, float]:
    """Accuracy of a random forest on random tile folds vs folds that keep each micrograph together."""
    model = RandomForestClassifier(n_estimators=100, random_state=seed, n_jobs=1)
    X, y, g = tiles.features, tiles.label, tiles.micrograph
    random = cross_val_score(model, X, y, cv=StratifiedKFold(n_splits, shuffle=True, random_state=seed))
    grouped = cross_val_score(model, X, y, groups=g,
                              cv=StratifiedGroupKFold(n_splits, shuffle=True, random_state=seed))
    return {"random_tiles": float(random.mean()), "grouped_by_micrograph": float(grouped.mean())}


# ----------------------------------------------------------------------------------------------------------
# Pre-processing leakage: feature selection before cross-validation
# ----------------------------------------------------------------------------------------------------------

def photodiode_spectra(n_tracks: int = 40, seed: int = 1) -> np.ndarray:
    """log10 power spectra (250 frequency bins, 0.2–50 kHz) of ``n_tracks`` conduction-mode photodiode
    records of :func:`mlpc.datasets.process.melt_pool_signals`: many features, few specimens."""
    m = melt_pool_signals(n_tracks=4 * n_tracks + 8, seed=seed)
    sig = m.signal_V[m.regime == "conduction"][:n_tracks]
    if len(sig) < n_tracks:
        raise ValueError(f"only {len(sig)} conduction tracks drawn; lower n_tracks")
    spec = np.abs(np.fft.rfft(sig - sig.mean(axis=1, keepdims=True), axis=1)) ** 2
    return np.log10(spec[:, 1:])


def selection_leak(X: np.ndarray, y: np.ndarray, k: int = 10, n_splits: int = 5, seed: int = 0
                   ) -> tuple[float, float]:
    """Cross-validated accuracy of logistic regression on the ``k`` best features (ANOVA F), with the
    selection fitted on all rows before the split (leaky) and refitted inside every training fold (honest)."""
    cv = StratifiedKFold(n_splits, shuffle=True, random_state=seed)
    chosen = SelectKBest(f_classif, k=k).fit_transform(X, y)
    leaky = cross_val_score(LogisticRegression(solver="liblinear"), chosen, y, cv=cv).mean()
    pipe = make_pipeline(SelectKBest(f_classif, k=k), LogisticRegression(solver="liblinear"))
    honest = cross_val_score(pipe, X, y, cv=cv).mean()
    return float(leaky), float(honest)


def null_selection_experiment(X: np.ndarray, n_repeats: int = 10, k: int = 10, seed: int = 0) -> pd.DataFrame:
    """:func:`selection_leak` on ``n_repeats`` random balanced labelings of ``X`` (true accuracy 50 %)."""
    rng = np.random.default_rng(seed)
    base = np.arange(len(X)) % 2
    rows = []
    for r in range(n_repeats):
        leaky, honest = selection_leak(X, rng.permutation(base), k=k, seed=r)
        rows.append({"repeat": r, "leaky": leaky, "honest": honest})
    return pd.DataFrame(rows)


# ----------------------------------------------------------------------------------------------------------
# The week-3 exercise: a lab table and a pipeline with switchable flaws
# ----------------------------------------------------------------------------------------------------------

#: The planted flaws: ``duplicates`` (double export left in), ``derived_column`` (specimen mean hardness,
#: computed from the target, used as a feature), ``encoding_before_split`` (target encoding of the build
#: fitted on all rows), ``time_ignored`` (test builds drawn from the whole period instead of the latest),
#: ``groups_ignored`` (rows split at random: indents of one specimen on both sides; implies time_ignored).
FLAWS: tuple[str, ...] = ("duplicates", "derived_column", "encoding_before_split", "time_ignored",
                          "groups_ignored")


def lab_table(seed: int = 0, duplicates: int = 90) -> pd.DataFrame:
    """The exercise's indent table: :func:`hardness_table` with ``duplicates`` exact duplicate rows and the
    reporting script's column ``specimen_mean_HV`` (mean of the specimen's indents, duplicates included)."""
    frame = hardness_table(seed=seed, duplicates=duplicates)
    frame["specimen_mean_HV"] = frame.groupby("specimen_id")["hardness_HV"].transform("mean")
    return frame


@dataclass(frozen=True)
class PipelineResult:
    """Test-set scores of one pipeline variant: MAE, RMSE (HV), R², sizes, and what crossed the split."""

    flaws: tuple[str, ...]
    MAE: float
    RMSE: float
    R2: float
    n_train: int
    n_test: int
    specimens_on_both_sides: int
    duplicate_pairs_across: int


def _duplicate_pairs_across(frame: pd.DataFrame, train: np.ndarray, test: np.ndarray) -> int:
    key = pd.util.hash_pandas_object(frame, index=False).to_numpy()
    return len(set(key[train]) & set(key[test]))


def run_pipeline(frame: pd.DataFrame, flaws: Iterable[str] = (), test_fraction: float = 0.25,
                 seed: int = 0) -> PipelineResult:
    """Fit and score the hardness pipeline of the exercise with the given ``flaws`` switched on.

    Without flaws: exact duplicates dropped, inputs = :data:`PROCESS_FEATURES` + a target encoding of
    ``build_id`` (fitted on the training rows only, inside the pipeline), forward split (the latest quarter
    of builds is the test set), random forest. Each flaw changes exactly one of these steps (:data:`FLAWS`).
    """
    unknown = set(flaws) - set(FLAWS)
    if unknown:
        raise ValueError(f"unknown flaws {sorted(unknown)}; choose from {FLAWS}")
    flaws = tuple(sorted(set(flaws), key=FLAWS.index))
    df = frame if "duplicates" in flaws else frame.drop_duplicates(ignore_index=True)
    numeric = list(PROCESS_FEATURES) + (["specimen_mean_HV"] if "derived_column" in flaws else [])
    X = df[numeric + ["build_id"]]
    y = df["hardness_HV"].to_numpy()
    if "groups_ignored" in flaws:
        order = np.random.default_rng(seed).permutation(len(df))
        n_test = int(round(test_fraction * len(df)))
        train, test = np.sort(order[n_test:]), np.sort(order[:n_test])
    elif "time_ignored" in flaws:
        train, test = random_build_split(df, test_fraction, seed=seed)
    else:
        train, test = forward_split(df, test_fraction)
    prep = ColumnTransformer([("num", StandardScaler(), numeric),
                              ("build", TargetEncoder(cv=KFold(5, shuffle=True, random_state=seed)), ["build_id"])])
    model = forest(seed)
    if "encoding_before_split" in flaws:
        Z = prep.fit(X, y).transform(X)
        pred = model.fit(Z[train], y[train]).predict(Z[test])
    else:
        pipe = Pipeline([("prep", prep), ("model", model)])
        pred = pipe.fit(X.iloc[train], y[train]).predict(X.iloc[test])
    s = regression_scores(y[test], pred)
    return PipelineResult(flaws=flaws, MAE=s["MAE"], RMSE=s["RMSE"], R2=s["R2"], n_train=len(train),
                          n_test=len(test),
                          specimens_on_both_sides=groups_on_both_sides(train, test, df["specimen_id"].to_numpy()),
                          duplicate_pairs_across=_duplicate_pairs_across(df, train, test))


def flaw_ablation(frame: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """Each flaw alone on top of the honest pipeline, and the honest and fully flawed pipelines.

    ``inflation_HV`` = honest MAE − MAE of the variant (how much better the variant *looks*).
    """
    honest = run_pipeline(frame, (), seed=seed)
    variants = [("honest", ())] + [(f"+ {f}", (f,)) for f in FLAWS] + [("all flaws", FLAWS)]
    rows = []
    for name, fl in variants:
        r = honest if not fl else run_pipeline(frame, fl, seed=seed)
        rows.append({"variant": name, "MAE": r.MAE, "R2": r.R2, "inflation_HV": honest.MAE - r.MAE,
                     "specimens_on_both_sides": r.specimens_on_both_sides,
                     "duplicate_pairs_across": r.duplicate_pairs_across})
    return pd.DataFrame(rows)


#: The order in which the exercise's solution repairs the flaws (most blatant first).
FIX_ORDER: tuple[str, ...] = ("derived_column", "duplicates", "encoding_before_split", "groups_ignored",
                              "time_ignored")


def fix_ladder(frame: pd.DataFrame, order: Iterable[str] = FIX_ORDER, seed: int = 0) -> pd.DataFrame:
    """Start from all flaws and repair them one at a time in ``order``; MAE and R² after each repair.

    ``gain_HV`` = MAE after the repair − MAE before it: the part of the flawed score that this flaw faked,
    given the flaws already repaired (the steps add up to honest − flawed).
    """
    order = tuple(order)
    if sorted(order) != sorted(FLAWS):
        raise ValueError(f"order must list every flaw once: {FLAWS}")
    remaining = list(FLAWS)
    prev = run_pipeline(frame, remaining, seed=seed)
    rows = [{"step": "all flaws", "MAE": prev.MAE, "R2": prev.R2, "gain_HV": 0.0}]
    for flaw in order:
        remaining.remove(flaw)
        r = run_pipeline(frame, remaining, seed=seed)
        rows.append({"step": f"fix {flaw}", "MAE": r.MAE, "R2": r.R2, "gain_HV": r.MAE - prev.MAE})
        prev = r
    return pd.DataFrame(rows)


__all__ = ["PROCESS_FEATURES", "TABLE_SHAPE", "hardness_table", "forest", "split_indices", "groups_on_both_sides",
           "out_of_fold", "split_scheme_scores", "forward_split", "random_build_split", "temporal_scores",
           "TILE_FEATURES", "TileSet", "tile_features", "micrograph_tiles", "tile_scores", "photodiode_spectra",
           "selection_leak", "null_selection_experiment", "FLAWS", "lab_table", "PipelineResult", "run_pipeline",
           "flaw_ablation", "FIX_ORDER", "fix_ladder"]
