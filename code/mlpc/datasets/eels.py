"""Core-loss electron energy-loss spectra (EELS) with ionisation edges at their tabulated energies.

The model follows Egerton, *Electron Energy-Loss Spectroscopy in the Electron Microscope*, 3rd ed.
(Springer 2011), ch. 3–4:

- the pre-edge background is a power law, B(E) = A E^−r (r typically 2–5), rolled off below ~10 eV so
  that the (optional) zero-loss peak region stays finite;
- each ionisation edge starts at its onset energy E_k (Egerton 2011, appendix D; Ahn & Krivanek,
  *EELS Atlas*, 1983) and decays above it as (E/E_k)^−s, the sawtooth shape of a hydrogenic K edge;
  its height just above the onset is ``jump_ratio`` × B(E_k);
- L2,3 edges of the 3d transition metals carry "white lines" (transitions to empty 3d states):
  two Lorentzians at the L3 and L2 energies with the statistical 2:1 branching ratio, on top of two
  steps of the same ratio;
- the spectrometer resolution is a Gaussian (``resolution_eV`` FWHM); counts are Poisson.

Plural scattering, near-edge fine structure beyond the white lines and the EXELFS are not modelled.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from scipy.ndimage import gaussian_filter1d


@dataclass(frozen=True)
class EdgeSpec:
    """An ionisation edge: element, shell, onset energy (eV), and for L2,3 the L2 energy (eV)."""

    name: str
    element: str
    shell: str
    onset_eV: float
    l2_eV: float | None = None


#: Edge energies (eV) from Egerton (2011), appendix D / the EELS Atlas (Ahn & Krivanek 1983).
EDGES: dict[str, EdgeSpec] = {
    "B_K": EdgeSpec("B_K", "B", "K", 188.0),
    "C_K": EdgeSpec("C_K", "C", "K", 284.0),
    "N_K": EdgeSpec("N_K", "N", "K", 401.0),
    "O_K": EdgeSpec("O_K", "O", "K", 532.0),
    "Ti_L23": EdgeSpec("Ti_L23", "Ti", "L2,3", 456.0, 462.0),
    "V_L23": EdgeSpec("V_L23", "V", "L2,3", 513.0, 521.0),
    "Cr_L23": EdgeSpec("Cr_L23", "Cr", "L2,3", 575.0, 584.0),
    "Mn_L23": EdgeSpec("Mn_L23", "Mn", "L2,3", 640.0, 651.0),
    "Fe_L23": EdgeSpec("Fe_L23", "Fe", "L2,3", 708.0, 721.0),
    "Co_L23": EdgeSpec("Co_L23", "Co", "L2,3", 779.0, 794.0),
    "Ni_L23": EdgeSpec("Ni_L23", "Ni", "L2,3", 855.0, 872.0),
    "Cu_L23": EdgeSpec("Cu_L23", "Cu", "L2,3", 931.0, 951.0),
}
#: Default edges and jump ratios: rutile/anatase TiO2 (Ti L2,3 and O K).
DEFAULT_EDGES: dict[str, float] = {"Ti_L23": 1.0, "O_K": 0.5}


@dataclass(frozen=True)
class EELSSpectrum:
    """A core-loss EELS spectrum: Poisson ``counts`` per channel, the noise-free ``expected_counts``,
    the power-law background alone, and the edges (with onsets) that made it."""

    energy_loss_eV: np.ndarray
    counts: np.ndarray
    expected_counts: np.ndarray
    background_counts: np.ndarray
    edges: tuple[EdgeSpec, ...]
    jump_ratios: dict[str, float]
    background_exponent_r: float
    edge_exponent_s: float
    resolution_eV: float
    description: str


def power_law_background(energy_loss_eV: np.ndarray, amplitude: float, r: float,
                         rolloff_eV: float = 10.0) -> np.ndarray:
    """A E^−r for E ≫ ``rolloff_eV``; multiplied by 1 − exp(−(E/rolloff)³) so it stays finite near 0."""
    e = np.asarray(energy_loss_eV, dtype=float)
    out = np.zeros_like(e)
    pos = e > 0
    out[pos] = amplitude * e[pos] ** (-r) * -np.expm1(-((e[pos] / rolloff_eV) ** 3))
    return out


def _white_line(x: np.ndarray, center: float, fwhm: float) -> np.ndarray:
    """Unit-height Lorentzian whose low-energy tail is cut off smoothly ~2 FWHM below the line
    (no absorption below the threshold of the 2p -> 3d transition)."""
    hw = fwhm / 2.0
    taper = 0.5 * (1.0 + np.tanh((x - (center - 2.0 * fwhm)) / (0.6 * fwhm)))
    return taper * hw**2 / ((x - center) ** 2 + hw**2)


def edge_shape(energy_loss_eV: np.ndarray, edge: EdgeSpec, s: float = 3.0,
               white_line_height: float = 3.0, white_line_fwhm_eV: float = 1.5) -> np.ndarray:
    """Edge profile with unit height just above onset: sawtooth (E/E_k)^−s above E_k; for L2,3 two
    steps (L3, L2 with 2:1 weights) plus white lines ``white_line_height`` times the step height."""
    e = np.asarray(energy_loss_eV, dtype=float)

    def step(onset: float) -> np.ndarray:
        out = np.zeros_like(e)
        above = e >= onset
        out[above] = (e[above] / onset) ** (-s)
        return out

    if edge.l2_eV is None:
        return step(edge.onset_eV)
    shape = (2.0 * step(edge.onset_eV) + step(edge.l2_eV)) / 2.0
    if white_line_height > 0:
        shape += white_line_height * (2.0 * _white_line(e, edge.onset_eV, white_line_fwhm_eV)
                                      + _white_line(e, edge.l2_eV, white_line_fwhm_eV)) / 2.0
    return shape


def eels_spectrum(edges: Mapping[str, float] | None = None,
                  energy_range_eV: tuple[float, float] = (380.0, 620.0),
                  dispersion_eV: float = 0.25,
                  background_counts_at_start: float = 2.0e4,
                  r: float = 3.0,
                  s: float = 3.0,
                  white_lines: bool = True,
                  resolution_eV: float = 1.0,
                  zero_loss_counts: float = 0.0,
                  seed: int = 0) -> EELSSpectrum:
    """A synthetic core-loss EELS spectrum.

    Parameters
    ----------
    edges
        Edge name (keys of :data:`EDGES`, e.g. ``"C_K"``, ``"Fe_L23"``) -> jump ratio, the edge height
        just above onset over the background there. Default: TiO2, ``{"Ti_L23": 1.0, "O_K": 0.5}``.
    energy_range_eV, dispersion_eV
        The energy-loss axis (eV) and the channel width (eV per channel).
    background_counts_at_start
        Expected background counts per channel at the start of the axis (sets the dose).
    r, s
        Exponents of the background power law A E^−r and of the edge decay (E/E_k)^−s.
    white_lines
        Add L3/L2 white lines to the L2,3 edges.
    resolution_eV
        Gaussian FWHM of the spectrometer (and source) energy spread.
    zero_loss_counts
        Counts in a zero-loss peak at 0 eV (requires the axis to start at or below 0 eV).

    Reference: Egerton (2011).
    """
    edges = dict(DEFAULT_EDGES if edges is None else edges)
    for name, jump in edges.items():
        if name not in EDGES:
            raise ValueError(f"edge {name!r} unknown; choose from {sorted(EDGES)}")
        if jump < 0:
            raise ValueError(f"jump ratio of {name} must be >= 0, got {jump}")
    e_lo, e_hi = (float(v) for v in energy_range_eV)
    if not -50.0 <= e_lo < e_hi <= 3000.0:
        raise ValueError(f"energy_range_eV must satisfy -50 <= start < stop <= 3000, got {energy_range_eV}")
    if not 0.01 <= dispersion_eV <= 5.0:
        raise ValueError(f"dispersion_eV must be in [0.01, 5], got {dispersion_eV}")
    if not 1.0 <= r <= 6.0:
        raise ValueError(f"r must be in [1, 6] (Egerton 2011: typically 2-5), got {r}")
    if not 0.5 <= s <= 6.0:
        raise ValueError(f"s must be in [0.5, 6], got {s}")
    if not 0.05 <= resolution_eV <= 5.0:
        raise ValueError(f"resolution_eV must be in [0.05, 5], got {resolution_eV}")
    if background_counts_at_start <= 0:
        raise ValueError(f"background_counts_at_start must be > 0, got {background_counts_at_start}")
    if zero_loss_counts < 0 or (zero_loss_counts > 0 and e_lo > 0):
        raise ValueError(f"zero_loss_counts={zero_loss_counts} needs >= 0 and an axis starting at <= 0 eV "
                         f"(energy_range_eV={energy_range_eV})")

    rng = np.random.default_rng(seed)
    energy = np.arange(e_lo, e_hi, dispersion_eV)
    ref_e = max(e_lo, 10.0)
    amplitude = background_counts_at_start * ref_e**r
    background = power_law_background(energy, amplitude, r)
    sigma_ch = resolution_eV / dispersion_eV / (2.0 * np.sqrt(2.0 * np.log(2.0)))
    core = np.zeros_like(energy)
    used = []
    for name, jump in edges.items():
        spec = EDGES[name]
        b_onset = float(power_law_background(np.array([spec.onset_eV]), amplitude, r)[0])
        core += jump * b_onset * edge_shape(energy, spec, s, white_line_height=3.0 if white_lines else 0.0)
        used.append(spec)
    expected = background + gaussian_filter1d(core, sigma_ch, mode="nearest")
    if zero_loss_counts > 0:
        sigma_ev = resolution_eV / (2.0 * np.sqrt(2.0 * np.log(2.0)))
        expected = expected + zero_loss_counts * dispersion_eV * np.exp(-0.5 * (energy / sigma_ev) ** 2) / (
            sigma_ev * np.sqrt(2.0 * np.pi))
    counts = rng.poisson(expected).astype(np.int64)
    return EELSSpectrum(
        energy_loss_eV=energy,
        counts=counts,
        expected_counts=expected,
        background_counts=background,
        edges=tuple(sorted(used, key=lambda sp: sp.onset_eV)),
        jump_ratios=edges,
        background_exponent_r=float(r),
        edge_exponent_s=float(s),
        resolution_eV=float(resolution_eV),
        description="synthetic core-loss EELS with " + ", ".join(sp.name for sp in used),
    )


def fit_power_law(energy_loss_eV: np.ndarray, counts: np.ndarray,
                  window_eV: tuple[float, float]) -> tuple[float, float]:
    """Fit A E^−r to the counts in a pre-edge window by least squares on log–log axes; returns (A, r)."""
    e = np.asarray(energy_loss_eV, dtype=float)
    y = np.asarray(counts, dtype=float)
    sel = (e >= window_eV[0]) & (e <= window_eV[1]) & (y > 0) & (e > 0)
    if sel.sum() < 5:
        raise ValueError(f"fewer than 5 positive channels in window_eV={window_eV}")
    slope, intercept = np.polyfit(np.log(e[sel]), np.log(y[sel]), 1)
    return float(np.exp(intercept)), float(-slope)


__all__ = ["EdgeSpec", "EDGES", "DEFAULT_EDGES", "EELSSpectrum", "power_law_background", "edge_shape",
           "eels_spectrum", "fit_power_law"]
