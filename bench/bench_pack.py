"""Speed of `scoper pack` on 40 briefs, against `md2pdf -W 2` making 40 PDFs of the same
files, side by side in one run.

    SCOPER_WITH_BENCH=1 scripts/setup.sh          # md2pdf, in .venv
    .venv/bin/python bench/bench_pack.py [--briefs 40] [--runs 3]

Measures a cold pack (empty output folder), a rebuild with nothing changed, a rebuild with
one brief changed, and the peak memory of the cold pack (the largest resident size of any
one of its processes, and of all of them together).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent

from bench.corpus import make_briefs  # noqa: E402


def timed(command: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, capture_output=True)
    return time.perf_counter() - start


def peak_memory_mb(command: list[str], cwd: Path) -> float:
    """The largest resident size of any one process of the command (the main process or
    one of its renderer workers, of which there are as many as cores)."""
    code = (
        "import resource, subprocess; "
        f"subprocess.run({command!r}, cwd={str(cwd)!r}, check=True, capture_output=True); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    done = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    return int(done.stdout.strip()) / 1024


def snapshot_comparison(path: Path) -> float:
    """Seconds to read two snapshots of the pack and compare them, every paper's summary
    and recommendation changed (so every paper gets its redline): the median of five."""
    from dataclasses import replace

    from scoper.pack.changes import compare
    from scoper.pack.snapshot import parse_snapshot, read_snapshot

    old = read_snapshot(path)
    edited = replace(
        old,
        papers=[
            replace(
                paper,
                summary=paper.summary.replace(" the ", " a ", 3) + " Revised this week.",
                recommendation="Agree the pilots in five areas.",
            )
            for paper in old.papers
        ],
    )
    data = edited.to_json()
    times = []
    for _ in range(5):
        start = time.perf_counter()
        changes = compare(read_snapshot(path), parse_snapshot(data))
        times.append(time.perf_counter() - start)
    assert len(changes.changed) == len(old.papers)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--briefs", type=int, default=40)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    md2pdf = shutil.which("md2pdf", path=str(BIN)) or shutil.which("md2pdf")
    if not md2pdf:
        print("bench: md2pdf is not installed (SCOPER_WITH_BENCH=1 scripts/setup.sh)")
        return 1
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "scoper")], check=True)
    work = Path(tempfile.mkdtemp(prefix="scoper-bench-pack-"))
    briefs = work / "briefs"
    briefs.mkdir()
    paths = make_briefs(briefs, args.briefs)
    scoper = [
        str(BIN / "scoper"),
        "pack",
        str(briefs),
        "--week",
        "2026-W48",
        "--today",
        "2026-11-28",
        "-o",
    ]
    peer = [md2pdf, "-W", "2"] + [arg for path in paths for arg in ("-i", str(path))]

    cold, unchanged, one_changed, peer_times = [], [], [], []
    for run in range(args.runs):
        out = work / f"out{run}"
        peer_times.append(timed(peer, briefs))
        cold.append(timed([*scoper, str(out)], work))
        unchanged.append(timed([*scoper, str(out)], work))
        target = paths[run % len(paths)]
        target.write_text(
            target.read_text().replace("## Summary", f"## Summary\n\nRevision {run}.", 1)
        )
        one_changed.append(timed([*scoper, str(out)], work))
    largest = peak_memory_mb([*scoper, str(work / "out-memory")], work)
    compare_s = snapshot_comparison(work / "out0" / "pack-2026-W48.snapshot.json")
    pages = len(__import__("pypdf").PdfReader(work / "out0" / "pack-2026-W48.pdf").pages)
    shutil.rmtree(work)

    median = statistics.median
    print(f"briefs: {args.briefs}; pack pages: {pages}; runs: {args.runs}")
    print(f"{'command':34} {'median s':>9} {'fastest s':>9}")
    rows = [
        ("md2pdf -W 2 (40 PDFs)", peer_times),
        ("scoper pack, cold", cold),
        ("scoper pack, nothing changed", unchanged),
        ("scoper pack, one brief changed", one_changed),
    ]
    for label, values in rows:
        print(f"{label:34} {median(values):9.3f} {min(values):9.3f}")
    checks = [
        ("cold / md2pdf -W 2", median(cold) / median(peer_times), 1.25),
        ("nothing changed / cold", median(unchanged) / median(cold), 0.05),
        ("one brief changed / cold", median(one_changed) / median(cold), 0.60),
    ]
    failed = False
    for label, ratio, target in checks:
        verdict = "ok" if ratio <= target else "OVER TARGET"
        failed |= ratio > target
        print(f"{label:26} {ratio:6.3f}  (target <= {target:.2f}) {verdict}")
    verdict = "ok" if compare_s <= 0.3 else "OVER TARGET"
    failed |= compare_s > 0.3
    print(
        f"snapshot comparison, {args.briefs} papers: {compare_s:.4f} s "
        f"(median of 5; target <= 0.30 s) {verdict}"
    )
    processes = 1 + (os.cpu_count() or 1)
    total = largest * processes
    verdict = "ok" if total <= 800 else "OVER TARGET"
    failed |= total > 800
    print(
        f"peak memory: largest process {largest:.0f} MB; at most {processes} processes, "
        f"so at most {total:.0f} MB in all (target <= 800 MB) {verdict}"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
