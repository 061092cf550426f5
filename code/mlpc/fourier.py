"""Fourier inspection of micrographs: power spectra in physical units, radial profiles, lattice peaks,
aliasing predictions and Fourier-space filters.

A micrograph sampled at pixel size ``p`` holds spatial frequencies up to the Nyquist frequency 1/(2p)
(Shannon 1949). Its discrete Fourier transform puts a lattice of plane spacing d at |k| = 1/d (cycles per
length unit), a finite probe multiplies the spectrum by the probe's modulation transfer function, and
white (Poisson or read) noise adds a flat floor. Reading these three things off a power spectrum is the
standard first look at any image (Williams & Carter, *Transmission Electron Microscopy*, 2nd ed., Springer
2009, ch. 28 and 31; Sandfeld, *Materials Data Science*, Springer 2024, chapter on data transformations,
FFT).

Conventions used throughout:

- frequencies in cycles per length unit of ``pixel_size`` (nm⁻¹ when the pixel size is in nm);
- the power spectrum is normalised as a periodogram with a Hann window (Harris 1978, *Proc. IEEE* 66,
  51): ``|FFT(w·(x - mean))|² / Σw²``, so white noise of variance σ² has a flat spectrum at σ²
  (Parseval), whatever the image size;
- every function takes the pixel size explicitly: a spectrum without a calibrated axis is not a
  measurement.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def _check_image(image: np.ndarray) -> np.ndarray:
    arr = np.asarray(image, dtype=float)
    if arr.ndim != 2 or min(arr.shape) < 4:
        raise ValueError(f"image must be a 2D array of at least 4 × 4 pixels, got shape {arr.shape}")
    return arr


def _check_pixel_size(pixel_size: float) -> float:
    if not np.isfinite(pixel_size) or pixel_size <= 0:
        raise ValueError(f"pixel_size must be finite and > 0 (length per pixel), got {pixel_size!r}")
    return float(pixel_size)


def hann_window(shape: tuple[int, int]) -> np.ndarray:
    """Separable 2D Hann window: suppresses the edge discontinuity that a periodic FFT sees as a bright
    cross through the origin of the power spectrum (Harris 1978)."""
    ny, nx = shape
    return np.outer(np.hanning(ny), np.hanning(nx))


@dataclass(frozen=True)
class PowerSpectrum:
    """A centred power spectrum with calibrated frequency axes.

    ``freq_x``/``freq_y``: frequencies (cycles per ``unit``), increasing, zero at index n // 2;
    ``power``: (ny, nx), white noise of variance σ² gives σ² everywhere; ``pixel_size`` in ``unit``.
    """

    freq_x: np.ndarray
    freq_y: np.ndarray
    power: np.ndarray
    pixel_size: float
    unit: str

    @property
    def nyquist(self) -> float:
        """Highest frequency the sampling can represent, 1 / (2 × pixel size) (Shannon 1949)."""
        return 0.5 / self.pixel_size

    @property
    def resolution(self) -> float:
        """Frequency step of the spectrum, 1 / (field of view) along x."""
        return float(self.freq_x[1] - self.freq_x[0])

    def extent(self) -> tuple[float, float, float, float]:
        """``imshow`` extent for the default ``origin="upper"``: k_y grows downwards, as y does in an image
        shown with :func:`mlpc.plotting.show_image`, so a lattice and its peaks rotate the same way."""
        return (float(self.freq_x[0]), float(self.freq_x[-1]), float(self.freq_y[-1]), float(self.freq_y[0]))

    def radius(self) -> np.ndarray:
        """|k| of every element of ``power`` (cycles per unit)."""
        return np.hypot(*np.meshgrid(self.freq_x, self.freq_y))


def power_spectrum(image: np.ndarray, pixel_size: float, unit: str = "nm", window: bool = True) -> PowerSpectrum:
    """Centred power spectrum of ``image`` (mean removed, Hann-windowed unless ``window=False``).

    Normalised so that white noise of variance σ² has expected power σ² at every frequency.
    """
    arr = _check_image(image)
    px = _check_pixel_size(pixel_size)
    ny, nx = arr.shape
    w = hann_window((ny, nx)) if window else np.ones((ny, nx))
    spec = np.abs(np.fft.fft2((arr - arr.mean()) * w)) ** 2 / np.sum(w**2)
    fx = np.fft.fftshift(np.fft.fftfreq(nx, d=px))
    fy = np.fft.fftshift(np.fft.fftfreq(ny, d=px))
    return PowerSpectrum(freq_x=fx, freq_y=fy, power=np.fft.fftshift(spec), pixel_size=px, unit=unit)


def radial_profile(spectrum: PowerSpectrum, bin_width: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Azimuthal average of the power in rings of width ``bin_width`` (default: the frequency step).

    Returns ``(k, mean_power)`` with ``k`` the ring centres in cycles per unit, up to the Nyquist
    frequency (the corners beyond it are incomplete rings and are dropped).
    """
    width = spectrum.resolution if bin_width is None else float(bin_width)
    if not np.isfinite(width) or width <= 0:
        raise ValueError(f"bin_width must be > 0, got {bin_width!r}")
    r = spectrum.radius().ravel()
    n_bins = int(np.floor(spectrum.nyquist / width))
    idx = np.floor(r / width + 0.5).astype(int)
    ok = idx < n_bins
    total = np.bincount(idx[ok], weights=spectrum.power.ravel()[ok], minlength=n_bins)
    count = np.bincount(idx[ok], minlength=n_bins)
    k = np.arange(n_bins) * width
    keep = count > 0
    return k[keep], total[keep] / count[keep]


def characteristic_wavelength(image: np.ndarray, pixel_size: float, window: bool = True) -> float:
    """Characteristic length 1 / k₁ of a microstructure, k₁ = Σ k P(k) / Σ P(k) the first moment of the
    radially averaged power spectrum (the usual measure of the scale of spinodal and coarsening
    structures; e.g. Zhu, Chen, Shen & Tikare 1999, *Phys. Rev. E* 60, 3564). Same unit as
    ``pixel_size``. Use ``window=False`` for periodic images (simulations with periodic boundaries)."""
    k, p = radial_profile(power_spectrum(image, pixel_size, window=window))
    k, p = k[1:], p[1:]
    if p.sum() <= 0:
        raise ValueError("the image is constant: it has no length scale")
    return float(p.sum() / (k * p).sum())


def find_peaks(spectrum: PowerSpectrum, n_peaks: int = 4, min_freq: float | None = None,
               max_freq: float | None = None, exclusion_px: int = 3) -> np.ndarray:
    """The ``n_peaks`` strongest local maxima of the power spectrum with |k| in [min_freq, max_freq].

    Each peak is refined to sub-pixel precision by the power-weighted centroid of its
    (2 × exclusion_px + 1)² neighbourhood. Returns an array (n, 2) of (k_x, k_y) in cycles per unit,
    strongest first. ``min_freq`` defaults to 3 frequency steps (skips the residual low-frequency
    background); a lattice of plane spacing d gives a pair of peaks at ±1/d.
    """
    if int(n_peaks) != n_peaks or n_peaks < 1:
        raise ValueError(f"n_peaks must be an integer >= 1, got {n_peaks!r}")
    if int(exclusion_px) != exclusion_px or exclusion_px < 1:
        raise ValueError(f"exclusion_px must be an integer >= 1, got {exclusion_px!r}")
    lo = 3 * spectrum.resolution if min_freq is None else float(min_freq)
    hi = np.inf if max_freq is None else float(max_freq)
    power = spectrum.power.copy()
    radius = spectrum.radius()
    power[(radius < lo) | (radius > hi)] = 0.0
    ny, nx = power.shape
    dfx = spectrum.freq_x[1] - spectrum.freq_x[0]
    dfy = spectrum.freq_y[1] - spectrum.freq_y[0]
    e = int(exclusion_px)
    peaks = []
    work = power.copy()
    for _ in range(int(n_peaks)):
        iy, ix = np.unravel_index(np.argmax(work), work.shape)
        if work[iy, ix] <= 0:
            break
        ys = slice(max(iy - e, 0), min(iy + e + 1, ny))
        xs = slice(max(ix - e, 0), min(ix + e + 1, nx))
        patch = power[ys, xs]
        gy, gx = np.mgrid[ys, xs]
        wsum = patch.sum()
        cy, cx = (gy * patch).sum() / wsum, (gx * patch).sum() / wsum
        peaks.append((spectrum.freq_x[0] + cx * dfx, spectrum.freq_y[0] + cy * dfy))
        work[ys, xs] = 0.0
    return np.array(peaks)


def spacing_from_peak(k_xy: np.ndarray) -> np.ndarray:
    """Real-space plane spacing d = 1 / |k| (length unit) of one peak (k_x, k_y) or an array of them."""
    k = np.atleast_2d(np.asarray(k_xy, dtype=float))
    mag = np.hypot(k[:, 0], k[:, 1])
    if np.any(mag <= 0):
        raise ValueError("a peak at k = 0 has no spacing (it is the mean of the image)")
    d = 1.0 / mag
    return d if np.ndim(k_xy) > 1 else d[0]


def nyquist_frequency(pixel_size: float) -> float:
    """Nyquist frequency 1 / (2 × pixel_size): the finest period a pixel grid can record is 2 pixels."""
    return 0.5 / _check_pixel_size(pixel_size)


def aliased_frequency(k_xy: tuple[float, float] | np.ndarray, pixel_size: float) -> np.ndarray:
    """Where a frequency vector (k_x, k_y) appears after point sampling at ``pixel_size``.

    Each component folds back into [-f_s/2, f_s/2] with f_s = 1 / pixel_size: k → k − f_s·round(k / f_s)
    (Shannon 1949). A lattice below the Nyquist frequency is returned unchanged; above it, the result is
    the false (moiré) lattice the image shows.
    """
    fs = 1.0 / _check_pixel_size(pixel_size)
    k = np.asarray(k_xy, dtype=float)
    return k - fs * np.round(k / fs)


@dataclass(frozen=True)
class ScanDistortion:
    """How an image's lattice differs from the true one, split as a scan does it.

    A true position (x, y) appears at ``scale`` × (x − dx·y/(1 + dy), y/(1 + dy)) for a drift of (dx, dy)
    pixels per scan line (the fast scan along x is the reference): ``scale`` is image length / true length
    along x, so the true pixel size is the file's pixel size / ``scale``; ``rotation_deg`` is the lattice
    rotation. ``a_image_nm``: the two measured real-space lattice
    vectors (columns), ``angle_deg``: the angle between them.
    """

    scale: float
    drift_x_px_per_line: float
    drift_y_px_per_line: float
    rotation_deg: float
    a_image_nm: np.ndarray
    angle_deg: float


def scan_distortion(g1: np.ndarray, g2: np.ndarray, a_nm: float, angle_deg: float) -> ScanDistortion:
    """Calibration factor and scan drift from two lattice reflections ``g1``, ``g2`` (nm⁻¹, not Friedel
    mates) of a lattice whose true vectors have length ``a_nm`` and enclose ``angle_deg`` (90 square,
    60 or 120 hexagonal; the one closest to the measured angle is used).

    The real-space vectors are the columns of inv([g1; g2]) (aᵢ · gⱼ = δᵢⱼ). The map M from the true to
    the image vectors is split M = T·R (an RQ decomposition): R is the lattice rotation, the upper
    triangular T = s [[1, −dx/(1+dy)], [0, 1/(1+dy)]] holds the calibration s and the drift (dx, dy).
    """
    g = np.vstack([np.asarray(g1, float), np.asarray(g2, float)])
    if abs(np.linalg.det(g)) < 1e-9 * np.linalg.norm(g) ** 2:
        raise ValueError("g1 and g2 are parallel (Friedel mates?): pick two independent reflections")
    a_img = np.linalg.inv(g)  # columns: a1, a2 in nm
    measured = float(np.degrees(np.arccos(np.clip(
        a_img[:, 0] @ a_img[:, 1] / np.linalg.norm(a_img[:, 0]) / np.linalg.norm(a_img[:, 1]), -1, 1))))
    choices = [angle_deg, 180.0 - angle_deg]
    ideal = min(choices, key=lambda c: abs(c - measured))
    handed = np.sign(np.linalg.det(a_img))
    t = np.radians(ideal)
    a_true = a_nm * np.array([[1.0, np.cos(t)], [0.0, handed * np.sin(t)]])
    m = a_img @ np.linalg.inv(a_true)
    from scipy.linalg import rq

    tri, rot = rq(m)
    signs = np.diag(np.sign(np.diag(tri)))
    tri, rot = tri @ signs, signs @ rot
    scale = float(tri[0, 0])
    y_scale = float(tri[1, 1] / scale)
    shear = float(-tri[0, 1] / scale)
    dy = 1.0 / y_scale - 1.0
    return ScanDistortion(scale=scale, drift_x_px_per_line=shear * (1 + dy), drift_y_px_per_line=dy,
                          rotation_deg=float(np.degrees(np.arctan2(rot[1, 0], rot[0, 0]))), a_image_nm=a_img,
                          angle_deg=measured)


def _radius_grid(shape: tuple[int, int], pixel_size: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    ny, nx = shape
    fx = np.fft.fftfreq(nx, d=pixel_size)
    fy = np.fft.fftfreq(ny, d=pixel_size)
    kx, ky = np.meshgrid(fx, fy)
    return kx, ky, np.hypot(kx, ky)


def band_pass(image: np.ndarray, pixel_size: float, low_freq: float | None = None,
              high_freq: float | None = None, soft: bool = True) -> np.ndarray:
    """Keep spatial frequencies between ``low_freq`` and ``high_freq`` (cycles per unit).

    ``high_freq`` alone is a low-pass (removes noise and detail finer than 1 / high_freq); ``low_freq``
    alone a high-pass (removes shading and gradients coarser than 1 / low_freq). ``soft=True`` uses
    Gaussian roll-offs (transfer 0.5 at the cut-off, no ringing), ``soft=False`` ideal (box) cut-offs,
    which ring next to edges (Gibbs). The mean (k = 0) is kept unless ``low_freq`` is set.
    """
    arr = _check_image(image)
    px = _check_pixel_size(pixel_size)
    for name, v in (("low_freq", low_freq), ("high_freq", high_freq)):
        if v is not None and (not np.isfinite(v) or v <= 0):
            raise ValueError(f"{name} must be > 0 (cycles per length unit) or None, got {v!r}")
    if low_freq is not None and high_freq is not None and low_freq >= high_freq:
        raise ValueError(f"low_freq ({low_freq}) must be below high_freq ({high_freq})")
    _, _, k = _radius_grid(arr.shape, px)
    transfer = np.ones(arr.shape)
    ln2 = np.log(2.0)
    if high_freq is not None:
        transfer *= np.exp(-ln2 * (k / high_freq) ** 2) if soft else (k <= high_freq)
    if low_freq is not None:
        transfer *= 1.0 - np.exp(-ln2 * (k / low_freq) ** 2) if soft else (k >= low_freq)
    return np.real(np.fft.ifft2(np.fft.fft2(arr) * transfer))


def bragg_filter(image: np.ndarray, pixel_size: float, peaks: np.ndarray, radius: float) -> np.ndarray:
    """Keep only discs of ``radius`` (cycles per unit) around the lattice ``peaks`` (and their Friedel
    mates -k) plus the mean: the "Bragg" or periodic filter of HRTEM/STEM images.

    It removes noise between the peaks, but it also imposes periodicity: anything that is not periodic
    over ~1 / radius (a vacancy, a dislocation core, an interface) is smeared or erased (Hÿtch, Snoeck &
    Kilaas 1998, *Ultramicroscopy* 74, 131, on what Fourier masks keep and lose).
    """
    arr = _check_image(image)
    px = _check_pixel_size(pixel_size)
    if not np.isfinite(radius) or radius <= 0:
        raise ValueError(f"radius must be > 0 (cycles per length unit), got {radius!r}")
    kx, ky, _ = _radius_grid(arr.shape, px)
    mask = np.zeros(arr.shape, dtype=bool)
    for px_k, py_k in np.atleast_2d(peaks):
        for sign in (1.0, -1.0):
            mask |= np.hypot(kx - sign * px_k, ky - sign * py_k) <= radius
    mask[0, 0] = True
    return np.real(np.fft.ifft2(np.fft.fft2(arr) * mask))


__all__ = [
    "PowerSpectrum",
    "ScanDistortion",
    "aliased_frequency",
    "band_pass",
    "bragg_filter",
    "characteristic_wavelength",
    "find_peaks",
    "hann_window",
    "nyquist_frequency",
    "scan_distortion",
    "power_spectrum",
    "radial_profile",
    "spacing_from_peak",
]
