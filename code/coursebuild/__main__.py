"""Command line of the build: ``python -m coursebuild <command>``.

- ``site``: build the site into ``_site/`` with ``quarto render`` when Quarto is on PATH, else with the
  offline engine; says which. ``--instructor`` builds everything into ``_site-instructor/`` (never publish it).
- ``build``: always the offline engine (``--only FILE`` for one document, ``--no-cache`` to re-execute).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

from coursebuild.errors import BuildError


def _env(args: argparse.Namespace) -> dict[str, str]:
    env = {"MLPC_BUILD": "instructor" if args.instructor else os.environ.get("MLPC_BUILD", "student")}
    if args.today:
        env["MLPC_TODAY"] = args.today
    return env


def _out(args: argparse.Namespace, root: Path) -> Path:
    if args.out:
        return Path(args.out)
    return root / ("_site-instructor" if args.instructor else "_site")


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
        if name == "build":
            p.add_argument("--only", nargs="+", help="render only these documents (no clean of the output)")
    args = parser.parse_args(argv)
    root = Path(args.root).resolve()
    if args.command == "bench":
        from coursebuild.bench import run as bench_run

        try:
            bench_run(root, clean=args.clean, pdf=args.pdf)
        except BuildError as exc:
            print(f"\nBENCHMARK FAILED\n{exc}", file=sys.stderr)
            return 1
        return 0
    if args.command == "pdf":
        from coursebuild.pdf import export_all

        try:
            export_all(root, (root / args.site).resolve())
        except BuildError as exc:
            print(f"\nPDF EXPORT FAILED\n{exc}", file=sys.stderr)
            return 1
        return 0
    env = _env(args)
    out = _out(args, root)
    if env["MLPC_BUILD"] == "instructor" and out.resolve() == (root / "_site").resolve():
        print("refused: the instructor build never goes to _site/ (the folder that is published); "
              "use --instructor (-> _site-instructor/) or --out elsewhere", file=sys.stderr)
        return 2
    try:
        # the project's post-render step (code/post_render.py) exports the PDFs of a full render, on both paths
        env.update({"COURSEBUILD_NO_CACHE": "1"} if args.no_cache else {})
        if args.command == "site" and shutil.which("quarto"):
            print(f"render path: quarto ({shutil.which('quarto')}), {env['MLPC_BUILD']} build -> {out}", flush=True)
            cmd = ["quarto", "render", "--output-dir", str(out)]
            return subprocess.run(cmd, cwd=root, env=dict(os.environ, **env)).returncode
        from coursebuild.site import build_site

        if args.command == "site":
            print(f"render path: offline engine (quarto is not on PATH), {env['MLPC_BUILD']} build -> {out}",
                  flush=True)
        else:
            env["COURSEBUILD_NO_PDF"] = "1"
        build_site(root, out=out, env=env, only=getattr(args, "only", None), use_cache=not args.no_cache,
                   post_render=True)
    except BuildError as exc:
        print(f"\nBUILD FAILED\n{exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
