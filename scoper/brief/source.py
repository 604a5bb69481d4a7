"""Reading briefs from disk: the one place a brief's bytes and its images are read."""

from __future__ import annotations

import base64
import contextlib
import contextvars
import errno
import hashlib
import io
import os
import re
import stat
import warnings
from collections.abc import Iterator
from pathlib import Path

from scoper.bounded import read_at_most
from scoper.brief.frontmatter import UNPRINTABLE, unprintable_character
from scoper.brief.markdown import ImageMissing, ImageResolver
from scoper.brief.model import IMAGE_TYPES, Brief
from scoper.brief.parser import parse_brief
from scoper.problems import BriefInvalid, Problem, problem

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
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    bad = UNPRINTABLE.search(text)
    if bad is not None:
        # Escape sequences in a brief would reach every terminal that prints a problem,
        # and control characters make the PDF's metadata invalid XML.
        line = text.count("\n", 0, bad.start()) + 1
        found = unprintable_character(bad[0])
        raise BriefInvalid(
            [problem(path, line, "unreadable", f"the line holds {found}; remove it")]
        )
    return text


_PLAIN_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def brief_slug(path: Path) -> str:
    """A file-name stem that is safe in any output folder, from the brief's file name."""
    from scoper.output import portable_stem

    stem = path.stem
    if len(stem) <= 100 and _PLAIN_SLUG.fullmatch(stem):
        return portable_stem(stem)  # slugify gives such a name back as it is
    from slugify import slugify

    return portable_stem(slugify(stem, max_length=100) or "brief")


MAX_PAPER_IMAGE_BYTES = 40_000_000
"""The most a paper may embed in pictures, each use of a picture counted."""

_BUDGET: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar(
    "scoper_picture_budget", default=None
)


@contextlib.contextmanager
def picture_budget(limit: int) -> Iterator[None]:
    """While a paper (or the pack's page) is made, the bytes of pictures it may still
    embed: a picture past it is left out (its alt text shown), whatever the brief's check
    allowed, since the file may have been swapped for a larger one since it was read."""
    token = _BUDGET.set([limit])
    try:
        yield
    finally:
        _BUDGET.reset(token)


def spend_picture_bytes(size: int) -> bool:
    """Whether a picture of ``size`` bytes may still be embedded (and count it). Outside a
    render that set a budget, none may: a writer that forgets to set one shows alt text,
    which its tests see, rather than pictures without a bound."""
    budget = _BUDGET.get()
    if budget is None:
        return False
    if size > budget[0]:
        return False
    budget[0] -= size
    return True


MAX_IMAGE_PIXELS = 25_000_000
"""A small file can unpack to an enormous picture; a bigger one is refused."""


def image_problem(path: Path, inside: Path | None = None) -> str | None:
    """Why an image file of an allowed type cannot go into a paper (too big to draw, or
    not readable as its type), or None. Read from the header (or, for SVG, measured)
    without drawing anything. ``inside``: see :func:`read_image`."""
    try:
        data = read_image(path, inside)
    except (OSError, ValueError) as error:
        return f"it cannot be read ({getattr(error, 'strerror', None) or error})"
    return bytes_problem(data, path.suffix.lower())


_READ: dict[tuple[str, int, int, int], bytes] = {}
"""Pictures' bytes by their file's path, inode, time and size: a picture shown in several
places, or by several papers, is read once a version. Only ever used as bytes that are
then measured (``bytes_problem``) and shown as they are, so a file replaced under the same
name, time and size gives its old bytes, measured, never new ones unmeasured."""

_READ_LIMIT = 64 * 1024 * 1024
"""At most this many bytes of pictures are kept."""


def read_image(path: Path, inside: Path | None = None) -> bytes:
    """A picture file's bytes (a regular file, at most MAX_IMAGE_BYTES). Raises OSError,
    or ValueError when it is larger. With ``inside`` (the brief's resolved folder), the
    file is read only if, as opened, it is inside it (see :func:`read_at_most`)."""
    info = os.stat(path) if inside is None else os.lstat(path)
    if not stat.S_ISREG(info.st_mode):
        raise OSError(errno.EINVAL, "not a regular file")
    key = (os.fspath(path), info.st_ino, info.st_mtime_ns, info.st_size)
    if key not in _READ:
        data = read_at_most(path, MAX_IMAGE_BYTES, inside)
        if sum(map(len, _READ.values())) + len(data) > _READ_LIMIT:
            _READ.clear()
        _READ[key] = data
    return _READ[key]


_MEASURED: dict[tuple[str, bytes], str | None] = {}
"""What measuring each picture found, by its type and the digest of its bytes: one look
per picture however often a run shows it (a file's name, time and size say nothing of
what is in it now)."""


def bytes_problem(data: bytes, suffix: str) -> str | None:
    """Why a picture's bytes (of type ``suffix``) cannot go into a paper, or None."""
    key = (suffix, hashlib.sha256(data).digest())
    if key not in _MEASURED:
        if len(_MEASURED) >= 1024:
            _MEASURED.clear()
        _MEASURED[key] = _measure(data, suffix)
    return _MEASURED[key]


def _measure(data: bytes, suffix: str) -> str | None:
    if suffix == ".svg":
        from scoper.brief.svg import SvgRefused, check_svg

        try:
            check_svg(data)
        except SvgRefused as refused:
            return f"the SVG is refused: {refused}"
        return None
    from PIL import Image  # WeasyPrint's own dependency

    try:
        with warnings.catch_warnings():
            # Pillow warns of (or refuses) "decompression bombs" itself; here it is a no.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        return f"it is more than {MAX_IMAGE_PIXELS / 1e6:g} megapixels"
    except Exception:  # not an image Pillow can read: the renderer could not draw it either
        return f"it cannot be read as a {suffix.lstrip('.').upper()} image"
    if width * height > MAX_IMAGE_PIXELS:
        return (
            f"it is {width} by {height} pixels; an image may have "
            f"{MAX_IMAGE_PIXELS / 1e6:g} megapixels at most"
        )
    return None


def image_size_ok(path: Path) -> bool:
    """Whether an image is within the limits (see image_problem)."""
    return image_problem(path) is None


LARGEST_BRIEF_BYTES = 100 * 1000 * 1000
"""The largest brief any project may allow (``max-brief-mb`` is at most 100)."""


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


def image_bytes(folder: Path, src: str) -> tuple[Path, bytes] | None:
    """The file an image path of a brief names and its bytes, if it may be shown: as
    :func:`brief_image_file`, and a picture the renderer can draw in reasonable time (see
    :func:`image_problem`). Read once: the bytes measured are the bytes shown (a file
    swapped for another between a measure and a read by name would go in unmeasured).
    Raises :class:`ImageMissing` when there is no such file."""
    from urllib.parse import unquote

    relative = unquote(src.split("#", 1)[0].split("?", 1)[0])
    if not (folder.resolve() / relative).exists():
        raise ImageMissing(src)
    candidate = brief_image_file(folder, src)
    if candidate is None:
        return None
    try:
        data = read_image(candidate, folder.resolve())
    except (OSError, ValueError):
        return None
    if bytes_problem(data, candidate.suffix.lower()) is not None:
        return None
    if not spend_picture_bytes(len(data)):
        return None
    return candidate, data


class FolderImages:
    """For the parser: whether each image of a brief may be shown, without reading it
    whole. Called with an image's path; gives the file's URL, or None for an image that is
    not used. ``refused`` keeps why each image that is inside the folder, and of an image
    type, was still refused (too big, too complex, unreadable): those are errors of the
    brief, where an image from elsewhere is only left out."""

    def __init__(self, folder: Path) -> None:
        self.root = folder.resolve()
        self.refused: dict[str, str] = {}
        self.shown = 0
        """The bytes of pictures the paper embeds so far, each use counted."""

    def __call__(self, src: str) -> str | None:
        from urllib.parse import unquote

        relative = unquote(src.split("#", 1)[0].split("?", 1)[0])
        try:
            if not (self.root / relative).exists():
                raise ImageMissing(src)
            candidate = (self.root / relative).resolve()
            if not candidate.is_relative_to(self.root) or not candidate.is_file():
                return None
            if candidate.suffix.lower() not in IMAGE_TYPES:
                return None
            size = candidate.stat().st_size
        except (OSError, ValueError):  # ValueError: a NUL byte in the path ("a%00.png")
            return None
        if size > MAX_IMAGE_BYTES:
            self.refused[src] = (
                f"it is {size / 1e6:.1f} MB; an image may be "
                f"{MAX_IMAGE_BYTES / 1024 / 1024:g} MB at most"
            )
            return None
        reason = image_problem(candidate, self.root)
        if reason is not None:
            self.refused[src] = reason
            return None
        # Each use of a picture embeds it again: a paper of one picture shown a thousand
        # times would be gigabytes.
        self.shown += size
        if self.shown > MAX_PAPER_IMAGE_BYTES:
            self.refused[src] = (
                f"the paper's pictures come to more than {MAX_PAPER_IMAGE_BYTES // 1_000_000} "
                "MB, each use counted; show fewer or smaller pictures"
            )
            return None
        return candidate.as_uri()


def image_resolver(folder: Path) -> ImageResolver:
    """For rendering: images as data: URIs, read only from inside the brief's folder, so
    that an HTML paper is one self-contained file and a brief cannot pull in any other
    file."""

    def resolve(src: str) -> str | None:
        found = image_bytes(folder, src)
        if found is None:
            return None
        path, data = found
        mime = IMAGE_TYPES[path.suffix.lower()]
        return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"

    return resolve


def _with_refused_images(
    problems: list[Problem], refused: dict[str, str], text: str, path: str
) -> list[Problem]:
    """The problems of a brief with an error for each image refused for its content, in
    place of the general warning that it was left out."""
    lines = text.split("\n")
    found = []
    for src, reason in refused.items():
        line = next((n for n, row in enumerate(lines, 1) if src in row), 0)
        found.append((line, src, reason))
    kept = [
        p
        for p in problems
        if not (
            p.rule == "unsafe-link"
            and any(p.line == n and f"'{s}'" in p.message for n, s, _ in found)
        )
    ]
    return kept + [
        problem(path, line, "too-large", f"image '{src}' cannot go into the paper: {reason}")
        for line, src, reason in found
    ]


def read_brief(
    path: Path, *, default_classification: str = "OFFICIAL", max_bytes: int = 2_000_000
) -> Brief:
    """Read and parse one brief file. Raises BriefInvalid with every problem found."""
    shown = os.fspath(path)
    try:
        data = read_at_most(path, max_bytes)
    except ValueError:
        size = path.stat().st_size if path.is_file() else max_bytes + 1
        raise BriefInvalid(
            [
                problem(
                    shown,
                    0,
                    "too-large",
                    f"the file is {max(size, max_bytes + 1) / 1e6:.1f} MB; a brief may be "
                    f"{max_bytes / 1e6:g} MB at most (max-brief-mb in scoper.toml)",
                )
            ]
        ) from None
    except OSError as error:
        reason = error.strerror or str(error)
        raise BriefInvalid(
            [problem(shown, 0, "unreadable", f"cannot read the file: {reason}")]
        ) from None
    text = decode(data, shown)
    images = FolderImages(path.parent)
    try:
        brief = parse_brief(
            text,
            shown,
            default_ref=path.stem[:60],
            slug=brief_slug(path),
            default_classification=default_classification,
            resolve_image=images,
        )
    except BriefInvalid as invalid:
        if images.refused:
            raise BriefInvalid(
                _with_refused_images(invalid.problems, images.refused, text, shown)
            ) from None
        raise
    if images.refused:
        raise BriefInvalid(_with_refused_images(brief.warnings, images.refused, text, shown))
    # The bytes as read, once: the Word paper's digest and the PDF/A record's attachment
    # are made from them, never from the file read again (it may have changed, or been
    # swapped for a FIFO, since).
    brief.source = data
    return brief


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
