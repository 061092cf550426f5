"""Figures of the course home page: the synergy map of ML-PC with MFML and Materials Genomics.

The content of the boxes is the course page's synergy map (section 1.1): MFML provides the mathematical
spine, ML-PC applies it to experimental data, Materials Genomics works on crystal structures, databases and
discovery. Companion book: S. Sandfeld, *Materials Data Science*, Springer (2024).
"""

from __future__ import annotations

from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from mlpc.plotting import OKABE_ITO, close, new_figure

#: The three courses: (short name, full name, what it provides or does, x centre of the box).
SYNERGY_BOXES: tuple[tuple[str, str, tuple[str, ...], float], ...] = (
    ("MFML", "Mathematical Foundations\nof AI & ML",
     ("loss functions", "neural networks", "generalisation", "uncertainty", "Gaussian Processes"), 0.14),
    ("ML-PC", "ML in Materials Processing\n& Characterization",
     ("images (micrographs, EBSD)", "spectra (EELS, EDS, XRD)", "processing signals", "→ application-driven"), 0.5),
    ("MG", "Materials Genomics", ("crystal structures", "databases", "discovery"), 0.86),
)


def synergy_map() -> Figure:
    """Three boxes MFML → ML-PC ↔ MG: what each course provides (MFML), applies to (ML-PC) or studies (MG)."""
    fig, ax = new_figure(size=(11.0, 4.6))
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.axis("off")
    colours = (OKABE_ITO[4], OKABE_ITO[5], OKABE_ITO[2])
    width, height, bottom = 0.25, 0.8, 0.08
    for (short, full, items, x), colour in zip(SYNERGY_BOXES, colours, strict=True):
        ax.add_patch(FancyBboxPatch((x - width / 2, bottom), width, height, boxstyle="round,pad=0.01",
                                    facecolor=colour, alpha=0.15, edgecolor=colour, linewidth=2.5))
        ax.text(x, bottom + height - 0.05, short, ha="center", va="top", fontsize=17, fontweight="bold")
        ax.text(x, bottom + height - 0.16, full, ha="center", va="top", fontsize=10.5, style="italic")
        for i, item in enumerate(items):
            ax.text(x, bottom + height - 0.36 - 0.085 * i, item, ha="center", va="top", fontsize=12)
    arrows = (
        (0.14 + width / 2, 0.5 - width / 2, "mathematical\nspine", "-|>"),
        (0.5 + width / 2, 0.86 - width / 2, "complementary\nfocus", "<|-|>"),
    )
    for x0, x1, text, style in arrows:
        ax.add_patch(FancyArrowPatch((x0 + 0.005, 0.48), (x1 - 0.005, 0.48), arrowstyle=style,
                                     mutation_scale=18, linewidth=2, color="0.3"))
        ax.text((x0 + x1) / 2, 0.53, text, ha="center", va="bottom", fontsize=10, color="0.3")
    return close(fig)
