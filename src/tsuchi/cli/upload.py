"""``tsuchi upload``: send notices signed on this terminal to the server, as one zip package.

The package holds every ``*.pdf`` of DIR and the ``report.json`` of ``tsuchi prepare``. The
server verifies every file and imports all of them or none; this command prints its report.
The API token comes from ``--token`` or, better (it stays out of shell history and ``ps``),
from ``TSUCHI_API_TOKEN``.

Exit status: 0 when the server imported the package, 1 when it refused it (see the per-file
report), 2 when the input is unusable or the server cannot be reached or refuses the token.
"""

from __future__ import annotations

import argparse
import json
import os
import ssl
import sys
import tempfile
import urllib.error
import urllib.request
import zipfile
from pathlib import Path
from typing import IO, Any

TOKEN_ENV = "TSUCHI_API_TOKEN"  # noqa: S105  (the variable's name, not a secret)
REPORT_NAME = "report.json"
TIMEOUT_SECONDS = 600


def register(subparsers: Any) -> None:
    """Add the ``upload`` subcommand."""
    parser = subparsers.add_parser(
        "upload",
        help="upload signed notices to the server",
        description=(
            "Send every PDF in DIR and the report.json of tsuchi prepare to the server, which "
            "verifies each file and imports all of them or none. The API token is read from "
            f"--token or ${TOKEN_ENV}. Exit status 0: imported; 1: refused (see the report); "
            "2: unusable input, connection error or token refused."
        ),
    )
    parser.add_argument("directory", type=Path, metavar="DIR", help="folder of signed PDFs")
    parser.add_argument("--server", required=True, metavar="URL", help="tsuchi staff server URL")
    parser.add_argument("--batch", required=True, type=int, metavar="ID", help="batch id")
    parser.add_argument(
        "--token", metavar="TOKEN", help=f"API token (default: ${TOKEN_ENV}, preferred)"
    )
    parser.add_argument(
        "--report",
        type=Path,
        metavar="JSON",
        help="report.json of tsuchi prepare (default: DIR/report.json, else DIR/../report.json)",
    )
    parser.add_argument("--cafile", type=Path, metavar="PEM", help="CA certificate(s) for HTTPS")
    parser.set_defaults(func=run)


def _find_report(directory: Path, given: Path | None) -> Path | None:
    if given is not None:
        return given
    for candidate in (directory / REPORT_NAME, directory.parent / REPORT_NAME):
        if candidate.is_file():
            return candidate
    return None


def build_package(pdfs: list[Path], report: Path | None, out: IO[bytes]) -> int:
    """Write the zip the server expects (the PDFs by file name, and ``report.json``) to
    ``out`` and return its size."""
    # PDFs are compressed already; storing them keeps the upload fast.
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as archive:
        for pdf in pdfs:
            archive.write(pdf, pdf.name)
        if report is not None:
            archive.write(report, REPORT_NAME, compress_type=zipfile.ZIP_DEFLATED)
    size = out.tell()
    out.seek(0)
    return size


def _print_report(document: dict[str, Any]) -> None:
    for problem in document.get("problems", []):
        print(f"package: {problem['code']}: {problem['message']}")
    for item in document.get("files", []):
        where = f" (notice {item['sequence']})" if item.get("sequence") is not None else ""
        if item.get("ok"):
            print(f"ok      {item['file']}{where}")
        for problem in item.get("problems", []):
            print(f"REFUSED {item['file']}{where}: {problem['code']}: {problem['message']}")
    counts = document.get("counts", {})
    status = document.get("status", "?")
    print(
        f"{status}: {counts.get('files', 0)} files, {counts.get('accepted', 0)} accepted, "
        f"{counts.get('refused', 0)} refused"
    )
    if status == "imported":
        print(f"electronic notices still unsigned: {document.get('electronic_unsigned', 0)}")


def run(args: argparse.Namespace) -> int:
    """Build the package, post it and print the server's report; return the exit status."""
    token = args.token or os.environ.get(TOKEN_ENV, "")
    if not token:
        print(f"tsuchi upload: give --token or set ${TOKEN_ENV}", file=sys.stderr)
        return 2
    directory: Path = args.directory
    if not directory.is_dir():
        print(f"tsuchi upload: {directory} is not a directory", file=sys.stderr)
        return 2
    pdfs = sorted(p for p in directory.iterdir() if p.is_file() and p.suffix.lower() == ".pdf")
    if not pdfs:
        print(f"tsuchi upload: no PDF in {directory}", file=sys.stderr)
        return 2
    report = _find_report(directory, args.report)
    if report is not None and not report.is_file():
        print(f"tsuchi upload: cannot read {report}", file=sys.stderr)
        return 2
    url = f"{args.server.rstrip('/')}/api/batches/{args.batch}/signed-package"
    if not url.startswith(("https://", "http://")):
        print("tsuchi upload: --server must be an http(s) URL", file=sys.stderr)
        return 2
    # The package is spooled to a temporary file, not memory: a batch can be gigabytes.
    with tempfile.TemporaryFile(prefix="tsuchi-upload-") as body:
        try:
            size = build_package(pdfs, report, body)
        except OSError as exc:
            print(f"tsuchi upload: cannot read the files: {exc.strerror}", file=sys.stderr)
            return 2
        print(
            f"uploading {len(pdfs)} PDFs"
            + (f" with {report}" if report else " without report.json")
        )
        request = urllib.request.Request(  # noqa: S310  (scheme checked above)
            url,
            data=body,
            method="POST",
            headers={
                "Authorization": f"Bearer {token}",
                "Content-Type": "application/zip",
                "Content-Length": str(size),
                "Accept": "application/json",
            },
        )
        return _send(request, args.cafile)


def _send(request: urllib.request.Request, cafile: Path | None) -> int:
    context = ssl.create_default_context(cafile=cafile) if cafile else None
    try:
        with urllib.request.urlopen(  # noqa: S310  (scheme checked above)
            request, timeout=TIMEOUT_SECONDS, context=context
        ) as response:
            status, payload = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, payload = exc.code, exc.read()
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        print(f"tsuchi upload: cannot reach the server: {reason}", file=sys.stderr)
        return 2
    try:
        document = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        print(f"tsuchi upload: the server answered HTTP {status} without a report", file=sys.stderr)
        return 2
    if status in (200, 422):
        _print_report(document)
        return 0 if status == 200 else 1
    message = document.get("message", "")
    print(f"tsuchi upload: HTTP {status}: {message}", file=sys.stderr)
    return 1 if status == 409 else 2
