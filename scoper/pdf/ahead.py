"""Work done ahead, on a spare core, in a process forked from this one.

A paper whose figure may have to move is laid out twice, one layout after the other, when
its figure left a gap (see scoper.pdf.floats). When the machine has a core with nothing
else to do (one paper built on its own), the second layout can start at the same time as
the first, in a forked copy of the renderer, and is simply dropped when it is not needed.

The forked process inherits the renderer's limits (each process its own share of memory
and CPU time, so a paper laid out ahead may briefly take twice the memory of one render),
and ends with its parent: a renderer stopped at its time limit takes it along.
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import signal
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Ahead(Generic[T]):
    """The value of a function being computed in a child process; use as a context manager
    (leaving it stops the child if its value was not wanted)."""

    def __init__(self, work: Callable[[], T]) -> None:
        """Raises OSError when no process can be started (the caller does the work itself)."""
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
        if self._pid == 0:
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
        os.close(write)

    def result(self) -> T | None:
        """The value, once the child has sent it; None if the child failed or was killed
        (it inherits this process's limits of time and memory)."""
        if self._pid is None:
            return None
        chunks = []
        while chunk := os.read(self._read, 1 << 20):
            chunks.append(chunk)
        _, status = os.waitpid(self._pid, 0)
        self._pid = None
        os.close(self._read)
        if not (os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0 and chunks):
            return None
        value: T = pickle.loads(b"".join(chunks))
        return value

    def cancel(self) -> None:
        if self._pid is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(self._pid, signal.SIGKILL)
        os.waitpid(self._pid, 0)
        self._pid = None
        os.close(self._read)

    def __enter__(self) -> Ahead[T]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.cancel()


def _die_with_parent(parent: int) -> None:
    """Ask Linux to kill this process when its parent ends: a renderer stopped at its time
    limit is killed outright and could not stop its own children. (Elsewhere the child
    still ends at the time limit it inherits.)"""
    with contextlib.suppress(Exception):
        import ctypes

        set_parent_death_signal = 1  # PR_SET_PDEATHSIG
        ctypes.CDLL(None, use_errno=True).prctl(set_parent_death_signal, signal.SIGKILL)
    if os.getppid() != parent:  # the parent ended before the request was made
        os._exit(1)
