"""``scoper review``: the comments and tracked changes reviewers made to a Word paper,
brought back to the lines of the brief they belong to.

A Word paper that scoper wrote names its brief and the brief's SHA-256 in custom document
properties, and every paragraph starts with a hidden bookmark ``_scoper_LINE_N``; both
survive a save in Word and in LibreOffice. A comment or change is placed at the line of the
last such bookmark before it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import stat
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

import msgspec
from lxml import etree  # python-docx's own XML library
from msgspec import Struct

from scoper.docx.paper import DIGEST_PROPERTY, SOURCE_PROPERTY
from scoper.errors import ScoperError

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
BOOKMARK_PREFIX = "_scoper_"
MAX_PART_BYTES = 10 * 1024 * 1024
"""A larger document or comments part is refused (a zip bomb, not a paper): a real paper's
document part is well under 1 MB, and parsing 10 MB of XML takes a few hundred MB at most."""
MAX_PROPERTIES_BYTES = 1024 * 1024
"""The custom properties part holds two short values."""
"""The largest brief any scoper.toml lets scoper build (``max-brief-mb`` is at most 100)."""
_UNREADABLE = (
    OSError,
    EOFError,
    RuntimeError,  # encrypted
    NotImplementedError,  # a compression method zipfile does not know
    zlib.error,
    zipfile.BadZipFile,
)
"""What reading a damaged or hostile zip entry can raise: each means "not a Word file"."""
MAX_MEMORY_MB = 512
"""Megabytes the parts' XML trees may take: a real paper's take a few. Without a cap, the
two 10 MB parts a file may have could take a gigabyte (millions of tiny elements)."""


class ReviewError(ScoperError):
    """The file cannot be read as a Word paper."""


class Remark(Struct, frozen=True):
    """One reviewer's comment, insertion or deletion."""

    line: int | None
    """The brief line it belongs to; None when the paper carries no source lines."""
    order: int
    """Its place in the Word document, to keep remarks of one line in reading order."""
    author: str
    date: dt.date | None
    kind: str
    """``comment``, ``deleted`` or ``inserted``."""
    text: str


class Review(Struct, frozen=True):
    """What came back from the reviewers."""

    brief: str | None
    """The brief the paper was made from, as scoper recorded it."""
    approximate: bool
    """The lines may be off: the brief changed since, or scoper did not write the file."""
    note: str | None
    """Why the lines are approximate, for the user."""
    remarks: list[Remark]

    def lines(self, shown_path: str) -> list[str]:
        """``path:line: Reviewer (date): comment | deleted "…" | inserted "…"``."""
        out = []
        for remark in self.remarks:
            where = f"{shown_path}:{remark.line}" if remark.line is not None else shown_path
            when = f" ({remark.date.isoformat()})" if remark.date else ""
            what = remark.text if remark.kind == "comment" else f'{remark.kind} "{remark.text}"'
            mark = " (approximate)" if self.approximate else ""
            out.append(f"{where}:{mark} {remark.author}{when}: {what}")
        return out

    def as_json(self) -> dict[str, object]:
        return {
            "schema": "scoper-review/1",
            "brief": self.brief,
            "approximate": self.approximate,
            "note": self.note,
            "remarks": [
                {**msgspec.structs.asdict(r), "date": r.date.isoformat() if r.date else None}
                for r in self.remarks
            ],
        }


def read_review(path: Path) -> Review:
    """Every comment and tracked change of a reviewed Word paper, in brief order."""
    try:
        # Opened without waiting for a writer, and only a regular file: a FIFO named
        # x.docx would otherwise hang the command.
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as error:
        raise ReviewError(f"{path}: cannot be read ({error.strerror})") from None
    with os.fdopen(descriptor, "rb") as stream:
        if not stat.S_ISREG(os.fstat(stream.fileno()).st_mode):
            raise ReviewError(f"{path}: not a Word (.docx) file (not a regular file)")
        return _read_review(path, stream)


def _read_review(path: Path, stream: BinaryIO) -> Review:
    try:
        with _memory_cap(MAX_MEMORY_MB), zipfile.ZipFile(stream) as package:
            document = _part(package, "word/document.xml")
            comments = _part(package, "word/comments.xml")
            custom = _part(package, "docProps/custom.xml", MAX_PROPERTIES_BYTES)
    except _UNREADABLE as error:
        raise ReviewError(f"{path}: not a Word (.docx) file ({error})") from None
    except MemoryError:
        raise ReviewError(
            f"{path}: too large to be a paper (reading it takes more than {MAX_MEMORY_MB} MB)"
        ) from None
    if document is None:
        raise ReviewError(f"{path}: not a Word (.docx) file (it has no document part)")
    properties = _properties(custom)
    brief = properties.get(SOURCE_PROPERTY)
    note = None
    if brief is None:
        note = (
            "scoper did not write this file (it names no brief): lines are paragraph numbers "
            "of the Word file"
        )
    else:
        note = _changed(Path(brief), properties.get(DIGEST_PROPERTY, ""))
    texts = _comment_texts(comments)
    remarks = _remarks(document, texts, by_paragraph=brief is None)
    remarks.sort(key=lambda r: (r.line if r.line is not None else 0, r.order))
    return Review(brief, note is not None, note, remarks)


@contextmanager
def _memory_cap(megabytes: int) -> Iterator[None]:
    """Let this process's address space grow by at most ``megabytes`` while the block runs
    (allocations past it fail with a MemoryError, or an XML error from lxml), then lift the
    cap again: only the soft limit is lowered, so it can be raised back."""
    try:
        import resource

        with open("/proc/self/statm") as statm:
            now = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    except (ImportError, OSError, ValueError):  # no /proc (not Linux): no cap
        yield
        return
    cap = now + megabytes * 1024 * 1024
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    if soft != resource.RLIM_INFINITY:
        cap = min(cap, soft)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def _part(
    package: zipfile.ZipFile, name: str, limit: int = MAX_PART_BYTES
) -> etree._Element | None:
    try:
        info = package.getinfo(name)
    except KeyError:
        return None
    too_large = ReviewError(f"{name} in the file is too large to be a paper")
    if info.file_size > limit:
        raise too_large
    # The size the zip claims may be a lie: read(n) inflates only about n bytes, where
    # ZipFile.read would inflate the whole stream before checking it.
    with package.open(info) as part:
        data = part.read(limit + 1)
    if len(data) > limit:
        raise too_large
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        return etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        if getattr(error, "code", None) == etree.ErrorTypes.ERR_NO_MEMORY:  # past the cap
            raise MemoryError from None
        raise ReviewError(f"{name} in the file is not valid XML ({error})") from None


def _properties(custom: etree._Element | None) -> dict[str, str]:
    if custom is None:
        return {}
    found = {}
    for prop in custom:
        name = prop.get("name")
        if name and len(prop):
            found[name] = "".join(str(text) for text in prop[0].itertext())
    return found


def _changed(brief: Path, digest: str) -> str | None:
    """Why the lines may be off, if they may. The path comes from the Word file, which is
    untrusted: only a regular file within the size limit is read (not /dev/zero, a FIFO)."""
    from scoper.bounded import read_at_most
    from scoper.brief.source import LARGEST_BRIEF_BYTES

    if not _local_brief(brief):
        return (
            f"the brief {brief} is not a brief on this machine (a .md file with no host in "
            "its path), so it is not opened: lines are as they were when the paper was made"
        )
    try:
        now = hashlib.sha256(read_at_most(brief, LARGEST_BRIEF_BYTES)).hexdigest()
    except (OSError, ValueError):
        return (
            f"the brief {brief} cannot be read now: lines are as they were when the paper was made"
        )
    if now != digest:
        return (
            f"the brief {brief} has changed since this Word paper was made: lines are where "
            "the text was then"
        )
    return None


def _comment_texts(comments: etree._Element | None) -> dict[str, tuple[str, str, str]]:
    """Each comment by id: (author, date, text).

    One walk through the part: a text belongs to the innermost comment and paragraph it is
    in, so comments or paragraphs nested in a hostile file cost no more than flat ones (a
    walk of each one's subtree would read a text once for every level above it)."""
    if comments is None:
        return {}
    found = {}
    open_comments: list[tuple[etree._Element, list[list[str]]]] = []
    depth = 0  # of paragraphs
    for event, element in etree.iterwalk(
        comments, events=("start", "end"), tag=(f"{W}comment", f"{W}p", f"{W}t")
    ):
        tag = element.tag
        if tag == f"{W}comment":
            if event == "start":
                open_comments.append((element, []))
                continue
            comment, paragraphs = open_comments.pop()
            texts = ("".join(pieces).strip() for pieces in paragraphs)
            found[comment.get(f"{W}id", "")] = (
                comment.get(f"{W}author", "Unknown reviewer"),
                comment.get(f"{W}date", ""),
                " / ".join(text for text in texts if text),
            )
        elif tag == f"{W}p":
            depth += 1 if event == "start" else -1
            if event == "start" and open_comments:
                open_comments[-1][1].append([])
        elif event == "start" and depth and open_comments and open_comments[-1][1]:
            open_comments[-1][1][-1].append(element.text or "")
    return found


class _Change(Struct):
    """A tracked change being read: its text comes in pieces."""

    line: int | None
    order: int
    author: str
    date: dt.date | None
    kind: str
    pieces: list[str]
    element: etree._Element


def _remarks(
    document: etree._Element, comments: dict[str, tuple[str, str, str]], by_paragraph: bool
) -> list[Remark]:
    """Each paragraph in reading order takes the line of its source bookmark (wherever in
    the paragraph Word put it), or keeps the last one: a paragraph a reviewer added belongs
    with the one before it.

    Two walks through the part, each element visited once: nesting (paragraphs in a text
    box, or a hostile file's paragraphs or changes 250 deep) costs no more than a flat
    document."""
    lines = {} if by_paragraph else _source_lines(document)
    remarks: list[Remark | _Change] = []
    line: int | None = None
    paragraphs: list[int | None] = []  # the line of each open paragraph, innermost last
    changes: list[_Change] = []  # the open tracked changes, innermost last
    seen: set[str] = set()
    number = order = 0
    previous: etree._Element | None = None
    for event, element in etree.iterwalk(document, events=("start", "end")):
        tag = element.tag
        if tag == f"{W}p":
            if event == "start":
                number += 1
                line = number if by_paragraph else lines.get(number) or line
                paragraphs.append(line)
                previous = None
                order += 1
            else:
                paragraphs.pop()
                line = paragraphs[-1] if paragraphs else line
            continue
        if not paragraphs:
            continue
        kind = _CHANGES.get(tag)
        if event == "end":
            if kind is not None and changes and changes[-1].element is element:
                changes.pop()
                previous = element
            continue
        order += 1
        if tag in (f"{W}commentRangeStart", f"{W}commentReference"):
            ident = element.get(f"{W}id", "")
            if ident in comments and ident not in seen:
                seen.add(ident)
                author, date, text = comments[ident]
                remarks.append(Remark(line, order, author, _date(date), "comment", text))
        elif tag in (f"{W}t", f"{W}delText"):
            if changes:
                changes[-1].pieces.append(element.text or "")
        elif kind is not None:
            author = element.get(f"{W}author", "Unknown reviewer")
            last = remarks[-1] if remarks else None
            if (
                isinstance(last, _Change)
                and previous is not None
                and last.element is previous
                and element.getprevious() is previous
                and (last.kind, last.author) == (kind, author)
            ):
                # Word writes one typed change as a run per formatting: join them again.
                last.element = element
                changes.append(last)
            else:
                when = _date(element.get(f"{W}date", ""))
                change = _Change(line, order, author, when, kind, [], element)
                remarks.append(change)
                changes.append(change)
    return [
        remark
        if isinstance(remark, Remark)
        else Remark(
            remark.line,
            remark.order,
            remark.author,
            remark.date,
            remark.kind,
            "".join(remark.pieces),
        )
        for remark in remarks
        if isinstance(remark, Remark) or any(remark.pieces)
    ]


_CHANGES = {
    f"{W}ins": "inserted",
    f"{W}moveTo": "inserted",
    f"{W}del": "deleted",
    f"{W}moveFrom": "deleted",
}


def _source_lines(document: etree._Element) -> dict[int, int]:
    """The line of each paragraph (by its number in reading order) that has a source
    bookmark: the first in it, wherever Word put it."""
    found: dict[int, int] = {}
    number = 0
    paragraphs: list[int] = []
    for event, element in etree.iterwalk(
        document, events=("start", "end"), tag=(f"{W}p", f"{W}bookmarkStart")
    ):
        if element.tag == f"{W}p":
            if event == "start":
                number += 1
                paragraphs.append(number)
            else:
                paragraphs.pop()
            continue
        name = element.get(f"{W}name", "") if event == "start" else ""
        if paragraphs and paragraphs[-1] not in found and name.startswith(BOOKMARK_PREFIX):
            digits = name[len(BOOKMARK_PREFIX) :].split("_", 1)[0]
            # isdigit() is true of '²' and of 5,000 digits, int() of neither: ASCII digits,
            # few enough for a line number, or the bookmark is not one of scoper's.
            if digits.isascii() and digits.isdigit() and len(digits) <= 9:
                found[paragraphs[-1]] = int(digits)
    return found


def _date(text: str) -> dt.date | None:
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        return None


def _local_brief(brief: Path) -> bool:
    """Whether a brief path named by a Word file may be opened: a Markdown file, on this
    machine. A path with a host (``\\\\host\\share``, ``//host/share``) would be opened
    over the network, and on Windows would send the user's credentials to that host."""
    text = str(brief)
    if brief.suffix.lower() != ".md" or "\0" in text:
        return False
    if text[:2].replace("\\", "/") == "//":
        return False
    drive = os.path.splitdrive(text)[0]
    return not drive.replace("\\", "/").startswith("//")
