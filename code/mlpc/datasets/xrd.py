"""X-ray powder diffractograms of real crystal structures, with the broadening a real diffractometer adds.

The structures (bcc Fe, fcc Fe, Al, Cu, Ni, hcp Ti) are built in code with ``pymatgen`` from their
space group and lattice parameters; peak positions, Miller indices and intensities (structure factor,
multiplicity, Lorentz-polarisation factor) come from
:class:`pymatgen.analysis.diffraction.xrd.XRDCalculator`. The profile on the 2θ grid follows the usual
textbook model (Cullity & Stock, *Elements of X-ray Diffraction*, 3rd ed., Pearson 2014):

- Bragg's law, λ = 2 d sin θ, for every reflection and for both lines of the Cu Kα doublet
  (λ1 = 0.154056 nm, λ2 = 0.154439 nm, I(Kα2)/I(Kα1) = 0.5);
- crystallite-size broadening by the Scherrer equation, β = K λ / (L cos θ) with K = 0.9 and β the
  FWHM in radians of 2θ (Scherrer 1918, *Nachr. Ges. Wiss. Göttingen*, 98–100);
- microstrain broadening β = 4 ε tan θ (Stokes & Wilson 1944), added linearly to the size term as in a
  Williamson–Hall analysis;
- instrumental broadening by the Caglioti function, FWHM² = U tan²θ + V tan θ + W (Caglioti, Paoletti
  & Ricci 1958, *Nucl. Instrum.* 3, 223);
- Thompson–Cox–Hastings pseudo-Voigt peaks: Gaussian width from the instrument, Lorentzian width from
  size and strain, combined into one FWHM and mixing parameter η (Thompson, Cox & Hastings 1987,
  *J. Appl. Cryst.* 20, 79);
- an exponential-plus-linear background and Poisson counting noise.

Phase mixtures follow the direct comparison method (Cullity & Stock 2014, ch. 12; ASTM E975): the
integrated intensity of reflection hkl of phase α is proportional to c_α R_hkl with
R = |F|² p LP / v², v the unit-cell volume and c_α the volume fraction.

Example::

    from mlpc.datasets.xrd import xrd_pattern
    pattern = xrd_pattern("Fe-bcc", crystallite_size_nm=30.0, seed=0)
    pattern.two_theta_deg, pattern.counts, pattern.peaks[0].hkl
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy.optimize import curve_fit

#: Cu Kα1 and Kα2 wavelengths (nm) and the Kα2/Kα1 intensity ratio (Cullity & Stock 2014, appendix).
CU_KA1_NM = 0.154056
CU_KA2_NM = 0.154439
KA2_RATIO = 0.5
#: Scherrer shape factor for spherical crystallites and FWHM (Scherrer 1918; Cullity & Stock 2014).
SCHERRER_K = 0.9
#: Caglioti parameters (deg²) of a typical laboratory Bragg–Brentano diffractometer:
#: FWHM ≈ 0.05° at 2θ = 45° rising to ≈ 0.10° at 2θ = 115°.
DEFAULT_CAGLIOTI_UVW_DEG2 = (0.0045, -0.0025, 0.0030)


@dataclass(frozen=True)
class PhaseSpec:
    """A crystal structure from its space group, lattice parameters (nm) and one atom site."""

    name: str
    description: str
    space_group: str
    a_nm: float
    c_nm: float | None
    species: str
    frac_coords: tuple[float, float, float]


#: The phases available to :func:`xrd_pattern`; lattice parameters at room temperature
#: (Cullity & Stock 2014, appendix 5; fcc Fe: austenite of a 0.4 wt% C steel, a ≈ 0.3591 nm).
PHASES: dict[str, PhaseSpec] = {
    "Fe-bcc": PhaseSpec("Fe-bcc", "ferrite, bcc α-Fe", "Im-3m", 0.28665, None, "Fe", (0.0, 0.0, 0.0)),
    "Fe-fcc": PhaseSpec("Fe-fcc", "austenite, fcc γ-Fe", "Fm-3m", 0.3591, None, "Fe", (0.0, 0.0, 0.0)),
    "Al": PhaseSpec("Al", "aluminium, fcc", "Fm-3m", 0.40495, None, "Al", (0.0, 0.0, 0.0)),
    "Cu": PhaseSpec("Cu", "copper, fcc", "Fm-3m", 0.36149, None, "Cu", (0.0, 0.0, 0.0)),
    "Ni": PhaseSpec("Ni", "nickel, fcc", "Fm-3m", 0.35240, None, "Ni", (0.0, 0.0, 0.0)),
    "Ti-hcp": PhaseSpec("Ti-hcp", "α-titanium, hcp", "P6_3/mmc", 0.29508, 0.46855, "Ti",
                        (1.0 / 3.0, 2.0 / 3.0, 0.25)),
}


def ferrite_austenite(austenite_fraction: float = 0.5) -> dict[str, float]:
    """Phase (volume) fractions of a two-phase ferrite + austenite steel, e.g. a duplex stainless steel."""
    if not 0.0 <= austenite_fraction <= 1.0:
        raise ValueError(f"austenite_fraction must be in [0, 1], got {austenite_fraction}")
    return {"Fe-bcc": 1.0 - austenite_fraction, "Fe-fcc": austenite_fraction}


#: Named mixtures accepted by :func:`xrd_pattern` in place of a single phase.
MIXTURES: dict[str, dict[str, float]] = {"duplex-steel": ferrite_austenite(0.5)}


@dataclass(frozen=True)
class Reflection:
    """One reflection (a 'stick') of a phase: hkl (hkil for hcp), d-spacing and intensities."""

    phase: str
    hkl: tuple[int, ...]
    multiplicity: int
    d_nm: float
    two_theta_deg: float
    relative_intensity: float
    intensity_per_volume: float


@dataclass(frozen=True)
class XRDPeak:
    """A peak of a synthetic pattern (Kα1 position) with the FWHM and η used to draw it."""

    phase: str
    hkl: tuple[int, ...]
    d_nm: float
    two_theta_deg: float
    relative_intensity: float
    fwhm_deg: float
    eta: float


@dataclass(frozen=True)
class XRDPattern:
    """A powder diffractogram with its ground truth.

    ``counts`` are Poisson counts per 2θ step, ``expected_counts`` the noise-free mean (background
    included), ``background_counts`` the background alone. ``peaks`` lists the Kα1 reflections of all
    phases; ``phase_fractions`` are volume fractions. Iterating gives ``(two_theta_deg, counts)``.
    """

    two_theta_deg: np.ndarray
    counts: np.ndarray
    expected_counts: np.ndarray
    background_counts: np.ndarray
    peaks: tuple[XRDPeak, ...]
    phase_fractions: dict[str, float]
    wavelength_nm: float
    crystallite_size_nm: float
    microstrain: float
    description: str

    def __iter__(self) -> Iterator[np.ndarray]:
        return iter((self.two_theta_deg, self.counts))


def crystal_structure(phase: str):
    """The ``pymatgen`` :class:`~pymatgen.core.Structure` of a phase in :data:`PHASES`."""
    from pymatgen.core import Lattice, Structure

    spec = _phase_spec(phase)
    a_ang = spec.a_nm * 10.0
    if spec.c_nm is None:
        lattice = Lattice.cubic(a_ang)
    else:
        lattice = Lattice.hexagonal(a_ang, spec.c_nm * 10.0)
    return Structure.from_spacegroup(spec.space_group, lattice, [spec.species], [list(spec.frac_coords)])


def _phase_spec(phase: str) -> PhaseSpec:
    if phase not in PHASES:
        raise ValueError(f"phase must be one of {sorted(PHASES)}, got {phase!r}")
    return PHASES[phase]


@lru_cache(maxsize=64)
def stick_pattern(phase: str, wavelength_nm: float = CU_KA1_NM,
                  two_theta_range_deg: tuple[float, float] = (20.0, 120.0)) -> tuple[Reflection, ...]:
    """Reflections of ``phase`` from ``XRDCalculator`` (cached): positions by Bragg's law, intensities
    from |F|², multiplicity and the Lorentz-polarisation factor (no Debye–Waller factor).

    ``relative_intensity`` is scaled to 100 for the strongest reflection; ``intensity_per_volume`` is
    R = |F|² p LP / v² (v in Å³), the quantity the direct comparison method of phase analysis uses.
    """
    from pymatgen.analysis.diffraction.xrd import XRDCalculator

    _check_wavelength(wavelength_nm)
    lo, hi = _check_range(two_theta_range_deg)
    structure = crystal_structure(phase)
    calc = XRDCalculator(wavelength=wavelength_nm * 10.0)
    raw = calc.get_pattern(structure, scaled=False, two_theta_range=(lo, hi))
    volume = structure.volume
    y_max = float(np.max(raw.y))
    sticks = []
    for x, y, hkls, d_ang in zip(raw.x, raw.y, raw.hkls, raw.d_hkls, strict=True):
        sticks.append(Reflection(
            phase=phase,
            hkl=tuple(int(i) for i in hkls[0]["hkl"]),
            multiplicity=int(sum(h["multiplicity"] for h in hkls)),
            d_nm=float(d_ang) / 10.0,
            two_theta_deg=float(x),
            relative_intensity=100.0 * float(y) / y_max,
            intensity_per_volume=float(y) / volume**2,
        ))
    return tuple(sticks)


def bragg_two_theta_deg(d_nm: np.ndarray | float, wavelength_nm: float = CU_KA1_NM) -> np.ndarray:
    """2θ (degrees) of a reflection with spacing ``d_nm`` by Bragg's law λ = 2 d sin θ."""
    ratio = wavelength_nm / (2.0 * np.asarray(d_nm, dtype=float))
    if np.any(ratio >= 1.0):
        raise ValueError(f"d_nm must exceed wavelength/2 = {wavelength_nm / 2} nm to diffract")
    return 2.0 * np.degrees(np.arcsin(ratio))


def scherrer_fwhm_deg(two_theta_deg: np.ndarray | float, crystallite_size_nm: float,
                      wavelength_nm: float = CU_KA1_NM, k: float = SCHERRER_K) -> np.ndarray:
    """Scherrer size broadening β = K λ / (L cos θ), returned as a FWHM in degrees of 2θ."""
    if crystallite_size_nm <= 0:
        raise ValueError(f"crystallite_size_nm must be > 0, got {crystallite_size_nm}")
    theta = np.radians(np.asarray(two_theta_deg, dtype=float) / 2.0)
    return np.degrees(k * wavelength_nm / (crystallite_size_nm * np.cos(theta)))


def strain_fwhm_deg(two_theta_deg: np.ndarray | float, microstrain: float) -> np.ndarray:
    """Microstrain broadening β = 4 ε tan θ, as a FWHM in degrees of 2θ (Stokes & Wilson 1944)."""
    if microstrain < 0:
        raise ValueError(f"microstrain must be >= 0, got {microstrain}")
    theta = np.radians(np.asarray(two_theta_deg, dtype=float) / 2.0)
    return np.degrees(4.0 * microstrain * np.tan(theta))


def caglioti_fwhm_deg(two_theta_deg: np.ndarray | float,
                      uvw_deg2: tuple[float, float, float] = DEFAULT_CAGLIOTI_UVW_DEG2) -> np.ndarray:
    """Instrumental FWHM (degrees) from Caglioti et al. (1958): FWHM² = U tan²θ + V tan θ + W."""
    u, v, w = uvw_deg2
    t = np.tan(np.radians(np.asarray(two_theta_deg, dtype=float) / 2.0))
    fwhm2 = u * t**2 + v * t + w
    if np.any(fwhm2 < 0):
        raise ValueError(f"caglioti_uvw_deg2={uvw_deg2} gives a negative FWHM² in the 2θ range")
    return np.sqrt(fwhm2)


def tch_fwhm_eta(gauss_fwhm: np.ndarray | float, lorentz_fwhm: np.ndarray | float
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Total FWHM and mixing η of the Thompson–Cox–Hastings (1987) pseudo-Voigt approximation."""
    g = np.asarray(gauss_fwhm, dtype=float)
    lo = np.asarray(lorentz_fwhm, dtype=float)
    fwhm = (g**5 + 2.69269 * g**4 * lo + 2.42843 * g**3 * lo**2 + 4.47163 * g**2 * lo**3
            + 0.07842 * g * lo**4 + lo**5) ** 0.2
    q = np.divide(lo, fwhm, out=np.zeros_like(fwhm), where=fwhm > 0)
    eta = 1.36603 * q - 0.47719 * q**2 + 0.11116 * q**3
    return fwhm, np.clip(eta, 0.0, 1.0)


def pseudo_voigt(x: np.ndarray, center: float, fwhm: float, eta: float) -> np.ndarray:
    """Area-normalised pseudo-Voigt η L + (1 − η) G with a common FWHM."""
    dx = np.asarray(x, dtype=float) - center
    hw = fwhm / 2.0
    lorentz = hw / (np.pi * (dx**2 + hw**2))
    gauss = np.sqrt(np.log(2.0) / np.pi) / hw * np.exp(-np.log(2.0) * (dx / hw) ** 2)
    return eta * lorentz + (1.0 - eta) * gauss


def _check_wavelength(wavelength_nm: float) -> None:
    if not 0.01 <= wavelength_nm <= 0.3:
        raise ValueError(f"wavelength_nm must be in [0.01, 0.3] nm (X-rays), got {wavelength_nm}")


def _check_range(two_theta_range_deg: tuple[float, float]) -> tuple[float, float]:
    lo, hi = (float(v) for v in two_theta_range_deg)
    if not 0.0 < lo < hi < 180.0:
        raise ValueError(f"two_theta_range_deg must satisfy 0 < start < stop < 180, "
                         f"got {two_theta_range_deg}")
    return lo, hi


def _resolve_fractions(phase_or_mixture: str | Mapping[str, float]) -> dict[str, float]:
    if isinstance(phase_or_mixture, str):
        if phase_or_mixture in MIXTURES:
            return dict(MIXTURES[phase_or_mixture])
        _phase_spec(phase_or_mixture)
        return {phase_or_mixture: 1.0}
    fractions = {str(k): float(v) for k, v in phase_or_mixture.items()}
    for name, f in fractions.items():
        _phase_spec(name)
        if f < 0:
            raise ValueError(f"phase fraction of {name!r} must be >= 0, got {f}")
    total = sum(fractions.values())
    if total <= 0:
        raise ValueError(f"phase fractions must have a positive sum, got {fractions}")
    return {k: v / total for k, v in fractions.items()}


def xrd_pattern(phase_or_mixture: str | Mapping[str, float] = "Fe-bcc",
                crystallite_size_nm: float = 50.0,
                wavelength_nm: float = CU_KA1_NM,
                two_theta_range_deg: tuple[float, float] = (20.0, 120.0),
                step_deg: float = 0.02,
                microstrain: float = 0.0,
                caglioti_uvw_deg2: tuple[float, float, float] = DEFAULT_CAGLIOTI_UVW_DEG2,
                kalpha2: bool = True,
                peak_counts: float = 5000.0,
                background_counts: float = 100.0,
                seed: int = 0) -> XRDPattern:
    """A Bragg–Brentano powder pattern of a phase or a phase mixture, with Poisson counting noise.

    Parameters
    ----------
    phase_or_mixture
        A phase of :data:`PHASES` ("Fe-bcc", "Fe-fcc", "Al", "Cu", "Ni", "Ti-hcp"), a mixture of
        :data:`MIXTURES` ("duplex-steel") or a mapping phase -> volume fraction (normalised to 1),
        e.g. ``ferrite_austenite(0.2)``.
    crystallite_size_nm
        Volume-weighted crystallite size L in the Scherrer equation (Lorentzian broadening).
    wavelength_nm
        Primary wavelength (default Cu Kα1, 0.15406 nm).
    microstrain
        RMS-like strain ε in β = 4 ε tan θ (Lorentzian broadening, added to the size term).
    caglioti_uvw_deg2
        Instrumental (Gaussian) broadening; ``(0, 0, 0)`` for an ideal instrument.
    kalpha2
        Add the Cu Kα2 line (λ2 = λ1 × 0.154439/0.154056, half the intensity of Kα1).
    peak_counts
        Height (counts above background) of the tallest peak of the noise-free pattern.
    background_counts
        Background level at the low-angle end of the scan.

    References: Cullity & Stock (2014); Scherrer (1918); Caglioti et al. (1958); Thompson, Cox &
    Hastings (1987).
    """
    fractions = _resolve_fractions(phase_or_mixture)
    _check_wavelength(wavelength_nm)
    lo, hi = _check_range(two_theta_range_deg)
    if crystallite_size_nm <= 0:
        raise ValueError(f"crystallite_size_nm must be > 0, got {crystallite_size_nm}")
    if not 0.001 <= step_deg <= 0.5:
        raise ValueError(f"step_deg must be in [0.001, 0.5], got {step_deg}")
    if peak_counts <= 0 or background_counts < 0:
        raise ValueError(f"need peak_counts > 0 and background_counts >= 0, got {peak_counts}, "
                         f"{background_counts}")
    rng = np.random.default_rng(seed)
    two_theta = np.arange(lo, hi + step_deg / 2, step_deg)
    # Reflections just outside the range still contribute their tails.
    sticks_range = (max(lo - 3.0, 1.0), min(hi + 3.0, 179.0))
    lambdas = [(wavelength_nm, 1.0)]
    if kalpha2:
        lambdas.append((wavelength_nm * CU_KA2_NM / CU_KA1_NM, KA2_RATIO))

    signal = np.zeros_like(two_theta)
    peaks: list[XRDPeak] = []
    for phase, frac in fractions.items():
        for ref in stick_pattern(phase, round(wavelength_nm, 7), sticks_range):
            for lam, weight in lambdas:
                ratio = lam / (2.0 * ref.d_nm)
                if ratio >= 1.0:
                    continue
                tt = 2.0 * np.degrees(np.arcsin(ratio))
                gauss = caglioti_fwhm_deg(tt, caglioti_uvw_deg2)
                lorentz = scherrer_fwhm_deg(tt, crystallite_size_nm, lam) + strain_fwhm_deg(tt, microstrain)
                fwhm, eta = tch_fwhm_eta(gauss, lorentz)
                area = frac * ref.intensity_per_volume * weight
                signal += area * pseudo_voigt(two_theta, tt, float(fwhm), float(eta))
                if weight == 1.0 and lo <= tt <= hi:
                    peaks.append(XRDPeak(phase, ref.hkl, ref.d_nm, float(tt), ref.relative_intensity,
                                         float(fwhm), float(eta)))
    if signal.max() <= 0:
        raise ValueError(f"no reflection of {sorted(fractions)} falls in "
                         f"two_theta_range_deg={two_theta_range_deg}")
    signal *= peak_counts / signal.max()
    x = (two_theta - lo) / (hi - lo)
    background = background_counts * (0.6 * np.exp(-x / 0.25) + 0.4 - 0.1 * x)
    expected = signal + background
    counts = rng.poisson(expected).astype(np.int64)
    names = " + ".join(f"{100 * f:.0f}% {p}" for p, f in fractions.items())
    return XRDPattern(
        two_theta_deg=two_theta,
        counts=counts,
        expected_counts=expected,
        background_counts=background,
        peaks=tuple(sorted(peaks, key=lambda p: p.two_theta_deg)),
        phase_fractions=fractions,
        wavelength_nm=wavelength_nm,
        crystallite_size_nm=crystallite_size_nm,
        microstrain=microstrain,
        description=f"Cu Kα powder pattern of {names}, L = {crystallite_size_nm:g} nm, ε = {microstrain:g}",
    )


@dataclass(frozen=True)
class PeakFit:
    """A single pseudo-Voigt fitted to one peak on a linear background."""

    center_deg: float
    fwhm_deg: float
    eta: float
    area: float


def fit_peak(two_theta_deg: np.ndarray, counts: np.ndarray, near_deg: float,
             half_window_deg: float = 1.0) -> PeakFit:
    """Fit one pseudo-Voigt plus a linear background within ``near_deg ± half_window_deg``.

    A Kα2 shoulder inside the window is not modelled: fit with ``kalpha2=False`` patterns, or at low
    angle where the doublet is unresolved, or accept a slightly broadened FWHM.
    """
    x = np.asarray(two_theta_deg, dtype=float)
    y = np.asarray(counts, dtype=float)
    sel = np.abs(x - near_deg) <= half_window_deg
    if sel.sum() < 8:
        raise ValueError(f"fewer than 8 points within {half_window_deg}° of near_deg={near_deg}")
    xs, ys = x[sel], y[sel]
    base = float(np.median(np.r_[ys[:3], ys[-3:]]))
    i0 = int(np.argmax(ys))
    height = max(float(ys[i0]) - base, 1.0)
    above = xs[ys - base > height / 2]
    fwhm0 = max(float(above.max() - above.min()), float(xs[1] - xs[0]))
    area0 = height * fwhm0 * 1.2

    def model(xx, c, w, eta, area, b0, b1):
        return area * pseudo_voigt(xx, c, abs(w), eta) + b0 + b1 * (xx - near_deg)

    p0 = [float(xs[i0]), fwhm0, 0.5, area0, base, 0.0]
    bounds = ([xs.min(), 1e-4, 0.0, 0.0, -np.inf, -np.inf], [xs.max(), 2 * half_window_deg, 1.0, np.inf,
                                                              np.inf, np.inf])
    sigma = np.sqrt(np.maximum(ys, 1.0))
    popt, _ = curve_fit(model, xs, ys, p0=p0, bounds=bounds, sigma=sigma, maxfev=20000)
    return PeakFit(center_deg=float(popt[0]), fwhm_deg=float(abs(popt[1])), eta=float(popt[2]),
                   area=float(popt[3]))


__all__ = [
    "CU_KA1_NM", "CU_KA2_NM", "KA2_RATIO", "SCHERRER_K", "DEFAULT_CAGLIOTI_UVW_DEG2", "PHASES", "MIXTURES",
    "PhaseSpec", "Reflection", "XRDPeak", "XRDPattern", "PeakFit", "ferrite_austenite", "crystal_structure",
    "stick_pattern", "bragg_two_theta_deg", "scherrer_fwhm_deg", "strain_fwhm_deg", "caglioti_fwhm_deg",
    "tch_fwhm_eta", "pseudo_voigt", "xrd_pattern", "fit_peak",
]
