"""The data-set gallery's catalogue: every data set a week uses is on the gallery page with units, seed and weeks."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

from coursebuild import gallery

ROOT = Path(__file__).resolve().parents[1]
PAGE = (ROOT / "datasets.qmd").read_text(encoding="utf-8")
FACTS_RE = re.compile(r"gallery\.facts\(([^)]*)\)")


def _on_page() -> set[str]:
    return {f for call in FACTS_RE.findall(PAGE) for f in re.findall(r'"([\w.]+)"', call)}


def test_every_data_set_a_week_uses_is_catalogued():
    used = gallery.usage()
    names = {item.name for item in gallery.CATALOGUE}
    missing = sorted(n for n in used if n not in names and n not in gallery.HELPERS)
    assert not missing, f"used by a week but neither a catalogued data set nor a helper: {missing}"


def test_every_catalogued_data_set_is_on_the_gallery_page_with_units_and_seed():
    on_page = _on_page()
    assert {item.function for item in gallery.CATALOGUE} <= on_page
    for item in gallery.CATALOGUE:
        module, name = item.function.rsplit(".", 1)
        assert callable(getattr(importlib.import_module(module), name)), item.function
        assert item.units.strip() and item.seed.strip(), item.function


def test_helpers_are_functions_of_the_data_modules():
    functions = gallery.dataset_functions()
    assert gallery.HELPERS <= set(functions)
    assert not gallery.HELPERS & {item.name for item in gallery.CATALOGUE}


def test_weeks_ten_and_thirteen_data_and_the_real_sets_are_in_the_gallery():
    used = gallery.usage()
    assert "Week 10" in used["stem4d_classification"]
    assert "Week 13" in used["fusion_dataset"] and "Week 13" in used["process_property_table"]
    assert "Week 2" in used["load_haadf_mos2"] and "Week 4" in used["load_ebsd_duplex"]
    assert "Week 9" in used["load_lab6"] and "optional lab 9" in used["ebsd_texture_classification"]
    for function in ("mlpc.datasets.stem4d.stem4d_classification", "mlpc.explain.fusion_dataset",
                     "mlpc.datasets.real_data.load_haadf_mos2", "mlpc.datasets.real_xrd.load_lab6",
                     "mlpc.datasets.real_data.load_ebsd_duplex", "mlpc.datasets.process.process_experiments"):
        assert function in _on_page()


def test_facts_line_and_a_clear_error_for_an_uncatalogued_function():
    line = gallery.facts("mlpc.datasets.tabular.process_property_table")
    assert "*units:*" in line and "*seed:*" in line and "*used in:* Week 1," in line and "Week 13" in line
    assert "measured data" in gallery.facts("mlpc.datasets.real_xrd.load_lab6")
    with pytest.raises(KeyError, match="not in coursebuild.gallery.CATALOGUE"):
        gallery.facts("mlpc.datasets.micrographs.not_a_data_set")


def test_usage_finds_calls_through_the_modules_a_deck_imports(tmp_path):
    """Week 13's deck never names fusion_dataset: it imports the figure module, which imports mlpc.explain."""
    deck = (ROOT / "lectures" / "week13-integration-reflection.qmd").read_text(encoding="utf-8")
    assert "fusion_dataset(" not in deck
    assert "fusion_dataset(" in gallery._imported_text(deck, ROOT)
    assert "fusion_dataset(" not in gallery._imported_text(deck, ROOT, depth=0)
