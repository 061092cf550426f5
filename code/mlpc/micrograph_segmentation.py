"""Segmentation tasks on micrographs: image/mask sets with a physical imaging chain, overlap scores,
a classical threshold baseline, tiled inference for large images and failure analysis by defect class.

Data: the specimens come from :mod:`mlpc.datasets.micrographs` (two-phase structures after Cahn 1965 /
Berk 1987, AM defects after Gong et al., *Addit. Manuf.* 1–4, 87, 2014) and are recorded through
:func:`mlpc.datasets.imaging.acquire` (uneven illumination, Gaussian probe, Poisson counting noise at a
given dose in electrons per pixel; Reimer, *Scanning Electron Microscopy*, 1998). Every image keeps its
true mask, so scores are exact.

Scores: intersection over union (Jaccard 1912) and the Dice–Sørensen coefficient (Dice, *Ecology* 26,
297, 1945), Dice = 2 IoU / (1 + IoU). Baseline: Otsu's threshold (Otsu, *IEEE Trans. SMC* 9, 62, 1979)
after an optional Gaussian smoothing. Tiling with overlap for images larger than memory allows follows
the overlap-tile strategy of the U-Net paper (Ronneberger, Fischer & Brox, MICCAI 2015).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import ndimage
from skimage.filters import threshold_otsu

from mlpc.datasets import imaging, micrographs

#: Defect classes that are voids (porosity); inclusions are solid second-phase particles.
VOID_CLASSES = ("gas_pore", "lack_of_fusion", "crack")


@dataclass(frozen=True)
class SegmentationSet:
    """Acquired micrographs with their true masks.

    ``X``: (N, H, W) float32 images in yield units (detected counts / dose, about 0–1); ``Y``: (N, H, W)
    bool masks of the target (dark phase, or voids); ``dose_e_per_px``: (N,) electron dose per pixel of
    each image; ``psf_fwhm_um``: (N,) probe FWHM; ``class_map``: (N, H, W) uint8 defect classes (0 matrix,
    1.. in the order of ``class_names``) or None; ``morphology``: per-image morphology name or defect
    set; ``fraction``: (N,) true area fraction of the target.
    """

    X: np.ndarray
    Y: np.ndarray
    pixel_size_um: float
    dose_e_per_px: np.ndarray
    psf_fwhm_um: np.ndarray
    fraction: np.ndarray
    morphology: tuple[str, ...]
    class_map: np.ndarray | None
    class_names: tuple[str, ...]
    description: str

    def subset(self, index: np.ndarray | slice) -> SegmentationSet:
        """The images selected by ``index`` (a slice, integer or boolean array)."""
        idx = np.arange(len(self.X))[index]
        return SegmentationSet(
            X=self.X[idx], Y=self.Y[idx], pixel_size_um=self.pixel_size_um,
            dose_e_per_px=self.dose_e_per_px[idx], psf_fwhm_um=self.psf_fwhm_um[idx],
            fraction=self.fraction[idx], morphology=tuple(self.morphology[i] for i in idx),
            class_map=None if self.class_map is None else self.class_map[idx], class_names=self.class_names,
            description=f"{len(idx)} of: {self.description}")


def _check_n(n: int) -> int:
    if int(n) != n or not 1 <= n <= 5000:
        raise ValueError(f"n must be an integer in [1, 5000], got {n!r}")
    return int(n)


def _check_dose(dose: tuple[float, float]) -> tuple[float, float]:
    lo, hi = (float(v) for v in dose)
    if not (np.isfinite(lo) and np.isfinite(hi)) or not 0 < lo <= hi <= 1e6:
        raise ValueError(f"dose must be (low, high) electrons per pixel with 0 < low <= high <= 1e6, got {dose!r}")
    return lo, hi


def _record(ideal: np.ndarray, pixel_size_um: float, psf_fwhm_um: float, dose: float, shading: float,
            rng: np.random.Generator) -> np.ndarray:
    """Detector gain/offset, then the imaging chain; returns float32 yield (counts / dose)."""
    gain, offset = rng.uniform(0.7, 1.0), rng.uniform(0.0, 0.15)
    shot = imaging.acquire(offset + gain * ideal, pixel_size_um, psf_fwhm=psf_fwhm_um, dose=dose,
                           shading=shading, seed=int(rng.integers(0, 2**31 - 1)))
    return shot.image.astype(np.float32)


def phase_set(n: int = 200, size: int = 64, pixel_size_um: float = 0.5, dose: tuple[float, float] = (5.0, 200.0),
              psf_fwhm_um: tuple[float, float] = (0.5, 1.0), seed: int = 0) -> SegmentationSet:
    """Two-phase micrographs (particles, lamellar, bicontinuous; dark-phase fraction 0.15–0.5) with the
    dark-phase mask.

    Feature size 4–10 µm (lamellar period 3–6 µm) at ``pixel_size_um`` (default 0.5 µm: a 64 px image is a
    32 µm field, an SEM image of a duplex or eutectoid microstructure). Each image is recorded at a dose
    drawn log-uniformly from ``dose`` (electrons per pixel), with a probe FWHM from ``psf_fwhm_um``,
    shading up to 0.3 and a random detector gain and offset.
    """
    n = _check_n(n)
    lo, hi = _check_dose(dose)
    rng = np.random.default_rng(seed)
    X = np.empty((n, size, size), dtype=np.float32)
    Y = np.empty((n, size, size), dtype=bool)
    doses = np.exp(rng.uniform(np.log(lo), np.log(hi), n))
    psf = rng.uniform(*psf_fwhm_um, n)
    morph, frac = [], np.empty(n)
    for i in range(n):
        m = micrographs.MORPHOLOGIES[int(rng.integers(0, 3))]
        feature = rng.uniform(3.0, 6.0) if m == "lamellar" else rng.uniform(4.0, 10.0)
        tp = micrographs.two_phase(size, rng.uniform(0.15, 0.5), m, feature_size_um=feature,
                                   pixel_size_um=pixel_size_um, n_colonies=int(rng.integers(1, 4)),
                                   seed=int(rng.integers(0, 2**31 - 1)))
        X[i] = _record(tp.image, pixel_size_um, psf[i], doses[i], rng.uniform(0.0, 0.3), rng)
        Y[i] = tp.phase_mask
        morph.append(m)
        frac[i] = tp.fraction
    return SegmentationSet(X=X, Y=Y, pixel_size_um=float(pixel_size_um), dose_e_per_px=doses, psf_fwhm_um=psf,
                           fraction=frac, morphology=tuple(morph), class_map=None, class_names=("dark_phase",),
                           description=f"{n} two-phase micrographs, {size}×{size} px at {pixel_size_um:g} µm, "
                                       f"dose {lo:g}–{hi:g} e/px")


def porosity_set(n: int = 200, size: int = 64, pixel_size_um: float = 2.0,
                 dose: tuple[float, float] = (10.0, 200.0), psf_fwhm_um: tuple[float, float] = (2.0, 4.0),
                 seed: int = 0) -> SegmentationSet:
    """Polished sections of an AM part with the void mask (gas pores + lack of fusion + cracks).

    Per image: 2–6 gas pores (6–40 µm), a lack-of-fusion void with probability 0.3 (60–200 µm), a crack
    with probability 0.3 (1–2 px wide), 1–5 oxide inclusions (4–16 µm; solid, grey, NOT porosity). Default
    2 µm per pixel (a 128 µm field of a light-optical or SEM section). Recorded at a dose drawn
    log-uniformly from ``dose`` (electrons per pixel), probe FWHM from ``psf_fwhm_um`` (µm), shading up to
    0.4. ``class_map`` keeps the defect class of every pixel for failure analysis.
    """
    n = _check_n(n)
    lo, hi = _check_dose(dose)
    rng = np.random.default_rng(seed)
    X = np.empty((n, size, size), dtype=np.float32)
    C = np.empty((n, size, size), dtype=np.uint8)
    doses = np.exp(rng.uniform(np.log(lo), np.log(hi), n))
    psf = rng.uniform(*psf_fwhm_um, n)
    for i in range(n):
        d = micrographs.defects(size, pixel_size_um, n_gas_pores=int(rng.integers(2, 7)),
                                n_lack_of_fusion=int(rng.random() < 0.2), n_cracks=int(rng.random() < 0.4),
                                n_inclusions=int(rng.integers(1, 6)), seed=int(rng.integers(0, 2**31 - 1)))
        X[i] = _record(d.image, pixel_size_um, psf[i], doses[i], rng.uniform(0.0, 0.4), rng)
        C[i] = d.class_map
    Y = np.isin(C, [micrographs.DEFECT_CLASSES.index(c) + 1 for c in VOID_CLASSES])
    return SegmentationSet(X=X, Y=Y, pixel_size_um=float(pixel_size_um), dose_e_per_px=doses, psf_fwhm_um=psf,
                           fraction=Y.mean(axis=(1, 2)), morphology=("am_defects",) * n, class_map=C,
                           class_names=micrographs.DEFECT_CLASSES,
                           description=f"{n} AM sections, {size}×{size} px at {pixel_size_um:g} µm, "
                                       f"dose {lo:g}–{hi:g} e/px")


def _pair(pred: np.ndarray, truth: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    p, t = np.asarray(pred, dtype=bool), np.asarray(truth, dtype=bool)
    if p.shape != t.shape:
        raise ValueError(f"prediction shape {p.shape} differs from truth shape {t.shape}")
    return p, t


def iou(pred: np.ndarray, truth: np.ndarray) -> float:
    """Intersection over union |P ∩ T| / |P ∪ T| of two masks, pooled over all pixels given (1 if both are
    empty)."""
    p, t = _pair(pred, truth)
    union = np.count_nonzero(p | t)
    return 1.0 if union == 0 else np.count_nonzero(p & t) / union


def dice(pred: np.ndarray, truth: np.ndarray) -> float:
    """Dice (= F1 of the pixels) 2 |P ∩ T| / (|P| + |T|), pooled over all pixels (1 if both are empty)."""
    p, t = _pair(pred, truth)
    total = np.count_nonzero(p) + np.count_nonzero(t)
    return 1.0 if total == 0 else 2.0 * np.count_nonzero(p & t) / total


def per_image_iou(pred: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """IoU of every image of a stack (N, H, W)."""
    p, t = _pair(pred, truth)
    return np.array([iou(a, b) for a, b in zip(p, t, strict=True)])


def otsu_segment(images: np.ndarray, smooth_px: float = 0.0) -> np.ndarray:
    """Classical baseline: dark pixels below Otsu's threshold, per image, after a Gaussian smoothing of
    ``smooth_px`` (standard deviation in pixels; 0 = none). Accepts (H, W) or (N, H, W)."""
    arr = np.asarray(images, dtype=float)
    if arr.ndim not in (2, 3):
        raise ValueError(f"images must have shape (H, W) or (N, H, W), got {arr.shape}")
    if smooth_px < 0:
        raise ValueError(f"smooth_px must be >= 0, got {smooth_px!r}")
    stack = arr[None] if arr.ndim == 2 else arr
    out = np.empty(stack.shape, dtype=bool)
    for i, im in enumerate(stack):
        im = ndimage.gaussian_filter(im, smooth_px) if smooth_px else im
        out[i] = im < threshold_otsu(im)
    return out[0] if arr.ndim == 2 else out


def tune_otsu_smoothing(images: np.ndarray, masks: np.ndarray,
                        candidates: tuple[float, ...] = (0.0, 0.5, 1.0, 1.5, 2.0, 3.0)) -> float:
    """The Gaussian smoothing (px) for :func:`otsu_segment` with the best pooled IoU on ``images`` and
    ``masks``: the baseline gets tuned on the training images, like the network, for a fair comparison."""
    if len(candidates) == 0:
        raise ValueError("candidates must name at least one smoothing (px)")
    scores = [iou(otsu_segment(images, s), masks) for s in candidates]
    return float(candidates[int(np.argmax(scores))])


def tile_predict(predict: Callable[[np.ndarray], np.ndarray], image: np.ndarray, tile: int = 64,
                 margin: int = 0) -> np.ndarray:
    """Apply a dense predictor that only fits ``tile`` × ``tile`` px at a time to a large image.

    Tiles step by ``tile − 2·margin`` and only their central part (``margin`` px in from each side) is
    kept, except at the image border (overlap-tile strategy, Ronneberger et al. 2015). With ``margin`` ≥
    half the network's receptive field every kept pixel sees all the context it would see in one pass over
    the whole image, so the result does not depend on the tiling; with ``margin = 0`` the pixels next to a
    tile edge see zero padding instead of their neighbours (seams). ``predict`` maps (N, tile, tile) to
    (N, tile, tile). Steps are rounded down to a multiple of 4 so that pooling grids stay aligned.
    """
    img = np.asarray(image, dtype=np.float32)
    if img.ndim != 2 or min(img.shape) < tile:
        raise ValueError(f"image must be 2D and at least {tile} px on each side, got {img.shape}")
    if int(margin) != margin or not 0 <= 2 * margin < tile:
        raise ValueError(f"margin must be an integer in [0, {(tile - 1) // 2}] px, got {margin!r}")
    step = max(4, ((tile - 2 * int(margin)) // 4) * 4)
    ny, nx = img.shape

    def starts(n: int) -> list[int]:
        s = list(range(0, n - tile + 1, step))
        return s if s[-1] == n - tile else s + [n - tile]

    out = np.zeros(img.shape, dtype=np.float32)
    done = np.zeros(img.shape, dtype=bool)
    for y0 in starts(ny):
        for x0 in starts(nx):
            pred = np.asarray(predict(img[None, y0:y0 + tile, x0:x0 + tile]))[0]
            ky0 = 0 if y0 == 0 else int(margin)
            kx0 = 0 if x0 == 0 else int(margin)
            ky1 = tile if y0 + tile == ny else tile - int(margin)
            kx1 = tile if x0 + tile == nx else tile - int(margin)
            region = (slice(y0 + ky0, y0 + ky1), slice(x0 + kx0, x0 + kx1))
            fresh = ~done[region]
            out[region][fresh] = pred[ky0:ky1, kx0:kx1][fresh]
            done[region] = True
    return out


#: Colours of :func:`error_map` (Okabe–Ito): found target pixels, missed ones, false alarms.
ERROR_COLOURS = {"found": "#0072B2", "missed": "#D55E00", "false alarm": "#E69F00"}


def error_map(pred: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """RGB image (H, W, 3) of a segmentation's errors: found target pixels blue, missed ones (false
    negatives) vermillion, false alarms (false positives) orange, correct background white."""
    p, t = _pair(pred, truth)
    rgb = np.ones(p.shape + (3,))
    for key, sel in (("found", p & t), ("missed", ~p & t), ("false alarm", p & ~t)):
        hexcol = ERROR_COLOURS[key]
        rgb[sel] = [int(hexcol[j:j + 2], 16) / 255 for j in (1, 3, 5)]
    return rgb


def class_recall(pred: np.ndarray, class_map: np.ndarray, class_names: tuple[str, ...]) -> dict[str, float]:
    """Fraction of the pixels of each defect class that the prediction marks as void.

    For void classes this is the recall; for inclusions (not porosity) it is the rate at which they are
    mistaken for pores; ``matrix`` is the false-positive rate of the sound material."""
    p = np.asarray(pred, dtype=bool)
    c = np.asarray(class_map)
    if p.shape != c.shape:
        raise ValueError(f"prediction shape {p.shape} differs from class map shape {c.shape}")
    out = {"matrix": float(p[c == 0].mean()) if np.any(c == 0) else float("nan")}
    for k, name in enumerate(class_names, start=1):
        sel = c == k
        out[name] = float(p[sel].mean()) if np.any(sel) else float("nan")
    return out


def error_budget(pred: np.ndarray, truth: np.ndarray, class_map: np.ndarray,
                 class_names: tuple[str, ...]) -> dict[str, int]:
    """Attribute every wrong pixel of a void segmentation to a physical cause (pixel counts).

    ``missed <class>``: void pixels of that class not found; ``false alarm on inclusion``: oxide pixels
    called void; ``false alarm on matrix``: sound matrix called void; ``at interfaces``: how many of all
    wrong pixels lie within 1 px of a true void boundary (where the probe blurs the edge, so the label
    itself is uncertain). Accepts one image (H, W) or a stack (N, H, W)."""
    p, t = _pair(pred, truth)
    c = np.asarray(class_map)
    if c.shape != t.shape:
        raise ValueError(f"class map shape {c.shape} differs from truth shape {t.shape}")
    out: dict[str, int] = {}
    for k, name in enumerate(class_names, start=1):
        if name in VOID_CLASSES:
            out[f"missed {name}"] = int(np.count_nonzero(~p & t & (c == k)))
    if "inclusion" in class_names:
        out["false alarm on inclusion"] = int(np.count_nonzero(p & ~t & (c == class_names.index("inclusion") + 1)))
    out["false alarm on matrix"] = int(np.count_nonzero(p & ~t & (c == 0)))
    stack = t[None] if t.ndim == 2 else t
    edge = np.stack([ndimage.binary_dilation(m) & ~ndimage.binary_erosion(m) for m in stack]).reshape(t.shape)
    out["at interfaces"] = int(np.count_nonzero((p != t) & edge))
    return out


def touches_border(mask: np.ndarray) -> np.ndarray:
    """True on the connected objects of ``mask`` (2D) that touch the image border (cut by the field of
    view: their true size and shape are unknown)."""
    m = np.asarray(mask, dtype=bool)
    if m.ndim != 2:
        raise ValueError(f"mask must be 2D, got shape {m.shape}")
    lab, _ = ndimage.label(m)
    edge = np.unique(np.concatenate([lab[0], lab[-1], lab[:, 0], lab[:, -1]]))
    return np.isin(lab, edge[edge > 0])


__all__ = [
    "ERROR_COLOURS",
    "VOID_CLASSES",
    "SegmentationSet",
    "class_recall",
    "dice",
    "error_budget",
    "error_map",
    "iou",
    "otsu_segment",
    "per_image_iou",
    "phase_set",
    "porosity_set",
    "tile_predict",
    "touches_border",
    "tune_otsu_smoothing",
]
