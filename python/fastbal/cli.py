"""The `fastbal` command line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import fastbal


def _cmd_demo(args: argparse.Namespace) -> int:
    from fastbal.demo import run_demo

    run_demo(out=sys.stdout)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fastbal",
        description="Label statistics and class-imbalance handling for ML datasets.",
    )
    parser.add_argument("--version", action="version", version=f"fastbal {fastbal.__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    demo = sub.add_parser(
        "demo", help="run the whole analysis on a built-in dataset shaped like a real incident"
    )
    demo.set_defaults(func=_cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `fastbal` and `python -m fastbal`. Returns the exit code."""
    args = build_parser().parse_args(argv)
    code: int = args.func(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
