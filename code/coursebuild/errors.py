"""The one error type of the build: it always names the file (and line, where there is one) and the fix."""

from __future__ import annotations

from pathlib import Path


class BuildError(Exception):
    """A build failure a person can act on: ``path:line: what is wrong — how to fix it``."""

    def __init__(self, message: str, path: Path | str | None = None, line: int | None = None):
        self.path = str(path) if path is not None else None
        self.line = line
        self.detail = message
        where = ""
        if self.path:
            where = f"{self.path}:{line}: " if line else f"{self.path}: "
        super().__init__(where + message)
