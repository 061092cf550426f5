"""Live preview of one document: ``make preview DOC=lectures/week05-….qmd`` (``python -m coursebuild.preview DOC``).

Builds the document (``coursebuild build --only``: text edits hit the execution cache, so no kernel starts), serves
the site on localhost, watches the document and what it depends on (the project files its cells imported or read,
as recorded in the execution cache, plus the deck format, styles, schedule, templates and filters), rebuilds it on
save and reloads the open browser tab at the same slide. The reload script is added to HTML as it is served,
never to the files in the site. A failed build keeps the last good page and shows the error over it.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import http.server
import json
import os
import sys
import threading
import time
from pathlib import Path

from coursebuild.errors import BuildError

#: how often the watcher looks at the files and the page asks for a new version (seconds / milliseconds)
WATCH_INTERVAL_S = 0.2
POLL_MS = 250
VERSION_PATH = "/__preview/version"

#: the served pages' reload script: poll the version, keep the slide (reveal's #/N) across the reload
RELOAD_SCRIPT = """<script>
(function () {
  var seen = null;
  function poll() {
    fetch("%(path)s", {cache: "no-store"}).then(function (r) { return r.json(); }).then(function (v) {
      if (seen !== null && v.version !== seen) { location.reload(); return; }
      seen = v.version;
      var box = document.getElementById("coursebuild-preview-error");
      if (v.error && !box) {
        box = document.createElement("pre");
        box.id = "coursebuild-preview-error";
        box.style.cssText = "position:fixed;inset:1em;z-index:9999;overflow:auto;background:#fff;color:#b00;" +
          "border:3px solid #b00;padding:1em;font-size:14px;white-space:pre-wrap";
        document.body.appendChild(box);
      }
      if (box) { if (v.error) { box.textContent = v.error; } else { box.remove(); } }
    }).catch(function () {}).then(function () { setTimeout(poll, %(poll)d); });
  }
  poll();
})();
</script>
"""


class PreviewState:
    """The build version the served pages compare against, and the last build error (None when it built)."""

    def __init__(self) -> None:
        self.version = 0
        self.error: str | None = None
        self.lock = threading.Lock()

    def built(self, error: str | None) -> None:
        with self.lock:
            self.version += 1
            self.error = error

    def as_json(self) -> bytes:
        with self.lock:
            return json.dumps({"version": self.version, "error": self.error}).encode()


def inject_reload(html: bytes) -> bytes:
    """``html`` with the reload script before ``</body>`` (appended when there is none)."""
    script = (RELOAD_SCRIPT % {"path": VERSION_PATH, "poll": POLL_MS}).encode()
    head, sep, tail = html.rpartition(b"</body>")
    return head + script + sep + tail if sep else html + script


class PreviewHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the site; HTML gets the reload script, ``/__preview/version`` the build version. Nothing is cached."""

    state: PreviewState

    def log_message(self, *args) -> None:
        pass

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        path = self.path.split("?", 1)[0].split("#", 1)[0]
        if path == VERSION_PATH:
            return self._send(self.state.as_json(), "application/json")
        file = Path(self.translate_path(path))
        if file.is_dir():
            file = file / "index.html"
        if file.suffix == ".html" and file.is_file():
            return self._send(inject_reload(file.read_bytes()), "text/html; charset=utf-8")
        return super().do_GET()

    def _send(self, body: bytes, content_type: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def serve(site: Path, state: PreviewState, port: int = 0) -> http.server.ThreadingHTTPServer:
    """Start serving ``site`` on 127.0.0.1:``port`` (0: any free port) in a daemon thread."""
    handler = functools.partial(type("Handler", (PreviewHandler,), {"state": state}), directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True, name="preview-server").start()
    return httpd


def recorded_dependencies(root: Path, rel: str) -> set[Path]:
    """The project files the document's cells imported or read, as the execution cache recorded them."""
    cache = Path(os.environ.get("COURSEBUILD_CACHE", root / "_build" / "cache"))
    files: set[Path] = set()
    for entry in cache.glob("*.json"):
        try:
            data = json.loads(entry.read_text())
        except (OSError, ValueError):
            continue
        if data.get("doc") == rel:
            files.update(root / dep for dep in data.get("deps", {}))
    return files


def watched_files(root: Path, rel: str) -> set[Path]:
    """The document, what its cells depend on, and what every render reads (deck format, styles, schedule,
    templates, filters, project configuration)."""
    from coursebuild.render import FILTERS, TEMPLATES

    source = root / rel
    fixed = [source, root / "_quarto.yml", source.parent / "_metadata.yml", root / "data" / "schedule.yml",
             *(root / "styles").glob("*.css"), *TEMPLATES.glob("*"), *FILTERS.glob("*.lua")]
    return {p for p in [*fixed, *recorded_dependencies(root, rel)] if p.exists()}


#: A watched file's fingerprint: its modification time (cheap to poll) and a digest of its content (what decides).
Fingerprint = tuple[int, str]


def snapshot(files: set[Path], previous: dict[Path, Fingerprint] | None = None) -> dict[Path, Fingerprint]:
    """Fingerprints of ``files``; a file whose modification time is unchanged since ``previous`` is not re-read.
    A missing file is ``(-1, "")``."""
    out: dict[Path, Fingerprint] = {}
    for f in files:
        try:
            mtime = f.stat().st_mtime_ns
            old = (previous or {}).get(f)
            out[f] = old if old and old[0] == mtime else (mtime, hashlib.sha1(f.read_bytes()).hexdigest())
        except OSError:
            out[f] = (-1, "")
    return out


def changed_files(now: dict[Path, Fingerprint], seen: dict[Path, Fingerprint]) -> list[Path]:
    """Files whose content differs from ``seen`` (a save that rewrites the same bytes is no change)."""
    return sorted(f for f in now if now[f][1] != seen.get(f, (-1, ""))[1])


def built_state(files: set[Path], before: dict[Path, Fingerprint]) -> dict[Path, Fingerprint]:
    """What a build that started at ``before`` has built: the files it knew as they were when it started (so a
    save made during the build is still a change afterwards), files it newly depends on as they are now."""
    return {**snapshot(files - before.keys()), **{f: before[f] for f in files if f in before}}


#: edits to these re-run the pre-render step (schedule metadata, handouts, calendar); other edits do not need it
PRE_RENDER_INPUTS = ("_quarto.yml", "data/schedule.yml")


def rebuild(root: Path, rel: str, site: Path, state: PreviewState, full: bool = True) -> float:
    """Build just ``rel`` into ``site`` (``full=False``: without the pre-render step and the library copy, which
    this preview's previous build already wrote; this keeps save-to-reload within a second or two); records the
    outcome in ``state``; returns the seconds it took."""
    from coursebuild.site import build_site

    t0 = time.perf_counter()
    try:
        build_site(root, out=site, only=[rel], document_only=not full)
        state.built(None)
    except BuildError as exc:
        print(f"\nBUILD FAILED (the page keeps its last good version)\n{exc}", file=sys.stderr, flush=True)
        state.built(f"BUILD FAILED\n{exc}")
    return time.perf_counter() - t0


def watch(root: Path, rel: str, site: Path, state: PreviewState, stop: threading.Event,
          on_build=lambda seconds: None, seen: dict[Path, Fingerprint] | None = None) -> None:
    """Rebuild ``rel`` whenever the content of a watched file changes, until ``stop`` is set.

    ``seen``: the state the caller's build started from (:func:`built_state`); default: now. A save made while
    a build runs triggers the next build: the state a build has built is taken when it starts. A build that
    rewrites a watched file with the same bytes triggers nothing (contents are compared, not times).
    """
    files = watched_files(root, rel)
    seen = {**snapshot(files), **(seen or {})}
    now = seen
    while not stop.wait(WATCH_INTERVAL_S):
        now = snapshot(files, previous=now)
        changed = [str(f.relative_to(root)) for f in changed_files(now, seen)]
        if not changed:
            continue
        print(f"changed: {', '.join(changed)} -> rebuilding {rel}", flush=True)
        full = bool(set(changed) & set(PRE_RENDER_INPUTS)) or any(Path(c).name == "_metadata.yml" for c in changed)
        before = now
        seconds = rebuild(root, rel, site, state, full=full or state.error is not None)
        print(f"rebuilt in {seconds:.1f} s", flush=True)
        on_build(seconds)
        files = watched_files(root, rel)
        seen = built_state(files, before)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m coursebuild.preview", description=__doc__.split("\n\n")[0])
    parser.add_argument("doc", help="the document, e.g. lectures/week05-….qmd")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--root", default=".")
    parser.add_argument("--out", help="site folder (default: the project's output-dir)")
    args = parser.parse_args(argv)
    root = Path(args.root).resolve()
    source = (root / args.doc).resolve()
    if not source.is_file():
        print(f"{args.doc}: no such document (give a path such as lectures/week05-….qmd)", file=sys.stderr)
        return 2
    rel = source.relative_to(root).as_posix()
    from coursebuild.project import Project

    site = Path(args.out).resolve() if args.out else Project.load(root).output_dir.resolve()
    state = PreviewState()
    print(f"building {rel} ...", flush=True)
    before = snapshot(watched_files(root, rel))
    rebuild(root, rel, site, state)
    seen = built_state(watched_files(root, rel), before)
    httpd = serve(site, state, args.port)
    url = f"http://127.0.0.1:{httpd.server_address[1]}/{Path(rel).with_suffix('.html').as_posix()}"
    print(f"preview: {url}\nwatching {rel} and its dependencies; save to rebuild, Ctrl+C to stop", flush=True)
    stop = threading.Event()
    try:
        watch(root, rel, site, state, stop, seen=seen)
    except KeyboardInterrupt:
        print("\npreview stopped", flush=True)
    finally:
        stop.set()
        httpd.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
