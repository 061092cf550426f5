"""Week 1 figures: what materials data look like, what one sample costs, how big and how noisy it is.

Every figure is drawn from the course's data library (:mod:`mlpc.datasets`): real data shipped in PyPI
packages (kikuchipy's Ni EBSD patterns, Ånes et al. 2019; exspy's EDS spectrum of the BAM EDS-TM002
standard; the Cu/Cr nanoindentation of Zhang et al. 2023 and the Cahn–Hilliard simulations of Nguyen &
Sandfeld 2023 via ``mdsdata``, Sandfeld 2024) and physically faithful synthetic data (micrographs through
the imaging chain, Reimer 1998; EELS, Egerton 2011; XRD with pymatgen, Cullity & Stock 2014; LPBF
signals, thermal histories and logs, King et al. 2014, Rosenthal 1946). Numbers shown on slides come from
the ``*_facts``/``*_table`` functions here, so slides and figures cannot disagree.
"""

from __future__ import annotations

import functools
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from mlpc.data_inspection import NetCounts, PhysicsVsForest, net_peak_counts, variance_to_mean
from mlpc.datasets import book_data, eds, eels, imaging, micrographs, process, tabular, xrd
from mlpc.plotting import OKABE_ITO, close, label, new_figure, show_image

#: Elementary charge (C): electrons per second in a beam current I are I / e.
ELEMENTARY_CHARGE_C = 1.602176634e-19
#: Probe current assumed for the SEM frame times (A); SEM imaging uses pA to nA (Reimer 1998, ch. 2).
PROBE_CURRENT_A = 100e-12
#: Pixel size (µm) of the synthetic polycrystal micrograph shown on the slides.
MICROGRAPH_PIXEL_UM = 0.5
FIG_SIZE = (11.0, 4.4)
FIG_SIZE_ALONE = (11.0, 4.9)


# --------------------------------------------------------------------------------------------------
# Cached data (one load per process: a deck calls several helpers on the same data)
# --------------------------------------------------------------------------------------------------

@functools.cache
def _ebsd():
    from mlpc.datasets import ebsd

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ebsd.load_nickel_ebsd_small()


@functools.cache
def _eds_real() -> eds.MeasuredEDSSpectrum:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return eds.load_exspy_eds("EDS_SEM_TM002")


@functools.cache
def eds_live_real_s() -> tuple[float, float]:
    """(live, real) acquisition time in s of the real TM002 EDS spectrum, read from its metadata."""
    import exspy.data

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        det = exspy.data.EDS_SEM_TM002().metadata.Acquisition_instrument.SEM.Detector.EDS
    return float(det.live_time), float(det.real_time)


@functools.cache
def _polycrystal(seed: int) -> micrographs.Polycrystal:
    return micrographs.polycrystal(size=256, n_grains=60, pixel_size_um=MICROGRAPH_PIXEL_UM, growth_steps=2,
                                   seed=seed)


@functools.cache
def _melt_pool(seed: int) -> process.MeltPoolSignals:
    return process.melt_pool_signals(seed=seed)


@functools.cache
def _property_table(seed: int) -> tabular.ProcessPropertyData:
    return tabular.process_property_table(n_builds=12, seed=seed)


def frame_time_s(n_pixels: int, dose_e_per_px: float, current_A: float = PROBE_CURRENT_A) -> float:
    """Time (s) to scan ``n_pixels`` with ``dose_e_per_px`` electrons each at probe current ``current_A``:
    ``t = N · dose · e / I``."""
    if n_pixels <= 0 or dose_e_per_px <= 0 or current_A <= 0:
        raise ValueError(f"n_pixels={n_pixels}, dose_e_per_px={dose_e_per_px}, current_A={current_A} "
                         "must all be > 0")
    return n_pixels * dose_e_per_px * ELEMENTARY_CHARGE_C / current_A


# --------------------------------------------------------------------------------------------------
# The modalities
# --------------------------------------------------------------------------------------------------

def image_modalities_figure(seed: int = 0) -> Figure:
    """Three kinds of image: an SEM-like micrograph (synthetic polycrystal, 50 e⁻/px), a simulated
    Cahn–Hilliard microstructure (mdsdata) and a real Ni EBSD pattern, raw and background-corrected."""
    pc = _polycrystal(seed)
    acq = imaging.acquire(pc.image, pc.pixel_size_um, psf_fwhm=1.0, dose=50, seed=seed)
    ch = book_data.load_cahn_hilliard(simulations=0)
    k = int(np.argmin(ch.energy))
    pats = _ebsd()
    fig, axes = new_figure(4, size=FIG_SIZE_ALONE)
    show_image(axes[0], acq.image, acq.pixel_size, unit="µm")
    axes[0].set_title("SEM-like (synth.)", fontsize=16)
    show_image(axes[1], ch.images[k])
    axes[1].set_title("Cahn–Hilliard (sim.)", fontsize=16)
    axes[1].set_xlabel("64² px, no unit", fontsize=14)
    show_image(axes[2], pats.patterns_counts[1, 1])
    axes[2].set_title("EBSD Ni, raw (real)", fontsize=16)
    axes[2].set_xlabel("60² px, 8-bit grey", fontsize=14)
    show_image(axes[3], pats.patterns_corrected[1, 1])
    axes[3].set_title("background removed", fontsize=16)
    axes[3].set_xlabel("Kikuchi bands", fontsize=14)
    return close(fig)


def spectra_modalities_figure(seed: int = 0) -> Figure:
    """Three spectra: real SEM-EDS of the BAM TM002 standard, synthetic EELS of TiO2, synthetic XRD of
    duplex steel (ferrite + austenite, pymatgen structure factors)."""
    real = _eds_real()
    loss = eels.eels_spectrum(seed=seed)
    pattern = xrd.xrd_pattern("duplex-steel", two_theta_range_deg=(40.0, 100.0), seed=seed)
    fig, axes = new_figure(3, size=FIG_SIZE_ALONE)
    ax = axes[0]
    ax.semilogy(real.energy_keV, np.maximum(real.counts, 1), color=OKABE_ITO[0], lw=1.6)
    for line, name, dx, dy in ((0.2774, "C", -6, 4), (0.6332, "Mn L", 4, 24), (1.4865, "Al", 0, 4),
                               (2.0423, "Zr L", 6, 24), (5.8987, "Mn K", 0, 4), (8.0478, "Cu K", 0, 4)):
        i = int(np.argmin(np.abs(real.energy_keV - line)))
        ax.annotate(name, (line, real.counts[i]), xytext=(dx, dy), textcoords="offset points", ha="center",
                    fontsize=12)
    ax.set_xlim(0, 10)
    ax.set_ylim(1, 1e5)
    ax.set_xlabel(label("Energy", "keV"))
    ax.set_ylabel(label("Counts", "per 10 eV"))
    ax.set_title("EDS (real, 10 kV)")
    ax = axes[1]
    ax.plot(loss.energy_loss_eV, loss.counts / 1e3, color=OKABE_ITO[5], lw=1.6)
    for edge in loss.edges:
        ax.axvline(edge.onset_eV, color="0.5", ls=":", lw=1.4)
        name = edge.name.replace("_L23", " L₂,₃").replace("_", " ")
        ax.text(edge.onset_eV + 4, 0.9 * loss.counts.max() / 1e3, name, fontsize=12)
    ax.set_xlabel(label("Energy loss", "eV"))
    ax.set_ylabel(label("Counts", "10³ per 0.25 eV"))
    ax.set_title("EELS TiO₂ (synthetic)")
    ax = axes[2]
    ax.plot(pattern.two_theta_deg, pattern.counts / 1e3, color=OKABE_ITO[2], lw=1.4)
    for peak in pattern.peaks:
        if peak.relative_intensity > 20 and 40 < peak.two_theta_deg < 100:
            tag = ("α" if peak.phase == "Fe-bcc" else "γ") + "".join(str(i) for i in peak.hkl)
            y = pattern.expected_counts[np.argmin(np.abs(pattern.two_theta_deg - peak.two_theta_deg))] / 1e3
            ax.annotate(tag, (peak.two_theta_deg, y), xytext=(0, 3), textcoords="offset points", ha="center",
                        fontsize=11)
    ax.set_xlabel(label("2θ (Cu Kα)", "°"))
    ax.set_ylabel(label("Counts", "10³ per step"))
    ax.set_title("XRD duplex steel (synthetic)")
    return close(fig)


def process_modalities_figure(seed: int = 0) -> Figure:
    """Three process records: LPBF photodiode tracks (conduction vs keyhole), a thermal history at a point
    as ten layers are added, and a spark-plasma-sintering log (temperature and pressure)."""
    mp = _melt_pool(seed)
    hist = process.thermal_history(seed=seed)
    log = process.process_log("sps", seed=seed)
    fig, axes = new_figure(3, size=FIG_SIZE_ALONE)
    ax = axes[0]
    for regime, colour in (("conduction", OKABE_ITO[2]), ("keyhole", OKABE_ITO[5])):
        i = int(np.flatnonzero(mp.regime == regime)[0])
        ax.plot(mp.time_ms, mp.signal_V[i], color=colour, lw=1.4, label=regime)
    ax.set_xlabel(label("Time", "ms"))
    ax.set_ylabel(label("Photodiode", "V"))
    ax.set_title(f"melt pool, {mp.sampling_rate_kHz:g} kHz")
    ax.legend(loc="upper right", fontsize=13)
    ax = axes[1]
    ax.plot(hist.layer_index + 0.0, hist.temperature_K, ".", ms=2, color=OKABE_ITO[1])
    ax.plot(np.arange(hist.peak_temperature_K.size), hist.peak_temperature_K, "o-", color=OKABE_ITO[7], ms=6,
            lw=1.5, label="peak per layer")
    ax.axhline(hist.liquidus_K, color=OKABE_ITO[5], ls="--", lw=1.5, label="liquidus")
    ax.set_xticks(range(0, hist.peak_temperature_K.size, 2))
    ax.set_xlabel("Layer added above the point")
    ax.set_ylabel(label("Temperature", "K"))
    ax.set_title("thermal history (316L)")
    ax.legend(loc="upper right", fontsize=13)
    ax = axes[2]
    ax.plot(log.time_s / 60, log.temperature_C, color=OKABE_ITO[5], lw=1.2)
    ax.set_xlabel(label("Time", "min"))
    ax.set_ylabel(label("Temperature", "°C"), color=OKABE_ITO[5])
    twin = ax.twinx()
    twin.plot(log.time_s / 60, log.pressure_MPa, color=OKABE_ITO[0], lw=1.0)
    twin.set_ylabel(label("Pressure", "MPa"), color=OKABE_ITO[0])
    twin.spines["right"].set_visible(True)
    ax.set_title("SPS log, 1 Hz")
    return close(fig)


def modality_facts(seed: int = 0) -> pd.DataFrame:
    """One row per modality: what one sample is (shape), its units, the number of values it holds, and the
    instrument time it costs where the file or the generator states it (else why not)."""
    pc = _polycrystal(seed)
    pats = _ebsd()
    real = _eds_real()
    live, real_time = eds_live_real_s()
    loss = eels.eels_spectrum(seed=seed)
    pattern = xrd.xrd_pattern("duplex-steel", seed=seed)
    mp = _melt_pool(seed)
    hist = process.thermal_history(seed=seed)
    log = process.process_log("sps", seed=seed)
    ch = book_data.load_cahn_hilliard(simulations=0)
    ny, nx = pc.image.shape
    dy, dx = pats.geometry.pattern_shape_px
    rows = [
        ("Micrograph", "synthetic", f"2D {ny}×{nx}", "counts; µm", pc.image.size,
         f"{1e3 * frame_time_s(pc.image.size, 50):.1f} ms (50 e⁻/px)"),
        ("Cahn–Hilliard", "simulated", "2D {}×{}".format(*ch.images.shape[1:]), "grey; none", ch.images[0].size,
         "not stated"),
        ("EBSD pattern", "real", f"2D {dy}×{dx}", "8-bit grey", pats.patterns_counts[0, 0].size, "not in the file"),
        ("EDS spectrum", "real", f"1D {real.counts.size} ch.", "counts; keV", real.counts.size,
         f"{real_time:.1f} s ({live:.1f} s live)"),
        ("EELS spectrum", "synthetic", f"1D {loss.counts.size} ch.", "counts; eV", loss.counts.size, "not modelled"),
        ("XRD pattern", "synthetic", f"1D {pattern.counts.size} steps", "counts; °", pattern.counts.size,
         "not modelled"),
        ("Photodiode track", "synthetic", f"1D {mp.time_ms.size}", "V; ms", mp.time_ms.size,
         f"{mp.time_ms.size / mp.sampling_rate_kHz:.0f} ms ({mp.sampling_rate_kHz:g} kHz)"),
        ("Thermal history", "synthetic", f"1D {hist.time_s.size:,}", "K; s", hist.time_s.size,
         f"{hist.time_s.max() / 60:.1f} min"),
        ("SPS log", "synthetic", f"3 × {log.time_s.size:,}", "°C, MPa, mm; s", 3 * log.time_s.size,
         f"{log.time_s.size / 60:.0f} min (1 Hz)"),
    ]
    return pd.DataFrame(rows, columns=["data", "source", "one sample", "units", "values", "time per sample"])


# --------------------------------------------------------------------------------------------------
# Cost and sparsity
# --------------------------------------------------------------------------------------------------

def cost_table(seed: int = 0) -> pd.DataFrame:
    """Instrument time per sample and number of samples, read from the data sets' own timestamps, sampling
    rates and metadata, at several granularities of one data set (value → track → build)."""
    mp = _melt_pool(seed)
    table = tabular.process_property_table(seed=seed).frame
    log = process.process_log("sps", seed=seed)
    hist = process.thermal_history(seed=seed)
    live, real_time = eds_live_real_s()
    build_days = np.diff(np.unique(table["build_date"])).astype("timedelta64[s]").astype(float)
    indent_s = np.diff(table["measured_at"].to_numpy()[:2]).astype("timedelta64[s]").astype(float)[0]
    n_spec = table["specimen_id"].nunique()
    n_builds = table["build_id"].nunique()
    build_s = float(np.median(build_days))
    hours = float(np.ceil(mp.hours_into_build.max()))
    n_mp_builds = int(np.unique(mp.build_id).size)
    rows = [
        ("melt-pool photodiode", "sample", 1e-3 / mp.sampling_rate_kHz, mp.signal_V.size),
        ("melt-pool photodiode", "track", mp.time_ms.size / mp.sampling_rate_kHz * 1e-3, mp.signal_V.shape[0]),
        ("melt-pool photodiode", "build", hours * 3600, n_mp_builds),
        ("thermal history", "sample", float(np.median(np.diff(hist.time_s[:100]))), hist.time_s.size),
        ("SPS log", "row", float(np.median(np.diff(log.time_s))), log.time_s.size),
        ("SPS log", "run", float(log.time_s[-1] - log.time_s[0] + 1), 1),
        ("EDS spectrum (real)", "spectrum", real_time, 1),
        ("hardness table", "indent", indent_s, len(table)),
        ("hardness table", "specimen", build_s / (n_spec / n_builds), n_spec),
        ("hardness table", "build", build_s, n_builds),
    ]
    return pd.DataFrame(rows, columns=["data set", "sample", "seconds_per_sample", "n_samples"])


def cost_vs_samples_figure(seed: int = 0) -> Figure:
    """Number of samples against instrument time per sample (log–log), with lines of equal total time."""
    df = cost_table(seed)
    fig, ax = new_figure(size=FIG_SIZE_ALONE)
    t = np.logspace(-6, 7, 50)
    for total, name in ((1.0, "1 s"), (3600.0, "1 h"), (86400.0 * 30, "1 month")):
        ax.plot(t, total / t, color="0.75", lw=1.2, ls="--", zorder=0)
        ax.text(total / 1e6, 1e6, f"{name} in total", color="0.4", fontsize=12, ha="left", va="bottom",
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 1})
    for (name, group), colour in zip(df.groupby("data set", sort=False), OKABE_ITO, strict=False):
        ax.plot(group["seconds_per_sample"], group["n_samples"], "o-", color=colour, ms=9, lw=1.5, label=name)
        offset = (7, -16) if name == "thermal history" else (7, 4)
        for _, row in group.iterrows():
            ax.annotate(row["sample"], (row["seconds_per_sample"], row["n_samples"]), xytext=offset,
                        textcoords="offset points", fontsize=12, color=colour)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(1e-6, 3e7)
    ax.set_ylim(0.5, 5e6)
    ax.set_xlabel(label("Instrument time per sample", "s"))
    ax.set_ylabel("Samples in the data set")
    ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=13)
    return close(fig)


def sample_hierarchy(seed: int = 0) -> pd.DataFrame:
    """For each bundled data set: stored values, rows (measurements) and independent units, counted."""
    ch = book_data.load_cahn_hilliard()
    ind = book_data.load_nanoindentation()
    tensile = book_data.load_tensile_tests()
    table = tabular.process_property_table(seed=seed).frame
    mp = _melt_pool(seed)
    pats = _ebsd()
    real = _eds_real()
    rows = [
        ("Cahn–Hilliard (sim.)", ch.images.size, len(ch.energy), "images", np.unique(ch.simulation).size,
         "simulations"),
        ("nanoindentation (real)", 2 * len(ind), len(ind), "indents", ind["material"].nunique(), "materials"),
        ("hardness table (syn.)", table.shape[0] * table.shape[1], len(table), "indents",
         table["build_id"].nunique(), "builds"),
        ("melt-pool signals (syn.)", mp.signal_V.size, mp.signal_V.shape[0], "tracks", np.unique(mp.build_id).size,
         "builds"),
        ("tensile tests (syn.)", 2 * len(tensile), tensile["temperature_C"].nunique(), "curves",
         tensile["temperature_C"].nunique(), "temperatures"),
        ("EBSD Ni (real)", pats.patterns_counts.size, int(np.prod(pats.patterns_counts.shape[:2])), "patterns", 1,
         "specimen"),
        ("EDS TM002 (real)", real.counts.size, 1, "spectrum", 1, "standard"),
    ]
    return pd.DataFrame(rows, columns=["data set", "values", "rows", "row unit", "independent", "unit"])


def sample_hierarchy_figure(seed: int = 0) -> Figure:
    """Dot plot: stored values → rows → independent units per data set (log axis)."""
    df = sample_hierarchy(seed)
    fig, ax = new_figure(size=FIG_SIZE_ALONE)
    y = np.arange(len(df))[::-1]
    for yi, (_, row) in zip(y, df.iterrows(), strict=True):
        ax.plot([row["independent"], row["values"]], [yi, yi], color="0.8", lw=6, solid_capstyle="round",
                zorder=0)
        ax.plot(row["values"], yi, "s", color=OKABE_ITO[4], ms=11)
        ax.plot(row["rows"], yi, "o", color=OKABE_ITO[0], ms=11)
        ax.plot(row["independent"], yi, "D", color=OKABE_ITO[5], ms=11)
        ax.annotate(f"{row['independent']:,} {row['unit']}", (row["independent"], yi), xytext=(-10, 0),
                    textcoords="offset points", ha="right", va="center", fontsize=12, color=OKABE_ITO[5])
        if row["rows"] != row["independent"]:
            ax.annotate(f"{row['rows']:,} {row['row unit']}", (row["rows"], yi), xytext=(0, 9),
                        textcoords="offset points", ha="center", fontsize=12, color=OKABE_ITO[0])
    ax.set_yticks(y, df["data set"])
    ax.set_xscale("log")
    ax.set_xlim(0.01, 3e8)
    ax.set_ylim(-0.7, len(df) - 0.3)
    ax.set_xlabel("Count (log scale)")
    ax.plot([], [], "s", color=OKABE_ITO[4], label="stored values")
    ax.plot([], [], "o", color=OKABE_ITO[0], label="rows")
    ax.plot([], [], "D", color=OKABE_ITO[5], label="independent units")
    ax.legend(loc="lower right", fontsize=13, frameon=True)
    return close(fig)


# --------------------------------------------------------------------------------------------------
# Scales and uncertainty
# --------------------------------------------------------------------------------------------------

#: Instrument limits that are not computed here, with their sources (see :func:`length_scales`).
STEM_PROBE_M = 47e-12       # aberration-corrected STEM resolves 47 pm (Erni et al., PRL 102, 096101, 2009)
STEM_FIELD_M = 1e-6         # an atomic-resolution scan: 2048 px at 0.5 nm/px (low-magnification STEM goes further)
EBSD_RESOLUTION_M = 20e-9   # FEG-SEM EBSD spatial resolution, tens of nm (Humphreys, J. Mater. Sci. 36, 3833, 2001)
SEM_MAP_FIELD_M = 1e-3      # one SEM field at low magnification (~100×): about 1 mm (Goldstein et al. 2018)
LOM_FIELD_M = 2.5e-3        # light microscope, 5× objective: a field of a few mm
BUILD_PLATE_M = 0.25        # a melt-pool photodiode records whole builds: a 250 mm build plate


def length_scales(seed: int = 0) -> pd.DataFrame:
    """Smallest and largest length (m) each technique can see: the instrument's range, not that of the
    course's example data (which sits inside it).

    Computed from physics where physics sets the limit: XRD from the (110) d-spacing of ferrite to the
    largest crystallite whose Scherrer broadening still exceeds the instrumental width at 2θ ≈ 45°
    (Scherrer 1918; Caglioti 1958); EDS from the Kanaya–Okayama (1972) electron range in Fe at 10 kV (the
    width from which X-rays come) to an SEM field; light microscope from the Abbe limit λ/(2 NA) at
    550 nm and NA 0.95 to a 5× field; melt pool from the Rosenthal width at 200 W, 800 mm/s to a build
    plate. Instrument values with sources: STEM 47 pm (Erni et al. 2009) to a 1 µm scan; EBSD ~20 nm
    (Humphreys 2001) to a 1 mm map. ``seed`` is kept for the signature; nothing here is random.
    """
    d110 = xrd.stick_pattern("Fe-bcc")[0].d_nm
    two_theta = xrd.bragg_two_theta_deg(d110)
    beta = np.radians(float(xrd.caglioti_fwhm_deg(two_theta)))
    l_max_nm = xrd.SCHERRER_K * xrd.CU_KA1_NM / (beta * np.cos(np.radians(two_theta / 2)))
    ko_um = {kv: 0.0276 * 55.845 * kv**1.67 / (26**0.889 * 7.874) for kv in (10.0, 20.0)}
    abbe_m = 550e-9 / (2 * 0.95)
    pool = process.melt_pool_size(200.0, 800.0)
    rows = [
        ("STEM (HAADF)", STEM_PROBE_M, STEM_FIELD_M, "probe → atomic-resolution field"),
        ("XRD (Cu Kα)", d110 * 1e-9, l_max_nm * 1e-9, "d₁₁₀ → largest Scherrer size"),
        ("EDS in SEM (Fe)", ko_um[10.0] * 1e-6, SEM_MAP_FIELD_M, "X-ray range at 10 kV → map"),
        ("EBSD (FEG-SEM)", EBSD_RESOLUTION_M, SEM_MAP_FIELD_M, "spatial resolution → map"),
        ("Light micrograph", abbe_m, LOM_FIELD_M, "Abbe limit → 5× field"),
        ("Melt pool / photodiode", float(pool.width_um) * 1e-6, BUILD_PLATE_M, "pool width → build plate"),
    ]
    return pd.DataFrame(rows, columns=["technique", "smallest_m", "largest_m", "meaning"])


def length_scales_figure(seed: int = 0) -> Figure:
    """Horizontal bars on a log length axis (m): which length scales each technique sees."""
    df = length_scales(seed)
    fig, ax = new_figure(size=FIG_SIZE)
    y = np.arange(len(df))[::-1]
    for yi, (_, row), colour in zip(y, df.iterrows(), OKABE_ITO, strict=False):
        ax.plot([row["smallest_m"], row["largest_m"]], [yi, yi], color=colour, lw=14, solid_capstyle="butt")
        ax.text(row["largest_m"] * 1.6, yi, row["meaning"], va="center", fontsize=13)
    for x, name in ((1e-9, "1 nm"), (1e-6, "1 µm"), (1e-3, "1 mm")):
        ax.axvline(x, color="0.8", lw=1, zorder=0)
        ax.text(x, len(df) - 0.4, name, ha="center", fontsize=13, color="0.4")
    ax.set_yticks(y, df["technique"])
    ax.set_xscale("log")
    ax.set_xlim(1e-11, 1e2)
    ax.set_ylim(-0.6, len(df))
    ax.set_xlabel(label("Length", "m"))
    return close(fig)


def indentation_scatter() -> pd.DataFrame:
    """Per Cu/Cr material: number of indents, mean, standard deviation and coefficient of variation of the
    hardness (GPa), outliers removed by the data set's authors, and how many the full files hold."""
    red = book_data.load_nanoindentation(outliers=False)
    full = book_data.load_nanoindentation(outliers=True)
    out = red.groupby("material", sort=False)["hardness_GPa"].agg(n="size", mean="mean", sd="std").reset_index()
    out["cv_pct"] = 100 * out["sd"] / out["mean"]
    out["sem_GPa"] = out["sd"] / np.sqrt(out["n"])
    out["n_full"] = full.groupby("material", sort=False).size().to_numpy()
    return out


def indentation_scatter_figure() -> Figure:
    """Hardness of every indent in the four Cu/Cr materials (real), with mean ± 1 sd and the CV."""
    df = book_data.load_nanoindentation()
    stats = indentation_scatter()
    rng = np.random.default_rng(0)
    fig, axes = new_figure(2, size=FIG_SIZE, gridspec_kw={"width_ratios": [1.5, 1]})
    ax = axes[0]
    for i, (_, row) in enumerate(stats.iterrows()):
        h = df.loc[df["material"] == row["material"], "hardness_GPa"].to_numpy()
        ax.plot(i + rng.uniform(-0.28, 0.28, h.size), h, ".", ms=4, alpha=0.5, color=OKABE_ITO[i])
        ax.errorbar(i + 0.38, row["mean"], yerr=row["sd"], fmt="o", color="k", capsize=5, ms=7)
        ax.text(i, -0.35, f"CV {row['cv_pct']:.0f} %\nn = {row['n']}", ha="center", va="top", fontsize=12)
    ax.set_xticks(range(len(stats)), stats["material"])
    ax.set_ylim(-1.4, 4.5)
    ax.set_ylabel(label("Hardness H", "GPa"))
    ax.set_title("Cu/Cr nanoindentation (real)")
    ax = axes[1]
    for i, name in enumerate(stats["material"]):
        sub = df[df["material"] == name]
        ax.plot(sub["youngs_modulus_GPa"], sub["hardness_GPa"], ".", ms=4, alpha=0.5, color=OKABE_ITO[i],
                label=name)
    ax.set_xlabel(label("Young's modulus E", "GPa"))
    ax.set_ylabel(label("H", "GPa"))
    ax.set_title("E and H of each indent")
    ax.legend(fontsize=12, markerscale=3, loc="upper left")
    return close(fig)


EDS_LINES_KEV: dict[str, float] = {"C Kα": 0.2774, "Mn Lα": 0.6332, "Al Kα": 1.4865, "Zr Lα": 2.0423,
                                   "Mn Kα": 5.8987, "Cu Kα": 8.0478}


def eds_line_counts() -> dict[str, NetCounts]:
    """Net counts and Poisson σ of the main lines of the real TM002 spectrum (±1 FWHM windows, FWHM(E)
    from the detector's 130 eV at Mn Kα; Fiori & Newbury 1978)."""
    real = _eds_real()
    out = {}
    for name, e in EDS_LINES_KEV.items():
        fwhm = float(eds.detector_fwhm_eV(e, real.energy_resolution_mn_ka_eV)) / 1000
        out[name] = net_peak_counts(real.energy_keV, real.counts, e, fwhm)
    return out


def eds_counting_figure() -> Figure:
    """Real TM002 spectrum around Cu Kα with its ±√N band, and relative precision of each line vs 1/√N."""
    real = _eds_real()
    lines = eds_line_counts()
    fig, axes = new_figure(2, size=FIG_SIZE, gridspec_kw={"width_ratios": [1.4, 1]})
    ax = axes[0]
    sel = (real.energy_keV > 6.9) & (real.energy_keV < 8.8)
    e, c = real.energy_keV[sel], real.counts[sel].astype(float)
    ax.fill_between(e, c - np.sqrt(c), c + np.sqrt(c), color=OKABE_ITO[4], alpha=0.6, label="±√N")
    ax.plot(e, c, color=OKABE_ITO[0], lw=1.5, label="counts")
    cu = lines["Cu Kα"]
    ax.annotate(f"Cu Kα: N = {cu.net:,.0f} ± {cu.sigma:.0f}", (EDS_LINES_KEV["Cu Kα"], c.max()), xytext=(-40, 8),
                textcoords="offset points", fontsize=13, ha="center")
    ax.set_ylim(0, 1.3 * c.max())
    ax.set_xlabel(label("Energy", "keV"))
    ax.set_ylabel(label("Counts", "per 10 eV"))
    ax.set_title("EDS TM002 (real), 6.9–8.8 keV")
    ax.legend(loc="upper right", fontsize=13)
    ax = axes[1]
    n = np.logspace(2.5, 6, 50)
    ax.loglog(n, 100 / np.sqrt(n), color="0.5", ls="--", label="1/√N")
    for k, nc in enumerate(lines.values()):
        ax.loglog(nc.net, 100 * nc.relative_precision, "o", ms=10, color=OKABE_ITO[k % 7])
    ax.annotate("Cu Kα", (lines["Cu Kα"].net, 100 * lines["Cu Kα"].relative_precision), xytext=(8, 2),
                textcoords="offset points", fontsize=13)
    big = [nc for name, nc in lines.items() if name != "Cu Kα"]
    ax.annotate(f"{len(big)} lines with\n{min(b.net for b in big) / 1e3:.0f}–{max(b.net for b in big) / 1e3:.0f}"
                "·10³ counts", (big[0].net, 100 * big[0].relative_precision), xytext=(-10, 28),
                textcoords="offset points", fontsize=13, ha="center")
    ax.set_xlabel("Net counts N in the line")
    ax.set_ylabel(label("Relative σ", "%"))
    ax.set_title("precision of each line")
    ax.legend(loc="lower left", fontsize=13)
    return close(fig)


@dataclass(frozen=True)
class DoseSeries:
    """Micrographs of one polycrystal at several doses, with the measured per-pixel SNR in grain interiors."""

    doses_e_per_px: tuple[float, ...]
    images: tuple[np.ndarray, ...]
    snr: tuple[float, ...]
    variance_to_mean: tuple[float, ...]
    mean_yield: float
    frame_time_s: tuple[float, ...]
    pixel_size_um: float


def dose_series(doses: tuple[float, ...] = (2.0, 20.0, 200.0, 2000.0), seed: int = 0) -> DoseSeries:
    """Acquire one synthetic polycrystal (yield 0.55–0.85) at several electron doses (Poisson shot noise,
    no PSF) and measure SNR = mean/sd and variance/mean of the counts inside grains (Reimer 1998)."""
    if not doses or min(doses) <= 0:
        raise ValueError(f"doses must be positive, got {doses!r}")
    pc = micrographs.polycrystal(size=128, n_grains=20, pixel_size_um=0.5, groove_depth=0.8, seed=seed)
    images, snr, vmr, times = [], [], [], []
    for k, dose in enumerate(doses):
        acq = imaging.acquire(pc.image, pc.pixel_size_um, dose=dose, seed=seed + k)
        stats = variance_to_mean(acq.counts, pc.labels, min_pixels=30, erode_px=4)
        images.append(acq.image)
        snr.append(float(np.mean(stats["mean_counts"] / np.sqrt(stats["variance_counts"]))))
        vmr.append(float(np.mean(stats["variance_counts"] / stats["mean_counts"])))
        times.append(frame_time_s(1024 * 1024, dose))
    inner = variance_to_mean(pc.image, pc.labels, min_pixels=30, erode_px=4)
    return DoseSeries(doses_e_per_px=tuple(float(d) for d in doses), images=tuple(images), snr=tuple(snr),
                      variance_to_mean=tuple(vmr), mean_yield=float(inner["mean_counts"].mean()),
                      frame_time_s=tuple(times), pixel_size_um=pc.pixel_size_um)


def dose_noise_figure(series: DoseSeries | None = None, seed: int = 0) -> Figure:
    """Four doses of one micrograph and the measured SNR against √(dose × yield)."""
    s = series if series is not None else dose_series(seed=seed)
    fig = new_figure(size=(11.0, 3.3))[0]
    fig.clf()
    grid = fig.add_gridspec(1, len(s.doses_e_per_px) + 1, width_ratios=[1] * len(s.doses_e_per_px) + [1.5])
    for k, (dose, img) in enumerate(zip(s.doses_e_per_px, s.images, strict=True)):
        ax = fig.add_subplot(grid[0, k])
        show_image(ax, img, title=f"{dose:g} e⁻/px", vmin=0, vmax=1)
        ax.set_xlabel(f"SNR {s.snr[k]:.1f}", fontsize=14)
    ax = fig.add_subplot(grid[0, -1])
    d = np.logspace(0, 3.5, 40)
    ax.loglog(d, np.sqrt(d * s.mean_yield), color="0.5", ls="--", label="√(dose·yield)")
    ax.loglog(s.doses_e_per_px, s.snr, "o", color=OKABE_ITO[5], ms=10, label="measured")
    ax.set_xlabel(label("Dose", "e⁻/px"))
    ax.set_ylabel("SNR in grains")
    ax.legend(fontsize=12, loc="upper left")
    return close(fig)


# --------------------------------------------------------------------------------------------------
# Models and failure modes
# --------------------------------------------------------------------------------------------------

def physics_vs_forest_figure(result: PhysicsVsForest) -> Figure:
    """Density-corrected yield strength σ_y/ρ⁴ against λ^−1/2: training (slow scans), extrapolation (fast
    scans), the Hall–Petch line and the forest's predictions; MAE per model and test set."""
    s = result.specimens
    x = 1 / np.sqrt(s["cell_size_um"])
    rho4 = (s["relative_density_pct"] / 100) ** 4
    train = s["train"].to_numpy()
    fig, axes = new_figure(2, size=FIG_SIZE, gridspec_kw={"width_ratios": [1.45, 1]})
    ax = axes[0]
    ax.plot(x[train], (s["yield_strength_MPa"] / rho4)[train], "o", color="0.6", ms=6,
            label=f"train: v ≤ {result.split_speed_mm_s:g} mm/s")
    ax.plot(x[~train], (s["yield_strength_MPa"] / rho4)[~train], "o", color=OKABE_ITO[0], ms=6, mfc="none",
            label="test: faster scans")
    grid = np.linspace(x.min(), x.max(), 50)
    ax.plot(grid, result.sigma0_MPa + result.k_MPa_sqrt_um * grid, color=OKABE_ITO[2], lw=3,
            label="Hall–Petch fit")
    ax.plot(x[~train], (s["forest_MPa"] / rho4)[~train], "^", color=OKABE_ITO[5], ms=6,
            label="forest on (P, v, …)")
    ax.set_xlabel(r"Cell size $\lambda^{-1/2}$ (µm$^{-1/2}$)")
    ax.set_ylabel(label("σ_y / ρ⁴", "MPa"))
    ax.legend(fontsize=12, loc="upper left")
    ax = axes[1]
    parts = ("cv", "extrapolation", "recrystallised")
    names = ("CV\ninside", "faster\nscans", "annealed\n≥ 1050 °C")
    pos = np.arange(len(parts))
    for j, (model, colour) in enumerate((("hall_petch", OKABE_ITO[2]), ("forest", OKABE_ITO[5]))):
        vals = [result.mae_MPa[(model, p)] for p in parts]
        bars = ax.bar(pos + (j - 0.5) * 0.38, vals, 0.38, color=colour,
                      label="Hall–Petch" if model == "hall_petch" else "forest")
        ax.bar_label(bars, fmt="%.0f", fontsize=12)
    ax.set_yscale("log")
    ax.set_ylim(5, 900)
    ax.set_xticks(pos, names, fontsize=13)
    ax.set_ylabel(label("MAE", "MPa"))
    ax.legend(fontsize=12, loc="upper left")
    return close(fig)


def batch_offsets_figure(offsets: pd.DataFrame) -> Figure:
    """Mean hardness residual per build (± standard error of the build mean) around the mean of all builds;
    marker colour = layer thickness, which is fixed per build (so its effect and the build's are confounded)."""
    fig, ax = new_figure(size=FIG_SIZE)
    dev = offsets["residual_HV"] - offsets["residual_HV"].mean()
    ax.axhline(0, color="0.7", lw=1)
    ax.errorbar(offsets["build_index"], dev, yerr=offsets["sem_HV"], fmt="none", ecolor="0.4", capsize=4)
    for colour, layer in zip(OKABE_ITO, sorted(offsets["layer_um"].unique()), strict=False):
        sub = offsets["layer_um"] == layer
        ax.plot(offsets.loc[sub, "build_index"], dev[sub], "o", ms=12, color=colour, label=f"layer {layer:g} µm")
    ax.set_xticks(offsets["build_index"], offsets["build_id"], fontsize=12)
    ax.set_xlabel("Build (one every 4 days, powder reused)")
    ax.set_ylabel(label("Build offset", "HV"))
    ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=13)
    return close(fig)


def leakage_figure(scores: pd.DataFrame, baseline_mae: float | None = None) -> Figure:
    """Cross-validated MAE of one forest under a random row split and under grouped splits; ``baseline_mae``
    (e.g. the MAE of predicting the mean hardness) is drawn as a dotted line: the trivial score to beat."""
    fig, ax = new_figure(size=(11.0, 3.9))
    colours = [OKABE_ITO[5]] + [OKABE_ITO[2]] * (len(scores) - 1)
    bars = ax.barh(scores["split"][::-1], scores["mae"][::-1], color=colours[::-1])
    ax.bar_label(bars, labels=[f"MAE {m:.1f} HV, R² {r:.2f}" for m, r in zip(scores["mae"][::-1], scores["r2"][::-1],
                                                                          strict=True)], padding=6, fontsize=14)
    right = scores["mae"].max() * 1.7
    if baseline_mae is not None:
        ax.axvline(baseline_mae, color="black", linestyle=":", linewidth=2,
                   label=f"predict the mean: {baseline_mae:.0f} HV")
        ax.legend(loc="lower right", fontsize=13)
        right = max(right, baseline_mae * 1.35)
    ax.set_xlim(0, right)
    ax.set_xlabel(label("Cross-validated MAE of hardness", "HV"))
    return close(fig)


__all__ = [
    "EDS_LINES_KEV", "ELEMENTARY_CHARGE_C", "MICROGRAPH_PIXEL_UM", "PROBE_CURRENT_A", "DoseSeries",
    "batch_offsets_figure", "cost_table", "cost_vs_samples_figure", "dose_noise_figure", "dose_series",
    "eds_counting_figure", "eds_line_counts", "eds_live_real_s", "frame_time_s", "image_modalities_figure",
    "indentation_scatter", "indentation_scatter_figure", "leakage_figure", "length_scales",
    "length_scales_figure", "modality_facts", "physics_vs_forest_figure", "process_modalities_figure",
    "sample_hierarchy", "sample_hierarchy_figure", "spectra_modalities_figure",
]
