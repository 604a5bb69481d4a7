"""Work done in a forked child (scoper.forked): its value comes back, a failure or a late
child is an exception (the late one killed), and a child whose value is not wanted is
stopped and reaped."""

from __future__ import annotations

import os
import time

import pytest

from scoper.forked import ChildFailed, Forked, TimedOut

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")


def _gone(pid: int | None) -> bool:
    """Whether the child has ended and been reaped (its /proc entry removed)."""
    assert pid is not None and pid != os.getpid()
    return not os.path.exists(f"/proc/{pid}")


def test_the_value_comes_back_from_the_child() -> None:
    parent = os.getpid()
    with Forked(lambda: (os.getpid(), "x" * 3_000_000)) as forked:
        child = forked.pid
        pid, text = forked.result()
    assert pid == child != parent and text == "x" * 3_000_000  # more than a pipe holds
    assert _gone(child)


def test_a_child_that_fails_is_an_error_that_says_how() -> None:
    def fails() -> int:
        raise ValueError("no")

    with Forked(fails) as forked:
        child = forked.pid
        with pytest.raises(ChildFailed, match="exit status 1"):
            forked.result()
    assert _gone(child)


def test_a_late_child_is_killed_and_reaped() -> None:
    start = time.monotonic()
    forked = Forked(lambda: time.sleep(30))
    child = forked.pid
    with pytest.raises(TimedOut):
        forked.result(timeout=0.5)
    assert time.monotonic() - start < 5
    assert _gone(child)


def test_a_value_not_wanted_is_stopped_at_once() -> None:
    start = time.monotonic()
    with Forked(lambda: time.sleep(30)) as forked:
        child = forked.pid
        assert not _gone(child)
    assert time.monotonic() - start < 5
    assert _gone(child)


def test_no_process_to_be_had_leaves_nothing_open(monkeypatch: pytest.MonkeyPatch) -> None:
    """When no process can be started the caller hears so (and may do the work itself), and
    the pipe made for the child is closed."""
    before = set(os.listdir("/proc/self/fd"))

    def no_fork() -> int:
        raise BlockingIOError("Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", no_fork)
    with pytest.raises(OSError):
        Forked(lambda: 1)
    assert set(os.listdir("/proc/self/fd")) <= before


def test_the_child_ends_with_its_parent(tmp_path: object) -> None:
    """A renderer stopped at its time limit is killed outright: the layout it started ahead
    (or anything else it forked) does not go on without it."""
    import subprocess
    import sys
    from pathlib import Path

    script = (
        "import os, time\n"
        "from scoper.forked import ChildFailed, Forked, TimedOut\n"
        "ahead = Forked(lambda: time.sleep(60))\n"
        "print(ahead.pid, flush=True)\n"
        "time.sleep(0.3)\n"
        "os._exit(0)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=30
    )
    child = int(done.stdout.strip())
    status = Path(f"/proc/{child}/status")
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if not status.exists() or "\nState:\tZ" in status.read_text():
            return
        time.sleep(0.05)
    pytest.fail(f"the child {child} outlived its parent")
