"""The preview against a hostile neighbour and a careless user: other web pages, floods of
requests, connections reset half-way, symlink loops, clashing file names, SIGTERM."""

from __future__ import annotations

import contextlib
import http.client
import os
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from scoper.preview import slots
from scoper.preview.changes import Changes
from scoper.preview.server import make_server
from scoper.preview.site import Site
from scoper.preview.watch import watch
from tests.conftest import EXAMPLES, valid_brief

HOST = "127.0.0.1:8000"
EXAMPLE_COUNT = len(list(EXAMPLES.glob("*.md")))


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
    monkeypatch.chdir(tmp_path)
    shutil.copytree(EXAMPLES, tmp_path / "briefs")
    served = Site(tmp_path / "briefs")
    yield served
    served.close()


class Running:
    """The preview's HTTP server on a free port, in this process."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self.server = make_server(site, site.changes, "127.0.0.1", 0)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,))
        self.thread.start()

    def get(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        body = response.read() if response.status != 200 or "/events" not in path else b""
        connection.close()
        return response.status, body

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


@pytest.fixture
def running(site: Site) -> Iterator[Running]:
    server = Running(site)
    yield server
    server.stop()


# -- cross-site requests ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "http://evil.example"},
        {"Origin": "null"},
        {"Origin": "http://127.0.0.1:9999"},  # another port is another site's page
        {"Origin": "https://127.0.0.1:8000"},
        {"Sec-Fetch-Site": "cross-site"},
        {"sec-fetch-site": "Cross-Site", "Origin": f"http://{HOST}"},
    ],
)
@pytest.mark.parametrize("path", ["/", "/paper/alcohol-harm", "/paper/alcohol-harm.pdf", "/pack"])
def test_other_sites_pages_get_nothing(site: Site, headers: dict[str, str], path: str) -> None:
    response = site.handle("GET", path, HOST, headers)
    assert response.status == 403
    assert b"alcohol" not in response.body.lower()


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Origin": f"http://{HOST}"},
        {"Sec-Fetch-Site": "same-origin"},
        {"Sec-Fetch-Site": "none"},  # typed into the address bar, or a bookmark
    ],
)
def test_its_own_pages_and_the_address_bar_are_answered(
    site: Site, headers: dict[str, str]
) -> None:
    assert site.handle("GET", "/", HOST, headers).status == 200


def test_the_event_stream_refuses_other_sites_too(running: Running) -> None:
    status, body = running.get("/events", {"Origin": "http://evil.example"})
    assert status == 403 and b"own pages" in body
    status, _ = running.get("/events", {"Sec-Fetch-Site": "cross-site"})
    assert status == 403
    status, _ = running.get("/", {"Origin": "http://evil.example"})
    assert status == 403


# -- bounded work ----------------------------------------------------------------------------


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every brief file read, by name."""
    import scoper.brief.source

    original = scoper.brief.source.read_brief
    seen: list[str] = []

    def counting(path: Path, **options: object):
        seen.append(Path(path).name)
        return original(path, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(scoper.brief.source, "read_brief", counting)
    return seen


def test_a_brief_is_read_again_only_when_its_file_changes(
    site: Site, tmp_path: Path, reads: list[str]
) -> None:
    assert site.handle("GET", "/", HOST).status == 200
    assert len(reads) == EXAMPLE_COUNT
    reads.clear()
    for path in ("/", "/paper/loneliness", "/pack/2026-W48", "/"):
        assert site.handle("GET", path, HOST).status == 200
    assert reads == []
    brief = tmp_path / "briefs" / "loneliness.md"
    brief.write_text(brief.read_text().replace("title: Tackling", "title: Now tackling"))
    soup = BeautifulSoup(site.handle("GET", "/", HOST).body, "html.parser")
    assert reads == ["loneliness.md"]
    assert "Now tackling" in soup.get_text()
    # A change to everything (the theme, an image), as the watcher reports it.
    reads.clear()
    site.changes.publish([], everything=True)
    site.handle("GET", "/", HOST)
    assert len(reads) == EXAMPLE_COUNT
    # A new config may change every check.
    reads.clear()
    (tmp_path / "scoper.toml").write_text("[check]\nsummary-word-limit = 10\n")
    site.handle("GET", "/", HOST)
    assert len(reads) == EXAMPLE_COUNT


def test_many_requests_at_once_read_each_brief_once(site: Site, reads: list[str]) -> None:
    start = threading.Barrier(50)

    def request() -> int:
        start.wait()
        return site.handle("GET", "/", HOST).status

    with ThreadPoolExecutor(50) as pool:
        statuses = list(pool.map(lambda _: request(), range(50)))
    assert statuses == [200] * 50
    assert sorted(reads) == sorted(p.name for p in EXAMPLES.glob("*.md"))


def test_200_requests_at_once_do_not_stall_it(running: Running) -> None:
    assert running.get("/")[0] == 200  # the briefs checked once
    started = time.perf_counter()
    with ThreadPoolExecutor(200) as pool:
        statuses = list(pool.map(lambda _: running.get("/")[0], range(200)))
    elapsed = time.perf_counter() - started
    assert statuses == [200] * 200
    assert elapsed < 10, elapsed
    started = time.perf_counter()
    assert running.get("/paper/loneliness")[0] == 200
    assert time.perf_counter() - started < 5


# -- slow clients (slowloris) ---------------------------------------------------------------


def _closed_after(sock: socket.socket, trickle: bytes, within: float) -> float | None:
    """Seconds until the server closes ``sock`` while it is sent ``trickle`` now and then,
    or None if it is still open after ``within`` seconds."""
    started = time.monotonic()
    while time.monotonic() - started < within:
        readable, _, _ = select.select([sock], [], [], 0.2)
        if readable:
            try:
                if sock.recv(1024) == b"":
                    return time.monotonic() - started
            except ConnectionResetError:
                return time.monotonic() - started
        with contextlib.suppress(OSError):
            sock.sendall(trickle)
    return None


def test_a_request_head_sent_a_line_at_a_time_has_a_deadline(
    running: Running, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(slots, "HEAD_SECONDS", 1.0)
    with socket.create_connection(("127.0.0.1", running.port), timeout=5) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\n")
        # A header line every 0.2 s would beat the idle limit for ever.
        closed = _closed_after(sock, b"X-Slow: 1\r\n", within=5)
    assert closed is not None and 0.8 < closed < 2.5, closed
    # A kept-alive connection has the same time for each head that follows an answer.
    with socket.create_connection(("127.0.0.1", running.port), timeout=30) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
        assert sock.recv(12) == b"HTTP/1.1 200"
        time.sleep(0.5)
        assert _closed_after(sock, b"", within=2) is not None


def test_one_client_holds_at_most_its_share_of_the_slots() -> None:
    table = slots.Slots(total=8, per_client=2)
    pairs = [socket.socketpair() for _ in range(4)]
    try:
        ours = [ours for ours, _ in pairs]
        remote = "192.0.2.7"  # a client elsewhere (--host): its share applies
        assert table.admit(ours[0], remote) and table.admit(ours[1], remote)
        assert table.admit(ours[2], remote)  # took the slot of the oldest still sending
        assert pairs[0][1].recv(1) == b""  # closed
        # Every process on this machine is 127.0.0.1: no share, only the total.
        for _ in range(3):
            local = socket.socketpair()
            pairs.append(local)
            assert table.admit(local[0], "127.0.0.1")
        readable, _, _ = select.select([pairs[1][1], pairs[2][1]], [], [], 0.2)
        assert readable == []  # the other two of its connections were left alone
    finally:
        for a, b in pairs:
            a.close()
            b.close()


def test_connections_being_answered_keep_their_slots() -> None:
    table = slots.Slots(total=4, per_client=2)
    pairs = [socket.socketpair() for _ in range(5)]
    try:
        ours = [ours for ours, _ in pairs]
        assert table.admit(ours[0], "a") and table.admit(ours[1], "a")
        table.answering(ours[0])
        table.answering(ours[1])
        assert not table.admit(ours[2], "a")  # its share is answering: it waits for none
        assert table.admit(ours[2], "b") and table.admit(ours[3], "c")
        assert table.admit(ours[4], "d")  # all full: the oldest still waiting goes ("b")
        assert pairs[2][1].recv(1) == b""
        assert pairs[0][1].getblocking() and not _readable(pairs[0][1])
        table.release(ours[4])
        assert table.waiting(ours[0]) > time.monotonic()  # kept alive: waits again
    finally:
        for a, b in pairs:
            a.close()
            b.close()


def _readable(sock: socket.socket) -> bool:
    return bool(select.select([sock], [], [], 0.1)[0])


# -- connections reset -----------------------------------------------------------------------


def _reset(sock: socket.socket) -> None:
    """Close with a TCP reset, as a client that crashed or was killed does."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def test_a_client_that_resets_its_connection_prints_no_traceback(
    running: Running, capfd: pytest.CaptureFixture[str]
) -> None:
    for request in (
        b"GET / HT",  # reset in the middle of the request line
        b"GET /paper/knife-crime HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",  # before the answer
        b"GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",  # an event stream
    ):
        sock = socket.create_connection(("127.0.0.1", running.port))
        sock.sendall(request)
        time.sleep(0.05)
        _reset(sock)
    time.sleep(0.3)
    running.site.changes.publish(["knife-crime.md"], everything=False)  # the stream writes
    time.sleep(0.3)
    assert running.get("/")[0] == 200  # still serving
    captured = capfd.readouterr()
    assert "Traceback" not in captured.err, captured.err
    assert "Exception occurred" not in captured.err


# -- the file watcher ------------------------------------------------------------------------


def test_a_symlink_loop_does_not_stop_the_watcher(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "briefs"
    folder.mkdir()
    changes = Changes()
    stop = threading.Event()
    watcher = threading.Thread(target=watch, args=(folder, changes, stop), daemon=True)
    watcher.start()
    try:
        time.sleep(0.5)
        os.symlink("loop-b.md", folder / "loop-a.md")
        os.symlink("loop-a.md", folder / "loop-b.md")
        os.symlink(".", folder / "self")
        os.symlink("nowhere", folder / "images")
        time.sleep(0.5)

        def heard(name: str, timeout: float = 10) -> bool:
            deadline = time.monotonic() + timeout
            seen = changes.count
            while time.monotonic() < deadline:
                seen, events = changes.wait(seen, timeout=0.2)
                if any(name in event["paths"] for event in events):  # type: ignore[operator]
                    return True
            return False

        (folder / "brief.md").write_text("saved")
        assert heard("brief.md")
        (folder / "brief.md").write_text("saved again")
        assert heard("brief.md")
        assert watcher.is_alive()
    finally:
        stop.set()
        watcher.join(5)


# -- file names that clash -------------------------------------------------------------------


def test_two_files_with_one_page_name_are_a_reported_clash(site: Site, tmp_path: Path) -> None:
    folder = tmp_path / "briefs"
    (folder / "A.md").write_text(valid_brief().replace("Tackling loneliness", "Upper case"))
    (folder / "a.md").write_text(
        valid_brief().replace("Tackling loneliness", "Lower case").replace("-900", "-901")
    )
    soup = BeautifulSoup(site.handle("GET", "/", HOST).body, "html.parser")
    rows = {
        tr.select_one(".dash-file").get_text(strip=True).split(" ")[0]: tr
        for tr in soup.select("tbody tr")
    }
    assert {"A.md", "a.md"} <= set(rows)
    # As scoper build does: the first (in file-name order) has the name, the second a clash.
    assert rows["A.md"].select_one(".dash-title a")["href"] == "/paper/a"
    assert rows["A.md"].select_one(".badge-errors") is None
    clash = rows["a.md"]
    assert clash.select_one(".dash-title a") is None and clash.select_one(".dash-links a") is None
    problems = clash.select_one("ul.problems").get_text()
    assert "error B001 output-clash" in problems and "like those of" in problems
    assert "A.md" in problems
    page = BeautifulSoup(site.handle("GET", "/paper/a", HOST).body, "html.parser")
    assert page.find("h1").get_text() == "Upper case in later life"


# -- SIGTERM ---------------------------------------------------------------------------------


def _children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.add(int(entry.name))
    return found


def _running(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
@pytest.mark.parametrize("busy", [False, True])
def test_sigterm_stops_the_preview_and_its_pdf_worker(tmp_path: Path, busy: bool) -> None:
    import re
    import urllib.request

    shutil.copytree(EXAMPLES, tmp_path / "briefs")
    server = subprocess.Popen(
        [sys.executable, "-m", "scoper", "serve", "briefs", "--port", "0"],
        cwd=tmp_path,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = re.search(r"http://\S+/", server.stderr.readline())[0]  # type: ignore[index]

        def get_pdf() -> None:
            with contextlib.suppress(OSError, http.client.HTTPException):
                urllib.request.urlopen(url + "paper/knife-crime.pdf", timeout=120).read()

        fetch = threading.Thread(target=get_pdf, daemon=True)
        fetch.start()
        if not busy:
            fetch.join(120)  # the worker started and rendered, and now waits for the next
        deadline = time.monotonic() + 60
        while not (workers := _children(server.pid)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert workers
        server.send_signal(signal.SIGTERM)
        code = server.wait(15)
        output = server.stderr.read()
        assert code == 0, output
        assert "stopped" in output and "Traceback" not in output
        deadline = time.monotonic() + 5
        while any(_running(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not [pid for pid in workers if _running(pid)]
    finally:
        if server.poll() is None:
            server.kill()
            server.wait(5)


def test_stopping_while_the_pdf_worker_starts_waits_for_it_then_stops_it(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker whose parent goes away while it starts prints multiprocessing's traceback
    (finding 13): stopping waits for the start, then stops the worker; none starts after."""
    import scoper.preview.site as site_module

    starting, started, stopped = threading.Event(), threading.Event(), threading.Event()

    class SlowStart:
        def __init__(self) -> None:
            starting.set()
            time.sleep(0.5)
            self.pool = self
            started.set()

        def submit(self, job: object, timeout: float) -> object:
            raise RuntimeError("cannot schedule new futures after shutdown")  # as a real pool

        def stop(self) -> None:
            assert started.is_set()
            stopped.set()

    monkeypatch.setattr(site_module, "_Renderer", SlowStart)

    def get_pdf() -> None:
        with contextlib.suppress(RuntimeError):  # the server's handler says "fault"
            site.handle("GET", "/paper/knife-crime.pdf", HOST, {})

    fetch = threading.Thread(target=get_pdf, daemon=True)
    fetch.start()
    assert starting.wait(30)
    site.close()
    assert stopped.is_set()
    fetch.join(10)
    response = site.handle("GET", "/paper/alcohol-harm.pdf", HOST, {})
    assert response.status == 503
