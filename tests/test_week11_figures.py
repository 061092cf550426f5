"""Week 11 figures and the numbers their slides, alt texts and notes state."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.figure import Figure

from mlpc import uncertainty as unc
from mlpc.datasets import process as pr
from mlpc.figures import week11_gp as w11


def test_fitted_length_scale_lies_between_the_too_short_and_too_long_panels():
    fig = w11.length_scale_effect()
    fitted = float(unc.gp_hyperparameters(w11.line_gp())["length_scale"][0])
    assert 3 * w11.TOO_SHORT < fitted < w11.TOO_LONG / 3  # visibly between, not at either end
    assert 0.5 < fitted < 0.75  # notes: "about 0.6", a factor e^0.6 ≈ 1.8 in speed
    titles = [ax.get_title() for ax in fig.axes]
    assert "fitted" in titles[1] and "too short" in titles[0] and "too long" in titles[2]
    # the fitted GP passes through the cubes; the too-long one misses them (alt text)
    v, y = w11.line_data()
    mu_fit, _ = unc.gp_predict(w11.line_gp(), w11.line_inputs(v))
    stiff = unc.fit_gp(w11.line_inputs(v), y, length_scale=w11.TOO_LONG, noise_level=0.01, optimize=False)
    mu_stiff, _ = unc.gp_predict(stiff, w11.line_inputs(v))
    assert np.sqrt(np.mean((mu_fit - y) ** 2)) < 0.4 < np.sqrt(np.mean((mu_stiff - y) ** 2))


def test_log_inputs_bring_the_gp_noise_closer_to_the_archimedes_noise():
    hp = unc.gp_hyperparameters(w11.line_gp())
    assert 0.08 < hp["noise_std"] < 0.3  # twelve cubes: near the 0.15 % Archimedes noise
    v, y = w11.line_data()
    linear = unc.fit_gp(v[:, None], y, length_scale=300.0, length_scale_bounds=(20.0, 1e4))
    assert unc.gp_hyperparameters(linear)["noise_std"] > hp["noise_std"]


def test_map_noise_is_above_archimedes():
    hp = unc.gp_hyperparameters(w11.map_data()[2])
    assert 0.15 < hp["noise_std"] < 0.5  # notes: "above the 0.15 %", part of the edge ends up in the noise term


def test_window_width_at_200_W_in_the_notes():
    v = np.linspace(100, 3000, 2901)
    ok = v[pr.relative_density_model(200.0, v) >= 99.5]
    assert 400 < ok.min() < 500 and 950 < ok.max() < 1050  # "roughly 450–1000 mm/s, a factor of about 2"


def test_design_optimum_is_an_apex_of_the_window_not_a_corner_of_the_box():
    rate, p, v = w11.design_optimum()
    assert w11.CAND_P[0] < p < w11.CAND_P[-1] and w11.CAND_V[0] < v < w11.CAND_V[-1]
    assert 14 < rate < 15.5


@pytest.fixture(scope="module")
def study() -> w11.DesignStudy:
    return w11.design_study()


def test_design_study_claims(study):
    """Slide title "Over 10 seeds, constrained BO finds faster dense settings than random search", the alt text
    (BO median about 14 cm³/h near the 14.7 optimum, random near 11.5) and the winner's-curse bullet."""
    assert len(study.seeds) >= 10 and study.bo.shape == (10, 25)
    assert np.sum(study.bo[:, -1] > study.random[:, -1]) >= 7  # the table: "ahead on 7, tied on 1 of 10"
    assert 13 < np.median(study.bo[:, -1]) < 15 and 10.5 < np.median(study.random[:, -1]) < 12.5
    # "its fastest passing cube passed by luck more often than not"; random's pick mostly truly dense
    assert np.nanmean(study.bo_pick_true_density >= w11.DENSITY_LIMIT_PCT) < 0.5
    assert np.nanmean(study.random_pick_true_density >= w11.DENSITY_LIMIT_PCT) > 0.5
    md = w11.bo_markdown(study)
    assert "| 25 |" in md and "cm³/h" in md


def test_design_figures_show_the_study(study):
    fig = w11.bo_convergence(study)
    med = fig.axes[0].lines[0].get_ydata()
    np.testing.assert_allclose(med, np.median(study.bo, axis=0))
    acq = w11.bo_acquisition()
    assert isinstance(acq, Figure) and len(acq.axes) == 3
    h = w11.design_bo(0)
    X, _, _ = w11.design_candidates()
    assert 260 < X[h.index[w11.N_INIT + 19], 0] < 300  # alt text: "iteration 20 near 280 W and 1440 mm/s"
    assert 1400 < X[h.index[w11.N_INIT + 19], 1] < 1480
