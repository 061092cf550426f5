"""Energy-dispersive X-ray spectra (EDS): synthetic spectra from the physics, and two real spectra.

Synthetic spectra (:func:`eds_spectrum`) add, channel by channel:

- the bremsstrahlung continuum by Kramers' law, N(E) dE ∝ Z̄ (E0 − E)/E dE (Kramers 1923,
  *Phil. Mag.* 46, 836), which vanishes at the beam energy E0 (the Duane–Hunt limit), with Z̄ the
  mass-fraction-weighted atomic number;
- characteristic lines at their tabulated energies (the element database of ``exspy``), with family
  intensity ∝ mass fraction × fluorescence yield ω = Z⁴/(a + Z⁴) × (U − 1)^1.67, U = E0/E_c the
  overvoltage of the ionised shell (Goldstein et al., *Scanning Electron Microscopy and X-Ray
  Microanalysis*, 4th ed., Springer 2018, ch. 4 and 19), and the line weights within a family from
  ``exspy``; critical ionisation energies E_c from the X-ray Data Booklet (Thompson et al., LBNL 2009);
- absorption in the specimen on the way out: X-rays generated uniformly from the surface down to the
  X-ray range t = ρR_KO (1 − (E_c/E0)^1.67) (Kanaya & Okayama 1972, *J. Phys. D* 5, 43; Anderson &
  Hasler 1966) leave with f(χ) = (1 − exp(−χ t))/(χ t), χ = (μ/ρ) cosec ψ, μ/ρ of the specimen from
  the Chantler et al. (2005) table in ``exspy``, ψ the take-off angle;
- a low-energy cut-off by the detector window, transmission exp(−(E_w/E)³) (the E⁻³ dependence of
  photo-absorption);
- the detector's Gaussian resolution FWHM(E) = sqrt(FWHM_Mn² + 2.5 (E − 5895 eV)) in eV with E in eV
  (Fiori & Newbury 1978, *Scanning Electron Microscopy* I, 401), FWHM_Mn ≈ 130 eV at Mn Kα;
- Poisson counting noise.

Not modelled (say so when you teach with it): escape and sum peaks, incomplete charge collection,
matrix (ZAF) corrections. Intensities are therefore semi-quantitative.

Real spectra (:func:`load_exspy_eds`) are the two EDS spectra shipped inside the ``exspy`` package
(GPL-3.0-or-later): ``EDS_SEM_TM002`` (BAM reference material EDS-TM002: a ~6 µm layer with C, Al, Mn,
Cu and Zr on Si; Zeiss Nvision40 SEM at 10 kV, Oxford X-Max 80 detector) and
``EDS_TEM_FePt_nanoparticles`` (FePt nanoparticles, Tecnai Osiris at 200 kV, Bruker Super-X; Rossouw
et al., *Nano Lett.* 15, 2716, 2015). They are read from the installed package; nothing is downloaded.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

#: Mn Kα energy (keV), the reference of detector resolution.
MN_KA_KEV = 5.8951
#: Fano-limited growth of the squared FWHM (eV² per eV) in Fiori & Newbury (1978).
FWHM_SLOPE_EV = 2.5

#: Critical ionisation (edge) energies E_c in keV (X-ray Data Booklet, Thompson et al. 2009):
#: K, L3 and M5 shells of the elements the synthetic generator supports.
IONISATION_KEV: dict[str, dict[str, float]] = {
    "C": {"K": 0.2842},
    "N": {"K": 0.4099},
    "O": {"K": 0.5431},
    "Mg": {"K": 1.3050},
    "Al": {"K": 1.5596},
    "Si": {"K": 1.8389},
    "S": {"K": 2.4720},
    "Ti": {"K": 4.9664, "L": 0.4538},
    "Cr": {"K": 5.9892, "L": 0.5741},
    "Mn": {"K": 6.5390, "L": 0.6387},
    "Fe": {"K": 7.1120, "L": 0.7068},
    "Ni": {"K": 8.3328, "L": 0.8527},
    "Cu": {"K": 8.9789, "L": 0.9327},
    "Zn": {"K": 9.6586, "L": 1.0216},
    "Zr": {"K": 17.998, "L": 2.2223},
    "Mo": {"K": 20.000, "L": 2.5202},
    "Pt": {"K": 78.395, "L": 11.564, "M": 2.1220},
    "Au": {"K": 80.725, "L": 11.919, "M": 2.2060},
}
#: The constant a in ω = Z⁴/(a + Z⁴) per shell family (order-of-magnitude fluorescence yields).
_OMEGA_A = {"K": 1.0e6, "L": 1.0e8, "M": 1.0e9}
#: Names of the real spectra in ``exspy.data``.
EXSPY_SPECTRA = ("EDS_SEM_TM002", "EDS_TEM_FePt_nanoparticles")


@dataclass(frozen=True)
class XrayLine:
    """One characteristic line: element, Siegbahn-like name (``Ka``, ``La``, ``Ma``, ...), energy."""

    element: str
    line: str
    energy_keV: float
    weight: float


@dataclass(frozen=True)
class EDSLine:
    """A line of a synthetic spectrum with the detector FWHM and the expected counts it holds."""

    element: str
    line: str
    energy_keV: float
    fwhm_eV: float
    counts: float


@dataclass(frozen=True)
class EDSSpectrum:
    """A synthetic EDS spectrum: Poisson ``counts`` per channel, noise-free ``expected_counts`` and the
    continuum alone (``continuum_counts``), with the lines and composition that made it."""

    energy_keV: np.ndarray
    counts: np.ndarray
    expected_counts: np.ndarray
    continuum_counts: np.ndarray
    lines: tuple[EDSLine, ...]
    composition_wt: dict[str, float]
    beam_energy_keV: float
    fwhm_mn_eV: float
    description: str


@dataclass(frozen=True)
class MeasuredEDSSpectrum:
    """A real EDS spectrum with the acquisition metadata that matters for interpreting it."""

    energy_keV: np.ndarray
    counts: np.ndarray
    beam_energy_keV: float
    elements: tuple[str, ...]
    lines: tuple[XrayLine, ...]
    energy_resolution_mn_ka_eV: float
    live_time_s: float | None
    instrument: str
    description: str
    source: str
    licence: str


@lru_cache(maxsize=1)
def _element_db() -> dict[str, Any]:
    from exspy.material import elements

    return elements.as_dictionary()


def atomic_number(element: str) -> int:
    """Atomic number Z of ``element`` (from the ``exspy`` element database)."""
    db = _element_db()
    if element not in db:
        raise ValueError(f"unknown element {element!r}")
    return int(db[element]["General_properties"]["Z"])


def xray_lines(element: str, max_energy_keV: float = 30.0) -> tuple[XrayLine, ...]:
    """Characteristic lines of ``element`` below ``max_energy_keV`` from the ``exspy`` database,
    with their weights relative to the strongest line of each family (Kα, Lα, Mα = 1)."""
    db = _element_db()
    if element not in db:
        raise ValueError(f"unknown element {element!r}")
    table = db[element]["Atomic_properties"].get("Xray_lines", {})
    out = [XrayLine(element, name, float(v["energy (keV)"]), float(v["weight"]))
           for name, v in table.items() if float(v["energy (keV)"]) <= max_energy_keV]
    return tuple(sorted(out, key=lambda ln: ln.energy_keV))


def line_energy_keV(element: str, line: str = "Ka") -> float:
    """Energy (keV) of one line, e.g. ``line_energy_keV("Fe", "Ka")`` -> 6.4039."""
    for ln in xray_lines(element, max_energy_keV=1e9):
        if ln.line == line:
            return ln.energy_keV
    raise ValueError(f"{element} has no line {line!r} in the exspy database")


def detector_fwhm_eV(energy_keV: np.ndarray | float, fwhm_mn_eV: float = 130.0) -> np.ndarray:
    """Detector resolution FWHM(E) = sqrt(FWHM_Mn² + 2.5 (E − E_MnKα)) in eV, E in eV
    (Fiori & Newbury 1978)."""
    if not 40.0 <= fwhm_mn_eV <= 400.0:
        raise ValueError(f"fwhm_mn_eV must be in [40, 400] eV, got {fwhm_mn_eV}")
    e_ev = np.asarray(energy_keV, dtype=float) * 1000.0
    return np.sqrt(np.maximum(fwhm_mn_eV**2 + FWHM_SLOPE_EV * (e_ev - MN_KA_KEV * 1000.0), 1.0))


def kramers_continuum(energy_keV: np.ndarray, beam_energy_keV: float, mean_z: float) -> np.ndarray:
    """Kramers' law Z̄ (E0 − E)/E (per keV, arbitrary scale), zero at and above E0."""
    e = np.asarray(energy_keV, dtype=float)
    out = np.zeros_like(e)
    ok = (e > 0) & (e < beam_energy_keV)
    out[ok] = mean_z * (beam_energy_keV - e[ok]) / e[ok]
    return out


def window_transmission(energy_keV: np.ndarray, cutoff_keV: float = 0.25) -> np.ndarray:
    """Low-energy transmission exp(−(E_w/E)³) of detector window and specimen absorption."""
    e = np.maximum(np.asarray(energy_keV, dtype=float), 1e-3)
    return np.exp(-((cutoff_keV / e) ** 3))


def specimen_absorption(energy_keV: np.ndarray | float, generation_energy_keV: np.ndarray | float,
                        composition_wt: Mapping[str, float], beam_energy_keV: float,
                        takeoff_deg: float = 35.0) -> np.ndarray:
    """Fraction f(χ) = (1 − e^(−χt))/(χt) of X-rays of ``energy_keV`` that leave the specimen when they
    are generated uniformly down to the depth t where electrons fall below ``generation_energy_keV``
    (the edge energy for a line, the photon energy for the continuum).

    t = ρR_KO (1 − (E_g/E0)^1.67) with the Kanaya–Okayama range ρR_KO = 2.76e-6 A E0^1.67 / Z^0.889
    (g/cm², E0 in keV); χ = (μ/ρ)(E) / sin ψ with μ/ρ of the mixture (Chantler et al. 2005, via ``exspy``).
    """
    from exspy.material import mass_absorption_mixture

    if not 5.0 <= takeoff_deg <= 90.0:
        raise ValueError(f"takeoff_deg must be in [5, 90], got {takeoff_deg}")
    elements = list(composition_wt)
    weights = [100.0 * composition_wt[el] for el in elements]
    mean_a = sum(composition_wt[el] * _element_db()[el]["General_properties"]["atomic_weight"]
                 for el in elements)
    mean_z = sum(composition_wt[el] * atomic_number(el) for el in elements)
    range_g_cm2 = 2.76e-6 * mean_a * beam_energy_keV**1.67 / mean_z**0.889
    e = np.atleast_1d(np.asarray(energy_keV, dtype=float))
    e_gen = np.broadcast_to(np.asarray(generation_energy_keV, dtype=float), e.shape)
    depth = range_g_cm2 * np.clip(1.0 - (e_gen / beam_energy_keV) ** 1.67, 0.0, None)
    mu_rho = np.atleast_1d(np.asarray(mass_absorption_mixture(weights, elements, list(np.maximum(e, 0.05))),
                                      dtype=float))
    x = mu_rho / np.sin(np.radians(takeoff_deg)) * depth
    out = np.ones_like(x)
    big = x > 1e-9
    out[big] = -np.expm1(-x[big]) / x[big]
    return out


def _fluorescence_yield(z: int, family: str) -> float:
    return z**4 / (_OMEGA_A[family] + z**4)


def eds_spectrum(composition_wt: Mapping[str, float] | None = None,
                 beam_energy_keV: float = 20.0,
                 energy_range_keV: tuple[float, float] = (0.0, 20.0),
                 channel_width_eV: float = 10.0,
                 total_counts: float = 2.0e5,
                 fwhm_mn_eV: float = 130.0,
                 window_cutoff_keV: float = 0.25,
                 takeoff_deg: float = 35.0,
                 seed: int = 0) -> EDSSpectrum:
    """A synthetic EDS spectrum of a specimen of given composition (mass fractions, normalised to 1).

    The default is an AISI 304 stainless steel (Fe–18Cr–8Ni–2Mn wt%, with 0.05 C) at 20 kV.
    ``total_counts`` is the expected number of counts in the whole spectrum.
    Supported elements: the keys of :data:`IONISATION_KEV`.
    References: Kramers (1923); Fiori & Newbury (1978); Goldstein et al. (2018).
    """
    if composition_wt is None:
        composition_wt = {"Fe": 0.7195, "Cr": 0.18, "Ni": 0.08, "Mn": 0.02, "C": 0.0005}
    comp = {str(k): float(v) for k, v in composition_wt.items()}
    for el, w in comp.items():
        if el not in IONISATION_KEV:
            raise ValueError(f"element {el!r} not supported; choose from {sorted(IONISATION_KEV)}")
        if w < 0:
            raise ValueError(f"mass fraction of {el} must be >= 0, got {w}")
    total_w = sum(comp.values())
    if total_w <= 0:
        raise ValueError(f"composition_wt must have a positive sum, got {composition_wt}")
    comp = {k: v / total_w for k, v in comp.items()}
    if not 1.0 <= beam_energy_keV <= 300.0:
        raise ValueError(f"beam_energy_keV must be in [1, 300], got {beam_energy_keV}")
    e_lo, e_hi = (float(v) for v in energy_range_keV)
    if not 0.0 <= e_lo < e_hi <= 100.0:
        raise ValueError(f"energy_range_keV must satisfy 0 <= start < stop <= 100, got {energy_range_keV}")
    if not 1.0 <= channel_width_eV <= 100.0:
        raise ValueError(f"channel_width_eV must be in [1, 100], got {channel_width_eV}")
    if total_counts <= 0:
        raise ValueError(f"total_counts must be > 0, got {total_counts}")

    rng = np.random.default_rng(seed)
    de = channel_width_eV / 1000.0
    energy = np.arange(e_lo + de / 2, e_hi, de)
    transmission = window_transmission(energy, window_cutoff_keV)
    mean_z = sum(w * atomic_number(el) for el, w in comp.items())
    continuum = kramers_continuum(energy, beam_energy_keV, mean_z) * transmission * de
    continuum *= specimen_absorption(energy, energy, comp, beam_energy_keV, takeoff_deg)

    # Line areas in the same arbitrary units as the continuum per keV; the constant sets a
    # realistic peak-to-background (Fe Kα of pure Fe at 20 kV: about 100 at the peak channel of 10 eV).
    line_scale = 1.0e3
    line_profiles = np.zeros_like(energy)
    lines: list[EDSLine] = []
    for el, w in comp.items():
        z = atomic_number(el)
        for family, e_c in IONISATION_KEV[el].items():
            overvoltage = beam_energy_keV / e_c
            if overvoltage <= 1.0:
                continue
            family_area = line_scale * w * _fluorescence_yield(z, family) * (overvoltage - 1.0) ** 1.67
            for ln in xray_lines(el, max_energy_keV=e_c):
                if not ln.line.startswith(family) or not e_lo < ln.energy_keV < e_hi:
                    continue
                escape = specimen_absorption(ln.energy_keV, e_c, comp, beam_energy_keV, takeoff_deg)[0]
                area = (family_area * ln.weight * float(escape)
                        * float(window_transmission(ln.energy_keV, window_cutoff_keV)))
                fwhm_ev = float(detector_fwhm_eV(ln.energy_keV, fwhm_mn_eV))
                sigma = fwhm_ev / 1000.0 / (2.0 * np.sqrt(2.0 * np.log(2.0)))
                gauss = np.exp(-0.5 * ((energy - ln.energy_keV) / sigma) ** 2)
                profile = gauss / (sigma * np.sqrt(2.0 * np.pi))
                line_profiles += area * profile * de
                lines.append(EDSLine(el, ln.line, ln.energy_keV, fwhm_ev, area))
    expected_raw = continuum + line_profiles
    scale = total_counts / expected_raw.sum()
    expected = expected_raw * scale
    lines = [EDSLine(ln.element, ln.line, ln.energy_keV, ln.fwhm_eV, ln.counts * scale) for ln in lines]
    counts = rng.poisson(expected).astype(np.int64)
    comp_txt = ", ".join(f"{el} {100 * w:.3g}" for el, w in comp.items())
    return EDSSpectrum(
        energy_keV=energy,
        counts=counts,
        expected_counts=expected,
        continuum_counts=continuum * scale,
        lines=tuple(sorted(lines, key=lambda ln: ln.energy_keV)),
        composition_wt=comp,
        beam_energy_keV=float(beam_energy_keV),
        fwhm_mn_eV=float(fwhm_mn_eV),
        description=f"synthetic EDS at {beam_energy_keV:g} kV of ({comp_txt}) wt%",
    )


def load_exspy_eds(name: str = "EDS_SEM_TM002") -> MeasuredEDSSpectrum:
    """Load a real EDS spectrum shipped inside ``exspy`` (read from the installed package, offline).

    ``name`` is ``"EDS_SEM_TM002"`` (BAM EDS-TM002 standard, SEM at 10 kV) or
    ``"EDS_TEM_FePt_nanoparticles"`` (FePt nanoparticles, STEM at 200 kV). Energies are in keV.
    Source: the ``exspy`` package data (https://github.com/hyperspy/exspy), licence GPL-3.0-or-later.
    """
    if name not in EXSPY_SPECTRA:
        raise ValueError(f"name must be one of {EXSPY_SPECTRA}, got {name!r}")
    import warnings

    import exspy.data

    path = Path(exspy.data.__file__).resolve().parent / f"{name}.hspy"
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: reinstall exspy (this loader never downloads)")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        signal = getattr(exspy.data, name)()
    axis = signal.axes_manager.signal_axes[0]
    if axis.units != "keV":
        raise ValueError(f"{name}: expected an energy axis in keV, found {axis.units!r}")
    energy = np.asarray(axis.axis, dtype=float)
    md = signal.metadata.as_dictionary()
    instrument_key = "SEM" if "SEM" in md["Acquisition_instrument"] else "TEM"
    acq = md["Acquisition_instrument"][instrument_key]
    det = acq["Detector"]["EDS"]
    elements = tuple(md["Sample"]["elements"])
    lines = tuple(ln for el in elements for ln in xray_lines(el, max_energy_keV=float(energy.max()))
                  if ln.weight >= 0.1 and ln.energy_keV > energy.min())
    live = det.get("live_time")
    return MeasuredEDSSpectrum(
        energy_keV=energy,
        counts=np.asarray(signal.data, dtype=np.int64).copy(),
        beam_energy_keV=float(acq["beam_energy"]),
        elements=elements,
        lines=lines,
        energy_resolution_mn_ka_eV=float(det["energy_resolution_MnKa"]),
        live_time_s=None if live is None else float(live),
        instrument=f"{acq.get('microscope', '')}, {det.get('detector', '')}".strip(", "),
        description=str(md["Sample"].get("description", name)),
        source=f"exspy.data.{name}() (eXSpy package data; {md['General'].get('notes', 'no paper given')})",
        licence="GPL-3.0-or-later (eXSpy)",
    )


def eds_sem_tm002() -> MeasuredEDSSpectrum:
    """The real SEM-EDS spectrum of the BAM EDS-TM002 standard (C, Al, Mn, Cu, Zr on Si; 10 kV)."""
    return load_exspy_eds("EDS_SEM_TM002")


def eds_tem_fept() -> MeasuredEDSSpectrum:
    """The real STEM-EDS spectrum of FePt nanoparticles (200 kV)."""
    return load_exspy_eds("EDS_TEM_FePt_nanoparticles")


__all__ = [
    "MN_KA_KEV", "FWHM_SLOPE_EV", "IONISATION_KEV", "EXSPY_SPECTRA", "XrayLine", "EDSLine", "EDSSpectrum",
    "MeasuredEDSSpectrum", "atomic_number", "xray_lines", "line_energy_keV", "detector_fwhm_eV",
    "kramers_continuum", "window_transmission", "specimen_absorption", "eds_spectrum", "load_exspy_eds",
    "eds_sem_tm002", "eds_tem_fept",
]
