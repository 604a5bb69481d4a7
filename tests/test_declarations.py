"""WeasyPrint's C declarations, parsed once and kept in the user's cache
(scoper.pdf.declarations): each case runs a renderer in a fresh Python, as a command does."""

from __future__ import annotations

import hashlib
import json
import marshal
import os
import re
import subprocess
import sys
from pathlib import Path

from pypdf import PdfReader

from scoper.pdf.declarations import FORMAT, _read

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


def _contents(kept: Path) -> tuple:
    data = kept.read_bytes()
    assert data.startswith(FORMAT)
    return marshal.loads(data[len(FORMAT) :].partition(b"\n")[2])


def _write(kept: Path, loaded: object, *, digest: bytes | None = None) -> None:
    """A kept file holding ``loaded``, with a right digest of it unless one is given."""
    payload = marshal.dumps(loaded)
    digest = digest or hashlib.sha256(payload).hexdigest().encode()
    kept.write_bytes(FORMAT + digest + b"\n" + payload)


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
    """Damaged on disk (cut short, bytes changed: the digest of the contents catches it, where
    cffi would have crashed the renderer), written by another version of this module, or of
    a shape cffi's constructor does not take: never used, and made again."""
    baseline = _render(tmp_path, "baseline")
    [kept] = _kept(tmp_path)
    good = kept.read_bytes()
    arguments, keywords, digest = _contents(kept)
    damaged = bytearray(good)
    for offset in range(len(good) // 2, len(good) // 2 + 40):
        damaged[offset] ^= 0x5A
    nested: object = ()
    for _ in range(1500):
        nested = (nested,)
    # cffi's type table cut short, the file's digest left as it was: cffi reads the table
    # as it is given (it crashed the renderer), unless the digest catches it.
    changed_table = marshal.dumps(
        (arguments, {**keywords, "_types": keywords["_types"][:8]}, digest)
    )
    old_digest = good[len(FORMAT) :].partition(b"\n")[0]
    for foreign in (
        b"",
        b"not marshal data",
        good[: len(good) // 2],
        bytes(damaged),
        FORMAT + old_digest + b"\n" + changed_table,
        marshal.dumps((arguments, keywords, digest)),  # the first version's, with no header
        None,  # then written below, of the right format but the wrong shape
    ):
        if foreign is not None:
            kept.write_bytes(foreign)
        else:
            _write(kept, (arguments, {**keywords, "_types": "a str, not bytes"}, digest))
        again = _render(tmp_path, "again")
        assert again["parsed"]  # parsed afresh, and kept again for the next renderer
        assert _same_pdf(again["pdf"], baseline["pdf"])
        assert _contents(kept) == (arguments, keywords, digest)
    for shape in (
        (arguments, {**keywords, "bogus": 1}, digest),
        (arguments, {**keywords, "_globals": nested}, digest),
        ((), keywords, digest),
    ):
        _write(kept, shape)
        assert _read(kept) is None  # refused before cffi sees it, without a RecursionError
    assert _read(kept.parent / "missing") is None


def test_declarations_kept_for_other_text_are_dropped_not_used(tmp_path: Path) -> None:
    """A kept file whose declarations are not the ones WeasyPrint makes (made for another
    text under the same name): WeasyPrint is loaded afresh and parses its own, the paper is
    the same, and its own declarations replace the file."""
    baseline = _render(tmp_path, "baseline")
    [kept] = _kept(tmp_path)
    arguments, keywords, digest = _contents(kept)
    _write(kept, (arguments, keywords, "0" * 64))
    again = _render(tmp_path, "again")
    assert again["parsed"]
    assert _same_pdf(again["pdf"], baseline["pdf"])
    assert _kept(tmp_path) == [kept]
    assert _contents(kept)[2] == digest
    assert not _render(tmp_path, "third")["parsed"]


def test_a_kept_file_holding_code_or_other_types_is_refused(tmp_path: Path) -> None:
    code = compile("import os; os.system('echo hacked')", "<kept>", "exec")
    kept = tmp_path / "declarations-x"
    for loaded in (
        (("name",), {"_types": code}, "0" * 64),
        ((code,), {}, "0" * 64),
        (("name",), {1: b""}, "0" * 64),
        (("name",), {"_globals": [b"a list"]}, "0" * 64),
        (("name",), {}, b"not a digest"),
        code,
    ):
        _write(kept, loaded)
        assert _read(kept) is None
    _write(kept, (("name",), {"_types": b"\x00", "_version": 9729}, "0" * 64))
    assert _read(kept) == (("name",), {"_types": b"\x00", "_version": 9729}, "0" * 64)
    # The same, with a digest that is not of what follows it: damaged, refused.
    _write(kept, (("name",), {"_types": b"\x00", "_version": 9729}, "0" * 64), digest=b"0" * 64)
    assert _read(kept) is None


def test_a_cache_others_could_change_keeps_nothing(tmp_path: Path) -> None:
    """As for compiled templates and drawn charts (scoper.usercache): a cache someone
    else could write to is not used, and the renderer still works."""
    shared = tmp_path / "cache"
    shared.mkdir()
    shared.chmod(0o777)
    rendered = _render(tmp_path, "shared")
    assert rendered["pages"] == 1
    assert (shared / "scoper" / "weasyprint").is_dir()  # made, then refused: not used
    assert _kept(tmp_path) == []


LOOKUPS = """
import json, subprocess, sys
ran = []
real = subprocess.run
def run(args, *rest, **options):
    ran.append(list(args))
    return real(args, *rest, **options)
subprocess.run = run
import scoper.pdf.render
print(json.dumps({"ldconfig": sum(1 for a in ran if str(a[0]).endswith("ldconfig")),
                  "parsed": "pycparser" in sys.modules}))
"""


def test_the_library_listing_is_made_only_for_a_renderer_that_looks_libraries_up(
    tmp_path: Path,
) -> None:
    """WeasyPrint's libraries are found from one ``ldconfig -p`` listing when WeasyPrint
    parses its declarations (cffi then looks up each name that does not open as given);
    handed its kept declarations, it looks nothing up, and no listing is made."""
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    runs = []
    for _ in range(2):
        done = subprocess.run(
            [sys.executable, "-c", LOOKUPS], env=env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr
        runs.append(json.loads(done.stdout))
    assert runs[0]["parsed"] and runs[0]["ldconfig"] <= 1
    assert runs[1] == {"parsed": False, "ldconfig": 0}
