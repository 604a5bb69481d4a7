"""Benchmarks of scoper against its peers (see docs/performance.md)."""

from __future__ import annotations

import compileall
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def compile_scoper() -> None:
    """Write scoper's bytecode before timing it, as installing it would. An editable
    checkout run with ``PYTHONDONTWRITEBYTECODE`` set (as some shells and CI images do)
    otherwise compiles every module edited since its last ``.pyc`` on every run, which
    times the compiler rather than scoper."""
    compileall.compile_dir(ROOT / "scoper", quiet=1)
