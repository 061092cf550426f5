"""Grains, phase fractions and grain sizes from a real EBSD map, with numpy and scipy only.

- Orientations: Bunge Euler angles (φ1, Φ, φ2) as an intrinsic Z–X–Z rotation (crystal → sample, as
  ``scipy.spatial.transform.Rotation.from_euler("ZXZ", ...)`` reads them).
- Misorientation between neighbours: the smallest rotation angle of g_a⁻¹ g_b S over the 24 proper
  rotations S of the cubic point group 432 (the disorientation angle, ≤ 62.8°).
- A grain: a 4-connected region of one phase whose neighbour misorientations stay below a threshold
  (15°: the low/high-angle boundary of Humphreys & Hatherly, *Recrystallization*, 2004).
- Stereology of the same map: phase fraction by point counting (ASTM E562) and the mean lineal
  intercept (ASTM E112, :mod:`mlpc.datasets.stereology`) on the phase map (what an etched section shows)
  and on the grain map (what EBSD adds: grain boundaries inside each phase).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial.transform import Rotation

from mlpc.datasets.real_data import AngMap
from mlpc.datasets.stereology import point_count_fraction
from mlpc.features import e562_estimate

CUBIC_432 = Rotation.create_group("O")


def disorientation_deg(euler_a_rad: np.ndarray, euler_b_rad: np.ndarray) -> np.ndarray:
    """Cubic disorientation angle (degrees) between pairs of Bunge orientations (n, 3) in radians."""
    a = Rotation.from_euler("ZXZ", np.asarray(euler_a_rad, dtype=float).reshape(-1, 3))
    b = Rotation.from_euler("ZXZ", np.asarray(euler_b_rad, dtype=float).reshape(-1, 3))
    if len(a) != len(b):
        raise ValueError(f"need as many orientations on both sides, got {len(a)} and {len(b)}")
    rel = (a.inv() * b).as_quat()  # (n, 4), x y z w
    sym = CUBIC_432.as_quat()  # (24, 4)
    # scalar part of rel * s for every symmetry operator s: w = w1 w2 − v1 · v2
    w = rel[:, None, 3] * sym[None, :, 3] - np.einsum("ni,si->ns", rel[:, :3], sym[:, :3])
    return np.degrees(2 * np.arccos(np.clip(np.abs(w).max(axis=1), 0.0, 1.0)))


def grain_map(ang: AngMap, threshold_deg: float = 15.0) -> np.ndarray:
    """Label map of grains: 4-connected, same phase, neighbour disorientation below ``threshold_deg``."""
    if not 0 < threshold_deg < 62.8:
        raise ValueError(f"threshold_deg must be in (0, 62.8), got {threshold_deg!r}")
    ny, nx = ang.shape
    idx = np.arange(ny * nx).reshape(ny, nx)
    eul = ang.euler_rad.reshape(-1, 3)
    phase = ang.phase_id.ravel()
    src, dst = [], []
    for s, d in ((idx[:, :-1], idx[:, 1:]), (idx[:-1, :], idx[1:, :])):
        s, d = s.ravel(), d.ravel()
        same = (phase[s] == phase[d]) & (disorientation_deg(eul[s], eul[d]) < threshold_deg)
        src.append(s[same])
        dst.append(d[same])
    src, dst = np.concatenate(src), np.concatenate(dst)
    graph = coo_matrix((np.ones(src.size), (src, dst)), shape=(ny * nx, ny * nx))
    _, labels = connected_components(graph, directed=False)
    return labels.reshape(ny, nx)


@dataclass(frozen=True)
class DuplexMeasurement:
    """Phase fraction and grain size of one phase of a two-phase EBSD map, measured four ways."""

    phase: str
    map_fraction: float
    e562_mean: float
    e562_ci95: float
    e562_fields: int
    intercept_phase_um: float
    intercept_grains_um: float
    n_grains: int
    mean_ecd_um: float


def duplex_measurements(ang: AngMap, threshold_deg: float = 15.0, fields: tuple[int, int] = (2, 3),
                        points_per_field: int = 25, min_grain_px: int = 4, seed: int = 0
                        ) -> list[DuplexMeasurement]:
    """For each phase: the fraction of all indexed points; an E562 point count (``fields`` rows × columns
    of fields, a systematic grid of ``points_per_field`` points each, 95 % CI from the field scatter); the
    mean intercept length of that phase on the phase map (interphase boundaries only, what an etched
    section shows) and on the grain map (grain boundaries inside the phase end intercepts too); the number
    of its grains of at least ``min_grain_px`` points and their mean equivalent-circle diameter."""
    labels = grain_map(ang, threshold_deg)
    ny, nx = ang.shape
    rows = np.array_split(np.arange(ny), fields[0])
    cols = np.array_split(np.arange(nx), fields[1])
    out = []
    for pid, name in sorted(ang.phase_names.items()):
        mask = ang.phase_id == pid
        pp = [point_count_fraction(mask[np.ix_(r, c)], points_per_field, seed=seed + i * len(cols) + j,
                                   grid=True).fraction
              for i, r in enumerate(rows) for j, c in enumerate(cols)]
        e562 = e562_estimate(np.array(pp))
        in_phase = np.where(mask, labels, -1)
        _, counts = np.unique(labels[mask], return_counts=True)
        big = counts >= min_grain_px
        ecd = 2 * np.sqrt(counts[big] * ang.step_um**2 / np.pi)
        out.append(DuplexMeasurement(
            phase=name, map_fraction=float(mask.mean()), e562_mean=e562.mean, e562_ci95=e562.ci95,
            e562_fields=e562.n_fields,
            intercept_phase_um=_phase_intercept(mask, mask.astype(int), ang.step_um),
            intercept_grains_um=_phase_intercept(mask, in_phase, ang.step_um),
            n_grains=int(big.sum()), mean_ecd_um=float(ecd.mean()) if ecd.size else float("nan")))
    return out


def _phase_intercept(mask: np.ndarray, structure: np.ndarray, step_um: float) -> float:
    """Mean intercept length of one phase along every row and column: the line length inside the phase
    divided by the number of intercepts, a new intercept starting wherever the line enters the phase or
    crosses from one region of ``structure`` to another inside it (edge-cut intercepts count as whole)."""
    lab = np.where(mask, structure, -1)
    starts = 0
    for lines in (lab, lab.T):
        inside = lines >= 0
        new = inside.copy()
        new[:, 1:] &= lines[:, 1:] != lines[:, :-1]
        starts += int(new.sum())
    if starts == 0:
        raise ValueError("the phase does not occur on the map")
    return float((2 * mask.sum()) * step_um / starts)


__all__ = ["CUBIC_432", "DuplexMeasurement", "disorientation_deg", "duplex_measurements", "grain_map"]
