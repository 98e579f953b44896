"""Run the benchmarks: ``python -m bench`` runs every ``bench/bench_*.py`` in turn,
``python -m bench prepare [args …]`` runs one (its arguments are passed on to its ``main``)."""

from __future__ import annotations

import importlib
import pkgutil
import sys
from collections.abc import Sequence
from pathlib import Path

PREFIX = "bench_"


def available() -> list[str]:
    """Names of the benchmarks (``prepare`` for ``bench/bench_prepare.py``), sorted."""
    folder = Path(__file__).resolve().parent
    return sorted(
        info.name.removeprefix(PREFIX)
        for info in pkgutil.iter_modules([str(folder)])
        if info.name.startswith(PREFIX)
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run one benchmark by name with its arguments, or all of them without a name."""
    args = list(sys.argv[1:] if argv is None else argv)
    names = available()
    if args and args[0] in ("-h", "--help"):
        print("usage: python -m bench [NAME [ARGS ...]]\nbenchmarks: " + ", ".join(names))
        return 0
    if args:
        name, rest = args[0], args[1:]
        if name not in names:
            print(f"unknown benchmark {name!r}; available: {', '.join(names)}", file=sys.stderr)
            return 2
        importlib.import_module(f"bench.{PREFIX}{name}").main(rest)
        return 0
    for name in names:
        print(f"== {name} ==", flush=True)
        importlib.import_module(f"bench.{PREFIX}{name}").main([])
    return 0


if __name__ == "__main__":
    sys.exit(main())
