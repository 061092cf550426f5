"""Synthetic 4D-STEM: a scan of nanobeam diffraction patterns (Bragg disks) with phase, orientation and
strain maps as ground truth, and a labelled pattern set for classification.

Physics (Ophus, "Four-dimensional scanning transmission electron microscopy (4D-STEM): from scanning
nanodiffraction to ptychography and beyond", Microsc. Microanal. 25 (2019) 563; Williams & Carter,
*Transmission Electron Microscopy*, 2nd ed., Springer 2009, ch. 9 and 20):

- A convergent probe of semi-angle α gives diffraction *disks* of angular radius α; a Bragg disk sits at
  the reciprocal-lattice vector g = h a* + k b*, |g| = 1/d, i.e. at the scattering angle 2θ ≈ λ/d
  (small-angle Bragg law). On the detector the camera length L turns the angle into a distance
  (R = L λ / d); here the calibration is given directly in nm⁻¹ and mrad per pixel (mrad = λ · nm⁻¹).
- λ is the relativistic electron wavelength at the beam energy (300 keV: 1.97 pm).
- Disk intensities follow a kinematical structure factor of projected atom columns,
  F(g) = Σ_j Z_j exp(2πi g·r_j), times an electron-scattering-factor fall-off 1/(1 + (|g|/g₀)²)
  (screened-Coulomb shape) and a Debye–Waller factor exp(−B|g|²/2) on the intensity.
- Strain: a lattice parameter a(1 + ε) moves every disk radially to g/(1 + ε) ≈ g(1 − ε); an in-plane
  rotation of the crystal rotates the disk pattern by the same angle.
- Counts are Poisson distributed at the dose (electrons per probe position).

Phases of the scan: SrTiO₃ [001] (square, a = 0.3905 nm) and wurtzite GaN [0001] (hexagonal,
a = 0.3189 nm). The classification set adds GaN [11-20], a polar projection in which dynamical
scattering breaks Friedel's law, I(g) ≠ I(−g), so that the two inversion-domain variants differ only in
how disks on opposite sides of the pattern compare (Taftø & Spence, J. Appl. Cryst. 15 (1982) 60); that
asymmetry is modelled phenomenologically, not by a dynamical calculation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import constants

#: Projected 2D crystals: real-space basis vectors (nm, rows) and atom columns (fractional x, y, weight Z).
CRYSTALS: dict[str, dict[str, object]] = {
    "SrTiO3 [001]": {
        "basis_nm": np.array([[0.3905, 0.0], [0.0, 0.3905]]),
        "columns": [(0.0, 0.0, 38.0), (0.5, 0.5, 30.0), (0.5, 0.0, 8.0), (0.0, 0.5, 8.0)],
        "symmetry_deg": 90.0,
    },
    "GaN [0001]": {
        "basis_nm": np.array([[0.3189, 0.0], [-0.3189 / 2, 0.3189 * np.sqrt(3) / 2]]),  # γ = 120°
        "columns": [(1 / 3, 2 / 3, 38.0), (2 / 3, 1 / 3, 38.0)],
        "symmetry_deg": 60.0,
    },
}
#: Phase names of :func:`stem4d_scan`, in label order.
SCAN_PHASES: tuple[str, ...] = ("SrTiO3 [001]", "GaN [0001]")
#: GaN [11-20]: in-plane d(1-100) = √3 a / 2 along x and c along y (nm).
_GAN_D1100_NM = 0.3189 * np.sqrt(3) / 2
_GAN_C_NM = 0.5185


@dataclass(frozen=True)
class STEM4DCalibration:
    """Calibration of a 4D-STEM data set (diffraction and scan)."""

    k_pixel_nm_inv: float
    k_pixel_mrad: float
    center_px: tuple[float, float]
    disk_radius_px: float
    convergence_semiangle_mrad: float
    beam_energy_keV: float
    wavelength_nm: float
    scan_step_nm: float


@dataclass(frozen=True)
class STEM4DScan:
    """A 4D-STEM scan with ground truth.

    ``counts`` has shape (scan_y, scan_x, ky, kx) in electrons (Poisson) or, with ``dose=None``, the
    expected counts. Ground truth per probe position: ``phase`` (index into ``phase_names``),
    ``rotation_deg`` (in-plane crystal rotation) and ``strain`` (isotropic lattice strain ε).
    """

    counts: np.ndarray
    calibration: STEM4DCalibration
    phase: np.ndarray
    rotation_deg: np.ndarray
    strain: np.ndarray
    phase_names: tuple[str, ...]
    dose_e_per_pattern: float
    description: str


@dataclass(frozen=True)
class STEM4DSamples:
    """Patterns ``X`` (n, ky, kx) in electrons with class labels ``y`` and the nuisance ground truth."""

    X: np.ndarray
    y: np.ndarray
    class_names: tuple[str, ...]
    rotation_deg: np.ndarray
    strain: np.ndarray
    calibration: STEM4DCalibration
    description: str


def electron_wavelength_nm(beam_energy_keV: float) -> float:
    """Relativistic electron wavelength λ = h / √(2 m₀ e U (1 + e U / 2 m₀ c²)) in nm (300 kV: 1.97 pm)."""
    if not (np.isfinite(beam_energy_keV) and 1 <= beam_energy_keV <= 3000):
        raise ValueError(f"beam_energy_keV must be in [1, 3000] keV, got {beam_energy_keV!r}")
    e_u = beam_energy_keV * 1e3 * constants.e
    m0 = constants.m_e
    p = np.sqrt(2 * m0 * e_u * (1 + e_u / (2 * m0 * constants.c**2)))
    return float(constants.h / p * 1e9)


def reciprocal_basis_nm_inv(basis_nm: np.ndarray) -> np.ndarray:
    """Reciprocal basis (rows a*, b*) of a 2D real-space basis (rows a, b): a_i · b*_j = δ_ij, in nm⁻¹."""
    return np.linalg.inv(np.asarray(basis_nm, dtype=float)).T


def _calibration(pattern_px: int, k_pixel_nm_inv: float, beam_energy_keV: float,
                 convergence_mrad: float, step_nm: float) -> STEM4DCalibration:
    lam = electron_wavelength_nm(beam_energy_keV)
    c = (pattern_px - 1) / 2
    return STEM4DCalibration(
        k_pixel_nm_inv=float(k_pixel_nm_inv), k_pixel_mrad=float(k_pixel_nm_inv * lam * 1e3),
        center_px=(c, c), disk_radius_px=float(convergence_mrad * 1e-3 / lam / k_pixel_nm_inv),
        convergence_semiangle_mrad=float(convergence_mrad), beam_energy_keV=float(beam_energy_keV),
        wavelength_nm=lam, scan_step_nm=float(step_nm),
    )


def _reflections(name: str, g_max: float) -> tuple[np.ndarray, np.ndarray]:
    """Bragg reflections g (m, 2) in nm⁻¹ with 0 < |g| ≤ g_max and their kinematical |F|² (unnormalised)."""
    crystal = CRYSTALS[name]
    recip = reciprocal_basis_nm_inv(crystal["basis_nm"])
    n = int(np.ceil(g_max / np.min(np.linalg.norm(recip, axis=1)))) + 1
    h, k = np.meshgrid(np.arange(-n, n + 1), np.arange(-n, n + 1), indexing="ij")
    hk = np.column_stack([h.ravel(), k.ravel()])
    g = hk @ recip
    keep = (np.linalg.norm(g, axis=1) <= g_max) & np.any(hk != 0, axis=1)
    hk, g = hk[keep], g[keep]
    cols = np.asarray(crystal["columns"], dtype=float)
    phase = 2j * np.pi * (hk @ cols[:, :2].T)
    f2 = np.abs(np.exp(phase) @ cols[:, 2]) ** 2
    return g, f2


def _falloff(g_abs: np.ndarray, g0_nm_inv: float = 3.0, b_nm2: float = 0.005) -> np.ndarray:
    """Scattering-factor fall-off (squared, screened-Coulomb shape) times Debye–Waller exp(−B|g|²/2)."""
    return (1.0 / (1.0 + (g_abs / g0_nm_inv) ** 2)) ** 2 * np.exp(-b_nm2 * g_abs**2 / 2)


def _render(centres_px: np.ndarray, totals: np.ndarray, radius_px: float, pattern_px: int) -> np.ndarray:
    """Sum of uniform disks with an anti-aliased edge; each disk holds ``total`` electrons.

    Each disk's coverage is normalised over the full (unclipped) disk, so a disk inside the detector
    contributes exactly its electrons and a disk partly outside loses only the part that misses it.
    """
    margin = pattern_px / 2 + radius_px + 1
    inside = np.all(np.abs(centres_px - (pattern_px - 1) / 2) < margin, axis=1)
    c, t = centres_px[inside], totals[inside]
    half = int(np.ceil(radius_px)) + 2
    k = np.arange(-half, half + 1)
    ky, kx = (a.ravel() for a in np.meshgrid(k, k, indexing="ij"))
    base = np.floor(c).astype(int)
    frac = c - base
    cover = np.clip(radius_px - np.hypot(ky[None] - frac[:, :1], kx[None] - frac[:, 1:]) + 0.5, 0.0, 1.0)
    weight = cover * (t / cover.sum(axis=1))[:, None]
    rows, cols = base[:, :1] + ky[None], base[:, 1:] + kx[None]
    on = (rows >= 0) & (rows < pattern_px) & (cols >= 0) & (cols < pattern_px) & (weight > 0)
    out = np.zeros(pattern_px * pattern_px)
    np.add.at(out, rows[on] * pattern_px + cols[on], weight[on])
    return out.reshape(pattern_px, pattern_px)


def _pattern(g_nm_inv: np.ndarray, weights: np.ndarray, rotation_deg: float, strain: float,
             cal: STEM4DCalibration, pattern_px: int, scattered_fraction: float) -> np.ndarray:
    """Expected pattern (sum 1 electron before detector clipping) of a rotated, strained crystal."""
    th = np.radians(rotation_deg)
    rot = np.array([[np.cos(th), -np.sin(th)], [np.sin(th), np.cos(th)]])
    g = (g_nm_inv @ rot.T) / (1.0 + strain)
    cy, cx = cal.center_px
    # g = (gx, gy) with gy pointing up on the detector, i.e. towards decreasing row index
    centres = np.column_stack([cy - g[:, 1] / cal.k_pixel_nm_inv, cx + g[:, 0] / cal.k_pixel_nm_inv])
    centres = np.vstack([[cy, cx], centres])
    totals = np.concatenate([[1.0 - scattered_fraction], scattered_fraction * weights / weights.sum()])
    return _render(centres, totals, cal.disk_radius_px, pattern_px)


def _check_range(name: str, value: float, lo: float, hi: float) -> None:
    if not (np.isfinite(value) and lo <= value <= hi):
        raise ValueError(f"{name} must be in [{lo}, {hi}], got {value!r}")


def stem4d_scan(scan_shape: tuple[int, int] = (32, 32), pattern_px: int = 48, step_nm: float = 2.0,
                k_pixel_nm_inv: float = 0.375, beam_energy_keV: float = 300.0,
                convergence_mrad: float = 1.5, dose_e_per_pattern: float | None = 1e4,
                n_grains: int = 6, max_strain: float = 0.03,
                scattered_fraction: tuple[float, float] = (0.45, 0.3),
                seed: int = 0) -> STEM4DScan:
    """A synthetic 4D-STEM scan of a two-phase polycrystal with a strain gradient (Ophus 2019).

    The scan is divided into ``n_grains`` Voronoi grains; even grains are SrTiO₃ [001], odd grains GaN
    [0001], each with a random in-plane rotation. The isotropic strain ε rises linearly along x from 0 to
    ``max_strain`` (a bent or graded film), so every disk moves radially to g/(1 + ε). The central
    (transmitted) disk carries ``1 − scattered_fraction[phase]`` of the electrons (SrTiO₃, with Sr
    columns, scatters more than GaN at equal thickness: virtual BF/ADF contrast); disks of radius
    α/λ sit at g = h a* + k b*. Default: 32 × 32 probe positions of 48 × 48 px (0.375 nm⁻¹ =
    0.74 mrad per pixel at 300 keV, α = 1.5 mrad, disk radius 2.0 px) in about 0.5 s.
    ``dose_e_per_pattern=None`` returns the expected counts (electrons per incident electron).

    SrTiO₃ (100) disks are weak, |F|² ∝ (Z_Sr − Z_Ti − Z_O)², against (110) ∝ (Z_Sr + Z_Ti − Z_O)²;
    GaN (10-10) disks are a quarter as strong as (11-20) (two columns per cell, F = −1 against 2).
    """
    if len(scan_shape) != 2 or min(scan_shape) < 2 or max(scan_shape) > 256:
        raise ValueError(f"scan_shape must be two sizes in [2, 256], got {scan_shape!r}")
    _check_range("pattern_px", pattern_px, 16, 256)
    _check_range("step_nm", step_nm, 1e-3, 1e3)
    _check_range("k_pixel_nm_inv", k_pixel_nm_inv, 0.01, 5.0)
    _check_range("convergence_mrad", convergence_mrad, 0.05, 30.0)
    _check_range("n_grains", n_grains, 1, 100)
    _check_range("max_strain", max_strain, -0.2, 0.2)
    if len(scattered_fraction) != len(SCAN_PHASES):
        raise ValueError(f"scattered_fraction needs one value per phase {SCAN_PHASES}, "
                         f"got {scattered_fraction!r}")
    for value in scattered_fraction:
        _check_range("scattered_fraction", value, 0.0, 0.99)
    if dose_e_per_pattern is not None:
        _check_range("dose_e_per_pattern", dose_e_per_pattern, 1.0, 1e9)
    rng = np.random.default_rng(seed)
    cal = _calibration(int(pattern_px), k_pixel_nm_inv, beam_energy_keV, convergence_mrad, step_nm)
    g_max = np.sqrt(2) * (pattern_px / 2 + cal.disk_radius_px + 1) * k_pixel_nm_inv * (1 + abs(max_strain))
    refl = {}
    for name in SCAN_PHASES:
        g, f2 = _reflections(name, g_max)
        refl[name] = (g, f2 * _falloff(np.linalg.norm(g, axis=1)))
    ny, nx = scan_shape
    seeds = rng.uniform([0, 0], [ny, nx], size=(int(n_grains), 2))
    yy, xx = np.mgrid[0:ny, 0:nx]
    grain = np.argmin((yy[..., None] - seeds[:, 0]) ** 2 + (xx[..., None] - seeds[:, 1]) ** 2, axis=-1)
    grain_phase = np.arange(int(n_grains)) % 2
    grain_rot = np.array([rng.uniform(0, CRYSTALS[SCAN_PHASES[p]]["symmetry_deg"]) for p in grain_phase])
    phase = grain_phase[grain]
    rotation = grain_rot[grain]
    strain = max_strain * xx / max(nx - 1, 1) * np.ones((ny, 1))
    expected = np.empty((ny, nx, pattern_px, pattern_px))
    for iy in range(ny):
        for ix in range(nx):
            g, w = refl[SCAN_PHASES[phase[iy, ix]]]
            expected[iy, ix] = _pattern(g, w, rotation[iy, ix], strain[iy, ix], cal, pattern_px,
                                        scattered_fraction[phase[iy, ix]])
    if dose_e_per_pattern is None:
        counts = expected
    else:
        counts = rng.poisson(expected * dose_e_per_pattern).astype(float)
    return STEM4DScan(
        counts=counts.astype(np.float32), calibration=cal, phase=phase, rotation_deg=rotation,
        strain=strain, phase_names=SCAN_PHASES, dose_e_per_pattern=float(dose_e_per_pattern or 0.0),
        description=f"Synthetic 4D-STEM, {ny}×{nx} probe positions at {step_nm:g} nm, {pattern_px}² px "
                    f"patterns, SrTiO3/GaN grains, strain 0→{max_strain:g} along x",
    )


def _polar_reflections(g_max: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """GaN [11-20]: g = n (1-100)* + l (0001)*, (0, l odd) extinct (6₃ screw); returns g, |F|²·fall-off, l."""
    n_max = int(np.ceil(g_max * _GAN_D1100_NM)) + 1
    l_max = int(np.ceil(g_max * _GAN_C_NM)) + 1
    n, ll = np.meshgrid(np.arange(-n_max, n_max + 1), np.arange(-l_max, l_max + 1), indexing="ij")
    n, ll = n.ravel(), ll.ravel()
    g = np.column_stack([n / _GAN_D1100_NM, ll / _GAN_C_NM])
    keep = (np.linalg.norm(g, axis=1) <= g_max) & ((n != 0) | (ll != 0)) & ~((n == 0) & (ll % 2 == 1))
    g, ll = g[keep], ll[keep]
    return g, _falloff(np.linalg.norm(g, axis=1)), ll


def stem4d_classification(n: int = 512, task: Literal["polarity", "phase"] = "polarity",
                          pattern_px: int = 48, dose_e_per_pattern: float = 3e3,
                          max_rotation_deg: float = 15.0, max_strain: float = 0.02,
                          friedel_asymmetry: float = 0.4, max_tilt_gradient_nm: float = 0.25,
                          seed: int = 0) -> STEM4DSamples:
    """Labelled 4D-STEM patterns for ML, with a long-range cue that motivates attention.

    ``task="polarity"`` (default): GaN [11-20] patterns of the two inversion-domain variants (+c up,
    label 0; −c up, label 1). Friedel pairs g, −g with l ≠ 0 differ by a factor (1 ± ``friedel_asymmetry``)
    whose sign is the polarity (dynamical breaking of Friedel's law, Taftø & Spence 1982), while every
    Friedel pair gets its own random brightness, shared by g and −g (thickness and excitation error change
    dynamical intensities by factors of several: log-normal, σ = 1). One disk alone is a weak cue (about
    70 % correct); comparing it with the disk on the far side of the pattern is strong (99 %, no mistilt).
    A small mistilt off the zone axis brightens one side of the pattern (the Laue circle moves;
    Williams & Carter 2009, ch. 20), modelled as exp(κ g·t̂) with a random direction t̂ and κ up to
    ``max_tilt_gradient_nm`` (nm): a nuisance that also makes I(g) ≠ I(−g), but growing with |g| where
    the polarity factor does not.

    ``task="phase"``: SrTiO₃ [001] (0) versus GaN [0001] (1), a local cue (disk spacing and symmetry),
    as a baseline. Each pattern has a random rotation in ±``max_rotation_deg`` (polarity) or over the
    full symmetry range (phase), strain in ±``max_strain`` and Poisson noise. Default: 512 patterns of
    48 × 48 px in about 0.3 s.
    """
    if task not in ("polarity", "phase"):
        raise ValueError(f"task must be 'polarity' or 'phase', got {task!r}")
    if not (isinstance(n, int | np.integer) and 2 <= n <= 100_000):
        raise ValueError(f"n must be an integer in [2, 100000], got {n!r}")
    _check_range("pattern_px", pattern_px, 16, 256)
    _check_range("dose_e_per_pattern", dose_e_per_pattern, 1.0, 1e9)
    _check_range("max_rotation_deg", max_rotation_deg, 0.0, 45.0)
    _check_range("max_strain", max_strain, 0.0, 0.2)
    _check_range("friedel_asymmetry", friedel_asymmetry, 0.0, 0.9)
    _check_range("max_tilt_gradient_nm", max_tilt_gradient_nm, 0.0, 2.0)
    rng = np.random.default_rng(seed)
    cal = _calibration(int(pattern_px), 0.375 * 48 / pattern_px, 300.0, 1.5, 1.0)
    g_max = np.sqrt(2) * (pattern_px / 2 + cal.disk_radius_px + 1) * cal.k_pixel_nm_inv * (1 + max_strain)
    y = rng.permutation(np.arange(n) % 2)
    strain = rng.uniform(-max_strain, max_strain, n)
    X = np.empty((n, pattern_px, pattern_px))
    if task == "polarity":
        g, w, ll = _polar_reflections(g_max)
        rotation = rng.uniform(-max_rotation_deg, max_rotation_deg, n)
        # Friedel partner of each reflection: the row of -g
        partner = np.array([np.argmin(np.linalg.norm(g + gi, axis=1)) for gi in g])
        for i in range(n):
            log_factor = rng.normal(0.0, 1.0, len(g))
            pair_factor = np.exp(np.where(np.arange(len(g)) < partner, log_factor, log_factor[partner]))
            polarity = 1.0 if y[i] == 0 else -1.0
            tilt_azimuth = rng.uniform(0.0, 2 * np.pi)
            tilt = rng.uniform(0.0, max_tilt_gradient_nm) * np.array([np.cos(tilt_azimuth),
                                                                       np.sin(tilt_azimuth)])
            wi = w * pair_factor * (1.0 + polarity * friedel_asymmetry * np.sign(ll)) * np.exp(g @ tilt)
            X[i] = _pattern(g, wi, rotation[i], strain[i], cal, pattern_px, 0.5)
        names = ("GaN [11-20], +c up", "GaN [11-20], −c up")
    else:
        rotation = np.empty(n)
        refl = [_reflections(name, g_max) for name in SCAN_PHASES]
        for i in range(n):
            g, f2 = refl[y[i]]
            rotation[i] = rng.uniform(0, CRYSTALS[SCAN_PHASES[y[i]]]["symmetry_deg"])
            wi = f2 * _falloff(np.linalg.norm(g, axis=1)) * rng.lognormal(0.0, 0.3, len(g))
            X[i] = _pattern(g, wi, rotation[i], strain[i], cal, pattern_px, 0.5)
        names = SCAN_PHASES
    counts = rng.poisson(X * dose_e_per_pattern).astype(np.float32)
    return STEM4DSamples(
        X=counts, y=y, class_names=tuple(names), rotation_deg=rotation, strain=strain, calibration=cal,
        description=f"{n} synthetic 4D-STEM patterns ({task} task), {pattern_px}² px, "
                    f"{dose_e_per_pattern:g} e⁻ per pattern",
    )


def virtual_detector_image(scan: STEM4DScan, inner_mrad: float, outer_mrad: float) -> np.ndarray:
    """Virtual detector image: counts summed over the annulus inner ≤ angle < outer (mrad) per probe position.

    ``inner_mrad=0`` and ``outer_mrad`` ≤ α gives a virtual bright-field image; an annulus outside the
    central disk gives an annular dark-field image (Ophus 2019).
    """
    if not (0 <= inner_mrad < outer_mrad):
        raise ValueError(f"need 0 ≤ inner_mrad < outer_mrad, got {inner_mrad!r}, {outer_mrad!r}")
    cal = scan.calibration
    npx = scan.counts.shape[-1]
    yy, xx = np.mgrid[0:npx, 0:npx]
    angle = np.hypot(yy - cal.center_px[0], xx - cal.center_px[1]) * cal.k_pixel_mrad
    mask = (angle >= inner_mrad) & (angle < outer_mrad)
    return np.tensordot(scan.counts, mask.astype(np.float32), axes=([2, 3], [0, 1]))


__all__ = [
    "CRYSTALS",
    "SCAN_PHASES",
    "STEM4DCalibration",
    "STEM4DScan",
    "STEM4DSamples",
    "electron_wavelength_nm",
    "reciprocal_basis_nm_inv",
    "stem4d_scan",
    "stem4d_classification",
    "virtual_detector_image",
]
