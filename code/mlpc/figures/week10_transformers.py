"""Week 10 figures: attention and Vision Transformers on 4D-STEM diffraction patterns.

- :func:`receptive_field_vs_pattern`: the 7 px receptive field of three 3 × 3 convolutions drawn on a
  24 px GaN [11-20] pattern, beside the distance between Friedel partners g and −g;
- :func:`vit_patches`: a pattern cut into the 6 × 6 px patches that become tokens;
- :func:`comparison_run`: a :class:`~mlpc.attention.TinyViT` and a :class:`~mlpc.attention.LocalCNN`
  with about the same number of weights, trained on the same split of the polarity task
  (:func:`mlpc.datasets.stem4d.stem4d_classification`), the same epochs, optimiser and seed; plus a small
  learning curve;
- :func:`attention_cost_figure`: naive attention vs ``scaled_dot_product_attention`` (peak memory of the call
  and counted FLOPs);
- :func:`cross_attention_diagram`: queries from the current LPBF layer, keys and values from layers below.

Methods: Vaswani et al. 2017; Dosovitskiy et al. 2021; Dao et al. 2022. Physics of the patterns: Taftø &
Spence 1982 (Friedel's law broken in polar projections); Ophus 2019 (4D-STEM).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, Rectangle

from mlpc import attention as att
from mlpc.datasets.stem4d import stem4d_classification
from mlpc.models import cnn
from mlpc.plotting import OKABE_ITO, SLIDE_SIZE, close, label, new_figure, show_image

PATTERN_PX = 24


@dataclass
class ComparisonRun:
    """Trained models, histories, test data and a learning curve (accuracy vs number of training patterns)."""

    vit: att.TinyViT
    cnn: att.LocalCNN
    vit_hist: cnn.History
    cnn_hist: cnn.History
    X_test: np.ndarray
    y_test: np.ndarray
    n_params: tuple[int, int]
    curve_n: np.ndarray
    curve_vit: np.ndarray
    curve_cnn: np.ndarray
    class_names: tuple[str, ...]


def comparison_run(n_train: int = 300, n_test: int = 200, epochs: int = 10, curve_n: tuple[int, ...] = (40, 100),
                   seed: int = 0) -> ComparisonRun:
    """Train ViT and local CNN on the polarity task: same split, epochs (Adam, lr 3e-3, batch 32), seed.

    One CPU thread (faster than two on a loaded machine, and bit-for-bit repeatable). The learning curve
    retrains both models on the first ``curve_n`` training patterns and ends at ``n_train``.
    """
    data = stem4d_classification(n=n_train + n_test, task="polarity", pattern_px=PATTERN_PX, seed=seed)
    Xtr, ytr = data.X[:n_train], data.y[:n_train]
    Xte, yte = data.X[n_train:], data.y[n_train:]

    def train(n: int) -> tuple:
        vit = att.TinyViT(PATTERN_PX, patch=6, dim=16, depth=2, heads=2, seed=seed)
        loc = att.LocalCNN(channels=16, n_conv=3, seed=seed)
        hists = [cnn.fit(m, Xtr[:n], ytr[:n], Xte, yte, epochs=epochs, batch_size=32, lr=3e-3, seed=seed,
                         n_threads=1) for m in (vit, loc)]
        return vit, loc, hists

    vit, loc, (hv, hc) = train(n_train)
    cv, cc = [], []
    for n in curve_n:
        _, _, (a, b) = train(n)
        cv.append(a.val_score[-1])
        cc.append(b.val_score[-1])
    return ComparisonRun(vit, loc, hv, hc, Xte, yte, (cnn.count_parameters(vit), cnn.count_parameters(loc)),
                         np.array([*curve_n, n_train]), np.array([*cv, hv.val_score[-1]]),
                         np.array([*cc, hc.val_score[-1]]), data.class_names)


def updown_ratio_accuracy(n_train: int = 300, n_test: int = 200, seed: int = 0) -> float:
    """Test accuracy of the physical rule with no training: "−c up" when the diffracted counts of the lower
    half (outside the central disk) exceed those of the upper half; the test patterns of :func:`comparison_run`."""
    data = stem4d_classification(n=n_train + n_test, task="polarity", pattern_px=PATTERN_PX, seed=seed)
    cal = data.calibration
    yy, xx = np.mgrid[0:PATTERN_PX, 0:PATTERN_PX]
    outside = np.hypot(yy - cal.center_px[0], xx - cal.center_px[1]) > cal.disk_radius_px + 1
    X = data.X[n_train:]
    upper = (X * (outside & (yy < cal.center_px[0]))).sum(axis=(1, 2))
    lower = (X * (outside & (yy > cal.center_px[0]))).sum(axis=(1, 2))
    return float(np.mean((lower > upper).astype(int) == data.y[n_train:]))


def receptive_field_vs_pattern(seed: int = 0) -> Figure:
    """One +c and one −c pattern (log counts) with the local CNN's receptive field and a Friedel pair marked."""
    data = stem4d_classification(n=2, task="polarity", pattern_px=PATTERN_PX, seed=seed)
    rf = cnn.receptive_field([("conv", 3, 1)] * 3)
    fig, axes = new_figure(2, size=SLIDE_SIZE)
    c = (PATTERN_PX - 1) / 2
    for ax, img, name in zip(axes, data.X, data.class_names, strict=True):
        show_image(ax, np.log1p(img), cmap="magma", title=name)
        ax.add_patch(Rectangle((c - rf / 2, 2), rf, rf, fill=False, ec=OKABE_ITO[4], lw=3))
        ax.annotate("", xy=(c, 2), xytext=(c, PATTERN_PX - 3),
                    arrowprops={"arrowstyle": "<->", "color": OKABE_ITO[2], "lw": 2.5})
        ax.text(c + 2.5, PATTERN_PX / 2 + 3, "g ↔ −g", color=OKABE_ITO[2], fontsize=16)
    axes[0].text(c + rf / 2 + 0.5, 3.5, f"CNN view {rf} px", color=OKABE_ITO[4], fontsize=15)
    return close(fig)


def vit_patches(seed: int = 0, patch: int = 6) -> Figure:
    """A pattern and its patches laid out as the token sequence a ViT reads (class token first)."""
    img = stem4d_classification(n=2, task="polarity", pattern_px=PATTERN_PX, seed=seed).X[0]
    g = PATTERN_PX // patch
    fig, axes = new_figure(2, size=SLIDE_SIZE, gridspec_kw={"width_ratios": [1, 2.2]})
    show_image(axes[0], np.log1p(img), cmap="magma", title=f"{PATTERN_PX} px pattern, {patch} px patches")
    for i in range(1, g):
        axes[0].axhline(i * patch - 0.5, color="w", lw=1)
        axes[0].axvline(i * patch - 0.5, color="w", lw=1)
    tiles = np.log1p(img).reshape(g, patch, g, patch).transpose(0, 2, 1, 3).reshape(g * g, patch, patch)
    per_row = (g * g + 1 + 1) // 2
    canvas = np.full((2 * (patch + 1), per_row * (patch + 1)), np.nan)
    for i, t in enumerate(tiles, start=1):
        r, c = divmod(i, per_row)
        canvas[r * (patch + 1):r * (patch + 1) + patch, c * (patch + 1):c * (patch + 1) + patch] = t
    axes[1].imshow(canvas, cmap="magma", interpolation="nearest")
    axes[1].add_patch(Rectangle((-0.5, -0.5), patch, patch, color=OKABE_ITO[0]))
    axes[1].text(patch / 2 - 0.5, patch / 2 - 0.5, "CLS", ha="center", va="center", color="w", fontsize=11)
    axes[1].set_axis_off()
    axes[1].set_title(f"{g * g} patch tokens + class token (+ position embedding)")
    return close(fig)


def comparison_figure(run: ComparisonRun) -> Figure:
    """Test accuracy per epoch of the ViT and the local CNN, chance level marked."""
    fig, ax = new_figure(size=(11.0, 4.6))
    ep = np.arange(1, len(run.vit_hist.val_score) + 1)
    ax.plot(ep, run.vit_hist.val_score, "o-", label=f"tiny ViT ({run.n_params[0]:,} weights)")
    ax.plot(ep, run.cnn_hist.val_score, "s-", label=f"local CNN + GAP ({run.n_params[1]:,} weights)")
    ax.axhline(0.5, color="k", ls=":", lw=1.5, label="chance")
    ax.set_xlabel(label("epoch"))
    ax.set_ylabel(label("test accuracy"))
    ax.set_ylim(0.3, 1.02)
    ax.legend(loc="lower right")
    return close(fig)


def attention_maps_figure(run: ComparisonRun, n: int = 3) -> Figure:
    """Test patterns (top) and the class token's last-block attention (bottom), one column per pattern."""
    maps = att.cls_attention_maps(run.vit, run.X_test[:n])
    pred = cnn.predict(run.vit, run.X_test[:n]).argmax(1)
    fig, axes = new_figure(n, 2, size=(9.0, 5.8))
    for j in range(n):
        ok = "✓" if pred[j] == run.y_test[j] else "✗"
        sign = "+c" if run.y_test[j] == 0 else "−c"
        show_image(axes[0, j], np.log1p(run.X_test[j]), cmap="magma", title=f"{sign} {ok}")
        show_image(axes[1, j], maps[j], cmap="viridis")
    axes[0, 0].set_ylabel("pattern")
    axes[1, 0].set_ylabel("CLS attention")
    return close(fig)


@dataclass(frozen=True)
class LearningCurveStudy:
    """Final test accuracy of both models (seeds × training-set sizes) and of the untrained up/down rule
    (one value per seed) on the same test patterns of each seed."""

    seeds: tuple[int, ...]
    curve_n: np.ndarray
    vit: np.ndarray
    cnn: np.ndarray
    rule: np.ndarray


def learning_curve_study(seeds: tuple[int, ...] = (0, 1, 2, 3, 4), first: ComparisonRun | None = None,
                         **kwargs) -> LearningCurveStudy:
    """Repeat :func:`comparison_run` for every seed (data, split and weights change together; budget and
    sizes do not) and collect the learning curves; ``first`` is a run already made for ``seeds[0]``.
    About 6 s per seed on one thread."""
    runs = [first if (first is not None and i == 0) else comparison_run(seed=s, **kwargs)
            for i, s in enumerate(seeds)]
    n_total = int(runs[0].curve_n[-1]) + len(runs[0].y_test)
    rule = [updown_ratio_accuracy(n_train=int(runs[0].curve_n[-1]), n_test=n_total - int(runs[0].curve_n[-1]),
                                  seed=s) for s in seeds]
    return LearningCurveStudy(tuple(seeds), runs[0].curve_n, np.array([r.curve_vit for r in runs]),
                              np.array([r.curve_cnn for r in runs]), np.array(rule))


def learning_curve_figure(study: LearningCurveStudy) -> Figure:
    """Median test accuracy over seeds (line) and every seed (faint points) against the number of training
    patterns, for both models, with the untrained up/down rule (median, min–max band) and chance."""
    fig, ax = new_figure(size=(10.0, 4.6))
    n = study.curve_n
    jitter = {0: 0.97, 1: 1.03}
    for i, (name, acc, marker) in enumerate([("tiny ViT", study.vit, "o"), ("local CNN + GAP", study.cnn, "s")]):
        color = OKABE_ITO[i]
        ax.plot(n, np.median(acc, axis=0), marker + "-", color=color, ms=9, label=f"{name} (median)")
        for row in acc:
            ax.plot(n * jitter[i], row, marker, color=color, alpha=0.35, ms=6)
    lo, med, hi = study.rule.min(), np.median(study.rule), study.rule.max()
    ax.axhspan(lo, hi, color=OKABE_ITO[2], alpha=0.2)
    ax.axhline(med, color=OKABE_ITO[2], lw=2.5, label=f"up/down rule, no training ({med:.2f})")
    ax.axhline(0.5, color="k", ls=":", lw=1.5, label="chance")
    ax.set_xscale("log")
    ax.set_xticks(n, [str(v) for v in n])
    ax.minorticks_off()
    ax.set_xlabel(label("training patterns"))
    ax.set_ylabel(label("test accuracy"))
    ax.set_ylim(0.3, 1.02)
    ax.set_title(f"{len(study.seeds)} seeds: faint points are single runs", fontsize=14)
    ax.legend(loc="upper left", fontsize=12, ncol=2)
    return close(fig)


def attention_cost_figure(cost: att.AttentionCost) -> Figure:
    """True peak memory of one call (log–log, with 4 L² and 2 × 4 L² bytes drawn) and counted FLOPs against
    sequence length, for naive and fused attention."""
    fig, axes = new_figure(2, size=SLIDE_SIZE)
    L = cost.lengths
    axes[0].loglog(L, cost.naive_peak_bytes / 1e6, "o-", label="naive (profiled peak)")
    axes[0].loglog(L, cost.fused_peak_bytes / 1e6, "s-", label="fused SDPA (profiled peak)")
    axes[0].loglog(L, 2 * cost.score_matrix_bytes / 1e6, "k--", lw=1.8, label="2 × 4 L² bytes")
    axes[0].loglog(L, cost.score_matrix_bytes / 1e6, "k:", lw=1.8, label="4 L² bytes (one matrix)")
    axes[0].set_ylabel(label("peak memory of one call", "MB"))
    axes[1].loglog(L, cost.naive_flops, "o-", ms=11, label="naive (counted)")
    axes[1].loglog(L, cost.fused_flops, "s--", label="fused SDPA (counted)")
    axes[1].set_ylabel(label("floating-point operations"))
    for ax in axes:
        ax.set_xlabel(label("sequence length L"))
        ax.set_xticks(L, [str(n) for n in L])
        ax.minorticks_off()
        ax.legend(fontsize=13)
    return close(fig)


def cross_attention_diagram() -> Figure:
    """Schematic: tokens of layer n query the tokens of layers n−1 … n−3 of an LPBF build (cross-attention)."""
    fig, ax = new_figure(size=(11.0, 4.6))
    ax.set_xlim(0, 11)
    ax.set_ylim(0, 5)
    ax.set_axis_off()
    for i, (name, col) in enumerate([("layer n−3", 4), ("layer n−2", 4), ("layer n−1", 4), ("layer n", 0)]):
        y = 0.4 + 1.1 * i
        ax.add_patch(Rectangle((0.5, y), 4.5, 0.8, color=OKABE_ITO[col], alpha=0.8 if i == 3 else 0.45))
        ax.text(0.6, y + 0.4, name, va="center", fontsize=15)
        for t in range(4):
            ax.add_patch(Rectangle((2.4 + t * 0.65, y + 0.15), 0.5, 0.5, fc="w", ec="k"))
    ax.text(7.8, 4.15, "queries Q from layer n", ha="center", fontsize=15, color=OKABE_ITO[0])
    ax.text(7.8, 1.5, "keys K, values V\nfrom layers below", ha="center", fontsize=15, color=OKABE_ITO[4])
    for y in (0.8, 1.9, 3.0):
        ax.add_patch(FancyArrowPatch((5.1, 3.95), (5.1, y + 0.1), connectionstyle="arc3,rad=-0.4",
                                     arrowstyle="-|>", mutation_scale=18, lw=2, color=OKABE_ITO[5]))
    ax.text(7.8, 2.9, "softmax(Q Kᵀ/√d) V", ha="center", fontsize=16, color=OKABE_ITO[5])
    ax.text(0.5, 4.8, "build direction ↑ (layer images: melt-pool / OT / layer-wise camera)", fontsize=14)
    return close(fig)


__all__ = [
    "ComparisonRun",
    "attention_cost_figure",
    "attention_maps_figure",
    "comparison_figure",
    "comparison_run",
    "cross_attention_diagram",
    "LearningCurveStudy",
    "learning_curve_figure",
    "learning_curve_study",
    "receptive_field_vs_pattern",
    "updown_ratio_accuracy",
    "vit_patches",
]
