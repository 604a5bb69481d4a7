"""Benchmarks of scoper against its peers (see docs/performance.md)."""

from __future__ import annotations

import compileall
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def compile_scoper(package: Path = ROOT / "scoper") -> None:
    """Write scoper's bytecode before timing it, as installing it would. An editable
    checkout run with ``PYTHONDONTWRITEBYTECODE`` set (as some shells and CI images do)
    otherwise compiles every module edited since its last ``.pyc`` on every run, which
    times the compiler rather than scoper."""
    compileall.compile_dir(package, quiet=1)


def timed(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> float:
    """Seconds the command takes, start-up included; it must succeed."""
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=env, check=True, capture_output=True)
    return time.perf_counter() - start
