"""Figures of the course home page (the synergy map of ML-PC with MFML and Materials Genomics) and of the
review page (the concept map, drawn from the structured list in ``coursebuild.course_map``).

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


def concept_map(concepts: list[tuple[str, str, int, int, float]], links: list[tuple[str, str]],
                units: dict[int, str]) -> Figure:
    """A two-column concept map for a phone-width page.

    ``concepts`` are (key, label, week, row, column) with column 0 (left), 1 (right) or 0.5 (centre); ``links`` are
    (from key, to key) arrows: straight between neighbouring rows, otherwise routed in the margin of their
    column; ``units`` maps a week to a colour index. The figure is 5 inches wide so that 12 pt labels stay
    about 12 px tall on a 390 px screen; the relations belong in the page's text equivalent.
    """
    n_rows = max(c[3] for c in concepts) + 1
    fig, ax = new_figure(size=(5.0, 1.1 * n_rows + 0.2))
    ax.set_xlim(0, 1)
    ax.set_ylim(-0.5, n_rows - 0.5)
    ax.invert_yaxis()
    ax.axis("off")
    boxes, place = {}, {}
    for key, text, week, row, column in concepts:
        colour = OKABE_ITO[units.get(week, 0) % len(OKABE_ITO)]
        place[key] = (row, column)
        boxes[key] = ax.text(0.25 + 0.5 * column, row, f"{text}\nWeek {week}", ha="center", va="center",
                             fontsize=12, zorder=2, bbox={"boxstyle": "round,pad=0.35", "facecolor": "white",
                                                            "edgecolor": colour, "linewidth": 2.5})
    routes = {0: 0.0, 1: 1.0}  # x of the next margin route on each side (data coordinates), moving inwards
    for a, b in sorted(links, key=lambda ab: -abs(place[ab[1]][0] - place[ab[0]][0])):  # longest outermost
        (ra, ca), (rb, cb) = place[a], place[b]
        (xa, ya), (xb, yb) = boxes[a].get_position(), boxes[b].get_position()
        start = (xa, ya)
        if abs(rb - ra) > 1 or (ra != rb and ca != cb and 0.5 not in (ca, cb)):
            side = ca if ca != 0.5 else cb
            routes[side] += 0.018 if side == 0 else -0.018
            x = routes[side]
            ax.plot([xa, x, x], [ya, ya, yb], color="0.3", lw=1.3, zorder=1, solid_joinstyle="round")
            start = (x, yb)  # the route ends level with the target; the arrow goes in from the side
        ax.annotate("", xy=(xb, yb), xytext=start, zorder=1,
                    arrowprops={"arrowstyle": "-|>", "mutation_scale": 14, "linewidth": 1.3, "color": "0.3",
                                "patchA": boxes[a].get_bbox_patch() if start == (xa, ya) else None,
                                "patchB": boxes[b].get_bbox_patch(), "shrinkA": 2 if start == (xa, ya) else 0,
                                "shrinkB": 2})
    return close(fig)
