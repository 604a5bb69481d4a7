"""Rendering PDFs in worker processes.

WeasyPrint's layout is CPU-bound Python, so papers render side by side only in separate
processes. Each worker imports WeasyPrint as soon as it starts, while the main process is
still reading and parsing the briefs, so that import (a third of a second) overlaps work the
main process has to do anyway.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import signal
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from types import TracebackType

import msgspec
from msgspec import Struct, field


class PdfJob(Struct, frozen=True):
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
    length_only: bool = False
    """Laid out only to count its pages (the pack's front, early: its length moves every
    page number it prints): the outcome's PDF is empty, since none is written."""


class PdfOutcome(Struct, frozen=True):
    pdf: bytes | None
    """The PDF, or None when rendering failed."""
    warnings: list[str] = field(default_factory=list)
    """What the renderer logged."""
    error: str | None = None
    """Why rendering failed."""
    pages: int = 0
    anchors: dict[str, int] = field(default_factory=dict)
    """The 0-based page of each ``part-`` anchor (for the pack's contents)."""


DEFAULT_TIMEOUT = 30.0
"""Seconds one PDF may take before it is stopped: a paper takes well under one, a pack's
closing part a few."""
MAX_TIMEOUT = 3600.0
DEFAULT_MEMORY_MB = 1024
"""Megabytes of memory one render may take on top of the renderer's own; papers take
under 100."""


def render_job(
    job: PdfJob,
    timeout: float = DEFAULT_TIMEOUT,
    memory_mb: int = DEFAULT_MEMORY_MB,
    repaired: bool = True,
) -> PdfOutcome:
    """Render ``job`` in a child process of this one, ended after ``timeout`` seconds or
    when it takes more than ``memory_mb`` megabytes; every failure becomes an outcome.

    The limits are enforced from outside the renderer: an exception raised inside it (an
    alarm, say) can be caught by the renderer's own code (WeasyPrint's SVG drawing catches
    everything and leaves the image out), while a process that is killed stays killed.
    The child is forked, so it starts with the renderer loaded, in milliseconds.
    ``repaired``: as for :func:`scoper.pdf.render.render_pdf`.
    """
    if not hasattr(os, "fork"):  # Windows: no fork; the limits need a POSIX system
        return _render_here(job, repaired)
    if _warming:
        from scoper.pdf.render import warm_up

        warm_up(job.html, job.roots)
    import shutil
    import tempfile

    from scoper.forked import ChildFailed, Forked, TimedOut

    # The child's own temporary folder (WeasyPrint copies the theme's fonts into one), made
    # and removed here: a child killed at its limit cannot remove what it made.
    scratch = tempfile.mkdtemp(prefix="scoper-render-")

    def render() -> PdfOutcome:
        tempfile.tempdir = scratch
        from scoper import collect_less

        collect_less()  # the layout's own objects: most of its time otherwise
        _limit_memory(memory_mb)
        _limit_cpu(timeout)
        return _render_here(job, repaired)

    try:
        return Forked(render).result(timeout)
    except TimedOut:
        return PdfOutcome(None, [], f"stopped after {timeout:g} seconds: the layout ran away")
    except ChildFailed as failed:
        return PdfOutcome(
            None,
            [],
            f"the renderer stopped ({failed}): the paper may need more than "
            f"{memory_mb} MB of memory",
        )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _render_here(job: PdfJob, repaired: bool = True) -> PdfOutcome:
    """Render in this process; failures become an outcome, since exceptions from inside
    the renderer need not survive being sent between processes."""
    from scoper.pdf.render import render_pdf

    try:
        rendered = render_pdf(
            job.html,
            job.roots,
            job.title,
            job.created,
            job.variant,
            job.attachments,
            spare_core=_spare_core,
            repaired=repaired,
            written=not job.length_only,
        )
    except MemoryError:
        return PdfOutcome(None, [], "the paper needs more memory than a render may take")
    except RecursionError:
        return PdfOutcome(None, [], "the document is nested too deeply to lay out")
    except Exception as error:  # any renderer failure is this paper's failure
        return PdfOutcome(None, [], f"{type(error).__name__}: {error}")
    failed = [message for message in rendered.warnings if is_image_failure(message)]
    if failed:
        # WeasyPrint leaves out an image it cannot draw and only logs it: a paper with a
        # silent gap where a chart should be is not a paper to send.
        return PdfOutcome(None, rendered.warnings, f"an image could not be drawn: {failed[0]}")
    return PdfOutcome(rendered.pdf, rendered.warnings, None, rendered.pages, rendered.anchors)


def is_image_failure(message: str) -> bool:
    """Whether a renderer message says that one of the paper's own images was left out
    (brief images reach the renderer as data: URIs; references from inside an SVG that
    scoper refuses are warnings of their own)."""
    return message.startswith(("Failed to render SVG image", "Failed to load image at 'data:"))


def _limit_memory(memory_mb: int) -> None:
    """Cap this process's address space at what it uses now plus ``memory_mb``: past it,
    allocations fail (a MemoryError) instead of the machine running out."""
    try:
        import resource

        with open("/proc/self/statm") as statm:
            now = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        limit = now + memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, OSError, ValueError):  # no /proc (not Linux): no cap
        pass


def _limit_cpu(timeout: float) -> None:
    """Let the system end this process once it has used more CPU time than its time limit
    allows, should the process waiting for it be gone (its own clock is the one that
    counts; CPU time never runs ahead of the clock for one thread)."""
    try:
        import resource

        seconds = math.ceil(timeout) + 2
        resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 1))
    except (ImportError, OSError, ValueError):
        pass


_warming = False
"""Whether this worker lays out a sample of its first job before forking a renderer for it,
and parses the stylesheets of each later job it has not seen (see
:func:`scoper.pdf.render.warm_up`): worth it when a worker has several papers to render,
each in a child that would otherwise load fonts, styles and shaping caches afresh."""


_spare_core = False
"""Whether this worker's renders have a core to spare (see :class:`PdfPool`): a paper may
then lay out its second version at the same time as its first (see
:func:`scoper.pdf.render.render_pdf`)."""


def _load_renderer(
    ignore_interrupts: bool = False, warm: bool = False, spare_core: bool = False
) -> None:
    global _warming, _spare_core
    if ignore_interrupts:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    from scoper.pdf.render import prepare

    prepare()
    _warming = warm
    _spare_core = spare_core


def _usable_cores() -> int:
    """The cores this process may run on (its affinity, where the system says), not all the
    machine's."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _ready() -> None:
    """A first job, so that the workers start (and load the renderer) straight away."""


class PdfPool:
    """A pool of renderer processes; use as a context manager."""

    def __init__(
        self,
        workers: int,
        fork: bool = True,
        ignore_interrupts: bool = False,
        papers: int = 1,
        speculate: bool = True,
        repair_here: bool = False,
    ) -> None:
        """``fork`` starts a worker in milliseconds; without it (in a process that already
        runs threads, where forking is unsafe) workers start a fresh Python.
        ``ignore_interrupts``: workers ignore Ctrl-C, for an owner that stops them itself.
        ``papers``: how many PDFs the owner expects to render; when each worker will have
        several, workers warm up first (see :func:`scoper.pdf.render.warm_up`).
        ``speculate``: a render may lay out a second version of its paper at the same time
        when every render has a core to spare (twice as many usable cores as renders at
        once); an owner that keeps the other cores busy itself says no. ``repair_here``:
        the owner, with nothing else to do while its paper is laid out, puts the PDF's
        structure tree right itself (:func:`scoper.pdf.tagfix.repair`): the PDF library
        that takes loads here, meanwhile, not in the worker before the layout."""
        self._repair_here = repair_here
        methods = multiprocessing.get_all_start_methods()
        method = "fork" if fork and "fork" in methods else "spawn"
        context = multiprocessing.get_context(method)
        self._executor = ProcessPoolExecutor(
            max_workers=max(1, workers),
            mp_context=context,
            initializer=_load_renderer,
            initargs=(
                ignore_interrupts,
                papers > 2 * max(1, workers),
                speculate and 2 * min(max(1, workers), papers) <= _usable_cores(),
            ),
        )
        self._executor.submit(_ready)

    def submit(
        self, job: PdfJob, timeout: float = DEFAULT_TIMEOUT, memory_mb: int = DEFAULT_MEMORY_MB
    ) -> Future[PdfOutcome]:
        if not self._repair_here:
            return self._executor.submit(render_job, job, timeout, memory_mb)
        laid_out = self._executor.submit(render_job, job, timeout, memory_mb, False)
        from scoper.pdf.tagfix import repair  # loaded now, while the worker lays out

        outcome: Future[PdfOutcome] = Future()

        def repaired(done: Future[PdfOutcome]) -> None:
            if outcome.cancelled():
                return
            if done.cancelled():
                outcome.cancel()
                return
            failure = done.exception()
            if failure is not None:  # the pool's own failure, as the owner would have had it
                outcome.set_exception(failure)
                return
            result = done.result()
            if result.pdf:
                try:
                    result = msgspec.structs.replace(result, pdf=repair(result.pdf))
                except Exception as error:  # as a failure in the worker would be
                    result = PdfOutcome(None, result.warnings, f"{type(error).__name__}: {error}")
            outcome.set_result(result)

        laid_out.add_done_callback(repaired)
        outcome.add_done_callback(lambda own: own.cancelled() and laid_out.cancel())
        return outcome

    def release(self) -> None:
        """No more jobs will come: the workers are told to stop now, and end on their own
        in a moment, while the owner goes on with what it has left to do alone (the pack,
        assembling its parts) with their memory given back to the machine. Afterwards
        :meth:`close` has nothing left to wait for: the pool's own thread, which sees them
        out, is waited for when Python exits, like every pool's."""
        self._executor.shutdown(wait=False)

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
