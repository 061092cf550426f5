"""Gallery figures for the diffraction data: real Ni EBSD patterns and master pattern (kikuchipy),
projected patterns of known orientations, an EBSD orientation map, and synthetic 4D-STEM
(:mod:`mlpc.datasets.ebsd`, :mod:`mlpc.datasets.stem4d`)."""

from __future__ import annotations

import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from mlpc.datasets import ebsd, stem4d
from mlpc.plotting import (
    DIVERGING_CMAP,
    OKABE_ITO,
    SLIDE_SIZE_TALL,
    close,
    label,
    new_figure,
    show_image,
)


def _euler_title(euler_deg: np.ndarray) -> str:
    return "(" + ", ".join(f"{v:.0f}°" for v in euler_deg) + ")"


def ni_ebsd_patterns_figure(seed: int = 0) -> Figure:
    """Real Ni EBSD patterns (kikuchipy): raw 3 × 3 map, after background removal, and the master-pattern
    simulation at the stored orientation. ``seed`` is unused (real data); it keeps the gallery signature."""
    real = ebsd.load_nickel_ebsd_small()
    sim = ebsd.project_patterns(real.stored_euler_deg.reshape(-1, 3)[:1], dose_counts_per_px=None)
    fig, axes = new_figure(ncols=4, size=SLIDE_SIZE_TALL, width_ratios=[1.2, 1, 1, 1])
    ny, nx, py, px = real.patterns_counts.shape
    mosaic = real.patterns_counts.transpose(0, 2, 1, 3).reshape(ny * py, nx * px)
    show_image(axes[0], mosaic, title="raw 3 × 3 scan")
    show_image(axes[1], real.patterns_counts[0, 0], title="raw pattern")
    show_image(axes[2], real.patterns_corrected[0, 0], title="background removed")
    show_image(axes[3], sim.kikuchi[0], title="simulated")
    axes[3].set_xlabel(_euler_title(real.stored_euler_deg[0, 0]), fontsize=13)
    fig.suptitle(f"Real Ni EBSD, {real.geometry.beam_energy_keV:g} kV, 70° tilt, "
                 f"{real.scan_step_um:g} µm steps (Ånes et al. 2019, CC BY 4.0)", fontsize=17)
    return close(fig)


def ni_master_pattern_figure(seed: int = 0) -> Figure:
    """The Ni EBSD master pattern (EMsoft, 20 keV): stereographic and square Lambert projections of the
    upper hemisphere; every EBSD pattern is a gnomonic window cut from it. ``seed`` is unused."""
    mp = ebsd.load_nickel_master_pattern()
    fig, axes = new_figure(ncols=2, size=SLIDE_SIZE_TALL)
    show_image(axes[0], mp.stereographic_upper, title="stereographic, upper hemisphere")
    show_image(axes[1], mp.lambert_upper, title="square Lambert, upper hemisphere")
    fig.suptitle(f"Ni ({mp.space_group}, a = {mp.lattice_parameter_nm:.4f} nm) master pattern at "
                 f"{mp.beam_energy_keV:g} keV", fontsize=18)
    return close(fig)


def ebsd_projected_patterns_figure(seed: int = 0) -> Figure:
    """Patterns projected from the master pattern for cube, Goss, a γ-fibre and a random orientation:
    noise-free (top) and as detected with background and Poisson noise (bottom)."""
    rng = np.random.default_rng(seed)
    gamma = ebsd.TEXTURE_COMPONENTS_DEG["gamma_fibre"]
    euler = np.array([ebsd.TEXTURE_COMPONENTS_DEG["cube"], ebsd.TEXTURE_COMPONENTS_DEG["goss"],
                      (30.0, gamma[1], gamma[2]), tuple(rng.uniform([0, 0, 0], [360, 180, 360]))])
    names = ("cube", "Goss", "γ fibre", "random")
    clean = ebsd.project_patterns(euler, dose_counts_per_px=None)
    noisy = ebsd.project_patterns(euler, seed=seed)
    fig, axes = new_figure(ncols=4, nrows=2, size=SLIDE_SIZE_TALL)
    for j, name in enumerate(names):
        show_image(axes[0, j], clean.kikuchi[j], title=name)
        show_image(axes[1, j], noisy.counts[j])
        axes[1, j].set_xlabel(_euler_title(euler[j]), fontsize=13)
    axes[0, 0].set_ylabel("noise-free")
    axes[1, 0].set_ylabel(f"{noisy.dose_counts_per_px:g} counts/px")
    fig.suptitle("Ni EBSD patterns of known orientation (Bunge φ1, Φ, φ2)", fontsize=18)
    return close(fig)


def ebsd_orientation_map_figure(seed: int = 0) -> Figure:
    """An EBSD orientation map (IPF-ND colours), its boundary misorientation, and point-to-origin
    misorientation profiles across a 5° sub-grain boundary and a Σ3 (60°) twin boundary."""
    from mlpc.ebsd_ipf import ipf_colours

    m = ebsd.ebsd_orientation_map(seed=seed)
    ny, nx = m.grain_id.shape
    rgb = ipf_colours(m.quaternions.reshape(-1, 4)).reshape(ny, nx, 3)  # orix's TSL key, in NumPy
    fig, axes = new_figure(ncols=3, size=SLIDE_SIZE_TALL, width_ratios=[1, 1.2, 1.1])
    show_image(axes[0], rgb, pixel_size=m.step_um, title="orientation (IPF-ND)")
    im = show_image(axes[1], m.boundary_misorientation_deg, pixel_size=m.step_um, cmap="magma",
                    vmin=0, vmax=62.8, title="boundaries")
    fig.colorbar(im, ax=axes[1], label=label("misorientation", "°"), shrink=0.8)
    for k, (pair, colour, name) in enumerate(((m.low_angle_pair, OKABE_ITO[4], "5° sub-grain boundary"),
                                              (m.twin_pair, OKABE_ITO[2], "Σ3 twin boundary"))):
        centres = [np.argwhere(m.grain_id == g).mean(axis=0) for g in pair]
        t = np.linspace(0, 1, 60)
        pts = np.round(centres[0][None] + t[:, None] * (centres[1] - centres[0])[None]).astype(int)
        eul = m.euler_deg[pts[:, 0], pts[:, 1]]
        dist = np.hypot(*(pts - pts[0]).T) * m.step_um
        axes[2].plot(dist, ebsd.misorientation_deg(np.repeat(eul[:1], len(eul), axis=0), eul),
                     color=colour, label=name)
        for ax in axes[:2]:
            ax.plot((pts[:, 1] + 0.5) * m.step_um, (pts[:, 0] + 0.5) * m.step_um, color=colour, lw=2.5,
                    ls="--" if k else "-")
    axes[2].set_xlabel(label("distance along line", "µm"))
    axes[2].set_ylabel(label("misorientation to origin", "°"))
    axes[2].legend(loc="center left", fontsize=13)
    axes[2].set_ylim(0, 65)
    fig.suptitle(f"What an EBSD map is: one orientation per pixel ({m.step_um:g} µm steps)", fontsize=18)
    return close(fig)


def stem4d_scan_figure(seed: int = 0) -> Figure:
    """Synthetic 4D-STEM: virtual bright- and dark-field images, the ground-truth phase and strain maps,
    and one diffraction pattern of each phase (log scale, calibrated in nm⁻¹)."""
    scan = stem4d.stem4d_scan(seed=seed)
    cal = scan.calibration
    step = cal.scan_step_nm
    bf = stem4d.virtual_detector_image(scan, 0.0, cal.convergence_semiangle_mrad)
    adf = stem4d.virtual_detector_image(scan, cal.convergence_semiangle_mrad + 1.0, 20.0)
    fig, axes = new_figure(ncols=4, nrows=2, size=(11.0, 6.0))
    show_image(axes[0, 0], bf, pixel_size=step, unit="nm", title="virtual BF")
    show_image(axes[0, 1], adf, pixel_size=step, unit="nm", title="virtual ADF")
    show_image(axes[0, 2], scan.phase, pixel_size=step, unit="nm", title="phase (truth)",
               cmap=ListedColormap(OKABE_ITO[:2]), vmin=-0.5, vmax=1.5)
    patches = [Patch(color=OKABE_ITO[i], label=scan.phase_names[i].split()[0]) for i in (0, 1)]
    axes[0, 2].legend(handles=patches,
                      loc="upper center", bbox_to_anchor=(0.5, -0.28), ncol=2, fontsize=12,
                      handlelength=1.0, columnspacing=0.8)
    im = show_image(axes[0, 3], 100 * scan.strain, pixel_size=step, unit="nm", title="strain (truth)",
                    cmap=DIVERGING_CMAP, vmin=-3, vmax=3)
    fig.colorbar(im, ax=axes[0, 3], label=label("ε", "%"), shrink=0.8)
    npx = scan.counts.shape[-1]
    half = npx / 2 * cal.k_pixel_nm_inv
    extent = (-half, half, -half, half)
    for j, phase in enumerate((0, 1)):
        iy, ix = np.argwhere(scan.phase == phase)[0]
        ax = axes[1, j]
        ax.imshow(np.log1p(scan.counts[iy, ix]), extent=extent, cmap="inferno", interpolation="nearest")
        ax.set_title(scan.phase_names[phase], fontsize=15)
        ax.set_xlabel(label("k_x", "nm⁻¹"))
        ax.set_ylabel(label("k_y", "nm⁻¹"))
    polar = stem4d.stem4d_classification(n=200, seed=seed)
    diff = polar.X[polar.y == 0].mean(axis=0) - polar.X[polar.y == 1].mean(axis=0)
    ax = axes[1, 2]
    ax.imshow(np.log1p(polar.X[0]), extent=extent, cmap="inferno", interpolation="nearest")
    ax.set_title("GaN [11-20]", fontsize=15)
    ax.set_xlabel(label("k_x", "nm⁻¹"))
    lim = np.abs(diff).max()
    ax = axes[1, 3]
    ax.imshow(diff, extent=extent, cmap=DIVERGING_CMAP, vmin=-lim, vmax=lim, interpolation="nearest")
    ax.set_title("+c − (−c) mean", fontsize=15)
    ax.set_xlabel(label("k_x", "nm⁻¹"))
    fig.suptitle(f"Synthetic 4D-STEM: {scan.counts.shape[0]}×{scan.counts.shape[1]} probe positions, "
                 f"{cal.beam_energy_keV:g} keV, α = {cal.convergence_semiangle_mrad:g} mrad "
                 f"(Ophus 2019)", fontsize=17)
    return close(fig)


__all__ = [
    "ni_ebsd_patterns_figure",
    "ni_master_pattern_figure",
    "ebsd_projected_patterns_figure",
    "ebsd_orientation_map_figure",
    "stem4d_scan_figure",
]
