"""Briefs for the benchmarks.

``make_briefs`` copies the examples, each with its own ref. ``make_varied_briefs`` makes a
batch like a real week's: each brief is an example shrunk or grown (its paragraphs, items,
partners and table rows cut or repeated) to between two and about twelve pages, the sizes
spread evenly, the same batch on every run.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SIZES = (0.1, 0.4, 0.8, 1.0, 1.4, 1.8, 2.4, 3.0, 4.0, 5.0)
"""How much of an example each brief holds, in turn: from a two-page paper (the title block,
the summary and one of everything) to one of about twelve pages."""

_PLACES = ("Leeds", "Bristol", "Derby", "Norwich", "Exeter", "Wigan", "Hull", "Luton")


def make_briefs(folder: Path, count: int) -> list[Path]:
    """``count`` briefs in ``folder``, all dated in 2026-W48, with the examples' images."""
    return _write(folder, count, lambda text, number: text)


def make_varied_briefs(folder: Path, count: int) -> list[Path]:
    """``count`` briefs of varied sizes (see :data:`SIZES`), dated in 2026-W48."""

    def change(text: str, number: int) -> str:
        # Under review: a final paper with a warning would be an error, and a draft carries
        # a watermark and a QA box that a week's pack mostly does not.
        text = re.sub(r"^status: .*$", "status: review", text, flags=re.M)
        return scaled(text, SIZES[number % len(SIZES)])

    return _write(folder, count, change)


def _write(folder: Path, count: int, change: object) -> list[Path]:
    examples = sorted((ROOT / "briefs").glob("*.md"))
    shutil.copytree(ROOT / "briefs" / "images", folder / "images", dirs_exist_ok=True)
    paths = []
    for number in range(count):
        source = examples[number % len(examples)]
        text = re.sub(r"^ref: .*$", f"ref: BENCH-{number:03d}", source.read_text(), flags=re.M)
        text = change(text, number)  # type: ignore[operator]
        path = folder / f"b{number:03d}-{source.name}"
        path.write_text(text)
        paths.append(path)
    return paths


def scaled(text: str, factor: float) -> str:
    """The brief with each section's paragraphs, list items and table rows cut to the first
    ``factor`` of them (one at least), or repeated up to it; repeated partners are named
    after a place, so each stays one organisation."""
    _, front, body = text.split("---\n", 2)
    sections = re.split(r"(?m)^(?=## )", body)
    out = [f"---\n{front}---\n", sections[0]]
    for position, section in enumerate(sections[1:]):
        heading, _, rest = section.partition("\n")
        if position == 0:  # the summary: a long one is a warning of its own
            out.append(section)
            continue
        kinds: dict[str, list[str]] = {"item": [], "row": [], "para": []}
        head: list[str] = []
        for kind, block in _blocks(rest):
            if kind == "head":
                head.append(block)
            else:
                kinds[kind].append(block)
        parts = [heading + "\n"]
        for kind in ("para", "item", "row"):
            blocks = kinds[kind]
            if not blocks:
                continue
            wanted = max(1, round(len(blocks) * factor))
            grown = [_copy(blocks[i % len(blocks)], i // len(blocks)) for i in range(wanted)]
            if kind == "row":
                parts.append("\n" + "".join(head) + "".join(grown))
            elif kind == "item":
                parts.append("\n" + "".join(grown))
            else:
                parts.append("".join("\n" + block for block in grown))
        out.append("".join(parts) + "\n")
    return "".join(out)


def _blocks(text: str) -> list[tuple[str, str]]:
    """A section's paragraphs, top-level list items (with their sub-items) and table rows."""
    found: list[tuple[str, str]] = []
    lines = text.splitlines(keepends=True)
    index = 0
    while index < len(lines):
        line = lines[index]
        if not line.strip():
            index += 1
        elif line.startswith("|"):
            is_head = not any(kind == "head" for kind, _ in found)
            if is_head:
                found.append(("head", line + lines[index + 1]))
                index += 2
            else:
                found.append(("row", line))
                index += 1
        elif line.startswith(("- ", "* ")):
            block = [line]
            index += 1
            while index < len(lines) and lines[index].startswith(("  ", "\t")):
                block.append(lines[index])
                index += 1
            found.append(("item", "".join(block)))
        else:
            block = []
            while index < len(lines) and lines[index].strip():
                block.append(lines[index])
                index += 1
            found.append(("para", "".join(block)))
    return found


def _copy(block: str, round_: int) -> str:
    if round_ == 0:
        return block
    place = _PLACES[(round_ - 1) % len(_PLACES)]
    # A repeated partner is another organisation, named unlike the first so that the
    # checks do not take it for a misspelling: "**Co-op Group (Leeds City Region)**".
    return re.sub(r"^- \*\*(.+?)\*\*", rf"- **\1 ({place} City Region)**", block, count=1)
