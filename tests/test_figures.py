"""Numbered figures and tables, captions and source lines, and charts drawn from tables."""

from __future__ import annotations

import base64
import re
from pathlib import Path

from bs4 import BeautifulSoup

from scoper.brief.figures import numbering, parse_number
from scoper.build import BriefResult
from scoper.config import Config
from scoper.render.html import render_html
from tests.conftest import valid_brief

from .test_html import soup_of

CHARTED = """
## Background

Prose first.

![Admissions rising](admissions.png "Admissions by year. Source: NHS England")

| Area | Cost |
|---|---:|
| North | £12m |
| South | £8m |

Table: Costs by area. Source: HM Treasury

{.chart type=line highlight="Wales"}
| Year | England | Wales |
|---|---:|---:|
| 2021 | 1,200 | 80 |
| 2022 | 1,300 | 95.5 |

{.chart type=bar}
| Name | Role |
|---|---|
| Ann | Chair |
"""


def _brief(tmp_path: Path) -> Path:
    text = valid_brief().replace("## Evidence", CHARTED + "\n## Evidence", 1)
    path = tmp_path / "charted.md"
    path.write_text(text)
    return path


def _paper(tmp_path: Path) -> BeautifulSoup:
    from scoper.load import load

    [report] = load([_brief(tmp_path)], Config())
    assert report.brief is not None
    return BeautifulSoup(render_html(report.brief, Config()), "html.parser")


def test_figures_and_tables_are_numbered_with_captions_and_sources(tmp_path: Path) -> None:
    soup = _paper(tmp_path)
    figure = soup.select_one("figure#fig-1")
    assert figure is not None
    caption = figure.select_one("figcaption")
    assert caption is not None
    assert caption.get_text(" ", strip=True).startswith("Figure 1 : Admissions by year.")
    source = figure.select_one(".caption-source")
    assert source is not None and source.get_text() == "Source: NHS England"
    block = soup.select_one("#table-1")
    assert block is not None
    table_caption = block.select_one("table > caption")
    assert table_caption is not None
    assert table_caption.get_text(" ", strip=True) == "Table 1 : Costs by area."
    assert block.select_one("p.caption-source").get_text(strip=True) == "Source: HM Treasury"
    # The caption paragraph is not written a second time as prose.
    assert "Table: Costs" not in soup.get_text()
    # The table of words marked as a chart stays a table, numbered as one.
    assert soup.select_one("#table-2 table") is not None


def test_a_marked_table_is_drawn_as_a_chart_with_its_table_kept(tmp_path: Path) -> None:
    soup = _paper(tmp_path)
    chart = soup.select_one("figure#fig-2.chart")
    assert chart is not None
    image = chart.select_one("img.chart-image")
    assert image is not None
    alt = str(image["alt"])
    assert alt.startswith("Line chart of England and Wales by year, 2021 to 2022.")
    assert "Wales rises from 80 in 2021 to 95.5 in 2022" in alt
    assert "highlights Wales" in alt
    svg = base64.b64decode(str(image["src"]).split(",", 1)[1]).decode()
    assert "<script" not in svg and "<!--" not in svg
    # Nothing to fetch: the only addresses are XML namespaces.
    assert set(re.findall(r"https?://[^\"' )]+", svg)) <= {
        "http://www.w3.org/2000/svg",
        "http://www.w3.org/1999/xlink",
    }
    assert "#f46a25" in svg.lower()  # the highlighted series in the contrast colour
    data = chart.select_one("details.chart-data table")
    assert data is not None and "1,200" in data.get_text()


def test_the_same_brief_draws_the_same_chart(tmp_path: Path) -> None:
    first = _paper(tmp_path).select_one("img.chart-image")
    second = _paper(tmp_path).select_one("img.chart-image")
    assert first is not None and second is not None
    assert first["src"] == second["src"]


def test_numbers_in_cells() -> None:
    assert parse_number("1,200") == 1200
    assert parse_number("£12m") == 12
    assert parse_number("3.4%") == 3.4
    assert parse_number("Chair") is None


def test_example_alcohol_harm_draws_its_admissions(built_examples: dict[str, BriefResult]) -> None:
    soup = soup_of(built_examples["alcohol-harm"])
    chart = soup.select_one("figure#fig-1.chart img")
    assert chart is not None and "from 314 in 2021 to 363 in 2025" in str(chart["alt"])
    # Not in the paper's visible footer: the generator is the page's metadata.
    footer = soup.select_one(".paper-footer")
    assert footer is not None and "scoper" not in footer.get_text()
    assert soup.select_one("meta[name=generator]") is not None
    brief = built_examples["alcohol-harm"].brief
    assert brief is not None
    assert [entry.label for entry in numbering(brief).values()] == ["Figure 1", "Figure 1"]


FLOATING = """
## Background

Before.

![One](one.png "One")

After one, which says <!--scoper:float-end fig-2--> as text.

![Two](two.png "Two")

### A heading

![Three](three.png "Three")

- A list after three.
"""


def _floating_html(tmp_path: Path, target: str) -> str:
    from scoper.load import load

    path = tmp_path / "floating.md"
    path.write_text(valid_brief().replace("## Evidence", FLOATING + "\n## Evidence", 1))
    [report] = load([path], Config())
    assert report.brief is not None
    return render_html(report.brief, Config(), target=target)  # type: ignore[arg-type]


def test_print_marks_each_figure_followed_by_text_and_can_put_it_after(tmp_path: Path) -> None:
    from scoper.pdf.floats import movable, swapped

    assert "scoper:" not in _floating_html(tmp_path, "screen").replace("&lt;!--scoper:", "")
    html = _floating_html(tmp_path, "pdf")
    # A figure before a heading stays where it is; the brief's own "mark" is text.
    assert movable(html) == ["fig-1", "fig-3"]
    moved = swapped(html, ["fig-1"])
    assert movable(moved) == ["fig-3"]  # moved once, not back
    assert moved.index("After one") < moved.index('id="fig-1"') < moved.index('id="fig-2"')
    soup = BeautifulSoup(moved, "html.parser")
    figure = soup.select_one("figure#fig-1")
    assert figure is not None
    assert figure.select_one("figcaption").get_text(" ", strip=True) == "Figure 1 : One"
    # Nothing else changed: the same lines, without the marks.
    unmarked = re.sub(r"<!--scoper:[^>]*-->", "", html)
    assert sorted(re.sub(r"<!--scoper:[^>]*-->", "\n", moved).split()) == sorted(unmarked.split())
