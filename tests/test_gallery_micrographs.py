"""Each micrograph/book-data gallery helper returns a Figure that shows data on physical axes."""

from __future__ import annotations

import pytest
from matplotlib.figure import Figure

from mlpc.figures import gallery_micrographs as gm

DIMENSIONLESS = {"k_BT/J", "|magnetisation|", "Images"}


@pytest.mark.parametrize("name", gm.__all__)
def test_gallery_helper_returns_a_figure_with_data_and_units(name):
    fig = getattr(gm, name)(seed=0)
    assert isinstance(fig, Figure)
    assert any(ax.images or ax.lines or ax.patches for ax in fig.axes)
    labels = [lab for ax in fig.axes for lab in (ax.get_xlabel(), ax.get_ylabel()) if lab]
    assert all("(" in lab or lab in DIMENSIONLESS or "\n" in lab or lab.isalpha() for lab in labels)
