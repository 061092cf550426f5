"""Week 13 figures: class activation maps and a planted scale-bar shortcut, SHAP on LPBF 316L yield strength,
why ML fails in real labs (leakage, shift, small n) and a multi-modal fusion under grouped validation.

Methods: CAM (Zhou et al., CVPR 2016), shortcut learning (Geirhos et al., Nat. Mach. Intell. 2, 665, 2020),
Tree SHAP (Lundberg et al., Nat. Mach. Intell. 2, 56, 2020). Textbook: Sandfeld, *Materials Data Science*,
Springer 2024, ch. 17–18.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from matplotlib.figure import Figure

from mlpc import explain
from mlpc.plotting import OKABE_ITO, close, label, new_figure, show_image

TARGET_CLASS = 2  # the class whose training micrographs carry the burnt-in scale bar


@dataclass(frozen=True)
class ShortcutRun:
    """A SmallCNN trained on micrographs where only ``TARGET_CLASS`` carries a scale bar, and its test set."""

    model: object
    X_test: np.ndarray
    y_test: np.ndarray
    class_names: tuple[str, ...]
    acc_with_bar: float
    acc_without_bar: float
    recall_target_with_bar: float
    recall_target_without_bar: float
    others_called_target_with_bar: float
    others_called_target_without_bar: float


@lru_cache(maxsize=2)
def shortcut_run(n_per_class: int = 50, epochs: int = 8, seed: int = 0) -> ShortcutRun:
    """Train :class:`SmallCNN` (week 5) on 64 px micrographs with the planted bar (150 train / 50 test images);
    score it on test images with and without the bar. Seeded, ≈ 5–10 s on 2 cores."""
    import torch

    from mlpc.datasets.micrographs import microstructure_classes
    from mlpc.models.cnn import SmallCNN, fit, predict

    torch.manual_seed(seed)
    data = microstructure_classes(n_per_class=n_per_class, size=64, seed=seed)
    n_train = 3 * len(data.y) // 4
    Xbar = explain.plant_scale_bar(data.X, data.y, TARGET_CLASS)
    model = SmallCNN(seed=seed)
    fit(model, Xbar[:n_train], data.y[:n_train], Xbar[n_train:], data.y[n_train:], epochs=epochs, seed=seed)
    Xt, yt = data.X[n_train:], data.y[n_train:]
    p_bar = predict(model, Xbar[n_train:]).argmax(1)
    p_clean = predict(model, Xt).argmax(1)
    tgt = yt == TARGET_CLASS
    p_others = predict(model, explain.plant_scale_bar(Xt, np.full(len(yt), TARGET_CLASS), TARGET_CLASS)).argmax(1)
    return ShortcutRun(model=model, X_test=Xt, y_test=yt, class_names=data.class_names,
                       acc_with_bar=float((p_bar == yt).mean()), acc_without_bar=float((p_clean == yt).mean()),
                       recall_target_with_bar=float((p_bar[tgt] == TARGET_CLASS).mean()),
                       recall_target_without_bar=float((p_clean[tgt] == TARGET_CLASS).mean()),
                       others_called_target_with_bar=float((p_others[~tgt] == TARGET_CLASS).mean()),
                       others_called_target_without_bar=float((p_clean[~tgt] == TARGET_CLASS).mean()))


#: The shortcut metrics of :class:`ShortcutRun` that the seed study reports: (with bar, without bar) pairs.
SHORTCUT_METRICS: dict[str, tuple[str, str]] = {
    "'particles' recall": ("recall_target_with_bar", "recall_target_without_bar"),
    "other classes called 'particles'": ("others_called_target_with_bar", "others_called_target_without_bar"),
}


def shortcut_seed_study(seeds: tuple[int, ...] = (0, 1, 2, 3, 4)) -> dict[str, np.ndarray]:
    """:func:`shortcut_run` repeated over seeds (new micrographs, split and initialisation each time; same model,
    epochs and bar). Returns ``{metric: array (seeds, 2)}`` of (with bar, bar removed) for each metric of
    :data:`SHORTCUT_METRICS`; the bar-removed column is the baseline the shortcut is measured against."""
    runs = [shortcut_run(seed=s) for s in seeds]
    return {name: np.array([(getattr(r, w), getattr(r, wo)) for r in runs], float)
            for name, (w, wo) in SHORTCUT_METRICS.items()}


def shortcut_seeds_figure(study: dict[str, np.ndarray]) -> Figure:
    """Per metric: each seed as a line from "without bar" to "with bar", and the medians as black bars."""
    fig, axes = new_figure(len(study), 1, size=(11.0, 4.3), sharey=True)
    for ax, (name, vals) in zip(axes, study.items(), strict=True):
        for j, (w, wo) in enumerate(vals):
            dx = 0.05 * (j - (len(vals) - 1) / 2)  # seeds with equal values stay visible side by side
            ax.plot([dx, 1 + dx], [wo, w], "-o", color=OKABE_ITO[j % 7], lw=1.5, ms=7, alpha=0.85,
                    label="one line per seed" if j == 0 else None)
        for x, col in ((0, 1), (1, 0)):
            ax.hlines(np.median(vals[:, col]), x - 0.15, x + 0.15, color="k", lw=3,
                      label="median" if (x, ax) == (0, axes[-1]) else None)
        ax.set_xticks([0, 1], ["without bar", "with bar"])
        ax.set_xlim(-0.4, 1.4)
        ax.set_title(name, fontsize=15)
    axes[0].set_ylabel("share of test micrographs")
    axes[-1].legend(loc="upper left", fontsize=12)
    axes[0].set_ylim(-0.03, 1.05)
    return close(fig)


def _overlay(ax, image: np.ndarray, cam: np.ndarray, title: str) -> None:
    show_image(ax, image, title=title)
    ax.imshow(cam, cmap="inferno", alpha=0.45, vmin=0, vmax=1, interpolation="bilinear")


def cam_gallery(seed: int = 0) -> Figure:
    """Top: one test micrograph per class (64 µm fields); bottom: the CAM of the predicted class overlaid."""
    run = shortcut_run(seed=seed)
    fig, axes = new_figure(4, 2, size=(11.0, 5.4))
    for j, c in enumerate(range(len(run.class_names))):
        i = int(np.flatnonzero(run.y_test == c)[0])
        cam = explain.class_activation_maps(run.model, run.X_test[i:i + 1])[0]
        show_image(axes[0, j], run.X_test[i], title=run.class_names[c])
        _overlay(axes[1, j], run.X_test[i], cam, "CAM")
    return close(fig)


def shortcut_cams(seed: int = 0) -> Figure:
    """The same target-class test micrographs with the scale bar (CAM on the bar) and without it."""
    run = shortcut_run(seed=seed)
    idx = np.flatnonzero(run.y_test == TARGET_CLASS)[:3]
    X = run.X_test[idx]
    Xbar = explain.plant_scale_bar(X, np.full(len(X), TARGET_CLASS), TARGET_CLASS)
    cam_bar = explain.class_activation_maps(run.model, Xbar, np.full(len(X), TARGET_CLASS))
    cam_clean = explain.class_activation_maps(run.model, X, np.full(len(X), TARGET_CLASS))
    mask = explain.scale_bar_mask(X.shape[-1])
    fig, axes = new_figure(3, 2, size=(8.4, 5.6))
    for j in range(len(X)):
        share = explain.cam_fraction_in(cam_bar[j:j + 1], mask)[0]
        _overlay(axes[0, j], Xbar[j], cam_bar[j], f"{100 * share:.0f} % of CAM on bar")
        _overlay(axes[1, j], X[j], cam_clean[j], "bar removed")
    return close(fig)


def shap_beeswarm(seed: int = 0) -> Figure:
    """Beeswarm of Tree-SHAP values (MPa) of yield strength per process parameter, coloured by the value."""
    res = explain.shap_process_property(seed=seed)
    order = np.argsort(np.abs(res.values).mean(0))
    rng = np.random.default_rng(seed)
    fig, ax = new_figure(size=(10.0, 5.0))
    for row, k in enumerate(order):
        v = res.X.iloc[:, k].to_numpy(dtype=float)
        colour = (v - v.min()) / (np.ptp(v) or 1.0)
        sc = ax.scatter(res.values[:, k], row + rng.uniform(-0.25, 0.25, len(v)), c=colour, cmap="coolwarm",
                        s=14, vmin=0, vmax=1)
    ax.set_yticks(range(len(order)), [res.X.columns[k] for k in order])
    ax.axvline(0, color="0.5", lw=1)
    ax.set_xlabel(label("SHAP value (effect on predicted yield strength)", "MPa"))
    fig.colorbar(sc, ax=ax, label="feature value (low → high)", ticks=[])
    return close(fig)


def shap_shared_credit(seed: int = 0) -> Figure:
    """Mean |SHAP| per feature without and with the derived energy density E_v = P/(v·h·t): correlated inputs
    share the credit, although the physics did not change."""
    base = explain.shap_process_property(seed=seed)
    more = explain.shap_process_property(explain.PROCESS_COLUMNS + ("energy_density_J_mm3",), seed=seed)
    names = list(more.X.columns)
    a = np.append(np.abs(base.values).mean(0), 0.0)
    b = np.abs(more.values).mean(0)
    y = np.arange(len(names))
    fig, ax = new_figure(size=(10.0, 4.8))
    ax.barh(y + 0.2, a, 0.4, color=OKABE_ITO[1], label=f"process inputs (grouped R² {base.cv_r2:.2f})")
    ax.barh(y - 0.2, b, 0.4, color=OKABE_ITO[2], label=f"+ energy density (grouped R² {more.cv_r2:.2f})")
    ax.set_yticks(y, names)
    ax.set_xlabel(label("mean |SHAP| on yield strength", "MPa"))
    ax.legend(loc="lower right")
    return close(fig)


def fusion_comparison(seed: int = 0) -> Figure:
    """MAE (MPa) of gradient boosting on process, + image, + image + spectrum: random 4-fold vs leave-builds-
    out (GroupKFold) on the same 96 specimens."""
    res = fusion_scores(seed=seed)
    fig, ax = new_figure(size=(10.0, 4.6))
    x = np.arange(len(res))
    ax.bar(x - 0.2, [r[1] for r in res], 0.4, color=OKABE_ITO[1], label="random 4-fold (leaky)")
    ax.bar(x + 0.2, [r[2] for r in res], 0.4, color=OKABE_ITO[2], label="leave builds out (honest)")
    ax.set_xticks(x, [r[0] for r in res])
    ax.set_ylabel(label("MAE of yield strength", "MPa"))
    ax.set_ylim(0, 1.3 * max(r[2] for r in res))
    ax.legend(loc="upper center", ncols=2)
    return close(fig)


@lru_cache(maxsize=2)
def fusion_scores(seed: int = 0) -> tuple[tuple[str, float, float], ...]:
    """(modalities, random-KFold MAE, GroupKFold MAE) in MPa for three feature sets of
    :func:`mlpc.explain.fusion_dataset`, same model (gradient boosting), same folds for every set."""
    from sklearn.ensemble import GradientBoostingRegressor
    from sklearn.model_selection import GroupKFold, KFold, cross_val_score

    data = explain.fusion_dataset(seed=seed)
    y, g = data.table["yield_strength_MPa"], data.table["build_id"]
    out = []
    for name, mods in (("process", ("process",)), ("process + image", ("process", "image")),
                       ("process + image + EDS", ("process", "image", "spectrum"))):
        X = explain.fusion_features(data, mods)
        model = GradientBoostingRegressor(n_estimators=150, max_depth=3, learning_rate=0.05, random_state=seed)
        kw = {"scoring": "neg_mean_absolute_error"}
        rnd = -cross_val_score(model, X, y, cv=KFold(4, shuffle=True, random_state=seed), **kw).mean()
        grp = -cross_val_score(model, X, y, groups=g, cv=GroupKFold(4), **kw).mean()
        out.append((name, float(rnd), float(grp)))
    return tuple(out)


@lru_cache(maxsize=2)
def fusion_seed_study(seeds: tuple[int, ...] = (0, 1, 2, 3, 4)) -> dict[str, np.ndarray]:
    """:func:`fusion_scores` repeated over data seeds (new specimens, builds, images and spectra each time; same
    model and budget). Returns ``{set name: array (seeds, 2)}`` of (random, leave-builds-out) MAE in MPa, and
    ``"mean predictor"``: the leave-builds-out MAE of predicting the training mean (the trivial baseline)."""
    from sklearn.dummy import DummyRegressor
    from sklearn.model_selection import GroupKFold, cross_val_score

    out: dict[str, list] = {}
    for seed in seeds:
        for name, rnd, grp in fusion_scores(seed):
            out.setdefault(name, []).append((rnd, grp))
        table = explain.fusion_dataset(seed=seed).table
        base = -cross_val_score(DummyRegressor(), np.zeros((len(table), 1)), table["yield_strength_MPa"],
                                groups=table["build_id"], cv=GroupKFold(4), scoring="neg_mean_absolute_error")
        out.setdefault("mean predictor", []).append((np.nan, float(base.mean())))
    return {k: np.asarray(v, float) for k, v in out.items()}


def fusion_comparison_seeds(study: dict[str, np.ndarray]) -> Figure:
    """Random 4-fold vs leave-builds-out MAE per feature set: median bars, every seed as a point, and the
    leave-builds-out error of the mean predictor as a line."""
    names = [k for k in study if k != "mean predictor"]
    fig, ax = new_figure(size=(10.0, 4.6))
    x = np.arange(len(names))
    for j, (lab, color, dx) in enumerate((("random 4-fold (leaky)", OKABE_ITO[1], -0.2),
                                          ("leave builds out (honest)", OKABE_ITO[2], 0.2))):
        vals = np.array([study[n][:, j] for n in names])
        ax.bar(x + dx, np.median(vals, axis=1), 0.4, color=color, alpha=0.6, label=f"{lab}, median")
        for i, row in enumerate(vals):
            ax.plot(np.full(len(row), x[i] + dx) + np.linspace(-0.1, 0.1, len(row)), row, "o", color="k", ms=4)
    base = float(np.median(study["mean predictor"][:, 1]))
    ax.axhline(base, color="0.3", ls="--", lw=1.5, label=f"mean predictor, leave builds out ({base:.0f} MPa)")
    ax.set_xticks(x, names)
    ax.set_ylabel(label("MAE of yield strength", "MPa"))
    ax.set_ylim(0, 1.35 * max(base, float(np.max([study[n] for n in names]))))
    ax.set_title(f"{len(next(iter(study.values())))} data seeds: points are single seeds", fontsize=14)
    ax.legend(loc="upper center", ncols=2, fontsize=12)
    return close(fig)


def fusion_modalities(seed: int = 0) -> Figure:
    """One specimen's three modalities: polished section (µm), EDS spectrum (counts vs keV), process table."""
    data = explain.fusion_dataset(seed=seed)
    i = int(np.argmin(data.table["relative_density_pct"]))
    fig, axes = new_figure(3, 1, size=(11.0, 4.2), gridspec_kw={"width_ratios": [1, 2, 1]})
    show_image(axes[0], data.images[i], pixel_size=2.0, title="section (pores dark)")
    axes[1].semilogy(data.energy_keV, np.maximum(data.spectra[i], 1), color=OKABE_ITO[4], lw=1)
    axes[1].set_xlabel(label("energy", "keV"))
    axes[1].set_ylabel(label("counts"))
    axes[1].set_title("EDS, 20 kV")
    row = data.table.iloc[i]
    text = "\n".join(f"{c}: {row[c]:.4g}" for c in explain.PROCESS_COLUMNS)
    axes[2].text(0, 0.5, text, va="center", fontsize=13, family="monospace")
    axes[2].axis("off")
    axes[2].set_title(f"σ_y = {row['yield_strength_MPa']:.0f} MPa")
    return close(fig)
