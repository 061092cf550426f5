"""Hand-crafted microstructure features: stereology, morphology and grey-level texture of a micrograph.

A classical image-analysis pipeline turns a micrograph into a short vector of numbers with physical
meaning, then a simple model works on that vector. This module is that pipeline, for the dark phase
(second phase, pores, grain-boundary grooves) of a light-optical or SEM micrograph:

- segmentation: light Gaussian smoothing (against shot noise) and Otsu's threshold (Otsu, *IEEE Trans.
  Syst. Man Cybern.* 9, 62, 1979); the darker class is "the dark phase";
- stereology (Underwood, *Quantitative Stereology*, 1970; ASTM E112, ASTM E562): area fraction A_A
  (= V_V, Delesse), interface intersections per unit test-line length P_L (S_V = 2 P_L), mean intercept
  of the dark phase L̄ = 2 A_A / P_L, number of dark features per area N_A;
- morphology of the dark features: mean equivalent-circle diameter, mean solidity (area / convex area:
  ≈ 1 for round particles and pores, low for networks and lamellae) and connectivity (the share of the
  dark phase in its largest connected cluster: ≈ 1 for a boundary network or continuous lamellae, small
  for dispersed particles);
- local alignment: coherence of the structure tensor, (λ1 - λ2)/(λ1 + λ2) averaged over the image
  (Bigün & Granlund 1987; Jähne, *Digital Image Processing*, 2005): ≈ 1 for parallel lamellae, low for
  isotropic structures;
- grey-level texture: Haralick features (contrast, homogeneity, energy, correlation) of the grey-level
  co-occurrence matrix at 1 µm and 4 µm offsets, averaged over four directions (Haralick, Shanmugam &
  Dinstein, *IEEE Trans. Syst. Man Cybern.* 3, 610, 1973).

EBSD boundaries: :func:`classify_boundaries` sorts the boundaries of an orientation map into low-angle
(2°–15°), high-angle (≥ 15°) and Σ3 twin boundaries (within Brandon's criterion 15°/√3 of 60° about
⟨111⟩; Brandon, *Acta Metall.* 14, 1479, 1966; Humphreys & Hatherly, *Recrystallization and Related
Annealing Phenomena*, 2nd ed., Elsevier 2004).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage
from skimage import feature, filters, measure

from mlpc.datasets.stereology import mean_lineal_intercept

#: Names of the columns of :func:`feature_table`, with their units.
FEATURE_NAMES: tuple[str, ...] = (
    "area_fraction",
    "interface_density_per_um",
    "mean_intercept_um",
    "features_per_mm2",
    "mean_diameter_um",
    "mean_solidity",
    "largest_cluster_share",
    "coherence",
    "glcm_contrast_1um",
    "glcm_homogeneity_1um",
    "glcm_energy_1um",
    "glcm_correlation_1um",
    "glcm_contrast_4um",
    "glcm_homogeneity_4um",
    "glcm_energy_4um",
    "glcm_correlation_4um",
)

#: Short labels for plots.
FEATURE_LABELS: dict[str, str] = {
    "area_fraction": "A_A (dark phase)",
    "interface_density_per_um": "P_L (µm⁻¹)",
    "mean_intercept_um": "L̄ dark (µm)",
    "features_per_mm2": "N_A (mm⁻²)",
    "mean_diameter_um": "mean diameter (µm)",
    "mean_solidity": "solidity",
    "largest_cluster_share": "largest cluster share",
    "coherence": "coherence",
    "glcm_contrast_1um": "GLCM contrast 1 µm",
    "glcm_homogeneity_1um": "GLCM homogeneity 1 µm",
    "glcm_energy_1um": "GLCM energy 1 µm",
    "glcm_correlation_1um": "GLCM correlation 1 µm",
    "glcm_contrast_4um": "GLCM contrast 4 µm",
    "glcm_homogeneity_4um": "GLCM homogeneity 4 µm",
    "glcm_energy_4um": "GLCM energy 4 µm",
    "glcm_correlation_4um": "GLCM correlation 4 µm",
}


def dark_phase_mask(image: np.ndarray, pixel_size_um: float, smooth_um: float = 1.0) -> np.ndarray:
    """Segment the dark phase: Gaussian smoothing of ``smooth_um`` (against shot noise), then Otsu (1979).

    Returns a boolean mask, True on the darker of the two Otsu classes. A uniform image gives an empty mask.
    Structures only a few smoothing widths thin are biased: blurred into a near-sinusoid, their measured
    fraction drifts towards 50 % (a resolution limit of every threshold-based area fraction).
    """
    arr = np.asarray(image, dtype=float)
    if arr.ndim != 2:
        raise ValueError(f"image must be 2D, got shape {arr.shape}")
    if not np.isfinite(pixel_size_um) or pixel_size_um <= 0:
        raise ValueError(f"pixel_size_um must be > 0, got {pixel_size_um!r}")
    smooth = ndimage.gaussian_filter(arr, smooth_um / pixel_size_um) if smooth_um > 0 else arr
    if np.ptp(smooth) < 1e-9:
        return np.zeros(arr.shape, dtype=bool)
    return smooth < filters.threshold_otsu(smooth)


def interface_density(mask: np.ndarray, pixel_size_um: float) -> float:
    """P_L: phase-boundary intersections per µm of test line, over every row and column of ``mask``.

    For an isotropic structure the interface area per volume is S_V = 2 P_L (Underwood 1970). Zero when
    the mask is uniform.
    """
    m = np.asarray(mask, dtype=bool)
    try:
        res = mean_lineal_intercept(m.astype(np.int32), pixel_size_um, n_lines=None)
    except ValueError:
        return 0.0
    return res.intersections / res.line_length_um


def structure_coherence(image: np.ndarray, sigma_px: float = 4.0) -> float:
    """Mean coherence (λ1 - λ2)/(λ1 + λ2) of the structure tensor (Bigün & Granlund 1987), weighted by
    the local gradient energy λ1 + λ2: 1 for perfectly parallel stripes, ≈ 0 for isotropic texture."""
    arr = np.asarray(image, dtype=float)
    gy = ndimage.gaussian_filter(arr, 1.0, order=(1, 0))
    gx = ndimage.gaussian_filter(arr, 1.0, order=(0, 1))
    jxx = ndimage.gaussian_filter(gx * gx, sigma_px)
    jyy = ndimage.gaussian_filter(gy * gy, sigma_px)
    jxy = ndimage.gaussian_filter(gx * gy, sigma_px)
    trace = jxx + jyy
    diff = np.sqrt((jxx - jyy) ** 2 + 4 * jxy**2)
    total = trace.sum()
    return float(diff.sum() / total) if total > 0 else 0.0


def _glcm_features(image: np.ndarray, distances_px: tuple[int, ...], levels: int = 16) -> np.ndarray:
    """Haralick contrast, homogeneity, energy, correlation per distance, averaged over 0°, 45°, 90°, 135°.

    Grey levels are quantised between the 1st and 99th percentile of the image, so the texture does not
    depend on the detector gain and offset."""
    lo, hi = np.percentile(image, [1, 99])
    q = np.clip((image - lo) / max(hi - lo, 1e-9), 0, 1 - 1e-9)
    q = (q * levels).astype(np.uint8)
    glcm = feature.graycomatrix(q, distances=list(distances_px), angles=[0, np.pi / 4, np.pi / 2, 3 * np.pi / 4],
                                levels=levels, symmetric=True, normed=True)
    out = []
    for d in range(len(distances_px)):
        for prop in ("contrast", "homogeneity", "energy", "correlation"):
            out.append(float(np.nan_to_num(feature.graycoprops(glcm, prop)[d].mean())))
    return np.array(out)


def microstructure_features(image: np.ndarray, pixel_size_um: float, min_feature_px: int = 4) -> np.ndarray:
    """The hand-crafted feature vector of one micrograph, in the order of :data:`FEATURE_NAMES`.

    Stereology and morphology are measured on :func:`dark_phase_mask`; features smaller than
    ``min_feature_px`` pixels are noise and are not counted in N_A, diameter and solidity.
    """
    arr = np.asarray(image, dtype=float)
    mask = dark_phase_mask(arr, pixel_size_um)
    a_a = float(mask.mean())
    p_l = interface_density(mask, pixel_size_um)
    intercept = 2 * a_a / p_l if p_l > 0 else float(np.hypot(*arr.shape) * pixel_size_um)
    lab = measure.label(mask, connectivity=2)
    props = [p for p in measure.regionprops(lab) if p.area >= min_feature_px]
    area_mm2 = arr.size * (pixel_size_um / 1000.0) ** 2
    n_a = len(props) / area_mm2
    diam = float(np.mean([p.equivalent_diameter_area for p in props])) * pixel_size_um if props else 0.0
    solidity = float(np.mean([p.solidity for p in props])) if props else 1.0
    largest = max((p.area for p in props), default=0) / max(int(mask.sum()), 1)
    coherence = structure_coherence(arr, sigma_px=4.0 / pixel_size_um)
    d1 = max(1, int(round(1.0 / pixel_size_um)))
    d4 = max(1, int(round(4.0 / pixel_size_um)))
    glcm = _glcm_features(arr, (d1, d4))
    return np.concatenate([[a_a, p_l, intercept, n_a, diam, solidity, largest, coherence], glcm])


def feature_table(images: np.ndarray, pixel_size_um: float) -> np.ndarray:
    """(N, F) table of :func:`microstructure_features` for a stack of micrographs (N, H, W)."""
    stack = np.asarray(images)
    if stack.ndim != 3:
        raise ValueError(f"images must be a stack (N, H, W), got shape {stack.shape}")
    return np.stack([microstructure_features(img, pixel_size_um) for img in stack])


@dataclass(frozen=True)
class E562Estimate:
    """ASTM E562 result over n fields: mean point fraction, field-to-field standard deviation s,
    the 95 % confidence half-width t·s/√n and the relative accuracy (half-width / mean)."""

    mean: float
    std: float
    ci95: float
    relative_accuracy: float
    n_fields: int


def e562_estimate(field_fractions: np.ndarray) -> E562Estimate:
    """Combine point-counted fractions P_P of ``n`` fields as ASTM E562-19 prescribes: the mean, the
    standard deviation s between fields, the 95 % confidence interval ± t(0.975, n-1) s / √n and the
    relative accuracy %RA = CI / mean (E562 suggests adding fields until %RA is small enough, e.g. 10 %).
    The spread between fields includes the real variation of the specimen, which the binomial error of
    one field misses."""
    from scipy import stats

    pp = np.asarray(field_fractions, dtype=float).ravel()
    if pp.size < 2 or np.any((pp < 0) | (pp > 1)):
        raise ValueError(f"need at least 2 field fractions in [0, 1], got {pp!r}")
    n = pp.size
    mean, s = float(pp.mean()), float(pp.std(ddof=1))
    ci = float(stats.t.ppf(0.975, n - 1) * s / np.sqrt(n))
    return E562Estimate(mean=mean, std=s, ci95=ci, relative_accuracy=ci / mean if mean > 0 else float("inf"),
                        n_fields=n)


# --------------------------------------------------------------------------------------------------
# EBSD: boundaries by misorientation
# --------------------------------------------------------------------------------------------------

#: Boundary classes of :func:`classify_boundaries` (0 = no boundary).
BOUNDARY_CLASSES: tuple[str, ...] = ("none", "low_angle", "high_angle", "sigma3")


@dataclass(frozen=True)
class BoundaryMap:
    """Boundaries of an EBSD map: per pixel the largest misorientation to its right/lower neighbour, the
    deviation of that boundary from the ideal Σ3 relation, and its class (index into BOUNDARY_CLASSES)."""

    misorientation_deg: np.ndarray
    sigma3_deviation_deg: np.ndarray
    classes: np.ndarray
    thresholds_deg: tuple[float, float]


def sigma3_deviation_deg(q_a: np.ndarray, q_b: np.ndarray) -> np.ndarray:
    """Angle (degrees) between the misorientation of cubic orientations ``q_a`` → ``q_b`` (quaternions,
    orix convention: sample → crystal) and the ideal Σ3 twin, 60° about ⟨111⟩, minimised over the 24 × 24
    pairs of proper cubic symmetry operations: Δ = q_b q_a⁻¹ is compared with every S_i T S_j."""
    from mlpc.ebsd_geometry import CUBIC_SYMMETRY as sym  # the 24 proper rotations of 432 (no orix)
    from mlpc.ebsd_geometry import conjugate as _conj
    from mlpc.ebsd_geometry import quaternion_multiply as _qmul

    half = np.radians(30.0)
    twin = np.concatenate([[np.cos(half)], np.sin(half) * np.ones(3) / np.sqrt(3)])
    equivalent = _qmul(_qmul(sym[:, None, :], twin), sym[None, :, :]).reshape(-1, 4)
    delta = _qmul(np.asarray(q_b, dtype=float), _conj(np.asarray(q_a, dtype=float)))
    dots = np.abs(delta.reshape(-1, 4) @ equivalent.T).max(axis=1)
    return np.degrees(2 * np.arccos(np.clip(dots, 0.0, 1.0))).reshape(np.shape(delta)[:-1])


def classify_boundaries(quaternions: np.ndarray, low_deg: float = 2.0, high_deg: float = 15.0) -> BoundaryMap:
    """Classify the boundaries of a cubic (m-3m) orientation map (ny, nx, 4 quaternions, orix convention).

    A pixel is a boundary when the misorientation to its right or lower neighbour is ≥ ``low_deg`` (below
    it: orientation noise of indexing). Low-angle: ``low_deg``–``high_deg`` (dislocation walls, sub-grains);
    high-angle: ≥ ``high_deg``; Σ3: a high-angle boundary whose misorientation lies within Brandon's
    15°/√3 ≈ 8.7° of 60° about ⟨111⟩ (the annealing twin of fcc metals). Misorientation angles come from
    orix's ``angle_with`` in NumPy (:func:`mlpc.ebsd_geometry.disorientation_deg`, cubic symmetry on
    both crystals), the Σ3 deviation from :func:`sigma3_deviation_deg`.
    """
    from mlpc.ebsd_geometry import disorientation_deg

    q = np.asarray(quaternions, dtype=float)
    if q.ndim != 3 or q.shape[2] != 4:
        raise ValueError(f"quaternions must have shape (ny, nx, 4), got {q.shape}")
    if not 0 < low_deg < high_deg < 62.8:
        raise ValueError(f"need 0 < low_deg < high_deg < 62.8, got {low_deg!r}, {high_deg!r}")
    ny, nx, _ = q.shape
    flat_q = q.reshape(-1, 4)
    flat = np.arange(ny * nx).reshape(ny, nx)
    mis = np.zeros(ny * nx)
    dev = np.full(ny * nx, 180.0)
    for src, dst in ((flat[:, :-1], flat[:, 1:]), (flat[:-1, :], flat[1:, :])):
        s, d = src.ravel(), dst.ravel()
        ang = disorientation_deg(flat_q[s], flat_q[d])
        bigger = ang > mis[s]
        mis[s[bigger]] = ang[bigger]
        dev[s[bigger]] = sigma3_deviation_deg(flat_q[s[bigger]], flat_q[d[bigger]])
    mis, dev = mis.reshape(ny, nx), dev.reshape(ny, nx)
    classes = np.zeros((ny, nx), dtype=np.int8)
    classes[(mis >= low_deg) & (mis < high_deg)] = 1
    classes[mis >= high_deg] = 2
    classes[(mis >= high_deg) & (dev <= 15.0 / np.sqrt(3))] = 3
    return BoundaryMap(misorientation_deg=mis, sigma3_deviation_deg=dev, classes=classes,
                       thresholds_deg=(float(low_deg), float(high_deg)))


__all__ = [
    "BOUNDARY_CLASSES",
    "FEATURE_LABELS",
    "FEATURE_NAMES",
    "BoundaryMap",
    "E562Estimate",
    "classify_boundaries",
    "dark_phase_mask",
    "e562_estimate",
    "feature_table",
    "interface_density",
    "sigma3_deviation_deg",
    "microstructure_features",
    "structure_coherence",
]
