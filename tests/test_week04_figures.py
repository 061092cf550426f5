"""Week 4 figures show what their titles claim: E112 and E562 recover the truth, EBSD boundary rules change
G, equal A_A and P_L do not fix the conductivity, and every figure has content."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.figure import Figure

from mlpc import features as F
from mlpc.datasets import micrographs
from mlpc.figures import week04_representations as W
from mlpc.representations import compare_representations


def test_e112_intercept_and_planimetric_agree_with_the_truth_and_g_grows_as_grains_shrink():
    rows = W.grain_size_measurements(seed=0)
    for r in rows:
        assert r["g_intercept"] == pytest.approx(r["g_true"], abs=0.35)
        assert r["g_planimetric"] == pytest.approx(r["g_true"], abs=0.35)
        assert r["intersections"] >= 50  # E112's minimum count per field
    assert rows[0]["g_intercept"] > rows[1]["g_intercept"] + 1 > rows[2]["g_intercept"] + 2
    assert "G (planimetric)" in W.grain_size_table(seed=0)


def test_g_number_figure_follows_the_e112_table():
    fig = W.g_number_figure()
    g, intercept_um = fig.axes[0].lines[0].get_data()
    assert np.interp(8.0, g, intercept_um) == pytest.approx(20.0, rel=0.01)  # E112: G 8 <-> 20.0 µm
    _, n_a = fig.axes[1].lines[0].get_data()
    assert np.interp(8.0, g, n_a) == pytest.approx(1984, rel=0.01)


def test_point_count_spread_matches_binomial_for_random_points():
    fig = W.point_count_figure(seed=0, n_repeats=200)
    ax = fig.axes[1]
    n, spread = ax.lines[0].get_data()  # random points
    p = micrographs.two_phase(256, 0.3, "particles", feature_size_um=8.0, pixel_size_um=0.5, seed=0).fraction
    np.testing.assert_allclose(spread, np.sqrt(p * (1 - p) / n), rtol=0.25)
    assert "95 % CI" in W.e562_table(seed=0, n_fields=5)


def test_ebsd_grain_size_depends_on_which_boundaries_count():
    table = W.ebsd_grain_size_table(seed=1)
    g = [float(line.split("|")[-2]) for line in table.splitlines()[2:]]
    assert g[0] > g[1] > g[2]  # fewer boundaries counted -> larger grains -> smaller G
    assert isinstance(W.ebsd_boundaries_figure(seed=1), Figure)


def test_matched_morphologies_share_a_a_and_p_l_but_not_their_conductivity():
    rows = W.same_features_measurements(seed=0)
    fractions = [r["area_fraction"] for r in rows.values()]
    p_l = [r["p_l"] for r in rows.values()]
    assert np.ptp(fractions) < 0.01
    assert np.ptp(p_l) / np.mean(p_l) < 0.05
    lam, part = rows["lamellar"], rows["particles"]
    assert max(lam["sigma_x"], lam["sigma_y"]) > 5 * max(part["sigma_x"], part["sigma_y"])
    assert isinstance(W.same_features_figure(seed=0), Figure)


@pytest.fixture(scope="module")
def small_study():
    s = micrographs.microstructure_classes(n_per_class=15, size=64, seed=2)
    feats = F.feature_table(s.X, s.pixel_size_um)
    comp = compare_representations(s.X, s.y, feats, s.class_names, n_splits=2, pixel_epochs=3, seed=0)
    return s, feats, comp


def test_one_neuron_draws_a_line_and_the_mlp_bends_it(small_study):
    _, feats, comp = small_study
    demos = W.boundary_demo_over_splits(feats, comp)
    for d in demos:
        w = d["neuron"].first_layer_weights()
        assert w.shape == (2, 2)  # a single layer: the boundary w·x + b = 0 is a straight line
        assert 0.0 <= d["accuracy"]["neuron"] <= 1.0 and d["base_rate"] == pytest.approx(0.75, abs=0.05)
    assert "one neuron" in W.boundary_demo_summary(demos)


def test_every_week04_figure_has_content(small_study):
    s, feats, comp = small_study
    demo = W.boundary_demo_over_splits(feats, comp)[0]
    figures = [W.grain_size_figure(), W.neuron_figure(), W.dataset_figure(s.X, s.y, s.class_names),
               W.feature_space_figure(feats, s.y, s.class_names),
               W.decision_boundary_figure(demo, s.class_names), W.hidden_units_figure(demo),
               W.training_curves_figure(comp), W.comparison_figure(comp), W.mistakes_figure(s.X, comp),
               W.pixel_weights_figure(comp)]
    for fig in figures:
        assert isinstance(fig, Figure)
        assert any(ax.images or ax.lines or ax.collections or ax.patches for ax in fig.axes)


# The real duplex-steel map (mlpc/data/real/ebsd-duplex-steel) and what the Week 4 deck says about it.

def test_real_duplex_map_reads_as_the_header_promises():
    from mlpc.datasets import real_data

    ang = real_data.load_ebsd_duplex()
    assert ang.shape == (100, 117) and ang.step_um == 1.5
    assert ang.phase_names == {1: "austenite", 2: "ferrite"}
    assert 0.4 < (ang.phase_id == 1).mean() < 0.6  # "about half each"
    assert (real_data.REAL_DIR / "ebsd-duplex-steel" / "LICENSE").is_file()


def test_ang_reader_names_the_file_and_line_of_a_bad_row(tmp_path):
    from mlpc.datasets import real_data

    lines = real_data.ebsd_duplex_path().read_text(encoding="utf-8").splitlines()
    first = next(i for i, ln in enumerate(lines) if not ln.startswith("#"))
    lines[first] = "3.5 0.6 x 0 0 24 0.8 2"
    bad = tmp_path / "bad.ang"
    bad.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(ValueError, match=rf"bad.ang, line {first + 1}"):
        real_data.read_ang(bad)


def test_cubic_disorientation_respects_the_symmetry():
    from scipy.spatial.transform import Rotation

    from mlpc.orientation_maps import disorientation_deg

    base = Rotation.random(50, random_state=0)
    eul = base.as_euler("ZXZ")
    quarter = (base * Rotation.from_rotvec([0, 0, np.pi / 2])).as_euler("ZXZ")  # a symmetry operation
    twin = (base * Rotation.from_rotvec(np.radians(60) * np.ones(3) / np.sqrt(3))).as_euler("ZXZ")
    assert np.allclose(disorientation_deg(eul, quarter), 0, atol=1e-6)
    assert np.allclose(disorientation_deg(eul, twin), 60, atol=1e-6)
    other = Rotation.random(2000, random_state=1).as_euler("ZXZ")
    assert disorientation_deg(np.repeat(eul[:1], 2000, 0), other).max() <= 62.81


def test_deck_real_duplex_claims():
    """Slide: the point fraction and E562 agree within E562's interval; the austenite intercept on the
    grain map is about 40 % shorter than on the phase map (twins and grain boundaries end intercepts)."""
    from mlpc.datasets import real_data
    from mlpc.orientation_maps import duplex_measurements

    rows = duplex_measurements(real_data.load_ebsd_duplex())
    for r in rows:
        assert abs(r.map_fraction - r.e562_mean) < r.e562_ci95
        assert r.intercept_grains_um < r.intercept_phase_um
    aus = rows[0]
    assert aus.phase == "austenite" and 0.3 < 1 - aus.intercept_grains_um / aus.intercept_phase_um < 0.5
    assert isinstance(W.real_duplex_figure(), Figure) and "E562" in W.real_duplex_table()


def test_deck_and_exercise_comparison_claims():
    """Alt text, notes and check question of the deck's comparison slides and the exercise's expected answers
    (same data, seed and splits): features ≈ 0.98 ± 0.01, pixel MLP ≈ 0.44 (< 0.5, chance 0.25), a gap of
    about 0.5; split 1: the feature model's only two errors are a lamellar and a particle micrograph, both
    called porous; the features-MLP losses end near 0.05, the pixel MLP's training loss below 0.01."""
    data = micrographs.microstructure_classes(n_per_class=100, size=64, seed=0)
    comp = compare_representations(data.X, data.y, F.feature_table(data.X, data.pixel_size_um), data.class_names,
                                   n_splits=5, seed=0)
    acc = comp.summary("accuracy")
    feat, pix = acc["features + logistic"], acc["pixels + MLP"]
    assert round(feat[0], 2) == 0.98 and feat[1] < 0.02 and round(acc["features + MLP"][0], 2) >= 0.98
    assert 0.40 < pix[0] < 0.48 and comp.scores()["pixels + MLP"].max() < 0.5
    assert 0.45 < feat[0] - pix[0] < 0.6
    first = comp.splits[0]
    truth = comp.y[first.test]
    wrong = np.flatnonzero(first.predictions["features + logistic"] != truth)
    names = comp.class_names
    assert sorted(names[t] for t in truth[wrong]) == ["lamellar", "particles"]
    assert {names[p] for p in first.predictions["features + logistic"][wrong]} == {"porous"}
    pixel_wrong = np.flatnonzero(first.predictions["pixels + MLP"] != truth)[:4]
    assert {names[t] for t in truth[pixel_wrong]} == {"lamellar", "particles"}
    hist = comp.first_models["features + MLP"].history
    assert 0.03 < hist["val_loss"][-1] < 0.08 and 0.03 < hist["train_loss"][-1] < 0.08
    pix_hist = comp.first_models["pixels + MLP"].history
    assert pix_hist["train_loss"][-1] < 0.01 and min(pix_hist["val_loss"]) > 1
