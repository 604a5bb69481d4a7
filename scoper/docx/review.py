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
import zipfile
from dataclasses import asdict, dataclass
from pathlib import Path

from lxml import etree  # python-docx's own XML library

from scoper.docx.paper import DIGEST_PROPERTY, SOURCE_PROPERTY
from scoper.errors import ScoperError

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
BOOKMARK_PREFIX = "_scoper_"
MAX_PART_BYTES = 50 * 1024 * 1024
"""A larger document or comments part is refused unread (a zip bomb, not a paper)."""


class ReviewError(ScoperError):
    """The file cannot be read as a Word paper."""


@dataclass(frozen=True, slots=True)
class Remark:
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


@dataclass(frozen=True, slots=True)
class Review:
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
                {**asdict(r), "date": r.date.isoformat() if r.date else None} for r in self.remarks
            ],
        }


def read_review(path: Path) -> Review:
    """Every comment and tracked change of a reviewed Word paper, in brief order."""
    try:
        with zipfile.ZipFile(path) as package:
            document = _part(package, "word/document.xml")
            comments = _part(package, "word/comments.xml", required=False)
            custom = _part(package, "docProps/custom.xml", required=False)
    except (OSError, zipfile.BadZipFile) as error:
        raise ReviewError(f"{path}: not a Word (.docx) file ({error})") from None
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


def _part(package: zipfile.ZipFile, name: str, required: bool = True) -> etree._Element | None:
    try:
        info = package.getinfo(name)
    except KeyError:
        return None
    if info.file_size > MAX_PART_BYTES:
        raise ReviewError(f"{name} in the file is too large to be a paper")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        return etree.fromstring(package.read(name), parser)
    except etree.XMLSyntaxError as error:
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
    try:
        now = hashlib.sha256(brief.read_bytes()).hexdigest()
    except OSError:
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
    """Each comment by id: (author, date, text)."""
    if comments is None:
        return {}
    found = {}
    for comment in comments.iter(f"{W}comment"):
        paragraphs = ["".join(t.text or "" for t in p.iter(f"{W}t")) for p in comment.iter(f"{W}p")]
        found[comment.get(f"{W}id", "")] = (
            comment.get(f"{W}author", "Unknown reviewer"),
            comment.get(f"{W}date", ""),
            " / ".join(p.strip() for p in paragraphs if p.strip()),
        )
    return found


def _remarks(
    document: etree._Element, comments: dict[str, tuple[str, str, str]], by_paragraph: bool
) -> list[Remark]:
    """Each paragraph in reading order takes the line of its source bookmark (wherever in
    the paragraph Word put it), or keeps the last one: a paragraph a reviewer added belongs
    with the one before it."""
    remarks: list[Remark] = []
    line: int | None = None
    seen: set[str] = set()
    order = 0
    for number, paragraph in enumerate(document.iter(f"{W}p"), start=1):
        line = number if by_paragraph else _source_line(paragraph) or line
        previous: etree._Element | None = None
        for element in paragraph.iter():
            order += 1
            tag = element.tag
            if tag in (f"{W}commentRangeStart", f"{W}commentReference"):
                ident = element.get(f"{W}id", "")
                if ident in comments and ident not in seen:
                    seen.add(ident)
                    author, date, text = comments[ident]
                    remarks.append(Remark(line, order, author, _date(date), "comment", text))
                continue
            kind = _CHANGES.get(tag)
            if kind is None:
                continue
            text = "".join(t.text or "" for t in element.iter(f"{W}t", f"{W}delText"))
            author = element.get(f"{W}author", "Unknown reviewer")
            last = remarks[-1] if remarks else None
            if (
                last is not None
                and previous is not None
                and element.getprevious() is previous
                and (last.kind, last.author) == (kind, author)
            ):
                # Word writes one typed change as a run per formatting: join them again.
                remarks[-1] = Remark(
                    last.line, last.order, author, last.date, kind, last.text + text
                )
            elif text:
                when = _date(element.get(f"{W}date", ""))
                remarks.append(Remark(line, order, author, when, kind, text))
            previous = element
    return remarks


_CHANGES = {
    f"{W}ins": "inserted",
    f"{W}moveTo": "inserted",
    f"{W}del": "deleted",
    f"{W}moveFrom": "deleted",
}


def _source_line(paragraph: etree._Element) -> int | None:
    for mark in paragraph.iter(f"{W}bookmarkStart"):
        name = mark.get(f"{W}name", "")
        if name.startswith(BOOKMARK_PREFIX):
            number = name[len(BOOKMARK_PREFIX) :].split("_", 1)[0]
            if number.isdigit():
                return int(number)
    return None


def _date(text: str) -> dt.date | None:
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        return None
