"""Week-9 figure helpers return figures with content, and the binning keeps Poisson counts' totals."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from mlpc.figures import week09_spectral as w9


def test_bin_channels_sums_counts():
    cube = np.arange(2 * 3 * 10).reshape(2, 3, 10)
    b = w9.bin_channels(cube, 4)
    assert b.shape == (2, 3, 2)
    assert b[0, 0, 0] == cube[0, 0, :4].sum()


def test_static_figures_have_axes_with_data():
    for fig in (w9.eds_peak_identification(), w9.xrd_peak_threshold()):
        assert isinstance(fig, Figure)
        assert all(ax.has_data() for ax in fig.axes)


def test_xrd_threshold_titles_report_more_peaks_at_lower_threshold():
    fig = w9.xrd_peak_threshold(seed=0, sigmas=(1.0, 5.0))
    n = [int(ax.get_title().split(": ")[1].split(" ")[0]) for ax in fig.axes]
    assert n[0] > n[1] > 0
