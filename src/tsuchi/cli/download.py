"""``tsuchi download``: fetch the prepared notices of a batch to sign them on this terminal.

The server prepared the notices; the terminal signs exactly those bytes (``tsuchi sign``) and
sends them back with ``tsuchi upload``, so the server can check each signed PDF against the
notice it prepared. The API token comes from ``--token`` or ``TSUCHI_API_TOKEN``.

Exit status: 0 when the notices were written, 1 when the server has nothing to sign yet (the
batch is not in review, or items are unresolved), 2 on a connection, token or file problem.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import ssl
import sys
import tempfile
import urllib.error
import urllib.request
import zipfile
from pathlib import Path
from typing import Any

from tsuchi.cli.upload import TIMEOUT_SECONDS, TOKEN_ENV

MANIFEST_NAME = "manifest.json"


def register(subparsers: Any) -> None:
    """Add the ``download`` subcommand."""
    parser = subparsers.add_parser(
        "download",
        help="download a batch's prepared notices to sign on this terminal",
        description=(
            "Write the batch's electronic notices that still need a signature into DIR "
            f"(with manifest.json). The API token is read from --token or ${TOKEN_ENV}."
        ),
    )
    parser.add_argument(
        "directory", type=Path, metavar="DIR", help="folder to write (new or empty)"
    )
    parser.add_argument("--server", required=True, metavar="URL", help="tsuchi staff server URL")
    parser.add_argument("--batch", required=True, type=int, metavar="ID", help="batch id")
    parser.add_argument("--token", metavar="TOKEN", help=f"API token (default: ${TOKEN_ENV})")
    parser.add_argument("--cafile", type=Path, metavar="PEM", help="CA certificate(s) for HTTPS")
    parser.set_defaults(func=run)


def _fail(message: str, code: int = 2) -> int:
    print(f"tsuchi download: {message}", file=sys.stderr)
    return code


def run(args: argparse.Namespace) -> int:
    """Fetch the package and unpack it into DIR; return the exit status."""
    token = args.token or os.environ.get(TOKEN_ENV, "")
    if not token:
        return _fail(f"give --token or set ${TOKEN_ENV}")
    directory: Path = args.directory
    if directory.exists() and any(directory.iterdir()):
        return _fail(f"{directory} is not empty")
    url = f"{args.server.rstrip('/')}/api/batches/{args.batch}/notices-to-sign"
    if not url.startswith(("https://", "http://")):
        return _fail("--server must be an http(s) URL")
    request = urllib.request.Request(  # noqa: S310  (scheme checked above)
        url, headers={"Authorization": f"Bearer {token}", "Accept": "application/zip"}
    )
    context = ssl.create_default_context(cafile=args.cafile) if args.cafile else None
    with tempfile.TemporaryFile(prefix="tsuchi-download-") as spool:
        try:
            with urllib.request.urlopen(  # noqa: S310  (scheme checked above)
                request, timeout=TIMEOUT_SECONDS, context=context
            ) as response:
                shutil.copyfileobj(response, spool)
        except urllib.error.HTTPError as exc:
            detail = _message(exc.read())
            return _fail(f"the server refused ({exc.code}): {detail}", 1 if exc.code == 409 else 2)
        except (urllib.error.URLError, OSError) as exc:
            return _fail(f"cannot reach the server: {getattr(exc, 'reason', exc)}")
        spool.seek(0)
        return _unpack(spool, directory)


def _message(payload: bytes) -> str:
    try:
        return str(json.loads(payload).get("message", ""))
    except ValueError:
        return ""


def _unpack(spool: Any, directory: Path) -> int:
    try:
        with zipfile.ZipFile(spool) as archive:
            names = archive.namelist()
            # Only plain file names: a package must not write outside DIR.
            if any(Path(name).name != name for name in names):
                return _fail("the package holds unexpected paths")
            directory.mkdir(parents=True, exist_ok=True)
            archive.extractall(directory)
    except zipfile.BadZipFile:
        return _fail("the server sent something that is not a zip package")
    count = sum(1 for name in names if name.endswith(".pdf"))
    print(f"{count} notices to sign written to {directory} (with {MANIFEST_NAME})")
    return 0
