"""``python -m mlpc doctor`` (or ``mlpc doctor``): check this install. See :mod:`mlpc.doctor`."""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mlpc", description="ML-PC course package")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("doctor", help="check versions, torch threads and that each week's data loads (seconds)")
    args = parser.parse_args(argv)
    if args.command == "doctor":
        from mlpc import doctor

        return doctor.run()
    return 2  # pragma: no cover - argparse rejects other commands


if __name__ == "__main__":
    sys.exit(main())
