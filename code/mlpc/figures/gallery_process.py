"""Gallery figures for the processing data: LPBF process maps, melt-pool signals, thermal histories, logs,
and the process–property table (:mod:`mlpc.datasets.process`, :mod:`mlpc.datasets.tabular`)."""

from __future__ import annotations

import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from mlpc.datasets.process import (
    REGIMES,
    get_material,
    melt_pool_signals,
    normalized_enthalpy,
    process_experiments,
    process_log,
    process_map,
    thermal_history,
)
from mlpc.datasets.tabular import process_property_table
from mlpc.plotting import OKABE_ITO, SLIDE_SIZE_TALL, close, label, new_figure

_REGIME_COLOURS = {"conduction": OKABE_ITO[2], "keyhole": OKABE_ITO[5], "lack_of_fusion": OKABE_ITO[4],
                   "balling": OKABE_ITO[1]}
_REGIME_NAMES = {"conduction": "window (conduction)", "keyhole": "keyhole",
                 "lack_of_fusion": "lack of fusion", "balling": "balling"}


def process_map_figure(seed: int = 0, material: str = "316L") -> Figure:
    """P–v process map: regimes (colour), printable window (outline) and iso-ΔH/h_s lines (King 2014)."""
    pm = process_map(material, seed=seed)
    codes = np.vectorize(REGIMES.index)(pm.regime)
    cmap = ListedColormap([_REGIME_COLOURS[r] for r in REGIMES])
    fig, ax = new_figure()
    ax.pcolormesh(pm.speed_mm_s, pm.power_W, codes, cmap=cmap, vmin=-0.5, vmax=len(REGIMES) - 0.5,
                  shading="nearest", alpha=0.55)
    ax.contour(pm.speed_mm_s, pm.power_W, pm.printable.astype(float), levels=[0.5], colors="k",
               linewidths=3)
    threshold = get_material(material).keyhole_threshold
    cs = ax.contour(pm.speed_mm_s, pm.power_W, pm.normalized_enthalpy, levels=[10, 20, threshold, 45],
                    colors=OKABE_ITO[7], linewidths=1.5, linestyles="--")
    ax.clabel(cs, levels=[10, 20, 45], fmt=lambda x: rf"$\Delta H/h_s$ = {x:g}", fontsize=12)
    v_kh = 700.0
    p_kh = threshold / float(normalized_enthalpy(1.0, v_kh, material))
    ax.annotate(rf"keyhole threshold $\Delta H/h_s$ = {threshold:g}", xy=(v_kh, p_kh), xytext=(150, 370),
                fontsize=12, arrowprops={"arrowstyle": "->", "color": OKABE_ITO[7]})
    ax.set_xlabel(label("Scan speed v", "mm/s"))
    ax.set_ylabel(label("Laser power P", "W"))
    ax.set_title(rf"LPBF {material}: regimes, printable window (black), iso-$\Delta H/h_s$ lines")
    handles = [Patch(color=_REGIME_COLOURS[r], alpha=0.55, label=_REGIME_NAMES[r]) for r in REGIMES]
    ax.legend(handles=handles, loc="center left", bbox_to_anchor=(1.0, 0.5))
    return close(fig)


def density_map_figure(seed: int = 0, material: str = "316L") -> Figure:
    """Measured relative density over P–v: peak in the window, falling toward keyhole and lack of fusion."""
    pm = process_map(material, seed=seed)
    fig, ax = new_figure()
    mesh = ax.pcolormesh(pm.speed_mm_s, pm.power_W, pm.relative_density_pct, shading="nearest",
                         vmin=95.0, vmax=100.0, cmap="viridis")
    ax.contour(pm.speed_mm_s, pm.power_W, pm.printable.astype(float), levels=[0.5], colors="w", linewidths=3)
    fig.colorbar(mesh, ax=ax, label=label("Relative density", "%"), extend="min")
    ax.set_xlabel(label("Scan speed v", "mm/s"))
    ax.set_ylabel(label("Laser power P", "W"))
    ax.set_title(f"LPBF {material}: Archimedes density (window outlined in white)")
    return close(fig)


def process_experiments_figure(seed: int = 0, n_points: int = 120) -> Figure:
    """Scattered LPBF cubes (:func:`process_experiments`): each cube at its (v, P), coloured by its regime, with
    its measured relative density as the marker size (what Weeks 8, 11 and 12 fit maps and models to)."""
    cubes = process_experiments(n_points=n_points, seed=seed)
    fig, ax = new_figure()
    for regime in REGIMES:
        sel = cubes["regime"] == regime
        if sel.any():
            size = 8 + 6 * (cubes.loc[sel, "relative_density_pct"] - 90).clip(lower=0)
            ax.scatter(cubes.loc[sel, "speed_mm_s"], cubes.loc[sel, "power_W"], s=size, alpha=0.8,
                       color=_REGIME_COLOURS[regime], label=_REGIME_NAMES[regime])
    ax.set_xscale("log")
    ax.set_xlabel(label("Scan speed v", "mm/s"))
    ax.set_ylabel(label("Laser power P", "W"))
    ax.set_title(f"{len(cubes)} cubes at random (P, v), seed {seed}: regime (colour), density (size)")
    ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5))
    return close(fig)


def melt_pool_signals_figure(seed: int = 0) -> Figure:
    """One photodiode track per regime: stable conduction, keyhole collapses, weak irregular LOF, balling."""
    data = melt_pool_signals(n_tracks=40, seed=seed)
    fig, axes = new_figure(2, 2, size=SLIDE_SIZE_TALL, sharex=True, sharey=True)
    for ax, regime in zip(axes.ravel(), REGIMES, strict=True):
        i = int(np.flatnonzero(data.regime == regime)[0])
        ax.plot(data.time_ms, data.signal_V[i], color=_REGIME_COLOURS[regime], linewidth=1.2)
        ax.set_title(f"{_REGIME_NAMES[regime]}: {data.power_W[i]:.0f} W, {data.speed_mm_s[i]:.0f} mm/s",
                     fontsize=15)
    for ax in axes[1]:
        ax.set_xlabel(label("Time", "ms"))
    for ax in axes[:, 0]:
        ax.set_ylabel(label("Photodiode", "V"))
    return close(fig)


def plot_layer_cycles(ax, th, n_layers: int = 4, linewidth: float = 1.5) -> None:
    """Temperature of the point against time within each of the first ``n_layers`` layer scans (ms)."""
    for n in range(n_layers):
        k = th.layer_index == n
        t_ms = (th.time_s[k] - th.time_s[k][0]) * 1e3
        ax.plot(t_ms, th.temperature_K[k], linewidth=linewidth, label=f"layer {n}")


def mark_reference_temperatures(axes, th, linewidth: float = 1.5) -> None:
    """Liquidus (dashed) and, where the alloy has one, β-transus (dotted) as horizontal lines on ``axes``."""
    for ax in axes:
        ax.axhline(th.liquidus_K, color=OKABE_ITO[7], linestyle="--", linewidth=linewidth)
        if th.transus_K is not None:
            ax.axhline(th.transus_K, color=OKABE_ITO[7], linestyle=":", linewidth=linewidth)


def thermal_history_figure(seed: int = 0, material: str = "Ti-6Al-4V") -> Figure:
    """Temperature at a point in layer 0 as layers are added: remelting, then solid-state cycles."""
    th = thermal_history(material, seed=seed)
    fig, (ax1, ax2) = new_figure(2)
    plot_layer_cycles(ax1, th, linewidth=1.5)
    mark_reference_temperatures((ax1, ax2), th, linewidth=1.5)
    ax1.set_xlabel(label("Time in layer scan", "ms"))
    ax1.set_ylabel(label("Temperature", "K"))
    ax1.legend(fontsize=12)
    ax1.set_title("Thermal cycles (5 hatches per layer)", fontsize=15)
    layers = np.arange(th.peak_temperature_K.size)
    ax2.plot(layers, th.peak_temperature_K, "o-")
    ax2.set_xlabel("Layer number")
    ax2.set_ylabel(label("Peak temperature", "K"))
    ax2.set_title("-- liquidus   ··· β-transus" if th.transus_K else "-- liquidus", fontsize=15)
    return close(fig)


def process_log_figure(seed: int = 0) -> Figure:
    """A logged SPS cycle: setpoint vs pyrometer (overshoot, blind below 400 °C, spikes), pressure, ram."""
    log = process_log("sps", seed=seed)
    fig, (ax1, ax2) = new_figure(2)
    t_min = log.time_s / 60
    ax1.plot(t_min, log.setpoint_C, color=OKABE_ITO[7], linewidth=1.5, label="setpoint")
    ax1.plot(t_min, log.temperature_C, ".", markersize=2, color=OKABE_ITO[5], label="pyrometer log")
    ax1.set_xlabel(label("Time", "min"))
    ax1.set_ylabel(label("Temperature", "°C"))
    ax1.legend(fontsize=12)
    ax2.plot(t_min, log.pressure_MPa, color=OKABE_ITO[0], linewidth=1.2, label="pressure")
    ax2.set_xlabel(label("Time", "min"))
    ax2.set_ylabel(label("Pressure", "MPa"))
    twin = ax2.twinx()
    twin.plot(t_min, log.displacement_mm, color=OKABE_ITO[2], linewidth=1.2)
    twin.set_ylabel(label("Ram displacement (shrinkage)", "mm"), color=OKABE_ITO[2])
    twin.spines["right"].set_visible(True)
    return close(fig)


def process_property_figure(seed: int = 0) -> Figure:
    """Hardness vs anneal temperature coloured by build plate; density vs energy density."""
    data = process_property_table(seed=seed)
    f = data.frame
    fig, (ax1, ax2) = new_figure(2)
    builds = sorted(f["build_id"].unique())
    for j, b in enumerate(builds):
        g = f[f["build_id"] == b]
        colour = OKABE_ITO[j % len(OKABE_ITO)]
        ax1.plot(g["anneal_temperature_C"], g["hardness_HV"], "o", markersize=4, color=colour, label=b)
        ax2.plot(g["energy_density_J_mm3"], g["relative_density_pct"], "o", markersize=4, color=colour)
    ax1.set_xlabel(label("Anneal temperature", "°C"))
    ax1.set_ylabel(label("Hardness", "HV"))
    ax1.legend(fontsize=10, ncols=2, title="build")
    ax2.set_xlabel(label(r"Energy density $E_v$", "J/mm³"))
    ax2.set_ylabel(label("Relative density", "%"))
    return close(fig)


__all__ = [
    "process_map_figure", "density_map_figure", "melt_pool_signals_figure", "thermal_history_figure",
    "process_log_figure", "process_property_figure", "process_experiments_figure",
]
