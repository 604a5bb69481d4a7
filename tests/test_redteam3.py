# ruff: noqa: E501  (briefs are written inline, one line of Markdown per string)
"""The fifth hostile-input round (docs/redteam-2026-11-round3.md): a fresh round of the kinds
of attack issue 18 lists, against the code as it now is, one test per attack tried.

A test of an attack that succeeded (a finding) is marked ``xfail(strict=True)`` with the
finding's number, so the suite stays green until the fix lands and then says so.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from scoper.cli import cli
from tests.test_redteam import HEAD, SUMMARY, TAIL, _pdf_bytes, leaks, public_outputs

MARKED = SUMMARY.replace("a roundtable.", "a roundtable with [LEAK-SPAN Diageo]{.sensitive}.")


def _brief(folder: Path, name: str = "rt.md", body: str = MARKED + TAIL, head: str = HEAD) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(head + body)
    return path


def _scoper(*args: str, cwd: Path | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """scoper in a child process (its own PDF workers), with a time limit."""
    import sys

    return subprocess.run(
        [sys.executable, "-m", "scoper", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
    )


def _folder_leaks(folder: Path) -> dict[str, list[str]]:
    found: dict[str, bytes] = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            found[str(path.relative_to(folder))] = (
                _pdf_bytes(path) if path.suffix == ".pdf" else path.read_bytes()
            )
    return leaks(found)


# -- the pack's cache: a public pack and a full pack in one folder --------------------------


@pytest.mark.xfail(strict=True, reason="finding 1: a public pack reuses the full papers cached in its folder")
@pytest.mark.parametrize("same_day", [True, False], ids=["same-run", "next-day"])
def test_public_pack_in_a_folder_that_held_the_full_pack(tmp_path: Path, same_day: bool) -> None:
    briefs = tmp_path / "briefs"
    _brief(briefs)
    # A careless user first writes the full pack where the public one will go...
    full = _scoper("pack", str(briefs), "-o", str(tmp_path / "out" / "public"), "--today", "2026-11-23")
    assert "pack.pdf" in full.stdout + full.stderr
    # ...then makes the public pack: its folder is OUTPUT/public, the same folder.
    day = "2026-11-23" if same_day else "2026-11-24"
    public = _scoper("pack", "--public", str(briefs), "-o", str(tmp_path / "out"), "--today", day)
    assert public.returncode == 0, public.stderr
    assert _folder_leaks(tmp_path / "out" / "public") == {}
