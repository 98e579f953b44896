"""``tsuchi samples``: write a deterministic sample batch (PDF, CSV and truth) to a folder."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from tsuchi.core.samples import LAYOUTS, generate


def register(subparsers: Any) -> None:
    """Add the ``samples`` subcommand."""
    parser = subparsers.add_parser(
        "samples",
        help="generate a sample batch PDF, applications CSV and truth",
        description=(
            "Write batch.pdf (the core system's notices), applications.csv (the e-application "
            "system's export, CP932) and truth.json (what a correct cross-check must find) "
            "for fictional residents of 土見市. The same seed always gives the same bytes."
        ),
    )
    parser.add_argument("--count", type=int, required=True, help="number of notices")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR", help="output folder")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument(
        "--layout", choices=LAYOUTS, default="nursery", help="notice layout (default nursery)"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Generate the samples and print what was written."""
    sample = generate(args.out, count=args.count, seed=args.seed, layout=args.layout)
    print(f"{sample.batch_pdf}\t{sample.notice_count} notices, {sample.page_count} pages")
    print(f"{sample.applications_csv}\t{sample.record_count} records (CP932, CRLF)")
    print(f"{sample.truth_json}\ttruth (layout {sample.layout}, seed {sample.seed})")
    return 0
