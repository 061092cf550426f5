"""Figures of week 3, "Data quality, labels, and leakage": every figure is computed from the course's data
library (LPBF 316L indent tables, SPS logs, photodiode tracks, micrographs) and returns a Figure.

Helpers that need an expensive result (cross-validated scores, annotator masks) take it as an argument so
that the deck computes it once and quotes the same numbers in text; each also has a default that computes
it, so that every helper runs on its own.

Physics and methods are cited in the modules that compute them: :mod:`mlpc.cleaning`,
:mod:`mlpc.signal_transforms`, :mod:`mlpc.annotators`, :mod:`mlpc.bias_variance`, :mod:`mlpc.leakage`,
:mod:`mlpc.metrics`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from scipy import ndimage
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import (
    GroupKFold,
    KFold,
    LeaveOneOut,
    StratifiedKFold,
    cross_val_predict,
    train_test_split,
)
from sklearn.neighbors import KNeighborsRegressor

from mlpc import annotators as ann
from mlpc import bias_variance as bv
from mlpc import cleaning
from mlpc import leakage as lk
from mlpc.datasets import imaging
from mlpc.datasets.micrographs import defects
from mlpc.datasets.process import (
    REGIMES,
    melt_pool_signals,
    melt_pool_size,
    normalized_enthalpy,
    process_experiments,
    process_log,
)
from mlpc.plotting import OKABE_ITO, close, label, new_figure, show_image
from mlpc.signal_transforms import (
    GAIN_INVARIANT,
    MELT_POOL_FEATURES,
    dominant_frequency_kHz,
    melt_pool_features,
    power_spectrum_1d,
    rayleigh_frequency_kHz,
    savgol_derivative,
    trigger_window,
)

BLUE, ORANGE, GREEN, PURPLE, SKY, RED, YELLOW, BLACK = OKABE_ITO
SHORT = (11.0, 4.2)
LEAKY_HONEST = (RED, BLUE)

#: Vickers indent repeatability of the week's table (HV, 1σ), :func:`mlpc.datasets.tabular.process_property_table`.
INDENT_REPEATABILITY_HV = 4.0


# ----------------------------------------------------------------------------------------------------------
# Data used by several figures and by the deck's numbers
# ----------------------------------------------------------------------------------------------------------

def porosity_section(seed: int = 3) -> tuple[np.ndarray, np.ndarray, float]:
    """The week's defect micrograph: a polished AM 316L section (2 µm pixels) imaged with a 5 µm probe at
    40 counts/px. Returns ``(acquired image, true void mask, pixel size µm)``."""
    d = defects(256, pixel_size_um=2.0, n_gas_pores=30, n_lack_of_fusion=1, n_cracks=1, n_inclusions=12,
                seed=seed)
    shot = imaging.acquire(d.image, 2.0, psf_fwhm=5.0, dose=40, seed=1)
    return shot.image, np.isin(d.class_map, (1, 2, 3)), 2.0


def week_annotators(seed: int = 0) -> tuple[np.ndarray, np.ndarray, ann.AnnotatorSet]:
    """Image, true void mask and five simulated annotators of :func:`porosity_section`."""
    image, truth, px = porosity_section()
    return image, truth, ann.simulate_annotators(image, px, n=5, seed=seed)


def class_statistics(image: np.ndarray, truth: np.ndarray) -> dict[str, float]:
    """Mean and standard deviation of the grey level of void and matrix pixels (the likelihoods)."""
    return {"mean_void": float(image[truth].mean()), "sd_void": float(image[truth].std()),
            "mean_matrix": float(image[~truth].mean()), "sd_matrix": float(image[~truth].std())}


def bayes_prior_over_sections(seeds=range(5)) -> pd.DataFrame:
    """Segmented porosity (%) of :func:`porosity_section` for each section seed with the Bayes threshold of a
    flat prior (0.5) and of the rare-class prior (the true porosity), and the true porosity. Likelihoods are
    Gaussians with each section's class means and their pooled standard deviation, as on the slide."""
    rows = []
    for seed in seeds:
        image, truth, _ = porosity_section(seed=int(seed))
        st = class_statistics(image, truth)
        sd, prior = 0.5 * (st["sd_void"] + st["sd_matrix"]), float(truth.mean())
        row = {"seed": int(seed), "truth": 100 * prior}
        for name, p in (("flat prior", 0.5), ("rare prior", prior)):
            g = ann.bayes_threshold(p, st["mean_void"], st["mean_matrix"], sd)
            row[name] = 100 * float((image < g).mean())
        rows.append(row)
    return pd.DataFrame(rows).set_index("seed")


def regime_predictions(n_tracks: int = 240, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Out-of-fold regime probabilities of a random forest on the gain-invariant photodiode features,
    folds grouped by build (4 folds). Returns ``(true class index, probabilities (n, 4))``."""
    m = melt_pool_signals(n_tracks=n_tracks, seed=seed)
    cols = [MELT_POOL_FEATURES.index(c) for c in GAIN_INVARIANT]
    X = melt_pool_features(m.signal_V, m.sampling_rate_kHz)[:, cols]
    y = np.array([REGIMES.index(r) for r in m.regime])
    model = RandomForestClassifier(n_estimators=200, min_samples_leaf=2, random_state=seed, n_jobs=1)
    proba = cross_val_predict(model, X, y, cv=GroupKFold(4), groups=m.build_id, method="predict_proba")
    return y, proba


# ----------------------------------------------------------------------------------------------------------
# Cleaning
# ----------------------------------------------------------------------------------------------------------

def outlier_figure(frame: pd.DataFrame | None = None, flags: np.ndarray | None = None) -> Figure:
    """Hardness of every indent vs anneal temperature (log axis), and each indent's deviation from its
    specimen's median: gross errors stand out only in the second view."""
    if frame is None:
        frame = lk.hardness_table(duplicates=12, missing=15, outliers=8)
    hv = frame["hardness_HV"].to_numpy()
    if flags is None:
        flags = cleaning.outliers_within_groups(hv, frame["specimen_id"].to_numpy(), k=5.0,
                                                scale=INDENT_REPEATABILITY_HV)
    dev = hv - frame.groupby("specimen_id")["hardness_HV"].transform("median").to_numpy()
    fig, (a, b) = new_figure(2, size=SHORT)
    t = frame["anneal_temperature_C"].to_numpy()
    a.scatter(t[~flags], hv[~flags], s=14, color=BLUE, alpha=0.6, label="indents")
    a.scatter(t[flags], hv[flags], s=90, facecolors="none", edgecolors=RED, linewidths=2.5, label="flagged")
    a.set_yscale("log")
    a.set_xlabel(label("Anneal temperature", "°C"))
    a.set_ylabel(label("Hardness", "HV"))
    a.set_title("Global view")
    a.legend(loc="center left", fontsize=14)
    row = np.arange(len(hv))
    b.scatter(row[~flags], dev[~flags], s=10, color=BLUE, alpha=0.6)
    b.scatter(row[flags], dev[flags], s=90, facecolors="none", edgecolors=RED, linewidths=2.5)
    band = 5 * INDENT_REPEATABILITY_HV
    b.axhspan(-band, band, color=GREEN, alpha=0.2, label=f"±5σ repeatability (±{band:.0f} HV)")
    b.set_yscale("symlog", linthresh=20)
    b.set_yticks([-100, -20, 0, 20, 100, 1000], ["−100", "−20", "0", "20", "100", "1000"])
    b.set_xlabel("Row of the table")
    b.set_ylabel(label("Indent − specimen median", "HV"))
    b.set_title("Within-specimen view")
    b.legend(loc="center right", fontsize=14)
    return close(fig)


def process_log_figure(seed: int = 0) -> Figure:
    """SPS temperature log: spikes found by a Hampel filter, short dropouts bridged, and the pyrometer's blind
    range (below 400 °C) left missing."""
    log = process_log("sps", seed=seed)
    temp = log.temperature_C
    spikes = cleaning.hampel(temp, half_window=10, k=8.0)
    clean = temp.copy()
    clean[spikes] = np.nan
    clean = cleaning.interpolate_short_gaps(clean, max_gap=5)
    fig, ax = new_figure(size=SHORT)
    ax.plot(log.time_s, temp, color="0.6", lw=1.0, label="logged")
    ax.plot(log.time_s, clean, color=BLUE, lw=2.0, label="spikes removed, short gaps bridged")
    ax.scatter(log.time_s[spikes], temp[spikes], s=110, marker="x", color=RED, lw=3, zorder=5,
               label=f"Hampel spikes ({spikes.sum()})")
    ax.axhspan(0, log.pyrometer_min_C, color=YELLOW, alpha=0.3, label="pyrometer blind: stays missing")
    ax.set_ylim(0, 1300)
    ax.set_xlim(0, log.time_s[-1])
    ax.set_xlabel(label("Time", "s"))
    ax.set_ylabel(label("Die temperature", "°C"))
    ax.set_title("SPS of 316L: 100 K/min to 1000 °C, 10 min at 50 MPa")
    ax.legend(loc="upper right", fontsize=13, ncols=2)
    return close(fig)


# ----------------------------------------------------------------------------------------------------------
# Transformation toolbox
# ----------------------------------------------------------------------------------------------------------

SCALE_FEATURES = ("power_W", "speed_mm_s", "hatch_um", "layer_um", "anneal_temperature_C", "anneal_time_h")
_SHORT_NAMES = {"power_W": "P (W)", "speed_mm_s": "v (mm/s)", "hatch_um": "h (µm)", "layer_um": "t (µm)",
                "anneal_temperature_C": "T_anneal (°C)", "anneal_time_h": "t_anneal (h)"}


def scaling_figure(frame: pd.DataFrame | None = None) -> Figure:
    """The process features in their own units (a distance is ruled by speed and temperature), after
    min–max scaling and after z-scoring."""
    frame = lk.hardness_table() if frame is None else frame
    X = frame.groupby("specimen_id")[list(SCALE_FEATURES)].first().to_numpy()
    views = {"raw (own units)": X, "min–max": (X - X.min(0)) / np.ptp(X, axis=0),
             "z-score": (X - X.mean(0)) / X.std(0)}
    fig, axes = new_figure(3, size=SHORT)
    names = [_SHORT_NAMES[c] for c in SCALE_FEATURES]
    for ax, (title, Z) in zip(axes, views.items(), strict=True):
        ax.boxplot(Z, orientation="horizontal", tick_labels=names if ax is axes[0] else [""] * len(names), widths=0.6,
                   medianprops={"color": ORANGE, "lw": 2.5})
        ax.set_title(title)
        ax.set_xlabel("value" if title.startswith("raw") else "scaled value")
    return close(fig)


def scaling_scores(frame: pd.DataFrame | None = None, k: int = 5, seed: int = 0) -> dict[str, float]:
    """MAE (HV) of a k-nearest-neighbour regressor of hardness, build-grouped 5-fold CV, on the process
    features raw, centred, min–max scaled, z-scored, raw with the speed in m/s, and on three physical groups
    (z-scored): ΔH/h_s (King 2014), E_v / 50 J/mm³ (lack-of-fusion limit) and the Hollomon–Jaffe parameter
    T_K·(20 + log10 t_h) of the anneal."""
    frame = lk.hardness_table() if frame is None else frame
    X = frame[list(SCALE_FEATURES)].to_numpy()
    groups = np.column_stack([
        normalized_enthalpy(frame["power_W"], frame["speed_mm_s"]), frame["energy_density_J_mm3"] / 50.0,
        (frame["anneal_temperature_C"] + 273.15) * (20.0 + np.log10(frame["anneal_time_h"]))])
    y = frame["hardness_HV"].to_numpy()
    folds = lk.split_indices(frame, "build", seed=seed)
    metres = X.copy()
    metres[:, SCALE_FEATURES.index("speed_mm_s")] /= 1000.0
    variants = {"raw": X, "centred": X - X.mean(0), "min–max": (X - X.min(0)) / np.ptp(X, axis=0),
                "z-score": (X - X.mean(0)) / X.std(0), "raw, v in m/s": metres,
                "physical groups": (groups - groups.mean(0)) / groups.std(0)}
    model = KNeighborsRegressor(k)
    return {name: float(np.mean(np.abs(lk.out_of_fold(model, Z, y, folds) - y))) for name, Z in variants.items()}


def nondimensional_figure(seed: int = 0) -> Figure:
    """Porosity of LPBF cubes vs laser power (a cloud) and vs the normalised enthalpy ΔH/h_s on a log axis:
    the keyhole side collapses onto one exponential (King et al. 2014)."""
    df = process_experiments(200, seed=seed)
    por = 100.0 - df["relative_density_true_pct"].to_numpy()
    keyhole = df["regime"].to_numpy() == "keyhole"
    lof = df["regime"].to_numpy() == "lack_of_fusion"
    fig, (a, b) = new_figure(2, size=SHORT)
    for ax, x, xl in ((a, df["power_W"], label("Laser power P", "W")),
                      (b, df["normalized_enthalpy"], label(r"Normalised enthalpy $\Delta H/h_s$"))):
        ax.scatter(x[~keyhole & ~lof], por[~keyhole & ~lof], s=22, color=GREEN, label="window / balling")
        ax.scatter(x[keyhole], por[keyhole], s=22, color=RED, label="keyhole")
        ax.scatter(x[lof], por[lof], s=22, color=SKY, label="lack of fusion")
        ax.set_xlabel(xl)
        ax.set_ylabel(label("Porosity", "%"))
    b.set_yscale("log")
    b.axvline(30.0, color=BLACK, ls="--", lw=1.5)
    b.text(31, 0.15, "keyhole\nthreshold 30", fontsize=13)
    a.set_title("Raw parameter: no order")
    b.set_title("Dimensionless + log: keyhole collapses")
    b.set_xlim(0, 70)
    a.legend(loc="upper left", fontsize=13)
    return close(fig)


def trigger_fft_figure(seed: int = 0) -> Figure:
    """Left: photodiode records of three tracks with the triggered laser-on windows. Right: the spectrum of
    a balling track's window with the Rayleigh frequency v / (4.51·W) marked."""
    m = melt_pool_signals(n_tracks=40, seed=seed)
    fig, (a, b) = new_figure(2, size=SHORT)
    conduction = np.flatnonzero(m.regime == "conduction")
    order = np.argsort(m.speed_mm_s[conduction])
    picks = conduction[order[[0, -1]]]
    for k, (colour, i) in enumerate(zip((BLUE, ORANGE), picks, strict=True)):
        w = trigger_window(m.signal_V[i])
        a.plot(m.time_ms, m.signal_V[i], color=colour, lw=1.3, label=f"v = {m.speed_mm_s[i]:.0f} mm/s")
        a.plot([m.time_ms[w.start], m.time_ms[w.stop - 1]], [-0.12 - 0.12 * k] * 2, color=colour, lw=7,
               solid_capstyle="butt")
    a.text(2.5, -0.5, "detected laser-on windows", ha="center", fontsize=13)
    a.set_ylim(-0.6, None)
    a.set_xlabel(label("Time", "ms"))
    a.set_ylabel(label("Photodiode", "V"))
    a.set_title("Triggered laser-on windows")
    a.legend(loc="upper right", fontsize=13)
    i = int(np.flatnonzero(m.regime == "balling")[0])
    w = trigger_window(m.signal_V[i])
    f, p = power_spectrum_1d(m.signal_V[i][w.start:w.stop], m.sampling_rate_kHz)
    width = float(melt_pool_size(m.power_W[i], m.speed_mm_s[i]).width_um)
    f_r = rayleigh_frequency_kHz(m.speed_mm_s[i], width)
    b.semilogy(f, p / p.max(), color=ORANGE)
    b.axvline(f_r, color=BLACK, ls="--", lw=2, label=f"Rayleigh v/(4.51 W) = {f_r:.2f} kHz")
    b.set_xlim(0, 20)
    b.set_ylim(1e-5, 2)
    b.set_xlabel(label("Frequency", "kHz"))
    b.set_ylabel("Power (normalised)")
    b.set_title(f"Balling track, v = {m.speed_mm_s[i]:.0f} mm/s")
    b.legend(loc="upper right", fontsize=13)
    return close(fig)


def toolbox_checks(n_tracks: int = 120, seed: int = 0) -> dict[str, float]:
    """How well the trigger and the FFT recover the truth of :func:`mlpc.datasets.process.melt_pool_signals`:
    the largest onset error (µs) against the true laser-on sample over all tracks, and the largest relative
    error of the balling tracks' dominant frequency against the Rayleigh frequency v / (4.51·W)."""
    m = melt_pool_signals(n_tracks=n_tracks, seed=seed)
    dt_us = 1e3 / m.sampling_rate_kHz
    onset = [abs(trigger_window(s).start - np.flatnonzero(on)[0]) * dt_us for s, on in zip(m.signal_V, m.laser_on,
                                                                                          strict=True)]
    errors = []
    for i in np.flatnonzero(m.regime == "balling"):
        w = trigger_window(m.signal_V[i])
        f = dominant_frequency_kHz(m.signal_V[i][w.start:w.stop], m.sampling_rate_kHz)
        width = float(melt_pool_size(m.power_W[i], m.speed_mm_s[i]).width_um)
        errors.append(abs(f / rayleigh_frequency_kHz(m.speed_mm_s[i], width) - 1))
    return {"max_onset_error_us": float(max(onset)), "n_tracks": n_tracks,
            "max_rayleigh_error": float(max(errors)), "n_balling": len(errors)}


def heating_rate(seed: int = 0, window: int = 31) -> dict[str, np.ndarray]:
    """Heating rate (K/s) of the SPS log: naive central difference and Savitzky–Golay, after Hampel spike
    removal and bridging of short gaps, with the true rate; NaN where the pyrometer is blind."""
    log = process_log("sps", seed=seed)
    temp = log.temperature_C.copy()
    temp[cleaning.hampel(temp, half_window=10, k=8.0)] = np.nan
    temp = cleaning.interpolate_short_gaps(temp, max_gap=5)
    seen = np.flatnonzero(~np.isnan(temp))
    first, last = seen[0], seen[np.argmax(np.diff(np.concatenate([seen, [seen[-1] + 2]])) > 1)]
    span = slice(first, last + 1)
    naive = np.full(temp.size, np.nan)
    smooth = np.full(temp.size, np.nan)
    naive[span] = np.gradient(temp[span], log.time_s[span])
    smooth[span] = savgol_derivative(temp[span], 1.0, window=window, polyorder=2)
    return {"time_s": log.time_s, "naive": naive, "savgol": smooth,
            "true": np.gradient(log.temperature_true_C, log.time_s)}


def derivative_figure(seed: int = 0) -> Figure:
    """Heating rate from the logged SPS temperature: differentiating the raw log drowns the 1.67 K/s ramp in
    noise; a Savitzky–Golay derivative recovers it."""
    r = heating_rate(seed)
    fig, ax = new_figure(size=SHORT)
    ax.plot(r["time_s"], r["naive"], color="0.65", lw=0.8, label="central difference of the log")
    ax.plot(r["time_s"], r["savgol"], color=BLUE, lw=2.5, label="Savitzky–Golay (31 s, quadratic)")
    ax.plot(r["time_s"], r["true"], color=BLACK, ls="--", lw=1.8, label="true rate")
    ax.axhline(100 / 60, color=ORANGE, lw=1.5, ls=":", label="set ramp 100 K/min")
    ax.set_xlim(0, 1400)
    ax.set_ylim(-12, 12)
    ax.set_xlabel(label("Time", "s"))
    ax.set_ylabel(label("Heating rate dT/dt", "K/s"))
    ax.legend(loc="lower left", fontsize=13, ncols=2)
    return close(fig)


# ----------------------------------------------------------------------------------------------------------
# Labels and uncertainty
# ----------------------------------------------------------------------------------------------------------

def annotators_figure(data: tuple | None = None) -> Figure:
    """The acquired section, the two most different annotators' void masks and the soft label (fraction of
    five annotators who marked each pixel)."""
    image, truth, aset = week_annotators() if data is None else data
    px = aset.pixel_size_um
    fr = aset.area_fractions
    lo, hi = int(np.argmin(fr)), int(np.argmax(fr))
    fig, axes = new_figure(4, size=(11.5, 3.9))
    show_image(axes[0], image, pixel_size=px)
    axes[0].set_title(f"section: truth {100 * truth.mean():.1f} %", fontsize=15)
    for ax, k in zip(axes[1:3], (lo, hi), strict=True):
        show_image(ax, aset.masks[k])
        ax.set_title(f"{aset.annotators[k].name}: {100 * fr[k]:.1f} % voids", fontsize=15)
    im = show_image(axes[3], aset.soft_label, cmap="viridis", vmin=0, vmax=1)
    axes[3].set_title("soft label", fontsize=15)
    fig.colorbar(im, ax=axes[3], fraction=0.046, label="fraction of annotators")
    return close(fig)


def disagreement_profile(truth: np.ndarray, aset: ann.AnnotatorSet, max_um: float = 12.0
                         ) -> tuple[np.ndarray, np.ndarray]:
    """Fraction of pixels on which the annotators disagree, vs signed distance (µm) from the true void
    boundary (negative inside voids). Returns ``(bin centres µm, disagreement fraction)``."""
    px = aset.pixel_size_um
    outside = ndimage.distance_transform_edt(~truth)
    inside = ndimage.distance_transform_edt(truth)
    dist = np.where(truth, -(inside - 0.5), outside - 0.5) * px
    soft = aset.soft_label
    split = (soft > 0) & (soft < 1)
    edges = np.arange(-max_um, max_um + px / 2, px)
    centres = 0.5 * (edges[:-1] + edges[1:])
    idx = np.digitize(dist, edges) - 1
    frac = np.array([split[idx == i].mean() if np.any(idx == i) else np.nan for i in range(len(centres))])
    return centres, frac


def disagreement_figure(data: tuple | None = None) -> Figure:
    """Where annotators disagree: the fraction of non-unanimous pixels peaks at the true void boundary."""
    _, truth, aset = week_annotators() if data is None else data
    x, frac = disagreement_profile(truth, aset)
    fig, ax = new_figure(size=(11.0, 3.8))
    ax.bar(x, frac, width=aset.pixel_size_um * 0.9, color=PURPLE)
    ax.axvline(0, color=BLACK, ls="--", lw=1.5)
    ax.text(0.5, 0.92 * np.nanmax(frac), "true boundary", fontsize=14)
    ax.set_xlabel(label("Distance from the true void boundary (− inside)", "µm"))
    ax.set_ylabel("Pixels with split votes")
    return close(fig)


def bayes_figure(data: tuple | None = None) -> Figure:
    """Left: grey-level likelihoods of void and matrix pixels. Right: posterior P(void | grey) for the true
    porosity as prior and for a flat prior of 0.5, with the decision thresholds."""
    image, truth, _ = week_annotators() if data is None else data
    st = class_statistics(image, truth)
    prior = float(truth.mean())
    sd = 0.5 * (st["sd_void"] + st["sd_matrix"])
    g = np.linspace(-0.3, 1.4, 400)
    fig, (a, b) = new_figure(2, size=SHORT)
    bins = np.linspace(-0.3, 1.4, 70)
    a.hist(image[~truth], bins=bins, density=True, color=BLUE, alpha=0.5, label="matrix pixels")
    a.hist(image[truth], bins=bins, density=True, color=RED, alpha=0.5, label="void pixels")
    for mu, s, c in ((st["mean_matrix"], st["sd_matrix"], BLUE), (st["mean_void"], st["sd_void"], RED)):
        a.plot(g, np.exp(-0.5 * ((g - mu) / s) ** 2) / (s * np.sqrt(2 * np.pi)), color=c, lw=2.5)
    a.set_xlabel("Grey value g")
    a.set_ylabel("Likelihood p(g | class)")
    a.set_title("Likelihoods")
    a.legend(loc="upper left", fontsize=13)
    for pr, c, ls in ((prior, PURPLE, "-"), (0.5, "0.5", "--")):
        post = ann.pixel_posterior(g, pr, st["mean_void"], sd, st["mean_matrix"], sd)
        t = ann.bayes_threshold(pr, st["mean_void"], st["mean_matrix"], sd)
        b.plot(g, post, color=c, ls=ls, lw=2.8, label=f"prior {pr:.3f}: g* = {t:.2f}")
        b.axvline(t, color=c, ls=":", lw=1.5)
    b.set_xlabel("Grey value g")
    b.set_ylabel("Posterior P(void | g)")
    b.set_title("Posterior ∝ likelihood × prior")
    b.legend(loc="lower left", fontsize=13)
    return close(fig)


# ----------------------------------------------------------------------------------------------------------
# Bias–variance, parsimony, regularisation
# ----------------------------------------------------------------------------------------------------------

def bias_variance_figure(sweep: pd.DataFrame | None = None, logistic: bv.Decomposition | None = None,
                         seed: int = 0) -> Figure:
    """Left: one training set of 30 specimens with polynomial fits of degree 1, 5 and 10 and the true
    softening curve. Right: bias², variance and expected test MSE vs degree, with the noise floor and the
    four-parameter logistic model."""
    sweep = bv.degree_sweep(range(1, 11), n_sets=100, seed=seed) if sweep is None else sweep
    logistic = bv.decompose(bv.fit_logistic, n_sets=100, seed=seed) if logistic is None else logistic
    t, y = bv.sample_specimens(30, seed=seed + 1)
    grid = np.linspace(*bv.T_RANGE_C, 300)
    fig, (a, b) = new_figure(2, size=SHORT)
    a.scatter(t, y, color=BLACK, s=25, zorder=5, label="30 specimens")
    a.plot(grid, bv.softening_curve(grid), color=BLACK, ls="--", lw=2, label="truth")
    for d, c in ((1, SKY), (5, GREEN), (10, RED)):
        a.plot(grid, bv.fit_polynomial(t, y, d)(grid), color=c, lw=2.2, label=f"degree {d}")
    a.set_ylim(80, 260)
    a.set_xlabel(label("Anneal temperature (1 h)", "°C"))
    a.set_ylabel(label("Hardness", "HV"))
    a.legend(loc="lower left", fontsize=12, ncols=2)
    b.semilogy(sweep["degree"], sweep["bias2"], "o-", color=SKY, label="bias²")
    b.semilogy(sweep["degree"], sweep["variance"], "s-", color=ORANGE, label="variance")
    b.semilogy(sweep["degree"], sweep["expected_mse"], "D-", color=BLACK, label="expected test MSE")
    b.axhline(logistic.noise, color="0.5", ls=":", lw=2, label="noise σ² = 25 HV²")
    b.axhline(logistic.expected_mse, color=GREEN, ls="--", lw=2, label="4-parameter logistic")
    b.set_xlabel("Polynomial degree")
    b.set_ylabel(label("Squared error", "HV²"))
    b.legend(loc="upper left", fontsize=12)
    return close(fig)


def regularisation_figure(sweep: pd.DataFrame | None = None, logistic: bv.Decomposition | None = None,
                          degree: int = 12, seed: int = 0) -> Figure:
    """Bias², variance and expected test MSE of a degree-12 polynomial vs ridge penalty α."""
    if sweep is None:
        sweep = bv.ridge_sweep(np.logspace(-4, 2, 13), degree=degree, n_sets=100, seed=seed)
    logistic = bv.decompose(bv.fit_logistic, n_sets=100, seed=seed) if logistic is None else logistic
    fig, ax = new_figure(size=SHORT)
    ax.loglog(sweep["alpha"], sweep["bias2"], "o-", color=SKY, label="bias²")
    ax.loglog(sweep["alpha"], sweep["variance"], "s-", color=ORANGE, label="variance")
    ax.loglog(sweep["alpha"], sweep["expected_mse"], "D-", color=BLACK, label="expected test MSE")
    ax.axhline(logistic.expected_mse, color=GREEN, ls="--", lw=2, label="4-parameter logistic")
    best = sweep.loc[sweep["expected_mse"].idxmin()]
    ax.annotate(f"best α = {best['alpha']:.2g}", xy=(best["alpha"], best["expected_mse"]),
                xytext=(best["alpha"] * 3, best["expected_mse"] * 8), fontsize=14,
                arrowprops={"arrowstyle": "->"})
    ax.set_xlabel(f"Ridge penalty α (degree-{degree} polynomial)")
    ax.set_ylabel(label("Squared error", "HV²"))
    ax.legend(loc="upper center", fontsize=13, ncols=2)
    return close(fig)


# ----------------------------------------------------------------------------------------------------------
# Leakage
# ----------------------------------------------------------------------------------------------------------

def fold_mae(frame: pd.DataFrame, scores: pd.DataFrame, n_splits: int = 5, seed: int = 0
             ) -> dict[str, np.ndarray]:
    """MAE (HV) of each test fold behind the pooled scores of :func:`mlpc.leakage.split_scheme_scores` (same
    folds, same out-of-fold predictions): the spread the deck prints beside each bar."""
    y = frame["hardness_HV"].to_numpy()
    out = {}
    for scheme, pred in scores.attrs["predictions"].items():
        folds = lk.split_indices(frame, scheme, n_splits, seed)
        out[scheme] = np.array([np.mean(np.abs(y[te] - pred[te])) for _, te in folds])
    return out


def outlier_rules_over_seeds(seeds: range = range(5), k: float = 5.0) -> pd.DataFrame:
    """The outlier slide repeated on independent tables (one per seed, 8 injected errors each): injected
    errors found and false alarms of the within-specimen rule and of a global 3σ rule."""
    rows = []
    for s in seeds:
        d = lk.process_property_table(**lk.TABLE_SHAPE, seed=s, duplicates=12, missing=15, outliers=8)
        hv, spec = d.frame["hardness_HV"].to_numpy(), d.frame["specimen_id"].to_numpy()
        truth = np.zeros(len(hv), bool)
        truth[d.outlier_rows] = True
        within = cleaning.outliers_within_groups(hv, spec, k=k, scale=INDENT_REPEATABILITY_HV)
        glob = np.abs(hv - np.nanmean(hv)) / np.nanstd(hv) > 3
        rows.append({"seed": s, "injected": int(truth.sum()), "within_found": int((within & truth).sum()),
                     "within_false": int((within & ~truth).sum()), "global_found": int((glob & truth).sum()),
                     "global_false": int((glob & ~truth).sum())})
    return pd.DataFrame(rows)


def scaling_scores_over_seeds(seeds: range = range(5)) -> pd.DataFrame:
    """:func:`scaling_scores` on independent indent tables, one row per table seed."""
    return pd.DataFrame([scaling_scores(lk.hardness_table(seed=s)) for s in seeds], index=list(seeds))


def noise_floor_HV() -> float:
    """Smallest expected MAE of any model that predicts an indent of a *new* specimen from its process
    parameters: indent repeatability (4 HV), specimen (6 MPa) and build (12 MPa) effects, MAE = σ·sqrt(2/π)."""
    sigma = np.sqrt(INDENT_REPEATABILITY_HV**2 + (6.0 / 2.876) ** 2 + (12.0 / 2.876) ** 2)
    return float(sigma * np.sqrt(2 / np.pi))


def group_leak_figure(scores: pd.DataFrame | None = None) -> Figure:
    """MAE of one random forest under three splits of the same indent table, with the noise floor."""
    scores = lk.split_scheme_scores(lk.hardness_table()) if scores is None else scores
    fig, ax = new_figure(size=SHORT)
    names = {"row": "random rows", "specimen": "by specimen", "build": "by build"}
    colours = [RED if s == "row" else BLUE for s in scores["scheme"]]
    bars = ax.bar([names[s] for s in scores["scheme"]], scores["MAE"], color=colours, width=0.6)
    ax.bar_label(bars, fmt="%.1f HV", fontsize=15)
    floor = noise_floor_HV()
    ax.axhline(floor, color=BLACK, ls="--", lw=2)
    ax.text(0.5, floor + 0.3, f"noise floor {floor:.1f} HV", ha="center", va="bottom", fontsize=14)
    ax.set_ylabel(label("Cross-validated MAE", "HV"))
    ax.set_ylim(0, 1.2 * scores["MAE"].max())
    return close(fig)


def tiles_figure(tiles: lk.TileSet | None = None, scores: dict | None = None, seed: int = 0) -> Figure:
    """Two micrographs (one per anneal condition) with their tile grid, and the accuracy of a random tile
    split vs a split that keeps every micrograph together."""
    tiles = lk.micrograph_tiles(seed=seed) if tiles is None else tiles
    scores = lk.tile_scores(tiles, seed=seed) if scores is None else scores
    fig, axes = new_figure(3, size=SHORT, gridspec_kw={"width_ratios": [1, 1, 1.1]})
    n_img = len(tiles.images)
    for ax, k in zip(axes[:2], (0, n_img - 1), strict=True):
        img = tiles.images[k]
        show_image(ax, img, pixel_size=tiles.pixel_size_um,
                   title=f"{'fine' if k == 0 else 'coarse'}: l̄ = {tiles.mean_intercept_um[k]:.1f} µm")
        size_um = img.shape[0] * tiles.pixel_size_um
        for edge in np.arange(tiles.tile_px, img.shape[0], tiles.tile_px) * tiles.pixel_size_um:
            ax.axhline(edge, color=YELLOW, lw=1.5)
            ax.axvline(edge, color=YELLOW, lw=1.5)
        ax.set_xlim(0, size_um)
    bars = axes[2].bar(["random\ntiles", "by\nmicrograph"],
                       [scores["random_tiles"], scores["grouped_by_micrograph"]], color=LEAKY_HONEST, width=0.6)
    axes[2].bar_label(bars, fmt="%.2f", fontsize=15)
    axes[2].axhline(0.5, color=BLACK, ls="--", lw=1.5)
    axes[2].text(0.5, 0.53, "chance", ha="center", fontsize=13)
    axes[2].set_ylim(0, 1.1)
    axes[2].set_ylabel("Accuracy (5-fold)")
    return close(fig)


def temporal_residuals(frame: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """Per build: mean residual (measured − predicted, HV) of the forward model on the test builds and of a
    build-grouped cross-validation on the training builds."""
    X = frame[list(lk.PROCESS_FEATURES)].to_numpy()
    y = frame["hardness_HV"].to_numpy()
    tr, te = lk.forward_split(frame)
    resid = np.full(len(y), np.nan)
    resid[te] = y[te] - lk.forest(seed).fit(X[tr], y[tr]).predict(X[te])
    folds = list(GroupKFold(5, shuffle=True, random_state=seed).split(tr, groups=frame["build_id"].to_numpy()[tr]))
    inner = lk.out_of_fold(lk.forest(seed), X[tr], y[tr], folds)
    resid[tr] = y[tr] - inner
    out = pd.DataFrame({"build_date": frame["build_date"], "residual": resid, "test": False})
    out.loc[out.index[te], "test"] = True
    return out.groupby("build_date").agg(residual=("residual", "mean"), test=("test", "first")).reset_index()


def temporal_figure(frame: pd.DataFrame | None = None, seed: int = 0) -> Figure:
    """Mean residual per build vs build date: training builds scatter around zero, the future builds sit
    above it, as the powder-reuse drift (+3 MPa ≈ +1 HV per build) predicts."""
    frame = lk.hardness_table() if frame is None else frame
    r = temporal_residuals(frame, seed)
    fig, ax = new_figure(size=SHORT)
    days = (r["build_date"] - r["build_date"].min()).dt.days.to_numpy()
    for test, c, lab_ in ((False, BLUE, "training builds (grouped CV)"), (True, RED, "future builds (test)")):
        sel = r["test"].to_numpy() == test
        ax.plot(days[sel], r["residual"][sel], "o", color=c, ms=9, label=lab_)
    ax.axhline(0, color=BLACK, lw=1)
    ax.axvline(days[r["test"].to_numpy()].min() - 2, color=BLACK, ls="--", lw=1.5)
    ax.set_xlabel(label("Days since the first build", "d"))
    ax.set_ylabel(label("Measured − predicted", "HV"))
    ax.legend(loc="upper left")
    return close(fig)


def scoreboard_figure(board: pd.DataFrame) -> Figure:
    """Leaky vs honest score for each leakage route (one panel each, its own metric)."""
    fig, axes = new_figure(len(board), size=SHORT)
    for ax, (_, row) in zip(np.atleast_1d(axes), board.iterrows(), strict=True):
        bars = ax.bar(["leaky", "honest"], [row["leaky"], row["honest"]], color=LEAKY_HONEST, width=0.65)
        ax.bar_label(bars, fmt=row["fmt"], fontsize=14)
        ax.set_title(row["route"], fontsize=16)
        ax.set_ylabel(row["metric"], fontsize=15)
        ax.set_ylim(0, 1.25 * max(row["leaky"], row["honest"]))
    return close(fig)


# ----------------------------------------------------------------------------------------------------------
# Validation and error measures
# ----------------------------------------------------------------------------------------------------------

def validation_schemes_figure(seed: int = 0) -> Figure:
    """Which of 24 specimens (6 builds, 2 quality classes) is in the test set of each fold, for holdout,
    K-fold, LOOCV (first 6 of 24 folds), stratified K-fold and grouped K-fold."""
    rng = np.random.default_rng(seed)
    n = 24
    build = np.repeat(np.arange(6), 4)
    cls = (rng.random(n) < 0.25).astype(int)
    idx = np.arange(n)
    schemes = {
        "holdout 25 %": [train_test_split(idx, test_size=0.25, random_state=seed)],
        "4-fold": list(KFold(4, shuffle=True, random_state=seed).split(idx)),
        "LOOCV (6 of 24)": list(LeaveOneOut().split(idx))[:6],
        "stratified 4-fold": list(StratifiedKFold(4, shuffle=True, random_state=seed).split(idx, cls)),
        "grouped 4-fold": list(GroupKFold(4, shuffle=True, random_state=seed).split(idx, groups=build)),
    }
    fig, ax = new_figure(size=(11.0, 5.0))
    yticks, ylabels, ypos = [], [], 0
    for name, folds in schemes.items():
        for k, (_, test) in enumerate(folds):
            ax.scatter(idx, np.full(n, ypos), s=60, color="0.85", marker="s")
            ax.scatter(test, np.full(len(test), ypos), s=60, color=RED, marker="s")
            yticks.append(ypos)
            ylabels.append(name if k == 0 else "")
            ypos -= 1
        ypos -= 0.8
    build_colours = (BLUE, ORANGE, GREEN, PURPLE, SKY, BLACK)
    ax.scatter(idx, np.full(n, ypos), c=[build_colours[b] for b in build], s=60, marker="s")
    ax.scatter(idx[cls == 1], np.full(cls.sum(), ypos - 1), color=BLACK, s=60, marker="^")
    yticks += [ypos, ypos - 1]
    ylabels += ["build", "rare class"]
    ax.set_yticks(yticks, ylabels, fontsize=13)
    ax.set_xlabel("Specimen index")
    ax.spines["left"].set_visible(False)
    ax.tick_params(axis="y", length=0)
    ax.legend(handles=[Patch(color=RED, label="test"), Patch(color="0.85", label="train")],
              loc="upper right", bbox_to_anchor=(1.0, 1.08), ncols=2, fontsize=13)
    return close(fig)


def parity_figure(y: np.ndarray, pred: np.ndarray, scores: dict[str, float]) -> Figure:
    """Predicted vs measured hardness with MAE, RMSE and R² in the legend."""
    fig, ax = new_figure(size=(6.2, 4.8))
    ax.scatter(y, pred, s=12, color=BLUE, alpha=0.5)
    lims = [min(y.min(), pred.min()) - 5, max(y.max(), pred.max()) + 5]
    ax.plot(lims, lims, color=BLACK, lw=1.5)
    ax.set_xlim(lims)
    ax.set_ylim(lims)
    ax.set_xlabel(label("Measured", "HV"))
    ax.set_ylabel(label("Predicted", "HV"))
    ax.text(lims[0] + 5, lims[1] - 8, f"MAE {scores['MAE']:.1f} HV\nRMSE {scores['RMSE']:.1f} HV\n"
            f"R² {scores['R2']:.2f}", va="top", fontsize=15)
    return close(fig)


def confusion_figure(y: np.ndarray, pred: np.ndarray) -> Figure:
    """Confusion matrix of the regime classifier (rows: true regime, columns: predicted)."""
    k = len(REGIMES)
    cm = np.zeros((k, k), dtype=int)
    np.add.at(cm, (y, pred), 1)
    fig, ax = new_figure(size=(6.4, 5.0))
    ax.imshow(cm, cmap="Blues")
    names = ["window", "keyhole", "LOF", "balling"]
    for i in range(k):
        for j in range(k):
            ax.text(j, i, str(cm[i, j]), ha="center", va="center", fontsize=18,
                    color="w" if cm[i, j] > cm.max() / 2 else BLACK)
    ax.set_xticks(range(k), names)
    ax.set_yticks(range(k), names)
    ax.set_xlabel("Predicted regime")
    ax.set_ylabel("True regime")
    return close(fig)


def segmentation_overlay_figure(image: np.ndarray, pred: np.ndarray, truth: np.ndarray, px: float) -> Figure:
    """True positives, false positives and false negatives of a void segmentation on the micrograph."""
    overlay = np.zeros(truth.shape, dtype=int)
    overlay[pred & truth] = 1
    overlay[pred & ~truth] = 2
    overlay[~pred & truth] = 3
    cmap = ListedColormap([(0, 0, 0, 0), GREEN, ORANGE, PURPLE])
    fig, ax = new_figure(size=(6.0, 5.0))
    show_image(ax, image, pixel_size=px)
    ax.imshow(overlay, cmap=cmap, vmin=0, vmax=3, interpolation="nearest",
              extent=(0, truth.shape[1] * px, truth.shape[0] * px, 0))
    ax.legend(handles=[Patch(color=GREEN, label="TP"), Patch(color=ORANGE, label="FP"),
                       Patch(color=PURPLE, label="FN")], loc="upper right", ncols=3, fontsize=12,
              bbox_to_anchor=(1.0, 1.12))
    return close(fig)


__all__ = [
    "porosity_section", "week_annotators", "class_statistics", "regime_predictions", "outlier_figure",
    "process_log_figure", "scaling_figure", "scaling_scores", "nondimensional_figure", "trigger_fft_figure",
    "toolbox_checks", "heating_rate",
    "derivative_figure", "annotators_figure", "disagreement_profile", "disagreement_figure", "bayes_figure",
    "bias_variance_figure", "regularisation_figure", "noise_floor_HV", "group_leak_figure", "tiles_figure",
    "temporal_residuals", "temporal_figure", "scoreboard_figure", "validation_schemes_figure", "parity_figure",
    "confusion_figure", "segmentation_overlay_figure",
]
