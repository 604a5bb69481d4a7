"""Speed of `scoper pack`, against `md2pdf -W 2` making PDFs of the same files, side by side
in one run, on a batch of briefs of varied sizes (two to twelve pages; bench/corpus.py).

    SCOPER_WITH_BENCH=1 scripts/setup.sh          # md2pdf and psutil, in .venv
    .venv/bin/python bench/bench_pack.py [--briefs 40] [--runs 3] [--growth 200] [--check 1000]

Measures, against the targets of the performance issue:
- a cold pack (empty output folder) against md2pdf on the same briefs, run in turn;
- a rebuild with nothing changed, and one with one brief changed, as shares of the cold;
- the peak memory of all the pack's processes together (sampled every 0.1 s), and of the
  largest one;
- growth: a cold pack of ``--growth`` briefs against the cold pack of ``--briefs``;
- ``scoper check`` of ``--check`` briefs.
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent

from bench import compile_scoper, timed  # noqa: E402
from bench.corpus import make_varied_briefs  # noqa: E402

TARGETS = {"cold": 1.0, "unchanged": 0.03, "one": 0.25, "growth": 5.5}
"""Ratios of medians: cold pack / md2pdf; nothing changed / cold; one brief changed / cold;
the larger batch's cold pack / the batch's."""
MEMORY_TARGET_MB = 800
CHECK_TARGET_S = 5.0


def timed_with_memory(command: list[str], cwd: Path) -> tuple[float, float, float]:
    """Seconds, and the peak resident memory (MB) of all the command's processes together
    and of the largest one, sampled every 0.1 s (more often, the sampling itself took 3% of
    the machine's time from the pack it measures; a render takes longer than 0.1 s)."""
    import psutil

    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak_total = peak_one = 0.0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak_total, peak_one
        root = psutil.Process(process.pid)
        while not done.is_set():
            try:
                tree = [root, *root.children(recursive=True)]
                sizes = []
                for member in tree:
                    with contextlib.suppress(psutil.Error):  # it ended meanwhile
                        sizes.append(member.memory_info().rss)
                peak_total = max(peak_total, sum(sizes) / 2**20)
                peak_one = max(peak_one, max(sizes, default=0) / 2**20)
            except psutil.Error:
                pass
            time.sleep(0.1)

    sampler = threading.Thread(target=sample)
    sampler.start()
    _, errors = process.communicate()
    done.set()
    sampler.join()
    seconds = time.perf_counter() - start
    if process.returncode:
        raise SystemExit(f"bench: {command[1]} failed: {errors.decode()[-2000:]}")
    return seconds, peak_total, peak_one


def verdict(label: str, value: float, target: float, unit: str = "") -> bool:
    ok = value <= target
    print(f"  {label:28} {value:8.3f}{unit}  (target <= {target:g}{unit}) {'ok' if ok else 'OVER'}")
    return ok


COMPARE_TARGET_S = 0.3
"""The snapshot comparison of the 'Changes since' page, for the briefs of one pack."""


def snapshot_comparison(path: Path) -> float:
    """Seconds to read two snapshots of the pack and compare them, every paper's summary
    and recommendation changed (so every paper gets its redline): the median of five."""
    from msgspec.structs import replace

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
    parser.add_argument("--growth", type=int, default=200, help="0 to skip")
    parser.add_argument("--check", type=int, default=1000, help="0 to skip")
    args = parser.parse_args()
    compile_scoper()
    md2pdf = shutil.which("md2pdf", path=str(BIN)) or shutil.which("md2pdf")
    if not md2pdf:
        print("bench: md2pdf is not installed (SCOPER_WITH_BENCH=1 scripts/setup.sh)")
        return 1
    work = Path(tempfile.mkdtemp(prefix="scoper-bench-pack-"))
    briefs = work / "briefs"
    briefs.mkdir()
    paths = make_varied_briefs(briefs, args.briefs)
    scoper = [str(BIN / "scoper"), "pack", "--week", "2026-W48", "--today", "2026-11-28"]
    peer = [md2pdf, "-W", "2"] + [arg for path in paths for arg in ("-i", str(path))]

    cold, unchanged, one_changed, peer_times, totals, largest = [], [], [], [], [], []
    for run in range(args.runs):
        out = work / f"out{run}"
        peer_times.append(timed(peer, briefs))
        seconds, total, one = timed_with_memory([*scoper, str(briefs), "-o", str(out)], work)
        cold.append(seconds)
        totals.append(total)
        largest.append(one)
        unchanged.append(timed([*scoper, str(briefs), "-o", str(out)], work))
        target = paths[run % len(paths)]
        target.write_text(
            target.read_text().replace("## Summary", f"## Summary\n\nRevision {run}.", 1)
        )
        one_changed.append(timed([*scoper, str(briefs), "-o", str(out)], work))
    from pypdf import PdfReader

    pages = len(PdfReader(work / "out0" / "pack-2026-W48.pdf").pages)
    compare_s = snapshot_comparison(work / "out0" / "pack-2026-W48.snapshot.json")

    median = statistics.median
    print(f"briefs: {args.briefs} of varied sizes; pack pages: {pages}; runs: {args.runs}")
    print(f"{'command':34} {'median s':>9} {'fastest s':>9}")
    for label, values in (
        ("md2pdf -W 2 (one PDF a brief)", peer_times),
        ("scoper pack, cold", cold),
        ("scoper pack, nothing changed", unchanged),
        ("scoper pack, one brief changed", one_changed),
    ):
        print(f"{label:34} {median(values):9.3f} {min(values):9.3f}")
    print("ratios of medians:")
    ok = verdict("cold / md2pdf -W 2", median(cold) / median(peer_times), TARGETS["cold"])
    ok &= verdict("nothing changed / cold", median(unchanged) / median(cold), TARGETS["unchanged"])
    ok &= verdict("one brief changed / cold", median(one_changed) / median(cold), TARGETS["one"])
    print(f"snapshot comparison, {args.briefs} papers: median of 5 {compare_s:.4f} s")
    ok &= verdict("snapshot comparison", compare_s, COMPARE_TARGET_S, " s")
    print(f"memory of the cold pack: largest process {max(largest):.0f} MB")
    ok &= verdict("all processes together", max(totals), MEMORY_TARGET_MB, " MB")

    if args.growth:
        many = work / "many"
        many.mkdir()
        make_varied_briefs(many, args.growth)
        seconds, total, one = timed_with_memory([*scoper, str(many), "-o", str(work / "m")], work)
        print(
            f"growth: cold pack of {args.growth} briefs {seconds:.3f} s; "
            f"largest process {one:.0f} MB"
        )
        ok &= verdict(
            f"{args.growth} / {args.briefs} briefs", seconds / median(cold), TARGETS["growth"]
        )
        ok &= verdict("all processes together", total, MEMORY_TARGET_MB, " MB")
    if args.check:
        folder = work / "check"
        folder.mkdir()
        make_varied_briefs(folder, args.check)
        command = [str(BIN / "scoper"), "check", str(folder), "--today", "2026-11-28"]
        times = [timed_checked(command, work) for _ in range(3)]
        print(f"scoper check of {args.check} briefs: median {median(times):.3f} s")
        ok &= verdict(f"check {args.check} briefs", median(times), CHECK_TARGET_S, " s")
    shutil.rmtree(work)
    return 0 if ok else 1


def timed_checked(command: list[str], cwd: Path) -> float:
    """Like :func:`timed`, for ``scoper check``, whose exit status is 1 when it finds errors."""
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, capture_output=True)
    return time.perf_counter() - start


if __name__ == "__main__":
    sys.exit(main())
