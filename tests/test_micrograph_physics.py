"""Synthetic micrographs carry the physics they claim: phase fractions, Poisson–Voronoi grain size,
curvature-driven coarsening, defect shapes, a learnable classification set, seeded determinism."""

from __future__ import annotations

import numpy as np
import pytest
from skimage import measure

from mlpc.datasets import micrographs as m
from mlpc.datasets.stereology import mean_lineal_intercept


@pytest.mark.parametrize("morphology", m.MORPHOLOGIES)
@pytest.mark.parametrize("fraction", [0.1, 0.3, 0.45])
def test_two_phase_fraction_is_the_requested_one(morphology, fraction):
    tp = m.two_phase(128, fraction, morphology, feature_size_um=6.0, pixel_size_um=0.5, seed=1)
    assert abs(tp.fraction - fraction) < 0.01
    assert tp.fraction == pytest.approx(tp.phase_mask.mean())
    # measured on the image by thresholding halfway between the phase grey levels (Delesse: A_A = V_V)
    assert abs((tp.image < 0.5).mean() - fraction) < 0.015


def test_lamellar_period_is_the_requested_one():
    tp = m.two_phase(256, 0.5, "lamellar", feature_size_um=8.0, pixel_size_um=0.5, n_colonies=1, seed=2)
    power = np.abs(np.fft.fft2(tp.image - tp.image.mean())) ** 2
    f = np.fft.fftfreq(256, d=0.5)
    iy, ix = np.unravel_index(np.argmax(power), power.shape)
    period_um = 1.0 / np.hypot(f[iy], f[ix])
    assert period_um == pytest.approx(8.0, rel=0.12)


def test_poisson_voronoi_mean_intercept_is_pi_over_4_root_area_per_grain():
    # 2D Poisson–Voronoi: L_A = 2 sqrt(λ), P_L = (2/π) L_A  =>  l̄ = (π/4) sqrt(A/N)
    ratios = []
    for seed in range(3):
        pc = m.polycrystal(256, 80, pixel_size_um=0.5, seed=seed)
        expected = np.pi / 4 * np.sqrt((256 * 0.5) ** 2 / 80)
        ratios.append(pc.mean_intercept_um / expected)
    assert np.mean(ratios) == pytest.approx(1.0, abs=0.04)


def test_grain_growth_coarsens_the_structure():
    steps = [m.polycrystal(192, 80, pixel_size_um=1.0, growth_steps=g, seed=3) for g in (0, 4, 12)]
    intercepts = [p.mean_intercept_um for p in steps]
    counts = [p.n_grains for p in steps]
    assert intercepts[0] < intercepts[1] < intercepts[2]
    assert counts[0] >= counts[1] >= counts[2] and counts[2] < counts[0]
    assert steps[2].astm_g < steps[0].astm_g  # coarser grains, smaller G


def test_polycrystal_ground_truth_is_consistent_with_its_label_map():
    pc = m.polycrystal(128, 30, pixel_size_um=2.0, seed=4)
    exact = mean_lineal_intercept(pc.labels, 2.0, n_lines=None)
    assert pc.mean_intercept_um == pytest.approx(exact.mean_intercept_um)
    assert pc.n_grains == len(np.unique(pc.labels)) == 30
    assert pc.image[pc.boundaries].mean() < 0.6 * pc.image[~pc.boundaries].mean()  # grooves are dark


def test_defect_masks_partition_the_voids_and_pores_are_rounder_than_lack_of_fusion():
    d = m.defects(256, pixel_size_um=2.0, n_gas_pores=20, n_lack_of_fusion=4, n_cracks=2, seed=5)
    stacked = np.stack([d.masks[c] for c in d.class_names])
    assert stacked.sum(axis=0).max() == 1
    voids = d.masks["gas_pore"] | d.masks["lack_of_fusion"] | d.masks["crack"]
    assert d.areal_porosity == pytest.approx(voids.mean())
    assert d.image[voids].mean() < 0.25 < 0.6 < d.image[d.class_map == 0].mean()

    def mean_solidity(mask):
        props = [p for p in measure.regionprops(measure.label(mask)) if p.area >= 30]
        return np.mean([p.solidity for p in props])

    assert mean_solidity(d.masks["gas_pore"]) > 0.9 > mean_solidity(d.masks["lack_of_fusion"])
    crack = measure.regionprops(measure.label(d.masks["crack"]))
    assert max(p.axis_major_length / max(p.axis_minor_length, 1.0) for p in crack) > 5  # long and thin


def test_classification_set_is_balanced_bounded_and_learnable():
    from sklearn.linear_model import LogisticRegression

    data = m.microstructure_classes(n_per_class=40, size=64, seed=1)
    assert data.X.dtype == np.float32 and data.X.min() >= 0 and data.X.max() <= 1
    assert np.bincount(data.y).tolist() == [40, 40, 40, 40]
    spec = np.fft.fftshift(np.abs(np.fft.fft2(data.X - data.X.mean(axis=(1, 2), keepdims=True))), axes=(1, 2))
    yy, xx = np.mgrid[-32:32, -32:32]
    radius = np.hypot(yy, xx).astype(int)
    radial = np.stack([spec[:, radius == k].mean(axis=1) for k in range(1, 32)], axis=1)
    hist = np.stack([np.histogram(x, bins=10, range=(0, 1))[0] for x in data.X]) / 4096
    features = np.log(np.hstack([radial, hist + 1e-3]))
    half = len(data.y) // 2
    clf = LogisticRegression(max_iter=3000).fit(features[:half], data.y[:half])
    assert clf.score(features[half:], data.y[half:]) > 0.7  # chance is 0.25


@pytest.mark.parametrize("make", [
    lambda s: m.polycrystal(64, 10, seed=s).image,
    lambda s: m.two_phase(64, 0.3, "particles", feature_size_um=4.0, seed=s).image,
    lambda s: m.two_phase(64, 0.3, "bicontinuous", feature_size_um=4.0, seed=s).image,
    lambda s: m.defects(64, seed=s).image,
    lambda s: m.lattice_image(64, seed=s).image,
    lambda s: m.microstructure_classes(2, 32, seed=s).X,
])
def test_same_seed_same_micrograph_different_seed_different(make):
    assert np.array_equal(make(0), make(0))
    assert not np.array_equal(make(0), make(1))


@pytest.mark.parametrize("call, name", [
    (lambda: m.two_phase(fraction=1.2), "fraction"),
    (lambda: m.two_phase(morphology="dendritic"), "morphology"),
    (lambda: m.polycrystal(n_grains=1), "n_grains"),
    (lambda: m.polycrystal(size=5), "size"),
    (lambda: m.lattice_image(lattice="cubic"), "lattice"),
    (lambda: m.defects(n_cracks=-1), "n_cracks"),
    (lambda: m.microstructure_classes(0), "n_per_class"),
])
def test_bad_input_names_the_argument(call, name):
    with pytest.raises(ValueError, match=name):
        call()
