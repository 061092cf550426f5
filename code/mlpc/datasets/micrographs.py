"""Synthetic micrographs with ground truth: polycrystals, two-phase structures, defects, lattice images.

Every generator takes ``seed`` and returns a frozen dataclass whose fields carry their units
(``pixel_size_um``, ``pixel_size_nm``) and the truth a measurement should recover (grain size and ASTM
E112 G number, phase fraction, per-class defect masks and areal porosity, lattice spacing and
rotation). The images are the specimen's contrast, noise free, in [0, 1]; pass them through
:func:`mlpc.datasets.imaging.acquire` to add the probe, the noise and the scan artefacts.

Physics and sources:

- polycrystal: Poisson–Voronoi tessellation (random nuclei growing at equal rate; Okabe, Boots, Sugihara
  & Chiu, *Spatial Tessellations*, 2nd ed., Wiley 2000), coarsened by threshold-dynamics steps, a
  discrete form of curvature-driven boundary motion (Merriman, Bence & Osher 1994; Esedoḡlu & Otto,
  *Comm. Pure Appl. Math.* 68, 808, 2015); boundaries shown as thermal/etch grooves (Mullins,
  *J. Appl. Phys.* 28, 333, 1957) as a light-optical or SE image shows them;
- two-phase: bicontinuous = Berk's levelled-wave model of spinodal structures (a sum of random waves of
  one wavelength, thresholded; Berk, *Phys. Rev. Lett.* 58, 2718, 1987; Cahn, *J. Chem. Phys.* 42, 93,
  1965); lamellar = eutectoid colonies (pearlite-like: lever rule gives ~11 % cementite at the eutectoid);
  particles = random sequential addition of discs (precipitates/dispersoids). The threshold is set
  from the requested fraction, so A_A = V_V (Delesse) holds by construction;
- defects in a polished section of an additively manufactured part: round gas pores, irregular
  lack-of-fusion voids, thin cracks, oxide inclusions (Gong, Rafi, Gu, Starr & Stucker, *Addit. Manuf.*
  1–4, 87, 2014);
- lattice: HAADF-STEM-like image of atomic columns as Gaussian peaks on a square or hexagonal lattice
  (Pennycook & Jesson, *Ultramicroscopy* 37, 14, 1991), point-sampled, so a pixel larger than half the
  plane spacing aliases (moiré); ``lattice="perovskite"`` is SrTiO3 [001] with all three kinds of column:
  Sr at (0, 0), Ti–O at (½, ½) and O at (½, 0), (0, ½), each weighted by Σ Z^1.7 of its atoms per repeat
  (incoherent Z contrast; the exponent 1.7 after Krivanek et al., *Nature* 464, 571, 2010).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage
from scipy.spatial import cKDTree
from skimage import measure

from mlpc.datasets import imaging
from mlpc.datasets.stereology import mean_lineal_intercept

MORPHOLOGIES = ("particles", "lamellar", "bicontinuous")
DEFECT_CLASSES = ("gas_pore", "lack_of_fusion", "crack", "inclusion")
MICROSTRUCTURE_CLASSES = ("equiaxed_grains", "lamellar", "particles", "porous")


def _check_size(size: int, low: int = 16, high: int = 2048) -> int:
    if int(size) != size or not low <= size <= high:
        raise ValueError(f"size must be an integer in [{low}, {high}] pixels, got {size!r}")
    return int(size)


def _check_range(name: str, value: float, low: float, high: float) -> float:
    if not np.isfinite(value) or not low <= value <= high:
        raise ValueError(f"{name} must be in [{low}, {high}], got {value!r}")
    return float(value)


# --------------------------------------------------------------------------------------------------
# Polycrystal
# --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Polycrystal:
    """A polycrystal micrograph with its ground truth.

    ``image``: grooved-boundary micrograph in [0, 1]; ``labels``: grain id per pixel; ``boundaries``:
    True on grain-boundary pixels; ``mean_intercept_um``: E112 mean lineal intercept over every row and
    column of ``labels``; ``astm_g``: E112 grain-size number from it.
    """

    image: np.ndarray
    labels: np.ndarray
    boundaries: np.ndarray
    pixel_size_um: float
    mean_intercept_um: float
    astm_g: float
    n_grains: int
    description: str


def _periodic_voronoi(size: int, n_seeds: int, rng: np.random.Generator) -> np.ndarray:
    """Label map of a periodic Poisson–Voronoi tessellation of a ``size`` × ``size`` square."""
    seeds = rng.random((n_seeds, 2)) * size
    shifts = np.array([(dy, dx) for dy in (-size, 0, size) for dx in (-size, 0, size)], dtype=float)
    tiled = (seeds[None, :, :] + shifts[:, None, :]).reshape(-1, 2)
    yy, xx = np.mgrid[0:size, 0:size] + 0.5
    _, idx = cKDTree(tiled).query(np.column_stack([yy.ravel(), xx.ravel()]))
    return (idx % n_seeds).reshape(size, size).astype(np.int32)


def _curvature_step(labels: np.ndarray, sigma_px: float) -> np.ndarray:
    """One step of threshold dynamics (Merriman–Bence–Osher) for grain growth: smooth every grain's
    indicator with a Gaussian of ``sigma_px`` and give each pixel to the grain whose smoothed indicator
    is largest there. Boundaries move with a velocity proportional to their curvature, by about σ²κ per
    step, and small grains shrink and vanish (Esedoḡlu & Otto, *Comm. Pure Appl. Math.* 68, 808, 2015).
    Periodic: computed on a wrap-padded copy, grain by grain inside its bounding box."""
    pad = int(np.ceil(3 * sigma_px))
    padded = np.pad(labels, pad, mode="wrap")
    parts = measure.label(padded, background=-1, connectivity=1)
    best = padded.copy()
    best_val = np.full(padded.shape, -1.0, dtype=np.float32)
    ny, nx = padded.shape
    for k, sl in enumerate(ndimage.find_objects(parts), start=1):
        if sl is None:
            continue
        window = (slice(max(sl[0].start - pad, 0), min(sl[0].stop + pad, ny)),
                  slice(max(sl[1].start - pad, 0), min(sl[1].stop + pad, nx)))
        region = parts[window] == k
        smooth = ndimage.gaussian_filter(region.astype(np.float32), sigma_px, mode="constant", truncate=3.0)
        better = smooth > best_val[window]
        best_val[window] = np.where(better, smooth, best_val[window])
        best[window] = np.where(better, padded[window][region][0], best[window])
    return best[pad:pad + labels.shape[0], pad:pad + labels.shape[1]]


def boundary_mask(labels: np.ndarray) -> np.ndarray:
    """True where a pixel's right or lower neighbour (periodic) belongs to another grain."""
    lab = np.asarray(labels)
    return (lab != np.roll(lab, -1, axis=1)) | (lab != np.roll(lab, -1, axis=0))


def polycrystal(size: int = 256, n_grains: int = 60, pixel_size_um: float = 0.5, growth_steps: int = 0,
                groove_width_um: float = 1.0, groove_depth: float = 0.8, seed: int = 0) -> Polycrystal:
    """A periodic equiaxed polycrystal imaged with grain-boundary grooves (light microscope or SE).

    ``n_grains`` Poisson nuclei grow into a Voronoi tessellation; ``growth_steps`` threshold-dynamics steps
    coarsen it by curvature-driven boundary migration (small grains shrink and vanish; each step moves a
    boundary by about a tenth of the initial grain diameter per unit curvature × diameter). Each grain gets
    its own brightness (orientation contrast, 0.55–0.85); boundaries appear as Gaussian grooves of FWHM
    ``groove_width_um`` and relative depth ``groove_depth``. For Poisson–Voronoi grains the mean
    intercept is l̄ = (π/4) sqrt(A/N) (Okabe et al. 2000, with P_L = (2/π) L_A).
    """
    size = _check_size(size)
    if int(n_grains) != n_grains or not 2 <= n_grains <= size * size // 16:
        raise ValueError(f"n_grains must be an integer in [2, {size * size // 16}], got {n_grains!r}")
    _check_range("pixel_size_um", pixel_size_um, 1e-4, 1e3)
    if int(growth_steps) != growth_steps or not 0 <= growth_steps <= 200:
        raise ValueError(f"growth_steps must be an integer in [0, 200], got {growth_steps!r}")
    _check_range("groove_width_um", groove_width_um, 0.0, 50 * pixel_size_um)
    _check_range("groove_depth", groove_depth, 0.0, 1.0)
    rng = np.random.default_rng(seed)
    labels = _periodic_voronoi(size, int(n_grains), rng)
    sigma_px = 0.2 * size / np.sqrt(n_grains)  # ~0.1 grain diameters per step
    for _ in range(int(growth_steps)):
        labels = _curvature_step(labels, sigma_px)
    ids, labels = np.unique(labels, return_inverse=True)
    labels = labels.reshape(size, size).astype(np.int32)
    bnd = boundary_mask(labels)
    brightness = rng.uniform(0.55, 0.85, size=len(ids))
    image = brightness[labels]
    if groove_width_um > 0 and groove_depth > 0:
        dist_px = ndimage.distance_transform_edt(~bnd)
        sigma_px = groove_width_um / imaging.FWHM_PER_SIGMA / pixel_size_um
        image = image * (1.0 - groove_depth * np.exp(-(dist_px**2) / (2 * max(sigma_px, 0.3) ** 2)))
    truth = mean_lineal_intercept(labels, pixel_size_um, n_lines=None)
    return Polycrystal(
        image=image, labels=labels, boundaries=bnd, pixel_size_um=float(pixel_size_um),
        mean_intercept_um=truth.mean_intercept_um, astm_g=truth.astm_g, n_grains=len(ids),
        description=(f"{len(ids)} grains, mean intercept {truth.mean_intercept_um:.2f} µm, "
                     f"ASTM G {truth.astm_g:.1f}, {growth_steps} growth steps"),
    )


# --------------------------------------------------------------------------------------------------
# Two-phase microstructures
# --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class TwoPhase:
    """A two-phase micrograph: ``phase_mask`` True on the second (dark) phase; ``fraction`` its true area
    fraction (= volume fraction for an isotropic uniform random section)."""

    image: np.ndarray
    phase_mask: np.ndarray
    fraction: float
    requested_fraction: float
    pixel_size_um: float
    morphology: str
    feature_size_um: float
    description: str


def _threshold_at_fraction(field: np.ndarray, fraction: float) -> np.ndarray:
    """Mask of the ``fraction`` largest values of ``field`` (rank-based: exact to one pixel)."""
    flat = field.ravel()
    n_true = int(round(fraction * flat.size))
    mask = np.zeros(flat.size, dtype=bool)
    if n_true:
        mask[np.argsort(flat, kind="stable")[flat.size - n_true:]] = True
    return mask.reshape(field.shape)


def _berk_field(size: int, wavelength_px: float, rng: np.random.Generator, n_waves: int = 64) -> np.ndarray:
    """Berk's levelled-wave field: sum of cosines with |k| = 2π/λ, random directions and phases."""
    theta = rng.uniform(0, 2 * np.pi, n_waves)
    phase = rng.uniform(0, 2 * np.pi, n_waves)
    k = 2 * np.pi / wavelength_px
    yy, xx = np.mgrid[0:size, 0:size].astype(float)
    field = np.zeros((size, size))
    for t, p in zip(theta, phase, strict=True):
        field += np.cos(k * (xx * np.cos(t) + yy * np.sin(t)) + p)
    return field


def _smooth_noise(size: int, sigma_px: float, rng: np.random.Generator) -> np.ndarray:
    """Periodic Gaussian random field with unit standard deviation."""
    f = ndimage.gaussian_filter(rng.standard_normal((size, size)), sigma_px, mode="wrap")
    return (f - f.mean()) / (f.std() + 1e-12)


def _lamellar_field(size: int, spacing_px: float, n_colonies: int, rng: np.random.Generator) -> np.ndarray:
    """Wavy lamellae, one orientation per colony (colonies = a coarse Voronoi tessellation)."""
    colonies = _periodic_voronoi(size, n_colonies, rng)
    angles = rng.uniform(0, np.pi, n_colonies)[colonies]
    yy, xx = np.mgrid[0:size, 0:size].astype(float)
    wobble = 1.2 * _smooth_noise(size, size / 6.0, rng)
    return np.cos(2 * np.pi * (xx * np.cos(angles) + yy * np.sin(angles)) / spacing_px + wobble)


def _disc_particles(size: int, fraction: float, radius_px: float, rng: np.random.Generator) -> np.ndarray:
    """Random sequential addition of discs (log-normal radii, 25 % spread) until ``fraction`` is reached;
    overlaps are rejected while possible (up to 100 tries per disc), then allowed."""
    mask = np.zeros((size, size), dtype=bool)
    target = int(round(fraction * size * size))
    filled = 0
    while filled < target:
        r = radius_px * rng.lognormal(0.0, 0.25)
        half = int(np.ceil(r)) + 1
        dy, dx = np.mgrid[-half:half + 1, -half:half + 1]
        disc = dy**2 + dx**2 <= r**2
        for _ in range(100):
            cy, cx = rng.integers(0, size, 2)
            rows = (cy + dy) % size
            cols = (cx + dx) % size
            if not np.any(mask[rows, cols] & disc):
                break
        mask[rows[disc], cols[disc]] = True
        filled = int(mask.sum())
    return mask


def two_phase(size: int = 256, fraction: float = 0.3, morphology: str = "bicontinuous",
              feature_size_um: float = 8.0, pixel_size_um: float = 0.5, n_colonies: int = 3,
              seed: int = 0) -> TwoPhase:
    """A two-phase microstructure with a chosen area fraction of the dark phase.

    ``morphology``: ``"particles"`` (equiaxed discs of mean diameter ``feature_size_um``; fraction up to
    0.5), ``"lamellar"`` (wavy lamellae of period ``feature_size_um`` in ``n_colonies`` colonies) or
    ``"bicontinuous"`` (spinodal-like, wavelength ``feature_size_um``). The matrix appears at 0.75, the
    second phase at 0.25, with a 1-pixel interface blur.
    """
    size = _check_size(size)
    if morphology not in MORPHOLOGIES:
        raise ValueError(f"morphology must be one of {MORPHOLOGIES}, got {morphology!r}")
    high = 0.5 if morphology == "particles" else 0.95
    _check_range("fraction", fraction, 0.01, high)
    _check_range("pixel_size_um", pixel_size_um, 1e-4, 1e3)
    feature_px = feature_size_um / pixel_size_um
    _check_range("feature_size_um / pixel_size_um", feature_px, 2.0, size / 2.0)
    rng = np.random.default_rng(seed)
    if morphology == "particles":
        mask = _disc_particles(size, fraction, feature_px / 2.0, rng)
    elif morphology == "lamellar":
        if int(n_colonies) != n_colonies or not 1 <= n_colonies <= 50:
            raise ValueError(f"n_colonies must be an integer in [1, 50], got {n_colonies!r}")
        mask = _threshold_at_fraction(_lamellar_field(size, feature_px, int(n_colonies), rng), fraction)
    else:
        mask = _threshold_at_fraction(_berk_field(size, feature_px, rng), fraction)
    image = ndimage.gaussian_filter(np.where(mask, 0.25, 0.75), 0.7, mode="wrap")
    true_fraction = float(mask.mean())
    return TwoPhase(image=image, phase_mask=mask, fraction=true_fraction, requested_fraction=float(fraction),
                    pixel_size_um=float(pixel_size_um), morphology=morphology,
                    feature_size_um=float(feature_size_um),
                    description=f"{morphology}, dark-phase area fraction {true_fraction:.3f}")


# --------------------------------------------------------------------------------------------------
# Porosity and defects
# --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Defects:
    """A polished cross-section with defects and per-class masks.

    ``class_map``: 0 matrix, then 1.. in the order of ``class_names``; ``masks[name]`` the boolean mask of
    one class; ``areal_porosity``: area fraction of voids (gas pores + lack of fusion + cracks).
    """

    image: np.ndarray
    class_map: np.ndarray
    masks: dict[str, np.ndarray]
    class_names: tuple[str, ...]
    areal_porosity: float
    pixel_size_um: float
    description: str


def _stamp(class_map: np.ndarray, rows: np.ndarray, cols: np.ndarray, shape: np.ndarray, value: int) -> None:
    """Write ``value`` where ``shape`` is True at (rows, cols), clipped to the image (no wrap)."""
    ny, nx = class_map.shape
    ok = shape & (rows >= 0) & (rows < ny) & (cols >= 0) & (cols < nx)
    class_map[rows[ok], cols[ok]] = value


def _ellipse(rng: np.random.Generator, a_px: float, b_px: float, irregular: float = 0.0):
    half = int(np.ceil(max(a_px, b_px) * (1 + irregular))) + 2
    dy, dx = np.mgrid[-half:half + 1, -half:half + 1].astype(float)
    t = rng.uniform(0, np.pi)
    u = dx * np.cos(t) + dy * np.sin(t)
    v = -dx * np.sin(t) + dy * np.cos(t)
    envelope = 1.0 - (u / a_px) ** 2 - (v / b_px) ** 2
    if irregular:
        noise = ndimage.gaussian_filter(rng.standard_normal(envelope.shape), max(b_px / 3.0, 1.0))
        envelope = envelope + irregular * noise / (noise.std() + 1e-12)
    return dy.astype(int), dx.astype(int), envelope > 0


def defects(size: int = 256, pixel_size_um: float = 2.0, n_gas_pores: int = 15, n_lack_of_fusion: int = 3,
            n_cracks: int = 2, n_inclusions: int = 12, seed: int = 0) -> Defects:
    """A polished section of an AM part with four kinds of defects and their masks.

    Gas pores: round, diameter 6–40 µm; lack-of-fusion voids: irregular, elongated, 60–200 µm long
    (unmelted regions between tracks); cracks: thin (1–2 px) tortuous lines 80–300 µm long; inclusions:
    small grey oxide particles, 4–16 µm. Voids are dark (0.08), inclusions grey (0.4), the matrix bright
    (0.8, with faint polishing texture).
    """
    size = _check_size(size)
    _check_range("pixel_size_um", pixel_size_um, 0.05, 50.0)
    for name, n in (("n_gas_pores", n_gas_pores), ("n_lack_of_fusion", n_lack_of_fusion),
                    ("n_cracks", n_cracks), ("n_inclusions", n_inclusions)):
        if int(n) != n or not 0 <= n <= 500:
            raise ValueError(f"{name} must be an integer in [0, 500], got {n!r}")
    rng = np.random.default_rng(seed)
    px = pixel_size_um
    class_map = np.zeros((size, size), dtype=np.uint8)
    for _ in range(n_lack_of_fusion):
        length = rng.uniform(60, 200) / px
        dy, dx, shape = _ellipse(rng, length / 2, length / rng.uniform(2.5, 5.0), irregular=0.5)
        cy, cx = rng.integers(0, size, 2)
        _stamp(class_map, cy + dy, cx + dx, shape, 2)
    for _ in range(n_gas_pores):
        r = max(rng.uniform(3, 20) / px, 1.0)
        dy, dx, shape = _ellipse(rng, r, r * rng.uniform(0.9, 1.0))
        cy, cx = rng.integers(0, size, 2)
        _stamp(class_map, cy + dy, cx + dx, shape, 1)
    for _ in range(n_cracks):
        n_steps = int(rng.uniform(80, 300) / px)
        angle = rng.uniform(0, np.pi) + np.cumsum(rng.normal(0, 0.15, n_steps))
        y = rng.uniform(0, size) + np.cumsum(np.sin(angle))
        x = rng.uniform(0, size) + np.cumsum(np.cos(angle))
        width = int(rng.integers(1, 3))
        for oy in range(width):
            rows, cols = np.round(y).astype(int) + oy, np.round(x).astype(int)
            _stamp(class_map, rows, cols, np.ones(rows.shape, dtype=bool), 3)
    for _ in range(n_inclusions):
        r = max(rng.uniform(2, 8) / px, 0.8)
        dy, dx, shape = _ellipse(rng, r, r * rng.uniform(0.6, 1.0))
        cy, cx = rng.integers(0, size, 2)
        _stamp(class_map, cy + dy, cx + dx, shape, 4)
    grey = np.array([0.8, 0.08, 0.08, 0.08, 0.4])
    texture = 0.02 * _smooth_noise(size, 3.0, rng)
    image = np.clip(ndimage.gaussian_filter(grey[class_map], 0.7) + texture, 0.0, 1.0)
    masks = {name: class_map == i + 1 for i, name in enumerate(DEFECT_CLASSES)}
    porosity = float(np.isin(class_map, (1, 2, 3)).mean())
    return Defects(image=image, class_map=class_map, masks=masks, class_names=DEFECT_CLASSES,
                   areal_porosity=porosity, pixel_size_um=float(px),
                   description=f"polished AM section, areal porosity {100 * porosity:.2f} %")


# --------------------------------------------------------------------------------------------------
# Lattice images
# --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LatticeImage:
    """A HAADF-like atomic-column image.

    ``spacing_nm``: lattice parameter a; ``plane_spacing_nm``: spacing d of the strongest lattice planes
    (a for square, a sqrt(3)/2 for hexagonal; for the perovskite the planes whose reflection is strongest
    given the column weights and widths, see :func:`perovskite_reflections`), whose FFT peaks sit at 1/d;
    ``aliased``: True when the pixel is larger than d/2 (the Nyquist condition fails).
    """

    image: np.ndarray
    pixel_size_nm: float
    spacing_nm: float
    plane_spacing_nm: float
    rotation_deg: float
    lattice: str
    aliased: bool
    description: str


#: HAADF intensity exponent: I ∝ Z^n per atom, n ≈ 1.7 (Krivanek et al., Nature 464, 571, 2010).
Z_EXPONENT = 1.7
#: SrTiO3 [001] columns: fractional position in the projected cell and the atoms per repeat along [001].
SRTIO3_COLUMNS: tuple[tuple[str, tuple[float, float], tuple[int, ...]], ...] = (
    ("Sr", (0.0, 0.0), (38,)), ("Ti–O", (0.5, 0.5), (22, 8)), ("O", (0.5, 0.0), (8,)), ("O", (0.0, 0.5), (8,)))


def column_weights(columns=SRTIO3_COLUMNS, exponent: float = Z_EXPONENT) -> np.ndarray:
    """HAADF weight of each column relative to the brightest: Σ Z^n of its atoms (incoherent imaging)."""
    w = np.array([sum(z**exponent for z in atoms) for _, _, atoms in columns], dtype=float)
    return w / w.max()


def perovskite_reflections(spacing_nm: float = 0.3905, column_fwhm_nm: float = 0.1,
                           max_index: int = 3) -> list[tuple[tuple[int, int], float, float]]:
    """Reflections (h, k) of the SrTiO3 [001] column model with d (nm) and relative amplitude
    |Σ_j w_j exp(2πi(h x_j + k y_j))| · exp(−2π²σ²/d²) (structure factor × Gaussian column transform),
    strongest first; h ≥ 0 (Friedel mates dropped)."""
    weights = column_weights()
    sigma = column_fwhm_nm / imaging.FWHM_PER_SIGMA
    out = []
    for h in range(0, max_index + 1):
        for k in range(-max_index, max_index + 1):
            if (h, k) == (0, 0) or (h == 0 and k < 0):
                continue
            f = sum(w * np.exp(2j * np.pi * (h * x + k * y))
                    for w, (_, (x, y), _) in zip(weights, SRTIO3_COLUMNS, strict=True))
            d = spacing_nm / np.hypot(h, k)
            out.append(((h, k), float(d), float(abs(f) * np.exp(-2 * np.pi**2 * sigma**2 / d**2))))
    return sorted(out, key=lambda r: (-round(r[2], 9), -r[1]))


def lattice_image(size: int = 256, pixel_size_nm: float = 0.02, spacing_nm: float = 0.3905,
                  rotation_deg: float = 0.0, lattice: str = "square", column_fwhm_nm: float = 0.1,
                  column_scatter: float = 0.05, seed: int = 0) -> LatticeImage:
    """Atomic columns as Gaussians (FWHM ``column_fwhm_nm``) on a lattice of parameter ``spacing_nm``
    rotated by ``rotation_deg``, point-sampled at ``pixel_size_nm``.

    ``lattice``: "square" or "hexagonal" (one column per cell), or "perovskite" (SrTiO3 [001]: Sr,
    Ti–O and O columns weighted by :func:`column_weights`; a = 0.3905 nm is SrTiO3's lattice parameter).
    ``column_scatter`` is the relative random spread of column intensities (thickness/composition
    variation). The image is sampled at pixel centres without any pre-filter, so a coarse pixel shows
    aliasing exactly as a point-sampled scan does.
    """
    size = _check_size(size)
    if lattice not in ("square", "hexagonal", "perovskite"):
        raise ValueError(f"lattice must be 'square', 'hexagonal' or 'perovskite', got {lattice!r}")
    _check_range("pixel_size_nm", pixel_size_nm, 1e-3, 10.0)
    _check_range("spacing_nm", spacing_nm, 0.05, 100.0)
    _check_range("column_fwhm_nm", column_fwhm_nm, 0.005, spacing_nm)
    _check_range("column_scatter", column_scatter, 0.0, 0.5)
    _check_range("rotation_deg", rotation_deg, -360.0, 360.0)
    rng = np.random.default_rng(seed)
    t = np.radians(rotation_deg)
    rot = np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
    basis = np.array([[1.0, 0.5], [0.0, np.sqrt(3) / 2]]) if lattice == "hexagonal" else np.eye(2)
    basis = rot @ (spacing_nm * basis)  # columns are the lattice vectors (x, y) in nm
    coords = (np.arange(size) + 0.5 - size / 2) * pixel_size_nm
    xx, yy = np.meshgrid(coords, coords)
    r = np.stack([xx.ravel(), yy.ravel()])
    frac = np.linalg.solve(basis, r)
    base = np.round(frac).astype(int)
    lo = base.min(axis=1) - 1
    span = base.max(axis=1) - lo + 2
    if lattice == "perovskite":
        sites = [(np.array(xy), w) for (_, xy, _), w in zip(SRTIO3_COLUMNS, column_weights(), strict=True)]
        scatter = 1.0 + column_scatter * rng.standard_normal((len(sites), *span))
    else:
        sites = [(np.zeros(2), 1.0)]
        scatter = (1.0 + column_scatter * rng.standard_normal(tuple(span)))[None]
    sigma = column_fwhm_nm / imaging.FWHM_PER_SIGMA
    image = np.zeros(r.shape[1])
    for i in (-1, 0, 1):
        for j in (-1, 0, 1):
            ij = base + np.array([[i], [j]])
            for n, (offset, weight) in enumerate(sites):
                d = r - basis @ (ij + offset[:, None])
                w = weight * scatter[n][ij[0] - lo[0], ij[1] - lo[1]]
                image += w * np.exp(-(d[0] ** 2 + d[1] ** 2) / (2 * sigma**2))
    image = image.reshape(size, size)
    image = image / image.max()
    if lattice == "perovskite":
        plane = perovskite_reflections(spacing_nm, column_fwhm_nm)[0][1]
    else:
        plane = spacing_nm if lattice == "square" else spacing_nm * np.sqrt(3) / 2
    aliased = pixel_size_nm > plane / 2
    return LatticeImage(image=image, pixel_size_nm=float(pixel_size_nm), spacing_nm=float(spacing_nm),
                        plane_spacing_nm=float(plane), rotation_deg=float(rotation_deg), lattice=lattice,
                        aliased=bool(aliased),
                        description=(f"{lattice} lattice a = {spacing_nm:g} nm, d = {plane:.4f} nm, "
                                     f"rotated {rotation_deg:g}°, pixel {pixel_size_nm:g} nm"
                                     + (" (aliased)" if aliased else "")))


# --------------------------------------------------------------------------------------------------
# A labelled classification set
# --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class MicrostructureSet:
    """Labelled micrographs for classification: ``X`` (N, H, W) float32 in [0, 1], ``y`` class index."""

    X: np.ndarray
    y: np.ndarray
    class_names: tuple[str, ...]
    pixel_size_um: float
    description: str


def _one_micrograph(cls: int, size: int, rng: np.random.Generator) -> np.ndarray:
    s = int(rng.integers(0, 2**31 - 1))
    if cls == 0:
        n = int(rng.integers(max(4, size * size // 512), max(8, size * size // 100)))
        return polycrystal(size, n, pixel_size_um=1.0, growth_steps=int(rng.integers(0, 3)),
                           groove_width_um=rng.uniform(1.0, 2.0), seed=s).image
    if cls == 1:
        return two_phase(size, rng.uniform(0.15, 0.5), "lamellar", feature_size_um=rng.uniform(4, 9),
                         pixel_size_um=1.0, n_colonies=int(rng.integers(1, 4)), seed=s).image
    if cls == 2:
        return two_phase(size, rng.uniform(0.05, 0.3), "particles", feature_size_um=rng.uniform(3, 9),
                         pixel_size_um=1.0, seed=s).image
    area_scale = (size / 64) ** 2  # counts per 64 × 64 µm field, at the set's 1 µm per pixel like every class
    return defects(size, pixel_size_um=1.0,
                   n_gas_pores=int(rng.integers(1, 5) * area_scale),
                   n_lack_of_fusion=0, n_cracks=0,
                   n_inclusions=int(rng.integers(0, 4) * area_scale), seed=s).image


def microstructure_classes(n_per_class: int = 100, size: int = 64, seed: int = 0) -> MicrostructureSet:
    """Micrographs of four physically distinct classes: equiaxed grains, lamellar (eutectoid), particles
    (two-phase, dispersed) and porous, with nuisance variation in scale (grain size, lamellar spacing,
    particle size, pore count and size; every class at the same 1 µm per pixel, so that no class can be
    told by its magnification and every feature in µm is right), fraction, brightness/contrast, shading,
    probe blur and Poisson noise
    (10–200 counts per pixel). 64 × 64 px at 1 µm per pixel by default: 400 images take a few seconds and
    a small CNN learns them on a CPU in tens of seconds.
    """
    if int(n_per_class) != n_per_class or not 1 <= n_per_class <= 5000:
        raise ValueError(f"n_per_class must be an integer in [1, 5000], got {n_per_class!r}")
    size = _check_size(size, 32, 256)
    rng = np.random.default_rng(seed)
    n_classes = len(MICROSTRUCTURE_CLASSES)
    y = np.repeat(np.arange(n_classes), n_per_class)
    rng.shuffle(y)
    X = np.empty((len(y), size, size), dtype=np.float32)
    for i, cls in enumerate(y):
        ideal = _one_micrograph(int(cls), size, rng)
        gain, offset = rng.uniform(0.6, 1.0), rng.uniform(0.0, 0.2)
        shot = imaging.acquire(offset + gain * ideal, 1.0, psf_fwhm=rng.uniform(0.5, 2.0),
                               dose=rng.uniform(10, 200), shading=rng.uniform(0.0, 0.3),
                               seed=int(rng.integers(0, 2**31 - 1)))
        X[i] = np.clip(shot.image, 0.0, 1.0)
    return MicrostructureSet(X=X, y=y.astype(np.int64), class_names=MICROSTRUCTURE_CLASSES, pixel_size_um=1.0,
                             description=f"{len(y)} micrographs, {size}×{size} px at 1 µm, "
                                         f"{n_classes} classes")


__all__ = [
    "DEFECT_CLASSES",
    "MICROSTRUCTURE_CLASSES",
    "MORPHOLOGIES",
    "SRTIO3_COLUMNS",
    "Z_EXPONENT",
    "Defects",
    "LatticeImage",
    "MicrostructureSet",
    "Polycrystal",
    "TwoPhase",
    "boundary_mask",
    "column_weights",
    "defects",
    "lattice_image",
    "microstructure_classes",
    "perovskite_reflections",
    "polycrystal",
    "two_phase",
]
