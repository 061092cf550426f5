"""mlpc.transfer: the backbone keeps quantitative contrast, the augmentations obey their physics (D4
symmetry, Poisson statistics, probe width), subsets are stratified and nested, probes and fine-tuning learn
and are seeded, the learning-curve runner compares methods on the same subsets, nothing touches the network.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mlpc import transfer
from mlpc.datasets import micrographs

transfer.set_threads(2)


@pytest.fixture(scope="module")
def small_task():
    pool = micrographs.microstructure_classes(6, 64, seed=101)
    val = micrographs.microstructure_classes(10, 64, seed=202)
    return pool, val


def test_backbone_is_small_and_gives_64_features():
    bb = transfer.Backbone()
    n = sum(p.numel() for p in bb.parameters())
    assert 40_000 < n < 250_000  # float32: < 1 MB
    feats = transfer.extract_features(bb.eval(), np.random.default_rng(0).random((3, 64, 64)))
    assert feats.shape == (3, transfer.FEATURE_DIM)
    assert transfer.extract_features(bb, np.random.default_rng(0).random((2, 48, 80))).shape == (2, 64)


def test_features_keep_absolute_grey_level_and_do_not_depend_on_the_batch():
    bb = transfer.load_backbone("random", seed=3)
    X = micrographs.microstructure_classes(2, 64, seed=1).X
    f = transfer.extract_features(bb, X)
    # fixed input scaling: a brighter image (a different BSE yield) gives different features
    assert not np.allclose(f, transfer.extract_features(bb, np.clip(X + 0.1, 0, 1)), atol=1e-3)
    # eval mode: one image's features do not depend on what else is in the batch
    np.testing.assert_allclose(transfer.extract_features(bb, X[:1]), f[:1], atol=1e-5)


def test_random_backbones_differ_by_seed_and_bad_names_are_refused():
    a = transfer.load_backbone("random", seed=0).first_layer_filters()
    b = transfer.load_backbone("random", seed=1).first_layer_filters()
    assert a.shape == (16, 5, 5) and not np.allclose(a, b)
    with pytest.raises(ValueError, match="name"):
        transfer.load_backbone("imagenet")
    with pytest.raises(ValueError, match="at least 32"):
        transfer.to_tensor(np.zeros((2, 16, 16)))


def test_dihedral_applies_one_of_the_eight_square_symmetries_to_each_image():
    gen = torch.Generator().manual_seed(0)
    x = torch.arange(64 * 16, dtype=torch.float32).reshape(64, 1, 4, 4) % 17
    out = transfer.dihedral(x, gen)
    seen = set()
    for i in range(len(x)):
        ops = [torch.rot90(x[i], r, dims=(-2, -1)) for r in range(4)]
        ops += [torch.flip(o, dims=(-1,)) for o in ops]
        match = [k for k, o in enumerate(ops) if torch.equal(o, out[i])]
        assert match, "output is not a D4 image of the input"
        seen.add(match[0])
    assert len(seen) == 8  # all eight operations occur in 64 draws


def test_poisson_resampling_keeps_the_mean_and_has_variance_mean_over_dose():
    gen = torch.Generator().manual_seed(1)
    x = torch.full((8, 1, 64, 64), 0.5)
    y = transfer.poisson_resample(x, gen, dose_range=(100.0, 100.0))
    assert abs(float(y.mean()) - 0.5) < 0.005
    assert abs(float(y.var()) - 0.5 / 100) / (0.5 / 100) < 0.05  # Poisson: var(counts) = mean(counts)
    with pytest.raises(ValueError, match="dose_range"):
        transfer.poisson_resample(x, gen, dose_range=(0.0, 10.0))


def test_gaussian_blur_has_the_requested_fwhm_and_keeps_the_mean():
    gen = torch.Generator().manual_seed(2)
    x = torch.zeros(1, 1, 33, 33)
    x[0, 0, 16, 16] = 1.0
    y = transfer.gaussian_blur(x, gen, fwhm_px=(2.0, 2.0))[0, 0].numpy()
    assert abs(y.sum() - 1.0) < 1e-5
    rows = np.arange(33) - 16
    sigma = np.sqrt(np.sum(y.sum(axis=1) * rows**2))
    assert abs(2.3548 * sigma - 2.0) < 0.05


def test_random_crop_returns_windows_of_the_input():
    gen = torch.Generator().manual_seed(3)
    x = torch.rand(5, 1, 20, 20)
    crops = transfer.random_crop(x, 8, gen)
    assert crops.shape == (5, 1, 8, 8)
    for i in range(5):
        windows = x[i, 0].unfold(0, 8, 1).unfold(1, 8, 1)  # (13, 13, 8, 8)
        assert bool((windows == crops[i, 0]).all(-1).all(-1).any())
    with pytest.raises(ValueError, match="size"):
        transfer.random_crop(x, 30, gen)


def test_nt_xent_is_low_for_matching_views_and_about_log_2n_for_random_ones():
    z = torch.eye(16)
    assert float(transfer.nt_xent(z, z, temperature=0.1)) < 0.01
    z1 = torch.randn(16, 8, generator=torch.Generator().manual_seed(0))
    z2 = torch.randn(16, 8, generator=torch.Generator().manual_seed(1))
    assert abs(float(transfer.nt_xent(z1, z2, temperature=1.0)) - np.log(31)) < 0.5


def test_stratified_subsets_are_balanced_nested_and_seeded():
    y = np.repeat(np.arange(4), 25)
    small, large = transfer.stratified_subset(y, 3, seed=5), transfer.stratified_subset(y, 10, seed=5)
    assert np.all(np.bincount(y[small]) == 3) and np.all(np.bincount(y[large]) == 10)
    assert set(small) <= set(large)
    assert not np.array_equal(small, transfer.stratified_subset(y, 3, seed=6))
    with pytest.raises(ValueError, match="n_per_class"):
        transfer.stratified_subset(y, 26)


def test_linear_probe_reads_separable_features_and_not_noise():
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1], 40)
    f = rng.normal(size=(80, 5)) + 4.0 * y[:, None]
    assert transfer.linear_probe_accuracy(f[::2], y[::2], f[1::2], y[1::2]) == 1.0
    noise = rng.normal(size=(400, 5))
    y_rand = rng.integers(0, 2, 400)
    assert abs(transfer.linear_probe_accuracy(noise[:200], y_rand[:200], noise[200:], y_rand[200:]) - 0.5) < 0.12


def test_fine_tune_learns_a_contrast_task_and_is_reproducible():
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1], 8)
    X = np.clip(0.3 + 0.4 * y[:, None, None] + 0.05 * rng.standard_normal((16, 32, 32)), 0, 1)
    m1 = transfer.fine_tune(X, y, init="scratch", steps=15, seed=4)
    m2 = transfer.fine_tune(X, y, init="scratch", steps=15, seed=4)
    X_val = np.clip(0.3 + 0.4 * y[:, None, None] + 0.05 * rng.standard_normal((16, 32, 32)), 0, 1)
    pred = transfer.predict(m1, X_val)
    assert (pred == y).mean() == 1.0
    np.testing.assert_array_equal(pred, transfer.predict(m2, X_val))
    with pytest.raises(ValueError, match="augment"):
        transfer.fine_tune(X, y, augment=("colour",))


def test_fine_tune_starts_from_the_shipped_backbone():
    shipped = transfer.load_backbone("micrograph").first_layer_filters()
    rng = np.random.default_rng(1)
    X, y = rng.random((8, 48, 48)), np.repeat([0, 1], 4)
    model = transfer.fine_tune(X, y, init="micrograph", steps=1, lr=1e-6, seed=0)
    np.testing.assert_allclose(model.backbone.first_layer_filters(), shipped, atol=1e-4)


def test_learning_curve_compares_methods_on_the_same_subsets(small_task):
    pool, val = small_task
    curve = transfer.learning_curve(pool.X, pool.y, val.X, val.y, (2, 4), seeds=(0, 1),
                                    methods=("probe-random", "probe-micrograph", "scratch"), steps=3)
    assert len(curve) == 2 * 2 * 3
    assert set(curve["n_train"]) == {8, 16}
    assert curve["accuracy"].between(0, 1).all()
    summary = transfer.summarise(curve)
    assert len(summary) == 6 and (summary["n_seeds"] == 2).all()
    assert summary["std"].notna().all()
    with pytest.raises(ValueError, match="unknown methods"):
        transfer.learning_curve(pool.X, pool.y, val.X, val.y, (2,), methods=("imagenet",))


def test_natural_patches_come_from_disjoint_parts_of_the_photographs():
    train = transfer.natural_patches(3, split="train", seed=0)
    val = transfer.natural_patches(3, split="val", seed=0)
    assert train.X.shape == (30, 64, 64) and np.all(np.bincount(train.y) == 3)
    for ps, lo, hi in ((train, 0.0, 0.75), (val, 0.75, 1.0)):
        for k in (0, 4):  # brick and coins
            img = transfer.load_natural_image(ps.class_names[k])
            patch = ps.X[ps.y == k][0]
            windows = np.lib.stride_tricks.sliding_window_view(img, patch.shape)
            r, c = np.argwhere(np.all(windows == patch, axis=(-2, -1)))[0]
            assert lo * img.shape[1] - 1 <= c and c + patch.shape[1] <= hi * img.shape[1] + 1
    assert min(transfer.load_natural_image("coins").shape) == 256


def test_frequency_response_tells_smoothing_from_edge_filters():
    box = np.ones((1, 5, 5)) / 25
    edge = np.zeros((1, 5, 5))
    edge[0, 2, 1], edge[0, 2, 3] = -1.0, 1.0
    freq, resp = transfer.filter_frequency_response(np.concatenate([box, edge]))
    assert np.allclose(resp.sum(axis=1), 1.0)
    assert np.argmax(resp[0]) == 0 and resp[1, 0] < resp[1].max() / 3
    assert freq[0] > 0 and freq[-1] < 0.5


def test_nothing_here_touches_the_network(no_network):
    transfer.load_backbone("natural")
    transfer.natural_patches(1, split="val")
    micro = transfer.unlabelled_micrographs(ch_simulations=[16], n_cahn_hilliard=4, seed=1)
    assert micro.shape == (4, 64, 64) and 0 <= micro.min() and micro.max() <= 1
    with pytest.raises(ValueError, match="ch_simulations"):
        transfer.unlabelled_micrographs(ch_simulations=[])


def test_pretraining_runs_are_seeded_and_deterministic():
    a = transfer.pretrain_natural(steps=2, batch_size=8, seed=7).state_dict()
    b = transfer.pretrain_natural(steps=2, batch_size=8, seed=7).state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)
    images = transfer.unlabelled_micrographs(ch_simulations=[3], n_cahn_hilliard=8, seed=3)
    s1 = transfer.pretrain_simclr(images, steps=2, batch_size=8, seed=7).state_dict()
    s2 = transfer.pretrain_simclr(images, steps=2, batch_size=8, seed=7).state_dict()
    assert all(torch.equal(s1[k], s2[k]) for k in s1)
    views = transfer.example_views(images[0], n_views=2, seed=1)
    assert views[0].shape == (48, 48) and not np.allclose(views[0], views[1])
