"""Speed of `scoper build` against pandoc on the same brief, measured side by side.

    SCOPER_WITH_BENCH=1 scripts/setup.sh      # installs pandoc (Debian) and md2pdf
    .venv/bin/python bench/bench.py [BRIEF] [--runs N]

Each round runs every command once, in turn, so that a busy machine slows them all alike,
in an order shuffled each round (the same orders every time; `--fixed-order` for none);
the table gives the median and the fastest of the rounds, and the ratio of medians against
the targets set in the build and Word issues.
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
    parser.add_argument("brief", nargs="?", default=str(ROOT / "briefs" / "alcohol-harm.md"))
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument(
        "--fixed-order",
        action="store_true",
        help="run the commands in the same order every round (as before 30 November)",
    )
    args = parser.parse_args()
    compile_scoper()
    brief = Path(args.brief).resolve()
    if not shutil.which("pandoc"):
        print("bench: pandoc is not installed (SCOPER_WITH_BENCH=1 scripts/setup.sh)")
        return 1
    # pandoc runs WeasyPrint's command, from this environment, on its own HTML.
    os.environ["PATH"] = f"{BIN}{os.pathsep}{os.environ['PATH']}"
    scoper = str(BIN / "scoper")
    out = Path(tempfile.mkdtemp(prefix="scoper-bench-"))
    commands = {
        "scoper pdf": [scoper, "build", str(brief), "-o", str(out), "--format", "pdf"],
        "pandoc pdf": [
            "pandoc",
            "-s",
            str(brief),
            "-o",
            str(out / "p.pdf"),
            "--pdf-engine=weasyprint",
        ],
        "scoper html": [scoper, "build", str(brief), "-o", str(out), "--format", "html"],
        "pandoc html": ["pandoc", "-s", str(brief), "-o", str(out / "p.html")],
        "scoper docx": [scoper, "build", str(brief), "-o", str(out), "--format", "docx"],
        "pandoc docx": ["pandoc", "-s", str(brief), "-o", str(out / "p.docx")],
        "scoper --help": [scoper, "--help"],
    }
    for command in commands.values():  # warm the disk cache and compiled templates
        timed(command, brief.parent)
    times: dict[str, list[float]] = {name: [] for name in commands}
    orders = random.Random(0)  # the same orders on every run of the script
    for _ in range(args.runs):
        # Each round in an order of its own: a one-paper HTML build timed right after a
        # PDF build (two processes busy for a second) took 10% longer than right after
        # another HTML build (docs/performance.md), so no command may always follow the
        # same one.
        names = list(commands)
        if not args.fixed_order:
            orders.shuffle(names)
        for name in names:
            times[name].append(timed(commands[name], brief.parent))
    shutil.rmtree(out)

    subset = subprocess.run(
        [
            sys.executable,
            "-c",
            "import ctypes.util; print(ctypes.util.find_library('harfbuzz-subset'))",
        ],
        capture_output=True,
        text=True,
    ).stdout.strip()
    print(f"brief: {brief.relative_to(ROOT) if brief.is_relative_to(ROOT) else brief}")
    print(f"runs: {args.runs}; cores: {os.cpu_count()}; libharfbuzz-subset: {subset}")
    print(f"{'command':16} {'median s':>9} {'fastest s':>9}")
    median = {name: statistics.median(values) for name, values in times.items()}
    for name, values in times.items():
        print(f"{name:16} {median[name]:9.3f} {min(values):9.3f}")
    # The targets of the issues: the layout issue (#15) keeps a paper's PDF no slower than
    # pandoc's; the performance issue (#16) asks 0.8x of it, and 2.5x pandoc for HTML; the
    # Word issue (#12) 3x pandoc's .docx.
    checks = [
        ("pdf / pandoc (#15)", median["scoper pdf"] / median["pandoc pdf"], 1.0),
        ("pdf / pandoc (#16)", median["scoper pdf"] / median["pandoc pdf"], 0.8),
        ("html / pandoc (#16)", median["scoper html"] / median["pandoc html"], 2.5),
        ("docx / pandoc (#12)", median["scoper docx"] / median["pandoc docx"], 3.0),
    ]
    failed = False
    for label, ratio, target in checks:
        verdict = "ok" if ratio <= target else "OVER TARGET"
        failed |= ratio > target
        print(f"{label:26} {ratio:5.2f}x  (target <= {target:.2f}x) {verdict}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
