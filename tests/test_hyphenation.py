"""The hyphenation dictionary kept parsed in the user's cache (scoper.pdf.hyphenation):
each case loads it in a fresh Python, as a renderer does."""

from __future__ import annotations

import json
import marshal
import os
import subprocess
import sys
from pathlib import Path

import pytest

from scoper.pdf.hyphenation import FORMAT, _patterns
from scoper.usercache import keep, read_kept

LOAD = """
import json, sys
import pyphen
from scoper.pdf.hyphenation import preload
read = []
original = pyphen.HyphDict.__init__
def reading(self, path):
    read.append(str(path))
    original(self, path)
pyphen.HyphDict.__init__ = reading
preload()
words = ["accountability", "internationalisation", "commissioning", "partnership"]
print(json.dumps({
    "parsed": bool(read),
    "cached": any("hyph_en_GB" in str(path) for path in pyphen.hdcache),
    "hyphenated": [pyphen.Pyphen(lang="en_GB").inserted(word) for word in words],
}))
"""

PYPHENS_OWN = [
    "ac-count-ab-il-ity",
    "in-ter-na-tion-al-isa-tion",
    "com-mis-sion-ing",
    "part-ner-ship",
]
"""How pyphen hyphenates the words of :data:`LOAD` reading the dictionary itself."""


def _load(tmp_path: Path) -> dict:
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    done = subprocess.run(
        [sys.executable, "-c", LOAD], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _kept(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "cache" / "scoper" / "hyphenation").glob("*.patterns"))


def test_the_dictionary_is_parsed_once_then_read_as_kept(tmp_path: Path) -> None:
    _load(tmp_path)
    [kept] = _kept(tmp_path)
    old_form = kept.with_suffix(".json")  # as scoper kept it before
    old_form.write_text("{}")
    kept.unlink()
    first = _load(tmp_path)
    assert not old_form.exists()
    assert first["parsed"] and first["cached"]
    assert first["hyphenated"] == PYPHENS_OWN
    [kept] = _kept(tmp_path)
    value = read_kept(kept, FORMAT, 1 << 24)
    assert isinstance(value, dict) and len(value) > 10_000
    assert _patterns(value) is value
    second = _load(tmp_path)
    assert not second["parsed"] and second["cached"]
    assert second["hyphenated"] == PYPHENS_OWN  # the same breaks from the kept patterns


@pytest.mark.parametrize(
    "damage",
    [
        "bytes changed",
        "cut short",
        "another format",
        "not a dictionary",
        "a pattern of another shape",
        "a start that is not a number",
        "a code object",
    ],
)
def test_a_kept_dictionary_that_is_not_right_is_read_afresh_and_kept_anew(
    tmp_path: Path, damage: str
) -> None:
    _load(tmp_path)
    [kept] = _kept(tmp_path)
    good = kept.read_bytes()
    if damage == "bytes changed":
        kept.write_bytes(good[:-100] + bytes(100))
    elif damage == "cut short":
        kept.write_bytes(good[: len(good) // 2])
    elif damage == "another format":
        kept.write_bytes(good.replace(FORMAT, FORMAT.replace(b", 1", b", 0")))
    elif damage == "not a dictionary":
        keep(kept, FORMAT, [1, 2, 3])
    elif damage == "a pattern of another shape":
        keep(kept, FORMAT, {"ab": (0, [1, 2])})
    elif damage == "a start that is not a number":
        # pyphen slices with it: a string there fails inside the layout, not here.
        keep(kept, FORMAT, {"ab": ("0", (1,))})
    else:
        keep(kept, FORMAT, {"ab": (0, (compile("1", "x", "eval"),))})
    found = _load(tmp_path)
    assert found["parsed"]  # read from pyphen's own file, as when nothing was kept
    assert found["hyphenated"] == PYPHENS_OWN
    assert kept.read_bytes() == good  # and kept anew


def test_kept_values_hold_their_digest_and_form(tmp_path: Path) -> None:
    path = tmp_path / "kept"
    leftover = tmp_path / ".kept.0123456789ab.tmp"  # a writer killed before its rename
    leftover.write_bytes(b"half")
    os.utime(leftover, (1, 1))
    keep(path, b"form, 1\n", {"a": (1, (2, 3))})
    assert not leftover.exists()  # kept as every output is written
    data = path.read_bytes()
    assert data.startswith(b"form, 1\n")
    assert marshal.loads(data.split(b"\n", 2)[2]) == {"a": (1, (2, 3))}
    assert read_kept(path, b"form, 1\n", 1 << 10) == {"a": (1, (2, 3))}
    assert read_kept(path, b"form, 2\n", 1 << 10) is None
    assert read_kept(path, b"form, 1\n", 10) is None  # larger than the caller allows
    assert read_kept(tmp_path / "missing", b"form, 1\n", 1 << 10) is None
    keep(path, b"form, 1\n", {"a": object()})  # not data marshal writes: nothing kept
    assert read_kept(path, b"form, 1\n", 1 << 10) == {"a": (1, (2, 3))}
    assert not list(tmp_path.glob("*.tmp"))
