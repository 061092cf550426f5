"""The shipped backbones in mlpc/data/weights (package data): small float32 state_dicts, documented, and their recorded
pretext validation scores reproduce from the files on the seeded validation sets."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from mlpc import transfer

transfer.set_threads(2)
NAMES = tuple(transfer.BACKBONES)


@pytest.mark.parametrize("name", NAMES)
def test_weights_are_small_float32_state_dicts_with_a_complete_record(name):
    path = transfer.weights_dir() / f"{transfer.BACKBONES[name]}.pt"
    record = json.loads(path.with_suffix(".json").read_text())
    assert path.stat().st_size < 1_000_000
    assert record["file_size_bytes"] == path.stat().st_size
    state = torch.load(path, map_location="cpu", weights_only=True)
    floats = [v for v in state.values() if v.is_floating_point()]
    assert floats and all(v.dtype == torch.float32 for v in floats)
    for key in ("data", "seed", "steps", "command", "validation", "train_time_s", "augmentation"):
        assert key in record, f"{name}: record lacks {key!r}"
    assert record["command"] == "python code/pretrain_backbones.py"


def test_natural_backbone_reproduces_its_recorded_validation_accuracy():
    record = transfer.pretraining_record("natural")
    score = transfer.validation_score("natural")
    assert abs(score - record["validation"]["value"]) <= 0.005
    assert score > 5 * record["validation"]["chance"]


def test_micrograph_backbone_reproduces_its_recorded_view_retrieval_accuracy():
    record = transfer.pretraining_record("micrograph")
    score = transfer.validation_score("micrograph")
    assert abs(score - record["validation"]["value"]) <= 0.005
    assert score > 20 * record["validation"]["chance"]
    # the untrained network with the same architecture is far worse: the score measures pretraining
    untrained = transfer.view_retrieval_accuracy(transfer.Backbone(seed=0), transfer.micrograph_validation_set())
    assert untrained < score / 2


def test_ssl_pretraining_data_hold_no_image_of_the_downstream_generator():
    """The SSL backbone must not have seen the generator of the week's downstream task (that would decide the
    comparison by construction): its data are Cahn–Hilliard simulations 0–14 only, checked image by image."""
    from mlpc.datasets import book_data, micrographs

    record = transfer.pretraining_record("micrograph")
    assert "Cahn-Hilliard simulations 0-14" in record["data"] and "n_synthetic" not in record
    images = transfer.unlabelled_micrographs(transfer.CH_PRETRAIN_SIMULATIONS, seed=record["seed"])
    ch = book_data.load_cahn_hilliard(list(transfer.CH_PRETRAIN_SIMULATIONS))
    ch_keys = {img.tobytes() for img in (ch.images.astype(np.float32) / 255.0)}
    assert len(images) == len(ch.energy) and all(img.tobytes() in ch_keys for img in images)
    for seed in (0, 101, 202):  # the old pretraining seed and the downstream pool and validation seeds
        synthetic = micrographs.microstructure_classes(5, 64, seed=seed).X.astype(np.float32)
        assert not {img.tobytes() for img in synthetic} & ch_keys
    assert not set(transfer.CH_PRETRAIN_SIMULATIONS) & set(transfer.CH_VALIDATION_SIMULATIONS)


def test_pretraining_moved_the_weights_away_from_their_common_start():
    start = transfer.Backbone(seed=0).state_dict()
    nat, mic = transfer.load_backbone("natural").state_dict(), transfer.load_backbone("micrograph").state_dict()
    w = "body.9.weight"  # the last convolution
    assert not np.allclose(nat[w], start[w]) and not np.allclose(mic[w], start[w])
    assert not np.allclose(nat[w], mic[w])


def test_readme_states_what_the_records_say(root):
    readme = (transfer.weights_dir() / "README.md").read_text()
    for name in NAMES:
        record = transfer.pretraining_record(name)
        assert record["file"] in readme
        assert f"{record['validation']['value']:.4f}" in readme
        assert f"{record['file_size_bytes']:,}" in readme
        assert f"{record['train_time_s']:.0f} s" in readme
