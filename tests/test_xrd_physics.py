"""XRD generator obeys Bragg, Scherrer, the Cu Kα doublet and the direct comparison method."""

from __future__ import annotations

import numpy as np
import pytest

from mlpc.datasets.xrd import (
    CU_KA1_NM,
    CU_KA2_NM,
    PHASES,
    caglioti_fwhm_deg,
    ferrite_austenite,
    fit_peak,
    scherrer_fwhm_deg,
    stick_pattern,
    tch_fwhm_eta,
    xrd_pattern,
)

IDEAL_INSTRUMENT = (0.0, 0.0, 0.0)


def _d_from_lattice(phase: str, hkl: tuple[int, ...]) -> float:
    spec = PHASES[phase]
    if spec.c_nm is None:
        h, k, l_ = hkl
        return spec.a_nm / np.sqrt(h * h + k * k + l_ * l_)
    h, k, _, l_ = hkl
    inv_d2 = 4.0 / 3.0 * (h * h + h * k + k * k) / spec.a_nm**2 + l_ * l_ / spec.c_nm**2
    return 1.0 / np.sqrt(inv_d2)


def test_bcc_iron_110_peak_is_where_bragg_puts_it():
    two_theta, counts = xrd_pattern("Fe-bcc", wavelength_nm=0.15406, seed=0)
    d110 = 0.28665 / np.sqrt(2)
    expected = 2 * np.degrees(np.arcsin(0.15406 / (2 * d110)))
    assert abs(two_theta[np.argmax(counts)] - expected) < 0.05


@pytest.mark.parametrize("phase", sorted(PHASES))
def test_every_reflection_sits_at_the_bragg_angle_of_its_lattice_spacing(phase):
    sticks = stick_pattern(phase, CU_KA1_NM, (20.0, 120.0))
    assert len(sticks) >= 4
    for ref in sticks:
        d = _d_from_lattice(phase, ref.hkl)
        assert ref.d_nm == pytest.approx(d, rel=1e-6)
        assert ref.two_theta_deg == pytest.approx(2 * np.degrees(np.arcsin(CU_KA1_NM / (2 * d))), abs=1e-4)


@pytest.mark.parametrize("phase", sorted(PHASES))
def test_synthetic_profile_peaks_where_the_reflections_are(phase):
    pattern = xrd_pattern(phase, crystallite_size_nm=100.0, kalpha2=False, seed=0)
    x, y = pattern.two_theta_deg, pattern.expected_counts
    for peak in pattern.peaks:
        if peak.relative_intensity < 10:
            continue
        window = np.abs(x - peak.two_theta_deg) < 0.3
        assert abs(x[window][np.argmax(y[window])] - peak.two_theta_deg) <= 0.02


def test_cubic_extinction_rules():
    for ref in stick_pattern("Fe-bcc", CU_KA1_NM, (20.0, 120.0)):
        assert sum(ref.hkl) % 2 == 0  # body-centred: h + k + l even
    for phase in ("Al", "Cu", "Ni", "Fe-fcc"):
        for ref in stick_pattern(phase, CU_KA1_NM, (20.0, 120.0)):
            parities = {abs(i) % 2 for i in ref.hkl}
            assert len(parities) == 1  # face-centred: h, k, l unmixed


def test_fitted_width_follows_scherrer_for_two_crystallite_sizes():
    fwhm = {}
    for size in (10.0, 40.0):
        p = xrd_pattern("Fe-bcc", crystallite_size_nm=size, kalpha2=False, caglioti_uvw_deg2=IDEAL_INSTRUMENT,
                        peak_counts=2e4, background_counts=50.0, seed=1)
        fit = fit_peak(p.two_theta_deg, p.counts, near_deg=44.67, half_window_deg=3.0)
        predicted = float(scherrer_fwhm_deg(fit.center_deg, size, CU_KA1_NM))
        assert fit.fwhm_deg == pytest.approx(predicted, rel=0.05)
        fwhm[size] = fit.fwhm_deg
    # β ∝ 1/L: crystals 4x smaller give a peak 4x broader.
    assert fwhm[10.0] / fwhm[40.0] == pytest.approx(4.0, rel=0.06)


def test_instrument_and_size_broadening_combine_as_thompson_cox_hastings():
    p = xrd_pattern("Cu", crystallite_size_nm=30.0, kalpha2=False, peak_counts=3e4, seed=2)
    peak = next(pk for pk in p.peaks if pk.hkl == (1, 1, 1))
    fit = fit_peak(p.two_theta_deg, p.counts, near_deg=peak.two_theta_deg, half_window_deg=2.0)
    gauss = caglioti_fwhm_deg(peak.two_theta_deg)
    lorentz = scherrer_fwhm_deg(peak.two_theta_deg, 30.0)
    total, _ = tch_fwhm_eta(gauss, lorentz)
    assert fit.fwhm_deg == pytest.approx(float(total), rel=0.05)
    assert fit.fwhm_deg > lorentz and fit.fwhm_deg > gauss


def test_kalpha2_shoulder_at_the_doublet_offset_with_half_intensity():
    p = xrd_pattern("Fe-bcc", crystallite_size_nm=500.0, caglioti_uvw_deg2=(0.0, 0.0, 1e-4), seed=0)
    d310 = 0.28665 / np.sqrt(10)
    t1 = 2 * np.degrees(np.arcsin(CU_KA1_NM / (2 * d310)))
    t2 = 2 * np.degrees(np.arcsin(CU_KA2_NM / (2 * d310)))
    # Differentiating Bragg's law: Δ(2θ) = 2 (Δλ/λ) tan θ, 0.46° here (0.11° at the (110) peak).
    split = np.degrees(2 * (CU_KA2_NM - CU_KA1_NM) / CU_KA1_NM * np.tan(np.radians(t1 / 2)))
    assert t2 - t1 == pytest.approx(split, rel=0.02)
    x, y = p.two_theta_deg, p.expected_counts - p.background_counts
    near1 = np.abs(x - t1) < 0.1
    near2 = np.abs(x - t2) < 0.1
    x1 = x[near1][np.argmax(y[near1])]
    x2 = x[near2][np.argmax(y[near2])]
    assert abs(x1 - t1) <= 0.02 and abs(x2 - t2) <= 0.02
    assert y[near2].max() / y[near1].max() == pytest.approx(0.5, abs=0.06)


def test_austenite_fraction_recovered_by_direct_comparison():
    truth = 0.3
    p = xrd_pattern(ferrite_austenite(truth), crystallite_size_nm=80.0, kalpha2=False, peak_counts=2e4,
                    seed=3)
    r = {(ref.phase, ref.hkl): ref.intensity_per_volume
         for phase in ("Fe-bcc", "Fe-fcc") for ref in stick_pattern(phase, CU_KA1_NM, (20.0, 120.0))}
    ratios = {}
    reflections = (("Fe-bcc", (2, 0, 0)), ("Fe-bcc", (2, 1, 1)), ("Fe-fcc", (2, 0, 0)), ("Fe-fcc", (2, 2, 0)))
    for phase, hkl in reflections:
        peak = next(pk for pk in p.peaks if pk.phase == phase and pk.hkl == hkl)
        fit = fit_peak(p.two_theta_deg, p.counts, near_deg=peak.two_theta_deg, half_window_deg=1.5)
        ratios.setdefault(phase, []).append(fit.area / r[(phase, hkl)])
    c_gamma = np.mean(ratios["Fe-fcc"]) / (np.mean(ratios["Fe-fcc"]) + np.mean(ratios["Fe-bcc"]))
    assert p.phase_fractions["Fe-fcc"] == pytest.approx(truth)
    assert c_gamma == pytest.approx(truth, abs=0.03)


def test_same_seed_same_pattern_different_seed_different_noise():
    a = xrd_pattern("Ni", seed=5)
    b = xrd_pattern("Ni", seed=5)
    c = xrd_pattern("Ni", seed=6)
    assert np.array_equal(a.counts, b.counts)
    assert not np.array_equal(a.counts, c.counts)
    assert np.array_equal(a.expected_counts, c.expected_counts)


@pytest.mark.parametrize(("kwargs", "name"), [
    ({"phase_or_mixture": "unobtainium"}, "phase"),
    ({"crystallite_size_nm": -5.0}, "crystallite_size_nm"),
    ({"wavelength_nm": 1.5}, "wavelength_nm"),
    ({"two_theta_range_deg": (90.0, 30.0)}, "two_theta_range_deg"),
    ({"microstrain": -1e-3}, "microstrain"),
])
def test_bad_input_is_refused_with_the_argument_named(kwargs, name):
    with pytest.raises(ValueError, match=name):
        xrd_pattern(**kwargs)
