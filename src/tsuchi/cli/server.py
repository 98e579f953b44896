"""``tsuchi run``: migrate, load the demo, and run the web server with its task worker.

``tsuchi manage ARGS`` passes through to Django's management commands.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

SETTINGS = "tsuchi.web.settings"


def register(subparsers: Any) -> None:
    """Add the ``run`` and ``manage`` subcommands."""
    run_parser = subparsers.add_parser("run", help="start the demo web server and task worker")
    run_parser.add_argument("--host", default=os.environ.get("TSUCHI_HOST", "127.0.0.1"))
    run_parser.add_argument("--port", type=int, default=int(os.environ.get("TSUCHI_PORT", "8000")))
    run_parser.add_argument("--no-demo", action="store_true", help="do not load demo data")
    run_parser.set_defaults(func=run)
    manage_parser = subparsers.add_parser("manage", help="run a Django management command")
    manage_parser.add_argument("arguments", nargs=argparse.REMAINDER)
    manage_parser.set_defaults(func=manage)


def _django(*arguments: str) -> list[str]:
    return [sys.executable, "-m", "django", *arguments, f"--settings={SETTINGS}"]


def manage(args: argparse.Namespace) -> int:
    """Run one Django management command and return its exit code."""
    return subprocess.call(_django(*args.arguments))


def run(args: argparse.Namespace) -> int:
    """Prepare the database and demo, start both processes, stop both on Ctrl-C."""
    steps = [_django("migrate", "--noinput", "-v", "0")]
    if not args.no_demo:
        steps.append(_django("load_demo"))
    for step in steps:
        if subprocess.call(step) != 0:
            return 1
    base = f"http://{args.host}:{args.port}"
    web = subprocess.Popen(_django("runserver", f"{args.host}:{args.port}", "--noreload"))
    worker = subprocess.Popen(_django("db_worker"))
    print(
        f"\ntsuchi is running.\n  Staff console: {base}/\n  Admin:         {base}/admin/\n"
        f"  Demo logins:   see above (also in {Path('var/demo-logins.txt')})\n"
        "Press Ctrl-C to stop the web server and the worker.\n",
        flush=True,
    )
    try:
        while web.poll() is None and worker.poll() is None:
            try:
                web.wait(timeout=1)
            except subprocess.TimeoutExpired:
                continue
    except KeyboardInterrupt:
        pass
    finally:
        for process in (web, worker):
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        for process in (web, worker):
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
    return 0
