"""Build the whole site with the offline engine: pre-render, execute, assemble, Pandoc, assets.

Every build writes a fresh folder next to the output (``.<name>.building-<pid>/``) and swaps it in only when
the whole build has succeeded: a failed, interrupted or killed build leaves the last good site as it was, and
nothing stale survives a successful one (a solution that is not released in this build is not in the output
at all). A ``--only`` build renders its documents into the fresh folder and, on success, moves just those
pages (with their figures) and the assets into the existing site. One build at a time runs in a checkout
(:func:`checkout_lock`).
Progress is printed per document (N of M, seconds, cache hit or run) and a summary closes the build;
``_build/build-report.json`` keeps the numbers for the tests and the benchmark.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import signal
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from coursebuild import cachefile, qmd, release, search
from coursebuild.assemble import Assembler
from coursebuild.errors import BuildError
from coursebuild.execute import ExecutionResult, Executor, kill_kernels, remove_stale_kernel_dirs, tree_digest
from coursebuild.hooks import run_scripts
from coursebuild.project import Project
from coursebuild.render import run_pandoc

#: What is copied from node_modules into the site (no CDN: presenting needs no network).
VENDOR = {
    "site_libs/revealjs/dist": "node_modules/reveal.js/dist",
    "site_libs/revealjs/plugin/notes": "node_modules/reveal.js/plugin/notes",
    "site_libs/revealjs/plugin/search": "node_modules/reveal.js/plugin/search",
    "site_libs/revealjs/plugin/zoom": "node_modules/reveal.js/plugin/zoom",
    "site_libs/revealjs/plugin/menu": "node_modules/reveal.js-menu",
    "site_libs/revealjs/plugin/chalkboard": "node_modules/reveal.js-plugins/chalkboard",
    "site_libs/katex": "node_modules/katex/dist",
    "site_libs/bootstrap/css": "node_modules/bootstrap/dist/css",
    "site_libs/bootstrap/js": "node_modules/bootstrap/dist/js",
}
REVEAL_VERSION = "5.1.0"


@dataclass
class DocReport:
    source: str
    output: str
    format: str
    cells: int
    execute_seconds: float
    cache_hit: bool
    executed: bool
    render_seconds: float


def log(message: str) -> None:
    print(message, flush=True)


def check_vendor(root: Path, themes: set[str]) -> None:
    """Fail with the fix if reveal.js (right version), KaTeX or a theme the decks use is missing.

    Called before any kernel starts, so a missing `npm ci` costs seconds, not a whole execution.
    """
    pkg = root / "node_modules" / "reveal.js" / "package.json"
    if not pkg.exists():
        raise BuildError("reveal.js is not installed: run `npm ci` (or `make deps`)", root / "package.json")
    version = json.loads(pkg.read_text())["version"]
    if version != REVEAL_VERSION:
        raise BuildError(f"reveal.js {version} is installed, the decks need {REVEAL_VERSION} (Quarto's): "
                         "run `npm ci`", root / "package.json")
    for source in VENDOR.values():
        if not (root / source).exists():
            raise BuildError(f"{source} is missing: run `npm ci`", root / "package.json")
    for theme in themes:
        if not (root / "node_modules/reveal.js/dist/theme" / f"{theme}.css").exists():
            raise BuildError(f"reveal.js has no theme '{theme}'", root / "lectures" / "_metadata.yml")


def copy_vendor(root: Path, out: Path, themes: set[str]) -> None:
    """Copy reveal.js and KaTeX from node_modules into the site; :func:`build_site` has run :func:`check_vendor`
    before any kernel started, so everything copied here exists."""
    for target, source in VENDOR.items():
        src = root / source
        # reveal's themes: only the one the decks use (others @import web fonts) and the local fonts
        ignore = shutil.ignore_patterns("theme") if target.endswith("revealjs/dist") else None
        shutil.copytree(src, out / target, dirs_exist_ok=True, ignore=ignore)
    theme_src = root / "node_modules/reveal.js/dist/theme"
    theme_dst = out / "site_libs/revealjs/dist/theme"
    theme_dst.mkdir(parents=True, exist_ok=True)
    for theme in themes:
        shutil.copy2(theme_src / f"{theme}.css", theme_dst / f"{theme}.css")
    shutil.copytree(theme_src / "fonts", theme_dst / "fonts", dirs_exist_ok=True)


def copy_resources(project: Project, out: Path, extra: list[str]) -> None:
    """Copy ``project.resources`` globs and referenced stylesheets to the same paths in the site."""
    for pattern in [*project.resources, *extra]:
        matches = list(project.root.glob(pattern))
        if not matches and not any(ch in pattern for ch in "*?["):
            raise BuildError(f"resource '{pattern}' listed in _quarto.yml does not exist", project.root / "_quarto.yml")
        for path in matches:
            if path.is_file():
                dest = out / project.relative(path)
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, dest)


def run_pre_render(project: Project, env: dict[str, str]) -> None:
    """Run the project's pre-render commands as Quarto does (no shell; ``.py`` scripts with this Python)."""
    run_scripts(project.root, project.config, "pre-render", env)


def hook_env(env: dict[str, str], out: Path, full: bool) -> dict[str, str]:
    """What Quarto gives its pre- and post-render scripts: the output folder, and whether all files render."""
    return {**env, "QUARTO_PROJECT_OUTPUT_DIR": str(out), **({"QUARTO_PROJECT_RENDER_ALL": "1"} if full else {})}


def keep_for_pdf(root: Path, rel: str, markdown: str, meta: dict) -> None:
    """Keep a page's assembled Markdown and metadata: the PDF export renders it with Pandoc's Typst writer."""
    target = root / "_build" / "md" / Path(rel).with_suffix(".md")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(markdown, encoding="utf-8")
    target.with_suffix(".json").write_text(json.dumps(meta, default=str, ensure_ascii=False), encoding="utf-8")


def execute_all(executor: Executor, parsed: list, state: str, use_cache: bool,
                jobs: int) -> dict[str, ExecutionResult]:
    """Execute every document (cache first); the ones that run go to ``jobs`` kernels in parallel.

    Prints a line as each run finishes (N of M, seconds). The first failure stops the build.
    """
    results: dict[str, ExecutionResult] = {}

    def run(item) -> ExecutionResult:
        _, rel, doc, _, execute_opts = item
        freeze = execute_opts.get("freeze", "auto")
        # only cache misses get here: run without looking at the cache again
        return executor.run(doc, rel, use_cache=False, extra_key=state if freeze is False else "")

    todo = []
    for item in parsed:
        _, rel, doc, _, execute_opts = item
        hit = executor.from_cache(doc, rel, state if execute_opts.get("freeze", "auto") is False else "") \
            if use_cache else None
        if hit is not None:
            results[rel] = hit
        else:
            todo.append(item)
    if todo:
        log(f"executing {len(todo)} of {len(parsed)} documents in {min(jobs, len(todo))} kernel(s) "
            f"({len(parsed) - len(todo)} from cache)")
    pool = ThreadPoolExecutor(max_workers=jobs)
    futures = {pool.submit(run, item): item[1] for item in todo}
    try:
        for k, future in enumerate(as_completed(futures), 1):
            rel = futures[future]
            results[rel] = future.result()
            r = results[rel]
            log(f"  ran {k}/{len(todo)}: {rel} in {r.seconds:.1f} s" if r.executed else
                f"  {k}/{len(todo)}: {rel} has no cells to run")
    except BaseException:
        # a failure or Ctrl-C: kill the other kernels now instead of waiting for their cells to finish
        pool.shutdown(wait=False, cancel_futures=True)
        kill_kernels()
        raise
    pool.shutdown()
    return results


def state_digest(root: Path) -> str:
    """Digest of the pre-render's state files: documents with ``freeze: false`` re-run when it changes."""
    h = hashlib.sha256()
    for path in sorted((root / "_build").glob("schedule-meta.json")):
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()


@contextmanager
def checkout_lock(root: Path) -> Iterator[None]:
    """Hold ``_build/build.lock`` for the duration of a build; a second build in the same checkout fails at
    once with the pid of the one that holds it. The lock goes with the process (a killed build frees it)."""
    path = root / "_build" / "build.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
        os.close(fd)
        raise BuildError(f"another build (pid {holder}) is running in this checkout: wait for it to finish, or "
                         f"stop it (kill {holder}) and build again", path) from None
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.ftruncate(fd, 0)
        os.close(fd)


def _pid_gone(folder: Path) -> bool:
    try:
        pid = int(folder.name.rsplit("-", 1)[1])
        os.kill(pid, 0)
    except (ValueError, IndexError, ProcessLookupError):
        return True
    except PermissionError:
        return False
    return pid == os.getpid()


@contextmanager
def staged_output(out: Path, merge: bool = False) -> Iterator[Path]:
    """Yield a fresh folder (named like ``out``) to build into. When the block succeeds it replaces ``out``
    (``merge``: its files replace the same files of ``out``, the rest of ``out`` stays); when the block fails or
    is interrupted it is removed and ``out`` is untouched. Fresh folders of killed builds are removed first."""
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    for stale in out.parent.glob(f".{out.name}.building-*"):
        if _pid_gone(stale):
            shutil.rmtree(stale, ignore_errors=True)
    work = out.parent / f".{out.name}.building-{os.getpid()}"
    shutil.rmtree(work, ignore_errors=True)
    fresh = work / out.name
    fresh.mkdir(parents=True)
    try:
        yield fresh
        with _signals_deferred():  # a Ctrl-C between the two renames must not leave no site at all
            if merge and out.is_dir():
                _merge(fresh, out)
            else:
                if out.exists() or out.is_symlink():
                    os.replace(out, work / "previous")
                os.replace(fresh, out)
    finally:
        shutil.rmtree(work, ignore_errors=True)


@contextmanager
def _signals_deferred() -> Iterator[None]:
    """Ignore SIGINT and SIGTERM for the block (in the main thread): the block is the last step of a build that
    has succeeded, and finishing it takes milliseconds."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _merge(src: Path, dst: Path) -> None:
    """Move every file of ``src`` to the same place in ``dst``; a page's figure folder (``*_files``) replaces the
    old one whole, so no figure of an earlier version of the page is left behind."""
    dst.mkdir(parents=True, exist_ok=True)
    for entry in src.iterdir():
        target = dst / entry.name
        if entry.is_dir() and not entry.name.endswith("_files"):
            _merge(entry, target)
            continue
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        os.replace(entry, target)


def build_site(root: Path, out: Path | None = None, env: dict[str, str] | None = None,
               only: list[str] | None = None, use_cache: bool = True, post_render: bool = False,
               document_only: bool = False) -> list[DocReport]:
    """Build the site into ``out`` (default: the project's output-dir); returns one report per document.

    The build goes to a fresh folder that replaces ``out`` only when everything succeeded, the project's
    post-render step included (``post_render``: run it on the fresh folder as Quarto does; it exports the PDFs of
    a full build). ``env`` (e.g. ``MLPC_TODAY``, ``MLPC_BUILD``) applies to this build only: the pre-render step
    and the kernels see it, and the caller's environment is restored afterwards. ``document_only`` (with
    ``only``) skips the pre-render step and the copy of reveal.js/KaTeX: for a preview's rebuild after an edit that
    changed neither the schedule nor the project configuration, its previous build already wrote both.
    """
    saved = {k: os.environ.get(k) for k in (env or {})}
    os.environ.update(env or {})
    try:
        project = Project.load(root, profile=os.environ.get("QUARTO_PROFILE"))
        out = (out or project.output_dir).resolve()
        remove_stale_kernel_dirs()
        with staged_output(out, merge=only is not None) as fresh:
            reports = _build_site(root, fresh, out, env or {}, only, use_cache, document_only and bool(only))
            if post_render:
                run_scripts(root, project.config, "post-render", hook_env(env or {}, fresh, full=not only))
        return reports
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _build_site(root: Path, out: Path, final: Path, env: dict[str, str], only: list[str] | None,
                use_cache: bool, document_only: bool = False) -> list[DocReport]:
    start = time.perf_counter()
    project = Project.load(root, profile=os.environ.get("QUARTO_PROFILE"))
    if not document_only:
        run_pre_render(project, hook_env(env, out, full=not only))
    project = Project.load(root, profile=os.environ.get("QUARTO_PROFILE"))  # re-read, as Quarto >= 1.5 does
    files = project.render_list()
    if only:
        wanted = {str((root / o).resolve()) for o in only}
        files = [f for f in files if str(f.resolve()) in wanted]
        missing = wanted - {str(f.resolve()) for f in files}
        if missing:
            raise BuildError("not in the render list of _quarto.yml: " + ", ".join(sorted(missing)),
                             root / "_quarto.yml")
    themes: set[str] = set()
    cache = Path(os.environ.get("COURSEBUILD_CACHE", root / "_build" / "cache"))
    executor = Executor(root, cache, track_root=root / "code")
    state = state_digest(root)
    render_cache = cache.parent / "render-cache"
    # what a page's HTML depends on besides its Markdown and metadata: templates, filters, schedule state
    toolchain = tree_digest([Path(__file__).parent / "templates", Path(__file__).parent / "filters",
                             *project.filters]) + state
    reports: list[DocReport] = []
    css_used: set[str] = set()
    log(f"offline engine: {len(files)} documents -> {final} (built in {out.parent.name}/, swapped in when done)")
    # 1. parse and check every document first: syntax outside the subset fails before anything runs
    parsed = []
    for source in files:
        rel = project.relative(source)
        doc = qmd.parse(source)
        meta = project.document_metadata(source, doc.front_matter)
        execute_opts = meta.get("execute", {}) or {}
        if execute_opts.get("error"):
            raise BuildError("execute: error: true would publish tracebacks; the course fails on errors", rel)
        parsed.append((source, rel, doc, meta, execute_opts))
        fmt, fmt_options = next(iter(meta["format"].items()))
        if fmt == "revealjs":
            themes.add(str(fmt_options.get("theme", "white")))
    check_vendor(root, themes)
    search.pagefind_binary(root)
    # 2. execute (cache hits are instant; the rest run in parallel kernels, one per core)
    jobs = max(1, int(os.environ.get("COURSEBUILD_JOBS", os.cpu_count() or 1)))
    results = execute_all(executor, parsed, state, use_cache, jobs)
    # 3. assemble and render, in render-list order
    for n, (_, rel, doc, meta, execute_opts) in enumerate(parsed, 1):
        fmt, fmt_options = next(iter(meta["format"].items()))
        result = results[rel]
        rel_html = str(Path(rel).with_suffix(".html"))
        out_file = out / rel_html
        stem = Path(rel).stem
        fmt_dir = "revealjs" if fmt == "revealjs" else "html"
        figure_dir = out_file.parent / f"{stem}_files" / f"figure-{fmt_dir}"
        assembler = Assembler(doc, result.outputs, figure_dir, f"{stem}_files/figure-{fmt_dir}", fmt,
                              {k: v for k, v in execute_opts.items() if k in {"echo", "warning", "output"}}, rel)
        markdown = qmd.resolve_meta_shortcodes(assembler.markdown(), meta, rel)
        if fmt == "html":
            keep_for_pdf(root, rel, markdown, meta)
        t1 = time.perf_counter()
        render_key = hashlib.sha256(json.dumps([markdown, meta, rel_html, project.website, toolchain],
                                               sort_keys=True, default=str).encode()).hexdigest()
        cached_html = render_cache / f"{render_key}.html"
        page, why = cachefile.read(cached_html) if use_cache else (None, "")
        if why:
            log(f"cache: {cached_html} ({rel_html}) is damaged: {why}; the page is rendered again")
        if page is not None:
            out_file.parent.mkdir(parents=True, exist_ok=True)
            out_file.write_bytes(page)
        else:
            run_pandoc(markdown, out_file, rel_html, fmt, meta, fmt_options, project.website, project.filters, root)
            cachefile.write(cached_html, out_file.read_bytes())
        render_s = time.perf_counter() - t1
        css_used.update([*meta.get("css", []), *fmt_options.get("css", [])])
        how = "cache" if result.cache_hit else ("run" if result.executed else "no cells")
        log(f"[{n:2d}/{len(files)}] {rel:<55s} {how:<8s} exec {result.seconds:6.1f} s  "
            f"render {render_s:4.1f} s  ({len(doc.cells)} cells)")
        reports.append(DocReport(rel, rel_html, fmt, len(doc.cells), round(result.seconds, 2), result.cache_hit,
                                 result.executed, round(render_s, 2)))
    if not document_only:
        copy_vendor(root, out, themes)
    copy_resources(project, out, sorted(css_used))
    if not only:  # a partial build merges into the site: the index of its last full build stays whole
        search.build_index(root, out)
    total = time.perf_counter() - start
    ran = [r for r in reports if r.executed]
    hits = [r for r in reports if r.cache_hit]
    log(f"summary: {len(reports)} documents in {total:.1f} s — {len(ran)} executed "
        f"({sum(r.execute_seconds for r in ran):.1f} s), {len(hits)} from cache; site in {final}")
    report = {"engine": "offline", "seconds": round(total, 2), "output": str(final),
              "clean": not hits and only is None,
              "build": release.build_mode(), "today": os.environ.get("MLPC_TODAY", ""),
              "documents": [asdict(r) for r in reports]}
    (root / "_build").mkdir(exist_ok=True)
    (root / "_build" / f"build-report-{final.name}.json").write_text(json.dumps(report, indent=1))
    if report["clean"]:
        (root / "_build" / "last-clean-build.json").write_text(json.dumps(report, indent=1))
    return reports
