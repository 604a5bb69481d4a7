"""The eighth hostile-input round (docs/redteam-2026-11-round6.md): the round-5 fixes (marks
where they are not read, snapshot validation, the bounded redline, the output folder's
limits) and the pack's links attacked, one test per attack.

A test of an attack that succeeded (a finding) is marked ``xfail(strict=True)`` with the
finding's number, so the suite stays green until the fix lands and then says so.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import time
from pathlib import Path

import pikepdf
import pytest

from tests.test_redteam import HEAD, SUMMARY, TAIL
from tests.test_redteam4 import _brief, _pack
from tests.test_redteam5 import LAST_WEEK, _planted, _public

# -- the public version: marks written where they are not read ---------------------------------


@pytest.mark.parametrize(
    "body",
    [
        "We met.[^1]\n\n{.sensitive}\n[^1]: LEAK-FN note\n\n",
        'We met.[^1]\n\n{.sensitive exemption="s.35"}\n[^1]: LEAK-FN note\n\n',
        "We met.[^n]\n\n{.sensitive}\n[^n]: LEAK-FN first\n\n    LEAK-FN second\n\n",
    ],
    ids=["plain", "exemption", "two-paragraphs"],
)
def test_a_block_mark_before_a_footnote_definition(tmp_path: Path, body: str) -> None:
    """The brief format: "A line `{.sensitive}` directly before a block ... marks that block
    sensitive". Before a footnote's definition the line is consumed (no braces show in the
    proof) but the mark is never read: the footnote is published in full."""
    code, _, found = _public(tmp_path, body)
    assert code != 0 or found == {}, found


@pytest.mark.parametrize(
    "body",
    [
        "```&#123;.sensitive&#125;\nLEAK-FI\n```\n\n",
        "```&#x7B;.sensitive&#x7D;\nLEAK-FI\n```\n\n",
        "```&lbrace;.sensitive&rbrace;\nLEAK-FI\n```\n\n",
    ],
    ids=["decimal", "hex", "named"],
)
def test_a_mark_as_character_references_in_a_fence_info_string(tmp_path: Path, body: str) -> None:
    code, _, found = _public(tmp_path, body)
    assert code != 0 or found == {}, found


@pytest.mark.parametrize(
    "body",
    [
        "````{.sensitive}\nLEAK-A\n````\n\n",
        "```\\{.sensitive\\}\nLEAK-B\n```\n\n",
        "    {.sensitive}\n    LEAK-C\n\n",
        "We met.[^LEAK-D{.sensitive}]\n\n[^LEAK-D{.sensitive}]: note\n\n",
        '[s](https://example.org "LEAK-E &#123;.sensitive&#125;") x\n\n',
        "LEAK-F &#123;.sensitive&#125; text\n\n",
        "[LEAK-G words]&#123;.sensitive&#125; x\n\n",
        "[LEAK-H w]{#a.sensitive} x\n\n",
        "[LEAK-I w]{.x.sensitive} x\n\n",
        "~~LEAK-J~~{.sensitive}\n\n",
        "*LEAK-K*{.sensitive}\n\n",
        "`LEAK-L` {.sensitive}\n\n",
        "| a |\n|---|\n| LEAK-M |\n{.sensitive}\n\n",
        "- LEAK-N item\n{.sensitive}\n- other\n\n",
        "[LEAK-O w]{.\u200bsensitive} x\n\n",
        "[LEAK-P w]{.sens\u00adtive} x\n\n",
        "[LEAK-Q w]{.ѕensitive} x\n\n",
        "[LEAK-R w]{class=\"sensitive'} x\n\n",
        "{.sensitive}\n\nLEAK-S para\n\n",
        "{.sensitive}\n> LEAK-T quote\n\n",
        "{.sensitive}\nWe met.[^1]\n\n[^1]: LEAK-U note\n\n",
        "{.sensitive}\n\n```\nLEAK-V\n```\n\n",
    ],
    ids=[
        "four-backticks",
        "escaped-braces-fence",
        "indented-code",
        "footnote-label",
        "link-title-references",
        "text-references",
        "span-references",
        "id-dot-class",
        "two-classes",
        "strikethrough",
        "emphasis",
        "code-then-space",
        "table-then-line",
        "list-item-line",
        "zero-width-space",
        "soft-hyphen",
        "cyrillic-s",
        "mixed-quotes",
        "block-line-blank-line",
        "block-line-quote",
        "block-line-footnoted-paragraph",
        "block-line-blank-fence",
    ],
)
def test_other_mark_spellings_are_withheld_or_refused(tmp_path: Path, body: str) -> None:
    code, _, found = _public(tmp_path, body)
    assert code != 0 or found == {}, found


# -- the snapshot: many fields, each under the limits ----------------------------------------


def _many_removed_actions(data: dict) -> None:
    """900 actions of about 19,000 characters each (every one under MAX_TEXT, 17 MB in
    all, under MAX_BYTES), none of them in this week's paper: each is "removed"."""
    data["papers"][0]["actions"] = [
        {"text": f"a{i} " + "word " * 3800, "owner": "X", "due": "", "status": "open"}
        for i in range(900)
    ]


def _many_dropped_papers(data: dict) -> None:
    """80,000 papers of short fields (15 MB), none in this week's pack: each "dropped"."""
    base = dict(data["papers"][0], actions=[], partners=[], summary="s", recommendation="r")
    data["papers"] += [dict(base, ref=f"PU-{i}", title=f"T{i}") for i in range(80_000)]


@pytest.mark.parametrize(
    "edit", [_many_removed_actions, _many_dropped_papers], ids=["actions", "papers"]
)
def test_a_planted_snapshot_of_many_fields_under_the_limits(tmp_path: Path, edit: object) -> None:
    briefs, out = _planted(tmp_path, edit)
    assert (out / f"pack-{LAST_WEEK}.snapshot.json").stat().st_size < 20_000_000
    made = _pack(briefs, out, "--timeout", "2", timeout=300)
    assert made.returncode == 0, made.stdout[-500:] + made.stderr[-500:]


def test_a_snapshot_text_over_the_limit_is_refused(tmp_path: Path) -> None:
    def edit(data: dict) -> None:
        data["papers"][0]["summary"] = "w" * 20_001

    briefs, out = _planted(tmp_path, edit)
    made = _pack(briefs, out, "--timeout", "5", timeout=120)
    assert made.returncode == 0, made.stderr[-500:]
    assert "bad-snapshot" in made.stdout + made.stderr


def test_the_redline_at_its_word_limit_is_quick() -> None:
    """6,000 words, the most compared word by word, in the worst shape round 5 found."""
    code = (
        "from scoper.pack.changes import redline\n"
        "old = ' '.join(f'w{i}' for i in range(4_499))\n"
        "new = ' '.join(f'w{i}' for i in range(0, 3000, 2))\n"
        "redline(old, new)\n"
    )
    started = time.monotonic()
    subprocess.run([sys.executable, "-c", code], timeout=30, check=True)
    assert time.monotonic() - started < 20


# -- the output folder: a hand-edited manifest vouching for planted giants ---------------------


def test_a_manifest_vouching_for_sparse_papers_does_not_add_up(tmp_path: Path) -> None:
    """RunFiles keeps a paper's bytes when the manifest says it is fresh: plant 500 MB
    sparse PDFs and edit the manifest's digests to theirs. Peak memory stays that of one
    file (about 1 GB measured for 4 and for 8 papers), not their sum."""
    briefs, out = tmp_path / "briefs", tmp_path / "out"
    count, size = 4, 500 * 2**20
    for i in range(count):
        _brief(briefs, f"p{i}.md", head=HEAD.replace("PU-2026-099", f"PU-2026-{100 + i}"))
    assert _pack(briefs, out).returncode == 0
    digest = hashlib.sha256()
    for _ in range(size // 2**20):
        digest.update(b"\0" * 2**20)
    manifest = json.loads((out / ".scoper-cache.json").read_text())
    for i in range(count):
        paper = out / f"p{i}.pdf"
        paper.unlink()
        with paper.open("wb") as file:
            file.truncate(size)
        manifest["papers"][f"p{i}"]["pdf-digest"] = digest.hexdigest()
        for run in manifest["runs"].values():
            if f"p{i}.pdf" in run["outputs"]:
                run["outputs"][f"p{i}.pdf"] = digest.hexdigest()
    (out / ".scoper-cache.json").write_text(json.dumps(manifest))
    # A memory limit below the sum (2 GB) and above one file read.
    made = _pack(briefs, out, timeout=300, memory_mb=1800)
    assert "MemoryError" not in made.stderr
    assert "Traceback" not in made.stderr


# -- links between papers in a pack ------------------------------------------------------------


def _link_uris(folder: Path) -> set[str]:
    uris: set[str] = set()
    for path in folder.glob("*.pdf"):
        with pikepdf.open(path) as pdf:
            for page in pdf.pages:
                for annotation in page.obj.get("/Annots", []):
                    action = annotation.get("/A")
                    if action is not None and action.get("/URI") is not None:
                        uris.add(str(action.URI))
    return uris


def _linked_pack(tmp_path: Path, links: str) -> Path:
    briefs = tmp_path / "briefs"
    _brief(briefs, "a.md", SUMMARY + f"See [the other](ref:PU-2026-100), {links}.\n\n" + TAIL)
    _brief(briefs, "b.md", head=HEAD.replace("099", "100"))
    out = tmp_path / "out"
    made = _pack(briefs, out)
    assert made.returncode == 0, made.stderr[-500:]
    return out


def test_ref_links_and_file_urls_name_no_path(tmp_path: Path) -> None:
    out = _linked_pack(tmp_path, "[x](file:///etc/passwd), [w](FILE:/etc/passwd) and [y](b.md)")
    uris = _link_uris(out)
    assert "b.pdf" in uris  # (the paper's link to the other paper is there: the check can fail)
    assert all(
        not u.lower().startswith(("file:", "/", "..")) and str(tmp_path) not in u for u in uris
    ), uris
    for path in out.glob("*.html"):
        text = path.read_text()
        assert str(tmp_path) not in text and 'href="file:' not in text.lower()


@pytest.mark.parametrize("target", ["/etc/passwd", "/C:/Users/x/secret.docx", "/./evil.example"])
def test_a_link_to_an_absolute_path(tmp_path: Path, target: str) -> None:
    out = _linked_pack(tmp_path, f"[z]({target})")
    uris = _link_uris(out)
    assert "b.pdf" in uris
    assert not any(u.lower().startswith(("file:", "/")) for u in uris), uris
    for path in out.glob("*.html"):
        assert 'href="/' not in path.read_text(), path.name
