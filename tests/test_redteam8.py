# ruff: noqa: E501  (briefs are written inline, one line of Markdown per string)
"""The eighth hostile-input round (docs/redteam-2026-11-round8.md): the round-7 fixes (footnote
marks read from the attributes plugin's tokens, a mark line that marks nothing refused, a
link planted as OUTPUT/public) attacked first, then other ways a marked passage could reach
a public output, files read outside the output folder, and ``scoper review``.

A test of an attack that succeeded (a finding) is marked ``xfail(strict=True)`` with the
finding's number and asserts the safe behaviour, so the suite stays green until the fix
lands and then says so.
"""

from __future__ import annotations

import json
import re
import sys
import zipfile
from pathlib import Path

import pytest

from tests.test_redteam import SUMMARY, TAIL
from tests.test_redteam4 import _brief, _pack, _scoper
from tests.test_redteam5 import _public
from tests.test_redteam7 import _words

# -- 1. a mark line inside a structured item: the item reader drops the token it lands on ------

ITEM_MARK_LEAKS = {
    # The documented form ("a line {.sensitive} directly before a block") as the first block
    # of an item: the mark lands on the paragraph_open, the item keeps only the inline token.
    "risk-text": "## Risks\n- {.sensitive}\n  LEAK-ITEMHEAD risk text here\n  - Likelihood: low\n\n",
    "risk-text-alone": "## Risks\n- {.sensitive}\n  LEAK-ITEMALONE risk text here\n\n",
    "loose-list": "## Risks\n- {.sensitive}\n  LEAK-ITEMLOOSE risk text here\n\n- Another risk.\n\n",
    # Before a field's line: the mark lands on the field's paragraph_open.
    "field-line": "## Risks\n- A risk.\n  - {.sensitive}\n    Mitigation: LEAK-FIELDLINE thing\n\n",
    # Before the field list: the mark lands on the nested list, which is read as fields.
    "field-list": "## Risks\n- A risk.\n\n  {.sensitive}\n  - Mitigation: LEAK-FIELDLIST thing\n\n",
}


@pytest.mark.parametrize("body", ITEM_MARK_LEAKS.values(), ids=ITEM_MARK_LEAKS.keys())
def test_a_mark_line_inside_a_structured_item(tmp_path: Path, body: str) -> None:
    code, _, found = _public(tmp_path, body)
    assert code != 0 or found == {}, found


ITEM_MARKS_HELD = {
    # The same line before a later paragraph of an item, or in a free section or Options
    # (read as prose), is read as the plugin puts it.
    "later-paragraph": "## Risks\n- A risk.\n\n  {.sensitive}\n  LEAK-LATERPARA more\n\n",
    "free-section": "## Notes\n- {.sensitive}\n  LEAK-FREELIST thing\n\n",
    "options": "## Options\n- {.sensitive}\n  LEAK-OPTIONLIST thing\n\n",
    "bold-field": "## Risks\n- LEAK-BOLDFIELD risk\n  - **Sensitive:** yes\n\n",
    "whole-list": "## Risks\n{.sensitive}\n- LEAK-WHOLELIST risk\n  - Likelihood: low\n\n",
}


@pytest.mark.parametrize("body", ITEM_MARKS_HELD.values(), ids=ITEM_MARKS_HELD.keys())
def test_marks_around_items_that_hold(tmp_path: Path, body: str) -> None:
    code, _, found = _public(tmp_path, body)
    assert code != 0 or found == {}, found


def test_the_item_mark_leak_reaches_every_public_output(tmp_path: Path) -> None:
    """Finding 1's reach, fixed: the public HTML, PDF text, Word file, public pack (PDF,
    HTML, tracker CSV, snapshot) and ``export --public`` carry none of the marked words."""
    briefs = tmp_path / "briefs"
    body = SUMMARY + TAIL + "\n" + ITEM_MARK_LEAKS["risk-text"]
    _brief(briefs, "rt.md", body)
    built = _scoper(
        "build", str(briefs / "rt.md"), "-o", str(tmp_path / "b"), "--public", timeout=200
    )
    packed = _pack(briefs, tmp_path / "p", "--public", "--actions-csv", timeout=200)
    exported = _scoper("export", "--public", str(briefs / "rt.md"), timeout=60)
    assert built.returncode == 0 and packed.returncode == 0, built.stderr + packed.stderr
    assert (tmp_path / "b" / "rt.public.docx").is_file()
    assert (tmp_path / "p" / "public" / "pack.pdf").is_file()
    leaked = {**_words(tmp_path / "b"), **_words(tmp_path / "p")}
    if "LEAK-" in exported.stdout:
        leaked["export --public"] = sorted(set(re.findall(r"LEAK-[A-Z0-9]+", exported.stdout)))
    assert leaked == {}, leaked


# -- 2. a footnote defined inside a marked footnote --------------------------------------------

NESTED_FOOTNOTES = {
    # footnote_tail's one insideRef flag: the inner definition's close ends the outer one,
    # and what follows it in the outer note is put back into the body, unmarked.
    "nested-def": "We met.[^1]\n\n{.sensitive}\n[^1]: Outer note.\n\n    [^2]: Inner note.\n\n    LEAK-ESCAPED second paragraph of the marked note.\n\n",
    "nested-def-cited": "We met.[^1] And.[^2]\n\n{.sensitive}\n[^1]: Outer note.\n\n    [^2]: Inner note.\n\n    LEAK-ESCAPEDB second paragraph.\n\n",
    "nested-in-quote": "We met.[^1]\n\n{.sensitive}\n[^1]: Outer note.\n\n    > [^2]: Inner note.\n\n    LEAK-ESCAPEDQ second paragraph.\n\n",
}


@pytest.mark.parametrize("body", NESTED_FOOTNOTES.values(), ids=NESTED_FOOTNOTES.keys())
def test_a_footnote_defined_inside_a_marked_footnote(tmp_path: Path, body: str) -> None:
    code, _, found = _public(tmp_path, body)
    assert code != 0 or found == {}, found


FOOTNOTES_HELD = {
    "duplicate-marked-first": "We met.[^1]\n\n{.sensitive}\n[^1]: LEAK-DUPFIRST note\n\n[^1]: public note\n\n",
    "labels-differing-in-case": "We met.[^a] and [^A]\n\n{.sensitive}\n[^a]: LEAK-CASELABEL note\n\n[^A]: public note\n\n",
    "labels-differing-in-normalisation": "We met.[^caf\u00e9]\n\n{.sensitive}\n[^cafe\u0301]: LEAK-NFDLABEL note\n\n[^caf\u00e9]: other\n\n",
    "cited-from-a-heading": "### Heading[^1]\n\n{.sensitive}\n[^1]: LEAK-FROMHEADING note\n\n",
    "cited-from-a-table": "| a |\n|---|\n| x[^1] |\n\n{.sensitive}\n[^1]: LEAK-FROMTABLE note\n\n",
    "cited-from-fields": "## Risks\n- A risk[^1]\n  - Mitigation: see[^2]\n\n{.sensitive}\n[^1]: LEAK-FROMITEM note\n\n{.sensitive}\n[^2]: LEAK-FROMFIELD note\n\n",
    "marked-inner-note": "We met.[^1]\n\n[^1]: outer note[^2]\n\n    {.sensitive}\n    [^2]: LEAK-INNERMARKED inner\n\n",
    "mark-in-a-note-body": "We met.[^1]\n\n[^1]: first\n\n    {.sensitive}\n    LEAK-NOTEBODY second\n\n",
    "marked-note-citing-another": "We met.[^1]\n\n{.sensitive}\n[^1]: LEAK-CITER note[^2]\n\n[^2]: second note\n\n",
    "deep-list": "- a\n  - b\n    - c\n      - d\n\n        {.sensitive}\n        LEAK-DEEPLIST deep\n\n",
    "quote-in-list-in-quote": "> - a\n>\n>   > {.sensitive}\n>   > LEAK-QLQ x\n\n",
    "mark-first-in-callout": "> [!WARNING]\n> {.sensitive}\n> LEAK-CALLOUTFIRST x\n\n",
    "mark-before-callout": "{.sensitive}\n> [!NOTE]\n> LEAK-BEFORECALLOUT x\n\n",
    "table-and-caption": "{.sensitive}\n| a |\n|---|\n| LEAK-TABLECELL |\n\nTable: LEAK-TABLECAPTION caption\n\n",
    "definition-list-like": "Term\n: {.sensitive}\n: LEAK-DEFLIST def\n\n",
    "attribute-comment": "{% c %.sensitive}\nLEAK-ATTRCOMMENT para\n\n",
    "dotless-i-class": "{.sensit\u0131ve}\nLEAK-DOTLESS para\n\n",
    "mark-at-end-of-a-note": "We met.[^1]\n\n[^1]: LEAK-NOTEEND note\n\n    {.sensitive}\n\nAfter.\n\n",
}


@pytest.mark.parametrize("body", FOOTNOTES_HELD.values(), ids=FOOTNOTES_HELD.keys())
def test_other_containers_and_footnote_forms_hold(tmp_path: Path, body: str) -> None:
    code, _, found = _public(tmp_path, body)
    assert code != 0 or found == {}, found


# -- 3. a Sensitive: field where scoper does not read one -----------------------------------

UNREAD_SENSITIVE_FIELDS = {
    # Options and free sections are prose: "Sensitive: yes" under an option is a nested list
    # item, published as text with the option. Issue 18's fail-closed rule refuses a
    # misspelt class for the same reason.
    "options": "## Options\n- LEAK-OPTIONFIELD option text\n  - Sensitive: yes\n\n",
    "free-section": "## Notes\n- LEAK-FREEFIELD text\n  - Sensitive: s.35\n\n",
    # "Sensitive:" with nothing after it is dropped like an empty Owner: (fails open).
    "empty-value": "## Risks\n- LEAK-EMPTYSENSITIVE risk\n  - Sensitive:\n  - Likelihood: low\n\n",
}


@pytest.mark.parametrize(
    "body", UNREAD_SENSITIVE_FIELDS.values(), ids=UNREAD_SENSITIVE_FIELDS.keys()
)
def test_a_sensitive_field_scoper_does_not_read(tmp_path: Path, body: str) -> None:
    code, _, found = _public(tmp_path, body)
    assert code != 0 or found == {}, found


# -- 4. scoper review: the brief path a hostile Word file names -------------------------------


def _reviewed(tmp_path: Path, brief_path: str) -> Path:
    """A real Word paper, its custom properties edited to name ``brief_path``."""
    briefs = tmp_path / "briefs"
    _brief(briefs, "rt.md")
    built = _scoper(
        "build", str(briefs / "rt.md"), "-o", str(tmp_path / "b"), "--format", "docx", timeout=120
    )
    assert built.returncode == 0, built.stderr
    source = tmp_path / "b" / "rt.docx"
    hostile = tmp_path / "hostile.docx"
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(hostile, "w") as new:
        for name in old.namelist():
            data = old.read(name)
            if name == "docProps/custom.xml":
                text = data.decode()
                text = re.sub(
                    r'(name="scoper-brief"[^>]*>\s*<vt:lpwstr>)[^<]*',
                    lambda m: m.group(1) + brief_path,
                    text,
                )
                assert brief_path in text, text
                data = text.encode()
            new.writestr(name, data)
    return hostile


_OPENS = """
import sys
opened = []
sys.addaudithook(lambda event, args: opened.append(str(args[0])) if event == "open" else None)
from pathlib import Path
from scoper.docx.review import read_review
review = read_review(Path(sys.argv[1]))
print("OPENED", [p for p in opened if "evil.example" in p])
"""


@pytest.mark.parametrize(
    "named", ["//evil.example/share/brief.md", r"\\evil.example\share\brief.md"]
)
def test_review_never_opens_a_path_on_another_machine(tmp_path: Path, named: str) -> None:
    """On Windows ``\\\\host\\share\\x`` (and ``//host/share/x``) is opened over SMB, which
    sends the user's NTLM credentials to that host: a reviewer's Word file, which is
    untrusted, names it in its ``scoper-brief`` property and ``scoper review`` hashes it.
    Asserted here as the open being attempted at all (the same call on Windows)."""
    import subprocess

    hostile = _reviewed(tmp_path, named)
    ran = subprocess.run(
        [sys.executable, "-c", _OPENS, str(hostile)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert ran.returncode == 0, ran.stderr
    assert "OPENED []" in ran.stdout, ran.stdout


def test_review_of_a_file_naming_dev_zero_and_a_fifo(tmp_path: Path) -> None:
    import os

    fifo = tmp_path / "brief.fifo"
    os.mkfifo(fifo)
    for named in ("/dev/zero", str(fifo)):
        hostile = _reviewed(tmp_path / named.replace("/", "_"), named)
        ran = _scoper("review", str(hostile), "--format", "json", timeout=30)
        assert ran.returncode == 0, ran.stderr
        assert json.loads(ran.stdout)["approximate"] is True


# -- 5. files read outside the output folder through planted links -------------------------


def test_a_snapshot_link_planted_in_the_output_folder(tmp_path: Path) -> None:
    """The output folder is untrusted (SECURITY.md), and the manifest and kept parts are
    never read through a link; last week's snapshot is. A link to another team's snapshot
    (same marking, a folder the planter cannot read) puts its papers' titles on this
    pack's changes page, which the planter can read."""
    briefs, other, out = tmp_path / "briefs", tmp_path / "other", tmp_path / "out"
    _brief(
        tmp_path / "secret-briefs",
        "x.md",
        head="---\ntitle: LEAK-OTHERTEAM paper\ndate: 2026-11-16\nref: PU-2026-077\nclassification: OFFICIAL-SENSITIVE\n---\n",
    )
    made = _scoper(
        "pack", str(tmp_path / "secret-briefs"), "-o", str(other), "--today", "2026-11-16"
    )
    assert made.returncode == 0, made.stderr
    (shot,) = other.glob("*.snapshot.json")
    _brief(
        briefs,
        "a.md",
        head="---\ntitle: Ours\ndate: 2026-11-23\nclassification: OFFICIAL-SENSITIVE\n---\n",
    )
    out.mkdir()
    (out / shot.name).symlink_to(shot)
    packed = _pack(briefs, out, timeout=200)
    assert packed.returncode == 0, packed.stderr
    assert "LEAK-OTHERTEAM" not in (out / "pack.html").read_text()


def test_a_public_folder_link_is_still_refused(tmp_path: Path) -> None:
    """Round 7's fix, attacked with a link to a folder inside the output folder and a
    dangling link: both refused, nothing written where they point."""
    briefs, out = tmp_path / "briefs", tmp_path / "out"
    _brief(briefs)
    out.mkdir()
    (out / "inner").mkdir()
    (out / "public").symlink_to(out / "inner")
    made = _pack(briefs, out, "--public", timeout=200)
    assert made.returncode != 0 and "write-failed" in made.stdout + made.stderr
    assert list((out / "inner").iterdir()) == []
    (out / "public").unlink()
    (out / "public").symlink_to(tmp_path / "nowhere")
    made = _pack(briefs, out, "--public", timeout=200)
    assert made.returncode != 0 and not (tmp_path / "nowhere").exists()


# -- 6. a mark on a thematic break ---------------------------------------------------------------


def test_a_mark_before_a_thematic_break(tmp_path: Path) -> None:
    """``{.sensitive}`` then ``***`` marks the rule, as the plugin reads it, and withholds
    nothing a reader could see: the case the round-7 fix refuses (a mark that marks
    nothing). Safe: refused, or the paragraph withheld."""
    code, _, found = _public(tmp_path, "{.sensitive}\n***\nLEAK-AFTERRULE para\n\n")
    assert code != 0 or found == {}, found


# -- the fixes, as a writer meets them ----------------------------------------------------------


def test_a_mark_that_marks_nothing_is_reported_at_its_line_by_check(tmp_path: Path) -> None:
    """A 'Sensitive:' line under an option and a mark before a rule are reported by
    ``scoper check`` as ``bad-marking`` at their lines, before anyone asks for a public
    version."""
    from tests.test_redteam import HEAD

    body = "## Options\n- Option A\n  - Sensitive: yes\n\n{.sensitive}\n***\n\nAfter.\n\n"
    path = _brief(tmp_path, "rt.md", SUMMARY + body + TAIL)
    lines = (HEAD + SUMMARY + body).split("\n")
    field = lines.index("  - Sensitive: yes") + 1
    rule = lines.index("{.sensitive}") + 1
    checked = _scoper("check", str(path))
    reported = [line for line in checked.stdout.splitlines() if "bad-marking" in line]
    assert any(f"rt.md:{field}:" in line for line in reported), checked.stdout
    assert any(f"rt.md:{rule}:" in line for line in reported), checked.stdout


def test_a_footnote_defined_inside_another_is_an_error_at_its_line(tmp_path: Path) -> None:
    """The full version would put the rest of the outer note into the body: the brief is
    refused with a ``too-deep`` error naming the inner definition's line."""
    from tests.test_redteam import HEAD

    body = "We met.[^1]\n\n[^1]: Outer note.\n\n    [^2]: Inner note.\n\n    More of the outer.\n\n"
    path = _brief(tmp_path, "rt.md", SUMMARY + body + TAIL)
    inner = (HEAD + SUMMARY + body).split("\n").index("    [^2]: Inner note.") + 1
    checked = _scoper("check", str(path))
    assert checked.returncode != 0
    assert f"rt.md:{inner}: error" in checked.stdout and "too-deep" in checked.stdout, (
        checked.stdout
    )


def test_a_marked_token_a_reader_drops_still_refuses_the_public_version(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Fail closed: with the item reader's fix undone (it drops the marked block again),
    the words of every marked block, kept as parsed, stop the public version at the end."""
    from scoper.brief import items
    from scoper.brief.parser import parse_brief
    from scoper.brief.public import PublicRefused, public_brief
    from tests.test_redteam import HEAD

    monkeypatch.setattr(items, "_mark_of", lambda token, mark: None)
    for body in ITEM_MARK_LEAKS.values():
        brief = parse_brief(HEAD + SUMMARY + body + TAIL, "rt.md", default_ref="rt", slug="rt")
        assert brief.marked_texts
        # Refused by the last checks: the token no part of the model holds (round 9), or
        # its words where they would be published (round 8).
        with pytest.raises(PublicRefused, match=r"withheld words|where scoper does not read"):
            public_brief(brief)
