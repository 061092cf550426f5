"""Pretrain the two small CNN backbones of week 6 and ship them in ``code/mlpc/data/weights/``.

    python code/pretrain_backbones.py                 # both, with the shipped settings
    python code/pretrain_backbones.py --only natural  # one of them

1. ``natural``: the ImageNet stand-in, supervised on patches of ten photographs bundled with scikit-image
   (:func:`mlpc.transfer.pretrain_natural`); validation = top-1 accuracy on 400 patches from the held-out
   right quarter of each photograph.
2. ``micrograph``: self-supervised SimCLR on unlabelled micrographs, Cahn–Hilliard simulations 0–14 of the
   companion book ONLY (:func:`mlpc.transfer.pretrain_simclr`): never images of the downstream task's
   generator (``microstructure_classes``), which would decide the week's comparison by construction;
   validation = view retrieval accuracy on 512 micrographs of the held-out simulations 15–17
   (:func:`mlpc.transfer.view_retrieval_accuracy`).

Each run writes ``<name>.pt`` (float32 state_dict) and ``<name>.json`` (data, seed, steps, command, the
validation score, time, file size). Not run during the build: it takes a few minutes on 2 cores. Seeded and
deterministic for a fixed number of threads.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from importlib.metadata import version

from mlpc import transfer  # first: it makes idle OpenMP threads sleep before torch loads (busy 2-core machines)

#: The shipped settings (what code/mlpc/data/weights/README.md documents).
NATURAL = {"steps": 1500, "batch_size": 128, "lr": 2e-3, "seed": 0}
MICROGRAPH = {"steps": 600, "batch_size": 128, "lr": 2e-3, "temperature": 0.2, "crop": 48, "seed": 0}
VALIDATION_SEED = 12345


def _common(threads: int, seconds: float) -> dict:
    return {"command": "python code/pretrain_backbones.py", "torch_version": version("torch"),
            "python": platform.python_version(), "threads": threads, "train_time_s": round(seconds, 1)}


def run_natural(threads: int, steps: int | None = None) -> dict:
    cfg = dict(NATURAL, steps=steps or NATURAL["steps"])
    t0 = time.perf_counter()
    model = transfer.pretrain_natural(steps=cfg["steps"], batch_size=cfg["batch_size"], lr=cfg["lr"],
                                      seed=cfg["seed"], log_every=100)
    seconds = time.perf_counter() - t0
    acc = transfer.validation_score("natural", model, seed=VALIDATION_SEED)
    record = {
        "name": "natural", "pretext": "supervised classification of 64 px grey patches by photograph (10 classes)",
        "data": "skimage bundled photographs " + ", ".join(transfer.NATURAL_IMAGES.values())
                + " (CC0 / public domain), short side rescaled to 256 px; training patches from the left 75 %",
        "augmentation": "horizontal flip, brightness ±0.1, contrast ×0.7–1.3",
        **cfg,
        "validation": {"metric": "top-1 accuracy", "value": acc, "n": 400, "chance": 1 / 10,
                       "set": f"natural_patches(n_per_class=40, split='val', seed={VALIDATION_SEED})"},
        **_common(threads, seconds),
    }
    return transfer.save_weights(model, "natural", record)


def run_micrograph(threads: int, steps: int | None = None) -> dict:
    cfg = dict(MICROGRAPH, steps=steps or MICROGRAPH["steps"])
    images = transfer.unlabelled_micrographs(transfer.CH_PRETRAIN_SIMULATIONS, seed=cfg["seed"])
    t0 = time.perf_counter()
    model = transfer.pretrain_simclr(images, steps=cfg["steps"], batch_size=cfg["batch_size"], lr=cfg["lr"],
                                     temperature=cfg["temperature"], crop=cfg["crop"], seed=cfg["seed"],
                                     log_every=100)
    seconds = time.perf_counter() - t0
    acc = transfer.validation_score("micrograph", model, seed=VALIDATION_SEED)
    record = {
        "name": "micrograph", "pretext": "SimCLR contrastive (NT-Xent), two views per micrograph",
        "data": (f"{len(images)} unlabelled 64 px micrographs: Cahn-Hilliard simulations 0-14 of mdsdata MDS-3 "
                 "(MIT; Sandfeld 2024) only; no image of the downstream generator "
                 "(mlpc.datasets.micrographs.microstructure_classes)"),
        "augmentation": "48 px crop, D4 rotation/mirror, Gaussian probe FWHM 0-2.5 px, Poisson dose 20-300 /px; "
                        "no contrast jitter",
        **cfg,
        "validation": {"metric": "view retrieval top-1 accuracy (backbone features, cosine)", "value": acc,
                       "n": 512, "chance": 1 / 512,
                       "set": f"micrograph_validation_set({VALIDATION_SEED}): 512 images of Cahn-Hilliard simulations "
                              "15-17; views seeded with the same seed"},
        **_common(threads, seconds),
    }
    return transfer.save_weights(model, "micrograph", record)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=("natural", "micrograph"), help="pretrain one backbone only")
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads (default 2)")
    parser.add_argument("--steps", type=int, default=None, help="override the number of steps (testing only)")
    args = parser.parse_args(argv)
    transfer.set_threads(args.threads)
    for name, run in (("natural", run_natural), ("micrograph", run_micrograph)):
        if args.only in (None, name):
            print(f"pretraining {name} ...", flush=True)
            record = run(args.threads, args.steps)
            print(f"{name}: {record['validation']['metric']} = {record['validation']['value']:.4f} "
                  f"({record['train_time_s']} s, {record['file_size_bytes']} bytes)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
