"""Numbered paragraphs: 1, 2, 3... through a paper's prose, in HTML and Word, each with an
anchor; switched off by the project or the paper."""

from __future__ import annotations

import re
from pathlib import Path

import docx
from bs4 import BeautifulSoup

from scoper.brief.model import Brief
from scoper.brief.numbers import paragraph_numbers
from scoper.brief.parser import parse_brief
from scoper.config import Config, parse_config
from scoper.docx.paper import render_docx
from scoper.render.html import render_html
from tests.conftest import valid_brief

PROSE = """## Background
First background paragraph.

- a point
- another point

![A chart](chart.png)

> [!NOTE]
> A callout is not numbered.

## Evidence
An introduction to the evidence.

"""


def _brief(text: str) -> Brief:
    return parse_brief(text, "b.md", default_ref="PU-1", slug="b")


def _text(numbered: bool | None = None) -> str:
    text = valid_brief().replace("## Evidence\n", PROSE, 1)
    if numbered is not None:
        text = text.replace(
            "status: draft", f"status: draft\nnumbered-paragraphs: {str(numbered).lower()}"
        )
    return text


def test_paragraphs_and_bullet_items_are_numbered_through_the_paper() -> None:
    brief = _brief(_text())
    soup = BeautifulSoup(render_html(brief, Config()), "html.parser")
    numbered = soup.select(".numbered")
    assert [tag["id"] for tag in numbered] == [f"para-{n}" for n in range(1, 6)]
    texts = [" ".join(tag.get_text(" ").split()) for tag in numbered]
    assert texts[0].startswith("Paragraph 1 One in fourteen adults")
    assert texts[1:5] == [
        "Paragraph 2 First background paragraph.",
        "Paragraph 3 a point",
        "Paragraph 4 another point",
        "Paragraph 5 An introduction to the evidence.",
    ]
    # A picture alone and a callout's text are not paragraphs of the argument.
    assert not soup.select(".callout .numbered") and not soup.select("p.numbered img")
    assert len(paragraph_numbers(brief)) == len(numbered)


def test_the_project_or_the_paper_switches_numbering_off() -> None:
    off = parse_config(b"numbered-paragraphs = false\n", Path("scoper.toml"))
    assert not off.numbered_paragraphs
    assert "para-1" not in render_html(_brief(_text()), off)
    assert "para-1" not in render_html(_brief(_text(numbered=False)), Config())
    # The paper's own choice wins over the project's.
    assert 'id="para-1"' in render_html(_brief(_text(numbered=True)), off)


def test_word_paragraphs_carry_the_same_numbers(tmp_path: Path) -> None:
    brief = _brief(_text())
    data = render_docx(brief, Config())
    path = tmp_path / "b.docx"
    path.write_bytes(data)
    texts = [p.text for p in docx.Document(str(path)).paragraphs]
    numbered = [t for t in texts if re.match(r"^\d+\t", t)]
    assert numbered[0].startswith("1\tOne in fourteen")
    assert numbered[1] == "2\tFirst background paragraph."
    assert numbered[2].startswith("3\t•") and numbered[3].startswith("4\t•")
    off = render_docx(_brief(_text(numbered=False)), Config())
    path.write_bytes(off)
    assert not any(re.match(r"^\d+\t", p.text) for p in docx.Document(str(path)).paragraphs)


XREF = (
    "One in fourteen adults is chronically lonely ([E2](#E2), [#para-1](#para-1), [A1](#A1), "
    "[the risk](#R1), [P2](#P2), [the evidence](#evidence), [PU-2026-014](ref:PU-2026-014), "
    "[an old brief](old-brief.md))."
)


def test_cross_references_render_in_the_house_form_and_reach_their_targets() -> None:
    text = _text().replace("One in fourteen adults is chronically lonely.", XREF)
    brief = _brief(text)
    soup = BeautifulSoup(render_html(brief, Config()), "html.parser")
    summary = soup.select_one(".section-summary p")
    assert summary is not None
    links = {a.get_text(): a["href"] for a in summary.select("a")}
    assert links["E2"] == "#E2" and links["para 1"] == "#para-1" and links["A1"] == "#A1"
    for href in ("#E2", "#para-1", "#A1", "#R1", "#P2"):
        assert soup.select_one(href) is not None, href
    # Another paper is named by its ref, never by a file name.
    assert "PU-2026-014" in summary.get_text() and "old-brief.md" not in str(summary)


def test_a_link_to_nothing_in_the_paper_is_a_broken_reference_warning_at_its_line(
    tmp_path: Path,
) -> None:
    from scoper.check import CheckContext, check_brief

    text = _text().replace("One in fourteen adults is chronically lonely.", XREF)
    line = text.splitlines().index(next(x for x in text.splitlines() if "#E2" in x)) + 1
    found = [
        p
        for p in check_brief(_brief(text), CheckContext.for_config(Config()))
        if p.rule == "broken-reference"
    ]
    assert [(p.line, p.severity) for p in found if "#" in p.message] == [(line, "warning")]
    assert "'#evidence'" in found[0].message


def test_a_tables_caption_takes_no_paragraph_number() -> None:
    from tests.conftest import EXAMPLES

    text = (EXAMPLES / "alcohol-harm.md").read_text()
    brief = parse_brief(text, "a.md", default_ref="a", slug="a")
    background = next(s for s in brief.sections if s.title == "Background")
    numbered = [t for t in background.intro.tokens if id(t) in paragraph_numbers(brief)]
    numbers = sorted(paragraph_numbers(brief).values())
    assert numbers == list(range(1, len(numbers) + 1))
    captions = [
        background.intro.tokens[i + 1].content
        for i, t in enumerate(background.intro.tokens)
        if t in numbered and i + 1 < len(background.intro.tokens)
    ]
    assert not any(c.lower().startswith("table:") for c in captions), captions
