"""Week 8 figures and slide numbers (mlpc.figures.week08_process_maps): every helper draws data, and the numbers
printed on the slides agree with the physics they claim (two equal-density settings, the extrapolation table,
the inverse query)."""

from __future__ import annotations

import re

import numpy as np
import pytest
from matplotlib.figure import Figure

from mlpc import process_maps as pm
from mlpc.datasets import process as pr
from mlpc.figures import week08_process_maps as w8

FIGURES = ["equal_density_figure", "solution_set_figure", "regime_map_figure", "classifier_map_figure",
           "density_maps_figure", "extrapolation_figure", "corridor_figure", "inverse_query_figure",
           "direct_inverse_figure"]


@pytest.mark.parametrize("name", FIGURES)
def test_figure_helpers_return_a_figure_with_data(name):
    fig = getattr(w8, name)()
    assert isinstance(fig, Figure)
    axes = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]
    assert axes
    drawn = sum(len(ax.lines) + len(ax.collections) + len(ax.patches) for ax in axes)
    assert drawn >= 3, f"{name} draws almost nothing"
    assert any(re.search(r"\(.+\)", ax.get_xlabel()) for ax in axes), f"{name}: no axis label with a unit"


def test_equal_density_table_shows_the_two_exact_roots():
    table = w8.equal_density_markdown(98.0, 800.0)
    pair = pm.equal_density_pair(98.0, 800.0)
    assert f"| A | {pair.power_W[0]:.0f} |" in table and f"| B | {pair.power_W[1]:.0f} |" in table
    assert "lack of fusion" in table and "keyhole" in table


def test_extrapolation_table_lists_every_model_and_a_truth_with_nothing_safe_outside():
    table = w8.extrapolation_markdown()
    rows = table.splitlines()[2:]
    assert len(rows) == len(pm.DENSITY_MODELS) + 1
    t = w8.extrapolation()
    assert t["truly_safe_share"].iloc[0] == 0.0
    share = t.set_index("model")["declared_safe_share"]
    assert share["trees_physics_monotone"] < share["quadratic"]     # the polynomial invents a window outside
    assert re.search(r"\d+\.\d ± \d+\.\d", rows[0])   # the campaign column: mean ± sd


def test_inverse_query_sentence_checks_the_model_against_the_truth():
    text = w8.inverse_query_markdown(98.0, 800.0)
    low, high = (float(x) for x in re.findall(r"\*\*(\d+) W\*\*", text))
    assert low < 200 < high
    d = pr.relative_density_model(np.array([low, high]), 800.0)
    assert all(f"{x:.2f} %" in text for x in d)


def test_stability_and_existence_numbers_come_from_the_generator():
    assert re.match(r"\d+\.\d+ % at \d+ W, \d+ mm/s", w8.peak_density_markdown())
    lo, hi = (float(x) for x in re.findall(r"from (\d+) to (\d+) W", w8.stability_markdown())[0])
    assert hi - lo > 50    # a flat peak: the inverse is unstable
    assert pr.relative_density_model(lo, 800.0) == pytest.approx(pr.relative_density_model(hi, 800.0), abs=0.02)


def test_md_table_widths_follow_the_dashes_and_reject_ragged_rows():
    t = w8.md_table(["a", "b"], [["1", "2"]], [30, 10])
    assert t.splitlines()[1] == "|" + "-" * 30 + "|" + "-" * 10 + "|"
    with pytest.raises(ValueError, match="columns"):
        w8.md_table(["a", "b"], [["1"]], [30, 10])


def test_physical_variables_cut_the_cv_error_by_30_to_70_percent_in_every_campaign():
    """Slide title and notes: over campaigns 0–4 the trees on (E_v, ΔH/h_s) have a 30–70 % lower RMSE than the
    trees on (P, v), more than half lower in three of five."""
    cut = []
    for seed in range(5):
        cv = w8.cv_scores(seed=seed).set_index("model")["rmse_pct"]
        cut.append(1 - cv["trees_physics"] / cv["trees_raw"])
    assert all(0.30 < c < 0.70 for c in cut), cut
    assert sum(c > 0.5 for c in cut) == 3


def test_deck_prose_about_the_cubes():
    """Notes: 12 balling cubes of 120; 20 cubes printed at 600–1070 mm/s in the direct-inverse figure."""
    c = w8.cubes()
    assert len(c) == 120 and (c["regime"] == "balling").sum() == 12
    assert c["speed_mm_s"].between(600, 1070).sum() == 20


def test_overlap_criterion_slide():
    """Week 8 overlap slide: Tang et al. (2017) (h/W)² + (t/D)² ≤ 1 is stricter than E_v and has a cliff with the
    hatch; alt text widths/depths at 200 W (370 → 90 µm, 190 → 35 µm over 100–3000 mm/s)."""
    import re

    import numpy as np

    from mlpc.datasets import process as pr

    size = pr.melt_pool_size(200.0, np.array([100.0, 3000.0]))
    assert 350 < size.width_um[0] < 390 and 80 < size.width_um[1] < 100
    assert 170 < size.depth_um[0] < 200 and 30 < size.depth_um[1] < 40
    wide = pr.fusion_overlap(200.0, 800.0, hatch_um=1.05 * 2 * size.width_um[1])
    assert np.all(wide > 1)  # hatch wider than the pool: never fused, whatever the depth
    md = w8.overlap_markdown()
    v = [float(x) for x in re.findall(r"\*\*(\d+) mm/s\*\* by overlap, (\d+) mm/s by E_v", md)[0]]
    assert v[0] < v[1]  # geometry is stricter than E_v at h = 100 µm
    assert isinstance(w8.overlap_criterion_figure(), Figure)
