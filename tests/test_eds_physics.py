"""EDS generator: line energies, detector resolution, Kramers continuum, overvoltage; real exspy spectra."""

from __future__ import annotations

import numpy as np
import pytest

from mlpc.datasets.eds import (
    detector_fwhm_eV,
    eds_sem_tm002,
    eds_spectrum,
    eds_tem_fept,
    kramers_continuum,
    line_energy_keV,
    load_exspy_eds,
)


def _local_peak_keV(energy, counts, near_keV, half_window_keV=0.1):
    sel = np.abs(energy - near_keV) <= half_window_keV
    return float(energy[sel][np.argmax(counts[sel])])


def _peak_over_background(energy, counts, line_keV):
    peak = counts[np.abs(energy - line_keV) <= 0.03].mean()
    side = 0.5 * (counts[np.abs(energy - line_keV - 0.25) <= 0.03].mean()
                  + counts[np.abs(energy - line_keV + 0.25) <= 0.03].mean())
    return peak / max(side, 1.0)


def test_tabulated_line_energies():
    assert line_energy_keV("Fe", "Ka") == pytest.approx(6.40, abs=0.01)
    assert line_energy_keV("Cu", "Ka") == pytest.approx(8.05, abs=0.01)
    assert line_energy_keV("Mn", "Ka") == pytest.approx(5.90, abs=0.01)
    assert line_energy_keV("Al", "Ka") == pytest.approx(1.49, abs=0.01)
    assert line_energy_keV("Au", "Ma") == pytest.approx(2.12, abs=0.01)


@pytest.mark.parametrize(("element", "line_keV"), [("Fe", 6.40), ("Cu", 8.05), ("Ni", 7.48), ("Ti", 4.51)])
def test_synthetic_k_alpha_peak_at_its_energy(element, line_keV):
    s = eds_spectrum({element: 1.0}, beam_energy_keV=20.0, total_counts=1e6, seed=0)
    assert _local_peak_keV(s.energy_keV, s.counts, line_keV) == pytest.approx(line_keV, abs=0.015)


def test_detector_resolution_is_the_reference_at_mn_ka_and_grows_with_energy():
    assert float(detector_fwhm_eV(5.8951, fwhm_mn_eV=130.0)) == pytest.approx(130.0, abs=0.01)
    e = np.array([0.28, 1.49, 5.9, 8.05, 15.0])
    fwhm = detector_fwhm_eV(e)
    assert np.all(np.diff(fwhm) > 0)
    # Fiori & Newbury: at Cu Kα, sqrt(130² + 2.5 × (8048 − 5895)) ≈ 149.7 eV.
    assert float(detector_fwhm_eV(8.048)) == pytest.approx(149.7, abs=0.5)


def test_synthetic_line_width_equals_detector_resolution():
    s = eds_spectrum({"Fe": 1.0}, channel_width_eV=2.0, total_counts=1e6, seed=0)
    signal = s.expected_counts - s.continuum_counts
    sel = np.abs(s.energy_keV - 6.404) < 0.3
    x, y = s.energy_keV[sel], signal[sel]
    above = x[y >= y.max() / 2]
    measured_ev = (above.max() - above.min()) * 1000.0
    assert measured_ev == pytest.approx(float(detector_fwhm_eV(6.404)), abs=4.0)


def test_kramers_continuum_vanishes_at_the_beam_energy():
    e = np.linspace(0.5, 15.0, 300)
    c = kramers_continuum(e, beam_energy_keV=10.0, mean_z=26.0)
    assert np.all(c[e >= 10.0] == 0.0) and np.all(c[e < 9.9] > 0)
    assert np.all(np.diff(c[e < 10.0]) < 0)
    s = eds_spectrum({"Fe": 1.0}, beam_energy_keV=10.0, total_counts=1e6, seed=0)
    assert s.counts[s.energy_keV > 10.0].sum() == 0  # Duane–Hunt limit
    assert s.counts[(s.energy_keV > 9.0) & (s.energy_keV < 9.9)].sum() > 0


def test_continuum_shape_follows_kramers_where_absorption_is_negligible():
    s = eds_spectrum({"Al": 1.0}, beam_energy_keV=20.0, total_counts=1e7, seed=0)
    at = {e: s.continuum_counts[np.argmin(np.abs(s.energy_keV - e))] for e in (10.0, 15.0)}
    assert at[10.0] / at[15.0] == pytest.approx((10.0 / 10.0) / (5.0 / 15.0), rel=0.05)


def test_no_k_lines_below_the_critical_excitation_energy():
    below = eds_spectrum({"Cu": 1.0}, beam_energy_keV=8.0, seed=0)
    above = eds_spectrum({"Cu": 1.0}, beam_energy_keV=15.0, seed=0)
    assert {ln.line for ln in below.lines if ln.line.startswith("K")} == set()
    assert any(ln.line == "La" for ln in below.lines)
    assert any(ln.line == "Ka" for ln in above.lines)


def test_same_seed_same_spectrum_different_seed_different_noise():
    a, b, c = eds_spectrum(seed=1), eds_spectrum(seed=1), eds_spectrum(seed=2)
    assert np.array_equal(a.counts, b.counts) and not np.array_equal(a.counts, c.counts)


@pytest.mark.parametrize(("kwargs", "name"), [
    ({"composition_wt": {"Xx": 1.0}}, "element"),
    ({"beam_energy_keV": 0.5}, "beam_energy_keV"),
    ({"fwhm_mn_eV": 10.0}, "fwhm_mn_eV"),
    ({"total_counts": 0}, "total_counts"),
])
def test_bad_input_is_refused_with_the_argument_named(kwargs, name):
    with pytest.raises(ValueError, match=name):
        eds_spectrum(**kwargs)


def test_real_sem_spectrum_loads_offline_and_shows_its_elements(no_network):
    s = eds_sem_tm002()
    assert s.beam_energy_keV == 10.0
    assert set(s.elements) == {"Al", "C", "Cu", "Mn", "Zr"}
    assert s.energy_keV[0] == pytest.approx(-0.1) and s.energy_keV[-1] == pytest.approx(10.13, abs=0.01)
    assert s.energy_resolution_mn_ka_eV == pytest.approx(130.0)
    for el, line in (("Al", "Ka"), ("Mn", "Ka"), ("Cu", "La"), ("Zr", "La"), ("C", "Ka")):
        assert _peak_over_background(s.energy_keV, s.counts, line_energy_keV(el, line)) > 2.5, (el, line)
    # Nothing above the 10 keV beam energy but a few pile-up counts.
    assert s.counts[s.energy_keV > 10.05].sum() < 1e-4 * s.counts.sum()
    assert "GPL" in s.licence


def test_real_tem_spectrum_loads_offline_and_shows_fe_and_pt(no_network):
    s = eds_tem_fept()
    assert s.beam_energy_keV == 200.0
    assert set(s.elements) == {"Fe", "Pt"}
    assert 0.1 < s.energy_keV[0] < 0.2 and s.energy_keV[-1] == pytest.approx(20.0, abs=0.05)
    for el, line in (("Fe", "Ka"), ("Pt", "La"), ("Pt", "Ma")):
        assert _peak_over_background(s.energy_keV, s.counts, line_energy_keV(el, line)) > 4.0, (el, line)
    assert _local_peak_keV(s.energy_keV, s.counts, 6.40) == pytest.approx(6.40, abs=0.03)


def test_unknown_real_spectrum_name_is_refused():
    with pytest.raises(ValueError, match="name"):
        load_exspy_eds("EDS_nonexistent")
