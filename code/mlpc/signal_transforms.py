"""The transformation toolbox for process signals: triggering, spectra, derivatives, and the physical
frequency a balling track should show.

- **Triggering** (:func:`trigger_window`): a photodiode record starts before the laser; features must be
  computed on the melt, not on the dark baseline. The onset is the first of ``n_confirm`` consecutive
  samples above a level halfway between the pre-trigger baseline and the melt plateau (a debounced level
  trigger, as in an oscilloscope); the window ends at the last such sample.
- **Spectrum** (:func:`power_spectrum_1d`): |FFT|² of the mean-removed, Hann-windowed window (Cooley &
  Tukey 1965, *Math. Comput.* 19, 297; Harris 1978, *Proc. IEEE* 66, 51), frequencies in kHz for a rate
  in kHz.
- **Balling** (:func:`rayleigh_frequency_kHz`): a track breaks up at Rayleigh's fastest-growing wavelength
  ``λ ≈ 4.51·W`` (Rayleigh 1878; Yadroitsev et al. 2010, *J. Mater. Process. Technol.* 210, 1624), so the
  melt-pool emission is modulated at ``f = v / (4.51·W)``.
- **Derivative** (:func:`savgol_derivative`): differentiating a noisy log amplifies the noise by
  ``≈ sqrt(2)·σ/Δt``; a Savitzky–Golay filter fits a local polynomial and differentiates it (Savitzky &
  Golay 1964, *Anal. Chem.* 36, 1627), trading a little bias at sharp kinks for a large noise reduction.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.signal import savgol_filter


@dataclass(frozen=True)
class TriggerWindow:
    """Laser-on window of one track: sample indices ``[start, stop)``, the level used, and the baseline."""

    start: int
    stop: int
    level: float
    baseline: float


def trigger_window(signal: np.ndarray, pre_samples: int = 20, n_confirm: int = 3) -> TriggerWindow:
    """Find the melt window of a photodiode record by a debounced half-level trigger.

    ``pre_samples``: samples at the start of the record known to be before the laser (baseline);
    the plateau is the 90th percentile of the record. Raises if no window is found.
    """
    x = np.asarray(signal, dtype=float)
    if x.ndim != 1 or x.size < pre_samples + n_confirm + 1:
        raise ValueError(f"signal must be 1D with more than {pre_samples + n_confirm} samples")
    if pre_samples < 1 or n_confirm < 1:
        raise ValueError("pre_samples and n_confirm must be >= 1")
    baseline = float(np.median(x[:pre_samples]))
    plateau = float(np.percentile(x, 90))
    level = baseline + 0.5 * (plateau - baseline)
    above = x > level
    run = np.convolve(above.astype(int), np.ones(n_confirm, dtype=int), mode="valid") == n_confirm
    hits = np.flatnonzero(run)
    if plateau <= baseline or hits.size == 0:
        raise ValueError("no laser-on window found: the record never rises above its baseline")
    return TriggerWindow(start=int(hits[0]), stop=int(hits[-1] + n_confirm), level=level, baseline=baseline)


def power_spectrum_1d(x: np.ndarray, rate_kHz: float) -> tuple[np.ndarray, np.ndarray]:
    """One-sided power spectrum of ``x`` (mean removed, Hann window): ``(frequency_kHz, power)``."""
    arr = np.asarray(x, dtype=float)
    if arr.ndim != 1 or arr.size < 8:
        raise ValueError("x must be 1D with at least 8 samples")
    if rate_kHz <= 0:
        raise ValueError(f"rate_kHz={rate_kHz} must be > 0")
    w = np.hanning(arr.size)
    power = np.abs(np.fft.rfft((arr - arr.mean()) * w)) ** 2
    return np.fft.rfftfreq(arr.size, d=1.0 / rate_kHz), power


def dominant_frequency_kHz(x: np.ndarray, rate_kHz: float, min_kHz: float = 0.5) -> float:
    """Frequency (kHz) of the largest spectral peak above ``min_kHz``, refined by a parabola through the
    peak bin and its neighbours (sub-bin accuracy)."""
    f, p = power_spectrum_1d(x, rate_kHz)
    ok = np.flatnonzero(f >= min_kHz)
    if ok.size < 3:
        raise ValueError("the record is too short for a spectrum above min_kHz")
    i = int(ok[np.argmax(p[ok])])
    if 0 < i < f.size - 1:
        a, b, c = np.log(p[i - 1:i + 2] + 1e-300)
        shift = 0.5 * (a - c) / (a - 2 * b + c) if (a - 2 * b + c) != 0 else 0.0
        return float(f[i] + shift * (f[1] - f[0]))
    return float(f[i])


def rayleigh_frequency_kHz(speed_mm_s: float, width_um: float) -> float:
    """Modulation frequency (kHz) of a balling track: ``v / (4.51·W)`` (Rayleigh 1878)."""
    if speed_mm_s <= 0 or width_um <= 0:
        raise ValueError("speed_mm_s and width_um must be > 0")
    return float(speed_mm_s / (4.51 * width_um * 1e-3) * 1e-3)


def savgol_derivative(y: np.ndarray, dt: float, window: int = 31, polyorder: int = 2) -> np.ndarray:
    """First derivative ``dy/dt`` by a Savitzky–Golay filter of odd ``window`` samples (units of y per
    unit of ``dt``). NaN samples must be removed or interpolated first."""
    arr = np.asarray(y, dtype=float)
    if np.isnan(arr).any():
        raise ValueError("y contains NaN: interpolate or drop missing samples before differentiating")
    if window % 2 == 0 or window <= polyorder or window > arr.size:
        raise ValueError(f"window={window} must be odd, > polyorder={polyorder} and <= len(y)={arr.size}")
    if dt <= 0:
        raise ValueError(f"dt={dt} must be > 0")
    return savgol_filter(arr, window, polyorder, deriv=1, delta=dt)


#: Names of :func:`melt_pool_features`, in order.
MELT_POOL_FEATURES: tuple[str, ...] = ("level_V", "relative_fluctuation", "dominant_kHz", "dip_fraction",
                                       "window_ms")


#: The features that do not change when a machine's detector gain or offset changes (ratios, frequencies).
GAIN_INVARIANT: tuple[str, ...] = ("relative_fluctuation", "dominant_kHz", "dip_fraction")


def melt_pool_features(signals_V: np.ndarray, rate_kHz: float) -> np.ndarray:
    """Five features per photodiode track, all computed on the triggered laser-on window:
    mean level (V), relative fluctuation (std / mean), dominant modulation frequency (kHz), fraction of
    samples in dips below 60 % of the window median (keyhole collapses), and the window length (ms)."""
    sig = np.atleast_2d(np.asarray(signals_V, dtype=float))
    out = np.empty((len(sig), len(MELT_POOL_FEATURES)))
    for i, s in enumerate(sig):
        w = trigger_window(s)
        on = s[w.start:w.stop] - w.baseline
        med = np.median(on)
        freq = dominant_frequency_kHz(on, rate_kHz) if on.size >= 16 else 0.0
        out[i] = (on.mean(), on.std() / max(abs(on.mean()), 1e-9), freq, np.mean(on < 0.6 * med),
                  on.size / rate_kHz)
    return out


__all__ = ["TriggerWindow", "trigger_window", "power_spectrum_1d", "dominant_frequency_kHz",
           "rayleigh_frequency_kHz", "savgol_derivative", "MELT_POOL_FEATURES", "GAIN_INVARIANT",
           "melt_pool_features"]
