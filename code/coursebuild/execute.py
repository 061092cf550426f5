"""Run a document's cells in a real Jupyter kernel (nbclient + ipykernel), with a content-addressed cache.

Cells run in order in one kernel whose working directory is the document's folder (as in Quarto).
Outputs come back as notebook outputs (images, text, Markdown). A failing cell stops the build with the
document, the cell's label and line, and the Python error. Executed results are cached by the hash of
everything they depend on: the cell code, ``data/``, the Python version, and the source files of every
project module the kernel imported (recorded after the run, re-checked on every lookup). A rebuild with
nothing changed starts no kernel; editing one figure helper re-runs only the documents that import it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

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

CACHE_VERSION = "3"

#: Runs last: lists the project source files the document imported (its code dependencies).
DEPS_CODE = """\
import sys as _s, json as _j
print(_j.dumps(sorted({_m.__file__ for _m in list(_s.modules.values())
      if getattr(_m, "__file__", None) and _m.__file__.startswith(%r)})))
"""


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


class Executor:
    """Executes documents, caching results under ``cache_dir``."""

    def __init__(self, root: Path, cache_dir: Path, env_digest_paths: list[Path], track_root: Path,
                 timeout: int = 900):
        self.root = root
        self.cache_dir = cache_dir
        self.timeout = timeout
        self.track_root = str(track_root.resolve())
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        # kernels inherit this: idle OpenMP threads of torch/BLAS sleep instead of spinning while another kernel
        # builds on the same cores (see mlpc/__init__.py); set once here, not per thread
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        versions = f"{sys.version}|{nbformat.__version__}"
        self.environment_digest = hashlib.sha256(
            (versions + tree_digest(env_digest_paths, (".py", ".yml", ".yaml", ".npz", ".npy", ".csv", ".json",
                                                      ".pt", ".txt"))).encode()
        ).hexdigest()

    def file_hashes(self, files: list[str]) -> dict[str, str]:
        """Content hash of each file, keyed by its path relative to the project root (so that a cache copied
        to another checkout is checked against that checkout's files, never against the files it came from)."""
        root = self.root.resolve()
        hashes = {}
        for name in files:
            path = Path(name) if Path(name).is_absolute() else root / name
            key = str(path.resolve().relative_to(root)) if path.resolve().is_relative_to(root) else str(path)
            hashes[key] = hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else ""
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

    def _load(self, cache_file: Path) -> ExecutionResult | None:
        """The result stored in ``cache_file`` if every file it imported is unchanged, else None."""
        if not cache_file.exists():
            return None
        data = json.loads(cache_file.read_text())
        deps = data.get("deps", {})
        if self.file_hashes(list(deps)) != deps:
            return None
        return ExecutionResult({int(k): v for k, v in data["outputs"].items()}, data["seconds"], True, False)

    def from_cache(self, doc: Document, rel: str, extra_key: str = "") -> ExecutionResult | None:
        """The cached result of ``doc`` if its cells and every file it imported are unchanged, else None.

        A document with nothing to run needs no kernel: it gets an empty result.
        """
        if not [c for c in doc.cells if c.option("eval", True)]:
            return ExecutionResult({}, 0.0, cache_hit=False, executed=False)
        return self._load(self.cache_file(doc, rel, extra_key))

    def run(self, doc: Document, rel: str, use_cache: bool = True, extra_key: str = "",
            env: dict[str, str] | None = None) -> ExecutionResult:
        """Execute ``doc`` (or take its cached outputs). ``rel`` names the document in messages."""
        to_run = [c for c in doc.cells if c.option("eval", True)]
        if not to_run:
            return ExecutionResult({}, 0.0, cache_hit=False, executed=False)
        cache_file = self.cache_file(doc, rel, extra_key)
        if use_cache and (hit := self._load(cache_file)) is not None:
            return hit
        start = time.perf_counter()
        outputs, dep_files = self._execute(doc, rel, to_run, env or {})
        seconds = time.perf_counter() - start
        tmp = cache_file.with_suffix(".tmp")
        tmp.write_text(json.dumps({"doc": rel, "seconds": seconds, "outputs": outputs,
                                   "deps": self.file_hashes(dep_files)}))
        tmp.replace(cache_file)
        return ExecutionResult(outputs, seconds, cache_hit=False, executed=True)

    def _execute(self, doc: Document, rel: str, cells: list[Cell],
                 env: dict[str, str]) -> tuple[dict[int, list[dict]], list[str]]:
        nb = nbformat.v4.new_notebook()
        nb.cells.append(nbformat.v4.new_code_cell(SETUP_CODE))
        for cell in cells:
            nb.cells.append(nbformat.v4.new_code_cell(cell.source))
        nb.cells.append(nbformat.v4.new_code_cell(DEPS_CODE % self.track_root))
        # IPC sockets (no TCP port, no "unencrypted TCP" warning); socket paths must stay short (108 bytes)
        kernel_dir = Path(tempfile.mkdtemp(prefix="cbk-"))
        km = KernelManager(kernel_name="python3", transport="ipc",
                           connection_file=str(kernel_dir / f"k-{uuid.uuid4().hex[:8]}.json"))
        client = NotebookClient(
            nb,
            km=km,
            timeout=self.timeout,
            kernel_name="python3",
            allow_errors=False,
            resources={"metadata": {"path": str(doc.path.parent.resolve())}},
        )
        # the kernel imports this checkout's code first, whatever else is installed (another checkout's editable
        # install included): the project's code folder leads the kernel's PYTHONPATH
        others = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p and p != self.track_root]
        env = {**env, "PYTHONPATH": os.pathsep.join([self.track_root, *others])}
        old_env = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
        try:
            client.execute()
        except (CellExecutionError, CellTimeoutError, DeadKernelError) as exc:
            failed = self._failed_cell(nb, cells)
            if failed is None:
                raise BuildError(f"the kernel failed before any cell ran: {exc}", rel) from exc
            reason = str(exc).strip().splitlines()
            summary = _error_summary(nb.cells[cells.index(failed) + 1]) or (reason[-1] if reason else repr(exc))
            raise BuildError(
                f"cell '{failed.label}' (cell {failed.index + 1} of {len(doc.cells)}) failed: {summary}\n"
                + _traceback_tail(nb.cells[cells.index(failed) + 1]),
                rel, failed.line,
            ) from None
        finally:
            if km.has_kernel:
                km.shutdown_kernel(now=True)
            shutil.rmtree(kernel_dir, ignore_errors=True)
            for k, v in old_env.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
        outputs = {cell.index: [dict(o) for o in nb.cells[i + 1].get("outputs", [])] for i, cell in enumerate(cells)}
        deps_out = "".join(o.get("text", "") for o in nb.cells[-1].get("outputs", []) if o.get("name") == "stdout")
        return outputs, json.loads(deps_out or "[]")

    @staticmethod
    def _failed_cell(nb: Any, cells: list[Cell]) -> Cell | None:
        for i, cell in enumerate(cells):
            outputs = nb.cells[i + 1].get("outputs", [])
            if any(o.get("output_type") == "error" for o in outputs):
                return cell
        # a timeout or dead kernel leaves no error output: the first cell without an execution count failed
        for i, cell in enumerate(cells):
            if nb.cells[i + 1].get("execution_count") is None:
                return cell
        return None


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
