"""Reading briefs from bytes: encodings, line endings, images, folders."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from scoper.brief.markdown import ImageMissing
from scoper.brief.source import (
    MAX_PAPER_IMAGE_BYTES,
    decode,
    find_briefs,
    image_resolver,
    picture_budget,
    read_brief,
)
from scoper.problems import BriefInvalid
from tests.conftest import valid_brief


def problems_of(data: bytes) -> list[str]:
    with pytest.raises(BriefInvalid) as caught:
        decode(data, "b.md")
    return [p.format() for p in caught.value.problems]


def test_bom_and_crlf_are_accepted_and_lines_stay_right(tmp_path: Path) -> None:
    text = valid_brief().replace("priority: 2", "priorty: 2")
    path = tmp_path / "b.md"
    path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())
    brief = read_brief(path)
    assert brief.meta.title == "Tackling loneliness in later life"
    assert [w.line for w in brief.warnings if w.rule == "unknown-key"] == [5]
    assert brief.evidence[0].line == 20


def test_old_mac_line_endings_and_mixed_endings() -> None:
    assert decode(b"a\rb\r\nc\nd", "b.md") == "a\nb\nc\nd"


def test_utf16_is_refused_with_advice() -> None:
    assert problems_of("---\n".encode("utf-16")) == [
        "b.md:1: error S100 unreadable: the file is UTF-16 text; save it as UTF-8"
    ]


def test_latin1_is_refused_at_its_line() -> None:
    [message] = problems_of(b"---\ntitle: caf\xe9\n")
    assert message.startswith("b.md:2: error S100 unreadable: the file is not UTF-8 text")


def test_nul_bytes_are_refused() -> None:
    assert problems_of(b"---\n\n\x00")[0].startswith("b.md:3: error S100 unreadable:")


def test_empty_and_whitespace_files(tmp_path: Path) -> None:
    for data in (b"", b"  \n\n"):
        path = tmp_path / "e.md"
        path.write_bytes(data)
        with pytest.raises(BriefInvalid) as caught:
            read_brief(path)
        assert [p.rule for p in caught.value.problems] == ["empty-file"]


def test_a_missing_file_is_a_problem_not_a_traceback(tmp_path: Path) -> None:
    with pytest.raises(BriefInvalid) as caught:
        read_brief(tmp_path / "gone.md")
    assert caught.value.problems[0].rule == "unreadable"


def test_ref_defaults_to_the_file_name(tmp_path: Path) -> None:
    path = tmp_path / "My Brief.md"
    path.write_text(valid_brief().replace("ref: PU-2026-900\n", ""), encoding="utf-8")
    brief = read_brief(path)
    assert brief.meta.ref == "My Brief"
    assert brief.slug == "my-brief"


def test_default_classification_comes_from_the_caller(tmp_path: Path) -> None:
    path = tmp_path / "b.md"
    path.write_text(valid_brief().replace("classification: OFFICIAL\n", ""), encoding="utf-8")
    assert read_brief(path, default_classification="SECRET").meta.classification == "SECRET"


def test_image_resolver_reads_only_images_inside_the_folder(tmp_path: Path) -> None:
    folder = tmp_path / "briefs"
    (folder / "img").mkdir(parents=True)
    from PIL import Image

    Image.new("RGB", (2, 2)).save(folder / "img" / "a.png")
    (folder / "img" / "notes.txt").write_text("secret")
    (tmp_path / "out.png").write_bytes(b"\x89PNG")
    os.symlink(tmp_path / "out.png", folder / "img" / "link.png")
    resolve = image_resolver(folder)
    with picture_budget(MAX_PAPER_IMAGE_BYTES):  # as a render sets it
        assert resolve("img/a.png").startswith("data:image/png;base64,iVBORw")
        assert resolve("img/a%2Epng") == resolve("img/a.png")
        for refused in ("img/notes.txt", "../out.png", "img/link.png", "img"):
            assert resolve(refused) is None, refused
        for missing in ("img/missing.png", "img/a%00.png"):
            with pytest.raises(ImageMissing):
                resolve(missing)
    # Outside a render that set a budget, no picture is embedded (it fails closed).
    assert resolve("img/a.png") is None


def test_find_briefs_expands_folders_sorted_and_once(tmp_path: Path) -> None:
    for name in ("b.md", "a.md", "README.md", "notes.txt"):
        (tmp_path / name).write_text("x")
    found = find_briefs([tmp_path, tmp_path / "a.md"])
    assert [p.name for p in found] == ["a.md", "b.md"]


def test_images_of_too_many_pixels_are_refused(tmp_path: Path) -> None:
    from PIL import Image

    Image.new("1", (6000, 6000)).save(tmp_path / "huge.png")  # small file, 36 megapixels
    Image.new("RGB", (40, 20)).save(tmp_path / "small.png")
    resolve = image_resolver(tmp_path)
    with picture_budget(MAX_PAPER_IMAGE_BYTES):
        assert resolve("huge.png") is None
        assert resolve("small.png").startswith("data:image/png;base64,")
