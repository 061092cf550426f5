"""Simulated annotators disagree where real ones do (at feature boundaries, on small features), their votes
form a probabilistic label, and the Bayesian pixel posterior obeys Bayes' rule."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from mlpc import annotators as ann
from mlpc.figures.week03_data_quality import porosity_section


@pytest.fixture(scope="module")
def section():
    image, truth, px = porosity_section()
    return image, truth, px, ann.simulate_annotators(image, px, n=5, seed=0)


def test_soft_label_is_the_vote_fraction_and_pairwise_dice_is_a_similarity_matrix(section):
    _, _, _, aset = section
    soft = aset.soft_label
    assert soft.min() >= 0 and soft.max() <= 1
    assert set(np.unique(soft * 5).round(6)) <= {0, 1, 2, 3, 4, 5}
    d = ann.pairwise_dice(aset.masks)
    np.testing.assert_allclose(d, d.T)
    np.testing.assert_allclose(np.diag(d), 1.0)
    assert d.min() >= 0 and d.max() <= 1


def test_disagreement_sits_at_the_boundaries_of_the_voids(section):
    _, truth, _, aset = section
    split = (aset.soft_label > 0) & (aset.soft_label < 1)
    near = ndimage.binary_dilation(truth, iterations=3) & ~ndimage.binary_erosion(truth, iterations=3)
    assert split.sum() > 0
    assert (split & near).sum() / split.sum() > 0.8
    assert near.mean() < 0.2  # the rims are a small part of the image


def test_boundary_habit_and_threshold_change_the_porosity_in_the_expected_direction(section):
    image, _, px, _ = section
    dark, bright = np.percentile(image, 2), np.percentile(image, 50)

    def area(threshold, boundary):
        a = ann.Annotator("x", threshold, boundary, 0.0, 1.0)
        return ann.annotate(image, a, px, dark, bright).mean()

    assert area(0.45, -1) < area(0.45, 0) < area(0.45, 1)
    assert area(0.3, 0) < area(0.45, 0) < area(0.6, 0)


def test_a_minimum_feature_size_removes_every_smaller_feature(section):
    image, _, px, _ = section
    a = ann.Annotator("x", 0.45, 0, 150.0, 1.0)
    mask = ann.annotate(image, a, px, np.percentile(image, 2), np.percentile(image, 50))
    labels, n = ndimage.label(mask)
    areas = ndimage.sum(mask, labels, index=np.arange(1, n + 1)) * px**2
    assert n > 0 and areas.min() >= 150.0


def test_posterior_is_one_half_at_the_bayes_threshold_and_falls_with_grey():
    mu_v, mu_m, sd = 0.15, 0.8, 0.12
    for prior in (0.02, 0.05, 0.5):
        t = ann.bayes_threshold(prior, mu_v, mu_m, sd)
        assert ann.pixel_posterior(t, prior, mu_v, sd, mu_m, sd) == pytest.approx(0.5)
    g = np.linspace(0, 1, 50)
    post = ann.pixel_posterior(g, 0.05, mu_v, sd, mu_m, sd)
    assert np.all(np.diff(post) < 0)


def test_a_rarer_class_moves_the_threshold_to_darker_grey_as_bayes_predicts():
    mu_v, mu_m, sd = 0.15, 0.8, 0.12
    assert ann.bayes_threshold(0.5, mu_v, mu_m, sd) == pytest.approx((mu_v + mu_m) / 2)
    t_rare, t_common = ann.bayes_threshold(0.02, mu_v, mu_m, sd), ann.bayes_threshold(0.3, mu_v, mu_m, sd)
    assert t_rare < t_common < (mu_v + mu_m) / 2
    shift = (mu_v + mu_m) / 2 - t_rare
    assert shift == pytest.approx(sd**2 * np.log(0.98 / 0.02) / (mu_m - mu_v))


def test_invalid_priors_are_refused():
    with pytest.raises(ValueError):
        ann.pixel_posterior(0.5, 0.0, 0.1, 0.1, 0.8, 0.1)
    with pytest.raises(ValueError):
        ann.bayes_threshold(1.0, 0.1, 0.8, 0.1)
