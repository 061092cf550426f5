"""Stereology on micrographs: ASTM E112 grain size and ASTM E562 point-counted phase fraction.

- Mean lineal intercept (Heyn): lay test lines over the microstructure, count the grain-boundary
  intersections P along a total line length L; l̄ = L / P (ASTM E112-13, "Standard Test Methods for
  Determining Average Grain Size", intercept procedure).
- Planimetric (Jeffries): count the grains inside a test area A, those cut by its edge at one half and
  the four corner grains at one quarter: N_A = (N_inside + N_intercepted / 2 + 1) / A (ASTM E112-13).
- ASTM grain-size number G from the mean intercept in mm, G = -6.6457 log10(l̄) - 3.298, and from the
  number of grains per mm² at 1×, G = 3.321928 log10(N_A) - 2.954 (ASTM E112; G = 8 ↔ l̄ ≈ 20.0 µm and
  N_A ≈ 1984 mm⁻²). ASTM E112-13 writes the intercept relation as G = -6.643856 log10(l̄) - 3.288;
  the two forms differ by < 0.01 in G over G = 0…14.
- Point counting: N points, P_P = hits / N estimates the area (= volume) fraction; for independent random
  points its standard error is sqrt(p (1 - p) / N) (binomial; ASTM E562-19, "Standard Test Method for
  Determining Volume Fraction by Systematic Manual Point Count"). A systematic grid on a structure
  finer than the grid spacing behaves like independent points; on coarser structures the binomial
  error is conservative.

Underlying stereology: Underwood, *Quantitative Stereology*, Addison-Wesley (1970): P_L = (2/π) L_A,
A_A = P_P = V_V.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from skimage import measure


@dataclass(frozen=True)
class InterceptMeasurement:
    """Result of the E112 intercept method: mean intercept, its counts and the grain-size number G."""

    mean_intercept_um: float
    intersections: int
    line_length_um: float
    n_lines: int
    astm_g: float


@dataclass(frozen=True)
class PlanimetricMeasurement:
    """Result of the E112 planimetric (Jeffries) method."""

    grains_per_mm2: float
    n_inside: int
    n_intercepted: int
    area_mm2: float
    astm_g: float


@dataclass(frozen=True)
class PointCount:
    """A point-counted phase fraction with its standard error, next to the true area fraction."""

    fraction: float
    standard_error: float
    n_points: int
    area_fraction: float


def astm_g_from_intercept(mean_intercept_mm: float) -> float:
    """ASTM E112 grain-size number from the mean lineal intercept in mm: G = -6.6457 log10(l̄) - 3.298."""
    if not np.isfinite(mean_intercept_mm) or mean_intercept_mm <= 0:
        raise ValueError(f"mean_intercept_mm must be > 0, got {mean_intercept_mm!r}")
    return float(-6.6457 * np.log10(mean_intercept_mm) - 3.298)


def intercept_from_astm_g(g: float) -> float:
    """Inverse of :func:`astm_g_from_intercept`: the mean intercept in mm of grain-size number ``g``."""
    if not np.isfinite(g) or not -5 <= g <= 20:
        raise ValueError(f"g must be in [-5, 20], got {g!r}")
    return float(10 ** (-(g + 3.298) / 6.6457))


def astm_g_from_grains_per_mm2(grains_per_mm2: float) -> float:
    """ASTM E112 grain-size number from grains per mm² at 1×: G = 3.321928 log10(N_A) - 2.954."""
    if not np.isfinite(grains_per_mm2) or grains_per_mm2 <= 0:
        raise ValueError(f"grains_per_mm2 must be > 0, got {grains_per_mm2!r}")
    return float(3.321928 * np.log10(grains_per_mm2) - 2.954)


def _intersections_on_lines(lines: np.ndarray) -> int:
    """Boundary intersections along the rows of ``lines`` (label map rows or boundary-mask rows)."""
    if lines.dtype == bool:
        # a boundary crossing is a run of boundary pixels: count its first pixel (False -> True)
        return int(np.count_nonzero(~lines[:, :-1] & lines[:, 1:]))
    return int(np.count_nonzero(lines[:, 1:] != lines[:, :-1]))


def mean_lineal_intercept(structure: np.ndarray, pixel_size_um: float, n_lines: int | None = 10,
                          seed: int = 0) -> InterceptMeasurement:
    """ASTM E112 mean lineal intercept with ``n_lines`` horizontal and ``n_lines`` vertical test lines.

    ``structure`` is either an integer label map (one id per grain; an intersection is a change of id) or
    a boolean boundary mask (True on boundaries, e.g. a segmented micrograph; an intersection is a run
    of boundary pixels). Lines are equally spaced with a random offset drawn from ``seed``;
    ``n_lines=None`` uses every row and column (the exact value for the image). Horizontal plus vertical
    lines average out mild anisotropy; E112 asks for at least 50 intersections per field.
    """
    arr = np.asarray(structure)
    if arr.ndim != 2 or min(arr.shape) < 3:
        raise ValueError(f"structure must be a 2D array of at least 3x3 pixels, got shape {arr.shape}")
    if arr.dtype != bool and not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(f"structure must be an integer label map or a boolean boundary mask, "
                         f"got {arr.dtype}")
    if not np.isfinite(pixel_size_um) or pixel_size_um <= 0:
        raise ValueError(f"pixel_size_um must be > 0, got {pixel_size_um!r}")
    ny, nx = arr.shape
    if n_lines is None:
        rows, cols = np.arange(ny), np.arange(nx)
    else:
        if not 1 <= n_lines <= min(ny, nx):
            raise ValueError(f"n_lines must be in [1, {min(ny, nx)}] or None, got {n_lines!r}")
        rng = np.random.default_rng(seed)
        rows = (np.floor((np.arange(n_lines) + rng.random()) * ny / n_lines)).astype(int)
        cols = (np.floor((np.arange(n_lines) + rng.random()) * nx / n_lines)).astype(int)
    hits = _intersections_on_lines(arr[rows, :]) + _intersections_on_lines(arr[:, cols].T)
    length_um = (len(rows) * (nx - 1) + len(cols) * (ny - 1)) * pixel_size_um
    if hits == 0:
        raise ValueError("no grain boundary crosses the test lines: the grains are larger than the image")
    mean_um = length_um / hits
    return InterceptMeasurement(mean_intercept_um=float(mean_um), intersections=hits,
                                line_length_um=float(length_um), n_lines=len(rows) + len(cols),
                                astm_g=astm_g_from_intercept(mean_um / 1000.0))


def planimetric_grain_density(labels: np.ndarray, pixel_size_um: float) -> PlanimetricMeasurement:
    """ASTM E112 planimetric (Jeffries) count on the whole image of a label map.

    Each connected region of one label is a grain section (so periodic images are handled correctly).
    Grains that touch no edge count 1, grains cut by an edge 1/2, the four corner grains 1/4 each:
    N_A = (N_inside + N_intercepted / 2 + 1) / A.
    """
    lab = np.asarray(labels)
    if lab.ndim != 2 or not np.issubdtype(lab.dtype, np.integer):
        raise ValueError(f"labels must be a 2D integer label map, got {lab.dtype} with shape {lab.shape}")
    if not np.isfinite(pixel_size_um) or pixel_size_um <= 0:
        raise ValueError(f"pixel_size_um must be > 0, got {pixel_size_um!r}")
    lab = measure.label(lab, background=-1, connectivity=1)  # a grain cut in two by a periodic edge = 2 parts
    all_ids = np.unique(lab)
    edge_ids = np.unique(np.concatenate([lab[0], lab[-1], lab[:, 0], lab[:, -1]]))
    corner_ids = np.unique([lab[0, 0], lab[0, -1], lab[-1, 0], lab[-1, -1]])
    n_inside = len(all_ids) - len(edge_ids)
    n_intercepted = len(edge_ids) - len(corner_ids)
    area_mm2 = lab.size * (pixel_size_um / 1000.0) ** 2
    n_a = (n_inside + 0.5 * n_intercepted + 1.0) / area_mm2
    return PlanimetricMeasurement(grains_per_mm2=float(n_a), n_inside=int(n_inside),
                                  n_intercepted=int(n_intercepted), area_mm2=float(area_mm2),
                                  astm_g=astm_g_from_grains_per_mm2(n_a))


def point_count_fraction(phase_mask: np.ndarray, n_points: int, seed: int = 0,
                         grid: bool = False) -> PointCount:
    """Point-count the fraction of ``phase_mask`` (True = phase of interest) with ``n_points`` points.

    Random independent points by default (binomial statistics: standard error sqrt(p (1 - p) / N)); with
    ``grid=True`` a systematic square grid of about ``n_points`` points with a random offset, as in ASTM
    E562. The returned ``standard_error`` uses the observed p; ``area_fraction`` is the exact pixel
    fraction of the mask for comparison.
    """
    mask = np.asarray(phase_mask)
    if mask.ndim != 2 or mask.dtype != bool:
        raise ValueError(f"phase_mask must be a 2D boolean array, got {mask.dtype} with shape {mask.shape}")
    if int(n_points) != n_points or not 1 <= n_points <= 10**7:
        raise ValueError(f"n_points must be an integer in [1, 1e7], got {n_points!r}")
    rng = np.random.default_rng(seed)
    ny, nx = mask.shape
    if grid:
        side = max(1, int(round(np.sqrt(n_points))))
        off = rng.random(2)
        r = np.floor((np.arange(side) + off[0]) * ny / side).astype(int)
        c = np.floor((np.arange(side) + off[1]) * nx / side).astype(int)
        hits = mask[np.ix_(r, c)]
    else:
        hits = mask[rng.integers(0, ny, n_points), rng.integers(0, nx, n_points)]
    n = hits.size
    p = float(hits.mean())
    return PointCount(fraction=p, standard_error=float(np.sqrt(p * (1.0 - p) / n)), n_points=int(n),
                      area_fraction=float(mask.mean()))


__all__ = [
    "InterceptMeasurement",
    "PlanimetricMeasurement",
    "PointCount",
    "astm_g_from_grains_per_mm2",
    "astm_g_from_intercept",
    "intercept_from_astm_g",
    "mean_lineal_intercept",
    "planimetric_grain_density",
    "point_count_fraction",
]
