"""The public version of a brief: the same model with every sensitive passage taken out.

What the brief marks sensitive (a section, a block, an item, an inline span) is replaced by a
visible ``[withheld]`` mark, with the exemption given for it, and partners' ``Contact``
fields are withheld always. The result is a new model that holds none of the withheld text
(nor its images, links or footnotes), so every renderer that reads it (HTML, PDF, Word,
JSON, the pack) can only ever write what may be published. Items keep their places, so E2
is E2 and A3 is A3 in both versions.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Iterator, Sequence

import msgspec
from markdown_it.common.utils import unescapeAll
from markdown_it.token import Token
from msgspec import Struct

from scoper.brief.items import partner_head
from scoper.brief.kinds import ITEM_KINDS, ItemKind
from scoper.brief.model import Brief, Field, Image, Item, Link, Partner, Section
from scoper.brief.prose import Prose, block_end
from scoper.errors import ScoperError

NEVER_PUBLIC = ("SECRET", "TOP SECRET")
"""A brief marked so is never published, whatever it says."""
WITHHELD_FIELDS = ("contact",)
"""Fields withheld from every public version: a person's details are not for publication."""


class PublicRefused(ScoperError):
    """The brief may not have a public version."""

    def __init__(self, path: str, reason: str, line: int = 1) -> None:
        super().__init__(f"{path}:{line}: no public version: {reason}")
        self.line = line
        """The line the reason is about; 1 for the brief as a whole, or its front matter."""
        self.reason = reason


def refusal(brief: Brief) -> str | None:
    """Why the brief may not be published, or None."""
    meta = brief.meta
    if meta.classification in NEVER_PUBLIC:
        return f"it is marked {meta.classification}; such papers are never published"
    if not meta.public:
        return "its front matter says 'public: false'"
    return None


def mark_text(exemption: str | None) -> str:
    """What stands in a withheld passage's place."""
    return f"[withheld: {exemption}]" if exemption else "[withheld]"


class _Redactor(Struct):
    withheld: int = 0
    """Passages withheld so far."""
    words: set[str] = msgspec.field(default_factory=set)  # by its module: a method is named field
    """Every withheld passage long enough to be telling, normalised (see :func:`_normal`),
    for the final check that none of it is left."""

    def _take(self, tokens: Sequence[Token]) -> None:
        self.withheld += 1
        parts = [Prose(tuple(tokens)).text] if tokens else []
        for token in tokens:
            parts += [token.content, _attr_text(token)]
            parts += [t for c in token.children or [] for t in (c.content, _attr_text(c))]
        self.words |= _telling(parts)

    def prose(self, prose: Prose) -> Prose:
        return Prose(tuple(self._tokens(list(prose.tokens))))

    def _tokens(self, tokens: list[Token]) -> list[Token]:
        out: list[Token] = []
        index = 0
        while index < len(tokens):
            token = tokens[index]
            if "sensitive" in token.meta and token.nesting >= 0:
                # A block: with its contents if it opens one (a paragraph, a list, a
                # table), or whole if it is one token (a code block). A table's caption
                # (a 'Table:' paragraph after it) goes with the table.
                end = block_end(tokens, index)
                if token.type == "table_open" and _is_caption(tokens, end):
                    end = block_end(tokens, end)
                self._take(tokens[index:end])
                out += _placeholder_block(token, token.meta["sensitive"])
                index = end
                continue
            if token.type == "inline":
                token = self._inline(token)
            out.append(token)
            index += 1
        return out

    def _inline(self, token: Token) -> Token:
        children = token.children or []
        if not any("sensitive" in child.meta for child in children):
            return token
        kept: list[Token] = []
        index = 0
        while index < len(children):
            child = children[index]
            if "sensitive" in child.meta and child.nesting >= 0:
                # A span or a link with all it holds, or one token (code, an image).
                end = block_end(children, index)
                self._take(children[index:end])
                kept += _placeholder_inline(child.meta["sensitive"])
                index = end
                continue
            kept.append(child)
            index += 1
        copied = token.copy()
        copied.children = kept
        copied.content = ""  # the source text of the line holds the withheld words
        return copied

    def field(self, found: Field) -> Field:
        return msgspec.structs.replace(found, value=self.prose(found.value))

    def item(self, item: Item, kind: ItemKind) -> Item:
        if item.sensitive is not None:
            self._take(_item_tokens(item))
            return _withheld_item(item, item.sensitive)
        fields = {}
        for name, found in item.fields.items():
            if name in WITHHELD_FIELDS:
                self._take(found.value.tokens)
            elif name != "sensitive":
                fields[name] = self.field(found)
        extra = [self.field(found) for found in item.extra_fields]
        changes: dict[str, object] = {"body": self.prose(item.body), "fields": fields}
        changes["extra_fields"] = extra
        # Values the model keeps as text are read again from what may be published; a value
        # read from a field that holds a mark (a date, a grade, a status) is withheld whole.
        for spec in kind.read_fields:
            if not spec.attribute or spec.name == "sector":
                continue
            kept = fields.get(spec.name)
            if spec.value == "text":
                changes[spec.attribute] = kept.text if kept is not None else None
            elif spec.name in item.fields and _marked(item.fields[spec.name].value):
                changes[spec.attribute] = "" if spec.default is not None else None
        if isinstance(item, Partner):
            heading = self.prose(item.heading)
            changes["heading"] = heading
            changes["name"] = partner_head(heading.text)[0] if heading else item.name
            sector = item.fields.get("sector")
            if _marked(item.heading) or (sector is not None and _marked(sector.value)):
                changes["sector"] = ""
        return msgspec.structs.replace(item, **changes)

    def section(self, section: Section, number: int) -> Section:
        if section.sensitive is not None:
            self._take(_section_tokens(section))
            return msgspec.structs.replace(
                section,
                title="Section withheld",
                heading=Prose(),
                anchor=f"s-withheld-{number}",
                intro=Prose(tuple(_placeholder_block(None, section.sensitive))),
                items=[],
                outro=Prose(),
                sensitive=None,
                withheld=section.sensitive,
            )
        heading = self.prose(section.heading)
        title = heading.text.strip() if section.heading else section.title
        kind = ITEM_KINDS.get(section.kind)
        return msgspec.structs.replace(
            section,
            title=title,
            heading=heading,
            anchor=section.anchor if title == section.title else f"s-{number}",
            intro=self.prose(section.intro),
            items=[self.item(item, kind) for item in section.items] if kind else [],
            outro=self.prose(section.outro),
        )


def public_brief(brief: Brief, marking: str = "", *, verified: bool = True) -> Brief:
    """The brief as it may be published. Raises :class:`PublicRefused` when it may not.

    ``verified=False`` skips the final checks (misspelt marks, anything withheld left):
    only for reading what a public version would show (scoper check), never for writing
    one."""
    reason = refusal(brief)
    if reason is not None:
        key = "public" if not brief.meta.public else "classification"
        raise PublicRefused(brief.path, reason, brief.meta.lines.get(key, 1))
    unknown = _unknown_mark(brief) if verified else None
    if unknown is not None:
        line, mark = unknown
        raise PublicRefused(
            brief.path,
            f"'{mark}' is not a mark scoper knows, and a misspelt mark would publish what it "
            "was meant to withhold",
            line,
        )
    if verified and brief.unattached_marks:
        raise PublicRefused(
            brief.path,
            "this mark marks nothing where it stands (a '{.sensitive}' line with no passage "
            "after it, or before a rule; a 'Sensitive:' field scoper does not read: outside "
            "Evidence, Partners, Actions and Risks, within a line, or misspelt); "
            "put '{.sensitive}' directly before the passage it withholds (or, if the word "
            "'sensitive' there is prose, not a mark, write it without the emphasis or colon)",
            brief.unattached_marks[0],
        )
    if verified and (lost := _lost_mark(brief)) is not None:
        raise PublicRefused(
            brief.path,
            "a mark here is where scoper does not read one (a table's header row of items, "
            "or another place the paper is not made from its text), so what it marks could "
            "be published; mark the passage where it is shown, or the whole item",
            lost,
        )
    redactor = _Redactor()
    sections = [
        redactor.section(section, number) for number, section in enumerate(brief.sections, start=1)
    ]
    preamble = redactor.prose(brief.preamble)
    kept = [
        *(p for s in sections for p in _proses(s)),
        preamble,
    ]
    footnotes = _referenced_notes(redactor.prose(brief.footnotes), kept)
    # Officials' names and the paper's handling are the unit's business, not the public's.
    meta = msgspec.structs.replace(
        brief.meta,
        title=brief.meta.public_title or brief.meta.title,
        classification=marking,
        public_title=None,
        # Never shown in any paper (the checks read it), and plain text, where a mark
        # written in it is not read: the public model does not carry it.
        ask=None,
        authors=[],
        cleared_by=[],
        distribution=[],
    )
    public = msgspec.structs.replace(
        brief,
        meta=meta,
        sections=sections,
        preamble=preamble,
        footnotes=footnotes,
        withheld=redactor.withheld,
        warnings=[],
        marked_texts=(),
        marked_tokens=(),
        source=b"",
    )
    # Images and links are listed again from what is left, for the checks and the keys.
    public.images, public.links = _references(public)
    if verified:
        # What was marked, as parsed, not only what the redactor took: a reader of the
        # model that dropped a marked token (so the redactor never saw it) is caught here.
        _check_nothing_left(public, redactor.words | _telling(brief.marked_texts))
    return public


def _check_nothing_left(public: Brief, passages: set[str]) -> None:
    """Fail closed: no mark left on anything, and no withheld passage anywhere in the public
    model (every string, every token's text and attributes, compared as words so that an
    anchor or a file name made from the text is found too). A redactor that missed a place
    a mark can be stops the public version here, instead of publishing it."""
    texts: list[str] = []
    for value in _walk(public):
        if isinstance(value, Token):
            if "sensitive" in value.meta:
                raise PublicRefused(
                    public.path, "a marked passage could not be taken out (please report this)"
                )
            texts += [value.content, _attr_text(value)]
        elif isinstance(value, str):
            texts.append(value)
    literal = _literal_mark(public)
    if literal is not None:
        line, mark = literal
        raise PublicRefused(
            public.path,
            f"'{mark}' is written where scoper does not read marks (the front matter, code, "
            "a link's or an image's title, a figure's caption, or split across lines where "
            "a mark is not read), so it would be published as it is; mark the whole image "
            "or passage instead",
            line,
        )
    published = " | ".join(_normal(text) for text in texts)
    for passage in sorted(passages):
        if passage in published:
            raise PublicRefused(
                public.path,
                f"the withheld words '{passage[:40]}' also stand where they would be "
                "published; mark those too",
            )


_MARK_REACH = 500
"""The most characters a written mark is looked for across, from its opening brace: a mark
is short, and the search stays linear in the text, however many braces it has."""
_WORD_END = 20
"""Characters read past a reach to tell where a word there ends."""
_MARK_INSIDE = re.compile(r"\.sensitive\b", re.IGNORECASE)
_CLASS_EQUALS = re.compile(r"\bclass\s*=", re.IGNORECASE)
_VALUE_LEAD = {False: re.compile(r"\s*[\"']?"), True: re.compile(r"[ \t]*[\"']?")}
_VALUE_END = {False: re.compile(r"[\"'{}]"), True: re.compile(r"[\"'{}\n]")}
_SENSITIVE = re.compile(r"sensitive\b", re.IGNORECASE)
_BRACE = re.compile(r"[{}]")
_BRACE_OR_LINE_END = re.compile(r"[{}\n]")
_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0]"
)
"""Characters that show nothing (a soft hyphen, a zero-width space, direction marks and
isolates, variation selectors, fillers): a mark written with one inside it reads the same."""


def _written_mark(text: str, *, one_line: bool) -> str | None:
    """The first ``{.sensitive}`` mark written in ``text`` (or ``{class=sensitive}``, the
    attribute form), as it stands: in the public model, one was never read (marks are read
    only on Markdown spans, links, images and blocks), and would be published as text. Its
    braces may be on two lines, unless ``one_line`` (code, where a brace and a
    ``.sensitive`` lines apart are code: ``if (record.sensitive)``)."""
    text = _INVISIBLE.sub("", text)
    if "sensitive" not in text.casefold():
        return None
    stops = _BRACE_OR_LINE_END if one_line else _BRACE
    start = text.find("{")
    while start != -1:
        # What follows the brace, up to the next brace (or line end): the mark's inside.
        limit = min(len(text), start + 1 + _MARK_REACH)
        stop = stops.search(text, start + 1, limit)
        end = stop.start() if stop else limit
        # Read a little past a reach, so that a word cut there is not taken for another.
        past = end if stop else min(len(text), end + _WORD_END)
        found = _MARK_INSIDE.search(text, start + 1, past)
        marked = (found is not None and found.start() < end) or _class_says_sensitive(
            text, start + 1, end, past, one_line
        )
        if marked:
            closed = end < len(text) and text[end] == "}"
            return " ".join(text[start : end + closed].split())
        start = text.find("{", end)
    return None


def _class_says_sensitive(text: str, start: int, end: int, past: int, one_line: bool) -> bool:
    """Whether a ``class=`` between ``start`` and ``end`` has ``sensitive`` among the words
    of its value (``class="note sensitive"``; not ``class="card" level="sensitive"``, nor
    ``x-sensitive``). Each value is read once: the next ``class=`` is looked for after it."""
    position = start
    while (named := _CLASS_EQUALS.search(text, position, end)) is not None:
        value = _VALUE_LEAD[one_line].match(text, named.end(), end)
        first = value.end() if value else named.end()
        stop = _VALUE_END[one_line].search(text, first, end)
        last = stop.start() if stop else end
        for word in _SENSITIVE.finditer(text, first, min(past, last + _WORD_END)):
            if word.start() >= last:
                break
            if word.start() == first or text[word.start() - 1].isspace():
                return True
        position = max(last, named.end())
    return False


_CODE = frozenset({"fence", "code_block", "code_inline"})


def _literal_mark(public: Brief) -> tuple[int, str] | None:
    """Where a mark still stands as text in the public model, and the mark: its line when
    it is in the prose, 1 when it is elsewhere (the front matter)."""
    for line, token in _lined_tokens(public):
        # Code keeps the rule of one line, and so does a paragraph's own text, which holds
        # its code spans (its text as shown is read below). A fence's info string,
        # ```{.sensitive}, is where no mark is read either; it is published as its
        # renderer reads it, with its character references decoded.
        code = token.type in _CODE
        texts = [
            (token.content, code or token.type == "inline"),
            (_attr_text(token), code),  # a link's title, say, which may be on two lines
            (token.info, True),
            (unescapeAll(token.info), True),
        ]
        # A paragraph is also read as its children show it: references decoded, and
        # emptied of its own text once a mark in it has been read. Within a line, with its
        # code spans (``{`x` .sensitive}``); across a line end, with each code span as a
        # stand-in word, since a brace and a ``.sensitive`` in code spans lines apart are
        # code.
        if token.children:
            texts += [
                (_shown_text(token.children, code_as=None), True),
                (_shown_text(token.children, code_as="code"), False),
            ]
        for text, one_line in texts:
            if found := _written_mark(text, one_line=one_line):
                return line, found
    for value in _walk(public):
        if isinstance(value, str) and (found := _written_mark(value, one_line=False)):
            return 1, found  # the front matter
    return None


def _shown_text(children: list[Token], code_as: str | None) -> str:
    """An inline's text as a reader sees it, a line end for each break; each code span as
    it is, or as ``code_as``."""
    parts = []
    for child in children:
        if child.type == "code_inline":
            parts.append(child.content if code_as is None else code_as)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append("\n")
        elif child.type == "text":
            parts.append(child.content)
    return "".join(parts)


def _descendants(token: Token) -> list[Token]:
    found: list[Token] = []
    stack = list(token.children or [])
    while stack:
        inner = stack.pop()
        found.append(inner)
        stack += list(inner.children or [])
    return found


def _lost_mark(brief: Brief) -> int | None:
    """The line of a marked token that no part of the model holds and that no reader took
    into a mark of the model (a whole item, a section, a footnote): its words could reach
    the paper by another road, unwithheld. None when every mark is accounted for."""
    from scoper.brief.markdown import MARK_READ

    lost = [t for t in brief.marked_tokens if not t.meta.get(MARK_READ)]
    if not lost:
        return None
    held = {id(value) for value in _walk(msgspec.structs.replace(brief, marked_tokens=()))}
    for token in lost:
        if id(token) not in held:
            return brief.line_of(token.map, brief.body_line)
    return None


def _telling(parts: Iterable[str]) -> set[str]:
    """The passages long enough to tell what was withheld, normalised."""
    phrases = {_normal(part) for part in parts}
    return {phrase for phrase in phrases if len(phrase.split()) >= 3 and len(phrase) >= 15}


def _normal(text: str) -> str:
    """Lower-case words separated by single spaces: 'Talks with X' and 's-talks-with-x'
    compare alike."""
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text.lower()).split())


def _walk(value: object) -> Iterator[object]:
    """Every value inside the public model, depth first."""
    stack = [value]
    seen: set[int] = set()
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        if isinstance(current, Token):
            stack += list(current.children or [])
        elif isinstance(current, Prose):
            stack += list(current.tokens)
        elif isinstance(current, Struct):
            stack += [getattr(current, name) for name in current.__struct_fields__]
        elif dataclasses.is_dataclass(current) and not isinstance(current, type):
            stack += [getattr(current, f.name) for f in dataclasses.fields(current)]
        elif isinstance(current, dict):
            stack += list(current.values())
        elif isinstance(current, list | tuple):
            stack += list(current)


def _marked(prose: Prose) -> bool:
    """Whether anything in the prose carries a mark."""
    return any(
        "sensitive" in token.meta or any("sensitive" in c.meta for c in token.children or [])
        for token in prose.tokens
    )


def _is_caption(tokens: list[Token], index: int) -> bool:
    """Whether the block at ``index`` is a table's ``Table:`` caption paragraph."""
    if index + 1 >= len(tokens) or tokens[index].type != "paragraph_open":
        return False
    return tokens[index + 1].content.lstrip().lower().startswith("table:")


def _attr_text(token: Token) -> str:
    return " ".join(str(value) for value in (token.attrs or {}).values())


def _item_tokens(item: Item) -> list[Token]:
    tokens = list(item.body.tokens)
    for found in (*item.fields.values(), *item.extra_fields):
        tokens += found.value.tokens
    if isinstance(item, Partner):
        tokens += item.heading.tokens
    return tokens


def _section_tokens(section: Section) -> list[Token]:
    tokens = [*section.heading.tokens, *section.intro.tokens, *section.outro.tokens]
    for item in section.items:
        tokens += _item_tokens(item)
    return tokens


def _unknown_mark(brief: Brief) -> tuple[int, str] | None:
    """The first class scoper does not know, with its line."""
    for line, token in _lined_tokens(brief):
        # A class is what a mark is written as: one scoper does not know may be a misspelt
        # '.sensitive'. Other attributes (ids, key=value) are never marks, never written.
        classes = [m for m in token.meta.get("unknown_marks", []) if "=" not in m]
        if classes:
            return line, f".{classes[0]}"
    return None


def _lined_tokens(brief: Brief) -> Iterator[tuple[int, Token]]:
    """Every token in the brief's prose, children (and an image's own) included, with the
    line its block starts on; then any token elsewhere, at the body's first line."""
    seen: set[int] = set()
    for value in _walk(brief):
        if isinstance(value, Prose):
            line = brief.body_line
            for token in value.tokens:
                line = brief.line_of(token.map, line)
                for inner in [token, *_descendants(token)]:
                    seen.add(id(inner))
                    yield line, inner
    for value in _walk(brief):
        if isinstance(value, Token) and id(value) not in seen:
            yield brief.body_line, value


def _proses(section: Section) -> list[Prose]:
    found = [section.intro, section.outro]
    for item in section.items:
        found.append(item.body)
        found += [f.value for f in (*item.fields.values(), *item.extra_fields)]
    return found


def _referenced_notes(footnotes: Prose, kept: list[Prose]) -> Prose:
    """Only the notes the public text still refers to: a note whose reference was withheld
    goes with it (its numbers stay as in the full paper)."""
    used = {
        int(child.meta["id"])
        for prose in kept
        for token in prose.tokens
        for child in token.children or []
        if child.type == "footnote_ref"
    }
    # Notes may refer to other notes; those stay while a kept note names them.
    notes: dict[int, list[Token]] = {}
    current: list[Token] | None = None
    for token in footnotes.tokens:
        if token.type == "footnote_open":
            current = notes.setdefault(int(token.meta["id"]), [])
        if current is not None:
            current.append(token)
        if token.type == "footnote_close":
            current = None
    if not notes:
        return footnotes
    kept_notes = [tokens for ident, tokens in sorted(notes.items()) if ident in used]
    if not kept_notes:
        return Prose()
    opening = next(t for t in footnotes.tokens if t.type == "footnote_block_open")
    closing = next(t for t in footnotes.tokens if t.type == "footnote_block_close")
    return Prose((opening, *(t for tokens in kept_notes for t in tokens), closing))


def _references(brief: Brief) -> tuple[list[Image], list[Link]]:
    proses = [brief.preamble, brief.footnotes]
    for section in brief.sections:
        proses += [section.intro, section.outro]
        for item in section.items:
            proses.append(item.body)
            proses += [f.value for f in (*item.fields.values(), *item.extra_fields)]
    sources = {
        str(child.attrGet("src") or "")
        for prose in proses
        for token in prose.tokens
        for child in _all_children(token)
        if child.type == "image"
    }
    hrefs = {
        str(child.attrGet("href") or "")
        for prose in proses
        for token in prose.tokens
        for child in _all_children(token)
        if child.type in ("link_open", "file_link_open")
    }
    return (
        [image for image in brief.images if image.src in sources],
        [link for link in brief.links if link.href in hrefs],
    )


def _all_children(token: Token) -> list[Token]:
    return list(token.children or [])


def _withheld_item(item: Item, exemption: str) -> Item:
    """The item's place kept, and nothing of it: no text, fields or values."""
    # Every field but these is left to its default (each kind's own fields have one, as
    # they follow Item's), so nothing of the item is carried over.
    named = {"name": mark_text(exemption)} if isinstance(item, Partner) else {}
    return type(item)(
        line=item.line,
        body=Prose(tuple(_placeholder_block(None, exemption))),
        withheld=exemption,
        **named,  # type: ignore[arg-type]
    )


def _placeholder_inline(exemption: str) -> list[Token]:
    opening = Token("span_open", "span", 1)
    opening.attrs = {"class": "withheld"}
    text = Token("text", "", 0)
    text.content = mark_text(exemption)
    return [opening, text, Token("span_close", "span", -1)]


def _placeholder_block(source: Token | None, exemption: str) -> list[Token]:
    """A paragraph that says what was withheld, where the block stood."""
    inline = Token("inline", "", 0, children=_placeholder_inline(exemption))
    if source is not None:
        inline.map = source.map
    opening = Token("paragraph_open", "p", 1, block=True)
    opening.attrs = {"class": "withheld-block"}
    opening.map = source.map if source is not None else None
    return [opening, inline, Token("paragraph_close", "p", -1, block=True)]
