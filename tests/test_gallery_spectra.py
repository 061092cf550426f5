"""Each spectra gallery helper returns a Figure whose axes carry physical units."""

from __future__ import annotations

import pytest
from matplotlib.figure import Figure

from mlpc.figures import gallery_spectra as gs


@pytest.mark.parametrize("name", gs.__all__)
def test_gallery_helper_returns_a_figure_with_units(name):
    fig = getattr(gs, name)(seed=0)
    assert isinstance(fig, Figure)
    xlabels = [ax.get_xlabel() for ax in fig.axes if ax.get_xlabel()]
    assert xlabels and all("(" in lab and ")" in lab for lab in xlabels)
