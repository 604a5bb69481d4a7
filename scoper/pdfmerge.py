"""Assembling the pack PDF from its parts: the front (cover, contents), each paper's own
PDF, and the back (tracker, register, annex).

Each paper is laid out once, for its own PDF, and the pack reuses those pages: laying out
forty papers a second time in one document would double the work of every pack and make a
rebuild after a one-line change as slow as the first build. What a single document would
give for free is rebuilt here: one outline (each part's bookmarks under the pack's), named
destinations kept apart per part, and the contents' links joined to the papers' pages.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

import pikepdf
from pikepdf import Array, Dictionary, Name, OutlineItem, Pdf, String

PACK_LINK = "scoper-pack:"
"""The scheme of the links that the front and back use for a paper or part of the pack."""


@dataclass(frozen=True, slots=True)
class Part:
    """One PDF to put in the pack."""

    pdf: bytes
    anchor: str
    """What the pack's links call its first page (e.g. ``paper-alcohol-harm``)."""
    anchors: dict[str, int]
    """Further link targets inside it: anchor to 0-based page."""


@dataclass(frozen=True, slots=True)
class PackInfo:
    title: str
    created: str
    """ISO date."""
    creator: str


def merge(parts: list[Part], info: PackInfo) -> bytes:
    out = Pdf.new()
    sources: list[Pdf] = []  # pages are copied lazily: the sources stay open until saved
    targets: dict[str, int] = {}
    names: list[tuple[str, Array]] = []
    outlines: list[tuple[int, list[OutlineItem]]] = []
    for number, part in enumerate(parts):
        source = Pdf.open(io.BytesIO(part.pdf))
        sources.append(source)
        start = len(out.pages)
        targets[part.anchor] = start
        targets.update({anchor: start + page for anchor, page in part.anchors.items()})
        prefix = f"p{number}-"
        _prefix_link_names(source, prefix)
        with warnings.catch_warnings():
            # Named destinations are carried over below, with their prefix.
            warnings.simplefilter("ignore", pikepdf.PageCopyWarning)
            out.pages.extend(source.pages)
        names += [
            (prefix + name, _moved_destination(out, source, start, destination))
            for name, destination in _named_destinations(source)
        ]
        with source.open_outline() as outline:
            outlines.append((start, [_copy_item(item, source, start) for item in outline.root]))

    _join_pack_links(out, targets)
    if names:
        tree = pikepdf.NameTree.new(out)
        for name, destination in names:
            tree[name] = destination
        out.Root.Names = Dictionary(Dests=tree.obj)
    with out.open_outline() as outline:
        for _, items in outlines:
            outline.root.extend(items)
    out.docinfo[Name.Title] = info.title
    out.docinfo[Name.Creator] = info.creator
    out.docinfo[Name.Producer] = info.creator
    out.docinfo[Name.CreationDate] = "D:" + info.created.replace("-", "")
    out.Root.Lang = String("en-GB")
    buffer = io.BytesIO()
    out.save(buffer, compress_streams=True, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    for source in sources:
        source.close()
    return buffer.getvalue()


def _named_destinations(source: Pdf) -> list[tuple[str, Array]]:
    names = source.Root.get(Name.Names)
    if names is None or Name.Dests not in names:
        return []
    return [(str(name), dest) for name, dest in pikepdf.NameTree(names.Dests).items()]


def _moved_destination(out: Pdf, source: Pdf, start: int, destination: object) -> Array:
    """The destination pointing at the same place among the pack's pages."""
    array = destination.D if isinstance(destination, Dictionary) else destination
    page = source.pages.index(pikepdf.Page(array[0]))
    return Array([out.pages[start + page].obj, *list(array)[1:]])


def _prefix_link_names(source: Pdf, prefix: str) -> None:
    """Each part's named destinations (footnotes, sections) get their own prefix, so that
    two papers' ``#s-summary`` never meet."""
    for page in source.pages:
        for annotation in page.obj.get(Name.Annots, []):
            destination = annotation.get(Name.Dest)
            if isinstance(destination, String):
                annotation.Dest = String(prefix + str(destination))
            action = annotation.get(Name.A)
            if action is not None and action.get(Name.S) == Name.GoTo:
                target = action.get(Name.D)
                if isinstance(target, String):
                    action.D = String(prefix + str(target))


def _join_pack_links(out: Pdf, targets: dict[str, int]) -> None:
    """Links written ``scoper-pack:ANCHOR`` become links to that part's page."""
    for page in out.pages:
        for annotation in page.obj.get(Name.Annots, []):
            action = annotation.get(Name.A)
            if action is None or action.get(Name.S) != Name.URI:
                continue
            uri = str(action.get(Name.URI, ""))
            if not uri.startswith(PACK_LINK):
                continue
            number = targets.get(uri.removeprefix(PACK_LINK))
            del annotation[Name.A]
            if number is not None:
                annotation.Dest = Array([out.pages[number].obj, Name.Fit])


def _copy_item(item: OutlineItem, source: Pdf, start: int) -> OutlineItem:
    destination = item.destination
    if destination is None and item.action is not None:
        destination = item.action.get(Name.D)
    copied = OutlineItem(item.title)
    if isinstance(destination, Array) and len(destination):
        page = start + source.pages.index(pikepdf.Page(destination[0]))
        top = destination[3] if len(destination) > 3 and destination[1] == Name.XYZ else None
        copied = (
            OutlineItem(item.title, page, "XYZ", top=top)
            if top is not None
            else (OutlineItem(item.title, page))
        )
    copied.children.extend(_copy_item(child, source, start) for child in item.children)
    return copied
