"""Data cleaning that follows the measurement chain: duplicates, missing values and outliers in
process–property tables and process logs, repaired from the source where the source still knows the answer.

- **Duplicates**: exact repeats of a row (a double export from the lab information system) are removed
  before anything else; left in, a row and its copy can land on both sides of a train/test split.
- **Missing values**: a parameter that belongs to the *specimen* (laser power, scan speed, hatch; the
  Archimedes density) is repeated on every indent row of that specimen, so a missing cell is recovered from
  the specimen's other rows, the source record, instead of being imputed from the column mean
  (:func:`fill_from_group`). A missing *measurement* is not invented.
- **Outliers** are judged in their physical context: the indents of one specimen must agree within the
  repeatability of the test (Vickers, ISO 6507-1), so an indent far from its specimen's median is a gross
  error (a decimal slip, an indent on a pore) even when its value is plausible for the alloy as a whole
  (:func:`outliers_within_groups`; median and MAD as robust location and scale: Hampel 1974, *J. Am. Stat.
  Assoc.* 69, 383; Iglewicz & Hoaglin 1993, *How to Detect and Handle Outliers*, ASQC).
- **Spikes in logged signals**: the Hampel identifier flags a sample that deviates from the median of a
  sliding window by more than ``k`` robust standard deviations (``1.4826 × MAD``) (Pearson 2002, *IEEE
  Trans. Control Syst. Technol.* 10, 55). Short dropouts may be bridged by linear interpolation; long gaps
  (a pyrometer below its range: missing *not* at random) stay missing (:func:`interpolate_short_gaps`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: 1.4826 × MAD estimates the standard deviation of a normal distribution (Hampel 1974).
MAD_TO_SIGMA = 1.4826


def duplicate_rows(frame: pd.DataFrame, subset: list[str] | None = None) -> np.ndarray:
    """Positions of rows that repeat an earlier row exactly (on ``subset`` columns if given)."""
    return np.flatnonzero(frame.duplicated(subset=subset, keep="first").to_numpy())


def fill_from_group(frame: pd.DataFrame, columns: list[str], group: str) -> tuple[pd.DataFrame, int]:
    """Fill NaN cells of ``columns`` with the value the other rows of the same ``group`` carry.

    Only columns that are constant within a group (specimen-level parameters) can be repaired this way; a
    group whose non-missing values disagree is left untouched (the source is ambiguous). Returns the new
    frame and the number of cells filled.
    """
    out = frame.copy()
    filled = 0
    for col in columns:
        values = out.groupby(group)[col]
        n_distinct = values.transform(lambda s: s.dropna().nunique())
        first = values.transform(lambda s: s.dropna().iloc[0] if s.notna().any() else np.nan)
        fix = out[col].isna() & (n_distinct == 1)
        out.loc[fix, col] = first[fix]
        filled += int(fix.sum())
    return out, filled


def outliers_within_groups(values: np.ndarray, groups: np.ndarray, k: float = 5.0,
                           scale: float | None = None) -> np.ndarray:
    """True where a value deviates from its group's median by more than ``k`` × scale.

    ``scale``: the known repeatability of the measurement (same unit as ``values``, e.g. 4 HV for the
    indents of one specimen); if None, the pooled robust estimate ``1.4826 × median |x − group median|``
    over all groups. NaN values are never flagged.
    """
    x = np.asarray(values, dtype=float)
    g = np.asarray(groups)
    if x.shape != g.shape or x.ndim != 1:
        raise ValueError(f"values and groups must be 1D of equal length, got {x.shape} and {g.shape}")
    if k <= 0:
        raise ValueError(f"k={k} must be > 0")
    median = pd.Series(x).groupby(g).transform("median").to_numpy()
    resid = x - median
    if scale is None:
        scale = MAD_TO_SIGMA * float(np.nanmedian(np.abs(resid)))
    if not np.isfinite(scale) or scale <= 0:
        raise ValueError(f"scale={scale} must be finite and > 0")
    with np.errstate(invalid="ignore"):
        return np.abs(resid) > k * scale


def hampel(x: np.ndarray, half_window: int = 5, k: float = 4.0) -> np.ndarray:
    """Hampel identifier: True where ``|x − rolling median| > k × 1.4826 × rolling MAD``.

    The window has ``2·half_window + 1`` samples, centred; NaN samples are skipped inside a window and are
    never flagged. A flat window (MAD = 0) flags nothing.
    """
    arr = np.asarray(x, dtype=float)
    if arr.ndim != 1:
        raise ValueError("x must be 1D")
    if half_window < 1 or k <= 0:
        raise ValueError(f"half_window={half_window} must be >= 1 and k={k} > 0")
    s = pd.Series(arr)
    width = 2 * half_window + 1
    med = s.rolling(width, center=True, min_periods=half_window + 1).median()
    mad = (s - med).abs().rolling(width, center=True, min_periods=half_window + 1).median()
    with np.errstate(invalid="ignore"):
        flags = (s - med).abs() > k * MAD_TO_SIGMA * mad
    return (flags & (mad > 0) & s.notna()).to_numpy()


def interpolate_short_gaps(x: np.ndarray, max_gap: int) -> np.ndarray:
    """Linearly interpolate runs of NaN no longer than ``max_gap`` samples; longer runs stay NaN."""
    arr = np.asarray(x, dtype=float).copy()
    if max_gap < 1:
        raise ValueError(f"max_gap={max_gap} must be >= 1")
    nan = np.isnan(arr)
    if not nan.any() or nan.all():
        return arr
    idx = np.arange(arr.size)
    filled = np.interp(idx, idx[~nan], arr[~nan])
    edges = np.diff(np.concatenate([[0], nan.astype(int), [0]]))
    for start, stop in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True):
        inside = start > 0 and stop < arr.size
        if stop - start <= max_gap and inside:
            arr[start:stop] = filled[start:stop]
    return arr


__all__ = ["MAD_TO_SIGMA", "duplicate_rows", "fill_from_group", "outliers_within_groups", "hampel",
           "interpolate_short_gaps"]
