"""One figure style for the projector and for handouts.

Every figure of the course goes through :func:`use_course_style` (applied on import of this module)
and, where it helps, :func:`new_figure`. The style is chosen for a 16:9 projector seen from the back
row: large fonts and thick lines, a colour-blind-safe palette (Okabe & Ito 2008, "Color Universal
Design"), and axis labels that carry SI units (use :func:`label`).

A figure helper returns its :class:`matplotlib.figure.Figure`; the document decides where it goes.
"""

from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
from matplotlib.figure import Figure

#: Okabe–Ito colour-blind-safe palette (black first for reference curves).
OKABE_ITO: tuple[str, ...] = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermillion
    "#F0E442",  # yellow
    "#000000",  # black
)

#: Perceptually uniform, colour-blind-safe colour maps for images and for signed data.
IMAGE_CMAP = "gray"
SEQUENTIAL_CMAP = "viridis"
DIVERGING_CMAP = "RdBu_r"
CATEGORICAL_CMAP = matplotlib.colors.ListedColormap(OKABE_ITO[:7], name="okabe_ito")

#: Figure sizes in inches. A deck figure fills most of a 1280x720 slide at 100 dpi.
SLIDE_SIZE = (11.0, 5.0)
SLIDE_SIZE_TALL = (11.0, 5.6)
HANDOUT_SIZE = (7.5, 4.2)

COURSE_RC: dict[str, object] = {
    "figure.dpi": 120,
    "savefig.dpi": 110,
    "savefig.bbox": "tight",
    "font.size": 17,
    "axes.titlesize": 19,
    "axes.labelsize": 18,
    "xtick.labelsize": 15,
    "ytick.labelsize": 15,
    "legend.fontsize": 15,
    "legend.frameon": False,
    "lines.linewidth": 2.6,
    "lines.markersize": 8,
    "axes.linewidth": 1.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": False,
    "axes.prop_cycle": matplotlib.cycler(color=list(OKABE_ITO)),
    "image.cmap": SEQUENTIAL_CMAP,
    "figure.constrained_layout.use": True,
    "svg.fonttype": "none",
}


def use_course_style() -> None:
    """Apply the course style to matplotlib's global settings (idempotent)."""
    plt.rcParams.update(COURSE_RC)


def new_figure(ncols: int = 1, nrows: int = 1, size: tuple[float, float] = SLIDE_SIZE, **kwargs):
    """Create a figure and axes in the course style; returns ``(fig, axes)`` like ``plt.subplots``."""
    use_course_style()
    return plt.subplots(nrows, ncols, figsize=size, **kwargs)


def label(quantity: str, unit: str | None = None) -> str:
    """An axis label with its SI unit in brackets, e.g. ``label("2θ", "°")`` -> ``"2θ (°)"``.

    Pass ``unit=None`` for dimensionless quantities, which get no brackets.
    """
    if not quantity.strip():
        raise ValueError("label(): the quantity must be named, e.g. label('Energy', 'keV')")
    return f"{quantity} ({unit})" if unit else quantity


def show_image(ax, image, pixel_size: float | None = None, unit: str = "µm", cmap: str = IMAGE_CMAP,
               title: str | None = None, **kwargs):
    """Show a 2D image with a physical extent (pixel size in ``unit``) and no frame clutter."""
    kwargs.setdefault("interpolation", "nearest")
    if pixel_size is not None:
        ny, nx = image.shape[:2]
        kwargs["extent"] = (0, nx * pixel_size, ny * pixel_size, 0)
        ax.set_xlabel(label("x", unit))
        ax.set_ylabel(label("y", unit))
    else:
        ax.set_xticks([])
        ax.set_yticks([])
    im = ax.imshow(image, cmap=cmap, **kwargs)
    if title:
        ax.set_title(title)
    return im


def close(fig: Figure) -> Figure:
    """Detach ``fig`` from pyplot's state (so notebooks do not show it twice) and return it."""
    plt.close(fig)
    return fig


use_course_style()

__all__ = [
    "OKABE_ITO",
    "IMAGE_CMAP",
    "SEQUENTIAL_CMAP",
    "DIVERGING_CMAP",
    "CATEGORICAL_CMAP",
    "SLIDE_SIZE",
    "SLIDE_SIZE_TALL",
    "HANDOUT_SIZE",
    "use_course_style",
    "new_figure",
    "label",
    "show_image",
    "close",
]
