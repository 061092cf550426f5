"""Spectrum images: abundances are a partition of unity, the dose is right, NMF recovers the end-members."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.decomposition import NMF

from mlpc.datasets.eds import line_energy_keV
from mlpc.datasets.spectrum_images import abundance_maps, score_decomposition, spectrum_image


@pytest.mark.parametrize("mode", ["fields", "particles"])
def test_abundances_are_non_negative_and_sum_to_one(mode):
    a = abundance_maps((40, 50), n_phases=3, mode=mode, seed=0)
    assert a.shape == (40, 50, 3)
    assert np.all(a >= 0)
    assert np.allclose(a.sum(axis=-1), 1.0)
    # Every phase is present somewhere as the majority phase.
    assert set(np.unique(np.argmax(a, axis=-1))) == {0, 1, 2}


def test_mean_counts_per_pixel_equal_the_dose():
    si = spectrum_image((32, 32), dose_counts_per_pixel=800.0, seed=0)
    assert si.cube.sum(axis=-1).mean() == pytest.approx(800.0, rel=0.01)
    assert np.allclose(si.endmembers.sum(axis=1), 1.0)
    assert np.array_equal(si.phase_map, np.argmax(si.abundances, axis=-1))


def test_eds_end_members_carry_the_lines_of_their_elements():
    si = spectrum_image((16, 16), kind="eds", seed=0)
    e = si.axis
    names = list(si.endmember_names)

    def at(name, element):
        return si.endmembers[names.index(name), np.argmin(np.abs(e - line_energy_keV(element, "Ka")))]

    assert at("MnS", "S") > 10 * at("ferrite (Fe–1Mn)", "S")
    assert at("ferrite (Fe–1Mn)", "Fe") > 10 * at("Al2O3", "Fe")
    assert at("Al2O3", "Al") > 10 * at("MnS", "Al")


def test_xrd_end_members_peak_at_the_bragg_angles():
    si = spectrum_image((16, 16), kind="xrd", seed=0)
    bcc = si.endmembers[list(si.endmember_names).index("Fe-bcc")]
    d110 = 0.28665 / np.sqrt(2)
    assert si.axis[np.argmax(bcc)] == pytest.approx(2 * np.degrees(np.arcsin(0.154056 / (2 * d110))), abs=0.1)


@pytest.mark.parametrize(("kind", "mode"), [("eds", "fields"), ("eds", "particles"), ("xrd", "fields")])
def test_nmf_on_the_cube_recovers_the_end_members(kind, mode):
    si = spectrum_image((40, 40), kind=kind, mode=mode, dose_counts_per_pixel=1000.0, seed=0)
    x = si.cube.reshape(-1, si.cube.shape[-1]).astype(float)
    model = NMF(n_components=3, init="nndsvda", max_iter=400, random_state=0)
    w = model.fit_transform(x)
    score = score_decomposition(model.components_, si.endmembers, w.reshape(40, 40, 3), si.abundances)
    assert min(score.cosine) > 0.95
    assert score.abundance_rmse < 0.1


def test_score_finds_a_permutation_and_penalises_wrong_components():
    si = spectrum_image((16, 16), kind="eds", seed=0)
    perm = [2, 0, 1]
    score = score_decomposition(si.endmembers[perm], si.endmembers)
    assert score.assignment == (1, 2, 0)
    assert score.mean_cosine == pytest.approx(1.0)
    flat = np.ones_like(si.endmembers)
    assert score_decomposition(flat, si.endmembers).mean_cosine < 0.8
    with pytest.raises(ValueError, match="components"):
        score_decomposition(si.endmembers[:2], si.endmembers)


def test_same_seed_same_cube_different_seed_different_cube():
    a = spectrum_image((16, 16), seed=1)
    b = spectrum_image((16, 16), seed=1)
    c = spectrum_image((16, 16), seed=2)
    assert np.array_equal(a.cube, b.cube) and not np.array_equal(a.cube, c.cube)
    assert not np.array_equal(a.abundances, c.abundances)


@pytest.mark.parametrize(("kwargs", "name"), [
    ({"kind": "raman"}, "kind"),
    ({"n_phases": 5}, "n_phases"),
    ({"dose_counts_per_pixel": 0.0}, "dose_counts_per_pixel"),
    ({"mode": "voronoi"}, "mode"),
    ({"system": "brass"}, "system"),
])
def test_bad_input_is_refused_with_the_argument_named(kwargs, name):
    with pytest.raises(ValueError, match=name):
        spectrum_image((16, 16), **kwargs)
