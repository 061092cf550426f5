"""How an instrument turns a specimen into an image: the imaging chain as composable functions.

Each function takes an image (a 2D float array of the specimen signal, e.g. the backscatter or secondary
electron yield, or the reflectivity, scaled to [0, 1]) and returns a new one; :func:`acquire` chains them
in the order the physics imposes:

1. uneven illumination / detector shading multiplies the signal (vignetting, Reimer 1998);
2. the probe (SEM/STEM) or the point-spread function (light microscope, TEM) blurs it; a Gaussian of
   given FWHM is the usual model of a focused probe (Reimer 1998; Williams & Carter 2009);
3. scan distortions move where each line is sampled: line jitter (random row shifts from stray fields and
   mains interference) and drift (a slow shear from thermal or stage drift) (Reimer 1998;
   Jones & Nellist 2013, "Identifying and correcting scan noise and drift in the scanning transmission
   electron microscope", *Microsc. Microanal.* 19, 1050–1060);
4. the detector samples it on a pixel grid: below the Nyquist limit (pixel < half the finest period)
   periodic detail is recorded faithfully, above it it aliases to false, coarser periods unless a
   low-pass (anti-alias) filter comes first (Shannon 1949; Williams & Carter 2009);
5. counting statistics: the number of detected electrons or photons in a pixel is Poisson distributed
   with mean = dose × yield, so variance = mean and SNR = sqrt(dose × yield) (Rose criterion; Reimer
   1998);
6. the read-out adds Gaussian read noise of fixed standard deviation.

References: L. Reimer, *Scanning Electron Microscopy*, 2nd ed., Springer (1998);
D. B. Williams & C. B. Carter, *Transmission Electron Microscopy*, 2nd ed., Springer (2009);
C. E. Shannon, "Communication in the presence of noise", Proc. IRE 37, 10–21 (1949).

Lengths: every function takes ``pixel_size`` and the physical lengths (``fwhm``) in ONE unit of your
choice (nm or µm), stated in the docstrings of the callers; the result does not depend on the unit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

#: FWHM of a Gaussian in units of its standard deviation: 2 sqrt(2 ln 2).
FWHM_PER_SIGMA = 2.0 * np.sqrt(2.0 * np.log(2.0))


def _check_image(image: np.ndarray, name: str = "image") -> np.ndarray:
    arr = np.asarray(image, dtype=float)
    if arr.ndim != 2:
        raise ValueError(f"{name} must be a 2D array, got shape {arr.shape}")
    return arr


def _check_positive(name: str, value: float, allow_zero: bool = False) -> None:
    ok = value >= 0 if allow_zero else value > 0
    if not np.isfinite(value) or not ok:
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be finite and {bound}, got {value!r}")


def gaussian_psf(image: np.ndarray, fwhm: float, pixel_size: float) -> np.ndarray:
    """Blur ``image`` with a Gaussian probe / point-spread function of full width ``fwhm``.

    ``fwhm`` and ``pixel_size`` are in the same length unit; sigma = FWHM / (2 sqrt(2 ln 2)).
    A Gaussian is the standard model of a focused electron probe (Reimer 1998).
    Edges are reflected, so a blurred image keeps its mean.
    """
    arr = _check_image(image)
    _check_positive("fwhm", fwhm, allow_zero=True)
    _check_positive("pixel_size", pixel_size)
    if fwhm == 0:
        return arr.copy()
    sigma_px = fwhm / FWHM_PER_SIGMA / pixel_size
    return ndimage.gaussian_filter(arr, sigma_px, mode="reflect")


def shot_noise(image: np.ndarray, dose: float, seed: int = 0) -> np.ndarray:
    """Detected counts per pixel: Poisson with mean ``dose × image`` (electrons or photons per pixel).

    ``image`` is the yield per incident particle (>= 0); the result is in counts, so its variance equals
    its mean (Poisson statistics) and the signal-to-noise ratio is sqrt(dose × yield).
    """
    arr = _check_image(image)
    _check_positive("dose", dose)
    if np.any(arr < 0):
        raise ValueError("image must be >= 0 for shot noise (it is a yield), got a negative pixel")
    rng = np.random.default_rng(seed)
    return rng.poisson(arr * dose).astype(float)


def read_noise(image: np.ndarray, sigma: float, seed: int = 0) -> np.ndarray:
    """Add Gaussian read noise of standard deviation ``sigma`` (in the units of ``image``)."""
    arr = _check_image(image)
    _check_positive("sigma", sigma, allow_zero=True)
    rng = np.random.default_rng(seed)
    return arr + rng.normal(0.0, sigma, size=arr.shape)


def _resample_rows(arr: np.ndarray, dx_per_row: np.ndarray, dy_per_row: np.ndarray) -> np.ndarray:
    """Sample ``arr`` at (row + dy, col + dx) for every row (linear interpolation, edges clamped)."""
    ny, nx = arr.shape
    rows, cols = np.mgrid[0:ny, 0:nx].astype(float)
    coords = np.array([rows + dy_per_row[:, None], cols + dx_per_row[:, None]])
    return ndimage.map_coordinates(arr, coords, order=1, mode="nearest")


def scan_jitter(image: np.ndarray, sigma_px: float, seed: int = 0) -> np.ndarray:
    """Shift every scan line sideways by a random amount (normal, std ``sigma_px`` pixels).

    Line-to-line jitter of a raster scan (SEM/STEM) from stray AC fields: straight vertical edges become
    ragged (Reimer 1998).
    """
    arr = _check_image(image)
    _check_positive("sigma_px", sigma_px, allow_zero=True)
    rng = np.random.default_rng(seed)
    shifts = rng.normal(0.0, sigma_px, size=arr.shape[0])
    return _resample_rows(arr, shifts, np.zeros(arr.shape[0]))


def drift(image: np.ndarray, px_per_line: tuple[float, float] = (0.05, 0.0)) -> np.ndarray:
    """Slow specimen drift during a raster scan: line ``i`` is recorded displaced by ``i × px_per_line``.

    ``px_per_line = (dx, dy)`` in pixels per scan line; a constant ``dx`` shears the image, a ``dy``
    stretches or compresses it vertically (Jones & Nellist 2013).
    """
    arr = _check_image(image)
    dx, dy = (float(v) for v in px_per_line)
    if not (np.isfinite(dx) and np.isfinite(dy)) or max(abs(dx), abs(dy)) > 1.0:
        raise ValueError(f"px_per_line components must be in [-1, 1] pixels per line, got {px_per_line!r}")
    lines = np.arange(arr.shape[0], dtype=float)
    return _resample_rows(arr, dx * lines, dy * lines)


def uneven_illumination(image: np.ndarray, strength: float = 0.3,
                        gradient: tuple[float, float] = (0.0, 0.0)) -> np.ndarray:
    """Multiply by a smooth shading field: radial vignetting plus a linear tilt.

    The field is ``1 - strength × r² + gx × x + gy × y`` with r, x, y measured from the image centre and
    scaled so that the corners are at r = 1 and the edges at x, y = ±1. ``strength`` in [0, 1).
    """
    arr = _check_image(image)
    if not 0 <= strength < 1:
        raise ValueError(f"strength must be in [0, 1), got {strength!r}")
    ny, nx = arr.shape
    y, x = np.mgrid[-1:1:ny * 1j, -1:1:nx * 1j]
    field = 1.0 - strength * (x**2 + y**2) / 2.0 + gradient[0] * x + gradient[1] * y
    if np.any(field <= 0):
        raise ValueError(f"gradient {gradient!r} with strength {strength} makes the illumination negative")
    return arr * field


def downsample(image: np.ndarray, factor: int, antialias: bool = True) -> np.ndarray:
    """Keep every ``factor``-th pixel, with or without a low-pass (anti-alias) filter first.

    Without the filter this is point sampling with a ``factor`` times coarser pixel: periods shorter than
    two new pixels alias (Shannon 1949). With it, a Gaussian of sigma = factor / 2 fine pixels first
    suppresses those frequencies (to < 6 % in amplitude at 1.5 × the new Nyquist frequency).
    """
    arr = _check_image(image)
    if int(factor) != factor or factor < 1:
        raise ValueError(f"factor must be an integer >= 1, got {factor!r}")
    factor = int(factor)
    if factor == 1:
        return arr.copy()
    if antialias:
        arr = ndimage.gaussian_filter(arr, factor / 2.0, mode="reflect")
    return arr[::factor, ::factor].copy()


def power_spectrum(image: np.ndarray, pixel_size: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Centred power spectrum |FFT|² (mean removed) with its spatial frequencies.

    Returns ``(freq_x, freq_y, power)``: frequencies in cycles per length unit of ``pixel_size``
    (e.g. nm⁻¹), ``power`` with shape of the image. A lattice of spacing d gives peaks at 1/d.
    """
    arr = _check_image(image)
    _check_positive("pixel_size", pixel_size)
    ny, nx = arr.shape
    spec = np.fft.fftshift(np.abs(np.fft.fft2(arr - arr.mean())) ** 2)
    fx = np.fft.fftshift(np.fft.fftfreq(nx, d=pixel_size))
    fy = np.fft.fftshift(np.fft.fftfreq(ny, d=pixel_size))
    return fx, fy, spec


def alias_frequency(frequency: float, pixel_size: float) -> float:
    """Apparent frequency of a periodic signal of ``frequency`` (cycles per length) point-sampled at
    ``pixel_size``: |f - n f_s| with f_s = 1 / pixel_size and n the nearest integer to f / f_s.

    Below the Nyquist frequency f_s / 2 this is ``frequency`` itself (Shannon 1949).
    """
    _check_positive("frequency", frequency, allow_zero=True)
    _check_positive("pixel_size", pixel_size)
    f_s = 1.0 / pixel_size
    return float(abs(frequency - f_s * np.round(frequency / f_s)))


@dataclass(frozen=True)
class Acquisition:
    """An acquired image and how it was made.

    ``image`` is in the specimen's yield units (counts / dose when ``dose`` is set, so it stays
    comparable to the input); ``counts`` is the raw detected count per pixel (None without shot noise).
    ``pixel_size`` is in the caller's length unit (the input's pixel size × ``downsample``).
    """

    image: np.ndarray
    counts: np.ndarray | None
    pixel_size: float
    psf_fwhm: float
    dose: float | None
    description: str


def acquire(image: np.ndarray, pixel_size: float, psf_fwhm: float = 0.0, dose: float | None = None,
            read_noise_sigma: float = 0.0, jitter_px: float = 0.0,
            drift_px_per_line: tuple[float, float] = (0.0, 0.0), shading: float = 0.0,
            downsample_factor: int = 1, antialias: bool = True, seed: int = 0) -> Acquisition:
    """Record ``image`` through the whole chain: shading → PSF → scan jitter and drift → sampling →
    Poisson shot noise at ``dose`` → read noise.

    ``pixel_size`` and ``psf_fwhm`` share one length unit; ``dose`` in electrons (or photons) per final
    pixel; ``read_noise_sigma`` in the final image units (yield); jitter in input pixels. Each noise stage
    draws from its own stream derived from ``seed``.
    """
    arr = _check_image(image)
    _check_positive("pixel_size", pixel_size)
    seeds = np.random.SeedSequence(seed).generate_state(3)
    steps = []
    if shading:
        arr = uneven_illumination(arr, shading)
        steps.append(f"shading {shading:g}")
    if psf_fwhm:
        arr = gaussian_psf(arr, psf_fwhm, pixel_size)
        steps.append(f"PSF FWHM {psf_fwhm:g}")
    if jitter_px:
        arr = scan_jitter(arr, jitter_px, seed=int(seeds[0]))
        steps.append(f"jitter {jitter_px:g} px")
    if any(drift_px_per_line):
        arr = drift(arr, drift_px_per_line)
        steps.append(f"drift {drift_px_per_line} px/line")
    if downsample_factor != 1:
        arr = downsample(arr, downsample_factor, antialias=antialias)
        steps.append(f"sampled ×{downsample_factor} {'with' if antialias else 'without'} anti-alias")
    counts = None
    if dose is not None:
        counts = shot_noise(np.clip(arr, 0, None), dose, seed=int(seeds[1]))
        arr = counts / dose
        steps.append(f"dose {dose:g} /px")
    if read_noise_sigma:
        arr = read_noise(arr, read_noise_sigma, seed=int(seeds[2]))
        steps.append(f"read noise σ {read_noise_sigma:g}")
    return Acquisition(image=arr, counts=counts, pixel_size=pixel_size * downsample_factor,
                       psf_fwhm=psf_fwhm, dose=dose,
                       description="acquired: " + (", ".join(steps) if steps else "ideal"))


__all__ = [
    "FWHM_PER_SIGMA",
    "Acquisition",
    "acquire",
    "alias_frequency",
    "downsample",
    "drift",
    "gaussian_psf",
    "power_spectrum",
    "read_noise",
    "scan_jitter",
    "shot_noise",
    "uneven_illumination",
]
