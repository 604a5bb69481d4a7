"""The third hostile-input round (docs/redteam-2026-11.md): one test per attack tried.

A test of an attack that succeeded (a finding) is marked ``xfail(strict=True)`` with the
finding's number, so the suite stays green until the fix lands and then says so.
"""

from __future__ import annotations

import json
import os
import re
import socket
import struct
import subprocess
import sys
import time
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path

import pikepdf
import pytest
from click.testing import CliRunner

from scoper.cli import cli
from tests.test_serve_hostile import Running, site  # noqa: F401  (the fixture is used)

HEAD = """\
---
title: Red team brief
date: 2026-11-23
ref: PU-2026-099
classification: OFFICIAL-SENSITIVE
---
"""

SUMMARY = "## Summary\nWe recommend a roundtable.\n\n"

TAIL = """
## Evidence
- First claim.
  - Source: ONS
  - Strength: strong

## External partners
- **Alcohol Health Alliance** — third-sector
  - Interests: Public health.
  - Commitment: committed

## Action points
- Convene a roundtable.
  - Owner: No10 Policy Unit
  - Due: 2026-12-11
"""

PNG = (Path(__file__).parent / "hostile" / "images" / "fine.png").read_bytes()
LEAK = re.compile(rb"(?i)leak-[a-z0-9-]*")
"""Every planted word is ``LEAK-...``: the hyphen keeps compressed PDF bytes, which now and
then hold 'leak' and letters by chance, from counting as a leak."""


def _docx_bytes(path: Path) -> bytes:
    with zipfile.ZipFile(path) as package:
        return b"\n".join(name.encode() + package.read(name) for name in package.namelist())


def _pdf_bytes(path: Path) -> bytes:
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True).stdout
    parts = [text]
    with pikepdf.open(path) as pdf:
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Stream):
                try:
                    parts.append(obj.read_bytes())
                except pikepdf.PdfError:
                    parts.append(obj.read_raw_bytes())
                parts.append(bytes(obj.stream_dict.unparse()))
            else:
                parts.append(bytes(obj.unparse()))
    return b"\n".join(parts)


def public_outputs(
    tmp_path: Path,
    body: str,
    formats: str = "html,docx",
    head: str = HEAD,
    files: dict[str, bytes] | None = None,
) -> dict[str, bytes]:
    """Every byte of every public output of a brief: its files (Word unzipped, PDF text and
    every object decompressed) and its public JSON export."""
    folder = tmp_path / "briefs"
    folder.mkdir()
    (folder / "rt.md").write_text(head + body)
    for name, data in (files or {}).items():
        (folder / name).write_bytes(data)
    out = tmp_path / "out"
    runner = CliRunner()
    built = runner.invoke(
        cli, ["build", str(folder / "rt.md"), "-o", str(out), "--public", "--format", formats]
    )
    assert built.exit_code == 0, built.output
    found: dict[str, bytes] = {}
    for path in sorted(out.iterdir()):
        if path.name.startswith("."):
            continue
        reader = {".docx": _docx_bytes, ".pdf": _pdf_bytes}.get(path.suffix)
        found[path.name] = reader(path) if reader else path.read_bytes()
    found["names"] = "\n".join(found).encode()
    exported = runner.invoke(cli, ["export", "--public", str(folder / "rt.md")])
    assert exported.exit_code == 0, exported.output
    found["export"] = exported.stdout.encode()
    return found


def leaks(outputs: dict[str, bytes]) -> dict[str, list[str]]:
    """The marked words (``LEAK-...``, any case) found in each output."""
    found = {}
    for name, data in outputs.items():
        words = sorted({w.decode() for w in LEAK.findall(data)})
        if words:
            found[name] = words
    return found


# -- the public version: marks the redactor does not read ------------------------------------


def test_public_a_link_marked_sensitive(tmp_path: Path) -> None:
    body = SUMMARY + "We met [LEAK-LINK](https://leak-href.example/x){.sensitive} today.\n"
    assert leaks(public_outputs(tmp_path, body + TAIL)) == {}


def test_public_inline_code_marked_sensitive(tmp_path: Path) -> None:
    body = SUMMARY + "The code `LEAK-CODE`{.sensitive} was agreed.\n"
    assert leaks(public_outputs(tmp_path, body + TAIL)) == {}


def test_public_an_image_marked_sensitive(tmp_path: Path) -> None:
    body = SUMMARY + 'See ![LEAK-ALT](p.png "LEAK-TITLE"){.sensitive} here.\n'
    assert leaks(public_outputs(tmp_path, body + TAIL, files={"p.png": PNG})) == {}


def test_public_a_span_that_a_reference_definition_makes_a_link(tmp_path: Path) -> None:
    body = SUMMARY + "We met [LEAK-REF]{.sensitive} today.\n\n[LEAK-REF]: https://x.example/\n"
    assert leaks(public_outputs(tmp_path, body + TAIL)) == {}


def test_public_a_fenced_code_block_marked_sensitive(tmp_path: Path) -> None:
    body = SUMMARY + "{.sensitive}\n```\nLEAK-FENCE\n```\n"
    assert leaks(public_outputs(tmp_path, body + TAIL)) == {}


def test_public_an_indented_code_block_marked_sensitive(tmp_path: Path) -> None:
    body = SUMMARY + "{.sensitive}\n    LEAK-INDENTED\n"
    assert leaks(public_outputs(tmp_path, body + TAIL)) == {}


def test_public_a_list_of_items_marked_sensitive(tmp_path: Path) -> None:
    body = SUMMARY + TAIL.replace(
        "## Evidence\n- First claim.",
        "## Evidence\n{.sensitive}\n- LEAK-EVIDENCE claim.",
    )
    assert leaks(public_outputs(tmp_path, body)) == {}


def test_public_a_table_of_items_marked_sensitive(tmp_path: Path) -> None:
    actions = (
        "## Action points\n{.sensitive}\n| Action | Owner | Due |\n|---|---|---|\n"
        "| LEAK-TABLE-ACTION | LEAK-TABLE-OWNER | 2026-12-11 |\n"
    )
    body = SUMMARY + TAIL.split("## Action points")[0] + actions
    assert leaks(public_outputs(tmp_path, body)) == {}


def test_public_a_span_in_a_section_title(tmp_path: Path) -> None:
    body = SUMMARY + "## Handling [LEAK-HEADING]{.sensitive}\nWords.\n"
    assert leaks(public_outputs(tmp_path, body + TAIL)) == {}


def test_public_a_span_in_a_partner_name(tmp_path: Path) -> None:
    body = SUMMARY + TAIL.replace(
        "**Alcohol Health Alliance**", "**Alcohol Health Alliance [LEAK-PARTNER]{.sensitive}**"
    )
    assert leaks(public_outputs(tmp_path, body)) == {}


def test_public_a_span_in_an_action_owner(tmp_path: Path) -> None:
    body = SUMMARY + TAIL.replace("Owner: No10 Policy Unit", "Owner: [LEAK-OWNER]{.sensitive}")
    assert leaks(public_outputs(tmp_path, body)) == {}


def test_public_a_withheld_section_keeps_no_anchor_of_its_title(tmp_path: Path) -> None:
    body = SUMMARY + "{.sensitive}\n## Talks with LEAK-ANCHOR\nWords.\n"
    outputs = public_outputs(tmp_path, body + TAIL, formats="html,pdf")
    assert leaks(outputs) == {}


@pytest.mark.parametrize("mark", ["{.sensitve}", "{.secret}", "{.sensitive-}"])
def test_a_mark_scoper_does_not_know_is_reported(tmp_path: Path, mark: str) -> None:
    brief = tmp_path / "rt.md"
    brief.write_text(HEAD + SUMMARY + f"{mark}\nLEAK-TYPO para.\n" + TAIL)
    result = CliRunner().invoke(cli, ["check", str(brief)])
    # At the line of the paragraph the mark stands before.
    assert "mark" in result.output.lower() and ":11:" in result.output, result.output
    # And a public version is refused while the mark may be misspelt (it fails closed).
    built = CliRunner().invoke(cli, ["build", str(brief), "--public", "-o", str(tmp_path / "o")])
    assert built.exit_code == 1 and "is not a mark scoper knows" in built.output
    assert not (tmp_path / "o").exists() or not list((tmp_path / "o").iterdir())


def test_a_mark_with_a_capital_still_withholds(tmp_path: Path) -> None:
    body = SUMMARY + "{.Sensitive}\nLEAK-CAPITAL para.\n"
    assert leaks(public_outputs(tmp_path, body + TAIL)) == {}


def test_public_word_file_carries_no_path_or_digest_of_the_full_brief(tmp_path: Path) -> None:
    body = SUMMARY + "A [LEAK-SPAN]{.sensitive} here.\n" + TAIL
    outputs = public_outputs(tmp_path, body, formats="docx")
    brief = tmp_path / "briefs" / "rt.md"
    import hashlib

    digest = hashlib.sha256(brief.read_bytes()).hexdigest().encode()
    word = outputs["rt.public.docx"]
    assert str(tmp_path).encode() not in word
    assert digest not in word


# -- the public version: what held -------------------------------------------------------------


def test_public_a_span_in_a_mitigation_and_a_heading_below_a_section(tmp_path: Path) -> None:
    body = (
        SUMMARY
        + "### Talks with [LEAK-H3]{.sensitive}\nWords.\n"
        + TAIL
        + "\n## Risks\n- A risk.\n  - Likelihood: high\n  - Mitigation: [LEAK-MIT]{.sensitive}\n"
    )
    assert leaks(public_outputs(tmp_path, body)) == {}


def test_public_a_mark_with_a_blank_line_before_its_block(tmp_path: Path) -> None:
    body = SUMMARY + "{.sensitive}\n\nLEAK-BLANK para.\n"
    assert leaks(public_outputs(tmp_path, body + TAIL)) == {}


def test_public_a_sensitive_field_written_loosely(tmp_path: Path) -> None:
    body = SUMMARY + TAIL.replace(
        "  - Due: 2026-12-11\n", "  - Due: 2026-12-11\n  - SENSITIVE : Yes\n  - Note: LEAK-NOTE\n"
    )
    assert leaks(public_outputs(tmp_path, body)) == {}


def test_public_a_misspelt_sensitive_field_is_warned_about(tmp_path: Path) -> None:
    brief = tmp_path / "rt.md"
    body = TAIL.replace("Commitment: committed", "Commitment: committed\n  - Sensitivity: yes")
    brief.write_text(HEAD + SUMMARY + body)
    result = CliRunner().invoke(cli, ["check", str(brief)])
    assert "unknown-field" in result.output and "'Sensitivity'" in result.output


def test_public_attributes_other_than_marks_are_never_written(tmp_path: Path) -> None:
    body = (
        SUMMARY
        + '{.chart type=bar highlight="LEAK-HL" #LEAK-ID data-x=LEAK-DATA}\n'
        + "| Year | N |\n|---|---|\n| 2025 | 3 |\n\nWords [a]{#LEAK-SPANID onclick=LEAK-JS} here.\n"
    )
    assert leaks(public_outputs(tmp_path, body + TAIL)) == {}


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("public", '"false"'),
        ("public", "0"),
        ("public", "No"),
        ("public", "off"),
        ("classification", "top secret"),
        ("classification", "TOP-SECRET"),
        ("classification", "Secret"),
        ("classification", "'TOP  SECRET'"),
        ("classification", "top_secret"),
        ("classification", "SECRET UK EYES ONLY"),
        ("classification", "ＳＥＣＲＥＴ"),
        ("classification", '"SECRET\\u200b"'),
    ],
)
def test_public_a_paper_that_may_not_be_published_written_loosely(
    tmp_path: Path, key: str, value: str
) -> None:
    brief = tmp_path / "rt.md"
    brief.write_text(f"---\ntitle: T\ndate: 2026-11-23\n{key}: {value}\n---\n" + SUMMARY + TAIL)
    out = tmp_path / "out"
    built = CliRunner().invoke(cli, ["build", str(brief), "-o", str(out), "--public"])
    assert built.exit_code == 1
    assert not out.exists() or not any(out.iterdir())
    exported = CliRunner().invoke(cli, ["export", "--public", str(brief)])
    assert json.loads(exported.stdout)["briefs"] == []


# -- scoper review on hostile Word files ---------------------------------------------------

W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
DOC = (
    f'<?xml version="1.0"?><w:document {W}><w:body><w:p><w:r><w:t>hi</w:t></w:r>'
    '<w:commentReference w:id="1"/></w:p></w:body></w:document>'
)


def _custom(path: str) -> str:
    return (
        '<?xml version="1.0"?><Properties xmlns="http://schemas.openxmlformats.org/'
        'officeDocument/2006/custom-properties" xmlns:vt="http://schemas.openxmlformats.org/'
        'officeDocument/2006/docPropsVTypes"><property fmtid="x" pid="2" name="scoper-brief">'
        f'<vt:lpwstr>{path}</vt:lpwstr></property><property fmtid="x" pid="3" '
        'name="scoper-brief-sha256"><vt:lpwstr>00</vt:lpwstr></property></Properties>'
    )


def _docx(path: Path, parts: dict[str, str | bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as package:
        for name, data in parts.items():
            package.writestr(name, data)
    return path


LIMITS = (
    "import resource, sys; from scoper.cli import main;"
    "resource.setrlimit(resource.RLIMIT_AS, ({mb} << 20, {mb} << 20));"
    "sys.argv = ['scoper', *sys.argv[1:]]; main()"
)


def review(*args: str, timeout: float = 20, memory_mb: int = 1024) -> tuple[int | None, str]:
    """``scoper review`` in a child process with a memory cap and a time limit: (exit
    status or None when it had to be killed, everything it printed)."""
    try:
        done = subprocess.run(
            [sys.executable, "-c", LIMITS.format(mb=memory_mb), "review", *args],
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return None, ""
    return done.returncode, done.stdout + done.stderr


def test_review_a_paper_naming_dev_zero_as_its_brief(tmp_path: Path) -> None:
    paper = _docx(
        tmp_path / "p.docx", {"word/document.xml": DOC, "docProps/custom.xml": _custom("/dev/zero")}
    )
    status, output = review(str(paper))
    assert status == 0 and "Traceback" not in output, output[-500:]


def test_review_a_paper_naming_a_fifo_as_its_brief(tmp_path: Path) -> None:
    fifo = tmp_path / "brief.md"
    os.mkfifo(fifo)
    paper = _docx(
        tmp_path / "p.docx", {"word/document.xml": DOC, "docProps/custom.xml": _custom(str(fifo))}
    )
    status, output = review(str(paper), timeout=10)
    assert status == 0 and "Traceback" not in output, output[-500:]


def _lying_bomb(path: Path, gigabytes: float) -> Path:
    """A document part that inflates to ``gigabytes`` while its headers say 1,000 bytes."""
    squeeze = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = f'<?xml version="1.0"?><w:document {W}><w:body>'.encode()
    chunk = b"<w:p/>" * (1 << 20)
    pieces, crc = [squeeze.compress(head)], zlib.crc32(head)
    for _ in range(int(gigabytes * 1024 / 6)):
        pieces.append(squeeze.compress(chunk))
        crc = zlib.crc32(chunk, crc)
    pieces.append(squeeze.flush())
    data, name, said = b"".join(pieces), b"word/document.xml", 1000
    local = struct.pack(
        "<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, crc, len(data), said, len(name), 0
    )
    central = struct.pack(
        "<IHHHHHHIIIHHHHHII",
        0x02014B50,
        20,
        20,
        0,
        8,
        0,
        0,
        crc,
        len(data),
        said,
        len(name),
        0,
        0,
        0,
        0,
        0,
        0,
    )
    end = struct.pack(
        "<IHHHHIIH",
        0x06054B50,
        0,
        0,
        1,
        1,
        len(central) + len(name),
        len(local) + len(name) + len(data),
        0,
    )
    path.write_bytes(local + name + data + central + name + end)
    return path


def test_review_a_zip_bomb_that_lies_about_its_size(tmp_path: Path) -> None:
    paper = _lying_bomb(tmp_path / "bomb.docx", 1.2)
    assert paper.stat().st_size < 4 << 20
    status, output = review(str(paper), memory_mb=700)
    assert status == 1 and "Traceback" not in output and "scoper review:" in output, output[-500:]


def test_review_a_document_part_just_under_the_limit(tmp_path: Path) -> None:

    body = "<w:p/>" * (49 * 1024 * 1024 // 6)
    big = f'<?xml version="1.0"?><w:document {W}><w:body>{body}</w:body></w:document>'
    paper = _docx(tmp_path / "big.docx", {"word/document.xml": big})
    assert paper.stat().st_size < 200_000
    # No cap in the child: what does a reviewer's 100 KB file make scoper take?
    # Measured in a process of its own: this test process's children include every earlier
    # test's subprocesses (and their renderers), whose peaks would count here too.
    measure = (
        "import resource, subprocess, sys; "
        "done = subprocess.run(sys.argv[1:], capture_output=True); "
        "print(done.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    done = subprocess.run(
        [sys.executable, "-c", measure, sys.executable, "-m", "scoper", "review", str(paper)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    code, peak = done.stdout.split()
    peak_kb = int(peak)
    assert code in ("0", "1")
    assert peak_kb < 600 * 1024, f"{peak_kb // 1024} MB for a {paper.stat().st_size} byte file"


def _just_under_the_part_limit(unit: str, part: str = "document") -> str:
    from scoper.docx.review import MAX_PART_BYTES

    head, tail = f'<?xml version="1.0"?><w:{part} {W}><w:body>', f"</w:body></w:{part}>"
    return head + unit * ((MAX_PART_BYTES - len(head) - len(tail)) // len(unit)) + tail


@pytest.mark.parametrize(
    "unit",
    [
        '<a b="" c="" d="" e="" f="" g="" h=""/>',  # 500 MB of XML tree a part without a cap
        "<a/>",
    ],
    ids=["attributes", "elements"],
)
def test_review_two_parts_at_the_limit_stay_under_the_memory_cap(tmp_path: Path, unit: str) -> None:
    xml = _just_under_the_part_limit(unit)
    paper = _docx(
        tmp_path / "p.docx",
        {"word/document.xml": xml, "word/comments.xml": xml.replace("document", "comments")},
    )
    started = time.monotonic()
    status, output = review(str(paper), memory_mb=900)
    assert status == 1 and "too large to be a paper" in output and "Traceback" not in output, (
        output[-500:]
    )
    assert time.monotonic() - started < 15


@pytest.mark.parametrize(
    ("unit", "part"),
    [
        ("<w:p>" * 250 + "</w:p>" * 250, "document"),  # each paragraph walked 250 times: 114 s
        ('<w:ins w:author="a"><w:r><w:t>x</w:t></w:r>' * 120 + "</w:ins>" * 120, "document"),
        (  # each comment's text read once for every comment around it: 97 s
            '<w:comment w:id="1"><w:p><w:r><w:t>x</w:t></w:r>' * 100 + "</w:p></w:comment>" * 100,
            "comments",
        ),
    ],
    ids=["paragraphs", "changes", "comments"],
)
def test_review_nesting_costs_no_more_than_a_flat_part(
    tmp_path: Path, unit: str, part: str
) -> None:
    xml = _just_under_the_part_limit(unit, part)
    if part == "document":
        xml = xml.replace("<w:body><w:ins", "<w:body><w:p><w:ins").replace(
            "</w:ins></w:body>", "</w:ins></w:p></w:body>"
        )
    parts = {f"word/{part}.xml": xml}
    if part == "comments":
        parts["word/document.xml"] = DOC
    paper = _docx(tmp_path / "p.docx", parts)
    started = time.monotonic()
    status, output = review(str(paper), timeout=60)
    assert status == 0 and "Traceback" not in output, output[-500:]
    assert time.monotonic() - started < 20


def _flag_encrypted(data: bytes) -> bytes:
    patched = bytearray(data)
    patched[patched.find(b"PK\x03\x04") + 6] |= 1
    patched[patched.find(b"PK\x01\x02") + 8] |= 1
    return bytes(patched)


def _unknown_method(data: bytes) -> bytes:
    patched = bytearray(data)
    patched[patched.find(b"PK\x03\x04") + 8] = 99
    patched[patched.find(b"PK\x01\x02") + 10] = 99
    return bytes(patched)


def _corrupt_deflate(data: bytes) -> bytes:
    patched = bytearray(data)
    start = patched.find(b"PK\x03\x04") + 30 + len("word/document.xml")
    for offset in range(5, 40):
        patched[start + offset] ^= 0x55
    return bytes(patched)


@pytest.mark.parametrize("damage", [_flag_encrypted, _unknown_method, _corrupt_deflate])
def test_review_a_zip_entry_it_cannot_read(tmp_path: Path, damage) -> None:  # type: ignore[no-untyped-def]
    method = zipfile.ZIP_STORED if damage is not _corrupt_deflate else zipfile.ZIP_DEFLATED
    good = tmp_path / "good.docx"
    with zipfile.ZipFile(good, "w", method) as package:
        package.writestr("word/document.xml", DOC * 20 if method == zipfile.ZIP_DEFLATED else DOC)
    paper = tmp_path / "p.docx"
    paper.write_bytes(damage(good.read_bytes()))
    status, output = review(str(paper))
    assert status == 1 and "Traceback" not in output and "scoper review:" in output, output[-500:]


@pytest.mark.parametrize(
    ("comments", "expected"),
    [
        (
            f'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
            f'<w:comments {W}><w:comment w:id="1" w:author="a"><w:p><w:r><w:t>&e;</w:t>'
            "</w:r></w:p></w:comment></w:comments>",
            0,
        ),
        (
            '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">'
            + "".join(
                f'<!ENTITY {chr(98 + i)} "' + f"&{chr(97 + i)};" * 10 + '">' for i in range(9)
            )
            + f']><w:comments {W}><w:comment w:id="1" w:author="a"><w:p><w:r><w:t>&j;</w:t>'
            "</w:r></w:p></w:comment></w:comments>",
            1,
        ),
        (
            f'<?xml version="1.0"?><w:comments {W}>'
            + "<w:p>" * 5000
            + "</w:p>" * 5000
            + "</w:comments>",
            1,
        ),
        ("<w:comments", 1),
    ],
    ids=["xxe", "billion-laughs", "deep", "malformed"],
)
def test_review_hostile_xml(tmp_path: Path, comments: str, expected: int) -> None:
    paper = _docx(tmp_path / "p.docx", {"word/document.xml": DOC, "word/comments.xml": comments})
    status, output = review(str(paper))
    assert status == expected, output
    assert "root:" not in output and "Traceback" not in output


def test_review_a_part_that_says_it_is_huge_is_refused_unread(tmp_path: Path) -> None:
    body = "<w:p/>" * (60 * 1024 * 1024 // 6)
    paper = _docx(
        tmp_path / "p.docx",
        {"word/document.xml": f'<?xml version="1.0"?><w:document {W}><w:body>{body}</w:body>'},
    )
    started = time.monotonic()
    status, output = review(str(paper), memory_mb=400)
    assert status == 1 and "too large" in output
    assert time.monotonic() - started < 10


def test_review_escapes_everything_it_prints(tmp_path: Path) -> None:
    evil = "x&#x9b;31m&#x202e;&#x85;\nforged.md:1: error S000 fake"
    document = (
        f'<?xml version="1.0"?><w:document {W}><w:body><w:p><w:commentReference w:id="1"/>'
        f'<w:ins w:author="{evil}"><w:r><w:t>{evil}</w:t></w:r></w:ins></w:p></w:body></w:document>'
    )
    comments = (
        f'<?xml version="1.0"?><w:comments {W}><w:comment w:id="1" w:author="{evil}" '
        f'w:date="{evil}"><w:p><w:r><w:t>{evil}</w:t></w:r></w:p></w:comment></w:comments>'
    )
    paper = _docx(
        tmp_path / "p.docx",
        {
            "word/document.xml": document,
            "word/comments.xml": comments,
            "docProps/custom.xml": _custom(evil),
        },
    )
    status, output = review(str(paper))
    assert status == 0
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202e]", output)
    assert not any(line.startswith("forged.md") for line in output.splitlines())
    status, output = review(str(paper), "--format", "json")
    data = json.loads(output[: output.rindex("}") + 1])
    assert data["remarks"][0]["text"].endswith("fake")


# -- the preview -----------------------------------------------------------------------------


def _status(port: int, raw: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(raw)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    return data.split(b"\r\n", 1)[0]


@pytest.fixture
def preview(site) -> Iterator[Running]:  # type: ignore[no-untyped-def]  # noqa: F811
    server = Running(site)
    yield server
    server.stop()


@pytest.mark.parametrize(
    "host",
    [
        "evil.com",
        "localhost.evil.com",
        "127.0.0.1.nip.io",
        "localhost:80:80",
        "localhost.",
        "0.0.0.0",
        "127.1",
        "2130706433",
        "[::ffff:127.0.0.1]",
    ],
)
def test_preview_host_names_that_are_not_this_machine(preview: Running, host: str) -> None:
    request = f"GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode()
    assert _status(preview.port, request) == b"HTTP/1.1 421 Misdirected Request"


def test_preview_no_host_header(preview: Running) -> None:
    assert _status(preview.port, b"GET / HTTP/1.0\r\n\r\n").split(b" ")[1] == b"421"


@pytest.mark.parametrize(
    "path",
    [
        "/paper/..%2f..%2fetc%2fpasswd",
        "/paper/alcohol-harm/../../etc/passwd",
        "//etc/passwd",
        "/paper/ALCOHOL-HARM",
        "/paper/alcohol-harm%00.pdf",
        "/templates/paper.css",
        "/briefs/alcohol-harm.md",
        "/pack/9999-W99",
    ],
)
def test_preview_paths_outside_its_pages(preview: Running, path: str) -> None:
    request = f"GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".encode()
    assert _status(preview.port, request) == b"HTTP/1.1 404 Not Found"


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "OPTIONS", "TRACE", "PROPFIND"])
def test_preview_methods_other_than_get(preview: Running, method: str) -> None:
    request = (
        f"{method} / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )
    status = _status(preview.port, request.encode())
    assert status.split(b" ")[1] in (b"405", b"501")


@pytest.mark.parametrize(
    "headers",
    [b"X: " + b"a" * 70000 + b"\r\n", b"X: a\r\n" * 200],
    ids=["long-header", "many-headers"],
)
def test_preview_oversized_requests(preview: Running, headers: bytes) -> None:
    request = b"GET / HTTP/1.1\r\nHost: localhost\r\n" + headers + b"\r\n"
    assert _status(preview.port, request).startswith(b"HTTP/1.1 431")


def test_preview_event_stream_from_another_site(preview: Running) -> None:
    request = (
        b"GET /events HTTP/1.1\r\nHost: localhost\r\nOrigin: http://localhost:1\r\n"
        b"Connection: close\r\n\r\n"
    )
    assert _status(preview.port, request) == b"HTTP/1.1 403 Forbidden"


def test_preview_slowloris(preview: Running) -> None:
    held = []
    try:
        for _ in range(257):
            sock = socket.create_connection(("127.0.0.1", preview.port), timeout=5)
            sock.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\n")
            held.append(sock)
        time.sleep(1)
        for sock in held:
            sock.sendall(b"X-Slow: 1\r\n")  # a byte now and then beats the 30 s idle limit
        request = b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
        assert _status(preview.port, request) == b"HTTP/1.1 200 OK"
    finally:
        for sock in held:
            sock.close()


# -- the pack --------------------------------------------------------------------------------

PACK_BRIEF = """\
---
title: {title}
date: 2026-11-23
ref: {ref}
classification: {classification}
status: draft
{extra}---
## Summary
We recommend a roundtable.

## Evidence
- Claim.
  - Source: ONS
  - Strength: strong

## External partners
- **Acme Brewing** — commercial
  - Interests: {interests}
  - Commitment: {commitment}

## Action points
- Convene a roundtable.
  - Owner: DHSC
  - Due: 2026-12-11
  - Lever: regulation
"""


def test_pack_across_paper_checks_quote_nothing_of_a_left_out_brief(tmp_path: Path) -> None:
    folder = tmp_path / "briefs"
    folder.mkdir()
    (folder / "official.md").write_text(
        PACK_BRIEF.format(
            title="Official",
            ref="PU-1",
            classification="OFFICIAL",
            extra="",
            interests="None declared",
            commitment="exploratory",
        )
    )
    (folder / "secret.md").write_text(
        PACK_BRIEF.format(
            title="LEAK-TITLE",
            ref="PU-2",
            classification="TOP SECRET",
            extra="priority: 9\n",
            interests="LEAK-INTERESTS merger",
            commitment="committed",
        )
    )
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli, ["pack", str(folder), "-o", str(out), "--keep-going", "--today", "2026-11-25"]
    )
    assert result.exit_code == 1
    assert "1 left out" in result.output
    assert (
        leaks({"html": (out / "pack.html").read_bytes(), "pdf": _pdf_bytes(out / "pack.pdf")}) == {}
    )
    assert b"OFFICIAL" in (out / "pack.html").read_bytes()
