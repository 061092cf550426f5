"""What an SEM detector counts: secondary-electron (SE) topographic contrast, backscattered-electron (BSE)
atomic-number and channelling contrast, charging, and the dose a contrast needs (Rose criterion).

Physics and sources:

- BSE coefficient of a pure element at normal incidence, 10–30 keV: η(Z) = −0.0254 + 0.016 Z
  − 1.86·10⁻⁴ Z² + 8.3·10⁻⁷ Z³ (Reuter 1972, in *Proc. 6th Int. Conf. X-ray Optics and Microanalysis*,
  Univ. Tokyo Press, p. 121; quoted in Reimer, *Scanning Electron Microscopy*, 2nd ed., Springer 1998,
  sec. 4.1). For a compound, η = Σ c_i η_i with mass fractions c_i (Castaing's rule; Reimer 1998);
- SE yield grows with the local tilt θ of the surface as δ(θ) = δ₀ / cos θ (secant law; Reimer 1998,
  sec. 4.3; Seiler 1983, *J. Appl. Phys.* 54, R1), so SE images show topography: edges, steps, scratches;
- electron channelling: in a crystal the BSE yield depends on the beam direction relative to the lattice
  planes by a few per cent, so grains of one phase differ in BSE brightness (orientation or channelling
  contrast; Joy, Newbury & Davidson 1982, *J. Appl. Phys.* 53, R81);
- charging: an insulator under the beam stores charge that leaks away with a time constant; its field
  changes SE emission and collection of the pixels scanned next, giving bright saturated particles and
  streaks along the fast-scan direction (Cazaux 2004, *Scanning* 26, 181). :func:`charging_artefact` is a
  minimal phenomenological model of this (accumulate, leak, add), not a charge-transport simulation;
- Rose criterion: a feature of contrast C = ΔS/S is seen reliably when C·sqrt(N) ≥ 5, N the detected
  counts per pixel of the background (Rose 1948, *J. Opt. Soc. Am.* 38, 196).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from scipy import ndimage, signal

#: Atomic numbers of the elements used in the course's SEM examples.
ATOMIC_NUMBER: dict[str, int] = {
    "C": 6, "O": 8, "Al": 13, "Si": 14, "S": 16, "Ti": 22, "Cr": 24, "Mn": 25, "Fe": 26, "Ni": 28,
    "Cu": 29, "Zn": 30, "Mo": 42, "Ag": 47, "W": 74, "Au": 79,
}

#: Phases of the Al–Si–Cu casting-alloy section (mass fractions).
ALSICU_PHASES: dict[str, dict[str, float]] = {
    "α-Al": {"Al": 1.0},
    "eutectic Si": {"Si": 1.0},
    "θ-Al2Cu": {"Al": 0.465, "Cu": 0.535},
}

#: Elementary charge (C): converts beam current and dwell time to electrons per pixel.
ELEMENTARY_CHARGE_C = 1.602176634e-19


def backscatter_coefficient(z: float | np.ndarray) -> np.ndarray:
    """BSE coefficient η of a pure element of atomic number ``z`` (Reuter 1972), valid for Z = 5–90."""
    zz = np.asarray(z, dtype=float)
    if np.any((zz < 5) | (zz > 90)):
        raise ValueError(f"z must be in [5, 90] for Reuter's fit, got {z!r}")
    return -0.0254 + 0.016 * zz - 1.86e-4 * zz**2 + 8.3e-7 * zz**3


def compound_backscatter(composition_wt: Mapping[str, float]) -> float:
    """BSE coefficient of a phase of given mass fractions: Σ c_i η(Z_i) (Castaing's rule)."""
    total = sum(composition_wt.values())
    if not composition_wt or abs(total - 1.0) > 1e-3:
        raise ValueError(f"mass fractions must sum to 1, got {dict(composition_wt)} (sum {total:.4f})")
    unknown = [el for el in composition_wt if el not in ATOMIC_NUMBER]
    if unknown:
        raise ValueError(f"unknown elements {unknown}; known: {sorted(ATOMIC_NUMBER)}")
    return float(sum(c * backscatter_coefficient(ATOMIC_NUMBER[el]) for el, c in composition_wt.items()))


def secondary_yield(height: np.ndarray, pixel_size: float, delta0: float | np.ndarray = 1.0) -> np.ndarray:
    """SE yield map δ₀ / cos θ from a height map (same length unit as ``pixel_size``): the local tilt θ
    follows from the height gradient, cos θ = 1 / sqrt(1 + |∇h|²) (secant law)."""
    h = np.asarray(height, dtype=float)
    if h.ndim != 2:
        raise ValueError(f"height must be a 2D map, got shape {h.shape}")
    if not np.isfinite(pixel_size) or pixel_size <= 0:
        raise ValueError(f"pixel_size must be > 0, got {pixel_size!r}")
    gy, gx = np.gradient(h, pixel_size)
    return np.asarray(delta0, dtype=float) * np.sqrt(1.0 + gx**2 + gy**2)


def rose_counts(contrast: float, k: float = 5.0) -> float:
    """Detected counts per pixel that make a contrast ``contrast`` (ΔS/S) visible: N = (k / C)² (Rose 1948)."""
    c = abs(float(contrast))
    if c <= 0 or not np.isfinite(c):
        raise ValueError(f"contrast must be non-zero and finite, got {contrast!r}")
    return float((k / c) ** 2)


def electrons_per_pixel(current_nA: float, dwell_us: float) -> float:
    """Incident electrons per pixel for a probe current (nA) and a dwell time (µs)."""
    if current_nA <= 0 or dwell_us <= 0:
        raise ValueError(f"current_nA and dwell_us must be > 0, got {current_nA!r}, {dwell_us!r}")
    return current_nA * 1e-9 * dwell_us * 1e-6 / ELEMENTARY_CHARGE_C


@dataclass(frozen=True)
class SEMSection:
    """A polished section seen by SE and BSE detectors (noise free; add the probe and counting noise with
    :func:`mlpc.datasets.imaging.acquire`).

    ``phase_map``: index into ``phase_names``; ``height_um``: surface height (relief of hard phases,
    polishing scratches); ``bse_yield``: η per pixel; ``se_yield``: δ/δ₀ per pixel (topography only);
    ``pixel_size_um``.
    """

    phase_map: np.ndarray
    phase_names: tuple[str, ...]
    height_um: np.ndarray
    bse_yield: np.ndarray
    se_yield: np.ndarray
    pixel_size_um: float
    description: str


def _smooth_step(mask: np.ndarray, width_px: float) -> np.ndarray:
    return ndimage.gaussian_filter(mask.astype(float), width_px, mode="reflect")


def alsicu_section(size: int = 192, pixel_size_um: float = 0.1, n_si: int = 14, n_theta: int = 8,
                   relief_um: float = 0.1, scratch_depth_um: float = 0.15, seed: int = 0) -> SEMSection:
    """A polished Al–Si–Cu casting alloy: α-Al matrix, eutectic Si plates and blocky θ-Al2Cu particles,
    with one polishing scratch.

    Si is harder than Al and stands ``relief_um`` proud after polishing (relief polishing); θ is modelled
    flat. The scratch is a Gaussian groove of depth ``scratch_depth_um`` and FWHM 0.4 µm. Phase BSE
    yields from :func:`compound_backscatter`; the SE yield from the height map by the secant law.
    """
    if int(size) != size or not 32 <= size <= 1024:
        raise ValueError(f"size must be an integer in [32, 1024], got {size!r}")
    if not 0.005 <= pixel_size_um <= 5:
        raise ValueError(f"pixel_size_um must be in [0.005, 5], got {pixel_size_um!r}")
    rng = np.random.default_rng(seed)
    yy, xx = (np.mgrid[0:size, 0:size] + 0.5) * pixel_size_um
    phase = np.zeros((size, size), dtype=np.int8)
    for _ in range(int(n_si)):  # plates: 2-5 µm long, 0.3-0.7 µm thick
        cy, cx = rng.uniform(0, size * pixel_size_um, 2)
        t = rng.uniform(0, np.pi)
        u = (xx - cx) * np.cos(t) + (yy - cy) * np.sin(t)
        v = -(xx - cx) * np.sin(t) + (yy - cy) * np.cos(t)
        half_len, half_w = rng.uniform(1.0, 2.5), rng.uniform(0.15, 0.35)
        phase[(u / half_len) ** 2 + (v / half_w) ** 2 <= 1] = 1
    for _ in range(int(n_theta)):  # blocky particles, 0.8-1.6 µm across
        cy, cx = rng.uniform(0, size * pixel_size_um, 2)
        r = rng.uniform(0.4, 0.8)
        phase[np.maximum(np.abs(xx - cx), np.abs(yy - cy) * rng.uniform(0.7, 1.3)) <= r] = 2
    names = tuple(ALSICU_PHASES)
    eta = np.array([compound_backscatter(ALSICU_PHASES[n]) for n in names])
    height = relief_um * _smooth_step(phase == 1, 0.7)
    x0, angle = rng.uniform(0.3, 0.7) * size * pixel_size_um, rng.uniform(-0.3, 0.3)
    dist = (xx - x0) * np.cos(angle) - (yy - size * pixel_size_um / 2) * np.sin(angle)
    height = height - scratch_depth_um * np.exp(-0.5 * (dist / (0.4 / 2.3548)) ** 2)
    return SEMSection(phase_map=phase, phase_names=names, height_um=height, bse_yield=eta[phase],
                      se_yield=secondary_yield(height, pixel_size_um), pixel_size_um=float(pixel_size_um),
                      description=(f"polished Al–Si–Cu section {size * pixel_size_um:g} µm wide; BSE η: "
                                   + ", ".join(f"{n} {e:.3f}" for n, e in zip(names, eta, strict=True))))


def channelling_yield(labels: np.ndarray, eta: float, amplitude: float = 0.03, seed: int = 0) -> np.ndarray:
    """BSE yield of a single-phase polycrystal: η × (1 + amplitude × u_g), u_g uniform in [−1, 1] per
    grain g, a stand-in for the orientation dependence of channelling (a few per cent; Joy et al. 1982)."""
    lab = np.asarray(labels)
    if not 0 <= amplitude < 0.5:
        raise ValueError(f"amplitude must be in [0, 0.5), got {amplitude!r}")
    rng = np.random.default_rng(seed)
    u = rng.uniform(-1.0, 1.0, int(lab.max()) + 1)
    return eta * (1.0 + amplitude * u[lab])


def charging_artefact(image: np.ndarray, insulator: np.ndarray, strength: float = 0.6,
                      leak_px: float = 40.0, saturation: float = 1.0) -> np.ndarray:
    """Add charging to an SE image scanned row by row (fast scan along x).

    Charge builds up while the probe is on an ``insulator`` pixel and leaks with a time constant of
    ``leak_px`` pixel dwell times (in scan order, so it carries over to the next lines); the signal of
    every pixel is raised by ``strength`` × the stored charge, and clipped at the detector's
    ``saturation``. The insulator itself saturates. Minimal model after Cazaux (2004).
    """
    img = np.asarray(image, dtype=float)
    ins = np.asarray(insulator, dtype=bool)
    if img.shape != ins.shape or img.ndim != 2:
        raise ValueError(f"image and insulator must be 2D of one shape, got {img.shape} and {ins.shape}")
    if leak_px <= 0:
        raise ValueError(f"leak_px must be > 0 pixel dwell times, got {leak_px!r}")
    a = np.exp(-1.0 / leak_px)
    charge = signal.lfilter([1.0 - a], [1.0, -a], ins.ravel().astype(float)).reshape(img.shape)
    out = img + strength * charge
    out[ins] = saturation
    return np.minimum(out, saturation)


__all__ = [
    "ALSICU_PHASES",
    "ATOMIC_NUMBER",
    "ELEMENTARY_CHARGE_C",
    "SEMSection",
    "alsicu_section",
    "backscatter_coefficient",
    "channelling_yield",
    "charging_artefact",
    "compound_backscatter",
    "electrons_per_pixel",
    "rose_counts",
    "secondary_yield",
]
