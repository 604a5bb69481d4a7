"""The weekly priorities pack, read back from its PDF, HTML and CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import shutil
import sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner
from pypdf import PdfReader

from scoper.cli import cli
from scoper.config import Config
from scoper.pack.build import PackOutcome, build_pack
from scoper.pack.model import Week, partner_key
from tests.conftest import EXAMPLES, valid_brief

TODAY = dt.date(2026, 11, 28)
# A brief of the same week that shares a partner (spelt differently) with alcohol-harm,
# and has an overdue action: the register and tracker must show both.
EXTRA = (
    valid_brief(status="review", classification="SECRET")
    .replace("ref: PU-2026-900", "ref: PU-2026-950")
    .replace("priority: 2", "priority: 1\ndecision-by: 2026-11-27")
    .replace("date: 2026-11-23", "date: 2026-11-25")
    .replace("**Age UK** — third-sector", "**The Alcohol Health Alliance UK.** — third-sector")
    .replace("Due: 2026-12-10", "Due: 2026-11-26")
)
OLD = valid_brief().replace("date: 2026-11-23", "date: 2026-11-10").replace("900", "901")


def _outline(reader: PdfReader) -> list:
    def walk(entries: list) -> list:
        found: list = []
        for entry in entries:
            if isinstance(entry, list):
                found[-1][2].extend(walk(entry))
            else:
                found.append((entry.title, reader.get_destination_page_number(entry), []))
        return found

    return walk(reader.outline)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[PackOutcome, Path]:
    work = tmp_path_factory.mktemp("pack")
    briefs = work / "briefs"
    shutil.copytree(EXAMPLES, briefs)
    (briefs / "extra.md").write_text(EXTRA)
    (briefs / "older.md").write_text(OLD)
    outcome = build_pack(
        sorted(briefs.glob("*.md")),
        Config(organisation="Prime Minister's Policy Unit"),
        work / "out",
        week=Week.parse("2026-W48"),
        today=TODAY,
        actions_csv=True,
    )
    return outcome, work / "out"


def test_the_week_chooses_the_papers_in_priority_order(built: tuple[PackOutcome, Path]) -> None:
    outcome, _ = built
    assert outcome.ok, [p.format() for r in outcome.reports for p in r.problems]
    assert outcome.pack is not None
    refs = [p.brief.meta.ref for p in outcome.pack.papers]
    assert "PU-2026-901" not in refs  # dated in week 46
    assert len(refs) == 7
    keys = [
        (p.brief.meta.priority, p.brief.meta.date, p.brief.meta.ref) for p in outcome.pack.papers
    ]
    assert keys == sorted(keys)
    assert refs[0] == "PU-2026-950"


def test_outputs(built: tuple[PackOutcome, Path]) -> None:
    _, out = built
    names = {p.name for p in out.iterdir()}
    assert {"pack-2026-W48.pdf", "pack-2026-W48.html", "pack-2026-W48-actions.csv"} <= names
    for slug in ("alcohol-harm", "extra", "loneliness"):
        assert {f"{slug}.pdf", f"{slug}.html"} <= names
    assert "older.pdf" not in names


def test_cover_and_contents_carry_the_highest_marking_and_true_page_numbers(
    built: tuple[PackOutcome, Path],
) -> None:
    outcome, out = built
    reader = PdfReader(out / "pack-2026-W48.pdf")
    pages = [" ".join(page.extract_text().split()) for page in reader.pages]
    cover = pages[0]
    assert cover.count("SECRET") >= 2 and "OFFICIAL" not in cover
    for label in (
        "Weekly priorities pack",
        "Week commencing 23 November 2026",
        "Papers 7",
        "Date of issue 28 November 2026",
        "Prime Minister's Policy Unit",
        "Highest marking SECRET",
        "Overdue actions 1",
        "Decisions due this week 1: PU-2026-950 by 27 Nov",
    ):
        assert label in cover, label
    contents = pages[2]
    assert "Contents" in contents and contents.count("SECRET") >= 2
    assert outcome.pack is not None
    for paper in outcome.pack.papers:
        meta = paper.brief.meta
        page = pages[paper.first_page - 1]
        # The paper starts on the page the contents gives, under its own marking.
        assert meta.title.split(" ")[0] in page and meta.ref in page
        assert page.count(meta.classification) >= 2
        assert f"{meta.ref} " in contents
    # Each page of a paper carries that paper's marking, not the pack's.
    alcohol = next(p for p in outcome.pack.papers if p.brief.slug == "alcohol-harm")
    assert "OFFICIAL-SENSITIVE" in pages[alcohol.first_page]


def test_contents_links_and_bookmarks(built: tuple[PackOutcome, Path]) -> None:
    outcome, out = built
    assert outcome.pack is not None
    reader = PdfReader(out / "pack-2026-W48.pdf")

    def link_targets(index: int) -> list[int]:
        targets = []
        for annotation in reader.pages[index].get("/Annots", []):
            annotation = annotation.get_object()
            if "/Dest" in annotation:
                targets.append(reader.get_page_number(annotation["/Dest"][0].get_object()) + 1)
        # A title that wraps onto two lines is two link areas to the same page.
        return [page for n, page in enumerate(targets) if n == 0 or targets[n - 1] != page]

    starts = [paper.first_page for paper in outcome.pack.papers]
    assert link_targets(1) == starts  # the grid, on page 2
    targets = link_targets(2)  # the contents
    assert targets[: len(starts)] == starts
    # and the tracker, the tracker by owner, the register and the annex
    assert len(targets) == len(starts) + 4
    outline = _outline(reader)
    titles = [title for title, _, _ in outline]
    assert titles[:3] == ["Weekly priorities pack", "The papers at a glance", "Contents"]
    assert titles[-4:] == [
        "Action tracker",
        "Action tracker by owner",
        "Partner register",
        "Quality annex",
    ]
    for paper in outcome.pack.papers:
        _, page, children = next(o for o in outline if o[0] == paper.brief.meta.title)
        assert page + 1 == paper.first_page
        assert [c[0] for c in children] == [s.title for s in paper.brief.sections] + (
            ["Notes"] if paper.brief.footnotes else []
        )


def test_tracker_register_and_annex(built: tuple[PackOutcome, Path]) -> None:
    outcome, out = built
    assert outcome.pack is not None
    tracker = outcome.pack.tracker
    dues = [row.action.due for row in tracker]
    assert dues == sorted(dues)
    assert len(tracker) == sum(len(p.brief.actions) for p in outcome.pack.papers)
    overdue = [row for row in tracker if row.overdue]
    assert [(r.paper.brief.meta.ref, str(r.action.due)) for r in overdue] == [
        ("PU-2026-950", "2026-11-26")
    ]
    register = {entry.name: entry for entry in outcome.pack.register}
    shared = next(
        e for e in register.values() if partner_key(e.name) == "alcohol health alliance uk"
    )
    assert shared.refs == ["PU-2026-950", "PU-2026-014"] and shared.shapes_several
    soup = BeautifulSoup((out / "pack-2026-W48.html").read_text(), "html.parser")
    flagged = soup.select(".register-table tr.several")
    assert any("In 2 papers" in row.get_text() for row in flagged)
    rows = soup.select("#part-tracker .tracker-table tbody tr")
    assert len(rows) == len(tracker)
    overdue_rows = soup.select("#part-tracker tr.overdue")
    assert [r.get_text(" ", strip=True).split()[0] for r in overdue_rows] == ["PU-2026-950"]
    # The same actions by owner: each once, each owner's by due date.
    by_owner = soup.select("#part-owners .tracker-table tbody tr")
    assert len(by_owner) == len(tracker)
    assert len(soup.select("#part-owners tr.overdue")) == 1
    reader = PdfReader(out / "pack-2026-W48.pdf")
    last_paper = outcome.pack.papers[-1]
    first_back = (
        last_paper.first_page - 1 + len(PdfReader(out / f"{last_paper.brief.slug}.pdf").pages)
    )
    back = " ".join(" ".join(p.extract_text().split()) for p in reader.pages[first_back:])
    assert "Action tracker" in back[:300]
    assert "Overdue" in back and "In 2 papers" in back and "Quality annex" in back
    assert back.index("Action tracker by owner") < back.index("Partner register")


def test_csv_tracker(built: tuple[PackOutcome, Path]) -> None:
    outcome, out = built
    assert outcome.pack is not None
    text = (out / "pack-2026-W48-actions.csv").read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    # Both views: by date, then by owner.
    assert len(rows) == 2 * len(outcome.pack.tracker)
    assert list(rows[0]) == [
        "paper_ref",
        "paper_title",
        "action",
        "owner",
        "due",
        "lever",
        "status",
        "overdue",
        "owner_group",
        "view",
    ]
    by_date = [r for r in rows if r["view"] == "by date"]
    assert [r["paper_ref"] for r in by_date if r["overdue"] == "yes"] == ["PU-2026-950"]
    assert [r["view"] for r in rows] == ["by date"] * len(by_date) + ["by owner"] * len(by_date)


def test_pack_html_is_one_file_with_unique_ids_and_working_links(
    built: tuple[PackOutcome, Path],
) -> None:
    _, out = built
    soup = BeautifulSoup((out / "pack-2026-W48.html").read_text(), "html.parser")
    ids = [element["id"] for element in soup.find_all(id=True)]
    assert len(ids) == len(set(ids))
    for link in soup.select("a[href^='#']"):
        assert link["href"][1:] in ids, link["href"]
    assert soup.find("script") is None and soup.find("link") is None
    assert len(soup.select("article.pack-paper")) == 7


def test_rebuilds_render_only_what_changed(tmp_path: Path) -> None:
    briefs = tmp_path / "briefs"
    shutil.copytree(EXAMPLES, briefs)
    args = (sorted(briefs.glob("*.md")), Config(), tmp_path / "out")
    first = build_pack(*args, today=TODAY)
    assert first.ok and first.rendered == 6 + 2
    times = {p.name: p.stat().st_mtime_ns for p in (tmp_path / "out").iterdir()}
    again = build_pack(*args, today=TODAY)
    assert again.ok and again.rendered == 0
    assert {p.name: p.stat().st_mtime_ns for p in (tmp_path / "out").iterdir()} == times
    brief = briefs / "loneliness.md"
    # Outside the summary, which the front's grid quotes: only the paper and the pack's
    # assembly are redone.
    brief.write_text(brief.read_text().replace("about 3,500 link", "about 3,600 link"))
    third = build_pack(*args, today=TODAY)
    assert third.ok and third.rendered == 1 + 2
    changed = {
        p.name for p in (tmp_path / "out").iterdir() if p.stat().st_mtime_ns != times.get(p.name)
    }
    assert changed == {
        "loneliness.pdf",
        "loneliness.html",
        "pack.pdf",
        "pack.html",
        "pack-2026-11-28.snapshot.json",  # written with the pack
        ".scoper-cache.json",
    }
    # A new day makes actions overdue, so the pack (not the papers) is redone.
    fourth = build_pack(*args, today=TODAY + dt.timedelta(days=1))
    assert fourth.rendered == 2


def test_a_bad_brief_stops_the_pack_and_keeps_the_last_good_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    shutil.copytree(EXAMPLES, tmp_path / "briefs")
    runner = CliRunner()
    result = runner.invoke(cli, ["pack", "briefs", "--week", "2026-W48", "--today", "2026-11-28"])
    assert result.exit_code == 0, result.output
    # Not on a terminal: one plain line per step rather than a progress bar.
    assert "rendered loneliness.pdf\n" in result.output
    assert "assembled pack-2026-W48.pdf\n" in result.output
    assert "output/pack-2026-W48.pdf: 6 papers" in result.output
    good = (tmp_path / "output" / "pack-2026-W48.pdf").read_bytes()
    (tmp_path / "briefs" / "broken.md").write_text(
        valid_brief().replace("date: 2026-11-23", "date: 2026-11-24\nstatus: lost")
    )
    result = runner.invoke(cli, ["pack", "briefs", "--week", "2026-W48", "--today", "2026-11-28"])
    assert result.exit_code == 1
    assert "briefs/broken.md:" in result.output and "invalid-value" in result.output
    assert "no pack written" in result.output
    assert (tmp_path / "output" / "pack-2026-W48.pdf").read_bytes() == good

    result = runner.invoke(
        cli, ["pack", "briefs", "--week", "2026-W48", "--today", "2026-11-28", "--keep-going"]
    )
    assert result.exit_code == 1
    assert "6 papers; 1 left out" in result.output
    cover = PdfReader(tmp_path / "output" / "pack-2026-W48.pdf").pages[0].extract_text()
    assert "Left out of this pack" in cover and "broken.md" in cover


def test_usage_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    shutil.copytree(EXAMPLES, tmp_path / "briefs")
    runner = CliRunner()
    result = runner.invoke(cli, ["pack", "briefs", "--week", "48"])
    assert result.exit_code == 2 and "YYYY-Www" in result.output
    result = runner.invoke(cli, ["pack", "briefs", "--week", "2025-W53"])
    assert result.exit_code == 2 and "2025 has no week 53" in result.output
    result = runner.invoke(cli, ["pack", "briefs", "--week", "2025-W01"])
    assert result.exit_code == 1 and "no briefs dated in 2025-W01" in result.output


def test_a_runaway_render_is_stopped(tmp_path: Path) -> None:
    rows = "".join(
        f"| Step {n} of a very long plan | Unit {n} | 2027-01-01 | spending | done |\n"
        for n in range(990)
    )
    text = valid_brief().replace(
        "## Action points\n",
        "## Action points\n| Action | Owner | Due | Lever | Status |\n|---|---|---|---|---|\n"
        + rows
        + "\n## Annex\n",
    )
    (tmp_path / "huge.md").write_text(text)
    outcome = build_pack([tmp_path / "huge.md"], Config(), tmp_path / "out", today=TODAY, timeout=1)
    assert not outcome.ok
    [failure] = [p for p in outcome.problems if p.rule == "pdf-failed"]
    assert "stopped after 1 seconds" in failure.message
    assert not (tmp_path / "out" / "pack.pdf").exists()


def test_two_briefs_with_one_file_name_stop_the_pack(tmp_path: Path) -> None:
    for folder, example in (("a", "loneliness.md"), ("b", "knife-crime.md")):
        (tmp_path / folder).mkdir()
        shutil.copy(EXAMPLES / example, tmp_path / folder / "x.md")
    from scoper.brief.source import find_briefs

    outcome = build_pack(find_briefs([tmp_path / "a", tmp_path / "b"]), Config(), tmp_path / "out")
    assert outcome.name is None
    assert [p.rule for p in outcome.problems if p.severity == "error"] == ["output-clash"]


def test_outputs_changed_behind_its_back_and_a_new_logo_are_rebuilt(tmp_path: Path) -> None:
    from tests.test_project import PNG

    briefs = tmp_path / "briefs"
    shutil.copytree(EXAMPLES, briefs)
    (tmp_path / "logo.png").write_bytes(PNG)
    (tmp_path / "scoper.toml").write_text('logo = "logo.png"\n')
    from scoper.config import load_config

    args = (sorted(briefs.glob("*.md")), load_config(tmp_path), tmp_path / "out")
    assert build_pack(*args, today=TODAY).rendered == 8
    # Another command wrote over one paper: the pack puts it right.
    (tmp_path / "out" / "loneliness.pdf").write_bytes(b"%PDF-1.7 something else")
    again = build_pack(*args, today=TODAY)
    assert again.rendered >= 1 and again.ok
    assert PdfReader(tmp_path / "out" / "loneliness.pdf").metadata.title.startswith("Tackling")
    # A new logo under the same name changes every paper (a real image: one the renderer
    # cannot draw fails the paper).
    from PIL import Image

    Image.new("RGB", (2, 1), "#12436d").save(tmp_path / "logo.png")
    assert build_pack(*args, today=TODAY).rendered == 6 + 2


def test_a_broken_template_override_is_a_problem_not_a_traceback(tmp_path: Path) -> None:
    briefs = tmp_path / "briefs"
    shutil.copytree(EXAMPLES, briefs)
    (tmp_path / "scoper.toml").write_text("")
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "pack.html.j2").write_text(
        '{% extends "default/pack.html.j2" %}{% block cover %}{{ no_such_name }}{% endblock %}'
    )
    from scoper.config import load_config

    outcome = build_pack(sorted(briefs.glob("*.md")), load_config(tmp_path), tmp_path / "out")
    assert outcome.name is None
    [fault] = [p for p in outcome.problems if p.severity == "error"]
    assert fault.rule == "internal-error" and "no_such_name" in fault.message


@pytest.mark.parametrize(
    "first,second",
    [("Barnardo's", "Barnardos"), ("The U.K. Council", "UK council"), ("Age UK", "AGE  UK.")],
)
def test_partner_names_merge_across_case_punctuation_and_the(first: str, second: str) -> None:
    assert partner_key(first) == partner_key(second)


def test_pack_in_pdf_a_keeps_its_metadata_in_step(tmp_path: Path) -> None:
    import pikepdf

    briefs = tmp_path / "briefs"
    shutil.copytree(EXAMPLES, briefs)
    outcome = build_pack(
        sorted(briefs.glob("*.md")),
        Config(pdf_variant="pdf/a-3u"),
        tmp_path / "out",
        week=Week.parse("2026-W48"),
    )
    assert outcome.ok
    pdf = pikepdf.open(tmp_path / "out" / "pack-2026-W48.pdf")
    metadata = pdf.open_metadata()
    assert str(pdf.docinfo["/Title"]) == metadata.get("dc:title") == "Weekly priorities pack"
    assert str(pdf.docinfo["/Producer"]) == metadata.get("pdf:Producer")


_COUNTED: dict[str, int] = {}


def _count_opens(event: str, args: tuple) -> None:
    if event == "open" and _COUNTED and isinstance(args[0], str | bytes | os.PathLike):
        path = os.path.realpath(os.fsdecode(args[0]))
        if path in _COUNTED:
            _COUNTED[path] += 1


sys.addaudithook(_count_opens)


def test_a_run_reads_the_theme_once_and_each_input_once_for_its_keys(tmp_path: Path) -> None:
    from scoper.render.theme import theme_for
    from tests.test_project import PNG

    briefs = tmp_path / "briefs"
    shutil.copytree(EXAMPLES, briefs)
    (briefs / "chart.png").write_bytes(PNG)
    brief = briefs / "loneliness.md"
    brief.write_text(
        brief.read_text().replace(
            "## The issue\n",
            "## The issue\n\n![A chart](chart.png)\n\n![The same](chart.png)\n\n",
            1,
        )
    )
    theme_file = theme_for(Config()).roots[-1] / "fonts" / "OFL.txt"
    watched = [theme_file, briefs / "chart.png", *briefs.glob("*.md")]
    _COUNTED.update({os.path.realpath(path): 0 for path in watched})
    try:
        outcome = build_pack(sorted(briefs.glob("*.md")), Config(), tmp_path / "out", today=TODAY)
        counts = dict(_COUNTED)
    finally:
        _COUNTED.clear()
    assert outcome.ok
    # The theme is fingerprinted once for the whole run (the renderer reads its fonts in
    # worker processes, not here).
    assert counts.pop(os.path.realpath(theme_file)) == 1
    # An image shown twice, for the screen and for the PDF, and keyed: read once, and
    # those bytes measured, embedded and keyed.
    assert counts.pop(os.path.realpath(briefs / "chart.png")) == 1
    # A brief: once, to parse it; its keys are the digest of the bytes read then.
    assert set(counts.values()) == {1}, counts


def test_superseded_papers_are_left_out_and_named_on_the_cover(tmp_path: Path) -> None:
    briefs = tmp_path / "briefs"
    briefs.mkdir()
    (briefs / "new.md").write_text(valid_brief())
    old = valid_brief(status="superseded").replace("PU-2026-900", "PU-2026-899")
    (briefs / "old.md").write_text(old.replace("# Tackling", "# Old: tackling"))
    outcome = build_pack(
        sorted(briefs.glob("*.md")), Config(), tmp_path / "out", week=Week.parse("2026-W48")
    )
    assert outcome.ok and outcome.pack is not None
    assert [p.brief.meta.ref for p in outcome.pack.papers] == ["PU-2026-900"]
    assert not (tmp_path / "out" / "old.pdf").exists()
    cover = " ".join(
        PdfReader(tmp_path / "out" / "pack-2026-W48.pdf").pages[0].extract_text().split()
    )
    assert "Not in this pack: 1 superseded paper" in cover and "PU-2026-899" in cover


def _body_lines(page_text: str) -> list[str]:
    """A page's lines other than its running head, markings and page number."""
    import re

    return [
        line
        for line in page_text.splitlines()
        if line.strip()
        and "OFFICIAL" not in line
        and not re.fullmatch(r"\s*Page \d+ of \d+\s*", line)
    ]


def test_trackers_in_pieces_read_as_one_and_no_page_is_blank(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The trackers are laid out in pieces of whole months (or owners), each its own PDF:
    with pieces of about ten rows, every action is still in each tracker once, in date
    order, each month is headed once, the contents point at each part's first page, and no
    page of the pack is blank (a closing part's PDF once began with an empty page)."""
    from scoper.pack import model
    from scoper.pack.parts import FOLDER

    monkeypatch.setattr(model, "PIECE_ROWS", 10)
    out = tmp_path / "out"
    outcome = build_pack(sorted(EXAMPLES.glob("*.md")), Config(), out, today=TODAY)
    assert outcome.ok and outcome.pack is not None
    pieces = outcome.pack.closing_pieces()
    assert len(pieces) > 6 and all(p.groups for p in pieces if p.part == "part-tracker")
    # Each piece was laid out (and kept) on its own, beside the front, the contents and the
    # stamp.
    assert len(list((out / FOLDER).glob("*.pdf"))) == len(pieces) + 3
    reader = PdfReader(out / "pack.pdf")
    texts = [page.extract_text() for page in reader.pages]
    blank = [number + 1 for number, text in enumerate(texts) if not _body_lines(text)]
    assert blank == []
    marks = {
        item.title: reader.get_destination_page_number(item)
        for item in reader.outline
        if not isinstance(item, list)
    }
    start, end = marks["Action tracker"], marks["Action tracker by owner"]
    tracker = " ".join(" ".join(texts[start:end]).split())
    rows = outcome.pack.tracker
    assert len(rows) > 10
    for month in outcome.pack.tracker_by_month:
        assert tracker.count(month.label + " (") == 1, month.label
    places = [tracker.find(" ".join(row.action.text.split())[:40]) for row in rows]
    assert -1 not in places and places == sorted(places)


def test_a_change_to_an_action_lays_out_only_the_trackers_again(tmp_path: Path) -> None:
    """Each closing part is laid out on its own: an action's new wording reaches the two
    trackers, so they are laid out again, while the register, the annex, the front, the
    contents and the page-number stamp are reused as they were kept."""
    from scoper.pack.parts import FOLDER

    briefs = tmp_path / "briefs"
    shutil.copytree(EXAMPLES, briefs)
    out = tmp_path / "out"
    assert build_pack(sorted(briefs.glob("*.md")), Config(), out, today=TODAY).ok
    before = {part.name for part in (out / FOLDER).glob("*.pdf")}
    brief = briefs / "loneliness.md"
    brief.write_text(brief.read_text().replace("Select five test areas", "Select six test areas"))
    assert build_pack(sorted(briefs.glob("*.md")), Config(), out, today=TODAY).ok
    after = {part.name for part in (out / FOLDER).glob("*.pdf")}
    assert len(before) == len(after) == 7
    assert len(before & after) == 5  # all but the tracker by date and the tracker by owner
    tracker = [p.extract_text() for p in PdfReader(out / "pack.pdf").pages]
    assert any("Select six test areas" in " ".join(t.split()) for t in tracker)


def test_parts_kept_from_the_last_run_give_the_pack_made_afresh(tmp_path: Path) -> None:
    """A one-paper change reuses the pack's own parts (front, contents, closing parts, stamp) laid
    out last time when their HTML is the same: the pack must be the one a cold run makes,
    and a kept part changed behind scoper's back is laid out again, never used."""
    from scoper.pack.parts import FOLDER

    briefs = tmp_path / "briefs"
    shutil.copytree(EXAMPLES, briefs)
    kept = tmp_path / "kept"
    build_pack(sorted(briefs.glob("*.md")), Config(), kept, today=TODAY)
    parts = sorted((kept / FOLDER).glob("*.pdf"))
    # The front, the contents, the four closing parts (each laid out on its own), the
    # page-number stamp.
    assert len(parts) == 7
    brief = briefs / "loneliness.md"
    # Outside the summary, which the front's grid quotes (a change there lays out the
    # front again).
    brief.write_text(brief.read_text().replace("about 3,500 link", "about 3,600 link"))
    again = build_pack(sorted(briefs.glob("*.md")), Config(), kept, today=TODAY)
    assert again.ok and sorted((kept / FOLDER).glob("*.pdf")) == parts  # all seven reused
    afresh = build_pack(sorted(briefs.glob("*.md")), Config(), tmp_path / "afresh", today=TODAY)
    assert afresh.ok

    def pages(folder: Path) -> list[str]:
        return [page.extract_text() for page in PdfReader(folder / "pack.pdf").pages]

    assert pages(kept) == pages(tmp_path / "afresh")
    outlines = [_outline(PdfReader(f / "pack.pdf")) for f in (kept, tmp_path / "afresh")]
    assert outlines[0] == outlines[1]

    # Someone writes over a kept part: its digest no longer matches, so it is laid out
    # again (and the pack comes out whole), and what they wrote goes nowhere.
    for part in parts:
        part.write_bytes(b"%PDF-1.7 not what scoper made")
    brief.write_text(brief.read_text().replace("about 3,600 link", "about 3,500 link"))
    third = build_pack(sorted(briefs.glob("*.md")), Config(), kept, today=TODAY)
    assert third.ok
    assert b"not what scoper made" not in (kept / "pack.pdf").read_bytes()
    assert len(PdfReader(kept / "pack.pdf").pages) == len(
        PdfReader(tmp_path / "afresh" / "pack.pdf").pages
    )


def test_a_pack_template_from_before_the_contents_had_its_own_part_still_works(
    tmp_path: Path,
) -> None:
    """A project's own copy of the pack template, written when the contents was laid out
    with the front, shows it there: the pack is laid out with the front alone, with no
    empty part (a blank page) after it, and reads as the default template's pack."""
    from scoper.config import load_config

    briefs = tmp_path / "briefs"
    shutil.copytree(EXAMPLES, briefs)
    (tmp_path / "scoper.toml").write_text("")
    (tmp_path / "templates").mkdir()
    theme = Path(__file__).resolve().parent.parent / "templates" / "pack.html.j2"
    old = theme.read_text().replace(
        '{% endif %}\n{% if part in ("all", "contents") %}\n<nav class="contents"',
        '\n<nav class="contents"',
    )
    assert old != theme.read_text()
    (tmp_path / "templates" / "pack.html.j2").write_text(old)
    own = build_pack(sorted(briefs.glob("*.md")), load_config(tmp_path), tmp_path / "own")
    default = build_pack(sorted(briefs.glob("*.md")), Config(), tmp_path / "default")
    assert own.ok and default.ok
    texts = [
        [page.extract_text() for page in PdfReader(folder / "pack.pdf").pages]
        for folder in (tmp_path / "own", tmp_path / "default")
    ]
    assert [" ".join(t.split()) for t in texts[0]] == [" ".join(t.split()) for t in texts[1]]
    assert [n for n, text in enumerate(texts[0]) if not _body_lines(text)] == []


def test_the_renderers_stop_before_the_pack_is_put_together(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Putting the pack together is its largest step in memory (for 200 papers, 600 MB in
    the command's process): the renderer processes, idle by then, must be gone rather than
    counted beside it, and the papers' HTML not held."""
    import gc
    import multiprocessing
    import time

    from scoper.pack.assemble import PackPdf
    from scoper.pack.files import RunFiles

    before = {child.pid for child in multiprocessing.active_children()}
    renderers_at_finish: list[set[int | None]] = []
    kept_bytes: list[list[str]] = []
    finish = PackPdf.finish

    def watched(self: PackPdf, *args: object, **kwargs: object) -> bytes:
        # The workers are told to stop, not waited for: a few moments to do so.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            ours = {child.pid for child in multiprocessing.active_children()} - before
            if not ours:
                break
            time.sleep(0.05)
        renderers_at_finish.append(ours)
        # Nor are the papers' HTML files held: only their digests are kept (the papers'
        # PDFs, which the pack is made of, are).
        [files] = [found for found in gc.get_objects() if isinstance(found, RunFiles)]
        kept_bytes.append(sorted({path.suffix for path in files._data}))
        return finish(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(PackPdf, "finish", watched)
    briefs = tmp_path / "briefs"
    shutil.copytree(EXAMPLES, briefs)
    outcome = build_pack(sorted(briefs.glob("*.md")), Config(), tmp_path / "out", today=TODAY)
    assert outcome.ok
    assert renderers_at_finish == [set()]
    assert kept_bytes == [[".pdf"]]
    assert len(PdfReader(tmp_path / "out" / "pack.pdf").pages) > len(outcome.pack.papers)


def test_the_workers_are_let_go_only_when_the_front_is_laid_out_for_good() -> None:
    """While the papers are put together, the workers go as soon as the last layout of the
    front is in, and not before: not while one is still being laid out, nor when the front
    came out another length than its page numbers assumed, nor when one failed (each of
    those is laid out again)."""
    from concurrent.futures import Future

    from scoper.pack.job import _final
    from scoper.pdf.pool import PdfOutcome

    def done(pages: int, pdf: bytes | None = b"%PDF") -> Future[PdfOutcome]:
        future: Future[PdfOutcome] = Future()
        future.set_result(PdfOutcome(pdf, pages=pages, error=None if pdf else "failed"))
        return future

    running: Future[PdfOutcome] = Future()
    raised: Future[PdfOutcome] = Future()
    raised.set_exception(RuntimeError("the pool broke"))
    stamp = done(1)
    assert _final([done(3), done(2), stamp], 5)
    assert not _final([done(3), running, stamp], 5)  # the contents still being laid out
    assert not _final([done(3), done(2), running], 5)  # the stamp
    assert not _final([done(4), done(2), stamp], 5)  # a front longer than assumed
    assert not _final([done(3, None), done(2), stamp], 5)  # a front that failed
    assert not _final([done(3), raised, stamp], 5)
    assert _final([done(5), stamp], 5)  # a project's template with the contents in front
