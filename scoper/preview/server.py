"""The preview server: papers in a browser, refreshed on every save.

``Site`` answers requests (a path and a Host header in, a response out) and knows nothing
of sockets, so its rules are tested directly; ``serve`` puts it behind a threaded HTTP
server with a file watcher that tells open pages, over Server-Sent Events, to reload.

What it serves is only what it renders: the index, papers, their PDFs and packs. No URL
names a file, so none can reach outside the briefs folder, and every page carries a
Content-Security-Policy that lets only the server's own small script run.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import secrets
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING

from scoper.config import Config, ConfigError, load_config
from scoper.problems import Problem

if TYPE_CHECKING:
    from scoper.brief.model import Brief
    from scoper.pdf.pool import PdfPool

LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
KEPT_PDFS = 32
"""PDFs the preview keeps rendered; older ones are made again when asked for."""
_PAPER = re.compile(r"^/paper/([a-z0-9][a-z0-9-]*)(\.pdf)?$")
_PACK = re.compile(r"^/pack(?:/(\d{4}-W\d{2}))?$")


@dataclass(slots=True)
class Response:
    status: int
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)


class Changes:
    """Where the watcher posts what changed and the open pages wait to hear it."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._events: list[dict[str, object]] = []

    @property
    def count(self) -> int:
        with self._condition:
            return len(self._events)

    def publish(self, paths: Iterable[str], everything: bool) -> None:
        with self._condition:
            self._events.append({"paths": sorted(set(paths)), "all": everything})
            self._condition.notify_all()

    def wait(self, seen: int, timeout: float) -> tuple[int, list[dict[str, object]]]:
        """Changes after the first ``seen``; waits up to ``timeout`` seconds for one."""
        with self._condition:
            self._condition.wait_for(lambda: len(self._events) > seen, timeout)
            return len(self._events), self._events[seen:]


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


class Site:
    """The preview's pages, rendered from the briefs folder on each request."""

    def __init__(
        self, folder: Path, bound_host: str = "127.0.0.1", changes: Changes | None = None
    ) -> None:
        self.folder = folder
        self.changes = changes or Changes()
        self.allowed_hosts = set(LOCAL_HOSTS) | {bound_host.strip("[]").lower()}
        self._pdfs: dict[str, bytes] = {}
        self._pdf_lock = threading.Lock()
        self._renderer: PdfPool | None = None

    def close(self) -> None:
        if self._renderer is not None:
            self._renderer.close()

    # -- requests ------------------------------------------------------------------------------

    def handle(self, method: str, target: str, host_header: str | None) -> Response:
        if host_name(host_header) not in self.allowed_hosts:
            # A page on another site that points a name of its own at this machine (DNS
            # rebinding) arrives with that name here: it gets nothing.
            return self._text(421, "This preview answers only to localhost.")
        if method not in ("GET", "HEAD"):
            return self._text(405, "Only GET is served.", {"Allow": "GET, HEAD"})
        path = target.split("?", 1)[0].split("#", 1)[0]
        try:
            config = load_config()
        except ConfigError as error:
            return self._page(500, "Configuration error", _problem_list([str(error)]), "")
        if path == "/":
            return self._index(config)
        if match := _PAPER.match(path):
            return self._paper(match[1], bool(match[2]), config)
        if match := _PACK.match(path):
            return self._pack(match[1], config)
        return self._text(404, "Not found.")

    # -- pages ---------------------------------------------------------------------------------

    def _briefs(self) -> dict[str, Path]:
        from scoper.brief.source import brief_slug, find_briefs

        return {brief_slug(path): path for path in find_briefs([self.folder])}

    def _reports(self, config: Config, paths: list[Path]) -> list:
        from scoper.check import CheckContext, check_files

        context = CheckContext.for_config(config)
        return check_files(paths, config.default_classification, context)

    def _index(self, config: Config) -> Response:
        from scoper.pack.model import Week

        briefs = self._briefs()
        reports = self._reports(config, list(briefs.values()))
        by_path = {report.path: report for report in reports}

        def order(slug: str) -> tuple:
            brief = by_path[briefs[slug]].brief
            if brief is None:
                return (1, 0, dt.date.min, slug)
            return (0, brief.meta.priority, brief.meta.date, brief.meta.ref)

        rows = []
        for slug in sorted(briefs, key=order):
            report = by_path[briefs[slug]]
            errors = sum(p.severity == "error" for p in report.problems)
            warnings = len(report.problems) - errors
            meta = report.brief.meta if report.brief else None
            cells = (
                [
                    meta.ref,
                    meta.title,
                    str(meta.priority),
                    meta.status,
                    meta.classification,
                    meta.date.isoformat(),
                ]
                if meta
                else [briefs[slug].name, "(cannot be read)", "", "", "", ""]
            )
            link = f'<a href="/paper/{slug}">{html.escape(cells[1])}</a>'
            rows.append(
                "<tr>"
                f"<td>{html.escape(cells[0])}</td><td>{link}</td>"
                + "".join(f"<td>{html.escape(c)}</td>" for c in cells[2:])
                + f'<td class="{"bad" if errors else ""}">{errors}</td><td>{warnings}</td></tr>'
            )
        week = Week.of(dt.date.today())
        body = (
            f'<p><a href="/pack/{week}">This week\'s pack ({week})</a> · '
            f'<a href="/pack">Pack of every brief</a></p>'
            '<table><thead><tr><th scope="col">Ref</th><th scope="col">Title</th>'
            '<th scope="col">Priority</th><th scope="col">Status</th>'
            '<th scope="col">Classification</th><th scope="col">Date</th>'
            '<th scope="col">Errors</th><th scope="col">Warnings</th></tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table>"
        )
        if not briefs:
            body += f"<p>No briefs (*.md files) in {html.escape(str(self.folder))}.</p>"
        return self._page(200, f"Briefs in {self.folder}", body, "")

    def _paper(self, slug: str, pdf: bool, config: Config) -> Response:
        path = self._briefs().get(slug)
        if path is None:
            return self._text(404, "No such brief.")
        [report] = self._reports(config, [path])
        if not report.ok:
            return self._page(
                200,
                f"{path.name} has problems",
                "<p>The paper will come back as soon as these are fixed and saved.</p>"
                + _problem_list(p.format() for p in report.problems),
                path.name,
            )
        if pdf:
            return self._pdf(report.brief, config)
        from scoper.render.html import render_html

        paper = render_html(report.brief, config, target="screen")
        toolbar = _toolbar(slug, report.problems)
        return self._with_reload(200, paper, path.name, toolbar)

    def _pdf(self, brief: Brief, config: Config) -> Response:
        from scoper.build import paper_job
        from scoper.pack.cache import paper_key
        from scoper.pdf.pool import PdfPool
        from scoper.render.theme import theme_for

        theme = theme_for(config)
        key = paper_key(brief, config, theme)
        with self._pdf_lock:  # rendered once, then kept until something it depends on changes
            if key not in self._pdfs:
                if self._renderer is None:
                    # A worker process, so a runaway layout is stopped by its time limit
                    # and never stalls the pages; started fresh, as this process has threads.
                    self._renderer = PdfPool(1, fork=False)
                job = paper_job(brief, config, theme)
                outcome = self._renderer.submit(job, config.pdf_timeout).result()
                if outcome.pdf is None:
                    return self._page(500, "The PDF failed", _problem_list([outcome.error]), "")
                while len(self._pdfs) >= KEPT_PDFS:  # the oldest go first
                    del self._pdfs[next(iter(self._pdfs))]
                self._pdfs[key] = outcome.pdf
            return Response(200, self._pdfs[key], "application/pdf")

    def _pack(self, week_text: str | None, config: Config) -> Response:
        from scoper.pack.build import chosen_for
        from scoper.pack.model import Pack, Week
        from scoper.render.html import render_pack_html

        try:
            week = Week.parse(week_text) if week_text else None
        except ValueError as error:
            return self._text(404, str(error))
        reports = self._reports(config, list(self._briefs().values()))
        chosen = [r for r in reports if chosen_for(r, week)]
        good = [(r.brief, r.problems) for r in chosen if r.ok]
        if not good:
            where = f"dated in {week}" if week else "that can be built"
            return self._page(200, "No papers", f"<p>No briefs {where}.</p>", "")
        bad = [(r.path, r.problems) for r in chosen if not r.ok]
        pack = Pack.of(config.pack_title, dt.date.today(), week, good, bad)
        toolbar = '<a href="/">All briefs</a>'
        return self._with_reload(200, render_pack_html(pack, config), "", toolbar)

    def fault(self, message: str) -> Response:
        return self._page(500, "scoper could not make this page", _problem_list([message]), "")

    # -- building blocks -----------------------------------------------------------------------

    def _text(self, status: int, message: str, headers: dict[str, str] | None = None) -> Response:
        return Response(status, message.encode(), "text/plain; charset=utf-8", headers or {})

    def _page(self, status: int, title: str, body: str, source: str) -> Response:
        page = (
            '<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8">'
            f"<title>{html.escape(title)}</title>"
            "<style>body{font-family:sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;"
            "color:#0b0c0c}table{border-collapse:collapse;width:100%}th,td{text-align:left;"
            "padding:.3rem .5rem;border-bottom:1px solid #b1b4b6}.bad{color:#a8261a;"
            "font-weight:700}.problems li{font-family:monospace;margin:.3rem 0}</style>"
            f"</head><body><main><h1>{html.escape(title)}</h1>{body}</main></body></html>"
        )
        return self._with_reload(status, page, source, '<a href="/">All briefs</a>')

    def _with_reload(self, status: int, page: str, source: str, toolbar: str) -> Response:
        nonce = secrets.token_urlsafe(16)
        # The page says which changes it has seen, so that one made while it was loading
        # still reaches it.
        addition = _LIVE.format(
            nonce=nonce, toolbar=toolbar, source=_js_string(source), seen=self.changes.count
        )
        page = page.replace("</body>", addition + "</body>", 1)
        policy = (
            "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; "
            f"connect-src 'self'; script-src 'nonce-{nonce}'; base-uri 'none'; "
            "form-action 'none'; frame-ancestors 'none'"
        )
        headers = {"Content-Security-Policy": policy, "Cache-Control": "no-store"}
        return Response(status, page.encode("utf-8"), headers=headers)


def _js_string(text: str) -> str:
    return json.dumps(text).replace("<", "\\u003c")


def _problem_list(lines: Iterable[str]) -> str:
    items = "".join(f"<li>{html.escape(line)}</li>" for line in lines)
    return f'<ul class="problems">{items}</ul>'


def _toolbar(slug: str, problems: list[Problem]) -> str:
    errors = sum(p.severity == "error" for p in problems)
    warnings = len(problems) - errors
    listed = _problem_list(p.format() for p in problems) if problems else ""
    return (
        f'<a href="/">All briefs</a> · <a href="/paper/{slug}.pdf">PDF</a> · '
        f"<details><summary>{errors} errors, {warnings} warnings</summary>{listed}</details>"
    )


# The preview's own additions to a page: a toolbar that does not print, and the script that
# reloads the page (keeping its scroll position) when the watcher reports a change to it.
_LIVE = """<div class="scoper-toolbar" role="navigation" aria-label="Preview">{toolbar}</div>
<style>.scoper-toolbar{{position:fixed;right:1rem;bottom:1rem;z-index:100;background:#fff;
border:2px solid #12436d;padding:.4rem .8rem;font:14px sans-serif;max-width:40rem}}
.scoper-toolbar details{{display:inline}}
.scoper-toolbar a,.scoper-toolbar summary{{display:inline-block;min-height:24px;min-width:24px;
padding:2px 4px;cursor:pointer}}.scoper-toolbar ul{{max-height:40vh;overflow:auto}}
@media print{{.scoper-toolbar{{display:none}}}}</style>
<script nonce="{nonce}">(() => {{
  const source = {source};
  const key = "scoper-scroll:" + location.pathname;
  const saved = sessionStorage.getItem(key);
  if (saved !== null) {{ sessionStorage.removeItem(key); window.scrollTo(0, Number(saved)); }}
  const events = new EventSource("/events?seen={seen}");
  events.onmessage = (message) => {{
    const change = JSON.parse(message.data);
    if (change.all || !source || change.paths.includes(source)) {{
      sessionStorage.setItem(key, String(window.scrollY));
      events.close();
      location.reload();
    }}
  }};
}})();</script>
"""


def watch(folder: Path, changes: Changes, stop: threading.Event) -> None:
    """Report each batch of saves: brief names, or 'everything' for the theme, the config
    or an image."""
    import watchfiles

    from scoper.config import find_config
    from scoper.render.theme import theme_for

    config = find_config(Path.cwd())
    project = config.parent if config else Path.cwd()
    watched: list[Path] = [folder, *theme_for(None).roots]
    overrides = project / "templates"
    following: set[Path] = set()
    if overrides.is_dir():
        watched.append(overrides)
        following.add(overrides.resolve())
    root = folder.resolve()

    def follow(paths: list[Path], recursive: bool, only: set[str] | None) -> None:
        def relevant(change: object, path: str) -> bool:
            return only is None or Path(path).name in only

        for batch in watchfiles.watch(
            *paths,
            stop_event=stop,
            debounce=50,
            step=20,
            recursive=recursive,
            watch_filter=relevant,
        ):
            names, everything = [], False
            for _, changed in batch:
                path = Path(changed).resolve()
                if path.suffix == ".md" and path.parent == root:
                    names.append(path.name)
                else:
                    everything = True
                if path == overrides.resolve() and path.is_dir() and path not in following:
                    # A templates folder made while the preview runs: follow it too.
                    following.add(path)
                    threading.Thread(target=follow, args=([path], True, None), daemon=True).start()
            changes.publish(names, everything)

    # The project's own folder is watched without its subfolders (it may hold a virtual
    # environment): that catches scoper.toml however it is saved, even by a rename, and a
    # templates folder made after the preview started.
    threading.Thread(
        target=follow, args=([project], False, {"scoper.toml", "templates"}), daemon=True
    ).start()
    follow(watched, True, None)


class ServeError(Exception):
    """The server cannot start (a port in use, an address that cannot be bound)."""


def make_server(site: Site, changes: Changes, host: str, port: int) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        server_version = "scoper"
        sys_version = ""
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            self._answer()

        def do_HEAD(self) -> None:
            self._answer()

        do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_GET

        def _answer(self) -> None:
            host = host_name(self.headers.get("Host"))
            events = self.path.split("?", 1)[0] == "/events"
            if events and self.command == "GET" and host in site.allowed_hosts:
                self._events()
                return
            try:
                response = site.handle(self.command, self.path, self.headers.get("Host"))
            except Exception as error:  # a fault (or a broken template): say so, keep serving
                message = f"{type(error).__name__}: {error}"
                # As a page with the reload script, so it recovers once the fault is fixed.
                response = site.fault(message)
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(response.body)))
            self.send_header("X-Content-Type-Options", "nosniff")
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(response.body)

        def _events(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            query = self.path.partition("?")[2]
            found = re.fullmatch(r"seen=(\d+)", query)
            seen = min(int(found[1]), changes.count) if found else changes.count
            try:
                self.wfile.write(b": connected\n\n")
                self.wfile.flush()
                while True:
                    seen, events = changes.wait(seen, timeout=15)
                    for event in events:
                        self.wfile.write(f"data: {json.dumps(event)}\n\n".encode())
                    if not events:
                        self.wfile.write(b": still here\n\n")
                    self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                return  # the page was closed or reloaded

        def log_message(self, format: str, *args: object) -> None:
            pass  # quiet: the terminal is for the server's own messages

    class Server(ThreadingHTTPServer):
        daemon_threads = True  # open event streams must not keep Ctrl-C waiting
        allow_reuse_address = True

    try:
        return Server((host, port), Handler)
    except OSError as error:
        import errno

        if error.errno == errno.EADDRINUSE:
            raise ServeError(f"port {port} is already in use; choose another with --port") from None
        raise ServeError(f"cannot listen on {host}:{port}: {error.strerror}") from None


def serve(
    folder: Path, host: str, port: int, open_browser: bool, echo: Callable[[str], None]
) -> None:
    """Run until Ctrl-C."""
    changes = Changes()
    site = Site(folder, host, changes)
    server = make_server(site, changes, host, port)
    stop = threading.Event()
    watcher = threading.Thread(target=watch, args=(folder, changes, stop), daemon=True)
    watcher.start()
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{server.server_address[1]}/"
    echo(f"serving {folder} on {url} (Ctrl-C to stop)")
    if open_browser:
        import webbrowser

        webbrowser.open(url)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        server.server_close()
        site.close()
        echo("stopped")
