"""Transfer learning for small micrograph data sets: one small CNN backbone, two ways to pretrain it, linear
probes, light fine-tuning and a learning-curve runner.

Labelled micrographs are expensive (a specimen has to be made, prepared, imaged and annotated by an expert),
so materials data sets are small, and the question of week 6 is how much a network pretrained elsewhere
helps. Two backbones are pretrained offline by ``code/pretrain_backbones.py`` and shipped in
``mlpc/data/weights/`` (how: ``mlpc/data/weights/README.md``):

- ``"natural"``, a course-made stand-in for an ImageNet model (the real one, EfficientNet-Lite0, is in
  :mod:`mlpc.efficientnet` and is what week 6 compares; the stand-in stays to show first-layer filters and
  the brightness invariance photo pretraining teaches): supervised
  classification of 64 × 64 px grey patches from ten CC0 / public-domain photographs bundled with
  scikit-image (bricks, gravel, grass, a cameraman, coins, an astronaut, coffee, a cat, a rocket, the Hubble
  deep field), with the augmentation usual for photographs (flips, brightness and contrast jitter);
- ``"micrograph"``, self-supervised on unlabelled micrographs (the companion book's Cahn–Hilliard
  microstructures only, Sandfeld 2024: never images of :func:`mlpc.datasets.micrographs.microstructure_classes`,
  the generator of the downstream task, which would decide the comparison by construction) with SimCLR
  (Chen, Kornblith, Norouzi & Hinton, ICML 2020): two views of one micrograph must
  map to nearby features, views of different micrographs apart. The views use only transformations that
  leave a micrograph physically the same: crops, the eight symmetry operations of the square (D4: the
  microstructures are statistically isotropic), a Gaussian probe of random width and Poisson counting
  noise at a random dose (the imaging chain of :mod:`mlpc.datasets.imaging`). No brightness or contrast
  jitter: grey level is a measurement (BSE yield, phase contrast).

The backbone keeps quantitative contrast: inputs are scaled by a FIXED affine map (``(x - 0.5) / 0.25``),
not standardised per image. Transfer is then tested the standard ways (Yosinski, Clune, Bengio & Lipson,
NeurIPS 2014; Kornblith, Shlens & Le, CVPR 2019): a linear probe (logistic regression on frozen features)
and light fine-tuning (backbone at a lower learning rate), against the small network trained from scratch,
on the same data, the same split, with the same steps and augmentation (:func:`learning_curve`, which also
runs the ImageNet EfficientNet: ``"probe-imagenet"``, ``"finetune-imagenet"``).

Everything is seeded and runs on the CPU. References: S. Sandfeld, *Materials Data Science*, Springer 2024
(neural networks and deep learning for image data); Stuckner, Harder & Smith, "Microstructure segmentation
with deep learning encoders pre-trained on a large microscopy dataset", *npj Comput. Mater.* 8, 200 (2022).
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from torch import nn
from torch.nn import functional as F

from mlpc import DATA_DIR

#: Fixed input scaling of the backbone (keeps absolute grey levels: no per-image standardisation).
INPUT_OFFSET = 0.5
INPUT_SCALE = 0.25
#: Width of the backbone's feature vector (after global average pooling).
FEATURE_DIM = 64
#: The shipped backbones, by name -> file stem in ``mlpc/data/weights``.
BACKBONES = {"natural": "natural_patches_cnn", "micrograph": "micrograph_simclr_cnn"}
#: Ten photographs bundled with scikit-image (CC0 or public domain): the natural-image pretraining classes.
NATURAL_IMAGES: dict[str, str] = {
    "brick": "brick.png", "gravel": "gravel.png", "grass": "grass.png", "camera": "camera.png",
    "coins": "coins.png", "astronaut": "astronaut.png", "coffee": "coffee.png", "chelsea": "chelsea.png",
    "rocket": "rocket.jpg", "hubble": "hubble_deep_field.jpg",
}
#: Cahn–Hilliard simulations used for self-supervised pretraining; the others are held out for validation.
CH_PRETRAIN_SIMULATIONS = tuple(range(15))
CH_VALIDATION_SIMULATIONS = (15, 16, 17)
#: The learning-curve methods: how the classifier of a downstream task is obtained.
METHODS = {
    "scratch": "small CNN from scratch",
    "probe-random": "probe: random weights",
    "probe-natural": "probe: photo-patch stand-in",
    "probe-micrograph": "probe: micrograph SSL",
    "probe-imagenet": "probe: ImageNet EfficientNet",
    "finetune-natural": "fine-tuned: photo-patch stand-in",
    "finetune-micrograph": "fine-tuned: micrograph SSL",
    "finetune-imagenet": "fine-tuned: ImageNet EfficientNet",
}


def weights_dir() -> Path:
    """``mlpc/data/weights``, package data (the shipped backbones and their records)."""
    return DATA_DIR / "weights"


def set_threads(n: int = 2) -> None:
    """Use ``n`` CPU threads in torch (the course's budget is two cores)."""
    if int(n) != n or n < 1:
        raise ValueError(f"n must be a positive integer number of threads, got {n!r}")
    torch.set_num_threads(int(n))


# --------------------------------------------------------------------------------------------------
# The backbone
# --------------------------------------------------------------------------------------------------

def _conv_bn_relu(c_in: int, c_out: int, kernel: int = 3, stride: int = 1) -> list[nn.Module]:
    return [nn.Conv2d(c_in, c_out, kernel, stride=stride, padding=kernel // 2, bias=False),
            nn.BatchNorm2d(c_out), nn.ReLU(inplace=True)]


class Backbone(nn.Module):
    """A small CNN feature extractor: 5 × 5 stem (16 filters, stride 2), three 3 × 3 conv stages (32, 64, 64
    channels) with batch normalisation, ReLU and max pooling, global average pooling -> 64 features.

    61 k weights (240 kB as float32). Input: micrographs (N, 1, H, W) with grey levels in [0, 1], any size
    ≥ 32 px; they are scaled by the fixed map ``(x - 0.5) / 0.25`` (absolute contrast is kept).
    """

    def __init__(self, seed: int = 0) -> None:
        super().__init__()
        torch.manual_seed(int(seed))
        self.stem = nn.Sequential(*_conv_bn_relu(1, 16, kernel=5, stride=2))
        self.body = nn.Sequential(
            nn.MaxPool2d(2), *_conv_bn_relu(16, 32),
            nn.MaxPool2d(2), *_conv_bn_relu(32, 64),
            nn.MaxPool2d(2), *_conv_bn_relu(64, FEATURE_DIM),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(self.stem((x - INPUT_OFFSET) / INPUT_SCALE))

    def first_layer_filters(self) -> np.ndarray:
        """The 16 stem filters, (16, 5, 5), as numpy (what the first layer looks for)."""
        return self.stem[0].weight.detach().cpu().numpy()[:, 0].copy()


class Classifier(nn.Module):
    """A backbone with a linear head: logits = W · features + b."""

    def __init__(self, backbone: Backbone, n_classes: int, seed: int = 0) -> None:
        super().__init__()
        self.backbone = backbone
        torch.manual_seed(int(seed) + 1)
        self.head = nn.Linear(FEATURE_DIM, int(n_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.backbone(x))


class ProjectionHead(nn.Module):
    """SimCLR's projection g(h): 64 -> 64 -> 32 with ReLU (Chen et al. 2020); used only for pretraining."""

    def __init__(self, out_dim: int = 32) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(FEATURE_DIM, FEATURE_DIM), nn.ReLU(inplace=True),
                                 nn.Linear(FEATURE_DIM, out_dim))

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return self.net(h)


def to_tensor(images: np.ndarray) -> torch.Tensor:
    """(N, H, W) or (H, W) grey images in [0, 1] -> float32 tensor (N, 1, H, W)."""
    arr = np.asarray(images, dtype=np.float32)
    if arr.ndim == 2:
        arr = arr[None]
    if arr.ndim != 3:
        raise ValueError(f"images must have shape (N, H, W) or (H, W), got {arr.shape}")
    if min(arr.shape[1:]) < 32:
        raise ValueError(f"images must be at least 32 px on a side, got {arr.shape[1:]}")
    return torch.from_numpy(np.ascontiguousarray(arr))[:, None]


def load_backbone(name: str = "micrograph", seed: int = 0) -> Backbone:
    """A backbone: ``"natural"`` or ``"micrograph"`` (shipped weights, see ``mlpc/data/weights/README.md``) or
    ``"random"`` (untrained, initialised from ``seed``). Returned in eval mode."""
    if name == "random":
        return Backbone(seed=seed).eval()
    if name not in BACKBONES:
        raise ValueError(f"name must be 'random' or one of {tuple(BACKBONES)}, got {name!r}")
    path = weights_dir() / f"{BACKBONES[name]}.pt"
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: run `python code/pretrain_backbones.py` once")
    state = torch.load(path, map_location="cpu", weights_only=True)
    backbone = Backbone()
    backbone.load_state_dict({k.removeprefix("backbone."): v for k, v in state.items()
                              if k.startswith("backbone.")})
    return backbone.eval()


def pretraining_record(name: str) -> dict:
    """The JSON record next to a shipped backbone (data, seed, steps, command, validation score, size)."""
    if name not in BACKBONES:
        raise ValueError(f"name must be one of {tuple(BACKBONES)}, got {name!r}")
    return json.loads((weights_dir() / f"{BACKBONES[name]}.json").read_text())


@torch.no_grad()
def extract_features(backbone: Backbone, images: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """Frozen features (N, 64) of ``images`` (N, H, W) in [0, 1] (backbone in eval mode)."""
    backbone.eval()
    x = to_tensor(images)
    return torch.cat([backbone(x[i:i + batch_size]) for i in range(0, len(x), batch_size)]).numpy()


def filter_frequency_response(filters: np.ndarray, n: int = 32) -> tuple[np.ndarray, np.ndarray]:
    """Radially averaged amplitude response |H(f)| of each filter (K, k, k), zero-padded to ``n`` × ``n``,
    normalised so that each filter's responses sum to 1. Returns (spatial frequency in cycles/px from 0 to
    0.5, responses (K, n_bins)). A smoothing (low-pass) filter peaks at f = 0, an edge or line detector
    at f > 0."""
    filters = np.asarray(filters, dtype=float)
    if filters.ndim != 3 or filters.shape[1] > n or filters.shape[2] > n:
        raise ValueError(f"filters must be (K, k, k) with k <= n={n}, got {filters.shape}")
    spec = np.abs(np.fft.fftshift(np.fft.fft2(filters, s=(n, n)), axes=(1, 2)))
    fy, fx = np.meshgrid(np.fft.fftshift(np.fft.fftfreq(n)), np.fft.fftshift(np.fft.fftfreq(n)), indexing="ij")
    radius = np.hypot(fx, fy)
    edges = np.linspace(0, 0.5, n // 2 + 1)
    which = np.digitize(radius.ravel(), edges) - 1
    ok = (which >= 0) & (which < len(edges) - 1)
    resp = np.stack([np.bincount(which[ok], weights=sp.ravel()[ok], minlength=len(edges) - 1)
                     / np.bincount(which[ok], minlength=len(edges) - 1) for sp in spec])
    resp = resp / resp.sum(axis=1, keepdims=True)
    return 0.5 * (edges[1:] + edges[:-1]), resp


def filter_similarity_to_init(backbone: Backbone, seed: int = 0) -> np.ndarray:
    """Cosine similarity of each first-layer filter to the same filter at initialisation (``Backbone(seed)``,
    the start of pretraining): 1 = unchanged by pretraining."""
    start = Backbone(seed=seed).first_layer_filters().reshape(16, -1)
    now = backbone.first_layer_filters().reshape(16, -1)
    return np.sum(start * now, axis=1) / (np.linalg.norm(start, axis=1) * np.linalg.norm(now, axis=1))


# --------------------------------------------------------------------------------------------------
# Physically allowed augmentation (torch, batch-wise, seeded)
# --------------------------------------------------------------------------------------------------

def dihedral(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Apply a random one of the 8 symmetry operations of the square (4 rotations × mirror) to each image.

    Allowed only when the label does not change under rotation: statistically isotropic microstructures
    (equiaxed grains, particles, spinodal structures), NOT lamellae whose direction matters, rolling
    textures or anything aligned with the build or scan direction.
    """
    k = torch.randint(0, 4, (len(x),), generator=gen)
    flip = torch.randint(0, 2, (len(x),), generator=gen).bool()
    out = x.clone()
    for r in range(4):
        sel = k == r
        if sel.any():
            out[sel] = torch.rot90(x[sel], r, dims=(-2, -1))
    out[flip] = torch.flip(out[flip], dims=(-1,))
    return out


def poisson_resample(x: torch.Tensor, gen: torch.Generator, dose_range: tuple[float, float] = (20.0, 300.0)
                     ) -> torch.Tensor:
    """Re-record each image at a random dose (log-uniform in ``dose_range``, counts per pixel): counts ~
    Poisson(dose × yield), image = counts / dose, as :func:`mlpc.datasets.imaging.shot_noise` (Reimer 1998).
    The mean grey level is kept (no contrast change)."""
    lo, hi = (float(v) for v in dose_range)
    if not 0 < lo <= hi:
        raise ValueError(f"dose_range must be (low, high) with 0 < low <= high, got {dose_range!r}")
    dose = torch.exp(math.log(lo) + (math.log(hi) - math.log(lo)) * torch.rand(len(x), 1, 1, 1, generator=gen))
    return torch.poisson(x.clamp(min=0) * dose, generator=gen) / dose


def gaussian_blur(x: torch.Tensor, gen: torch.Generator, fwhm_px: tuple[float, float] = (0.0, 2.5)
                  ) -> torch.Tensor:
    """Blur each image with a Gaussian probe of random FWHM (pixels), as
    :func:`mlpc.datasets.imaging.gaussian_psf` (a focus or probe-size change; reflected edges)."""
    lo, hi = (float(v) for v in fwhm_px)
    if not 0 <= lo <= hi <= 8:
        raise ValueError(f"fwhm_px must be (low, high) with 0 <= low <= high <= 8 px, got {fwhm_px!r}")
    sigma = (lo + (hi - lo) * torch.rand(len(x), generator=gen)).clamp(min=1e-3) / 2.3548
    half = 4
    t = torch.arange(-half, half + 1, dtype=torch.float32)
    k1 = torch.exp(-(t[None] ** 2) / (2 * sigma[:, None] ** 2))
    k1 = k1 / k1.sum(dim=1, keepdim=True)
    kernels = (k1[:, :, None] * k1[:, None, :])[:, None]  # (N, 1, 9, 9)
    padded = F.pad(x.transpose(0, 1), (half, half, half, half), mode="reflect")  # (1, N, H+8, W+8)
    return F.conv2d(padded, kernels, groups=len(x)).transpose(0, 1)


def random_crop(x: torch.Tensor, size: int, gen: torch.Generator) -> torch.Tensor:
    """A random ``size`` × ``size`` window of each image (no rescaling: the pixel size, hence the physical
    scale of grains and lamellae, is kept)."""
    n, _, h, w = x.shape
    if not 1 <= size <= min(h, w):
        raise ValueError(f"size must be in [1, {min(h, w)}] px, got {size!r}")
    ys = torch.randint(0, h - size + 1, (n,), generator=gen)
    xs = torch.randint(0, w - size + 1, (n,), generator=gen)
    return torch.stack([x[i, :, ys[i]:ys[i] + size, xs[i]:xs[i] + size] for i in range(n)])


def simclr_views(x: torch.Tensor, gen: torch.Generator, crop: int = 48) -> torch.Tensor:
    """One SimCLR view of each micrograph: crop -> D4 -> probe blur -> Poisson noise (no contrast jitter)."""
    return poisson_resample(gaussian_blur(dihedral(random_crop(x, crop, gen), gen), gen), gen)


def example_views(image: np.ndarray, n_views: int = 2, crop: int = 48, seed: int = 0) -> list[np.ndarray]:
    """``n_views`` SimCLR views (:func:`simclr_views`) of one micrograph (H, W) in [0, 1], as numpy arrays."""
    gen = torch.Generator().manual_seed(int(seed))
    x = to_tensor(image)
    return [simclr_views(x, gen, crop)[0, 0].numpy() for _ in range(int(n_views))]


def nt_xent(z1: torch.Tensor, z2: torch.Tensor, temperature: float = 0.2) -> torch.Tensor:
    """SimCLR's normalised temperature-scaled cross-entropy: each view must pick its partner out of the
    2N - 1 other views of the batch (Chen et al., ICML 2020, eq. 1)."""
    z = F.normalize(torch.cat([z1, z2]), dim=1)
    sim = z @ z.T / temperature
    n = len(z1)
    sim.fill_diagonal_(-1e9)
    target = torch.cat([torch.arange(n, 2 * n), torch.arange(0, n)])
    return F.cross_entropy(sim, target)


# --------------------------------------------------------------------------------------------------
# Pretraining data
# --------------------------------------------------------------------------------------------------

def load_natural_image(name: str) -> np.ndarray:
    """One of :data:`NATURAL_IMAGES` as grey levels in [0, 1], rescaled (anti-aliased) to a short side of
    256 px. Read from scikit-image's package folder with PIL, never through its downloader."""
    if name not in NATURAL_IMAGES:
        raise ValueError(f"name must be one of {tuple(NATURAL_IMAGES)}, got {name!r}")
    import skimage
    from PIL import Image

    path = Path(skimage.__file__).resolve().parent / "data" / NATURAL_IMAGES[name]
    if not path.exists():
        raise FileNotFoundError(f"{path} is not bundled with this scikit-image (it would need a download)")
    img = Image.open(path).convert("L")
    scale = 256 / min(img.size)
    img = img.resize((round(img.size[0] * scale), round(img.size[1] * scale)), Image.Resampling.LANCZOS)
    return np.asarray(img, dtype=np.float32) / 255.0


@dataclass(frozen=True)
class PatchSet:
    """Labelled grey patches: ``X`` (N, size, size) in [0, 1], ``y`` class index into ``class_names``."""

    X: np.ndarray
    y: np.ndarray
    class_names: tuple[str, ...]
    description: str


def natural_patches(n_per_class: int = 40, size: int = 64, split: str = "val", seed: int = 0) -> PatchSet:
    """Random ``size``-px patches of the ten photographs, labelled by photograph.

    ``split="train"`` draws from the left 75 % of each photograph, ``"val"`` from the right 25 %, so
    training and validation patches never overlap (no leakage through shared pixels).
    """
    if split not in ("train", "val"):
        raise ValueError(f"split must be 'train' or 'val', got {split!r}")
    if int(n_per_class) != n_per_class or not 1 <= n_per_class <= 10_000:
        raise ValueError(f"n_per_class must be an integer in [1, 10000], got {n_per_class!r}")
    if int(size) != size or not 32 <= size <= 64:
        raise ValueError(f"size must be an integer in [32, 64] px, got {size!r}")
    rng = np.random.default_rng(seed)
    names = tuple(NATURAL_IMAGES)
    X = np.empty((len(names) * n_per_class, size, size), dtype=np.float32)
    y = np.repeat(np.arange(len(names)), n_per_class)
    for c, name in enumerate(names):
        img = load_natural_image(name)
        h, w = img.shape
        x0, x1 = (0, int(0.75 * w) - size) if split == "train" else (int(0.75 * w), w - size)
        rows = rng.integers(0, h - size + 1, n_per_class)
        cols = rng.integers(x0, x1 + 1, n_per_class)
        for i, (r, q) in enumerate(zip(rows, cols, strict=True)):
            X[c * n_per_class + i] = img[r:r + size, q:q + size]
    return PatchSet(X=X, y=y.astype(np.int64), class_names=names,
                    description=f"{len(y)} {split} patches of {size} px from {len(names)} photographs")


def unlabelled_micrographs(ch_simulations: Sequence[int] = CH_PRETRAIN_SIMULATIONS, n_cahn_hilliard: int | None = None,
                           seed: int = 0) -> np.ndarray:
    """Unlabelled 64 × 64 micrographs in [0, 1] for self-supervised pretraining: Cahn–Hilliard microstructures
    of the companion book (mdsdata MDS-3, MIT; ``n_cahn_hilliard`` of them, all if None), shuffled.

    Deliberately NOT the generator of the downstream task (:func:`mlpc.datasets.micrographs.microstructure_classes`):
    a backbone pretrained on images of the very generator it is then tested on wins by construction."""
    from mlpc.datasets import book_data

    if not len(ch_simulations):
        raise ValueError("ch_simulations must name at least one Cahn–Hilliard simulation (0-17)")
    ch = book_data.load_cahn_hilliard(list(ch_simulations), n=n_cahn_hilliard, seed=seed)
    X = ch.images.astype(np.float32) / 255.0
    return X[np.random.default_rng(seed).permutation(len(X))]


# --------------------------------------------------------------------------------------------------
# Pretraining (run once by code/pretrain_backbones.py) and the recorded validation scores
# --------------------------------------------------------------------------------------------------

def _cosine_lr(step: int, steps: int, lr: float) -> float:
    return 0.5 * lr * (1 + math.cos(math.pi * step / steps))


def natural_training_regions() -> list[np.ndarray]:
    """The left 75 % of each photograph of :data:`NATURAL_IMAGES` (where training patches come from)."""
    return [img[:, :int(0.75 * img.shape[1])] for img in map(load_natural_image, NATURAL_IMAGES)]


def pretrain_natural(steps: int = 1500, batch_size: int = 128, size: int = 64, lr: float = 2e-3, seed: int = 0,
                     log_every: int = 0) -> Classifier:
    """Supervised pretraining on natural photographs (the ImageNet recipe in miniature): every step draws
    ``batch_size`` random ``size``-px patches from the training regions (:func:`natural_training_regions`),
    labelled by photograph, with horizontal flips, brightness (±0.1) and contrast (×0.7–1.3) jitter; Adam
    with cosine decay. Returns a :class:`Classifier` (backbone + head)."""
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    regions = [torch.from_numpy(np.ascontiguousarray(r)) for r in natural_training_regions()]
    model = Classifier(Backbone(seed=seed), len(regions), seed=seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=1e-4)
    model.train()
    for step in range(steps):
        for group in opt.param_groups:
            group["lr"] = _cosine_lr(step, steps, lr)
        yb = torch.randint(0, len(regions), (batch_size,), generator=gen)
        patches = []
        for c in yb.tolist():
            h, w = regions[c].shape
            r0 = int(torch.randint(0, h - size + 1, (1,), generator=gen))
            c0 = int(torch.randint(0, w - size + 1, (1,), generator=gen))
            patches.append(regions[c][r0:r0 + size, c0:c0 + size])
        xb = torch.stack(patches)[:, None]
        flip = torch.rand(batch_size, generator=gen) < 0.5
        xb[flip] = torch.flip(xb[flip], dims=(-1,))
        gain = 0.7 + 0.6 * torch.rand(batch_size, 1, 1, 1, generator=gen)
        offset = 0.2 * torch.rand(batch_size, 1, 1, 1, generator=gen) - 0.1
        mean = xb.mean(dim=(-2, -1), keepdim=True)
        xb = ((xb - mean) * gain + mean + offset).clamp(0, 1)
        loss = F.cross_entropy(model(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if log_every and step % log_every == 0:
            print(f"  natural step {step:5d}  loss {loss.item():.3f}", flush=True)
    return model.eval()


@torch.no_grad()
def natural_validation_accuracy(model: nn.Module, val: PatchSet) -> float:
    """Top-1 accuracy of the natural-image classifier on held-out patches (right 25 % of each photo)."""
    model.eval()
    logits = torch.cat([model(to_tensor(val.X[i:i + 256])) for i in range(0, len(val.X), 256)])
    return float((logits.argmax(1).numpy() == val.y).mean())


class SimCLRModel(nn.Module):
    """Backbone + projection head, trained with :func:`nt_xent` on :func:`simclr_views`."""

    def __init__(self, seed: int = 0) -> None:
        super().__init__()
        self.backbone = Backbone(seed=seed)
        self.head = ProjectionHead()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.backbone(x))


def pretrain_simclr(images: np.ndarray, steps: int = 1500, batch_size: int = 256, lr: float = 2e-3,
                    temperature: float = 0.2, crop: int = 48, seed: int = 0, log_every: int = 0) -> SimCLRModel:
    """Self-supervised SimCLR pretraining on unlabelled micrographs (N, 64, 64) with physically allowed
    views (:func:`simclr_views`); Adam with cosine decay. Returns the model (backbone + projection head)."""
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    model = SimCLRModel(seed=seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=1e-5)
    X = to_tensor(images)
    model.train()
    for step in range(steps):
        for group in opt.param_groups:
            group["lr"] = _cosine_lr(step, steps, lr)
        xb = X[torch.randint(0, len(X), (batch_size,), generator=gen)]
        loss = nt_xent(model(simclr_views(xb, gen, crop)), model(simclr_views(xb, gen, crop)), temperature)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if log_every and step % log_every == 0:
            print(f"  simclr step {step:5d}  loss {loss.item():.3f}", flush=True)
    return model.eval()


def micrograph_validation_set(seed: int = 12345) -> np.ndarray:
    """The seeded validation micrographs of the SSL backbone: 512 Cahn–Hilliard images of the held-out
    simulations 15–17 (never seen in pretraining)."""
    return unlabelled_micrographs(CH_VALIDATION_SIMULATIONS, n_cahn_hilliard=512, seed=seed)


@torch.no_grad()
def view_retrieval_accuracy(backbone: Backbone, images: np.ndarray, seed: int = 0, crop: int = 48) -> float:
    """SimCLR's pretext score on held-out micrographs: make two seeded views of each image; the fraction of
    first views whose nearest second view (cosine similarity of backbone features) is their own partner.
    Chance is 1 / N."""
    backbone.eval()
    gen = torch.Generator().manual_seed(seed)
    x = to_tensor(images)
    v1, v2 = simclr_views(x, gen, crop), simclr_views(x, gen, crop)
    f1 = F.normalize(torch.cat([backbone(v1[i:i + 256]) for i in range(0, len(x), 256)]), dim=1)
    f2 = F.normalize(torch.cat([backbone(v2[i:i + 256]) for i in range(0, len(x), 256)]), dim=1)
    return float((torch.argmax(f1 @ f2.T, dim=1) == torch.arange(len(x))).float().mean())


def load_pretext_model(name: str) -> nn.Module:
    """The whole shipped pretraining model (backbone + pretext head) in eval mode: a :class:`Classifier`
    over the ten photographs for ``"natural"``, a :class:`SimCLRModel` for ``"micrograph"``."""
    if name not in BACKBONES:
        raise ValueError(f"name must be one of {tuple(BACKBONES)}, got {name!r}")
    model: nn.Module = Classifier(Backbone(), len(NATURAL_IMAGES)) if name == "natural" else SimCLRModel()
    state = torch.load(weights_dir() / f"{BACKBONES[name]}.pt", map_location="cpu", weights_only=True)
    model.load_state_dict(state)
    return model.eval()


def validation_score(name: str, model: nn.Module | None = None, seed: int = 12345) -> float:
    """The pretext validation score of a pretraining model (the shipped one if ``model`` is None) on its
    seeded validation set: top-1 accuracy on 400 held-out photo patches (``"natural"``) or view retrieval
    accuracy on 512 held-out micrographs (``"micrograph"``)."""
    model = load_pretext_model(name) if model is None else model
    if name == "natural":
        return natural_validation_accuracy(model, natural_patches(n_per_class=40, split="val", seed=seed))
    if name == "micrograph":
        return view_retrieval_accuracy(model.backbone, micrograph_validation_set(seed), seed=seed)
    raise ValueError(f"name must be one of {tuple(BACKBONES)}, got {name!r}")


def save_weights(model: nn.Module, name: str, record: dict) -> dict:
    """Write ``model``'s float32 state_dict to ``mlpc/data/weights/<stem>.pt`` and ``record`` (plus the file name,
    its size in bytes and the number of backbone weights) to ``<stem>.json``. Returns the written record."""
    if name not in BACKBONES:
        raise ValueError(f"name must be one of {tuple(BACKBONES)}, got {name!r}")
    folder = weights_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{BACKBONES[name]}.pt"
    state = {k: v.detach().to(torch.float32) if v.is_floating_point() else v
             for k, v in model.state_dict().items()}
    torch.save(state, path)
    record = dict(record, file=path.name, file_size_bytes=path.stat().st_size,
                  backbone_parameters=sum(p.numel() for p in Backbone().parameters()))
    (folder / f"{BACKBONES[name]}.json").write_text(json.dumps(record, indent=2) + "\n")
    return record


# --------------------------------------------------------------------------------------------------
# Downstream: linear probe, fine-tuning, learning curves
# --------------------------------------------------------------------------------------------------

def stratified_subset(y: np.ndarray, n_per_class: int, seed: int = 0) -> np.ndarray:
    """Indices of ``n_per_class`` examples of every class, drawn with ``seed``. For one seed the subsets are
    nested (the first k of a class's permutation), so a larger training set contains the smaller ones."""
    y = np.asarray(y)
    classes, counts = np.unique(y, return_counts=True)
    if int(n_per_class) != n_per_class or not 1 <= n_per_class <= counts.min():
        raise ValueError(f"n_per_class must be an integer in [1, {counts.min()}], got {n_per_class!r}")
    rng = np.random.default_rng(seed)
    picks = [rng.permutation(np.flatnonzero(y == c))[:n_per_class] for c in classes]
    return np.sort(np.concatenate(picks))


def linear_probe_accuracy(f_train: np.ndarray, y_train: np.ndarray, f_val: np.ndarray, y_val: np.ndarray,
                          C: float = 1.0) -> float:
    """Accuracy on the validation features of a logistic regression (standardised features, L2 penalty
    ``1/C``) fitted to frozen training features: how linearly readable the task is from the backbone.

    The fit runs with one BLAS thread: its matrices are tiny (tens of images), and OpenBLAS's second thread
    only spins, which made a probe 5–9 × slower on a shared two-core machine (same result either way)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from threadpoolctl import threadpool_limits

    if C <= 0:
        raise ValueError(f"C must be > 0, got {C!r}")
    clf = make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=2000))
    with threadpool_limits(limits=1, user_api="blas"):
        clf.fit(f_train, y_train)
        return float((clf.predict(f_val) == np.asarray(y_val)).mean())


def fine_tune(X: np.ndarray, y: np.ndarray, init: str | Backbone = "scratch", n_classes: int | None = None,
              steps: int = 100, batch_size: int = 16, lr: float = 3e-3, backbone_lr_factor: float = 0.3,
              augment: Sequence[str] = ("d4",), crop: int | None = None, seed: int = 0) -> Classifier:
    """Train a :class:`Classifier` on micrographs ``X`` (N, H, W) in [0, 1] with labels ``y``.

    ``init``: ``"scratch"`` (random backbone from ``seed``), ``"natural"`` / ``"micrograph"`` (shipped
    weights) or a :class:`Backbone`. Pretrained backbones get the learning rate ``lr × backbone_lr_factor``
    (light fine-tuning: the features move a little, the new head a lot); from scratch every weight gets
    ``lr``. ``augment``: any of ``"d4"`` (rotations and mirrors: only for isotropic structures) and
    ``"dose"`` (Poisson re-recording at 20–300 counts/px). ``crop``: train on random ``crop``-px windows (no
    rescaling, so the pixel size is kept; about (crop/H)² of the cost), predict on whole images. Adam with
    cosine learning-rate decay over ``steps`` mini-batches, seeded. On a CPU the batches are channels-last
    (oneDNN's fast layout) and Adam is the fused kernel: about 1.5 × faster than the defaults, same recipe.
    """
    bad = [a for a in augment if a not in ("d4", "dose")]
    if bad:
        raise ValueError(f"augment must contain only 'd4' and 'dose', got {bad!r}")
    if int(steps) != steps or steps < 1:
        raise ValueError(f"steps must be a positive integer, got {steps!r}")
    y = np.asarray(y, dtype=np.int64)
    n_classes = int(n_classes or y.max() + 1)
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    if isinstance(init, Backbone):
        backbone, pretrained = init, True
    elif init == "scratch":
        backbone, pretrained = Backbone(seed=seed), False
    else:
        backbone, pretrained = load_backbone(init), True
    model = Classifier(backbone, n_classes, seed=seed).to(memory_format=torch.channels_last)
    factor = backbone_lr_factor if pretrained else 1.0
    opt = torch.optim.Adam([{"params": model.backbone.parameters(), "lr": lr * factor},
                            {"params": model.head.parameters(), "lr": lr}], fused=True)
    Xt, yt = to_tensor(X), torch.from_numpy(y)
    bs = min(int(batch_size), len(Xt))
    model.train()
    for step in range(int(steps)):
        for group, base in zip(opt.param_groups, (lr * factor, lr), strict=True):
            group["lr"] = _cosine_lr(step, int(steps), base)
        idx = torch.randperm(len(Xt), generator=gen)[:bs]
        xb = Xt[idx] if crop is None else random_crop(Xt[idx], int(crop), gen)
        if "d4" in augment:
            xb = dihedral(xb, gen)
        if "dose" in augment:
            xb = poisson_resample(xb, gen)
        loss = F.cross_entropy(model(xb.contiguous(memory_format=torch.channels_last)), yt[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
    return model.eval()


@torch.no_grad()
def predict(model: nn.Module, X: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """Class predictions of a trained classifier for images (N, H, W) in [0, 1]."""
    model.eval()
    x = to_tensor(X)
    return torch.cat([model(x[i:i + batch_size]).argmax(1) for i in range(0, len(x), batch_size)]).numpy()


def learning_curve(X_pool: np.ndarray, y_pool: np.ndarray, X_val: np.ndarray, y_val: np.ndarray,
                   n_per_class: Sequence[int], seeds: Sequence[int] = (0, 1, 2, 3, 4),
                   methods: Sequence[str] = ("scratch", "finetune-micrograph"), steps: int = 100,
                   batch_size: int = 16, augment: Sequence[str] = ("d4",), crop: int | None = None,
                   C: float = 1.0) -> pd.DataFrame:
    """Validation accuracy of each method at each training-set size and seed (one row each).

    For every seed a stratified, nested subset of ``n_per_class`` images per class is drawn from the pool;
    all methods see the same subset and are scored on the same validation set. Methods: keys of
    :data:`METHODS`; ``steps``, ``batch_size``, ``augment`` and ``crop`` go to :func:`fine_tune` (and the
    same ``steps``, ``batch_size`` and D4 augmentation to :func:`mlpc.efficientnet.fine_tune_tail` for
    ``"finetune-imagenet"``: same images, steps, batches and augmentation for every trained method).
    Frozen features are computed once per image. Columns: ``method``, ``n_per_class``, ``n_train``,
    ``seed``, ``accuracy``, ``seconds``.
    """
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        raise ValueError(f"unknown methods {unknown!r}; choose from {tuple(METHODS)}")
    subsets = {(s, int(n)): stratified_subset(y_pool, int(n), seed=s) for s in seeds for n in n_per_class}
    features: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for m in methods:
        if m.startswith("probe-") and m != "probe-imagenet":
            bb = load_backbone(m.removeprefix("probe-"))
            features[m] = (extract_features(bb, X_pool), extract_features(bb, X_val))
    imagenet = _imagenet_activations(X_pool, X_val, methods, subsets, augment, crop)
    if "probe-imagenet" in methods:
        from mlpc import efficientnet

        acts = imagenet["pool"][:, 0] if imagenet["pool"].ndim == 5 else imagenet["pool"]  # k = 0: identity
        used = efficientnet.pooled_features(imagenet["model"], acts)
        f_pool = np.zeros((len(y_pool), used.shape[1]), dtype=used.dtype)
        f_pool[imagenet["rows"]] = used
        features["probe-imagenet"] = (f_pool, efficientnet.pooled_features(imagenet["model"], imagenet["val"]))
    rows = []
    for seed in seeds:
        for n in n_per_class:
            idx = subsets[seed, int(n)]
            for m in methods:
                t0 = time.perf_counter()
                if m in features:
                    f_pool, f_val = features[m]
                    acc = linear_probe_accuracy(f_pool[idx], y_pool[idx], f_val, y_val, C=C)
                elif m == "finetune-imagenet":
                    acc = _imagenet_fine_tune_accuracy(imagenet, idx, y_pool, y_val, steps, batch_size, seed)
                else:
                    init = "scratch" if m == "scratch" else m.removeprefix("finetune-")
                    model = fine_tune(X_pool[idx], y_pool[idx], init=init, n_classes=int(np.max(y_pool)) + 1,
                                      steps=steps, batch_size=batch_size, augment=augment, crop=crop,
                                      seed=seed)
                    acc = float((predict(model, X_val) == y_val).mean())
                rows.append({"method": m, "n_per_class": int(n), "n_train": len(idx), "seed": int(seed),
                             "accuracy": acc, "seconds": time.perf_counter() - t0})
    return pd.DataFrame(rows)


def _imagenet_activations(X_pool: np.ndarray, X_val: np.ndarray, methods: Sequence[str],
                          subsets: dict[tuple[int, int], np.ndarray], augment: Sequence[str],
                          crop: int | None) -> dict:
    """Frozen EfficientNet trunk activations, once: for the pool images any subset uses (all 8 symmetry
    operations when fine-tuning with ``"d4"``) and for the validation set. Empty when no ImageNet method."""
    if not any(m.endswith("-imagenet") for m in methods):
        return {}
    if crop is not None or any(a != "d4" for a in augment):
        raise ValueError("the ImageNet methods train on precomputed activations: use augment=('d4',) or (), "
                         f"crop=None; got augment={tuple(augment)!r}, crop={crop!r}")
    from mlpc import efficientnet

    model = efficientnet.load_efficientnet()
    rows = np.unique(np.concatenate(list(subsets.values())))
    d4 = "finetune-imagenet" in methods and "d4" in augment
    pool = efficientnet.trunk_activations(model, X_pool[rows], d4=d4)
    where = np.full(len(X_pool), -1)
    where[rows] = np.arange(len(rows))
    return {"model": model, "rows": rows, "where": where, "pool": pool,
            "val": efficientnet.trunk_activations(model, X_val)}


def _imagenet_fine_tune_accuracy(imagenet: dict, idx: np.ndarray, y_pool: np.ndarray, y_val: np.ndarray,
                                 steps: int, batch_size: int, seed: int) -> float:
    from mlpc import efficientnet

    tail = efficientnet.fine_tune_tail(imagenet["model"], imagenet["pool"][imagenet["where"][idx]], y_pool[idx],
                                       n_classes=int(np.max(y_pool)) + 1, steps=steps, batch_size=batch_size,
                                       seed=seed)
    return float((efficientnet.predict_tail(tail, imagenet["val"]) == np.asarray(y_val)).mean())


def summarise(curve: pd.DataFrame) -> pd.DataFrame:
    """Mean and standard deviation (ddof=1) of the accuracy over seeds, per method and training-set size."""
    g = curve.groupby(["method", "n_per_class", "n_train"], sort=False)["accuracy"]
    out = g.agg(mean="mean", std="std", n_seeds="count").reset_index()
    return out


__all__ = [
    "BACKBONES",
    "FEATURE_DIM",
    "METHODS",
    "NATURAL_IMAGES",
    "Backbone",
    "Classifier",
    "PatchSet",
    "ProjectionHead",
    "SimCLRModel",
    "dihedral",
    "example_views",
    "extract_features",
    "filter_frequency_response",
    "filter_similarity_to_init",
    "fine_tune",
    "gaussian_blur",
    "learning_curve",
    "linear_probe_accuracy",
    "load_backbone",
    "load_natural_image",
    "load_pretext_model",
    "micrograph_validation_set",
    "natural_patches",
    "natural_training_regions",
    "natural_validation_accuracy",
    "nt_xent",
    "poisson_resample",
    "predict",
    "pretrain_natural",
    "pretrain_simclr",
    "pretraining_record",
    "random_crop",
    "save_weights",
    "set_threads",
    "simclr_views",
    "stratified_subset",
    "summarise",
    "to_tensor",
    "unlabelled_micrographs",
    "validation_score",
    "view_retrieval_accuracy",
    "weights_dir",
]
