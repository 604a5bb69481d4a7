"""The preview's pages: a request (method, target, headers) in, a response out.

``Site`` knows nothing of sockets, so its rules are tested directly. What it serves is only
what it renders: the index, papers, their PDFs and packs. No URL names a file, so none can
reach outside the briefs folder. Every page is a Jinja template of the theme
(``templates/preview/``, autoescaped like the papers) and carries a Content-Security-Policy
that lets only the server's own scripts run, by a nonce new for each page.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import secrets
import threading
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from msgspec import Struct, field

from scoper.brief.model import CLASSIFICATIONS, STATUSES
from scoper.config import Config, ConfigError, load_config
from scoper.preview.briefs import Briefs, Entry
from scoper.preview.changes import Changes

if TYPE_CHECKING:
    from scoper.brief.model import Brief
    from scoper.pdf.pool import PdfJob
    from scoper.problems import Problem
    from scoper.render.theme import Theme

LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
KEPT_PDFS = 32
"""PDFs the preview keeps rendered; older ones are made again when asked for."""
KEPT_PDF_BYTES = 256 * 1024 * 1024
"""And at most this many bytes of them."""
WORKERS = 4
"""Pages made at once; more requests wait their turn (the machine has few cores, and a page
is CPU work under one interpreter lock)."""
BUSY_SECONDS = 30.0
"""How long a request waits for its turn before it is told the preview is busy."""
_PAPER = re.compile(r"^/paper/([a-z0-9][a-z0-9-]*)(\.pdf)?$")
_PACK = re.compile(r"^/pack(?:/(\d{4}-W\d{2}))?$")


class Response(Struct):
    status: int
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)


def host_name(header: str | None) -> str | None:
    """The host of a Host header, without its port; IPv6 without brackets."""
    if not header:
        return None
    header = header.strip().lower()
    if header.startswith("["):
        return header[1 : header.find("]")] if "]" in header else None
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


def is_loopback(host: str) -> bool:
    return host in LOCAL_HOSTS or host.startswith("127.")


class Row(Struct, frozen=True):
    """One brief on the index."""

    file: str
    slug: str | None
    """Its page, or None when another file has taken the name (an output clash)."""
    ref: str
    title: str
    status: str
    priority: int | None
    classification: str
    date: dt.date | None
    changed: dt.datetime
    errors: int
    warnings: int
    problems: list[str]

    @property
    def readable(self) -> bool:
        return bool(self.ref)


class Site:
    """The preview's pages, made from the briefs folder on each request."""

    def __init__(
        self, folder: Path, bound_host: str = "127.0.0.1", changes: Changes | None = None
    ) -> None:
        self.folder = folder
        self.changes = changes or Changes()
        self.allowed_hosts = set(LOCAL_HOSTS) | {bound_host.strip("[]").lower()}
        self.briefs = Briefs(folder)
        self._turns = threading.BoundedSemaphore(WORKERS)
        self._pdfs: dict[str, bytes] = {}
        self._failed: dict[str, str] = {}
        """Why a PDF failed, by key: a brief whose PDF runs out of time is not laid out
        again on every reload (only once it changes)."""
        self._pdf_lock = threading.Lock()
        self._renderer: _Renderer | None = None
        self._renderer_lock = threading.Lock()
        """Held while the worker starts: stopping waits for a start to finish, since a
        worker whose parent goes away while it starts prints multiprocessing's traceback."""
        self._closed = False

    def close(self) -> None:
        """Stop the PDF worker, even in the middle of a render (or of its start)."""
        with self._renderer_lock:
            self._closed = True
            renderer, self._renderer = self._renderer, None
        if renderer is not None:
            renderer.stop()

    # -- requests ------------------------------------------------------------------------------

    def refusal(
        self, method: str, host_header: str | None, headers: Mapping[str, str] | None = None
    ) -> Response | None:
        """Why a request gets nothing, if it does not: another host, another site, a method
        other than GET."""
        if host_name(host_header) not in self.allowed_hosts:
            # A page on another site that points a name of its own at this machine (DNS
            # rebinding) arrives with that name here: it gets nothing.
            return _text(421, "This preview answers only to localhost.")
        headers = {name.lower(): value for name, value in (headers or {}).items()}
        origin = headers.get("origin")
        fetch_site = headers.get("sec-fetch-site", "").strip().lower()
        if (origin is not None and not _same_origin(origin, host_header or "")) or (
            fetch_site == "cross-site"
        ):
            # Another web page open in the browser may point at this machine (an image, a
            # form, a script tag): it may not read the papers nor make the preview work.
            return _text(403, "This preview answers only to its own pages.")
        if method not in ("GET", "HEAD"):
            return _text(405, "Only GET is served.", {"Allow": "GET, HEAD"})
        return None

    def handle(
        self,
        method: str,
        target: str,
        host_header: str | None,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        refused = self.refusal(method, host_header, headers)
        if refused is not None:
            return refused
        path = target.split("?", 1)[0].split("#", 1)[0]
        page: Callable[[Config], Response] | None = None
        if path == "/":
            page = self._index
        elif paper := _PAPER.match(path):
            if paper[2]:
                return self._pdf_page(paper[1])
            page = functools.partial(self._paper, paper[1])
        elif pack := _PACK.match(path):
            page = functools.partial(self._pack, pack[1])
        if page is None:
            return _text(404, "Not found.")
        if not self._turns.acquire(timeout=BUSY_SECONDS):
            return _text(503, "The preview is busy; try again.", {"Retry-After": "5"})
        try:
            try:
                config = load_config()
            except ConfigError as error:
                return self._problems_page(500, "Configuration error", None, [str(error)])
            return page(config)
        finally:
            self._turns.release()

    def fault(self, message: str) -> Response:
        """A page saying that a page could not be made; it reloads when something changes, so
        it recovers once the fault (a broken template, say) is fixed."""
        try:
            return self._problems_page(500, "scoper could not make this page", None, [message])
        except Exception:  # the preview's own templates are what failed
            return _text(500, f"scoper could not make this page: {message}")

    # -- pages ---------------------------------------------------------------------------------

    def _entries(self, config: Config) -> list[Entry]:
        return self.briefs.entries(config, self.changes.generation)

    def _entry(self, slug: str, config: Config) -> Entry | None:
        return next((e for e in self._entries(config) if e.slug == slug and not e.clash), None)

    def _links(self, config: Config, suffix: str) -> dict[str, tuple[str, str]]:
        """Where ``ref:`` links go: the other briefs' pages (``/paper/SLUG``, or its
        ``.pdf``), as links relative to the page they are on."""
        from scoper.brief.xref import paper_links

        return paper_links(
            (
                e.report.brief
                for e in self._entries(config)
                if not e.clash and e.report.ok and e.report.brief is not None
            ),
            suffix,
        )

    def _index(self, config: Config) -> Response:
        rows = sorted((_row(entry) for entry in self._entries(config)), key=_pack_order)
        return self._template(
            200,
            "preview/index.html.j2",
            config,
            source="",
            title=f"Briefs in {self.folder}",
            folder=str(self.folder),
            rows=rows,
            statuses=STATUSES,
            classifications=CLASSIFICATIONS,
        )

    def _paper(self, slug: str, config: Config) -> Response:
        from scoper.render.html import render_html
        from scoper.render.theme import theme_for

        entry = self._entry(slug, config)
        if entry is None:
            return _text(404, "No such brief.")
        report = entry.report
        if not report.ok or report.brief is None:
            return self._brief_problems(entry, config)
        paper = render_html(
            report.brief,
            config,
            target="screen",
            problems=report.problems,
            papers=self._links(config, ""),
        )
        links = [("/", "All briefs"), (f"/paper/{slug}.pdf", "PDF")]
        return self._with_live(
            200, paper, theme_for(config), entry.path.name, links, list(report.problems)
        )

    def _brief_problems(self, entry: Entry, config: Config) -> Response:
        return self._problems_page(
            200,
            f"{entry.path.name} has problems",
            config,
            [p.format() for p in entry.report.problems],
            intro="The paper will come back as soon as these are fixed and saved.",
            source=entry.path.name,
        )

    def _pdf_page(self, slug: str) -> Response:
        # The checking takes a turn; the rendering, in a worker process, does not.
        if not self._turns.acquire(timeout=BUSY_SECONDS):
            return _text(503, "The preview is busy; try again.", {"Retry-After": "5"})
        try:
            try:
                config = load_config()
            except ConfigError as error:
                return self._problems_page(500, "Configuration error", None, [str(error)])
            entry = self._entry(slug, config)
            if entry is None:
                return _text(404, "No such brief.")
            if not entry.report.ok or entry.report.brief is None:
                return self._brief_problems(entry, config)
            job, key = self._pdf_job(entry.report.brief, config, list(entry.report.problems))
        finally:
            self._turns.release()
        return self._pdf(job, key, config)

    def _pdf_job(
        self, brief: Brief, config: Config, problems: list[Problem]
    ) -> tuple[PdfJob | None, str]:
        from scoper.brief.xref import links_of
        from scoper.build import paper_job
        from scoper.check import qa_notes
        from scoper.pack.cache import key_of, paper_key
        from scoper.render.theme import theme_for

        theme = theme_for(config)
        papers = self._links(config, ".pdf")
        # The Unit QA box changes with the warnings (an action falls overdue overnight).
        key = key_of(
            paper_key(brief, config, theme, links_of(brief, papers)), qa_notes(brief, problems)
        )
        job = None if key in self._pdfs else paper_job(brief, config, theme, problems, papers)
        return job, key

    def _pdf(self, job: PdfJob | None, key: str, config: Config) -> Response:
        if key in self._failed:
            return self._problems_page(500, "The PDF failed", config, [self._failed[key]])
        # One PDF is laid out at a time: a request waits at most as long as one may take,
        # then is told to try again, rather than queueing behind a slow brief for ever.
        if not self._pdf_lock.acquire(timeout=config.pdf_timeout + 1):
            return _text(503, "Another PDF is being made. Try again.", {"Retry-After": "5"})
        try:
            return self._pdf_locked(job, key, config)
        finally:
            self._pdf_lock.release()

    def _pdf_locked(self, job: PdfJob | None, key: str, config: Config) -> Response:
        """Rendered once, then kept until something it depends on changes."""
        if key in self._failed:  # it failed while this request waited for the lock
            return self._problems_page(500, "The PDF failed", config, [self._failed[key]])
        if key not in self._pdfs:
            if job is None:  # dropped from the kept ones while this request waited
                return _text(503, "Try again.", {"Retry-After": "1"})
            with self._renderer_lock:
                if self._closed:  # stopping: no new worker
                    return _text(503, "The preview is stopping.")
                if self._renderer is None:
                    self._renderer = _Renderer()
                renderer = self._renderer
            outcome = renderer.pool.submit(job, config.pdf_timeout).result()
            if outcome.pdf is None:
                while len(self._failed) >= KEPT_PDFS:
                    del self._failed[next(iter(self._failed))]
                self._failed[key] = outcome.error or "unknown"
                return self._problems_page(
                    500, "The PDF failed", config, [outcome.error or "unknown"]
                )
            # The oldest go first, to keep at most so many, and so many bytes.
            while self._pdfs and (
                len(self._pdfs) >= KEPT_PDFS
                or sum(map(len, self._pdfs.values())) + len(outcome.pdf) > KEPT_PDF_BYTES
            ):
                del self._pdfs[next(iter(self._pdfs))]
            self._pdfs[key] = outcome.pdf
        return Response(200, self._pdfs[key], "application/pdf")

    def _pack(self, week_text: str | None, config: Config) -> Response:
        from scoper.pack.model import Pack, Week
        from scoper.pack.select import chosen_for
        from scoper.render.html import render_pack_html
        from scoper.render.theme import theme_for

        try:
            week = Week.parse(week_text) if week_text else None
        except ValueError as error:
            return _text(404, str(error))
        chosen = [e.report for e in self._entries(config) if chosen_for(e.report, week)]
        good = [(r.brief, r.problems) for r in chosen if r.ok and r.brief is not None]
        if not good:
            where = f"dated in {week}" if week else "that can be built"
            return self._problems_page(200, "No papers", config, [], intro=f"No briefs {where}.")
        bad = [(r.path, r.problems) for r in chosen if not r.ok]
        pack = Pack.of(config.pack_title, dt.date.today(), week, good, bad)
        html = render_pack_html(pack, config)
        return self._with_live(200, html, theme_for(config), "", [("/", "All briefs")], None)

    # -- building blocks -----------------------------------------------------------------------

    def _problems_page(
        self,
        status: int,
        title: str,
        config: Config | None,
        problems: Iterable[str],
        intro: str = "",
        source: str = "",
    ) -> Response:
        return self._template(
            status,
            "preview/problems.html.j2",
            config,
            source=source,
            title=title,
            intro=intro,
            problems=list(problems),
        )

    def _template(
        self, status: int, name: str, config: Config | None, **context: object
    ) -> Response:
        """One of the preview's own pages, in the project's theme (the default one when the
        config cannot be read)."""
        from markupsafe import Markup

        from scoper.pack.model import Week
        from scoper.render.theme import environment, font_faces, stylesheet, theme_for

        theme = theme_for(config)
        nonce = secrets.token_urlsafe(16)
        page = (
            environment(theme)
            .get_template(name)
            .render(
                nonce=nonce,
                seen=self.changes.count,
                css=Markup(font_faces(theme, True) + "\n" + stylesheet(theme)),
                accent=config.accent_colour if config else None,
                links=None,
                problems_here=None,
                week=str(Week.of(dt.date.today())),
                **context,
            )
        )
        return _html(status, page, nonce)

    def _with_live(
        self,
        status: int,
        page: str,
        theme: Theme,
        source: str,
        links: list[tuple[str, str]],
        problems: list[Problem] | None,
    ) -> Response:
        """A paper or pack as scoper builds it, with the preview's toolbar (not printed) and
        the script that reloads it when the watcher reports a change to it."""
        from scoper.render.theme import environment

        nonce = secrets.token_urlsafe(16)
        addition = (
            environment(theme)
            .get_template("preview/live.html.j2")
            .render(
                nonce=nonce,
                seen=self.changes.count,
                source=source,
                links=links,
                problems_here=problems,
            )
        )
        # Brief text reaches the page escaped, so the last </body> is the page's own.
        before, tag, after = page.rpartition("</body>")
        page = before + addition + tag + after if tag else page + addition
        return _html(status, page, nonce)


class _Renderer:
    """The preview's PDF worker; stopping it ends its process, busy or not."""

    def __init__(self) -> None:
        import multiprocessing

        from scoper.pdf.pool import PdfPool

        before = set(multiprocessing.active_children())
        # A worker process, so a runaway layout is stopped by its time limit and never
        # stalls the pages; started fresh, as this process has threads. The pool starts its
        # worker at once, so the new child processes are its. Ctrl-C reaches every process
        # of the terminal: the worker ignores it (the preview stops it itself) rather than
        # print a KeyboardInterrupt traceback while it loads the renderer.
        # The preview's own work (rebuilding pages as they are saved) goes on beside the
        # renderer: no second layout at the same time.
        self.pool = PdfPool(1, fork=False, ignore_interrupts=True, speculate=False)
        self._workers = set(multiprocessing.active_children()) - before

    def stop(self) -> None:
        # A render in progress would keep shutdown waiting, and a worker left behind
        # would run on under PID 1.
        for worker in self._workers:
            worker.terminate()
        for worker in self._workers:
            worker.join(2)
            if worker.is_alive():
                worker.kill()
        self.pool.close()


def _same_origin(origin: str, host_header: str) -> bool:
    return origin.strip().lower() == f"http://{host_header.strip().lower()}"


def _text(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return Response(status, message.encode(), "text/plain; charset=utf-8", headers or {})


def _html(status: int, page: str, nonce: str) -> Response:
    policy = (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; "
        f"connect-src 'self'; script-src 'nonce-{nonce}'; base-uri 'none'; "
        "form-action 'none'; frame-ancestors 'none'"
    )
    headers = {"Content-Security-Policy": policy, "Cache-Control": "no-store"}
    return Response(status, page.encode("utf-8"), headers=headers)


def _row(entry: Entry) -> Row:
    report = entry.report
    errors = sum(p.severity == "error" for p in report.problems)
    meta = report.brief.meta if report.brief else None
    return Row(
        file=entry.path.name,
        slug=None if entry.clash else entry.slug,
        ref=meta.ref if meta else "",
        title=meta.title if meta else "",
        status=meta.status if meta else "",
        priority=meta.priority if meta else None,
        classification=meta.classification if meta else "",
        date=meta.date if meta else None,
        changed=entry.changed,
        errors=errors,
        warnings=len(report.problems) - errors,
        problems=[p.format() for p in report.problems],
    )


def _pack_order(row: Row) -> tuple:
    if row.priority is None:
        return (1, 0, dt.date.min, row.file)
    return (0, row.priority, row.date, row.ref, row.file)
