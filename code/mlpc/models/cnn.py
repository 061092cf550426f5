"""Small convolutional networks for micrographs: a classifier, a U-Net-like segmenter and a seeded CPU
training loop, with parameter counts and receptive fields.

Both networks are deliberately small (a few thousand to a few ten thousand weights) so that they train in
seconds on two CPU cores on 64 × 64 px images, yet they contain every idea of the large ones:

- :class:`SmallCNN` classifies a whole micrograph: three convolution + ReLU stages, max pooling between
  them, global average pooling and one linear layer (the LeNet pattern, LeCun, Bottou, Bengio & Haffner,
  *Proc. IEEE* 86, 2278, 1998; global average pooling: Lin, Chen & Yan, ICLR 2014);
- :class:`SmallUNet` labels every pixel (segmentation): a two-level encoder–decoder with skip connections
  (Ronneberger, Fischer & Brox, "U-Net", MICCAI 2015, LNCS 9351, 234), the architecture most used to
  segment micrographs (Azimi et al., *Sci. Rep.* 8, 2128, 2018; Holm et al., *Metall. Mater. Trans. A*
  51, 5985, 2020);
- :class:`PixelMLP` is the fully connected baseline on the same pixels (week 4), for an honest
  parameter and accuracy comparison;
- :func:`receptive_field` computes how many input pixels one output depends on (Araujo, Norris & Sim,
  "Computing receptive fields of convolutional neural networks", *Distill*, 2019) and
  :func:`effective_receptive_field` measures it from gradients (Luo, Li, Urtasun & Zemel, NeurIPS 2016).

Each network standardises every input image (zero mean, unit variance) in its first step: brightness and
contrast of a micrograph depend on detector gain and offset, not on the microstructure.

Everything is seeded (weights from ``seed``, batches from a ``torch.Generator``), runs on the CPU and is
bit-for-bit repeatable for a fixed number of threads. Textbook: S. Sandfeld, *Materials Data Science*,
Springer 2024, ch. 17 (neural networks).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

#: A layer of a receptive-field calculation: (kind, kernel size, stride); kind is "conv", "pool" or "up".
Layer = tuple[str, int, int]


def _standardise(x: torch.Tensor, on: bool = True) -> torch.Tensor:
    """Per-image zero mean and unit standard deviation (removes detector gain and offset)."""
    if not on:
        return x
    mean = x.mean(dim=(-2, -1), keepdim=True)
    std = x.std(dim=(-2, -1), keepdim=True)
    return (x - mean) / (std + 1e-6)


def _seeded_init(module: nn.Module, seed: int) -> None:
    """Initialise every conv/linear layer from one seeded generator (He uniform, zero biases)."""
    gen = torch.Generator().manual_seed(int(seed))
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            # a transposed conv with kernel = stride reads one pixel of each input channel per output
            fan_in = m.weight.shape[0] if isinstance(m, nn.ConvTranspose2d) else m.weight[0].numel()
            bound = float(np.sqrt(6.0 / fan_in))  # Kaiming/He uniform for ReLU (He et al., ICCV 2015)
            with torch.no_grad():
                m.weight.uniform_(-bound, bound, generator=gen)
                if m.bias is not None:
                    m.bias.zero_()


#: The first-layer filters of :class:`SmallCNN` start at this fraction of the He scale: what they show after
#: training is then what the data put there (and on the four-class micrographs it also learns faster).
FIRST_LAYER_INIT_SCALE = 0.1


class SmallCNN(nn.Module):
    """A small classifier for micrographs (one channel, any size ≥ 16 px).

    conv 5×5 (1 → c) → ReLU → max-pool 2 → conv 3×3 (c → 2c) → ReLU → max-pool 2 → conv 3×3 (2c → 4c) →
    ReLU → global average pool → linear (4c → ``n_classes``). With c = 8 and four classes: 6,148 weights.
    The first layer uses 5 × 5 kernels, initialised small (:data:`FIRST_LAYER_INIT_SCALE`), so that the
    learned filters can be looked at.
    """

    def __init__(self, n_classes: int = 4, channels: int = 8, seed: int = 0) -> None:
        super().__init__()
        if int(n_classes) != n_classes or n_classes < 2:
            raise ValueError(f"n_classes must be an integer >= 2, got {n_classes!r}")
        if int(channels) != channels or not 1 <= channels <= 64:
            raise ValueError(f"channels must be an integer in [1, 64], got {channels!r}")
        c = int(channels)
        self.conv1 = nn.Conv2d(1, c, 5, padding=2)
        self.conv2 = nn.Conv2d(c, 2 * c, 3, padding=1)
        self.conv3 = nn.Conv2d(2 * c, 4 * c, 3, padding=1)
        self.head = nn.Linear(4 * c, int(n_classes))
        _seeded_init(self, seed)
        with torch.no_grad():
            self.conv1.weight.mul_(FIRST_LAYER_INIT_SCALE)

    #: Standardise each input image first (switched off only to measure receptive fields).
    standardise: bool = True

    #: The layers an output of conv3 sees through, for :func:`receptive_field`.
    layers: tuple[Layer, ...] = (("conv", 5, 1), ("pool", 2, 2), ("conv", 3, 1), ("pool", 2, 2),
                                 ("conv", 3, 1))

    def features(self, x: torch.Tensor) -> list[torch.Tensor]:
        """Feature maps after each conv + ReLU stage (before pooling): [stage 1, stage 2, stage 3]."""
        x = _standardise(x, self.standardise)
        f1 = F.relu(self.conv1(x))
        f2 = F.relu(self.conv2(F.max_pool2d(f1, 2)))
        f3 = F.relu(self.conv3(F.max_pool2d(f2, 2)))
        return [f1, f2, f3]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Class logits, shape (N, n_classes), for images of shape (N, 1, H, W)."""
        return self.head(self.features(x)[-1].mean(dim=(-2, -1)))


class PixelMLP(nn.Module):
    """The fully connected baseline: flatten the (standardised) image, one hidden ReLU layer, logits.

    For a 64 × 64 image and 64 hidden units: 4096 × 64 + 64 + 64 × 4 + 4 = 262,468 weights.
    """

    def __init__(self, image_size: int = 64, n_classes: int = 4, hidden: int = 64, seed: int = 0) -> None:
        super().__init__()
        if int(image_size) != image_size or not 8 <= image_size <= 512:
            raise ValueError(f"image_size must be an integer in [8, 512], got {image_size!r}")
        if int(hidden) != hidden or hidden < 1:
            raise ValueError(f"hidden must be a positive integer, got {hidden!r}")
        self.image_size = int(image_size)
        self.standardise = True
        self.hidden = nn.Linear(self.image_size**2, int(hidden))
        self.head = nn.Linear(int(hidden), int(n_classes))
        _seeded_init(self, seed)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Class logits for images of shape (N, 1, image_size, image_size)."""
        if x.shape[-1] != self.image_size or x.shape[-2] != self.image_size:
            raise ValueError(f"PixelMLP was built for {self.image_size} px images, got {tuple(x.shape[-2:])}")
        return self.head(F.relu(self.hidden(_standardise(x, self.standardise).flatten(1))))


class SmallUNet(nn.Module):
    """A two-level U-Net: per-pixel logits (N, ``n_out``, H, W) for H, W divisible by 4.

    Encoder: two 3×3 convs (1 → c), max-pool, two 3×3 convs (c → 2c), max-pool, bottleneck two 3×3 convs
    (2c → 4c). Decoder: 2×2 transposed conv up, concatenate the encoder map of the same size (skip
    connection: the exact position of an edge comes back), two 3×3 convs; repeat; 1×1 conv to ``n_out``
    logits. With c = 8 and one output: 29,641 weights with batch normalisation after every convolution
    (Ioffe & Szegedy, ICML 2015; the default), 29,321 without; theoretical receptive field 44 px (see
    :func:`receptive_field` with :attr:`layers`).
    """

    def __init__(self, n_out: int = 1, channels: int = 8, batch_norm: bool = True, seed: int = 0) -> None:
        super().__init__()
        if int(n_out) != n_out or n_out < 1:
            raise ValueError(f"n_out must be a positive integer, got {n_out!r}")
        if int(channels) != channels or not 1 <= channels <= 64:
            raise ValueError(f"channels must be an integer in [1, 64], got {channels!r}")
        c = int(channels)

        def block(cin: int, cout: int) -> nn.Sequential:
            norm = (lambda: nn.BatchNorm2d(cout)) if batch_norm else nn.Identity
            return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1), norm(), nn.ReLU(),
                                 nn.Conv2d(cout, cout, 3, padding=1), norm(), nn.ReLU())

        self.enc1, self.enc2, self.bottom = block(1, c), block(c, 2 * c), block(2 * c, 4 * c)
        self.up2 = nn.ConvTranspose2d(4 * c, 2 * c, 2, stride=2)
        self.dec2 = block(4 * c, 2 * c)
        self.up1 = nn.ConvTranspose2d(2 * c, c, 2, stride=2)
        self.dec1 = block(2 * c, c)
        self.out = nn.Conv2d(c, int(n_out), 1)
        _seeded_init(self, seed)

    standardise: bool = True

    #: The deepest path from input to output, for :func:`receptive_field` (skips see less).
    layers: tuple[Layer, ...] = (("conv", 3, 1), ("conv", 3, 1), ("pool", 2, 2), ("conv", 3, 1),
                                 ("conv", 3, 1), ("pool", 2, 2), ("conv", 3, 1), ("conv", 3, 1),
                                 ("up", 2, 2), ("conv", 3, 1), ("conv", 3, 1), ("up", 2, 2),
                                 ("conv", 3, 1), ("conv", 3, 1), ("conv", 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[-1] % 4 or x.shape[-2] % 4:
            raise ValueError(f"SmallUNet needs H and W divisible by 4, got {tuple(x.shape[-2:])}")
        e1 = self.enc1(_standardise(x, self.standardise))
        e2 = self.enc2(F.max_pool2d(e1, 2))
        b = self.bottom(F.max_pool2d(e2, 2))
        d2 = self.dec2(torch.cat([self.up2(b), e2], dim=1))
        d1 = self.dec1(torch.cat([self.up1(d2), e1], dim=1))
        return self.out(d1)


def count_parameters(model: nn.Module) -> int:
    """Number of trainable weights and biases."""
    return int(sum(p.numel() for p in model.parameters() if p.requires_grad))


def receptive_field(layers: tuple[Layer, ...] | list[Layer]) -> int:
    """Theoretical receptive field (px) of one output of a chain of layers.

    For a convolution or pooling of kernel k after layers with cumulative stride (jump) j the field grows
    by (k − 1) j and the jump becomes j s (Araujo, Norris & Sim, *Distill* 2019). An "up" layer (transposed
    convolution with kernel = stride s) reads one input per output: the field does not grow and the jump
    shrinks to j / s.
    """
    r, j = 1.0, 1.0
    for kind, k, s in layers:
        if kind not in ("conv", "pool", "up") or k < 1 or s < 1:
            raise ValueError(f"a layer is (kind in conv/pool/up, kernel >= 1, stride >= 1), got {(kind, k, s)!r}")
        if kind == "up":
            if k != s:
                raise ValueError(f"an 'up' layer needs kernel == stride, got {(kind, k, s)!r}")
            j /= s
        else:
            r += (k - 1) * j
            j *= s
    return int(round(r))


def effective_receptive_field(model: nn.Module, size: int = 64, n_samples: int = 8, seed: int = 0,
                              dense: Callable[[torch.Tensor], torch.Tensor] | None = None) -> np.ndarray:
    """|∂ (outputs at the image centre) / ∂ input|, averaged over random inputs (Luo et al., NeurIPS 2016).

    ``dense`` maps a batch of images to a dense map (N, C, H', W'); default: the model itself (a segmenter),
    for :class:`SmallCNN` pass ``lambda x: model.features(x)[-1]``. The gradient of the sum over channels at
    the centre location is taken with the per-image standardisation switched off (it couples every pixel to
    every other). Returns a (size, size) map with maximum 1: its non-zero support is the theoretical
    receptive field, its bulk (the effective receptive field) is much smaller and roughly Gaussian.
    """
    if int(size) != size or size < 8:
        raise ValueError(f"size must be an integer >= 8, got {size!r}")
    gen = torch.Generator().manual_seed(int(seed))
    x = torch.rand((int(n_samples), 1, int(size), int(size)), generator=gen, requires_grad=True)
    was_training, was_standardising = model.training, getattr(model, "standardise", False)
    model.eval()
    model.standardise = False
    try:
        out = (dense or model)(x)
        out[:, :, out.shape[-2] // 2, out.shape[-1] // 2].sum().backward()
    finally:
        model.train(was_training)
        model.standardise = was_standardising
    erf = x.grad.abs().mean(dim=0)[0].numpy()
    return erf / erf.max()


@dataclass
class History:
    """Per-epoch learning curves of :func:`fit`: losses and the score (accuracy for a classifier, IoU of
    the positive class for a segmenter) on the training and validation sets, and the wall time (s)."""

    train_loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    train_score: list[float] = field(default_factory=list)
    val_score: list[float] = field(default_factory=list)
    seconds: float = 0.0
    task: str = "classify"

    @property
    def best_epoch(self) -> int:
        """Epoch (1-based) with the lowest validation loss (where early stopping would stop)."""
        return int(np.argmin(self.val_loss)) + 1 if self.val_loss else 0


def _as_tensor(X: np.ndarray) -> torch.Tensor:
    arr = np.asarray(X, dtype=np.float32)
    if arr.ndim == 3:
        arr = arr[:, None]
    if arr.ndim != 4 or arr.shape[1] != 1:
        raise ValueError(f"images must have shape (N, H, W) or (N, 1, H, W), got {arr.shape}")
    return torch.from_numpy(np.ascontiguousarray(arr))


def _dihedral(x: torch.Tensor, y: torch.Tensor | None, gen: torch.Generator) -> tuple[torch.Tensor, ...]:
    """Random rotation by a multiple of 90° and a random flip, the same for an image and its mask.

    Valid for a section of an isotropic microstructure (no preferred direction); not for a build direction
    in AM or a rolling direction, whose orientation carries physics."""
    k = int(torch.randint(0, 4, (1,), generator=gen))
    flip = bool(torch.randint(0, 2, (1,), generator=gen))
    x = torch.rot90(x, k, dims=(-2, -1))
    x = torch.flip(x, dims=(-1,)) if flip else x
    if y is not None and y.ndim == 4:
        y = torch.rot90(y, k, dims=(-2, -1))
        y = torch.flip(y, dims=(-1,)) if flip else y
    return x, y


def _loss_and_score(model: nn.Module, task: str, x: torch.Tensor, y: torch.Tensor,
                    pos_weight: float, dice_weight: float) -> tuple[torch.Tensor, float, float]:
    """Loss, and the numerator/denominator of the score (correct/total or intersection/union)."""
    out = model(x)
    if task == "classify":
        loss = F.cross_entropy(out, y)
        return loss, float((out.argmax(1) == y).sum()), float(len(y))
    loss = F.binary_cross_entropy_with_logits(out, y, pos_weight=torch.tensor(pos_weight))
    if dice_weight:
        prob = torch.sigmoid(out)
        soft_dice = (2 * (prob * y).sum() + 1.0) / (prob.sum() + y.sum() + 1.0)
        loss = loss + dice_weight * (1.0 - soft_dice)
    pred = out > 0
    truth = y > 0.5
    return loss, float((pred & truth).sum()), float((pred | truth).sum())


def fit(model: nn.Module, X_train: np.ndarray, y_train: np.ndarray, X_val: np.ndarray, y_val: np.ndarray,
        epochs: int = 10, batch_size: int = 32, lr: float = 3e-3, weight_decay: float = 0.0,
        augment: bool = False, pos_weight: float = 1.0, dice_weight: float = 0.0, seed: int = 0,
        n_threads: int = 2) -> History:
    """Train ``model`` with Adam (Kingma & Ba, ICLR 2015) and return the learning curves.

    The task follows the labels: integer class labels of shape (N,) → classification with cross-entropy;
    masks of shape (N, H, W) → binary segmentation with a per-pixel logistic loss, ``pos_weight`` > 1
    up-weighting the rare positive pixels (pores are a few % of a section). ``augment`` applies random
    90° rotations and flips (the symmetry of an isotropic section). Batches are drawn from a generator
    seeded with ``seed``; ``n_threads`` fixes torch's CPU threads (same threads + seed → same weights).
    Validation loss and score are computed after every epoch on the whole validation set.
    """
    if int(epochs) != epochs or not 1 <= epochs <= 1000:
        raise ValueError(f"epochs must be an integer in [1, 1000], got {epochs!r}")
    if int(batch_size) != batch_size or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    if not np.isfinite(lr) or lr <= 0:
        raise ValueError(f"lr must be > 0, got {lr!r}")
    torch.set_num_threads(int(n_threads))
    xt, xv = _as_tensor(X_train), _as_tensor(X_val)
    y_train, y_val = np.asarray(y_train), np.asarray(y_val)
    if len(y_train) != len(xt) or len(y_val) != len(xv):
        raise ValueError(f"{len(xt)} training images but {len(y_train)} labels, or {len(xv)} validation "
                         f"images but {len(y_val)} labels")
    task = "classify" if y_train.ndim == 1 else "segment"
    if task == "classify":
        yt, yv = torch.from_numpy(y_train.astype(np.int64)), torch.from_numpy(y_val.astype(np.int64))
    else:
        yt, yv = _as_tensor(y_train.astype(np.float32)), _as_tensor(y_val.astype(np.float32))
    gen = torch.Generator().manual_seed(int(seed))
    opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    hist = History(task=task)
    start = time.perf_counter()
    for _ in range(int(epochs)):
        model.train()
        order = torch.randperm(len(xt), generator=gen)
        tot_loss, num, den = 0.0, 0.0, 0.0
        for i in range(0, len(xt), int(batch_size)):
            idx = order[i:i + int(batch_size)]
            xb, yb = xt[idx], yt[idx]
            if augment:
                xb, yb = _dihedral(xb, yb, gen)
            loss, a, b = _loss_and_score(model, task, xb, yb, pos_weight, dice_weight)
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot_loss += float(loss.detach()) * len(idx)
            num, den = num + a, den + b
        hist.train_loss.append(tot_loss / len(xt))
        hist.train_score.append(num / max(den, 1.0))
        model.eval()
        with torch.no_grad():
            loss, a, b = _loss_and_score(model, task, xv, yv, pos_weight, dice_weight)
        hist.val_loss.append(float(loss))
        hist.val_score.append(a / max(b, 1.0))
    hist.seconds = time.perf_counter() - start
    model.eval()
    return hist


def predict(model: nn.Module, X: np.ndarray, batch_size: int = 64) -> np.ndarray:
    """Class probabilities (N, n_classes) of a classifier, or the probability map (N, H, W) of the positive
    class of a binary segmenter (sigmoid of the logits)."""
    xt = _as_tensor(X)
    model.eval()
    outs = []
    with torch.no_grad():
        for i in range(0, len(xt), int(batch_size)):
            out = model(xt[i:i + int(batch_size)])
            outs.append(torch.softmax(out, 1) if out.ndim == 2 else torch.sigmoid(out[:, 0]))
    return torch.cat(outs).numpy()


__all__ = [
    "History",
    "Layer",
    "PixelMLP",
    "SmallCNN",
    "SmallUNet",
    "count_parameters",
    "effective_receptive_field",
    "fit",
    "predict",
    "receptive_field",
]
