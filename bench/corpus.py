"""Briefs for the benchmarks: copies of the examples, each with its own ref."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def make_briefs(folder: Path, count: int) -> list[Path]:
    """``count`` briefs in ``folder``, all dated in 2026-W48, with the examples' images."""
    examples = sorted((ROOT / "briefs").glob("*.md"))
    shutil.copytree(ROOT / "briefs" / "images", folder / "images")
    paths = []
    for number in range(count):
        source = examples[number % len(examples)]
        text = re.sub(r"^ref: .*$", f"ref: BENCH-{number:03d}", source.read_text(), flags=re.M)
        path = folder / f"b{number:03d}-{source.name}"
        path.write_text(text)
        paths.append(path)
    return paths
