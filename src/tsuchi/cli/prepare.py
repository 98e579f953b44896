"""``tsuchi prepare``: split a batch PDF, cross-check it with the applications CSV, sort it.

Exit status: 0 when every notice matched its record and nothing needs review, 1 when a clerk
must look at something (see ``report.csv``), 2 when an input cannot be used (nothing written).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from tqdm import tqdm

from tsuchi.core.prepare import prepare_batch
from tsuchi.core.profiles import load_profile

_OUTCOME_LABELS = (
    ("matched", "matched"),
    ("mismatched", "differ from their record"),
    ("notice_without_record", "without record"),
    ("blocked", "blocked (My Number on the notice)"),
    ("ambiguous", "ambiguous"),
    ("record_without_notice", "records without notice"),
)


def register(subparsers: Any) -> None:
    """Add the ``prepare`` subcommand."""
    parser = subparsers.add_parser(
        "prepare",
        help="split a batch PDF, cross-check it with the applications CSV and sort it",
        description=(
            "Cut the core system's batch PDF into one PDF per notice, read each notice's "
            "fields, cross-check them with the e-application CSV, and sort the notices into "
            "electronic/ and paper/ (paper/print.pdf holds the paper notices in postal-code "
            "order behind a cover list). report.csv lists what a clerk must look at. "
            "Exit status 0: everything matched; 1: something needs review; 2: unusable input."
        ),
    )
    parser.add_argument("--batch", type=Path, required=True, metavar="PDF", help="batch PDF")
    parser.add_argument(
        "--records", type=Path, required=True, metavar="CSV", help="applications CSV"
    )
    parser.add_argument(
        "--profile", type=Path, required=True, metavar="TOML", help="notice profile"
    )
    parser.add_argument("--out", type=Path, required=True, metavar="DIR", help="output folder")
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        metavar="N",
        help="worker processes (default: one per CPU)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Prepare the batch, show progress on stderr and print a summary; return the exit status."""
    if args.workers is not None and args.workers < 1:
        print("tsuchi prepare: --workers must be at least 1", file=sys.stderr)
        return 2
    profile = load_profile(args.profile)
    bar = tqdm(total=0, unit="page", desc="prepare", file=sys.stderr, disable=None)

    def progress(done: int, total: int) -> None:
        if bar.total != total:
            bar.total = total
        bar.update(done - bar.n)

    try:
        result = prepare_batch(
            args.batch,
            args.records,
            profile,
            args.out,
            workers=args.workers,
            progress=progress,
        )
    finally:
        bar.close()

    counts = result.counts
    print(f"{counts['notices']} notices, {counts['records']} records")
    for key, label in _OUTCOME_LABELS:
        if counts.get(key):
            print(f"  {label}: {counts[key]}")
    print(f"  electronic: {counts['electronic']}  paper: {counts['paper']}")
    for sentence in result.summary:
        print(f"- {sentence}")
    out = Path(args.out)
    print(f"electronic notices: {out / 'electronic'}")
    if result.print_pdf is not None:
        print(f"paper notices:      {out / 'paper'} (print file {result.print_pdf})")
    print(f"report:             {result.report_csv}")
    if result.needs_review:
        print("Some notices need review: see the report.")
    return result.exit_code
