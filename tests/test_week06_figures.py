"""Week 6 figure helpers return Figures, and the facts the slides quote hold: data-set counts, the SEM frame
time, the filter spectra of the two backbones, and the transfer successes and failures on three tasks."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.figure import Figure

from mlpc import transfer
from mlpc.figures import week06_transfer as w6

transfer.set_threads(2)


@pytest.fixture(scope="module")
def task():
    return w6.microstructure_task(pool_per_class=10, val_per_class=20)


def test_dataset_sizes_count_the_library_and_quote_the_literature():
    df = w6.dataset_sizes().set_index("data set")
    ch = df.loc["Cahn–Hilliard (mdsdata)"]
    assert (ch["items"], ch["independent"]) == (17_866, 18)
    assert df.loc["nanoindentation (mdsdata)", "independent"] == 4
    assert df.loc["ImageNet-1k (photos)", "items"] > 1000 * df.loc["UHCSDB (steel SEM)", "items"]
    assert isinstance(w6.dataset_sizes_figure(), Figure)


def test_frame_time_is_electrons_needed_over_electrons_per_second():
    assert w6.frame_time_s(1024 * 1024, 50, 100e-12) == pytest.approx(1024**2 * 50 * 1.602176634e-19 / 1e-10)
    assert w6.frame_time_s(100, 10, 1e-9) == pytest.approx(w6.frame_time_s(100, 20, 2e-9))
    with pytest.raises(ValueError):
        w6.frame_time_s(0)


def test_filter_spectra_natural_is_band_pass_and_micrograph_is_low_pass():
    ff = w6.filter_facts().set_index("backbone")
    assert ff.loc["natural", "low_frequency_share"] < ff.loc["random", "low_frequency_share"]
    assert ff.loc["micrograph", "low_frequency_share"] > ff.loc["random", "low_frequency_share"]
    assert ff.loc["micrograph", "similarity_to_init"] < ff.loc["natural", "similarity_to_init"] < 1.0
    assert isinstance(w6.first_layer_filters_figure(), Figure)


def test_each_backbone_fails_where_its_pretraining_invariance_removes_the_signal(task):
    t = w6.transfer_tasks(n_per_class=5, micro=task).set_index(["task", "backbone"])["mean"]
    morph, direction, bse = dict.fromkeys(t.index.get_level_values(0))
    assert t[morph, "imagenet"] > t[morph, "micrograph"] > t[morph, "natural"] > t[morph, "random"]
    assert t[direction, "micrograph"] < t[direction, "random"] < t[direction, "natural"]  # D4-invariant views
    assert t[bse, "natural"] < t[bse, "random"] - 0.15  # brightness-jitter invariance
    assert t[bse, "imagenet"] < t[bse, "random"] - 0.15  # the real ImageNet network loses grey level too
    assert isinstance(w6.transfer_tasks_figure(w6.transfer_tasks(2, seeds=(0, 1), micro=task)), Figure)


def test_comparison_gives_the_same_numbers_twice_and_draws_every_seed(task):
    a = w6.transfer_comparison(task, sizes=(2,), seeds=(0, 1), steps=3)
    b = w6.transfer_comparison(task, sizes=(2,), seeds=(0, 1), steps=3)
    assert set(a["method"]) == set(w6.COMPARISON) and len(a) == len(w6.COMPARISON) * 2
    assert np.array_equal(a["accuracy"].to_numpy(), b["accuracy"].to_numpy())
    fig = w6.comparison_figure(a, chance=0.25)
    assert isinstance(fig, Figure) and len(fig.axes) == 1
    assert sum(len(line.get_xdata()) for line in fig.axes[0].lines if line.get_linestyle() == "None") >= len(a)


def test_photo_predictions_name_the_coffee_and_the_cat():
    p = w6.photo_predictions(top=3)
    top = p[p["rank"] == 1].set_index("photo")
    assert top.loc["coffee", "class_name"] == "espresso" and top.loc["coffee", "probability"] > 0.5
    assert "cat" in top.loc["chelsea", "class_name"] and top.loc["chelsea", "probability"] > 0.5
    assert isinstance(w6.photo_figure(p), Figure)


def test_orientation_demo_shows_the_invalid_rotation():
    demo = w6.orientation_demo(n_train_per_class=10, n_val_per_class=20)
    assert demo.accuracy["none"] > 0.9 and demo.accuracy["d4"] < 0.7
    assert isinstance(w6.invalid_rotation_figure(demo), Figure)


@pytest.mark.parametrize("helper", [w6.effective_samples_figure, w6.pretraining_data_figure,
                                    w6.allowed_augmentations_figure, w6.contrast_jitter_figure])
def test_figure_helpers_return_figures_with_content(helper):
    fig = helper()
    assert isinstance(fig, Figure) and len(fig.axes) >= 2
    assert any(ax.images or ax.lines for ax in fig.axes)


def test_contrast_jitter_facts_quoted_in_the_alt_text():
    """Alt text of the jitter figure: the ±5 % band around Fe covers Co and ends just below Ni; labels break
    at 0 % for 1 % jitter, about 55 % at 5 %, about 70 % at 20 %."""
    from mlpc import physical_augmentation as pa

    fe, co, ni = (pa.bse_coefficient(z) for z in (26, 27, 28))
    assert 0.95 * fe < co < 1.05 * fe < ni < 1.06 * fe  # Fe–Ni contrast 5.6 %
    assert pa.jitter_label_flip_rate(0.01) == 0.0
    assert 0.50 < pa.jitter_label_flip_rate(0.05) < 0.60
    assert 0.65 < pa.jitter_label_flip_rate(0.20) < 0.75


def test_backbone_facts_quoted_in_the_deck_and_exercise_prose():
    """"61 k weights, about 240 kB as 32-bit floats", "14,883 unlabelled micrographs", the partner view found
    "in about one case in twenty" among 512 (notes of the deck, Task 1 of the exercise)."""
    n = sum(p.numel() for p in transfer.load_backbone("micrograph").parameters())
    assert 60_000 < n < 62_000 and 235_000 < 4 * n < 245_000
    rec = transfer.pretraining_record("micrograph")
    assert rec["data"].startswith("14883 unlabelled")
    assert rec["validation"]["n"] == 512 and 0.04 < rec["validation"]["value"] < 0.06


@pytest.fixture(scope="module")
def deck_comparison():
    """The comparison exactly as the Week 6 deck runs it (full task, sizes 2 and 10, seeds 0-4, 60 steps, 1 thread)."""
    transfer.set_threads(1)
    curve = w6.transfer_comparison(w6.microstructure_task(), sizes=(2, 10), seeds=(0, 1, 2, 3, 4), steps=60)
    return curve, transfer.summarise(curve).set_index(["method", "n_per_class"])["mean"]


def test_deck_comparison_claims_hold(deck_comparison):
    """Slide title, notes, summary and alt text of the comparison: fine-tuned ImageNet features beat every
    method built on the small CNN (scratch, SSL) on every seed at 2 and 10 per class; the SSL backbone helps
    little over scratch; the quoted levels."""
    curve, m = deck_comparison
    acc = curve.pivot_table(index=["n_per_class", "seed"], columns="method", values="accuracy")
    others = acc.drop(columns=["finetune-imagenet", "probe-imagenet"]).max(axis=1)
    assert (acc["finetune-imagenet"] > others).all()
    for n in (2, 10):
        assert abs(m["finetune-micrograph", n] - m["scratch", n]) < 0.1
    assert 0.9 < m["finetune-imagenet", 2] < 1.0 and 0.9 < m["finetune-imagenet", 10] <= 1.0
    assert 0.75 < m["probe-imagenet", 2] < 0.85 and 0.35 < m["probe-random", 2] < 0.45
    for method in ("scratch", "probe-micrograph", "finetune-micrograph"):
        assert 0.45 < m[method, 2] < 0.6
    assert 0.8 < m["scratch", 10] < 0.9 and 0.8 < m["finetune-micrograph", 10] < 0.9
    # the exercise's solution (same pool, validation set, subsets and steps) says: the ImageNet gain over scratch
    # is still above the seed scatter at 10 per class; fine-tuning adds most over the probe at 2 per class
    spread = curve[curve["n_per_class"] == 10].groupby("method")["accuracy"].std().max()
    assert m["finetune-imagenet", 10] - m["scratch", 10] > spread
    assert m["finetune-imagenet", 2] - m["probe-imagenet", 2] > 0.08
    assert 0 <= m["finetune-imagenet", 10] - m["probe-imagenet", 10] < 0.05
    assert all(m["probe-imagenet", n] > m[method, n] for n in (2, 10) for method in ("scratch", "finetune-micrograph"))
    task = w6.microstructure_task()
    at5 = transfer.summarise(transfer.learning_curve(task.X_pool, task.y_pool, task.X_val, task.y_val, (5,), range(5),
                                                     methods=("finetune-imagenet", "probe-imagenet"), steps=60))
    at5 = at5.set_index("method")["mean"]
    assert 0 <= at5["finetune-imagenet"] - at5["probe-imagenet"] < 0.05


def test_deck_task_facts_hold():
    """Notes and alt text of the failure slide with the deck's five seeds: both photo-trained networks lose
    the BSE element against random weights; the SSL backbone loses the direction."""
    t = w6.transfer_tasks(micro=w6.microstructure_task()).set_index(["task", "backbone"])["mean"]
    morph, direction, bse = dict.fromkeys(t.index.get_level_values(0))
    assert t[morph, "imagenet"] > 0.85 and t[bse, "imagenet"] < 0.7 and t[bse, "natural"] < 0.7
    assert t[bse, "random"] > 0.85 and t[bse, "micrograph"] > t[bse, "random"]
    assert t[direction, "micrograph"] < t[direction, "random"] < min(t[direction, "natural"], t[direction, "imagenet"])
