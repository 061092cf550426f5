"""Figures and slide numbers of week 7: time-series and process monitoring.

Every helper returns a :class:`matplotlib.figure.Figure` (or a small table of the numbers a slide quotes),
computed from :mod:`mlpc.datasets.process` with :mod:`mlpc.timeseries`. Physics and methods are cited there;
in short: melt-pool regimes after King et al. 2014 (J. Mater. Process. Technol. 214, 2915), keyhole
collapse → pores after Zhao et al. 2020 (Science 370, 1080), balling at the Rayleigh wavelength
(Yadroitsev et al. 2010), Rosenthal (1946) thermal cycles, SPS after Marnier et al. 2016 (Mater. Des. 89,
1215), Schmitt (1938) trigger, CUSUM after Page (1954), recurrent nets after Hochreiter & Schmidhuber
(1997) and Cho et al. (2014), vanishing gradients after Bengio, Simard & Frasconi (1994).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from mlpc import timeseries as ts
from mlpc.datasets.process import (
    REGIMES,
    MeltPoolSignals,
    melt_pool_signals,
    process_log,
    thermal_history,
)
from mlpc.figures.gallery_process import mark_reference_temperatures, plot_layer_cycles
from mlpc.plotting import OKABE_ITO, close, label, new_figure

REGIME_COLOURS = {"conduction": OKABE_ITO[2], "keyhole": OKABE_ITO[5], "lack_of_fusion": OKABE_ITO[4],
                  "balling": OKABE_ITO[1]}
REGIME_NAMES = {"conduction": "conduction (window)", "keyhole": "keyhole", "lack_of_fusion": "lack of fusion",
                "balling": "balling"}
MODEL_COLOURS = {"nominal (P, v) + forest": "0.55", "features + forest": OKABE_ITO[0], "GRU on trace": OKABE_ITO[3]}
SCHEME_NAMES = {"random": "random", "temporal": "temporal", "leave-one-machine-out": "leave one\nmachine out"}
SHORT = (11.0, 4.2)


def deck_signals(seed: int = 0, n_tracks: int = 600) -> MeltPoolSignals:
    """The melt-pool data set of the week-7 deck: 600 316L tracks, 3 machines × 4 builds, 100 kHz, with
    track-to-track variability (porosity follows what happened in the track, not its nominal P, v)."""
    return melt_pool_signals(n_tracks=n_tracks, track_variability=True, seed=seed)


def markdown_table(frame: pd.DataFrame, formats: dict[str, str] | None = None) -> str:
    """A pipe table for an ``output: asis`` cell; ``formats`` maps a column to a format spec (e.g. ``".2f"``)."""
    formats = formats or {}
    cols = list(frame.columns)
    lines = ["| " + " | ".join(str(c) for c in cols) + " |", "|" + "|".join("---" for _ in cols) + "|"]
    for row in frame.to_dict(orient="records"):
        cells = [format(row[c], formats[c]) if c in formats else str(row[c]) for c in cols]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


# ----------------------------------------------------------------------------------------------------------
# Processing signals
# ----------------------------------------------------------------------------------------------------------


def signal_timescales_figure(seed: int = 0) -> Figure:
    """Three processing signals on their own clocks: a melt-pool track (ms), a thermal history over ten
    layers (s, one spike per layer), and an SPS log (min)."""
    sig = melt_pool_signals(n_tracks=8, seed=seed)
    i = int(np.flatnonzero(sig.regime == "conduction")[0])
    th = thermal_history("Ti-6Al-4V", seed=seed)
    log = process_log("sps", seed=seed)
    fig, (a1, a2, a3) = new_figure(3, size=SHORT)
    a1.plot(sig.time_ms, sig.signal_V[i], color=REGIME_COLOURS["conduction"], linewidth=1.5)
    a1.set_xlabel(label("Time", "ms"))
    a1.set_ylabel(label("Photodiode", "V"))
    a1.set_title(f"Melt pool, {sig.sampling_rate_kHz:g} kHz", fontsize=16)
    a2.plot(th.time_s, th.temperature_K, color=OKABE_ITO[5], linewidth=1.2)
    a2.set_xlabel(label("Time", "s"))
    a2.set_ylabel(label("Temperature", "K"))
    a2.set_title("Point in layer 0, 10 layers", fontsize=16)
    a3.plot(log.time_s / 60, log.temperature_C, ".", markersize=2, color=OKABE_ITO[0])
    a3.set_xlabel(label("Time", "min"))
    a3.set_ylabel(label("Die temperature", "°C"))
    a3.set_title("SPS log, 1 Hz", fontsize=16)
    return close(fig)


def thermal_cycle_summary(seed: int = 0, material: str = "Ti-6Al-4V") -> dict[str, float]:
    """Numbers of the thermal-history slide: layers remelted / above the β-transus, first cooling rate (K/s).

    The cooling rate is the Savitzky–Golay derivative (11 samples, 0.2 ms) where layer 0's trace falls
    through the liquidus.
    """
    th = thermal_history(material, seed=seed)
    k = th.layer_index == 0
    t, temp = th.time_s[k], ts.smooth(th.temperature_K[k], 11, "savgol")
    rate = np.gradient(temp, t)
    cross = np.flatnonzero((temp[:-1] > th.liquidus_K) & (temp[1:] <= th.liquidus_K))
    return {
        "n_layers": int(th.peak_temperature_K.size),
        "n_remelted": int(th.remelted.sum()),
        "n_above_transus": int(th.above_transus.sum()),
        "cooling_rate_K_s": float(-rate[cross[0]]) if cross.size else float("nan"),
        "peak_first_K": float(th.peak_temperature_K[0]),
        "peak_last_K": float(th.peak_temperature_K[-1]),
        "liquidus_K": float(th.liquidus_K),
        "transus_K": float(th.transus_K) if th.transus_K is not None else float("nan"),
    }


def thermal_cycles_figure(seed: int = 0, material: str = "Ti-6Al-4V") -> Figure:
    """Left: the cycles a point in layer 0 sees in layers 0–3. Right: peak temperature per layer against
    the liquidus (remelting) and the β-transus (phase change): the features a model should get."""
    th = thermal_history(material, seed=seed)
    fig, (ax1, ax2) = new_figure(2, size=SHORT)
    plot_layer_cycles(ax1, th, linewidth=1.3)
    mark_reference_temperatures((ax1, ax2), th, linewidth=1.4)
    ax1.set_xlabel(label("Time in the layer's scan", "ms"))
    ax1.set_ylabel(label("Temperature", "K"))
    ax1.legend(fontsize=12, ncols=2)
    layers = np.arange(th.peak_temperature_K.size)
    colours = np.where(th.remelted, OKABE_ITO[5], np.where(th.above_transus, OKABE_ITO[1], OKABE_ITO[0]))
    ax2.plot(layers, th.peak_temperature_K, color=OKABE_ITO[7], linewidth=1.2, zorder=1)
    ax2.scatter(layers, th.peak_temperature_K, c=list(colours), s=70, zorder=2)
    ax2.set_xlabel("Layer scanned (0 = the point's own layer)")
    ax2.set_ylabel(label("Peak temperature", "K"))
    for colour, name in ((OKABE_ITO[5], "remelted"), (OKABE_ITO[1], "above β-transus"), (OKABE_ITO[0], "below")):
        ax2.scatter([], [], color=colour, s=70, label=name)
    ax2.legend(fontsize=12, loc="upper right", title="-- liquidus  ··· β-transus", title_fontsize=12)
    return close(fig)


def regime_fingerprints_figure(signals: MeltPoolSignals) -> Figure:
    """One photodiode track per regime: each regime leaves its own pattern in the signal."""
    notes = {"conduction": "steady", "keyhole": "bright, collapse dips", "lack_of_fusion": "dim, irregular",
             "balling": "periodic (Rayleigh)"}
    fig, axes = new_figure(2, 2, size=(11.0, 4.8), sharex=True, sharey=True)
    for ax, regime in zip(axes.ravel(), REGIMES, strict=True):
        i = int(np.flatnonzero(signals.regime == regime)[0])
        ax.plot(signals.time_ms, signals.signal_V[i], color=REGIME_COLOURS[regime], linewidth=1.1)
        ax.set_title(f"{REGIME_NAMES[regime]}: {notes[regime]}", fontsize=15)
        ax.text(0.99, 0.93, f"ΔH/h_s = {signals.normalized_enthalpy[i]:.0f}", transform=ax.transAxes,
                ha="right", va="top", fontsize=12)
    for ax in axes[1]:
        ax.set_xlabel(label("Time", "ms"))
    for ax in axes[:, 0]:
        ax.set_ylabel(label("Signal", "V"))
    return close(fig)


# ----------------------------------------------------------------------------------------------------------
# Pre-processing: smoothing and triggering
# ----------------------------------------------------------------------------------------------------------

_FILTERS = {
    "raw log": None,
    "rolling mean, centred": {"method": "mean"},
    "rolling median, centred": {"method": "median"},
    "Savitzky–Golay, centred": {"method": "savgol"},
    "rolling mean, causal": {"method": "mean", "causal": True},
    "rolling median, causal": {"method": "median", "causal": True},
}


def smoothing_table(seed: int = 0, window: int = 15) -> pd.DataFrame:
    """Error of each filter against the true die temperature of the SPS log (valid samples only).

    Columns: ``filter``, ``rms_K``, ``max_K`` and ``ramp_bias_K`` (mean error on the 100 K/min ramp between
    300 and 500 s; a causal rolling mean lags by rate·(w − 1)/2).
    """
    log = process_log("sps", seed=seed)
    x, truth = log.temperature_C, log.temperature_true_C
    valid = ~np.isnan(x)
    ramp = valid & (log.time_s > 300) & (log.time_s < 500)
    rows = []
    for name, kw in _FILTERS.items():
        y = x if kw is None else ts.smooth(x, window, **kw)
        err = y - truth
        rows.append({"filter": name, "rms_K": float(np.sqrt(np.mean(err[valid] ** 2))),
                     "max_K": float(np.max(np.abs(err[valid]))), "ramp_bias_K": float(np.mean(err[ramp]))})
    return pd.DataFrame(rows)


def ramp_rate_K_s(seed: int = 0) -> float:
    """Heating rate of the SPS setpoint ramp (K/s), from a straight-line fit between 300 and 500 s."""
    log = process_log("sps", seed=seed)
    k = (log.time_s > 300) & (log.time_s < 500)
    return float(np.polyfit(log.time_s[k], log.setpoint_C[k], 1)[0])


def smoothing_figure(seed: int = 0, window: int = 15) -> Figure:
    """Left: the SPS log with a rolling mean (smears each spike over the window) and a rolling median
    (removes it). Right: end of the ramp: the causal mean lags, centred filters do not."""
    log = process_log("sps", seed=seed)
    t = log.time_s / 60
    x = log.temperature_C
    fig, (ax1, ax2) = new_figure(2, size=SHORT)
    ax1.plot(t, x, ".", color="0.55", markersize=3, label="log")
    ax1.plot(t, ts.smooth(x, window, "mean"), color=OKABE_ITO[1], linewidth=1.6, label="rolling mean")
    ax1.plot(t, ts.smooth(x, window, "median"), color=OKABE_ITO[0], linewidth=1.6, label="rolling median")
    ax1.set_xlim(8.5, 21.5)
    ax1.set_ylim(640, 1180)
    ax1.set_xlabel(label("Time", "min"))
    ax1.set_ylabel(label("Die temperature", "°C"))
    ax1.legend(fontsize=12, loc="upper right")
    ax1.set_title(f"Spikes: {window}-s windows, centred", fontsize=15)
    zoom = (log.time_s > 480) & (log.time_s < 720)
    ax2.plot(log.time_s[zoom], log.temperature_true_C[zoom], color=OKABE_ITO[7], linewidth=3, label="true")
    ax2.plot(log.time_s[zoom], ts.smooth(x, window, "mean", causal=True)[zoom], color=OKABE_ITO[5],
             label="mean, causal")
    ax2.plot(log.time_s[zoom], ts.smooth(x, window, "median")[zoom], color=OKABE_ITO[0], linestyle="--",
             label="median, centred")
    ax2.plot(log.time_s[zoom], ts.smooth(x, window, "savgol")[zoom], color=OKABE_ITO[2], linestyle=":",
             label="Savitzky–Golay")
    ax2.set_xlabel(label("Time", "s"))
    ax2.set_ylabel(label("Die temperature", "°C"))
    ax2.legend(fontsize=12, loc="lower right")
    ax2.set_title("End of ramp: the online filter lags", fontsize=15)
    return close(fig)


def trigger_table(signals: MeltPoolSignals) -> pd.DataFrame:
    """How three laser-on triggers do on every track: tracks split into several segments, and the mean
    absolute onset and duration errors against the true laser-on window (µs)."""
    true_on = signals.time_ms[np.argmax(signals.laser_on, axis=1)]
    true_dur = signals.laser_on.sum(axis=1) / signals.sampling_rate_kHz
    rows = []
    for name, kw in {"plain threshold (50 %)": {"low_frac": 0.5, "min_gap_ms": 0.0},
                     "Schmitt trigger (25 / 50 %)": {"low_frac": 0.25, "min_gap_ms": 0.0},
                     "Schmitt + 0.1 ms debounce": {"low_frac": 0.25, "min_gap_ms": 0.1}}.items():
        tr = ts.laser_on_trigger(signals.time_ms, signals.signal_V, high_frac=0.5, **kw)
        rows.append({"trigger": name, "tracks split": int((tr.n_segments > 1).sum()),
                     "keyhole tracks split": int((tr.n_segments[signals.regime == "keyhole"] > 1).sum()),
                     "onset error (µs)": float(np.mean(np.abs(tr.onset_ms - true_on)) * 1e3),
                     "duration error (µs)": float(np.mean(np.abs(tr.duration_ms - true_dur)) * 1e3)})
    return pd.DataFrame(rows)


def trigger_figure(signals: MeltPoolSignals) -> Figure:
    """A keyhole track: a plain threshold chatters at every collapse dip; a Schmitt trigger with a 0.1 ms
    debounce gives one laser-on window."""
    plain = ts.laser_on_trigger(signals.time_ms, signals.signal_V, 0.5, 0.5, min_gap_ms=0.0)
    candidates = np.flatnonzero((signals.regime == "keyhole") & (plain.n_segments > 2))
    i = int(candidates[0]) if candidates.size else int(np.flatnonzero(signals.regime == "keyhole")[0])
    t, x = signals.time_ms, signals.signal_V[i]
    base, top = plain.baseline_V[i], plain.plateau_V[i]
    fig, ax = new_figure(size=SHORT)
    ax.plot(t, x, color=REGIME_COLOURS["keyhole"], linewidth=1.1)
    for frac, style in ((0.5, "--"), (0.25, ":")):
        ax.axhline(base + frac * (top - base), color=OKABE_ITO[7], linestyle=style, linewidth=1.3)
    rows = {"plain threshold": (0.5, 0.0, -0.45), "Schmitt + debounce": (0.25, 0.1, -1.1)}
    for name, (low, gap, y0) in rows.items():
        raw = ts.hysteresis_trigger(x, base + low * (top - base), base + 0.5 * (top - base))
        mask = ts.bridge_gaps(raw, int(round(gap * signals.sampling_rate_kHz))) if gap else raw
        segs = ts.runs(mask)
        for k, (a, b) in enumerate(segs):
            ax.plot([t[a], t[b - 1]], [y0, y0], linewidth=7, solid_capstyle="butt",
                    color=OKABE_ITO[0] if k % 2 == 0 else OKABE_ITO[1])
        ax.text(t[-1], y0, f"  {name}: {len(segs)} segment{'s' if len(segs) > 1 else ''}", va="center",
                fontsize=13)
    ax.set_xlim(t[0], t[-1] + 2.2)
    ax.spines["bottom"].set_bounds(t[0], t[-1])
    ax.set_xticks(np.arange(0, t[-1] + 0.01, 1.0))
    ax.set_xlabel(label("Time", "ms"))
    ax.set_ylabel(label("Photodiode", "V"))
    ax.text(t[-1], base + 0.5 * (top - base), "  on above 50 %", va="bottom", fontsize=12)
    ax.text(t[-1], base + 0.25 * (top - base), "  off below 25 %", va="top", fontsize=12)
    return close(fig)


# ----------------------------------------------------------------------------------------------------------
# Features and the keyhole case study
# ----------------------------------------------------------------------------------------------------------


def features_by_regime_figure(features: pd.DataFrame, regime: np.ndarray) -> Figure:
    """Four per-track features by regime: level (gain-dependent), slow fluctuation, dip rate, frequency."""
    cols = [("level_V", label("Level", "V")), ("slow_cv", "Slow fluctuation (CV)"),
            ("dip_rate_per_ms", label("Dips", "1/ms")), ("peak_freq_kHz", label("Peak frequency", "kHz"))]
    fig, axes = new_figure(4, size=SHORT)
    rng = np.random.default_rng(0)
    for ax, (col, name) in zip(axes, cols, strict=True):
        for j, reg in enumerate(REGIMES):
            v = features[col].to_numpy()[np.asarray(regime) == reg]
            ax.scatter(j + rng.uniform(-0.25, 0.25, v.size), v, s=7, alpha=0.5, color=REGIME_COLOURS[reg])
            ax.plot([j - 0.35, j + 0.35], [np.median(v)] * 2, color=OKABE_ITO[7], linewidth=2.5)
        ax.set_xticks(range(len(REGIMES)), ["cond.", "key.", "LoF", "ball."], fontsize=13)
        ax.set_title(name, fontsize=15)
    return close(fig)


def collapse_summary(signals: MeltPoolSignals, features: pd.DataFrame) -> dict[str, float]:
    """Numbers of the case-study slide: correlation of detected dip rate with the true collapse rate
    (keyhole tracks), and median porosity of keyhole tracks with few vs many dips."""
    key = signals.regime == "keyhole"
    on_ms = signals.laser_on.sum(axis=1) / signals.sampling_rate_kHz
    true_rate = signals.n_collapse_events / on_ms
    dips = features["dip_rate_per_ms"].to_numpy()
    cut = float(np.median(dips[key]))
    return {
        "r_dips_collapses": float(np.corrcoef(dips[key], true_rate[key])[0, 1]),
        "median_dips_keyhole": cut,
        "porosity_few_dips_pct": float(np.median(signals.porosity_pct[key & (dips <= cut)])),
        "porosity_many_dips_pct": float(np.median(signals.porosity_pct[key & (dips > cut)])),
        "porosity_conduction_pct": float(np.median(signals.porosity_pct[signals.regime == "conduction"])),
        "n_keyhole": int(key.sum()),
    }


def collapse_porosity_figure(signals: MeltPoolSignals, features: pd.DataFrame) -> Figure:
    """Left: dips counted in the signal follow the true keyhole-collapse rate. Right: porosity rises with
    the dip rate (log scale), from < 1 % in the window to several % in deep keyhole."""
    on_ms = signals.laser_on.sum(axis=1) / signals.sampling_rate_kHz
    true_rate = signals.n_collapse_events / on_ms
    dips = features["dip_rate_per_ms"].to_numpy()
    key = signals.regime == "keyhole"
    fig, (ax1, ax2) = new_figure(2, size=SHORT)
    ax1.scatter(true_rate[key], dips[key], s=14, color=REGIME_COLOURS["keyhole"])
    lim = float(max(true_rate[key].max(), dips[key].max())) * 1.05
    ax1.plot([0, lim], [0, lim], color=OKABE_ITO[7], linestyle="--", linewidth=1.3)
    ax1.set_xlabel(label("True collapse rate", "1/ms"))
    ax1.set_ylabel(label("Dips found in signal", "1/ms"))
    ax1.set_title("Keyhole tracks", fontsize=15)
    for reg in REGIMES:
        k = signals.regime == reg
        ax2.scatter(dips[k], signals.porosity_pct[k], s=12, alpha=0.7, color=REGIME_COLOURS[reg],
                    label=REGIME_NAMES[reg])
    ax2.set_yscale("log")
    ax2.set_yticks([0.1, 1, 10], ["0.1", "1", "10"])
    ax2.set_xlabel(label("Dips found in signal", "1/ms"))
    ax2.set_ylabel(label("Porosity", "%"))
    ax2.legend(fontsize=11, loc="lower right")
    return close(fig)


# ----------------------------------------------------------------------------------------------------------
# Recurrent networks
# ----------------------------------------------------------------------------------------------------------


def rnn_diagram_figure(n_steps: int = 4) -> Figure:
    """The recurrence unrolled in time: one cell, reused at every step, carries a state h_t forward."""
    fig, ax = new_figure(size=(11.0, 3.6))
    ax.set_xlim(-0.3, n_steps * 2.4 + 1.4)
    ax.set_ylim(-0.2, 3.3)
    ax.axis("off")
    for k in range(n_steps):
        x0 = 0.9 + 2.4 * k
        name = ["t−2", "t−1", "t", "t+1", "t+2"][k] if n_steps <= 5 else str(k)
        ax.add_patch(FancyBboxPatch((x0, 1.1), 1.3, 1.0, boxstyle="round,pad=0.05", facecolor=OKABE_ITO[4],
                                    edgecolor=OKABE_ITO[7], alpha=0.6))
        ax.text(x0 + 0.65, 1.6, f"$h_{{{name}}}$", ha="center", va="center", fontsize=20)
        ax.text(x0 + 0.65, 0.05, f"$x_{{{name}}}$", ha="center", va="center", fontsize=18)
        ax.add_patch(FancyArrowPatch((x0 + 0.65, 0.3), (x0 + 0.65, 1.05), arrowstyle="-|>", mutation_scale=18,
                                     color=OKABE_ITO[7]))
        ax.add_patch(FancyArrowPatch((x0 - 1.05, 1.6), (x0 - 0.05, 1.6), arrowstyle="-|>", mutation_scale=18,
                                     color=OKABE_ITO[5], linewidth=2))
        ax.text(x0 - 0.55, 1.75, "U", ha="center", va="bottom", fontsize=15, color=OKABE_ITO[5])
        ax.text(x0 + 0.78, 0.62, "W", ha="left", va="center", fontsize=15)
    ax.add_patch(FancyArrowPatch((0.9 + 2.4 * (n_steps - 1) + 1.4, 1.6), (0.9 + 2.4 * n_steps - 0.3, 1.6),
                                 arrowstyle="-|>", mutation_scale=18, color=OKABE_ITO[5], linewidth=2))
    ax.text(0.9 + 2.4 * n_steps - 0.2, 1.6, r"$\hat y = v\cdot\overline{h} + c$", va="center", fontsize=17)
    ax.text(0.05, 2.9, r"$h_t = \tanh(W\,x_t + U\,h_{t-1} + b)$    same $W, U, b$ at every step",
            fontsize=18, va="center")
    return close(fig)


def vanishing_gradient_figure(seed: int = 0, n_steps: int = 50) -> Figure:
    """‖∂h_T/∂x_{T−k}‖ against the lag k for freshly initialised cells: the plain RNN and default-gated
    cells forget geometrically; an LSTM whose forget gate is biased open keeps the gradient for 50 steps."""
    cases = [("plain RNN (tanh)", "rnn", 0.0, OKABE_ITO[5]), ("GRU", "gru", 0.0, OKABE_ITO[3]),
             ("LSTM", "lstm", 0.0, OKABE_ITO[0]), ("LSTM, forget-gate bias +3", "lstm", 3.0, OKABE_ITO[2])]
    fig, ax = new_figure(size=SHORT)
    lag = np.arange(n_steps)
    for name, cell, bias, colour in cases:
        g = ts.recurrent_gradient_profile(cell, n_steps=n_steps, forget_bias=bias, seed=seed)
        ax.semilogy(lag, g, color=colour, label=name)
    ax.set_xlabel("Steps back in time k (1 step = 0.1 ms of signal)")
    ax.set_ylabel(r"$\|\partial h_T / \partial x_{T-k}\|$")
    ax.legend(fontsize=13, loc="lower left")
    return close(fig)


# ----------------------------------------------------------------------------------------------------------
# Surrogates and generalisation
# ----------------------------------------------------------------------------------------------------------


def _pred_panel(ax, frame: pd.DataFrame, colour: str, title: str) -> None:
    ax.scatter(frame["y_true"], frame["y_pred"], s=12, alpha=0.6, color=colour)
    lo, hi = -1.2, 1.7
    ax.plot([lo, hi], [lo, hi], color=OKABE_ITO[7], linestyle="--", linewidth=1.3)
    ax.set_xlim(lo, hi)
    ax.set_ylim(lo, hi)
    ticks = [-1, 0, 1]
    ax.set_xticks(ticks, ["0.1", "1", "10"])
    ax.set_yticks(ticks, ["0.1", "1", "10"])
    ax.set_xlabel(label("True porosity", "%"))
    ax.set_ylabel(label("Predicted porosity", "%"))
    ax.set_title(title, fontsize=15)


def forest_fit_figure(bench: ts.PorosityBenchmark, scheme: str = "temporal", seed: int = 0) -> Figure:
    """Left: forest predictions on the held-out tracks of ``scheme`` (log axes). Right: which features the
    forest split on (impurity importance of a forest refitted on that scheme's training tracks)."""
    p = bench.predictions
    part = p[(p["model"] == "features + forest") & (p["scheme"] == scheme)]
    train, _ = bench.schemes[scheme][0]
    forest = ts.feature_forest(seed).fit(bench.features.to_numpy()[train], bench.log_porosity[train])
    order = np.argsort(forest.feature_importances_)
    fig, (ax1, ax2) = new_figure(2, size=SHORT)
    mae = float(part["abs_error"].mean())
    _pred_panel(ax1, part, MODEL_COLOURS["features + forest"], f"{scheme} test: MAE {mae:.2f} decades")
    ax2.barh(np.array(bench.features.columns)[order], forest.feature_importances_[order], color=OKABE_ITO[0])
    ax2.set_xlabel("Importance (impurity decrease)")
    ax2.tick_params(axis="y", labelsize=13)
    return close(fig)


def gru_fit_figure(bench: ts.PorosityBenchmark, scheme: str = "temporal") -> Figure:
    """Left: training loss of every GRU fit (standardised MSE per epoch). Right: GRU predictions on the
    held-out tracks of ``scheme``."""
    p = bench.predictions
    part = p[(p["model"] == "GRU on trace") & (p["scheme"] == scheme)]
    fig, (ax1, ax2) = new_figure(2, size=SHORT)
    for j, (name, fits) in enumerate(bench.gru_fits.items()):
        for k, fit in enumerate(fits):
            ax1.plot(np.arange(1, len(fit.train_loss) + 1), fit.train_loss, color=OKABE_ITO[j], linewidth=1.6,
                     label=SCHEME_NAMES[name].replace("\n", " ") if k == 0 else None)
    ax1.set_yscale("log")
    ax1.set_xlabel("Epoch")
    ax1.set_ylabel("Training loss (standardised MSE)")
    ax1.legend(fontsize=12)
    mae = float(part["abs_error"].mean())
    _pred_panel(ax2, part, MODEL_COLOURS["GRU on trace"], f"{scheme} test: MAE {mae:.2f} decades")
    return close(fig)


def split_comparison_figure(summary: pd.DataFrame) -> Figure:
    """MAE (decades of porosity, ± 1 standard error) of every model (the nominal baseline included) under the
    three split schemes."""
    schemes = list(dict.fromkeys(summary["scheme"]))
    models = list(dict.fromkeys(summary["model"]))
    fig, ax = new_figure(size=SHORT)
    width = 0.8 / len(models)
    for j, model in enumerate(models):
        part = summary[summary["model"] == model].set_index("scheme").loc[schemes]
        xs = np.arange(len(schemes)) + (j - (len(models) - 1) / 2) * width
        ax.bar(xs, part["mae"], width, yerr=part["mae_se"], capsize=5, label=model,
               color=MODEL_COLOURS.get(model, OKABE_ITO[j]))
        for xv, v in zip(xs, part["mae"], strict=True):
            ax.text(xv, v + 0.012, f"{v:.3f}", ha="center", va="bottom", fontsize=13)
    ax.set_xticks(range(len(schemes)), [SCHEME_NAMES.get(s, s) for s in schemes])
    ax.set_ylabel(label("MAE of log₁₀ porosity", "decades"))
    ax.set_ylim(0, float(summary["mae"].max()) * 1.45)
    ax.legend(fontsize=12, loc="upper left", ncols=len(models))
    return close(fig)


def machine_drift_table(signals: MeltPoolSignals, features: pd.DataFrame) -> pd.DataFrame:
    """Apparent detector gain of conduction tracks per machine: level / (ΔH/h_s / 20)^0.7, fitted linearly
    against hours into the build (intercept = clean window, slope = fouling in %/h)."""
    cond = signals.regime == "conduction"
    gain = features["level_V"].to_numpy() / (signals.normalized_enthalpy / 20.0) ** 0.7
    rows = []
    for m in np.unique(signals.machine_id):
        k = cond & (signals.machine_id == m)
        slope, icpt = np.polyfit(signals.hours_into_build[k], gain[k], 1)
        rows.append({"machine": int(m), "tracks": int(k.sum()), "gain at 0 h": float(icpt),
                     "fouling (%/h)": float(-100 * slope / icpt)})
    return pd.DataFrame(rows)


def machine_drift_figure(signals: MeltPoolSignals, features: pd.DataFrame) -> Figure:
    """Apparent detector gain of conduction tracks against hours into the build, one colour per machine:
    machines start at different gains and lose sensitivity as their window fouls."""
    cond = signals.regime == "conduction"
    gain = features["level_V"].to_numpy() / (signals.normalized_enthalpy / 20.0) ** 0.7
    table = machine_drift_table(signals, features)
    fig, ax = new_figure(size=SHORT)
    hours = np.linspace(0, 12, 50)
    for _, row in table.iterrows():
        m = int(row["machine"])
        k = cond & (signals.machine_id == m)
        ax.scatter(signals.hours_into_build[k], gain[k], s=18, color=OKABE_ITO[m], alpha=0.7)
        fit = row["gain at 0 h"] * (1 - row["fouling (%/h)"] / 100 * hours)
        ax.plot(hours, fit, color=OKABE_ITO[m], label=f"machine {m}: −{row['fouling (%/h)']:.1f} %/h")
    ax.set_xlabel(label("Hours into the build", "h"))
    ax.set_ylabel("Signal per unit energy (gain)")
    ax.legend(fontsize=13, loc="lower left")
    return close(fig)


# ----------------------------------------------------------------------------------------------------------
# Online monitoring
# ----------------------------------------------------------------------------------------------------------


def monitoring_scenarios(signals: MeltPoolSignals, features: pd.DataFrame) -> list[ts.MonitoringScenario]:
    """Keyhole onset watched through a physics-specific statistic (dips/ms) and a generic one (fast CV)."""
    return [ts.keyhole_onset_scenario(features, signals.regime, signals.normalized_enthalpy, signals.timestamp,
                                      stat) for stat in ("dip_rate_per_ms", "fast_cv")]


def monitoring_table(comparison: pd.DataFrame, n_watched: int) -> pd.DataFrame:
    """The slide's table: statistic, detector, threshold, false alarms per 1000 tracks (an upper bound
    1000/``n_watched`` written as "< …" when none occurred), tracks to alarm (ARL₁) and missed fraction."""
    rows = []
    floor = 1000.0 / n_watched
    names = {"dip_rate_per_ms": "dips per ms", "fast_cv": "fast CV"}
    for _, r in comparison.iterrows():
        fa = r["false_alarms_per_1000"]
        rows.append({"statistic": names.get(r["statistic"], r["statistic"]), "detector": r["detector"],
                     "threshold": f"{r['threshold']:.1f}",
                     "false alarms per 1000": f"< {floor:.2g}" if fa == 0 else f"{fa:.2f}",
                     "tracks to alarm": f"{r['tracks_to_alarm']:.1f}",
                     "missed": f"{100 * r['missed_fraction']:.0f} %"})
    return pd.DataFrame(rows)


def cusum_stream_figure(scenario: ts.MonitoringScenario, comparison: pd.DataFrame, seed: int = 0,
                        length: int = 200, change_at: int = 100) -> Figure:
    """One resampled stream of tracks whose process tips into keyhole at track ``change_at``: the statistic,
    the rolling z-score and the CUSUM with their tuned thresholds and first alarms."""
    rng = np.random.default_rng(seed)
    x = np.concatenate([rng.choice(scenario.in_control, change_at),
                        rng.choice(scenario.out_of_control, length - change_at)])
    scores = ts.detector_scores(scenario)
    thr = comparison[comparison["statistic"] == scenario.statistic].set_index("detector")["threshold"]
    fig, axes = new_figure(1, 3, size=(11.0, 4.0), sharex=True)
    n = np.arange(length)
    axes[0].plot(n, x, ".-", color=OKABE_ITO[7], linewidth=0.8, markersize=4)
    names = {"dip_rate_per_ms": "dips (1/ms)", "fast_cv": "fast CV"}
    axes[0].set_ylabel(names.get(scenario.statistic, scenario.statistic), fontsize=14)
    for ax, (name, colour) in zip(axes[1:], (("rolling z-score", OKABE_ITO[1]), ("CUSUM", OKABE_ITO[0])),
                                  strict=True):
        s = scores[name](x)
        ax.plot(n, s, color=colour, linewidth=1.6)
        ax.axhline(thr[name], color=colour, linestyle="--", linewidth=1.2)
        hit = np.flatnonzero(s > thr[name])
        after = hit[hit >= change_at]
        text = f"first alarm: track {after[0]}" if after.size else "no alarm after the change"
        if hit.size and hit[0] < change_at:
            text = f"false alarm at track {hit[0]}"
        ax.set_ylabel(name, fontsize=14)
        top = 3.0 * thr[name] if name == "CUSUM" else max(1.8 * thr[name], 1.05 * float(s.max()))
        ax.set_ylim(float(min(s.min(), 0.0)) - 0.5, top)
        ax.text(0.01, 0.95, text, transform=ax.transAxes, fontsize=13, va="top")
    for ax in axes:
        ax.axvline(change_at, color=OKABE_ITO[5], linewidth=1.5)
    axes[-1].set_xlabel("Track number (process tips into keyhole at the red line)")
    return close(fig)


def detector_tradeoff_figure(comparison: pd.DataFrame, statistic: str = "fast_cv", n_watched: int = 200_000) -> Figure:
    """Mean detection delay against false alarms per 1000 tracks over the threshold sweep of both detectors
    on one statistic (lower left is better). Thresholds without any false alarm in the simulation are
    drawn as open circles at the resolution limit 1000/``n_watched``."""
    fig, ax = new_figure(size=SHORT)
    colours = {"rolling z-score": OKABE_ITO[1], "CUSUM": OKABE_ITO[0]}
    floor = 1000.0 / n_watched
    for _, r in comparison[comparison["statistic"] == statistic].iterrows():
        perf: ts.DetectorPerformance = r["sweep"]
        ok = np.isfinite(perf.tracks_to_alarm) & (perf.missed_fraction < 0.5)
        fa = np.maximum(perf.false_alarms_per_1000[ok], floor)
        zero = perf.false_alarms_per_1000[ok] == 0
        c = colours[r["detector"]]
        ax.plot(fa, perf.tracks_to_alarm[ok], "-", color=c, label=r["detector"])
        ax.plot(fa[~zero], perf.tracks_to_alarm[ok][~zero], "o", color=c, markersize=5)
        ax.plot(fa[zero], perf.tracks_to_alarm[ok][zero], "o", mfc="white", color=c, markersize=6)
    ax.axvline(floor, color="0.6", linewidth=1, linestyle=":")
    ax.set_xscale("log")
    ax.set_xlabel("False alarms per 1000 in-control tracks (open: none seen)")
    ax.set_ylabel("Tracks to alarm (ARL₁)")
    ax.legend(fontsize=13, loc="upper right")
    return close(fig)


__all__ = [
    "deck_signals", "markdown_table", "signal_timescales_figure", "thermal_cycle_summary",
    "thermal_cycles_figure", "regime_fingerprints_figure", "smoothing_table", "ramp_rate_K_s", "smoothing_figure",
    "trigger_table", "trigger_figure", "features_by_regime_figure", "collapse_summary",
    "collapse_porosity_figure", "rnn_diagram_figure", "vanishing_gradient_figure", "forest_fit_figure",
    "gru_fit_figure", "split_comparison_figure", "machine_drift_table", "machine_drift_figure",
    "monitoring_scenarios", "monitoring_table", "cusum_stream_figure", "detector_tradeoff_figure",
]
