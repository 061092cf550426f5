"""LPBF process physics: normalised enthalpy, regime boundaries, density window, melt-pool signals,
thermal histories and SPS/heat-treatment logs (mlpc.datasets.process)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import brentq
from scipy.stats import spearmanr

from mlpc.datasets import process as pr

# 316L constants as documented in the module (A, ρ, c_p, k, T_melt, σ)
A, RHO, CP, K, TM, SIGMA = 0.4, 7900.0, 500.0, 30.0, 1700.0, 27e-6


def test_normalized_enthalpy_matches_hand_calculation_for_316L():
    # 200 W, 1000 mm/s: h_s = ρ c_p T_m = 6.715e9 J/m³, D = k/(ρ c_p) = 7.595e-6 m²/s
    h_s = RHO * CP * TM
    diff = K / (RHO * CP)
    expected = A * 200.0 / (h_s * np.sqrt(np.pi * diff * 1.0 * SIGMA**3))
    assert expected == pytest.approx(17.38, abs=0.01)
    assert pr.normalized_enthalpy(200.0, 1000.0, "316L") == pytest.approx(expected, rel=1e-12)


def test_normalized_enthalpy_is_linear_in_power_and_inverse_sqrt_in_speed():
    base = pr.normalized_enthalpy(150.0, 800.0)
    assert pr.normalized_enthalpy(300.0, 800.0) == pytest.approx(2 * base, rel=1e-12)
    assert pr.normalized_enthalpy(150.0, 3200.0) == pytest.approx(base / 2, rel=1e-12)
    powers = np.linspace(50, 400, 20)
    assert np.all(np.diff(pr.normalized_enthalpy(powers, 800.0)) > 0)
    speeds = np.linspace(100, 3000, 20)
    assert np.all(np.diff(pr.normalized_enthalpy(200.0, speeds)) < 0)


def test_slow_scan_bound_is_the_stationary_radius_at_low_speed_and_ashby_easterling_at_high_speed():
    q, dT = A * 100.0, TM - 300.0
    r0 = q / (2 * np.pi * K * dT) * 1e6  # Rosenthal at v → 0, µm
    slow = pr.melt_pool_size(100.0, 1e-3, slow_scan_bound=True)
    assert float(slow.depth_um) == pytest.approx(r0, rel=1e-3)
    fast, fast_ae = pr.melt_pool_size(100.0, 3000.0, slow_scan_bound=True), pr.melt_pool_size(100.0, 3000.0)
    assert float(fast.depth_um) == pytest.approx(float(fast_ae.depth_um), rel=0.02)
    assert float(fast.length_um) == float(fast_ae.length_um)


def test_overlap_criterion_is_tang_2017_with_the_bounded_melt_pool():
    size = pr.melt_pool_size(200.0, 800.0, slow_scan_bound=True)
    expected = (100.0 / size.width_um) ** 2 + (30.0 / size.depth_um) ** 2
    assert pr.fusion_overlap(200.0, 800.0, 100.0, 30.0) == pytest.approx(float(expected), rel=1e-12)
    # a hatch wider than the pool never fuses, however deep: the cliff that E_v does not have
    assert pr.fusion_overlap(200.0, 800.0, 1.01 * float(size.width_um), 1.0) > 1


def test_default_lack_of_fusion_is_energy_density_and_an_unknown_criterion_is_refused():
    pp, vv = np.meshgrid(np.linspace(50, 400, 30), np.linspace(100, 3000, 30), indexing="ij")
    assert np.array_equal(pr.classify_regime(pp, vv), pr.classify_regime(pp, vv, lack_of_fusion="energy_density"))
    with pytest.raises(ValueError, match="lack_of_fusion='depth'.*energy_density"):
        pr.porosity_model(200.0, 800.0, lack_of_fusion="depth")


def test_overlap_window_closes_at_low_power_and_its_densest_setting_is_inside_the_map():
    """With E_v the window is a wedge through the origin, so the densest setting of a P–v map is its slowest,
    weakest corner; with melt-pool overlap (slow-scan bounded, Tang et al. 2017) a low power cannot be made up by
    a slow scan, so the window closes at low power and the density peaks inside the map."""
    ev = pr.process_map(density_noise_pct=0.0)
    ov = pr.process_map(density_noise_pct=0.0, lack_of_fusion="overlap")
    i_ev = np.unravel_index(np.argmax(ev.relative_density_true_pct), ev.relative_density_true_pct.shape)
    i_ov = np.unravel_index(np.argmax(ov.relative_density_true_pct), ov.relative_density_true_pct.shape)
    assert i_ev[0] == 0  # lowest power of the map
    assert 0 < i_ov[0] < ov.power_W.size - 1 and 0 < i_ov[1] < ov.speed_mm_s.size - 1
    # the overlap boundary bends to lower speed at low power: the fastest fused speed at 50 W is under half of
    # E_v's, at 133 W under 80 % of it; below 36 W not even a standing laser fuses hatch and layer
    fused = [[m.speed_mm_s[m.regime[i] != "lack_of_fusion"].max() for m in (ev, ov)] for i in (0, 14)]
    assert ov.power_W[14] == pytest.approx(133.05, abs=0.01)
    assert fused[0][1] < 0.5 * fused[0][0] and fused[1][1] < 0.8 * fused[1][0]
    assert pr.fusion_overlap(35.0, 1e-3) > 1 > pr.fusion_overlap(36.0, 1e-3)


def test_overlap_window_against_published_316L_settings():
    """200 W at 800 mm/s with a 100 µm hatch and 30 µm layers (a standard 316L setting, inside the window of the
    printability maps of Johnson et al. 2019) is printable and dense by overlap; 200 W at 2000 mm/s leaves
    unfused powder (the pool is 98 µm wide and 41 µm deep); 200 W at 150 mm/s keyholes."""
    assert pr.classify_regime(200.0, 800.0, lack_of_fusion="overlap")[()] == "conduction"
    assert pr.relative_density_model(200.0, 800.0, lack_of_fusion="overlap") > 99.5
    assert pr.classify_regime(200.0, 2000.0, lack_of_fusion="overlap")[()] == "lack_of_fusion"
    assert pr.classify_regime(200.0, 150.0, lack_of_fusion="overlap")[()] == "keyhole"
    exp = pr.process_experiments(200, seed=3, lack_of_fusion="overlap")
    assert set(exp["regime"]) == set(pr.REGIMES)


def test_energy_density_is_power_over_speed_hatch_layer():
    # 200 W / (1000 mm/s · 0.1 mm · 0.03 mm) = 66.7 J/mm³
    assert pr.volumetric_energy_density(200, 1000, 100, 30) == pytest.approx(200 / 3, rel=1e-12)


def test_melt_pool_size_matches_rosenthal_and_ashby_easterling():
    q, v, dT = A * 200.0, 1.0, TM - 300.0
    length = q / (2 * np.pi * K * dT)
    r = np.sqrt(2 * q / (np.pi * np.e * RHO * CP * v * dT))
    size = pr.melt_pool_size(200.0, 1000.0)
    assert size.length_um == pytest.approx(length * 1e6, rel=1e-9)
    assert size.width_um == pytest.approx(2e6 * np.sqrt(r**2 + SIGMA**2), rel=1e-9)
    assert 250 < size.length_um < 400 and 100 < size.width_um < 150  # LPBF 316L orders of magnitude


def test_points_just_either_side_of_the_keyhole_threshold_are_classified_accordingly():
    p = 200.0
    v_star = 1000.0 * (pr.normalized_enthalpy(p, 1000.0) / 30.0) ** 2  # ΔH/h_s = 30 exactly here
    assert pr.normalized_enthalpy(p, v_star) == pytest.approx(30.0, rel=1e-9)
    assert pr.classify_regime(p, v_star * 0.98)[()] == "keyhole"
    assert pr.classify_regime(p, v_star * 1.02)[()] == "conduction"


def test_lack_of_fusion_below_the_energy_density_limit_and_it_follows_the_hatch():
    # 150 W, h = 100 µm, t = 30 µm: E_v = 50 J/mm³ at 1000 mm/s
    assert pr.classify_regime(150.0, 980.0, 100, 30)[()] == "conduction"
    assert pr.classify_regime(150.0, 1020.0, 100, 30)[()] == "lack_of_fusion"
    # doubling the hatch halves E_v: now 500 mm/s is the boundary
    assert pr.classify_regime(150.0, 490.0, 200, 30)[()] == "conduction"
    assert pr.classify_regime(150.0, 510.0, 200, 30)[()] == "lack_of_fusion"


def test_balling_where_melt_pool_length_exceeds_pi_times_width():
    p = 300.0
    ratio = lambda v: float(pr.melt_pool_size(p, v).length_um / pr.melt_pool_size(p, v).width_um)  # noqa: E731
    v_star = brentq(lambda v: ratio(v) - np.pi, 300.0, 1900.0)
    assert pr.volumetric_energy_density(p, v_star * 1.02) > 50.0  # not lack of fusion there
    assert pr.classify_regime(p, v_star * 0.98)[()] == "conduction"
    assert pr.classify_regime(p, v_star * 1.02)[()] == "balling"


def test_process_map_has_the_printability_map_layout():
    pm = pr.process_map("316L")
    reg = pm.regime
    i_hi, i_lo = np.argmin(abs(pm.power_W - 380)), np.argmin(abs(pm.power_W - 80))
    j_slow, j_fast = np.argmin(abs(pm.speed_mm_s - 150)), np.argmin(abs(pm.speed_mm_s - 2900))
    assert reg[i_hi, j_slow] == "keyhole"
    assert reg[i_lo, j_fast] == "lack_of_fusion"
    assert "balling" in set(reg[i_hi])
    assert np.array_equal(pm.printable, reg == "conduction")
    assert np.all(pm.normalized_enthalpy[reg == "keyhole"] >= 30.0)
    assert np.all(pm.energy_density_J_mm3[reg == "lack_of_fusion"] < 50.0)


@pytest.mark.parametrize("material", ["316L", "Ti-6Al-4V"])
def test_overlap_map_keeps_the_printability_layout_and_its_densest_point_is_printable(material):
    ov = pr.process_map(material, lack_of_fusion="overlap")
    reg, true = ov.regime, ov.relative_density_true_pct
    i_hi, i_lo = np.argmin(abs(ov.power_W - 380)), np.argmin(abs(ov.power_W - 80))
    j_slow, j_fast = np.argmin(abs(ov.speed_mm_s - 150)), np.argmin(abs(ov.speed_mm_s - 2900))
    assert reg[i_hi, j_slow] == "keyhole" and reg[i_lo, j_fast] == "lack_of_fusion" and "balling" in set(reg[i_hi])
    overlap = pr.fusion_overlap(*np.meshgrid(ov.power_W, ov.speed_mm_s, indexing="ij"), material=material)
    assert np.all(overlap[reg == "lack_of_fusion"] > 1) and np.all(overlap[reg == "conduction"] <= 1)
    assert ov.printable.ravel()[np.argmax(true)]
    assert true[ov.printable].mean() > true[reg == "lack_of_fusion"].mean() + 1.0


@pytest.mark.parametrize("material", ["316L", "Ti-6Al-4V"])
def test_density_is_maximal_inside_the_printable_window(material):
    pm = pr.process_map(material)
    true = pm.relative_density_true_pct
    assert pm.printable.ravel()[np.argmax(true)]
    inside = true[pm.printable].mean()
    for regime in ("keyhole", "lack_of_fusion", "balling"):
        assert inside > true[pm.regime == regime].mean() + 1.0
    # deep in the keyhole regime the collapse pores saturate at a few percent (King 2014; Cunningham 2019) ...
    deep_keyhole = 100 - true[pm.normalized_enthalpy > 45]
    assert np.all((deep_keyhole > 3.0) & (deep_keyhole < 0.1 + pr.KEYHOLE_POROSITY_MAX_PCT + 0.5))
    # ... while lack of fusion at half the limiting energy density leaves far more
    lof_limit = pr.get_material(material).lof_energy_density_J_mm3
    assert true[pm.energy_density_J_mm3 < 0.5 * lof_limit].max() < 95.0


def test_density_measurement_noise_has_the_stated_width():
    pm = pr.process_map(density_noise_pct=0.15, seed=3)
    resid = (pm.relative_density_pct - pm.relative_density_true_pct)[pm.relative_density_true_pct < 99]
    assert np.std(resid) == pytest.approx(0.15, rel=0.1)
    assert set(np.unique(pm.quality)) <= {"good", "fair", "poor"}


def _on_segments(data: pr.MeltPoolSignals):
    for i in range(len(data.power_W)):
        on = data.laser_on[i]
        idx = np.flatnonzero(on)
        core = idx[(idx > idx[0] + 40) & (idx < idx[-1] - 5)]  # skip the start-of-track transient
        yield i, data.signal_V[i, core]


def test_keyhole_signals_have_more_collapse_events_than_conduction():
    data = pr.melt_pool_signals(n_tracks=80, seed=1)
    kh, co = data.regime == "keyhole", data.regime == "conduction"
    assert data.n_collapse_events[co].sum() == 0
    assert data.n_collapse_events[kh].mean() > 3
    # the dips are visible in the signal: samples far below the track median, per ms of laser-on time
    dips = np.zeros(len(data.power_W))
    for i, seg in _on_segments(data):
        med = np.median(seg)
        dips[i] = np.sum(seg < med - 0.25 * (med - data.machine_offset_V[i])) / (seg.size / 100.0)
    assert dips[kh].mean() > 5 * max(dips[co].mean(), 0.01)


def test_signal_level_and_fluctuation_follow_the_regime():
    data = pr.melt_pool_signals(n_tracks=80, seed=2)
    level, cv = np.zeros(80), np.zeros(80)
    for i, seg in _on_segments(data):
        s = (seg - data.machine_offset_V[i]) / data.machine_gain[i]
        level[i], cv[i] = np.median(s), np.std(s) / np.median(s)
    reg = data.regime
    assert level[reg == "lack_of_fusion"].mean() < level[reg == "conduction"].mean()
    assert level[reg == "keyhole"].mean() > level[reg == "conduction"].mean()
    assert np.median(cv[reg == "conduction"]) < np.median(cv[reg == "lack_of_fusion"])
    assert np.median(cv[reg == "conduction"]) < np.median(cv[reg == "keyhole"])
    counts = {r: int(np.sum(reg == r)) for r in pr.REGIMES}
    assert counts == {r: 20 for r in pr.REGIMES}


def test_machine_offsets_and_window_fouling_drift_are_in_the_signal():
    data = pr.melt_pool_signals(n_tracks=160, n_machines=3, seed=4)
    pre = data.signal_V[:, data.time_ms < 0.35].mean(axis=1)  # before the laser-on trigger
    assert np.allclose(pre, data.machine_offset_V, atol=0.01)
    offsets = [pre[data.machine_id == m].mean() for m in range(3)]
    assert np.ptp(offsets) > 0.02
    co = data.regime == "conduction"
    gain_est = np.array([
        (np.median(seg) - data.machine_offset_V[i]) / (data.normalized_enthalpy[i] / 20) ** 0.7
        for i, seg in _on_segments(data)
    ])
    for m in range(3):
        k = co & (data.machine_id == m)
        slope = np.polyfit(data.hours_into_build[k], gain_est[k] / gain_est[k].mean(), 1)[0]
        assert slope < -0.003  # loses ≥ 0.3 % sensitivity per hour of build


def test_trigger_jitter_time_axis_and_timestamps():
    data = pr.melt_pool_signals(n_tracks=60, sampling_rate_kHz=100.0, seed=5)
    assert np.allclose(np.diff(data.time_ms), 0.01)
    start = np.array([data.time_ms[np.argmax(on)] for on in data.laser_on])
    assert 0.02 < np.std(start) < 0.07 and abs(np.mean(start) - 0.5) < 0.03
    # laser-on duration is the track length over the scan speed when it fits in the record
    dur = data.laser_on.sum(axis=1) * 0.01
    fits = 4.0 / data.speed_mm_s * 1e3 < 4.0
    assert np.allclose(dur[fits], 4.0 / data.speed_mm_s[fits] * 1e3, atol=0.02)
    assert np.all(np.diff(data.timestamp.astype("int64")) >= 0)
    assert data.n_spatter_events.sum() > 0
    assert len(data.table()) == 60


def test_thermal_history_peaks_decay_with_layer_and_first_layers_remelt():
    th = pr.thermal_history("316L", power_W=200, speed_mm_s=800)
    assert th.peak_temperature_K[0] > th.liquidus_K
    assert np.all(np.diff(th.peak_temperature_K) < 0)
    assert th.remelted[0] and not th.remelted[-1]
    # remelting reaches as deep as the melt pool: compare with the Ashby–Easterling depth
    depth = float(pr.melt_pool_size(200, 800).depth_um)
    assert np.all(th.depth_below_surface_um[th.remelted] < 1.25 * depth)
    assert np.all(th.depth_below_surface_um[~th.remelted] > 0.75 * depth)
    assert th.temperature_K.max() < pr.MATERIALS["316L"].boiling_K + 30


def test_ti64_has_solid_state_cycles_through_the_beta_transus():
    th = pr.thermal_history("Ti-6Al-4V")
    solid_state = th.above_transus & ~th.remelted
    assert solid_state.any()
    assert not th.above_transus[-1]


def test_sps_log_follows_setpoint_densifies_and_has_its_artefacts():
    log = pr.process_log("sps")
    hold = (log.time_s > 700) & (log.time_s < 1180)
    assert np.allclose(log.temperature_true_C[hold], 1000.0, atol=5)
    assert log.temperature_true_C.max() > 1000.0  # PID overshoot after the ramp
    assert log.relative_density_true[-1] > 0.95 and log.relative_density_true[0] == pytest.approx(0.62)
    assert np.all(np.isnan(log.temperature_C[log.temperature_true_C < log.pyrometer_min_C - 15]))
    assert len(log.spike_index) == 5
    assert np.all(np.abs(log.temperature_C[log.spike_index] - log.temperature_true_C[log.spike_index]) > 100)
    assert np.all(np.isnan(log.pressure_MPa[log.dropout_index]))
    assert log.pressure_true_MPa.max() == pytest.approx(50.0)


def test_heat_treatment_log_has_no_pressure_and_holds_at_1050C():
    log = pr.process_log("heat_treatment")
    assert np.all(log.pressure_true_MPa == 0)
    hold = (log.time_s > 6500) & (log.time_s < 9700)
    assert np.allclose(log.temperature_true_C[hold], 1050.0, atol=5)


def test_same_seed_same_data_different_seed_different():
    a, b, c = (pr.melt_pool_signals(n_tracks=12, seed=s) for s in (7, 7, 8))
    assert np.array_equal(a.signal_V, b.signal_V) and np.array_equal(a.timestamp, b.timestamp)
    assert not np.array_equal(a.signal_V, c.signal_V)
    dens = [pr.process_map(seed=s).relative_density_pct for s in (1, 1, 2)]
    assert np.array_equal(dens[0], dens[1]) and not np.array_equal(dens[0], dens[2])
    assert pr.process_experiments(seed=1).equals(pr.process_experiments(seed=1))
    assert not pr.process_experiments(seed=1).equals(pr.process_experiments(seed=2))
    temps = [pr.thermal_history(seed=s).temperature_K for s in (1, 1, 2)]
    assert np.array_equal(temps[0], temps[1]) and not np.array_equal(temps[0], temps[2])
    assert np.array_equal(pr.process_log(seed=1).temperature_C, pr.process_log(seed=1).temperature_C,
                          equal_nan=True)
    assert not np.array_equal(pr.process_log(seed=1).temperature_C, pr.process_log(seed=2).temperature_C,
                              equal_nan=True)


@pytest.mark.parametrize("call, match", [
    (lambda: pr.normalized_enthalpy(-10, 1000), "power_W"),
    (lambda: pr.normalized_enthalpy(200, 0), "speed_mm_s"),
    (lambda: pr.get_material("Inconel"), "material"),
    (lambda: pr.volumetric_energy_density(200, 1000, hatch_um=0), "hatch_um"),
    (lambda: pr.melt_pool_signals(n_tracks=2), "n_tracks"),
    (lambda: pr.melt_pool_signals(sampling_rate_kHz=1), "sampling_rate_kHz"),
    (lambda: pr.thermal_history(n_layers=0), "n_layers"),
    (lambda: pr.process_log("rolling"), "kind"),
    (lambda: pr.process_map(density_noise_pct=-1), "density_noise_pct"),
])
def test_bad_input_raises_a_clear_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_generators_do_not_touch_the_network(no_network):
    pr.process_map()
    pr.process_experiments()
    pr.melt_pool_signals(n_tracks=8)
    pr.thermal_history()
    pr.process_log("sps")


def test_track_variability_makes_porosity_follow_the_track_not_its_nominal_settings():
    """With track_variability the regime follows the absorbed power and keyhole porosity the collapses counted;
    without it (the default) the data set is exactly the nominal one."""
    from mlpc.datasets.process import classify_regime, melt_pool_signals, porosity_model

    plain = melt_pool_signals(n_tracks=80, seed=4)
    np.testing.assert_allclose(plain.porosity_pct, porosity_model(plain.power_W, plain.speed_mm_s))
    var = melt_pool_signals(n_tracks=80, seed=4, track_variability=True)
    assert np.any(classify_regime(var.power_W, var.speed_mm_s) != var.regime)  # regime flicker
    key = var.regime == "keyhole"
    on_ms = var.laser_on.sum(1) / var.sampling_rate_kHz
    rate = var.n_collapse_events[key] / on_ms[key]
    assert spearmanr(rate, var.porosity_pct[key])[0] > 0.5  # more collapses, more pores


def test_keyhole_porosity_saturates_at_a_few_percent_and_leaves_the_window_unchanged():
    # a track's collapse pores: 0, 5 and 50 collapses per ms deep in the keyhole regime (no other defect)
    por = pr.track_porosity(np.full(3, 300.0), np.full(3, 300.0), np.array([0, 20, 200]), np.full(3, 4.0),
                            np.random.default_rng(0))
    assert por[0] < por[1] < por[2] < por[0] + pr.KEYHOLE_POROSITY_MAX_PCT
    assert por[2] > por[0] + 0.9 * pr.KEYHOLE_POROSITY_MAX_PCT
    # a part's: the keyhole term of porosity_model levels off, it does not run on toward the total cap
    p = np.array([300.0, 400.0])
    assert np.all((100 - pr.relative_density_model(p, 150.0) > 3.5) & (100 - pr.relative_density_model(p, 150.0) < 4.1))
    # near and inside the window the saturation changes the keyhole term by far less than the Archimedes noise
    y = pr.normalized_enthalpy(250.0, 800.0) / 30.0
    raw = np.exp((y - 1) / 0.15)
    assert abs(pr._saturate_keyhole(raw) - raw) < 1e-3
