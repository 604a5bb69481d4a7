"""Speed of checking 100 briefs (target: `scoper check` under a second, wall clock on an
idle machine).

    .venv/bin/python bench/bench_check.py [--briefs 100]

The briefs are the examples, copied with distinct refs. The command figure is `scoper check`
as a user runs it, start-up included, reading the briefs in one process a core; the
in-process figure is `load_files` alone, after the imports, in one process (what `build`
and `pack` pay).
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import compile_scoper  # noqa: E402
from bench.corpus import make_briefs  # noqa: E402
from scoper.check import CheckContext  # noqa: E402
from scoper.config import Config  # noqa: E402
from scoper.load import load_files  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--briefs", type=int, default=100)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    compile_scoper()
    folder = Path(tempfile.mkdtemp(prefix="scoper-bench-check-"))
    paths = make_briefs(folder, args.briefs)
    context = CheckContext(today=dt.date(2026, 11, 28))
    in_process, cpu, command = [], [], []
    for _ in range(args.runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        reports = load_files(paths, Config(), context)
        in_process.append(time.perf_counter() - start)
        # CPU time too: on a shared machine the wall clock counts other people's work.
        cpu.append(time.process_time() - start_cpu)
        start = time.perf_counter()
        subprocess.run(
            [
                str(Path(sys.executable).parent / "scoper"),
                "check",
                str(folder),
                "--today",
                "2026-11-28",
            ],
            check=True,
            capture_output=True,
        )
        command.append(time.perf_counter() - start)
    shutil.rmtree(folder)
    problems = sum(len(r.problems) for r in reports)
    print(f"briefs: {len(paths)}; problems found: {problems}; runs: {args.runs}")
    print(
        f"load_files, in process: median {statistics.median(in_process):.3f} s, "
        f"fastest {min(in_process):.3f} s; CPU time median {statistics.median(cpu):.3f} s"
    )
    print(
        f"scoper check, whole command: median {statistics.median(command):.3f} s, "
        f"fastest {min(command):.3f} s"
    )
    verdict = "ok" if statistics.median(command) < 1.0 else "OVER TARGET"
    print(f"target: scoper check of {len(paths)} briefs under 1 s: {verdict}")
    return 0 if verdict == "ok" else 1


if __name__ == "__main__":
    sys.exit(main())
