"""A one-paper build now and at an earlier commit, side by side, with pandoc beside them.

    .venv/bin/python bench/bench_before.py [REF] [--brief BRIEF] [--format html] [--runs 25]

A change of a few milliseconds is lost between two runs of `bench/bench.py` on a shared
machine, whose speed moves by a fifth from one minute to the next. So this script checks
out REF (default: the commit before HEAD) into a temporary folder, and runs the command
of this working tree, the command of REF and pandoc once each, in an order shuffled each
round, RUNS times. The
command is this environment's `scoper`, with REF's package first on the path for "before".
It prints the median and the fastest of each, and their ratios to pandoc.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))

from bench import compile_scoper, timed  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("ref", nargs="?", default="HEAD~1")
    parser.add_argument("--brief", default=str(ROOT / "briefs" / "alcohol-harm.md"))
    parser.add_argument("--format", default="html", choices=["html", "pdf", "docx"])
    parser.add_argument("--runs", type=int, default=25)
    args = parser.parse_args()
    if not shutil.which("pandoc"):
        print("bench: pandoc is not installed (SCOPER_WITH_BENCH=1 scripts/setup.sh)")
        return 1
    brief = Path(args.brief).resolve()
    scratch = Path(tempfile.mkdtemp(prefix="scoper-before-"))
    before = scratch / "before"
    out = scratch / "out"
    try:
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(before), args.ref],
            check=True,
        )
        for package in (ROOT / "scoper", before / "scoper"):
            compile_scoper(package)
        now_env = dict(os.environ)
        before_env = dict(os.environ, PYTHONPATH=str(before))
        command = [str(BIN / "scoper"), "build", str(brief), "-o", str(out)]
        command += ["--format", args.format]
        pandoc = ["pandoc", "-s", str(brief), "-o", str(out / f"pandoc.{args.format}")]
        if args.format == "pdf":
            pandoc.append("--pdf-engine=weasyprint")
            now_env["PATH"] = before_env["PATH"] = f"{BIN}{os.pathsep}{os.environ['PATH']}"
        runs: dict[str, tuple[list[str], dict[str, str]]] = {
            "now": (command, now_env),
            f"before ({args.ref})": (command, before_env),
            "pandoc": (pandoc, now_env),
        }
        times: dict[str, list[float]] = {name: [] for name in runs}
        for argv, env in runs.values():  # warm the disk cache and the user cache
            timed(argv, brief.parent, env)
        orders = random.Random(0)
        for _ in range(args.runs):
            names = list(runs)
            orders.shuffle(names)  # no command always after the same one (bench/bench.py)
            for name in names:
                argv, env = runs[name]
                times[name].append(timed(argv, brief.parent, env))
    finally:
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(before)],
            check=False,
            capture_output=True,
        )
        shutil.rmtree(scratch, ignore_errors=True)
    median = {name: statistics.median(values) for name, values in times.items()}
    print(f"brief: {brief.name}; format: {args.format}; runs: {args.runs}")
    print(f"{'command':<24}{'median ms':>10}{'fastest ms':>11}{'/ pandoc':>10}")
    for name, values in times.items():
        ratio = median[name] / median["pandoc"]
        print(f"{name:<24}{median[name] * 1000:>10.1f}{min(values) * 1000:>11.1f}{ratio:>9.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
