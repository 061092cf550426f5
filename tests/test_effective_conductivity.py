"""The pixel conduction solver reproduces the exact laminate results, Keller's 2D reciprocity and the bounds."""

from __future__ import annotations

import numpy as np
import pytest

from mlpc.datasets import micrographs as m
from mlpc.effective_properties import effective_conductivity, wiener_bounds


def test_uniform_map_returns_its_own_conductivity():
    assert effective_conductivity(np.ones((20, 30), bool), 3.0, 1.0) == pytest.approx(3.0)
    assert effective_conductivity(np.zeros((20, 30), bool), 3.0, 1.0, axis=0) == pytest.approx(1.0)


def test_laminates_hit_the_wiener_bounds_exactly():
    xx = np.mgrid[0:60, 0:60][1]
    layers = (xx // 5) % 3 == 0  # vertical layers, one third conducting
    lo, hi = wiener_bounds(layers.mean(), 100.0, 1.0)
    assert effective_conductivity(layers, 100.0, 1.0, axis=0) == pytest.approx(hi)  # parallel to the layers
    assert effective_conductivity(layers, 100.0, 1.0, axis=1) == pytest.approx(lo)  # in series
    assert lo == pytest.approx(1 / (1 / 300 + 2 / 3))


@pytest.mark.parametrize("morphology", ["particles", "lamellar", "bicontinuous"])
def test_random_sections_lie_between_the_bounds_and_obey_keller_reciprocity(morphology):
    tp = m.two_phase(96, 0.35, morphology, feature_size_um=10.0, pixel_size_um=1.0, n_colonies=3, seed=4)
    lo, hi = wiener_bounds(tp.fraction, 10.0, 1.0)
    sx = effective_conductivity(tp.phase_mask, 10.0, 1.0, axis=1)
    assert lo < sx < hi
    # Keller (1964): in 2D, σ_xx(σ1, σ2) σ_yy(σ2, σ1) = σ1 σ2 (exact in the continuum; ~5 % on pixels)
    swapped = effective_conductivity(tp.phase_mask, 1.0, 10.0, axis=0)
    assert sx * swapped == pytest.approx(10.0, rel=0.08)


def test_connected_phase_conducts_and_isolated_particles_do_not():
    particles = m.two_phase(96, 0.3, "particles", feature_size_um=8.0, pixel_size_um=1.0, seed=0).phase_mask
    xx = np.mgrid[0:96, 0:96][1]
    rods = (xx % 10) < 3  # continuous conducting rods along y, 30 %
    assert effective_conductivity(rods, 100.0, 1.0, axis=0) > 10 * effective_conductivity(particles, 100.0, 1.0)


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError):
        effective_conductivity(np.ones(5, bool), 1.0, 1.0)
    with pytest.raises(ValueError):
        effective_conductivity(np.ones((5, 5), bool), 0.0, 1.0)
    with pytest.raises(ValueError):
        wiener_bounds(1.5, 1.0, 2.0)
