"""Build papers: brief files in, HTML and PDF files out, with every problem reported.

Each brief is read and checked first (see scoper.check); a brief with errors produces
nothing and leaves any earlier output of it untouched, while the other briefs of the same
run are still built. Warnings are reported and do not stop a paper.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from msgspec import Struct, field

from scoper.brief.model import Brief
from scoper.check import CheckContext, qa_notes
from scoper.config import Config
from scoper.drawing import PictureFailed
from scoper.formats import FORMATS, Format
from scoper.load import FileReport, load_files
from scoper.output import output_path, write_atomic
from scoper.problems import Problem, problem
from scoper.render.theme import Theme, theme_for

if TYPE_CHECKING:
    from concurrent.futures import Future

    from scoper.brief.xref import PaperLinks

    # Process pools are imported only when a PDF is wanted: HTML-only work stays light.
    from scoper.pdf.pool import PdfJob, PdfOutcome, PdfPool


class BriefResult(Struct):
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


class _Pending(Struct):
    """A checked brief whose HTML is rendered and whose PDF may still be rendering."""

    result: BriefResult
    brief: Brief | None = None
    outputs: list[tuple[Path, bytes]] = field(default_factory=list)
    pdf_job: PdfJob | None = None
    pdf_target: Path | None = None


def _render(
    report: FileReport,
    config: Config,
    out_dir: Path,
    formats: frozenset[Format],
    theme: Theme,
    claimed: dict[str, Path],
    public: bool = False,
    known: Known | None = None,
) -> _Pending:
    pending = _Pending(BriefResult(report.path, problems=list(report.problems)))
    brief = report.brief
    if brief is None or not report.ok:
        return pending
    suffix = ""
    if public:
        from scoper.brief.public import PublicRefused, public_brief

        try:
            brief, suffix = public_brief(brief, config.public_marking), "public."
        except PublicRefused as refused:
            # This brief's error (its marking, or a mark its public version cannot
            # honour), like any other: the other briefs are still built.
            pending.result.problems.append(
                problem(
                    brief.path,
                    refused.line,
                    "public-refused",
                    f"no public version: {refused.reason}",
                )
            )
            return pending
    other = claimed.setdefault(brief.slug, report.path)
    if other != report.path:
        pending.result.problems.append(
            problem(
                brief.path,
                0,
                "output-clash",
                f"its papers would be named '{brief.slug}', like those of {other}; "
                "rename one of the files",
            )
        )
        return pending
    try:
        # A public version carries no QA box: the warnings may quote what it withholds.
        problems = [] if public else report.problems
        if "html" in formats:
            from scoper.render.html import render_html

            html = render_html(
                brief,
                config,
                target="screen",
                theme=theme,
                problems=problems,
                papers=known.html if known else None,
            )
            target = output_path(out_dir, brief.slug, suffix + "html")
            pending.outputs.append((target, html.encode("utf-8")))
        if "docx" in formats:
            from scoper.docx.paper import render_docx

            word = render_docx(
                brief,
                config,
                theme,
                qa=qa_notes(brief, problems),
                papers=known.docx if known else None,
            )
            pending.outputs.append((output_path(out_dir, brief.slug, suffix + "docx"), word))
        if "pdf" in formats:
            pending.pdf_job = paper_job(
                brief, config, theme, problems, known.pdf if known else None
            )
            pending.pdf_target = output_path(out_dir, brief.slug, suffix + "pdf")
    except PictureFailed as failed:  # a picture left blank is not a paper to send
        line = next((image.line for image in brief.images if image.src == failed.src), 0)
        pending.result.problems.append(problem(brief.path, line, "docx-failed", str(failed)))
        pending.outputs, pending.pdf_job = [], None
        return pending
    except Exception as error:  # a bug or a broken theme fails this brief, not the run
        pending.result.problems.append(
            problem(
                brief.path,
                0,
                "internal-error",
                f"the paper could not be made ({type(error).__name__}: {error}); "
                "please report this",
            )
        )
        pending.outputs, pending.pdf_job = [], None
        return pending
    pending.brief = brief
    return pending


def paper_job(
    brief: Brief,
    config: Config,
    theme: Theme,
    problems: Iterable[Problem] = (),
    papers: PaperLinks | None = None,
) -> PdfJob:
    """What a renderer needs to make a paper's PDF (with its Unit QA box from
    ``problems``, if it is a draft or under review; its ``ref:`` links to the files
    ``papers`` names)."""
    from scoper.pdf.pool import PdfJob
    from scoper.render.html import render_html

    attachments: tuple[tuple[str, bytes, str], ...] = ()
    if config.pdf_variant == "pdf/a-3u" and brief.withheld is not None:
        # A public record carries the public content, never the brief it was made from.
        import json

        from scoper.export import export_document

        data = json.dumps(export_document([(brief, [])]), indent=2, ensure_ascii=False)
        name = f"{brief.slug}.public.json"
        attachments = ((name, data.encode("utf-8"), "The public content of this paper"),)
    elif config.pdf_variant == "pdf/a-3u":
        # The record carries its own source: the brief, exactly as it was written.
        source = Path(brief.path)
        attachments = ((source.name, brief.source, "The brief this paper was made from"),)
    return PdfJob(
        html=render_html(
            brief, config, target="pdf", theme=theme, problems=problems, papers=papers
        ),
        roots=theme.roots,
        title=brief.meta.title,
        created=brief.meta.date.isoformat(),
        variant=config.pdf_variant,
        attachments=attachments,
    )


class Known(Struct, frozen=True):
    """The papers this run makes, for ``ref:`` links: each paper's HTML links to the
    others' HTML files beside it, its PDF to their PDFs."""

    html: PaperLinks
    pdf: PaperLinks
    docx: PaperLinks

    @classmethod
    def of(cls, reports: Iterable[FileReport], config: Config, public: bool) -> Known:
        from scoper.brief.xref import paper_links

        briefs = [r.brief for r in reports if r.ok and r.brief is not None]
        suffix = ""
        if public:
            from scoper.brief.public import refusal

            # A public paper links only to the others' public versions, by their public
            # titles; a paper with none is named by its ref alone.
            briefs = [b for b in briefs if refusal(b) is None]
            suffix = ".public"
        return cls(
            paper_links(briefs, suffix + ".html", public=public),
            paper_links(briefs, suffix + ".pdf", public=public),
            paper_links(briefs, suffix + ".docx", public=public),
        )


def _finish(pending: _Pending, outcome: PdfOutcome | None) -> BriefResult:
    result = pending.result
    if pending.brief is None:
        return result
    if outcome is not None and pending.pdf_target is not None:
        result.problems += [
            problem(pending.brief.path, 0, "pdf-warning", message) for message in outcome.warnings
        ]
        if outcome.pdf is None:
            result.problems.append(
                problem(
                    pending.brief.path, 0, "pdf-failed", f"PDF rendering failed: {outcome.error}"
                )
            )
            return result
        pending.outputs.append((pending.pdf_target, outcome.pdf))
    # Everything is rendered before anything is written, so a failure leaves no half-build.
    for target, data in pending.outputs:
        try:
            write_atomic(target, data)
        except OSError as error:
            reason = error.strerror or str(error)
            result.problems.append(
                problem(pending.brief.path, 0, "write-failed", f"cannot write {target}: {reason}")
            )
            return result
        result.written.append(target)
    result.brief = pending.brief
    return result


def _context(config: Config, today: dt.date | None) -> CheckContext:
    return CheckContext.for_config(config, today)


def build_one(
    path: Path,
    config: Config,
    out_dir: Path,
    formats: frozenset[Format] = frozenset(FORMATS),
    public: bool = False,
    theme: Theme | None = None,
    today: dt.date | None = None,
) -> BriefResult:
    """Check and build one brief, rendering its PDF in this process."""
    from scoper.pdf.pool import render_job

    [report] = load_files([path], config, _context(config, today))
    known = Known.of([report], config, public)
    pending = _render(
        report, config, out_dir, formats, theme or theme_for(config), {}, public, known
    )
    outcome = render_job(pending.pdf_job, config.pdf_timeout) if pending.pdf_job else None
    return _finish(pending, outcome)


def build_many(
    paths: list[Path],
    config: Config,
    out_dir: Path,
    formats: frozenset[Format] = frozenset(FORMATS),
    public: bool = False,
    theme: Theme | None = None,
    on_result: Callable[[BriefResult], None] | None = None,
    today: dt.date | None = None,
    pool: PdfPool | None = None,
    timeout: float | None = None,
) -> list[BriefResult]:
    """Check and build briefs, their PDFs rendering in parallel worker processes.

    Results come in the order of ``paths``; ``on_result`` is called as each is finished.
    A caller may pass a ``pool`` it started earlier (see scoper.cli.build); it is closed.
    """
    if timeout is not None:
        import msgspec

        # One time limit for the run: each PDF's, and the Word papers' drawings.
        config = msgspec.structs.replace(config, pdf_timeout=timeout)
    theme = theme or theme_for(config)
    if pool is None and "pdf" in formats and paths:
        from scoper.pdf.pool import PdfPool

        # Started first, so the workers load the renderer while the briefs are checked.
        pool = PdfPool(
            min(len(paths), os.cpu_count() or 1), papers=len(paths), repair_here=len(paths) == 1
        )
    try:
        reports = load_files(paths, config, _context(config, today))
        claimed: dict[str, Path] = {}
        known = Known.of(reports, config, public)
        queue: list[tuple[_Pending, Future[PdfOutcome] | None]] = []
        for report in reports:
            pending = _render(report, config, out_dir, formats, theme, claimed, public, known)
            future = (
                pool.submit(pending.pdf_job, timeout or config.pdf_timeout)
                if pool and pending.pdf_job
                else None
            )
            queue.append((pending, future))
        results = []
        for pending, future in queue:
            result = _finish(pending, future.result() if future else None)
            if on_result:
                on_result(result)
            results.append(result)
        return results
    finally:
        if pool:
            pool.close()
