"""mlpc.timeseries: smoothing lags as theory says, triggers do not chatter, features carry the melt-pool
physics and are gain-invariant, the GRU is seeded and learns, splits never overlap, CUSUM and the
detector study give the textbook rates."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mlpc import timeseries as ts
from mlpc.datasets.process import melt_pool_signals, melt_pool_size


@pytest.fixture(scope="module")
def signals():
    return melt_pool_signals(n_tracks=80, seed=3)


@pytest.fixture(scope="module")
def features(signals):
    return ts.track_features(signals.time_ms, signals.signal_V)


# --- smoothing ------------------------------------------------------------------------------------------


def test_causal_rolling_mean_lags_a_ramp_by_rate_times_half_window():
    t = np.arange(200.0)
    rate, w = 1.7, 15
    lagged = ts.smooth(rate * t, w, "mean", causal=True)
    assert np.allclose((rate * t - lagged)[w:], rate * (w - 1) / 2)
    centred = ts.smooth(rate * t, w, "mean")
    assert np.allclose(centred[w:-w], rate * t[w:-w])


def test_rolling_median_removes_an_isolated_spike_that_the_mean_smears():
    x = np.full(101, 1000.0)
    x[50] += 300.0
    assert np.allclose(ts.smooth(x, 15, "median"), 1000.0)
    mean = ts.smooth(x, 15, "mean")
    assert mean[50] == pytest.approx(1000.0 + 300.0 / 15)
    assert np.count_nonzero(mean > 1000.0 + 1e-9) == 15


def test_savgol_keeps_a_parabola_and_bridges_dropouts():
    t = np.linspace(-1, 1, 101)
    x = 3 * t**2 - t + 2
    x_gap = x.copy()
    x_gap[40] = np.nan
    out = ts.smooth(x_gap, 11, "savgol", polyorder=2)
    assert np.all(np.isfinite(out))
    assert np.allclose(out[10:-10], x[10:-10], atol=1e-3)


def test_smooth_rejects_bad_arguments():
    with pytest.raises(ValueError, match="window"):
        ts.smooth(np.ones(10), 0)
    with pytest.raises(ValueError, match="method"):
        ts.smooth(np.ones(10), 3, "gaussian")
    with pytest.raises(ValueError, match="causal"):
        ts.smooth(np.ones(10), 3, "savgol", causal=True)


# --- triggering -----------------------------------------------------------------------------------------


def test_schmitt_trigger_does_not_chatter_where_a_single_threshold_does():
    rng = np.random.default_rng(0)
    t = np.arange(4000)
    phase = t % 1000  # four trapezoid pulses: 200-sample ramps up and down, noise 5 % of the height
    clean = np.clip(np.minimum(phase - 100, 800 - phase) / 200, 0, 1)
    x = clean + rng.normal(0, 0.05, t.size)
    plain = ts.hysteresis_trigger(x, 0.5, 0.5)
    schmitt = ts.hysteresis_trigger(x, 0.2, 0.8)
    assert len(ts.runs(plain)) > 8
    assert len(ts.runs(schmitt)) == 4
    starts = [a for a, _ in ts.runs(schmitt)]
    assert all(clean[a] > 0.65 for a in starts)  # the price of hysteresis: it switches near `high`


def test_hysteresis_trigger_per_row_thresholds_and_errors():
    x = np.array([[0, 2, 1, 0, 2], [0, 20, 10, 0, 20]], dtype=float)
    on = ts.hysteresis_trigger(x, np.array([0.5, 5.0]), np.array([1.5, 15.0]))
    assert on.tolist() == [[False, True, True, False, True]] * 2
    with pytest.raises(ValueError, match="low"):
        ts.hysteresis_trigger(x[0], 2.0, 1.0)


def test_runs_and_bridge_gaps():
    m = np.array([0, 1, 1, 0, 1, 0, 0, 0, 1], dtype=bool)
    assert ts.runs(m) == [(1, 3), (4, 5), (8, 9)]
    assert ts.runs(ts.bridge_gaps(m, 2)) == [(1, 5), (8, 9)]
    assert ts.runs(ts.bridge_gaps(m, 4)) == [(1, 9)]


def test_laser_trigger_finds_one_window_per_track_within_a_few_samples(signals):
    true_on = signals.time_ms[np.argmax(signals.laser_on, axis=1)]
    true_dur = signals.laser_on.sum(axis=1) / signals.sampling_rate_kHz
    trig = ts.laser_on_trigger(signals.time_ms, signals.signal_V)
    assert np.all(trig.n_segments == 1)
    assert np.max(np.abs(trig.onset_ms - true_on)) <= 0.04  # 4 samples at 100 kHz
    assert np.max(np.abs(trig.duration_ms - true_dur)) <= 0.08
    # the baseline is the machine offset (plus a few mV of noise)
    assert np.allclose(trig.baseline_V, signals.machine_offset_V, atol=0.02)


def test_plain_threshold_splits_keyhole_tracks_at_collapse_dips(signals):
    plain = ts.laser_on_trigger(signals.time_ms, signals.signal_V, 0.5, 0.5, min_gap_ms=0.0)
    key = signals.regime == "keyhole"
    assert np.mean(plain.n_segments[key] > 1) > 0.3
    assert np.all(plain.n_segments[signals.regime == "conduction"] == 1)


# --- features -------------------------------------------------------------------------------------------


def test_features_are_gain_invariant_except_the_level(signals, features):
    base = ts.laser_on_trigger(signals.time_ms, signals.signal_V).baseline_V[:, None]
    scaled = 0.05 + 1.5 * (signals.signal_V - base)  # another detector gain and offset
    other = ts.track_features(signals.time_ms, scaled)
    for col in ts.GAIN_INVARIANT:
        assert np.allclose(other[col], features[col], rtol=1e-6, atol=1e-9), col
    assert np.allclose(other["level_V"], 1.5 * features["level_V"], rtol=1e-6)


def test_dip_rate_counts_keyhole_collapses(signals, features):
    key = signals.regime == "keyhole"
    on_ms = signals.laser_on.sum(axis=1) / signals.sampling_rate_kHz
    true_rate = signals.n_collapse_events / on_ms
    assert np.corrcoef(features["dip_rate_per_ms"][key], true_rate[key])[0, 1] > 0.85
    assert np.median(features["dip_rate_per_ms"][signals.regime == "conduction"]) == 0.0


def test_balling_frequency_is_the_rayleigh_frequency(signals, features):
    b = signals.regime == "balling"
    width_um = melt_pool_size(signals.power_W[b], signals.speed_mm_s[b]).width_um
    rayleigh_kHz = signals.speed_mm_s[b] / (4.51 * width_um * 1e-3) * 1e-3
    assert np.max(np.abs(features["peak_freq_kHz"][b] / rayleigh_kHz - 1)) < 0.08


def test_regimes_order_as_their_physics(signals, features):
    med = features.groupby(signals.regime).median()
    assert med.loc["keyhole", "level_V"] > med.loc["conduction", "level_V"] > med.loc["lack_of_fusion", "level_V"]
    assert med.loc["lack_of_fusion", "slow_cv"] > 3 * med.loc["conduction", "slow_cv"]
    assert med.loc["balling", "peak_power_frac"] > 2 * med.loc["conduction", "peak_power_frac"]
    assert med.loc["lack_of_fusion", "on_duration_ms"] < med.loc["conduction", "on_duration_ms"]


# --- sequences and recurrent nets -----------------------------------------------------------------------


def test_track_sequences_remove_the_offset_and_keep_dips(signals):
    trig = ts.laser_on_trigger(signals.time_ms, signals.signal_V)
    x = ts.track_sequences(signals.signal_V, trig.baseline_V, factor=10, scale_V=2.0)
    assert x.shape == (80, 50, 2) and x.dtype == np.float32
    assert np.all(x[:, :, 1] <= x[:, :, 0] + 1e-6)
    assert np.abs(x[:, :4, 0]).max() < 0.02  # first 0.4 ms: laser off, offset removed
    with pytest.raises(ValueError, match="factor"):
        ts.track_sequences(signals.signal_V, trig.baseline_V, factor=1000)


def test_weight_counts_follow_the_gate_count():
    h, i = 24, 2
    block = h * (i + h) + 2 * h  # W, U and two bias vectors (PyTorch keeps b_ih and b_hh)
    for cell, gates in (("rnn", 1), ("gru", 3), ("lstm", 4)):
        assert ts.SequenceRegressor(i, h, cell).n_weights() == gates * block + h + 1


def _toy_sequences(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Target = number of negative dips in a noisy sequence (what a collapse counter must learn)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(1.0, 0.03, (n, 20, 2)).astype(np.float32)
    k = rng.integers(0, 6, n)
    for j in range(n):
        x[j, rng.choice(20, k[j], replace=False), 1] = 0.3
    return x, k.astype(float)


def test_gru_is_seeded_and_learns_to_count_dips():
    x, y = _toy_sequences(200, 0)
    a = ts.fit_sequence_regressor(x[:150], y[:150], epochs=40, batch_size=50, seed=1)
    b = ts.fit_sequence_regressor(x[:150], y[:150], epochs=40, batch_size=50, seed=1)
    assert np.array_equal(a.predict(x[150:]), b.predict(x[150:]))
    assert a.train_loss[-1] < 0.2 * a.train_loss[0]
    mae = np.mean(np.abs(a.predict(x[150:]) - y[150:]))
    assert mae < 0.4 * np.mean(np.abs(y[150:] - y[:150].mean()))
    with pytest.raises(ValueError, match="x must be"):
        ts.fit_sequence_regressor(x[:, :, 0], y)


def test_plain_rnn_gradients_vanish_and_an_open_forget_gate_keeps_them():
    rnn = ts.recurrent_gradient_profile("rnn", n_steps=50)
    lstm_open = ts.recurrent_gradient_profile("lstm", n_steps=50, forget_bias=3.0)
    assert rnn[-1] / rnn[0] < 1e-6
    assert lstm_open[-1] / lstm_open.max() > 0.1
    with pytest.raises(ValueError, match="cell"):
        ts.recurrent_gradient_profile("transformer")


# --- splits and evaluation ------------------------------------------------------------------------------


def test_split_schemes_never_overlap_and_respect_time_and_machines(signals):
    schemes = ts.split_schemes(signals.timestamp, signals.machine_id)
    (train, test), = schemes["temporal"]
    assert signals.timestamp[train].max() <= signals.timestamp[test].min()
    folds = schemes["leave-one-machine-out"]
    assert len(folds) == len(np.unique(signals.machine_id))
    tested = np.concatenate([te for _, te in folds])
    assert np.array_equal(np.sort(tested), np.arange(80))
    for tr, te in folds:
        assert np.unique(signals.machine_id[te]).size == 1
        assert not np.isin(signals.machine_id[tr], signals.machine_id[te]).any()
    r1, r2 = ts.random_folds(80, seed=5), ts.random_folds(80, seed=5)
    assert np.array_equal(r1[0][1], r2[0][1])


def test_evaluate_and_summarise_give_the_mean_absolute_error():
    y = np.arange(8, dtype=float)
    schemes = {"halves": [(np.arange(4), np.arange(4, 8))]}
    preds = ts.evaluate_on_splits({"mean": lambda tr, te: np.full(te.size, y[tr].mean())}, y, schemes)
    summary = ts.summarise_errors(preds)
    assert summary.loc[0, "mae"] == pytest.approx(np.mean(np.abs(y[4:] - 1.5)))
    assert summary.loc[0, "n_test"] == 4
    with pytest.raises(ValueError, match="overlap"):
        ts.evaluate_on_splits({"m": lambda tr, te: te * 0.0}, y, {"bad": [(np.arange(5), np.arange(4, 8))]})


def test_porosity_benchmark_beats_the_constant_predictor():
    data = melt_pool_signals(n_tracks=120, seed=1)
    bench = ts.porosity_benchmark(data, gru_epochs=3)
    assert set(bench.summary["scheme"]) == {"random", "temporal", "leave-one-machine-out"}
    assert [len(v) for v in bench.gru_fits.values()] == [1, 1, 3]
    baseline = np.mean(np.abs(bench.log_porosity - np.median(bench.log_porosity)))
    forest = bench.summary[bench.summary["model"] == "features + forest"]
    assert (forest["mae"] < 0.6 * baseline).all()
    lomo = bench.predictions[(bench.predictions["scheme"] == "leave-one-machine-out")
                             & (bench.predictions["model"] == "GRU on trace")]
    assert np.array_equal(np.sort(lomo["item"].to_numpy()), np.arange(120))


# --- online detection -----------------------------------------------------------------------------------


def test_cusum_by_hand():
    s, alarm = ts.cusum(np.array([0.0, 1.0, 2.0, -3.0, 1.5, 1.5]), k=0.5, h=2.0)
    assert np.allclose(s, [0.0, 0.5, 2.0, 0.0, 1.0, 2.0])
    assert alarm is None
    _, alarm = ts.cusum(np.array([0.0, 1.0, 2.0, 1.0]), k=0.5, h=2.0)
    assert alarm == 3
    with pytest.raises(ValueError):
        ts.cusum(np.zeros(3), h=0.0)


def test_rolling_zscore_sees_a_step_and_waits_for_its_reference():
    x = np.concatenate([np.tile([0.0, 1.0], 20), [10.0]])
    z = ts.rolling_zscore(x, window=10)
    assert np.all(z[:10] == 0)
    assert z[-1] == pytest.approx((10.0 - 0.5) / np.std([0.0, 1.0] * 5, ddof=1))


def test_detector_performance_recovers_the_shewhart_false_alarm_rate():
    rng = np.random.default_rng(0)
    normal = rng.normal(0, 1, 20000)
    perf = ts.detector_performance(normal, normal + 10, lambda x: x, np.array([2.0, 50.0]), n_streams=200,
                                   stream_length=500)
    p_exceed = 1000 * np.mean(normal > 2.0)  # ≈ 22.8 per 1000 for a standard normal
    assert perf.false_alarms_per_1000[0] == pytest.approx(p_exceed, rel=0.15)
    assert perf.tracks_to_alarm[0] == 1.0  # a 10σ shift: the first shifted track alarms
    assert perf.false_alarms_per_1000[1] == 0.0 and perf.missed_fraction[1] == 1.0


def test_keyhole_monitoring_scenario_and_detector_comparison(signals, features):
    sc = ts.keyhole_onset_scenario(features, signals.regime, signals.normalized_enthalpy, signals.timestamp,
                                   "dip_rate_per_ms")
    n_cond = int(np.sum(signals.regime == "conduction"))
    assert sc.calibration.size + sc.in_control.size == n_cond
    assert sc.std > 0  # floored at one event per track although most calibration tracks have no dip
    key = (signals.regime == "keyhole") & (signals.normalized_enthalpy < 40)
    assert sc.out_of_control.size == key.sum()
    comp = ts.compare_detectors([sc], n_streams=100, stream_length=300)
    cus = comp[comp["detector"] == "CUSUM"].iloc[0]
    assert cus["false_alarms_per_1000"] <= 0.1
    assert cus["tracks_to_alarm"] <= 1.5
    with pytest.raises(ValueError, match="statistic"):
        ts.keyhole_onset_scenario(features, signals.regime, signals.normalized_enthalpy, signals.timestamp,
                                  "colour")


def test_everything_is_deterministic(signals):
    a = ts.track_features(signals.time_ms, signals.signal_V)
    b = ts.track_features(signals.time_ms, signals.signal_V)
    pd.testing.assert_frame_equal(a, b)
    g1 = ts.recurrent_gradient_profile("gru", seed=2)
    g2 = ts.recurrent_gradient_profile("gru", seed=2)
    assert np.array_equal(g1, g2)
