"""The preview's connection slots, kept from slow clients ("slowloris").

A client that sends its request head a byte now and then holds a connection, and a thread,
for as long as it likes. Two limits stop a few such clients from locking everyone out: a
request head must arrive whole within HEAD_SECONDS of the connection being accepted (or, on
a kept-alive connection, of the last answer), and when a client address holds its share of
the slots, or all slots are taken, a new connection takes the slot of the oldest one still
waiting for its head (a browser opens its connections again when they close unused), rather
than being turned away.
"""

from __future__ import annotations

import contextlib
import io
import socket
import threading
import time
from collections.abc import Callable

from msgspec import Struct, field

MAX_CONNECTIONS = 256
"""Connections served at once (a thread each)."""
PER_CLIENT = 64
"""Connections one client address may hold at once: a quarter of the slots."""
HEAD_SECONDS = 10.0
"""Time to send a whole request head: a browser sends it in one packet."""
MAX_STREAMS = 32
"""Live-reload event streams held open at once (one per open page): an eighth of the slots,
so that held streams never keep ordinary requests waiting."""
STREAMS_PER_CLIENT = 4
"""Event streams one client address elsewhere (--host) may hold at once."""


class _Connection(Struct, eq=False):
    sock: socket.socket
    address: str
    since: float = field(default_factory=time.monotonic)
    """When it started to wait for its current request head."""
    in_head: bool = True
    """Waiting for (or reading) a request head: nothing is lost by closing it."""


class Slots:
    """Who holds the slots; thread-safe."""

    def __init__(self, total: int = MAX_CONNECTIONS, per_client: int = PER_CLIENT) -> None:
        self._total = total
        self._per_client = per_client
        self._lock = threading.Lock()
        self._open: dict[socket.socket, _Connection] = {}

    def admit(self, sock: socket.socket, address: str) -> bool:
        """Give ``sock`` a slot, closing the oldest connection still waiting for its head
        to make room if need be; False when there is no room (then close ``sock``)."""
        with self._lock:
            # Every process on this machine is 127.0.0.1: a share per address would turn a
            # browser's own burst away. The share is for clients elsewhere (--host).
            local = address in ("127.0.0.1", "::1") or address.startswith("127.")
            mine = [] if local else [c for c in self._open.values() if c.address == address]
            if len(mine) >= self._per_client:
                victims = mine
            elif len(self._open) >= self._total:
                victims = list(self._open.values())
            else:
                victims = []
            if victims:
                waiting = [c for c in victims if c.in_head]
                if not waiting:
                    return False
                victim = min(waiting, key=lambda c: c.since)
                del self._open[victim.sock]
                with contextlib.suppress(OSError):  # its thread's read returns at once
                    victim.sock.shutdown(socket.SHUT_RDWR)
            self._open[sock] = _Connection(sock, address)
            return True

    def release(self, sock: socket.socket) -> None:
        with self._lock:
            self._open.pop(sock, None)

    def waiting(self, sock: socket.socket) -> float:
        """``sock`` waits for a request head from now on: the time it must have it by."""
        with self._lock:
            connection = self._open.get(sock)
            if connection is None:
                return time.monotonic() + HEAD_SECONDS
            if not connection.in_head:
                connection.in_head, connection.since = True, time.monotonic()
            return connection.since + HEAD_SECONDS

    def answering(self, sock: socket.socket) -> None:
        """``sock`` has sent its request head: it is being answered, so it keeps its slot."""
        with self._lock:
            connection = self._open.get(sock)
            if connection is not None:
                connection.in_head = False


class _Stream(Struct, eq=False):
    sock: socket.socket
    address: str
    ended: threading.Event = field(default_factory=threading.Event)


class Streams:
    """The live reload's event streams: each is answered for as long as its page is open,
    so it holds its slot and its thread the whole time. They are capped apart from other
    connections (MAX_STREAMS in all, STREAMS_PER_CLIENT per address elsewhere); a new one
    over a cap ends the oldest (whose page reconnects by itself, as EventSource does),
    frees its slot at once and wakes its thread (``wake``) to end. Thread-safe."""

    def __init__(
        self,
        slots: Slots,
        wake: Callable[[], None],
        total: int = MAX_STREAMS,
        per_client: int = STREAMS_PER_CLIENT,
    ) -> None:
        self._slots = slots
        self._wake = wake
        self._total = total
        self._per_client = per_client
        self._lock = threading.Lock()
        self._open: list[_Stream] = []  # oldest first

    def start(self, sock: socket.socket, address: str) -> threading.Event:
        """``sock`` is now an event stream: the event is set when it must end."""
        stream = _Stream(sock, address)
        with self._lock:
            local = address in ("127.0.0.1", "::1") or address.startswith("127.")
            mine = [] if local else [s for s in self._open if s.address == address]
            victims: list[_Stream] = []
            if len(mine) >= self._per_client:
                victims.append(mine[0])
            elif len(self._open) >= self._total:
                victims.append(self._open[0])
            for victim in victims:
                self._open.remove(victim)
                victim.ended.set()
                self._slots.release(victim.sock)
                with contextlib.suppress(OSError):
                    victim.sock.shutdown(socket.SHUT_RDWR)
            self._open.append(stream)
        if victims:
            self._wake()
        return stream.ended

    def end(self, sock: socket.socket) -> None:
        with self._lock:
            self._open = [s for s in self._open if s.sock is not sock]

    def __len__(self) -> int:
        with self._lock:
            return len(self._open)


class DeadlineReader(io.RawIOBase):
    """A socket's reads, each allowed only the time left before ``deadline`` (when one is
    set) as well as the idle limit, so a head sent a byte at a time still ends on time."""

    def __init__(self, sock: socket.socket, idle: float) -> None:
        self._sock = sock
        self._idle = idle
        self.deadline: float | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if self.deadline is None:
            return self._sock.recv_into(buffer)
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the request head took too long")
        self._sock.settimeout(min(self._idle, left))
        try:
            return self._sock.recv_into(buffer)
        finally:
            self._sock.settimeout(self._idle)
