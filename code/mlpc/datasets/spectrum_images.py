"""Spectrum images (H × W × channels) that mix KNOWN end-members, for PCA/NMF/k-means with an answer key.

Each pixel's spectrum is a linear mixture of end-member spectra (one per phase) weighted by abundance
maps that are non-negative and sum to one, the linear mixing model behind EDS/EELS phase mapping with
NMF or PCA (e.g. Kotula, Keenan & Michael, *Microsc. Microanal.* 9, 1, 2003). Counts are Poisson with a
chosen dose (expected counts per pixel), because a spectrum image is a counting experiment.

End-members are the noise-free spectra of :mod:`mlpc.datasets.eds` (ferrite with MnS and Al2O3
inclusions, or an Al–Si–Cu casting alloy: α-Al matrix, eutectic Si, θ-Al2Cu) or of
:mod:`mlpc.datasets.xrd` (ferrite, austenite, α-Ti), so every peak sits where the physics puts it.
:func:`score_decomposition` matches estimated components to the true end-members by the Hungarian
algorithm on cosine similarity (Kuhn 1955).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.ndimage import gaussian_filter
from scipy.optimize import linear_sum_assignment

#: End-member phases (name -> composition in mass fractions) of the EDS spectrum images.
#: "steel-inclusions": ferrite with MnS and Al2O3 inclusions, each phase with its own elements;
#: "al-si-cu": a casting alloy whose θ-Al2Cu shares Al with the matrix, so NMF's answer is not unique
#: (the Cu-rich part can be split off the Al-rich part): a lesson on identifiability.
EDS_SYSTEMS: dict[str, dict[str, dict[str, float]]] = {
    "steel-inclusions": {
        "ferrite (Fe–1Mn)": {"Fe": 0.99, "Mn": 0.01},
        "MnS": {"Mn": 0.632, "S": 0.368},
        "Al2O3": {"Al": 0.529, "O": 0.471},
    },
    "al-si-cu": {
        "α-Al (Al–1Cu)": {"Al": 0.99, "Cu": 0.01},
        "eutectic Si": {"Si": 0.99, "Al": 0.01},
        "θ-Al2Cu": {"Al": 0.465, "Cu": 0.535},
    },
}
XRD_PHASES: tuple[str, ...] = ("Fe-bcc", "Fe-fcc", "Ti-hcp")


@dataclass(frozen=True)
class SpectrumImage:
    """A spectrum image with its answer key.

    ``cube`` holds Poisson counts (H, W, C); ``axis`` is the spectral axis in ``axis_unit``
    (keV for EDS, degrees 2θ for XRD); ``endmembers`` (K, C) are the true spectra normalised to unit sum;
    ``abundances`` (H, W, K) sum to one per pixel; ``phase_map`` (H, W) is the majority phase.
    """

    cube: np.ndarray
    axis: np.ndarray
    axis_name: str
    axis_unit: str
    endmembers: np.ndarray
    endmember_names: tuple[str, ...]
    abundances: np.ndarray
    phase_map: np.ndarray
    dose_counts_per_pixel: float
    pixel_size_um: float
    description: str


@dataclass(frozen=True)
class DecompositionScore:
    """How well estimated components match the true end-members (after Hungarian matching).

    ``assignment[k]`` is the index of the estimated component matched to true end-member k;
    ``cosine[k]`` their cosine similarity; ``abundance_rmse`` is filled when abundances were given.
    """

    assignment: tuple[int, ...]
    cosine: tuple[float, ...]
    mean_cosine: float
    abundance_rmse: float | None


def abundance_maps(shape: tuple[int, int] = (64, 64), n_phases: int = 3, mode: str = "fields",
                   correlation_length_px: float = 6.0, sharpness: float = 4.0,
                   seed: int = 0) -> np.ndarray:
    """Abundance maps (H, W, K), non-negative and summing to one in every pixel.

    ``mode="fields"``: a softmax of K smooth Gaussian random fields (correlation length in pixels);
    ``sharpness`` sets how pure the domains are (large: nearly pure phases with thin mixed boundaries).
    ``mode="particles"``: phase 0 is a matrix holding round particles of the other phases, with a
    mixed rim about one pixel wide (as a finite probe would record).
    """
    h, w = shape
    if not (8 <= h <= 1024 and 8 <= w <= 1024):
        raise ValueError(f"shape must be between (8, 8) and (1024, 1024), got {shape}")
    if not 2 <= n_phases <= 7:
        raise ValueError(f"n_phases must be in [2, 7], got {n_phases}")
    if not 1.0 <= correlation_length_px <= min(h, w) / 2:
        raise ValueError(f"correlation_length_px must be in [1, {min(h, w) / 2}], "
                         f"got {correlation_length_px}")
    if sharpness <= 0:
        raise ValueError(f"sharpness must be > 0, got {sharpness}")
    rng = np.random.default_rng(seed)
    if mode == "fields":
        fields = np.stack([gaussian_filter(rng.standard_normal((h, w)), correlation_length_px, mode="wrap")
                           for _ in range(n_phases)], axis=-1)
        # Equal mean and spread per field, so that no phase dominates the map by chance.
        fields = (fields - fields.mean(axis=(0, 1))) / fields.std(axis=(0, 1))
        z = sharpness * fields
        z -= z.max(axis=-1, keepdims=True)
        a = np.exp(z)
    elif mode == "particles":
        a = np.zeros((h, w, n_phases))
        yy, xx = np.mgrid[0:h, 0:w]
        # Enough particles (mean radius = correlation length) to cover ~35 % of the field, phases in turn.
        n_particles = max(n_phases - 1, int(round(0.35 * h * w / (np.pi * correlation_length_px**2))))
        for i in range(n_particles):
            k = 1 + i % (n_phases - 1)
            cy, cx = rng.uniform(0, h), rng.uniform(0, w)
            radius = rng.uniform(0.6, 1.4) * correlation_length_px
            dist = np.hypot(yy - cy, xx - cx)
            a[..., k] = np.maximum(a[..., k], np.clip(radius + 0.5 - dist, 0.0, 1.0))
        occupied = a[..., 1:].sum(axis=-1)
        over = occupied > 1.0
        a[over, 1:] /= occupied[over, None]
        a[..., 0] = 1.0 - a[..., 1:].sum(axis=-1)
    else:
        raise ValueError(f"mode must be 'fields' or 'particles', got {mode!r}")
    return a / a.sum(axis=-1, keepdims=True)


def _eds_endmembers(n_phases: int, system: str) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    from mlpc.datasets.eds import eds_spectrum

    if system not in EDS_SYSTEMS:
        raise ValueError(f"system must be one of {sorted(EDS_SYSTEMS)}, got {system!r}")
    phases = EDS_SYSTEMS[system]
    names = tuple(phases)[:n_phases]
    spectra = [eds_spectrum(phases[n], beam_energy_keV=15.0, energy_range_keV=(0.1, 10.1),
                            channel_width_eV=20.0, seed=0) for n in names]
    return spectra[0].energy_keV, np.stack([s.expected_counts for s in spectra]), names


def _xrd_endmembers(n_phases: int) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    from mlpc.datasets.xrd import xrd_pattern

    names = XRD_PHASES[:n_phases]
    patterns = [xrd_pattern(n, crystallite_size_nm=20.0, two_theta_range_deg=(30.0, 100.0), step_deg=0.1,
                            background_counts=50.0, seed=0) for n in names]
    return patterns[0].two_theta_deg, np.stack([p.expected_counts for p in patterns]), names


def spectrum_image(shape: tuple[int, int] = (64, 64), kind: str = "eds", n_phases: int = 3,
                   dose_counts_per_pixel: float = 2000.0, mode: str = "fields",
                   correlation_length_px: float = 6.0, pixel_size_um: float = 0.5,
                   system: str = "steel-inclusions", seed: int = 0) -> SpectrumImage:
    """A spectrum image of ``n_phases`` known phases with Poisson noise at ``dose_counts_per_pixel``.

    ``kind="eds"``: ≤ 3 phases of an :data:`EDS_SYSTEMS` ``system`` (15 kV, 0.1–10.1 keV, 20 eV channels);
    ``kind="xrd"``: ≤ 3 of ferrite, austenite, α-Ti (Cu Kα, 2θ = 30–100°, 0.1° steps, L = 20 nm).
    ``mode`` and ``correlation_length_px`` shape the abundance maps (see :func:`abundance_maps`).

    Expected counts in pixel (i, j): dose × Σ_k a_ijk m_k with end-members m_k normalised to unit sum.
    Runs in well under a second for the default 64 × 64 × 500 cube.
    """
    if kind == "eds":
        axis, members, names = _eds_endmembers(min(n_phases, 3), system)
        axis_name, axis_unit = "Energy", "keV"
    elif kind == "xrd":
        axis, members, names = _xrd_endmembers(min(n_phases, len(XRD_PHASES)))
        axis_name, axis_unit = "2θ", "°"
    else:
        raise ValueError(f"kind must be 'eds' or 'xrd', got {kind!r}")
    if not 2 <= n_phases <= len(names):
        raise ValueError(f"n_phases must be in [2, {len(names)}] for kind={kind!r}, got {n_phases}")
    if not 1.0 <= dose_counts_per_pixel <= 1e7:
        raise ValueError(f"dose_counts_per_pixel must be in [1, 1e7], got {dose_counts_per_pixel}")
    if pixel_size_um <= 0:
        raise ValueError(f"pixel_size_um must be > 0, got {pixel_size_um}")
    members = members / members.sum(axis=1, keepdims=True)
    abundances = abundance_maps(shape, n_phases, mode, correlation_length_px, seed=seed)
    rng = np.random.default_rng(seed + 1)
    expected = dose_counts_per_pixel * np.tensordot(abundances, members, axes=(2, 0))
    cube = rng.poisson(expected).astype(np.int32)
    return SpectrumImage(
        cube=cube,
        axis=axis,
        axis_name=axis_name,
        axis_unit=axis_unit,
        endmembers=members,
        endmember_names=names,
        abundances=abundances,
        phase_map=np.argmax(abundances, axis=-1),
        dose_counts_per_pixel=float(dose_counts_per_pixel),
        pixel_size_um=float(pixel_size_um),
        description=f"{kind.upper()} spectrum image {shape[0]}×{shape[1]} of " + ", ".join(names)
                    + f" at {dose_counts_per_pixel:g} counts/pixel",
    )


def cosine_similarity(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cosine similarity between the rows of ``a`` (n, C) and of ``b`` (m, C): an (n, m) matrix."""
    a = np.atleast_2d(np.asarray(a, dtype=float))
    b = np.atleast_2d(np.asarray(b, dtype=float))
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"spectra must have the same number of channels, got {a.shape[1]} and {b.shape[1]}")
    na = np.linalg.norm(a, axis=1, keepdims=True)
    nb = np.linalg.norm(b, axis=1, keepdims=True)
    return (a @ b.T) / np.maximum(na * nb.T, 1e-300)


def score_decomposition(components: np.ndarray, endmembers: np.ndarray,
                        abundances_estimated: np.ndarray | None = None,
                        abundances_true: np.ndarray | None = None) -> DecompositionScore:
    """Match estimated ``components`` (K', C) to true ``endmembers`` (K, C), K' ≥ K, by the Hungarian
    algorithm maximising total cosine similarity; optionally compare abundances (…, K') with (…, K)
    after normalising the matched estimated abundances to sum to one per pixel."""
    components = np.atleast_2d(np.asarray(components, dtype=float))
    endmembers = np.atleast_2d(np.asarray(endmembers, dtype=float))
    if components.shape[0] < endmembers.shape[0]:
        raise ValueError(f"need at least as many components ({components.shape[0]}) as end-members "
                         f"({endmembers.shape[0]})")
    sim = cosine_similarity(endmembers, components)
    rows, cols = linear_sum_assignment(-sim)
    cos = sim[rows, cols]
    rmse = None
    if abundances_estimated is not None and abundances_true is not None:
        est = np.asarray(abundances_estimated, dtype=float)[..., cols]
        # Put the components on the scale of unit-sum spectra before normalising per pixel.
        est = est * components[cols].sum(axis=1)
        est = est / np.maximum(est.sum(axis=-1, keepdims=True), 1e-300)
        rmse = float(np.sqrt(np.mean((est - np.asarray(abundances_true, dtype=float)) ** 2)))
    return DecompositionScore(assignment=tuple(int(c) for c in cols), cosine=tuple(float(c) for c in cos),
                              mean_cosine=float(cos.mean()), abundance_rmse=rmse)


__all__ = ["EDS_SYSTEMS", "XRD_PHASES", "SpectrumImage", "DecompositionScore", "abundance_maps",
           "spectrum_image", "cosine_similarity", "score_decomposition"]
