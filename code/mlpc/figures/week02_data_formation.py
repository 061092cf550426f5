"""Figures of week 2, "Physics of data formation": how probe, detector, scan and sampling make an image,
what the noise is, and how PCA separates signal from noise in a spectrum image.

Each function returns a :class:`matplotlib.figure.Figure` in the course style and takes ``seed`` where
anything is random. The physics lives in :mod:`mlpc.datasets.imaging`, :mod:`mlpc.sem_contrast`,
:mod:`mlpc.counting_statistics`, :mod:`mlpc.fourier` and :mod:`mlpc.low_rank` (sources in their
docstrings); the ``*_numbers`` functions return the values the slides quote, computed by the same code.
"""

from __future__ import annotations

import functools

import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from mlpc import counting_statistics as cs
from mlpc import fourier, low_rank, sem_contrast
from mlpc.datasets import imaging, micrographs
from mlpc.datasets.eds import detector_fwhm_eV
from mlpc.datasets.spectrum_images import SpectrumImage, spectrum_image
from mlpc.plotting import OKABE_ITO, SLIDE_SIZE, close, label, new_figure, show_image

#: SrTiO3 [001]: cubic lattice parameter a = 0.3905 nm. The probe figure images the full column model
#: (Sr, Ti–O, O; ``lattice="perovskite"``); the sampling figures use a square lattice of one column per
#: cell with the same a, so that one reflection (1/a) carries the lesson.
SRTIO3_A_NM = 0.3905


# --------------------------------------------------------------------------------------------------
# Image formation: chain, probe, contrast, artefacts
# --------------------------------------------------------------------------------------------------

@functools.lru_cache(maxsize=4)
def _polycrystal(seed: int) -> micrographs.Polycrystal:
    return micrographs.polycrystal(size=256, n_grains=40, pixel_size_um=0.1, growth_steps=2,
                                   groove_width_um=0.3, groove_depth=0.7, seed=seed)


def imaging_chain_figure(seed: int = 0) -> Figure:
    """One polycrystal through the chain of :func:`mlpc.datasets.imaging.acquire`: specimen → probe blur
    → scan jitter and drift → coarser pixels → Poisson counts."""
    pc = _polycrystal(seed)
    px = pc.pixel_size_um
    blurred = imaging.gaussian_psf(pc.image, 0.5, px)
    scanned = imaging.drift(imaging.scan_jitter(blurred, 1.0, seed=seed), (0.04, 0.0))
    sampled = imaging.downsample(scanned, 2, antialias=False)
    counts = imaging.shot_noise(sampled, 10.0, seed=seed)
    stages = [(pc.image, px, "specimen"), (blurred, px, "probe 0.5 µm"), (scanned, px, "scan: jitter, drift"),
              (sampled, 2 * px, "pixels 0.2 µm"), (counts, 2 * px, "counts: 10 e⁻/px")]
    fig, axes = new_figure(5, size=(12.0, 3.4))
    for ax, (img, _, title) in zip(axes, stages, strict=True):
        show_image(ax, img, None, title=title)
    return close(fig)


def probe_resolution_figure(seed: int = 0, probe_fwhm_nm: tuple[float, ...] = (0.1, 0.2, 0.35)) -> Figure:
    """SrTiO3 [001] (Sr, Ti–O and O columns, a = 0.3905 nm, columns 0.08 nm wide) on a fine 0.02 nm pixel,
    blurred by probes of increasing FWHM at the same dose, on one grey scale; right: a profile through one
    row of Sr columns (intensity / mean)."""
    lat = micrographs.lattice_image(160, pixel_size_nm=0.02, spacing_nm=SRTIO3_A_NM, column_fwhm_nm=0.08,
                                    lattice="perovskite", column_scatter=0.0, seed=seed)
    crop = slice(40, 120)
    images = [imaging.gaussian_psf(lat.image, f, lat.pixel_size_nm)[crop, crop] for f in probe_fwhm_nm]
    images = [img / img.mean() for img in images]
    top = max(img.max() for img in images)
    fig, axes = new_figure(len(probe_fwhm_nm) + 1, size=(12.0, 4.4),
                           gridspec_kw={"width_ratios": [1] * len(probe_fwhm_nm) + [1.5]})
    x = (np.arange(80) + 0.5) * lat.pixel_size_nm
    row = int(np.argmax(lat.image[crop, crop].max(axis=1)))
    for i, (ax, fwhm, img) in enumerate(zip(axes[:-1], probe_fwhm_nm, images, strict=True)):
        show_image(ax, img, lat.pixel_size_nm, unit="nm", title=f"probe {fwhm:g} nm", vmin=0, vmax=top)
        if i:
            ax.set_ylabel("")
            ax.set_yticklabels([])
        axes[-1].plot(x, img[row], color=OKABE_ITO[i], label=f"{fwhm:g} nm")
    axes[-1].set_xlabel(label("x", "nm"))
    axes[-1].set_ylabel(label("intensity / mean", None))
    axes[-1].legend(title="probe FWHM", loc="lower center", bbox_to_anchor=(0.5, 1.0), fontsize=12,
                    title_fontsize=12, ncol=3)
    return close(fig)


def probe_modulation(probe_fwhm_nm: float, spacing_nm: float = SRTIO3_A_NM) -> float:
    """Transfer of the lattice fundamental 1/d through a Gaussian probe: MTF = exp(−2π²σ²/d²)."""
    sigma = probe_fwhm_nm / imaging.FWHM_PER_SIGMA
    return float(np.exp(-2 * np.pi**2 * sigma**2 / spacing_nm**2))


def _noisy(yield_map: np.ndarray, dose: float, fwhm_um: float, px: float, seed: int) -> np.ndarray:
    return imaging.acquire(yield_map, px, psf_fwhm=fwhm_um, dose=dose, seed=seed).image


def se_bse_figure(seed: int = 0, dose_e_per_px: float = 10000.0) -> Figure:
    """A polished Al–Si–Cu section: phases (truth), the SE image (topography: Si relief, scratch) and the
    BSE image (atomic number: θ-Al2Cu bright, Si barely above Al), both with probe blur and Poisson noise
    at ``dose_e_per_px`` incident electrons per pixel (SE yield δ₀ = 0.1 on flat ground, the order of
    magnitude for metals at 10–30 keV; Reimer 1998)."""
    sec = sem_contrast.alsicu_section(seed=seed)
    px = sec.pixel_size_um
    se = _noisy(0.1 * sec.se_yield, dose_e_per_px, 0.1, px, seed)
    bse = _noisy(sec.bse_yield, dose_e_per_px, 0.1, px, seed + 1)
    fig, axes = new_figure(3, size=SLIDE_SIZE)
    colours = ["#DDDDDD", OKABE_ITO[0], OKABE_ITO[1]]
    show_image(axes[0], sec.phase_map, px, cmap=ListedColormap(colours), vmin=-0.5, vmax=2.5, title="phases")
    axes[0].legend(handles=[Patch(color=c, label=n) for c, n in zip(colours, sec.phase_names, strict=True)],
                   loc="lower left", fontsize=12, frameon=True, framealpha=0.9)
    show_image(axes[1], se, px, title="SE: topography")
    show_image(axes[2], bse, px, title="BSE: atomic number")
    for ax in axes[1:]:
        ax.set_ylabel("")
    return close(fig)


def contrast_numbers(dose_e_per_px: float = 10000.0) -> dict[str, float]:
    """BSE coefficients of the Al–Si–Cu phases, their contrast against α-Al and the detected BSE counts
    per pixel the Rose criterion asks for; plus the detected counts of α-Al at ``dose_e_per_px``."""
    eta = {n: sem_contrast.compound_backscatter(c) for n, c in sem_contrast.ALSICU_PHASES.items()}
    al = eta["α-Al"]
    out = {f"eta {n}": v for n, v in eta.items()}
    for name in ("eutectic Si", "θ-Al2Cu"):
        c = (eta[name] - al) / al
        out[f"contrast {name}"] = c
        out[f"rose counts {name}"] = sem_contrast.rose_counts(c)
    out["detected counts α-Al"] = dose_e_per_px * al
    return out


def channelling_figure(seed: int = 0, dose_e_per_px: float = 20000.0) -> Figure:
    """A flat-polished single-phase Cu polycrystal: the SE image is featureless (no topography), the BSE
    image shows the grains by channelling (orientation) contrast of ±3 %, plus a profile across grains."""
    pc = micrographs.polycrystal(size=192, n_grains=25, pixel_size_um=0.25, groove_depth=0.0, seed=seed)
    px = pc.pixel_size_um
    eta_cu = float(sem_contrast.backscatter_coefficient(sem_contrast.ATOMIC_NUMBER["Cu"]))
    bse_yield = sem_contrast.channelling_yield(pc.labels, eta_cu, amplitude=0.03, seed=seed)
    se = _noisy(np.full(pc.labels.shape, 0.1), dose_e_per_px, 0.2, px, seed)
    bse = _noisy(bse_yield, dose_e_per_px, 0.2, px, seed + 1)
    fig, axes = new_figure(3, size=SLIDE_SIZE, gridspec_kw={"width_ratios": [1, 1, 1.3]})
    show_image(axes[0], se, px, title="SE: flat, nothing")
    show_image(axes[1], bse, px, title="BSE: grains")
    axes[1].set_ylabel("")
    row = pc.labels.shape[0] // 2
    axes[1].axhline(row * px, color=OKABE_ITO[1], lw=2)
    x = (np.arange(pc.labels.shape[1]) + 0.5) * px
    axes[2].plot(x, bse[row] / eta_cu, color=OKABE_ITO[7], lw=1.2, label="measured")
    axes[2].plot(x, bse_yield[row] / eta_cu, color=OKABE_ITO[1], label="channelling truth")
    axes[2].set_xlabel(label("x", "µm"))
    axes[2].set_ylabel(label("BSE / η(Cu)", None))
    axes[2].legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, fontsize=13)
    return close(fig)


def artefacts_figure(seed: int = 0) -> Figure:
    """A polished AM section (pores, a lack-of-fusion void, oxide inclusions) as scanned ideally, with
    drift, with scan-line jitter, and with charging of the insulating oxide inclusions. Artefacts are
    applied to a larger field and cropped, so that no edge effects of the simulation show."""
    d = micrographs.defects(size=256, pixel_size_um=1.0, n_gas_pores=14, n_lack_of_fusion=1, n_inclusions=10,
                            n_cracks=1, seed=seed)
    img = imaging.gaussian_psf(d.image, 1.5, d.pixel_size_um)
    panels = [
        (img, "ideal scan"),
        (imaging.drift(img, (0.12, 0.06)), "drift"),
        (imaging.scan_jitter(img, 1.2, seed=seed), "scan jitter"),
        (sem_contrast.charging_artefact(img, d.masks["inclusion"], strength=0.8, leak_px=60.0), "charging"),
    ]
    fig, axes = new_figure(4, size=(12.0, 3.9))
    for ax, (im, title) in zip(axes, panels, strict=True):
        show_image(ax, im[:192, :192], None, title=title, vmin=0, vmax=1)
    return close(fig)


# --------------------------------------------------------------------------------------------------
# Noise
# --------------------------------------------------------------------------------------------------

def dose_series_figure(seed: int = 0, doses: tuple[float, ...] = (2.0, 20.0, 200.0)) -> Figure:
    """The polycrystal (yield 0.2–0.85) at increasing dose, and the per-grain variance of the counts
    against their mean: on the line variance = mean, as Poisson statistics demands."""
    pc = _polycrystal(seed)
    interior = ~np.asarray(imaging.gaussian_psf(pc.boundaries.astype(float), 0.6, pc.pixel_size_um) > 0.01)
    fig, axes = new_figure(len(doses) + 1, size=SLIDE_SIZE,
                           gridspec_kw={"width_ratios": [1] * len(doses) + [1.4]})
    for i, (ax, dose) in enumerate(zip(axes[:-1], doses, strict=True)):
        counts = imaging.shot_noise(pc.image, dose, seed=seed + i)
        show_image(ax, counts, None, title=f"{dose:g} e⁻/px")
        means, variances = [], []
        for g in range(pc.n_grains):
            sel = (pc.labels == g) & interior
            if sel.sum() > 30:
                means.append(counts[sel].mean())
                variances.append(counts[sel].var(ddof=1))
        axes[-1].loglog(means, variances, "o", color=OKABE_ITO[i], ms=6, label=f"{dose:g} e⁻/px")
    lim = np.array([0.5, 300])
    axes[-1].loglog(lim, lim, color=OKABE_ITO[7], lw=1.5, label="variance = mean")
    axes[-1].set_xlabel(label("grain mean", "counts"))
    axes[-1].set_ylabel(label("grain variance", "counts²"))
    axes[-1].legend(fontsize=12, loc="upper left")
    return close(fig)


def photon_transfer_figure(seed: int = 0) -> Figure:
    """Photon-transfer curve of a simulated camera (gain 0.5 DN/e⁻, read noise 6 e⁻): temporal variance of
    flat-frame pairs against mean signal, with the fitted line and the read-noise and shot-noise parts."""
    ff = cs.flat_field_pairs(seed=seed)
    ptc = cs.photon_transfer(ff.frames, ff.offset_dn)
    fig, ax = new_figure(size=(9.5, 4.6))
    m = np.geomspace(ptc.mean_dn.min() * 0.7, ptc.mean_dn.max() * 1.3, 100)
    read_var = (ptc.gain_dn_per_e * ptc.read_noise_e) ** 2
    ax.loglog(ptc.mean_dn, ptc.variance_dn2, "o", color=OKABE_ITO[0], ms=9, label="flat-frame pairs")
    ax.loglog(m, ptc.gain_dn_per_e * m + read_var, color=OKABE_ITO[7], label="fit: g·mean + (g σ_read)²")
    ax.loglog(m, np.full_like(m, read_var), "--", color=OKABE_ITO[5], label="read noise")
    ax.loglog(m, ptc.gain_dn_per_e * m, ":", color=OKABE_ITO[2], label="shot noise (slope 1)")
    ax.set_xlabel(label("mean signal", "DN"))
    ax.set_ylabel(label("temporal variance", "DN²"))
    ax.legend(fontsize=14)
    return close(fig)


def anscombe_figure(seed: int = 0) -> Figure:
    """Variance of Poisson counts and of their Anscombe transform against the Poisson mean (10⁵ draws each):
    the raw variance grows with the mean, the transformed one sits at 1 above a few counts."""
    rng = np.random.default_rng(seed)
    lam = np.geomspace(0.1, 100, 25)
    raw, stab = [], []
    for m in lam:
        n = rng.poisson(m, 100_000)
        raw.append(n.var())
        stab.append(cs.anscombe(n).var())
    fig, ax = new_figure(size=(9.0, 4.3))
    ax.loglog(lam, raw, "o-", color=OKABE_ITO[5], label="counts: variance = mean")
    ax.loglog(lam, stab, "s-", color=OKABE_ITO[0], label="2√(counts + 3/8)")
    ax.axhline(1.0, color=OKABE_ITO[7], lw=1.2, ls="--")
    ax.set_xlabel(label("Poisson mean", "counts"))
    ax.set_ylabel(label("variance", None))
    ax.legend(fontsize=14)
    return close(fig)


#: The EDS line of the Poisson-fit example: S Kα of an MnS inclusion, 20 eV channels.
S_KA_KEV = 2.307


def _s_ka_window() -> tuple[np.ndarray, np.ndarray]:
    energy = np.arange(2.01, 2.61, 0.02)
    fwhm_keV = float(detector_fwhm_eV(S_KA_KEV)) / 1000.0
    return energy, cs.gaussian_line(energy, S_KA_KEV, fwhm_keV)


def poisson_fit_numbers(areas: tuple[float, ...] = (10, 30, 100, 1000), n_spectra: int = 400,
                        seed: int = 0) -> dict[str, np.ndarray]:
    """Relative bias and spread (%) of the fitted S Kα peak area for each method of
    :func:`mlpc.counting_statistics.fit_peak_area`, over ``n_spectra`` Poisson spectra per true area.
    Background per 20 eV channel: 0.5 + 0.5 × area / 100 counts."""
    energy, shape = _s_ka_window()
    rng = np.random.default_rng(seed)
    out: dict[str, list] = {f"{m} {s}": [] for m in cs.FIT_METHODS for s in ("bias", "spread")}
    for area in areas:
        lam = area * shape + 0.5 + 0.5 * area / 100.0
        counts = rng.poisson(lam, size=(n_spectra, energy.size))
        for m in cs.FIT_METHODS:
            a, _ = cs.fit_peak_area(counts, shape, m)
            out[f"{m} bias"].append(100 * (a.mean() / area - 1))
            out[f"{m} spread"].append(100 * a.std() / area)
    result = {k: np.array(v) for k, v in out.items()}
    result["area"] = np.array(areas, dtype=float)
    return result


def poisson_fit_draws(area: float = 30.0, n_spectra: int = 400, seed: int = 0) -> dict[str, np.ndarray]:
    """Fitted S Kα peak areas of ``n_spectra`` Poisson spectra of true area ``area`` (background as in
    :func:`poisson_fit_numbers`), one array per method of :func:`mlpc.counting_statistics.fit_peak_area`."""
    energy, shape = _s_ka_window()
    lam = area * shape + 0.5 + 0.5 * area / 100.0
    counts = np.random.default_rng(seed).poisson(lam, size=(n_spectra, energy.size))
    return {m: cs.fit_peak_area(counts, shape, m)[0] for m in cs.FIT_METHODS}


def poisson_fit_figure(seed: int = 0, area: float = 30.0, n_spectra: int = 400) -> Figure:
    """Left: distribution of the fitted area over ``n_spectra`` low-count S Kα windows (true area
    ``area``) for Poisson likelihood and "√N-weighted" least squares, truth and means marked; right:
    relative bias ± spread of the fitted area against the true area, 400 spectra each."""
    draws = poisson_fit_draws(area, n_spectra, seed + 1)
    nums = poisson_fit_numbers(seed=seed)
    fig, axes = new_figure(2, size=SLIDE_SIZE)
    names = {"poisson_mle": "Poisson likelihood", "neyman_lsq": "LSQ, σ² = counts",
             "ordinary_lsq": "LSQ, σ² = const"}
    colours = {"poisson_mle": OKABE_ITO[0], "neyman_lsq": OKABE_ITO[5], "ordinary_lsq": OKABE_ITO[2]}
    bins = np.linspace(0, 2.2 * area, 34)
    for m in ("poisson_mle", "neyman_lsq"):
        axes[0].hist(draws[m], bins=bins, histtype="stepfilled", alpha=0.35, color=colours[m],
                     edgecolor=colours[m], lw=2, label=f"{names[m]}: mean {draws[m].mean():.1f}")
        axes[0].axvline(draws[m].mean(), color=colours[m], lw=2.5, ls="--")
    axes[0].axvline(area, color="k", lw=2.5, label=f"truth A = {area:g}")
    axes[0].set_xlabel(label("fitted peak area A", "counts"))
    axes[0].set_ylabel(label("spectra", None))
    axes[0].legend(fontsize=12, loc="upper right")
    axes[0].set_ylim(0, axes[0].get_ylim()[1] * 1.45)
    axes[0].set_title(f"{n_spectra} spectra, true A = {area:g}", fontsize=16)
    for i, m in enumerate(cs.FIT_METHODS):
        axes[1].errorbar(nums["area"] * (1 + 0.06 * (i - 1)), nums[f"{m} bias"], yerr=nums[f"{m} spread"],
                         fmt="o-", color=colours[m], capsize=4, label=names[m])
    axes[1].axhline(0, color=OKABE_ITO[7], lw=1)
    axes[1].set_xscale("log")
    axes[1].set_xlabel(label("true peak area", "counts"))
    axes[1].set_ylabel(label("fitted / true − 1", "%"))
    axes[1].legend(fontsize=12, loc="lower right")
    axes[1].set_title(f"{len(nums['area'])} × 400 spectra", fontsize=16)
    return close(fig)


# --------------------------------------------------------------------------------------------------
# A real atomic-resolution image: calibration, drift, aliasing
# --------------------------------------------------------------------------------------------------

def _two_reflections(image: np.ndarray, pixel_nm: float, max_freq: float = 5.0) -> tuple[np.ndarray, np.ndarray]:
    pk = fourier.find_peaks(fourier.power_spectrum(image, pixel_nm), 6, max_freq=max_freq)
    g2 = next(p for p in pk[1:] if abs(p @ pk[0]) < 0.9 * np.linalg.norm(p) * np.linalg.norm(pk[0]))
    return pk[0], g2


def real_haadf_numbers(factor: int = 16) -> dict[str, float]:
    """The real MoS2 HAADF image (:func:`mlpc.datasets.real_data.load_haadf_mos2`): the three {100}
    spacings, the calibration factor and the scan drift of the whole image and of its top and bottom
    halves (:func:`mlpc.fourier.scan_distortion`, hexagonal a = 0.316 nm), and the spacing the {100}
    reflection shows after point sampling with ``factor`` times coarser pixels."""
    from mlpc.datasets import real_data

    im = real_data.load_haadf_mos2()
    px = im.pixel_size_nm
    pk = fourier.find_peaks(fourier.power_spectrum(im.image, px), 6, max_freq=5.0)
    d = np.sort(fourier.spacing_from_peak(pk)[::2])
    out = {"pixel_nm": px, "d_min_nm": float(d[0]), "d_max_nm": float(d[-1]), "d_mean_nm": float(d.mean()),
           "d_true_nm": real_data.MOS2_D100_NM}
    n = im.image.shape[0]
    for part, rows in (("", slice(None)), ("top ", slice(0, n // 2)), ("bottom ", slice(n // 2, n))):
        dist = fourier.scan_distortion(*_two_reflections(im.image[rows], px), real_data.MOS2_A_NM, 120.0)
        out[f"{part}scale"] = dist.scale
        out[f"{part}dx"] = dist.drift_x_px_per_line
        out[f"{part}dy"] = dist.drift_y_px_per_line
    coarse = imaging.downsample(im.image, factor, antialias=False)
    peak = fourier.find_peaks(fourier.power_spectrum(coarse, factor * px), 1)[0]
    out["coarse_pixel_nm"] = factor * px
    out["coarse_d_nm"] = float(fourier.spacing_from_peak(peak))
    alias = [fourier.aliased_frequency(g, factor * px) for g in pk[::2]]
    out["alias_predicted_d_nm"] = float(np.min([fourier.spacing_from_peak(a) for a in alias]))
    return out


def real_haadf_figure(factor: int = 16, crop_nm: float = 3.0) -> Figure:
    """Left: a crop of the real MoS2 HAADF image; middle: its power spectrum with the measured {100}
    reflections (crosses) and the circle where a = 0.316 nm puts them at the file's pixel size; right: the
    power spectrum of the image point-sampled ``factor`` times coarser: the true reflections (open circles)
    lie outside the Nyquist box (dashed) and show up where folding predicts (crosses)."""
    from mlpc.datasets import real_data

    im = real_data.load_haadf_mos2()
    px = im.pixel_size_nm
    c = int(round(crop_nm / px))
    fig, axes = new_figure(3, size=(12.0, 3.7))
    show_image(axes[0], im.image[:c, :c], px, unit="nm", title="real HAADF, MoS2")
    spec = fourier.power_spectrum(im.image, px)
    _show_spectrum(axes[1], spec, 5.0, "power spectrum")
    pk = fourier.find_peaks(spec, 6, max_freq=5.0)
    axes[1].plot(pk[:, 0], pk[:, 1], "x", color=OKABE_ITO[2], ms=10, mew=2.5)
    t = np.linspace(0, 2 * np.pi, 200)
    k = 1 / real_data.MOS2_D100_NM
    axes[1].plot(k * np.cos(t), k * np.sin(t), "--", color="white", lw=1.5)
    coarse = imaging.downsample(im.image, factor, antialias=False)
    cspec = fourier.power_spectrum(coarse, factor * px)
    _show_spectrum(axes[2], cspec, 5.0, f"FFT, pixel {factor * px:.2f} nm")
    ny = cspec.nyquist
    axes[2].plot([-ny, ny, ny, -ny, -ny], [-ny, -ny, ny, ny, -ny], color="white", lw=1.5, ls="--")
    axes[2].plot(pk[:, 0], pk[:, 1], "o", mfc="none", mec=OKABE_ITO[4], ms=12, mew=2)
    alias = np.array([fourier.aliased_frequency(g, factor * px) for g in pk])
    axes[2].plot(alias[:, 0], alias[:, 1], "x", color=OKABE_ITO[2], ms=10, mew=2.5)
    for ax in axes[1:]:
        ax.set_ylabel("")
    return close(fig)


# --------------------------------------------------------------------------------------------------
# Sampling and aliasing
# --------------------------------------------------------------------------------------------------

def nyquist_figure(spacing_nm: float = SRTIO3_A_NM, pixels_nm: tuple[float, ...] = (0.05, 0.18, 0.3)) -> Figure:
    """A lattice-fringe profile of period ``spacing_nm`` point-sampled at three pixel sizes; the samples
    of the coarsest follow a false, longer period (the alias, dashed)."""
    x = np.linspace(0, 3.0, 2000)
    fig, axes = new_figure(1, len(pixels_nm), size=(11.0, 5.2), sharex=True)
    for i, (ax, px) in enumerate(zip(axes, pixels_nm, strict=True)):
        ax.plot(x, np.cos(2 * np.pi * x / spacing_nm), color=OKABE_ITO[7], lw=1.2)
        xs = np.arange(0, 3.0 + 1e-9, px)
        ax.plot(xs, np.cos(2 * np.pi * xs / spacing_nm), "o", color=OKABE_ITO[i], ms=8)
        f_alias = imaging.alias_frequency(1 / spacing_nm, px)
        status = "resolved" if px < spacing_nm / 2 else "aliased"
        if px >= spacing_nm / 2:
            ax.plot(x, np.cos(2 * np.pi * x * f_alias), "--", color=OKABE_ITO[i], lw=2)
            status += f": looks like {1 / f_alias:.2f} nm"
        ax.set_ylabel("")
        ax.set_yticks([])
        ax.set_title(f"pixel {px:g} nm ({spacing_nm / px:.1f} px per period) → {status}", fontsize=16,
                     loc="left")
    axes[-1].set_xlabel(label("x", "nm"))
    return close(fig)


def _show_spectrum(ax, spec: fourier.PowerSpectrum, k_max: float, title: str) -> None:
    ax.imshow(np.log10(spec.power + spec.power.max() * 1e-7), extent=spec.extent(), cmap="magma")
    ax.set_xlim(-k_max, k_max)
    ax.set_ylim(k_max, -k_max)
    ax.set_xlabel(label("k_x", f"{spec.unit}⁻¹"))
    ax.set_ylabel(label("k_y", f"{spec.unit}⁻¹"))
    ax.set_title(title, fontsize=16)


def moire_numbers(rotation_deg: float = 5.0, coarse_px_nm: float = 0.36, seed: int = 0) -> dict[str, float]:
    """True plane spacing, predicted alias spacing and the spacing measured from the FFT peak of the
    coarsely point-sampled square lattice (a = 0.3905 nm, one column per cell)."""
    lat = micrographs.lattice_image(96, pixel_size_nm=coarse_px_nm, spacing_nm=SRTIO3_A_NM,
                                    rotation_deg=rotation_deg, column_fwhm_nm=0.15, seed=seed)
    t = np.radians(rotation_deg)
    k_true = np.array([np.cos(t), np.sin(t)]) / SRTIO3_A_NM
    k_alias = fourier.aliased_frequency(k_true, coarse_px_nm)
    peak = fourier.find_peaks(fourier.power_spectrum(lat.image, coarse_px_nm), 1)[0]
    return {"d_true_nm": SRTIO3_A_NM, "nyquist_px_nm": SRTIO3_A_NM / 2, "pixel_nm": coarse_px_nm,
            "d_alias_predicted_nm": float(1 / np.hypot(*k_alias)),
            "d_measured_nm": float(fourier.spacing_from_peak(peak)),
            "alias_angle_deg": float(np.degrees(np.arctan2(abs(k_alias[1]), abs(k_alias[0]))))}


def moire_figure(rotation_deg: float = 5.0, coarse_px_nm: float = 0.36, seed: int = 0) -> Figure:
    """A square lattice of one column per cell (a = 0.3905 nm, columns 0.15 nm wide) rotated 5°: sampled
    at 0.02 nm (true lattice) and point-sampled at 0.36 nm (> d/2: a false, coarse lattice); the power
    spectrum of the coarse image with the Nyquist box, the true 1/d peaks (outside, open circles) and
    where aliasing predicts them (crosses)."""
    fine = micrographs.lattice_image(160, pixel_size_nm=0.02, spacing_nm=SRTIO3_A_NM, rotation_deg=rotation_deg,
                                     column_fwhm_nm=0.15, seed=seed)
    coarse = micrographs.lattice_image(96, pixel_size_nm=coarse_px_nm, spacing_nm=SRTIO3_A_NM,
                                       rotation_deg=rotation_deg, column_fwhm_nm=0.15, seed=seed)
    fig, axes = new_figure(3, size=SLIDE_SIZE)
    show_image(axes[0], fine.image, fine.pixel_size_nm, unit="nm", title="pixel 0.02 nm")
    show_image(axes[1], coarse.image, coarse.pixel_size_nm, unit="nm", title=f"pixel {coarse_px_nm:g} nm")
    spec = fourier.power_spectrum(coarse.image, coarse_px_nm)
    k_lim = 3.2
    _show_spectrum(axes[2], spec, k_lim, "FFT of the coarse image")
    ny = spec.nyquist
    axes[2].plot([-ny, ny, ny, -ny, -ny], [-ny, -ny, ny, ny, -ny], color="white", lw=1.5, ls="--")
    t = np.radians(rotation_deg)
    for r in range(4):
        ang = t + r * np.pi / 2
        k = np.array([np.cos(ang), np.sin(ang)]) / SRTIO3_A_NM
        axes[2].plot(*k, "o", mfc="none", mec=OKABE_ITO[4], ms=14, mew=2)
        axes[2].plot(*fourier.aliased_frequency(k, coarse_px_nm), "x", color=OKABE_ITO[6], ms=9, mew=2.5)
    return close(fig)


def antialias_figure(factor: int = 9, seed: int = 0) -> Figure:
    """The square lattice of :func:`moire_figure` recorded at 0.04 nm and down-sampled by ``factor`` to
    0.36 nm, without and with a Gaussian low-pass first (:func:`mlpc.datasets.imaging.downsample`):
    images on one grey scale, and their radial power spectra."""
    lat = micrographs.lattice_image(64 * factor, pixel_size_nm=0.04, spacing_nm=SRTIO3_A_NM, rotation_deg=5.0,
                                    column_fwhm_nm=0.15, seed=seed)
    px = lat.pixel_size_nm * factor
    fig, axes = new_figure(3, size=SLIDE_SIZE, gridspec_kw={"width_ratios": [1, 1, 1.5]})
    for ax, anti in zip(axes[:2], (False, True), strict=True):
        small = imaging.downsample(lat.image, factor, antialias=anti)
        show_image(ax, small, px, unit="nm", title="low-pass first" if anti else "point-sampled",
                   vmin=0, vmax=1)
        k, p = fourier.radial_profile(fourier.power_spectrum(small, px))
        axes[2].semilogy(k[1:], p[1:], "o-", color=OKABE_ITO[0 if anti else 5], ms=5,
                         label="low-pass first" if anti else "point-sampled")
    axes[1].set_ylabel("")
    axes[1].set_yticklabels([])
    axes[2].axvline(0.5 / px, color=OKABE_ITO[7], ls="--", lw=1.5, label="Nyquist")
    axes[2].set_xlabel(label("|k|", "nm⁻¹"))
    axes[2].set_ylabel(label("power", None))
    axes[2].legend(fontsize=13, loc="upper right")
    return close(fig)


# --------------------------------------------------------------------------------------------------
# Physics as a prior: the power spectrum shows the probe and the noise floor
# --------------------------------------------------------------------------------------------------

def noise_floor_numbers(seed: int = 0, dose: float = 20.0, probe_fwhm_um: float = 0.4) -> dict[str, float]:
    """Mean counts per pixel (= the Poisson noise floor of the power spectrum), the measured floor (median
    power beyond the information limit), the information limit (first |k| where the noise-free power falls
    below the floor) and the Nyquist frequency, in µm⁻¹."""
    pc = _polycrystal(seed)
    px = pc.pixel_size_um
    counts = imaging.acquire(pc.image, px, psf_fwhm=probe_fwhm_um, dose=dose, seed=seed).counts
    clean = imaging.gaussian_psf(pc.image, probe_fwhm_um, px) * dose
    k, p = fourier.radial_profile(fourier.power_spectrum(counts, px, unit="µm"))
    _, p_clean = fourier.radial_profile(fourier.power_spectrum(clean, px, unit="µm"))
    floor = float(counts.mean())
    k_info = float(k[np.argmax((p_clean < floor) & (k > 0))])
    return {"mean_counts": floor, "floor_measured": float(np.median(p[k > 1.5 * k_info])),
            "k_info_per_um": k_info, "finest_period_um": 1.0 / k_info, "nyquist_per_um": 0.5 / px,
            "pixel_um": px}


def noise_floor_figure(seed: int = 0, dose: float = 20.0, probe_fwhm_um: float = 0.4) -> Figure:
    """The polycrystal recorded with a 0.4 µm probe at 20 e⁻/px: the image and the radial power spectrum of
    the counts and of the noise-free expectation, with the Poisson floor predicted from the mean count
    and the frequency where the signal sinks below it."""
    pc = _polycrystal(seed)
    px = pc.pixel_size_um
    acq = imaging.acquire(pc.image, px, psf_fwhm=probe_fwhm_um, dose=dose, seed=seed)
    clean = imaging.gaussian_psf(pc.image, probe_fwhm_um, px) * dose
    nums = noise_floor_numbers(seed, dose, probe_fwhm_um)
    fig, axes = new_figure(2, size=(11.0, 4.4), gridspec_kw={"width_ratios": [1, 1.7]})
    show_image(axes[0], acq.counts, px, title=f"{dose:g} e⁻/px, probe {probe_fwhm_um:g} µm")
    for img, name, c in ((acq.counts, "recorded counts", OKABE_ITO[7]), (clean, "noise-free", OKABE_ITO[0])):
        k, p = fourier.radial_profile(fourier.power_spectrum(img, px, unit="µm"))
        axes[1].loglog(k[1:], p[1:], color=c, label=name)
    axes[1].axhline(nums["mean_counts"], color=OKABE_ITO[5], ls="--", label="Poisson floor = mean counts")
    axes[1].axvline(nums["k_info_per_um"], color=OKABE_ITO[2], ls=":", label="signal = noise")
    axes[1].set_ylim(nums["mean_counts"] / 1000, None)
    axes[1].set_xlabel(label("|k|", "µm⁻¹"))
    axes[1].set_ylabel(label("power", "counts²"))
    axes[1].legend(fontsize=13, loc="lower left")
    return close(fig)


# --------------------------------------------------------------------------------------------------
# PCA / SVD of a spectrum image
# --------------------------------------------------------------------------------------------------

@functools.lru_cache(maxsize=4)
def spectrum_image_pca(dose: float = 200.0, seed: int = 0) -> tuple[SpectrumImage, low_rank.PCAResult,
                                                                      low_rank.PCAResult, np.ndarray, np.ndarray]:
    """The EDS spectrum image (ferrite + MnS + Al2O3, 64 × 64 px, 500 channels) at ``dose`` counts per
    pixel, its Poisson-weighted and unweighted PCA, the parallel-analysis thresholds and the true
    expected counts: ``(si, weighted, unweighted, pa_thresholds, expected)``. Cached: treat as read-only."""
    si = spectrum_image(dose_counts_per_pixel=dose, seed=seed)
    x = si.cube.reshape(-1, si.cube.shape[-1]).astype(float)
    weighted = low_rank.pca(x, poisson_weighted=True, n_keep=12)
    unweighted = low_rank.pca(x, poisson_weighted=False, n_keep=12)
    pa = low_rank.parallel_analysis(x, poisson_weighted=True, n_shuffles=3, seed=seed)
    expected = dose * np.tensordot(si.abundances, si.endmembers, axes=(2, 0)).reshape(x.shape)
    return si, weighted, unweighted, pa, expected


def spectrum_image_figure(seed: int = 0, dose: float = 200.0) -> Figure:
    """The spectrum image as data: the true phase map, and the spectra of three single pixels (one per
    majority phase) against the mean spectrum. Every pixel is a 500-channel vector."""
    si, *_ = spectrum_image_pca(dose, seed)
    fig, axes = new_figure(2, size=SLIDE_SIZE, gridspec_kw={"width_ratios": [1, 2.2]})
    cmap = ListedColormap([OKABE_ITO[i] for i in (0, 1, 2)])
    show_image(axes[0], si.phase_map, si.pixel_size_um, cmap=cmap, vmin=-0.5, vmax=2.5, title="majority phase")
    flat = si.cube.reshape(-1, si.cube.shape[-1])
    purity = si.abundances.reshape(-1, si.abundances.shape[-1])
    for k, name in enumerate(si.endmember_names):
        i = int(np.argmax(purity[:, k]))
        axes[1].plot(si.axis, flat[i] + 12 * k, color=OKABE_ITO[k], lw=1.2, label=f"pixel in {name}")
    axes[1].plot(si.axis, flat.mean(axis=0) + 36, color=OKABE_ITO[7], lw=1.5, label="mean spectrum")
    axes[1].set_xlim(0.1, 7.5)
    axes[1].set_xlabel(label("Energy", "keV"))
    axes[1].set_ylabel(label("counts per channel (offset)", None))
    axes[1].legend(fontsize=12, loc="upper right")
    return close(fig)


def scree_numbers(seed: int = 0, dose: float = 200.0) -> dict[str, float]:
    """Eigenvalues, noise edges and the number of components above them for the weighted PCA; the
    rank-k reconstruction error against the truth (counts per channel, RMS)."""
    si, w, u, pa, expected = spectrum_image_pca(dose, seed)
    x = si.cube.reshape(-1, si.cube.shape[-1]).astype(float)
    edge = low_rank.marchenko_pastur_edge(w.n_samples, w.n_features)
    tw = low_rank.noise_threshold(w.n_samples, w.n_features)
    rmse = [float(np.sqrt(np.mean((low_rank.reconstruct(w, k) - expected) ** 2))) for k in range(7)]
    return {"n_pixels": w.n_samples, "n_channels": w.n_features, "dose": si.dose_counts_per_pixel,
            "mp_edge": edge, "noise_threshold": tw,
            "eig1": float(w.eigenvalues[0]), "eig2": float(w.eigenvalues[1]), "eig3": float(w.eigenvalues[2]),
            "n_above_threshold": low_rank.n_signal_components(w.eigenvalues, tw),
            "n_parallel_analysis": low_rank.n_signal_components(w.eigenvalues, pa),
            "rmse_raw": float(np.sqrt(np.mean((x - expected) ** 2))), "rmse_by_k": rmse,
            "best_k": int(np.argmin(rmse)), "n_phases": len(si.endmember_names)}


def scree_figure(seed: int = 0, dose: float = 200.0) -> Figure:
    """Scree plots of the spectrum image: unweighted PCA (noise eigenvalues slope down, no clear floor) and
    Poisson-weighted PCA (flat noise bulk below the Marchenko–Pastur edge; parallel-analysis thresholds)."""
    _, w, u, pa, _ = spectrum_image_pca(dose, seed)
    n = 20
    idx = np.arange(1, n + 1)
    fig, axes = new_figure(2, size=SLIDE_SIZE)
    axes[0].semilogy(idx, u.eigenvalues[:n], "o-", color=OKABE_ITO[5])
    axes[0].set_title("raw counts", fontsize=17)
    axes[0].set_ylabel(label("eigenvalue", "counts²"))
    axes[1].semilogy(idx, w.eigenvalues[:n], "o-", color=OKABE_ITO[0], label="eigenvalues")
    axes[1].axhline(low_rank.noise_threshold(w.n_samples, w.n_features), color=OKABE_ITO[7], ls="--",
                    label="Marchenko–Pastur edge (95 %)")
    axes[1].semilogy(idx, pa[:n], ":", color=OKABE_ITO[2], label="parallel analysis")
    axes[1].set_title("Poisson-weighted", fontsize=17)
    axes[1].set_ylabel(label("eigenvalue (noise = 1)", None))
    axes[1].legend(fontsize=13)
    for ax in axes:
        ax.set_xlabel(label("component", None))
        ax.set_xticks([1, 5, 10, 15, 20])
    return close(fig)


def loadings_figure(seed: int = 0, dose: float = 200.0, n_show: int = 3) -> Figure:
    """The first ``n_show`` Poisson-weighted principal components as spectra (loading × column scale):
    two carry the element lines of the phases, the third is noise."""
    si, w, *_ = spectrum_image_pca(dose, seed)
    fig, axes = new_figure(1, n_show, size=(11.0, 5.2), sharex=True)
    for k, ax in enumerate(axes):
        ax.plot(si.axis, w.components[k] * w.col_scale, color=OKABE_ITO[0 if k < 2 else 7], lw=1.3)
        ax.axhline(0, color=OKABE_ITO[7], lw=0.8)
        ax.set_yticks([])
        ax.set_title(f"PC {k + 1}: eigenvalue {w.eigenvalues[k]:.1f}", fontsize=15, loc="left")
    lines = {0: (("O Kα", 0.525), ("Al Kα", 1.487), ("S Kα", 2.307), ("Mn Kα", 5.899), ("Fe Kα", 6.404)),
             1: (("Fe Lα", 0.705), ("S Kα", 2.307), ("Mn Kα", 5.899), ("Fe Kα", 6.404))}
    for ax in axes:
        low, high = ax.get_ylim()
        ax.set_ylim(low, high + 0.35 * (high - low))
    for k, marks in lines.items():
        for name, energy in marks:
            axes[k].annotate(name, (energy, axes[k].get_ylim()[1]), fontsize=12, ha="center", va="top")
    axes[-1].set_xlim(0.1, 7.5)
    axes[-1].set_xlabel(label("Energy", "keV"))
    return close(fig)


def reconstruction_figure(seed: int = 0, dose: float = 200.0) -> Figure:
    """Left: one pixel's spectrum (counts), its reconstruction from the mean + 2 weighted components, and
    the truth; right: RMS error against the truth for 0–6 components, and that of the raw counts."""
    si, w, _, _, expected = spectrum_image_pca(dose, seed)
    nums = scree_numbers(seed, dose)
    x = si.cube.reshape(-1, si.cube.shape[-1])
    i = int(np.argmax(si.abundances.reshape(-1, si.abundances.shape[-1])[:, 1]))
    rec = low_rank.reconstruct(w, 2)[i]
    fig, axes = new_figure(2, size=SLIDE_SIZE, gridspec_kw={"width_ratios": [1.8, 1]})
    axes[0].step(si.axis, x[i], where="mid", color=OKABE_ITO[7], lw=1, label="counts")
    axes[0].plot(si.axis, rec, color=OKABE_ITO[0], label="mean + 2 PCs")
    axes[0].plot(si.axis, expected[i], "--", color=OKABE_ITO[1], label="truth")
    axes[0].set_xlim(0.1, 7.5)
    axes[0].set_xlabel(label("Energy", "keV"))
    axes[0].set_ylabel(label("counts per channel", None))
    axes[0].legend(fontsize=13)
    axes[1].plot(range(len(nums["rmse_by_k"])), nums["rmse_by_k"], "o-", color=OKABE_ITO[0], label="rank k")
    axes[1].axhline(nums["rmse_raw"], color=OKABE_ITO[5], ls="--", label="raw counts")
    axes[1].set_xlabel(label("components k", None))
    axes[1].set_ylabel(label("RMS error", "counts"))
    axes[1].legend(fontsize=13)
    return close(fig)


__all__ = [
    "SRTIO3_A_NM",
    "anscombe_figure",
    "antialias_figure",
    "artefacts_figure",
    "channelling_figure",
    "contrast_numbers",
    "dose_series_figure",
    "imaging_chain_figure",
    "loadings_figure",
    "moire_figure",
    "moire_numbers",
    "noise_floor_figure",
    "noise_floor_numbers",
    "nyquist_figure",
    "photon_transfer_figure",
    "poisson_fit_draws",
    "real_haadf_figure",
    "real_haadf_numbers",
    "poisson_fit_figure",
    "poisson_fit_numbers",
    "probe_modulation",
    "probe_resolution_figure",
    "reconstruction_figure",
    "scree_figure",
    "scree_numbers",
    "se_bse_figure",
    "spectrum_image_figure",
    "spectrum_image_pca",
]
