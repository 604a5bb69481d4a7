"""Repairs to the tagged PDF that WeasyPrint writes, made once it is written.

Each repair stands for a WeasyPrint defect, reported upstream with a minimal reproduction
in docs/accessibility.md; when WeasyPrint fixes one, its repair here can go. Where our own
HTML or CSS made the wrong structure, the templates were changed instead.

1. Margin boxes (running header and footer, page numbers, the watermark) are marked as
   tagged content whose structure elements are left out of the tree; they become
   pagination artifacts, as ISO 14289-1 7.8 asks.
2. A ``div`` grouping a term and its definitions in a ``dl`` becomes a ``Div`` among the
   list's items; it becomes the ``LI``, its term the ``Lbl`` and its definitions ``LBody``.
3. A list item whose content is a block (``li > p``) gets no ``LBody``; one is added.
4. A link whose text runs onto another line, or which has ``::after`` content, becomes
   ``Link`` elements nested in each other, some holding only an annotation; they become
   one ``Link``.
5. Link annotations lack the Print flag, so a printed page differs from the screen.
6. A relative link is made absolute against the base URL (the theme's folder), so a link
   to another paper's file beside this one would name a folder of this machine. Such a
   link is written ``scoper-file:NAME`` (:data:`scoper.brief.xref.FILE_LINK`), which the
   renderer keeps as it is, and becomes the relative ``NAME`` here.

The parent tree, which maps content and annotations back to their elements, is rebuilt
from the repaired tree, so every repair need only move elements.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from typing import TypeGuard

import pikepdf
from pikepdf import Array, Dictionary, Name, Object, Pdf

PRINT_FLAG = 4
"""Annotation flag bit 3 (ISO 32000-1 12.5.3): print the annotation."""

# The names read at every element of the tree, made once: ``Name.K`` makes a new name
# object at each use, half the cost of reading a key (a paper's tree has thousands).
_K, _S, _PG, _TYPE, _MCR, _OBJR = Name.K, Name.S, Name.Pg, Name.Type, Name.MCR, Name.OBJR
_L, _LI, _LINK = Name.L, Name.LI, Name.Link


def repair(pdf: bytes) -> bytes:
    """The PDF with the repairs above made; an untagged PDF comes back as it was."""
    with Pdf.open(io.BytesIO(pdf)) as document:
        if not repair_document(document):
            return pdf
        buffer = io.BytesIO()
        document.save(buffer, compress_streams=True)
        return buffer.getvalue()


def repair_document(document: Pdf) -> bool:
    """Make the repairs in place; False if the PDF has no structure tree."""
    root = document.Root.get(Name.StructTreeRoot)
    if not isinstance(root, Dictionary):
        return False
    for element in list(_elements(root)):
        kind = element.get(_S)
        if kind == _L:
            _groups_become_items(document, element)
        elif kind == _LI:
            _item_gets_body(document, element)
        elif kind == _LINK:
            _one_link(element)
    marked = (
        {
            int(key): len(entries)
            for key, entries in pikepdf.NumberTree(root.ParentTree).items()
            if isinstance(entries, Array)
        }
        if Name.ParentTree in root
        else {}
    )
    owners = _owners(document, root)
    _margins_become_artifacts(document, owners, marked)
    _rebuild_parent_tree(document, root, owners)
    for page in document.pages:
        for annotation in page.obj.get(Name.Annots, []):
            if annotation.get(Name.Subtype) == Name.Link:
                annotation.F = int(annotation.get(Name.F, 0)) | PRINT_FLAG
                _file_link_made_relative(annotation)
    return True


def _file_link_made_relative(annotation: Object) -> None:
    from scoper.brief.xref import FILE_LINK

    action = annotation.get(Name.A)
    if not isinstance(action, Dictionary) or action.get(Name.S) != Name.URI:
        return
    uri = str(action.get(Name.URI, ""))
    if uri.startswith(FILE_LINK):
        action.URI = pikepdf.String(uri.removeprefix(FILE_LINK))


def _kids(element: Dictionary) -> list:
    kids = element.get(_K)
    if kids is None:
        return []
    return list(kids) if isinstance(kids, Array) else [kids]


def _is_element(kid: object) -> TypeGuard[Dictionary]:
    return isinstance(kid, Dictionary) and _S in kid


def _is(kid: object, *kinds: str) -> TypeGuard[Dictionary]:
    """Whether ``kid`` is a structure element of one of ``kinds`` (``"LI"``, …)."""
    return _is_element(kid) and str(kid.get(_S))[1:] in kinds


def _elements(root: Dictionary) -> Iterator[Dictionary]:
    """Every structure element, parents before children."""
    stack = [kid for kid in reversed(_kids(root)) if _is_element(kid)]
    while stack:
        element = stack.pop()
        yield element
        stack.extend(kid for kid in reversed(_kids(element)) if _is_element(kid))


def _new_element(document: Pdf, kind: Name, parent: Dictionary, kids: list) -> Dictionary:
    element = document.make_indirect(
        Dictionary(Type=Name.StructElem, S=kind, P=parent, K=Array(kids))
    )
    if Name.Pg in parent:
        element.Pg = parent.Pg
    for kid in kids:
        if _is_element(kid):
            kid.P = element
    return element


def _groups_become_items(document: Pdf, list_element: Dictionary) -> None:
    """``L > Div > LI(LBody dt), LI(LBody dd)…`` becomes ``L > LI > Lbl, LBody…``.

    HTML allows a ``div`` in a ``dl`` only around one group of terms then definitions
    (HTML 4.4.9), and WeasyPrint tags each ``dt`` and ``dd`` alone as an item with a body;
    the first is the term. ISO 32000-1 14.8.4.3.3: a Lbl holds the term of a dictionary
    list.
    """
    for group in _kids(list_element):
        if not _is(group, "Div"):
            continue
        items = [kid for kid in _kids(group) if _is(kid, "LI")]
        if len(items) != len(_kids(group)) or not items:
            continue
        parts = []
        for number, item in enumerate(items):
            for body in _kids(item):
                if _is(body, "LBody"):
                    if number == 0:
                        body.S = Name.Lbl
                    body.P = group
                    parts.append(body)
        group.S = Name.LI
        group.K = Array(parts)


def _item_gets_body(document: Pdf, item: Dictionary) -> None:
    """``LI > Lbl, P…`` becomes ``LI > Lbl, LBody > P…`` (ISO 32000-1 Table 336)."""
    kids = _kids(item)
    loose = [kid for kid in kids if not _is(kid, "Lbl", "LBody")]
    if not loose:
        return
    labels = [kid for kid in kids if _is(kid, "Lbl")]
    bodies = [kid for kid in kids if _is(kid, "LBody")]
    if bodies:
        # Content beside a body joins it, in reading order.
        body = bodies[0]
        body.K = Array(
            [
                grandchild
                for kid in kids
                if not _is(kid, "Lbl")
                # A marked-content number beside the body (an int) has no object number.
                for grandchild in (_kids(kid) if _same(kid, body) else [kid])
            ]
        )
        for kid in _kids(body):
            if _is_element(kid):
                kid.P = body
        item.K = Array([*labels, body])
        return
    item.K = Array([*labels, _new_element(document, Name.LBody, item, loose)])


def _same(kid: object, element: Dictionary) -> bool:
    return isinstance(kid, Dictionary) and kid.objgen == element.objgen


def _one_link(link: Dictionary) -> None:
    """A Link's nested Links, and annotations held by elements inside it, join it."""
    if link.get(Name.S) != Name.Link:
        return  # already merged into an outer link
    merged: list = []
    changed = False
    for kid in _kids(link):
        if _is(kid, "Link"):
            _one_link(kid)
            kid.S = Name.Span  # so the walk passes it by; it is dropped here
            for grandchild in _kids(kid):
                if _is_element(grandchild):
                    grandchild.P = link
                merged.append(grandchild)
            changed = True
        elif _is_element(kid):
            annotations = [k for k in _kids(kid) if _is_annotation(k)]
            if annotations:
                kid.K = Array([k for k in _kids(kid) if not _is_annotation(k)])
                merged.extend(annotations)
                changed = True
            merged.append(kid)
        else:
            merged.append(kid)
    if changed:
        link.K = Array(merged)


def _is_annotation(kid: object) -> TypeGuard[Dictionary]:
    return isinstance(kid, Dictionary) and kid.get(_TYPE) == _OBJR


def _owners(document: Pdf, root: Dictionary) -> dict[tuple[tuple[int, int], int], Dictionary]:
    """(page, MCID) to its element, for every MCID in the tree; annotations are keyed by
    (their object, -1)."""
    owners: dict[tuple[tuple[int, int], int], Dictionary] = {}

    def visit(element: Dictionary, page: Object | None) -> None:
        own = element.get(_PG)
        page = own if isinstance(own, Object) else page
        for kid in _kids(element):
            if isinstance(kid, int):
                if page is not None:
                    owners[(page.objgen, kid)] = element
            elif _is_element(kid):
                visit(kid, page)
            elif isinstance(kid, Dictionary) and kid.get(_TYPE) == _MCR:
                on = kid.get(_PG)
                where = on if isinstance(on, Object) else page
                if where is not None:
                    owners[(where.objgen, int(kid.MCID))] = element
            elif _is_annotation(kid):
                owners[(kid.Obj.objgen, -1)] = element

    for top in _kids(root):
        if _is_element(top):
            visit(top, None)
    return owners


_MARKED = re.compile(rb"^/\w+\n<</MCID (\d+)>>\nBDC$", re.MULTILINE)
"""A tagged sequence as pydyf, WeasyPrint's PDF writer, starts one: one token a line."""
_PAGINATION = b"/Artifact\n<</Type /Pagination>>\nBDC"


def _margins_become_artifacts(
    document: Pdf,
    owners: dict[tuple[tuple[int, int], int], Dictionary],
    marked: dict[int, int],
) -> None:
    """Marked content that no element in the tree owns is what WeasyPrint draws in the
    page's margin boxes: it becomes a pagination artifact (ISO 32000-1 14.8.2.2).

    ``marked`` is how many MCIDs each page (by its StructParents key) has. The content is
    rewritten line by line where it has pydyf's layout, the way WeasyPrint writes it (a
    full parse takes ten times as long); otherwise through pikepdf's parser.
    """
    for page in document.pages:
        key = page.obj.get(Name.StructParents)
        count = marked.get(int(key), 0) if key is not None else 0
        where = page.objgen
        orphans = {mcid for mcid in range(count) if (where, mcid) not in owners}
        if not orphans:
            continue
        contents = page.obj.get(Name.Contents)
        if isinstance(contents, pikepdf.Stream):
            data, done = _rewritten(contents.read_bytes(), orphans)
            if done == orphans:
                contents.write(data)
                continue
        _parsed_artifacts(document, page, orphans)


def _rewritten(data: bytes, orphans: set[int]) -> tuple[bytes, set[int]]:
    """``data`` with the sequences of the ``orphans`` made artifacts, and which were found."""
    done: set[int] = set()

    def artifact(match: re.Match[bytes]) -> bytes:
        mcid = int(match[1])
        if mcid not in orphans:
            return match[0]
        done.add(mcid)
        return _PAGINATION

    return _MARKED.sub(artifact, data), done


def _parsed_artifacts(document: Pdf, page: pikepdf.Page, orphans: set[int]) -> None:
    artifact = [Name.Artifact, Dictionary(Type=Name.Pagination)]
    instructions = []
    for instruction in pikepdf.parse_content_stream(page):
        operands, operator = instruction.operands, instruction.operator
        if (
            operator == pikepdf.Operator("BDC")
            and len(operands) == 2
            and isinstance(operands[1], Dictionary)
            and int(operands[1].get(Name.MCID, -1)) in orphans
        ):
            instruction = pikepdf.ContentStreamInstruction(artifact, operator)
        instructions.append(instruction)
    page.obj.Contents = document.make_stream(pikepdf.unparse_content_stream(instructions))


def _rebuild_parent_tree(
    document: Pdf, root: Dictionary, owners: dict[tuple[tuple[int, int], int], Dictionary]
) -> None:
    """The parent tree (ISO 32000-1 14.7.4.4) made again from the repaired tree: each
    page's MCIDs to their elements, each annotation to its element."""
    numbers: dict[int, Object] = {}
    on_page: dict[object, dict[int, Dictionary]] = {}
    for (where, mcid), element in owners.items():
        if mcid >= 0:
            on_page.setdefault(where, {})[mcid] = element
    for page in document.pages:
        if Name.StructParents not in page.obj:
            continue
        mcids = on_page.get(page.objgen, {})
        array = Array([mcids.get(mcid) for mcid in range(max(mcids, default=-1) + 1)])
        numbers[int(page.obj.StructParents)] = document.make_indirect(array)
        for annotation in page.obj.get(Name.Annots, []):
            if Name.StructParent in annotation:
                owner = owners.get((annotation.objgen, -1))
                if owner is None:
                    del annotation[Name.StructParent]
                else:
                    numbers[int(annotation.StructParent)] = owner
    tree = Array()
    for key in sorted(numbers):
        tree.append(key)
        tree.append(numbers[key])
    root.ParentTree = document.make_indirect(Dictionary(Nums=tree))
    root.ParentTreeNextKey = max(numbers, default=-1) + 1
