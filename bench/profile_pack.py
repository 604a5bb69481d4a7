"""Where the time of a pack goes: the figures behind docs/performance.md.

    .venv/bin/python bench/profile_pack.py [--briefs 40]

Makes a batch of varied briefs (bench/corpus.py) and runs `scoper pack` on it twice, cold
and with one brief changed, in this process, printing:
- a timeline: the moment each line of the pack's progress appears;
- the CPU time of this process (reading, checking, HTML, assembly) and of the renderer
  processes (every paper, part and stamp laid out);
- with ``--functions``, this process's functions that took the most time (cProfile,
  scoper's own; the renderers, forked from it, are then profiled too and run slower);
- how one paper's render divides between WeasyPrint's stages and scoper's repair pass.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import compile_scoper  # noqa: E402
from bench.corpus import make_varied_briefs  # noqa: E402


class Timeline(io.TextIOBase):
    """Stands in for stderr: each line written is kept with the time it came."""

    def __init__(self, start: float) -> None:
        self.start = start
        self.lines: list[tuple[float, str]] = []
        self.partial = ""

    def write(self, text: str) -> int:
        self.partial += text
        while "\n" in self.partial:
            line, self.partial = self.partial.split("\n", 1)
            self.lines.append((time.perf_counter() - self.start, line))
        return len(text)


def run_pack(briefs: Path, out: Path, label: str, functions: bool) -> None:
    from scoper.cli import main

    argv = ["scoper", "pack", str(briefs), "--week", "2026-W48", "--today", "2026-11-28"]
    sys.argv = [*argv, "-o", str(out)]
    before_self = resource.getrusage(resource.RUSAGE_SELF)
    before_children = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    timeline = Timeline(start)
    profile = cProfile.Profile()
    saved, sys.stderr = sys.stderr, timeline  # type: ignore[assignment]
    if functions:
        profile.enable()
    try:
        main()
    except SystemExit:
        pass
    finally:
        profile.disable()
        sys.stderr = saved
    wall = time.perf_counter() - start
    after_self = resource.getrusage(resource.RUSAGE_SELF)
    after_children = resource.getrusage(resource.RUSAGE_CHILDREN)

    def cpu(after: resource.struct_rusage, before: resource.struct_rusage) -> float:
        return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)

    print(f"\n== {label}: {wall:.2f} s wall")
    papers = [(t, line) for t, line in timeline.lines if line.startswith("rendered b")]
    others = [(t, line) for t, line in timeline.lines if not line.startswith("rendered b")]
    if papers:
        print(f"  {papers[0][0]:7.2f} s  first paper rendered")
        print(f"  {papers[-1][0]:7.2f} s  last of {len(papers)} papers rendered")
    for moment, line in others:
        if "warning" not in line:
            print(f"  {moment:7.2f} s  {line[:90]}")
    print(
        f"  CPU: main process {cpu(after_self, before_self):.2f} s; "
        f"renderer processes {cpu(after_children, before_children):.2f} s"
    )
    if not functions:
        return
    text = io.StringIO()
    stats = pstats.Stats(profile, stream=text)
    stats.sort_stats("cumulative").print_stats(r"scoper/(?!cli)", 18)
    print("  main process, scoper's functions by cumulative time:")
    for line in text.getvalue().splitlines():
        if "/scoper/" in line:
            parts = line.split()
            print(f"    {float(parts[3]):6.2f} s  {parts[-1].split('/scoper/')[-1]}")


def profile_render(brief: Path) -> None:
    """One paper laid out (after a first, warming one), divided by stage."""
    from scoper.build import _context, paper_job
    from scoper.config import load_config
    from scoper.load import load_files
    from scoper.pdf import render
    from scoper.render.theme import theme_for

    config = load_config(brief.parent)
    [report] = load_files([brief], config, _context(config, None))
    assert report.brief is not None
    job = paper_job(report.brief, config, theme_for(config), report.problems)
    render.warm_up(job.html, job.roots)
    render.render_pdf(job.html, job.roots, job.title, job.created, job.variant)
    profile = cProfile.Profile()
    profile.enable()
    render.render_pdf(job.html, job.roots, job.title, job.created, job.variant)
    profile.disable()
    stats = pstats.Stats(profile)
    total = max(entry[3] for entry in stats.stats.values())  # type: ignore[attr-defined]
    stages = {
        "styles (CSS cascade)": "css/__init__.py:1866(get_all_computed_styles)",
        "boxes": "formatting_structure/build.py:52(build_formatting_structure)",
        "layout": "document.py:208(<listcomp>)",
        "drawing and PDF": "document.py:303(write_pdf)",
        "  of which tags": "pdf/tags.py:12(add_tags)",
        "  of which fonts": "pdf/fonts.py:308(build_fonts_dictionary)",
        "scoper's tag repair": "tagfix.py",
    }
    print(f"\n== one paper ({brief.name}), profiled: {total:.2f} s")
    for label, where in stages.items():
        spent = sum(
            entry[3]  # cumulative time
            for (path, line, name), entry in stats.stats.items()  # type: ignore[attr-defined]
            if f"{path}:{line}({name})".endswith(where)
            or (where == "tagfix.py" and path.endswith(where) and name == "repair")
        )
        print(f"  {label:24} {spent:6.2f} s  {100 * spent / total:5.1f}%")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--briefs", type=int, default=40)
    parser.add_argument("--functions", action="store_true", help="profile the main process")
    args = parser.parse_args()
    compile_scoper()
    work = Path(tempfile.mkdtemp(prefix="scoper-profile-"))
    briefs = work / "briefs"
    briefs.mkdir()
    paths = make_varied_briefs(briefs, args.briefs)
    run_pack(briefs, work / "out", f"cold pack of {args.briefs} briefs", args.functions)
    paths[5].write_text(paths[5].read_text().replace("## Summary", "## Summary\n\nRevised.", 1))
    run_pack(briefs, work / "out", "one brief changed", args.functions)
    profile_render(ROOT / "briefs" / "alcohol-harm.md")
    shutil.rmtree(work)
    return 0


if __name__ == "__main__":
    sys.exit(main())
