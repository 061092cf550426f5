"""Week 10 figure helpers draw what their titles claim, from data the code produced."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from mlpc import attention as att
from mlpc.figures import week10_transformers as w10


def test_receptive_field_box_is_seven_pixels_and_patterns_are_log_counts():
    fig = w10.receptive_field_vs_pattern(seed=0)
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    boxes = [p for p in fig.axes[0].patches if p.get_width() == p.get_height()]
    assert boxes and boxes[0].get_width() == 7
    img = fig.axes[0].images[0].get_array()
    assert img.max() < 12  # log(1 + counts) of ≤ 3000 electrons, not raw counts


def test_vit_patches_figure_shows_16_patch_tokens():
    fig = w10.vit_patches(seed=0)
    assert "16 patch tokens" in fig.axes[1].get_title()


def test_attention_cost_figure_plots_the_measured_lengths():
    cost = att.attention_memory_scan(lengths=(256, 512), head_dim=8, repeats=1)
    fig = w10.attention_cost_figure(cost)
    x, y = fig.axes[0].lines[0].get_data()
    np.testing.assert_array_equal(x, [256, 512])
    np.testing.assert_allclose(y, cost.naive_peak_bytes / 1e6)


def test_comparison_run_uses_one_split_and_feeds_all_result_figures():
    run = w10.comparison_run(n_train=60, n_test=40, epochs=2, curve_n=(20,), seed=0)
    assert len(run.y_test) == 40 and run.curve_n.tolist() == [20, 60]
    assert run.curve_vit[-1] == run.vit_hist.val_score[-1]
    assert abs(run.n_params[0] - run.n_params[1]) < 0.2 * run.n_params[1]  # same weight budget
    for fig in (w10.comparison_figure(run), w10.attention_maps_figure(run, n=2), w10.learning_curve_figure(run),
                w10.cross_attention_diagram()):
        assert isinstance(fig, Figure) and fig.axes
