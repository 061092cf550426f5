"""Week 6 figures: data scarcity, pretrained backbones, physically allowed augmentation, and when transfer
learning helps.

The backbones: the real ImageNet-pretrained EfficientNet-Lite0 (:mod:`mlpc.efficientnet`) and the two small CNNs
shipped in ``code/mlpc/data/weights`` (:mod:`mlpc.transfer`): one self-supervised (SimCLR) on Cahn–Hilliard
micrographs only, one supervised on patches of photographs (a stand-in, kept for the filter and invariance slides).
Downstream tasks use :func:`mlpc.datasets.micrographs.microstructure_classes` (four microstructure classes,
64 px at 1 µm/px) and the lamellar colonies of :mod:`mlpc.physical_augmentation`.

Literature numbers (constants below, cited): ImageNet-1k (ILSVRC 2012) training set 1,281,167 images, 732–1300
per class (Russakovsky et al., *IJCV* 115, 211, 2015); MicroNet > 100,000 labelled micrographs in 54 classes
(Stuckner, Harder & Smith, *npj Comput. Mater.* 8, 200, 2022); UHCSDB 961 SEM micrographs of ultrahigh carbon
steel, smallest primary-microconstituent class 27 (DeCost, Francis & Holm, *Acta Mater.* 133, 30, 2017).
Data-library numbers are counted at run time.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from mlpc import efficientnet, transfer
from mlpc import physical_augmentation as pa
from mlpc.datasets import book_data, imaging, micrographs
from mlpc.plotting import OKABE_ITO, close, label, new_figure, show_image

#: (data set, images or measurements, independent units, unit, source) from the literature.
LITERATURE_SIZES = (
    ("ImageNet-1k (photos)", 1_281_167, 732, "images in the smallest class", "Russakovsky et al. 2015"),
    ("MicroNet (micrographs)", 100_000, 54, "classes", "Stuckner et al. 2022"),
    ("UHCSDB (steel SEM)", 961, 27, "images in the smallest class", "DeCost et al. 2017"),
)
#: Colours of the methods in every learning-curve figure.
METHOD_STYLE = {
    "scratch": (OKABE_ITO[7], "o", "-"),
    "probe-random": ("0.6", "v", ":"),
    "probe-natural": (OKABE_ITO[1], "s", ":"),
    "probe-micrograph": (OKABE_ITO[0], "D", ":"),
    "finetune-natural": (OKABE_ITO[1], "s", "-"),
    "finetune-micrograph": (OKABE_ITO[0], "D", "-"),
    "probe-imagenet": (OKABE_ITO[5], "^", ":"),
    "finetune-imagenet": (OKABE_ITO[5], "^", "-"),
}
#: The methods of the week's comparison, in the order they are drawn.
COMPARISON = ("probe-random", "scratch", "probe-micrograph", "finetune-micrograph", "probe-imagenet",
              "finetune-imagenet")
PHOTO_NAMES = {"camera": "cameraman", "chelsea": "cat", "hubble": "deep field"}
SHORT_CLASS = {"equiaxed_grains": "grains", "lamellar": "lamellar", "particles": "particles", "porous": "porous"}


# --------------------------------------------------------------------------------------------------
# Why materials data sets are small
# --------------------------------------------------------------------------------------------------

@functools.cache
def _cahn_hilliard() -> book_data.CahnHilliardImages:
    return book_data.load_cahn_hilliard()


def dataset_sizes() -> pd.DataFrame:
    """Images (or measurements) and the independent units behind them: literature sets and the course's
    data library (Cahn–Hilliard images vs simulations, nanoindentation indents vs materials), counted."""
    ch = _cahn_hilliard()
    ind = book_data.load_nanoindentation()
    rows = [dict(zip(("data set", "items", "independent", "unit", "source"), r, strict=True))
            for r in LITERATURE_SIZES]
    rows.append({"data set": "Cahn–Hilliard (mdsdata)", "items": len(ch.energy),
                 "independent": int(np.unique(ch.simulation).size), "unit": "simulations",
                 "source": "Sandfeld 2024 (counted)"})
    rows.append({"data set": "nanoindentation (mdsdata)", "items": len(ind),
                 "independent": int(ind["material"].nunique()), "unit": "materials",
                 "source": "Zhang et al. 2023 (counted)"})
    return pd.DataFrame(rows)


def dataset_sizes_figure() -> Figure:
    """Log bars: items in each data set and the independent units behind them."""
    df = dataset_sizes()
    fig, ax = new_figure(size=(11.0, 4.6))
    y = np.arange(len(df))[::-1]
    ax.barh(y + 0.2, df["items"], height=0.38, color=OKABE_ITO[0], label="images / measurements")
    ax.barh(y - 0.2, df["independent"], height=0.38, color=OKABE_ITO[5], label="independent units")
    for yi, (_, row) in zip(y, df.iterrows(), strict=True):
        ax.text(row["items"] * 1.15, yi + 0.2, f"{row['items']:,}", va="center", fontsize=13)
        ax.text(row["independent"] * 1.15, yi - 0.2, f"{row['independent']:,} {row['unit']}", va="center",
                fontsize=13, color=OKABE_ITO[5])
    ax.set_yticks(y, [f"{d}\n{s}" for d, s in zip(df["data set"], df["source"], strict=True)], fontsize=13)
    ax.set_xscale("log")
    ax.set_xlim(1, 3e8)
    ax.set_xlabel("Count (log scale)")
    ax.legend(loc="lower right", fontsize=13)
    return close(fig)


def frame_time_s(n_pixels: int = 1024 * 1024, electrons_per_pixel: float = 50.0,
                 probe_current_A: float = 100e-12) -> float:
    """Time to record one SEM frame: electrons needed / electrons per second = N_px · dose · e / I."""
    if n_pixels < 1 or electrons_per_pixel <= 0 or probe_current_A <= 0:
        raise ValueError("n_pixels, electrons_per_pixel and probe_current_A must be positive, got "
                         f"{n_pixels!r}, {electrons_per_pixel!r}, {probe_current_A!r}")
    return float(n_pixels * electrons_per_pixel * 1.602176634e-19 / probe_current_A)


def effective_samples_figure(n_sims: int = 3, n_per_sim: int = 5) -> Figure:
    """Cahn–Hilliard images from a few simulations, ordered by free energy: images of one simulation are
    one coarsening history, not independent samples."""
    ch = _cahn_hilliard()
    fig, axes = new_figure(n_per_sim, n_sims, size=(10.0, 4.6))
    for row, sim in enumerate(np.linspace(0, book_data.N_CAHN_HILLIARD_SIMULATIONS - 1, n_sims).astype(int)):
        idx = np.flatnonzero(ch.simulation == sim)
        idx = idx[np.argsort(ch.energy[idx])[::-1]]
        pick = idx[np.linspace(0, len(idx) - 1, n_per_sim).astype(int)]
        for col, i in enumerate(pick):
            ax = axes[row, col]
            show_image(ax, ch.images[i], vmin=0, vmax=255)
            ax.spines[:].set_visible(False)
            ax.set_title(f"E = {ch.energy[i]:.0f}", fontsize=14)
        axes[row, 0].set_ylabel(f"simulation {sim}", fontsize=14)
    return close(fig)


# --------------------------------------------------------------------------------------------------
# The two pretraining tasks
# --------------------------------------------------------------------------------------------------

def pretraining_data_figure(seed: int = 0) -> Figure:
    """Top: training patches of the photo-patch stand-in with their labels (the photograph). Bottom: two
    unlabelled Cahn–Hilliard micrographs (the SSL pretraining data) and two SimCLR views of each (crop, D4,
    probe blur, Poisson noise)."""
    patches = transfer.natural_patches(n_per_class=1, split="train", seed=seed)
    micro = transfer.unlabelled_micrographs(ch_simulations=[0, 9], n_cahn_hilliard=8, seed=seed)
    picks = [micro[0], micro[3]]
    fig, axes = new_figure(6, 2, size=(11.0, 4.4))
    show_idx = [0, 1, 3, 5, 7, 9]
    for ax, k in zip(axes[0], show_idx, strict=True):
        show_image(ax, patches.X[k], vmin=0, vmax=1)
        ax.set_title(f"label: {PHOTO_NAMES.get(patches.class_names[k], patches.class_names[k])}", fontsize=14)
    for j, img in enumerate(picks):
        views = transfer.example_views(img, n_views=2, seed=seed + j)
        show_image(axes[1, 3 * j], img, vmin=0, vmax=1)
        axes[1, 3 * j].set_title("micrograph", fontsize=14)
        for v, view in enumerate(views):
            show_image(axes[1, 3 * j + 1 + v], view, vmin=0, vmax=1)
            axes[1, 3 * j + 1 + v].set_title(f"view {v + 1}", fontsize=14, color=OKABE_ITO[0])
    return close(fig)


#: The two photographs of scikit-image (CC0) the ImageNet network is asked to name.
PHOTOS = {"coffee": "coffee.png", "chelsea": "chelsea.png"}


def skimage_photo(file: str) -> np.ndarray:
    """An RGB photograph bundled with scikit-image (read from its package folder, never downloaded), in [0, 1]."""
    import skimage
    from PIL import Image

    return np.asarray(Image.open(Path(skimage.__file__).resolve().parent / "data" / file).convert("RGB"),
                      dtype=np.float32) / 255.0


def photo_predictions(top: int = 3) -> pd.DataFrame:
    """EfficientNet-Lite0's top-``top`` ImageNet classes for scikit-image's coffee and cat photographs (224 px,
    RGB): columns ``photo``, ``rank``, ``class_index``, ``class_name``, ``probability``."""
    rows = []
    for photo, file in PHOTOS.items():
        rgb = skimage_photo(file)
        for rank, (k, p) in enumerate(efficientnet.classify_photo(rgb, _efficientnet(), top=top), start=1):
            rows.append({"photo": photo, "rank": rank, "class_index": k,
                         "class_name": efficientnet.IMAGENET_CLASSES.get(k, f"class {k}"), "probability": p})
    return pd.DataFrame(rows)


def photo_figure(predictions: pd.DataFrame) -> Figure:
    """Each photograph of :func:`photo_predictions` beside a bar chart of the network's top ImageNet classes."""
    photos = list(dict.fromkeys(predictions["photo"]))
    fig, axes = new_figure(2 * len(photos), size=(11.0, 3.2),
                           gridspec_kw={"width_ratios": [1.0, 1.1] * len(photos)})
    for j, photo in enumerate(photos):
        show_image(axes[2 * j], skimage_photo(PHOTOS[photo]))
        axes[2 * j].set_title(f"skimage '{photo}' (CC0)", fontsize=13)
        sub = predictions[predictions["photo"] == photo].sort_values("rank", ascending=False)
        ax = axes[2 * j + 1]
        ax.barh(range(len(sub)), sub["probability"], color=OKABE_ITO[4])
        ax.set_yticks(range(len(sub)), sub["class_name"], fontsize=13)
        ax.set_xlim(0, 1)
        ax.set_xlabel("Probability", fontsize=13)
        for y, p in enumerate(sub["probability"]):
            ax.text(min(p + 0.03, 0.75), y, f"{p:.2f}", va="center", fontsize=12)
    return close(fig)


FILTER_ROWS = {"random": "random init", "natural": "photo-patch stand-in", "micrograph": "micrographs (SSL)"}


def first_layer_filters_figure(n_show: int = 8) -> Figure:
    """Left: ``n_show`` of the 16 first-layer (5 × 5) filters of the untrained, the natural-image and the
    micrograph backbone. Right: the mean radially averaged amplitude response of all 16 against spatial
    frequency (band-pass = edge detectors, low-pass = smoothing)."""
    fig = new_figure(size=(11.0, 4.3))[0]
    fig.clf()
    left, right = fig.subfigures(1, 2, width_ratios=[1.15, 1.0])
    ax_f = right.subplots(1, 1)
    for row, (name, row_label) in zip(left.subfigures(3, 1), FILTER_ROWS.items(), strict=True):
        row.suptitle(row_label, x=0.02, ha="left", fontsize=15, color=_row_colour(name))
        filters = transfer.load_backbone(name).first_layer_filters()
        for c, ax in enumerate(row.subplots(1, n_show)):
            lim = np.abs(filters[c]).max() + 1e-12
            ax.imshow(filters[c], cmap="RdBu_r", vmin=-lim, vmax=lim, interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            ax.spines[:].set_visible(False)
        freq, resp = transfer.filter_frequency_response(filters)
        ax_f.plot(freq, resp.mean(axis=0), color=_row_colour(name), marker="o", ms=5, label=row_label)
    ax_f.set_xlabel(label("Spatial frequency", "cycles/px"))
    ax_f.set_ylabel("Mean |H(f)|")
    ax_f.legend(loc="upper right", fontsize=13)
    return close(fig)


def _row_colour(name: str) -> str:
    return {"random": "0.45", "natural": OKABE_ITO[1], "micrograph": OKABE_ITO[0]}[name]


def filter_facts() -> pd.DataFrame:
    """Per backbone: mean cosine similarity of the first-layer filters to their initial values and the
    share of the amplitude response below 0.1 cycles/px (smoothing)."""
    rows = []
    for name in FILTER_ROWS:
        bb = transfer.load_backbone(name)
        freq, resp = transfer.filter_frequency_response(bb.first_layer_filters())
        sim = transfer.filter_similarity_to_init(bb) if name != "random" else np.ones(16)
        rows.append({"backbone": name, "similarity_to_init": float(sim.mean()),
                     "low_frequency_share": float(resp[:, freq < 0.1].sum(axis=1).mean())})
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------------
# Augmentation tailored to scientific data
# --------------------------------------------------------------------------------------------------

def allowed_augmentations_figure(seed: int = 0) -> Figure:
    """One equiaxed polycrystal and five physically allowed versions of it: a 90° rotation and a mirror
    (isotropic structure), a wider probe, a lower dose (Poisson) and scan-line jitter (imaging chain)."""
    pc = micrographs.polycrystal(size=96, n_grains=30, pixel_size_um=1.0, groove_width_um=1.5, seed=seed)
    base = imaging.acquire(0.1 + 0.8 * pc.image, 1.0, psf_fwhm=1.0, dose=200, seed=seed).image
    ideal = imaging.gaussian_psf(0.1 + 0.8 * pc.image, 1.0, 1.0)
    variants = {
        "as recorded\n(200 e⁻/px)": base,
        "rotated 90°": np.rot90(base),
        "mirrored": base[:, ::-1],
        "probe FWHM 3 µm": imaging.acquire(0.1 + 0.8 * pc.image, 1.0, psf_fwhm=3.0, dose=200, seed=seed).image,
        "dose 20 e⁻/px": imaging.shot_noise(ideal, 20.0, seed=seed) / 20.0,
        "scan jitter 1 px": imaging.scan_jitter(base, 1.0, seed=seed),
    }
    fig, axes = new_figure(3, 2, size=(9.0, 5.6))
    for ax, (name, img) in zip(axes.ravel(), variants.items(), strict=True):
        show_image(ax, img, vmin=0, vmax=1)
        ax.set_title(name, fontsize=15)
    return close(fig)


@dataclass(frozen=True)
class OrientationDemo:
    """The lamellar-direction task with three augmentation groups: validation accuracy per group."""

    train: pa.OrientationSet
    val: pa.OrientationSet
    accuracy: dict[str, float]


def orientation_demo(n_train_per_class: int = 20, n_val_per_class: int = 50, seed: int = 0) -> OrientationDemo:
    """Train a power-spectrum logistic regression to tell horizontal from vertical lamellae, with no
    augmentation, with the axis-preserving group (allowed) and with all of D4 (90° rotations: invalid)."""
    train = pa.lamellae_orientation_set(n_train_per_class, seed=seed)
    val = pa.lamellae_orientation_set(n_val_per_class, seed=seed + 1000)
    acc = {g: pa.orientation_classifier_accuracy(train, val, g) for g in ("none", "axis-preserving", "d4")}
    return OrientationDemo(train=train, val=val, accuracy=acc)


def invalid_rotation_figure(demo: OrientationDemo) -> Figure:
    """A lamellar colony along x (label 0), the same image rotated by 90° still labelled 0 (its lamellae now
    run along y), and the validation accuracy for the three augmentation groups."""
    k = int(np.flatnonzero(demo.train.y == 0)[0])
    img = demo.train.X[k]
    rotated = np.rot90(img)
    fig, axes = new_figure(3, size=(11.0, 4.3), gridspec_kw={"width_ratios": [1, 1, 1.3]})
    for ax, im, title, colour in ((axes[0], img, "original", "black"), (axes[1], rotated, "rotated 90°", OKABE_ITO[5])):
        show_image(ax, im, pixel_size=1.0, vmin=0, vmax=1)
        angle = (pa.lamellae_direction_deg(im) + 90.0) % 180.0 - 90.0
        ax.set_title(f"{title}: lamellae at {angle:.0f}°\nlabel: 'growth along x'", fontsize=14, color=colour)
    names = {"none": "none", "axis-preserving": "180°,\nmirrors", "d4": "+ 90°\nturns"}
    vals = [demo.accuracy[g] for g in names]
    bars = axes[2].bar(range(3), vals, color=[OKABE_ITO[7], OKABE_ITO[2], OKABE_ITO[5]])
    for b, v in zip(bars, vals, strict=True):
        axes[2].text(b.get_x() + b.get_width() / 2, v + 0.02, f"{v:.2f}", ha="center", fontsize=14)
    axes[2].axhline(0.5, color="0.5", ls="--", lw=1.5)
    axes[2].text(2.45, 0.5, "chance", color="0.4", fontsize=13, ha="left", va="center", clip_on=False)
    axes[2].set_xticks(range(3), list(names.values()), fontsize=14)
    axes[2].set_ylim(0, 1.12)
    axes[2].set_xlim(-0.5, 2.5)
    axes[2].set_ylabel("Validation accuracy")
    axes[2].set_title("augmentation group (one split: an illustration)", fontsize=14)
    return close(fig)


def contrast_jitter_figure(jitter_max: float = 0.2, seed: int = 0) -> Figure:
    """Left: BSE coefficient η(Z) (Reuter 1972) with a ±5 % brightness band around Fe, which covers Co and
    ends just below Ni (5.6 % above Fe). Right: fraction of jittered training images whose yield matches another
    element (label flips)."""
    z = np.linspace(20, 34, 200)
    fig, axes = new_figure(2, size=(11.0, 4.4))
    ax = axes[0]
    ax.plot(z, pa.bse_coefficient(z), color=OKABE_ITO[7], lw=2)
    eta_fe = pa.bse_coefficient(26)
    ax.axhspan(0.95 * eta_fe, 1.05 * eta_fe, color=OKABE_ITO[1], alpha=0.3, label="Fe ± 5 % brightness")
    for (el, zz), c in zip(pa.BSE_ELEMENTS.items(), OKABE_ITO, strict=False):
        ax.plot(zz, pa.bse_coefficient(zz), "o", color=c, ms=10)
        ax.annotate(f"{el} {pa.bse_coefficient(zz):.3f}", (zz, pa.bse_coefficient(zz)), xytext=(-12, 10),
                    textcoords="offset points", ha="right", fontsize=13, color=c)
    ax.set_xlabel("Atomic number Z")
    ax.set_xticks(range(20, 35, 2))
    ax.set_ylabel("BSE coefficient η")
    ax.legend(loc="lower right", fontsize=13)
    jit = np.linspace(0, jitter_max, 21)
    flips = [pa.jitter_label_flip_rate(j, seed=seed) for j in jit]
    axes[1].plot(100 * jit, 100 * np.array(flips), "o-", color=OKABE_ITO[5])
    axes[1].set_xlabel(label("Brightness jitter amplitude", "%"))
    axes[1].set_ylabel(label("Labels broken", "%"))
    axes[1].set_title("Fe, Co, Ni, Cu identified by η", fontsize=15)
    axes[1].set_ylim(0, 100)
    return close(fig)


# --------------------------------------------------------------------------------------------------
# Transfer: features, learning curves, success and failure
# --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ClassTask:
    """A downstream task: training pool and a fixed validation set (images in [0, 1], labels)."""

    name: str
    X_pool: np.ndarray
    y_pool: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    class_names: tuple[str, ...]


def microstructure_task(pool_per_class: int = 25, val_per_class: int = 50) -> ClassTask:
    """Four microstructure classes (grains, lamellar, particles, porous), 64 px at 1 µm/px: a pool of
    ``pool_per_class`` images per class (seed 101) and a fixed validation set (seed 202); neither seed is
    the one of the synthetic micrographs seen (unlabelled) in SSL pretraining."""
    pool = micrographs.microstructure_classes(pool_per_class, 64, seed=101)
    val = micrographs.microstructure_classes(val_per_class, 64, seed=202)
    names = tuple(SHORT_CLASS[c] for c in pool.class_names)
    return ClassTask("microstructure class", pool.X, pool.y, val.X, val.y, names)


def transfer_comparison(task: ClassTask, sizes: tuple[int, ...] = (2, 10), seeds: tuple[int, ...] = (0, 1, 2, 3, 4),
                        steps: int = 60, batch_size: int = 16) -> pd.DataFrame:
    """The week's comparison on ``task``: a small CNN from scratch, the micrograph SSL backbone and the
    ImageNet EfficientNet-Lite0, each fine-tuned (same labelled subsets, ``steps`` Adam steps of
    ``batch_size``, random 90° rotations and mirrors) and as a linear probe, plus a probe of random weights;
    ``sizes`` images per class, every seed on the same nested subsets and the same validation set.
    One row per method, size and seed (:func:`mlpc.transfer.learning_curve`)."""
    return transfer.learning_curve(task.X_pool, task.y_pool, task.X_val, task.y_val, sizes, seeds,
                                   methods=COMPARISON, steps=steps, batch_size=batch_size)


def comparison_figure(curve: pd.DataFrame, chance: float) -> Figure:
    """Validation accuracy of every method, one panel per training-set size: each seed as a dot, the mean ±
    standard deviation as a bar, the majority-class baseline as a dashed line."""
    summary = transfer.summarise(curve)
    sizes = sorted(curve["n_per_class"].unique())
    methods = [m for m in COMPARISON if m in set(curve["method"])]
    fig, axes = new_figure(len(sizes), size=(11.0, 4.6), sharey=True)
    axes = np.atleast_1d(axes)
    for ax, n in zip(axes, sizes, strict=True):
        for i, m in enumerate(methods):
            colour, marker, _ = METHOD_STYLE[m]
            pts = curve[(curve["method"] == m) & (curve["n_per_class"] == n)]["accuracy"].to_numpy()
            row = summary[(summary["method"] == m) & (summary["n_per_class"] == n)].iloc[0]
            ax.errorbar(i, row["mean"], yerr=row["std"], color=colour, marker="_", ms=26, mew=3, capsize=6,
                        lw=2)
            ax.plot(i + np.linspace(-0.18, 0.18, len(pts)), pts, ls="none", marker=marker, color=colour,
                    ms=6, alpha=0.8, mfc="none" if m.startswith("probe") else colour)
        ax.axhline(chance, color="0.4", ls="--", lw=1.5)
        ax.text(len(methods) - 0.5, chance + 0.015, "majority class", color="0.35", fontsize=12, ha="right")
        ax.set_xticks(range(len(methods)), [_short_method(m) for m in methods], fontsize=12, rotation=30,
                      ha="right", rotation_mode="anchor")
        ax.set_title(f"{n} labelled images per class", fontsize=15)
        ax.set_ylim(0, 1.02)
    axes[0].set_ylabel("Validation accuracy")
    return close(fig)


def _short_method(method: str) -> str:
    kind, _, source = method.partition("-")
    if method == "scratch":
        return "scratch CNN"
    name = {"random": "random", "micrograph": "SSL", "imagenet": "ImageNet", "natural": "photo stand-in"}[source]
    return f"{name} {'probe' if kind == 'probe' else 'fine-tuned'}"


#: Backbones of the failure figure: random weights, the photo-patch stand-in, the micrograph SSL CNN, ImageNet.
TASK_BACKBONES = {"random": ("0.6", "random init"), "natural": (OKABE_ITO[1], "photo-patch stand-in"),
                  "micrograph": (OKABE_ITO[0], "micrograph SSL"), "imagenet": (OKABE_ITO[5], "ImageNet EfficientNet")}


def _probe_features(name: str, X: np.ndarray) -> np.ndarray:
    """Frozen features of ``X`` from a course backbone or (``"imagenet"``) the EfficientNet-Lite0."""
    if name == "imagenet":
        return efficientnet.extract_features(_efficientnet(), X)
    return transfer.extract_features(transfer.load_backbone(name), X)


@functools.cache
def _efficientnet():
    return efficientnet.load_efficientnet()


def transfer_tasks(n_per_class: int = 5, seeds: tuple[int, ...] = (0, 1, 2, 3, 4), micro: ClassTask | None = None
                   ) -> pd.DataFrame:
    """Linear-probe accuracy (mean, std over seeds) of the random, photo-patch, micrograph and ImageNet
    backbones on three tasks with ``n_per_class`` labelled images per class: microstructure class (morphology), growth
    direction of lamellar eutectics (a direction), and the element of a BSE micrograph (absolute grey
    level). ``micro``: an already built :func:`microstructure_task` to reuse."""
    ms = micro or microstructure_task(pool_per_class=max(n_per_class, 10), val_per_class=50)
    lam_pool = pa.lamellae_orientation_set(max(n_per_class, 10), seed=101)
    lam_val = pa.lamellae_orientation_set(50, seed=202)
    bse_pool = pa.bse_composition_set(max(n_per_class, 10), seed=101)
    bse_val = pa.bse_composition_set(30, seed=202)
    tasks = {
        "microstructure class\n(morphology, 4 classes)": (ms.X_pool, ms.y_pool, ms.X_val, ms.y_val),
        "lamellae growth direction\n(x or y, 2 classes)": (lam_pool.X, lam_pool.y, lam_val.X, lam_val.y),
        "element from BSE image\n(Fe, Ni, Cu: grey level)": (bse_pool.X, bse_pool.y, bse_val.X, bse_val.y),
    }
    rows = []
    for task, (Xp, yp, Xv, yv) in tasks.items():
        for name in TASK_BACKBONES:
            fp, fv = _probe_features(name, Xp), _probe_features(name, Xv)
            accs = [transfer.linear_probe_accuracy(fp[i], yp[i], fv, yv)
                    for i in (transfer.stratified_subset(yp, n_per_class, s) for s in seeds)]
            rows.append({"task": task, "backbone": name, "mean": float(np.mean(accs)),
                         "std": float(np.std(accs, ddof=1)), "chance": 1.0 / len(np.unique(yp))})
    return pd.DataFrame(rows)


def transfer_tasks_figure(table: pd.DataFrame) -> Figure:
    """Grouped bars: linear-probe accuracy per task and backbone, with the chance level of each task."""
    tasks = list(dict.fromkeys(table["task"]))
    fig, ax = new_figure(size=(11.0, 4.8))
    width = 0.2
    for j, (name, (colour, lab)) in enumerate(TASK_BACKBONES.items()):
        sub = table[table["backbone"] == name].set_index("task").loc[tasks]
        x = np.arange(len(tasks)) + (j - 1.5) * width
        ax.bar(x, sub["mean"], width, yerr=sub["std"], capsize=4, color=colour, label=lab)
    for i, task in enumerate(tasks):
        chance = float(table.loc[table["task"] == task, "chance"].iloc[0])
        ax.hlines(chance, i - 2.1 * width, i + 2.1 * width, color="black", ls="--", lw=1.5)
    ax.set_xticks(range(len(tasks)), tasks, fontsize=14)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("Linear-probe accuracy")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=13, title="backbone", title_fontsize=13)
    return close(fig)
