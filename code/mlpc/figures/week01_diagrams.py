"""Week 1 diagrams drawn with matplotlib: the PSPP chain as a data dependency graph and CRISP-DM adapted to
a materials lab.

- PSPP (Processing → Structure → Property → Performance): Olson, "Computational design of hierarchically
  structured materials", Science 277, 1237 (1997). The edges drawn for LPBF 316L are those of the course's
  process–property generator (:mod:`mlpc.datasets.tabular`): Rosenthal (1946) cooling rate → cell size
  (Katayama & Matsunawa 1984) → Hall–Petch (Hall 1951; Petch 1953); annealing → recovery (Hollomon & Jaffe
  1945); porosity → strength (Balshin 1949); yield strength → hardness (Pavlina & Van Tyne 2008); porosity →
  fatigue life (pores start fatigue cracks in AM parts, e.g. Gong et al. 2014 on defect types).
- CRISP-DM: Chapman et al., *CRISP-DM 1.0: Step-by-step data mining guide* (2000); Wirth & Hipp, Proc. 4th
  Int. Conf. Practical Applications of Knowledge Discovery and Data Mining (2000). The lab-specific lines
  are this course's adaptation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from matplotlib.figure import Figure

from mlpc.plotting import OKABE_ITO, close, new_figure

PSPP_COLUMNS: tuple[str, ...] = ("Processing", "Structure", "Property", "Performance")


@dataclass(frozen=True)
class Node:
    """A node of a diagram: position (axes units), the quantity, and how it is measured."""

    x: float
    y: float
    text: str
    measured_by: str
    column: int
    measured: bool = True


#: The nodes of the LPBF 316L PSPP graph (x in columns 0–3, y top to bottom).
PSPP_NODES: dict[str, Node] = {
    "pv": Node(0.0, 4.0, "power P, speed v", "machine log", 0),
    "melt": Node(0.0, 2.95, "melt pool, thermal cycles", "photodiode, pyrometer", 0),
    "ht": Node(0.0, 1.9, "hatch h, layer t", "build file", 0),
    "anneal": Node(0.0, 0.95, "anneal T, time", "furnace log", 0),
    "powder": Node(0.0, 0.0, "powder lot, reuse", "often not recorded", 0, measured=False),
    "cell": Node(1.05, 4.0, "cell size λ", "SEM, EBSD", 1),
    "pores": Node(1.05, 2.95, "porosity", "micrograph, Archimedes", 1),
    "grains": Node(1.05, 1.9, "grains, texture", "EBSD", 1),
    "phases": Node(1.05, 0.5, "phases, O content", "XRD, EDS", 1),
    "sigma": Node(2.1, 3.45, "yield strength σ_y", "tensile test", 2),
    "hv": Node(2.1, 1.6, "hardness HV, H, E", "(nano)indentation", 2),
    "fatigue": Node(3.1, 3.45, "fatigue life", "fatigue test", 3),
    "service": Node(3.1, 1.6, "part in service", "inspection, failures", 3),
}
#: Directed edges (cause → effect) of the PSPP graph.
PSPP_EDGES: tuple[tuple[str, str], ...] = (
    ("pv", "melt"), ("melt", "cell"), ("melt", "pores"), ("ht", "pores"), ("anneal", "cell"),
    ("anneal", "grains"), ("powder", "phases"), ("cell", "sigma"), ("pores", "sigma"),
    ("grains", "sigma"), ("phases", "sigma"), ("sigma", "hv"), ("pores", "fatigue"), ("sigma", "fatigue"),
    ("fatigue", "service"), ("phases", "service"),
)


def pspp_graph_figure(nodes: dict[str, Node] | None = None,
                      edges: tuple[tuple[str, str], ...] | None = None) -> Figure:
    """Draw a PSPP dependency graph: boxes = quantities (with the instrument that measures them in
    italics), arrows = dependencies, columns = Processing / Structure / Property / Performance. An
    unmeasured node (a hidden confounder) is dashed."""
    nodes = PSPP_NODES if nodes is None else nodes
    edges = PSPP_EDGES if edges is None else edges
    unknown = {a for e in edges for a in e} - set(nodes)
    if unknown:
        raise ValueError(f"edges name nodes that do not exist: {sorted(unknown)}")
    fig, ax = new_figure(size=(11.0, 4.9))
    ax.set_xlim(-0.6, 3.6)
    ax.set_ylim(-0.55, 4.95)
    ax.axis("off")
    colours = (OKABE_ITO[1], OKABE_ITO[0], OKABE_ITO[2], OKABE_ITO[3])
    for k, name in enumerate(PSPP_COLUMNS):
        ax.text(k, 4.75, name, ha="center", va="center", fontsize=18, fontweight="bold", color=colours[k])
    artists = {}
    for key, node in nodes.items():
        colour = colours[node.column]
        pad = "\u2007" * int(0.8 * len(node.measured_by))  # reserve the width of the italic second line
        artists[key] = ax.text(
            node.x, node.y, f"{node.text}\n{pad}", ha="center", va="center", fontsize=14,
            bbox={"boxstyle": "round,pad=0.35", "facecolor": "white", "edgecolor": colour, "linewidth": 2.2,
                  "linestyle": "-" if node.measured else "--"})
        ax.text(node.x, node.y - 0.13, node.measured_by, ha="center", va="center", fontsize=12,
                style="italic", color="0.35")
    for a, b in edges:
        dashed = not (nodes[a].measured and nodes[b].measured)
        ax.annotate("", xy=(0.5, 0.5), xycoords=artists[b], xytext=(0.5, 0.5), textcoords=artists[a],
                    arrowprops={"arrowstyle": "-|>", "color": "0.45", "lw": 1.4, "linestyle": "--" if dashed else "-",
                                "shrinkA": 0, "shrinkB": 0, "patchA": artists[a].get_bbox_patch(),
                                "patchB": artists[b].get_bbox_patch(), "connectionstyle": "arc3,rad=0.08"})
    return close(fig)


@dataclass(frozen=True)
class Phase:
    """A CRISP-DM phase with its name in the standard and what it means in a materials lab."""

    standard: str
    lab: str
    detail: str


#: The six CRISP-DM phases (Chapman et al. 2000) and their lab versions.
CRISP_DM_PHASES: tuple[Phase, ...] = (
    Phase("Business understanding", "Materials question", "target, tolerance,\nwhich PSPP edge"),
    Phase("Data understanding", "Samples & instruments", "sample prep, units,\nmetadata, repeats"),
    Phase("Data preparation", "Calibration & cleaning", "standards, background,\ndrift, registration"),
    Phase("Modelling", "Model", "physics baseline first,\nthen ML"),
    Phase("Evaluation", "Evaluation", "grouped splits, physics\nchecks, uncertainty"),
    Phase("Deployment", "Next experiment", "in-line monitoring,\nnext samples"),
)


def crisp_dm_figure(phases: tuple[Phase, ...] = CRISP_DM_PHASES) -> Figure:
    """CRISP-DM as a loop of boxes around the data, each with the standard phase name (grey italics), the lab
    version (bold) and what it involves; the loop closes through the next experiment."""
    from matplotlib.patches import FancyBboxPatch

    if len(phases) < 3:
        raise ValueError(f"a loop needs at least 3 phases, got {len(phases)}")
    fig, ax = new_figure(size=(11.0, 5.2))
    ax.set_xlim(-2.3, 2.3)
    ax.set_ylim(-1.45, 1.45)
    ax.axis("off")
    n = len(phases)
    angles = np.pi / 2 - 2 * np.pi * np.arange(n) / n
    rx, ry, w, h = 1.6, 1.02, 1.22, 0.78
    boxes = []
    for k, (phase, ang) in enumerate(zip(phases, angles, strict=True)):
        x, y = rx * np.cos(ang), ry * np.sin(ang)
        box = FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0.02,rounding_size=0.06",
                             facecolor="white", edgecolor=OKABE_ITO[k % 7], linewidth=2.5)
        ax.add_patch(box)
        boxes.append(box)
        ax.text(x, y + 0.29, phase.standard, ha="center", va="center", fontsize=13, color="0.4", style="italic")
        ax.text(x, y + 0.1, phase.lab, ha="center", va="center", fontsize=17, fontweight="bold")
        ax.text(x, y - 0.2, phase.detail, ha="center", va="center", fontsize=14, linespacing=1.1)
    for k in range(n):
        a, b = boxes[k], boxes[(k + 1) % n]
        ax.annotate("", xy=(0.5, 0.5), xycoords=b, xytext=(0.5, 0.5), textcoords=a,
                    arrowprops={"arrowstyle": "-|>,head_width=0.4,head_length=0.8", "color": "0.35", "lw": 2.4,
                                "shrinkA": 3, "shrinkB": 3, "patchA": a, "patchB": b,
                                "connectionstyle": "arc3,rad=-0.15"})
    ax.text(0, 0, "DATA\nwith provenance:\nspecimen, instrument,\ncalibration, units", ha="center", va="center",
            fontsize=14, bbox={"boxstyle": "round,pad=0.6", "facecolor": "#f3f7fb", "edgecolor": "0.6"})
    return close(fig)


__all__ = ["CRISP_DM_PHASES", "PSPP_COLUMNS", "PSPP_EDGES", "PSPP_NODES", "Node", "Phase", "crisp_dm_figure",
           "pspp_graph_figure"]
