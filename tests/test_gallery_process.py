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


def test_layer_cycles_and_reference_lines_sit_at_the_alloy_temperatures():
    from mlpc.datasets.process import thermal_history
    from mlpc.plotting import new_figure

    th = thermal_history("Ti-6Al-4V", seed=0)
    fig, (ax1, ax2) = new_figure(2)
    gp.plot_layer_cycles(ax1, th, n_layers=3)
    gp.mark_reference_temperatures((ax1, ax2), th)
    curves = [line for line in ax1.lines if line.get_label().startswith("layer")]
    assert [c.get_label() for c in curves] == ["layer 0", "layer 1", "layer 2"]
    assert curves[0].get_ydata().max() > th.liquidus_K  # the point's own layer melts it
    for ax in (ax1, ax2):
        levels = sorted(line.get_ydata()[0] for line in ax.lines if line.get_label().startswith("_"))
        assert levels == sorted([th.liquidus_K, th.transus_K])
