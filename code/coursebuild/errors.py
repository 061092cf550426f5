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


def read_text(path: Path) -> str:
    """The text of a source file, which must be UTF-8: anything else fails naming the file, the line of the
    first bad byte and the fix."""
    data = Path(path).read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise BuildError(f"not UTF-8 text (byte 0x{data[exc.start]:02x} on this line): save the file as UTF-8 "
                         f"(in the editor: save with encoding UTF-8; or iconv -f latin1 -t utf-8)", path,
                         line) from None
