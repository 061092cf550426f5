"""Command line of the build: ``python -m coursebuild <command>``.

- ``site``: build the site into ``_site/`` with ``quarto render`` when Quarto is on PATH, else with the
  offline engine; says which. ``--instructor`` builds everything into ``_site-instructor/`` (never publish it).
- ``build``: always the offline engine (``--only FILE`` for one document, ``--no-cache`` to re-execute).

A build writes a fresh folder and swaps it in only on success (the last good site survives a failure or
Ctrl-C), holds a lock on the checkout (a second build says which process holds it), and Ctrl-C or SIGTERM
stops it at once, kernels included. It runs only with this checkout's ``code/`` (``make site`` or
``PYTHONPATH=code python3 -m coursebuild ...``), never with another checkout's.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import coursebuild
from coursebuild.errors import BuildError
from coursebuild.release import parse_build_mode

#: The folder that is published (the publish workflow uploads it): an instructor build never goes in it.
PUBLISHED = "_site"


def _env(args: argparse.Namespace) -> dict[str, str]:
    """The build's environment: ``MLPC_BUILD`` parsed once (the release rule reads this same value)."""
    env = {"MLPC_BUILD": "instructor" if args.instructor else parse_build_mode(os.environ.get("MLPC_BUILD"))}
    if args.today:
        env["MLPC_TODAY"] = args.today
    if getattr(args, "cell_timeout", None):
        env["COURSEBUILD_CELL_TIMEOUT"] = str(args.cell_timeout)
    return env


def _out(args: argparse.Namespace, root: Path, mode: str) -> Path:
    if args.out:
        return Path(args.out).resolve()
    return root / ("_site-instructor" if mode == "instructor" else PUBLISHED)


def foreign_checkout(root: Path) -> str | None:
    """Why this build must not run, if ``python -m coursebuild`` was imported from another checkout than the
    project at ``root`` (whose ``code/coursebuild`` would then be ignored), else None."""
    mine = root / "code" / "coursebuild"
    used = Path(coursebuild.__file__).resolve().parent
    if mine.is_dir() and used != mine.resolve():
        return (f"this build would run the build code of another checkout ({used}), not this one's ({mine}): "
                "run from this checkout: make site, or PYTHONPATH=code python3 -m coursebuild ...")
    return None


def _interrupted(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m coursebuild", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    bench = sub.add_parser("bench", help="print build, rebuild, execution and PDF times and deck weights")
    bench.add_argument("--clean", action="store_true", help="also measure a clean build (all documents run)")
    bench.add_argument("--pdf", action="store_true", help="measure the PDF export again")
    bench.add_argument("--root", default=".")
    pdf = sub.add_parser("pdf", help="export every deck, handout and released solution of a built site to PDF")
    pdf.add_argument("--site", default="_site")
    pdf.add_argument("--root", default=".")
    for name in ("site", "build"):
        p = sub.add_parser(name)
        p.add_argument("--instructor", action="store_true", help="show every solution (output: _site-instructor/)")
        p.add_argument("--today", help="pretend today is YYYY-MM-DD[THH:MM] (sets MLPC_TODAY)")
        p.add_argument("--out", help="output folder")
        p.add_argument("--root", default=".", help="project root (default: .)")
        p.add_argument("--no-cache", action="store_true",
                       help="re-execute every document (and, for site, re-export every deck PDF)")
        p.add_argument("--cell-timeout", type=float,
                       help="seconds a cell may run before the build fails (default 300; COURSEBUILD_CELL_TIMEOUT)")
        if name == "build":
            p.add_argument("--only", nargs="+", help="render only these documents (no clean of the output)")
    args = parser.parse_args(argv)
    root = Path(args.root).resolve()
    refusal = foreign_checkout(root)
    if refusal:
        print(f"refused: {refusal}", file=sys.stderr)
        return 2
    if args.command in ("site", "build"):
        try:
            env = _env(args)
        except ValueError as exc:
            print(f"refused: {exc}", file=sys.stderr)
            return 2
        out = _out(args, root, env["MLPC_BUILD"])
        published = (root / PUBLISHED).resolve()
        if env["MLPC_BUILD"] == "instructor" and out.is_relative_to(published):
            print(f"refused: the instructor build never goes to {PUBLISHED}/ or inside it (the folder that is "
                  f"published), here {out}; use --instructor (-> _site-instructor/) or --out elsewhere",
                  file=sys.stderr)
            return 2
    from coursebuild.execute import kill_kernels
    from coursebuild.site import checkout_lock

    previous = signal.signal(signal.SIGTERM, _interrupted)
    try:
        with checkout_lock(root):
            _run(args, root)
    except BuildError as exc:
        title = {"bench": "BENCHMARK FAILED", "pdf": "PDF EXPORT FAILED"}.get(args.command, "BUILD FAILED")
        print(f"\n{title}\n{exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        kill_kernels()
        print("\nINTERRUPTED: stopped at once, its kernels killed; the previous site is unchanged", file=sys.stderr)
        return 130
    finally:
        signal.signal(signal.SIGTERM, previous)
    return 0


def _run(args: argparse.Namespace, root: Path) -> None:
    """Run one command; raises :class:`BuildError` on failure."""
    if args.command == "bench":
        from coursebuild.bench import run as bench_run

        bench_run(root, clean=args.clean, pdf=args.pdf)
        return
    from coursebuild.pdf import export_all

    if args.command == "pdf":
        export_all(root, (root / args.site).resolve())
        return
    env = _env(args)
    out = _out(args, root, env["MLPC_BUILD"])
    # the project's post-render step (code/post_render.py) exports the PDFs of a full render, on both paths
    env.update({"COURSEBUILD_NO_CACHE": "1"} if args.no_cache else {})
    if args.command == "site" and shutil.which("quarto"):
        from coursebuild.site import staged_output

        print(f"render path: quarto ({shutil.which('quarto')}), {env['MLPC_BUILD']} build -> {out}", flush=True)
        with staged_output(out) as fresh:
            cmd = ["quarto", "render", "--output-dir", str(fresh)]
            code = subprocess.run(cmd, cwd=root, env=dict(os.environ, **env)).returncode
            if code:
                raise BuildError(f"quarto render failed (exit code {code}); the previous site is unchanged", root)
        return
    from coursebuild.site import build_site

    if args.command == "site":
        print(f"render path: offline engine (quarto is not on PATH), {env['MLPC_BUILD']} build -> {out}",
              flush=True)
    else:
        env["COURSEBUILD_NO_PDF"] = "1"
    build_site(root, out=out, env=env, only=getattr(args, "only", None), use_cache=not args.no_cache,
               post_render=True)


if __name__ == "__main__":
    sys.exit(main())
