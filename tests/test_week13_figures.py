"""Week-13 figures: the planted scale bar is a learned shortcut; the honest split is not better than the leaky
one; every figure helper returns a drawn Figure."""

from __future__ import annotations

from matplotlib.figure import Figure

from mlpc.figures import week13_explainability as w


def test_planted_bar_is_a_shortcut():
    r = w.shortcut_run()
    assert r.recall_target_with_bar > r.recall_target_without_bar + 0.2
    assert r.others_called_target_with_bar > r.others_called_target_without_bar + 0.2


def test_grouped_cv_error_is_not_smaller_than_random_cv_for_process_inputs():
    (name, rnd, grp), *_ = w.fusion_scores()
    assert name == "process" and grp >= rnd and 5 < grp < 100


def test_figures_draw():
    for fn in (w.cam_gallery, w.shortcut_cams, w.shap_beeswarm, w.shap_shared_credit, w.fusion_comparison,
               w.fusion_modalities):
        fig = fn()
        assert isinstance(fig, Figure) and fig.axes and any(ax.has_data() or ax.images for ax in fig.axes)
