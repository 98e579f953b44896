"""``tsuchi verify``: say whether signed notices are valid exactly as issued.

Exit status: 0 when every file is valid as an issued notice, 1 when any is not, 2 when an input
cannot be used (not a PDF, unreadable, no trust roots configured).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import asdict
from datetime import datetime
from typing import Any

from tsuchi.core.errors import TsuchiError
from tsuchi.core.signing.verify import DEFAULT_KEY_USAGE, Verdict, load_trust_roots, verify_pdf

TRUST_ENV = "TSUCHI_TRUST_ROOTS"


def register(subparsers: Any) -> None:
    """Add the ``verify`` subcommand."""
    parser = subparsers.add_parser(
        "verify",
        help="check that signed notices are valid exactly as issued",
        description=(
            "Check that each PDF is a notice exactly as a trusted office signed it: intact, "
            "nothing added after signing, signed with a certificate that chains to a trust "
            f"root. Trust roots come from --trust or from ${TRUST_ENV} (colon-separated PEM "
            "paths). Exit status 0: all valid; 1: some not valid; 2: unusable input."
        ),
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help="signed PDF files")
    parser.add_argument(
        "--trust",
        action="append",
        default=[],
        metavar="PEM",
        help="trust-root certificate file (PEM); repeat for several",
    )
    parser.add_argument(
        "--expected-signer",
        metavar="SHA256",
        help="accept only the signer certificate with this SHA-256 fingerprint",
    )
    parser.add_argument(
        "--key-usage",
        action="append",
        metavar="USAGE",
        help=(
            "key usage the signer's certificate must carry (repeat for several; default "
            f"{', '.join(sorted(DEFAULT_KEY_USAGE))}), e.g. non_repudiation"
        ),
    )
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Verify every file and print a verdict for each; return the exit status."""
    trust_paths: list[str] = list(args.trust)
    if not trust_paths and os.environ.get(TRUST_ENV):
        trust_paths = [p for p in os.environ[TRUST_ENV].split(os.pathsep) if p]
    if not trust_paths:
        print(
            f"tsuchi verify: no trust roots; pass --trust PEM or set {TRUST_ENV}",
            file=sys.stderr,
        )
        return 2
    roots = load_trust_roots(trust_paths)
    key_usage = frozenset(args.key_usage) if args.key_usage else DEFAULT_KEY_USAGE

    results: list[dict[str, Any]] = []
    status = 0
    for path in args.files:
        try:
            verdict = verify_pdf(
                path,
                trust_roots=roots,
                expected_signer=args.expected_signer,
                key_usage=key_usage,
            )
        except TsuchiError as exc:
            status = 2
            results.append({"file": path, "error": exc.message})
            if not args.json:
                print(f"{path}: cannot verify: {exc.message}")
            continue
        if not verdict.valid_as_issued and status == 0:
            status = 1
        results.append({"file": path, **_verdict_json(verdict)})
        if not args.json:
            print(_describe(path, verdict))
    if args.json:
        print(json.dumps({"files": results}, ensure_ascii=False, indent=2))
    return status


def _describe(path: str, verdict: Verdict) -> str:
    lines = [f"{path}: {'VALID' if verdict.valid_as_issued else 'NOT VALID'} as issued"]
    signer = verdict.signer
    if signer is not None:
        who = signer.common_name or signer.subject
        org = ", ".join(p for p in (signer.organization, signer.organizational_unit) if p)
        lines.append(f"  signed by:  {who}" + (f" ({org})" if org else ""))
        lines.append(f"  issuer:     {signer.issuer}")
        lines.append(f"  serial:     {signer.serial_number}")
        lines.append(f"  SHA-256:    {signer.sha256_fingerprint}")
    if verdict.signing_time is not None:
        when = _iso(verdict.signing_time)
        if verdict.timestamp is not None:
            trusted = "" if verdict.timestamp.trusted else ", NOT trusted"
            when += f" (time-stamped by {verdict.timestamp.authority}{trusted})"
        else:
            when += " (claimed by the signer, no time-stamp)"
        lines.append(f"  signed at:  {when}")
    lines.append(f"  file SHA-256: {verdict.document_sha256}")
    for problem in verdict.reasons:
        lines.append(f"  - {problem.message} [{problem.code}]")
    return "\n".join(lines)


def _verdict_json(verdict: Verdict) -> dict[str, Any]:
    data = asdict(verdict)
    data["reasons"] = [{"code": p.code, "message": p.message} for p in verdict.reasons]
    return _jsonable(data)  # type: ignore[no-any-return]


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    if isinstance(value, datetime):
        return _iso(value)
    return value


def _iso(moment: datetime) -> str:
    return moment.isoformat()
