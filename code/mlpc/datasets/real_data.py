"""Real measured data, loaded offline, with its source and licence attached.

- ``load_haadf_mos2``: a real HAADF-STEM image of monolayer MoS2 with Se implants (1024 × 1024 px,
  0.0127 nm/px as stored in the file, 60 kV, recorded 2016-07-03), shipped in ``mlpc/data/real/haadf-mos2``
  (an unchanged copy of the ``temul-toolkit`` 0.1.9 example data, GPL-3.0, licence beside it) and read with
  HyperSpy/RosettaSciIO: one ``pip install`` of the course package is enough.
  Source: the example data of the TEMUL Toolkit (E. N. O'Connell et al., all versions
  doi:10.5281/zenodo.3832142); the package names no further publication for this image. MoS2 has
  a ≈ 0.316 nm (molybdenite: Dickinson & Pauling, J. Am. Chem. Soc. 45, 1466, 1923, found 3.15 Å), so its
  {100} planes are d = a·√3/2 ≈ 0.274 nm.
- ``load_ebsd_duplex``: a real EBSD map of a super duplex stainless steel (austenite fcc a = 3.595 Å,
  ferrite bcc a = 2.867 Å; 100 × 117 points at 1.5 µm), shipped in ``mlpc/data/real/ebsd-duplex-steel``
  with its CC BY 4.0 licence. Source: orix-data ``sdss_ferrite_austenite`` (acquired by J. Hjelen, NTNU;
  operator H. W. Ånes); cite orix, doi:10.5281/zenodo.6199723. Read here with numpy (:func:`read_ang`),
  so that nothing depends on orix's numba kernels (``orix.io.load`` reads the same file).

Nothing here touches the network. A missing package or file raises an error that says what to install.
"""

from __future__ import annotations

import functools
import importlib.util
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import mlpc

REAL_DIR = Path(mlpc.__file__).parent / "data" / "real"
MOS2_A_NM = 0.316
MOS2_D100_NM = MOS2_A_NM * np.sqrt(3) / 2
HAADF_SOURCE = ("Real HAADF-STEM, Se-implanted monolayer MoS2, 60 kV; TEMUL Toolkit 0.1.9 example data "
                "(O'Connell et al., doi:10.5281/zenodo.3832142), GPL-3.0")
EBSD_SOURCE = ("Real EBSD map, super duplex stainless steel, J. Hjelen & H. W. Ånes (NTNU); orix-data "
               "sdss_ferrite_austenite (doi:10.5281/zenodo.6199723), CC BY 4.0")


@dataclass(frozen=True)
class RealImage:
    """A real micrograph: ``image`` (float, detector units), ``pixel_size_nm`` as stored in the file."""

    image: np.ndarray
    pixel_size_nm: float
    description: str
    source: str


def _haadf_file(name: str) -> Path:
    """The HAADF file shipped with mlpc (``data/real/haadf-mos2/``, an unchanged copy of the TEMUL Toolkit's example
    data, GPL-3.0), else the one in an installed ``temul-toolkit``."""
    shipped = REAL_DIR / "haadf-mos2" / name
    if shipped.is_file():
        return shipped
    spec = importlib.util.find_spec("temul")
    path = Path(spec.origin).parent / "example_data" / "experimental" / name if spec and spec.origin else None
    if path is None or not path.is_file():
        raise FileNotFoundError(f"{shipped} is missing: the mlpc package data is incomplete; reinstall mlpc "
                                "(or install temul-toolkit==0.1.9 with --no-deps, which carries the same file)")
    return path


@functools.lru_cache(maxsize=2)
def load_haadf_mos2() -> RealImage:
    """The real HAADF-STEM image of Se-implanted monolayer MoS2 (1024², 0.0127 nm/px, 60 kV)."""
    import hyperspy.api as hs

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        signal = hs.load(_haadf_file("example_Se_implanted_MoS2.dm3"))
    axis = signal.axes_manager[0]
    if axis.units != "nm":
        raise ValueError(f"expected a pixel size in nm in the MoS2 file, found {axis.units!r}")
    image = np.asarray(signal.data, dtype=float)
    image.setflags(write=False)
    return RealImage(image=image, pixel_size_nm=float(axis.scale),
                     description=(f"HAADF-STEM, monolayer MoS2 with Se implants, {image.shape[1]}×{image.shape[0]} "
                                  f"px at {axis.scale:.4f} nm/px (from the file), 60 kV"),
                     source=HAADF_SOURCE)


def ebsd_duplex_path() -> Path:
    """Path of the shipped duplex-steel .ang file (with LICENSE and README beside it)."""
    path = REAL_DIR / "ebsd-duplex-steel" / "sdss_ferrite_austenite.ang"
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: the mlpc package data is incomplete; reinstall mlpc")
    return path


@dataclass(frozen=True)
class AngMap:
    """An EBSD map read from an EDAX/TSL .ang file, as arrays of shape ``shape`` (rows, columns).

    ``euler_rad``: Bunge angles (φ1, Φ, φ2) in radians, (rows, cols, 3); ``phase_id``: the file's phase
    numbers (``phase_names`` maps them to names); ``ci``: confidence index; ``iq``: image quality;
    ``step_um``: the grid step.
    """

    euler_rad: np.ndarray
    phase_id: np.ndarray
    ci: np.ndarray
    iq: np.ndarray
    step_um: float
    phase_names: dict[int, str]
    source: str

    @property
    def shape(self) -> tuple[int, int]:
        return self.phase_id.shape


def _header_value(header: list[str], key: str, path: Path) -> str:
    for line in header:
        parts = line.lstrip("#").split()
        if parts and parts[0].rstrip(":") == key and len(parts) > 1:
            return parts[1]
    raise ValueError(f"{path}: header line '# {key}' is missing; an EDAX/TSL .ang file needs it")


def read_ang(path: Path | str, source: str = "") -> AngMap:
    """Read a square-grid EDAX/TSL .ang file (columns φ1 Φ φ2 x y IQ CI phase ...) with numpy only.

    Raises ``ValueError`` naming the file and the line when the grid or a data line is malformed.
    """
    path = Path(path)
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    header = [ln for ln in lines if ln.startswith("#")]
    if _header_value(header, "GRID", path) != "SqrGrid":
        raise ValueError(f"{path}: only square grids (GRID: SqrGrid) are supported")
    rows, cols = int(_header_value(header, "NROWS", path)), int(_header_value(header, "NCOLS_ODD", path))
    step = float(_header_value(header, "XSTEP", path))
    names: dict[int, str] = {}
    for i, line in enumerate(header):
        parts = line.lstrip("#").split()
        if len(parts) == 2 and parts[0] == "Phase" and i + 1 < len(header):
            name = header[i + 1].lstrip("#").split()
            names[int(parts[1])] = name[1].split("/")[0] if len(name) > 1 else f"phase {parts[1]}"
    data = []
    for number, line in enumerate(lines, start=1):
        if line.startswith("#") or not line.strip():
            continue
        fields = line.split()
        try:
            data.append([float(v) for v in fields[:8]])
        except ValueError as exc:
            raise ValueError(f"{path}, line {number}: not a number in {line[:60]!r}") from exc
        if len(fields) < 8:
            raise ValueError(f"{path}, line {number}: {len(fields)} columns, a .ang line needs at least 8 "
                             "(φ1 Φ φ2 x y IQ CI phase)")
    table = np.asarray(data)
    if len(table) != rows * cols:
        raise ValueError(f"{path}: {len(table)} data lines, the header (NROWS × NCOLS_ODD) promises "
                         f"{rows} × {cols} = {rows * cols}")
    grid = table.reshape(rows, cols, 8)
    return AngMap(euler_rad=grid[..., :3], phase_id=grid[..., 7].astype(int), ci=grid[..., 6], iq=grid[..., 5],
                  step_um=step, phase_names=names, source=source)


@functools.lru_cache(maxsize=2)
def load_ebsd_duplex() -> AngMap:
    """The real duplex-steel EBSD map (100 × 117 points at 1.5 µm; phases 1 austenite, 2 ferrite)."""
    return read_ang(ebsd_duplex_path(), source=EBSD_SOURCE)


__all__ = ["AngMap", "EBSD_SOURCE", "HAADF_SOURCE", "MOS2_A_NM", "MOS2_D100_NM", "REAL_DIR", "RealImage",
           "ebsd_duplex_path", "load_ebsd_duplex", "load_haadf_mos2", "read_ang"]
