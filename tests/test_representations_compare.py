"""The features-vs-MLP comparison uses the same stratified splits for every model and is reproducible."""

from __future__ import annotations

import numpy as np
import pytest

from mlpc import features as F
from mlpc.datasets import micrographs
from mlpc.representations import MODELS, compare_representations


@pytest.fixture(scope="module")
def data():
    s = micrographs.microstructure_classes(n_per_class=20, size=48, seed=1)
    return s, F.feature_table(s.X, s.pixel_size_um)


@pytest.fixture(scope="module")
def comparison(data):
    s, feats = data
    return compare_representations(s.X, s.y, feats, s.class_names, n_splits=2, pixel_epochs=5, seed=7)


def test_every_model_sees_the_same_stratified_disjoint_split(data, comparison):
    s, _ = data
    for split in comparison.splits:
        assert not set(split.train) & set(split.test)
        assert len(split.train) + len(split.test) == len(s.y)
        assert np.all(np.bincount(s.y[split.test]) == 6)  # 30 % of 20 per class
        assert set(split.predictions) == set(MODELS)
        assert all(len(p) == len(split.test) for p in split.predictions.values())
    assert comparison.splits[0].seed == 7 and comparison.splits[1].seed == 8
    assert not np.array_equal(comparison.splits[0].test, comparison.splits[1].test)


def test_scores_are_recomputable_from_the_stored_predictions(comparison):
    for split in comparison.splits:
        for m in MODELS:
            acc = np.mean(split.predictions[m] == comparison.y[split.test])
            assert split.accuracy[m] == pytest.approx(acc)
    mean, std = comparison.summary("accuracy")[MODELS[0]]
    scores = comparison.scores("accuracy")[MODELS[0]]
    assert mean == pytest.approx(scores.mean()) and std == pytest.approx(scores.std(ddof=1))
    table = comparison.markdown_table()
    assert all(m in table for m in MODELS) and "2 splits" in table


def test_stereological_features_separate_the_four_microstructure_classes(comparison):
    # equiaxed grains, lamellae, particles and pores differ in A_A, P_L, solidity and connectivity
    assert comparison.summary("accuracy")["features + logistic"][0] > 0.8


def test_the_first_split_keeps_its_models_and_learning_curves(comparison):
    mlp = comparison.first_models["pixels + MLP"]
    assert len(mlp.history["val_loss"]) == 5
    assert mlp.first_layer_weights().shape[1] == 48 * 48


def test_a_second_run_gives_the_same_numbers(data, comparison):
    s, feats = data
    again = compare_representations(s.X, s.y, feats, s.class_names, n_splits=2, pixel_epochs=5, seed=7)
    assert again.summary("accuracy") == comparison.summary("accuracy")
    with pytest.raises(ValueError):
        compare_representations(s.X[:5], s.y, feats, s.class_names)
