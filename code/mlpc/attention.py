"""Attention for diffraction patterns: scaled dot-product attention written out, a tiny Vision
Transformer, a local CNN baseline, attention maps and the naive-vs-fused attention memory measurement.

- Scaled dot-product attention, softmax(Q Kᵀ / √d) V (Vaswani et al., "Attention is all you need",
  NeurIPS 2017): every token (here a patch of a diffraction pattern) mixes the values of *all* tokens,
  weighted by the similarity of its query with their keys. The receptive field is the whole pattern
  after one layer.
- :class:`TinyViT`: a Vision Transformer (Dosovitskiy et al., "An image is worth 16x16 words", ICLR
  2021): non-overlapping patches → linear embedding → learned position embedding → a class token →
  pre-norm transformer blocks → the class token's output is classified. The attention of the class
  token to the patches of the last block is kept for attention maps (Abnar & Zuidema, ACL 2020,
  discuss why raw attention is only a hint of what the model uses).
- :class:`LocalCNN`: convolutions with a small receptive field and global average pooling (Lin, Chen &
  Yan, ICLR 2014), the informative baseline: it sees disks one at a time and cannot tell where they are.
- :func:`attention_memory_scan`: the naive implementation holds the L × L scores and weights (2 × 4 L²
  bytes in float32 per head at its peak); PyTorch's fused ``scaled_dot_product_attention`` tiles the
  computation with an online softmax as in Flash Attention (Dao et al., NeurIPS 2022) and never holds
  them. Memory is the true peak of the call (profiler allocation events), work is counted FLOPs.

Both models see log(1 + counts), per-pattern standardised: the central disk carries about half of the
electrons and Bragg disks span orders of magnitude (the reason diffraction is displayed on a log scale);
on raw counts the small CNN does not learn even the local phase task. The dose sets the count scale, not
the crystal. Training uses :func:`mlpc.models.cnn.fit`. Textbook: S. Sandfeld, *Materials Data Science*,
Springer 2024, ch. 17 (neural networks).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from mlpc.models.cnn import _seeded_init, _standardise


def _prepare(x: torch.Tensor) -> torch.Tensor:
    """log(1 + counts), then zero mean and unit variance per pattern."""
    return _standardise(torch.log1p(x.clamp(min=0)))


def scaled_dot_product_attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> tuple[torch.Tensor,
                                                                                                torch.Tensor]:
    """Naive attention softmax(Q Kᵀ / √d) V; returns (output, weights). Materialises the L × L scores."""
    d = q.shape[-1]
    scores = q @ k.transpose(-2, -1) / math.sqrt(d)
    weights = torch.softmax(scores, dim=-1)
    return weights @ v, weights


class _Block(nn.Module):
    """Pre-norm transformer block: multi-head self-attention and an MLP, each with a residual path."""

    def __init__(self, dim: int, heads: int, mlp_ratio: int = 2) -> None:
        super().__init__()
        if dim % heads:
            raise ValueError(f"dim ({dim}) must be divisible by heads ({heads})")
        self.heads = heads
        self.norm1, self.norm2 = nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        self.mlp = nn.Sequential(nn.Linear(dim, mlp_ratio * dim), nn.GELU(), nn.Linear(mlp_ratio * dim, dim))
        self.last_weights: torch.Tensor | None = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, n, d = x.shape
        qkv = self.qkv(self.norm1(x)).reshape(b, n, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        out, w = scaled_dot_product_attention(qkv[0], qkv[1], qkv[2])
        self.last_weights = w.detach()
        x = x + self.proj(out.transpose(1, 2).reshape(b, n, d))
        return x + self.mlp(self.norm2(x))


class TinyViT(nn.Module):
    """A Vision Transformer for small diffraction patterns (Dosovitskiy et al. 2021).

    ``image_size`` / ``patch`` patches per side, each flattened and embedded in ``dim`` dimensions, plus a
    learned position embedding and a class token; ``depth`` blocks of ``heads`` heads. Without the
    position embedding attention is blind to the order of the patches; on diffraction patterns the content
    of a patch (a part of the central disk at one edge) still betrays where it sits.
    """

    def __init__(self, image_size: int = 32, patch: int = 4, dim: int = 32, depth: int = 2, heads: int = 2,
                 n_classes: int = 2, seed: int = 0) -> None:
        super().__init__()
        if image_size % patch:
            raise ValueError(f"image_size ({image_size}) must be a multiple of patch ({patch})")
        self.patch, self.grid = patch, image_size // patch
        self.embed = nn.Linear(patch * patch, dim)
        gen = torch.Generator().manual_seed(int(seed) + 1)
        self.pos = nn.Parameter(0.02 * torch.randn(1, self.grid**2 + 1, dim, generator=gen))
        self.cls = nn.Parameter(0.02 * torch.randn(1, 1, dim, generator=gen))
        self.blocks = nn.ModuleList([_Block(dim, heads) for _ in range(depth)])
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, n_classes)
        _seeded_init(self, seed)

    def patches(self, x: torch.Tensor) -> torch.Tensor:
        """(N, 1, H, W) → (N, number of patches, patch²), patches in row-major order."""
        p = self.patch
        n = x.shape[0]
        x = x.reshape(n, self.grid, p, self.grid, p).permute(0, 1, 3, 2, 4)
        return x.reshape(n, self.grid**2, p * p)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.patches(_prepare(x))
        tokens = torch.cat([self.cls.expand(len(x), -1, -1), self.embed(x)], dim=1) + self.pos
        for block in self.blocks:
            tokens = block(tokens)
        return self.head(self.norm(tokens[:, 0]))


class LocalCNN(nn.Module):
    """``n_conv`` 3 × 3 convolutions (receptive field 2 n_conv + 1 px), global average pooling, a linear
    classifier: a CNN that sees one Bragg disk at a time and pools without knowing where it was."""

    def __init__(self, channels: int = 32, n_conv: int = 3, n_classes: int = 2, seed: int = 0) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        c_in = 1
        for _ in range(n_conv):
            layers += [nn.Conv2d(c_in, channels, 3, padding=1), nn.ReLU()]
            c_in = channels
        self.body = nn.Sequential(*layers)
        self.head = nn.Linear(channels, n_classes)
        _seeded_init(self, seed)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(_prepare(x)).mean(dim=(-2, -1)))


def cls_attention_maps(model: TinyViT, X: np.ndarray) -> np.ndarray:
    """Attention of the class token to every patch in the last block, averaged over heads, upsampled to
    the pattern size: (N, H, W), each map summing to (attention not on the class token) × patch²."""
    x = torch.from_numpy(np.asarray(X, dtype=np.float32)[:, None])
    model.eval()
    with torch.no_grad():
        model(x)
    w = model.blocks[-1].last_weights.mean(dim=1)[:, 0, 1:]
    maps = w.reshape(len(x), model.grid, model.grid).numpy()
    return np.kron(maps, np.ones((model.patch, model.patch)))


@dataclass(frozen=True)
class AttentionCost:
    """Per sequence length L: bytes of one L × L float32 score matrix, the true peak of the bytes held by
    one call (bytes allocated by the CPU allocator during the call minus bytes freed, at its largest), and
    the floating-point operations of the call counted by torch's own formulae (deterministic; no clock)."""

    lengths: np.ndarray
    score_matrix_bytes: np.ndarray
    naive_peak_bytes: np.ndarray
    fused_peak_bytes: np.ndarray
    naive_flops: np.ndarray
    fused_flops: np.ndarray
    head_dim: int


def peak_bytes_of_call(fn, *args) -> int:
    """The most bytes held at any moment of ``fn(*args)`` by tensors it allocated on the CPU.

    The torch profiler records every allocation and free of the CPU allocator with its size; the running
    sum of these events in time order is the memory the call holds, and its maximum is the peak of the call
    (not the largest single allocation: naive attention holds the scores and the softmax weights at once).
    The inputs, allocated before the call, are not counted; the output is.
    """
    from torch.profiler import ProfilerActivity, profile

    with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
        fn(*args)
    events = sorted((e.start_ns(), e.nbytes()) for e in prof.profiler.kineto_results.events()
                    if e.name() == "[memory]")
    if not events:
        return 0
    return int(max(0, np.cumsum([n for _, n in events]).max()))


def _counted_flops(fn, *args) -> int:
    """Floating-point operations of ``fn(*args)`` as torch's FlopCounterMode counts them (matmuls and
    attention kernels; softmax and scaling are O(L²) and not counted)."""
    from torch.utils.flop_counter import FlopCounterMode, sdpa_flop_count

    with FlopCounterMode(display=False) as counter:
        fn(*args)
    total = counter.get_total_flops()
    if total == 0 and fn is F.scaled_dot_product_attention:
        # the CPU flash kernel has no registered formula; torch's SDPA formula counts the same products
        total = sdpa_flop_count(*(tuple(a.shape) for a in args[:3]))
    return int(total)


def attention_memory_scan(lengths: tuple[int, ...] = (256, 512, 1024, 2048, 4096), head_dim: int = 16,
                          seed: int = 0) -> AttentionCost:
    """Measure naive attention against ``torch.nn.functional.scaled_dot_product_attention`` on the CPU.

    One head, batch 1, float32, two threads (the fused kernel's buffers are per thread). The naive version
    holds scores and weights at once (2 × 4 L² bytes); the fused kernel works on blocks of keys with a
    running softmax maximum and sum (Flash Attention, Dao et al. 2022), so its memory grows like L · d, not
    L². Both do the same 4 L² d matmul FLOPs. Takes a few seconds up to L = 4096; no wall time is taken,
    so two runs give the same numbers.
    """
    torch.set_num_threads(2)
    gen = torch.Generator().manual_seed(int(seed))

    def naive(q, k, v):
        return scaled_dot_product_attention(q, k, v)[0]

    rows = []
    for L in lengths:
        q, k, v = (torch.randn(1, 1, int(L), head_dim, generator=gen) for _ in range(3))
        fused = F.scaled_dot_product_attention
        fused(q, k, v)  # warm-up: the first call pays for kernel selection
        rows.append([peak_bytes_of_call(naive, q, k, v), peak_bytes_of_call(fused, q, k, v),
                     _counted_flops(naive, q, k, v), _counted_flops(fused, q, k, v)])
    r = np.array(rows, dtype=float)
    L = np.asarray(lengths, dtype=float)
    return AttentionCost(lengths=L.astype(int), score_matrix_bytes=4 * L**2, naive_peak_bytes=r[:, 0],
                         fused_peak_bytes=r[:, 1], naive_flops=r[:, 2], fused_flops=r[:, 3], head_dim=head_dim)


__all__ = [
    "AttentionCost",
    "LocalCNN",
    "TinyViT",
    "attention_memory_scan",
    "cls_attention_maps",
    "peak_bytes_of_call",
    "scaled_dot_product_attention",
]
