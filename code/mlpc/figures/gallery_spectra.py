"""Gallery figures for spectra and spectrum images: XRD of real structures and Scherrer broadening,
EDS (synthetic and the two real ``exspy`` spectra), core-loss EELS, and an EDS spectrum image with its
answer key (:mod:`mlpc.datasets.xrd`, :mod:`~mlpc.datasets.eds`, :mod:`~mlpc.datasets.eels`,
:mod:`~mlpc.datasets.spectrum_images`)."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from mlpc.datasets.eds import MeasuredEDSSpectrum, eds_sem_tm002, eds_spectrum, eds_tem_fept
from mlpc.datasets.eels import eels_spectrum, fit_power_law
from mlpc.datasets.spectrum_images import spectrum_image
from mlpc.datasets.xrd import fit_peak, scherrer_fwhm_deg, xrd_pattern
from mlpc.plotting import CATEGORICAL_CMAP, OKABE_ITO, SLIDE_SIZE_TALL, close, label, new_figure, show_image

_XRD_PHASES = (("Fe-bcc", "bcc Fe (ferrite)"), ("Al", "fcc Al"), ("Cu", "fcc Cu"), ("Ni", "fcc Ni"),
               ("Ti-hcp", "hcp Ti"), ("duplex-steel", "ferrite + 50% austenite"))


def _hkl_text(hkl: tuple[int, ...]) -> str:
    return "".join(f"{i}" if i >= 0 else rf"$\bar{{{-i}}}$" for i in hkl)


def xrd_structures_figure(seed: int = 0) -> Figure:
    """Cu Kα patterns of the real structures (pymatgen): synthetic profile, sticks and hkl of strong peaks."""
    fig, ax = new_figure(size=SLIDE_SIZE_TALL)
    offset = 0.0
    for i, (name, title) in enumerate(_XRD_PHASES):
        p = xrd_pattern(name, crystallite_size_nm=40.0, two_theta_range_deg=(30.0, 120.0), peak_counts=1000.0,
                        background_counts=40.0, seed=seed + i)
        colour = OKABE_ITO[i % 7]
        ax.plot(p.two_theta_deg, p.counts + offset, color=colour, lw=1.4)
        for pk in p.peaks:
            ax.vlines(pk.two_theta_deg, offset, offset - 3.0 * pk.relative_intensity, color=colour, lw=1.5)
            if pk.relative_intensity >= 20 and name != "duplex-steel":
                ax.text(pk.two_theta_deg, offset + 1000.0 * pk.relative_intensity / 100 + 100,
                        _hkl_text(pk.hkl), ha="center", va="bottom", fontsize=10, color=colour, rotation=90)
        ax.text(121.0, offset + 80, title, fontsize=12, color=colour, va="bottom")
        offset += 1900.0
    ax.set_xlim(30, 140)
    ax.set_yticks([])
    ax.set_xlabel(label("2θ (Cu Kα)", "°"))
    ax.set_ylabel("Counts (offset), sticks below")
    ax.set_title("Every phase has its own Bragg fingerprint: positions from d, heights from |F|²")
    return close(fig)


def xrd_scherrer_figure(seed: int = 0) -> Figure:
    """bcc Fe (110) for three crystallite sizes: smaller crystals, broader peaks (Scherrer 1918)."""
    fig, (ax, ax2) = new_figure(ncols=2, gridspec_kw={"width_ratios": [1.6, 1.0]})
    sizes = (5.0, 15.0, 60.0)
    fitted = []
    for i, size in enumerate(sizes):
        p = xrd_pattern("Fe-bcc", crystallite_size_nm=size, two_theta_range_deg=(38.0, 52.0), step_deg=0.01,
                        kalpha2=False, peak_counts=4000.0, background_counts=60.0, seed=seed + i)
        area = np.trapezoid(p.expected_counts - p.background_counts, p.two_theta_deg)
        ax.plot(p.two_theta_deg, (p.counts - p.background_counts) / area, color=OKABE_ITO[i], lw=1.6,
                label=f"L = {size:g} nm")
        fitted.append(fit_peak(p.two_theta_deg, p.counts, 44.67, half_window_deg=6.0).fwhm_deg)
    ax.set_xlim(40, 49)
    ax.set_xlabel(label("2θ (Cu Kα1)", "°"))
    ax.set_ylabel(label("Intensity / area", "1/°"))
    ax.set_title("bcc Fe (110), equal areas")
    ax.legend()
    inv_l = np.linspace(0.0, 0.22, 50)
    ax2.plot(inv_l, scherrer_fwhm_deg(44.67, 1.0) * inv_l, color=OKABE_ITO[7], lw=1.5,
             label="Scherrer Kλ/(L cos θ)")
    ax2.plot(1.0 / np.array(sizes), fitted, "o", color=OKABE_ITO[5], label="fitted FWHM")
    ax2.set_xlabel(label("1 / L", "1/nm"))
    ax2.set_ylabel(label("FWHM", "°"))
    ax2.set_title("Width ∝ 1/L (+ instrument)")
    ax2.legend(fontsize=12)
    return close(fig)


def _label_lines(ax, energy_keV, counts, lines, min_gap_keV: float = 0.15) -> None:
    """Label the α lines, strongest first, skipping a line closer than ``min_gap_keV`` to a labelled one."""
    candidates = []
    for ln in lines:
        window = np.abs(energy_keV - ln.energy_keV) < 0.05
        if ln.line in ("Ka", "La", "Ma") and window.any():
            candidates.append((float(np.max(counts[window])), ln))
    placed: list[float] = []
    for top, ln in sorted(candidates, key=lambda c: -c[0]):
        if any(abs(ln.energy_keV - e) < min_gap_keV for e in placed):
            continue
        placed.append(ln.energy_keV)
        ax.annotate(f"{ln.element} {ln.line[0]}α", (ln.energy_keV, max(top, 1.0)), xytext=(0, 8),
                    textcoords="offset points", ha="center", fontsize=11, rotation=90)


def eds_synthetic_figure(seed: int = 0) -> Figure:
    """Synthetic EDS of 304 stainless steel at 20 kV: Kramers continuum, lines, detector resolution."""
    s = eds_spectrum(seed=seed, total_counts=5e5)
    fig, ax = new_figure()
    ax.semilogy(s.energy_keV, np.maximum(s.counts, 0.5), color=OKABE_ITO[0], lw=1.2, label="counts")
    ax.semilogy(s.energy_keV, np.maximum(s.continuum_counts, 0.5), color=OKABE_ITO[1], lw=2, ls="--",
                label="Kramers continuum × absorption")
    _label_lines(ax, s.energy_keV, s.counts, s.lines)
    ax.axvline(s.beam_energy_keV, color=OKABE_ITO[7], lw=1, ls=":")
    ax.text(s.beam_energy_keV - 0.2, 300.0, "E0 = 20 keV:\nDuane–Hunt limit", ha="right", fontsize=12)
    ax.set_xlim(0, 20.5)
    ax.set_ylim(0.8, float(s.counts.max()) * 20)
    ax.set_xlabel(label("Energy", "keV"))
    ax.set_ylabel("Counts per 10 eV channel")
    ax.set_title("EDS of 304 stainless steel: lines on a continuum that ends at E0")
    ax.legend(loc="upper right", bbox_to_anchor=(1.0, 0.85))
    return close(fig)


def _plot_real(ax, s: MeasuredEDSSpectrum, title: str, colour: str) -> None:
    ax.semilogy(s.energy_keV, np.maximum(s.counts, 0.5), color=colour, lw=1.2)
    _label_lines(ax, s.energy_keV, s.counts, s.lines)
    ax.set_xlabel(label("Energy", "keV"))
    ax.set_ylabel("Counts")
    ax.set_ylim(0.8, float(s.counts.max()) * 8)
    ax.set_title(title, fontsize=15)


def eds_real_figure(seed: int = 0) -> Figure:
    """The two real ``exspy`` spectra (BAM EDS-TM002 in an SEM at 10 kV; FePt particles in STEM at 200 kV)."""
    del seed  # real data: nothing random
    fig, (ax1, ax2) = new_figure(ncols=2, size=SLIDE_SIZE_TALL)
    tm = eds_sem_tm002()
    fept = eds_tem_fept()
    _plot_real(ax1, tm, f"SEM, {tm.beam_energy_keV:g} kV: BAM EDS-TM002", OKABE_ITO[0])
    _plot_real(ax2, fept, f"STEM, {fept.beam_energy_keV:g} kV: FePt particles", OKABE_ITO[5])
    cu = np.abs(fept.energy_keV - 8.05) < 0.05
    ax2.annotate("Cu Kα (grid)", (8.05, float(fept.counts[cu].max())), xytext=(0, 8),
                 textcoords="offset points", ha="center", fontsize=11, rotation=90)
    ax1.set_xlim(0, 10.2)
    ax2.set_xlim(0, 20)
    return close(fig)


def eels_figure(seed: int = 0) -> Figure:
    """Core-loss EELS of TiO2: Ti L2,3 white lines and O K edge on a power-law background (Egerton 2011)."""
    s = eels_spectrum(seed=seed)
    e = s.energy_loss_eV
    a, r = fit_power_law(e, s.counts, (390.0, 445.0))
    fig, ax = new_figure()
    ax.plot(e, s.counts, color=OKABE_ITO[0], lw=1.2, label="counts")
    ax.plot(e, a * e ** (-r), color=OKABE_ITO[1], lw=2, ls="--", label=f"fitted A·E^(−r), r = {r:.2f}")
    ax.axvspan(390.0, 445.0, color=OKABE_ITO[1], alpha=0.12, label="background window")
    for edge in s.edges:
        i = np.argmin(np.abs(e - edge.onset_eV))
        ax.annotate(f"{edge.element} {edge.shell}\n{edge.onset_eV:g} eV", (edge.onset_eV, s.counts[i]),
                    xytext=(-25, 25), textcoords="offset points", ha="right", fontsize=13,
                    arrowprops={"arrowstyle": "->"})
    ax.set_ylim(0, float(s.counts.max()) * 1.3)
    ax.set_xlabel(label("Energy loss", "eV"))
    ax.set_ylabel("Counts per 0.25 eV channel")
    ax.set_title("EELS of TiO2: edges at their onsets on a power-law background")
    ax.legend(loc="upper right")
    return close(fig)


def spectrum_image_figure(seed: int = 0) -> Figure:
    """An EDS spectrum image (ferrite + MnS + Al2O3): true abundance maps, phase map and end-members."""
    si = spectrum_image((64, 64), kind="eds", seed=seed)
    k = len(si.endmember_names)
    fig, axes = new_figure(ncols=k + 1, nrows=2, size=SLIDE_SIZE_TALL)
    for j, name in enumerate(si.endmember_names):
        im = show_image(axes[0, j], si.abundances[..., j], pixel_size=si.pixel_size_um, cmap="viridis",
                        vmin=0, vmax=1, title=name)
        axes[0, j].set_title(name, fontsize=13)
        axes[0, j].set_xlabel(label("x", "µm"), fontsize=12)
        axes[0, j].set_ylabel(label("y", "µm") if j == 0 else "", fontsize=12)
    fig.colorbar(im, ax=axes[0, :k], shrink=0.8, label="abundance")
    show_image(axes[0, k], si.phase_map, pixel_size=si.pixel_size_um, cmap=CATEGORICAL_CMAP, vmin=0,
               vmax=CATEGORICAL_CMAP.N - 1)
    axes[0, k].set_title("majority phase", fontsize=13)
    axes[0, k].set_xlabel(label("x", "µm"), fontsize=12)
    axes[0, k].set_ylabel("")
    gs = axes[1, 0].get_gridspec()
    for ax in axes[1, :]:
        ax.remove()
    ax = fig.add_subplot(gs[1, :])
    for j, name in enumerate(si.endmember_names):
        ax.plot(si.axis, si.endmembers[j] * si.dose_counts_per_pixel, color=OKABE_ITO[j], lw=1.6, label=name)
    ax.plot(si.axis, si.cube[32, 32], color=OKABE_ITO[7], lw=0.8, alpha=0.6, label="one pixel (counts)")
    ax.set_yscale("log")
    ax.set_ylim(0.05, None)
    ax.set_xlabel(label("Energy", "keV"))
    ax.set_ylabel("Counts per channel")
    ax.legend(fontsize=11, ncols=2, loc="upper right")
    return close(fig)


__all__ = ["xrd_structures_figure", "xrd_scherrer_figure", "eds_synthetic_figure", "eds_real_figure",
           "eels_figure", "spectrum_image_figure"]
