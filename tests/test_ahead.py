"""Work done ahead in a forked process (scoper.pdf.ahead): its value comes back, a failure
is None, and a child whose value is not wanted is stopped and reaped."""

from __future__ import annotations

import os
import time

import pytest

from scoper.pdf.ahead import Ahead

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")


def _no_child_left() -> bool:
    try:
        os.waitpid(-1, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


def test_the_value_comes_back_from_the_child() -> None:
    parent = os.getpid()
    with Ahead(lambda: (os.getpid(), "x" * 3_000_000)) as ahead:
        value = ahead.result()
    assert value is not None
    pid, text = value
    assert pid != parent and text == "x" * 3_000_000  # larger than a pipe holds at once
    assert _no_child_left()


def test_a_child_that_fails_gives_none() -> None:
    def fails() -> int:
        raise ValueError("no")

    with Ahead(fails) as ahead:
        assert ahead.result() is None
    assert _no_child_left()


def test_a_value_not_wanted_is_stopped_at_once() -> None:
    start = time.monotonic()
    with Ahead(lambda: time.sleep(30)):
        pass
    assert time.monotonic() - start < 5
    assert _no_child_left()


def test_the_child_ends_with_its_parent(tmp_path: object) -> None:
    """A renderer stopped at its time limit is killed outright: the layout it started ahead
    does not go on without it."""
    import subprocess
    import sys
    from pathlib import Path

    script = (
        "import os, time\n"
        "from scoper.pdf.ahead import Ahead\n"
        "ahead = Ahead(lambda: time.sleep(60))\n"
        "print(ahead._pid, flush=True)\n"
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
