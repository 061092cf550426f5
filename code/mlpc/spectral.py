"""ML for characterization spectra (XRD, EDS, EELS) that keeps the physics: counts are Poisson, spectra
are non-negative, peaks sit at tabulated energies or Bragg angles.

- Denoising: Savitzky–Golay smoothing (Savitzky & Golay 1964, *Anal. Chem.* 36, 1627) on the Anscombe
  transform, which turns Poisson counts into nearly unit-variance Gaussian values (Anscombe 1948,
  *Biometrika* 35, 246); and low-rank PCA reconstruction of a spectrum image with Poisson weighting
  (Keenan & Kotula 2004, *Surf. Interface Anal.* 36, 203; :mod:`mlpc.low_rank`).
- Peak finding: :func:`scipy.signal.find_peaks` with a prominence threshold in units of the local
  Poisson noise σ = sqrt(counts), then identification against tabulated line energies or Bragg angles.
- Decomposition: non-negative matrix factorisation with the Kullback–Leibler (Poisson) objective by
  multiplicative updates (Lee & Seung 2001, *NIPS* 13, 556), whose components are spectra, unlike PCA's
  (Kotula, Keenan & Michael 2003, *Microsc. Microanal.* 9, 1).
- Unsupervised phase maps: K-means (Lloyd 1982) on PCA scores, t-SNE for visualisation
  (van der Maaten & Hinton 2008, *JMLR* 9, 2579), and a small autoencoder (Hinton & Salakhutdinov 2006,
  *Science* 313, 504) whose decoder outputs a non-negative spectrum and is trained with the Poisson
  likelihood.

Background: Sandfeld (2024), *Materials Data Science*, chapters on dimensionality reduction and clustering.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.signal import find_peaks, savgol_filter
from threadpoolctl import threadpool_limits

from mlpc import low_rank
from mlpc.counting_statistics import anscombe, inverse_anscombe


def _matrix(data: np.ndarray) -> np.ndarray:
    x = np.asarray(data, dtype=float)
    if x.ndim == 3:
        x = x.reshape(-1, x.shape[-1])
    if x.ndim != 2:
        raise ValueError(f"data must be (N, C) or (H, W, C), got shape {x.shape}")
    return x


def anscombe_savgol(counts: np.ndarray, window: int = 11, polyorder: int = 2) -> np.ndarray:
    """Savitzky–Golay smoothing of Poisson ``counts`` in the Anscombe domain, back-transformed to counts.

    Smoothing 2 sqrt(x + 3/8) (variance ≈ 1 everywhere) weights low- and high-count channels alike; the
    unbiased inverse (Mäkitalo & Foi 2011) brings the result back to counts. Works along the last axis.
    """
    counts = np.asarray(counts, dtype=float)
    if np.any(counts < 0):
        raise ValueError("counts must be >= 0")
    smooth = savgol_filter(anscombe(counts), window, polyorder, axis=-1)
    return np.clip(inverse_anscombe(smooth), 0.0, None)


def pca_denoise(cube: np.ndarray, k: int, poisson_weighted: bool = True) -> np.ndarray:
    """Rank-``k`` PCA reconstruction (mean + k components) of a spectrum image, same shape as ``cube``.

    With ``poisson_weighted`` the decomposition runs on the Poisson-scaled data (Keenan & Kotula 2004)."""
    cube = np.asarray(cube, dtype=float)
    result = low_rank.pca(cube, poisson_weighted=poisson_weighted, n_keep=max(k, 1))
    return low_rank.reconstruct(result, k).reshape(cube.shape)


@dataclass(frozen=True)
class Peaks:
    """Peaks found in a spectrum: positions (axis units), indices, prominences (counts) and their
    significance (prominence over the Poisson σ of the smoothed counts at the peak)."""

    positions: np.ndarray
    indices: np.ndarray
    prominences: np.ndarray
    significance: np.ndarray


def find_spectral_peaks(axis: np.ndarray, counts: np.ndarray, n_sigma: float = 5.0, window: int = 7,
                        min_distance: int = 3) -> Peaks:
    """Peaks whose prominence exceeds ``n_sigma`` Poisson standard deviations sqrt(counts).

    The spectrum is first smoothed (:func:`anscombe_savgol`, ``window`` channels) so that single-channel
    noise spikes do not split a peak; σ is taken at each peak from the smoothed counts. A fixed prominence
    in counts would be too strict on weak lines and too lax on a high background: the noise scales with
    sqrt(counts).
    """
    axis = np.asarray(axis, dtype=float)
    counts = np.asarray(counts, dtype=float)
    if axis.shape != counts.shape or counts.ndim != 1:
        raise ValueError("axis and counts must be 1-D arrays of the same length")
    if n_sigma <= 0:
        raise ValueError(f"n_sigma must be > 0, got {n_sigma}")
    smooth = anscombe_savgol(counts, window=window, polyorder=2) if window > 2 else counts
    idx, props = find_peaks(smooth, prominence=1e-9, distance=min_distance)
    prom = props["prominences"]
    sig = prom / np.sqrt(np.maximum(smooth[idx], 1.0))
    keep = sig >= n_sigma
    return Peaks(positions=axis[idx[keep]], indices=idx[keep], prominences=prom[keep], significance=sig[keep])


def match_to_table(positions: np.ndarray, table: Mapping[str, float], tolerance: float) -> dict[str, float]:
    """Identify peaks: each tabulated line or reflection (name -> position) gets the nearest found peak
    within ``tolerance`` (same units); lines without a peak are left out. A found peak can match only
    the nearest tabulated line."""
    positions = np.asarray(positions, dtype=float)
    out: dict[str, float] = {}
    if positions.size == 0:
        return out
    names = list(table)
    refs = np.array([table[n] for n in names], dtype=float)
    for p in positions:
        j = int(np.argmin(np.abs(refs - p)))
        if abs(refs[j] - p) <= tolerance:
            name = names[j]
            if name not in out or abs(out[name] - refs[j]) > abs(p - refs[j]):
                out[name] = float(p)
    return out


def eds_line_table(elements: tuple[str, ...] | list[str], energy_range_keV: tuple[float, float] = (0.1, 20.0),
                   min_weight: float = 0.5) -> dict[str, float]:
    """Tabulated X-ray line energies (keV) of ``elements``, e.g. ``{"Cu Ka": 8.048, ...}``, from
    :func:`mlpc.datasets.eds.xray_lines` (lines of relative weight ≥ ``min_weight`` in range)."""
    from mlpc.datasets.eds import xray_lines

    lo, hi = energy_range_keV
    return {f"{ln.element} {ln.line}": ln.energy_keV for el in elements for ln in xray_lines(el, hi)
            if ln.weight >= min_weight and lo <= ln.energy_keV <= hi}


def bragg_table(phase: str, two_theta_range_deg: tuple[float, float] = (20.0, 120.0),
                min_relative_intensity: float = 1.0) -> dict[str, float]:
    """Bragg angles 2θ (°, Cu Kα1) of ``phase``'s reflections, e.g. ``{"Fe-bcc 110": 44.67, ...}``,
    from :func:`mlpc.datasets.xrd.stick_pattern`, keeping reflections ≥ ``min_relative_intensity`` %."""
    from mlpc.datasets.xrd import stick_pattern

    lo, hi = two_theta_range_deg
    return {f"{r.phase} {''.join(str(i) for i in r.hkl)}": float(r.two_theta_deg) for r in stick_pattern(phase)
            if lo <= r.two_theta_deg <= hi and r.relative_intensity >= min_relative_intensity}


@dataclass(frozen=True)
class NMFResult:
    """NMF X ≈ W H: ``components`` H (K, C) normalised to unit sum (spectra), ``abundances`` W (N, K) in
    counts per pixel, ``divergence`` the generalised KL divergence per iteration checkpoint."""

    components: np.ndarray
    abundances: np.ndarray
    divergence: np.ndarray


def kl_divergence(x: np.ndarray, model: np.ndarray) -> float:
    """Generalised Kullback–Leibler divergence Σ x log(x / m) − x + m: the Poisson deviance / 2."""
    x = np.asarray(x, dtype=float)
    m = np.maximum(np.asarray(model, dtype=float), 1e-12)
    term = np.where(x > 0, x * np.log(np.maximum(x, 1e-12) / m), 0.0)
    return float(np.sum(term - x + m))


def nmf_poisson(data: np.ndarray, k: int, n_iter: int = 300, seed: int = 0) -> NMFResult:
    """NMF of counts (N, C) or (H, W, C) with the KL (Poisson maximum-likelihood) objective by the
    multiplicative updates of Lee & Seung (2001); they keep W and H non-negative by construction.
    Initialised from the mean spectrum plus seeded positive noise, so results are reproducible."""
    x = _matrix(data)
    if np.any(x < 0):
        raise ValueError("NMF needs non-negative data")
    if not 1 <= k <= min(x.shape):
        raise ValueError(f"k must be in [1, {min(x.shape)}], got {k}")
    rng = np.random.default_rng(seed)
    n, c = x.shape
    mean = x.mean(axis=0) + 1e-9
    h = mean * rng.uniform(0.5, 1.5, size=(k, c))
    w = np.full((n, k), 1.0 / k) * rng.uniform(0.5, 1.5, size=(n, k))
    div = []
    with threadpool_limits(1):  # small matrices: one BLAS thread is faster than two on a busy machine
        _multiplicative_updates(x, w, h, n_iter, div)
    scale = h.sum(axis=1)
    return NMFResult(components=h / scale[:, None], abundances=w * scale[None, :], divergence=np.array(div))


def _multiplicative_updates(x: np.ndarray, w: np.ndarray, h: np.ndarray, n_iter: int, div: list[float]) -> None:
    for it in range(n_iter):
        wh = np.maximum(w @ h, 1e-12)
        h *= (w.T @ (x / wh)) / np.maximum(w.sum(axis=0)[:, None], 1e-12)
        wh = np.maximum(w @ h, 1e-12)
        w *= ((x / wh) @ h.T) / np.maximum(h.sum(axis=1)[None, :], 1e-12)
        if it % 25 == 0 or it == n_iter - 1:
            div.append(kl_divergence(x, w @ h))


def negative_fraction(components: np.ndarray) -> np.ndarray:
    """Per component, the fraction of its absolute weight in negative channels (0 for a real spectrum)."""
    comp = np.atleast_2d(np.asarray(components, dtype=float))
    return np.clip(-comp, 0, None).sum(axis=1) / np.maximum(np.abs(comp).sum(axis=1), 1e-300)


def kmeans_labels(features: np.ndarray, k: int, seed: int = 0) -> np.ndarray:
    """K-means cluster labels (Lloyd 1982; k-means++ start, 10 restarts, seeded) of feature rows."""
    from sklearn.cluster import KMeans

    with threadpool_limits(1):
        return KMeans(n_clusters=k, n_init=10, random_state=seed).fit_predict(np.asarray(features, dtype=float))


def matched_accuracy(labels: np.ndarray, truth: np.ndarray) -> float:
    """Fraction of pixels whose cluster, after the best one-to-one relabelling (Hungarian), equals the
    true phase. Cluster numbers are arbitrary, so raw agreement would be meaningless."""
    labels = np.asarray(labels).ravel()
    truth = np.asarray(truth).ravel()
    if labels.shape != truth.shape:
        raise ValueError("labels and truth must have the same size")
    nl, nt = labels.max() + 1, truth.max() + 1
    confusion = np.zeros((nl, nt))
    np.add.at(confusion, (labels, truth), 1)
    rows, cols = linear_sum_assignment(-confusion)
    return float(confusion[rows, cols].sum() / labels.size)


def tsne_embedding(features: np.ndarray, n_max: int = 2000, perplexity: float = 30.0,
                   seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """t-SNE (van der Maaten & Hinton 2008) of at most ``n_max`` rows (a seeded random subset, since
    t-SNE costs O(N log N) per iteration and is for looking, not measuring). Returns (indices, (n, 2))."""
    from sklearn.manifold import TSNE

    x = np.asarray(features, dtype=float)
    rng = np.random.default_rng(seed)
    idx = np.sort(rng.choice(len(x), size=min(n_max, len(x)), replace=False))
    with threadpool_limits(1):
        emb = TSNE(n_components=2, perplexity=min(perplexity, (len(idx) - 1) / 3), init="pca",
                   random_state=seed, max_iter=500, n_jobs=1).fit_transform(x[idx])
    return idx, emb


@dataclass(frozen=True)
class AutoencoderResult:
    """A trained spectrum autoencoder: ``latent`` (N, d) codes, ``reconstruction`` (N, C) expected
    counts, ``losses`` the Poisson negative log-likelihood per epoch (per pixel), ``model`` the network."""

    latent: np.ndarray
    reconstruction: np.ndarray
    losses: np.ndarray
    model: object


def spectrum_autoencoder(n_channels: int, latent_dim: int = 2, hidden: int = 64):
    """A small MLP autoencoder for spectra: encoder C → hidden → d on sqrt-counts; decoder d → hidden → C
    ending in a softmax, so the output is a non-negative spectrum of unit sum (times the pixel's counts)."""
    import torch
    from torch import nn

    class SpectrumAE(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = nn.Sequential(nn.Linear(n_channels, hidden), nn.ReLU(), nn.Linear(hidden, latent_dim))
            self.decoder = nn.Sequential(nn.Linear(latent_dim, hidden), nn.ReLU(), nn.Linear(hidden, n_channels))

        def forward(self, counts: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            total = counts.sum(dim=1, keepdim=True)
            z = self.encoder(torch.sqrt(counts / total.clamp(min=1.0)))
            return z, torch.softmax(self.decoder(z), dim=1) * total

    return SpectrumAE()


def train_spectrum_autoencoder(data: np.ndarray, latent_dim: int = 2, epochs: int = 150, hidden: int = 64,
                               lr: float = 1e-2, threads: int = 1, seed: int = 0) -> AutoencoderResult:
    """Train :func:`spectrum_autoencoder` full-batch with Adam on the Poisson negative log-likelihood of
    the counts (torch.manual_seed(seed)). One thread by default: for a network this small, a second thread
    only adds synchronisation, which costs ten times more than it saves on a busy machine."""
    import torch

    torch.manual_seed(seed)
    torch.set_num_threads(threads)
    x = torch.tensor(_matrix(data), dtype=torch.float32)
    model = spectrum_autoencoder(x.shape[1], latent_dim, hidden)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    nll = torch.nn.PoissonNLLLoss(log_input=False, full=False, reduction="sum")
    losses = []
    for _ in range(epochs):
        opt.zero_grad()
        _, rec = model(x)
        loss = nll(rec, x) / x.shape[0]
        loss.backward()
        opt.step()
        losses.append(float(loss.detach()))
    with torch.no_grad():
        z, rec = model(x)
    return AutoencoderResult(latent=z.numpy(), reconstruction=rec.numpy(), losses=np.array(losses), model=model)




@dataclass(frozen=True)
class InstrumentResolution:
    """Kα1 peaks of a line-profile standard matched to their reflections, their FWHM (degrees 2θ) and the
    Caglioti fit FWHM² = U tan²θ + V tanθ + W (Caglioti, Paoletti & Ricci 1958, Nucl. Instrum. 3, 223)."""

    hkl: tuple[str, ...]
    two_theta_deg: np.ndarray
    bragg_deg: np.ndarray
    fwhm_deg: np.ndarray
    uvw: tuple[float, float, float]

    def fwhm_at(self, two_theta_deg) -> np.ndarray:
        """Instrumental FWHM (degrees 2θ) from the Caglioti fit."""
        t = np.tan(np.radians(np.asarray(two_theta_deg, dtype=float) / 2))
        u, v, w = self.uvw
        return np.sqrt(np.clip(u * t**2 + v * t + w, 0, None))


def instrument_resolution(two_theta_deg, counts, bragg_deg: dict[str, float], min_two_theta: float = 10.0,
                          match_tol_deg: float = 0.05, prominence_frac: float = 0.05) -> InstrumentResolution:
    """Find the peaks of a measured standard, keep those within ``match_tol_deg`` of a Kα1 Bragg angle
    (the Kα2 partners and artefacts fall out), measure each FWHM at half prominence and fit Caglioti's U, V, W.

    The width of a standard's peak is the instrument's (LaB6 crystallites are large and strain-free): subtract it
    from a sample's width before Scherrer, never the other way round.
    """
    from scipy.signal import find_peaks, peak_widths

    x, y = np.asarray(two_theta_deg, dtype=float), np.asarray(counts, dtype=float)
    peaks, _ = find_peaks(y, prominence=prominence_frac * y.max(), distance=20)
    peaks = peaks[x[peaks] >= min_two_theta]
    widths = peak_widths(y, peaks, rel_height=0.5)[0] * float(np.median(np.diff(x)))
    names, pos, ref, fwhm = [], [], [], []
    for p, w in zip(peaks, widths, strict=True):
        name, angle = min(bragg_deg.items(), key=lambda kv: abs(kv[1] - x[p]))
        if abs(angle - x[p]) <= match_tol_deg and name not in names:
            names.append(name)
            pos.append(x[p])
            ref.append(angle)
            fwhm.append(w)
    if len(names) < 3:
        raise ValueError(f"only {len(names)} peaks matched a Bragg angle within {match_tol_deg}°: check the "
                         "wavelength, the lattice parameter or the 2θ zero of the pattern")
    t = np.tan(np.radians(np.asarray(pos) / 2))
    uvw = np.linalg.lstsq(np.column_stack([t**2, t, np.ones_like(t)]), np.asarray(fwhm) ** 2, rcond=None)[0]
    return InstrumentResolution(tuple(names), np.asarray(pos), np.asarray(ref), np.asarray(fwhm),
                                tuple(float(a) for a in uvw))


__all__ = ["anscombe_savgol", "pca_denoise", "Peaks", "find_spectral_peaks", "match_to_table", "eds_line_table",
           "bragg_table", "NMFResult", "kl_divergence", "nmf_poisson", "negative_fraction", "kmeans_labels",
           "matched_accuracy", "tsne_embedding", "AutoencoderResult", "spectrum_autoencoder",
           "train_spectrum_autoencoder", "InstrumentResolution", "instrument_resolution"]
