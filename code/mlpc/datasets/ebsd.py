"""EBSD patterns: real Ni patterns shipped with kikuchipy, projected patterns of chosen orientations,
a labelled texture-component data set and a grain orientation map.

Real data (loaded offline from files inside the installed ``kikuchipy`` package; nothing is ever
downloaded, a missing file raises :class:`FileNotFoundError`):

- :func:`load_nickel_ebsd_small`: a 3 × 3 map of 60 × 60 px EBSD patterns of recrystallised Ni, NORDIF
  UF-1100 detector on a Hitachi SU-6600 SEM at 20 kV, 70° sample tilt. Source: H. W. Ånes, J. Hjelen,
  A. T. J. van Helvoort, K. Marthinsen, "Electron backscatter patterns from Nickel acquired with varying
  camera gain", Zenodo (2019), doi:10.5281/zenodo.3265037; data licence CC BY 4.0.
- :func:`load_nickel_master_pattern`: the Ni (Fm-3m) EBSD master pattern at 20 keV, a dynamical
  simulation with EMsoft (Callahan & De Graef, Microsc. Microanal. 19 (2013) 1255); data licence CC BY 4.0.

Both come with kikuchipy (Ånes et al., https://kikuchipy.org, software licence GPLv3+) and are read with h5py.
The projection of the master pattern onto a detector and the orientation maths are NumPy ports of kikuchipy's
``EBSDMasterPattern.get_patterns`` and of orix (:mod:`mlpc.ebsd_geometry`, tested against both): their
numba functions take 40–80 s to compile in every fresh kernel. Orientations are Bunge Euler angles
(φ1, Φ, φ2) in degrees in the orix/kikuchipy convention (sample frame RD–TD–ND). Texture components:
cube {001}⟨100⟩ = (0°, 0°, 0°), Goss {110}⟨001⟩ = (0°, 45°, 0°), γ fibre ⟨111⟩∥ND = (φ1, 54.74°, 45°)
(Randle & Engler, *Introduction to Texture Analysis*, 2000).

Pattern formation (what the noise model imitates): a detected EBSD pattern is a smooth background of
backscattered electrons, brightest near the forward-scattering direction, modulated by a few tens of per
cent by the Kikuchi bands; the camera counts are Poisson distributed (Schwartz et al., *Electron
Backscatter Diffraction in Materials Science*, 2nd ed., Springer 2009, ch. 2).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from mlpc import ebsd_geometry as geo

if TYPE_CHECKING:
    from kikuchipy.detectors import EBSDDetector

#: Texture components (Bunge Euler angles in degrees); the γ fibre has φ1 free.
TEXTURE_COMPONENTS_DEG: dict[str, tuple[float, float, float]] = {
    "cube": (0.0, 0.0, 0.0),
    "goss": (0.0, 45.0, 0.0),
    "gamma_fibre": (0.0, float(np.degrees(np.arccos(1 / np.sqrt(3)))), 45.0),
}
#: Class names of :func:`ebsd_texture_classification`, in label order.
TEXTURE_CLASSES: tuple[str, ...] = ("cube", "goss", "gamma_fibre", "random")

_NI_PATTERNS_FILE = "kikuchipy_h5ebsd/patterns.h5"
_NI_MASTER_FILE = "emsoft_ebsd_master_pattern/ni_mc_mp_20kv_uint8_gzip_opts9.h5"
#: Projection centre (Bruker convention), mean over the 3 × 3 real Ni map, rounded.
NI_PC: tuple[float, float, float] = (0.425, 0.213, 0.501)
NI_SAMPLE_TILT_DEG = 70.0
NI_BEAM_ENERGY_KEV = 20.0


@dataclass(frozen=True)
class EBSDGeometry:
    """Detector–sample geometry of an EBSD pattern (kikuchipy conventions; PC in Bruker convention)."""

    pattern_shape_px: tuple[int, int]
    pc: tuple[float, float, float]
    sample_tilt_deg: float
    detector_tilt_deg: float
    binning: int
    beam_energy_keV: float


@dataclass(frozen=True)
class RealEBSDPatterns:
    """Real EBSD patterns on a scan grid with their geometry.

    ``patterns_counts`` has shape (scan_y, scan_x, det_y, det_x) and holds the detector's 8-bit grey
    values; ``patterns_corrected`` the same after static and dynamic background removal (kikuchipy's
    method, see :func:`load_nickel_ebsd_small`; zero-mean Kikuchi bands, what indexing compares with
    simulations). ``stored_euler_deg`` are the orientations that ship with the file (kikuchipy's indexing
    result in its crystal map): a reference, not an independent ground truth.
    """

    patterns_counts: np.ndarray
    patterns_corrected: np.ndarray
    pc_per_pattern: np.ndarray
    stored_euler_deg: np.ndarray
    scan_step_um: float
    working_distance_mm: float
    geometry: EBSDGeometry
    source: str
    licence: str
    description: str


@dataclass(frozen=True)
class MasterPattern:
    """An EBSD master pattern: Kikuchi intensity on the sphere of scattering directions.

    ``lambert_upper``/``lambert_lower`` are the square Lambert projections of the two hemispheres,
    ``stereographic_upper`` the stereographic projection of the upper hemisphere (grey values 0–255).
    """

    lambert_upper: np.ndarray
    lambert_lower: np.ndarray
    stereographic_upper: np.ndarray
    beam_energy_keV: float
    phase_name: str
    space_group: str
    lattice_parameter_nm: float
    source: str
    licence: str
    description: str


@dataclass(frozen=True)
class ProjectedPatterns:
    """EBSD patterns projected from the Ni master pattern for known orientations (ground truth).

    ``kikuchi`` is the noise-free Kikuchi signal scaled to 0–1 per pattern; ``counts`` the detected
    pattern (background × Kikuchi modulation, Poisson counts); ``background_counts`` the expected smooth
    background without bands. ``labels``/``class_names`` are set by :func:`ebsd_texture_classification`.
    """

    counts: np.ndarray
    kikuchi: np.ndarray
    background_counts: np.ndarray
    euler_deg: np.ndarray
    quaternions: np.ndarray
    geometry: EBSDGeometry
    dose_counts_per_px: float
    labels: np.ndarray | None = None
    class_names: tuple[str, ...] = ()
    deviation_deg: np.ndarray | None = None
    description: str = ""


@dataclass(frozen=True)
class OrientationMap:
    """A synthetic EBSD orientation map of a Ni polycrystal with ground truth.

    ``boundary_misorientation_deg`` is, per pixel, the largest misorientation to its right and lower
    neighbour (≈ the orientation noise inside grains, the grain-boundary misorientation on boundaries).
    ``low_angle_pair`` are two neighbouring grains 5° apart (a sub-grain boundary), ``twin_pair`` two
    neighbouring grains in Σ3 twin relation (60° about ⟨111⟩, the annealing twin of fcc Ni).
    """

    grain_id: np.ndarray
    euler_deg: np.ndarray
    quaternions: np.ndarray
    boundary_misorientation_deg: np.ndarray
    grain_euler_deg: np.ndarray
    step_um: float
    low_angle_pair: tuple[int, int]
    twin_pair: tuple[int, int]
    description: str


def _kikuchipy_data_file(relpath: str) -> Path:
    """Path of a data file shipped inside kikuchipy; raise instead of letting kikuchipy download it."""
    import kikuchipy.data

    path = Path(kikuchipy.data.__file__).parent / relpath
    if not path.is_file():
        raise FileNotFoundError(
            f"kikuchipy's bundled data file {relpath!r} is missing at {path}; this course never downloads "
            "data. Reinstall kikuchipy from PyPI (its wheel ships this file)."
        )
    return path


def _check_positive(name: str, value: float, upper: float = np.inf) -> None:
    if not (np.isfinite(value) and 0 < value <= upper):
        raise ValueError(f"{name} must be in (0, {upper}], got {value!r}")


def load_nickel_ebsd_small() -> RealEBSDPatterns:
    """Load kikuchipy's real Ni EBSD patterns (3 × 3 scan, 60 × 60 px) offline.

    Source: Ånes, Hjelen, van Helvoort, Marthinsen (2019), Zenodo doi:10.5281/zenodo.3265037, recrystallised
    Ni, NORDIF UF-1100 detector, Hitachi SU-6600 at 20 kV; shipped with kikuchipy (GPLv3+); data CC BY 4.0.
    The h5ebsd file is read with h5py, and the background corrected as kikuchipy's ``remove_static_background``
    and ``remove_dynamic_background(filter_domain="spatial")`` do, in NumPy/SciPy: ``kikuchipy.load`` builds an
    orix crystal map whose numba functions take 40–70 s to compile in a fresh process (a deck's whole budget).
    """
    import h5py

    with h5py.File(_kikuchipy_data_file(_NI_PATTERNS_FILE), "r") as f:
        head, sem, xmap = f["Scan 1/EBSD/Header"], f["Scan 1/SEM/Header"], f["Scan 1/EBSD/CrystalMap/crystal_map/data"]
        ny, nx = int(head["n_rows"][0]), int(head["n_columns"][0])
        shape = (int(head["pattern_height"][0]), int(head["pattern_width"][0]))
        raw = np.asarray(f["Scan 1/EBSD/Data/patterns"][()]).reshape(ny, nx, *shape)
        static_bg = np.asarray(head["static_background"][()], dtype=np.float32)
        pc = np.stack([np.asarray(head[k][()], dtype=float).reshape(ny, nx) for k in ("pcx", "pcy", "pcz")], -1)
        euler = np.degrees(np.stack([xmap[k][()] for k in ("phi1", "Phi", "phi2")], -1)).reshape(ny, nx, 3)
        geometry = EBSDGeometry(
            pattern_shape_px=shape,
            pc=tuple(float(v) for v in pc.reshape(-1, 3).mean(axis=0)),
            sample_tilt_deg=float(head["sample_tilt"][0]),
            detector_tilt_deg=float(head["elevation_angle"][0]),
            binning=int(head["binning"][0]),
            beam_energy_keV=float(sem["beam_energy"][0]),
        )
        step_um, wd_mm = float(head["step_x"][0]), float(sem["working_distance"][0])
    corrected = np.stack([_remove_dynamic_background(_rescale_uint8(p.astype(np.float32) - static_bg))
                          for p in raw.reshape(-1, *shape)]).reshape(raw.shape)
    return RealEBSDPatterns(
        patterns_counts=raw,
        patterns_corrected=corrected.astype(np.float32),
        pc_per_pattern=pc,
        stored_euler_deg=euler,
        scan_step_um=step_um,
        working_distance_mm=wd_mm,
        geometry=geometry,
        source="Ånes et al. (2019), Zenodo doi:10.5281/zenodo.3265037, via kikuchipy.data.nickel_ebsd_small",
        licence="data CC BY 4.0; kikuchipy GPLv3+",
        description="Real EBSD patterns of recrystallised Ni, 3×3 scan at 1.5 µm steps, 60×60 px, 20 kV",
    )


def _rescale_uint8(pattern: np.ndarray) -> np.ndarray:
    """Stretch a pattern to the full 8-bit range and truncate to uint8, as kikuchipy does after each step."""
    lo, hi = float(pattern.min()), float(pattern.max())
    return ((pattern - lo) * (255.0 / (hi - lo) if hi > lo else 0.0)).astype(np.uint8)


def _remove_dynamic_background(pattern: np.ndarray) -> np.ndarray:
    """Subtract a Gaussian blur of the pattern (σ = 1/8 of its width, kikuchipy's default) and rescale."""
    from scipy.ndimage import gaussian_filter

    p = pattern.astype(np.float32)
    return _rescale_uint8(p - gaussian_filter(p, sigma=p.shape[1] / 8, truncate=4.0))


#: Short names of the space groups the bundled master patterns may have (EMsoft stores the number).
_SPACE_GROUPS = {225: "Fm-3m", 229: "Im-3m"}


@functools.lru_cache(maxsize=1)
def _master_pattern_arrays() -> dict:
    """The EMsoft master-pattern file read with h5py, as ``kikuchipy.load`` reads it.

    Lambert hemispheres: ``EMData/EBSDmaster/mLPNH``/``mLPSH`` (energy bin 0, the only one, 20 keV);
    stereographic upper hemisphere: ``masterSPNH`` flipped up–down (kikuchipy's reader does the same).
    """
    import h5py

    path = _kikuchipy_data_file(_NI_MASTER_FILE)
    with h5py.File(path, "r") as f:
        group, crystal = f["EMData/EBSDmaster"], f["CrystalData"]
        number = int(crystal["SpaceGroupNumber"][0])
        if number not in _SPACE_GROUPS:
            raise ValueError(f"{path}: CrystalData/SpaceGroupNumber is {number}; this loader knows "
                             f"{sorted(_SPACE_GROUPS)} (add its short name to _SPACE_GROUPS)")
        return {"upper": np.asarray(group["mLPNH"][0, 0]), "lower": np.asarray(group["mLPSH"][0, 0]),
                "stereo": np.asarray(group["masterSPNH"][0])[::-1, :], "space_group": _SPACE_GROUPS[number],
                "a_nm": float(crystal["LatticeParameters"][0])}


def load_nickel_master_pattern() -> MasterPattern:
    """Load kikuchipy's Ni EBSD master pattern (20 keV, EMsoft dynamical simulation) offline.

    Source: simulated with EMsoft (Callahan & De Graef 2013), shipped with kikuchipy (GPLv3+) as
    ``nickel_ebsd_master_pattern_small``; data CC BY 4.0. Read with h5py (:func:`_master_pattern_arrays`).
    """
    arrays = _master_pattern_arrays()
    return MasterPattern(
        lambert_upper=arrays["upper"].copy(),
        lambert_lower=arrays["lower"].copy(),
        stereographic_upper=arrays["stereo"].copy(),
        beam_energy_keV=NI_BEAM_ENERGY_KEV,
        phase_name="ni",
        space_group=arrays["space_group"],
        lattice_parameter_nm=arrays["a_nm"],  # EMsoft stores nm
        source="EMsoft simulation (Callahan & De Graef 2013), "
               "via kikuchipy.data.nickel_ebsd_master_pattern_small",
        licence="data CC BY 4.0; kikuchipy GPLv3+",
        description="Ni (Fm-3m) EBSD master pattern at 20 keV, 401×401 px per hemisphere",
    )


def ni_detector(shape_px: tuple[int, int] = (60, 60), pc: tuple[float, float, float] = NI_PC,
                sample_tilt_deg: float = NI_SAMPLE_TILT_DEG) -> EBSDDetector:
    """A kikuchipy ``EBSDDetector`` with the geometry of the real Ni data (PC, 70° sample tilt)."""
    from kikuchipy.detectors import EBSDDetector

    return EBSDDetector(shape=_check_shape(shape_px), pc=pc, sample_tilt=sample_tilt_deg)


def _check_shape(shape_px: tuple[int, int]) -> tuple[int, int]:
    if len(shape_px) != 2 or min(shape_px) < 8 or max(shape_px) > 512:
        raise ValueError(f"shape_px must be two sizes in [8, 512] px, got {shape_px!r}")
    return int(shape_px[0]), int(shape_px[1])


def _euler_to_quaternions(euler_deg: np.ndarray) -> np.ndarray:
    """(n, 3) Bunge angles in degrees -> (n, 4) unit quaternions (orix convention, a ≥ 0)."""
    euler = np.asarray(euler_deg, dtype=float).reshape(-1, 3)
    if not np.all(np.isfinite(euler)):
        raise ValueError("euler_deg must be finite Bunge angles (φ1, Φ, φ2) in degrees")
    return geo.euler_to_quaternion(np.radians(euler))


def _background(shape_px: tuple[int, int]) -> np.ndarray:
    """Smooth backscatter background (mean 1): a Gaussian plus offset fitted to the mean of the real Ni
    patterns (centre at 0.45 ny, 0.40 nx; σ = 0.445 of the detector; offset 2 % of the peak)."""
    ny, nx = shape_px
    y, x = np.mgrid[0:ny, 0:nx]
    cy, cx, width = 0.45 * ny, 0.40 * nx, 0.445 * max(nx, ny)
    bg = 0.02 + np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * width**2))
    return bg / bg.mean()


def project_patterns(euler_deg: np.ndarray, shape_px: tuple[int, int] = (60, 60),
                     dose_counts_per_px: float | None = 800.0, band_contrast: float = 0.25,
                     seed: int = 0) -> ProjectedPatterns:
    """Project the Ni master pattern onto a detector for given orientations and add realistic noise.

    Parameters
    ----------
    euler_deg : (n, 3) Bunge Euler angles in degrees (orix/kikuchipy convention).
    shape_px : detector size; the geometry is that of the real Ni data (PC :data:`NI_PC`, 70° sample tilt,
        detector tilt 0°, kikuchipy's ``EBSDDetector`` defaults).
    dose_counts_per_px : mean detected counts per pixel (Poisson noise); ``None`` gives the noise-free
        expected pattern per unit dose (mean 1; ``dose_counts_per_px`` of the result is then 0).
    band_contrast : relative modulation of the background by the Kikuchi bands (0–1), typically 0.1–0.5.
    seed : seed of the Poisson noise.

    The patterns are kikuchipy's projection of the EMsoft master pattern (20 keV), computed by the NumPy port
    :func:`mlpc.ebsd_geometry.project_master_pattern` (same numbers to float precision); a smooth
    background multiplies the bands, then counts are drawn from a Poisson distribution. The defaults
    reproduce the relative modulation of the real Ni patterns (std of pattern / smoothed pattern, 0.07).
    """
    if dose_counts_per_px is not None:
        _check_positive("dose_counts_per_px", dose_counts_per_px, 1e6)
    _check_positive("band_contrast", band_contrast, 1.0)
    quats = _euler_to_quaternions(euler_deg)
    shape = _check_shape(shape_px)
    arrays = _master_pattern_arrays()
    directions = geo.detector_directions(shape, NI_PC, NI_SAMPLE_TILT_DEG)
    data = geo.project_master_pattern(quats, directions, arrays["upper"], arrays["lower"]).reshape(-1, *shape)
    lo = data.min(axis=(1, 2), keepdims=True)
    hi = data.max(axis=(1, 2), keepdims=True)
    kikuchi = (data - lo) / np.maximum(hi - lo, 1e-12)
    bg = _background(shape)
    modulation = 1.0 + band_contrast * (kikuchi - kikuchi.mean(axis=(1, 2), keepdims=True))
    scale = 1.0 if dose_counts_per_px is None else dose_counts_per_px
    expected = scale * bg[None] * modulation
    if dose_counts_per_px is None:
        counts = expected
    else:
        counts = np.random.default_rng(seed).poisson(expected).astype(float)
    geometry = EBSDGeometry(pattern_shape_px=shape, pc=tuple(float(v) for v in NI_PC),
                            sample_tilt_deg=NI_SAMPLE_TILT_DEG, detector_tilt_deg=0.0, binning=1,
                            beam_energy_keV=NI_BEAM_ENERGY_KEV)
    return ProjectedPatterns(
        counts=counts.astype(np.float32), kikuchi=kikuchi.astype(np.float32),
        background_counts=(scale * bg).astype(np.float32),
        euler_deg=np.degrees(geo.quaternion_to_euler(quats)), quaternions=quats,
        geometry=geometry, dose_counts_per_px=float(dose_counts_per_px or 0.0),
        description=f"{len(quats)} Ni EBSD patterns projected from the 20 keV master pattern",
    )


def misorientation_deg(euler_a_deg: np.ndarray, euler_b_deg: np.ndarray) -> np.ndarray:
    """Misorientation angle (degrees) between cubic (m-3m) orientations, pairwise, with cubic symmetry.

    Both arguments are (n, 3) or (3,) Bunge Euler angles in degrees; returns an (n,) array in [0, 62.8°]:
    the disorientation angle, minimum over the 24 proper symmetry operations of the cubic point group, as orix
    ``Orientation.angle_with`` (:func:`mlpc.ebsd_geometry.disorientation_deg`).
    """
    a = _euler_to_quaternions(euler_a_deg)
    b = _euler_to_quaternions(euler_b_deg)
    if len(a) != len(b) and 1 not in (len(a), len(b)):
        raise ValueError(f"euler_a_deg and euler_b_deg must hold the same number of orientations "
                         f"(or one), got {len(a)} and {len(b)}")
    return geo.disorientation_deg(a, b)


def _random_rotations(n: int, rng: np.random.Generator) -> np.ndarray:
    """Uniformly random rotations (uniform unit quaternions, Shoemake 1992), (n, 4)."""
    q = rng.normal(size=(n, 4))
    return q / np.linalg.norm(q, axis=1, keepdims=True)


def _scatter(base: np.ndarray, spread_deg: float, rng: np.random.Generator) -> np.ndarray:
    """Rotate each orientation (n, 4) by a small random rotation (random axis, |N(0, σ)| angle), crystal frame."""
    n = len(base)
    axes = rng.normal(size=(n, 3))
    axes /= np.linalg.norm(axes, axis=1, keepdims=True)
    angles = np.radians(np.abs(rng.normal(0.0, spread_deg, n)))
    return geo.quaternion_multiply(geo.axis_angle_to_quaternion(axes, angles), base)


def _deviation_from_components(quats: np.ndarray) -> np.ndarray:
    """(n, 3) deviations in degrees of orientations (n, 4) from cube, Goss (misorientation) and the γ fibre
    (angle between ND, rotated into the crystal, and the nearest ⟨111⟩)."""
    quats = np.asarray(quats, dtype=float).reshape(-1, 4)
    out = np.empty((len(quats), 3))
    for j, name in enumerate(("cube", "goss")):
        out[:, j] = geo.disorientation_deg(_euler_to_quaternions(TEXTURE_COMPONENTS_DEG[name]), quats)
    nd_crystal = geo.rotate_vectors(quats, np.array([[0.0, 0.0, 1.0]]))[:, 0]
    cos111 = np.clip(np.abs(nd_crystal).sum(axis=1) / np.sqrt(3), -1.0, 1.0)
    out[:, 2] = np.degrees(np.arccos(cos111))
    return out


def ebsd_texture_classification(n_per_class: int = 100, spread_deg: float = 5.0,
                                shape_px: tuple[int, int] = (60, 60), dose_counts_per_px: float = 800.0,
                                min_random_deviation_deg: float = 15.0, seed: int = 0) -> ProjectedPatterns:
    """A labelled EBSD pattern set: Ni patterns near cube, near Goss, near the γ fibre, or random.

    Labels follow :data:`TEXTURE_CLASSES` (0 cube, 1 Goss, 2 γ fibre ⟨111⟩∥ND, 3 random). Textured
    classes scatter around their ideal orientation by a random rotation with angle |N(0, ``spread_deg``)|
    (γ fibre: φ1 uniform in [0°, 360°)); random orientations are uniform on SO(3) and rejected if closer
    than ``min_random_deviation_deg`` to any component. Ground truth: Euler angles, quaternions and
    ``deviation_deg`` (n, 3), the angular distance to cube, Goss and the γ fibre. Patterns are shuffled.
    Default: 400 patterns of 60 × 60 px in about a second (NumPy projection + Poisson noise).
    """
    if not (isinstance(n_per_class, int | np.integer) and 1 <= n_per_class <= 5000):
        raise ValueError(f"n_per_class must be an integer in [1, 5000], got {n_per_class!r}")
    _check_positive("spread_deg", spread_deg, 20.0)
    _check_positive("min_random_deviation_deg", min_random_deviation_deg, 30.0)
    rng = np.random.default_rng(seed)
    parts = []
    for name in ("cube", "goss"):
        base = _euler_to_quaternions(np.tile(TEXTURE_COMPONENTS_DEG[name], (n_per_class, 1)))
        parts.append(_scatter(base, spread_deg, rng))
    phi1 = rng.uniform(0.0, 360.0, n_per_class)
    _, big_phi, phi2 = TEXTURE_COMPONENTS_DEG["gamma_fibre"]
    fibre = _euler_to_quaternions(np.column_stack([phi1, np.full_like(phi1, big_phi), np.full_like(phi1, phi2)]))
    parts.append(_scatter(fibre, spread_deg, rng))
    random_q = np.empty((0, 4))
    while len(random_q) < n_per_class:
        cand = _random_rotations(2 * n_per_class, rng)
        keep = _deviation_from_components(cand).min(axis=1) >= min_random_deviation_deg
        random_q = np.concatenate([random_q, cand[keep]])
    parts.append(random_q[:n_per_class])
    quats = np.concatenate(parts)
    labels = np.repeat(np.arange(len(TEXTURE_CLASSES)), n_per_class)
    order = rng.permutation(len(labels))
    quats, labels = quats[order], labels[order]
    proj = project_patterns(np.degrees(geo.quaternion_to_euler(quats)), shape_px=shape_px,
                            dose_counts_per_px=dose_counts_per_px, seed=int(rng.integers(2**31)))
    return ProjectedPatterns(
        counts=proj.counts, kikuchi=proj.kikuchi, background_counts=proj.background_counts,
        euler_deg=proj.euler_deg, quaternions=quats.copy(), geometry=proj.geometry,
        dose_counts_per_px=proj.dose_counts_per_px, labels=labels, class_names=TEXTURE_CLASSES,
        deviation_deg=_deviation_from_components(quats),
        description=f"{len(labels)} Ni EBSD patterns labelled cube / Goss / γ fibre / random "
                    f"(spread {spread_deg:g}°, {dose_counts_per_px:g} counts/px)",
    )


def _two_boundaries(grain_id: np.ndarray) -> tuple[int, int, int, int]:
    """Two disjoint pairs of neighbouring grains (a, b) and (c, d) with the longest shared boundaries."""
    pairs: dict[tuple[int, int], int] = {}
    for u, v in ((grain_id[:, :-1], grain_id[:, 1:]), (grain_id[:-1, :], grain_id[1:, :])):
        edge = u != v
        for i, j in zip(u[edge], v[edge], strict=True):
            key = (int(min(i, j)), int(max(i, j)))
            pairs[key] = pairs.get(key, 0) + 1
    ranked = sorted(pairs, key=lambda k: -pairs[k])
    a, b = ranked[0]
    disjoint = [k for k in ranked if not {a, b} & set(k)]
    if not disjoint:
        raise ValueError("the grain map has too few grains for two separate boundaries; raise n_grains")
    c, d = disjoint[0]
    return a, b, c, d


def ebsd_orientation_map(shape_px: tuple[int, int] = (64, 64), n_grains: int = 12, step_um: float = 0.5,
                         orientation_noise_deg: float = 0.3, seed: int = 0) -> OrientationMap:
    """A synthetic EBSD orientation map: Voronoi grains of Ni, one orientation per grain, with ground truth.

    Grain orientations are uniformly random, except a neighbouring pair 5° apart (low-angle / sub-grain
    boundary, < 15°) and a neighbouring pair in Σ3 twin relation (60° about ⟨111⟩, frequent in
    annealed fcc Ni). Each pixel gets a small random rotation (|N(0, ``orientation_noise_deg``)|), the
    angular precision of Hough/dictionary indexing (≈ 0.1–0.5°, Schwartz et al. 2009). Runs in < 1 s.
    """
    if len(shape_px) != 2 or min(shape_px) < 8 or max(shape_px) > 1024:
        raise ValueError(f"shape_px must be two sizes in [8, 1024] px, got {shape_px!r}")
    if not (isinstance(n_grains, int | np.integer) and 4 <= n_grains <= 500):
        raise ValueError(f"n_grains must be an integer in [4, 500], got {n_grains!r}")
    _check_positive("step_um", step_um, 100.0)
    if not (np.isfinite(orientation_noise_deg) and 0 <= orientation_noise_deg <= 5):
        raise ValueError(f"orientation_noise_deg must be in [0, 5], got {orientation_noise_deg!r}")
    rng = np.random.default_rng(seed)
    ny, nx = shape_px
    seeds = rng.uniform([0, 0], [ny, nx], size=(n_grains, 2))
    yy, xx = np.mgrid[0:ny, 0:nx]
    d2 = (yy[..., None] - seeds[:, 0]) ** 2 + (xx[..., None] - seeds[:, 1]) ** 2
    grain_id = np.argmin(d2, axis=-1)
    grain_rot = _random_rotations(n_grains, rng)
    a, b, c, d = _two_boundaries(grain_id)
    axis = rng.normal(size=3)
    small = geo.axis_angle_to_quaternion(axis, np.radians(5.0))
    grain_rot[b] = geo.quaternion_multiply(small, grain_rot[a])[0]
    twin = geo.axis_angle_to_quaternion([1.0, 1.0, 1.0], np.radians(60.0))
    grain_rot[d] = geo.quaternion_multiply(twin, grain_rot[c])[0]
    pix = grain_rot[grain_id.ravel()]
    if orientation_noise_deg > 0:
        pix = _scatter(pix, orientation_noise_deg, rng)
    flat = np.arange(ny * nx).reshape(ny, nx)
    mis = np.zeros((ny, nx))
    for nb in (flat[:, 1:], flat[1:, :]):
        src = (flat[:, :-1] if nb.shape[1] == nx - 1 else flat[:-1, :]).ravel()
        ang = geo.disorientation_deg(pix[src], pix[nb.ravel()])
        cur = mis.ravel()
        np.maximum.at(cur, src, ang)
        mis = cur.reshape(ny, nx)
    euler = np.degrees(geo.quaternion_to_euler(pix)).reshape(ny, nx, 3)
    return OrientationMap(
        grain_id=grain_id, euler_deg=euler, quaternions=pix.reshape(ny, nx, 4),
        boundary_misorientation_deg=mis, grain_euler_deg=np.degrees(geo.quaternion_to_euler(grain_rot)),
        step_um=float(step_um), low_angle_pair=(a, b), twin_pair=(c, d),
        description=f"Synthetic Ni EBSD map, {n_grains} grains, {ny}×{nx} px at {step_um:g} µm "
                    "with a 5° sub-grain boundary and a Σ3 twin",
    )


__all__ = [
    "TEXTURE_CLASSES",
    "TEXTURE_COMPONENTS_DEG",
    "EBSDGeometry",
    "RealEBSDPatterns",
    "MasterPattern",
    "ProjectedPatterns",
    "OrientationMap",
    "load_nickel_ebsd_small",
    "load_nickel_master_pattern",
    "ni_detector",
    "project_patterns",
    "misorientation_deg",
    "ebsd_texture_classification",
    "ebsd_orientation_map",
]
