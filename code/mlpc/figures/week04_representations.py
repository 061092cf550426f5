"""Figures of week 4: from classical microstructure metrics (grain size, phase fraction, orientation maps)
to learned representations (the artificial neuron, MLPs on features and on pixels).

Sources of the physics: ASTM E112-13 (grain size: intercept and planimetric methods, G number), ASTM
E562-19 (point counting and its confidence interval), Underwood, *Quantitative Stereology* (1970),
Humphreys & Hatherly, *Recrystallization and Related Annealing Phenomena* (2004) and Brandon (1966) for
boundary misorientation classes, Torquato, *Random Heterogeneous Materials* (2002) and Wiener (1912)
for effective conductivity; Rosenblatt (1958) and Rumelhart, Hinton & Williams (1986) for the
neuron and the MLP. Each helper returns a Figure in the course style; ``*_table`` helpers return Markdown.
"""

from __future__ import annotations

import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Circle, FancyArrowPatch, Patch, Rectangle

from mlpc import features as feat
from mlpc.datasets import ebsd, micrographs, stereology
from mlpc.effective_properties import effective_conductivity, wiener_bounds
from mlpc.models.mlp import TrainedMLP, train_mlp
from mlpc.plotting import (
    DIVERGING_CMAP,
    OKABE_ITO,
    SLIDE_SIZE,
    SLIDE_SIZE_TALL,
    close,
    label,
    new_figure,
    show_image,
)
from mlpc.representations import MODELS, Comparison

#: Grain counts of the fine / medium / coarse polycrystals (256 px at 0.5 µm: a 128 µm field).
GRAIN_SERIES: tuple[int, ...] = (250, 80, 25)
CLASS_COLOURS: tuple[str, ...] = (OKABE_ITO[0], OKABE_ITO[1], OKABE_ITO[2], OKABE_ITO[5])


def _pretty(name: str) -> str:
    return name.replace("_", " ")


# --------------------------------------------------------------------------------------------------
# Grain size (ASTM E112)
# --------------------------------------------------------------------------------------------------

def _polycrystals(seed: int) -> list:
    return [micrographs.polycrystal(256, n, pixel_size_um=0.5, growth_steps=3, seed=seed) for n in GRAIN_SERIES]


def grain_size_measurements(seed: int = 0, n_lines: int = 5, polycrystals: list | None = None) -> list[dict]:
    """E112 on three polycrystals (fine, medium, coarse): intercept on the segmented grooves with
    ``n_lines`` horizontal + ``n_lines`` vertical lines, planimetric count on the grain map, and the truth."""
    rows = []
    for pc in polycrystals or _polycrystals(seed):
        grooves = pc.image < 0.35
        e112 = stereology.mean_lineal_intercept(grooves, pc.pixel_size_um, n_lines=n_lines, seed=seed)
        plan = stereology.planimetric_grain_density(pc.labels, pc.pixel_size_um)
        rows.append({"n_grains": pc.n_grains, "intercept_um": e112.mean_intercept_um,
                     "intersections": e112.intersections, "g_intercept": e112.astm_g,
                     "grains_per_mm2": plan.grains_per_mm2, "g_planimetric": plan.astm_g,
                     "true_intercept_um": pc.mean_intercept_um, "g_true": pc.astm_g})
    return rows


def grain_size_table(seed: int = 0) -> str:
    """Markdown table of :func:`grain_size_measurements` (⚠: fewer than the 50 hits E112 asks for)."""
    lines = ["| grains | l̄ (µm) | hits | G (intercept) | N_A (mm⁻²) | G (planimetric) | G (truth) |",
             "|---|---|---|---|---|---|---|"]
    for r in grain_size_measurements(seed):
        flag = " ⚠" if r["intersections"] < 50 else ""
        lines.append(f"| {r['n_grains']} | {r['intercept_um']:.1f} | {r['intersections']}{flag} | "
                     f"{r['g_intercept']:.1f} | {r['grains_per_mm2']:.0f} | {r['g_planimetric']:.1f} | "
                     f"{r['g_true']:.1f} |")
    return "\n".join(lines)


def grain_size_figure(seed: int = 0, n_lines: int = 5) -> Figure:
    """Fine, medium and coarse polycrystals with the E112 test lines and the G numbers they give."""
    fig, axes = new_figure(3, size=SLIDE_SIZE_TALL)
    pcs = _polycrystals(seed)
    rows = grain_size_measurements(seed, n_lines, polycrystals=pcs)
    for ax, pc, r in zip(axes, pcs, rows, strict=True):
        show_image(ax, pc.image, pc.pixel_size_um, vmin=0, vmax=1)
        rng = np.random.default_rng(seed)  # the same line positions as mean_lineal_intercept
        size = pc.image.shape[0]
        line_rows = np.floor((np.arange(n_lines) + rng.random()) * size / n_lines)
        line_cols = np.floor((np.arange(n_lines) + rng.random()) * size / n_lines)
        for p in line_rows:
            ax.axhline((p + 0.5) * pc.pixel_size_um, color=OKABE_ITO[1], lw=1.6)
        for p in line_cols:
            ax.axvline((p + 0.5) * pc.pixel_size_um, color=OKABE_ITO[1], lw=1.6)
        ax.set_title(f"G = {r['g_intercept']:.1f} (intercept)\n{r['intersections']} hits, "
                     f"G = {r['g_planimetric']:.1f} (planim.)", fontsize=15)
    return close(fig)


def g_number_figure() -> Figure:
    """The E112 G scale: mean intercept (µm) and grains per mm² against G, with the E112 formulas."""
    g = np.linspace(0, 14, 200)
    intercept_um = np.array([stereology.intercept_from_astm_g(v) for v in g]) * 1000
    n_a = 10 ** ((g + 2.954) / 3.321928)
    fig, axes = new_figure(2, size=SLIDE_SIZE)
    axes[0].semilogy(g, intercept_um, color=OKABE_ITO[0])
    axes[0].set_xlabel(label("ASTM grain-size number G"))
    axes[0].set_ylabel(label("mean intercept l̄", "µm"))
    axes[0].set_title("G = −6.646 log₁₀(l̄/mm) − 3.298", fontsize=15)
    axes[1].semilogy(g, n_a, color=OKABE_ITO[5])
    axes[1].set_xlabel(label("ASTM grain-size number G"))
    axes[1].set_ylabel(label("grains per area N_A", "mm⁻²"))
    axes[1].set_title("G = 3.322 log₁₀(N_A/mm⁻²) − 2.954", fontsize=15)
    for ax in axes:
        ax.grid(True, which="both", alpha=0.3)
    return close(fig)


# --------------------------------------------------------------------------------------------------
# Phase fraction (ASTM E562)
# --------------------------------------------------------------------------------------------------

def _particles(seed: int, fraction: float = 0.3):
    return micrographs.two_phase(256, fraction, "particles", feature_size_um=8.0, pixel_size_um=0.5, seed=seed)


def point_count_figure(seed: int = 0, n_repeats: int = 300) -> Figure:
    """Left: a 10 × 10 point grid on a two-phase section (hits orange). Right: the spread of the point-
    counted fraction over ``n_repeats`` placements vs the number of points N, random and systematic
    grid, against the binomial sqrt(p(1-p)/N)."""
    tp = _particles(seed)
    fig, axes = new_figure(2, size=SLIDE_SIZE_TALL, width_ratios=[1, 1.25])
    show_image(axes[0], tp.image, tp.pixel_size_um, vmin=0, vmax=1)
    rng = np.random.default_rng(seed)
    off = rng.random(2)
    size = tp.image.shape[0]
    r = np.floor((np.arange(10) + off[0]) * size / 10).astype(int)
    c = np.floor((np.arange(10) + off[1]) * size / 10).astype(int)
    rr, cc = np.meshgrid(r, c, indexing="ij")
    hit = tp.phase_mask[rr, cc]
    px = tp.pixel_size_um
    axes[0].scatter((cc[~hit] + 0.5) * px, (rr[~hit] + 0.5) * px, s=40, marker="+", color=OKABE_ITO[4], lw=2)
    axes[0].scatter((cc[hit] + 0.5) * px, (rr[hit] + 0.5) * px, s=60, marker="o", color=OKABE_ITO[1])
    axes[0].set_title(f"{hit.sum()} hits of 100: P_P = {hit.mean():.2f}\n(area fraction A_A = "
                      f"{tp.fraction:.3f})", fontsize=15)
    ns = np.array([16, 36, 100, 256, 576, 1600])
    for grid, colour, name in ((False, OKABE_ITO[0], "random points"), (True, OKABE_ITO[5], "systematic grid")):
        spread = [np.std([stereology.point_count_fraction(tp.phase_mask, int(n), seed=s, grid=grid).fraction
                          for s in range(n_repeats)]) for n in ns]
        axes[1].loglog(ns, spread, "o", color=colour, label=name)
    p = tp.fraction
    nn = np.geomspace(10, 3000, 50)
    axes[1].loglog(nn, np.sqrt(p * (1 - p) / nn), color="k", lw=2, label="binomial √(p(1−p)/N)")
    axes[1].set_xlabel(label("points counted N"))
    axes[1].set_ylabel(label("standard deviation of P_P"))
    axes[1].legend(fontsize=13)
    axes[1].grid(True, which="both", alpha=0.3)
    return close(fig)


def e562_table(seed: int = 0, n_fields: int = 10, points_per_field: int = 100) -> str:
    """Markdown: an E562 count over ``n_fields`` fields (independent sections) of a two-phase structure."""
    fields = [_particles(seed + k) for k in range(n_fields)]
    pp = [stereology.point_count_fraction(f.phase_mask, points_per_field, seed=seed + k, grid=True).fraction
          for k, f in enumerate(fields)]
    res = feat.e562_estimate(np.array(pp))
    truth = float(np.mean([f.fraction for f in fields]))
    return (f"| fields × points | mean P_P | s (field to field) | 95 % CI | relative accuracy | true A_A |\n"
            f"|---|---|---|---|---|---|\n"
            f"| {n_fields} × {points_per_field} | {res.mean:.3f} | {res.std:.3f} | ± {res.ci95:.3f} | "
            f"{100 * res.relative_accuracy:.0f} % | {truth:.3f} |")


# --------------------------------------------------------------------------------------------------
# EBSD orientation maps
# --------------------------------------------------------------------------------------------------

def _ipf_rgb(m) -> np.ndarray:
    from mlpc.ebsd_ipf import ipf_colours  # orix's TSL key in NumPy (no numba compile)

    ny, nx = m.grain_id.shape
    return ipf_colours(m.quaternions.reshape(-1, 4)).reshape(ny, nx, 3)


def ebsd_boundaries_figure(seed: int = 0) -> Figure:
    """An EBSD orientation map (IPF-ND colours), its boundaries classified by misorientation (low-angle
    2–15°, high-angle ≥ 15°, Σ3 twin), and the distribution of boundary misorientations."""
    m = ebsd.ebsd_orientation_map(seed=seed)
    b = feat.classify_boundaries(m.quaternions)
    fig, axes = new_figure(3, size=SLIDE_SIZE_TALL, width_ratios=[1, 1, 1.15])
    show_image(axes[0], _ipf_rgb(m), m.step_um)
    axes[0].set_title("orientation (IPF-ND)", fontsize=15)
    colours = ["#FFFFFF", OKABE_ITO[4], "#000000", OKABE_ITO[5]]
    show_image(axes[1], b.classes, m.step_um, cmap=ListedColormap(colours), vmin=-0.5, vmax=3.5)
    axes[1].set_title("boundary classes", fontsize=15)
    names = ("low angle 2–15°", "high angle ≥ 15°", "Σ3 twin (60° ⟨111⟩)")
    axes[1].legend(handles=[Patch(color=c, label=n) for c, n in zip(colours[1:], names, strict=True)],
                   loc="upper center", bbox_to_anchor=(0.5, -0.18), fontsize=13, ncol=1)
    mis = b.misorientation_deg[b.classes > 0]
    axes[2].hist(mis, bins=np.arange(0, 64, 2), color=OKABE_ITO[0])
    for x in (2, 15):
        axes[2].axvline(x, color=OKABE_ITO[5], ls="--", lw=2)
    axes[2].set_xlabel(label("misorientation", "°"))
    axes[2].set_ylabel(label("boundary pixels"))
    axes[2].set_title("boundary misorientations", fontsize=15)
    return close(fig)


def ebsd_grain_size_table(seed: int = 0) -> str:
    """Markdown: E112 intercept on the same EBSD map with three boundary definitions."""
    m = ebsd.ebsd_orientation_map(seed=seed)
    b = feat.classify_boundaries(m.quaternions)
    rules = (("every boundary ≥ 2°", b.classes > 0),
             ("high-angle only (≥ 15°)", b.classes >= 2),
             ("high-angle, Σ3 twins ignored", b.classes == 2))
    lines = ["| boundaries counted | hits | l̄ (µm) | G |", "|---|---|---|---|"]
    for name, mask in rules:
        r = stereology.mean_lineal_intercept(mask, m.step_um, n_lines=None)
        lines.append(f"| {name} | {r.intersections} | {r.mean_intercept_um:.2f} | {r.astm_g:.1f} |")
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------------
# Limits of hand-crafted features
# --------------------------------------------------------------------------------------------------

#: The three morphologies of :func:`matched_morphologies`, with a starting feature size in µm.
_MATCH_START_UM = {"particles": 8.0, "lamellar": 12.0, "bicontinuous": 12.0}


def matched_morphologies(fraction: float = 0.4, p_l_per_um: float = 0.12, size: int = 128,
                         pixel_size_um: float = 1.0, n_iter: int = 4, seed: int = 0) -> dict:
    """Particles, lamellae and a bicontinuous structure with the SAME area fraction and the SAME
    interface density P_L (hence the same mean intercepts, L̄ = 2 A_A / P_L for the dark phase).

    P_L scales as 1 / feature size, so the feature size is rescaled by P_L / target ``n_iter`` times.
    Returns {morphology: TwoPhase}.
    """
    out = {}
    for morph, start in _MATCH_START_UM.items():
        size_um = start
        for _ in range(n_iter):
            tp = micrographs.two_phase(size, fraction, morph, feature_size_um=size_um, pixel_size_um=pixel_size_um,
                                       n_colonies=1, seed=seed)
            size_um *= feat.interface_density(tp.phase_mask, pixel_size_um) / p_l_per_um
            size_um = float(np.clip(size_um, 2.0 * pixel_size_um, size * pixel_size_um / 2.0))
        out[morph] = micrographs.two_phase(size, fraction, morph, feature_size_um=size_um,
                                           pixel_size_um=pixel_size_um, n_colonies=1, seed=seed)
    return out


def same_features_measurements(contrast: float = 100.0, seed: int = 0,
                               sections: dict | None = None) -> dict[str, dict[str, float]]:
    """A_A, P_L, L̄ and the effective conductivity along x and y (conducting dark phase ``contrast`` × the
    matrix) of :func:`matched_morphologies` (or of ``sections`` already made by it)."""
    rows = {}
    for morph, tp in (sections or matched_morphologies(seed=seed)).items():
        p_l = feat.interface_density(tp.phase_mask, tp.pixel_size_um)
        rows[morph] = {"area_fraction": tp.fraction, "p_l": p_l, "intercept_um": 2 * tp.fraction / p_l,
                       "sigma_x": effective_conductivity(tp.phase_mask, contrast, 1.0, axis=1),
                       "sigma_y": effective_conductivity(tp.phase_mask, contrast, 1.0, axis=0)}
    return rows


def same_features_figure(contrast: float = 100.0, seed: int = 0) -> Figure:
    """Three sections with equal A_A and P_L (so equal mean intercepts) and their effective conductivity
    along x and y, against the Wiener bounds, the whole range that A_A alone allows."""
    tps = matched_morphologies(seed=seed)
    rows = same_features_measurements(contrast, seed, sections=tps)
    fig, axes = new_figure(4, size=(11.0, 4.4), width_ratios=[1, 1, 1, 1.5])
    for ax, (morph, tp) in zip(axes[:3], tps.items(), strict=True):
        show_image(ax, tp.image, vmin=0, vmax=1)
        r = rows[morph]
        ax.set_title(f"{morph}\nA_A {r['area_fraction']:.2f}\nP_L {r['p_l']:.3f} µm⁻¹", fontsize=14)
    size_um = next(iter(tps.values())).image.shape[0] * next(iter(tps.values())).pixel_size_um
    axes[1].set_xlabel(f"each field {size_um:.0f} µm wide", fontsize=14)
    x = np.arange(3)
    axes[3].bar(x - 0.2, [rows[m]["sigma_x"] for m in tps], 0.4, color=OKABE_ITO[0], label="along x")
    axes[3].bar(x + 0.2, [rows[m]["sigma_y"] for m in tps], 0.4, color=OKABE_ITO[1], label="along y")
    f = float(np.mean([r["area_fraction"] for r in rows.values()]))
    lo, hi = wiener_bounds(f, contrast, 1.0)
    for v, name in ((lo, "series bound"), (hi, "parallel bound")):
        axes[3].axhline(v, color="k", ls="--", lw=1.5)
        axes[3].text(-0.45, v + 0.4, name, va="bottom", ha="left", fontsize=12)
    axes[3].set_ylim(0, hi * 1.12)
    axes[3].set_xticks(x, ["particles", "lamellar", "bicont."], fontsize=13)
    axes[3].set_ylabel(label("σ_eff / σ_matrix"))
    axes[3].legend(fontsize=12, loc="upper left", bbox_to_anchor=(0.0, 0.9))
    return close(fig)


# --------------------------------------------------------------------------------------------------
# Feature space
# --------------------------------------------------------------------------------------------------

def dataset_figure(images: np.ndarray, y: np.ndarray, class_names: tuple[str, ...], n_per_class: int = 2,
                   pixel_size_um: float = 1.0) -> Figure:
    """The first ``n_per_class`` micrographs of every class (rows: examples, columns: classes)."""
    fig, axes = new_figure(len(class_names), nrows=n_per_class, size=(11.0, 5.4))
    for c, name in enumerate(class_names):
        for r, i in enumerate(np.flatnonzero(y == c)[:n_per_class]):
            show_image(axes[r, c], images[i], vmin=0, vmax=1)
        axes[0, c].set_title(_pretty(name), fontsize=16)
    size_um = images.shape[-1] * pixel_size_um
    fig.suptitle(f"{images.shape[-1]} × {images.shape[-1]} px, {size_um:.0f} µm fields, every class at "
                 f"{pixel_size_um:g} µm/px", fontsize=14)
    return close(fig)


def feature_space_figure(features: np.ndarray, y: np.ndarray, class_names: tuple[str, ...]) -> Figure:
    """Two views of the hand-crafted feature space, one dot per micrograph, coloured by class."""
    pairs = (("area_fraction", "largest_cluster_share"), ("coherence", "mean_solidity"))
    fig, axes = new_figure(2, size=SLIDE_SIZE_TALL)
    for ax, (fx, fy) in zip(axes, pairs, strict=True):
        i, j = feat.FEATURE_NAMES.index(fx), feat.FEATURE_NAMES.index(fy)
        for c, name in enumerate(class_names):
            sel = y == c
            ax.scatter(features[sel, i], features[sel, j], s=18, alpha=0.7, color=CLASS_COLOURS[c],
                       label=_pretty(name))
        ax.set_xlabel(feat.FEATURE_LABELS[fx])
        ax.set_ylabel(feat.FEATURE_LABELS[fy])
    axes[1].legend(fontsize=13, markerscale=2, loc="lower left")
    return close(fig)


# --------------------------------------------------------------------------------------------------
# The artificial neuron
# --------------------------------------------------------------------------------------------------

def neuron_figure() -> Figure:
    """Left: a neuron, a = φ(w·x + b), fed with three micrograph features. Right: three activations φ."""
    fig, axes = new_figure(2, size=SLIDE_SIZE, width_ratios=[1.35, 1])
    ax = axes[0]
    ax.set_xlim(0, 10.6)
    ax.set_ylim(0, 6)
    ax.axis("off")
    inputs = ("A_A", "P_L", "solidity")
    for k, name in enumerate(inputs):
        yk = 5 - 2 * k
        ax.add_patch(Circle((1.3, yk), 0.55, color=OKABE_ITO[4]))
        ax.text(1.3, yk, f"x{k + 1}", ha="center", va="center", fontsize=16)
        ax.text(0.55, yk, name, ha="right", va="center", fontsize=13)
        ax.add_patch(FancyArrowPatch((1.9, yk), (4.9, 3), arrowstyle="-|>", mutation_scale=18, lw=2))
        ax.text(3.2, (yk + 3) / 2 + 0.55 * (yk - 3) / 2 + 0.3, f"w{k + 1}", fontsize=15, color=OKABE_ITO[5])
    ax.add_patch(Circle((5.6, 3), 0.75, color=OKABE_ITO[1]))
    ax.text(5.6, 3, "Σ + b", ha="center", va="center", fontsize=15)
    ax.add_patch(FancyArrowPatch((6.4, 3), (7.4, 3), arrowstyle="-|>", mutation_scale=18, lw=2))
    ax.text(8.0, 3, "φ(z)", ha="center", va="center", fontsize=17)
    ax.add_patch(FancyArrowPatch((8.6, 3), (9.6, 3), arrowstyle="-|>", mutation_scale=18, lw=2))
    ax.text(9.75, 3.0, "a", fontsize=18, va="center")
    ax.text(5.0, 0.05, "z = w₁x₁ + w₂x₂ + w₃x₃ + b", ha="center", fontsize=16)
    z = np.linspace(-4, 4, 200)
    axes[1].plot(z, 1 / (1 + np.exp(-z)), label="sigmoid")
    axes[1].plot(z, np.tanh(z), label="tanh")
    axes[1].plot(z, np.maximum(z, 0), label="ReLU")
    axes[1].set_ylim(-1.2, 2.5)
    axes[1].set_xlabel(label("pre-activation z"))
    axes[1].set_ylabel(label("activation φ(z)"))
    axes[1].axhline(0, color="0.6", lw=1)
    axes[1].legend(fontsize=14, loc="upper left")
    return close(fig)


#: The target class and the two features of the decision-boundary demonstration (one class vs the rest).
BOUNDARY_DEMO = {"target": "particles", "features": ("area_fraction", "largest_cluster_share")}


def boundary_demo_models(features: np.ndarray, y: np.ndarray, class_names: tuple[str, ...],
                         train: np.ndarray, test: np.ndarray, hidden: int = 8,
                         seed: int = 0) -> dict[str, object]:
    """Train one neuron and a one-hidden-layer MLP (``hidden`` ReLU units) to find the particle
    micrographs among all classes with two features (A_A, largest-cluster share); score on ``test``.

    Returns {"neuron", "mlp": TrainedMLP, "x_train", "y_train", "x_test", "y_test" (1 = particles),
    "class_test" (the four-class labels), "accuracy": dict, "base_rate": accuracy of always saying 'no'}.
    """
    target = class_names.index(BOUNDARY_DEMO["target"])
    cols = [feat.FEATURE_NAMES.index(f) for f in BOUNDARY_DEMO["features"]]
    out: dict[str, object] = {"class_test": np.asarray(y)[test]}
    for part, idx in (("train", train), ("test", test)):
        out[f"x_{part}"] = features[np.ix_(idx, cols)]
        out[f"y_{part}"] = (np.asarray(y)[idx] == target).astype(int)
    common = dict(epochs=300, lr=1e-2, batch_size=1024, weight_decay=0.0, n_classes=2, seed=seed)
    out["neuron"] = train_mlp(out["x_train"], out["y_train"], hidden=(), **common)
    out["mlp"] = train_mlp(out["x_train"], out["y_train"], hidden=(hidden,), **common)
    out["accuracy"] = {k: float((out[k].predict(out["x_test"]) == out["y_test"]).mean()) for k in ("neuron", "mlp")}
    out["base_rate"] = float(1 - out["y_test"].mean())
    return out


def boundary_demo_over_splits(features: np.ndarray, comparison: Comparison) -> list[dict]:
    """:func:`boundary_demo_models` on every split of ``comparison`` (the same splits as the main study)."""
    return [boundary_demo_models(features, comparison.y, comparison.class_names, sp.train, sp.test, seed=sp.seed)
            for sp in comparison.splits]


def boundary_demo_summary(demos: list[dict]) -> str:
    """One Markdown sentence: test accuracy (mean ± std over the splits) of the neuron, the MLP, the base rate."""
    acc = {k: np.array([d["accuracy"][k] for d in demos]) for k in ("neuron", "mlp")}
    base = np.mean([d["base_rate"] for d in demos])
    return (f"Particles vs rest, test accuracy over {len(demos)} splits: one neuron "
            f"**{acc['neuron'].mean():.3f} ± {acc['neuron'].std(ddof=1):.3f}**, MLP with 8 hidden units "
            f"**{acc['mlp'].mean():.3f} ± {acc['mlp'].std(ddof=1):.3f}**; always 'not particles' {base:.3f}.")


def _grid(x: np.ndarray, n: int = 200) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    lo, hi = x.min(axis=0), x.max(axis=0)
    pad = 0.05 * (hi - lo)
    gx, gy = np.meshgrid(np.linspace(lo[0] - pad[0], hi[0] + pad[0], n), np.linspace(lo[1] - pad[1], hi[1] + pad[1], n))
    return gx, gy, np.column_stack([gx.ravel(), gy.ravel()])


def _scatter_demo(ax, demo: dict, class_names: tuple[str, ...]) -> None:
    for c, name in enumerate(class_names):
        sel = demo["class_test"] == c
        ax.scatter(demo["x_test"][sel, 0], demo["x_test"][sel, 1], s=28, color=CLASS_COLOURS[c], edgecolor="k",
                   lw=0.5, label=_pretty(name))
    ax.set_xlabel(feat.FEATURE_LABELS[BOUNDARY_DEMO["features"][0]])
    ax.set_ylabel(feat.FEATURE_LABELS[BOUNDARY_DEMO["features"][1]])


def decision_boundary_figure(demo: dict, class_names: tuple[str, ...]) -> Figure:
    """One neuron's straight decision boundary vs the bent boundary of a small MLP (particles vs the rest),
    with the test micrographs of one split."""
    fig, axes = new_figure(2, size=SLIDE_SIZE_TALL)
    gx, gy, pts = _grid(np.vstack([demo["x_train"], demo["x_test"]]))
    for ax, key, title in ((axes[0], "neuron", "one neuron"), (axes[1], "mlp", "MLP, 8 hidden ReLU units")):
        model: TrainedMLP = demo[key]
        prob = model.predict_proba(pts)[:, 1].reshape(gx.shape)
        ax.contourf(gx, gy, prob, levels=np.linspace(0, 1, 11), cmap=DIVERGING_CMAP, alpha=0.3)
        ax.contour(gx, gy, prob, levels=[0.5], colors="k", linewidths=2.5)
        _scatter_demo(ax, demo, class_names)
        ax.set_title(title, fontsize=17)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=4, fontsize=14, markerscale=1.5)
    return close(fig)


def hidden_units_figure(demo: dict, n_units: int = 3) -> Figure:
    """The hidden layer of the small MLP: each ReLU unit is active on one side of a straight line (a
    learned feature); the output combines them into the bent boundary."""
    model: TrainedMLP = demo["mlp"]
    gx, gy, pts = _grid(np.vstack([demo["x_train"], demo["x_test"]]), 120)
    act = model.hidden_activations(pts)
    w_out = model.model.out.weight.detach().numpy()
    importance = np.abs(w_out[1] - w_out[0]) * act.std(axis=0)
    units = np.argsort(importance)[::-1][:n_units]
    fig, axes = new_figure(n_units + 1, size=(11.0, 4.2))
    for ax, u in zip(axes[:n_units], units, strict=True):
        ax.contourf(gx, gy, act[:, u].reshape(gx.shape), levels=12, cmap="viridis")
        ax.set_title(f"hidden unit {u + 1}\n(vote {w_out[1, u] - w_out[0, u]:+.1f})", fontsize=14)
        ax.set_xlabel("A_A")
    axes[0].set_ylabel("largest cluster share")
    prob = model.predict_proba(pts)[:, 1].reshape(gx.shape)
    axes[-1].contourf(gx, gy, prob, levels=np.linspace(0, 1, 11), cmap=DIVERGING_CMAP, alpha=0.6)
    axes[-1].contour(gx, gy, prob, levels=[0.5], colors="k", linewidths=2.5)
    axes[-1].set_title("output:\nP(particles)", fontsize=14)
    axes[-1].set_xlabel("A_A")
    for ax in axes[1:]:
        ax.set_yticklabels([])
    return close(fig)


# --------------------------------------------------------------------------------------------------
# Classical features vs MLPs on micrographs
# --------------------------------------------------------------------------------------------------

def training_curves_figure(comparison: Comparison) -> Figure:
    """Training and test loss per epoch on the first split: the pixel MLP memorises its training set."""
    fig, axes = new_figure(2, size=SLIDE_SIZE)
    for ax, name in zip(axes, MODELS[1:], strict=True):
        hist = comparison.first_models[name].history
        epochs = np.arange(1, len(hist["train_loss"]) + 1)
        ax.plot(epochs, hist["train_loss"], color=OKABE_ITO[0], label="training")
        ax.plot(epochs, hist["val_loss"], color=OKABE_ITO[5], label="held-out")
        ax.set_yscale("log")
        ax.set_xlabel(label("epoch"))
        ax.set_ylabel(label("cross-entropy loss"))
        ax.set_title(f"{name}: held-out accuracy {hist['val_accuracy'][-1]:.2f}", fontsize=16)
        ax.legend(fontsize=14)
    return close(fig)


def comparison_figure(comparison: Comparison, size: tuple[float, float] = SLIDE_SIZE_TALL) -> Figure:
    """Accuracy per model on every split (dots) with mean ± standard deviation, and the confusion matrices
    of the classical pipeline and the pixel MLP on the first split."""
    from sklearn.metrics import confusion_matrix

    fig, axes = new_figure(3, size=size, width_ratios=[1.2, 1, 1])
    scores = comparison.scores("accuracy")
    summ = comparison.summary("accuracy")
    for k, m in enumerate(MODELS):
        axes[0].bar(k, summ[m][0], yerr=summ[m][1], color=OKABE_ITO[k], alpha=0.6, capsize=6)
        axes[0].plot(np.full(len(scores[m]), k) + np.linspace(-0.15, 0.15, len(scores[m])), scores[m], "o",
                     color="k", ms=5)
    axes[0].axhline(1 / len(comparison.class_names), color="0.4", ls=":", lw=2)
    axes[0].text(2.45, 1 / len(comparison.class_names) + 0.02, "chance", ha="right", fontsize=12)
    axes[0].set_xticks(range(3), ["features\n+ logistic", "features\n+ MLP", "pixels\n+ MLP"], fontsize=13)
    axes[0].set_ylabel(label("test accuracy"))
    axes[0].set_ylim(0, 1.05)
    split = comparison.splits[0]
    short = [n.split("_")[0][:5] for n in comparison.class_names]
    y_true = _labels_of(comparison, split)
    for ax, m in zip(axes[1:], (MODELS[0], MODELS[2]), strict=True):
        cm = confusion_matrix(y_true, split.predictions[m], labels=range(len(short)))
        ax.imshow(cm, cmap="Blues")
        for (i, j), v in np.ndenumerate(cm):
            ax.text(j, i, str(v), ha="center", va="center", fontsize=13, color="w" if v > cm.max() / 2 else "k")
        ax.set_xticks(range(len(short)), short, fontsize=12, rotation=45)
        ax.set_yticks(range(len(short)), short, fontsize=12)
        ax.set_xlabel("predicted", fontsize=14)
        ax.set_title(m, fontsize=15)
    axes[1].set_ylabel("true", fontsize=14)
    return close(fig)


def _labels_of(comparison: Comparison, split) -> np.ndarray:
    y = getattr(comparison, "y", None)
    if y is None:
        raise ValueError("the comparison does not carry its labels")
    return np.asarray(y)[split.test]


def mistakes_figure(images: np.ndarray, comparison: Comparison, n_per_model: int = 4) -> Figure:
    """Misclassified test micrographs of the first split: classical pipeline (top), pixel MLP (bottom)."""
    split = comparison.splits[0]
    y_true = _labels_of(comparison, split)
    fig, axes = new_figure(n_per_model, nrows=2, size=SLIDE_SIZE_TALL)
    names = comparison.class_names
    for row, m in enumerate((MODELS[0], MODELS[2])):
        wrong = np.flatnonzero(split.predictions[m] != y_true)[:n_per_model]
        for k in range(n_per_model):
            ax = axes[row, k]
            if k < len(wrong):
                i = wrong[k]
                show_image(ax, images[split.test[i]], vmin=0, vmax=1)
                ax.set_title(f"{_pretty(names[y_true[i]])}\n→ {_pretty(names[split.predictions[m][i]])}",
                             fontsize=13)
            else:
                ax.axis("off")
        axes[row, 0].set_ylabel(m.replace(" + ", "\n+ "), fontsize=14)
    return close(fig)


def pixel_weights_figure(comparison: Comparison, n_units: int = 10, image_shape: tuple[int, int] = (64, 64)) -> Figure:
    """First-layer weights of the pixel MLP (first split) shown as images, the ``n_units`` with the largest
    weight norm, in two rows: what each hidden unit responds to."""
    model: TrainedMLP = comparison.first_models[MODELS[2]]
    w = model.first_layer_weights()
    order = np.argsort(np.linalg.norm(w, axis=1))[::-1][:n_units]
    ncols = int(np.ceil(n_units / 2))
    fig, axes = new_figure(ncols, nrows=2, size=(11.0, 4.9))
    for ax in axes.ravel():
        ax.axis("off")
    for ax, u in zip(axes.ravel(), order, strict=False):
        img = w[u].reshape(image_shape)
        lim = np.abs(img).max()
        show_image(ax, img, cmap=DIVERGING_CMAP, vmin=-lim, vmax=lim, title=f"unit {u + 1}")
    return close(fig)


# --------------------------------------------------------------------------------------------------
# A real map: the duplex steel
# --------------------------------------------------------------------------------------------------

def real_duplex_figure(threshold_deg: float = 15.0, fields: tuple[int, int] = (2, 3),
                       points_per_field: int = 25, seed: int = 0) -> Figure:
    """The real duplex-steel EBSD map (:func:`mlpc.datasets.real_data.load_ebsd_duplex`). Left: phases with
    the E562 field grid and its counting points; right: the grains of the ``threshold_deg`` rule (boundaries
    in black, interphase and high-angle alike) over the phase map."""
    from mlpc.datasets import real_data
    from mlpc.orientation_maps import grain_map

    ang = real_data.load_ebsd_duplex()
    step = ang.step_um
    phase_cmap = ListedColormap([OKABE_ITO[1], OKABE_ITO[0]])
    fig, axes = new_figure(2, size=SLIDE_SIZE)
    for ax in axes:
        show_image(ax, ang.phase_id, step, cmap=phase_cmap, vmin=0.5, vmax=2.5)
    ny, nx = ang.shape
    rows = np.array_split(np.arange(ny), fields[0])
    cols = np.array_split(np.arange(nx), fields[1])
    side = int(round(np.sqrt(points_per_field)))
    for k, (r, c) in enumerate((r, c) for r in rows for c in cols):
        off = np.random.default_rng(seed + k).random(2)  # the offsets of stereology.point_count_fraction
        pr = r[np.floor((np.arange(side) + off[0]) * r.size / side).astype(int)]
        pc = c[np.floor((np.arange(side) + off[1]) * c.size / side).astype(int)]
        yy, xx = np.meshgrid(pr, pc, indexing="ij")
        axes[0].plot((xx.ravel() + 0.5) * step, (yy.ravel() + 0.5) * step, "+", color="k", ms=7, mew=1.5)
        axes[0].add_patch(Rectangle((c[0] * step, r[0] * step), c.size * step, r.size * step, fill=False,
                                    ec="white", lw=2))
    labels = grain_map(ang, threshold_deg)
    edges = np.zeros(labels.shape, bool)
    edges[:, 1:] |= labels[:, 1:] != labels[:, :-1]
    edges[1:, :] |= labels[1:, :] != labels[:-1, :]
    axes[1].imshow(np.ma.masked_where(~edges, edges), cmap=ListedColormap(["k"]),
                   extent=(0, nx * step, ny * step, 0), interpolation="nearest")
    axes[0].set_title(f"E562: {fields[0] * fields[1]} fields × {side * side} points", fontsize=15)
    axes[1].set_title(f"grains: same phase, < {threshold_deg:g}° to a neighbour", fontsize=15)
    axes[1].set_ylabel("")
    axes[0].legend(handles=[Patch(color=OKABE_ITO[1], label=ang.phase_names[1]),
                            Patch(color=OKABE_ITO[0], label=ang.phase_names[2])],
                   loc="lower left", fontsize=12, framealpha=0.9)
    return close(fig)


def real_duplex_table(threshold_deg: float = 15.0, seed: int = 0) -> str:
    """Markdown: phase fractions and intercept lengths of the real duplex map, measured four ways."""
    from mlpc.datasets import real_data
    from mlpc.orientation_maps import duplex_measurements

    rows = duplex_measurements(real_data.load_ebsd_duplex(), threshold_deg, seed=seed)
    lines = ["| phase | all points | E562 (6 × 25 points) | L̄, phase map | L̄, grain map | grains, mean ECD |",
             "|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r.phase} | {100 * r.map_fraction:.1f} % | {100 * r.e562_mean:.0f} ± "
                     f"{100 * r.e562_ci95:.0f} % | {r.intercept_phase_um:.1f} µm | {r.intercept_grains_um:.1f} µm "
                     f"| {r.n_grains}, {r.mean_ecd_um:.0f} µm |")
    return "\n".join(lines)


__all__ = [
    "real_duplex_figure",
    "real_duplex_table",
    "BOUNDARY_DEMO",
    "GRAIN_SERIES",
    "boundary_demo_models",
    "boundary_demo_over_splits",
    "boundary_demo_summary",
    "comparison_figure",
    "dataset_figure",
    "decision_boundary_figure",
    "e562_table",
    "ebsd_boundaries_figure",
    "ebsd_grain_size_table",
    "feature_space_figure",
    "g_number_figure",
    "grain_size_figure",
    "grain_size_table",
    "hidden_units_figure",
    "matched_morphologies",
    "mistakes_figure",
    "neuron_figure",
    "pixel_weights_figure",
    "point_count_figure",
    "same_features_figure",
    "same_features_measurements",
    "training_curves_figure",
]
