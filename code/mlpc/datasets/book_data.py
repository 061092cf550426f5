"""The companion book's data, loaded offline (the files of the ``mdsdata`` package), and two real
micrographs bundled with scikit-image.

The files the exercises read (MDS-1, MDS-5 and Cahn–Hilliard simulation 0) ship with mlpc in
``mlpc/data/book/`` (MIT licence there), so students need no ``mdsdata`` (whose ``numpy<2`` pin does not
install on Python 3.13); the other Cahn–Hilliard simulations and the Ising images (decks, gallery) are read
from an installed ``mdsdata`` (``pip install --no-deps mdsdata==0.1.5``).

Source and licence: ``mdsdata`` 0.1.5 (MIT licence), the data sets of S. Sandfeld, *Materials Data
Science*, Springer (2024), https://MDS-book.org. What the package really holds (read from its source):

- MDS-3 Cahn–Hilliard: 17,866 grey-level PNG images, 64 × 64 px, 0–255, of phase-separating
  microstructures from 18 Cahn–Hilliard simulations (B. D. Nguyen, S. Sandfeld, 2023), each image with
  the free energy of the simulation state (dimensionless simulation units, 458–1100; it decreases
  as the structure coarsens). Images and energies are shuffled within each simulation. The package's
  ``load_CahnHilliard()`` takes ~17 s (it converts every pixel to a Python int); this module reads the
  same PNG/CSV files directly and caches the arrays in memory and on disk.
- MDS-2 Ising: 5,000 binary spin images (64 × 64, spins ±1) of the 2D Ising model, one simulation per
  image, with the reduced temperature k_B T / J (0–4.54) and a label above/below the Curie temperature;
  the labels switch between 2.2678 and 2.2705, i.e. at Onsager's T_c = 2 / ln(1 + sqrt 2) = 2.2692
  (Onsager 1944). (The package's docstring says "Cahn-Hilliard model" for these; they are Ising images.)
- MDS-1 tensile test: NOT measured data. 350 strain–stress points at each of 0, 400 and 600 °C computed
  by the package from the NIST structural-steel model (NIST Technical Note 1907, 2016, eq. 4.3) with
  scatter in E (5 %), yield stress (4 %) and hardening exponent (3 %) and noise on stress, strain and
  temperature. The CSV stores true strain (dimensionless) and true stress in ksi (the model's unit:
  F_y0 = 50 ksi = 345 MPa, E0 = 29,900 ksi = 206 GPa); this loader gives both ksi and MPa.
- MDS-5 nanoindentation of Cu/Cr composites: measured Young's modulus E and hardness H, both in GPa,
  for four materials labelled '0% Cr', '25% Cr', '60% Cr', '100% Cr' (Zhang, Bos, Sandfeld & Schwaiger,
  arXiv:2309.06613, 2023; data doi:10.5281/zenodo.8336072). "Reduced" files have outliers removed (938
  points), "full" files keep them (1,050). Note: the package's ``load_indentation()`` says outliers are
  removed but reads the full files.

Nothing here touches the network: ``mdsdata`` reads files inside its own package, scikit-image's
bundled images are read from its package directory (never through its downloader).
"""

from __future__ import annotations

import functools
import io
import os
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from mlpc import DATA_DIR

N_CAHN_HILLIARD_SIMULATIONS = 18
ONSAGER_TC = 2.0 / np.log(1.0 + np.sqrt(2.0))
KSI_TO_MPA = 6.894757
TENSILE_TEMPERATURES_C = (0, 400, 600)
INDENTATION_MATERIALS = ("0% Cr", "25% Cr", "60% Cr", "100% Cr")
SKIMAGE_MICROGRAPHS = {
    "cell": ("cell.png", 0.107,
             "quantitative phase image of a cell in saline from digital holography (Müller et al. 2018), "
             "0.107 µm/px, CC0"),
    "microaneurysms": ("microaneurysms.png", None,
                       "retina (fundus) image with microaneurysms, green channel, HRF database "
                       "(Budai et al. 2013), CC0; pixel size not given"),
}


def _book_file(relative: str) -> Path:
    """A file of the ``mdsdata`` package by its path inside it: the copy shipped in ``mlpc/data/book`` (the
    few files the exercises read, MIT licence in that folder) if there is one, else the installed mdsdata."""
    shipped = DATA_DIR / "book" / relative
    if shipped.exists():
        return shipped
    try:
        import mdsdata
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError(
            f"{relative} is not shipped with mlpc and mdsdata is not installed. Fix: pip install --no-deps "
            "mdsdata==0.1.5 tqdm (--no-deps: its numpy<2 pin is not needed; its loaders are not used)") from err
    return Path(mdsdata.__file__).resolve().parent / relative


def cache_dir() -> Path:
    """Directory of the on-disk cache: ``$MLPC_CACHE`` if set, else ``~/.cache/mlpc``."""
    return Path(os.environ.get("MLPC_CACHE", Path.home() / ".cache" / "mlpc")).expanduser()


def _read_png_zip(zip_path: Path) -> tuple[list[str], np.ndarray]:
    from PIL import Image

    with zipfile.ZipFile(zip_path) as archive:
        names = archive.namelist()
        images = np.stack([np.asarray(Image.open(io.BytesIO(archive.read(n)))) for n in names])
    return names, images


# --------------------------------------------------------------------------------------------------
# Cahn–Hilliard
# --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CahnHilliardImages:
    """Cahn–Hilliard microstructures: ``images`` (N, 64, 64) uint8 grey levels 0–255 (concentration
    field), ``energy`` the free energy of each state (dimensionless simulation units), ``simulation``
    the simulation index 0–17."""

    images: np.ndarray
    energy: np.ndarray
    simulation: np.ndarray
    description: str


@functools.lru_cache(maxsize=N_CAHN_HILLIARD_SIMULATIONS)
def _cahn_hilliard_simulation(k: int, cache_root: str) -> tuple[np.ndarray, np.ndarray]:
    """Images and energies of simulation ``k``, from the disk cache if present, else from mdsdata."""
    cache_file = Path(cache_root) / f"mdsdata_cahn_hilliard_{k:02d}.npz"
    if cache_file.exists():
        with np.load(cache_file) as data:
            return data["images"], data["energy"]
    names, images = _read_png_zip(_book_file(f"MDS3_CahnHilliard/data/images_{k}.zip"))
    table = pd.read_csv(_book_file(f"MDS3_CahnHilliard/data/labels_{k}.csv")).set_index("filenames")
    energy = table.loc[names, "energy"].to_numpy(dtype=float)
    images = images.astype(np.uint8)
    try:
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache_file.with_suffix(f".{os.getpid()}.tmp.npz")
        np.savez_compressed(tmp, images=images, energy=energy)
        tmp.replace(cache_file)
    except OSError:
        pass  # a read-only home still works, only slower
    return images, energy


def load_cahn_hilliard(simulations: int | list[int] | None = None, n: int | None = None,
                       seed: int = 0) -> CahnHilliardImages:
    """Cahn–Hilliard images with their energies (mdsdata MDS-3; MIT; Sandfeld 2024).

    ``simulations``: one index or a list in 0–17 (default: all 18, 17,866 images); ``n``: a random subset
    of that many images (seeded). First call per simulation reads the PNGs (~0.3–0.5 s each) and writes
    a compressed cache to :func:`cache_dir`; later calls, also in a new process, read the cache (< 1 s for
    all). Arrays are cached in-process too: treat them as read-only.
    """
    if simulations is None:
        sims = list(range(N_CAHN_HILLIARD_SIMULATIONS))
    else:
        sims = [simulations] if isinstance(simulations, int | np.integer) else list(simulations)
    bad = [s for s in sims if int(s) != s or not 0 <= s < N_CAHN_HILLIARD_SIMULATIONS]
    if not sims or bad:
        raise ValueError(f"simulations must be indices in [0, {N_CAHN_HILLIARD_SIMULATIONS - 1}], "
                         f"got {simulations!r}")
    root = str(cache_dir())
    parts = [_cahn_hilliard_simulation(int(s), root) for s in sims]
    images = np.concatenate([p[0] for p in parts])
    energy = np.concatenate([p[1] for p in parts])
    sim = np.concatenate([np.full(len(p[1]), s, dtype=np.int16) for s, p in zip(sims, parts, strict=True)])
    if n is not None:
        if int(n) != n or not 1 <= n <= len(energy):
            raise ValueError(f"n must be an integer in [1, {len(energy)}] for these simulations, got {n!r}")
        pick = np.sort(np.random.default_rng(seed).choice(len(energy), int(n), replace=False))
        images, energy, sim = images[pick], energy[pick], sim[pick]
    return CahnHilliardImages(images=images, energy=energy, simulation=sim,
                              description=(f"{len(energy)} Cahn–Hilliard microstructures, 64×64 px, energy "
                                           f"{energy.min():.0f}–{energy.max():.0f} (simulation units)"))


# --------------------------------------------------------------------------------------------------
# Ising
# --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class IsingImages:
    """2D Ising configurations: ``spins`` (N, 64, 64) int8 ±1, ``temperature`` reduced k_B T / J,
    ``above_tc`` the package's label (True above the Curie temperature)."""

    spins: np.ndarray
    temperature: np.ndarray
    above_tc: np.ndarray
    tc: float
    description: str


@functools.lru_cache(maxsize=1)
def _ising_arrays() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    names, images = _read_png_zip(_book_file("MDS2_Ising_model/images_64.zip"))
    table = pd.read_csv(_book_file("MDS2_Ising_model/labels_64.csv")).set_index("filenames").loc[names]
    spins = np.where(images > 127, 1, -1).astype(np.int8)
    return spins, table["temperatures"].to_numpy(float), table["labels"].to_numpy(int).astype(bool)


def load_ising() -> IsingImages:
    """5,000 Ising spin images with temperatures (mdsdata MDS-2; MIT; Sandfeld 2024). ~1 s, cached."""
    spins, temperature, above = _ising_arrays()
    return IsingImages(spins=spins, temperature=temperature, above_tc=above, tc=float(ONSAGER_TC),
                       description=(f"{len(temperature)} Ising configurations 64×64, k_B T/J "
                                    f"{temperature.min():.2f}–{temperature.max():.2f}, "
                                    f"T_c = {ONSAGER_TC:.4f}"))


# --------------------------------------------------------------------------------------------------
# Tensile tests and nanoindentation
# --------------------------------------------------------------------------------------------------

def load_tensile_tests() -> pd.DataFrame:
    """Synthetic true stress–strain data of structural steel at 0, 400 and 600 °C (mdsdata MDS-1; MIT).

    Columns: ``temperature_C``, ``strain`` (true strain, dimensionless), ``stress_ksi`` (as stored) and
    ``stress_MPa``. Generated from the NIST TN 1907 (2016) model with parameter scatter: see the module
    docstring. ``df.attrs["description"]`` says so.
    """
    strain = pd.read_csv(_book_file("MDS1_tensile_test/strain.csv"), index_col=0)
    stress = pd.read_csv(_book_file("MDS1_tensile_test/stress.csv"), index_col=0)
    frames = []
    for t in TENSILE_TEMPERATURES_C:
        col = f"{t}°C"
        frames.append(pd.DataFrame({"temperature_C": t, "strain": strain[col].to_numpy(float),
                                    "stress_ksi": stress[col].to_numpy(float)}))
    df = pd.concat(frames, ignore_index=True)
    df["stress_MPa"] = df["stress_ksi"] * KSI_TO_MPA
    df.attrs["description"] = ("synthetic true stress-strain of structural steel (NIST TN 1907 model with "
                               "parameter scatter), 350 points at each of 0, 400, 600 °C")
    return df


def load_nanoindentation(outliers: bool = False) -> pd.DataFrame:
    """Measured nanoindentation of four Cu/Cr composites (mdsdata MDS-5; MIT; Zhang et al. 2023).

    Columns: ``youngs_modulus_GPa``, ``hardness_GPa``, ``material`` (label '0% Cr' … '100% Cr' as given
    by the source, which does not say wt.% or at.%), ``material_id`` 0–3. ``outliers=False`` reads the
    package's reduced files (938 points), ``True`` the full ones (1,050).
    """
    folder = "MDS5_nanoindentation/data"
    kind = "full" if outliers else "reduced"
    frames = []
    for i, (name, cr) in enumerate(zip(INDENTATION_MATERIALS, (0, 25, 60, 100), strict=True)):
        raw = pd.read_csv(_book_file(f"{folder}/Cr{cr}_{kind}.csv"))
        frames.append(pd.DataFrame({"youngs_modulus_GPa": raw["E"].to_numpy(float),
                                    "hardness_GPa": raw["H"].to_numpy(float), "material": name,
                                    "material_id": i}))
    df = pd.concat(frames, ignore_index=True)
    df.attrs["description"] = (f"nanoindentation E and H (GPa) of Cu/Cr composites, {len(df)} indents, "
                               f"{'with' if outliers else 'without'} outliers")
    return df


# --------------------------------------------------------------------------------------------------
# scikit-image's bundled micrographs
# --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RealMicrograph:
    """A real micrograph: ``image`` float in [0, 1]; ``pixel_size_um`` None when the source gives none."""

    image: np.ndarray
    pixel_size_um: float | None
    name: str
    description: str


def load_skimage_micrograph(name: str = "cell") -> RealMicrograph:
    """A real microscope image bundled inside scikit-image (read from its package folder, never fetched).

    ``name``: ``"cell"`` (quantitative phase image, 0.107 µm/px, CC0) or ``"microaneurysms"`` (retina,
    CC0). Checked offline with scikit-image 0.26: these load without network; ``cells3d``, ``kidney``,
    ``lily``, ``skin``, ``human_mitosis``, ``nickel_solidification`` and ``protein_transport`` need a
    download and are not offered.
    """
    if name not in SKIMAGE_MICROGRAPHS:
        raise ValueError(f"name must be one of {tuple(SKIMAGE_MICROGRAPHS)}, got {name!r}")
    import skimage
    from PIL import Image

    file, pixel_um, text = SKIMAGE_MICROGRAPHS[name]
    path = Path(skimage.__file__).resolve().parent / "data" / file
    if not path.exists():
        raise FileNotFoundError(f"{path} is not bundled with this scikit-image; it would need a download")
    image = np.asarray(Image.open(path).convert("L"), dtype=float) / 255.0
    return RealMicrograph(image=image, pixel_size_um=pixel_um, name=name, description=text)


def time_loaders() -> dict[str, float]:
    """Wall-clock seconds of each loader with default arguments (for the data-set page)."""
    timings = {}
    for key, fn in (("cahn_hilliard", load_cahn_hilliard), ("ising", load_ising),
                    ("tensile", load_tensile_tests), ("nanoindentation", load_nanoindentation),
                    ("skimage_cell", load_skimage_micrograph)):
        t0 = time.perf_counter()
        fn()
        timings[key] = time.perf_counter() - t0
    return timings


__all__ = [
    "INDENTATION_MATERIALS",
    "ONSAGER_TC",
    "CahnHilliardImages",
    "IsingImages",
    "RealMicrograph",
    "cache_dir",
    "load_cahn_hilliard",
    "load_ising",
    "load_nanoindentation",
    "load_skimage_micrograph",
    "load_tensile_tests",
    "time_loaders",
]
