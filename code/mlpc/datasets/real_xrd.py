"""A measured powder XRD pattern shipped with the course: LaB6, the line-profile standard.

The file and its licence (GPL-2.0-or-later, from the xrayutilities repository; Kriegner et al. 2013,
J. Appl. Cryst. 46, 1162) are in ``mlpc/data/real/xrd-lab6/`` with a README of source and citation.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

import mlpc

LAB6_FILE = Path(mlpc.__file__).parent / "data" / "real" / "xrd-lab6" / "LaB6_d500_si_psd.xye.bz2"
LAB6_A_NM = 0.41569
"""Lattice parameter of LaB6 (nm), NIST SRM 660 family."""
CU_KALPHA1_NM = 0.1540593
CU_KALPHA2_NM = 0.1544427


@dataclass(frozen=True)
class MeasuredPattern:
    """A measured powder pattern: 2θ (degrees), counts and their σ, with a description."""

    two_theta_deg: np.ndarray
    counts: np.ndarray
    sigma: np.ndarray
    description: str


def load_lab6(path: Path | None = None) -> MeasuredPattern:
    """The measured LaB6 pattern (Cu Kα1/Kα2, Siemens D500, Si PSD): 17,381 points from 4.6° to 150.6° 2θ."""
    path = Path(path) if path is not None else LAB6_FILE
    if not path.exists():
        raise FileNotFoundError(f"{path}: the LaB6 pattern is missing; it ships in mlpc/data/real/xrd-lab6/ "
                                "(reinstall the course package, or pass the path of LaB6_d500_si_psd.xye.bz2)")
    tth, counts, sigma = np.loadtxt(path, unpack=True)
    return MeasuredPattern(tth, counts, sigma, "LaB6 (SRM 660 family), Cu Kα, Siemens D500 + Si PSD; "
                                                 "xrayutilities example data, GPL-2.0-or-later")


def lab6_bragg_deg(max_two_theta: float = 150.0, wavelength_nm: float = CU_KALPHA1_NM) -> dict[str, float]:
    """Bragg angles 2θ (°) of the LaB6 reflections (primitive cubic: every hkl allowed) up to ``max_two_theta``."""
    out: dict[str, float] = {}
    for h in range(0, 8):
        for k in range(0, h + 1):
            for m in range(0, k + 1):
                if h == 0:
                    continue
                s = wavelength_nm * np.sqrt(h * h + k * k + m * m) / (2 * LAB6_A_NM)
                if s < 1:
                    tth = float(2 * np.degrees(np.arcsin(s)))
                    if tth <= max_two_theta and all(abs(tth - v) > 1e-6 for v in out.values()):
                        out[f"{h}{k}{m}"] = tth
    return dict(sorted(out.items(), key=lambda kv: kv[1]))


__all__ = ["CU_KALPHA1_NM", "CU_KALPHA2_NM", "LAB6_A_NM", "LAB6_FILE", "MeasuredPattern", "lab6_bragg_deg",
           "load_lab6"]
