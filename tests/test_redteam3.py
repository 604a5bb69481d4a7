# ruff: noqa: E501  (briefs are written inline, one line of Markdown per string)
"""The fifth hostile-input round (docs/redteam-2026-11-round3.md): a fresh round of the kinds
of attack issue 18 lists, against the code as it now is, one test per attack tried.

A test of an attack that succeeded (a finding) is marked ``xfail(strict=True)`` with the
finding's number, so the suite stays green until the fix lands and then says so.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from scoper.cli import cli
from tests.test_redteam import HEAD, SUMMARY, TAIL, _pdf_bytes, leaks, public_outputs

MARKED = SUMMARY.replace("a roundtable.", "a roundtable with [LEAK-SPAN Diageo]{.sensitive}.")


def _brief(folder: Path, name: str = "rt.md", body: str = MARKED + TAIL, head: str = HEAD) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(head + body)
    return path


def _scoper(
    *args: str, cwd: Path | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """scoper in a child process (its own PDF workers), with a time limit."""
    import sys

    return subprocess.run(
        [sys.executable, "-m", "scoper", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
    )


def _folder_leaks(folder: Path) -> dict[str, list[str]]:
    found: dict[str, bytes] = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            found[str(path.relative_to(folder))] = (
                _pdf_bytes(path) if path.suffix == ".pdf" else path.read_bytes()
            )
    return leaks(found)


# -- the pack's cache: a public pack and a full pack in one folder --------------------------


@pytest.mark.parametrize("same_day", [True, False], ids=["same-run", "next-day"])
def test_public_pack_in_a_folder_that_held_the_full_pack(tmp_path: Path, same_day: bool) -> None:
    briefs = tmp_path / "briefs"
    _brief(briefs)
    # A careless user first writes the full pack where the public one will go...
    full = _scoper(
        "pack", str(briefs), "-o", str(tmp_path / "out" / "public"), "--today", "2026-11-23"
    )
    assert "pack.pdf" in full.stdout + full.stderr
    # ...then makes the public pack: its folder is OUTPUT/public, the same folder.
    day = "2026-11-23" if same_day else "2026-11-24"
    public = _scoper("pack", "--public", str(briefs), "-o", str(tmp_path / "out"), "--today", day)
    assert public.returncode == 0, public.stderr
    assert _folder_leaks(tmp_path / "out" / "public") == {}


# -- the public version: marks in places the earlier rounds did not try ----------------------

PNG = (Path(__file__).parent / "hostile" / "images" / "fine.png").read_bytes()


@pytest.mark.parametrize(
    ("image", "files"),
    [
        ('![Chart of [LEAK-ALT deal]{.sensitive} terms](fine.png "Deal")', {"fine.png": PNG}),
        ("![a [LEAK-ALT]{.sensitive} b](https://example.com/x.png)", {}),
    ],
    ids=["local", "remote"],
)
def test_public_a_marked_span_in_an_image_alt(
    tmp_path: Path, image: str, files: dict[str, bytes]
) -> None:
    body = SUMMARY + image + "\n\n" + TAIL
    assert leaks(public_outputs(tmp_path, body, formats="html,pdf,docx", files=files)) == {}


def test_public_a_mark_in_a_figure_caption(tmp_path: Path) -> None:
    body = SUMMARY + '![Chart](fine.png "Margins by brand [LEAK-CAPTION]{.sensitive}")\n\n' + TAIL
    assert leaks(public_outputs(tmp_path, body, files={"fine.png": PNG})) == {}


@pytest.mark.parametrize(
    ("head", "body"),
    [
        (
            HEAD.replace(
                "---\n",
                "---\nauthors: [LEAK-AUTHOR Smith]\ncleared-by:\n  - name: LEAK-CLEARER\n"
                "    role: LEAK-ROLE\ndistribution: [LEAK-DIST]\n",
                1,
            ),
            SUMMARY + TAIL,
        ),
        (HEAD, "# [LEAK-H1]{.sensitive} Red team\n\n" + SUMMARY + TAIL),
        (HEAD, "{.sensitive}\nLEAK-PREAMBLE text before any section.\n\n" + SUMMARY + TAIL),
        (
            HEAD,
            SUMMARY
            + "## Recommendation\nAgree to [LEAK-ASK with Diageo]{.sensitive} a roundtable.\n\n"
            + TAIL,
        ),
        (HEAD, SUMMARY + "## Recommendation\n{.sensitive}\nAgree LEAK-ASKBLOCK to it.\n\n" + TAIL),
        (
            HEAD,
            SUMMARY.replace("roundtable.", "[roundtable][x]{.sensitive}.")
            + '\n[x]: https://example.com "LEAK-REFTITLE"\n\n'
            + TAIL,
        ),
        (HEAD, SUMMARY.replace("roundtable.", "*[LEAK-EMPH]{.sensitive}* roundtable.") + TAIL),
        (
            HEAD,
            SUMMARY.replace("roundtable.", "[*LEAK-EMPH2* **x**]{.sensitive} roundtable.") + TAIL,
        ),
        (
            HEAD,
            SUMMARY.replace("roundtable.", "[<https://leak-autolink.example>]{.sensitive} it.")
            + TAIL,
        ),
        (
            HEAD,
            SUMMARY
            + TAIL.replace("## Evidence", "{.sensitive}\n## Evidence").replace(
                "First claim.", "LEAK-EVID claim."
            ),
        ),
        (
            HEAD,
            SUMMARY
            + TAIL.replace(
                "  - Commitment: committed", "  - Commitment: committed\n  - Sensitive: yes"
            ).replace("Alcohol Health Alliance", "LEAK-PARTNER Alliance"),
        ),
        (HEAD, SUMMARY + "{.sensitive}\n### LEAK-H3 heading\n\nText.\n\n" + TAIL),
        (
            HEAD,
            SUMMARY
            + "{.chart type=bar}\n| Year | [LEAK-SERIES]{.sensitive} |\n|---|---|\n| 2024 | 3 |\n| 2025 | 5 |\n\n"
            + TAIL,
        ),
        (
            HEAD,
            SUMMARY
            + '{.chart type=bar highlight="2025"}\n| Year | Sales |\n|---|---|\n| [LEAK-CAT]{.sensitive} | 3 |\n| 2025 | 5 |\n\n'
            + TAIL,
        ),
        (
            HEAD,
            SUMMARY + "| Brand | [LEAK-COLHEAD]{.sensitive} |\n|---|---|\n| A | 40% |\n\n" + TAIL,
        ),
        (
            HEAD,
            SUMMARY + "## Handling[^n]\nText.\n\n[^n]: [LEAK-FNTITLE]{.sensitive} note\n\n" + TAIL,
        ),
        (HEAD, SUMMARY + '{.sensitive exemption="s.35"}\n## LEAK-SECTITLE deal\nText.\n\n' + TAIL),
        (
            HEAD,
            SUMMARY
            + "## Options\n1. Option one [LEAK-OPT]{.sensitive}.\n2. Option two.\n\n"
            + TAIL,
        ),
        (HEAD, SUMMARY + TAIL + "\n## Risks\n- A risk.\n  - Mitigation: [LEAK-MIT]{.sensitive}\n"),
        (HEAD, SUMMARY + TAIL + "\n## Risks\n- LEAK-RISK risk.\n  - Sensitive: s.35\n"),
        (
            HEAD,
            SUMMARY
            + TAIL.replace(
                "  - Due: 2026-12-11", "  - Due: 2026-12-11\n  - Sensitive: yes"
            ).replace("Convene a roundtable.", "LEAK-ACTION roundtable.")
            + "- Another action.\n  - Owner: DHSC\n  - Due: 2026-12-12\n",
        ),
    ],
    ids=[
        "officials-names-metadata",
        "h1-title",
        "preamble",
        "ask-from-recommendation",
        "recommendation-block",
        "reference-definition-title",
        "span-in-emphasis",
        "emphasis-in-span",
        "autolink-in-span",
        "structured-section",
        "partner-sensitive-field",
        "h3-block",
        "chart-series-name",
        "chart-category",
        "table-column-heading",
        "footnote-in-heading",
        "section-with-exemption",
        "option-item",
        "risk-mitigation",
        "risk-sensitive-field",
        "action-sensitive-field",
    ],
)
def test_public_marks_in_other_places_hold(tmp_path: Path, head: str, body: str) -> None:
    assert leaks(public_outputs(tmp_path, body, formats="html,pdf,docx", head=head)) == {}


def test_public_a_marked_chart_value_is_not_drawn(tmp_path: Path) -> None:
    body = (
        SUMMARY
        + "{.chart type=bar}\n| Year | Sales |\n|---|---|\n| 2024 | [31337]{.sensitive} |\n| 2025 | 5 |\n\n"
        + TAIL
    )
    outputs = public_outputs(tmp_path, body, formats="html,pdf,docx")
    assert not any(re.search(rb"31,?337", data) for data in outputs.values())


# -- the user cache: compiled templates and drawn charts kept between runs --------------------

PLANT_BYTECODE = """
import os
import sys
import jinja2
from jinja2.bccache import Bucket, FileSystemBytecodeCache
from scoper.render.theme import environment, theme_for
from scoper.config import load_config

env = environment(theme_for(load_config()))
# Where scoper keeps its compiled templates (env.bytecode_cache once scoper used the folder;
# made by hand, as another user would, now that it refuses one others can write).
folder = os.path.join(os.environ["XDG_CACHE_HOME"], "scoper", f"jinja-{jinja2.__version__}")
os.makedirs(folder, exist_ok=True)
cache = FileSystemBytecodeCache(folder)
name = "paper.html.j2"
source, filename, _ = env.loader.get_source(env, name)
bucket = Bucket(env, cache.get_cache_key(name, filename), cache.get_source_checksum(source))
bucket.code = compile("open(%r, 'w').write('ran')" % sys.argv[1], filename, "exec")
cache.dump_bytecode(bucket)
"""


def test_a_compiled_template_planted_in_a_shared_cache_is_not_run(tmp_path: Path) -> None:
    import os
    import sys

    # The cache is somewhere others can write (XDG_CACHE_HOME on a shared disk, a cache
    # folder made world-writable): scoper refuses such a scoper.toml or templates/ folder,
    # and Jinja's own default cache refuses such a folder, because what is in it runs.
    shared = tmp_path / "shared-cache"
    shared.mkdir(mode=0o777)
    shared.chmod(0o1777)
    env = {**os.environ, "XDG_CACHE_HOME": str(shared)}
    proof = tmp_path / "ran"
    # Another user plants compiled "template" code for the default theme's paper...
    subprocess.run(
        [sys.executable, "-c", PLANT_BYTECODE, str(proof)],
        env=env,
        check=True,
        cwd=tmp_path,
        timeout=60,
    )
    for folder in (shared / "scoper").rglob("*"):
        folder.chmod(0o777 if folder.is_dir() else 0o666)
    brief = _brief(tmp_path / "briefs")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "scoper",
            "build",
            str(brief),
            "-o",
            str(tmp_path / "out"),
            "--format",
            "html",
        ],
        env=env,
        capture_output=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert not proof.exists(), "the planted code ran"


PLANT_CHART = """
import json, sys
from pathlib import Path
root = Path(sys.argv[1])
for entry in root.rglob("*.json"):
    kept = json.loads(entry.read_text())
    kept["svg"] = kept["svg"].replace("</svg>", "<text>FORGED-9999</text></svg>")
    kept["alt"] = "FORGED-ALT: sales fell to 9999"
    entry.write_text(json.dumps(kept))
"""


def test_a_chart_planted_in_a_shared_cache_is_not_published(tmp_path: Path) -> None:
    import os
    import sys

    shared = tmp_path / "shared-cache"
    shared.mkdir()
    shared.chmod(0o1777)
    env = {**os.environ, "XDG_CACHE_HOME": str(shared)}
    body = (
        SUMMARY
        + "{.chart type=bar}\n| Year | Sales |\n|---|---|\n| 2024 | 3 |\n| 2025 | 5 |\n\n"
        + TAIL
    )
    brief = _brief(tmp_path / "briefs", body=body)
    command = [
        sys.executable,
        "-m",
        "scoper",
        "build",
        str(brief),
        "-o",
        str(tmp_path / "out"),
        "--format",
        "html",
    ]
    subprocess.run(command, env=env, capture_output=True, timeout=120, cwd=tmp_path, check=True)
    subprocess.run([sys.executable, "-c", PLANT_CHART, str(shared)], check=True, timeout=60)
    subprocess.run(command, env=env, capture_output=True, timeout=120, cwd=tmp_path, check=True)
    html = (tmp_path / "out" / "rt.html").read_text()
    assert "FORGED" not in html


# -- scoper review on hostile Word files ---------------------------------------------------

W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
COMMENTS = f'<?xml version="1.0"?><w:comments {W}><w:comment w:id="1" w:author="R"><w:p><w:r><w:t>a comment</w:t></w:r></w:p></w:comment></w:comments>'


def _document(inside: str = "", doctype: str = "") -> str:
    return (
        f'<?xml version="1.0"?>{doctype}<w:document {W}><w:body><w:p>{inside}<w:r><w:t>hi</w:t></w:r>'
        '<w:commentReference w:id="1"/></w:p></w:body></w:document>'
    )


def _review(tmp_path: Path, parts: dict[str, str | bytes]) -> tuple[int | None, str]:
    from tests.test_redteam import _custom, _docx, review

    brief = _brief(tmp_path / "briefs", body=SUMMARY + TAIL)
    paper = _docx(tmp_path / "p.docx", {"docProps/custom.xml": _custom(str(brief)), **parts})
    return review(str(paper))


@pytest.mark.parametrize("digits", ["\u00b2", "9" * 5000], ids=["superscript", "5000-digits"])
def test_review_a_source_bookmark_with_odd_digits(tmp_path: Path, digits: str) -> None:
    bookmark = f'<w:bookmarkStart w:id="0" w:name="_scoper_{digits}"/>'
    status, output = _review(
        tmp_path, {"word/document.xml": _document(bookmark), "word/comments.xml": COMMENTS}
    )
    assert status == 0 and "Traceback" not in output, output[-400:]


def test_review_entry_names_that_climb_out_write_nothing(tmp_path: Path) -> None:
    (tmp_path / "work").mkdir()
    parts: dict[str, str | bytes] = {
        "word/document.xml": _document(),
        "word/comments.xml": COMMENTS,
        "../../escaped.txt": "x",
        "/tmp/absolute-escaped.txt": "x",
        "word/../../../escaped2.txt": "x",
    }
    status, output = _review(tmp_path / "work", parts)
    assert status == 0, output
    assert not list(tmp_path.rglob("escaped*")) and not Path("/tmp/absolute-escaped.txt").exists()


@pytest.mark.parametrize(
    ("doctype", "text"),
    [
        ('<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>', "&x;"),
        ('<!DOCTYPE d [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>', "x"),
        (
            '<!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;"><!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;"><!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;"><!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;"><!ENTITY h "&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;">]>',
            "&h;",
        ),
    ],
    ids=["external-entity", "parameter-entity", "billion-laughs"],
)
def test_review_entities_in_the_comments_are_not_expanded(
    tmp_path: Path, doctype: str, text: str
) -> None:
    comments = COMMENTS.replace('<?xml version="1.0"?>', f'<?xml version="1.0"?>{doctype}').replace(
        "a comment", text
    )
    status, output = _review(
        tmp_path, {"word/document.xml": _document(), "word/comments.xml": comments}
    )
    assert status is not None and "Traceback" not in output, output[-400:]
    assert "root:" not in output and "aaaaaaaaaaaaaaaaaaaa" not in output


def test_review_a_huge_comment_and_many_remarks(tmp_path: Path) -> None:
    many = "".join(
        f'<w:comment w:id="{i}" w:author="R"><w:p><w:r><w:t>c{i}</w:t></w:r></w:p></w:comment>'
        for i in range(20000)
    )
    huge = (
        '<w:comment w:id="x" w:author="R"><w:p><w:r><w:t>'
        + "word " * 1_500_000
        + "</w:t></w:r></w:p></w:comment>"
    )
    comments = f'<?xml version="1.0"?><w:comments {W}>{many}{huge}</w:comments>'
    refs = (
        "".join(f'<w:commentReference w:id="{i % 20000}"/>' for i in range(100000))
        + '<w:commentReference w:id="x"/>'
    )
    status, output = _review(
        tmp_path, {"word/document.xml": _document(refs), "word/comments.xml": comments}
    )
    assert status == 0 and "Traceback" not in output, output[-400:]


# -- the preview ---------------------------------------------------------------------------

from tests.test_redteam import _status, preview  # noqa: E402, F401  (the fixture is used)
from tests.test_serve_hostile import Running, site  # noqa: E402, F401


def _hold_event_streams(port: int, count: int) -> list:
    import socket

    held = []
    for _ in range(count):
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        sock.sendall(b"GET /events HTTP/1.1\r\nHost: localhost\r\n\r\n")
        held.append(sock)
    for sock in held:
        assert sock.recv(12) == b"HTTP/1.1 200"  # each stream is open and being answered
    return held


def test_preview_many_held_event_streams_do_not_lock_everyone_out(preview: Running) -> None:  # noqa: F811
    import socket

    held = _hold_event_streams(preview.port, 256)
    try:
        with socket.create_connection(("127.0.0.1", preview.port), timeout=10) as sock:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            try:
                first = sock.recv(12)
            except OSError:
                first = b""
        assert first == b"HTTP/1.1 200"
    finally:
        for sock in held:
            sock.close()


def test_preview_a_few_held_event_streams_leave_pages_answered(preview: Running) -> None:  # noqa: F811
    held = _hold_event_streams(preview.port, 32)
    try:
        request = b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
        assert _status(preview.port, request) == b"HTTP/1.1 200 OK"
    finally:
        for sock in held:
            sock.close()


# -- images: SVG drawing measured before any renderer sees it --------------------------------


def _use_bomb(levels: int = 9, fan: int = 10) -> str:
    """About 10^9 rectangles in 4 KB: the SVG measure refuses it when it is the image."""
    parts = [
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="100" height="100"><defs><rect id="l0" width="1" height="1"/>'
    ]
    for level in range(1, levels + 1):
        parts.append(
            f'<g id="l{level}">'
            + "".join(f'<use xlink:href="#l{level - 1}" x="{j % 3}"/>' for j in range(fan))
            + "</g>"
        )
    parts.append(f'</defs><use xlink:href="#l{levels}"/></svg>')
    return "".join(parts)


def _png_of_zeros(width: int, height: int) -> bytes:
    import struct
    import zlib

    packer = zlib.compressobj(9)
    row = b"\x00" * (width * 3 + 1)
    data = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )


def _wrapping(data: bytes, kind: str) -> bytes:
    import base64

    uri = f"data:{kind};base64," + base64.b64encode(data).decode()
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="100" height="100">'
        f'<image width="100" height="100" xlink:href="{uri}"/></svg>'
    ).encode()


def test_the_bare_use_bomb_is_refused(tmp_path: Path) -> None:
    body = SUMMARY + "![A chart](bomb.svg)\n\n" + TAIL
    brief = _brief(tmp_path / "briefs", body=body)
    (brief.parent / "bomb.svg").write_text(_use_bomb())
    done = _scoper("build", str(brief), "-o", str(tmp_path / "out"), "--format", "html", timeout=60)
    assert done.returncode == 1 and "too-large" in done.stdout + done.stderr


def test_a_use_bomb_inside_a_data_uri_is_refused(tmp_path: Path) -> None:
    # 4 KB. Built as HTML, the paper kept headless Chromium busy past 90 s (a plain paper:
    # 1.5 s); as PDF only the 30 s time limit stops it.
    body = SUMMARY + "![A chart](nested.svg)\n\n" + TAIL
    brief = _brief(tmp_path / "briefs", body=body)
    (brief.parent / "nested.svg").write_bytes(_wrapping(_use_bomb().encode(), "image/svg+xml"))
    done = _scoper("build", str(brief), "-o", str(tmp_path / "out"), "--format", "html", timeout=60)
    assert done.returncode == 1 and "too-large" in done.stdout + done.stderr


def test_a_png_bomb_inside_an_svg_is_refused_for_word(tmp_path: Path) -> None:
    import os
    import sys

    # 400 megapixels in a 1.5 MB SVG (within the 10 MB file limit): the Word writer decodes
    # it with cairosvg in scoper's own process, with no time or memory limit (1.6 GB, 7 s
    # here), then leaves the image blank and says "built".
    body = SUMMARY + "![A chart](pngbomb.svg)\n\n" + TAIL
    brief = _brief(tmp_path / "briefs", body=body)
    (brief.parent / "pngbomb.svg").write_bytes(_wrapping(_png_of_zeros(20000, 20000), "image/png"))
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    limited = "import resource, sys; resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30)); from scoper.cli import main; sys.argv = ['scoper', *sys.argv[1:]]; main()"
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            limited,
            "build",
            str(brief),
            "-o",
            str(tmp_path / "out"),
            "--format",
            "docx",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert "Traceback" not in done.stderr
    assert done.returncode == 1 and "too-large" in done.stdout + done.stderr


# -- odd values, names and the tracker ------------------------------------------------------


def test_the_first_date_there_is_builds_or_is_a_value_error(tmp_path: Path) -> None:
    brief = _brief(
        tmp_path / "briefs", head=HEAD.replace("2026-11-23", "0001-01-01"), body=SUMMARY + TAIL
    )
    assert CliRunner().invoke(cli, ["check", str(brief)]).exit_code == 0
    built = CliRunner().invoke(
        cli, ["build", str(brief), "-o", str(tmp_path / "out"), "--format", "docx"]
    )
    assert "internal-error" not in built.output, built.output


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
@pytest.mark.parametrize("where", ["date", "due", "today"])
def test_the_pack_at_the_ends_of_the_calendar(tmp_path: Path, day: str, where: str) -> None:
    body = SUMMARY + TAIL
    head = HEAD.replace("2026-11-23", day) if where == "date" else HEAD
    if where == "due":
        body = body.replace("Due: 2026-12-11", f"Due: {day}")
    brief = _brief(tmp_path / "briefs", head=head, body=body)
    today = day if where == "today" else "2026-11-23"
    done = CliRunner().invoke(
        cli,
        ["pack", str(brief.parent), "-o", str(tmp_path / "out"), "--today", today, "--actions-csv"],
    )
    assert done.exit_code == 0 and "Traceback" not in done.output, done.output
    assert (tmp_path / "out" / "pack.pdf").exists()


def test_tracker_formulas_hidden_behind_markdown_and_entities(tmp_path: Path) -> None:
    actions = [
        "*=1+1* emph",
        "\\=2+2 escaped",
        "&#61;3+3 entity",
        "&#x2B;4+4 plus",
        "&#64;SUM(5) at",
        "&#9;=6+6 tab",
        "[=7+7](https://x.example) link",
        "`=8+8` code",
        "&#13;=10 cr",
    ]
    items = "".join(
        f'- {text}\n  - Owner: &#61;HYPERLINK("http://evil")\n  - Due: 2026-12-11\n'
        for text in actions
    )
    body = SUMMARY + TAIL.split("## Action points")[0] + "## Action points\n" + items
    brief = _brief(
        tmp_path / "briefs",
        head=HEAD.replace("title: Red team brief", 'title: "=HYPERLINK(1)"'),
        body=body,
    )
    done = CliRunner().invoke(
        cli,
        [
            "pack",
            str(brief.parent),
            "-o",
            str(tmp_path / "out"),
            "--today",
            "2026-11-23",
            "--actions-csv",
        ],
    )
    assert done.exit_code == 0, done.output
    import csv

    with (tmp_path / "out" / "pack-actions.csv").open(encoding="utf-8-sig", newline="") as stream:
        rows = list(csv.reader(stream))[1:]
    assert len(rows) == 2 * len(actions)  # by date, then by owner
    for row in rows:
        for cell in row:
            assert cell[:1] not in ("=", "+", "-", "@", "\t", "\r"), row


@pytest.mark.parametrize("name", ["lpt\u00b9.md", "COM\u00b2.md", "con .md", "Aux.draft.md"])
def test_names_windows_reserves_written_otherwise(tmp_path: Path, name: str) -> None:
    brief = _brief(tmp_path / "briefs", name=name, body=SUMMARY + TAIL)
    done = CliRunner().invoke(
        cli, ["build", str(brief), "-o", str(tmp_path / "out"), "--format", "html"]
    )
    assert done.exit_code == 0, done.output
    reserved = re.compile(
        r"^(con|prn|aux|nul|com[0-9\u00b9\u00b2\u00b3]|lpt[0-9\u00b9\u00b2\u00b3])(\..*)?$",
        re.IGNORECASE,
    )
    assert not [p.name for p in (tmp_path / "out").iterdir() if reserved.match(p.name)]


def test_entity_escaped_control_characters_reach_no_output(tmp_path: Path) -> None:
    body = (
        SUMMARY.replace(
            "a roundtable.", "a &#x1b;]0;TITLE&#x7; &#xFFFF; &#x0b; &#xd800; roundtable."
        )
        + TAIL
    )
    brief = _brief(tmp_path / "briefs", body=body)
    done = CliRunner().invoke(
        cli, ["build", str(brief), "-o", str(tmp_path / "out"), "--format", "html,docx"]
    )
    assert done.exit_code == 0, done.output
    import zipfile

    html = (tmp_path / "out" / "rt.html").read_text()
    word = zipfile.ZipFile(tmp_path / "out" / "rt.docx").read("word/document.xml").decode()
    for text in (html, word):
        assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]", text)
    exported = CliRunner().invoke(cli, ["export", str(brief)])
    assert "\x1b" not in exported.stdout


def test_new_never_overwrites_or_escapes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "briefs").mkdir()
    (tmp_path / "briefs" / "my-brief.md").write_text("precious")
    assert CliRunner().invoke(cli, ["new", "My brief"]).exit_code != 0
    assert (tmp_path / "briefs" / "my-brief.md").read_text() == "precious"
    CliRunner().invoke(cli, ["new", "../../escape"])
    assert not (tmp_path.parent / "escape.md").exists() and not (tmp_path / "escape.md").exists()


def test_preview_a_symlinked_brief_quotes_nothing_of_its_target(site, tmp_path: Path) -> None:  # noqa: F811
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "creds").write_text("LEAK_KEY=hunter2\naws_secret_access_key = LEAK-AWS\n")
    (outside / "other.md").write_text(
        "---\ntitle: x\ndate: 2026-11-23\nLEAK-FM: [unclosed\n---\n## Summary\nLEAK-BODY\n"
    )
    (site.folder / "creds.md").symlink_to(outside / "creds")
    (site.folder / "other.md").symlink_to(outside / "other.md")
    for path in ("/", "/paper/creds", "/paper/other"):
        response = site.handle("GET", path, "127.0.0.1:8000", {})
        assert b"LEAK" not in response.body.upper(), path


def test_outputs_keep_the_users_umask(tmp_path: Path) -> None:
    import os

    out = tmp_path / "out"
    out.mkdir(mode=0o755)  # a shared project's output folder (as git or scoper init make it)
    brief = _brief(
        tmp_path / "briefs",
        head=HEAD.replace("OFFICIAL-SENSITIVE", "TOP SECRET"),
        body=SUMMARY + TAIL,
    )
    old = os.umask(0o077)
    try:
        CliRunner().invoke(cli, ["build", str(brief), "-o", str(out), "--format", "html"])
    finally:
        os.umask(old)
    assert (out / "rt.html").stat().st_mode & 0o077 == 0
