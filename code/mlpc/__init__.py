"""ML-PC: code behind the course "Machine Learning in Materials Processing & Characterization".

This is the course library that students install: ``mlpc.datasets`` (real and synthetic data), the methods
the weeks teach, ``mlpc.models``, ``mlpc.plotting`` (one figure style) and ``mlpc.figures`` (figure helpers used
by the decks and handouts). What only builds the site (the schedule, the release of solutions, the site pages,
the offline engine) lives in the ``coursebuild`` package.
"""

import os
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

# Idle OpenMP threads sleep instead of spinning. torch reads this when it loads its OpenMP runtime, which every
# mlpc module that uses torch imports after this package: on a shared or busy CPU (2 cores, two kernels building
# in parallel), spinning threads slowed the course's small networks down 10–50 fold (measured with 2 threads).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

#: The course's shipped data (package data, installed with the wheel): trained weights, the companion book's
#: files the exercises use, measured data sets with their licences.
DATA_DIR = Path(__file__).resolve().parent / "data"
try:  # the installed distribution's version (pyproject.toml is the one place it is written)
    __version__ = version("mlpc")
except PackageNotFoundError:  # run from a checkout without an install
    __version__ = "source checkout"

__all__ = ["DATA_DIR", "__version__"]
