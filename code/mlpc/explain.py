"""Explainability for experimental ML: class activation maps, a planted shortcut, SHAP on a process–property
model, and a multi-modal (image + EDS spectrum + process) fusion data set for the week-13 mini-project.

- Class activation maps (CAM; Zhou, Khosla, Lapedriza, Oliva & Torralba, "Learning deep features for
  discriminative localization", CVPR 2016): for a network that ends in global average pooling and one
  linear layer (:class:`mlpc.models.cnn.SmallCNN`), the class score is the spatial mean of
  ``Σ_k w_ck · f_k(x, y)``; that weighted map *is* the CAM. For this architecture Grad-CAM (Selvaraju et
  al., ICCV 2017) gives the same map up to a positive factor, because the gradient of the score with respect
  to ``f_k`` is ``w_ck / (H·W)`` everywhere.
- Shortcut learning (Geirhos et al., "Shortcut learning in deep neural networks", Nat. Mach. Intell. 2, 665,
  2020): a scale bar burnt into the micrographs of one class only is a perfect, non-physical predictor;
  :func:`plant_scale_bar` plants it so that CAMs can expose it.
- SHAP (Lundberg & Lee, NeurIPS 2017; TreeExplainer: Lundberg et al., Nat. Mach. Intell. 2, 56, 2020) on a
  gradient-boosting model (Friedman, Ann. Stat. 29, 1189, 2001) of LPBF 316L yield strength.
- :func:`fusion_dataset` joins, per specimen, a polished-section micrograph whose pores follow the
  specimen's Archimedes density, a 316L EDS spectrum whose O Kα line grows with powder reuse (oxygen
  pick-up), and the process parameters; :func:`fusion_features` turns the three modalities into one
  feature table (late fusion of hand-crafted descriptors; Baltrušaitis, Ahuja & Morency, IEEE TPAMI 41,
  423, 2019). Textbook: S. Sandfeld, *Materials Data Science*, Springer 2024, ch. 17–18.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
from torch.nn import functional as F

from mlpc.models.cnn import SmallCNN

PROCESS_COLUMNS = ("power_W", "speed_mm_s", "hatch_um", "layer_um", "anneal_temperature_C", "anneal_time_h")
"""Process parameters (inputs known before the build and the heat treatment)."""


def class_activation_maps(model: SmallCNN, X: np.ndarray, classes: np.ndarray | None = None) -> np.ndarray:
    """CAMs (N, H, W) of ``model`` for ``classes`` (default: the predicted class), upsampled bilinearly to
    the image size, clipped at 0 and scaled to a maximum of 1 per image (Zhou et al. 2016)."""
    x = torch.as_tensor(np.asarray(X, dtype=np.float32))[:, None]
    model.eval()
    with torch.no_grad():
        f3 = model.features(x)[-1]
        logits = model.head(f3.mean(dim=(-2, -1)))
        cls = logits.argmax(1) if classes is None else torch.as_tensor(np.asarray(classes), dtype=torch.long)
        w = model.head.weight[cls]
        cam = torch.einsum("nk,nkhw->nhw", w, f3)
        cam = F.interpolate(cam[:, None], size=x.shape[-2:], mode="bilinear", align_corners=False)[:, 0]
    cam = torch.clamp(cam, min=0).numpy()
    peak = cam.reshape(len(cam), -1).max(1)
    return cam / np.where(peak > 0, peak, 1.0)[:, None, None]


def scale_bar_mask(size: int, length_frac: float = 0.6, height_px: int = 6, margin_px: int = 4) -> np.ndarray:
    """Boolean (size, size) mask of a scale bar in the lower-right corner, as SEM software burns it in.

    The default is the bar of a data strip as it appears on a 64 px thumbnail: 60 % of the width, 6 px tall
    (5.6 % of the image). A thin 3-px bar of a third of the width is a weaker cue that a CNN learns in some
    seeds only (Week 13 deck, 5-seed study)."""
    mask = np.zeros((size, size), dtype=bool)
    length = max(2, int(round(length_frac * size)))
    mask[size - margin_px - height_px:size - margin_px, size - margin_px - length:size - margin_px] = True
    return mask


def plant_scale_bar(X: np.ndarray, y: np.ndarray, target_class: int, brightness: float = 1.0) -> np.ndarray:
    """Copy of ``X`` with a bright scale bar in a black label box burnt into every image of ``target_class``
    only: a label-correlated artefact (as when one class was imaged on another microscope), a shortcut a
    CNN can learn."""
    Xb = np.array(X, dtype=np.float32, copy=True)
    mask = scale_bar_mask(X.shape[-1])
    sel = np.asarray(y) == target_class
    frame = np.zeros_like(mask)  # the dark label box around the bar, 2 px wide
    rows, cols = np.nonzero(mask)
    frame[max(rows.min() - 2, 0):rows.max() + 3, max(cols.min() - 2, 0):cols.max() + 3] = True
    Xb[sel] = np.where(frame, np.float32(0.0), Xb[sel])
    Xb[sel] = np.where(mask, np.float32(brightness), Xb[sel])
    return Xb


def cam_fraction_in(cams: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Fraction of each CAM's total activation inside ``mask`` (per image); a uniform CAM gives the mask's
    area fraction, a CAM fixed on the masked artefact approaches 1."""
    cams = np.asarray(cams, dtype=float)
    total = cams.sum(axis=(-2, -1))
    inside = cams[..., mask].sum(-1)
    return inside / np.where(total > 0, total, 1.0)


def specimen_table(seed: int = 0, n_builds: int = 8, specimens_per_build: int = 12) -> pd.DataFrame:
    """One row per specimen of :func:`mlpc.datasets.tabular.process_property_table` (indents averaged), with
    the build as group: yield strength (MPa), density (%), mean hardness (HV) and the process columns."""
    from mlpc.datasets.tabular import process_property_table

    frame = process_property_table(n_builds=n_builds, specimens_per_build=specimens_per_build, seed=seed).frame
    keep = ["build_id", *PROCESS_COLUMNS, "energy_density_J_mm3", "relative_density_pct", "yield_strength_MPa"]
    spec = frame.groupby("specimen_id", sort=True)
    out = spec[keep].first()
    out["hardness_HV"] = spec["hardness_HV"].mean()
    return out.reset_index()


@dataclass(frozen=True)
class ShapResult:
    """SHAP values (n, p) of a gradient-boosting model, its inputs and grouped-CV R² of the model."""

    values: np.ndarray
    X: pd.DataFrame
    base_value: float
    cv_r2: float


def shap_process_property(features: tuple[str, ...] = PROCESS_COLUMNS, target: str = "yield_strength_MPa",
                          seed: int = 0) -> ShapResult:
    """Fit a gradient-boosting regressor ``features`` → ``target`` on the LPBF 316L specimens and explain it
    with ``shap.TreeExplainer`` (exact Tree SHAP, Lundberg et al. 2020). ``cv_r2`` is leave-builds-out
    (GroupKFold, 4 folds) so the model being explained is also honestly scored."""
    import shap
    from sklearn.ensemble import GradientBoostingRegressor
    from sklearn.model_selection import GroupKFold, cross_val_score

    table = specimen_table(seed=seed)
    X, yv = table[list(features)], table[target].to_numpy()
    model = GradientBoostingRegressor(n_estimators=150, max_depth=3, learning_rate=0.05, subsample=0.8,
                                      random_state=seed)
    r2 = cross_val_score(model, X, yv, groups=table["build_id"], cv=GroupKFold(4), scoring="r2")
    model.fit(X, yv)
    explainer = shap.TreeExplainer(model)
    values = np.asarray(explainer.shap_values(X))
    return ShapResult(values=values, X=X, base_value=float(np.ravel(explainer.expected_value)[0]),
                      cv_r2=float(np.mean(r2)))


@dataclass(frozen=True)
class FusionData:
    """Per specimen: ``images`` (N, 64, 64) polished sections, ``spectra`` (N, channels) EDS counts on
    ``energy_keV``, ``table`` (process columns, ``build_id``, ``oxygen_wt_pct``, ``yield_strength_MPa``)."""

    images: np.ndarray
    spectra: np.ndarray
    energy_keV: np.ndarray
    table: pd.DataFrame


_BASE_316L = {"Fe": 0.675, "Cr": 0.17, "Ni": 0.12, "Mo": 0.025, "Mn": 0.01}


def fusion_dataset(seed: int = 0, n_builds: int = 8, specimens_per_build: int = 12,
                   total_counts: float = 1e6) -> FusionData:
    """Three modalities per LPBF 316L specimen (:func:`specimen_table`).

    Image: a 64 px polished section at 2 µm/px (:func:`mlpc.datasets.micrographs.defects`) with gas pores
    whose expected number follows the specimen's porosity (100 − density, %; Poisson, as in one field).
    Spectrum: 20 kV EDS of 316L
    (:func:`mlpc.datasets.eds.eds_spectrum`) with an oxygen content of 0.03 wt% + 0.01 wt% per reuse of the
    powder (build index; oxygen pick-up, the cause of the +3 MPa/build drift of the table), counted with
    Poisson noise. 0.2 wt% O adds ≈ 50 counts to ≈ 42 000 in the O Kα window at 10⁶ counts (Cr Lα
    overlaps it): below the EDS detection limit, as in real steels. The expected spectrum is interpolated
    linearly between 0 and 0.2 wt% O (small composition changes act linearly on the counts)."""
    from mlpc.datasets.eds import eds_spectrum
    from mlpc.datasets.micrographs import defects

    table = specimen_table(seed=seed, n_builds=n_builds, specimens_per_build=specimens_per_build)
    rng = np.random.default_rng(seed + 13)
    build_idx = table["build_id"].str[1:].astype(int).to_numpy()
    oxygen = 0.03 + 0.01 * build_idx + rng.normal(0, 0.005, len(table))
    oxygen = np.clip(oxygen, 0.0, 0.2)
    lo = eds_spectrum(_BASE_316L, total_counts=total_counts, energy_range_keV=(0.0, 10.0), seed=0)
    hi = eds_spectrum({**_BASE_316L, "O": 0.002}, total_counts=total_counts, energy_range_keV=(0.0, 10.0), seed=0)
    a = (oxygen / 0.2)[:, None]
    spectra = rng.poisson((1 - a) * lo.expected_counts + a * hi.expected_counts).astype(np.float32)
    porosity = 100.0 - table["relative_density_pct"].to_numpy()
    images = np.empty((len(table), 64, 64), dtype=np.float32)
    for i, p in enumerate(porosity):
        n_pores = int(rng.poisson(max(p, 0.0) / 2.5))  # one 3-20 µm-radius pore ≈ 2.5 % of the 128 µm field
        images[i] = defects(64, 2.0, n_gas_pores=n_pores, n_lack_of_fusion=0, n_cracks=0,
                            n_inclusions=1, seed=int(rng.integers(0, 2**31 - 1))).image
    table = table.assign(oxygen_wt_pct=oxygen)
    return FusionData(images=images, spectra=spectra, energy_keV=np.asarray(lo.energy_keV), table=table)


def line_counts(spectrum: np.ndarray, energy_keV: np.ndarray, centre_keV: float, half_width_keV: float = 0.08,
                ) -> np.ndarray:
    """Counts in a window around a line minus a linear background from two side windows (net peak area)."""
    s = np.atleast_2d(spectrum)
    win = np.abs(energy_keV - centre_keV) <= half_width_keV
    side = (np.abs(energy_keV - centre_keV) > 2 * half_width_keV) & (np.abs(energy_keV - centre_keV)
                                                                       <= 3 * half_width_keV)
    bg = s[:, side].mean(1) * win.sum()
    return s[:, win].sum(1) - bg


def fusion_features(data: FusionData, modalities: tuple[str, ...] = ("process", "image", "spectrum"),
                    ) -> pd.DataFrame:
    """Late-fusion feature table: process parameters; image → dark-pixel area fraction (voids image at
    0.08, inclusions 0.4, matrix 0.8: threshold 0.25); spectrum → net O Kα / Fe Kα and Cr Kα / Fe Kα
    ratios (k-ratio-like, Castaing 1951)."""
    cols: dict[str, np.ndarray] = {}
    if "process" in modalities:
        for c in PROCESS_COLUMNS:
            cols[c] = data.table[c].to_numpy()
    if "image" in modalities:
        cols["dark_area_pct"] = 100 * (data.images < 0.25).mean(axis=(1, 2))
    if "spectrum" in modalities:
        fe = line_counts(data.spectra, data.energy_keV, 6.404)
        cols["O_Fe_ratio"] = line_counts(data.spectra, data.energy_keV, 0.525) / fe
        cols["Cr_Fe_ratio"] = line_counts(data.spectra, data.energy_keV, 5.415) / fe
    return pd.DataFrame(cols)
