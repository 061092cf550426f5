"""Week 2's figure helpers draw what their slides claim, and the numbers the slides quote hold: the alias
lands where folding predicts, the Poisson floor equals the mean count, √N-weighted fits are biased low,
dose decides which phase a BSE image shows, and the spectrum image has two components above the edge."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.figure import Figure

from mlpc.figures import week02_data_formation as w2

FIGURES = [name for name in w2.__all__ if name.endswith("_figure")]


@pytest.mark.parametrize("name", FIGURES)
def test_every_figure_helper_draws_something(name):
    fig = getattr(w2, name)()
    assert isinstance(fig, Figure)
    axes = fig.get_axes()
    assert axes
    assert sum(len(ax.images) + len(ax.lines) + len(ax.collections) for ax in axes) >= 2


def test_moire_alias_is_where_folding_puts_it():
    m = w2.moire_numbers()
    assert m["pixel_nm"] > m["nyquist_px_nm"]
    assert m["d_measured_nm"] == pytest.approx(m["d_alias_predicted_nm"], rel=0.01)
    assert m["d_measured_nm"] > 5 * m["d_true_nm"]


def test_probe_transfer_falls_with_probe_size():
    mtf = [w2.probe_modulation(f) for f in (0.1, 0.2, 0.35)]
    assert mtf[0] > mtf[1] > mtf[2]
    assert mtf[2] < 0.1  # the 0.35 nm probe all but erases the 0.39 nm fringe


def test_noise_floor_is_the_mean_count():
    n = w2.noise_floor_numbers()
    assert n["floor_measured"] == pytest.approx(n["mean_counts"], rel=0.05)
    assert n["k_info_per_um"] < 0.5 * n["nyquist_per_um"]


def test_rose_criterion_separates_the_two_phases():
    c = w2.contrast_numbers(dose_e_per_px=10_000)
    assert c["rose counts θ-Al2Cu"] < c["detected counts α-Al"] < c["rose counts eutectic Si"]


def test_root_n_least_squares_is_biased_low_and_the_likelihood_is_not():
    n = w2.poisson_fit_numbers(areas=(10, 1000), n_spectra=200)
    assert n["neyman_lsq bias"][0] < -15
    assert abs(n["poisson_mle bias"][0]) < 5
    assert np.all(np.abs(n["poisson_mle bias"]) < n["poisson_mle spread"])


def test_spectrum_image_has_two_components_for_three_phases():
    s = w2.scree_numbers()
    assert s["n_phases"] == 3
    assert s["n_above_threshold"] == 2 == s["n_parallel_analysis"]
    assert s["best_k"] == 2
    assert s["rmse_by_k"][2] < 0.3 * s["rmse_raw"]
