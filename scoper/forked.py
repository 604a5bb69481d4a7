"""Work done in a forked child process: a PDF render, an SVG drawn for Word, the second
layout of a paper laid out ahead on a spare core.

The child starts with everything this process has loaded, does the work, and sends back
its value (pickled: it is this process's own child); it is killed if its value is not
wanted or does not come in time, and it ends with its parent, so that a process killed at
its own limit takes its children along. Limits of memory and CPU time are set by the work
itself, in the child (see scoper.pdf.pool and scoper.drawing).
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import select
import signal
import time
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class TimedOut(Exception):
    """The child did not finish in time, and was killed."""


class ChildFailed(Exception):
    """The child ended without a value (an error, a limit, a signal)."""

    def __init__(self, status: int) -> None:
        super().__init__(how(status))
        self.status = status


class Forked(Generic[T]):
    """The value of ``work()``, computed in a child process; use as a context manager
    (leaving it stops the child if its value was not taken)."""

    def __init__(self, work: Callable[[], T]) -> None:
        """Raises OSError when no process can be started."""
        self._read, write = os.pipe()
        parent = os.getpid()
        gc.freeze()  # the child would otherwise copy every page the collector touches
        try:
            self._pid: int | None = os.fork()
        except OSError:
            gc.unfreeze()
            os.close(self._read)
            os.close(write)
            raise
        if self._pid != 0:
            gc.unfreeze()  # the child keeps them frozen: it only works, and ends
            os.close(write)
            return
        code = 1
        try:
            os.close(self._read)
            _die_with_parent(parent)
            data = pickle.dumps(work(), protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(write, "wb") as pipe:
                pipe.write(data)
            code = 0
        finally:
            os._exit(code)

    @property
    def pid(self) -> int | None:
        """The child's process id, until it has been waited for."""
        return self._pid

    def result(self, timeout: float | None = None) -> T:
        """The child's value, once it has sent it. Raises TimedOut (the child is killed)
        after ``timeout`` seconds, and ChildFailed if it ended without a value. On any
        other way out (Ctrl-C), the child is killed too."""
        if self._pid is None:
            raise RuntimeError("the child's value was already taken")
        deadline = None if timeout is None else time.monotonic() + timeout
        finished = False
        try:
            data, finished = _read_until(self._read, deadline)
        finally:
            os.close(self._read)
            if not finished:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(self._pid, signal.SIGKILL)
            _, status = os.waitpid(self._pid, 0)
            self._pid = None
        if not finished:
            raise TimedOut()
        if not (os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0 and data):
            raise ChildFailed(status)
        value: T = pickle.loads(data)  # our own child's answer
        return value

    def cancel(self) -> None:
        """Stop the child if it is still wanted by no one."""
        if self._pid is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(self._pid, signal.SIGKILL)
        os.waitpid(self._pid, 0)
        self._pid = None
        os.close(self._read)

    def __enter__(self) -> Forked[T]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.cancel()


def how(status: int) -> str:
    """How a child ended, in words (from its wait status)."""
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        try:
            return f"killed by {signal.Signals(number).name}"
        except ValueError:
            return f"killed by signal {number}"
    return f"exit status {os.waitstatus_to_exitcode(status)}"


def _read_until(fd: int, deadline: float | None) -> tuple[bytes, bool]:
    """Everything written to ``fd`` until it is closed, and whether that was before
    ``deadline`` (read as it comes, so that a large value cannot fill the pipe and stall)."""
    chunks: list[bytes] = []
    while True:
        left = None if deadline is None else deadline - time.monotonic()
        if left is not None and left <= 0:
            return b"", False
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            return b"", False
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            return b"".join(chunks), True
        chunks.append(chunk)


def _die_with_parent(parent: int) -> None:
    """Ask Linux to kill this process when its parent ends. (Elsewhere the child still ends
    at the CPU time limit its work sets.)"""
    with contextlib.suppress(Exception):
        import ctypes

        set_parent_death_signal = 1  # PR_SET_PDEATHSIG
        ctypes.CDLL(None, use_errno=True).prctl(set_parent_death_signal, signal.SIGKILL)
    if os.getppid() != parent:  # the parent ended before the request was made
        os._exit(1)
