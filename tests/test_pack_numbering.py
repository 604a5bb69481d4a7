"""One numbering for the pack: every page of a 40-paper pack says its page of the pack, and
the contents, the bookmarks and the links agree with what the pages say."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import msgspec
import pikepdf
import pytest
from pypdf import PdfReader

from bench.corpus import make_briefs
from scoper.config import Config
from scoper.pack.build import PackOutcome, build_pack
from scoper.pack.model import Week

_NUMBER = re.compile(r"Page (\d+) of (\d+)")


@pytest.fixture(scope="module")
def forty(tmp_path_factory: pytest.TempPathFactory) -> tuple[PackOutcome, Path]:
    work = tmp_path_factory.mktemp("forty")
    (work / "briefs").mkdir()
    paths = make_briefs(work / "briefs", 40)
    outcome = build_pack(
        paths, Config(), work / "out", week=Week.parse("2026-W48"), today=dt.date(2026, 11, 28)
    )
    assert outcome.ok, [p.format() for p in outcome.problems]
    return outcome, work / "out" / f"{outcome.name}.pdf"


def _pack_numbers(text: str) -> list[tuple[int, int]]:
    return [(int(a), int(b)) for a, b in _NUMBER.findall(text)]


def test_every_page_carries_its_pack_number_and_the_total(
    forty: tuple[PackOutcome, Path],
) -> None:
    outcome, pdf = forty
    reader = PdfReader(pdf)
    total = len(reader.pages)
    assert outcome.pack is not None and len(outcome.pack.papers) == 40 and total > 120
    for index, page in enumerate(reader.pages):
        numbers = _pack_numbers(page.extract_text())
        assert (index + 1, total) in numbers, (index + 1, numbers)
        # A paper's own number is the only other one, and is smaller than the pack's.
        assert all(of < total for _, of in numbers if (_, of) != (index + 1, total))


def test_the_numbers_are_pagination_artifacts_outside_the_structure(
    forty: tuple[PackOutcome, Path],
) -> None:
    _, pdf = forty
    with pikepdf.open(pdf) as opened:
        for page in opened.pages:
            last = pikepdf.parse_content_stream(page.obj.Contents[-1])
            operators = [str(i.operator) for i in last]
            assert operators == ["Q", "q", "BDC", "cm", "Do", "EMC", "Q"]
            tag, properties = last[2].operands
            assert tag == pikepdf.Name.Artifact
            assert properties.Type == pikepdf.Name.Pagination
            form = page.Resources.XObject[str(last[4].operands[0])]
            inner = {str(i.operator) for i in pikepdf.parse_content_stream(form)}
            assert not inner & {"BDC", "BMC", "EMC"}  # no tagged content inside


def test_contents_bookmarks_and_links_point_at_the_numbers_printed(
    forty: tuple[PackOutcome, Path],
) -> None:
    outcome, pdf = forty
    assert outcome.pack is not None
    reader = PdfReader(pdf)
    printed = {
        index: _pack_numbers(page.extract_text())[-1][0] for index, page in enumerate(reader.pages)
    }
    # Each contents row runs from its ref to the next: its last number is its page.
    rows: dict[str, int] = {}
    grid_rows: dict[str, int] = {}
    grid_order: list[str] = []
    row = re.compile(r"(BENCH-\d+) .*? (\d+)(?= BENCH-| Action tracker| Priorities pack)")
    front = min(paper.first_page for paper in outcome.pack.papers) - 1
    grid_pages = []
    for index, page in enumerate(reader.pages[:front]):
        text = " ".join(page.extract_text().split())
        found = [(match[1], int(match[2])) for match in row.finditer(text)]
        if page.mediabox.width > page.mediabox.height:
            # The grid: landscape pages after the cover, its header row on each.
            grid_pages.append(index)
            assert "Ref Title The ask Decision by" in text
            grid_rows.update(found)
            grid_order += [ref for ref, _ in found]
        else:
            rows.update(found)
    # Forty papers take three grid pages (twelve or more a page), straight after the cover.
    assert grid_pages == [1, 2, 3]
    assert grid_order == [paper.brief.meta.ref for paper in outcome.pack.papers]
    for paper in outcome.pack.papers:
        # The contents' and the grid's page for the paper is the number printed on the page
        # it starts on, and that page is the paper's own first ("Page 1 of" its own length).
        start = paper.first_page - 1
        ref = paper.brief.meta.ref
        assert rows[ref] == grid_rows[ref] == paper.first_page == printed[start]
        own = _pack_numbers(reader.pages[start].extract_text())
        assert own[0][0] == 1 and own[0][1] < len(reader.pages)
    assert len(rows) == len(grid_rows) == 40
    # Top-level bookmarks: the cover, the grid, the contents, each paper in order, the
    # closing parts.
    bookmarks = [
        reader.get_destination_page_number(entry)
        for entry in reader.outline
        if not isinstance(entry, list)
    ]
    papers = outcome.pack.papers
    assert [printed[page] for page in bookmarks[3 : 3 + len(papers)]] == [
        paper.first_page for paper in papers
    ]
    # Links on the front (the grid, the contents) land on the page whose printed number
    # they show.
    for index in range(front):
        for annotation in reader.pages[index].get("/Annots", []):
            annotation = annotation.get_object()
            if "/Dest" in annotation:
                target = reader.get_page_number(annotation["/Dest"][0].get_object())
                assert printed[target] == target + 1


def test_a_layout_only_to_count_pages_counts_them_and_writes_nothing() -> None:
    from scoper.brief.source import read_brief
    from scoper.build import paper_job
    from scoper.pdf.pool import render_job
    from scoper.render.theme import theme_for

    from .conftest import EXAMPLES

    config = Config()
    brief = read_brief(EXAMPLES / "knife-crime.md")
    job = paper_job(brief, config, theme_for(config))
    written = render_job(job)
    counted = render_job(msgspec.structs.replace(job, length_only=True))
    assert written.pdf and written.pages > 1
    assert counted.pdf == b"" and counted.error is None
    assert counted.pages == written.pages


def test_a_cold_pack_lays_its_front_out_early_only_to_count_its_pages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from scoper.pdf.pool import PdfJob, PdfPool

    submitted: list[PdfJob] = []
    submit = PdfPool.submit

    def spy(self: PdfPool, job: PdfJob, *args: object, **kwargs: object) -> object:
        submitted.append(job)
        return submit(self, job, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(PdfPool, "submit", spy)
    (tmp_path / "briefs").mkdir()
    paths = make_briefs(tmp_path / "briefs", 3)
    outcome = build_pack(
        paths, Config(), tmp_path / "out", week=Week.parse("2026-W48"), today=dt.date(2026, 11, 28)
    )
    assert outcome.ok, [p.format() for p in outcome.problems]
    counted = [job for job in submitted if job.length_only]
    # The front and the contents, with rough page numbers: then each once more, written.
    assert len(counted) == 2
    assert 'id="part-grid"' in counted[0].html and 'id="contents"' in counted[1].html
    written_fronts = [j for j in submitted if not j.length_only and 'id="part-grid"' in j.html]
    # What the count said was the front's length: laid out once more, with the real page
    # numbers, it came out as long, and was not laid out a third time.
    assert len(written_fronts) == 1


def test_a_part_counted_only_is_never_kept_as_the_part_written() -> None:
    from scoper.pack.parts import part_key
    from scoper.pdf.pool import PdfJob

    job = PdfJob(html="<p>Front</p>", roots=(Path("."),), title="Pack", created="2026-11-28")
    counted = msgspec.structs.replace(job, length_only=True)
    assert part_key(counted) != part_key(job)
    assert part_key(job) == part_key(msgspec.structs.replace(job))
