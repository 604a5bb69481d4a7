"""The HTML papers, read back with an HTML parser."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bs4 import BeautifulSoup

from scoper.build import BriefResult, build_one
from scoper.config import Config
from tests.conftest import ROOT, scoper_in_new_python


def soup_of(result: BriefResult) -> BeautifulSoup:
    path = next(p for p in result.written if p.suffix == ".html")
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def test_html_is_one_self_contained_file(built_examples: dict[str, BriefResult]) -> None:
    for result in built_examples.values():
        soup = soup_of(result)
        assert soup.find("script") is None
        assert soup.find("link", rel="stylesheet") is None
        style = soup.find("style").string
        assert "@font-face" in style
        assert "url(data:font/woff2;base64," in style
        assert "file:" not in style
        for image in soup.find_all("img"):
            assert image["src"].startswith("data:image/")
            assert image["alt"]
    assert soup_of(built_examples["alcohol-harm"]).find("img") is not None


def test_marking_at_top_and_bottom(built_examples: dict[str, BriefResult]) -> None:
    for result in built_examples.values():
        assert result.brief is not None
        soup = soup_of(result)
        markings = soup.select(".marking")
        assert [m.get_text(strip=True) for m in markings] == [result.brief.meta.classification] * 2
        body = soup.body
        assert "marking-top" in markings[0]["class"]
        assert "marking-bottom" in markings[1]["class"]
        # The top marking comes before the paper and the bottom one after it.
        order = [el for el in body.find_all(True, recursive=False)]
        assert order.index(markings[0]) < order.index(soup.find("main")) < order.index(markings[1])


def test_title_block_metadata(built_examples: dict[str, BriefResult]) -> None:
    result = built_examples["alcohol-harm"]
    soup = soup_of(result)
    assert soup.find("h1").get_text(strip=True) == result.brief.meta.title
    rows = {
        th.get_text(strip=True): th.find_next_sibling("td").get_text(" ", strip=True)
        for th in soup.select("table.meta th")
    }
    assert rows["Reference"] == "PU-2026-014"
    assert rows["Date"] == "23 November 2026"
    assert rows["Status"] == "Review"
    assert rows["Priority"].startswith("2")
    assert rows["Lead"] == "Health and Social Care team"
    assert rows["Authors"] == "Priya Shah, Tom Reed"
    assert rows["Commissioned by"] == "Prime Minister"
    assert rows["Classification"] == "OFFICIAL-SENSITIVE"
    assert "Prime Minister's Policy Unit" in soup.select_one(".kicker").get_text()
    assert len(soup.find_all("h1")) == 1


def test_sections_in_source_order_with_structured_items(
    built_examples: dict[str, BriefResult],
) -> None:
    for result in built_examples.values():
        brief = result.brief
        assert brief is not None
        soup = soup_of(result)
        headings = [h.get_text(strip=True) for h in soup.select("main > section > h2")]
        expected = [s.title for s in brief.sections]
        assert headings[: len(expected)] == expected
        evidence = soup.select("li.evidence")
        assert len(evidence) == len(brief.evidence)
        for element, item in zip(evidence, brief.evidence, strict=True):
            assert (
                element.select_one(".grade")
                .get_text(" ", strip=True)
                .lower()
                .startswith(item.strength)
            )
        partners = soup.select("article.partner")
        assert [p.select_one("h3").get_text(strip=True) for p in partners] == [
            p.name for p in brief.partners
        ]
        for element, partner in zip(partners, brief.partners, strict=True):
            labels = [dt.get_text(strip=True) for dt in element.select("dt")]
            assert "Interests" in labels
            assert partner.sector.replace("-", " ") in element.get_text(" ").lower()
        header = [th.get_text(strip=True) for th in soup.select("table.actions thead th")]
        assert header == ["#", "Action", "Owner", "Due", "Lever", "Status"]
        assert len(soup.select("table.actions tbody tr")) == len(brief.actions)


def test_footnotes_callouts_and_watermark(built_examples: dict[str, BriefResult]) -> None:
    soup = soup_of(built_examples["alcohol-harm"])
    notes = soup.select("#notes li.footnote-item")
    assert notes and soup.select("sup.footnote-ref a")[0]["href"] == "#" + notes[0]["id"]
    assert soup.select_one(".callout-warning .callout-title").get_text() == "Warning"
    assert soup.select_one(".watermark") is None  # alcohol-harm is in review
    draft = next(r for r in built_examples.values() if r.brief and r.brief.meta.status == "draft")
    watermark = soup_of(draft).select_one(".watermark")
    assert watermark["aria-hidden"] == "true" and watermark.get_text() == ""
    assert '.watermark::before { content: "DRAFT"; }' in soup_of(draft).style.string


def test_html_only_work_never_imports_weasyprint(tmp_path: Path) -> None:
    out = tmp_path / "out"
    brief = str(ROOT / "briefs" / "loneliness.md")
    done = scoper_in_new_python(
        ["build", brief, "-o", str(out), "--format", "html"],
        after="assert 'weasyprint' not in sys.modules, 'weasyprint imported'",
    )
    assert done.returncode == 0, done.stderr
    assert (out / "loneliness.html").exists()
    assert not (out / "loneliness.pdf").exists()
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from scoper.cli import cli; "
            "print('weasyprint' in sys.modules, 'jinja2' in sys.modules)",
        ],
        capture_output=True,
        text=True,
    )
    assert done.stdout.split() == ["False", "False"]


def test_an_html_build_declares_no_dataclass_of_its_own(tmp_path: Path) -> None:
    """Declaring a dataclass compiles its methods at import (about 0.7 ms a class on
    Python 3.11): scoper's records are msgspec Structs (docs/architecture.md, "The model").
    A brief with a chart and a table, so the figure modules are loaded too."""
    out = tmp_path / "out"
    brief = str(ROOT / "briefs" / "alcohol-harm.md")
    done = scoper_in_new_python(
        ["build", brief, "-o", str(out), "--format", "html"],
        before=(
            "import dataclasses\n"
            "made = []\n"
            "declare = dataclasses._process_class\n"
            "def counted(cls, *args, **kwargs):\n"
            "    made.append(f'{cls.__module__}.{cls.__qualname__}')\n"
            "    return declare(cls, *args, **kwargs)\n"
            "dataclasses._process_class = counted\n"
        ),
        after="print(' '.join(made) or 'none')",
    )
    assert done.returncode == 0, done.stderr
    assert (out / "alcohol-harm.html").exists()
    declared = done.stdout.splitlines()[-1].split()
    assert all(not name.startswith("scoper") for name in declared), declared
    # The counting itself works: markdown-it's own dataclasses were seen.
    assert any(name.startswith("markdown_it.") for name in declared), declared


def test_organisation_from_config_appears(tmp_path: Path, write_brief) -> None:
    path = write_brief()
    result = build_one(path, Config(organisation="Cabinet Office Unit"), tmp_path / "o", "html")
    soup = soup_of(result)
    assert "Cabinet Office Unit" in soup.select_one(".kicker").get_text()
    assert "Cabinet Office Unit" in soup.select_one(".paper-footer").get_text()
