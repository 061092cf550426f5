"""docs/quarto-subset.md lists exactly what the engine accepts (so the two paths cannot drift silently)."""

from __future__ import annotations

import re

from coursebuild import qmd, render


def test_every_supported_construct_is_documented_and_nothing_else(root):
    doc = (root / "docs" / "quarto-subset.md").read_text()
    documented_options = set(re.findall(r"^\| `([\w-]+)` \|", doc, flags=re.M))
    assert set(qmd.CELL_OPTIONS) <= documented_options
    for cls in [*qmd.DIV_CLASSES, *qmd.HEADING_CLASSES, *qmd.EXERCISE_CLASSES]:
        assert f"`.{cls}`" in doc, f".{cls} is accepted by the engine but not documented"
    documented_classes = set(re.findall(r"`\.([\w-]+)`", doc))
    accepted = set(qmd.DIV_CLASSES) | set(qmd.HEADING_CLASSES) | set(qmd.EXERCISE_CLASSES)
    assert documented_classes <= accepted, f"documented but refused: {documented_classes - accepted}"
    for key in qmd.CONDITION_KEYS:
        assert f"`{key}`" in doc
    for option in render.REVEALJS_OPTIONS:
        assert f"`{option}`" in doc, f"revealjs option {option} is not documented"
    for option in render.HTML_OPTIONS:
        assert f"`{option}`" in doc, f"html option {option} is not documented"
    for shortcode in qmd.SHORTCODES:
        assert f"{{{{< {shortcode}" in doc
