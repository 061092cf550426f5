"""Each diffraction gallery helper returns a Figure with the panels and physical axes it promises."""

from __future__ import annotations

import pytest
from matplotlib.figure import Figure

from mlpc.figures import gallery_diffraction


@pytest.mark.parametrize(("name", "n_images", "axis_text"), [
    ("ni_ebsd_patterns_figure", 4, None),
    ("ni_master_pattern_figure", 2, None),
    ("ebsd_projected_patterns_figure", 8, None),
    ("ebsd_orientation_map_figure", 2, "µm"),
    ("stem4d_scan_figure", 8, "nm⁻¹"),
])
def test_gallery_helper_returns_a_figure(name: str, n_images: int, axis_text: str | None) -> None:
    fig = getattr(gallery_diffraction, name)(seed=0)
    assert isinstance(fig, Figure)
    images = [ax for ax in fig.axes if ax.images]
    assert len(images) == n_images
    if axis_text:
        assert any(axis_text in ax.get_xlabel() for ax in fig.axes)
