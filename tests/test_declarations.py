"""WeasyPrint's C declarations, parsed once and kept in the user's cache
(scoper.pdf.declarations): each case runs a renderer in a fresh Python, as a command does."""

from __future__ import annotations

import json
import marshal
import os
import re
import subprocess
import sys
from pathlib import Path

from pypdf import PdfReader

from scoper.pdf.declarations import _read

RENDER = """
import json, sys
from pathlib import Path
from scoper.pdf.render import render_pdf

html = ('<!DOCTYPE html><html lang="en-GB"><head><title>T</title></head><body>'
        '<h1>Knife crime</h1><p>Some <b>bold</b> text, a ligature: office.</p>'
        '<table><tr><th>A</th><td>1</td></tr></table></body></html>')
out = render_pdf(html, (Path(sys.argv[1]),), "T", "2026-11-23")
Path(sys.argv[2]).write_bytes(out.pdf)
print(json.dumps({"parsed": "pycparser" in sys.modules, "pages": out.pages,
                  "warnings": out.warnings}))
"""


def _render(tmp_path: Path, name: str) -> dict:
    """Render a small page in a fresh Python with the cache under ``tmp_path``: whether
    WeasyPrint's declarations were parsed (pycparser loaded), and what came out."""
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    target = tmp_path / f"{name}.pdf"
    done = subprocess.run(
        [sys.executable, "-c", RENDER, str(tmp_path), str(target)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # nothing said by cffi as it writes, nor by the renderer
    found = json.loads(done.stdout)
    found["pdf"] = target.read_bytes()
    return found


def _kept(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "cache" / "scoper" / "weasyprint").glob("declarations-*"))


def _same_pdf(first: bytes, second: bytes) -> bool:
    """The same bytes but the file identifier, which WeasyPrint makes afresh each time."""
    identifier = re.compile(rb"/ID \[<[0-9a-f]+><[0-9a-f]+>\]")
    return identifier.sub(b"", first) == identifier.sub(b"", second)


def test_the_declarations_are_parsed_by_the_first_renderer_only(tmp_path: Path) -> None:
    first = _render(tmp_path, "first")
    assert first["parsed"]
    [kept] = _kept(tmp_path)
    assert (tmp_path / "cache" / "scoper" / "weasyprint").stat().st_mode & 0o077 == 0

    second = _render(tmp_path, "second")
    assert not second["parsed"]
    assert _kept(tmp_path) == [kept]
    assert second["pages"] == first["pages"] == 1
    assert second["warnings"] == first["warnings"] == []
    assert _same_pdf(first["pdf"], second["pdf"])
    assert "Knife crime" in PdfReader(tmp_path / "second.pdf").pages[0].extract_text()


def test_a_kept_file_that_is_not_ours_is_not_used_and_is_made_again(tmp_path: Path) -> None:
    baseline = _render(tmp_path, "baseline")
    [kept] = _kept(tmp_path)
    for foreign in (b"", b"not marshal data", marshal.dumps(("a", "tuple", "of", "four"))):
        kept.write_bytes(foreign)
        again = _render(tmp_path, "again")
        assert again["parsed"]  # parsed afresh, and kept again for the next renderer
        assert _same_pdf(again["pdf"], baseline["pdf"])
        assert _read(kept) is not None


def test_declarations_kept_for_other_text_are_dropped_not_used(tmp_path: Path) -> None:
    """A kept file whose declarations are not the ones WeasyPrint makes (made for another
    text under the same name): WeasyPrint is loaded afresh and parses its own, the paper is
    the same, and its own declarations replace the file."""
    baseline = _render(tmp_path, "baseline")
    [kept] = _kept(tmp_path)
    arguments, keywords, digest = marshal.loads(kept.read_bytes())
    kept.write_bytes(marshal.dumps((arguments, keywords, "0" * 64)))
    again = _render(tmp_path, "again")
    assert again["parsed"]
    assert _same_pdf(again["pdf"], baseline["pdf"])
    assert _kept(tmp_path) == [kept]
    assert marshal.loads(kept.read_bytes())[2] == digest
    assert not _render(tmp_path, "third")["parsed"]


def test_a_kept_file_holding_code_or_other_types_is_refused(tmp_path: Path) -> None:
    code = compile("import os; os.system('echo hacked')", "<kept>", "exec")
    kept = tmp_path / "declarations-x.marshal"
    for loaded in (
        (("name",), {"_types": code}, "0" * 64),
        ((code,), {}, "0" * 64),
        (("name",), {1: b""}, "0" * 64),
        (("name",), {"_types": [b"a list"]}, "0" * 64),
        (("name",), {}, b"not a digest"),
    ):
        kept.write_bytes(marshal.dumps(loaded))
        assert _read(kept) is None
    kept.write_bytes(marshal.dumps((("name",), {"_types": b"\x00", "_version": 9729}, "0" * 64)))
    assert _read(kept) == (("name",), {"_types": b"\x00", "_version": 9729}, "0" * 64)


def test_a_cache_others_could_change_keeps_nothing(tmp_path: Path) -> None:
    """As for compiled templates and drawn charts (scoper.usercache): a cache someone
    else could write to is not used, and the renderer still works."""
    shared = tmp_path / "cache"
    shared.mkdir()
    shared.chmod(0o777)
    rendered = _render(tmp_path, "shared")
    assert rendered["parsed"] and rendered["pages"] == 1
    assert not (shared / "scoper" / "weasyprint").exists() or _kept(tmp_path) == []
