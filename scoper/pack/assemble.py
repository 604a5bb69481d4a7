"""Assembling the pack PDF from its parts: the front (cover, grid, changes), the contents,
each paper's own PDF, and the back (tracker, register, annex).

Each paper is laid out once, for its own PDF, and the pack reuses those pages: laying out
forty papers a second time in one document would double the work of every pack and make a
rebuild after a one-line change as slow as the first build. What a single document would
give for free is rebuilt here: one outline (each part's bookmarks under the pack's), named
destinations kept apart per part, and the contents' links joined to the papers' pages.
"""

from __future__ import annotations

import io
import warnings
from decimal import Decimal

import pikepdf
from msgspec import Struct
from pikepdf import Array, Dictionary, Name, Object, OutlineItem, Pdf, String

PACK_LINK = "scoper-pack:"
"""The scheme of the links that the front and back use for a paper or part of the pack."""


class Part(Struct, frozen=True):
    """One PDF to put in the pack."""

    pdf: bytes
    anchor: str
    """What the pack's links call its first page (e.g. ``paper-alcohol-harm``)."""
    anchors: dict[str, int]
    """Further link targets inside it: anchor to 0-based page."""
    file: str = ""
    """The name of its own PDF beside the pack (a paper's ``SLUG.pdf``): another paper's
    link to that file becomes a link to its first page."""


def page_count(pdf: bytes) -> int:
    """How many pages a PDF has, from the PDF itself (a cached paper's count is not taken
    on trust from the manifest)."""
    with Pdf.open(io.BytesIO(pdf)) as opened:
        return len(opened.pages)


def merge(parts: list[Part], title: str, stamp: bytes | None = None) -> bytes:
    """One PDF of the parts, in order, under ``title``; ``stamp``, if given, numbers its
    pages (see scoper.pack.numbering)."""
    with PackPdf() as pack:
        for part in parts[1:]:
            pack.add(part)
        return pack.finish(parts[:1], title, stamp)


class PackPdf:
    """The pack PDF, assembled in two steps: the papers and closing parts first, while the
    renderers are still laying out the front (whose page numbers needed every paper's
    length), then the front put before them, the pages numbered, and the whole saved.

    Each part's PDF is closed as soon as what the pack needs of it is copied (pikepdf copies
    objects, stream data included, when they are copied): a pack of 200 papers held every
    part open until it was saved, a third of the memory it took."""

    def __init__(self) -> None:
        self.out = Pdf.new()
        self.starts: list[int] = []
        """Each added part's first page, counted without the front."""
        self.parts: list[Part] = []
        self.names: list[tuple[str, Array]] = []
        self.outline: list[OutlineItem] = []
        self.attachments: list[Object] = []
        self.structure = _StructureTree(self.out)

    def add(self, part: Part) -> None:
        """The next part after the front (a paper or a closing part)."""
        self.parts.append(Part(b"", part.anchor, part.anchors, part.file))  # where, not what
        start = len(self.out.pages)
        self.starts.append(start)
        # The front is part 0: its prefix is kept for it.
        prefix = f"p{len(self.parts)}-"
        with Pdf.open(io.BytesIO(part.pdf)) as source:
            names, outline, attachments = self._copy(source, prefix, start)
        self.names += names
        self.outline += outline
        self.attachments += attachments

    def _copy(
        self, source: Pdf, prefix: str, start: int, before: bool = False
    ) -> tuple[list[tuple[str, Array]], list[OutlineItem], list[Object]]:
        """Copy ``source``'s pages to ``start`` (inserted there when ``before``, else added
        at the end), with its structure tree; its named destinations (with ``prefix``),
        outline and attached files, for the pack's own."""
        out = self.out
        _prefix_link_names(source, prefix)
        with warnings.catch_warnings():
            # Named destinations are carried over below, with their prefix.
            warnings.simplefilter("ignore", pikepdf.PageCopyWarning)
            if before:
                for index, page in enumerate(source.pages):
                    out.pages.insert(start + index, page)
            else:
                out.pages.extend(source.pages)
        names = [
            (prefix + name, _moved_destination(out, source, start, destination))
            for name, destination in _named_destinations(source)
        ]
        self.structure.add(source, start, first=before)
        with source.open_outline() as own:
            outline = [_copy_item(item, source, out, start) for item in own.root]
        attachments = [_copy(out, spec) for spec in source.Root.get(Name.AF, [])]
        return names, outline, attachments

    def finish(self, front: list[Part], title: str, stamp: bytes | None = None) -> bytes:
        """The pack's bytes, with the parts of ``front`` as its first pages, in order; the
        first gives the pack its document information."""
        out = self.out
        names: list[tuple[str, Array]] = []
        outline: list[OutlineItem] = []
        attachments: list[Object] = []
        lengths: list[int] = []
        # Each is put before everything so far: the last first.
        for index in reversed(range(len(front))):
            with Pdf.open(io.BytesIO(front[index].pdf)) as source:
                copied = self._copy(source, f"f{index}-", 0, before=True)
                if index == 0:
                    _document_level(out, source, title)
                lengths.insert(0, len(source.pages))
            names, outline, attachments = (
                copied[0] + names,
                copied[1] + outline,
                copied[2] + attachments,
            )
        front_starts = [sum(lengths[:index]) for index in range(len(front))]
        parts = [*front, *self.parts]
        starts = [*front_starts, *(start + sum(lengths) for start in self.starts)]
        targets: dict[str, int] = {}
        files: dict[str, int] = {}
        for part, start in zip(parts, starts, strict=True):
            targets[part.anchor] = start
            if part.file:
                files[part.file] = start
            targets.update({anchor: start + page for anchor, page in part.anchors.items()})
        _join_pack_links(out, targets, files)
        names += self.names
        if names:
            tree = pikepdf.NameTree.new(out)
            for name, destination in names:
                tree[name] = destination
            out.Root.Names = Dictionary(Dests=tree.obj)
        with out.open_outline() as pack_outline:
            pack_outline.root.extend(outline + self.outline)
        self.structure.finish()
        if stamp is not None:
            from scoper.pack.numbering import stamp_pages

            stamp_pages(out, stamp)
        _attach(out, attachments + self.attachments)
        buffer = io.BytesIO()
        streams = pikepdf.ObjectStreamMode.generate
        out.save(buffer, compress_streams=True, object_stream_mode=streams)
        return buffer.getvalue()

    def close(self) -> None:
        self.out.close()

    def __enter__(self) -> PackPdf:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _named_destinations(source: Pdf) -> list[tuple[str, Object]]:
    names = source.Root.get(Name.Names)
    if not isinstance(names, Dictionary) or Name.Dests not in names:
        return []
    return [(str(name), dest) for name, dest in pikepdf.NameTree(names.Dests).items()]


def _moved_destination(out: Pdf, source: Pdf, start: int, destination: Object) -> Array:
    """The destination pointing at the same place among the pack's pages."""
    array = destination.get(Name.D) if isinstance(destination, Dictionary) else destination
    if not isinstance(array, Array):
        raise ValueError("a named destination that is not a page and place")
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


def _join_pack_links(out: Pdf, targets: dict[str, int], files: dict[str, int]) -> None:
    """Links written ``scoper-pack:ANCHOR`` become links to that part's page, and a
    paper's link to the file of another paper in the pack (``SLUG.pdf``), to that paper's
    first page; a link to a file not in the pack stays a link to the file."""
    for page in out.pages:
        for annotation in page.obj.get(Name.Annots, []):
            action = annotation.get(Name.A)
            if action is None or action.get(Name.S) != Name.URI:
                continue
            uri = str(action.get(Name.URI, ""))
            if uri in files:
                del annotation[Name.A]
                annotation.Dest = Array([out.pages[files[uri]].obj, Name.Fit])
                continue
            if not uri.startswith(PACK_LINK):
                continue
            number = targets.get(uri.removeprefix(PACK_LINK))
            del annotation[Name.A]
            if number is not None:
                annotation.Dest = Array([out.pages[number].obj, Name.Fit])


def _copy_item(item: OutlineItem, source: Pdf, out: Pdf, start: int) -> OutlineItem:
    """``item`` of ``source``'s outline, and its children, pointing at the same places among
    the pack's pages (the part's first at ``start``). The destinations name the pages
    themselves, not their numbers, which the front moves when it is put before them."""
    destination: object = item.destination
    if destination is None and item.action is not None:
        destination = item.action.get(Name.D)
    copied = OutlineItem(item.title)
    if isinstance(destination, Array) and len(destination):
        page = start + source.pages.index(pikepdf.Page(destination[0]))
        given = destination[3] if len(destination) > 3 and destination[1] == Name.XYZ else None
        top = float(given) if isinstance(given, int | float | Decimal) else None
        place = (
            pikepdf.make_page_destination(out, page, "XYZ", top=top)
            if top is not None
            else pikepdf.make_page_destination(out, page)
        )
        copied = OutlineItem(item.title, place)
    copied.children.extend(_copy_item(child, source, out, start) for child in item.children)
    return copied


class _StructureTree:
    """One tagged structure for the pack: each part's tree becomes a Part of one Document,
    with the keys that tie pages and annotations to it renumbered so they stay unique."""

    def __init__(self, out: Pdf) -> None:
        self.out = out
        self.document = out.make_indirect(
            Dictionary(Type=Name.StructElem, S=Name.Document, K=Array())
        )
        self.parent_tree: list[tuple[int, Object]] = []
        self.next_key = 0

    def add(self, source: Pdf, start: int, first: bool = False) -> None:
        """``source``'s tree, its pages at ``start``: after the trees added so far, or
        before them all when ``first``."""
        root = source.Root.get(Name.StructTreeRoot)
        if root is None:
            return
        offset = self.next_key
        highest = -1
        for index in range(len(source.pages)):
            page = self.out.pages[start + index].obj
            if Name.StructParents in page:
                page.StructParents = int(page.StructParents) + offset
                highest = max(highest, int(page.StructParents) - offset)
            for annotation in page.get(Name.Annots, []):
                if Name.StructParent in annotation:
                    annotation.StructParent = int(annotation.StructParent) + offset
                    highest = max(highest, int(annotation.StructParent) - offset)
        if Name.ParentTree in root:
            for key, value in pikepdf.NumberTree(root.ParentTree).items():
                self.parent_tree.append((int(key) + offset, _copy(self.out, value)))
                highest = max(highest, int(key))
        self.next_key = offset + highest + 1
        top = root.get(Name.K)
        elements = list(top) if isinstance(top, Array) else [top] if top is not None else []
        copies = []
        for element in elements:
            copied = _copy(self.out, element)
            if not isinstance(copied, Dictionary):
                continue
            if copied.get(Name.S) == Name.Document:
                copied.S = Name.Part
            copied.P = self.document
            copies.append(copied)
        kids = [*copies, *self.document.K] if first else [*self.document.K, *copies]
        self.document.K = Array(kids)

    def finish(self) -> None:
        if not len(self.document.K):
            return
        root = self.out.make_indirect(
            Dictionary(Type=Name.StructTreeRoot, K=Array([self.document]))
        )
        self.document.P = root
        numbers = pikepdf.NumberTree.new(self.out)
        for key, value in self.parent_tree:
            numbers[key] = value
        root.ParentTree = numbers.obj
        root.ParentTreeNextKey = self.next_key
        self.out.Root.StructTreeRoot = root
        self.out.Root.MarkInfo = Dictionary(Marked=True)


def _document_level(out: Pdf, front: Pdf, title: str) -> None:
    """Title, language and metadata for the whole pack; for pdf/a-3u, the colour profile."""
    # The front part was rendered with the pack's title and date: its document information
    # and its XMP agree, as PDF/A requires, so the pack takes both from it.
    for key, value in front.docinfo.items():
        out.docinfo[key] = _copy(out, value)
    out.docinfo[Name.Title] = title
    out.Root.Lang = String("en-GB")
    out.Root.ViewerPreferences = Dictionary(DisplayDocTitle=True)
    if Name.Metadata in front.Root:
        # The front part was rendered with the pack's title, in the pack's variant.
        out.Root.Metadata = _copy(out, front.Root.Metadata)
    if Name.OutputIntents in front.Root:
        out.Root.OutputIntents = _copy(out, front.Root.OutputIntents)


def _attach(out: Pdf, specifications: list[Object]) -> None:
    """Every part's attached files (for pdf/a-3u, each paper's source), attached to the
    pack."""
    if not specifications:
        return
    out.Root.AF = Array(specifications)
    if Name.Names not in out.Root:
        out.Root.Names = Dictionary()
    names = pikepdf.NameTree.new(out)
    for specification in specifications:
        names[str(specification.get(Name.UF, specification.get(Name.F)))] = specification
    out.Root.Names.EmbeddedFiles = names.obj


def _copy(out: Pdf, value: Object) -> Object:
    """A value of another PDF, brought into ``out`` (indirect objects through the same
    copier as the pages, so references to pages and annotations land on the copies)."""
    if isinstance(value, pikepdf.Object) and value.is_indirect:
        return out.copy_foreign(value)
    if isinstance(value, Array):
        return Array([_copy(out, item) for item in value])
    if isinstance(value, Dictionary):
        return Dictionary({key: _copy(out, item) for key, item in value.items()})
    return value
