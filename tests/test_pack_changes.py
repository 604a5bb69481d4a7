"""Changes since last week: two weeks of briefs with a scripted set of edits, and every
line of the second week's "Changes since" page checked, in HTML and PDF."""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner
from msgspec.structs import replace
from pypdf import PdfReader

from scoper.cli import cli
from scoper.config import Config
from scoper.pack.build import PackOutcome, build_pack
from scoper.pack.changes import compare, redline
from scoper.pack.model import Week
from scoper.pack.snapshot import (
    ActionShot,
    PaperShot,
    PartnerShot,
    Snapshot,
    SnapshotError,
    parse_snapshot,
    read_snapshot,
)
from tests.conftest import valid_brief
from tests.test_accessibility import axe_violations, needs_browser

W47, W48 = Week.parse("2026-W47"), Week.parse("2026-W48")
ISSUED_47, ISSUED_48 = dt.date(2026, 11, 20), dt.date(2026, 11, 27)
HIDDEN_TITLE = "Operation Kestrel border scheme"


def _brief(ref: str, day: str, title: str = "", classification: str = "OFFICIAL") -> str:
    text = valid_brief(classification=classification)
    text = text.replace("PU-2026-900", ref).replace("date: 2026-11-23", f"date: {day}")
    if title:
        text = text.replace("title: Tackling loneliness in later life", f"title: {title}")
    return text


EXTRA_ACTION = """- {text}
  - Owner: DHSC
  - Due: {due}
  - Lever: research

"""


def _a(day: str) -> str:
    """Paper A, as in week 47: three actions, two partners, a recommendation."""
    return _brief("PU-2026-001", day, "Loneliness").replace(
        "## Risks",
        EXTRA_ACTION.format(text="Publish a loneliness strategy.", due="2027-02-01")
        + "## Recommendation\nAgree the pilots in three areas.\n\n## Risks",
    )


def week_47(folder: Path) -> None:
    folder.mkdir(parents=True)
    (folder / "a.md").write_text(_a("2026-11-17"))
    (folder / "b.md").write_text(_brief("PU-2026-002", "2026-11-17", "Bus fares"))
    (folder / "c.md").write_text(_brief("PU-2026-003", "2026-11-17", "Coastal towns"))
    hidden = _brief("PU-2026-004", "2026-11-17", HIDDEN_TITLE, "SECRET")
    (folder / "d.md").write_text(hidden)


def week_48(folder: Path) -> None:
    """The scripted edits: E new; B superseded; C and the SECRET D dropped; in A, the
    summary and recommendation changed, one action done, one slipped, one added and one
    removed, a partner added, one dropped and one whose commitment went down."""
    folder.mkdir(parents=True)
    a = (
        _a("2026-11-24")
        .replace(
            "One in fourteen adults is chronically lonely.",
            "One in twelve adults is now chronically lonely.",
        )
        .replace("Agree the pilots in three areas.", "Agree the pilots in five areas by March.")
        .replace("Due: 2027-01-15", "Due: 2027-03-01")  # slipped
        .replace("  - Lever: partnership\n", "  - Lever: partnership\n  - Status: done\n")
        .replace("  - Commitment: committed", "  - Commitment: in-principle")
        .replace("- **Acme Care Ltd** — commercial", "- **Good Neighbours Trust** — third-sector")
        .replace("Publish a loneliness strategy.", "Commission an evaluation.")
    )
    (folder / "a.md").write_text(a)
    b = _brief("PU-2026-002", "2026-11-24", "Bus fares").replace(
        "status: draft", "status: superseded"
    )
    (folder / "b.md").write_text(b)
    (folder / "e.md").write_text(_brief("PU-2026-005", "2026-11-24", "Empty shops"))


def _pack(briefs: Path, out: Path, week: Week, issued: dt.date, **options: object) -> PackOutcome:
    outcome = build_pack(
        sorted(briefs.glob("*.md")), Config(), out, week=week, today=issued, **options
    )  # type: ignore[arg-type]
    assert outcome.name is not None, [p.format() for p in outcome.problems]
    return outcome


@pytest.fixture(scope="module")
def weeks(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, PackOutcome]:
    work = tmp_path_factory.mktemp("weeks")
    week_47(work / "w47")
    week_48(work / "w48")
    out = work / "out"
    _pack(work / "w47", out, W47, ISSUED_47)
    second = _pack(work / "w48", out, W48, ISSUED_48)
    return out, second


EXPECTED = [
    "h2 Changes since week 47 of 2026 (issued 20 November 2026)",
    "h3 Papers",
    "li New: PU-2026-005: Empty shops",
    "li Dropped: PU-2026-003: Coastal towns",
    "li Superseded: PU-2026-002: Bus fares",
    "li Not shown: 1 paper of the earlier pack, marked above this pack, dropped or superseded "
    "since",
    "h3 PU-2026-001: Loneliness",
    "li Summary: One in [deleted: fourteen] [inserted: twelve] adults is [inserted: now] "
    "chronically lonely. We propose a partnership with charities, backed by funding for "
    "local link workers.",
    "li Recommendation: Agree the pilots in [deleted: three areas.] "
    "[inserted: five areas by March.]",
    "li Action done: Convene a charities roundtable.",
    "li Action slipped: Fund 200 link workers in five areas. (due 15 Jan 2027 → 1 Mar 2027)",
    "li Action added: Commission an evaluation. (due 1 Feb 2027)",
    "li Action removed: Publish a loneliness strategy.",
    "li Partner added: Good Neighbours Trust (exploratory)",
    "li Partner dropped: Acme Care Ltd",
    "li Partner's commitment down: Age UK, committed → in principle",
]


def test_every_line_of_the_changes_page_in_html(weeks: tuple[Path, PackOutcome]) -> None:
    out, _ = weeks
    soup = BeautifulSoup((out / "pack-2026-W48.html").read_text(), "html.parser")
    section = soup.find(id="part-changes")
    assert section is not None
    lines = [
        f"{e.name} " + " ".join(e.get_text(" ").replace(" ]", "]").split())
        for e in section.find_all(["h2", "h3", "li"])
    ]
    assert lines == EXPECTED
    # Insertions and deletions are real <ins>/<del>, each announced to a screen reader.
    assert [i.get_text() for i in section.select("ins")][:2] == [
        "[inserted: twelve]",
        "[inserted: now]",
    ]
    assert all(d.select_one(".visually-hidden") for d in section.select("ins, del"))
    assert HIDDEN_TITLE not in soup.get_text() and "PU-2026-004" not in soup.get_text()


def test_the_changes_page_in_the_pdf(weeks: tuple[Path, PackOutcome]) -> None:
    out, _ = weeks
    reader = PdfReader(out / "pack-2026-W48.pdf")
    texts = [" ".join(page.extract_text().split()) for page in reader.pages]
    [page] = [t for t in texts if "Changes since week 47" in t]
    for line in EXPECTED[2:]:
        words = line.split(" ", 1)[1]
        if "[" not in words:
            assert words in page, words
    # A redline reads in order, with its screen-reader words (in tiny transparent type).
    assert "One in [deleted: fourteen] [inserted: twelve] adults is [inserted: now]" in page
    assert all(HIDDEN_TITLE not in t and "PU-2026-004" not in t for t in texts)
    outline = [o.title for o in reader.outline if not isinstance(o, list)]
    assert outline[:4] == [
        "Weekly priorities pack",
        "The papers at a glance",
        "Changes since week 47 of 2026 (issued 20 November 2026)",
        "Contents",
    ]


def test_the_snapshot_is_written_beside_the_pdf_and_documented(
    weeks: tuple[Path, PackOutcome],
) -> None:
    out, _ = weeks
    data = json.loads((out / "pack-2026-W48.snapshot.json").read_text())
    assert data["format"] == "scoper-pack-snapshot" and data["version"] == 1
    assert data["week"] == "2026-W48" and data["issued"] == "2026-11-27"
    assert [p["ref"] for p in data["papers"]] == ["PU-2026-001", "PU-2026-005"]
    assert [p["ref"] for p in data["superseded"]] == ["PU-2026-002"]
    docs = (Path(__file__).parent.parent / "docs" / "snapshot.md").read_text()
    for key in (
        "format",
        "version",
        "week",
        "issued",
        "public",
        "marking",
        "papers",
        "superseded",
        "summary",
        "recommendation",
        "actions",
        "partners",
        "commitment",
    ):
        assert f"`{key}`" in docs, key
    read_snapshot(out / "pack-2026-W48.snapshot.json")  # reads back


def test_a_snapshot_is_written_byte_for_byte_as_before() -> None:
    """The file's bytes as scoper wrote them when the snapshot was a dataclass written by
    dataclasses.asdict (keys in field order, the date as ISO, text as UTF-8, one-space
    indent): msgspec.to_builtins writes the same, and a later change to it shows here."""
    shot = Snapshot(
        "pack-2026-W48",
        "2026-W48",
        dt.date(2026, 11, 27),
        False,
        "OFFICIAL",
        [
            PaperShot(
                "PU-2026-001",
                "Café – “quotes”",
                "draft",
                "OFFICIAL",
                2,
                "Sum.",
                "Rec.",
                [ActionShot("Act", "DfE", "2026-12-01", "open")],
                [PartnerShot("Acme Ltd", "private", "")],
            )
        ],
        [],
    )
    written = {
        "format": "scoper-pack-snapshot",
        "version": 1,
        "pack": "pack-2026-W48",
        "week": "2026-W48",
        "issued": "2026-11-27",
        "public": False,
        "marking": "OFFICIAL",
        "papers": [
            {
                "ref": "PU-2026-001",
                "title": "Café – “quotes”",
                "status": "draft",
                "classification": "OFFICIAL",
                "priority": 2,
                "summary": "Sum.",
                "recommendation": "Rec.",
                "actions": [{"text": "Act", "owner": "DfE", "due": "2026-12-01", "status": "open"}],
                "partners": [{"name": "Acme Ltd", "sector": "private", "commitment": ""}],
            }
        ],
        "superseded": [],
    }
    expected = json.dumps(written, ensure_ascii=False, indent=1) + "\n"
    assert shot.to_json() == expected.encode("utf-8")
    assert parse_snapshot(shot.to_json()) == shot


def test_a_bad_snapshot_in_the_folder_is_ignored_with_a_warning(tmp_path: Path) -> None:
    week_48(tmp_path / "w48")
    out = tmp_path / "out"
    out.mkdir()
    (out / "pack-2026-W46.snapshot.json").write_text(
        '{"format": "scoper-pack-snapshot", "version": 1, "papers": 3'
    )
    outcome = _pack(tmp_path / "w48", out, W48, ISSUED_48)
    warnings = [p for p in outcome.problems if p.rule == "bad-snapshot"]
    assert len(warnings) == 1 and warnings[0].severity == "warning"
    assert "not valid JSON" in warnings[0].message
    assert outcome.pack is not None and outcome.pack.changes is None


@pytest.mark.parametrize(
    "text,why",
    [
        (b"\xff\xfe", "not UTF-8"),
        (b"[]", "should be dict"),
        (b'{"format": "other"}', "not a pack snapshot"),
        (b'{"format": "scoper-pack-snapshot", "version": 9}', "version 9"),
        (
            b'{"format": "scoper-pack-snapshot", "version": 1, "pack": "p", "issued": "2026-13-01",'
            b' "public": false, "marking": "OFFICIAL", "papers": []}',
            "not a date",
        ),
        (
            b'{"format": "scoper-pack-snapshot", "version": 1, "pack": "p", "issued": "2026-11-01",'
            b' "public": false, "marking": "OFFICIAL", "papers": [{"ref": 3}]}',
            "papers[0].ref should be str",
        ),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    ],
)
def test_a_hand_edited_snapshot_is_a_clear_error(text: bytes, why: str) -> None:
    with pytest.raises(SnapshotError) as caught:
        parse_snapshot(text)
    assert why in str(caught.value)


def test_since_a_bad_file_is_an_error_on_the_command_line(tmp_path: Path) -> None:
    week_48(tmp_path / "w48")
    bad = tmp_path / "last.snapshot.json"
    bad.write_text("not json")
    result = CliRunner().invoke(
        cli,
        [
            "pack",
            str(tmp_path / "w48"),
            "--week",
            "2026-W48",
            "-o",
            str(tmp_path / "out"),
            "--since",
            str(bad),
        ],
    )
    assert result.exit_code == 1
    assert "bad-snapshot" in result.output and "not valid JSON" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "out" / "pack-2026-W48.pdf").exists()


def test_redline_marks_words() -> None:
    parts = [(s.kind, s.text) for s in redline("a b c d", "a x c d e")]
    assert parts == [
        ("equal", "a"),
        ("delete", "b"),
        ("insert", "x"),
        ("equal", "c d"),
        ("insert", "e"),
    ]


def forty(shot: Snapshot) -> Snapshot:
    """The snapshot's first paper forty times over, each under its own ref."""
    paper = shot.papers[0]
    papers = [replace(paper, ref=f"PU-2026-{n:03d}") for n in range(40)]
    return replace(shot, papers=papers)


def test_comparing_forty_papers_takes_under_a_third_of_a_second(
    weeks: tuple[Path, PackOutcome],
) -> None:
    out, _ = weeks
    old = forty(read_snapshot(out / "pack-2026-W47.snapshot.json"))
    new = forty(read_snapshot(out / "pack-2026-W48.snapshot.json"))
    start = time.perf_counter()
    changes = compare(old, new)
    assert time.perf_counter() - start < 0.3
    assert len(changes.changed) == 40 and all(c.summary for c in changes.changed)


def test_a_public_pack_compares_only_with_public_snapshots(tmp_path: Path) -> None:
    week_47(tmp_path / "w47")
    week_48(tmp_path / "w48")
    for path in (tmp_path / "w47").glob("*.md"):
        path.write_text(
            path.read_text().replace(
                "chronically lonely.", "chronically lonely [in the Kestrel wards]{.sensitive}."
            )
        )
    (tmp_path / "w47" / "d.md").unlink()  # a SECRET paper has no public version
    out = tmp_path / "out"
    _pack(tmp_path / "w47", out, W47, ISSUED_47)
    _pack(tmp_path / "w47", out, W47, ISSUED_47, public=True)
    assert "Kestrel" in (out / "pack-2026-W47.snapshot.json").read_text()
    assert "Kestrel" not in (out / "public" / "pack-2026-W47.snapshot.json").read_text()
    # A full snapshot dropped into the public folder by hand is not compared with either.
    (out / "public" / "pack-2026-W46.snapshot.json").write_bytes(
        (out / "pack-2026-W47.snapshot.json")
        .read_bytes()
        .replace(b"2026-W47", b"2026-W46")
        .replace(b"2026-11-20", b"2026-11-13")
    )
    second = _pack(tmp_path / "w48", out, W48, ISSUED_48, public=True)
    assert second.pack is not None and second.pack.changes is not None
    assert second.pack.changes.since.startswith("week 47")
    html = (out / "public" / "pack-2026-W48.html").read_text()
    assert "Changes since week 47" in html and "Kestrel" not in html
    assert "Kestrel" not in " ".join(
        page.extract_text() for page in PdfReader(out / "public" / "pack-2026-W48.pdf").pages
    )
    # Nor is one edited to say it is public: it holds papers under a classification.
    edited = out / "public" / "pack-2026-W46.snapshot.json"
    edited.write_bytes(edited.read_bytes().replace(b'"public": false', b'"public": true'))
    again = _pack(tmp_path / "w48", out, W48, ISSUED_48, public=True)
    assert any(
        p.rule == "bad-snapshot" and "holds papers under a classification" in p.message
        for p in again.problems
    )
    assert "Kestrel" not in (out / "public" / "pack-2026-W48.html").read_text()
    # Named with --since, a full snapshot is refused for a public pack.
    refused = build_pack(
        sorted((tmp_path / "w48").glob("*.md")),
        Config(),
        out,
        week=W48,
        today=ISSUED_48,
        public=True,
        since=out / "pack-2026-W47.snapshot.json",
    )
    assert refused.name is None
    [error] = refused.problems
    assert error.rule == "bad-snapshot" and "a full (not public) pack's snapshot" in error.message


def test_the_changes_pack_stays_tagged_pdf_ua(weeks: tuple[Path, PackOutcome]) -> None:
    from outloud import check

    out, _ = weeks
    result = check(str(out / "pack-2026-W48.pdf"))
    assert result.error is None and result.errors == 0, [
        (f.rule, f.message) for f in result.findings if f.severity == "error"
    ]


@needs_browser
def test_the_changes_page_has_no_axe_violations(
    browser: object, weeks: tuple[Path, PackOutcome]
) -> None:
    out, _ = weeks
    assert axe_violations(browser, (out / "pack-2026-W48.html").as_uri()) == []
