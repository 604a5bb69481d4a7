"""Crash safety: a build killed at any moment leaves every paper either as it was or as it
should be, never cut short; two builds of the same brief at once leave a valid file."""

from __future__ import annotations

import io
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import docx
from pypdf import PdfReader

from tests.conftest import EXAMPLES

KILLS = 10


def build(folder: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "scoper", "build", "briefs", "-o", "out"],
        cwd=folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # so the kill reaches the renderer workers too
    )


def outputs(folder: Path) -> dict[str, bytes]:
    return {
        p.name: p.read_bytes() for p in (folder / "out").iterdir() if not p.name.startswith(".")
    }


def assert_whole(name: str, data: bytes, titles: tuple[str, str]) -> str:
    """The file is complete, and is one version or the other: which one."""
    if name.endswith(".docx"):
        text = docx.Document(io.BytesIO(data)).core_properties.title  # fails on a partial file
    elif name.endswith(".pdf"):
        reader = PdfReader(io.BytesIO(data))  # fails on a truncated file
        text = reader.metadata.title
        assert len(reader.pages) >= 2
    else:
        text = data.decode("utf-8")
        assert text.rstrip().endswith("</html>"), name
    found = [title for title in titles if title in text]
    assert found, name
    return found[-1]


def test_killed_builds_leave_old_or_new_files_never_partial(tmp_path: Path) -> None:
    shutil.copytree(EXAMPLES, tmp_path / "briefs")
    start = time.monotonic()
    assert build(tmp_path).wait(120) == 0
    # Kills spread over a whole build's time, however slow this machine is just now.
    whole = max(3.0, (time.monotonic() - start) * 1.2)
    old = outputs(tmp_path)
    assert len(old) == 18
    brief = tmp_path / "briefs" / "knife-crime.md"
    brief.write_text(brief.read_text().replace("Halving knife crime", "Revised knife crime"))
    titles = ("Halving knife crime", "Revised knife crime")
    chooser = random.Random(48)
    seen = set()
    for _ in range(KILLS):
        process = build(tmp_path)
        time.sleep(chooser.uniform(0.05, whole))
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(30)
        now = outputs(tmp_path)
        assert set(now) == set(old)  # nothing lost, nothing extra
        for name, data in now.items():
            if name.startswith("knife-crime"):
                seen.add(assert_whole(name, data, titles))
            else:
                assert data == old[name] or assert_whole(name, data, ("",) * 2) is not None
    # A run to the end then leaves every file new.
    assert build(tmp_path).wait(120) == 0
    final = outputs(tmp_path)
    for name in ("knife-crime.pdf", "knife-crime.html", "knife-crime.docx"):
        assert assert_whole(name, final[name], titles) == "Revised knife crime"
    # Some kill landed after the new paper was written: that state was checked whole too.
    assert "Revised knife crime" in seen


def test_two_builds_of_one_brief_at_once(tmp_path: Path) -> None:
    (tmp_path / "briefs").mkdir()
    shutil.copy(EXAMPLES / "loneliness.md", tmp_path / "briefs")
    first, second = build(tmp_path), build(tmp_path)
    assert first.wait(120) == 0 and second.wait(120) == 0
    final = outputs(tmp_path)
    assert sorted(final) == ["loneliness.docx", "loneliness.html", "loneliness.pdf"]
    for name, data in final.items():
        assert_whole(name, data, ("Tackling chronic loneliness",) * 2)
    assert [p.name for p in (tmp_path / "out").iterdir() if p.name.endswith(".tmp")] == []
