"""The week-5 figure helpers run on small, quickly trained runs and return Figures that show what their
titles claim: tiling with half the receptive field as margin agrees with one pass, the raw threshold
improves with dose, the classifier's confusion matrix counts the held-out images."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.figure import Figure
from scipy import ndimage

from mlpc.figures import week05_cnn as w5


@pytest.fixture(scope="module")
def clf():
    return w5.classification_run(n_per_class=8, n_train=24, epochs=1, small_per_class=1, small_epochs=3, seed=0)


@pytest.fixture(scope="module")
def phase():
    return w5.segmentation_run("phase", n=12, n_train=8, epochs=1, seed=0)


@pytest.fixture(scope="module")
def pores():
    return w5.segmentation_run("porosity", n=12, n_train=8, epochs=1, seed=0)


def test_classification_run_uses_one_split_for_both_models(clf):
    assert len(clf.X_test) == 32 - 24 and clf.n_small == 4
    cm = clf.confusion()
    assert cm.sum() == len(clf.y_test)
    assert np.array_equal(cm.sum(axis=1), np.bincount(clf.y_test, minlength=4))
    assert len(clf.cnn_history.val_score) == len(clf.mlp_history.val_score) == 1
    assert clf.init_filters.shape == (8, 5, 5)
    assert not np.allclose(clf.init_filters, clf.cnn_model.conv1.weight.detach().numpy()[:, 0])


@pytest.mark.parametrize("helper", [
    w5.classifier_results_figure, w5.parameter_efficiency_figure, w5.learned_filters_figure,
    w5.feature_maps_figure, w5.pooling_figure, w5.overfitting_figure,
])
def test_classification_figures(clf, helper):
    fig = helper(clf)
    assert isinstance(fig, Figure) and fig.axes


def test_handmade_filters_respond_to_the_structure_they_encode():
    fig = w5.handmade_filters_figure()
    assert isinstance(fig, Figure)
    filters = w5._filters(0.0)  # lamellae normal along x: stripes run along y
    assert all(abs(k.sum()) < 1e-9 and np.isclose(np.linalg.norm(k), 1.0) for k in filters.values())
    x = np.arange(40)
    stripes = np.tile(np.where(x % 8 < 3, 0.1, 0.9), (40, 1))  # dark vertical lamellae
    par = np.abs(ndimage.correlate(stripes - stripes.mean(), filters["stripe ∥ lamellae"])).max()
    perp = np.abs(ndimage.correlate(stripes - stripes.mean(), filters["stripe ⊥ lamellae"])).max()
    assert par > 5 * perp


@pytest.mark.parametrize("helper", [w5.phase_results_figure, w5.receptive_field_figure])
def test_phase_figures(phase, helper):
    assert isinstance(helper(phase), Figure)


@pytest.mark.parametrize("helper", [w5.porosity_results_figure, w5.class_recall_figure, w5.failure_cases_figure])
def test_porosity_figures(pores, helper):
    assert isinstance(helper(pores), Figure)
    scores = pores.scores()
    assert 0 <= scores["otsu_iou"] <= 1 and scores["unet_dice"] >= scores["unet_iou"]


def test_tiling_with_half_the_receptive_field_agrees_with_one_pass(phase):
    result = w5.tiling_result(phase, size=128)
    margins = sorted(result.tiled)
    assert margins == [0, 22]
    assert result.disagreement(22) == 0.0
    assert phase.model.standardise is True
    assert isinstance(w5.tiling_figure(result), Figure)


def test_noise_sweep_raw_threshold_improves_with_dose(phase):
    sweep = w5.noise_sweep(phase, doses=(2, 20, 200), n=6)
    assert np.all(np.diff(sweep.iou["Otsu"]) > 0)
    assert set(sweep.examples) == {2.0, 20.0, 200.0}
    assert isinstance(w5.noise_figure(sweep), Figure)


def test_bad_kind_is_refused():
    with pytest.raises(ValueError, match="kind"):
        w5.segmentation_run("grains")
    with pytest.raises(ValueError, match="n_train"):
        w5.segmentation_run("phase", n=10, n_train=10)


def test_weight_counts_quoted_in_the_deck_and_exercise_prose():
    """Deck notes: "6,148 weights", "262k weights" for the pixel-MLP; exercise: "29,641 weights; receptive
    field 44 px = 88 µm"."""
    from mlpc.models import cnn

    assert cnn.count_parameters(cnn.SmallCNN(4, 8)) == 6148
    assert 261_500 < cnn.count_parameters(cnn.PixelMLP(64, 4, hidden=64)) < 262_500
    assert cnn.count_parameters(cnn.SmallUNet()) == 29_641
    assert cnn.receptive_field(cnn.SmallUNet.layers) * 2.0 == 88.0


def test_exercise_checkpoints_that_need_no_training():
    """Checkpoints of the week-5 handout (Tasks 1, 2 and the Otsu half of Task 5), to the ±0.03 the handout
    promises for scores; the U-Net checkpoints need a 12-epoch training and are checked by the build."""
    from mlpc import micrograph_segmentation as ms

    data = ms.porosity_set(240, seed=5)
    train, test = data.subset(slice(0, 160)), data.subset(slice(200, 240))
    assert train.X.shape[-1] * train.pixel_size_um == 128
    assert abs(100 * train.Y.mean() - 15.1) < 0.1
    pct = {n: 100 * np.mean(train.class_map == k + 1) for k, n in enumerate(train.class_names)}
    expected = {"gas_pore": 10.2, "lack_of_fusion": 4.6, "crack": 0.36, "inclusion": 1.1}
    assert all(abs(pct[k] - v) < 0.06 for k, v in expected.items()), pct
    sigma = ms.tune_otsu_smoothing(train.X, train.Y)
    otsu = ms.otsu_segment(test.X, sigma)
    recall = ms.class_recall(otsu, test.class_map, test.class_names)
    assert sigma == 1.0
    assert abs(ms.iou(otsu, test.Y) - 0.84) < 0.03 and abs(ms.dice(otsu, test.Y) - 0.91) < 0.03
    assert abs(recall["inclusion"] - 0.41) < 0.03 and abs(recall["crack"] - 0.61) < 0.03
    stress = ((dict(pixel_size_um=1.0), 0.91), (dict(pixel_size_um=4.0), 0.30), (dict(dose=(3.0, 3.0)), 0.47))
    for kwargs, iou in stress:
        s = ms.porosity_set(40, seed=7, **kwargs)
        assert abs(ms.iou(ms.otsu_segment(s.X, sigma), s.Y) - iou) < 0.03, kwargs


def test_cnn_mlp_baseline_seed_study_claims():
    """Seed-study slide: five seeds, same split and budget; CNN ahead of the MLP on every seed of both tasks,
    ahead of the grey-level baseline on at least 4 of 5 per task; the texture task's grey-level histograms
    carry less information than the four classes' (baseline far below the CNN)."""
    from mlpc import cnn_comparison as cc

    studies = w5.seed_studies()
    for task, study in studies.items():
        assert study["seed"].nunique() == 5
        acc = study.pivot(index="seed", columns="model", values="test_accuracy")
        assert (acc["CNN"] > acc["pixel MLP"]).all(), task
        assert (acc["CNN"] > acc["grey-level baseline"]).sum() >= 4, task
        summ = cc.summary(study)
        assert summ.loc["CNN", "mean"] - summ.loc["grey-level baseline", "mean"] > 0.1
    line = w5.seed_study_line(studies)
    assert "5 seeds" in line and "/5 seeds" in line
    assert isinstance(w5.seed_study_figure(studies), Figure)


def test_texture_classes_share_grey_level_statistics():
    from mlpc import cnn_comparison as cc

    data = cc.texture_classes(40, 32, seed=0)
    dark = cc.grey_level_features(data.X)[:, 3]
    means = [dark[data.y == k].mean() for k in range(3)]
    assert max(means) - min(means) < 0.1  # same dark-phase fraction by construction
    with pytest.raises(ValueError, match="seeds"):
        cc.seed_study("texture", seeds=(0,))


def test_paired_line_compares_the_two_methods_image_by_image(phase):
    """IoU slide: the U-Net and the tuned Otsu paired per held-out image, labelled as one seed's illustration."""
    from mlpc import micrograph_segmentation as ms

    unet, otsu = phase.per_image_iou()
    assert unet.shape == otsu.shape == (len(phase.test.X),)
    assert unet[0] == ms.iou(phase.pred_test[0], phase.test.Y[0])
    line = phase.paired_line()
    assert f"ahead on {(unet > otsu).sum()} of {len(unet)} images" in line and "illustration" in line
