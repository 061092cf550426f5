"""EELS generator: edge onsets at their tabulated energies, power-law background, jump ratios, ZLP."""

from __future__ import annotations

import numpy as np
import pytest

from mlpc.datasets.eels import EDGES, eels_spectrum, fit_power_law

ONSETS_EV = {"C_K": 284.0, "N_K": 401.0, "O_K": 532.0, "Ti_L23": 456.0, "Fe_L23": 708.0}


def test_edge_table_has_egertons_onsets():
    for name, onset in ONSETS_EV.items():
        assert EDGES[name].onset_eV == onset


@pytest.mark.parametrize("edge", sorted(ONSETS_EV))
def test_edge_rises_at_its_onset_energy(edge):
    onset = ONSETS_EV[edge]
    s = eels_spectrum({edge: 0.5}, energy_range_eV=(onset - 80.0, onset + 80.0), resolution_eV=1.0, seed=0)
    e, y = s.energy_loss_eV, s.expected_counts
    slope = np.gradient(y, e)
    near = np.abs(e - onset) < 10.0
    assert e[near][np.argmax(slope[near])] == pytest.approx(onset, abs=1.5)
    # Below the onset (beyond the resolution) there is only the background.
    pre = e < onset - 10.0
    assert np.allclose(y[pre], s.background_counts[pre], rtol=1e-6)
    assert np.all(y[e > onset + 5.0] > 1.2 * s.background_counts[e > onset + 5.0])


@pytest.mark.parametrize("r", [2.5, 4.0])
def test_pre_edge_background_is_a_power_law_with_exponent_r(r):
    s = eels_spectrum({"O_K": 0.5}, energy_range_eV=(300.0, 600.0), r=r, background_counts_at_start=5e4,
                      seed=0)
    e, y = s.energy_loss_eV, s.counts
    pre = (e > 310.0) & (e < 520.0)
    slope, _ = np.polyfit(np.log(e[pre]), np.log(y[pre]), 1)
    assert -slope == pytest.approx(r, abs=0.05)
    assert fit_power_law(e, y, (310.0, 520.0))[1] == pytest.approx(r, abs=0.05)


def test_jump_ratio_is_edge_height_over_background_at_onset():
    jump = 0.8
    s = eels_spectrum({"O_K": jump}, energy_range_eV=(450.0, 650.0), resolution_eV=0.5, seed=0)
    e = s.energy_loss_eV
    i = np.argmin(np.abs(e - 535.0))
    core = s.expected_counts[i] - s.background_counts[i]
    expected_core = jump * s.background_counts[np.argmin(np.abs(e - 532.0))] * (535.0 / 532.0) ** -3.0
    assert core == pytest.approx(expected_core, rel=0.03)


def test_white_lines_at_l3_and_l2_with_the_statistical_two_to_one_ratio():
    with_wl = eels_spectrum({"Fe_L23": 0.5}, energy_range_eV=(650.0, 780.0), seed=0)
    steps = eels_spectrum({"Fe_L23": 0.5}, energy_range_eV=(650.0, 780.0), white_lines=False, seed=0)
    e = with_wl.energy_loss_eV
    lines = with_wl.expected_counts - steps.expected_counts
    l3 = np.abs(e - 708.0) < 4.0
    l2 = np.abs(e - 721.0) < 4.0
    assert e[l3][np.argmax(lines[l3])] == pytest.approx(708.0, abs=0.5)
    assert e[l2][np.argmax(lines[l2])] == pytest.approx(721.0, abs=0.5)
    # 2p3/2 holds four electrons, 2p1/2 two: the statistical L3/L2 ratio is 2.
    assert lines[l3].max() / lines[l2].max() == pytest.approx(2.0, rel=0.03)


def test_zero_loss_peak_holds_its_counts_at_zero_loss():
    s = eels_spectrum({"C_K": 0.3}, energy_range_eV=(-10.0, 350.0), dispersion_eV=0.1,
                      zero_loss_counts=1e6, seed=0)
    e = s.energy_loss_eV
    zlp = np.abs(e) < 3.0
    assert e[np.argmax(s.expected_counts)] == pytest.approx(0.0, abs=0.1)
    assert (s.expected_counts - s.background_counts)[zlp].sum() == pytest.approx(1e6, rel=0.01)
    with pytest.raises(ValueError, match="zero_loss_counts"):
        eels_spectrum(zero_loss_counts=1e6)


def test_same_seed_same_spectrum_different_seed_different_noise():
    a, b, c = eels_spectrum(seed=3), eels_spectrum(seed=3), eels_spectrum(seed=4)
    assert np.array_equal(a.counts, b.counts) and not np.array_equal(a.counts, c.counts)


@pytest.mark.parametrize(("kwargs", "name"), [
    ({"edges": {"Xx_K": 1.0}}, "edge"),
    ({"r": 9.0}, "r must"),
    ({"dispersion_eV": 0.0}, "dispersion_eV"),
    ({"energy_range_eV": (600.0, 300.0)}, "energy_range_eV"),
])
def test_bad_input_is_refused_with_the_argument_named(kwargs, name):
    with pytest.raises(ValueError, match=name):
        eels_spectrum(**kwargs)
