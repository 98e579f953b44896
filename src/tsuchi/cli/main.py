"""The ``tsuchi`` command. Each subcommand lives in its own module of :mod:`tsuchi.cli`.

A command module defines ``register(subparsers)`` which adds its parser and sets ``func`` to a
callable taking the parsed arguments and returning the exit code.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from tsuchi.core.errors import TsuchiError

COMMAND_MODULES = (
    "tsuchi.cli.samples",
    "tsuchi.cli.prepare",
    "tsuchi.cli.sign",
    "tsuchi.cli.verify",
    "tsuchi.cli.upload",
    "tsuchi.cli.download",
    "tsuchi.cli.server",
)


def build_parser() -> argparse.ArgumentParser:
    """Return the parser with every available subcommand registered."""
    parser = argparse.ArgumentParser(prog="tsuchi", description="tsuchi: electronic notices")
    subparsers = parser.add_subparsers(dest="command", required=True)
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:  # not written yet; other import errors must surface
                continue
            raise
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.func(args)
    except TsuchiError as exc:
        print(f"tsuchi: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("tsuchi: interrupted", file=sys.stderr)
        return 130
    return code


if __name__ == "__main__":
    sys.exit(main())
