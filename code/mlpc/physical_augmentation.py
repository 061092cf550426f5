"""Which data augmentations a micrograph allows: symmetry of the specimen and physics of the contrast.

An augmentation is a claim that the transformed image would carry the same label. For photographs of
objects, flips, crops and colour jitter are harmless (Shorten & Khoshgoftaar, "A survey on image data
augmentation for deep learning", *J. Big Data* 6, 60, 2019). For micrographs the claim must be checked
against the physics:

- rotations and mirrors are allowed when the microstructure is statistically isotropic (equiaxed grains,
  particles, spinodal structures): its gradient orientations are uniform (:func:`orientation_order` ≈ 0).
  They are NOT allowed when the label depends on a direction: lamellae of a directionally solidified
  eutectic (they grow along the heat flow; spacing λ² v = const, Jackson & Hunt, *Trans. Metall. Soc. AIME*
  236, 1129, 1966), bands along the rolling direction, columnar grains along the build direction, rolling
  textures. For a horizontal/vertical label only the subgroup that
  keeps the axis (180° rotation, mirrors across the axes) is allowed (:func:`augment_orientation_set`);
- brightness/contrast ("colour") jitter is NOT allowed when the grey level is the measurement: the
  backscattered-electron (BSE) yield η rises with the mean atomic number Z (Reuter 1972; Goldstein et al.,
  *Scanning Electron Microscopy and X-Ray Microanalysis*, 4th ed., Springer 2018), so a gain change of a
  few per cent turns Fe into Ni (:func:`bse_coefficient`, :func:`jitter_label_flip_rate`);
- noise, blur and scan distortions at levels the instrument produces are allowed: they are how the same
  specimen looks on another day (:mod:`mlpc.datasets.imaging`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

#: Elements used for the BSE example, with their atomic numbers.
BSE_ELEMENTS: dict[str, int] = {"Fe": 26, "Co": 27, "Ni": 28, "Cu": 29}
#: The label of :func:`lamellae_orientation_set`: the growth direction of the lamellae in the image.
ORIENTATION_CLASSES = ("growth along x", "growth along y")


def bse_coefficient(z: float | np.ndarray) -> np.ndarray | float:
    """Backscattered-electron coefficient η(Z) of a pure element at normal incidence, beam energy above
    ~5 keV: η = −0.0254 + 0.016 Z − 1.86×10⁻⁴ Z² + 8.3×10⁻⁷ Z³ (Reuter 1972, as given by Goldstein et al.
    2018). Valid for 1 ≤ Z ≤ 92; η(Fe) = 0.279, η(Ni) = 0.295, η(Au) = 0.488."""
    z_arr = np.asarray(z, dtype=float)
    if np.any(~np.isfinite(z_arr)) or np.any(z_arr < 1) or np.any(z_arr > 92):
        raise ValueError(f"z must be an atomic number in [1, 92], got {z!r}")
    eta = -0.0254 + 0.016 * z_arr - 1.86e-4 * z_arr**2 + 8.3e-7 * z_arr**3
    return float(eta) if eta.ndim == 0 else eta


def jitter_label_flip_rate(jitter: float, elements: dict[str, int] | None = None, n: int = 20_000,
                           seed: int = 0) -> float:
    """Fraction of brightness-jittered BSE images whose yield is closer to ANOTHER element's calibrated yield
    than to their own: the label noise that a gain jitter uniform in [1 − ``jitter``, 1 + ``jitter``]
    injects when the element (composition) is the label. Image means are taken as noise free (a 64 × 64 px
    image at 100 counts/px averages 409,600 counts: 0.2 % relative Poisson error)."""
    if not 0 <= jitter < 1:
        raise ValueError(f"jitter must be in [0, 1), got {jitter!r}")
    elements = elements or BSE_ELEMENTS
    eta = np.array([bse_coefficient(z) for z in elements.values()])
    rng = np.random.default_rng(seed)
    label = rng.integers(0, len(eta), n)
    observed = eta[label] * rng.uniform(1 - jitter, 1 + jitter, n)
    nearest = np.argmin(np.abs(observed[:, None] - eta[None, :]), axis=1)
    return float(np.mean(nearest != label))


@dataclass(frozen=True)
class BSESet:
    """BSE micrographs of single-phase polycrystals of different elements: ``X`` (N, H, W) grey levels on a
    fixed detector calibration (grey 1 ↔ η = ``eta_full_scale``), ``y`` the element index into
    ``class_names``; ``dose`` incident electrons per pixel."""

    X: np.ndarray
    y: np.ndarray
    class_names: tuple[str, ...]
    dose: float
    eta_full_scale: float
    description: str


def bse_composition_set(n_per_class: int = 40, elements: tuple[str, ...] = ("Fe", "Ni", "Cu"), size: int = 64,
                        dose: float = 400.0, channeling: float = 0.04, eta_full_scale: float = 0.5,
                        seed: int = 0) -> BSESet:
    """Which element is this? BSE images of polished single-phase polycrystals (10–40 grains), each grain
    brighter or darker by up to ±``channeling`` (orientation/channelling contrast), mean yield η(Z) of the
    element (:func:`bse_coefficient`), Poisson counts at ``dose`` incident electrons per pixel, and a fixed
    calibration grey = counts / (dose × ``eta_full_scale``). The label lives in the absolute grey level
    only: the grain structure is the same for every element."""
    from mlpc.datasets import micrographs

    unknown = [e for e in elements if e not in BSE_ELEMENTS]
    if unknown or len(elements) < 2:
        raise ValueError(f"elements must be at least two of {tuple(BSE_ELEMENTS)}, got {elements!r}")
    if int(n_per_class) != n_per_class or not 1 <= n_per_class <= 2000:
        raise ValueError(f"n_per_class must be an integer in [1, 2000], got {n_per_class!r}")
    if dose <= 0 or not 0 <= channeling < 0.5:
        raise ValueError(f"dose must be > 0 and channeling in [0, 0.5), got {dose!r}, {channeling!r}")
    rng = np.random.default_rng(seed)
    eta = np.array([bse_coefficient(BSE_ELEMENTS[e]) for e in elements])
    y = np.repeat(np.arange(len(elements)), n_per_class)[rng.permutation(len(elements) * n_per_class)]
    X = np.empty((len(y), size, size), dtype=np.float32)
    for i, cls in enumerate(y):
        pc = micrographs.polycrystal(size, int(rng.integers(10, 41)), pixel_size_um=1.0, groove_depth=0.0,
                                     seed=int(rng.integers(0, 2**31 - 1)))
        grain = 1.0 + channeling * rng.uniform(-1, 1, pc.labels.max() + 1)
        counts = rng.poisson(dose * eta[cls] * grain[pc.labels])
        X[i] = counts / (dose * eta_full_scale)
    return BSESet(X=X, y=y.astype(np.int64), class_names=tuple(elements), dose=float(dose),
                  eta_full_scale=float(eta_full_scale),
                  description=f"{len(y)} BSE micrographs of {', '.join(elements)} polycrystals at {dose:g} e⁻/px")


def gradient_orientations(image: np.ndarray, sigma_px: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Orientation θ (radians, in [0, π)) of the grey-level gradient at every pixel and its weight |∇I|²
    (Gaussian-derivative filters of width ``sigma_px``). Flattened arrays."""
    img = np.asarray(image, dtype=float)
    if img.ndim != 2:
        raise ValueError(f"image must be 2D, got shape {img.shape}")
    gy = ndimage.gaussian_filter(img, sigma_px, order=(1, 0))
    gx = ndimage.gaussian_filter(img, sigma_px, order=(0, 1))
    return (np.arctan2(gy, gx) % np.pi).ravel(), (gx**2 + gy**2).ravel()


def orientation_order(image: np.ndarray, fold: int = 2, sigma_px: float = 1.0) -> float:
    """|⟨exp(i · fold · θ)⟩| of the gradient orientations weighted by |∇I|²: 0 for a statistically isotropic
    image, 1 when every edge has the same direction. ``fold=2``: one preferred axis (lamellae, bands;
    equal to the coherence of the image's structure tensor); ``fold=4``: a horizontal-and-vertical
    preference (photographs of a gravity-aligned, man-made world)."""
    if fold not in (2, 4):
        raise ValueError(f"fold must be 2 or 4, got {fold!r}")
    theta, w = gradient_orientations(image, sigma_px)
    return float(np.abs(np.sum(w * np.exp(1j * fold * theta))) / (np.sum(w) + 1e-12))


def lamellae_direction_deg(image: np.ndarray, sigma_px: float = 1.0) -> float:
    """Direction of the lamellae in [0, 180)° from the x axis (counter-clockwise as displayed with row 0 at
    the top): perpendicular to the mean gradient axis of the structure tensor."""
    theta, w = gradient_orientations(image, sigma_px)
    normal = 0.5 * np.angle(np.sum(w * np.exp(2j * theta)))
    # image rows grow downwards, so the displayed angle is the negative of the array angle
    return float(np.degrees(-(normal + np.pi / 2)) % 180.0)


@dataclass(frozen=True)
class OrientationSet:
    """Lamellar micrographs ``X`` (N, H, W) in [0, 1] labelled by lamella direction ``y`` (0: along x,
    1: along y); ``direction_deg`` the measured direction of each."""

    X: np.ndarray
    y: np.ndarray
    direction_deg: np.ndarray
    class_names: tuple[str, ...]
    description: str


def lamellar_micrograph(direction_deg: float, spacing_px: float = 6.0, fraction: float = 0.2, size: int = 64,
                        dose: float = 100.0, seed: int = 0) -> np.ndarray:
    """A lamellar eutectic colony whose lamellae run at ``direction_deg`` from the x axis (as displayed), in
    [0, 1]: wavy cosine lamellae of period ``spacing_px`` thresholded at the dark-phase ``fraction``, the
    grey levels 0.75 / 0.25 of :func:`mlpc.datasets.micrographs.two_phase`, a 1-px probe blur and Poisson
    noise at ``dose`` counts/px (``two_phase(..., "lamellar", n_colonies=1)`` with a chosen direction).
    In a directionally solidified eutectic the lamellae run along the growth direction (Jackson & Hunt 1966)."""
    from mlpc.datasets import imaging

    if not 2.0 <= spacing_px <= size / 2:
        raise ValueError(f"spacing_px must be in [2, {size / 2}], got {spacing_px!r}")
    if not 0.05 <= fraction <= 0.5:
        raise ValueError(f"fraction must be in [0.05, 0.5], got {fraction!r}")
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size].astype(float)
    phi = np.radians(direction_deg)
    across = -xx * np.sin(phi) - yy * np.cos(phi)  # distance across the lamellae (rows grow downwards)
    wobble = ndimage.gaussian_filter(rng.standard_normal((size, size)), size / 6.0, mode="wrap")
    wobble = 1.2 * wobble / (wobble.std() + 1e-12)
    field = np.cos(2 * np.pi * across / spacing_px + rng.uniform(0, 2 * np.pi) + wobble)
    dark = field > np.quantile(field, 1.0 - fraction)
    ideal = ndimage.gaussian_filter(np.where(dark, 0.25, 0.75), 0.7)
    shot = imaging.acquire(ideal, 1.0, psf_fwhm=1.0, dose=dose, seed=int(rng.integers(0, 2**31 - 1)))
    return np.clip(shot.image, 0.0, 1.0).astype(np.float32)


def lamellae_orientation_set(n_per_class: int = 40, size: int = 64, max_deviation_deg: float = 25.0,
                             seed: int = 0) -> OrientationSet:
    """Directionally solidified lamellar eutectics: lamellae within ±``max_deviation_deg`` of the x axis
    (label 0: growth along x) or of the y axis (label 1), period 4–9 px (4–9 µm at 1 µm/px), dark-phase
    fraction 0.12–0.3, Poisson noise at 100 counts/px (:func:`lamellar_micrograph`)."""
    if int(n_per_class) != n_per_class or not 1 <= n_per_class <= 5000:
        raise ValueError(f"n_per_class must be an integer in [1, 5000], got {n_per_class!r}")
    if not 0 <= max_deviation_deg <= 40:
        raise ValueError(f"max_deviation_deg must be in [0, 40], got {max_deviation_deg!r}")
    rng = np.random.default_rng(seed)
    y = np.repeat([0, 1], n_per_class)[rng.permutation(2 * n_per_class)]
    direction = (90.0 * y + rng.uniform(-max_deviation_deg, max_deviation_deg, len(y))) % 180.0
    X = np.stack([lamellar_micrograph(d, rng.uniform(4, 9), rng.uniform(0.12, 0.3), size,
                                      seed=int(rng.integers(0, 2**31 - 1))) for d in direction])
    return OrientationSet(X=X, y=y.astype(np.int64), direction_deg=direction, class_names=ORIENTATION_CLASSES,
                          description=f"{len(y)} lamellar micrographs, lamellae within ±{max_deviation_deg:g}° "
                                      "of x or y")


def augment_orientation_set(X: np.ndarray, y: np.ndarray, group: str) -> tuple[np.ndarray, np.ndarray]:
    """Enlarge a training set by symmetry operations that keep each label unchanged (as augmentation does).

    ``group``: ``"none"``; ``"axis-preserving"`` (identity, 180° rotation, mirrors across x and y: the
    operations that keep horizontal lamellae horizontal, physically allowed); ``"d4"`` (adds the 90°
    rotations and diagonal mirrors, which turn horizontal lamellae vertical while the label stays: the
    invalid augmentation for a direction label)."""
    ops = {
        "none": [lambda a: a],
        "axis-preserving": [lambda a: a, lambda a: a[:, ::-1, ::-1], lambda a: a[:, ::-1, :],
                            lambda a: a[:, :, ::-1]],
    }
    ops["d4"] = ops["axis-preserving"] + [lambda a: np.rot90(a, 1, axes=(1, 2)), lambda a: np.rot90(a, 3, axes=(1, 2)),
                                          lambda a: np.transpose(a, (0, 2, 1)),
                                          lambda a: np.rot90(a, 2, axes=(1, 2)).transpose(0, 2, 1)]
    if group not in ops:
        raise ValueError(f"group must be one of {tuple(ops)}, got {group!r}")
    X = np.asarray(X)
    return (np.concatenate([np.ascontiguousarray(op(X)) for op in ops[group]]),
            np.tile(np.asarray(y), len(ops[group])))


def power_spectrum_features(X: np.ndarray, bins: int = 8) -> np.ndarray:
    """Orientation-sensitive, translation-invariant features: the log power spectrum of each image (mean
    removed, Hann window), centred and block-averaged to ``bins`` × ``bins``, flattened."""
    X = np.asarray(X, dtype=float)
    n, h, w = X.shape
    if h % bins or w % bins:
        raise ValueError(f"image size {h}×{w} must be a multiple of bins={bins}")
    window = np.outer(np.hanning(h), np.hanning(w))
    spec = np.abs(np.fft.fftshift(np.fft.fft2((X - X.mean(axis=(1, 2), keepdims=True)) * window), axes=(1, 2)))
    logp = np.log1p(spec**2)
    return logp.reshape(n, bins, h // bins, bins, w // bins).mean(axis=(2, 4)).reshape(n, -1)


def orientation_classifier_accuracy(train: OrientationSet, val: OrientationSet, group: str, C: float = 0.1
                                    ) -> float:
    """Validation accuracy of a logistic regression on :func:`power_spectrum_features`, trained on the
    training set augmented with ``group`` (see :func:`augment_orientation_set`)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X_aug, y_aug = augment_orientation_set(train.X, train.y, group)
    clf = make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=3000))
    clf.fit(power_spectrum_features(X_aug), y_aug)
    return float((clf.predict(power_spectrum_features(val.X)) == val.y).mean())


__all__ = [
    "BSE_ELEMENTS",
    "BSESet",
    "ORIENTATION_CLASSES",
    "OrientationSet",
    "augment_orientation_set",
    "bse_coefficient",
    "bse_composition_set",
    "gradient_orientations",
    "jitter_label_flip_rate",
    "lamellae_direction_deg",
    "lamellae_orientation_set",
    "lamellar_micrograph",
    "orientation_classifier_accuracy",
    "orientation_order",
    "power_spectrum_features",
]
