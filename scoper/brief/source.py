"""Reading briefs from disk: the one place a brief's bytes and its images are read."""

from __future__ import annotations

import base64
import functools
import os
import warnings
from pathlib import Path

from scoper.brief.markdown import ImageMissing, ImageResolver
from scoper.brief.model import IMAGE_TYPES, Brief
from scoper.brief.parser import parse_brief
from scoper.problems import BriefInvalid, problem

MAX_IMAGE_BYTES = 10 * 1024 * 1024


def decode(data: bytes, path: str) -> str:
    """Bytes of a brief to text with LF line endings; a BOM is dropped."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise BriefInvalid(
            [problem(path, 1, "unreadable", "the file is UTF-16 text; save it as UTF-8")]
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise BriefInvalid(
            [
                problem(
                    path,
                    line,
                    "unreadable",
                    f"the file is not UTF-8 text (byte 0x{data[error.start]:02x} at offset "
                    f"{error.start}); save it as UTF-8",
                )
            ]
        ) from None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise BriefInvalid(
            [problem(path, line, "unreadable", "the file contains NUL bytes: not a text file")]
        )
    return text.replace("\r\n", "\n").replace("\r", "\n")


def brief_slug(path: Path) -> str:
    """A file-name stem that is safe in any output folder, from the brief's file name."""
    from slugify import slugify

    return slugify(path.stem, max_length=100) or "brief"


MAX_IMAGE_PIXELS = 25_000_000
"""A small file can unpack to an enormous picture; a bigger one is refused."""


def image_size_ok(path: Path) -> bool:
    """Whether a raster image is within MAX_IMAGE_PIXELS, read from its header only."""
    if path.suffix.lower() == ".svg":
        return True
    try:
        info = path.stat()
    except OSError:
        return False
    return _size_ok(path, info.st_mtime_ns, info.st_size)


@functools.lru_cache(maxsize=1024)
def _size_ok(path: Path, mtime_ns: int, size: int) -> bool:
    """Keyed by the file's modification time and size: one look per version of a picture,
    however often a run shows it."""
    from PIL import Image  # WeasyPrint's own dependency

    try:
        with warnings.catch_warnings():
            # Pillow warns of (or refuses) "decompression bombs" itself; here it is a no.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                width, height = image.size
    except Exception:  # not an image it can read (or a bomb): WeasyPrint would fail too
        return False
    return width * height <= MAX_IMAGE_PIXELS


def brief_image_file(folder: Path, src: str) -> Path | None:
    """The file an image path of a brief in ``folder`` names, if it may be opened at all: a
    regular file inside the folder (links followed), of an image type, within
    MAX_IMAGE_BYTES. None for anything else (missing, outside, a device, a FIFO, too big),
    which is then never opened, by any command."""
    from urllib.parse import unquote

    root = folder.resolve()
    relative = unquote(src.split("#", 1)[0].split("?", 1)[0])
    try:
        candidate = (root / relative).resolve()
        if not candidate.is_relative_to(root) or not candidate.is_file():
            return None
        if candidate.suffix.lower() not in IMAGE_TYPES:
            return None
        if candidate.stat().st_size > MAX_IMAGE_BYTES:
            return None
    except (OSError, ValueError):  # ValueError: a NUL byte in the path ("a%00.png")
        return None
    return candidate


def image_file(folder: Path, src: str) -> Path | None:
    """The file an image path of a brief names, if it may be shown: as
    :func:`brief_image_file`, and a picture of at most MAX_IMAGE_PIXELS. Raises
    :class:`ImageMissing` when there is no such file."""
    from urllib.parse import unquote

    relative = unquote(src.split("#", 1)[0].split("?", 1)[0])
    try:
        if not (folder.resolve() / relative).exists():
            raise ImageMissing(src)
    except (OSError, ValueError):
        return None
    candidate = brief_image_file(folder, src)
    return candidate if candidate is not None and image_size_ok(candidate) else None


def image_check(folder: Path) -> ImageResolver:
    """For the parser: whether each image may be shown, without reading it whole."""

    def check(src: str) -> str | None:
        found = image_file(folder, src)
        return None if found is None else found.as_uri()

    return check


def image_resolver(folder: Path) -> ImageResolver:
    """For rendering: images as data: URIs, read only from inside the brief's folder, so
    that an HTML paper is one self-contained file and a brief cannot pull in any other
    file."""

    def resolve(src: str) -> str | None:
        found = image_file(folder, src)
        if found is None:
            return None
        try:
            info = found.stat()
            return _data_uri(found, info.st_mtime_ns, info.st_size)
        except OSError:
            return None

    return resolve


@functools.lru_cache(maxsize=32)
def _data_uri(path: Path, mtime_ns: int, size: int) -> str:
    """A picture as a data: URI, read once per version however often it is shown (a pack
    renders each paper for the screen and for the PDF)."""
    mime = IMAGE_TYPES[path.suffix.lower()]
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def read_brief(
    path: Path, *, default_classification: str = "OFFICIAL", max_bytes: int = 2_000_000
) -> Brief:
    """Read and parse one brief file. Raises BriefInvalid with every problem found."""
    shown = os.fspath(path)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise BriefInvalid(
                [
                    problem(
                        shown,
                        0,
                        "too-large",
                        f"the file is {size / 1e6:.1f} MB; a brief may be {max_bytes / 1e6:g} MB "
                        "at most (max-brief-mb in scoper.toml)",
                    )
                ]
            )
        data = path.read_bytes()
    except OSError as error:
        raise BriefInvalid(
            [problem(shown, 0, "unreadable", f"cannot read the file: {error.strerror}")]
        ) from None
    text = decode(data, shown)
    return parse_brief(
        text,
        shown,
        default_ref=path.stem[:60],
        slug=brief_slug(path),
        default_classification=default_classification,
        resolve_image=image_check(path.parent),
    )


def find_briefs(paths: list[Path]) -> list[Path]:
    """The brief files named, with folders expanded to the ``*.md`` files in them, sorted."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.glob("*.md") if p.is_file() and p.name != "README.md")
        else:
            found.append(path)
    seen: set[Path] = set()
    unique = []
    for path in found:
        key = path.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(path)
    return unique
