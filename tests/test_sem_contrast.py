"""mlpc.sem_contrast follows the physics of SEM contrast: BSE coefficients from Reuter's fit rise with Z,
SE yield follows the secant law of the surface tilt, each detector sees its own features of one section,
channelling contrast is a few per cent per grain, charging streaks follow the scan, and the Rose
criterion sets the counts a contrast needs."""

from __future__ import annotations

import numpy as np
import pytest

from mlpc import sem_contrast as sc
from mlpc.datasets import micrographs


@pytest.mark.parametrize(("element", "eta"), [("Al", 0.153), ("Cu", 0.302), ("Au", 0.487)])
def test_backscatter_coefficients_match_reuters_fit(element, eta):
    assert float(sc.backscatter_coefficient(sc.ATOMIC_NUMBER[element])) == pytest.approx(eta, abs=0.002)


def test_backscatter_rises_monotonically_with_atomic_number():
    eta = sc.backscatter_coefficient(np.arange(5, 91))
    assert np.all(np.diff(eta) > 0)
    with pytest.raises(ValueError, match="z"):
        sc.backscatter_coefficient(2)


def test_compound_backscatter_is_the_mass_weighted_mean():
    theta = sc.compound_backscatter({"Al": 0.465, "Cu": 0.535})
    al, cu = sc.backscatter_coefficient([13, 29])
    assert theta == pytest.approx(0.465 * al + 0.535 * cu)
    assert al < theta < cu
    with pytest.raises(ValueError, match="sum to 1"):
        sc.compound_backscatter({"Al": 0.5, "Cu": 0.3})
    with pytest.raises(ValueError, match="unknown"):
        sc.compound_backscatter({"Xx": 1.0})


def test_secondary_yield_follows_the_secant_law():
    flat = sc.secondary_yield(np.zeros((8, 8)), 0.1)
    assert np.allclose(flat, 1.0)
    x = np.arange(16) * 0.1
    ramp45 = np.tile(x, (8, 1))  # height rises 0.1 per 0.1 step: 45°
    assert np.allclose(sc.secondary_yield(ramp45, 0.1), np.sqrt(2))


def test_se_sees_the_scratch_and_bse_sees_the_phases():
    sec = sc.alsicu_section(seed=0)
    matrix = sec.phase_map == 0
    scratch = matrix & (sec.height_um < -0.05)
    flat = matrix & (np.abs(sec.height_um) < 1e-4)
    assert scratch.sum() > 50 and flat.sum() > 1000
    assert sec.se_yield[scratch].mean() > 1.05 * sec.se_yield[flat].mean()
    assert sec.bse_yield[scratch].mean() == pytest.approx(sec.bse_yield[flat].mean())
    eta = [sec.bse_yield[sec.phase_map == k].mean() for k in range(3)]
    assert eta[0] < eta[1] < eta[2]  # Al (Z 13) < Si (Z 14) < θ-Al2Cu
    theta = sec.phase_map == 2
    assert sec.se_yield[theta & (np.abs(sec.height_um) < 1e-4)].mean() == pytest.approx(1.0)


def test_section_is_seeded():
    a = sc.alsicu_section(seed=1)
    assert np.array_equal(a.phase_map, sc.alsicu_section(seed=1).phase_map)
    assert not np.array_equal(a.phase_map, sc.alsicu_section(seed=2).phase_map)


def test_channelling_contrast_is_constant_per_grain_and_a_few_percent():
    pc = micrographs.polycrystal(size=64, n_grains=12, seed=0)
    y = sc.channelling_yield(pc.labels, 0.3, amplitude=0.03, seed=0)
    for g in range(pc.n_grains):
        assert np.ptp(y[pc.labels == g]) == 0
    assert np.all(np.abs(y / 0.3 - 1) <= 0.03 + 1e-12)
    assert np.ptp(y) > 0.01 * 0.3


def test_charging_saturates_the_insulator_and_streaks_along_the_fast_scan():
    img = np.full((20, 40), 0.3)
    insulator = np.zeros_like(img, dtype=bool)
    insulator[8:12, 10:14] = True
    out = sc.charging_artefact(img, insulator, strength=0.5, leak_px=10.0)
    assert np.all(out[insulator] == 1.0)
    row = out[10]
    assert row[15] > row[30] > 0.3 + 1e-6  # decays along the scan line after the particle
    assert out[8, 5] == pytest.approx(0.3)  # nothing before the probe first reaches it
    assert out[10, 5] > out[8, 5]  # later lines carry charge left over from the line before
    assert np.allclose(out[:8], 0.3)  # lines scanned before are untouched
    assert np.allclose(sc.charging_artefact(img, np.zeros_like(insulator), 0.5, 10.0), img)


def test_rose_criterion_and_electron_dose():
    assert sc.rose_counts(0.05) == pytest.approx(10_000)
    assert sc.rose_counts(0.1) == pytest.approx(sc.rose_counts(0.05) / 4)
    assert sc.electrons_per_pixel(1.0, 1.0) == pytest.approx(6241.5, rel=1e-4)
    with pytest.raises(ValueError, match="contrast"):
        sc.rose_counts(0.0)
