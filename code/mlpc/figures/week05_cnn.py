"""Week 5 figures: convolutional networks for micrographs, trained during the build.

Three runs feed the figures, each small enough for a lecture build on two CPU cores:

- :func:`classification_run`: a :class:`~mlpc.models.cnn.SmallCNN` and a fully connected
  :class:`~mlpc.models.cnn.PixelMLP` on the same split of four microstructure classes
  (:func:`mlpc.datasets.micrographs.microstructure_classes`), and the CNN on eight images only;
- :func:`segmentation_run` ``("phase")``: a :class:`~mlpc.models.cnn.SmallUNet` segmenting the dark phase of
  two-phase micrographs recorded at 5–200 electrons per pixel;
- :func:`segmentation_run` ``("porosity")``: the same network finding voids in polished AM sections.

Methods: LeCun et al. 1998 (CNN), Ronneberger et al. 2015 (U-Net), Otsu 1979 (threshold baseline), Luo et
al. 2016 (effective receptive field). Physics of the images: see :mod:`mlpc.micrograph_segmentation`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle
from scipy import ndimage

# isort: off
from mlpc.models import cnn  # before torch: idle OpenMP threads sleep instead of spinning
import torch
from torch.nn import functional as F

# isort: on
from mlpc import micrograph_segmentation as ms
from mlpc.datasets import imaging, micrographs
from mlpc.plotting import (
    DIVERGING_CMAP,
    OKABE_ITO,
    SLIDE_SIZE,
    SLIDE_SIZE_TALL,
    close,
    label,
    new_figure,
    show_image,
)

CLASS_LABELS = {"equiaxed_grains": "grains", "lamellar": "lamellar", "particles": "particles", "porous": "porous"}


# --------------------------------------------------------------------------------------------------
# Runs
# --------------------------------------------------------------------------------------------------

@dataclass
class ClassificationRun:
    """A CNN and an MLP trained on one split of the four-class micrograph set, and the CNN on 8 images."""

    data: micrographs.MicrostructureSet
    n_train: int
    cnn_model: cnn.SmallCNN
    mlp_model: cnn.PixelMLP
    cnn_history: cnn.History
    mlp_history: cnn.History
    small_history: cnn.History
    n_small: int
    init_filters: np.ndarray

    @property
    def X_test(self) -> np.ndarray:
        return self.data.X[self.n_train:]

    @property
    def y_test(self) -> np.ndarray:
        return self.data.y[self.n_train:]

    def confusion(self) -> np.ndarray:
        """Confusion matrix of the CNN on the held-out images (rows: true class, columns: predicted)."""
        pred = cnn.predict(self.cnn_model, self.X_test).argmax(1)
        k = len(self.data.class_names)
        return np.bincount(self.y_test * k + pred, minlength=k * k).reshape(k, k)


def classification_run(n_per_class: int = 100, n_train: int = 300, epochs: int = 8, small_per_class: int = 2,
                       small_epochs: int = 40, seed: int = 0) -> ClassificationRun:
    """Train the CNN and the MLP on the first ``n_train`` images (same split, same epochs, Adam), and the
    CNN again on ``small_per_class`` images per class for ``small_epochs`` epochs (overfitting)."""
    data = micrographs.microstructure_classes(n_per_class, 64, seed=seed)
    X, y = data.X, data.y
    Xtr, ytr, Xte, yte = X[:n_train], y[:n_train], X[n_train:], y[n_train:]
    model = cnn.SmallCNN(len(data.class_names), seed=seed)
    init = model.conv1.weight.detach().numpy()[:, 0].copy()
    hist = cnn.fit(model, Xtr, ytr, Xte, yte, epochs=epochs, batch_size=16, lr=5e-3, seed=seed)
    mlp = cnn.PixelMLP(64, len(data.class_names), seed=seed)
    mlp_hist = cnn.fit(mlp, Xtr, ytr, Xte, yte, epochs=epochs, batch_size=16, lr=5e-3, seed=seed)
    idx = np.concatenate([np.nonzero(ytr == k)[0][:small_per_class] for k in range(len(data.class_names))])
    small = cnn.SmallCNN(len(data.class_names), seed=seed)
    small_hist = cnn.fit(small, Xtr[idx], ytr[idx], Xte, yte, epochs=small_epochs, batch_size=8, lr=5e-3,
                         seed=seed)
    return ClassificationRun(data=data, n_train=n_train, cnn_model=model, mlp_model=mlp, cnn_history=hist,
                             mlp_history=mlp_hist, small_history=small_hist, n_small=len(idx), init_filters=init)


@dataclass
class SegmentationRun:
    """A U-Net trained on the first ``n_train`` images of a :class:`~mlpc.micrograph_segmentation.SegmentationSet`,
    with the Otsu baseline whose smoothing was tuned on the same training images."""

    kind: str
    data: ms.SegmentationSet
    n_train: int
    model: cnn.SmallUNet
    history: cnn.History
    otsu_sigma_px: float
    prob_test: np.ndarray

    @property
    def test(self) -> ms.SegmentationSet:
        return self.data.subset(slice(self.n_train, None))

    @property
    def pred_test(self) -> np.ndarray:
        return self.prob_test > 0.5

    def otsu_test(self) -> np.ndarray:
        return ms.otsu_segment(self.test.X, self.otsu_sigma_px)

    def scores(self) -> dict[str, float]:
        """Pooled IoU and Dice of the U-Net and of the tuned Otsu baseline on the held-out images."""
        t = self.test.Y
        o = self.otsu_test()
        return {"unet_iou": ms.iou(self.pred_test, t), "unet_dice": ms.dice(self.pred_test, t),
                "otsu_iou": ms.iou(o, t), "otsu_dice": ms.dice(o, t)}

    def per_image_iou(self) -> tuple[np.ndarray, np.ndarray]:
        """IoU of the U-Net and of the tuned Otsu baseline on each held-out image (the spread behind the pooled
        scores)."""
        t, o, p = self.test.Y, self.otsu_test(), self.pred_test
        return (np.array([ms.iou(p[i], t[i]) for i in range(len(t))]),
                np.array([ms.iou(o[i], t[i]) for i in range(len(t))]))

    def paired_line(self) -> str:
        """One sentence: on how many held-out images the U-Net beats the baseline, and the per-image gaps."""
        unet, otsu = self.per_image_iou()
        gap = unet - otsu
        q1, med, q3 = (round(float(q), 2) + 0.0 for q in np.percentile(gap, [25, 50, 75]))  # + 0.0: no "-0.00"
        return (f"U-Net ahead on {(gap > 0).sum()} of {len(gap)} images, IoU gap median {med:+.2f} "
                f"(quartiles {q1:+.2f} to {q3:+.2f}); one seed: an illustration.")


def segmentation_run(kind: str = "phase", n: int = 120, n_train: int = 80, epochs: int = 6,
                     seed: int = 0) -> SegmentationRun:
    """Make the data (``"phase"``: :func:`~mlpc.micrograph_segmentation.phase_set`, ``"porosity"``:
    :func:`~mlpc.micrograph_segmentation.porosity_set`), train a :class:`~mlpc.models.cnn.SmallUNet` with
    batch norm and a BCE + soft-Dice loss, and tune the Otsu smoothing on the training images."""
    if kind not in ("phase", "porosity"):
        raise ValueError(f"kind must be 'phase' or 'porosity', got {kind!r}")
    if not 0 < n_train < n:
        raise ValueError(f"n_train must be in (0, n = {n}), got {n_train!r}")
    data = ms.phase_set(n, seed=seed + 1) if kind == "phase" else ms.porosity_set(n, seed=seed + 2)
    tr, te = slice(0, n_train), slice(n_train, None)
    model = cnn.SmallUNet(seed=seed)
    hist = cnn.fit(model, data.X[tr], data.Y[tr], data.X[te], data.Y[te], epochs=epochs, batch_size=8, lr=1e-2,
                   dice_weight=1.0, seed=seed)
    sigma = ms.tune_otsu_smoothing(data.X[tr], data.Y[tr])
    return SegmentationRun(kind=kind, data=data, n_train=n_train, model=model, history=hist,
                           otsu_sigma_px=sigma, prob_test=cnn.predict(model, data.X[te]))


# --------------------------------------------------------------------------------------------------
# Filters, feature maps, pooling
# --------------------------------------------------------------------------------------------------

def _filters(k_angle_rad: float) -> dict[str, np.ndarray]:
    """Four hand-made 5 × 5 structure detectors: a vertical edge (Sobel-like), a dark spot (negative
    Laplacian of Gaussian), and a dark stripe parallel and perpendicular to lamellae whose wave vector
    points at ``k_angle_rad``. Each has zero mean (no response to a uniform region) and unit norm (equal
    response to noise), so their outputs can share one colour scale."""
    yy, xx = np.mgrid[-2:3, -2:3].astype(float)
    edge = np.outer([1, 2, 3, 2, 1], [-1, -2, 0, 2, 1]).astype(float)
    r2 = (xx**2 + yy**2) / (2 * 1.2**2)
    spot = -(1 - r2) * np.exp(-r2)
    u_par = xx * np.cos(k_angle_rad) + yy * np.sin(k_angle_rad)  # across the lamellae
    u_perp = -xx * np.sin(k_angle_rad) + yy * np.cos(k_angle_rad)  # along them
    out = {"vertical edge": edge, "dark spot": spot,
           "stripe ∥ lamellae": -np.exp(-(u_par**2) / 1.5), "stripe ⊥ lamellae": -np.exp(-(u_perp**2) / 1.5)}
    for name, k in out.items():
        k = k - k.mean()
        out[name] = k / np.linalg.norm(k)
    return out


def _dominant_wavevector_angle(image: np.ndarray) -> float:
    """Direction (rad, image x/y axes) of the strongest Fourier peak: the normal of the lamellae."""
    fx, fy, power = imaging.power_spectrum(image, 1.0)
    power[len(fy) // 2, len(fx) // 2] = 0.0
    iy, ix = np.unravel_index(np.argmax(power), power.shape)
    return float(np.arctan2(fy[iy], fx[ix]))


def handmade_filters_figure(seed: int = 7) -> Figure:
    """A lamellar micrograph with pores convolved with four hand-made filters: each filter answers one
    question ("an edge / a dark spot / a stripe of this orientation here?") at every position. The
    default seed gives lamellae at about 45° to the scan axes, so that no filter matches by accident."""
    n = 80
    tp = micrographs.two_phase(n, 0.3, "lamellar", feature_size_um=6.0, pixel_size_um=0.5, n_colonies=1,
                               seed=seed)
    img = tp.image.copy()
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:n, 0:n]
    for _ in range(5):
        cy, cx, r = rng.integers(6, n - 6), rng.integers(6, n - 6), rng.uniform(1.8, 2.6)
        img[(yy - cy) ** 2 + (xx - cx) ** 2 <= r**2] = 0.05
    shot = imaging.acquire(img, 0.5, psf_fwhm=0.6, dose=100, seed=seed).image
    filters = _filters(_dominant_wavevector_angle(tp.image))
    fig, axes = new_figure(5, 2, size=(11.0, 4.4), gridspec_kw={"height_ratios": [1, 1.9]})
    axes[0, 0].axis("off")
    show_image(axes[1, 0], shot, 0.5, title="SEM image")
    for k, (name, kern) in enumerate(filters.items(), start=1):
        axes[0, k].imshow(kern, cmap=DIVERGING_CMAP, vmin=-np.abs(kern).max(), vmax=np.abs(kern).max())
        axes[0, k].set_xticks([])
        axes[0, k].set_yticks([])
        axes[0, k].set_title(name, fontsize=15)
        resp = ndimage.correlate(shot - shot.mean(), kern, mode="reflect")
        lim = max(np.abs(ndimage.correlate(shot - shot.mean(), f, mode="reflect")).max() for f in filters.values())
        show_image(axes[1, k], resp, 0.5, cmap=DIVERGING_CMAP, vmin=-lim, vmax=lim)
        axes[1, k].set_ylabel("")
        axes[1, k].set_yticklabels([])
    for ax in axes[1]:
        ax.set_xticks([0, 20])
    return close(fig)


def classifier_results_figure(run: ClassificationRun) -> Figure:
    """One held-out micrograph of each class and the CNN's confusion matrix on the held-out set."""
    names = [CLASS_LABELS.get(n, n) for n in run.data.class_names]
    fig = new_figure(size=SLIDE_SIZE)[0]
    fig.clear()
    grid = fig.add_gridspec(2, 4, width_ratios=[1, 1, 0.25, 2.2])
    for k in range(len(names)):
        ax = fig.add_subplot(grid[k // 2, k % 2])
        i = int(np.nonzero(run.y_test == k)[0][0])
        show_image(ax, run.X_test[i], title=names[k])
    ax = fig.add_subplot(grid[:, 3])
    cm = run.confusion()
    ax.imshow(cm, cmap="Blues")
    for (r, c), v in np.ndenumerate(cm):
        ax.text(c, r, str(v), ha="center", va="center", fontsize=16, color="white" if v > cm.max() / 2 else "black")
    ax.set_xticks(range(len(names)), names, rotation=30)
    ax.set_yticks(range(len(names)), names)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    acc = np.trace(cm) / cm.sum()
    ax.set_title(f"held-out accuracy {acc:.2f} ({cm.sum()} images)")
    return close(fig)


def parameter_efficiency_figure(run: ClassificationRun) -> Figure:
    """Weights and accuracy of the CNN and the MLP on the same split: training vs held-out accuracy."""
    fig, axes = new_figure(2, size=SLIDE_SIZE)
    models = {"CNN": (run.cnn_model, run.cnn_history), "MLP": (run.mlp_model, run.mlp_history)}
    counts = [cnn.count_parameters(m) for m, _ in models.values()]
    axes[0].bar(list(models), counts, color=[OKABE_ITO[0], OKABE_ITO[1]])
    axes[0].set_yscale("log")
    axes[0].set_ylabel("trainable weights")
    for i, c in enumerate(counts):
        axes[0].text(i, c * 1.15, f"{c:,}", ha="center", fontsize=16)
    axes[0].set_ylim(1e3, 2e6)
    x = np.arange(2)
    for j, (part, hatch) in enumerate((("training", ""), ("held-out", "//"))):
        vals = [(h.train_score if part == "training" else h.val_score)[-1] for _, h in models.values()]
        axes[1].bar(x + (j - 0.5) * 0.38, vals, 0.38, color=[OKABE_ITO[0], OKABE_ITO[1]], hatch=hatch,
                    edgecolor="white", label=part)
        for xi, v in zip(x + (j - 0.5) * 0.38, vals, strict=True):
            axes[1].text(xi, v + 0.02, f"{v:.2f}", ha="center", fontsize=15)
    axes[1].axhline(1 / len(run.data.class_names), color=OKABE_ITO[7], ls=":", lw=2)
    axes[1].text(-0.55, 1 / len(run.data.class_names) + 0.02, "chance", ha="left", fontsize=14)
    axes[1].set_xticks(x, list(models))
    axes[1].set_xlim(-0.6, 1.6)
    axes[1].set_ylim(0, 1.3)
    axes[1].set_yticks(np.linspace(0, 1, 6))
    axes[1].set_ylabel("accuracy")
    axes[1].legend(handles=[Patch(facecolor="grey", label="training"),
                            Patch(facecolor="grey", hatch="//", edgecolor="white", label="held-out")],
                   loc="upper center", ncol=2)
    return close(fig)


def learned_filters_figure(run: ClassificationRun) -> Figure:
    """The eight 5 × 5 first-layer filters of the CNN: small random weights at initialisation (top), after
    training (bottom). Red = positive weight, blue = negative; one symmetric colour scale per filter (its
    trained maximum), so the initial weights look faint."""
    trained = run.cnn_model.conv1.weight.detach().numpy()[:, 0]
    n = trained.shape[0]
    fig, axes = new_figure(n, 2, size=(11.0, 3.6))
    for row, (name, w) in enumerate((("initial", run.init_filters), ("trained", trained))):
        for k in range(n):
            lim = np.abs(trained[k]).max()
            axes[row, k].imshow(w[k], cmap=DIVERGING_CMAP, vmin=-lim, vmax=lim)
            axes[row, k].set_xticks([])
            axes[row, k].set_yticks([])
        axes[row, 0].set_ylabel(name)
    return close(fig)


def _strongest(maps: torch.Tensor, k: int) -> list[int]:
    """Indices of the ``k`` channels with the largest mean activation (for one image)."""
    return [int(i) for i in torch.argsort(maps[0].mean(dim=(-2, -1)), descending=True)[:k]]


def feature_maps_figure(run: ClassificationRun, class_name: str = "lamellar", n_maps: int = 2) -> Figure:
    """Feature maps of one held-out micrograph after each stage of the trained CNN (the ``n_maps``
    strongest channels per stage), and the receptive field of one unit of each stage drawn on the image
    (1 µm per pixel)."""
    k = run.data.class_names.index(class_name)
    i = int(np.nonzero(run.y_test == k)[0][0])
    x = torch.from_numpy(run.X_test[i][None, None])
    with torch.no_grad():
        stages = run.cnn_model.features(x)
    fig = new_figure(size=SLIDE_SIZE)[0]
    fig.clear()
    grid = fig.add_gridspec(n_maps, 4, width_ratios=[1.25, 1, 1, 1])
    ax_img = fig.add_subplot(grid[:, 0])
    show_image(ax_img, run.X_test[i], title=f"{CLASS_LABELS.get(class_name, class_name)} micrograph")
    colours = (OKABE_ITO[1], OKABE_ITO[2], OKABE_ITO[5])
    for stage, (maps, n_layers) in enumerate(zip(stages, (1, 3, 5), strict=True)):
        rf = cnn.receptive_field(cnn.SmallCNN.layers[:n_layers])
        ax_img.add_patch(Rectangle((32 - rf / 2, 32 - rf / 2), rf, rf, fill=False, ec=colours[stage], lw=3))
        for row, ch in enumerate(_strongest(maps, n_maps)):
            ax = fig.add_subplot(grid[row, stage + 1])
            show_image(ax, maps[0, ch].numpy(), cmap="magma")
            if row == 0:
                ax.set_title(f"stage {stage + 1}: {maps.shape[-1]}×{maps.shape[-1]}\nsees {rf} µm", fontsize=16,
                             color=colours[stage])
    return close(fig)


def pooling_figure(run: ClassificationRun, class_name: str = "porous") -> Figure:
    """The stage-1 feature map that responds most on the pores of a porous micrograph, max-pooled twice:
    the map keeps "a pore is here" while its pixels grow from 1 to 4 µm; a 1 µm shift of the image changes
    the pooled maps less (relative L1 change in the titles)."""
    k = run.data.class_names.index(class_name)
    i = int(np.nonzero(run.y_test == k)[0][0])
    img = run.X_test[i]
    x = torch.from_numpy(np.stack([img, np.roll(img, 1, axis=1)])[:, None])
    with torch.no_grad():
        f1 = run.cnn_model.features(x)[0]
    dark = torch.from_numpy(img <= np.quantile(img, 0.1))
    ch = int(torch.argmax(f1[0][:, dark].mean(dim=1) - f1[0].mean(dim=(-2, -1))))  # responds most on pores
    maps = [f1[:, ch:ch + 1]]
    for _ in range(2):
        maps.append(F.max_pool2d(maps[-1], 2))
    fig, axes = new_figure(4, size=SLIDE_SIZE)
    show_image(axes[0], img, 1.0, title="micrograph")
    for ax, m, px in zip(axes[1:], maps, (1, 2, 4), strict=True):
        a, b = m[0, 0].numpy(), m[1, 0].numpy()
        change = np.abs(a - b).sum() / (np.abs(a).sum() + 1e-12)
        show_image(ax, a, float(px), cmap="magma")
        ax.set_title(f"{a.shape[0]}×{a.shape[1]}, {px} µm/px\nshift 1 µm: {100 * change:.0f} %", fontsize=15)
        ax.set_ylabel("")
    return close(fig)


def overfitting_figure(run: ClassificationRun) -> Figure:
    """Training and validation loss of the same CNN trained on 8 images and on 300 images."""
    fig, axes = new_figure(2, size=SLIDE_SIZE, sharey=True)
    for ax, hist, n in ((axes[0], run.small_history, run.n_small), (axes[1], run.cnn_history, run.n_train)):
        ep = np.arange(1, len(hist.train_loss) + 1)
        ax.plot(ep, hist.train_loss, color=OKABE_ITO[0], label="training")
        ax.plot(ep, hist.val_loss, color=OKABE_ITO[5], label="validation")
        ax.axvline(hist.best_epoch, color=OKABE_ITO[7], ls=":", lw=2, label="lowest validation loss")
        ax.set_xlabel("epoch")
        ax.set_title(f"{n} training images\nvalidation accuracy {hist.val_score[-1]:.2f}", fontsize=16)
    axes[0].set_ylabel("cross-entropy loss")
    axes[0].set_yscale("log")
    axes[0].legend(loc="lower left")
    return close(fig)


# --------------------------------------------------------------------------------------------------
# Segmentation case studies
# --------------------------------------------------------------------------------------------------

def _error_legend(ax) -> None:
    handles = [Patch(color=c, label=k) for k, c in ms.ERROR_COLOURS.items()]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=14)


def phase_results_figure(run: SegmentationRun, n_examples: int = 2) -> Figure:
    """Held-out two-phase micrographs (one per morphology), the true mask, the U-Net and the tuned Otsu
    threshold as error maps, each with its IoU."""
    test = run.test
    picks, seen = [], set()
    for i, m in enumerate(test.morphology):
        if m not in seen:
            picks.append(i)
            seen.add(m)
        if len(picks) == n_examples:
            break
    otsu = run.otsu_test()
    fig, axes = new_figure(3, len(picks), size=SLIDE_SIZE_TALL, squeeze=False)
    for row, i in enumerate(picks):
        show_image(axes[row, 0], test.X[i], title=f"{test.morphology[i]}, {test.dose_e_per_px[i]:.0f} e⁻/px"
                   if row == 0 else None)
        axes[row, 0].set_ylabel(f"{test.morphology[i]}\n{test.dose_e_per_px[i]:.0f} e⁻/px", fontsize=14)
        for col, (name, p) in enumerate((("U-Net", run.pred_test[i]), ("Otsu", otsu[i])), start=1):
            show_image(axes[row, col], ms.error_map(p, test.Y[i]))
            title = f"IoU {ms.iou(p, test.Y[i]):.2f}"
            axes[row, col].set_title(f"{name}: {title}" if row == 0 else title, fontsize=15)
    axes[0, 0].set_title("micrograph", fontsize=15)
    _error_legend(axes[0, 2])
    return close(fig)


def porosity_results_figure(run: SegmentationRun) -> Figure:
    """A typical held-out AM section (median IoU among those with pores and inclusions) with the U-Net's
    error map, and the areal porosity measured by the U-Net and by the tuned Otsu threshold against the
    truth for every held-out section."""
    test = run.test
    scores = ms.per_image_iou(run.pred_test, test.Y)
    typical = [j for j, c in enumerate(test.class_map) if np.any(c == 4) and np.any(c == 1)] or list(range(len(scores)))
    i = typical[int(np.argsort(scores[typical])[len(typical) // 2])]  # median IoU among sections with both
    fig, axes = new_figure(3, size=SLIDE_SIZE)
    show_image(axes[0], test.X[i], test.pixel_size_um, title=f"section, {test.dose_e_per_px[i]:.0f} e⁻/px")
    show_image(axes[1], ms.error_map(run.pred_test[i], test.Y[i]), test.pixel_size_um,
               title=f"U-Net IoU {ms.iou(run.pred_test[i], test.Y[i]):.2f}")
    axes[1].set_ylabel("")
    truth = 100 * test.Y.mean(axis=(1, 2))
    for name, pred, mk, col in (("U-Net", run.pred_test, "o", OKABE_ITO[0]),
                                (f"Otsu σ = {run.otsu_sigma_px:g} px", run.otsu_test(), "s", OKABE_ITO[1])):
        est = 100 * pred.mean(axis=(1, 2))
        mae = np.abs(est - truth).mean()
        axes[2].plot(truth, est, mk, color=col, ms=7, alpha=0.8, label=f"{name}: MAE {mae:.1f} %")
    top = max(truth.max(), 1.0) * 1.1
    axes[2].plot([0, top], [0, top], color=OKABE_ITO[7], lw=1.5)
    axes[2].set_xlabel(label("true porosity", "%"))
    axes[2].set_ylabel(label("measured", "%"))
    axes[2].legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), fontsize=13)
    axes[2].set_aspect("equal")
    return close(fig)


def class_recall_figure(run: SegmentationRun) -> Figure:
    """Which defects the U-Net and the tuned Otsu threshold mark as void, per true class of the pixel:
    recall for pores, lack of fusion and cracks; false-alarm rate for inclusions and the matrix."""
    test = run.test
    unet = ms.class_recall(run.pred_test, test.class_map, test.class_names)
    otsu = ms.class_recall(run.otsu_test(), test.class_map, test.class_names)
    keys = ["gas_pore", "lack_of_fusion", "crack", "inclusion", "matrix"]
    x = np.arange(len(keys))
    fig, ax = new_figure(size=SLIDE_SIZE)
    for j, (name, rec, col) in enumerate((("U-Net", unet, OKABE_ITO[0]),
                                          (f"Otsu σ = {run.otsu_sigma_px:g} px", otsu, OKABE_ITO[1]))):
        vals = [100 * rec[k] for k in keys]
        ax.bar(x + (j - 0.5) * 0.38, vals, 0.38, color=col, label=name)
        for xi, v in zip(x + (j - 0.5) * 0.38, vals, strict=True):
            ax.text(xi, v + 1.5, f"{v:.0f}", ha="center", fontsize=14)
    ax.axvline(2.5, color=OKABE_ITO[7], lw=1.5, ls=":")
    ax.text(1.0, 108, "voids: want 100 %", ha="center", fontsize=15)
    ax.text(3.5, 108, "not voids: want 0 %", ha="center", fontsize=15)
    ax.set_xticks(x, ["gas pore", "lack of fusion", "crack", "inclusion", "matrix"])
    ax.set_ylabel(label("pixels marked as void", "%"))
    ax.set_ylim(0, 118)
    ax.legend(loc="center right")
    return close(fig)


def failure_cases_figure(run: SegmentationRun, n_cases: int = 3) -> Figure:
    """The held-out sections with the lowest U-Net IoU, with their error maps and dose."""
    test = run.test
    scores = ms.per_image_iou(run.pred_test, test.Y)
    worst = np.argsort(scores)[:n_cases]
    fig, axes = new_figure(n_cases, 2, size=SLIDE_SIZE_TALL, squeeze=False)
    for col, i in enumerate(worst):
        show_image(axes[0, col], test.X[i])
        axes[0, col].set_title(f"{test.dose_e_per_px[i]:.0f} e⁻/px, probe {test.psf_fwhm_um[i]:.1f} µm", fontsize=14)
        show_image(axes[1, col], ms.error_map(run.pred_test[i], test.Y[i]))
        axes[1, col].set_title(f"IoU {scores[i]:.2f}", fontsize=14)
    _error_legend(axes[1, -1])
    return close(fig)


# --------------------------------------------------------------------------------------------------
# Large, noisy micrographs
# --------------------------------------------------------------------------------------------------

def receptive_field_figure(run: SegmentationRun) -> Figure:
    """The U-Net's theoretical receptive field (box) and its effective receptive field (|gradient| of the
    centre output) drawn on a micrograph at its pixel size."""
    rf = cnn.receptive_field(cnn.SmallUNet.layers)
    erf = cnn.effective_receptive_field(run.model, 64, seed=0)
    px = run.data.pixel_size_um
    fig, axes = new_figure(2, size=SLIDE_SIZE)
    show_image(axes[0], run.test.X[0], px, title=f"theoretical field {rf} px = {rf * px:g} µm")
    c = 32 * px
    axes[0].add_patch(Rectangle((c - rf * px / 2, c - rf * px / 2), rf * px, rf * px, fill=False, ec=OKABE_ITO[1],
                                lw=3))
    im = show_image(axes[1], np.log10(np.maximum(erf, 1e-4)), px, cmap="viridis", vmin=-4, vmax=0)
    axes[1].add_patch(Rectangle((c - rf * px / 2, c - rf * px / 2), rf * px, rf * px, fill=False, ec=OKABE_ITO[1],
                                lw=3))
    half = erf > 0.1
    ys, xs = np.nonzero(half)
    width = (xs.max() - xs.min() + 1) * px
    axes[1].set_title(f"|∂ output / ∂ pixel|: > 10 % within {width:g} µm", fontsize=16)
    fig.colorbar(im, ax=axes[1], label="log₁₀ relative gradient")
    return close(fig)


@dataclass(frozen=True)
class TilingResult:
    """A large micrograph segmented in one pass and in 64 px tiles with and without an overlap margin."""

    image: np.ndarray
    truth: np.ndarray
    whole: np.ndarray
    tiled: dict[int, np.ndarray]
    pixel_size_um: float

    def disagreement(self, margin: int) -> float:
        """Fraction of pixels whose class differs between the tiled and the one-pass segmentation."""
        return float(np.mean((self.tiled[margin] > 0.5) != (self.whole > 0.5)))


def tiling_result(run: SegmentationRun, size: int = 256, seed: int = 0) -> TilingResult:
    """Record a ``size`` × ``size`` px two-phase micrograph (at the run's pixel size, 50 e⁻/px) and segment
    it with the run's U-Net: in one pass, and in 64 px tiles with margin 0 and margin = half the
    receptive field. The image is standardised once with its own statistics (never per tile)."""
    px = run.data.pixel_size_um
    tp = micrographs.two_phase(size, 0.35, "bicontinuous", feature_size_um=8.0, pixel_size_um=px, seed=seed)
    img = imaging.acquire(0.1 + 0.85 * tp.image, px, psf_fwhm=0.7, dose=50, seed=seed).image
    img = ((img - img.mean()) / img.std()).astype(np.float32)
    model = run.model
    model.standardise = False
    try:
        whole = cnn.predict(model, img[None])[0]
        margin = cnn.receptive_field(cnn.SmallUNet.layers) // 2
        tiled = {m: ms.tile_predict(lambda t: cnn.predict(model, t), img, 64, m) for m in (0, margin)}
    finally:
        model.standardise = True
    return TilingResult(image=img, truth=tp.phase_mask, whole=whole, tiled=tiled, pixel_size_um=px)


def tiling_figure(result: TilingResult) -> Figure:
    """One-pass segmentation of a large micrograph, and where 64 px tiles disagree with it: along the tile
    edges without overlap, nowhere with a margin of half the receptive field."""
    px = result.pixel_size_um
    fig, axes = new_figure(3, size=SLIDE_SIZE)
    show_image(axes[0], result.image, px, title=f"{result.image.shape[0]}×{result.image.shape[1]} px micrograph")
    blank = np.ones(result.image.shape)
    for ax, m in zip(axes[1:], sorted(result.tiled), strict=True):
        diff = (result.tiled[m] > 0.5) != (result.whole > 0.5)
        show_image(ax, blank, px, cmap="gray", vmin=0, vmax=1)
        ys, xs = np.nonzero(diff)
        ax.plot((xs + 0.5) * px, (ys + 0.5) * px, "s", color=OKABE_ITO[5], ms=3)
        ax.set_title(f"tiles, margin {m} px:\n{100 * result.disagreement(m):.2f} % pixels differ", fontsize=15)
        ax.set_ylabel("")
        step = 64 if m == 0 else None
        if step:
            for t in range(step, result.image.shape[0], step):
                ax.axhline(t * px, color=OKABE_ITO[7], lw=0.8, ls=":")
                ax.axvline(t * px, color=OKABE_ITO[7], lw=0.8, ls=":")
    return close(fig)


@dataclass(frozen=True)
class NoiseSweep:
    """IoU of the U-Net and of Otsu (raw and with the tuned smoothing) on the same specimens recorded at
    several doses (electrons per pixel)."""

    doses: np.ndarray
    iou: dict[str, np.ndarray]
    examples: dict[float, np.ndarray]
    pixel_size_um: float


def noise_sweep(run: SegmentationRun, doses: tuple[float, ...] = (2, 5, 10, 20, 50, 200), n: int = 30,
                seed: int = 99) -> NoiseSweep:
    """Record the same ``n`` two-phase specimens at every dose (same seed → same microstructures, only the
    counting noise changes; Rose: SNR = sqrt(dose × yield)) and score the segmentations."""
    out: dict[str, list[float]] = {"U-Net": [], "Otsu": [], f"Otsu σ = {run.otsu_sigma_px:g} px": []}
    examples = {}
    for d in doses:
        t = ms.phase_set(n, seed=seed, dose=(float(d), float(d)))
        out["U-Net"].append(ms.iou(cnn.predict(run.model, t.X) > 0.5, t.Y))
        out["Otsu"].append(ms.iou(ms.otsu_segment(t.X), t.Y))
        out[f"Otsu σ = {run.otsu_sigma_px:g} px"].append(ms.iou(ms.otsu_segment(t.X, run.otsu_sigma_px), t.Y))
        examples[float(d)] = t.X[0]
    return NoiseSweep(doses=np.asarray(doses, dtype=float), iou={k: np.array(v) for k, v in out.items()},
                      examples=examples, pixel_size_um=run.data.pixel_size_um)


def noise_figure(sweep: NoiseSweep, shown: tuple[float, ...] = (2, 20, 200)) -> Figure:
    """The same specimen at three doses, and IoU against dose for the U-Net and the Otsu baselines."""
    fig = new_figure(size=SLIDE_SIZE)[0]
    fig.clear()
    grid = fig.add_gridspec(2, 4, width_ratios=[1, 1, 1, 3.2], height_ratios=[1, 1])
    for k, d in enumerate(shown):
        ax = fig.add_subplot(grid[0, k])
        show_image(ax, sweep.examples[float(d)])
        ax.set_title(f"{d:g} e⁻/px", fontsize=15)
    ax = fig.add_subplot(grid[:, 3])
    for (name, vals), col, mk in zip(sweep.iou.items(), (OKABE_ITO[0], OKABE_ITO[7], OKABE_ITO[1]), "o^s",
                                     strict=True):
        ax.plot(sweep.doses, vals, marker=mk, color=col, label=name)
    ax.axvspan(5, 200, color=OKABE_ITO[4], alpha=0.12, lw=0)
    ax.text(30, 0.97, "training doses", ha="center", va="top", fontsize=14)
    ax.set_xscale("log")
    ax.set_xlabel(label("dose", "e⁻/px"))
    ax.set_ylabel("IoU of the dark phase")
    ax.set_ylim(0.25, 1.0)
    ax.legend(loc="lower right", fontsize=14)
    note = fig.add_subplot(grid[1, :3])
    note.axis("off")
    note.text(0.0, 0.6, "same specimen, only the counting\nnoise changes (SNR = √(dose × yield))", fontsize=15,
              va="center")
    return close(fig)


# --------------------------------------------------------------------------------------------------
# CNN vs MLP vs grey-level baseline over seeds (mlpc.cnn_comparison)
# --------------------------------------------------------------------------------------------------

#: The budgets of the deck's seed study: small enough for a lecture build, the same for every model.
SEED_STUDY = {"four_classes": {"n_per_class": 40, "size": 48, "epochs": 10},
              "texture": {"n_per_class": 50, "size": 32, "epochs": 12}}


def seed_studies(seeds: tuple[int, ...] = (0, 1, 2, 3, 4)) -> dict:
    """Both tasks of :mod:`mlpc.cnn_comparison` with the budgets of :data:`SEED_STUDY`."""
    from mlpc import cnn_comparison as cc

    return {task: cc.seed_study(task, seeds=seeds, **SEED_STUDY[task]) for task in cc.TASKS}


def seed_study_figure(studies: dict) -> Figure:
    """Held-out accuracy per seed (dots) and mean ± standard deviation (bar) of the grey-level baseline,
    the pixel MLP and the CNN, one panel per task, chance dotted."""
    from mlpc import cnn_comparison as cc

    titles = {"four_classes": "four classes (grains, lamellae, particles, pores)",
              "texture": "texture only: same fraction and feature size"}
    fig, axes = new_figure(2, size=SLIDE_SIZE, sharey=True)
    colours = (OKABE_ITO[7], OKABE_ITO[5], OKABE_ITO[0])
    for ax, (task, study) in zip(axes, studies.items(), strict=True):
        summ = cc.summary(study)
        for j, (model, colour) in enumerate(zip(cc.MODELS, colours, strict=True)):
            acc = study.loc[study["model"] == model, "test_accuracy"].to_numpy()
            ax.bar(j, summ.loc[model, "mean"], yerr=summ.loc[model, "std"], color=colour, alpha=0.35,
                   capsize=6, width=0.6)
            ax.plot(j + np.linspace(-0.15, 0.15, acc.size), acc, "o", color=colour, ms=7)
        ax.axhline(study.attrs["chance"], color="k", ls=":", lw=1.5)
        ax.set_xticks(range(len(cc.MODELS)), ["grey-level\nbaseline", "pixel MLP", "CNN"])
        ax.set_title(titles[task], fontsize=14)
        ax.set_ylim(0, 1)
    axes[0].set_ylabel(label("held-out accuracy", None))
    return close(fig)


def seed_study_line(studies: dict) -> str:
    """Markdown: mean ± standard deviation of each model on each task, and the seeds."""
    from mlpc import cnn_comparison as cc

    parts = []
    for task, study in studies.items():
        summ = cc.summary(study)
        acc = study.pivot(index="seed", columns="model", values="test_accuracy")
        name = "Four classes" if task == "four_classes" else "Texture only"
        parts.append(f"{name}: " + ", ".join(f"{m} {summ.loc[m, 'mean']:.2f} ± {summ.loc[m, 'std']:.2f}"
                                             for m in cc.MODELS)
                     + f"; CNN ahead of the baseline on {int((acc['CNN'] > acc[cc.MODELS[0]]).sum())}/{len(acc)}"
                     f" seeds, of the MLP on {int((acc['CNN'] > acc[cc.MODELS[1]]).sum())}/{len(acc)}")
    n = int(next(iter(studies.values()))["seed"].nunique())
    return " · ".join(parts) + f" (held-out accuracy, {n} seeds, mean ± s.d.)."


__all__ = [
    "SEED_STUDY",
    "seed_studies",
    "seed_study_figure",
    "seed_study_line",
    "ClassificationRun",
    "NoiseSweep",
    "SegmentationRun",
    "TilingResult",
    "class_recall_figure",
    "classification_run",
    "classifier_results_figure",
    "failure_cases_figure",
    "feature_maps_figure",
    "handmade_filters_figure",
    "learned_filters_figure",
    "noise_figure",
    "noise_sweep",
    "overfitting_figure",
    "parameter_efficiency_figure",
    "phase_results_figure",
    "pooling_figure",
    "porosity_results_figure",
    "receptive_field_figure",
    "segmentation_run",
    "tiling_figure",
    "tiling_result",
]
