"""The preview server: papers in a browser, refreshed on every save.

``Site`` (site.py) answers requests and knows nothing of sockets; here it is put behind a
threaded HTTP server, with a file watcher (watch.py) that tells open pages, over
Server-Sent Events, to reload.
"""

from __future__ import annotations

import io
import json
import re
import signal
import socket
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, cast

from scoper.errors import ScoperError
from scoper.preview.changes import Changes
from scoper.preview.site import LOCAL_HOSTS, Response, Site, host_name, is_loopback
from scoper.preview.slots import MAX_CONNECTIONS, DeadlineReader, Slots, Streams
from scoper.preview.watch import watch

__all__ = ["LOCAL_HOSTS", "Changes", "Response", "ServeError", "Site", "host_name", "is_loopback"]

Request = socket.socket | tuple[bytes, socket.socket]
"""What socketserver calls a request."""
IDLE_SECONDS = 30
"""A connection that sends nothing for this long is closed (a slow client holds a thread)."""
EVENT_SECONDS = 15
"""How often an idle event stream says it is still there."""


class ServeError(ScoperError):
    """The server cannot start (a port in use, an address that cannot be bound)."""


def _quiet(error: BaseException) -> bool:
    """A client that went away (closed the tab, reset the connection, stopped reading): not
    something to print on the terminal."""
    return isinstance(error, (ConnectionError, TimeoutError, socket.timeout))


def make_server(site: Site, changes: Changes, host: str, port: int) -> ThreadingHTTPServer:
    slots = Slots()
    streams = Streams(slots, changes.wake)

    class Handler(BaseHTTPRequestHandler):
        server_version = "scoper"
        sys_version = ""
        protocol_version = "HTTP/1.1"
        timeout = IDLE_SECONDS
        _reader: DeadlineReader

        def setup(self) -> None:
            super().setup()
            self.rfile.close()  # an open file of the socket would keep it from closing
            self._reader = DeadlineReader(self.connection, IDLE_SECONDS)
            self.rfile = io.BufferedReader(self._reader)

        def handle_one_request(self) -> None:
            # The whole head must come in time, however slowly its bytes trickle in.
            self._reader.deadline = slots.waiting(self.connection)
            super().handle_one_request()

        def parse_request(self) -> bool:
            try:
                return super().parse_request()
            finally:  # the head is read: the rest is the answer, under the idle limit only
                self._reader.deadline = None
                slots.answering(self.connection)

        def do_GET(self) -> None:
            self._answer()

        def do_HEAD(self) -> None:
            self._answer()

        do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_GET

        def _answer(self) -> None:
            headers = dict(self.headers.items())
            host = self.headers.get("Host")
            events = self.path.split("?", 1)[0] == "/events" and self.command == "GET"
            refused = site.refusal(self.command, host, headers)
            if events and refused is None:
                self._events()
                return
            try:
                response = refused or site.handle(self.command, self.path, host, headers)
            except Exception as error:  # a fault (or a broken template): say so, keep serving
                response = site.fault(f"{type(error).__name__}: {error}")
            self._send(response)

        def _send(self, response: Response) -> None:
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(response.body)))
            self.send_header("X-Content-Type-Options", "nosniff")
            self.send_header("Cross-Origin-Resource-Policy", "same-origin")
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
            found = re.fullmatch(r"seen=([0-9]{1,18})", query)
            seen = min(int(found[1]), changes.count) if found else changes.count
            self.wfile.write(b": connected\n\n")
            self.wfile.flush()
            # Held for as long as the page is open: capped apart from other requests, the
            # oldest ended when a new one would pass the cap (see slots.Streams).
            ended = streams.start(self.connection, str(self.client_address[0]))
            try:
                while not ended.is_set():
                    seen, events = changes.wait(seen, timeout=EVENT_SECONDS, stop=ended)
                    if ended.is_set():
                        break
                    for event in events:
                        self.wfile.write(f"data: {json.dumps(event)}\n\n".encode())
                    if not events:
                        self.wfile.write(b": still here\n\n")
                    self.wfile.flush()
            finally:
                streams.end(self.connection)
            self.close_connection = True

        def log_message(self, format: str, *args: object) -> None:
            pass  # quiet: the terminal is for the server's own messages

    class Server(ThreadingHTTPServer):
        daemon_threads = True  # open event streams must not keep Ctrl-C waiting
        allow_reuse_address = True
        # socketserver's default backlog of 5 drops or resets connections made at once
        # (a browser opens several; a flood far more), and a client then waits for
        # retries that take seconds to minutes.
        request_queue_size = MAX_CONNECTIONS

        def process_request(self, request: Request, client_address: Any) -> None:
            if not slots.admit(cast(socket.socket, request), str(client_address[0])):
                self.shutdown_request(request)  # every slot is answering: this one waits for none
                return
            super().process_request(request, client_address)

        def process_request_thread(self, request: Request, client_address: Any) -> None:
            try:
                super().process_request_thread(request, client_address)
            finally:
                slots.release(cast(socket.socket, request))

        def handle_error(self, request: Request, client_address: Any) -> None:
            import sys

            error = sys.exc_info()[1]
            if error is not None and _quiet(error):
                return
            super().handle_error(request, client_address)

    try:
        return Server((host, port), Handler)
    except OSError as error:
        import errno

        if error.errno == errno.EADDRINUSE:
            raise ServeError(f"port {port} is already in use; choose another with --port") from None
        raise ServeError(f"cannot listen on {host}:{port}: {error.strerror}") from None


class _Stopped(Exception):
    """SIGTERM or SIGHUP: stop as Ctrl-C stops."""


def _stop_on_signal(signum: int, frame: object) -> None:
    raise _Stopped


def serve(
    folder: Path, host: str, port: int, open_browser: bool, echo: Callable[[str], None]
) -> None:
    """Run until Ctrl-C, SIGTERM or SIGHUP; then stop the PDF worker too."""
    changes = Changes()
    site = Site(folder, host, changes)
    server = make_server(site, changes, host, port)
    stop = threading.Event()
    watcher = threading.Thread(target=watch, args=(folder, changes, stop), daemon=True)
    watcher.start()
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{server.server_address[1]}/"
    signals = [getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)]
    previous = {number: signal.signal(number, _stop_on_signal) for number in signals}
    echo(f"serving {folder} on {url} (Ctrl-C to stop)")
    if open_browser:
        import webbrowser

        webbrowser.open(url)
    try:
        server.serve_forever(poll_interval=0.2)
    except (KeyboardInterrupt, _Stopped):
        pass
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        stop.set()
        server.server_close()
        site.close()
        echo("stopped")
