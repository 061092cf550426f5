"""Shared fixtures: the repository root and the built site."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

import mlpc  # noqa: F401  (sets OMP_WAIT_POLICY before a test module imports torch; see mlpc/__init__.py)

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


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch):
    """Refuse every outgoing connection (as OSError, like a machine without network) and fail the test if any
    was attempted, even when the code under test caught the error and fell back silently."""
    attempts: list[tuple] = []

    def refuse(*args, **kwargs):
        attempts.append(args[1:] if args and isinstance(args[0], socket.socket) else args)
        raise OSError("network access attempted (tests run offline)")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    yield attempts
    assert not attempts, f"network access attempted: {attempts}"
