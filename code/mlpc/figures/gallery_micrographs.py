"""Gallery figures for micrographs, the imaging chain, stereology and the companion book's data
(:mod:`mlpc.datasets.micrographs`, :mod:`mlpc.datasets.imaging`, :mod:`mlpc.datasets.stereology`,
:mod:`mlpc.datasets.book_data`)."""

from __future__ import annotations

import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from mlpc.datasets import book_data, imaging, micrographs, stereology
from mlpc.plotting import OKABE_ITO, SLIDE_SIZE_TALL, close, label, new_figure, show_image


def polycrystal_figure(seed: int = 0) -> Figure:
    """Grooved polycrystal, its grains, and the E112 intercept measured on the image vs the truth."""
    pc = micrographs.polycrystal(size=256, n_grains=60, pixel_size_um=0.5, growth_steps=3, seed=seed)
    measured = stereology.mean_lineal_intercept(pc.image < 0.35, pc.pixel_size_um, n_lines=10, seed=seed)
    fig, axes = new_figure(3, size=SLIDE_SIZE_TALL)
    show_image(axes[0], pc.image, pc.pixel_size_um, title="micrograph (grooves)")
    rng = np.random.default_rng(seed)
    show_image(axes[1], rng.permutation(pc.n_grains)[pc.labels], pc.pixel_size_um, cmap="tab20",
               title=f"{pc.n_grains} grains (truth)")
    show_image(axes[2], pc.image, pc.pixel_size_um, title="E112 test lines")
    n = pc.image.shape[0]
    for pos in np.linspace(0, n, 6)[1:-1] * pc.pixel_size_um:
        axes[2].axhline(pos, color=OKABE_ITO[1], lw=1.5)
        axes[2].axvline(pos, color=OKABE_ITO[1], lw=1.5)
    axes[2].set_title(f"l̄ = {measured.mean_intercept_um:.1f} µm, G = {measured.astm_g:.1f}\n"
                      f"(truth {pc.mean_intercept_um:.1f} µm, G = {pc.astm_g:.1f})", fontsize=15)
    return close(fig)


def two_phase_figure(seed: int = 0) -> Figure:
    """The three two-phase morphologies at 40 % dark phase, with a 100-point grid count (ASTM E562)."""
    fig, axes = new_figure(3, size=SLIDE_SIZE_TALL)
    for ax, morph, feat in zip(axes, micrographs.MORPHOLOGIES, (8.0, 6.0, 12.0), strict=True):
        tp = micrographs.two_phase(256, 0.4, morph, feature_size_um=feat, pixel_size_um=0.5, seed=seed)
        pc = stereology.point_count_fraction(tp.phase_mask, 100, seed=seed, grid=True)
        show_image(ax, tp.image, tp.pixel_size_um, vmin=0, vmax=1)
        ax.set_title(f"{morph}: A_A = {tp.fraction:.3f}\n100-point count {pc.fraction:.2f} ± "
                     f"{pc.standard_error:.2f}", fontsize=15)
    return close(fig)


def defects_figure(seed: int = 0) -> Figure:
    """A polished AM section with gas pores, lack-of-fusion voids, cracks and inclusions, and the masks."""
    d = micrographs.defects(seed=seed)
    fig, axes = new_figure(2, size=SLIDE_SIZE_TALL)
    show_image(axes[0], d.image, d.pixel_size_um, title=f"section, porosity {100 * d.areal_porosity:.1f} %")
    colours = ["#FFFFFF"] + [OKABE_ITO[i] for i in (0, 5, 3, 2)]
    show_image(axes[1], d.class_map, d.pixel_size_um, cmap=ListedColormap(colours), vmin=-0.5, vmax=4.5,
               title="per-class masks")
    handles = [Patch(color=c, label=n.replace("_", " ")) for c, n in zip(colours[1:], d.class_names,
                                                                            strict=True)]
    axes[1].legend(handles=handles, loc="center left", bbox_to_anchor=(1.0, 0.5))
    return close(fig)


def lattice_figure(seed: int = 0) -> Figure:
    """Lattice image and its power spectrum in nm⁻¹: sampled finely (true 1/d) and too coarsely (alias)."""
    fine = micrographs.lattice_image(256, pixel_size_nm=0.02, spacing_nm=0.3905, rotation_deg=10, seed=seed)
    coarse = micrographs.lattice_image(128, pixel_size_nm=0.25, spacing_nm=0.3905, rotation_deg=10, seed=seed)
    fig, axes = new_figure(4, size=SLIDE_SIZE_TALL)
    for (ax_img, ax_fft), lat in zip(((axes[0], axes[1]), (axes[2], axes[3])), (fine, coarse), strict=True):
        show_image(ax_img, lat.image, lat.pixel_size_nm, unit="nm",
                   title=f"pixel {lat.pixel_size_nm:g} nm" + (" (aliased)" if lat.aliased else ""))
        window = np.outer(*(2 * [np.hanning(lat.image.shape[0])]))  # suppress edge streaks
        fx, fy, power = imaging.power_spectrum(lat.image * window, lat.pixel_size_nm)
        ax_fft.imshow(np.log1p(power), extent=(fx[0], fx[-1], fy[-1], fy[0]), cmap="magma")
        k_max = min(3.0 / lat.plane_spacing_nm, fx[-1])
        ax_fft.set_xlim(-k_max, k_max)
        ax_fft.set_ylim(k_max, -k_max)
        ax_fft.set_xlabel(label("k_x", "nm⁻¹"))
        ax_fft.set_ylabel(label("k_y", "nm⁻¹"))
        nyquist = 0.5 / lat.pixel_size_nm
        ax_fft.set_title(f"1/d = {1 / lat.plane_spacing_nm:.2f} nm⁻¹\nNyquist {nyquist:.1f} nm⁻¹",
                         fontsize=14)
    return close(fig)


def imaging_chain_figure(seed: int = 0) -> Figure:
    """One specimen through the SEM chain: ideal, probe blur, noise and scan artefacts, low dose."""
    pc = micrographs.polycrystal(256, 40, pixel_size_um=0.5, seed=seed)
    blurred = imaging.acquire(pc.image, 0.5, psf_fwhm=1.5, seed=seed)
    full = imaging.acquire(pc.image, 0.5, psf_fwhm=1.5, dose=50, read_noise_sigma=0.02, jitter_px=0.8,
                           drift_px_per_line=(0.05, 0.0), shading=0.4, seed=seed)
    low = imaging.acquire(pc.image, 0.5, psf_fwhm=1.5, dose=5, seed=seed)
    fig, axes = new_figure(4, size=SLIDE_SIZE_TALL)
    panels = ((pc.image, "specimen"), (blurred.image, "probe FWHM 1.5 µm"),
              (full.image, "50 e⁻/px, jitter,\ndrift, shading"), (low.image, "5 e⁻/px"))
    for ax, (img, title) in zip(axes, panels, strict=True):
        show_image(ax, img, 0.5, title=title, vmin=0, vmax=1)
    return close(fig)


def classification_set_figure(seed: int = 0) -> Figure:
    """Four examples of each class of the classification set (64 × 64 px at 1 µm)."""
    data = micrographs.microstructure_classes(n_per_class=4, size=64, seed=seed)
    fig, axes = new_figure(4, 4, size=(9.0, 9.0))
    for c, name in enumerate(data.class_names):
        for j, idx in enumerate(np.flatnonzero(data.y == c)[:4]):
            show_image(axes[c, j], data.X[idx], vmin=0, vmax=1)
        axes[c, 0].set_ylabel(name.replace("_", "\n"), fontsize=14)
    return close(fig)


def cahn_hilliard_figure(seed: int = 0) -> Figure:
    """Cahn–Hilliard microstructures of one simulation ordered by energy: coarsening lowers the energy."""
    ch = book_data.load_cahn_hilliard(simulations=0)
    order = np.argsort(ch.energy)[::-1]
    picks = order[np.linspace(0, len(order) - 1, 4).astype(int)]
    fig, axes = new_figure(5, size=SLIDE_SIZE_TALL, width_ratios=[1, 1, 1, 1, 1.6])
    for ax, i in zip(axes[:4], picks, strict=True):
        show_image(ax, ch.images[i], title=f"E = {ch.energy[i]:.0f}", cmap="gray")
    axes[4].hist(book_data.load_cahn_hilliard(n=3000, seed=seed).energy, bins=40, color=OKABE_ITO[0])
    axes[4].set_xlabel(label("Energy", "sim. units"))
    axes[4].set_ylabel(label("Images"))
    return close(fig)


def ising_figure(seed: int = 0) -> Figure:
    """Ising spin images below, near and above T_c, and the absolute magnetisation vs temperature."""
    ising = book_data.load_ising()
    fig, axes = new_figure(4, size=SLIDE_SIZE_TALL, width_ratios=[1, 1, 1, 1.8])
    for ax, t in zip(axes[:3], (1.5, ising.tc, 3.5), strict=True):
        i = int(np.argmin(np.abs(ising.temperature - t)))
        show_image(ax, ising.spins[i], title=f"k_BT/J = {ising.temperature[i]:.2f}", cmap="gray")
    m = np.abs(ising.spins.mean(axis=(1, 2)))
    axes[3].plot(ising.temperature, m, ".", ms=3, color=OKABE_ITO[0])
    axes[3].axvline(ising.tc, color=OKABE_ITO[5], ls="--", label="Onsager T_c")
    axes[3].set_xlabel(label("k_BT/J"))
    axes[3].set_ylabel(label("|magnetisation|"))
    axes[3].legend()
    return close(fig)


def tensile_figure(seed: int = 0) -> Figure:
    """Stress–strain points of the (synthetic, NIST-model) structural steel at three temperatures."""
    df = book_data.load_tensile_tests()
    fig, ax = new_figure(size=(9.0, 5.0))
    for colour, (t, part) in zip(OKABE_ITO, df.groupby("temperature_C"), strict=False):
        ax.plot(100 * part["strain"], part["stress_MPa"], ".", ms=4, color=colour, label=f"{t} °C")
    ax.set_xlabel(label("True strain", "%"))
    ax.set_ylabel(label("True stress", "MPa"))
    ax.set_title("Steel tensile data (mdsdata MDS-1, model-generated)")
    ax.legend(markerscale=3)
    return close(fig)


def nanoindentation_figure(seed: int = 0) -> Figure:
    """Hardness vs Young's modulus of four Cu/Cr composites: clusters by Cr content."""
    df = book_data.load_nanoindentation()
    fig, ax = new_figure(size=(9.0, 5.0))
    for colour, name in zip(OKABE_ITO, book_data.INDENTATION_MATERIALS, strict=False):
        part = df[df["material"] == name]
        ax.plot(part["youngs_modulus_GPa"], part["hardness_GPa"], "o", ms=4, alpha=0.6, color=colour,
                label=f"{name} (n={len(part)})")
    ax.set_xlabel(label("Young's modulus E", "GPa"))
    ax.set_ylabel(label("Hardness H", "GPa"))
    ax.legend(markerscale=2)
    return close(fig)


def real_micrograph_figure(seed: int = 0) -> Figure:
    """The two real microscope images bundled with scikit-image."""
    fig, axes = new_figure(2, size=SLIDE_SIZE_TALL)
    for ax, name in zip(axes, ("cell", "microaneurysms"), strict=True):
        m = book_data.load_skimage_micrograph(name)
        show_image(ax, m.image, m.pixel_size_um, title=name)
    return close(fig)


__all__ = [
    "cahn_hilliard_figure",
    "classification_set_figure",
    "defects_figure",
    "imaging_chain_figure",
    "ising_figure",
    "lattice_figure",
    "nanoindentation_figure",
    "polycrystal_figure",
    "real_micrograph_figure",
    "tensile_figure",
    "two_phase_figure",
]
