"""ML-PC: code behind the course "Machine Learning in Materials Processing & Characterization".

Sub-packages: ``mlpc.datasets`` (real and synthetic data), ``mlpc.plotting`` (one figure style),
``mlpc.schedule`` and ``mlpc.release`` (time: the semester and the release of solutions),
``mlpc.figures`` (figure helpers used by the decks and handouts).
"""

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = REPO_ROOT / "data"

__all__ = ["REPO_ROOT", "DATA_DIR"]
