"""Shared fixtures: the repository root and the built site."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "_site"


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def site() -> Path:
    """The student site built by `make site` (the test command builds it first)."""
    if not (SITE / "index.html").exists():
        pytest.fail("_site/ is not built: run `make test` (it builds the site first) or `make site`")
    return SITE


@pytest.fixture(scope="session")
def build_report(site: Path) -> dict:
    return json.loads((ROOT / "_build" / "build-report-_site.json").read_text())
