"""The data-set gallery's catalogue: every data set of ``mlpc.datasets`` with its units, seed and the weeks using it.

:data:`CATALOGUE` is the one structured list ``datasets.qmd`` prints its facts line from (:func:`facts`). The
weeks are not typed in: :func:`weeks_using` finds them in each week's deck and exercise and in the course modules
those import (two levels: a deck imports ``mlpc.figures.weekNN_…``, which imports e.g. ``mlpc.explain``, which
calls the generator). :data:`HELPERS` lists the functions of ``mlpc.datasets`` that are physics or scoring
helpers, not data sets; ``tests/test_gallery_catalogue.py`` checks that every other function a week calls is
in the catalogue and on the gallery page.
"""

from __future__ import annotations

import ast
import functools
import re
from dataclasses import dataclass
from pathlib import Path

from coursebuild.schedule import Schedule, load

ROOT = Path(__file__).resolve().parents[2]
SEED_ARG = "`seed` argument (the gallery uses 0); same seed, same data"
MEASURED = "none: measured data, loaded from files shipped in the package"
BOOK_FILE = "none: a fixed file of the companion book's package (simulated by its authors)"


@dataclass(frozen=True)
class DataSet:
    """One gallery entry: the function that makes or loads it (``mlpc.datasets.<module>.<name>``), units, seed."""

    function: str
    units: str
    seed: str = SEED_ARG

    @property
    def name(self) -> str:
        return self.function.rsplit(".", 1)[1]


CATALOGUE: tuple[DataSet, ...] = (
    DataSet("mlpc.datasets.micrographs.polycrystal", "grey value 0–1; pixel size in µm; grain size as ASTM G"),
    DataSet("mlpc.datasets.micrographs.two_phase", "grey value 0–1; area fraction (dimensionless); µm"),
    DataSet("mlpc.datasets.micrographs.defects", "grey value 0–1; µm; areal porosity in %"),
    DataSet("mlpc.datasets.micrographs.lattice_image", "intensity 0–1; pixel size and plane spacing in nm"),
    DataSet("mlpc.datasets.imaging.acquire", "detected counts (dose in electrons per pixel); pixel size as given"),
    DataSet("mlpc.datasets.micrographs.microstructure_classes", "grey value 0–1; 1 µm per pixel; 4 class labels"),
    DataSet("mlpc.datasets.book_data.load_cahn_hilliard", "concentration field (dimensionless); free energy",
            "`seed` picks the subset drawn from the book's simulations"),
    DataSet("mlpc.datasets.book_data.load_nanoindentation", "load in mN, depth in nm, hardness in GPa", MEASURED),
    DataSet("mlpc.datasets.book_data.load_ising", "spins ±1 on a square lattice; temperature in units of J/k_B",
            BOOK_FILE),
    DataSet("mlpc.datasets.book_data.load_tensile_tests", "engineering stress in MPa, strain (dimensionless)",
            BOOK_FILE),
    DataSet("mlpc.datasets.book_data.load_skimage_micrograph", "grey value 0–1 (8-bit image)", MEASURED),
    DataSet("mlpc.datasets.real_data.load_haadf_mos2", "HAADF intensity (counts); pixel size in nm", MEASURED),
    DataSet("mlpc.datasets.xrd.xrd_pattern", "counts per 2θ step (degrees), Cu Kα"),
    DataSet("mlpc.datasets.real_xrd.load_lab6", "counts per 2θ step (degrees), Cu Kα1/Kα2", MEASURED),
    DataSet("mlpc.datasets.eds.eds_spectrum", "counts per 10 eV channel, energy in keV"),
    DataSet("mlpc.datasets.eds.eds_tem_fept", "counts per channel, energy in keV (200 kV STEM)", MEASURED),
    DataSet("mlpc.datasets.eds.eds_sem_tm002", "counts per channel, energy in keV (SEM)", MEASURED),
    DataSet("mlpc.datasets.eels.eels_spectrum", "counts per channel, energy loss in eV"),
    DataSet("mlpc.datasets.spectrum_images.spectrum_image",
            "counts per pixel and channel (keV for EDS, 2θ degrees for XRD); abundances 0–1"),
    DataSet("mlpc.datasets.ebsd.load_nickel_ebsd_small", "detector counts (8-bit), 60 × 60 px patterns", MEASURED),
    DataSet("mlpc.datasets.ebsd.project_patterns", "detected counts per pixel; orientations as Bunge Euler angles (°)"),
    DataSet("mlpc.datasets.ebsd.ebsd_texture_classification",
            "detected counts per pixel; 4 texture classes; deviations in degrees"),
    DataSet("mlpc.datasets.ebsd.ebsd_orientation_map", "orientations (quaternions, Euler °); step in µm"),
    DataSet("mlpc.datasets.real_data.load_ebsd_duplex", "orientations (Euler, radians in the .ang file); phases; µm",
            MEASURED),
    DataSet("mlpc.datasets.stem4d.stem4d_scan", "diffracted intensity per detector pixel; scan step in nm"),
    DataSet("mlpc.datasets.stem4d.stem4d_classification", "diffracted intensity, 24 × 24 px patterns; class labels"),
    DataSet("mlpc.datasets.process.process_map", "laser power in W, scan speed in mm/s; regime labels"),
    DataSet("mlpc.datasets.process.process_experiments",
            "power in W, speed in mm/s, energy density in J/mm³, relative density in %"),
    DataSet("mlpc.datasets.process.melt_pool_signals", "photodiode voltage in V at 100 kHz; porosity in %"),
    DataSet("mlpc.datasets.process.thermal_history", "temperature in °C against time in s"),
    DataSet("mlpc.datasets.process.process_log", "temperature in °C, pressure in MPa, displacement in mm, time in s"),
    DataSet("mlpc.explain.fusion_dataset",
            "per specimen: process settings, a 2 µm-per-pixel section image, an EDS spectrum (counts vs keV), "
            "yield strength in MPa; build IDs as groups"),
    DataSet("mlpc.datasets.tabular.process_property_table",
            "process settings (W, mm/s, °C, h); hardness in HV, yield strength in MPa, density in %"),
)

#: Functions of ``mlpc.datasets`` that compute physics or scores for a data set; not data sets themselves.
HELPERS: frozenset[str] = frozenset({
    "detector_fwhm_eV", "load_exspy_eds", "xray_lines", "fit_power_law", "alias_frequency", "downsample",
    "drift", "gaussian_psf", "power_spectrum", "scan_jitter", "shot_noise", "uneven_illumination",
    "perovskite_reflections", "classify_regime", "fusion_overlap", "get_material", "melt_pool_size",
    "normalized_enthalpy", "relative_density_model", "volumetric_energy_density", "lab6_bragg_deg",
    "abundance_maps", "score_decomposition", "intercept_from_astm_g", "mean_lineal_intercept",
    "planimetric_grain_density", "point_count_fraction", "process_property_truth", "recrystallised_hardness_HV",
    "bragg_two_theta_deg", "caglioti_fwhm_deg", "stick_pattern", "misorientation_deg", "ni_detector",
    "load_nickel_master_pattern", "quality_label", "ebsd_duplex_path", "read_ang", "cache_dir", "time_loaders",
})

_IMPORT = re.compile(r"^\s*(?:from\s+(mlpc(?:\.\w+)*)\s+import\s+([\w ,()]+)|import\s+(mlpc(?:\.\w+)*))", re.M)


def dataset_functions(root: Path = ROOT) -> dict[str, str]:
    """Every public function of the ``mlpc.datasets`` modules: name -> dotted path."""
    out = {}
    for path in sorted((root / "code" / "mlpc" / "datasets").glob("*.py")):
        if path.name.startswith("_"):
            continue
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
                out.setdefault(node.name, f"mlpc.datasets.{path.stem}.{node.name}")
    return out


def _module_file(module: str, root: Path) -> Path | None:
    base = root / "code" / Path(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.exists():
            return candidate
    return None


def _imported_text(text: str, root: Path, depth: int = 2) -> str:
    """The source of the course modules ``text`` imports, and of the modules those import (``depth`` levels)."""
    seen: set[Path] = set()
    frontier, parts = [text], []
    for _ in range(depth):
        found = []
        for source in frontier:
            for m in _IMPORT.finditer(source):
                modules = [m.group(3)] if m.group(3) else [m.group(1)] + [
                    f"{m.group(1)}.{n}" for n in re.split(r"[,\s()]+", m.group(2)) if n]
                for module in modules:
                    path = _module_file(module, root)
                    if path and path not in seen and "datasets" not in path.parts:
                        seen.add(path)
                        found.append(path.read_text(encoding="utf-8"))
        parts += found
        frontier = found
    return "\n".join(parts)


def _sources(root: Path) -> list[tuple[str, list[Path]]]:
    """(label, files) of every week with a deck or exercise, then of every optional lab."""
    from coursebuild.course_map import OPTIONAL_LABS

    schedule: Schedule = load(root / "data" / "schedule.yml", root=root)
    out = [(f"Week {w.number}", [root / rel for rel in (w.deck, w.exercise_source) if rel]) for w in schedule.weeks]
    out += [(f"optional lab {lab.lab}", [root / lab.source]) for lab in OPTIONAL_LABS]
    return [(label, files) for label, files in out if files]


@functools.lru_cache(maxsize=4)
def usage(root: Path = ROOT) -> dict[str, tuple[str, ...]]:
    """Data-set function name -> where it is used (``"Week 3"``, ``"optional lab 9"``): the deck or exercise, or
    a course module they import, calls it."""
    names = set(dataset_functions(root)) | {item.name for item in CATALOGUE}
    found: dict[str, list[str]] = {}
    for label, files in _sources(root):
        text = "\n".join(p.read_text(encoding="utf-8") for p in files)
        text += _imported_text(text, root)
        for name in sorted(names):
            if re.search(rf"\b{name}\s*\(", text):
                found.setdefault(name, []).append(label)
    return {name: tuple(labels) for name, labels in found.items()}


def entry(function: str) -> DataSet:
    """The catalogue entry of ``function`` (dotted path); a clear error names the missing entry."""
    for item in CATALOGUE:
        if item.function == function:
            return item
    raise KeyError(f"{function} is not in coursebuild.gallery.CATALOGUE: add a DataSet with its units and seed")


def weeks_text(labels: tuple[str, ...]) -> str:
    """``("Week 1", "Week 3")`` -> ``Week 1, Week 3``; nothing -> a plain statement that no week uses it yet."""
    return ", ".join(labels) if labels else "no week yet (shown here for completeness)"


def facts(*functions: str) -> str:
    """The facts line of a gallery entry: function, units, seed and the weeks that use it (one line each)."""
    lines = []
    for function in functions:
        item = entry(function)
        weeks = usage().get(item.name, ())
        lines.append(f"- `{item.function}` · *units:* {item.units} · *seed:* {item.seed} · "
                     f"*used in:* {weeks_text(weeks)}")
    return "\n".join(lines) + "\n"
