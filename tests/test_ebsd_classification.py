"""Optional lab 9 (EBSD pattern classification): normalisation, the class rule, dictionary indexing, and the
numbers the lab's expected answers quote (five seeds, chance, the learned routes, indexing, the oracle)."""

from __future__ import annotations

import numpy as np
import pytest

from mlpc import ebsd_classification as ec


@pytest.fixture(scope="module")
def dictionary() -> ec.PatternDictionary:
    return ec.simulated_dictionary()  # the lab's: 4°, 40 × 40 px


@pytest.fixture(scope="module")
def table(dictionary) -> object:
    return ec.seed_study(range(5), dictionary)


def test_normalised_rows_are_zero_mean_unit_length_and_ignore_the_background():
    rng = np.random.default_rng(0)
    bands = rng.uniform(0.5, 1.5, (3, 8, 8))
    background = rng.uniform(1.0, 5.0, (8, 8))
    rows = ec.normalise_patterns(bands * background, background)
    assert rows.shape == (3, 64)
    np.testing.assert_allclose(rows.mean(axis=1), 0, atol=1e-12)
    np.testing.assert_allclose(np.linalg.norm(rows, axis=1), 1)
    np.testing.assert_allclose(rows, ec.normalise_patterns(bands * 7.0), atol=1e-12)  # scale-free
    with pytest.raises(ValueError, match="background must be one pattern of shape"):
        ec.normalise_patterns(bands, background[:4])
    with pytest.raises(ValueError, match="constant"):
        ec.normalise_patterns(np.ones((1, 8, 8)))


def test_texture_class_is_the_nearest_component_within_the_threshold():
    deviation = np.array([[3.0, 40.0, 30.0], [40.0, 12.0, 30.0], [40.0, 30.0, 2.0], [20.0, 13.0, 15.0]])
    assert ec.texture_class(deviation).tolist() == [0, 1, 2, 3]
    with pytest.raises(ValueError, match=r"\(n, 3\)"):
        ec.texture_class(np.zeros((2, 2)))


def test_dictionary_covers_every_class_and_indexes_its_own_patterns(dictionary):
    assert len(dictionary.labels) == 11935 and dictionary.patterns.shape == (11935, 1600)
    assert set(np.unique(dictionary.labels)) == {0, 1, 2, 3}
    picks = np.arange(0, 11935, 997)
    index, score = ec.best_match(dictionary.patterns[picks].astype(float), dictionary.patterns)
    assert np.array_equal(index, picks) and np.all(score > 0.999)
    with pytest.raises(ValueError, match="same detector size"):
        ec.best_match(np.zeros((1, 100)), dictionary.patterns)


def test_lab_numbers_hold_over_five_seeds(table):
    """The ranges in the lab's expected answers (Task 4)."""
    mean, std = table.mean(), table.std()
    assert mean["chance"] == pytest.approx(0.25)
    assert 0.50 <= mean["pixels + logistic"] <= 0.65 and std["pixels + logistic"] < 0.06
    assert 0.60 <= mean["nearest training pattern"] <= 0.72
    assert 0.94 <= mean["dictionary indexing"] <= 0.99 and mean["oracle (true orientation)"] >= 0.97
    # the order holds in every seed, not only on average
    assert (table["dictionary indexing"] > table[["pixels + logistic", "nearest training pattern"]].max(axis=1)).all()
    assert (table["pixels + logistic"] > table["chance"] + 0.2).all()


def test_low_dose_sinks_every_route_towards_chance(dictionary):
    low = ec.seed_study(range(5), dictionary, dose_counts_per_px=30.0).mean()
    assert 0.40 <= low["dictionary indexing"] <= 0.60
    assert low["pixels + logistic"] < 0.42 and low["nearest training pattern"] < 0.40


def test_task1_modulation_number():
    """Task 1 quotes 0.049 for seed 0: the relative standard deviation of counts / background."""
    from mlpc.datasets.ebsd import ebsd_texture_classification

    data = ebsd_texture_classification(n_per_class=100, shape_px=(40, 40), seed=0)
    ratio = data.counts / data.background_counts
    assert float((ratio.std(axis=(1, 2)) / ratio.mean(axis=(1, 2))).mean()) == pytest.approx(0.049, abs=0.0015)


def test_task3_pixel_classifier_calls_most_gamma_fibre_patterns_random():
    """Task 3's reading of the confusion matrix (seed 0, the lab's split)."""
    from sklearn.metrics import confusion_matrix
    from sklearn.model_selection import train_test_split

    from mlpc.datasets.ebsd import ebsd_texture_classification

    data = ebsd_texture_classification(n_per_class=100, shape_px=(40, 40), seed=0)
    rows = ec.normalise_patterns(data.counts, data.background_counts)
    train, test = train_test_split(np.arange(len(rows)), test_size=0.3, stratify=data.labels, random_state=0)
    model = ec.pixel_classifier().fit(rows[train], data.labels[train])
    matrix = confusion_matrix(data.labels[test], model.predict(rows[test]))
    assert matrix[2, 3] > matrix[2].sum() / 2  # γ fibre -> random
    assert matrix[0, 0] > matrix[0].sum() / 2 and matrix[1, 1] > matrix[1].sum() / 2  # cube, Goss mostly right
