"""Public versions: every sensitive passage gone from every byte of every output."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import shutil
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import msgspec
import pikepdf
import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner
from pypdf import PdfReader

from scoper.brief.public import public_brief
from scoper.brief.source import read_brief
from scoper.cli import cli
from tests.conftest import EXAMPLES

SECRETS = (
    "LEAK-SECTION-TITLE",
    "LEAK-SECTION-BODY",
    "LEAK-BLOCK",
    "LEAK-LIST",
    "LEAK-TABLE",
    "LEAK-CALLOUT",
    "LEAK-SPAN",
    "LEAK-FIELD-SPAN",
    "LEAK-PARTNER",
    "LEAK-PARTNER-INTERESTS",
    "LEAK-OWNER",
    "LEAK-ACTION",
    "leak.contact@example.gov.uk",
    "LEAK-NOTE",
    "LEAK-ALT",
    "leak-href.example",
    "LEAK-FULL-TITLE",
    "Leaky Author",
)

BRIEF = """\
---
title: Alcohol harm LEAK-FULL-TITLE
public-title: Reducing alcohol harm
date: 2026-11-23
ref: PU-2026-014
status: review
classification: OFFICIAL-SENSITIVE
authors: [Leaky Author]
---
## Summary
We recommend a roundtable [with LEAK-SPAN]{.sensitive} in December.

{.sensitive exemption="s.35"}
An aside LEAK-BLOCK that ministers must not see.[^1]

{.sensitive}
- LEAK-LIST one
- two

{.sensitive exemption="s.43"}
> [!WARNING]
> LEAK-CALLOUT in a box.

{.sensitive}
| Year | LEAK-TABLE |
|---|---|
| 2025 | 3 |

{.sensitive exemption="s.35"}
## Handling LEAK-SECTION-TITLE
The industry LEAK-SECTION-BODY told us privately.
![A chart LEAK-ALT](images/admissions-trend.svg)
See [the note](https://leak-href.example/x).

## Evidence
- First claim.
  - Source: ONS
  - Strength: strong
- Second claim, with a [figure LEAK-FIELD-SPAN]{.sensitive} in it.
  - Source: NHS
  - Strength: moderate

## External partners
- **LEAK-PARTNER Ltd** — commercial
  - Sensitive: s.43
  - Interests: LEAK-PARTNER-INTERESTS
- **Alcohol Health Alliance** — third-sector
  - Interests: Public health.
  - Contact: leak.contact@example.gov.uk
  - Commitment: committed

## Action points
- Convene a roundtable.
  - Owner: No10 Policy Unit
  - Due: 2026-12-11
- LEAK-ACTION quietly.
  - Owner: LEAK-OWNER
  - Due: 2026-12-12
  - Sensitive: yes
- Publish the modelling.
  - Owner: DHSC
  - Due: 2027-01-15

[^1]: LEAK-NOTE about the aside.
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("public")
    (root / "briefs").mkdir()
    shutil.copytree(EXAMPLES / "images", root / "briefs" / "images")
    (root / "briefs" / "leaky.md").write_text(BRIEF)
    return root


def _all_bytes_of_pdf(path: Path) -> bytes:
    """Every byte a reader could get at: page text, every object, every stream decompressed
    (metadata, XMP, bookmarks, tags, alt text, attached files)."""
    parts = [page.extract_text().encode() for page in PdfReader(path).pages]
    with pikepdf.open(path) as pdf:
        for obj in pdf.objects:
            parts.append(bytes(obj.unparse()) if not isinstance(obj, pikepdf.Stream) else b"")
            if isinstance(obj, pikepdf.Stream):
                try:
                    parts.append(obj.read_bytes())
                except pikepdf.PdfError:
                    parts.append(obj.read_raw_bytes())
                parts.append(bytes(obj.stream_dict.unparse()))
        for name, spec in pdf.attachments.items():
            parts.append(name.encode() + spec.get_file().read_bytes())
    return b"\n".join(parts)


def _all_bytes_of_docx(path: Path) -> bytes:
    with zipfile.ZipFile(path) as package:
        return b"\n".join(name.encode() + package.read(name) for name in package.namelist())


@pytest.mark.parametrize("variant", ["pdf/ua-1", "pdf/a-3u"])
def test_no_withheld_text_in_any_byte_of_any_output(project: Path, variant: str) -> None:
    out = project / f"out-{variant.replace('/', '-')}"
    result = CliRunner().invoke(
        cli,
        [
            "build",
            str(project / "briefs" / "leaky.md"),
            "-o",
            str(out),
            "--public",
            "--pdf-variant",
            variant,
        ],
    )
    assert result.exit_code == 0, result.output
    files = sorted(p.name for p in out.iterdir() if not p.name.startswith("."))
    assert files == ["leaky.public.docx", "leaky.public.html", "leaky.public.pdf"]
    outputs = {
        "html": (out / "leaky.public.html").read_bytes(),
        "pdf": _all_bytes_of_pdf(out / "leaky.public.pdf"),
        "docx": _all_bytes_of_docx(out / "leaky.public.docx"),
        "names": "\n".join(files).encode(),
    }
    for kind, data in outputs.items():
        # In any case: an anchor or a file name made from the text is lower case.
        for secret in SECRETS:
            assert secret.lower().encode() not in data.lower(), (kind, secret)
    if variant == "pdf/a-3u":
        with pikepdf.open(out / "leaky.public.pdf") as pdf:
            assert list(pdf.attachments) == ["leaky.public.json"]


def test_the_public_paper_says_what_it_is_and_keeps_the_numbering(project: Path) -> None:
    out = project / "out-read"
    CliRunner().invoke(
        cli, ["build", str(project / "briefs"), "-o", str(out), "--public", "--format", "html"]
    )
    soup = BeautifulSoup((out / "leaky.public.html").read_text(), "html.parser")
    assert soup.h1.get_text() == "Reducing alcohol harm"
    assert soup.select_one(".public-note").get_text() == ("Public version: 10 passages withheld.")
    marks = [span.get_text() for span in soup.select("span.withheld")]
    assert "[withheld: s.35]" in marks and "[withheld: s.43]" in marks and "[withheld]" in marks
    # No marking bars: a public version carries the public marking (none by default).
    assert soup.select(".marking") == []
    # Items keep their places: the third action is still number 3.
    rows = soup.select("table.actions tbody tr")
    assert [row.td.get_text() for row in rows] == ["1", "2", "3"]
    assert rows[2].select("td")[1].get_text().startswith("Publish the modelling")
    assert "withheld" in rows[1].get_text()
    partners = [h.get_text() for h in soup.select(".partner-name")]
    assert partners == ["Partner withheld", "Alcohol Health Alliance"]


def test_the_model_keeps_nothing_withheld(project: Path) -> None:
    public = public_brief(read_brief(project / "briefs" / "leaky.md"))
    text = json.dumps(
        [s.text for s in public.sections]
        + [i.text for s in public.sections for i in s.items]
        + [f.text for s in public.sections for i in s.items for f in i.fields.values()]
        + [public.footnotes.text, public.meta.title, str(public.meta.authors)]
        + [image.alt for image in public.images]
        + [link.href for link in public.links]
    )
    for secret in SECRETS:
        assert secret not in text, secret
    assert public.withheld == 10
    assert public.images == [] and public.links == []


def test_json_export_of_public_versions(project: Path) -> None:
    result = CliRunner().invoke(cli, ["export", "--public", str(project / "briefs")])
    assert result.exit_code == 0, result.output
    for secret in SECRETS:
        assert secret not in result.stdout, secret
    data = json.loads(result.stdout)
    assert data["briefs"][0]["title"] == "Reducing alcohol harm"


@pytest.mark.parametrize(
    "change,reason",
    [
        (("classification: OFFICIAL-SENSITIVE", "classification: SECRET"), "marked SECRET"),
        (("status: review", "status: review\npublic: false"), "'public: false'"),
    ],
)
def test_papers_that_may_not_be_published_are_refused(
    tmp_path: Path, change: tuple[str, str], reason: str
) -> None:
    brief = tmp_path / "leaky.md"
    shutil.copytree(EXAMPLES / "images", tmp_path / "images")
    brief.write_text(BRIEF.replace(*change))
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["build", str(brief), "-o", str(out), "--public"])
    assert result.exit_code == 1
    assert "public-refused: no public version" in result.output and reason in result.output
    assert not out.exists() or list(out.iterdir()) == []
    exported = CliRunner().invoke(cli, ["export", "--public", str(brief)])
    assert json.loads(exported.stdout)["briefs"] == [] and "left out" in exported.stderr


def test_a_public_marking_from_the_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "scoper.toml").write_text('public-marking = "PUBLISHED"\n')
    shutil.copytree(EXAMPLES, tmp_path / "briefs")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(
        cli, ["build", "briefs/loneliness.md", "--public", "--format", "html"]
    )
    assert result.exit_code == 0, result.output
    soup = BeautifulSoup(
        (tmp_path / "output" / "loneliness.public.html").read_text(), "html.parser"
    )
    assert [m.get_text() for m in soup.select(".marking")] == ["PUBLISHED", "PUBLISHED"]
    assert soup.select_one(".public-note").get_text() == "Public version: 1 passage withheld."
    (tmp_path / "scoper.toml").write_text('public-marking = "X\\"; } body { color: red"\n')
    bad = CliRunner().invoke(cli, ["build", "briefs/loneliness.md", "--public"])
    assert bad.exit_code == 1 and "'public-marking' must be plain words" in bad.output


def test_a_full_build_shows_everything_and_marks_nothing(project: Path) -> None:
    out = project / "out-full"
    CliRunner().invoke(cli, ["build", str(project / "briefs"), "-o", str(out), "--format", "html"])
    html = (out / "leaky.html").read_text()
    for secret in ("LEAK-BLOCK", "LEAK-SPAN", "LEAK-PARTNER", "leak.contact@example.gov.uk"):
        assert secret in html
    assert "withheld" not in BeautifulSoup(html, "html.parser").get_text()
    assert "exemption" not in html  # marks never reach the page as attributes


def test_docx_public_version_is_readable(project: Path) -> None:
    import docx

    out = project / "out-docx"
    CliRunner().invoke(
        cli, ["build", str(project / "briefs"), "-o", str(out), "--public", "--format", "docx"]
    )
    document = docx.Document(io.BytesIO((out / "leaky.public.docx").read_bytes()))
    assert document.core_properties.title == "Reducing alcohol harm"
    assert document.core_properties.author == ""
    text = "\n".join(p.text for p in document.paragraphs)
    assert "[withheld: s.35]" in text and "Section withheld" in text


def test_a_redactor_that_misses_a_mark_publishes_nothing(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Fail closed: were the redactor to miss a kind of mark, the final check refuses."""
    from scoper.brief import public as public_module
    from scoper.brief.public import PublicRefused

    brief = read_brief(project / "briefs" / "leaky.md")
    monkeypatch.setattr(public_module._Redactor, "_inline", lambda self, token: token)
    with pytest.raises(PublicRefused, match="could not be taken out"):
        public_brief(brief)


def test_withheld_words_left_in_a_plain_value_are_caught(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from scoper.brief import public as public_module
    from scoper.brief.public import PublicRefused

    brief = read_brief(project / "briefs" / "leaky.md")
    section = next(s for s in brief.sections if s.sensitive is not None)
    original = public_module._Redactor.section

    def leaky_section(self, found, number):  # keeps the withheld section's real title
        made = original(self, found, number)
        return msgspec.structs.replace(made, title=section.title) if found is section else made

    monkeypatch.setattr(public_module._Redactor, "section", leaky_section)
    with pytest.raises(PublicRefused, match="also stand where they would be published"):
        public_brief(brief)


PLANTED = "planted passage of withheld words"

Slot = tuple[Any, Any]
"""A place that holds, or could hold, a string: (a record, its field) or (a list or dict,
its key); a list's key None stands for a string added at its end."""


def _string_slots(value: object, seen: set[int]) -> Iterator[Slot]:
    from markdown_it.token import Token

    if id(value) in seen or value is None or isinstance(value, str | int | dt.date | bytes | Path):
        return
    seen.add(id(value))
    if isinstance(value, Token):
        yield value, "content"
        for child in value.children or []:
            yield from _string_slots(child, seen)
    elif isinstance(value, msgspec.Struct):
        for name in value.__struct_fields__:
            held = getattr(value, name)
            if (held is None or isinstance(held, str)) and not value.__struct_config__.frozen:
                yield value, name
            else:
                yield from _string_slots(held, seen)
    elif isinstance(value, list | dict):
        for key in list(value) if isinstance(value, dict) else range(len(value)):
            if isinstance(value[key], str):
                yield value, key
            else:
                yield from _string_slots(value[key], seen)
        if isinstance(value, list):
            yield value, None
    elif isinstance(value, tuple):
        for held in value:
            yield from _string_slots(held, seen)
    else:
        raise AssertionError(f"the model holds a {type(value).__name__}: does the check read it?")


def _plant(slot: Slot) -> Callable[[], None]:
    """Puts PLANTED in the slot; returns what puts back what was there."""
    holder, key = slot
    if isinstance(holder, list) and key is None:
        holder.append(PLANTED)
        return holder.pop
    if isinstance(holder, list | dict):
        held = holder[key]
        holder[key] = PLANTED
        return lambda: holder.__setitem__(key, held)
    held = getattr(holder, key)
    setattr(holder, key, PLANTED)
    return lambda: setattr(holder, key, held)


def test_the_final_check_reads_every_string_of_the_public_model(project: Path) -> None:
    """Whatever place of the public model a withheld passage were left in (a front-matter
    value, an item's field, a token of its prose), the final check finds it: the model's
    records are msgspec Structs, and the check's walk must reach each of their fields."""
    from scoper.brief.public import PublicRefused, _check_nothing_left

    public = public_brief(read_brief(project / "briefs" / "leaky.md"))
    _check_nothing_left(public, {PLANTED})  # nothing planted yet: nothing found
    slots = list(_string_slots(public, set()))
    assert len(slots) > 100
    missed = 0
    for slot in slots:
        restore = _plant(slot)
        try:
            _check_nothing_left(public, {PLANTED})
            missed += 1
        except PublicRefused:
            pass
        restore()
    assert missed == 0


def test_a_public_pack_holds_nothing_withheld(project: Path, tmp_path: Path) -> None:
    folder = tmp_path / "briefs"
    shutil.copytree(project / "briefs", folder)
    shutil.copy(EXAMPLES / "loneliness.md", folder / "loneliness.md")
    secret = EXAMPLES.joinpath("knife-crime.md").read_text()
    (folder / "secret.md").write_text(
        re.sub(r"classification: [A-Z-]+", "classification: SECRET", secret, count=1)
    )
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli,
        ["pack", str(folder), "-o", str(out), "--public", "--actions-csv", "--today", "2026-11-28"],
    )
    assert result.exit_code == 0, result.output
    assert "left out of the public pack" in result.output and "SECRET" in result.output
    public = out / "public"
    assert not [p for p in out.iterdir() if p.is_file()]  # the full papers' place is untouched
    files = sorted(p for p in public.iterdir() if not p.name.startswith("."))
    assert files, result.output
    for path in files:
        data = path.read_bytes()
        if path.suffix == ".pdf":
            data = _all_bytes_of_pdf(path)
        for secret_text in SECRETS:
            assert secret_text.lower().encode() not in data.lower(), (path.name, secret_text)
    pack_html = next(p for p in files if p.name.startswith("pack") and p.suffix == ".html")
    soup = BeautifulSoup(pack_html.read_text(), "html.parser")
    assert "Reducing alcohol harm" in soup.get_text()
    assert "Halving knife crime" not in soup.get_text()  # the SECRET paper is not in it


def test_a_mark_whose_braces_span_two_lines(tmp_path: Path) -> None:
    """Braces on two lines: read as a mark in the prose (the passage withheld, the public
    version made), refused where no mark is read (the front matter), naming the mark."""
    from scoper.brief.public import PublicRefused

    prose = BRIEF.replace(
        "in December.",
        "in December, [with LEAK-SPLIT]{\n.sensitive} and\n[LEAK-TWO]{.sensitive\n}.",
    )
    (tmp_path / "prose.md").write_text(prose)
    public = public_brief(read_brief(tmp_path / "prose.md"))
    shown = " ".join(str(value) for value in _public_texts(public))
    assert "LEAK-SPLIT" not in shown and "LEAK-TWO" not in shown
    front = BRIEF.replace(
        "title: Alcohol harm LEAK-FULL-TITLE\npublic-title: Reducing alcohol harm",
        "title: |\n  Alcohol harm {\n  .sensitive}",
    )
    (tmp_path / "front.md").write_text(front)
    with pytest.raises(PublicRefused, match=r"'\{ \.sensitive\}' is written where scoper does not"):
        public_brief(read_brief(tmp_path / "front.md"))


def _public_texts(brief: object) -> list[str]:
    """Every string of the model and every token's text."""
    from markdown_it.token import Token

    from scoper.brief.public import _walk

    values = list(_walk(brief))
    return [v.content if isinstance(v, Token) else v for v in values if isinstance(v, str | Token)]


@pytest.mark.parametrize(
    "code",
    [
        "```js\nfunction publish(record) {\n  if (record.sensitive) return;\n}\n```",
        "```python\nrow = {\n    'flag': record.sensitive,\n}\n```",
        "    def mask(doc) {\n        return doc.sensitive\n    }",
        '```html\n<div class="note" style="x: {">\n<span class="sensitive">x</span>\n```',
        "Each record opens with `{` and carries a flag,\n`record.sensitive`, which we honour.",
        "The record type {see annex.\nSensitive data is handled separately.",
        '```\n{% include "row.html" with class="card" level="sensitive" %}\n```',
        '```\n{{> row class="card" kind="sensitive"}}\n```',
        "```\n{class=x-sensitive}\n```",
        'Our {class = "public" or the sensitive one} choice.',
    ],
    ids=[
        "javascript",
        "python",
        "indented",
        "html",
        "code-spans",
        "prose",
        "django",
        "handlebars",
        "hyphenated",
        "class-prose",
    ],
)
def test_code_with_a_brace_and_sensitive_lines_apart_is_published(
    tmp_path: Path, code: str
) -> None:
    """In code, a brace and a ``.sensitive`` on different lines are code, not a written mark:
    the public version is made (a mark within one line of code is still refused)."""
    text = BRIEF.replace("in December.", "in December.\n\n" + code + "\n")
    (tmp_path / "code.md").write_text(text)
    public = public_brief(read_brief(tmp_path / "code.md"))
    assert any("sensitive" in text.lower() for text in _public_texts(public))


def test_a_written_mark_is_looked_for_near_its_brace() -> None:
    """A mark is short: one is looked for within 500 characters of its brace, so that text
    with many braces and words costs one pass (a search without that bound took seconds on
    a brief within the limits)."""
    from scoper.brief.public import _written_mark

    near = "{" + "x " * 200 + ".sensitive}"
    far = "{" + "x " * 300 + ".sensitive}"
    assert _written_mark(near, one_line=True) is not None
    assert _written_mark(far, one_line=True) is None
    # A mark that starts within the reach counts whole; a word cut there is not taken for
    # another.
    assert _written_mark("{" + "x" * 495 + ".sensitive}", one_line=True) is not None
    assert _written_mark("{" + "y" * 490 + ".sensitiveness}", one_line=True) is None
    crowded = ("{" + "class= " * 140 + "\n") * 2000 + "sensitive"
    assert _written_mark(crowded, one_line=False) is None
    assert _written_mark(crowded + " {class=sensitive}", one_line=False) == "{class=sensitive}"


def test_a_brief_whose_public_version_is_refused_stops_only_itself(tmp_path: Path) -> None:
    """A mark written where scoper does not read one refuses that brief's public version, at
    its line, as any error of a brief; the other briefs are still built and exported."""
    folder = tmp_path / "briefs"
    shutil.copytree(EXAMPLES / "images", folder / "images")
    (folder / "good.md").write_text(BRIEF)
    written = BRIEF.replace("PU-2026-014", "PU-2026-015").replace(
        "in December.", "in December.\n\n```\nLEAK-CODE {.sensitive}\n```"
    )
    (folder / "written.md").write_text(written)
    line = written.splitlines().index("```") + 1
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli, ["build", str(folder), "-o", str(out), "--public", "--format", "html"]
    )
    assert result.exit_code == 1
    assert f"written.md:{line}: error B007 public-refused: no public version: '{{.sensitive}}'" in (
        result.output
    )
    assert sorted(path.name for path in out.iterdir()) == ["good.public.html"]
    exported = CliRunner().invoke(cli, ["export", "--public", str(folder)])
    assert [b["ref"] for b in json.loads(exported.stdout)["briefs"]] == ["PU-2026-014"]
    assert f"written.md:{line}: left out: no public version:" in exported.stderr
    packed = CliRunner().invoke(
        cli,
        ["pack", str(folder), "-o", str(tmp_path / "site"), "--public", "--today", "2026-11-23"],
    )
    assert f"written.md:{line}: warning B007 public-refused: left out of the public pack" in (
        packed.output
    )
