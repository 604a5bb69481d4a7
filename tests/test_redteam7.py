# ruff: noqa: E501  (briefs are written inline, one line of Markdown per string)
"""The seventh hostile-input round (docs/redteam-2026-11-round7.md): the round-6 fixes (a mark
read before a footnote's definition, the snapshot's budget and the front's fall-back, links
to absolute paths) attacked first, then other ways a marked word could reach a public output.

A test of an attack that succeeded (a finding) is marked ``xfail(strict=True)`` with the
finding's number, so the suite stays green until the fix lands and then says so.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pypdf
import pytest

from tests.test_redteam import HEAD, SUMMARY, TAIL
from tests.test_redteam4 import _brief, _pack, _scoper
from tests.test_redteam5 import _planted, _public


def _words(folder: Path) -> dict[str, list[str]]:
    """Every LEAK-... word in any file under the folder, PDFs' extracted text and Word's
    unzipped parts included (a PDF's text is compressed)."""
    found: dict[str, list[str]] = {}
    for path in folder.rglob("*"):
        if not path.is_file():
            continue
        data = path.read_bytes()
        if path.suffix == ".pdf":
            data += "".join(p.extract_text() or "" for p in pypdf.PdfReader(path).pages).encode()
        if path.suffix == ".docx":
            with zipfile.ZipFile(path) as z:
                data += b"".join(z.read(n) for n in z.namelist())
        words = sorted({w.decode() for w in re.findall(rb"LEAK-[A-Z0-9]+", data)})
        if words:
            found[str(path.relative_to(folder))] = words
    return found


# -- 1. the round-6 fix: a mark line before a footnote's definition ---------------------------

FOOTNOTE_LEAKS = {
    "blockquote": "> We met.[^1]\n>\n> {.sensitive}\n> [^1]: LEAK-Q note\n\n",
    "callout": "> [!NOTE]\n> We met.[^1]\n>\n> {.sensitive}\n> [^1]: LEAK-AL note\n\n",
    "nested-list": "- a\n  - We met.[^1]\n\n    {.sensitive}\n    [^1]: LEAK-NL note\n\n",
    "blank-line": "We met.[^1]\n\n{.sensitive}\n\n[^1]: LEAK-BL note\n\n",
    "two-mark-lines": "We met.[^1]\n\n{.sensitive}\n{#x}\n[^1]: LEAK-TW note\n\n",
}


@pytest.mark.parametrize("body", FOOTNOTE_LEAKS.values(), ids=FOOTNOTE_LEAKS.keys())
def test_a_footnote_mark_the_source_reader_misses(tmp_path: Path, body: str) -> None:
    """``_footnote_marks`` reads ``{...}`` + ``[^label]:`` only at a line's start with at
    most three spaces before each, on adjacent lines: a ``> `` prefix, a nested item's four
    spaces or a blank line between them defeat it, while the attributes plugin still
    consumes the mark line (the same line before a paragraph, blank line or not, marks it)."""
    code, _, found = _public(tmp_path, body)
    assert code != 0 or found == {}, found


def test_the_quoted_footnote_is_withheld_from_every_public_output(tmp_path: Path) -> None:
    """Finding 1's reach, turned round once fixed: the public HTML, PDF text, Word file and
    the public pack are made, and none of them carries the marked footnote."""
    briefs = tmp_path / "briefs"
    _brief(briefs, "rt.md", SUMMARY + FOOTNOTE_LEAKS["blockquote"] + TAIL)
    built = _scoper(
        "build", str(briefs / "rt.md"), "-o", str(tmp_path / "b"), "--public", timeout=200
    )
    packed = _pack(briefs, tmp_path / "p", "--public", "--actions-csv", timeout=200)
    assert built.returncode == 0 and packed.returncode == 0, built.stderr + packed.stderr
    assert (tmp_path / "b" / "rt.public.docx").is_file()
    assert (tmp_path / "p" / "public" / "pack.pdf").is_file()
    leaked = {**_words(tmp_path / "b"), **_words(tmp_path / "p")}
    assert leaked == {}, leaked


UNATTACHED_MARKS = {
    "end-of-quote": "> We met the firm.\n>\n> {.sensitive}\n\nNext.\n\n",
    "end-of-list-item": "- We met the firm.\n\n  {.sensitive}\n- Next.\n\n",
    "end-of-callout": "> [!NOTE]\n> We met.\n>\n> {.sensitive}\n\nNext.\n\n",
}


@pytest.mark.parametrize("body", UNATTACHED_MARKS.values(), ids=UNATTACHED_MARKS.keys())
def test_a_mark_line_with_nothing_after_it_refuses_the_public_version(
    tmp_path: Path, body: str
) -> None:
    """The attributes plugin drops a mark line that no block follows (it would go on a
    closing tag): the writer meant to withhold something, so the public version is refused at
    the mark's line and ``scoper check`` reports it, rather than publishing as if unmarked."""
    code, err, found = _public(tmp_path, body)
    assert code != 0 and found == {}, (code, err, found)
    assert "marks nothing" in err, err
    briefs = tmp_path / "briefs"
    checked = _scoper("check", str(briefs))
    assert "bad-marking" in checked.stdout + checked.stderr, checked.stdout


HELD_FOOTNOTES = {
    "list": "- We met.[^1]\n\n  {.sensitive}\n  [^1]: LEAK-L note\n\n",
    "two-mark-lines-b": "We met.[^1]\n\n{#x}\n{.sensitive}\n[^1]: LEAK-TB note\n\n",
    "tab-before-mark": "We met.[^1]\n\n\t{.sensitive}\n[^1]: LEAK-T note\n\n",
    "crlf": "We met.[^1]\r\n\r\n{.sensitive}\r\n[^1]: LEAK-CR note\r\n\r\n",
    "regex-label": "We met.[^a.*+?(b]\n\n{.sensitive}\n[^a.*+?(b]: LEAK-RX note\n\n",
    "label-as-words": "We met.[^LEAK-LABEL]\n\n{.sensitive}\n[^LEAK-LABEL]: secret note\n\n",
    "indented-def": "We met.[^1]\n\n{.sensitive}\n   [^1]: LEAK-IN note\n\n",
    "mark-four-spaces": "We met.[^1]\n\n    {.sensitive}\n[^1]: LEAK-IF note\n\n",
    "class-equals": 'We met.[^1]\n\n{class="x sensitive"}\n[^1]: LEAK-CE note\n\n',
    "lazy-line": "We met.[^1]\n{.sensitive}\n[^1]: LEAK-LZ note\n\n",
    "duplicate-definition": "We met.[^1]\n\n[^1]: public\n\n{.sensitive}\n[^1]: LEAK-DUP note\n\n",
    "definition-on-next-line": "We met.[^1]\n\n{.sensitive}\n[^1]:\n    LEAK-NX note\n\n",
    "table-in-footnote": "We met.[^1]\n\n{.sensitive}\n[^1]: LEAK-TB\n    | a |\n    |---|\n    | LEAK-TBC |\n\n",
}


@pytest.mark.parametrize("body", HELD_FOOTNOTES.values(), ids=HELD_FOOTNOTES.keys())
def test_other_footnote_mark_forms_are_withheld_or_refused(tmp_path: Path, body: str) -> None:
    code, _, found = _public(tmp_path, body)
    assert code != 0 or found == {}, found


# -- 1. the round-6 fix: links to absolute paths -----------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        r"[a](\\server\share)",
        r"[a](/\evil.example)",
        "[a](< /etc/passwd>)",
        "[a](%2Fetc/passwd)",
        "[a](%2F%2Fevil.example)",
        "[a](%5C%5Cserver/share)",
        "[a](\u00a0/etc/passwd)",
        "[a](\u3000/etc/passwd)",
        "[a](\t/etc/passwd)",
        "[a](<\x0b/etc/passwd>)",
        "[a][r]\n\n[r]: file:///etc/passwd",
        "[a][r]\n\n[r]: /etc/passwd",
        "[a][r]\n\n[r]: <\\\\server\\share>",
        "<file:///etc/passwd>",
        "</etc/passwd>",
        "<FILE:/etc/passwd>",
        "[a](C:/Users/x/secret.docx)",
        "[a](C|/Users/x)",
        "[a](sub/../../../../etc/passwd)",
        "[a](./.%2E/.%2E/etc/passwd)",
        "[a](.//evil.example)",
        "[a](ref://evil.example/x)",
        "<ref:/etc/passwd>",
    ],
)
def test_no_absolute_path_or_file_url_becomes_a_link(source: str) -> None:
    """Rendered with the papers' own Markdown dialect: the only hrefs ever emitted are
    http(s), mailto, tel and in-page anchors (``ref:`` links are resolved to papers, or
    text), so nothing reaches WeasyPrint to be resolved against the paper's file: base."""
    from scoper.brief.markdown import make_markdown

    html = make_markdown().render(source, {})
    hrefs = re.findall(r'href="([^"]*)"', html)
    assert all(re.match(r"(https?:|mailto:|tel:|#)", h) for h in hrefs), html


def test_absolute_paths_in_a_pdf_are_not_file_links(tmp_path: Path) -> None:
    """The paper end to end: no link annotation of the PDF has a file: URI or a path."""
    import pikepdf

    body = (
        "See [a](/etc/passwd), [c](/\\evil.example), "
        "[d][r] and <file:///etc/passwd>.\n\n[r]: /C:/Users/x/secret.docx\n\n"
    )
    briefs = tmp_path / "briefs"
    _brief(briefs, "rt.md", SUMMARY + body + TAIL)
    built = _scoper(
        "build", str(briefs / "rt.md"), "-o", str(tmp_path / "o"), "--format", "pdf", timeout=200
    )
    assert built.returncode == 0, built.stderr
    uris = []
    with pikepdf.open(tmp_path / "o" / "rt.pdf") as pdf:
        for page in pdf.pages:
            for annot in page.get("/Annots", []):
                action = annot.get("/A")
                if action is not None and "/URI" in action:
                    uris.append(str(action["/URI"]))
    assert not [u for u in uris if not u.startswith(("http", "mailto:", "tel:"))], uris


# -- 1. the round-6 fix: the snapshot's budget and the front's fall-back ---------------------


def _actions_at_budget(data: dict) -> None:
    """100 removed actions of 19,500 characters: 1.95 million in all, under the 2 million
    budget and each under MAX_TEXT."""
    data["papers"][0]["actions"] = [
        {"text": f"a{i} " + "word " * 3900, "owner": "X", "due": "", "status": "open"}
        for i in range(100)
    ]


def _papers_at_budget(data: dict) -> None:
    """9,000 dropped papers of short fields: about 90,000 values, under the 100,000 budget."""
    base = dict(data["papers"][0], actions=[], partners=[], summary="s", recommendation="r")
    data["papers"] += [dict(base, ref=f"PU-{i}", title=f"T{i}") for i in range(9_000)]


def _papers_over_budget(data: dict) -> None:
    _papers_at_budget(data)
    data["papers"] *= 2


@pytest.mark.parametrize(
    "edit",
    [_actions_at_budget, _papers_at_budget, _papers_over_budget],
    ids=["actions-at-budget", "papers-at-budget", "papers-over-budget"],
)
def test_a_planted_snapshot_at_the_budget_costs_the_page_not_the_pack(
    tmp_path: Path, edit: object
) -> None:
    """Just under the budget the front cannot be laid out with the changes page: it is laid
    out again without it (a bad-snapshot warning) and the pack is made; over it, refused.
    Measured: about 20 s with --timeout 5, about 110 s with the default 30 (two layouts
    stopped at three times the timeout), once a week until a newer snapshot exists."""
    briefs, out = _planted(tmp_path, edit)
    made = _pack(briefs, out, "--timeout", "2", timeout=300)
    assert made.returncode == 0, made.stdout[-500:] + made.stderr[-500:]
    assert "bad-snapshot" in made.stdout + made.stderr
    assert (out / "pack.pdf").is_file()


# -- 2. other ways a marked word might reach a public output -----------------------------------


MARKED_ELSEWHERE = """\
## Costs [LEAK-HD hidden]{.sensitive} and benefits

Text under it.[^n]

[^n]: A note with [LEAK-FS span]{.sensitive} inside.

{.sensitive}
## Risks LEAK-RH

LEAK-RS whole section.

| a | b |
|---|---|
| x [LEAK-TC]{.sensitive} | y |

![Chart [LEAK-ALT]{.sensitive}](https://example.org/x.png "Title")

See [the link [LEAK-LT]{.sensitive}](https://example.org "LEAK-TTL").

We met.[^1]{.sensitive}

[^1]: LEAK-RM note

{.sensitive}
We met again.^[LEAK-IP inline note]

"""

MARKED_TAIL = """
## Evidence
- First claim [LEAK-EV x]{.sensitive}.
  - Source: ONS [LEAK-SRC]{.sensitive}
  - Strength: strong

## External partners
- **Alcohol Health [LEAK-PN]{.sensitive} Alliance** — third-sector
  - Interests: Public [LEAK-INT]{.sensitive} health.
  - Commitment: committed

## Action points
- Convene a [LEAK-ACT secret]{.sensitive} roundtable.
  - Owner: DHSC [LEAK-OWN]{.sensitive}
  - Due: 2026-12-01
- [LEAK-ACTB whole action]{.sensitive}
  - Owner: HMT
  - Due: 2026-12-02
"""


def test_marks_in_headings_fields_tables_links_and_footnotes_reach_no_public_output(
    tmp_path: Path,
) -> None:
    """Every public output: the paper's HTML, PDF (text and bytes), Word file; the public
    pack's PDF, HTML, tracker CSV and snapshot; the public JSON export."""
    briefs = tmp_path / "briefs"
    summary = SUMMARY.replace("roundtable.", "roundtable [LEAK-SUM]{.sensitive}.")
    _brief(briefs, "rt.md", summary + MARKED_ELSEWHERE + MARKED_TAIL)
    built = _scoper(
        "build", str(briefs / "rt.md"), "-o", str(tmp_path / "b"), "--public", timeout=200
    )
    packed = _pack(briefs, tmp_path / "p", "--public", "--actions-csv", timeout=200)
    exported = _scoper("export", "--public", str(briefs), timeout=60)
    assert built.returncode == packed.returncode == exported.returncode == 0, (
        built.stdout + packed.stderr
    )
    assert (tmp_path / "p" / "public" / "pack.pdf").is_file()
    assert {**_words(tmp_path / "b"), **_words(tmp_path / "p")} == {}
    assert "LEAK-" not in exported.stdout


def test_the_public_pdf_a_attaches_only_the_public_model(tmp_path: Path) -> None:
    """``--pdf-variant pdf/a-3u`` attaches "the brief's source": with --public, the paper and
    the pack attach the public model only, and no metadata carries a marked word."""
    import pikepdf

    briefs = tmp_path / "briefs"
    summary = SUMMARY.replace("roundtable.", "roundtable [LEAK-SUM]{.sensitive}.")
    _brief(briefs, "rt.md", summary + "{.sensitive}\nLEAK-PARA secret.\n\n" + TAIL)
    variant = ("--public", "--pdf-variant", "pdf/a-3u")
    built = _scoper(
        "build", str(briefs / "rt.md"), "-o", str(tmp_path / "b"), *variant, timeout=200
    )
    packed = _pack(briefs, tmp_path / "p", *variant, timeout=200)
    assert built.returncode == packed.returncode == 0, built.stderr + packed.stderr
    pdfs = [tmp_path / "b" / "rt.public.pdf", *(tmp_path / "p" / "public").glob("*.pdf")]
    for path in pdfs:
        with pikepdf.open(path) as pdf:
            blob = repr({str(k): str(v) for k, v in pdf.docinfo.items()})
            blob += str(pdf.open_metadata())
            blob += repr([f.get_file().read_bytes() for f in pdf.attachments.values()])
            assert "LEAK-" not in blob, path


# -- 2. reads and writes outside the output folder ---------------------------------------------


def test_a_public_link_planted_in_the_output_folder(tmp_path: Path) -> None:
    """SECURITY.md: the output folder is untrusted ("anyone who can write there can edit
    them"), and round 5 made OUTPUT/.scoper-parts refuse a link. OUTPUT/public, where
    `pack --public` writes, is followed: the victim's own a.html is replaced, and the
    pack, the papers, the manifest, the snapshot and the kept parts land beside it."""
    briefs, out, victim = tmp_path / "briefs", tmp_path / "out", tmp_path / "victim"
    _brief(briefs, "a.md")
    victim.mkdir()
    out.mkdir()
    (victim / "a.html").write_text("the victim's own a.html")
    (victim / "notes.txt").write_text("keep")
    (out / "public").symlink_to(victim)
    _pack(briefs, out, "--public", timeout=200)
    assert sorted(p.name for p in victim.iterdir()) == ["a.html", "notes.txt"]
    assert (victim / "a.html").read_text() == "the victim's own a.html"


def test_links_planted_at_output_names_are_replaced_not_written_through(tmp_path: Path) -> None:
    """A link at a paper's, the pack's or the tracker's name is replaced by the new file
    (written beside and renamed over it): the file it pointed at is untouched."""
    briefs, out, victim = tmp_path / "briefs", tmp_path / "out", tmp_path / "victim"
    _brief(briefs, "a.md")
    victim.mkdir()
    out.mkdir()
    names = ["a.html", "a.pdf", "pack.pdf", "pack.html", "pack-actions.csv"]
    for name in names:
        (victim / name).write_text("mine")
        (out / name).symlink_to(victim / name)
    made = _pack(briefs, out, "--actions-csv", timeout=200)
    assert made.returncode == 0, made.stderr
    assert all((victim / n).read_text() == "mine" for n in names)


def test_briefs_left_out_of_the_public_pack_are_not_quoted(tmp_path: Path) -> None:
    """A title with a mark (refused) and a `public: false` brief are left out and named
    (by file), never quoted; a brief whose summary is marked whole keeps none of it."""
    briefs = tmp_path / "briefs"
    _brief(briefs, "a.md")
    marked_title = HEAD.replace("title: Red team brief", "title: Plan [LEAK-TITLE]{.sensitive}")
    _brief(briefs, "b.md", head=marked_title.replace("PU-2026-099", "PU-2026-098"))
    private = HEAD.replace("title: Red team brief", "title: Plan LEAK-NOPUB\npublic: false")
    _brief(briefs, "c.md", head=private.replace("PU-2026-099", "PU-2026-097"))
    whole = "{.sensitive}\n" + SUMMARY.replace("We", "LEAK-ALLSUM We") + TAIL
    _brief(briefs, "e.md", whole, head=HEAD.replace("PU-2026-099", "PU-2026-096"))
    made = _pack(briefs, tmp_path / "p", "--public", "--actions-csv", "--keep-going", timeout=300)
    assert made.returncode == 0, made.stderr[-500:]
    assert "public-refused" in made.stdout + made.stderr
    assert _words(tmp_path / "p") == {}
