"""Figures of week 9, ML for characterization signals (XRD, EDS, EELS).

The methods are in :mod:`mlpc.spectral` (sources there). The spectrum image is the 32 × 32 pixel EDS map
of ferrite with MnS and Al2O3 inclusions of :mod:`mlpc.datasets.spectrum_images`, whose end-members and
abundances are known, so every decomposition is scored against the truth. Real spectra: the BAM
EDS-TM002 standard and FePt nanoparticles shipped with eXSpy (:mod:`mlpc.datasets.eds`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from matplotlib.figure import Figure

from mlpc import low_rank, spectral
from mlpc.datasets import eds, eels, xrd
from mlpc.datasets.spectrum_images import DecompositionScore, SpectrumImage, score_decomposition, spectrum_image
from mlpc.plotting import CATEGORICAL_CMAP, OKABE_ITO, close, label, new_figure, show_image

#: Elements of the BAM EDS-TM002 standard: the layer (C, Al, Mn, Cu, Zr) and its Si substrate.
TM002_ELEMENTS = ("C", "Al", "Si", "Mn", "Cu", "Zr")


@dataclass(frozen=True)
class EDSCase:
    """Everything the deck shows about one spectrum image, computed once."""

    si: SpectrumImage
    pca: low_rank.PCAResult
    nmf: spectral.NMFResult
    nmf_score: DecompositionScore
    pca_score: DecompositionScore
    kmeans: np.ndarray
    kmeans_accuracy: float
    tsne_index: np.ndarray
    tsne: np.ndarray
    ae: spectral.AutoencoderResult
    ae_bin: int


def bin_channels(cube: np.ndarray, factor: int) -> np.ndarray:
    """Sum ``factor`` adjacent channels (the last axis; a trailing remainder is dropped). Sums of Poisson
    counts are Poisson, so binning keeps the noise model while shrinking the network's input."""
    cube = np.asarray(cube)
    c = cube.shape[-1] // factor * factor
    return cube[..., :c].reshape(*cube.shape[:-1], c // factor, factor).sum(axis=-1)


@lru_cache(maxsize=2)
def eds_case(seed: int = 0, dose: float = 500.0) -> EDSCase:
    """Run PCA, NMF (KL), K-means, t-SNE (500 pixels) and a 2-D autoencoder on one EDS spectrum image."""
    si = spectrum_image(shape=(32, 32), kind="eds", n_phases=3, dose_counts_per_pixel=dose,
                        correlation_length_px=4.0, seed=seed)
    x = si.cube.reshape(-1, si.cube.shape[-1])
    truth = si.abundances.reshape(-1, 3)
    pca = low_rank.pca(x, poisson_weighted=True, n_keep=6)
    nmf = spectral.nmf_poisson(x, 3, n_iter=300, seed=seed)
    labels = spectral.kmeans_labels(pca.scores[:, :2], 3, seed=seed)
    idx, emb = spectral.tsne_embedding(pca.scores[:, :5], n_max=500, seed=seed)
    ae = spectral.train_spectrum_autoencoder(bin_channels(x, 4), latent_dim=2, hidden=32, epochs=120, seed=seed)
    return EDSCase(si=si, pca=pca, nmf=nmf, nmf_score=score_decomposition(nmf.components, si.endmembers,
                                                                          nmf.abundances, truth),
                   pca_score=score_decomposition(pca.components[:3], si.endmembers),
                   kmeans=labels.reshape(si.phase_map.shape),
                   kmeans_accuracy=spectral.matched_accuracy(labels, si.phase_map), tsne_index=idx, tsne=emb,
                   ae=ae, ae_bin=4)


def spectra_gallery(seed: int = 0) -> Figure:
    """Three signals, three formation physics: XRD (Bragg peaks of ferrite, Cu Kα), EDS (real TM002:
    lines on a Kramers continuum) and EELS (TiO2: edges on a power-law background)."""
    pat = xrd.xrd_pattern("duplex-steel", seed=seed)
    tm = eds.eds_sem_tm002()
    el = eels.eels_spectrum(seed=seed)
    fig, axes = new_figure(3, 1, size=(12.0, 4.6))
    axes[0].plot(pat.two_theta_deg, pat.counts, lw=1.2)
    axes[0].set(xlabel=label("2θ", "°"), ylabel=label("Counts", None), title="XRD: duplex steel")
    keep = tm.energy_keV > 0.1
    axes[1].semilogy(tm.energy_keV[keep], np.maximum(tm.counts[keep], 1), lw=1.2, color=OKABE_ITO[1])
    axes[1].set(xlabel=label("Energy", "keV"), ylabel=label("Counts", None), title="EDS: TM002 (real)")
    axes[2].plot(el.energy_loss_eV, el.counts, lw=1.2, color=OKABE_ITO[2])
    axes[2].plot(el.energy_loss_eV, el.background_counts, "--", lw=1.5, color="k", label="background")
    axes[2].set(xlabel=label("Energy loss", "eV"), ylabel=label("Counts", None), title="EELS: TiO2")
    axes[2].legend()
    return close(fig)


def _mark_peaks(ax, energy, counts, peaks, matched, tol) -> None:
    ax.plot(energy[peaks.indices], counts[peaks.indices] * 1.4, "v", color=OKABE_ITO[5], ms=9)
    for name, pos in matched.items():
        i = int(np.argmin(np.abs(energy - pos)))
        ax.annotate(name, (pos, counts[i] * 2.0), ha="center", fontsize=12, rotation=90)
    unknown = [p for p in peaks.positions if min(abs(p - v) for v in matched.values()) > tol] if matched else []
    for p in unknown:
        i = int(np.argmin(np.abs(energy - p)))
        ax.annotate("?", (p, counts[i] * 2.0), ha="center", fontsize=15, color=OKABE_ITO[5])


def eds_peak_identification(n_sigma: float = 5.0) -> Figure:
    """Peaks of the real TM002 spectrum above ``n_sigma`` Poisson σ, named by the nearest tabulated line
    (tolerance 60 eV, half the detector FWHM); '?' marks peaks no line of the listed elements explains."""
    tm = eds.eds_sem_tm002()
    keep = tm.energy_keV > 0.15
    energy, counts = tm.energy_keV[keep], tm.counts[keep].astype(float)
    peaks = spectral.find_spectral_peaks(energy, counts, n_sigma=n_sigma)
    table = spectral.eds_line_table(TM002_ELEMENTS, (0.15, tm.beam_energy_keV), min_weight=0.1)
    matched = spectral.match_to_table(peaks.positions, table, 0.06)
    fig, ax = new_figure(size=(12.0, 4.8))
    ax.semilogy(energy, np.maximum(counts, 1), lw=1.2)
    _mark_peaks(ax, energy, counts, peaks, matched, 0.06)
    ax.set(xlabel=label("Energy", "keV"), ylabel=label("Counts per 10 eV channel", None), ylim=(10, 2e5))
    return close(fig)


def xrd_peak_threshold(seed: int = 0, sigmas: tuple[float, float] = (1.0, 5.0)) -> Figure:
    """A weak duplex-steel pattern (500 peak counts): the prominence threshold in Poisson σ decides
    between noise peaks and missed reflections; ticks mark the Bragg angles of ferrite and austenite."""
    pat = xrd.xrd_pattern("duplex-steel", peak_counts=500.0, background_counts=100.0, seed=seed)
    table = {**spectral.bragg_table("Fe-bcc"), **spectral.bragg_table("Fe-fcc")}
    fig, axes = new_figure(1, 2, size=(12.0, 5.2), sharex=True)
    for ax, ns in zip(axes, sigmas, strict=True):
        pk = spectral.find_spectral_peaks(pat.two_theta_deg, pat.counts, n_sigma=ns, window=9)
        matched = spectral.match_to_table(pk.positions, table, 0.3)
        ax.plot(pat.two_theta_deg, pat.counts, lw=0.8, color="0.4")
        ax.plot(pk.positions, pat.counts[pk.indices] + 60, "v", color=OKABE_ITO[5], ms=8)
        for name, pos in table.items():
            ax.axvline(pos, ymax=0.08, color=OKABE_ITO[0] if "bcc" in name else OKABE_ITO[1], lw=3)
        ax.set(ylabel=label("Counts", None), title=f"prominence ≥ {ns:g} σ: {len(pk.positions)} peaks, "
                                                     f"{len(matched)} of {len(table)} reflections found")
    axes[1].set_xlabel(label("2θ (Cu Kα)", "°"))
    return close(fig)


def _denoised(si) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Raw, Savitzky–Golay, Anscombe + SG and mean + 2 PCs versions of a spectrum image (pixels × channels),
    and its noise-free truth."""
    x = si.cube.reshape(-1, si.cube.shape[-1]).astype(float)
    truth = si.dose_counts_per_pixel * si.abundances.reshape(-1, 3) @ si.endmembers
    return {"raw counts": x,
            "Savitzky–Golay (11, 2)": np.clip(spectral.savgol_filter(x, 11, 2, axis=-1), 0, None),
            "Anscombe + SG": spectral.anscombe_savgol(x, 11, 2),
            "PCA: mean + 2 PCs": spectral.pca_denoise(x, 2)}, truth


def denoising_comparison(case: EDSCase, pixel: int = 0) -> Figure:
    """One pixel's spectrum (500 counts): raw, Savitzky–Golay, Anscombe + SG, and rank-3 PCA of the whole
    map, against the noise-free truth; the legend gives each RMSE in counts per channel over the image."""
    si = case.si
    versions, truth = _denoised(si)
    fig, ax = new_figure(size=(12.0, 5.0))
    keep = si.axis < 7.0
    for (name, v), col in zip(versions.items(), ("0.7", OKABE_ITO[1], OKABE_ITO[2], OKABE_ITO[0]), strict=True):
        rmse = np.sqrt(np.mean((v - truth) ** 2))
        ax.plot(si.axis[keep], v[pixel, keep], color=col, lw=1.4 if name != "raw counts" else 1.0,
                label=f"{name}: RMSE {rmse:.2f}")
    ax.plot(si.axis[keep], truth[pixel, keep], "k--", lw=1.6, label="truth (noise-free)")
    ax.set(xlabel=label("Energy", "keV"), ylabel=label("Counts per 20 eV channel", None))
    ax.legend(fontsize=13)
    return close(fig)


def denoising_seed_study(seeds: tuple[int, ...] = (0, 1, 2, 3, 4), dose: float = 500.0) -> dict[str, np.ndarray]:
    """RMSE (counts per channel, whole image) of each denoiser of :func:`denoising_comparison` on the same
    kind of map drawn with each seed: the spread behind the one map the figure shows."""
    out: dict[str, list[float]] = {}
    for seed in seeds:
        si = spectrum_image(shape=(32, 32), kind="eds", n_phases=3, dose_counts_per_pixel=dose,
                            correlation_length_px=4.0, seed=seed)
        versions, truth = _denoised(si)
        for name, v in versions.items():
            out.setdefault(name, []).append(float(np.sqrt(np.mean((v - truth) ** 2))))
    return {k: np.array(v) for k, v in out.items()}


def pca_vs_nmf(case: EDSCase) -> Figure:
    """Top: the first three PCA components (Poisson-weighted) with negative lobes; bottom: the three NMF
    components (non-negative, unit sum) over the true end-members they were matched to."""
    si = case.si
    fig, axes = new_figure(3, 2, size=(12.5, 5.6), sharex=True)
    keep = si.axis < 7.0
    neg = spectral.negative_fraction(case.pca.components[:3])
    for k in range(3):
        ax = axes[0, k]
        ax.plot(si.axis[keep], case.pca.components[k, keep], color=OKABE_ITO[0], lw=1.3)
        ax.axhline(0, color="k", lw=0.8)
        ax.set_title(f"PC {k + 1}: {100 * neg[k]:.0f} % negative", fontsize=15)
    for k, j in enumerate(case.nmf_score.assignment):
        ax = axes[1, k]
        ax.plot(si.axis[keep], si.endmembers[k, keep], color="k", lw=2.4, label="true")
        ax.plot(si.axis[keep], case.nmf.components[j, keep], "--", color=OKABE_ITO[1], lw=1.6, label="NMF")
        ax.set_title(f"NMF ≙ {si.endmember_names[k].split(' ')[0]}: cos {case.nmf_score.cosine[k]:.3f}",
                     fontsize=15)
        ax.set_xlabel(label("Energy", "keV"))
    axes[1, 0].legend(fontsize=12)
    axes[0, 0].set_ylabel("loading")
    axes[1, 0].set_ylabel("fraction / channel")
    return close(fig)


def abundance_maps(case: EDSCase) -> Figure:
    """True abundance maps (top) and NMF abundances normalised to sum to one per pixel (bottom)."""
    si = case.si
    est = case.nmf.abundances[:, list(case.nmf_score.assignment)]
    est = (est / est.sum(axis=1, keepdims=True)).reshape(*si.phase_map.shape, 3)
    fig, axes = new_figure(3, 2, size=(10.0, 6.2))
    for k in range(3):
        show_image(axes[0, k], si.abundances[..., k], cmap="viridis", vmin=0, vmax=1,
                   title=si.endmember_names[k].split(" ")[0])
        im = show_image(axes[1, k], est[..., k], cmap="viridis", vmin=0, vmax=1)
    axes[0, 0].set_ylabel("truth")
    axes[1, 0].set_ylabel("NMF")
    fig.colorbar(im, ax=axes, shrink=0.8, label="abundance")
    return close(fig)


def kmeans_tsne(case: EDSCase) -> Figure:
    """Left: true majority phase; middle: K-means (k = 3) on the first two PCA scores; right: t-SNE of 500
    pixels' first five PCA scores, coloured by the true phase."""
    si = case.si
    fig, axes = new_figure(3, 1, size=(12.5, 4.6))
    show_image(axes[0], si.phase_map, cmap=CATEGORICAL_CMAP, vmin=0, vmax=6, title="true phase")
    relabel = np.zeros(3, dtype=int)
    for k in range(3):
        relabel[k] = np.bincount(si.phase_map[case.kmeans == k], minlength=3).argmax()
    show_image(axes[1], relabel[case.kmeans], cmap=CATEGORICAL_CMAP, vmin=0, vmax=6,
               title=f"K-means: {100 * case.kmeans_accuracy:.1f} %")
    phase = si.phase_map.ravel()[case.tsne_index]
    for k, name in enumerate(si.endmember_names):
        sel = phase == k
        axes[2].scatter(case.tsne[sel, 0], case.tsne[sel, 1], s=10, color=OKABE_ITO[k], label=name.split(" ")[0])
    axes[2].set(xticks=[], yticks=[], title="t-SNE (500 pixels)")
    axes[2].legend(fontsize=12, markerscale=2)
    return close(fig)


def autoencoder_figure(case: EDSCase, pixel: int = 0) -> Figure:
    """Left: the 2-D latent codes of all pixels coloured by the true phase; right: one pixel's binned
    spectrum and the decoder's reconstruction (a non-negative spectrum by construction)."""
    si = case.si
    x = bin_channels(si.cube.reshape(-1, si.cube.shape[-1]), case.ae_bin)
    e = bin_channels(si.axis[None, :], case.ae_bin)[0] / case.ae_bin
    fig, axes = new_figure(2, 1, size=(12.0, 4.8))
    phase = si.phase_map.ravel()
    for k, name in enumerate(si.endmember_names):
        sel = phase == k
        axes[0].scatter(case.ae.latent[sel, 0], case.ae.latent[sel, 1], s=8, color=OKABE_ITO[k],
                        label=name.split(" ")[0])
    axes[0].set(xlabel="latent z₁", ylabel="latent z₂", title="2-D latent space")
    axes[0].legend(fontsize=12, markerscale=2)
    keep = e < 7.0
    axes[1].plot(e[keep], x[pixel, keep], color="0.6", lw=1.2, label="counts (80 eV bins)")
    axes[1].plot(e[keep], case.ae.reconstruction[pixel, keep], color=OKABE_ITO[1], lw=2, label="decoder")
    axes[1].set(xlabel=label("Energy", "keV"), ylabel=label("Counts", None), title=f"pixel {pixel}")
    axes[1].legend(fontsize=12)
    return close(fig)


def scree(case: EDSCase) -> Figure:
    """Eigenvalues of the Poisson-weighted PCA against the Marchenko–Pastur noise edge (unit variance)."""
    ev = case.pca.eigenvalues[:15]
    edge = low_rank.marchenko_pastur_edge(case.pca.n_samples, case.pca.n_features)
    fig, ax = new_figure(size=(10.0, 3.9))
    ax.semilogy(np.arange(1, len(ev) + 1), ev, "o-")
    ax.axhline(edge, color=OKABE_ITO[5], ls="--", label=f"noise edge {edge:.2f}")
    ax.set(xlabel="component", ylabel="eigenvalue (weighted)")
    ax.legend()
    return close(fig)


__all__ = ["TM002_ELEMENTS", "EDSCase", "bin_channels", "eds_case", "spectra_gallery", "eds_peak_identification",
           "xrd_peak_threshold", "denoising_comparison", "pca_vs_nmf", "abundance_maps", "kmeans_tsne",
           "autoencoder_figure", "scree"]


def lab6_resolution_figure() -> Figure:
    """Left: the measured LaB6 pattern (log counts) with the Kα1 peaks matched to their reflections. Right: their
    FWHM against 2θ with the Caglioti fit: the instrument's resolution function."""
    from mlpc.datasets.real_xrd import lab6_bragg_deg, load_lab6

    pat = load_lab6()
    res = spectral.instrument_resolution(pat.two_theta_deg, pat.counts, lab6_bragg_deg())
    fig, (a, b) = new_figure(2, size=(11.0, 4.4))
    a.semilogy(pat.two_theta_deg, np.maximum(pat.counts, 1), color=OKABE_ITO[4], lw=0.7)
    peak_counts = np.interp(res.two_theta_deg, pat.two_theta_deg, pat.counts)
    a.plot(res.two_theta_deg, peak_counts * 1.6, "v", color=OKABE_ITO[5], ms=6)
    for name, x, y in list(zip(res.hkl, res.two_theta_deg, peak_counts, strict=True))[:6]:
        a.text(x, y * 2.6, name, ha="center", fontsize=10)
    a.set(xlabel=label("2θ", "°"), ylabel=label("counts"), title="measured LaB6, Cu Kα")
    grid = np.linspace(15, 150, 200)
    b.plot(res.two_theta_deg, res.fwhm_deg, "o", color=OKABE_ITO[5], label="Kα1 peaks (FWHM)")
    b.plot(grid, res.fwhm_at(grid), color=OKABE_ITO[0], lw=2, label="Caglioti fit")
    b.set(xlabel=label("2θ", "°"), ylabel=label("FWHM", "° 2θ"), ylim=(0, 0.2), title="instrument resolution")
    b.legend(fontsize=11, loc="upper left")
    return close(fig)


def lab6_markdown() -> str:
    """Peak positions against Bragg and the instrumental FWHM at two angles."""
    from mlpc.datasets.real_xrd import lab6_bragg_deg, load_lab6

    pat = load_lab6()
    res = spectral.instrument_resolution(pat.two_theta_deg, pat.counts, lab6_bragg_deg())
    off = res.two_theta_deg - res.bragg_deg
    w30, w120 = res.fwhm_at([30.0, 120.0])
    return (f"- {len(res.hkl)} Kα1 peaks found and named ({res.hkl[0]} … {res.hkl[-1]}); measured − Bragg "
            f"(a = 0.41569 nm): {off.min():+.3f}° to {off.max():+.3f}°\n"
            f"- Instrumental FWHM: **{w30:.3f}°** at 2θ = 30°, **{w120:.3f}°** at 120° (Caglioti U, V, W fitted)\n"
            "- A sample peak of width B: subtract the instrument first (B² − B_inst² for Gaussian peaks), "
            "then Scherrer\n")
