"""ASTM E112 grain size and ASTM E562 point counting recover the truth with the stated statistics."""

from __future__ import annotations

import numpy as np
import pytest

from mlpc.datasets import micrographs as m
from mlpc.datasets import stereology as st


def test_g_number_formula_on_the_e112_table_values():
    # ASTM E112 Table 4: G = 8 <-> mean intercept 0.0200 mm and 1984 grains/mm²; G = 0 <-> 0.320 mm
    assert st.astm_g_from_intercept(0.0200) == pytest.approx(8.0, abs=0.02)
    assert st.astm_g_from_intercept(0.320) == pytest.approx(0.0, abs=0.02)
    assert st.astm_g_from_grains_per_mm2(1984.0) == pytest.approx(8.0, abs=0.01)
    for g in (1.5, 7.0, 12.0):
        assert st.astm_g_from_intercept(st.intercept_from_astm_g(g)) == pytest.approx(g)
    # halving the intercept raises G by 6.6457 log10(2) = 2.0
    assert st.astm_g_from_intercept(0.01) - st.astm_g_from_intercept(0.02) == pytest.approx(2.0, abs=0.01)


def test_intercept_counts_boundaries_of_a_known_checkerboard():
    size, square = 256, 16
    yy, xx = np.mgrid[0:size, 0:size]
    labels = (yy // square) * 100 + xx // square
    res = st.mean_lineal_intercept(labels, pixel_size_um=0.5, n_lines=None)
    # every row and column crosses 15 boundaries over 255 pixel steps
    assert res.intersections == 2 * size * 15
    assert res.mean_intercept_um == pytest.approx(255 / 15 * 0.5)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_intercept_measured_on_the_grooved_image_recovers_the_true_grain_size(seed):
    pc = m.polycrystal(256, 60, pixel_size_um=0.5, growth_steps=3, seed=seed)
    boundaries = pc.image < 0.35  # the dark grooves, segmented by a global threshold
    measured = st.mean_lineal_intercept(boundaries, pc.pixel_size_um, n_lines=20, seed=seed)
    assert measured.intersections >= 50  # E112: at least 50 intersections
    assert measured.mean_intercept_um == pytest.approx(pc.mean_intercept_um, rel=0.10)
    assert measured.astm_g == pytest.approx(pc.astm_g, abs=0.3)


def test_planimetric_count_recovers_the_number_density_of_voronoi_grains():
    for seed in range(3):
        pc = m.polycrystal(256, 120, pixel_size_um=1.0, seed=seed)
        res = st.planimetric_grain_density(pc.labels, 1.0)
        true_density = 120 / (256 * 1e-3) ** 2
        assert res.grains_per_mm2 == pytest.approx(true_density, rel=0.10)


def test_point_count_error_shrinks_like_one_over_root_n_and_matches_binomial():
    tp = m.two_phase(256, 0.3, "bicontinuous", feature_size_um=6.0, pixel_size_um=0.5, seed=0)
    spreads = {}
    for n in (100, 1600):
        estimates = np.array([st.point_count_fraction(tp.phase_mask, n, seed=s).fraction for s in range(400)])
        binomial = np.sqrt(tp.fraction * (1 - tp.fraction) / n)
        assert estimates.mean() == pytest.approx(tp.fraction, abs=3 * binomial / np.sqrt(400))
        assert estimates.std() == pytest.approx(binomial, rel=0.15)
        spreads[n] = estimates.std()
    assert spreads[100] / spreads[1600] == pytest.approx(4.0, rel=0.2)  # sqrt(1600 / 100)
    one = st.point_count_fraction(tp.phase_mask, 400, seed=1)
    assert one.standard_error == pytest.approx(np.sqrt(one.fraction * (1 - one.fraction) / 400))
    assert one.area_fraction == pytest.approx(tp.fraction)


def test_grid_point_count_is_unbiased():
    tp = m.two_phase(256, 0.25, "particles", feature_size_um=5.0, pixel_size_um=0.5, seed=3)
    grid = [st.point_count_fraction(tp.phase_mask, 400, seed=s, grid=True).fraction for s in range(200)]
    assert np.mean(grid) == pytest.approx(tp.fraction, abs=0.01)


@pytest.mark.parametrize("call, name", [
    (lambda: st.astm_g_from_intercept(0.0), "mean_intercept_mm"),
    (lambda: st.astm_g_from_grains_per_mm2(-1.0), "grains_per_mm2"),
    (lambda: st.mean_lineal_intercept(np.zeros((8, 8), int), -1.0), "pixel_size_um"),
    (lambda: st.mean_lineal_intercept(np.zeros((8, 8)), 1.0), "structure"),
    (lambda: st.point_count_fraction(np.zeros((8, 8), bool), 0), "n_points"),
])
def test_bad_input_names_the_argument(call, name):
    with pytest.raises(ValueError, match=name):
        call()


def test_random_test_lines_are_seeded():
    pc = m.polycrystal(128, 30, seed=0)
    a = st.mean_lineal_intercept(pc.labels, 0.5, n_lines=5, seed=3)
    b = st.mean_lineal_intercept(pc.labels, 0.5, n_lines=5, seed=3)
    c = st.mean_lineal_intercept(pc.labels, 0.5, n_lines=5, seed=4)
    assert a == b and a != c
