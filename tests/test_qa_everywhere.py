"""The Unit QA box travels with a draft paper wherever it is read: its own HTML and PDF (see
tests/test_check_content.py), the Word paper (tests/test_docx.py), the pack and the
preview."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from pypdf import PdfReader

from scoper.config import Config
from scoper.pack.build import build_pack
from scoper.preview.site import Site
from tests.conftest import EXAMPLES

TODAY = dt.date(2026, 11, 28)
NOTE = "Office for National Statistics has not declared what it stands to gain or lose."


@pytest.fixture
def briefs(tmp_path: Path) -> Path:
    folder = tmp_path / "briefs"
    shutil.copytree(EXAMPLES, folder)
    brief = folder / "loneliness.md"  # a draft: without its declared interests, it has a warning
    text = brief.read_text()
    assert "  - Interests: None declared\n" in text
    brief.write_text(text.replace("  - Interests: None declared\n", "", 1))
    return folder


def test_the_pack_carries_each_drafts_qa_box(briefs: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    outcome = build_pack(sorted(briefs.glob("*.md")), Config(), out, today=TODAY, timeout=60)
    assert outcome.name is not None, [p.format() for p in outcome.problems]
    soup = BeautifulSoup((out / f"{outcome.name}.html").read_text(), "html.parser")
    boxes = soup.select(".qa-box")
    assert len(boxes) == 1 and NOTE in boxes[0].get_text()
    assert "loneliness" in boxes[0].find_parent("article")["id"]
    # The paper's own HTML and PDF in the pack's folder carry it too.
    assert NOTE in (out / "loneliness.html").read_text()
    text = " ".join(page.extract_text() for page in PdfReader(out / "loneliness.pdf").pages[:1])
    assert "Unit QA" in text and "Office for National Statistics" in text


def test_the_preview_shows_the_qa_box(
    briefs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    site = Site(briefs)
    try:
        page = site.handle("GET", "/paper/loneliness", "127.0.0.1:8000")
        assert page.status == 200
        assert NOTE in page.body.decode()
        final = site.handle("GET", "/paper/ai-public-services", "127.0.0.1:8000")
        assert final.status == 200 and b'class="qa-box"' not in final.body
    finally:
        site.close()
