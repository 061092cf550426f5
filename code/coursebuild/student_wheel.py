"""The course package's wheel, published on the site for students: ``python/mlpc-<version>-py3-none-any.whl``.

The pre-render step calls :func:`publish`, so both render paths (offline engine and Quarto) publish it as a
resource listed in ``_quarto.yml``. The wheel holds ``mlpc`` only (with its package data), never the site build:
``pyproject.toml`` and ``code/mlpc`` are copied to a temporary folder and built there with setuptools (offline:
``--no-index --no-build-isolation``; no ``build/`` or ``*.egg-info`` in the repository). File times are fixed
(``SOURCE_DATE_EPOCH``), so the same sources give the same bytes; the build (~2 s) is skipped when the sources'
digest matches the one recorded beside the wheel.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

from coursebuild.errors import BuildError

OUT_DIR = "python"
#: 2026-01-01T00:00Z: the time stamp of every file in the wheel.
SOURCE_DATE_EPOCH = "1767225600"
IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")


def wheel_name(root: Path) -> str:
    """``mlpc-<version>-py3-none-any.whl`` from ``pyproject.toml``."""
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return f"{project['name']}-{project['version']}-py3-none-any.whl"


def sources_digest(root: Path) -> str:
    """Digest of what goes into the wheel: ``pyproject.toml`` and every file under ``code/mlpc``."""
    h = hashlib.sha256()
    files = [root / "pyproject.toml", *sorted(p for p in (root / "code" / "mlpc").rglob("*")
                                              if p.is_file() and "__pycache__" not in p.parts)]
    for path in files:
        h.update(str(path.relative_to(root)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def publish(root: Path) -> Path:
    """Build the wheel into ``root/python/`` unless it is up to date; remove any other wheel there."""
    out = root / OUT_DIR
    out.mkdir(exist_ok=True)
    target = out / wheel_name(root)
    stamp = out / ".sources-digest"
    digest = sources_digest(root)
    if not (target.exists() and stamp.exists() and stamp.read_text() == digest):
        build(root, target)
        stamp.write_text(digest)
    for other in out.glob("*.whl"):
        if other != target:
            other.unlink()
    return target


def build(root: Path, target: Path) -> None:
    """Build the wheel of ``mlpc`` from a copy of its sources (offline) into ``target``."""
    with tempfile.TemporaryDirectory(prefix="mlpc-wheel-") as tmp:
        src = Path(tmp) / "src"
        shutil.copytree(root / "code" / "mlpc", src / "code" / "mlpc", ignore=IGNORE)
        shutil.copy2(root / "pyproject.toml", src / "pyproject.toml")
        cmd = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-index", "--no-build-isolation", "-q",
               "-w", str(Path(tmp) / "dist"), str(src)]
        proc = subprocess.run(cmd, capture_output=True, text=True,
                              env=dict(os.environ, SOURCE_DATE_EPOCH=SOURCE_DATE_EPOCH))
        built = Path(tmp) / "dist" / target.name
        if proc.returncode != 0 or not built.exists():
            raise BuildError(f"building the student wheel failed (is setuptools >= 77 installed?): "
                             f"{proc.stderr.strip()[-800:]}", root / "pyproject.toml")
        shutil.copy2(built, target)
