"""Run a document's cells in a real Jupyter kernel (nbclient + ipykernel), with a content-addressed cache.

Cells run in order in one kernel whose working directory is the document's folder (as in Quarto).
Outputs come back as notebook outputs (images, text, Markdown). A failing cell stops the build with the
document, the cell's label and line, and the Python error; so does a cell that runs longer than the cell
timeout (``COURSEBUILD_CELL_TIMEOUT``), a kernel that dies, and a cell whose output exceeds the output cap
(``COURSEBUILD_MAX_OUTPUT_MB``). The kernel runs under the asynchronous kernel manager, so nbclient's timeout
and liveness checks run while a cell is busy.

Executed results are cached under the hash of the cell code and the Python version, and the entry records
what the run depended on: the source of every project module the kernel imported and every project file it
read or listed (an audit hook on ``open`` and directory listings, installed before the first cell). A lookup
re-hashes those files, so an edit re-runs only the documents that imported or read what changed. Entries
are written atomically and verified when read (:mod:`coursebuild.cachefile`): a damaged one is a miss.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import re
import shutil
import signal
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import yaml
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

from coursebuild import cachefile
from coursebuild.errors import BuildError
from coursebuild.qmd import Cell, Document

#: Runs first in every kernel: the inline matplotlib backend with PNG output, like Quarto's setup cell.
SETUP_CODE = """\
import os, sys, warnings
import matplotlib
matplotlib.use("module://matplotlib_inline.backend_inline")
from matplotlib_inline.backend_inline import set_matplotlib_formats
set_matplotlib_formats("png")
os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
"""

#: Runs before the setup code: records every file under the project root (%r) that the document opens for
#: reading or lists (glob, os.walk, scandir, listdir of a folder that is not an import path), except under the
#: folders %r: ``code/`` (modules are recorded from ``sys.modules``) and the build's own state (``_build/``
#: holds caches that other documents rewrite, numba's among them). An audit hook cannot be removed; the
#: kernel ends with the document.
AUDIT_CODE = """\
def _cb_audit():
    import os, sys
    root, skip, seen = %r, %r, set()
    def hook(event, args):
        try:
            if event == "open":
                path, mode, flags = args
                if isinstance(path, int) or (mode and any(c in mode for c in "wax") and "+" not in mode) \\
                        or (mode is None and flags & 3 == os.O_WRONLY):
                    return
            elif event in ("os.listdir", "os.scandir"):
                path = args[0] if args[0] is not None else "."
                if isinstance(path, int) or os.path.abspath(path) in {os.path.abspath(p or ".") for p in sys.path}:
                    return
            else:
                return
            full = os.path.abspath(os.fsdecode(path))
            if full.startswith(root) and not full.startswith(skip) and "__pycache__" not in full:
                seen.add(full + ("/" if event != "open" else ""))
        except Exception:
            pass
    sys.addaudithook(hook)
    return seen
_cb_read = _cb_audit()
del _cb_audit
"""

#: Runs last: the project modules the document imported and the project files it read (its dependencies).
DEPS_CODE = """\
import sys as _s, json as _j
print(_j.dumps(sorted({_m.__file__ for _m in list(_s.modules.values())
      if getattr(_m, "__file__", None) and _m.__file__.startswith(%r)} | _cb_read)))
"""

CACHE_VERSION = "4"

#: Folders of the project whose files are not recorded as read: the code (tracked as modules), the build's
#: state and outputs, the vendored npm packages, git.
UNTRACKED = ("code", "_build", "_site", "_site-instructor", "node_modules", ".git")

#: Seconds one cell may run: above the whole-solution budget (3 min) with room for a loaded machine, far
#: below a hang. ``COURSEBUILD_CELL_TIMEOUT`` (or ``--cell-timeout``) changes it.
DEFAULT_CELL_TIMEOUT = 300

#: Output one cell may produce (text and images, MB): some 35 times the largest cell of the course (0.6 MB,
#: the EBSD figure grid of the data gallery), far below what a runaway print loop produces.
DEFAULT_MAX_OUTPUT_MB = 20

#: Kernels running now, by kernel folder: :func:`kill_kernels` stops them when the build is interrupted.
_LIVE: dict[Path, AsyncKernelManager] = {}
_LIVE_LOCK = threading.Lock()


def _positive_number(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if value <= 0:
        raise BuildError(f"{name}={raw!r} is not a positive number of "
                         f"{'seconds' if 'TIMEOUT' in name else 'MB'}: set a number or unset it "
                         f"(default {default:g})")
    return value


def cell_timeout() -> float:
    """Seconds a cell may run (``COURSEBUILD_CELL_TIMEOUT``, default :data:`DEFAULT_CELL_TIMEOUT`)."""
    return _positive_number("COURSEBUILD_CELL_TIMEOUT", DEFAULT_CELL_TIMEOUT)


def max_output_bytes() -> int:
    """Bytes of output a cell may produce (``COURSEBUILD_MAX_OUTPUT_MB``, default 20 MB)."""
    return int(_positive_number("COURSEBUILD_MAX_OUTPUT_MB", DEFAULT_MAX_OUTPUT_MB) * 1e6)


def kill_kernels() -> int:
    """Kill every running kernel (its whole process group) and remove its folder; returns how many."""
    with _LIVE_LOCK:
        live = list(_LIVE.items())
        _LIVE.clear()
    for kernel_dir, km in live:
        process = getattr(km.provisioner, "process", None) if km.provisioner else None
        if process is not None and process.poll() is None:
            try:
                os.killpg(process.pid, signal.SIGKILL)  # the kernel leads its own session (jupyter_client)
            except OSError:
                process.kill()
        shutil.rmtree(kernel_dir, ignore_errors=True)
    return len(live)


def remove_stale_kernel_dirs() -> None:
    """Remove kernel folders (``/tmp/cbk-<pid>-*``) left by builds that were killed (their pid is gone)."""
    for folder in Path(tempfile.gettempdir()).glob("cbk-*-*"):
        try:
            pid = int(folder.name.split("-")[1])
        except (IndexError, ValueError):
            continue
        if pid != os.getpid() and not _alive(pid):
            shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class _Client(NotebookClient):
    """nbclient's client with a cap on each cell's output: past the cap the output is dropped and the kernel
    interrupted, so a cell that prints without end costs neither memory nor time."""

    def __init__(self, *args: Any, max_bytes: int, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.max_bytes = max_bytes
        self.sizes: dict[int, int] = defaultdict(int)
        self.overflow: int | None = None
        self.running: int | None = None
        self.kernel_log: Path | None = None

    def output(self, outs: list, msg: dict[str, Any], display_id: str | None, cell_index: int) -> Any:
        content = msg.get("content", {})
        self.sizes[cell_index] += len(str(content.get("text", ""))) + sum(
            len(str(v)) for v in (content.get("data") or {}).values())
        if self.sizes[cell_index] > self.max_bytes:
            if self.overflow is None:
                self.overflow = cell_index
                asyncio.ensure_future(self.km.interrupt_kernel())
            return None
        return super().output(outs, msg, display_id, cell_index)


@dataclass
class ExecutionResult:
    """Outputs of every cell (by cell index) and how they were obtained."""

    outputs: dict[int, list[dict[str, Any]]]
    seconds: float
    cache_hit: bool
    executed: bool


def tree_digest(paths: list[Path], suffixes: tuple[str, ...] | None = None) -> str:
    """Hash the names and contents of every file under ``paths`` (optionally only some suffixes)."""
    h = hashlib.sha256()
    for base in paths:
        if not base.exists():
            continue
        files = [base] if base.is_file() else sorted(p for p in base.rglob("*") if p.is_file())
        for file in files:
            if "__pycache__" in file.parts or (suffixes and file.suffix not in suffixes):
                continue
            h.update(str(file.relative_to(base.parent)).encode())
            h.update(file.read_bytes())
    return h.hexdigest()


def _content_digest(path: Path) -> str:
    """What a document that read ``path`` depends on: its bytes, except for a YAML data file (``data/schedule.yml``),
    where it is the data: a comment or a change of layout re-runs nothing, a changed value re-runs every reader."""
    data = path.read_bytes()
    if path.suffix in (".yml", ".yaml"):
        try:
            parsed = yaml.safe_load(data)
        except yaml.YAMLError:
            pass  # not parseable: its bytes are all there is to compare
        else:
            return "yaml:" + hashlib.sha256(json.dumps(parsed, sort_keys=True, default=str).encode()).hexdigest()
    return hashlib.sha256(data).hexdigest()


class Executor:
    """Executes documents, caching results under ``cache_dir``."""

    def __init__(self, root: Path, cache_dir: Path, track_root: Path, timeout: float | None = None,
                 max_output: int | None = None):
        self.root = root.resolve()
        self.cache_dir = cache_dir
        self.timeout = timeout or cell_timeout()
        self.max_output = max_output or max_output_bytes()
        self.track_root = str(track_root.resolve())
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        # kernels inherit this: idle OpenMP threads of torch/BLAS sleep instead of spinning while another kernel
        # builds on the same cores (see mlpc/__init__.py); set once here, not per thread
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        self.environment_digest = hashlib.sha256(f"{sys.version}|{nbformat.__version__}".encode()).hexdigest()

    def file_hashes(self, files: list[str]) -> dict[str, str]:
        """Content hash of each file (a folder: of its listing), keyed by its path relative to the project root
        (so that a cache copied to another checkout is checked against that checkout's files, never against the
        files it came from). A folder's key ends with ``/``; a missing file hashes to ``""``."""
        hashes = {}
        for name in files:
            path = Path(name) if Path(name).is_absolute() else self.root / name
            resolved = path.resolve()
            key = str(resolved.relative_to(self.root)) if resolved.is_relative_to(self.root) else str(path)
            if name.endswith("/"):
                listing = "\n".join(sorted(os.listdir(resolved))) if resolved.is_dir() else ""
                hashes[key + "/"] = hashlib.sha256(listing.encode()).hexdigest() if resolved.is_dir() else ""
            else:
                hashes[key] = _content_digest(resolved) if resolved.is_file() else ""
        return hashes

    def cache_key(self, doc: Document, rel: str, extra: str = "") -> str:
        payload = {
            "v": CACHE_VERSION,
            "doc": rel,
            "env": self.environment_digest,
            "extra": extra,
            "cells": [(c.source, sorted((k, str(v)) for k, v in c.options.items())) for c in doc.cells],
        }
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()

    def cache_file(self, doc: Document, rel: str, extra: str = "") -> Path:
        """Where the executed outputs of ``doc`` are (or will be) cached."""
        return self.cache_dir / f"{self.cache_key(doc, rel, extra)}.json"

    def _load(self, cache_file: Path, rel: str) -> ExecutionResult | None:
        """The result stored in ``cache_file`` if it is sound and every file it depends on is unchanged."""
        raw, why = cachefile.read(cache_file)
        if raw is not None:
            try:
                data = json.loads(raw)
                deps = data["deps"]
                result = ExecutionResult({int(k): v for k, v in data["outputs"].items()}, data["seconds"], True, False)
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                raw, why = None, f"unreadable entry ({type(exc).__name__})"
                cache_file.unlink(missing_ok=True)
        if raw is None:
            if why:
                print(f"cache: {cache_file} ({rel}) is damaged: {why}; it is ignored and the document runs again",
                      flush=True)
            return None
        if self.file_hashes(list(deps)) != deps:
            return None
        return result

    def from_cache(self, doc: Document, rel: str, extra_key: str = "") -> ExecutionResult | None:
        """The cached result of ``doc`` if its cells and every file it imported are unchanged, else None.

        A document with nothing to run needs no kernel: it gets an empty result.
        """
        if not [c for c in doc.cells if c.option("eval", True)]:
            return ExecutionResult({}, 0.0, cache_hit=False, executed=False)
        return self._load(self.cache_file(doc, rel, extra_key), rel)

    def run(self, doc: Document, rel: str, use_cache: bool = True, extra_key: str = "",
            env: dict[str, str] | None = None) -> ExecutionResult:
        """Execute ``doc`` (or take its cached outputs). ``rel`` names the document in messages."""
        to_run = [c for c in doc.cells if c.option("eval", True)]
        if not to_run:
            return ExecutionResult({}, 0.0, cache_hit=False, executed=False)
        cache_file = self.cache_file(doc, rel, extra_key)
        if use_cache and (hit := self._load(cache_file, rel)) is not None:
            return hit
        start = time.perf_counter()
        outputs, dep_files = self._execute(doc, rel, to_run, env or {})
        seconds = time.perf_counter() - start
        cachefile.write(cache_file, json.dumps({"doc": rel, "seconds": seconds, "outputs": outputs,
                                                "deps": self.file_hashes(dep_files)}).encode())
        return ExecutionResult(outputs, seconds, cache_hit=False, executed=True)

    def _execute(self, doc: Document, rel: str, cells: list[Cell],
                 env: dict[str, str]) -> tuple[dict[int, list[dict]], list[str]]:
        nb = nbformat.v4.new_notebook()
        nb.cells.append(nbformat.v4.new_code_cell(
            AUDIT_CODE % (str(self.root) + os.sep, tuple(str(self.root / d) + os.sep for d in UNTRACKED))
            + SETUP_CODE))
        for cell in cells:
            nb.cells.append(nbformat.v4.new_code_cell(cell.source))
        nb.cells.append(nbformat.v4.new_code_cell(DEPS_CODE % self.track_root))
        # IPC sockets (no TCP port, no "unencrypted TCP" warning); socket paths must stay short (108 bytes);
        # the folder names this process, so a later build removes it if this one is killed
        kernel_dir = Path(tempfile.mkdtemp(prefix=f"cbk-{os.getpid()}-"))
        km = AsyncKernelManager(kernel_name="python3", transport="ipc",
                                connection_file=str(kernel_dir / f"k-{uuid.uuid4().hex[:8]}.json"))
        client = _Client(
            nb,
            km=km,
            timeout=self.timeout,
            kernel_name="python3",
            allow_errors=False,
            resources={"metadata": {"path": str(doc.path.parent.resolve())}},
            max_bytes=self.max_output,
        )

        def started(cell: Any, cell_index: int) -> None:
            client.running = cell_index

        client.on_cell_start = started
        # the kernel imports this checkout's code first, whatever else is installed (another checkout's editable
        # install included): the project's code folder leads the kernel's PYTHONPATH
        others = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p and p != self.track_root]
        env = {**env, "PYTHONPATH": os.pathsep.join([self.track_root, *others])}
        # numba's on-disk cache (orix, kikuchipy) goes to this checkout, one folder per document: in
        # site-packages' __pycache__, and in one folder shared by the two kernels of a build, kernels compiling
        # the same functions at once left a cache file that crashed every later kernel (segfault on import)
        doc_name = re.sub(r"[^\w.-]", "_", rel)  # one flat name per document for its folders under _build/
        numba_cache = Path(os.environ.get("NUMBA_CACHE_DIR") or self.root / "_build" / "numba-cache")
        env.setdefault("NUMBA_CACHE_DIR", str(numba_cache / doc_name))
        # what the kernel process itself writes (C libraries: torch's profiler, numba; a crash's last words) goes
        # to the document's kernel log, not into the build's progress lines; a dead kernel's error quotes its tail
        client.kernel_log = self.root / "_build" / "kernel-logs" / f"{doc_name}.log"
        client.kernel_log.parent.mkdir(parents=True, exist_ok=True)
        with _LIVE_LOCK:
            _LIVE[kernel_dir] = km
        try:
            # the kernel's own environment: os.environ is shared by the threads that run kernels in parallel
            with client.kernel_log.open("wb") as log:
                client.execute(env={**os.environ, **env}, stdout=log, stderr=log)
        except (CellExecutionError, CellTimeoutError, DeadKernelError) as exc:
            raise self._failure(exc, client, nb, doc, rel, cells) from None
        except RuntimeError as exc:  # jupyter_client: the kernel died or hung while starting
            raise BuildError(f"the Jupyter kernel did not start ({exc}): check `python3 -m ipykernel --version` "
                             "and that the machine has memory to spare", rel) from None
        finally:
            with _LIVE_LOCK:
                live = _LIVE.pop(kernel_dir, None)
            if live is not None and km.has_kernel:
                _shutdown(km)
            shutil.rmtree(kernel_dir, ignore_errors=True)
        if client.overflow is not None:  # the cap was hit in the last lines of a cell that then finished
            raise self._failure(None, client, nb, doc, rel, cells)
        outputs = {cell.index: [dict(o) for o in nb.cells[i + 1].get("outputs", [])] for i, cell in enumerate(cells)}
        deps_out = "".join(o.get("text", "") for o in nb.cells[-1].get("outputs", []) if o.get("name") == "stdout")
        return outputs, json.loads(deps_out or "[]")

    def _failure(self, exc: Exception | None, client: _Client, nb: Any, doc: Document, rel: str,
                 cells: list[Cell]) -> BuildError:
        """The build error for a failed run: names the document, the cell (label, number, line) and the fix."""
        index = client.overflow if client.overflow is not None else client.running
        if isinstance(exc, CellExecutionError) and client.overflow is None:
            index = next((i for i in range(1, len(cells) + 1)
                          if any(o.get("output_type") == "error" for o in nb.cells[i].get("outputs", []))), index)
        if not index or index > len(cells):
            return BuildError(f"the kernel failed before any cell ran: {exc}", rel)
        failed, nb_cell = cells[index - 1], nb.cells[index]
        where = f"cell '{failed.label}' (cell {failed.index + 1} of {len(doc.cells)})"
        if client.overflow is not None:
            return BuildError(
                f"{where} produced more than {client.max_bytes / 1e6:g} MB of output, the cap of one cell: print a "
                "summary (head(), shapes, a few numbers) or save large results to a file; to raise the cap set "
                "COURSEBUILD_MAX_OUTPUT_MB", rel, failed.line)
        if isinstance(exc, CellTimeoutError):
            return BuildError(
                f"{where} did not finish within {self.timeout:g} s (the cell timeout): make it faster (less data, "
                "fewer epochs or seeds, a cached result) or, if it is really meant to take longer, raise the limit "
                "with --cell-timeout SECONDS or COURSEBUILD_CELL_TIMEOUT", rel, failed.line)
        if isinstance(exc, DeadKernelError):
            process = getattr(client.km.provisioner, "process", None) if client.km.provisioner else None
            code = process.poll() if process is not None else None
            return BuildError(
                f"{where}: the kernel died (exit code {code}) — the cell ended Python (os._exit, a crash in a C "
                "extension, out of memory); run the cell in a Python session to see why" + _log_tail(client.kernel_log),
                rel, failed.line)
        reason = str(exc).strip().splitlines()
        summary = _error_summary(nb_cell) or (reason[-1] if reason else repr(exc))
        return BuildError(f"{where} failed: {summary}\n" + _traceback_tail(nb_cell), rel, failed.line)


def _shutdown(km: AsyncKernelManager) -> None:
    """Stop a kernel at once (its own event loop: the client's loop has ended)."""
    try:
        asyncio.run(km.shutdown_kernel(now=True))
    except Exception:  # noqa: BLE001 - a kernel that cannot be shut down cleanly is killed
        process = getattr(km.provisioner, "process", None) if km.provisioner else None
        if process is not None and process.poll() is None:
            process.kill()


def _log_tail(path: Path | None, lines: int = 8) -> str:
    """The last lines of a kernel log, quoted for an error message ("" when the kernel wrote nothing)."""
    text = path.read_text(errors="replace").strip().splitlines()[-lines:] if path and path.is_file() else []
    return f"\nthe kernel's last words ({path}):\n" + "\n".join(f"  {line}" for line in text) if text else ""


def _error_summary(nb_cell: Any) -> str:
    for out in nb_cell.get("outputs", []):
        if out.get("output_type") == "error":
            return f"{out.get('ename')}: {out.get('evalue')}"
    return ""


def _traceback_tail(nb_cell: Any, lines: int = 12) -> str:
    import re

    for out in nb_cell.get("outputs", []):
        if out.get("output_type") == "error":
            text = "\n".join(out.get("traceback", []))
            text = re.sub(r"\x1b\[[0-9;]*m", "", text)
            return "\n".join(text.splitlines()[-lines:])
    return ""
