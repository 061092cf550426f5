"""Each processing-data gallery helper returns a Figure with physical axis labels."""

from __future__ import annotations

import pytest
from matplotlib.figure import Figure

from mlpc.figures import gallery_process as gp


@pytest.mark.parametrize("name", gp.__all__)
def test_gallery_helper_returns_a_labelled_figure(name):
    fig = getattr(gp, name)(seed=0)
    assert isinstance(fig, Figure)
    labels = [ax.get_xlabel() for ax in fig.axes if ax.get_xlabel()]
    assert labels and all("(" in lab for lab in labels if lab != "Layer number")
