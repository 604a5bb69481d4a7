"""Rendering PDFs in worker processes.

WeasyPrint's layout is CPU-bound Python, so papers render side by side only in separate
processes. Each worker imports WeasyPrint as soon as it starts, while the main process is
still reading and parsing the briefs, so that import (a third of a second) overlaps work the
main process has to do anyway.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType


@dataclass(frozen=True, slots=True)
class PdfJob:
    """What a worker needs to render one paper."""

    html: str
    """The paper's HTML for print (fonts as theme files, images as data: URIs)."""
    theme_dir: Path
    """The only folder the renderer may read."""
    title: str
    created: str
    """The brief's date, ISO 8601, for the PDF's metadata."""


@dataclass(frozen=True, slots=True)
class PdfOutcome:
    pdf: bytes | None
    """The PDF, or None when rendering failed."""
    warnings: list[str] = field(default_factory=list)
    """What the renderer logged."""
    error: str | None = None
    """Why rendering failed."""


def render_job(job: PdfJob) -> PdfOutcome:
    """Render in this process; failures become an outcome, since exceptions from inside the
    renderer need not survive being sent between processes."""
    from scoper.pdf import render_pdf

    try:
        pdf, warnings = render_pdf(job.html, job.theme_dir, job.title, job.created)
    except Exception as error:  # any renderer failure is this paper's failure
        return PdfOutcome(None, [], f"{type(error).__name__}: {error}")
    return PdfOutcome(pdf, warnings)


def _load_renderer() -> None:
    import scoper.pdf  # noqa: F401 - imported for its side effect: WeasyPrint is loaded


def _ready() -> None:
    """A first job, so that the workers start (and load the renderer) straight away."""


class PdfPool:
    """A pool of renderer processes; use as a context manager."""

    def __init__(self, workers: int) -> None:
        methods = multiprocessing.get_all_start_methods()
        # fork starts a worker in milliseconds; spawn would re-import Python from scratch.
        context = multiprocessing.get_context("fork" if "fork" in methods else None)
        self._executor = ProcessPoolExecutor(
            max_workers=max(1, workers), mp_context=context, initializer=_load_renderer
        )
        self._executor.submit(_ready)

    def submit(self, job: PdfJob) -> Future[PdfOutcome]:
        return self._executor.submit(render_job, job)

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> PdfPool:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
