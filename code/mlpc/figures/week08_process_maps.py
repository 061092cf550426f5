"""Week 8 figures: inverse problems and ML process maps for LPBF 316L.

Every figure and number comes from the course's LPBF process physics (:mod:`mlpc.datasets.process`: the
normalised enthalpy ``ΔH/h_s`` and keyhole threshold of King et al. 2014, J. Mater. Process. Technol. 214,
2915; lack of fusion by melt-pool overlap, Tang, Pistorius & Beuth 2017, Addit. Manuf. 14, 39 (:data:`LOF`; the
energy-density criterion after Gong et al. 2014 only for the slides that contrast the two); balling at ``L/W > π``,
Yadroitsev et al. 2010, J. Mater. Process. Technol. 210, 1624; Rosenthal 1946 melt pools) and from the models
of :mod:`mlpc.process_maps`. The week's data set is one campaign of 120 cubes
(:func:`mlpc.datasets.process.process_experiments`, ``seed=0``, ``lack_of_fusion="overlap"``), hatch 100 µm and
layer 30 µm. Numbers shown on slides come from the ``*_markdown`` functions here, so that slides and figures
cannot disagree.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from mlpc import process_maps as pm
from mlpc.datasets import process as pr
from mlpc.plotting import OKABE_ITO, SLIDE_SIZE, close, label, new_figure

MATERIAL = "316L"
#: The lack-of-fusion criterion of the week's generator: melt-pool overlap (Tang, Pistorius & Beuth 2017).
LOF = pm.LACK_OF_FUSION
N_CUBES = 120
SEED = 0
#: The sampled range of the extrapolation study: a first campaign on a 250 W machine up to 1500 mm/s.
BOX = (250.0, 1500.0)
REGIME_COLOURS = {"conduction": OKABE_ITO[2], "keyhole": OKABE_ITO[5], "lack_of_fusion": OKABE_ITO[4],
                  "balling": OKABE_ITO[1]}
REGIME_NAMES = {"conduction": "window (conduction)", "keyhole": "keyhole", "lack_of_fusion": "lack of fusion",
                "balling": "balling"}
REGIME_MARKERS = {"conduction": "o", "keyhole": "^", "lack_of_fusion": "s", "balling": "D"}
MODEL_STYLE = {
    "quadratic": (OKABE_ITO[3], ":", "quadratic RSM (P, v)"),
    "trees_raw": (OKABE_ITO[1], "--", "trees (P, v)"),
    "trees_physics": (OKABE_ITO[4], "-.", r"trees ($E_v$, $\Delta H/h_s$)"),
    "trees_physics_monotone": (OKABE_ITO[0], "-", "trees, physics + monotone"),
}
#: Short plain-text model names for slide tables (no math: table cells must not wrap).
TABLE_NAMES = {"quadratic": "quadratic (P, v)", "trees_raw": "trees (P, v)", "trees_physics": "trees (E_v, ΔH/h_s)",
               "trees_physics_monotone": "monotone trees (E_v, ΔH/h_s)"}
SPEED_TICKS = [100, 300, 1000, 3000]
#: Figure size for slides that carry a line of text under the figure (inches).
SHORT = (11.0, 4.5)


# ----------------------------------------------------------------------------------------------------------
# Cached data and models (a deck calls several helpers on the same fits)
# ----------------------------------------------------------------------------------------------------------

@functools.cache
def cubes(seed: int = SEED, n_points: int = N_CUBES) -> pd.DataFrame:
    """The week's campaign: ``n_points`` cubes at scattered (P, v), measured Archimedes density."""
    return pr.process_experiments(n_points=n_points, material=MATERIAL, seed=seed, lack_of_fusion=LOF)


@functools.cache
def density_model(kind: str, seed: int = SEED, boxed: bool = False) -> pm.ProcessModel:
    """A density model fitted to all cubes (or only to those inside :data:`BOX`)."""
    data = cubes(seed)
    if boxed:
        data = data[pm.in_box(data, *BOX)]
    return pm.fit_density_model(data, kind, material=MATERIAL, seed=seed)


@functools.cache
def regime_model(features: str, seed: int = SEED) -> pm.ProcessModel:
    return pm.fit_regime_classifier(cubes(seed), features, MATERIAL)


@functools.cache
def cv_scores(seed: int = SEED) -> pd.DataFrame:
    return pm.cross_validated_scores(cubes(seed), material=MATERIAL, seed=seed)


@functools.cache
def extrapolation(seed: int = SEED) -> pd.DataFrame:
    """Models trained inside :data:`BOX`, scored on the cubes outside it and on the unexplored map."""
    table = pm.extrapolation_scores(cubes(seed), *BOX, material=MATERIAL, seed=seed)
    pp, vv = grid(61)
    outside = ~((pp <= BOX[0]) & (vv <= BOX[1]))
    truth = pr.relative_density_model(pp, vv, material=MATERIAL, lack_of_fusion=LOF)
    share = []
    for kind in table["model"]:
        pred = density_model(kind, seed, boxed=True).predict(pp, vv)
        share.append(float(np.mean(pred[outside] >= pm.QUALITY_THRESHOLD_PCT)))
    return table.assign(declared_safe_share=share,
                        truly_safe_share=float(np.mean(truth[outside] >= pm.QUALITY_THRESHOLD_PCT)))


@functools.cache
def extrapolation_campaigns(seeds: tuple[int, ...] = (0, 1, 2, 3, 4)) -> pd.DataFrame:
    """Mean and standard deviation over independent campaigns (seeds) of the RMSE outside :data:`BOX`."""
    tables = [pm.extrapolation_scores(cubes(s), *BOX, material=MATERIAL, seed=s) for s in seeds]
    both = pd.concat(tables)
    return both.groupby("model", sort=False)["rmse_outside_pct"].agg(["mean", "std"]).reset_index()


@functools.cache
def corridor(kind: str = "trees_physics_monotone", seed: int = SEED) -> pm.Corridor:
    p, v = pm.parameter_grid(101, 101)
    return pm.robust_corridor(density_model(kind, seed), cubes(seed), power_W=p, speed_mm_s=v)


def md_table(header: list[str], rows: list[list[str]], widths: list[int]) -> str:
    """A Markdown pipe table whose separator dashes set the relative column widths (Pandoc uses them when a
    line is longer than 72 characters, as slide tables are)."""
    if not len(header) == len(widths) or any(len(r) != len(header) for r in rows):
        raise ValueError("header, widths and every row need the same number of columns")
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("-" * w for w in widths) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def grid(n: int = 101) -> tuple[np.ndarray, np.ndarray]:
    """Meshgrid (P, v) of the map, shaped ``(n, n)``; speed on a log scale."""
    return np.meshgrid(*pm.parameter_grid(n, n), indexing="ij")


def _speed_axis(ax) -> None:
    ax.set_xscale("log")
    ax.set_xticks(SPEED_TICKS, [str(t) for t in SPEED_TICKS])
    ax.set_xlim(100, 3000)
    ax.set_xlabel(label("Scan speed v", "mm/s"))


def _criteria(pp: np.ndarray, vv: np.ndarray) -> list[tuple[np.ndarray, float, str]]:
    """(field, level, line style) of the generator's three regime boundaries on a (P, v) grid: ΔH/h_s = 30,
    melt-pool overlap (h/W)² + (t/D)² = 1 and L/W = π (slow-scan-bounded melt pool, as in the generator)."""
    mat = pr.get_material(MATERIAL)
    size = pr.melt_pool_size(pp, vv, MATERIAL, slow_scan_bound=True)
    return [(pr.normalized_enthalpy(pp, vv, MATERIAL), mat.keyhole_threshold, "-"),
            (pr.fusion_overlap(pp, vv, material=MATERIAL), 1.0, "--"),
            (size.length_um / size.width_um, np.pi, ":")]


def _boundaries(ax, linewidth: float = 2.0, physical: bool = False) -> None:
    """The three regime criteria as lines in the P–v plane, or in (E_v, ΔH/h_s) with ``physical=True``."""
    pp, vv = grid(161)
    x, y = ((pr.volumetric_energy_density(pp, vv), pr.normalized_enthalpy(pp, vv, MATERIAL)) if physical
            else (vv, pp))
    for field, level, ls in _criteria(pp, vv):
        ax.contour(x, y, field, levels=[level], linestyles=ls, colors=OKABE_ITO[7], linewidths=linewidth)


def _boundary_legend() -> list[Line2D]:
    k = OKABE_ITO[7]
    return [Line2D([], [], color=k, linestyle="-", label=r"$\Delta H/h_s$ = 30"),
            Line2D([], [], color=k, linestyle="--", label=r"overlap $(h/W)^2+(t/D)^2 = 1$"),
            Line2D([], [], color=k, linestyle=":", label=r"$L/W = \pi$")]


def _scatter_cubes(ax, data: pd.DataFrame, x: str = "speed_mm_s", y: str = "power_W", size: float = 45) -> None:
    for reg in pr.REGIMES:
        g = data[data["regime"] == reg]
        ax.scatter(g[x], g[y], s=size, marker=REGIME_MARKERS[reg], color=REGIME_COLOURS[reg],
                   edgecolors="k", linewidths=0.5, label=f"{REGIME_NAMES[reg]} ({len(g)})", zorder=3)


# ----------------------------------------------------------------------------------------------------------
# Inverse problems: forward is single-valued, inverse is not
# ----------------------------------------------------------------------------------------------------------

def equal_density_figure(target_pct: float = 98.0, speed_mm_s: float = 800.0) -> Figure:
    """Density vs power at one speed (noise-free generator) with the two powers that reach ``target_pct``, and
    their Rosenthal melt pools drawn to scale against the 30 µm layer."""
    pair = pm.equal_density_pair(target_pct, speed_mm_s, MATERIAL)
    p = np.linspace(50, 400, 351)
    fig, (a, b) = new_figure(2, gridspec_kw={"width_ratios": [1.35, 1]})
    a.plot(p, pr.relative_density_model(p, speed_mm_s, material=MATERIAL, lack_of_fusion=LOF), color=OKABE_ITO[7])
    a.axhline(target_pct, color=OKABE_ITO[7], linestyle="--", linewidth=1.5)
    regimes = pr.classify_regime(p, speed_mm_s, material=MATERIAL, lack_of_fusion=LOF)
    for reg in ("lack_of_fusion", "keyhole"):
        sel = p[regimes == reg]
        a.axvspan(sel.min(), sel.max(), color=REGIME_COLOURS[reg], alpha=0.25, label=REGIME_NAMES[reg])
    for pw, colour in zip(pair.power_W, (REGIME_COLOURS["lack_of_fusion"], REGIME_COLOURS["keyhole"]), strict=True):
        a.plot(pw, target_pct, "o", markersize=14, color=colour, markeredgecolor="k", zorder=4)
        a.annotate(f"{pw:.0f} W", (pw, target_pct), xytext=(0, -34), textcoords="offset points", ha="center",
                   fontsize=15, fontweight="bold")
    a.set_ylim(94, 100.3)
    a.set_xlabel(label("Laser power P", "W"))
    a.set_ylabel(label("Relative density", "%"))
    a.set_title(f"v = {speed_mm_s:.0f} mm/s: one density, two powers", fontsize=16)
    a.legend(loc="lower center", fontsize=13)
    x0 = 0.0
    for pw, colour in zip(pair.power_W, (REGIME_COLOURS["lack_of_fusion"], REGIME_COLOURS["keyhole"]), strict=True):
        size = pr.melt_pool_size(pw, speed_mm_s, MATERIAL, slow_scan_bound=True)
        half, depth = float(size.width_um) / 2, float(size.depth_um)
        t = np.linspace(np.pi, 2 * np.pi, 60)
        b.fill(x0 + half * np.cos(t), depth * np.sin(t), color=colour, alpha=0.7)
        b.text(x0, 12, f"{pw:.0f} W", ha="center", fontsize=14)
        b.text(x0, -depth - 14, f"{depth:.0f} µm", ha="center", va="top", fontsize=14)
        x0 += half + 90
    left = -float(pr.melt_pool_size(pair.power_W[0], speed_mm_s, MATERIAL, slow_scan_bound=True).width_um) / 2 - 100
    b.set_xlim(left, x0 - 70)
    b.axhline(-30, color=OKABE_ITO[7], linestyle="--", linewidth=1.5)
    b.text(left + 5, -33, "layer\n30 µm", ha="left", va="top", fontsize=13)
    b.set_ylim(-115, 30)
    b.set_aspect("equal")
    b.set_xticks([])
    b.set_ylabel(label("Depth", "µm"))
    b.set_title("Rosenthal melt pools (to scale)", fontsize=16)
    return close(fig)


def equal_density_markdown(target_pct: float = 98.0, speed_mm_s: float = 800.0) -> str:
    """Markdown table of the two parameter sets of one density (the multi-valued inverse)."""
    pair = pm.equal_density_pair(target_pct, speed_mm_s, MATERIAL)
    rows = [[name, f"{pair.power_W[k]:.0f}", f"{pair.energy_density_J_mm3[k]:.0f}",
             f"{pair.normalized_enthalpy[k]:.1f}", f"{pair.melt_pool_depth_um[k]:.0f}", REGIME_NAMES[pair.regime[k]]]
            for k, name in enumerate(("A", "B"))]
    header = [f"{pair.target_pct:.1f} %, {pair.speed_mm_s:.0f} mm/s", "P (W)", "E_v (J/mm³)", "ΔH/h_s", "depth (µm)",
              "regime"]
    return md_table(header, rows, [24, 10, 16, 11, 14, 25])


def solution_set_figure(target_pct: float = 98.0, noise_pct: float = 0.15, speed_mm_s: float = 800.0) -> Figure:
    """All (P, v) of the generator with density = target: a closed curve around the window; ±2σ Archimedes
    noise on the target turns it into a band (instability of the inverse)."""
    pp, vv = grid(201)
    dens = pr.relative_density_model(pp, vv, material=MATERIAL, lack_of_fusion=LOF)
    fig, ax = new_figure(size=SHORT)
    band = np.abs(dens - target_pct) <= 2 * noise_pct
    ax.contourf(vv, pp, band.astype(float), levels=[0.5, 1.5], colors=[OKABE_ITO[4]], alpha=0.6)
    ax.contour(vv, pp, dens, levels=[target_pct], colors=[OKABE_ITO[0]], linewidths=3)
    ax.contour(vv, pp, dens, levels=[pm.QUALITY_THRESHOLD_PCT], colors=[OKABE_ITO[2]], linewidths=2,
               linestyles="--")
    pair = pm.equal_density_pair(target_pct, speed_mm_s, MATERIAL)
    ax.plot([speed_mm_s] * 2, pair.power_W, "o", markersize=13, color=OKABE_ITO[5], markeredgecolor="k", zorder=4)
    for pw, name in zip(pair.power_W, ("A", "B"), strict=True):
        ax.annotate(name, (speed_mm_s, pw), xytext=(10, 6), textcoords="offset points", fontsize=17,
                    fontweight="bold")
    _speed_axis(ax)
    ax.set_ylabel(label("Laser power P", "W"))
    handles = [Line2D([], [], color=OKABE_ITO[0], linewidth=3, label=f"ρ_rel = {target_pct:g} % exactly"),
               Patch(color=OKABE_ITO[4], alpha=0.6, label=f"ρ_rel = {target_pct:g} ± {2 * noise_pct:.1f} % (±2σ)"),
               Line2D([], [], color=OKABE_ITO[2], linestyle="--", linewidth=2, label="ρ_rel = 99.5 % (good)")]
    ax.legend(handles=handles, loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=14)
    return close(fig)


def solution_set_markdown(target_pct: float = 98.0, noise_pct: float = 0.15) -> str:
    """How much of the map is compatible with the target within ±2σ Archimedes noise, and its P and v spans."""
    pp, vv = grid(201)
    dens = pr.relative_density_model(pp, vv, material=MATERIAL, lack_of_fusion=LOF)
    band = np.abs(dens - target_pct) <= 2 * noise_pct
    return (f"Within ±{2 * noise_pct:.1f} % of {target_pct:g} %: {band.mean():.1%} of the P–v map, powers "
            f"{pp[band].min():.0f}–{pp[band].max():.0f} W, speeds {vv[band].min():.0f}–{vv[band].max():.0f} mm/s.")


# ----------------------------------------------------------------------------------------------------------
# Process maps: data, regimes, physical variables
# ----------------------------------------------------------------------------------------------------------

def regime_map_figure(seed: int = SEED) -> Figure:
    """The campaign's cubes by regime in the P–v plane and in (E_v, ΔH/h_s): there the keyhole boundary is straight,
    the overlap (lack-of-fusion) boundary is not a line of constant E_v."""
    data = cubes(seed)
    fig, (a, b) = new_figure(2)
    _scatter_cubes(a, data)
    _boundaries(a)
    _speed_axis(a)
    a.set_ylabel(label("Laser power P", "W"))
    a.set_title("Machine settings", fontsize=16)
    _scatter_cubes(b, data, x="energy_density_J_mm3", y="normalized_enthalpy")
    _boundaries(b, physical=True)
    b.set_xscale("log")
    b.set_yscale("log")
    b.set_xticks([10, 30, 100, 300, 1000], ["10", "30", "100", "300", "1000"])
    b.set_yticks([3, 10, 30, 100], ["3", "10", "30", "100"])
    b.set_xlabel(label(r"Energy density $E_v$", "J/mm³"))
    b.set_ylabel(r"Normalised enthalpy $\Delta H/h_s$")
    b.set_title("Physical variables", fontsize=16)
    b.add_artist(b.legend(loc="lower right", fontsize=12, handletextpad=0.2))
    b.legend(handles=_boundary_legend(), loc="upper left", fontsize=12)
    return close(fig)


def classifier_map_figure(seed: int = SEED) -> Figure:
    """Regime maps predicted by a linear (logistic) classifier on raw (P, v) and on physical variables,
    true boundaries in black; titles give the cross-validated balanced accuracy."""
    acc = pm.cross_validated_regime_accuracy(cubes(seed), ("raw", "physics"), material=MATERIAL, seed=seed)
    acc = dict(zip(acc["features"], acc["balanced_accuracy"], strict=True))
    pp, vv = grid(121)
    fig, axes = new_figure(2, sharey=True, size=SHORT)
    names = {"raw": "logistic on (P, v)", "physics": r"logistic on log $E_v$, log $\Delta H/h_s$"}
    for ax, feat in zip(axes, ("raw", "physics"), strict=True):
        pred = regime_model(feat, seed).predict(pp, vv)
        codes = np.vectorize(pr.REGIMES.index)(pred)
        cmap = ListedColormap([REGIME_COLOURS[r] for r in pr.REGIMES])
        ax.pcolormesh(vv, pp, codes, cmap=cmap, vmin=-0.5, vmax=3.5, shading="nearest", alpha=0.6)
        _boundaries(ax)
        _speed_axis(ax)
        ax.set_title(f"{names[feat]}\nCV balanced accuracy {acc[feat]:.2f}", fontsize=15)
    axes[0].set_ylabel(label("Laser power P", "W"))
    handles = [Patch(color=REGIME_COLOURS[r], alpha=0.6, label=REGIME_NAMES[r]) for r in pr.REGIMES]
    axes[1].legend(handles=handles, loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=13)
    return close(fig)


def classifier_markdown(seed: int = SEED) -> str:
    """One sentence: cross-validated balanced accuracy and agreement of each classifier map with the physics."""
    acc = pm.cross_validated_regime_accuracy(cubes(seed), ("raw", "physics"), material=MATERIAL, seed=seed)
    pp, vv = grid(121)
    truth = pr.classify_regime(pp, vv, material=MATERIAL, lack_of_fusion=LOF)
    agree = {f: float(np.mean(regime_model(f, seed).predict(pp, vv) == truth)) for f in ("raw", "physics")}
    ba = dict(zip(acc["features"], acc["balanced_accuracy"], strict=True))
    return (f"5-fold balanced accuracy {ba['raw']:.2f} on (P, v) vs {ba['physics']:.2f} on (log E_v, log ΔH/h_s); "
            f"the maps agree with the physics on {agree['raw']:.0%} vs {agree['physics']:.0%} of the P–v plane.")


def regime_criteria_markdown() -> str:
    """The regime criteria of the course's 316L with their constants, as Markdown bullets."""
    mat = pr.get_material(MATERIAL)
    return "\n".join([
        r"- Keyhole: $\Delta H/h_s = \dfrac{A P}{h_s \sqrt{\pi D v \sigma^3}} \geq$ "
        f"{mat.keyhole_threshold:g} (King 2014)",
        r"- Lack of fusion: melt pools do not overlap, $(h/W)^2 + (t/D)^2 > 1$ (Tang 2017)",
        r"- Balling: melt pool $L/W > \pi$, Plateau–Rayleigh break-up (Yadroitsev 2010)",
        f"- 316L: A = {mat.absorptivity:g}, beam radius σ = {mat.beam_radius_um:g} µm, "
        f"h = 100 µm, t = 30 µm",
        "- Window (conduction mode): the diagonal band between the three (Johnson 2019)",
    ])


def stability_markdown(speed_mm_s: float = 800.0, noise_pct: float = 0.15) -> str:
    """The power interval at ``speed_mm_s`` whose true density lies within ``noise_pct`` of the peak."""
    p = np.linspace(50, 400, 3501)
    dens = pr.relative_density_model(p, speed_mm_s, material=MATERIAL, lack_of_fusion=LOF)
    sel = p[dens >= dens.max() - noise_pct]
    return (f"{noise_pct:.2f} % below the peak at {speed_mm_s:.0f} mm/s fits every P from {sel.min():.0f} to "
            f"{sel.max():.0f} W")


def overlap_criterion_figure(power_W: float = 200.0, hatches_um: tuple[float, ...] = (100.0, 140.0),
                             layer_um: float = 30.0) -> Figure:
    """Left: melt-pool width and depth (Rosenthal, slow-scan bounded) against scan speed at one power, with the
    hatch spacings and the layer thickness. Right: the P–v map with the lack-of-fusion boundary by energy density
    (E_v = limit) and by geometric overlap ((h/W)² + (t/D)² = 1) for each hatch."""
    v = np.linspace(100.0, 3000.0, 300)
    size = pr.melt_pool_size(power_W, v, MATERIAL, slow_scan_bound=True)
    fig, (a, b) = new_figure(2, size=SLIDE_SIZE)
    a.plot(v, size.width_um, color=OKABE_ITO[0], lw=2.5, label="melt-pool width W")
    a.plot(v, size.depth_um, color=OKABE_ITO[5], lw=2.5, label="melt-pool depth D")
    for h, ls in zip(hatches_um, ("--", ":"), strict=True):
        a.axhline(h, color=OKABE_ITO[0], ls=ls, lw=1.5, label=f"hatch h = {h:.0f} µm")
    a.axhline(layer_um, color=OKABE_ITO[5], ls="--", lw=1.5, label=f"layer t = {layer_um:.0f} µm")
    a.set(xlabel=label("scan speed", "mm/s"), ylabel=label("size", "µm"), title=f"{power_W:.0f} W, 316L")
    a.legend(fontsize=11)
    pp, vv = grid(161)
    limit = pr.get_material(MATERIAL).lof_energy_density_J_mm3
    for h, ls, color in zip(hatches_um, ("-", "--"), (OKABE_ITO[2], OKABE_ITO[1]), strict=True):
        b.contour(vv, pp, pr.volumetric_energy_density(pp, vv, h, layer_um), [limit], colors=[color],
                  linestyles=[ls], linewidths=2)
        b.contour(vv, pp, pr.fusion_overlap(pp, vv, h, layer_um, MATERIAL), [1.0], colors=["k"], linestyles=[ls],
                  linewidths=2)
        b.plot([], [], color=color, ls=ls, lw=2, label=f"E_v = {limit:.0f} J/mm³, h = {h:.0f} µm")
        b.plot([], [], color="k", ls=ls, lw=2, label=f"overlap = 1, h = {h:.0f} µm")
    b.set(xlabel=label("scan speed", "mm/s"), ylabel=label("laser power", "W"),
          title="lack of fusion right of each line")
    b.title.set_fontsize(15)
    b.legend(fontsize=10, loc="upper left")
    return close(fig)


def overlap_markdown(power_W: float = 200.0, hatches_um: tuple[float, ...] = (100.0, 140.0),
                     layer_um: float = 30.0) -> str:
    """Fastest speed without lack of fusion at one power, by E_v and by overlap, for each hatch."""
    v = np.linspace(100.0, 3000.0, 2901)
    limit = pr.get_material(MATERIAL).lof_energy_density_J_mm3
    lines = []
    for h in hatches_um:
        v_ev = v[pr.volumetric_energy_density(power_W, v, h, layer_um) >= limit].max()
        ok = pr.fusion_overlap(power_W, v, h, layer_um, MATERIAL) <= 1
        v_ov = v[ok].max() if ok.any() else float("nan")
        lines.append(f"- h = {h:.0f} µm at {power_W:.0f} W: fastest fused track **{v_ov:.0f} mm/s** by overlap, "
                     f"{v_ev:.0f} mm/s by E_v")
    return "\n".join(lines) + "\n"


def densest_setting(lack_of_fusion: str = LOF, n: int = 201) -> tuple[float, float, float]:
    """(density %, P in W, v in mm/s) of the highest noise-free density on the default P–v map."""
    pp, vv = grid(n)
    dens = pr.relative_density_model(pp, vv, material=MATERIAL, lack_of_fusion=lack_of_fusion)
    k = np.unravel_index(np.argmax(dens), dens.shape)
    return float(dens[k]), float(pp[k]), float(vv[k])


def peak_density_markdown(lack_of_fusion: str = LOF) -> str:
    """The highest noise-free density anywhere on the default P–v map (existence of the inverse)."""
    d, p, v = densest_setting(lack_of_fusion)
    return f"{d:.2f} % at {p:.0f} W, {v:.0f} mm/s"


def lowest_dense_power_W(lack_of_fusion: str, target_pct: float = pm.QUALITY_THRESHOLD_PCT, n: int = 201) -> float:
    """The lowest power on the default map at which some speed reaches ``target_pct`` (noise-free)."""
    pp, vv = grid(n)
    dens = pr.relative_density_model(pp, vv, material=MATERIAL, lack_of_fusion=lack_of_fusion)
    return float(pp[dens >= target_pct].min())


def lof_criteria_figure() -> Figure:
    """The generator's noise-free density over P–v with lack of fusion by E_v (left) and by melt-pool overlap
    (right): the 99.5 % contour in white, the densest setting as a star."""
    pp, vv = grid(161)
    fig, axes = new_figure(2, sharey=True, size=(11.5, 4.2))
    for ax, crit, title in zip(axes, pr.LACK_OF_FUSION_CRITERIA, ("lack of fusion by E_v", "by overlap"),
                               strict=True):
        z = pr.relative_density_model(pp, vv, material=MATERIAL, lack_of_fusion=crit)
        mesh = ax.pcolormesh(vv, pp, z, vmin=95, vmax=100, cmap="viridis", shading="nearest")
        ax.contour(vv, pp, z, levels=[pm.QUALITY_THRESHOLD_PCT], colors="w", linewidths=2.5)
        _, p_best, v_best = densest_setting(crit)
        ax.plot(v_best, p_best, marker="*", ms=22, color=OKABE_ITO[1], mec="k")
        _speed_axis(ax)
        ax.set_title(title, fontsize=15)
    axes[0].set_ylabel(label("Laser power P", "W"))
    fig.colorbar(mesh, ax=axes, label=label("Relative density", "%"), extend="min", shrink=0.9)
    return close(fig)


def lof_criteria_markdown() -> str:
    """Densest setting and lowest dense power by each lack-of-fusion criterion, as slide bullets."""
    lines = []
    for crit, name in zip(pr.LACK_OF_FUSION_CRITERIA, ("E_v", "overlap"), strict=True):
        lines.append(f"- By {name}: densest {peak_density_markdown(crit)}; 99.5 % reached from "
                     f"{lowest_dense_power_W(crit):.0f} W up")
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------------------------------------------------
# Density regression: unconstrained vs physics-constrained
# ----------------------------------------------------------------------------------------------------------

def density_maps_figure(seed: int = SEED) -> Figure:
    """Predicted density over P–v: unconstrained trees on (P, v), monotone trees on (E_v, ΔH/h_s), and the
    generator's truth; the 99.5 % contour in white, the cubes as dots."""
    pp, vv = grid(121)
    panels = [("trees on (P, v)", density_model("trees_raw", seed).predict(pp, vv)),
              ("monotone trees on physics", density_model("trees_physics_monotone", seed).predict(pp, vv)),
              ("truth (generator)", pr.relative_density_model(pp, vv, material=MATERIAL, lack_of_fusion=LOF))]
    fig, axes = new_figure(3, sharey=True, size=(12.0, 4.6))
    data = cubes(seed)
    for ax, (title, z) in zip(axes, panels, strict=True):
        mesh = ax.pcolormesh(vv, pp, z, vmin=95, vmax=100, cmap="viridis", shading="nearest")
        ax.contour(vv, pp, z, levels=[pm.QUALITY_THRESHOLD_PCT], colors="w", linewidths=2.5)
        ax.scatter(data["speed_mm_s"], data["power_W"], s=8, color="k")
        _speed_axis(ax)
        ax.set_title(title, fontsize=15)
    axes[0].set_ylabel(label("Laser power P", "W"))
    fig.colorbar(mesh, ax=axes, label=label("Relative density", "%"), extend="min", shrink=0.9)
    return close(fig)


def cv_markdown(seed: int = SEED) -> str:
    """5-fold cross-validated RMSE and MAE of the four density models (same folds)."""
    t = cv_scores(seed)
    rows = ["| model (same 5 folds, 120 cubes) | RMSE (% points) | MAE (% points) |", "|---|---|---|"]
    for _, r in t.iterrows():
        rows.append(f"| {TABLE_NAMES[r['model']]} | {r['rmse_pct']:.2f} ± {r['rmse_std_pct']:.2f} | "
                    f"{r['mae_pct']:.2f} |")
    return "\n".join(rows)


def cv_campaigns(seeds: tuple[int, ...] = (0, 1, 2, 3, 4)) -> pd.DataFrame:
    """Per campaign (seed): 5-fold RMSE and MAE of trees on (P, v) and of monotone trees on the physical
    variables, same folds within each campaign."""
    rows = []
    for s in seeds:
        t = cv_scores(s).set_index("model")
        rows.append({"seed": s, **{f"{m}_{c}": float(t.loc[m, f"{c}_pct"]) for m in ("trees_raw",
                     "trees_physics_monotone") for c in ("rmse", "mae")}})
    return pd.DataFrame(rows)


def cv_campaigns_markdown(seeds: tuple[int, ...] = (0, 1, 2, 3, 4)) -> str:
    """One line: in how many of the campaigns the monotone physics model beats the raw trees, by RMSE and MAE."""
    t = cv_campaigns(tuple(seeds))
    rmse = int(np.sum(t["trees_physics_monotone_rmse"] < t["trees_raw_rmse"]))
    mae = int(np.sum(t["trees_physics_monotone_mae"] < t["trees_raw_mae"]))
    ratio = t["trees_physics_monotone_rmse"] / t["trees_raw_rmse"]
    return (f"{len(t)} campaigns (seeds {seeds[0]}–{seeds[-1]}): monotone trees beat trees (P, v) in {rmse} of "
            f"{len(t)} by RMSE (ratio {ratio.min():.2f}–{ratio.max():.2f}), in {mae} of {len(t)} by MAE")


def extrapolation_figure(seed: int = SEED) -> Figure:
    """Two cuts through the map beyond the sampled box (P ≤ 250 W, v ≤ 1500 mm/s): power at 800 mm/s and speed
    at 200 W. Models trained inside the box only; truth in black."""
    fig, (a, b) = new_figure(2, sharey=True)
    p = np.linspace(50, 400, 141)
    v = np.geomspace(100, 3000, 141)
    cuts = [(a, p, np.full_like(p, 800.0), p, BOX[0], label("Laser power P", "W"), "v = 800 mm/s"),
            (b, np.full_like(v, 200.0), v, v, BOX[1], label("Scan speed v", "mm/s"), "P = 200 W")]
    for ax, pw, sp, x, edge, xlabel, title in cuts:
        ax.axvspan(edge, x.max(), color="0.85", zorder=0)
        ax.text(np.sqrt(edge * x.max()) if ax is b else 0.5 * (edge + x.max()), 71, "not\nsampled", fontsize=13,
                color="0.3", ha="center")
        for kind, (colour, ls, name) in MODEL_STYLE.items():
            ax.plot(x, density_model(kind, seed, boxed=True).predict(pw, sp), color=colour, linestyle=ls,
                    label=name, linewidth=2.6)
        ax.plot(x, pr.relative_density_model(pw, sp, material=MATERIAL, lack_of_fusion=LOF), color=OKABE_ITO[7],
                linewidth=3.5,
                label="truth", zorder=1)
        ax.set_xlabel(xlabel)
        ax.set_title(title, fontsize=16)
    b.set_xscale("log")
    b.set_xticks([100, 300, 1000, 3000], ["100", "300", "1000", "3000"])
    a.set_ylim(70, 103)
    a.set_ylabel(label("Relative density", "%"))
    b.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=13)
    return close(fig)


def extrapolation_markdown(seed: int = SEED, campaigns: tuple[int, ...] = (0, 1, 2, 3, 4)) -> str:
    """Table: training error, RMSE on the cubes outside the box (this campaign, and mean ± sd over independent
    campaigns), largest prediction outside, share of the unexplored map declared ≥ 99.5 %."""
    t = extrapolation(seed)
    many = extrapolation_campaigns(tuple(campaigns)).set_index("model")
    rows = [[TABLE_NAMES[r["model"]], f"{r['rmse_inside_pct']:.1f}", f"{r['rmse_outside_pct']:.1f}",
             f"{many.loc[r['model'], 'mean']:.1f} ± {many.loc[r['model'], 'std']:.1f}", f"{r['max_pred_pct']:.1f} %",
             f"{r['declared_safe_share']:.1%}"] for _, r in t.iterrows()]
    rows.append(["truth (generator)", "", "", "", "", f"{t['truly_safe_share'].iloc[0]:.1%}"])
    header = [f"{t['n_train'].iloc[0]} cubes in, {t['n_test'].iloc[0]} out", "RMSE in", "RMSE out",
              f"out, {len(campaigns)} campaigns", "max ρ̂ out", "unexplored ≥ 99.5 %"]
    return md_table(header, rows, [30, 10, 11, 18, 12, 19])


def _physical_grid(n: int = 80) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """An (E_v, ΔH/h_s) grid (log-spaced, ``(n, n)``) as the (P, v) settings that give it, and a mask of the
    points inside the map (50–400 W, 100–3000 mm/s)."""
    ee, hh = np.meshgrid(np.geomspace(10, 1000, n), np.geomspace(4, 100, n), indexing="ij")
    c_e = float(pr.volumetric_energy_density(1.0, 1.0))          # E_v = c_e·P/v
    c_h = float(pr.normalized_enthalpy(1.0, 1.0, MATERIAL))      # ΔH/h_s = c_h·P/√v
    vv = (hh * c_e / (ee * c_h)) ** 2
    pp = ee * vv / c_e
    inside = (pp >= 50) & (pp <= 400) & (vv >= 100) & (vv <= 3000)
    return np.clip(pp, 50, 400), np.clip(vv, 100, 3000), inside   # clipped points are masked out


def monotonicity_violation_share(kind: str | None, seed: int = SEED) -> float:
    """Share of grid steps on the map where the density falls with E_v or rises with ΔH/h_s (the directions the
    monotone model assumes): of a fitted model ``kind``, or of the generator's truth (``kind=None``)."""
    pp, vv, inside = _physical_grid()
    if kind is None:
        z = pr.relative_density_model(pp, vv, material=MATERIAL, lack_of_fusion=LOF)
    else:
        z = density_model(kind, seed).predict(pp, vv)
    steps_e, steps_h = inside[1:, :] & inside[:-1, :], inside[:, 1:] & inside[:, :-1]
    wrong = np.sum((np.diff(z, axis=0) < -1e-9) & steps_e) + np.sum((np.diff(z, axis=1) > 1e-9) & steps_h)
    return float(wrong / (steps_e.sum() + steps_h.sum()))


def monotonicity_violation_markdown(seed: int = SEED) -> str:
    """How often the truth and the unconstrained and monotone physics models go against the assumed directions."""
    out = [f"{TABLE_NAMES[k]} {monotonicity_violation_share(k, seed):.1%}"
           for k in ("trees_physics", "trees_physics_monotone")]
    return ("Grid steps on the map where ρ falls with E_v or rises with ΔH/h_s: truth (generator) "
            f"{monotonicity_violation_share(None):.1%} · " + " · ".join(out))


# ----------------------------------------------------------------------------------------------------------
# Corridor and inverse queries
# ----------------------------------------------------------------------------------------------------------

def corridor_figure(seed: int = SEED) -> Figure:
    """The robust corridor (≥ 99.5 % under ±5 % P and v, inside the experiments' hull) of the monotone physics
    model, the true window, the cubes, and the safe point of highest build rate."""
    c = corridor("trees_physics_monotone", seed)
    pp, vv = np.meshgrid(c.power_W, c.speed_mm_s, indexing="ij")
    truth = pr.relative_density_model(pp, vv, material=MATERIAL, lack_of_fusion=LOF)
    fig, ax = new_figure()
    ax.contourf(vv, pp, c.safe.astype(float), levels=[0.5, 1.5], colors=[OKABE_ITO[2]], alpha=0.55)
    ax.contour(vv, pp, truth, levels=[pm.QUALITY_THRESHOLD_PCT], colors=[OKABE_ITO[7]], linewidths=2.5,
               linestyles="--")
    ax.contour(vv, pp, c.in_domain.astype(float), levels=[0.5], colors=["0.4"], linewidths=1.5, linestyles=":")
    data = cubes(seed)
    good = data["relative_density_pct"] >= pm.QUALITY_THRESHOLD_PCT
    ax.scatter(data.loc[~good, "speed_mm_s"], data.loc[~good, "power_W"], s=14, color="0.3")
    ax.scatter(data.loc[good, "speed_mm_s"], data.loc[good, "power_W"], s=50, color=OKABE_ITO[2], edgecolors="k")
    p_best, v_best, _ = c.best_build_rate()
    ax.plot(v_best, p_best, "*", markersize=24, color=OKABE_ITO[6], markeredgecolor="k", zorder=5)
    _speed_axis(ax)
    ax.set_ylabel(label("Laser power P", "W"))
    handles = [Patch(color=OKABE_ITO[2], alpha=0.55, label="corridor (model, ±5 %)"),
               Line2D([], [], color=OKABE_ITO[7], linestyle="--", label="true ρ_rel = 99.5 %"),
               Line2D([], [], color="0.4", linestyle=":", label="hull of the cubes"),
               Line2D([], [], marker="o", color=OKABE_ITO[2], markeredgecolor="k", linestyle="",
                      label="cube ≥ 99.5 %"),
               Line2D([], [], marker="*", markersize=16, color=OKABE_ITO[6], markeredgecolor="k", linestyle="",
                      label="highest build rate")]
    ax.legend(handles=handles, loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=14)
    return close(fig)


def corridor_markdown(seed: int = SEED) -> str:
    """Corridor of both tree models checked against the generator: size, precision, coverage, best build rate."""
    rows = []
    for kind in ("trees_raw", "trees_physics_monotone"):
        c = corridor(kind, seed)
        chk = pm.corridor_truth_check(c, MATERIAL)
        p, v, rate = c.best_build_rate()
        rows.append([TABLE_NAMES[kind], f"{c.safe.mean():.1%}", f"{chk['precision']:.0%}", f"{chk['coverage']:.0%}",
                     f"{p:.0f} W, {v:.0f} mm/s", f"{rate * 3.6:.1f}"])
    header = ["corridor of", "map share", "truly ≥ 99.5 %", "of true window", "fastest safe P, v", "cm³/h"]
    return md_table(header, rows, [28, 9, 12, 11, 24, 8])


def inverse_query_figure(target_pct: float = 98.0, speed_mm_s: float = 800.0, seed: int = SEED) -> Figure:
    """Every speed's lowest and highest power that the monotone physics model maps to ``target_pct`` (the two
    branches of the inverse), the generator's exact contour, and both answers at ``speed_mm_s``."""
    model = density_model("trees_physics_monotone", seed)
    sol = pm.inverse_query(model, target_pct, *pm.parameter_grid(141, 141))
    pp, vv = grid(141)
    fig, ax = new_figure(size=SHORT)
    ax.contour(vv, pp, pr.relative_density_model(pp, vv, material=MATERIAL, lack_of_fusion=LOF), levels=[target_pct],
               colors=[OKABE_ITO[7]], linewidths=2.5, linestyles="--")
    ax.plot(sol.speed_mm_s, sol.power_low_W, color=OKABE_ITO[4], linewidth=3, label="low-energy branch")
    ax.plot(sol.speed_mm_s, sol.power_high_W, color=OKABE_ITO[5], linewidth=3, label="high-energy branch")
    pair = pm.equal_density_pair(target_pct, speed_mm_s, MATERIAL)
    ax.plot([speed_mm_s] * 2, sol.at_speed(speed_mm_s), "o", markersize=14, color=OKABE_ITO[0],
            markeredgecolor="k", zorder=5, label=f"model's answers at {speed_mm_s:.0f} mm/s")
    ax.plot([speed_mm_s] * 2, pair.power_W, "X", markersize=14, color=OKABE_ITO[7], zorder=6,
            label="true answers (A, B)")
    _speed_axis(ax)
    ax.set_ylim(50, 400)
    ax.set_ylabel(label("Laser power P", "W"))
    handles, _ = ax.get_legend_handles_labels()
    handles.insert(2, Line2D([], [], color=OKABE_ITO[7], linestyle="--", label=f"true ρ_rel = {target_pct:g} %"))
    ax.legend(handles=handles, loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=14)
    return close(fig)


def inverse_query_markdown(target_pct: float = 98.0, speed_mm_s: float = 800.0, seed: int = SEED) -> str:
    """One sentence: the model's two answers at one speed, their true densities, the true answers."""
    model = density_model("trees_physics_monotone", seed)
    sol = pm.inverse_query(model, target_pct, *pm.parameter_grid(141, 141))
    pair = pm.equal_density_pair(target_pct, speed_mm_s, MATERIAL)
    low, high = sol.at_speed(speed_mm_s)
    d_low, d_high = pr.relative_density_model(np.array([low, high]), speed_mm_s, material=MATERIAL,
                                                   lack_of_fusion=LOF)
    return (f"At {speed_mm_s:.0f} mm/s: model **{low:.0f} W** and **{high:.0f} W** (truly {d_low:.2f} % and "
            f"{d_high:.2f} %), exact {pair.power_W[0]:.0f} W and {pair.power_W[1]:.0f} W; {sol.n_solutions} grid "
            f"solutions up to {sol.fastest_speed_mm_s():.0f} mm/s.")


def direct_inverse_figure(speed_mm_s: float = 800.0, seed: int = SEED) -> Figure:
    """Power vs density at one speed: the two true branches, the cubes of the speed band, and a k-NN regressor
    ρ_rel → P trained directly on them, which returns a power between the branches."""
    data = cubes(seed)
    inv = pm.fit_direct_inverse(data)
    p = np.linspace(50, 400, 351)
    dens = pr.relative_density_model(p, speed_mm_s, material=MATERIAL, lack_of_fusion=LOF)
    fig, ax = new_figure(size=(10.5, 4.8))
    k = int(np.argmax(dens))
    ax.plot(dens[:k + 1], p[:k + 1], color=OKABE_ITO[4], linewidth=3.5, label="truth, low-energy branch")
    ax.plot(dens[k:], p[k:], color=OKABE_ITO[5], linewidth=3.5, label="truth, high-energy branch")
    v = data["speed_mm_s"]
    band = (v >= inv.speed_band_mm_s[0]) & (v <= inv.speed_band_mm_s[1])
    ax.scatter(data.loc[band, "relative_density_pct"], data.loc[band, "power_W"], s=45, color="0.4", zorder=3,
               label=f"{inv.n_cubes} cubes, {inv.speed_band_mm_s[0]:.0f}–{inv.speed_band_mm_s[1]:.0f} mm/s")
    d = np.linspace(94, 99.9, 120)
    ax.plot(d, inv.power_for(d), color=OKABE_ITO[0], linewidth=3, linestyle="--", label="direct inverse ρ_rel → P")
    ax.set_xlim(94, 100)
    ax.set_xlabel(label("Target relative density", "%"))
    ax.set_ylabel(label("Laser power P", "W"))
    ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=13)
    ax.set_title(f"truth at v = {speed_mm_s:.0f} mm/s", fontsize=16)
    return close(fig)


def direct_inverse_markdown(targets=(96.0, 98.0, 99.0), speed_mm_s: float = 800.0, seed: int = SEED) -> str:
    """What the direct inverse recommends for several targets and what those powers really give."""
    inv = pm.fit_direct_inverse(cubes(seed))
    rows = ["| target | direct inverse says | true density there | true answers |", "|---|---|---|---|"]
    for t in targets:
        pw = float(inv.power_for(t))
        true = float(pr.relative_density_model(pw, speed_mm_s, material=MATERIAL, lack_of_fusion=LOF))
        pair = pm.equal_density_pair(t, speed_mm_s, MATERIAL)
        rows.append(f"| {t:g} % | {pw:.0f} W | {true:.2f} % | {pair.power_W[0]:.0f} W or {pair.power_W[1]:.0f} W |")
    return "\n".join(rows)


__all__ = [
    "cubes", "density_model", "regime_model", "cv_scores", "extrapolation", "extrapolation_campaigns", "corridor",
    "grid", "equal_density_figure", "equal_density_markdown", "solution_set_figure", "solution_set_markdown",
    "regime_map_figure", "classifier_map_figure", "classifier_markdown", "regime_criteria_markdown",
    "overlap_criterion_figure", "overlap_markdown",
    "peak_density_markdown", "stability_markdown", "density_maps_figure", "cv_markdown", "cv_campaigns",
    "cv_campaigns_markdown",
    "extrapolation_figure", "extrapolation_markdown", "md_table", "monotonicity_violation_markdown",
    "corridor_figure", "corridor_markdown", "inverse_query_figure", "inverse_query_markdown",
    "direct_inverse_figure", "direct_inverse_markdown",
]
