"""Time-series tools for process monitoring: smoothing, triggering, per-track features, a small recurrent
regressor, honest splits and online change detection (week 7).

What is here, and where it comes from:

- **Smoothing** of logged process channels (:func:`smooth`): rolling mean, rolling median (Tukey 1977,
  *Exploratory Data Analysis*; robust to isolated spikes) and Savitzky–Golay (Savitzky & Golay 1964,
  Anal. Chem. 36, 1627; a local polynomial that keeps peak heights). A *causal* filter (only past samples,
  what a controller can use online) lags a ramp of rate ``r`` by ``r·(w − 1)/2`` for a rolling mean of
  ``w`` samples; a centred filter does not lag but needs the future.
- **Triggering** (:func:`hysteresis_trigger`): a Schmitt trigger (Schmitt 1938, J. Sci. Instrum. 15, 24)
  switches on above ``high`` and off only below ``low < high``, so noise and short dips near one threshold
  do not make it chatter; :func:`laser_on_trigger` finds the laser-on window of photodiode tracks.
- **Per-track features** (:func:`track_features`) of LPBF melt-pool photodiode signals, each with a
  physical reading: level (absorbed energy, but scaled by detector gain), slow and fast relative
  fluctuation, the rate of short dips (keyhole collapses, Zhao et al. 2020, Science 370, 1080), the rate
  of spikes (spatter), and the dominant modulation frequency (balling at the Rayleigh wavelength,
  Yadroitsev et al. 2010, J. Mater. Process. Technol. 210, 1624). Process monitoring review: Grasso &
  Colosimo 2017, Meas. Sci. Technol. 28, 044005.
- **Sequence regressor** (:class:`SequenceRegressor`, :func:`fit_sequence_regressor`): a one-layer GRU
  (Cho et al. 2014, EMNLP) or LSTM (Hochreiter & Schmidhuber 1997, Neural Comput. 9, 1735) reading a
  down-sampled trace, with a linear head on the mean hidden state; seeded and CPU-sized.
  :func:`recurrent_gradient_profile` measures how the gradient of the last hidden state with respect to
  earlier inputs decays (vanishing gradients: Bengio, Simard & Frasconi 1994, IEEE Trans. Neural Netw. 5,
  157).
- **Splits** (:func:`temporal_split`, :func:`group_folds`, :func:`random_folds`): data with temporal or
  grouped structure must be split by time or by group, not at random (Roberts et al. 2017, Ecography 40,
  913).
- **Online detection** (:func:`cusum`, :func:`rolling_zscore`, :func:`detector_performance`): Page's
  CUSUM (Page 1954, Biometrika 41, 100) and a rolling z-score (a Shewhart chart on a moving reference),
  with the false-alarm rate and the detection delay (average run lengths, Montgomery 2019, *Introduction
  to Statistical Quality Control*, 8th ed., Wiley).

Textbook: S. Sandfeld, *Materials Data Science*, Springer 2024 (regression, model validation, neural
networks).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch
from scipy.ndimage import median_filter
from scipy.signal import periodogram, savgol_filter
from torch import nn

# ----------------------------------------------------------------------------------------------------------
# Smoothing and triggering
# ----------------------------------------------------------------------------------------------------------

SMOOTHING_METHODS: tuple[str, ...] = ("mean", "median", "savgol")


def smooth(x: np.ndarray, window: int, method: str = "median", causal: bool = False,
           polyorder: int = 2) -> np.ndarray:
    """Smooth a 1-D logged channel with a rolling mean, rolling median or Savitzky–Golay filter.

    ``window`` is in samples (odd for centred filters). ``causal=True`` uses only the current and the past
    ``window − 1`` samples (what an online controller sees; it lags); ``causal=False`` centres the window.
    NaNs (dropouts, a pyrometer below its range) are ignored by the rolling filters and bridged by linear
    interpolation before Savitzky–Golay (which has no causal form here).
    """
    x = np.asarray(x, dtype=float)
    if x.ndim != 1:
        raise ValueError(f"x must be 1-D, got shape {x.shape}")
    if int(window) != window or not 1 <= window <= x.size:
        raise ValueError(f"window={window!r} must be an integer in [1, {x.size}]")
    if method not in SMOOTHING_METHODS:
        raise ValueError(f"method={method!r} must be one of {SMOOTHING_METHODS}")
    window = int(window)
    if method == "savgol":
        if causal:
            raise ValueError("method='savgol' is centred only: use causal=False")
        if window % 2 == 0 or window <= polyorder:
            raise ValueError(f"window={window} must be odd and > polyorder={polyorder} for savgol")
        filled = pd.Series(x).interpolate(limit_direction="both").to_numpy()
        return savgol_filter(filled, window, polyorder)
    roll = pd.Series(x).rolling(window, center=not causal, min_periods=1)
    return (roll.mean() if method == "mean" else roll.median()).to_numpy()


def hysteresis_trigger(x: np.ndarray, low, high) -> np.ndarray:
    """Schmitt trigger along the last axis: on when ``x > high``, off when ``x < low``, else keep the state.

    ``low`` and ``high`` are scalars or arrays broadcasting against ``x[..., :1]`` (one pair per track).
    The state starts off. With ``low == high`` it is a plain threshold (which chatters on noise).
    """
    x = np.asarray(x, dtype=float)
    low = np.asarray(low, dtype=float)
    high = np.asarray(high, dtype=float)
    if low.ndim and low.shape[-1] != 1:
        low = low[..., None]
    if high.ndim and high.shape[-1] != 1:
        high = high[..., None]
    if np.any(low > high):
        raise ValueError(f"low={low.ravel()[:3]} must not exceed high={high.ravel()[:3]}")
    events = np.where(x > high, 1, np.where(x < low, -1, 0))
    n = x.shape[-1]
    idx = np.where(events != 0, np.arange(n), 0)
    idx = np.maximum.accumulate(idx, axis=-1)
    return np.take_along_axis(events, idx, axis=-1) == 1


def runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """The ``(start, stop)`` index pairs of the True runs of a 1-D boolean array (stop exclusive)."""
    m = np.asarray(mask, dtype=bool)
    if m.ndim != 1:
        raise ValueError(f"mask must be 1-D, got shape {m.shape}")
    d = np.diff(np.concatenate(([0], m.astype(np.int8), [0])))
    return list(zip(np.flatnonzero(d == 1).tolist(), np.flatnonzero(d == -1).tolist(), strict=True))


@dataclass(frozen=True)
class LaserTrigger:
    """Laser-on windows found in photodiode tracks (one row per track)."""

    on: np.ndarray
    baseline_V: np.ndarray
    plateau_V: np.ndarray
    onset_ms: np.ndarray
    duration_ms: np.ndarray
    n_segments: np.ndarray


def bridge_gaps(mask: np.ndarray, min_gap: int) -> np.ndarray:
    """Debounce a 1-D boolean array: fill False gaps shorter than ``min_gap`` samples between True runs."""
    out = np.asarray(mask, dtype=bool).copy()
    segs = runs(out)
    for (_, stop), (start, _) in zip(segs[:-1], segs[1:], strict=True):
        if start - stop < min_gap:
            out[stop:start] = True
    return out


def laser_on_trigger(time_ms: np.ndarray, signal_V: np.ndarray, low_frac: float = 0.25,
                     high_frac: float = 0.5, min_gap_ms: float = 0.1, pre_ms: float = 0.3) -> LaserTrigger:
    """Find the laser-on window of each photodiode track with a Schmitt trigger.

    The baseline (detector offset) is the median of the first ``pre_ms`` (laser off), the plateau the
    median of the samples above the half-way point to the 98th percentile. The trigger switches on at
    ``baseline + high_frac·(plateau − baseline)`` and off at ``baseline + low_frac·(plateau − baseline)``
    (set ``low_frac = high_frac`` for a plain threshold). Gaps shorter than ``min_gap_ms`` are bridged
    (debouncing: a keyhole collapse darkens the melt pool for 10–30 µs, a real laser-off lasts; 0 disables).
    ``on`` keeps the longest segment of each track; ``n_segments`` counts all segments after debouncing
    (1 when the trigger does not chatter).
    """
    t = np.asarray(time_ms, dtype=float)
    s = np.atleast_2d(np.asarray(signal_V, dtype=float))
    if s.shape[-1] != t.size:
        raise ValueError(f"signal_V has {s.shape[-1]} samples per track but time_ms has {t.size}")
    if min_gap_ms < 0:
        raise ValueError(f"min_gap_ms={min_gap_ms} must be >= 0")
    if not 0 < low_frac <= high_frac < 1:
        raise ValueError(f"need 0 < low_frac ({low_frac}) <= high_frac ({high_frac}) < 1")
    dt = float(np.median(np.diff(t)))
    pre = t < t[0] + pre_ms
    if pre.sum() < 3:
        raise ValueError(f"pre_ms={pre_ms} covers fewer than 3 samples")
    base = np.median(s[:, pre], axis=1)
    top = np.percentile(s, 98, axis=1)
    plateau = np.array([np.median(row[row > b + 0.5 * (p - b)]) for row, b, p in zip(s, base, top, strict=True)])
    amp = plateau - base
    raw = hysteresis_trigger(s, (base + low_frac * amp)[:, None], (base + high_frac * amp)[:, None])
    on = np.zeros_like(raw)
    onset = np.full(s.shape[0], np.nan)
    n_seg = np.zeros(s.shape[0], dtype=int)
    gap = int(round(min_gap_ms / dt))
    for i, row in enumerate(raw):
        segs = runs(bridge_gaps(row, gap) if gap > 0 else row)
        n_seg[i] = len(segs)
        if segs:
            a, b = max(segs, key=lambda ab: ab[1] - ab[0])
            on[i, a:b] = True
            onset[i] = t[a]
    return LaserTrigger(on=on, baseline_V=base, plateau_V=plateau, onset_ms=onset,
                        duration_ms=on.sum(axis=1) * dt, n_segments=n_seg)


# ----------------------------------------------------------------------------------------------------------
# Per-track features of melt-pool photodiode signals
# ----------------------------------------------------------------------------------------------------------

FEATURE_MEANING: dict[str, str] = {
    "on_duration_ms": "laser-on time = track length / scan speed (cut at the end of the record)",
    "level_V": "plateau above the offset: absorbed energy × detector gain (machine-dependent)",
    "slow_cv": "slow (> 0.1 ms) relative fluctuation: lack of fusion, balling",
    "fast_cv": "fast (< 0.1 ms) relative fluctuation: keyhole oscillation, noise",
    "dip_rate_per_ms": "short dips > 20 % below the local median per ms: keyhole collapses",
    "spike_rate_per_ms": "short spikes > 20 % above the local median per ms: spatter, collapse rebounds",
    "peak_freq_kHz": "dominant modulation frequency 1–20 kHz: balling (Rayleigh wavelength)",
    "peak_power_frac": "share of the fluctuation power in that peak: how periodic the track is",
}
"""Feature name → physical reading (what :func:`track_features` computes)."""

GAIN_INVARIANT: tuple[str, ...] = tuple(k for k in FEATURE_MEANING if k != "level_V")
"""The features that do not change when a machine's detector gain or offset changes."""


def _count_events(flag: np.ndarray) -> int:
    """Number of rising edges of a boolean array (separate excursions)."""
    f = flag.astype(np.int8)
    return int(f[0] + np.count_nonzero(np.diff(f) == 1))


def track_features(time_ms: np.ndarray, signal_V: np.ndarray, trigger: LaserTrigger | None = None,
                   settle_ms: float = 0.3, median_ms: float = 0.1, event_frac: float = 0.2) -> pd.DataFrame:
    """Engineer one row of physically meaningful features per photodiode track (see :data:`FEATURE_MEANING`).

    The laser-on window comes from :func:`laser_on_trigger` (or ``trigger``); the first ``settle_ms`` of it
    (start-of-track overshoot) is skipped. Inside the steady part a rolling median over ``median_ms``
    separates slow variation from fast events; a dip or spike is a run of samples more than ``event_frac``
    of the level below or above that local median (a keyhole collapse lasts 10–30 µs, so the median does
    not follow it). Relative quantities are divided by the level, so only ``level_V`` depends on gain.
    """
    t = np.asarray(time_ms, dtype=float)
    s = np.atleast_2d(np.asarray(signal_V, dtype=float))
    trig = laser_on_trigger(t, s) if trigger is None else trigger
    dt = float(np.median(np.diff(t)))
    fs_kHz = 1.0 / dt
    w = max(3, int(round(median_ms / dt)) | 1)
    settle = int(round(settle_ms / dt))
    local_all = median_filter(s, size=(1, w), mode="nearest")
    rows = []
    for i, row in enumerate(s):
        idx = np.flatnonzero(trig.on[i])
        a, b = (idx[0] + settle, idx[-1] - w) if idx.size else (0, 0)
        if b - a < 4 * w:
            rows.append({k: np.nan for k in FEATURE_MEANING} | {"on_duration_ms": float(trig.duration_ms[i])})
            continue
        steady = row[a:b] - trig.baseline_V[i]
        local = local_all[i, a:b] - trig.baseline_V[i]
        level = float(np.median(steady))
        fast = steady - local
        on_ms = steady.size * dt
        freqs, power = periodogram(local - local.mean(), fs=fs_kHz, nfft=1024)
        band = (freqs >= 1.0) & (freqs <= 20.0)
        k = int(np.argmax(power[band]))
        rows.append({
            "on_duration_ms": float(trig.duration_ms[i]),
            "level_V": level,
            "slow_cv": float(np.std(local) / level),
            "fast_cv": float(np.std(fast) / level),
            "dip_rate_per_ms": _count_events(fast < -event_frac * level) / on_ms,
            "spike_rate_per_ms": _count_events(fast > event_frac * level) / on_ms,
            "peak_freq_kHz": float(freqs[band][k]),
            "peak_power_frac": float(power[band][k] / max(power[freqs >= 0.2].sum(), 1e-12)),
        })
    return pd.DataFrame(rows, columns=list(FEATURE_MEANING))


# ----------------------------------------------------------------------------------------------------------
# Sequences and a small recurrent regressor
# ----------------------------------------------------------------------------------------------------------


def track_sequences(signal_V: np.ndarray, baseline_V: np.ndarray, factor: int = 5,
                    scale_V: float = 1.0) -> np.ndarray:
    """Down-sample photodiode tracks for a recurrent network: ``(n_tracks, n_steps, 2)`` float32.

    Subtracts each track's offset (``baseline_V``), then takes blocks of ``factor`` samples and keeps the
    block mean and the block minimum (so that a 10–30 µs keyhole-collapse dip survives the down-sampling),
    both divided by ``scale_V``. At 100 kHz and ``factor=5`` one step is 50 µs.
    """
    s = np.atleast_2d(np.asarray(signal_V, dtype=float))
    b = np.asarray(baseline_V, dtype=float).reshape(-1, 1)
    if b.shape[0] != s.shape[0]:
        raise ValueError(f"baseline_V has {b.shape[0]} values for {s.shape[0]} tracks")
    if int(factor) != factor or not 1 <= factor <= s.shape[1] // 4:
        raise ValueError(f"factor={factor!r} must be an integer in [1, {s.shape[1] // 4}]")
    if scale_V <= 0:
        raise ValueError(f"scale_V={scale_V} must be > 0")
    n_steps = s.shape[1] // factor
    blocks = (s[:, : n_steps * factor] - b).reshape(s.shape[0], n_steps, factor) / scale_V
    return np.stack([blocks.mean(axis=2), blocks.min(axis=2)], axis=2).astype(np.float32)


class SequenceRegressor(nn.Module):
    """One recurrent layer (GRU or LSTM) → mean of the hidden states over time → linear → one number.

    Recurrence of a plain RNN: ``h_t = tanh(W·x_t + U·h_{t−1} + b)``; the GRU (Cho et al. 2014) and LSTM
    (Hochreiter & Schmidhuber 1997) add gates that let the state carry information over many steps.
    With 2 inputs and 24 hidden units a GRU has 2,041 weights (an LSTM 2,713, a plain RNN 697).
    """

    def __init__(self, n_inputs: int = 2, hidden: int = 24, cell: str = "gru", seed: int = 0) -> None:
        super().__init__()
        cells = {"gru": nn.GRU, "lstm": nn.LSTM, "rnn": nn.RNN}
        if cell not in cells:
            raise ValueError(f"cell={cell!r} must be one of {sorted(cells)}")
        if int(hidden) != hidden or not 1 <= hidden <= 512:
            raise ValueError(f"hidden={hidden!r} must be an integer in [1, 512]")
        torch.manual_seed(int(seed))
        self.cell = cell
        self.rnn = cells[cell](int(n_inputs), int(hidden), batch_first=True)
        self.head = nn.Linear(int(hidden), 1)

    def n_weights(self) -> int:
        """Number of trainable weights."""
        return sum(p.numel() for p in self.parameters() if p.requires_grad)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Predictions, shape (N,), for sequences of shape (N, T, n_inputs)."""
        states, _ = self.rnn(x)
        return self.head(states.mean(dim=1)).squeeze(-1)


@dataclass
class FittedSequenceModel:
    """A trained :class:`SequenceRegressor` with the target scaling and the training history."""

    model: SequenceRegressor
    y_mean: float
    y_std: float
    train_loss: list[float] = field(default_factory=list)
    seconds: float = 0.0

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Predicted targets (original units) for sequences ``(N, T, n_inputs)``."""
        self.model.eval()
        with torch.no_grad():
            out = self.model(torch.as_tensor(np.asarray(x, dtype=np.float32)))
        return out.numpy().astype(float) * self.y_std + self.y_mean

    @property
    def n_weights(self) -> int:
        """Number of trainable weights."""
        return self.model.n_weights()


def fit_sequence_regressor(x: np.ndarray, y: np.ndarray, hidden: int = 24, cell: str = "gru",
                           epochs: int = 40, batch_size: int = 150, lr: float = 0.03, seed: int = 0,
                           threads: int = 1) -> FittedSequenceModel:
    """Train a :class:`SequenceRegressor` with Adam (cosine-decaying learning rate) on the mean squared
    error of the standardised target.

    Seeded (weights and batch order), CPU only; gradients are clipped at norm 1 (recurrent nets can have
    exploding gradients, Pascanu, Mikolov & Bengio 2013, ICML). One thread by default: a recurrent layer
    of a thousand weights runs one small matrix product per time step, which a second thread cannot
    speed up but a busy second core can slow down many times. Returns the fitted model with its
    per-epoch training loss and the wall time.
    """
    import time

    x = np.asarray(x, dtype=np.float32)
    y = np.asarray(y, dtype=float)
    if x.ndim != 3 or x.shape[0] != y.size:
        raise ValueError(f"x must be (N, T, C) with N = len(y) = {y.size}, got {x.shape}")
    if epochs < 1 or batch_size < 1:
        raise ValueError(f"epochs={epochs} and batch_size={batch_size} must be >= 1")
    torch.set_num_threads(int(threads))
    start = time.perf_counter()
    y_mean, y_std = float(y.mean()), float(y.std() + 1e-12)
    xt = torch.as_tensor(x)
    yt = torch.as_tensor((y - y_mean) / y_std, dtype=torch.float32)
    model = SequenceRegressor(x.shape[2], hidden, cell, seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=int(epochs))
    gen = torch.Generator().manual_seed(int(seed))
    history = []
    for _ in range(int(epochs)):
        model.train()
        order = torch.randperm(len(yt), generator=gen)
        total = 0.0
        for k in range(0, len(yt), batch_size):
            idx = order[k: k + batch_size]
            opt.zero_grad()
            loss = torch.mean((model(xt[idx]) - yt[idx]) ** 2)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            total += float(loss.detach()) * len(idx)
        sched.step()
        history.append(total / len(yt))
    return FittedSequenceModel(model=model, y_mean=y_mean, y_std=y_std, train_loss=history,
                               seconds=time.perf_counter() - start)


def recurrent_gradient_profile(cell: str = "rnn", n_steps: int = 50, hidden: int = 16, n_inputs: int = 2,
                               forget_bias: float = 0.0, n_sequences: int = 64,
                               seed: int = 0) -> np.ndarray:
    """How strongly the last hidden state depends on earlier inputs: ``‖∂h_T/∂x_t‖`` for ``t = T…1``.

    Returns an array of length ``n_steps``: entry ``k`` is the mean (over ``n_sequences`` random input
    sequences) gradient norm of ``Σ h_T`` with respect to the input ``k`` steps before the end, for a
    freshly initialised (seeded) ``rnn`` (tanh), ``gru`` or ``lstm``. ``forget_bias`` is added to the LSTM
    forget-gate bias (Gers, Schmidhuber & Cummins 2000; Jozefowicz et al. 2015 recommend 1): the cell state
    is multiplied by the forget gate ``f`` every step, so its gradient decays like ``f^k`` instead of the
    ``(ρ·tanh′)^k`` of a plain RNN (Bengio et al. 1994).
    """
    if cell not in ("rnn", "gru", "lstm"):
        raise ValueError(f"cell={cell!r} must be 'rnn', 'gru' or 'lstm'")
    if not 2 <= n_steps <= 2000:
        raise ValueError(f"n_steps={n_steps} must be in [2, 2000]")
    model = SequenceRegressor(n_inputs, hidden, cell, seed)
    if cell == "lstm" and forget_bias:
        with torch.no_grad():
            model.rnn.bias_hh_l0[hidden: 2 * hidden] += float(forget_bias)
    gen = torch.Generator().manual_seed(int(seed))
    x = torch.randn(n_sequences, n_steps, n_inputs, generator=gen, requires_grad=True)
    states, _ = model.rnn(x)
    states[:, -1].sum().backward()
    norms = x.grad.norm(dim=2).mean(dim=0).numpy()
    return norms[::-1].astype(float).copy()


# ----------------------------------------------------------------------------------------------------------
# Splits and evaluation
# ----------------------------------------------------------------------------------------------------------

Fold = tuple[np.ndarray, np.ndarray]


def random_folds(n: int, test_fraction: float = 0.25, seed: int = 0) -> list[Fold]:
    """One random train/test split of ``n`` items (the i.i.d. assumption; optimistic for process data)."""
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction={test_fraction} must be in (0, 1)")
    if n < 4:
        raise ValueError(f"n={n} must be >= 4")
    perm = np.random.default_rng(seed).permutation(n)
    k = int(round(n * (1 - test_fraction)))
    return [(np.sort(perm[:k]), np.sort(perm[k:]))]


def temporal_split(timestamp: np.ndarray, test_fraction: float = 0.25) -> list[Fold]:
    """Train on the earliest ``1 − test_fraction`` of the items in time, test on the latest (one fold).

    Every test item is later than every training item: the model is used the way it would be deployed.
    """
    ts = np.asarray(timestamp)
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction={test_fraction} must be in (0, 1)")
    order = np.argsort(ts, kind="stable")
    k = int(round(ts.size * (1 - test_fraction)))
    return [(np.sort(order[:k]), np.sort(order[k:]))]


def group_folds(groups: np.ndarray) -> list[Fold]:
    """Leave-one-group-out folds (e.g. one machine at a time), in sorted group order."""
    g = np.asarray(groups)
    levels = np.unique(g)
    if levels.size < 2:
        raise ValueError(f"need at least 2 groups, got {levels.size}")
    return [(np.flatnonzero(g != lv), np.flatnonzero(g == lv)) for lv in levels]


def split_schemes(timestamp: np.ndarray, machine_id: np.ndarray, test_fraction: float = 0.25,
                  seed: int = 0) -> dict[str, list[Fold]]:
    """The three schemes compared in week 7: ``random``, ``temporal`` and ``leave-one-machine-out``."""
    return {
        "random": random_folds(len(timestamp), test_fraction, seed),
        "temporal": temporal_split(timestamp, test_fraction),
        "leave-one-machine-out": group_folds(machine_id),
    }


def evaluate_on_splits(predictors: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]], y: np.ndarray,
                       schemes: dict[str, list[Fold]]) -> pd.DataFrame:
    """Run every predictor on every fold of every scheme; one row per held-out item.

    A predictor is ``f(train_idx, test_idx) -> predictions for test_idx`` (it fits on ``train_idx`` only).
    Columns: ``model``, ``scheme``, ``fold``, ``item``, ``y_true``, ``y_pred``, ``abs_error``.
    """
    y = np.asarray(y, dtype=float)
    frames = []
    for model_name, predict in predictors.items():
        for scheme, folds in schemes.items():
            for k, (train, test) in enumerate(folds):
                if np.intersect1d(train, test).size:
                    raise ValueError(f"scheme {scheme!r} fold {k}: train and test overlap")
                pred = np.asarray(predict(train, test), dtype=float)
                frames.append(pd.DataFrame({"model": model_name, "scheme": scheme, "fold": k, "item": test,
                                            "y_true": y[test], "y_pred": pred,
                                            "abs_error": np.abs(pred - y[test])}))
    return pd.concat(frames, ignore_index=True)


def summarise_errors(predictions: pd.DataFrame) -> pd.DataFrame:
    """Mean absolute error per model and scheme over all held-out items, with its standard error."""
    g = predictions.groupby(["model", "scheme"], sort=False)["abs_error"]
    out = g.agg(mae="mean", sd="std", n_test="size").reset_index()
    out["mae_se"] = out["sd"] / np.sqrt(out["n_test"])
    return out.drop(columns="sd")


# ----------------------------------------------------------------------------------------------------------
# Online change detection
# ----------------------------------------------------------------------------------------------------------


def cusum(z: np.ndarray, k: float = 0.5, h: float = 5.0) -> tuple[np.ndarray, int | None]:
    """One-sided upper CUSUM (Page 1954) of a standardised statistic: ``S_i = max(0, S_{i−1} + z_i − k)``.

    ``k`` is half the shift (in σ) the chart is tuned to; an alarm is raised at the first ``S_i > h``.
    Returns the statistic and the index of the first alarm (``None`` if there is none).
    """
    z = np.asarray(z, dtype=float)
    if h <= 0 or k < 0:
        raise ValueError(f"need h > 0 and k >= 0, got h={h}, k={k}")
    s = np.empty_like(z)
    acc = 0.0
    for i, zi in enumerate(z):
        acc = max(0.0, acc + zi - k)
        s[i] = acc
    hit = np.flatnonzero(s > h)
    return s, (int(hit[0]) if hit.size else None)


def rolling_zscore(x: np.ndarray, window: int = 20, min_std: float = 1e-3) -> np.ndarray:
    """Causal z-score of each value against the mean and std of the ``window`` values before it.

    The first ``window`` values get z = 0 (no reference yet); the std is floored at ``min_std`` so that a
    quiet reference does not make every small change infinite.
    """
    x = np.asarray(x, dtype=float)
    if int(window) != window or window < 2:
        raise ValueError(f"window={window!r} must be an integer >= 2")
    ref = pd.Series(x).shift(1).rolling(int(window), min_periods=int(window))
    z = (x - ref.mean().to_numpy()) / np.maximum(ref.std().to_numpy(), min_std)
    return np.nan_to_num(z, nan=0.0)


@dataclass(frozen=True)
class DetectorPerformance:
    """False alarms per 1000 in-control tracks and detection delay per threshold.

    ``tracks_to_alarm`` is the out-of-control average run length ARL₁: tracks from the change to the alarm,
    counting the alarm track (1 = the first changed track raises it).
    """

    threshold: np.ndarray
    false_alarms_per_1000: np.ndarray
    tracks_to_alarm: np.ndarray
    missed_fraction: np.ndarray


def detector_performance(in_control: np.ndarray, out_of_control: np.ndarray,
                         score: Callable[[np.ndarray], np.ndarray], thresholds: np.ndarray,
                         n_streams: int = 200, stream_length: int = 400, change_at: int = 100,
                         seed: int = 0) -> DetectorPerformance:
    """Estimate false-alarm rate and detection delay of a detector by resampling real track statistics.

    Streams are drawn (with replacement, seeded) from ``in_control`` statistics; in a second set of streams
    the draws switch to ``out_of_control`` at ``change_at``. ``score`` maps a stream to the detector's
    statistic (e.g. a CUSUM path); an alarm is the first value above a threshold.

    - False alarms per 1000 tracks: ``1000 × (in-control streams that alarmed) / (tracks watched until the
      first alarm or the end)``, the rate estimate for a chart that is restarted after each alarm
      (1000 / in-control average run length, Montgomery 2019).
    - Delay (ARL₁): tracks from the change to the first alarm at or after it, counting the alarm track, over
      the shifted streams without an alarm before the change; ``missed_fraction`` of those never alarm.
    """
    ic = np.asarray(in_control, dtype=float)
    oc = np.asarray(out_of_control, dtype=float)
    thr = np.atleast_1d(np.asarray(thresholds, dtype=float))
    if ic.size < 5 or oc.size < 1:
        raise ValueError("need at least 5 in-control and 1 out-of-control statistics")
    if not 0 < change_at < stream_length:
        raise ValueError(f"change_at={change_at} must lie inside the stream (0, {stream_length})")
    if n_streams < 1:
        raise ValueError(f"n_streams={n_streams} must be >= 1")
    rng = np.random.default_rng(seed)
    quiet = np.array([score(rng.choice(ic, stream_length)) for _ in range(n_streams)])
    shifted = np.array([score(np.concatenate([rng.choice(ic, change_at),
                                              rng.choice(oc, stream_length - change_at)]))
                        for _ in range(n_streams)])
    fa, delay, missed = [], [], []
    for t in thr:
        over = quiet > t
        alarmed = over.any(axis=1)
        watched = np.where(alarmed, np.argmax(over, axis=1) + 1, stream_length)
        fa.append(1000.0 * alarmed.sum() / watched.sum())
        over = shifted > t
        after = over[~over[:, :change_at].any(axis=1), change_at:]
        hit = after.any(axis=1)
        delays = np.argmax(after, axis=1)[hit] + 1
        delay.append(float(delays.mean()) if delays.size else np.nan)
        missed.append(float(1 - hit.mean()) if hit.size else np.nan)
    return DetectorPerformance(threshold=thr, false_alarms_per_1000=np.array(fa), tracks_to_alarm=np.array(delay),
                               missed_fraction=np.array(missed))


# ----------------------------------------------------------------------------------------------------------
# The week-7 benchmark: porosity of a track from its photodiode signal
# ----------------------------------------------------------------------------------------------------------


def feature_forest(seed: int = 0, n_estimators: int = 100):
    """The feature-regression model: a seeded random forest (Breiman 2001, Mach. Learn. 45, 5)."""
    from sklearn.ensemble import RandomForestRegressor

    return RandomForestRegressor(n_estimators=n_estimators, min_samples_leaf=2, random_state=seed, n_jobs=1)


@dataclass
class PorosityBenchmark:
    """Engineered-feature regression vs a GRU on the same tracks, targets, splits and metric."""

    features: pd.DataFrame
    sequences: np.ndarray
    log_porosity: np.ndarray
    schemes: dict[str, list[Fold]]
    predictions: pd.DataFrame
    summary: pd.DataFrame
    gru_fits: dict[str, list[FittedSequenceModel]]
    seconds: dict[str, float]


def porosity_benchmark(signals, feature_columns: tuple[str, ...] | None = None, seed: int = 0,
                       gru_hidden: int = 24, gru_epochs: int = 40, downsample: int = 10,
                       schemes: dict[str, list[Fold]] | None = None) -> PorosityBenchmark:
    """Predict ``log10(porosity %)`` of each track from its photodiode signal in two ways, score both, and
    score the baseline that needs no signal: a forest on the nominal settings (ln P, ln v) alone.

    ``signals`` is a :class:`mlpc.datasets.process.MeltPoolSignals`. Model A: :func:`track_features`
    (``feature_columns``, default all) → :func:`feature_forest`. Model B: :func:`track_sequences` (offset
    removed, ``downsample``-fold block mean and minimum, scaled by 2 V) → :func:`fit_sequence_regressor`
    (GRU). Both use the same model seed ``seed``, the same folds (default :func:`split_schemes` with split
    seed 0: random, temporal, leave-one-machine-out) and the same metric (absolute error in decades of
    porosity). The baseline ``nominal (P, v) + forest`` uses the same forest, folds and metric.
    """
    import time

    clock = time.perf_counter()
    trig = laser_on_trigger(signals.time_ms, signals.signal_V)
    feats = track_features(signals.time_ms, signals.signal_V, trigger=trig)
    cols = list(feature_columns) if feature_columns is not None else list(feats.columns)
    unknown = set(cols) - set(feats.columns)
    if unknown:
        raise ValueError(f"feature_columns has unknown names {sorted(unknown)}; choose from {list(feats.columns)}")
    x_feat = feats[cols].to_numpy()
    x_seq = track_sequences(signals.signal_V, trig.baseline_V, downsample, 2.0)
    y = np.log10(np.asarray(signals.porosity_pct, dtype=float))
    schemes = schemes or split_schemes(signals.timestamp, signals.machine_id, seed=0)
    seconds = {"preprocessing": time.perf_counter() - clock, "features + forest": 0.0, "GRU": 0.0}
    fitted: list[FittedSequenceModel] = []

    def forest(train: np.ndarray, test: np.ndarray) -> np.ndarray:
        start = time.perf_counter()
        pred = feature_forest(seed).fit(x_feat[train], y[train]).predict(x_feat[test])
        seconds["features + forest"] += time.perf_counter() - start
        return pred

    def gru(train: np.ndarray, test: np.ndarray) -> np.ndarray:
        fit = fit_sequence_regressor(x_seq[train], y[train], hidden=gru_hidden, epochs=gru_epochs, seed=seed)
        seconds["GRU"] += fit.seconds
        fitted.append(fit)
        return fit.predict(x_seq[test])

    x_nominal = np.log(np.column_stack([signals.power_W, signals.speed_mm_s]))

    def nominal(train: np.ndarray, test: np.ndarray) -> np.ndarray:
        return feature_forest(seed).fit(x_nominal[train], y[train]).predict(x_nominal[test])

    preds = evaluate_on_splits({"nominal (P, v) + forest": nominal, "features + forest": forest,
                                "GRU on trace": gru}, y, schemes)
    fits: dict[str, list[FittedSequenceModel]] = {}
    for name, folds in schemes.items():
        fits[name], fitted = fitted[: len(folds)], fitted[len(folds):]
    return PorosityBenchmark(features=feats, sequences=x_seq, log_porosity=y, schemes=schemes,
                             predictions=preds, summary=summarise_errors(preds), gru_fits=fits, seconds=seconds)


# ----------------------------------------------------------------------------------------------------------
# The week-7 monitoring scenario: keyhole onset in a stream of tracks
# ----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MonitoringScenario:
    """Per-track statistics for online monitoring: phase-I calibration, in-control and out-of-control pools.

    ``mean`` and ``std`` are the phase-I (calibration) reference of the statistic.
    """

    statistic: str
    calibration: np.ndarray
    in_control: np.ndarray
    out_of_control: np.ndarray
    mean: float
    std: float
    description: str


def keyhole_onset_scenario(features: pd.DataFrame, regime: np.ndarray, normalized_enthalpy: np.ndarray,
                           timestamp: np.ndarray, statistic: str = "dip_rate_per_ms",
                           max_enthalpy: float = 40.0) -> MonitoringScenario:
    """A process that leaves the conduction window for incipient keyhole mode (King et al. 2014).

    In control: conduction tracks; the earlier half in time calibrates the chart (phase I), the later
    half is the in-control pool. Out of control: keyhole tracks with ``ΔH/h_s < max_enthalpy`` (just past
    the threshold of about 30, where collapses are still rare: 1–2.7 per ms in the data generator).
    For an event rate (``…_per_ms``) the reference std is at least one event per calibration track:
    seeing no dip in 75 tracks does not make the count noise-free (Poisson counting).
    """
    if statistic not in features.columns:
        raise ValueError(f"statistic={statistic!r} is not a column; choose from {list(features.columns)}")
    reg = np.asarray(regime)
    stat = features[statistic].to_numpy(dtype=float)
    ic = np.flatnonzero(reg == "conduction")
    ic = ic[np.argsort(np.asarray(timestamp)[ic], kind="stable")]
    oc = np.flatnonzero((reg == "keyhole") & (np.asarray(normalized_enthalpy) < max_enthalpy))
    if ic.size < 10 or oc.size < 1:
        raise ValueError(f"need >= 10 conduction and >= 1 incipient-keyhole tracks, got {ic.size} and {oc.size}")
    first, later = ic[: ic.size // 2], ic[ic.size // 2:]
    cal, test = stat[first], stat[later]
    std = float(np.std(cal))
    if statistic.endswith("_per_ms") and "on_duration_ms" in features.columns:
        std = max(std, 1.0 / float(np.median(features["on_duration_ms"].to_numpy()[first])))
    return MonitoringScenario(
        statistic=statistic, calibration=cal, in_control=test, out_of_control=stat[oc],
        mean=float(np.mean(cal)), std=std,
        description=f"conduction → keyhole with ΔH/h_s < {max_enthalpy:g}, monitored by {statistic}",
    )


def detector_scores(scenario: MonitoringScenario, window: int = 50,
                    k: float = 0.5) -> dict[str, Callable[[np.ndarray], np.ndarray]]:
    """The two charts compared in week 7, as stream → statistic functions.

    ``rolling z-score``: :func:`rolling_zscore` over the previous ``window`` tracks (no calibration, follows
    slow drifts — and a persistent shift, too); ``CUSUM``: :func:`cusum` of the statistic standardised by
    the phase-I mean and std, reference value ``k``.
    """
    mu, sd = scenario.mean, max(scenario.std, 1e-12)
    return {
        "rolling z-score": lambda x: rolling_zscore(x, window, min_std=0.1 * sd),
        "CUSUM": lambda x: cusum((np.asarray(x) - mu) / sd, k)[0],
    }


def compare_detectors(scenarios: list[MonitoringScenario], thresholds: np.ndarray | None = None,
                      false_alarm_budget: float = 0.1, n_streams: int = 400, stream_length: int = 500,
                      seed: int = 0) -> pd.DataFrame:
    """Tune every detector on every scenario to at most ``false_alarm_budget`` false alarms per 1000 tracks.

    The default budget is one false alarm in 10,000 tracks; the ``n_streams × stream_length`` simulated
    in-control tracks (default 200,000) resolve rates down to about 1 in 200,000.

    For each (statistic, detector) the smallest threshold of ``thresholds`` (default 1–30) that meets the
    budget is chosen and its mean detection delay (tracks) and missed fraction are reported, with the whole
    sweep in the ``sweep`` column (a :class:`DetectorPerformance`).
    """
    thr = np.linspace(1.0, 30.0, 59) if thresholds is None else np.asarray(thresholds, dtype=float)
    rows = []
    for sc in scenarios:
        for name, score in detector_scores(sc).items():
            perf = detector_performance(sc.in_control, sc.out_of_control, score, thr, n_streams=n_streams,
                                        stream_length=stream_length, seed=seed)
            ok = np.flatnonzero(perf.false_alarms_per_1000 <= false_alarm_budget)
            j = int(ok[0]) if ok.size else len(thr) - 1
            rows.append({"statistic": sc.statistic, "detector": name, "threshold": thr[j],
                         "false_alarms_per_1000": perf.false_alarms_per_1000[j],
                         "tracks_to_alarm": perf.tracks_to_alarm[j], "missed_fraction": perf.missed_fraction[j],
                         "sweep": perf})
    return pd.DataFrame(rows)
