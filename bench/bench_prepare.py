"""Benchmark ``prepare_batch`` against the floor of what any split + text extraction costs.

For a generated batch of ``--count`` notices (cached under ``var/bench/``; generated once with
``tsuchi samples``) this measures, each in a fresh process so peak memory is its own:

- ``prepare``: :func:`tsuchi.core.prepare.prepare_batch` (split, extract, reconcile, sort,
  print file, reports) with ``--workers`` processes (default: one per CPU);
- ``floor``: the bare minimum over the same file in one process: each notice's pages copied
  into its own file with streams preserved (no decode, no recompression) — with pikepdf, and
  again with pdfium, which tsuchi uses — plus pypdfium2 reading every page's text. Nothing
  else: no field extraction, no reconciliation, no print file, no reports.

It prints pages/s, the ratio prepare/floor (goal ≤ 2 with both cores), and peak memory of the
process tree (parent's RSS high-water plus the workers', from ``getrusage``) for a ``--small``
batch and the full one (goal: the full one ≤ 1.5× the small one).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "var" / "bench"


def samples(count: int, seed: int, layout: str) -> Path:
    """Folder of a generated sample batch, generated on first use and cached."""
    folder = CACHE / f"samples-{layout}-{count}-seed{seed}"
    if (folder / "truth.json").is_file():
        return folder
    partial = folder.with_name(folder.name + ".part")
    shutil.rmtree(partial, ignore_errors=True)
    command = [sys.executable, "-m", "tsuchi.cli.main", "samples", "--count", str(count)]
    command += ["--seed", str(seed), "--layout", layout, "--out", str(partial)]
    print(f"generating {count} {layout} notices (seed {seed}) …", flush=True)
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    partial.rename(folder)
    return folder


def _peak_kib() -> tuple[int, int]:
    """RSS high-water of this process and of its largest finished child, in KiB (Linux)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return own, children


class TreeSampler:
    """Samples the resident memory of this process and all its descendants (Linux ``/proc``).

    ``getrusage`` gives each process's own high-water mark, not the peak of their sum; workers
    run at the same time as the parent, so the tree's real peak is sampled here.
    """

    def __init__(self, interval: float = 0.02) -> None:
        self.interval = interval
        self.peak_kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> TreeSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_kib = max(self.peak_kib, sum(_rss_kib(pid) for pid in _tree(os.getpid())))
            self._stop.wait(self.interval)


def _tree(pid: int) -> list[int]:
    pids = [pid]
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children = (task / "children").read_text().split()
        except OSError:
            continue
        for child in children:
            pids.extend(_tree(int(child)))
    return pids


def _rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def measure_prepare(sample: Path, profile_path: Path, workers: int | None) -> dict[str, Any]:
    """Run prepare_batch once (in this process) and return its figures."""
    from tsuchi.core.prepare import prepare_batch
    from tsuchi.core.profiles import load_profile

    profile = load_profile(profile_path)
    out_parent = Path(tempfile.mkdtemp(prefix="bench-prepare-", dir=CACHE))
    try:
        with TreeSampler() as sampler:
            start = time.perf_counter()
            result = prepare_batch(
                sample / "batch.pdf",
                sample / "applications.csv",
                profile,
                out_parent / "out",
                workers=workers,
            )
            seconds = time.perf_counter() - start
    finally:
        shutil.rmtree(out_parent, ignore_errors=True)
    own, children = _peak_kib()
    pages = max(page for notice in result.notices for page in notice.pages)
    return {
        "seconds": seconds,
        "pages": pages,
        "notices": len(result.notices),
        "workers": workers or os.cpu_count() or 1,
        "own_kib": own,
        "worker_kib": children,
        "tree_kib": sampler.peak_kib,
        "counts": dict(result.counts),
    }


def measure_floor(sample: Path, splitter: str) -> dict[str, Any]:
    """Split each notice into its own file and read every page's text with pypdfium2.

    ``splitter`` ``pikepdf``: pages appended to a new pikepdf document, saved with streams
    preserved (no decode, no recompression); the source's pages are iterated in order because
    indexing ``Pdf.pages`` costs time proportional to the page number. ``pdfium``: the pages
    imported into a new pdfium document and saved (what ``write_notice`` does).
    """
    import pikepdf
    import pypdfium2 as pdfium

    truth = json.loads((sample / "truth.json").read_text(encoding="utf-8"))
    starts = {n["first_page"]: n["page_count"] for n in truth["notices"]}
    out = Path(tempfile.mkdtemp(prefix="bench-floor-", dir=CACHE))
    try:
        start = time.perf_counter()
        if splitter == "pikepdf":
            with pikepdf.open(sample / "batch.pdf") as source:
                group: list[pikepdf.Page] = []
                first = 1
                for number, page in enumerate(source.pages, start=1):
                    if number in starts and group:
                        _save_pikepdf(group, out / f"{first:07d}.pdf")
                        group, first = [], number
                    group.append(page)
                _save_pikepdf(group, out / f"{first:07d}.pdf")
        else:
            source = pdfium.PdfDocument(sample / "batch.pdf")
            try:
                for first, count in starts.items():
                    single = pdfium.PdfDocument.new()
                    single.import_pages(source, list(range(first - 1, first - 1 + count)))
                    single.save(out / f"{first:07d}.pdf")
                    single.close()
            finally:
                source.close()
        split_seconds = time.perf_counter() - start
        document = pdfium.PdfDocument(sample / "batch.pdf")
        try:
            pages = len(document)
            for index in range(pages):
                page = document[index]
                textpage = page.get_textpage()
                textpage.get_text_range()
                textpage.close()
                page.close()
        finally:
            document.close()
        seconds = time.perf_counter() - start
    finally:
        shutil.rmtree(out, ignore_errors=True)
    own, children = _peak_kib()
    return {
        "seconds": seconds,
        "split_seconds": split_seconds,
        "text_seconds": seconds - split_seconds,
        "pages": pages,
        "notices": len(starts),
        "own_kib": own,
        "worker_kib": children,
    }


def _save_pikepdf(pages: list[Any], path: Path) -> None:
    import pikepdf

    with pikepdf.new() as single:
        single.pages.extend(pages)
        single.save(
            path,
            stream_decode_level=pikepdf.StreamDecodeLevel.none,
            compress_streams=False,
        )


def _run_measurement(what: str, sample: Path, args: argparse.Namespace) -> dict[str, Any]:
    # A fresh interpreter per measurement, so each peak-memory figure is its own.
    command = [sys.executable, "-m", "bench.bench_prepare", "--measure", what]
    command += ["--sample", str(sample), "--profile", str(args.profile)]
    if args.workers:
        command += ["--workers", str(args.workers)]
    done = subprocess.run(command, check=True, capture_output=True, text=True, cwd=ROOT)
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def _tree_mib(figures: dict[str, Any]) -> float:
    # Sampled peak of the whole tree; the processes' own high-water marks do not peak together.
    return float(figures["tree_kib"]) / 1024


def main(argv: Sequence[str] | None = None) -> None:
    """Measure prepare and the floor; print pages/s, the ratio and peak memory."""
    parser = argparse.ArgumentParser(prog="python -m bench prepare", description=__doc__)
    parser.add_argument("--count", type=int, default=10_000, help="notices (default 10000)")
    parser.add_argument("--small", type=int, default=1_000, help="small batch for memory")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--layout", default="nursery", choices=("nursery", "allowance"))
    parser.add_argument("--profile", type=Path, default=None, help="default profiles/<layout>")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument(
        "--measure", choices=("prepare", "floor-pikepdf", "floor-pdfium"), help=argparse.SUPPRESS
    )
    parser.add_argument("--sample", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.profile is None:
        args.profile = ROOT / "profiles" / f"{args.layout}.toml"
    CACHE.mkdir(parents=True, exist_ok=True)

    if args.measure == "prepare":
        print(json.dumps(measure_prepare(args.sample, args.profile, args.workers)))
        return
    if args.measure in ("floor-pikepdf", "floor-pdfium"):
        print(json.dumps(measure_floor(args.sample, args.measure.removeprefix("floor-"))))
        return

    big = samples(args.count, args.seed, args.layout)
    small = samples(args.small, args.seed, args.layout)
    print(f"prepare benchmark: {args.layout}, seed {args.seed}, {os.cpu_count()} CPUs", flush=True)
    rows = []
    for label, sample in ((f"{args.small} notices", small), (f"{args.count} notices", big)):
        prepared = _run_measurement("prepare", sample, args)
        rows.append((label, prepared))
        print(
            f"{label}: {prepared['pages']} pages\n"
            f"  prepare ({prepared['workers']} workers): {prepared['seconds']:.2f} s, "
            f"{prepared['pages'] / prepared['seconds']:.0f} pages/s, peak "
            f"{prepared['own_kib'] / 1024:.0f} MiB parent + {prepared['worker_kib'] / 1024:.0f}"
            f" MiB per worker (own high-water marks); sampled tree peak "
            f"{_tree_mib(prepared):.0f} MiB",
            flush=True,
        )
        for splitter in ("pikepdf", "pdfium"):
            floor = _run_measurement(f"floor-{splitter}", sample, args)
            print(
                f"  floor, 1 process ({splitter} split {floor['split_seconds']:.2f} s + "
                f"pypdfium2 text {floor['text_seconds']:.2f} s): {floor['seconds']:.2f} s, "
                f"{floor['pages'] / floor['seconds']:.0f} pages/s, peak "
                f"{floor['own_kib'] / 1024:.0f} MiB; prepare/floor "
                f"{prepared['seconds'] / floor['seconds']:.2f} (goal ≤ 2.0)",
                flush=True,
            )
    (_, small_run), (_, big_run) = rows
    growth = _tree_mib(big_run) / _tree_mib(small_run)
    print(
        f"peak memory {args.count} vs {args.small} notices: {_tree_mib(big_run):.0f} / "
        f"{_tree_mib(small_run):.0f} MiB = {growth:.2f}× (goal ≤ 1.5×)"
    )
    print(f"outcomes ({args.count}): {big_run['counts']}")


if __name__ == "__main__":
    main()
