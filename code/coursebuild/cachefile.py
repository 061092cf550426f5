"""Cache files written atomically and verified when read.

An entry is written to a temporary file and renamed into place, then its SHA-256 goes into a sidecar
(``<entry>.sha256``). A reader gets the bytes only when the sidecar matches; a truncated or altered entry is a
miss with a reason (the caller says so and re-creates it), an entry without a sidecar (from a build before
checksums) a plain miss: neither is ever published, neither crashes the build.
"""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path


def _sidecar(path: Path) -> Path:
    return path.with_name(path.name + ".sha256")


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that a reader sees the old file or the new one, never a part."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}-{threading.get_ident()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write(path: Path, data: bytes) -> None:
    """Store a cache entry and its checksum."""
    write_atomic(path, data)
    write_atomic(_sidecar(path), hashlib.sha256(data).hexdigest().encode())


def read(path: Path) -> tuple[bytes | None, str]:
    """``(data, "")`` for a sound entry, ``(None, "")`` when there is none, ``(None, why)`` for a damaged one
    (which is removed, so that it is written again)."""
    if not path.exists():
        return None, ""
    sidecar = _sidecar(path)
    try:
        data = path.read_bytes()
        expected = sidecar.read_text().strip() if sidecar.exists() else ""
    except OSError as exc:
        return None, f"unreadable ({exc.strerror})"
    if expected and hashlib.sha256(data).hexdigest() == expected:
        return data, ""
    # no checksum: an entry of a build from before checksums (a plain miss); a wrong one: damaged (a note)
    why = f"checksum mismatch ({len(data)} bytes: truncated or altered)" if expected else ""
    path.unlink(missing_ok=True)
    sidecar.unlink(missing_ok=True)
    return None, why
