"""Build papers: brief files in, HTML and PDF files out, with every problem reported.

A brief with errors produces nothing and leaves any earlier output of it untouched; the
other briefs of the same run are still built.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from scoper.config import Config
from scoper.model import Brief
from scoper.output import output_path, write_atomic
from scoper.problems import BriefInvalid, Problem
from scoper.render import render_html
from scoper.source import read_brief
from scoper.theme import default_theme_dir

Format = Literal["html", "pdf", "all"]


@dataclass(slots=True)
class BriefResult:
    """What happened to one brief."""

    path: Path
    brief: Brief | None = None
    """The model, when the brief was valid."""
    problems: list[Problem] = field(default_factory=list)
    """Errors and warnings, sorted by line."""
    written: list[Path] = field(default_factory=list)
    """The files written for it."""

    @property
    def ok(self) -> bool:
        return self.brief is not None and not any(p.severity == "error" for p in self.problems)


def build_one(
    path: Path,
    config: Config,
    out_dir: Path,
    fmt: Format = "all",
    theme_dir: Path | None = None,
    claimed: dict[str, Path] | None = None,
) -> BriefResult:
    """Build one brief. ``claimed`` maps output names already used in this run to briefs."""
    result = BriefResult(path)
    theme = theme_dir or default_theme_dir()
    try:
        brief = read_brief(path, default_classification=config.default_classification)
    except BriefInvalid as invalid:
        result.problems = invalid.problems
        return result
    result.problems = list(brief.warnings)
    if claimed is not None:
        other = claimed.setdefault(brief.slug, path)
        if other != path:
            result.problems.append(
                Problem(
                    brief.path,
                    0,
                    "error",
                    "B001",
                    "output-clash",
                    f"its papers would be named '{brief.slug}', like those of {other}; "
                    "rename one of the files",
                )
            )
            return result

    outputs: list[tuple[Path, bytes]] = []
    if fmt in ("html", "all"):
        html = render_html(brief, config, target="screen", theme_dir=theme)
        outputs.append((output_path(out_dir, brief.slug, "html"), html.encode("utf-8")))
    if fmt in ("pdf", "all"):
        from scoper.pdf import render_pdf

        pdf_html = render_html(brief, config, target="pdf", theme_dir=theme)
        try:
            pdf, messages = render_pdf(pdf_html, brief, theme)
        except Exception as error:
            result.problems.append(
                Problem(
                    brief.path, 0, "error", "B002", "pdf-failed", f"PDF rendering failed: {error}"
                )
            )
            return result
        result.problems += [
            Problem(brief.path, 0, "warning", "B003", "pdf-warning", message)
            for message in messages
        ]
        outputs.append((output_path(out_dir, brief.slug, "pdf"), pdf))

    # Everything is rendered before anything is written, so a failure leaves no half-build.
    for target, data in outputs:
        write_atomic(target, data)
        result.written.append(target)
    result.brief = brief
    return result


def build_many(
    paths: list[Path],
    config: Config,
    out_dir: Path,
    fmt: Format = "all",
    theme_dir: Path | None = None,
    on_result: Callable[[BriefResult], None] | None = None,
) -> list[BriefResult]:
    claimed: dict[str, Path] = {}
    results = []
    for path in paths:
        result = build_one(path, config, out_dir, fmt, theme_dir, claimed)
        if on_result:
            on_result(result)
        results.append(result)
    return results
