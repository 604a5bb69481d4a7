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
    roots: tuple[Path, ...]
    """The only folder the renderer may read."""
    title: str
    created: str
    """The brief's date, ISO 8601, for the PDF's metadata."""
    variant: str = "pdf/ua-1"
    """One of :data:`scoper.pdf.PDF_VARIANTS`."""
    attachments: tuple[tuple[str, bytes, str], ...] = ()
    """Source files to embed (pdf/a-3u): (file name, bytes, description)."""


@dataclass(frozen=True, slots=True)
class PdfOutcome:
    pdf: bytes | None
    """The PDF, or None when rendering failed."""
    warnings: list[str] = field(default_factory=list)
    """What the renderer logged."""
    error: str | None = None
    """Why rendering failed."""
    pages: int = 0
    anchors: dict[str, int] = field(default_factory=dict)
    """The 0-based page of each ``part-`` anchor (for the pack's contents)."""


DEFAULT_TIMEOUT = 120.0
"""Seconds one PDF may take before it is stopped (a paper takes well under one)."""


class RenderTimeout(Exception):
    pass


def _stop(signum: int, frame: object) -> None:
    raise RenderTimeout


def render_job(job: PdfJob, timeout: float = DEFAULT_TIMEOUT) -> PdfOutcome:
    """Render in this process, stopping after ``timeout`` seconds; failures become an
    outcome, since exceptions from inside the renderer need not survive being sent between
    processes."""
    import signal
    import threading

    from scoper.pdf.render import render_pdf

    # The layout is Python, so an alarm interrupts a runaway render (a pathological
    # table, say) between two steps; the worker process survives for the next job.
    timed = (
        hasattr(signal, "setitimer")
        and timeout > 0
        and threading.current_thread() is threading.main_thread()  # where signals arrive
    )
    if timed:
        previous = signal.signal(signal.SIGALRM, _stop)
        signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        rendered = render_pdf(
            job.html, job.roots, job.title, job.created, job.variant, job.attachments
        )
    except RenderTimeout:
        return PdfOutcome(None, [], f"stopped after {timeout:g} seconds: the layout ran away")
    except RecursionError:
        return PdfOutcome(None, [], "the document is nested too deeply to lay out")
    except Exception as error:  # any renderer failure is this paper's failure
        return PdfOutcome(None, [], f"{type(error).__name__}: {error}")
    finally:
        if timed:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
    return PdfOutcome(rendered.pdf, rendered.warnings, None, rendered.pages, rendered.anchors)


def _load_renderer() -> None:
    import scoper.pdf.render  # noqa: F401 - imported for its side effect: WeasyPrint is loaded


def _ready() -> None:
    """A first job, so that the workers start (and load the renderer) straight away."""


class PdfPool:
    """A pool of renderer processes; use as a context manager."""

    def __init__(self, workers: int, fork: bool = True) -> None:
        """``fork`` starts a worker in milliseconds; without it (in a process that already
        runs threads, where forking is unsafe) workers start a fresh Python."""
        methods = multiprocessing.get_all_start_methods()
        method = "fork" if fork and "fork" in methods else "spawn"
        context = multiprocessing.get_context(method)
        self._executor = ProcessPoolExecutor(
            max_workers=max(1, workers), mp_context=context, initializer=_load_renderer
        )
        self._executor.submit(_ready)

    def submit(self, job: PdfJob, timeout: float = DEFAULT_TIMEOUT) -> Future[PdfOutcome]:
        return self._executor.submit(render_job, job, timeout)

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
