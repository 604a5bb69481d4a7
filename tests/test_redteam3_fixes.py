# ruff: noqa: E501  (briefs are written inline, one line of Markdown per string)
"""Sibling cases of the fifth hostile-input round's findings (docs/redteam-2026-11-round3.md),
tried after their fixes: each class, not only the example the round found."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from scoper.config import Config
from scoper.pack.build import build_pack
from tests.test_redteam import HEAD, SUMMARY, TAIL, _pdf_bytes, leaks

TODAY = dt.date(2026, 11, 23)


def _folder_bytes(folder: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(folder)): _pdf_bytes(path)
        if path.suffix == ".pdf"
        else path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


# -- finding 1: the pack's cache and the kind of pack -----------------------------------------


def test_a_public_pack_removes_full_papers_it_leaves_out(tmp_path: Path) -> None:
    """A full pack written where the public one goes, with a brief the public pack leaves
    out (``public: false``): its full paper must not stay beside the public papers."""
    briefs = tmp_path / "briefs"
    briefs.mkdir()
    (briefs / "open.md").write_text(HEAD + SUMMARY + TAIL)
    closed = HEAD.replace("ref: PU-2026-099", "ref: PU-2026-098\npublic: false")
    (briefs / "closed.md").write_text(
        closed + SUMMARY.replace("roundtable", "LEAK-CLOSED roundtable") + TAIL
    )
    paths = sorted(briefs.glob("*.md"))
    full = build_pack(paths, Config(), tmp_path / "out" / "public", today=TODAY)
    assert full.ok, full.problems
    assert (tmp_path / "out" / "public" / "closed.pdf").exists()
    public = build_pack(
        paths, Config(), tmp_path / "out", today=TODAY, public=True, keep_going=True
    )
    assert public.name, public.problems
    assert not (tmp_path / "out" / "public" / "closed.pdf").exists()
    assert leaks(_folder_bytes(tmp_path / "out" / "public")) == {}


def test_a_full_pack_never_takes_public_papers(tmp_path: Path) -> None:
    """The reverse: a public pack in a folder, then the full pack written there, must be the
    full papers (an integrity fault otherwise), rendered again."""
    briefs = tmp_path / "briefs"
    briefs.mkdir()
    (briefs / "a.md").write_text(
        HEAD + SUMMARY.replace("roundtable.", "roundtable with [LEAK-KEPT]{.sensitive}.") + TAIL
    )
    paths = sorted(briefs.glob("*.md"))
    public = build_pack(paths, Config(), tmp_path, today=TODAY, public=True)
    assert public.ok, public.problems
    assert leaks(_folder_bytes(tmp_path / "public")) == {}
    full = build_pack(paths, Config(), tmp_path / "public", today=TODAY)
    assert full.ok and full.rendered > 0
    assert "a.pdf" in leaks(_folder_bytes(tmp_path / "public"))


def test_another_public_marking_renders_again(tmp_path: Path) -> None:
    briefs = tmp_path / "briefs"
    briefs.mkdir()
    (briefs / "a.md").write_text(HEAD + SUMMARY + TAIL)
    paths = sorted(briefs.glob("*.md"))
    first = build_pack(paths, Config(), tmp_path, today=TODAY, public=True)
    assert first.ok and first.rendered > 0
    again = build_pack(paths, Config(public_marking="PUBLIC"), tmp_path, today=TODAY, public=True)
    assert again.ok and again.rendered > 0
