"""Effective properties of a two-phase section: steady-state conduction through a pixel map.

The effective (electrical or thermal) conductivity of a two-phase material depends on the phase
fractions AND on how the phases are arranged: a connected conductive phase carries current across the
section, the same amount of it as isolated particles does not (Torquato, *Random Heterogeneous Materials*,
Springer 2002, ch. 1 and 16). The bounds that use the volume fraction alone are the Wiener bounds
(O. Wiener, *Abh. Math.-Phys. Kl. Sächs. Akad. Wiss.* 32, 509, 1912): the arithmetic mean (layers
parallel to the field) and the harmonic mean (layers in series); every arrangement of the two phases lies
between them (the tighter Hashin–Shtrikman bounds, *J. Appl. Phys.* 33, 3125, 1962, hold for isotropic
structures only).

Numerics: every pixel is a node; neighbouring nodes are joined by the series (harmonic-mean) conductance
of their two half-pixels (a finite-volume discretisation of ∇·(σ∇φ) = 0, equivalent to a resistor
network). The potential is fixed to 1 and 0 on the two faces normal to the field and periodic across the
other direction; the effective conductivity is the current through the section per unit potential
gradient, in the units of ``sigma``.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse
from scipy.sparse.linalg import spsolve


def effective_conductivity(mask: np.ndarray, sigma_true: float, sigma_false: float, axis: int = 1) -> float:
    """Effective conductivity of a two-phase pixel map along ``axis`` (1: along x, 0: along y).

    ``mask`` True marks the phase of conductivity ``sigma_true``, False the phase of ``sigma_false``.
    Faces normal to ``axis`` are held at potentials 1 and 0 (electrodes just outside the first and last
    pixel column); the other direction is periodic. Returns σ_eff such that the total current is
    σ_eff × (cross-section width / length): a uniform map returns its own σ exactly.
    """
    m = np.asarray(mask, dtype=bool)
    if m.ndim != 2 or min(m.shape) < 2:
        raise ValueError(f"mask must be a 2D boolean map of at least 2x2 pixels, got shape {m.shape}")
    if not (sigma_true > 0 and sigma_false > 0 and np.isfinite(sigma_true) and np.isfinite(sigma_false)):
        raise ValueError(f"conductivities must be finite and > 0, got {sigma_true!r}, {sigma_false!r}")
    if axis not in (0, 1):
        raise ValueError(f"axis must be 0 (y) or 1 (x), got {axis!r}")
    sig = np.where(m, float(sigma_true), float(sigma_false))
    if axis == 0:
        sig = sig.T
    ny, nx = sig.shape  # the field runs along x (columns) from here on
    idx = np.arange(ny * nx).reshape(ny, nx)
    # conductances between neighbours: series of two half pixels (harmonic mean)
    gx = 2 * sig[:, :-1] * sig[:, 1:] / (sig[:, :-1] + sig[:, 1:])
    gy = 2 * sig * np.roll(sig, -1, axis=0) / (sig + np.roll(sig, -1, axis=0))
    g_in = 2 * sig[:, 0]  # half pixel from the left electrode to the first column
    g_out = 2 * sig[:, -1]
    rows = np.concatenate([idx[:, :-1].ravel(), idx[:, 1:].ravel(), idx.ravel(), np.roll(idx, -1, 0).ravel()])
    cols = np.concatenate([idx[:, 1:].ravel(), idx[:, :-1].ravel(), np.roll(idx, -1, 0).ravel(), idx.ravel()])
    vals = -np.concatenate([gx.ravel(), gx.ravel(), gy.ravel(), gy.ravel()])
    off = sparse.coo_matrix((vals, (rows, cols)), shape=(ny * nx, ny * nx)).tocsr()
    diag = -np.asarray(off.sum(axis=1)).ravel()
    diag[idx[:, 0]] += g_in
    diag[idx[:, -1]] += g_out
    a = off + sparse.diags(diag)
    b = np.zeros(ny * nx)
    b[idx[:, 0]] = g_in  # potential 1 on the left electrode
    phi = spsolve(a.tocsc(), b).reshape(ny, nx)
    current = float(np.sum(g_in * (1.0 - phi[:, 0])))
    return current * nx / ny  # σ_eff = I / (ΔV × width / length), pixel units cancel


def wiener_bounds(fraction_true: float, sigma_true: float, sigma_false: float) -> tuple[float, float]:
    """(lower, upper) Wiener bounds: harmonic and arithmetic mean of the two conductivities."""
    f = float(fraction_true)
    if not 0 <= f <= 1:
        raise ValueError(f"fraction_true must be in [0, 1], got {fraction_true!r}")
    upper = f * sigma_true + (1 - f) * sigma_false
    lower = 1.0 / (f / sigma_true + (1 - f) / sigma_false)
    return lower, upper


__all__ = ["effective_conductivity", "wiener_bounds"]
