"""The transformation toolbox recovers the physics planted in the process signals: the laser-on window,
the Rayleigh frequency of balling tracks, the heating rate of a sintering log, and gain-invariant features."""

from __future__ import annotations

import numpy as np
import pytest

from mlpc import cleaning
from mlpc import signal_transforms as st
from mlpc.datasets.process import melt_pool_signals, melt_pool_size, process_log


@pytest.fixture(scope="module")
def tracks():
    return melt_pool_signals(n_tracks=80, seed=3)


def test_trigger_finds_the_laser_on_sample_within_the_trigger_jitter(tracks):
    """Onsets within 50 µs (5 samples; the laser's own trigger jitter is 40 µs), most within 2 samples."""
    errors = np.array([abs(st.trigger_window(s).start - np.flatnonzero(on)[0])
                       for s, on in zip(tracks.signal_V, tracks.laser_on, strict=True)])
    assert errors.max() <= 5
    assert np.mean(errors <= 2) > 0.9


def test_trigger_refuses_a_record_without_melt():
    with pytest.raises(ValueError, match="no laser-on window"):
        st.trigger_window(np.full(200, 0.05))


def test_fft_of_balling_tracks_peaks_at_the_rayleigh_frequency(tracks):
    balling = np.flatnonzero(tracks.regime == "balling")
    assert balling.size >= 10
    for i in balling:
        w = st.trigger_window(tracks.signal_V[i])
        f = st.dominant_frequency_kHz(tracks.signal_V[i][w.start:w.stop], tracks.sampling_rate_kHz)
        width = float(melt_pool_size(tracks.power_W[i], tracks.speed_mm_s[i]).width_um)
        assert f == pytest.approx(st.rayleigh_frequency_kHz(tracks.speed_mm_s[i], width), rel=0.03)


def test_dominant_frequency_of_a_pure_tone():
    t_ms = np.arange(1000) / 100.0  # 100 kHz for 10 ms
    x = np.sin(2 * np.pi * 3.3 * t_ms)
    assert st.dominant_frequency_kHz(x, 100.0) == pytest.approx(3.3, rel=0.01)


def test_rayleigh_frequency_is_speed_over_four_and_a_half_widths():
    # 1000 mm/s, 100 µm wide track: wavelength 451 µm -> 2.217 kHz
    assert st.rayleigh_frequency_kHz(1000.0, 100.0) == pytest.approx(1000.0 / 0.451 / 1000.0)


def test_savitzky_golay_recovers_the_sps_heating_ramp_where_a_central_difference_fails():
    log = process_log("sps", seed=0)
    temp = log.temperature_C.copy()
    temp[cleaning.hampel(temp, half_window=10, k=8.0)] = np.nan
    temp = cleaning.interpolate_short_gaps(temp, max_gap=5)
    ramp = slice(300, 550)  # on the 100 K/min ramp, above the pyrometer's 400 °C limit
    assert not np.isnan(temp[ramp]).any()
    smooth = st.savgol_derivative(temp[ramp], 1.0, window=31)
    naive = np.gradient(temp[ramp])
    inner = slice(15, -15)
    assert np.mean(smooth[inner]) == pytest.approx(100 / 60, abs=0.05)
    assert np.std(naive[inner]) > 10 * np.std(smooth[inner])


def test_savgol_refuses_missing_samples():
    with pytest.raises(ValueError, match="NaN"):
        st.savgol_derivative(np.array([1.0, np.nan, 3.0, 4.0, 5.0]), 1.0, window=3, polyorder=1)


def test_gain_invariant_features_do_not_change_with_detector_gain_and_offset(tracks):
    sig = tracks.signal_V[:10]
    base = st.melt_pool_features(sig, tracks.sampling_rate_kHz)
    other = st.melt_pool_features(1.3 * sig + 0.07, tracks.sampling_rate_kHz)
    cols = [st.MELT_POOL_FEATURES.index(c) for c in st.GAIN_INVARIANT]
    level = st.MELT_POOL_FEATURES.index("level_V")
    np.testing.assert_allclose(other[:, cols], base[:, cols], rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(other[:, level], 1.3 * base[:, level], rtol=1e-6)
