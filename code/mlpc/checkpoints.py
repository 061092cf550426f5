"""The checkpoints that the handouts print in boxes, for :func:`mlpc.checks.check`.

Only what a handout already shows: the numbers of its checkpoint box (typed in the box, or printed there from
the data by a hidden cell; those are recomputed here the same way), the tolerance the handout states and its
hint. Week 5 states "about ±0.03 for scores" (CPU threads change the training slightly) and gives exact data
facts; Week 8 states "±1 in the last digit shown unless stated". ``tests/test_student_checks.py`` holds each
entry against the handout's text.
"""

from __future__ import annotations

import functools

from mlpc.checks import Checkpoint, Value

SCORE = 0.03  # Week 5: "to about ±0.03 for scores"


@functools.lru_cache(maxsize=1)
def _week08_cubes():
    from mlpc.datasets import process

    return process.process_experiments(n_points=120, seed=8, lack_of_fusion="overlap")   # as the handout


def _week08_cube0(column: str):
    return lambda: round(float(_week08_cubes().loc[0, column]), 2)


def _week08_regimes() -> dict[str, Value]:
    counts = _week08_cubes()["regime"].value_counts()
    return {name: Value(int(counts.get(name, 0)), 0) for name in ("conduction", "keyhole", "lack_of_fusion",
                                                                     "balling")}


@functools.lru_cache(maxsize=1)
def _week08_accuracy() -> dict[str, float]:
    from mlpc import process_maps as pm

    acc = pm.cross_validated_regime_accuracy(_week08_cubes(), ("raw", "physics"), seed=8)
    return {"raw": round(float(acc.balanced_accuracy[0]), 3), "physics": round(float(acc.balanced_accuracy[1]), 3)}


@functools.lru_cache(maxsize=1)
def _week08_rmse() -> dict[str, float]:
    from mlpc import process_maps as pm

    cv = pm.cross_validated_scores(_week08_cubes(), ("trees_raw", "trees_physics", "trees_physics_monotone"),
                                   seed=8)
    names = ("trees (P, v)", "trees (E_v, ΔH/h_s)", "monotone trees (E_v, ΔH/h_s)")
    return {n: round(float(r), 2) for n, r in zip(names, cv.rmse_pct, strict=True)}


@functools.lru_cache(maxsize=1)
def _week08_corridor() -> float:
    from mlpc import process_maps as pm

    model = pm.fit_density_model(_week08_cubes(), "trees_physics_monotone")
    p_ax, v_ax = pm.parameter_grid(101, 101)
    cor = pm.robust_corridor(model, _week08_cubes(), power_W=p_ax, speed_mm_s=v_ax)
    return round(float(cor.safe.mean()), 3)


def _lazy(table, key):
    return lambda: table()[key]


WEEK08_N_GOOD = Value(lambda: int((_week08_cubes()["relative_density_pct"] >= 99.5).sum()), 0)

CHECKPOINTS: dict[str, Checkpoint] = {
    "5.1": Checkpoint("Week 5, Task 1", {
        "field_um": Value(128, 0.5, "µm"),
        "porosity_pct": Value(15.1, 0.1, "%"),
        "class_pct": {"gas_pore": Value(10.2, 0.1, "%"), "lack_of_fusion": Value(4.6, 0.1, "%"),
                      "crack": Value(0.36, 0.01, "%"), "inclusion": Value(1.1, 0.1, "%")},
    }),
    "5.2": Checkpoint("Week 5, Task 2", {
        "sigma": Value(1.0, 0.05, "px"),
        "iou": Value(0.84, SCORE), "dice": Value(0.91, SCORE),
        "recall": {"inclusion": Value(0.41, SCORE), "crack": Value(0.61, SCORE)},
    }, hint="`class_recall` gives, per true class, the fraction of pixels marked as void."),
    "5.3": Checkpoint("Week 5, Task 3", {
        "n_weights": Value(29_641, 0), "rf_px": Value(44, 0, "px"), "rf_um": Value(88, 0, "µm"),
        "val_iou": Value(0.93, SCORE),
    }, hint="If the IoU stays near 0: you passed the masks as `float` 0/255 or the images and masks in a "
            "different order."),
    "5.4": Checkpoint("Week 5, Task 4", {
        "unet_iou": Value(0.90, SCORE), "unet_dice": Value(0.95, SCORE),
        "unet_porosity_error_pct": Value(0.6, 0.1, "%"), "unet_bias_pct": Value(-0.3, 0.1, "%"),
        "otsu_iou": Value(0.84, SCORE), "otsu_dice": Value(0.91, SCORE),
        "otsu_porosity_error_pct": Value(1.7, 0.1, "%"), "otsu_bias_pct": Value(1.6, 0.1, "%"),
        "worst_iou": Value(0.42, SCORE), "border_recall": Value(0.95, SCORE), "inside_recall": Value(0.91, SCORE),
        "border_share_pct": Value(58, 1, "%"),
    }),
    "5.5": Checkpoint("Week 5, Task 5", {
        "unet_iou_1um": Value(0.65, SCORE), "otsu_iou_1um": Value(0.91, SCORE),
        "unet_iou_resampled": Value(0.80, SCORE), "unet_iou_4um": Value(0.87, SCORE),
        "otsu_iou_4um": Value(0.30, SCORE), "unet_iou_3e": Value(0.54, SCORE), "otsu_iou_3e": Value(0.47, SCORE),
    }),
    "11.2": Checkpoint("Week 11, Task 2", {
        "max_dmu_pct": Value(0.0, 1e-6, "%"), "max_dsd_pct": Value(0.0, 1e-6, "%"),
    }, hint="Posterior mean and epistemic std at X_new (constant mean ȳ, Cholesky of K + σ_n² I)."),
    "11.3": Checkpoint("Week 11, Task 3", {
        "max_dmu_pct": Value(0.0, 1e-6, "%"), "max_dsd_pct": Value(0.0, 1e-6, "%"),
    }, hint="standardise the inputs (fit the scaler on the training cubes only)"),
    "8.1": Checkpoint("Week 8, Task 1", {
        "E_v0": Value(_week08_cube0("energy_density_J_mm3"), 0.01, "J/mm³"),
        "dH0": Value(_week08_cube0("normalized_enthalpy"), 0.01),
        "n_regime": _week08_regimes,
        "n_good": WEEK08_N_GOOD,
    }, hint="A factor of 1000 off in ΔH/h_s means v was left in mm/s; a factor 10⁹ means σ in µm. E_v uses "
            "millimetres throughout: h = 0.1 mm, t = 0.03 mm."),
    "8.2": Checkpoint("Week 8, Task 2", {
        "bal_acc": {name: Value(_lazy(_week08_accuracy, name), 0.01) for name in ("raw", "physics")},
    }, hint="Use one list of folds for both feature sets: the comparison is only fair on the same split. "
            "Balanced accuracy averages the recall of the four regimes, so the few balling cubes count as much "
            "as the many keyhole cubes."),
    "8.3": Checkpoint("Week 8, Task 3", {
        "cv_rmse": {name: Value(_lazy(_week08_rmse, name), 0.01, "% points")
                    for name in ("trees (P, v)", "trees (E_v, ΔH/h_s)", "monotone trees (E_v, ΔH/h_s)")},
    }, hint="If your numbers are close but not equal, check that every model sees the same `kfold` list and "
            "that you clip only the constrained model. Boosted trees need no feature scaling."),
    "8.5": Checkpoint("Week 8, Task 5", {
        "corridor_fraction": Value(_week08_corridor, 0.001),
    }, hint="`np.argmax` on a boolean column returns the index of the first `True` (and 0 if there is none: "
            "check `ok.any(axis=0)`). For the last `True`, reverse the column with `ok[::-1]`."),
}
