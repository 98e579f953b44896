"""``tsuchi sign``: sign every PDF of a directory with the office certificate (PAdES).

The PKCS#12 password and the PKCS#11 PIN are asked for on the terminal, or read from
``TSUCHI_PKCS12_PASSWORD`` / ``TSUCHI_PKCS11_PIN`` when stdin is not a terminal; never from the
command line (it would show in ``ps`` and shell history).

Exit status: 0 when every document is signed (or already was), 1 when some failed, 2 when
nothing could start (bad key, certificate refused, bad arguments).
"""

from __future__ import annotations

import argparse
import functools
import getpass
import json
import os
import sys
from pathlib import Path
from typing import Any

from tsuchi.core.errors import SigningError
from tsuchi.core.signing.keys import KeySourceFactory, Pkcs12KeySource
from tsuchi.core.signing.sign import (
    DocumentOutcome,
    DocumentToSign,
    SigningSettings,
    sign_documents,
)
from tsuchi.core.signing.stamp import StampSettings

PASSWORD_ENV = "TSUCHI_PKCS12_PASSWORD"  # noqa: S105  (the variable's name, not a secret)
PIN_ENV = "TSUCHI_PKCS11_PIN"


def register(subparsers: Any) -> None:
    """Add the ``sign`` subcommand."""
    parser = subparsers.add_parser(
        "sign",
        help="sign every PDF of a directory (PAdES)",
        description=(
            "Sign each PDF in --in into --out with the office certificate, on all cores. A "
            "re-run skips outputs already signed by the same certificate. The PKCS#12 password "
            f"or PIN is asked for on the terminal, else read from ${PASSWORD_ENV} / ${PIN_ENV}."
        ),
    )
    parser.add_argument("--in", dest="input", required=True, type=Path, metavar="DIR")
    parser.add_argument("--out", dest="output", required=True, type=Path, metavar="DIR")
    key = parser.add_mutually_exclusive_group(required=True)
    key.add_argument("--pkcs12", type=Path, metavar="FILE", help="key and chain in a .p12 file")
    key.add_argument("--pkcs11-module", metavar="LIB", help="PKCS#11 library of the token")
    parser.add_argument("--token", metavar="LABEL", help="PKCS#11 token label")
    parser.add_argument("--key", metavar="LABEL", help="PKCS#11 private key label")
    parser.add_argument("--level", choices=("B-B", "B-T", "B-LT"), default="B-B")
    parser.add_argument("--tsa", metavar="URL", help="RFC 3161 time-stamping authority URL")
    parser.add_argument(
        "--trust",
        action="append",
        default=[],
        type=Path,
        metavar="PEM",
        help="trust root for B-LT validation data (repeat for several)",
    )
    parser.add_argument("--stamp", action="store_true", help="draw a visible stamp on page 1")
    parser.add_argument("--office-name", help="office name shown in the stamp")
    parser.add_argument(
        "--key-usage",
        action="append",
        metavar="USAGE",
        help="key usage the certificate must carry (default digital_signature); repeatable",
    )
    parser.add_argument("--bytes-reserved", type=int, metavar="N", help="CMS size to reserve")
    parser.add_argument("--workers", type=int, default=None, metavar="N", help="processes")
    parser.set_defaults(func=run)


MANIFEST_NAME = "manifest.json"


def read_manifest(directory: Path) -> dict[str, Any]:
    """The ``manifest.json`` of a package from ``tsuchi download``, or ``{}`` without one."""
    path = directory / MANIFEST_NAME
    if not path.is_file():
        return {}
    try:
        manifest: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SigningError(f"{MANIFEST_NAME} cannot be read: {exc}") from exc
    return manifest


def documents_to_sign(directory: Path, manifest: dict[str, Any]) -> list[DocumentToSign]:
    """Every PDF of the folder, with the verification URL the manifest gives for it."""
    urls = {
        entry["file"]: entry.get("verification_url")
        for entry in manifest.get("notices", [])
        if isinstance(entry, dict) and "file" in entry
    }
    return [
        DocumentToSign(path, urls.get(path.name))
        for path in sorted(directory.glob("*"))
        if path.suffix.lower() == ".pdf"
    ]


def run(args: argparse.Namespace) -> int:
    """Sign the directory and print a summary; return the exit code."""
    manifest = read_manifest(args.input)
    # A package whose batch asks for a visible stamp names the office and each notice's URL.
    stamp_spec = manifest.get("stamp") or {}
    office_name = args.office_name or stamp_spec.get("office_name")
    stamp = args.stamp or bool(stamp_spec)
    if stamp and not office_name:
        raise SigningError("--stamp needs --office-name")
    settings = SigningSettings(
        level=args.level,
        tsa_url=args.tsa,
        trust_roots=tuple(args.trust),
        stamp=StampSettings(office_name=office_name) if stamp and office_name else None,
        key_usage=frozenset(args.key_usage or ["digital_signature"]),
        bytes_reserved=args.bytes_reserved,
    )
    factory = _key_source_factory(args)
    documents = documents_to_sign(args.input, manifest)
    bar = _progress_bar(len(documents))

    def progress(outcome: DocumentOutcome) -> None:
        bar.update(1)

    try:
        summary = sign_documents(
            documents, args.output, factory, settings, workers=args.workers, progress=progress
        )
    finally:
        bar.close()
    for problem in summary.warnings:
        print(f"warning: {problem.message}", file=sys.stderr)
    for name, message in summary.errors:
        print(f"failed: {name}: {message}", file=sys.stderr)
    rate = summary.signed / summary.seconds if summary.seconds else 0.0
    print(
        f"signed {summary.signed}, skipped {summary.skipped} (already signed), "
        f"failed {summary.failed} in {summary.seconds:.1f} s ({rate:.0f}/s) as {summary.signer}"
    )
    return 1 if summary.failed else 0


def _key_source_factory(args: argparse.Namespace) -> KeySourceFactory:
    if args.pkcs12 is not None:
        password = _secret(PASSWORD_ENV, "PKCS#12 password: ")
        # Open once here so a wrong password stops the run before any worker starts.
        Pkcs12KeySource(args.pkcs12, password).close()
        return functools.partial(Pkcs12KeySource, args.pkcs12, password)
    if not args.token or not args.key:
        raise SigningError("--pkcs11-module needs --token and --key")
    try:
        from tsuchi.core.signing.pkcs11 import Pkcs11KeySource
    except ImportError as exc:
        raise SigningError(f"PKCS#11 signing is not available: {exc}") from exc
    pin = _secret(PIN_ENV, f"PIN of token {args.token}: ")
    return functools.partial(Pkcs11KeySource, args.pkcs11_module, args.token, args.key, pin)


def _secret(env: str, prompt: str) -> str:
    if sys.stdin.isatty():
        return getpass.getpass(prompt)
    value = os.environ.get(env)
    if value is None:
        raise SigningError(f"no terminal to ask for the secret: set {env}")
    return value


def _progress_bar(total: int) -> Any:
    from tqdm import tqdm

    return tqdm(total=total, unit="doc", file=sys.stderr, disable=None)
