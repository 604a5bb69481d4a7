"""Parse the text of a brief into the typed model (see ``shared`` brief format).

``parse_brief`` is pure: it takes text and returns a :class:`~scoper.brief.model.Brief` or
raises :class:`~scoper.problems.BriefInvalid` with every problem of the file at once. The
only outside help it takes is an optional image check, which the caller supplies. Sections
are found here; their items are read by :mod:`scoper.brief.items` as the kind table
(:mod:`scoper.brief.kinds`) says.
"""

from __future__ import annotations

import re

from markdown_it.token import Token

from scoper.brief.frontmatter import load_front_matter, split_front_matter, validate_front_matter
from scoper.brief.items import ItemReader
from scoper.brief.kinds import (
    ITEM_KINDS,
    REQUIRED_SECTIONS,
    SECTION_TITLES,
    close_section,
    item_kind,
    section_kind,
)
from scoper.brief.markdown import (
    MARK_READ,
    ImageMissing,
    ImageResolver,
    is_relative_path,
    make_markdown,
)
from scoper.brief.model import Brief, Image, Link, Section, SectionKind
from scoper.brief.prose import Prose, plain_inline
from scoper.brief.stream import Span, Stream
from scoper.problems import BriefInvalid, Problem, has_errors, problem

MAX_ITEMS = 500
"""Items (list entries) in one structured section."""
MAX_TABLE_ROWS = 1000
"""Table rows in a whole brief, in every section."""


def parse_brief(
    text: str,
    path: str,
    *,
    default_ref: str,
    slug: str,
    default_classification: str = "OFFICIAL",
    resolve_image: ImageResolver | None = None,
) -> Brief:
    """Parse a decoded brief. Raises :class:`BriefInvalid` when it has any error.

    ``resolve_image`` tells whether an image of the brief may be shown: it returns None for
    one that may not, and raises :class:`ImageMissing` for one that does not exist. Without
    it, no image may be shown.
    """
    if not text.strip():
        raise BriefInvalid([problem(path, 1, "empty-file", "the file is empty")])
    split = split_front_matter(text, path)
    if isinstance(split, Problem):
        raise BriefInvalid([split])
    values, problems = load_front_matter(split, path)
    meta = None
    if values or not problems:
        meta, meta_problems = validate_front_matter(
            values, path, default_ref, default_classification
        )
        problems += meta_problems

    body = _BodyParser(path, split.body_first_line, slug, resolve_image)
    body.parse(split.body)
    problems += body.stream.problems
    if meta is None:
        raise BriefInvalid(problems)
    brief = Brief(
        path=path,
        meta=meta,
        sections=body.sections,
        preamble=body.preamble,
        footnotes=body.footnotes,
        images=body.images,
        links=body.links,
        warnings=sorted(problems, key=lambda p: p.sort_key),
        slug=slug,
        body_line=split.body_first_line,
        marked=bool(body.env.get("scoper_marked")),
        unattached_marks=body.unattached_marks(),
        marked_texts=body.marked_texts(),
        marked_tokens=body.marked_tokens(),
    )
    if has_errors(problems):
        # What did parse, for the check rules: the writer gets every problem at once.
        raise BriefInvalid(problems, partial=brief)
    return brief


class _BodyParser:
    """The body of a brief: its sections, in source order, and what they refer to."""

    def __init__(
        self, path: str, first_line: int, slug: str, resolve_image: ImageResolver | None
    ) -> None:
        self.md = make_markdown()
        # The footnote plugin numbers notes per document: the env is the document's.
        self.env: dict[str, object] = {"docId": slug}
        self.stream = Stream(path, [], first_line)
        self.resolve_image = resolve_image
        self.sections: list[Section] = []
        self.unread_marks: list[int] = []
        self.preamble = Prose()
        self.footnotes = Prose()
        self.images: list[Image] = []
        self.links: list[Link] = []
        self.anchors: set[str] = set()
        self.lines: list[str] = []
        self.near_misses: dict[SectionKind, tuple[str, int]] = {}
        """Headings kept as prose that look like a misspelt section name, by that section."""

    @property
    def tokens(self) -> list[Token]:
        return self.stream.tokens

    def unattached_marks(self) -> tuple[int, ...]:
        """Marks that mark nothing: a mark line with no block after it, and a
        'Sensitive:' line where no such field is read."""
        return tuple(sorted([*self._env_lines("scoper_unattached_marks"), *self.unread_marks]))

    def marked_texts(self) -> tuple[str, ...]:
        found = self.env.get("scoper_marked_texts")
        return tuple(str(text) for text in found) if isinstance(found, list) else ()

    def marked_tokens(self) -> tuple[Token, ...]:
        found = self.env.get("scoper_marked_tokens")
        return tuple(t for t in found if isinstance(t, Token)) if isinstance(found, list) else ()

    def _env_lines(self, key: str) -> list[int]:
        found = self.env.get(key)
        return [self.stream.offset + line for line in found] if isinstance(found, list) else []

    def problem(self, line: int, rule: str, message: str) -> None:
        self.stream.problem(line, rule, message)

    def prose(self, spans: list[Span]) -> Prose:
        return Prose(self.stream.run(spans))

    def parse(self, body: str) -> None:
        from scoper.brief.limits import text_limits, token_limits

        stream = self.stream
        self.lines = body.split("\n")
        stream.problems += text_limits(body, stream.path, stream.offset)
        if not stream.problems:
            stream.tokens = self.md.parse(body, self.env)
            stream.problems += token_limits(stream.tokens, stream.path, stream.offset)
        for line in self._env_lines("scoper_nested_footnotes"):
            self.problem(
                line,
                "too-deep",
                "a footnote is defined inside another footnote's definition, which footnotes "
                "cannot hold; define it at the left margin, after the other",
            )
        if stream.problems or self._too_much():
            return
        end = next(
            (i for i, t in enumerate(self.tokens) if t.type == "footnote_block_open"),
            len(self.tokens),
        )
        self.footnotes = Prose(tuple(self.tokens[end:]))
        self._collect_references()

        preamble: list[Span] = []
        current: tuple[Token, int, list[Span]] | None = None
        seen: dict[SectionKind, int] = {}
        sections: list[tuple[Token, int, list[Span]]] = []
        for start, stop in self.stream.blocks(0, end):
            token = self.tokens[start]
            if token.type == "heading_open" and token.tag == "h2":
                current = (self.tokens[start + 1], self.stream.line_of(token), [])
                sections.append(current)
            elif token.type == "heading_open" and token.tag == "h1" and current is None:
                # The title repeated: the title block shows it (from the front matter), so
                # a mark in it withholds nothing that is shown.
                for left_out in self.tokens[start:stop]:
                    for inner in [left_out, *(left_out.children or [])]:
                        inner.meta[MARK_READ] = True
                continue
            elif current is None:
                preamble.append((start, stop))
            else:
                if token.type == "heading_open" and token.tag == "h1":
                    self.problem(
                        self.stream.line_of(token),
                        "misplaced-heading",
                        "a level-1 heading inside a section; start sections with '## '",
                    )
                current[2].append((start, stop))

        self.preamble = self.prose(preamble)
        heading_marks = {}
        for token in self.tokens[:end]:
            if token.type == "heading_open" and token.tag == "h2" and "sensitive" in token.meta:
                heading_marks[self.stream.line_of(token)] = token.meta["sensitive"]
                token.meta[MARK_READ] = True  # the section is marked instead
        for heading, line, blocks in sections:
            title = plain_inline(heading).strip()
            if not title:
                self.problem(line, "misplaced-heading", "a '## ' heading with no title")
            kind = section_kind(title)
            if kind == "other" and title:
                self._near_miss(title, line)
            if kind != "other":
                if kind in seen:
                    self.problem(
                        line,
                        "duplicate-section",
                        f"section '{title}' appears twice (first on line {seen[kind]}); merge them",
                    )
                    continue
                seen[kind] = line
            section = self._section(kind, title, line, blocks)
            section.heading = Prose((heading,))
            section.sensitive = heading_marks.get(line)
            self.sections.append(section)
        self._check_sections(seen)
        self._check_images()
        self.unread_marks = self._unread_fields()

    def _unread_fields(self) -> list[int]:
        """Lines where a writer asked for the 'Sensitive:' field and scoper reads none: a
        line starting 'Sensitive:' (any emphasis, a list item or not) in prose or in an
        item's text, or '*Sensitive:*' within a line, that no item read as its field (a
        free section, Options, a risk written as prose). Also the item fields whose name is
        'Sensitive' misspelt (``ItemReader.misspelt_marks``)."""
        read = {
            found.line
            for section in self.sections
            for item in section.items
            for found in [*item.fields.values(), *item.extra_fields]
            if found.name == "sensitive"
        }
        lines = list(self.stream.misspelt_marks)
        for token in self.tokens:
            content = token.content if token.content.isascii() else _folded(token.content)
            if token.type != "inline" or "ensitive" not in content.lower():
                continue
            first = self.stream.line_of(token)
            for number, text in enumerate(content.split("\n")):
                if _SENSITIVE_FIELD.search(text) and first + number not in read:
                    lines.append(first + number)
        return sorted(set(lines))

    def _check_sections(self, seen: dict[SectionKind, int]) -> None:
        for section in self.sections:
            if section.kind == "summary" and not section.text.strip():
                self.problem(section.line, "empty-section", "the summary is empty")
            elif section.kind in ("evidence", "partners", "actions") and not section.items:
                noun = item_kind(section.kind).noun
                self.problem(
                    section.line,
                    "empty-section",
                    f"'{section.title}' lists no {noun}s: write each {noun} as a list item "
                    "(or a table row)",
                )
        offset = self.stream.offset
        for kind in REQUIRED_SECTIONS:
            if kind in seen:
                continue
            if kind in self.near_misses:
                heading, line = self.near_misses[kind]
                self.problem(
                    line,
                    "missing-section",
                    f"the brief has no '{SECTION_TITLES[kind]}' section; '## {heading}' is "
                    f"read as free prose: did you mean '## {SECTION_TITLES[kind]}'?",
                )
                continue
            self.problem(
                offset if self.sections else max(offset - 1, 1),
                "missing-section",
                f"the brief has no '{SECTION_TITLES[kind]}' section "
                f"(a '## {SECTION_TITLES[kind]}' heading)",
            )

    def _near_miss(self, title: str, line: int) -> None:
        """A heading close to a section's name: a slip, most likely."""
        close = close_section(title)
        if close is None:
            return
        kind, name = close
        self.near_misses.setdefault(kind, (title, line))
        if kind not in REQUIRED_SECTIONS:
            self.problem(
                line,
                "unknown-section",
                f"'## {title}' is not a section scoper knows, so it is kept as free prose "
                f"with no checks; did you mean '## {name}'?",
            )

    def _check_images(self) -> None:
        for image in self.images:
            if not is_relative_path(image.src):
                self.problem(
                    image.line,
                    "unsafe-link",
                    f"image '{image.src}' is not included: a paper shows only images "
                    "from the brief's own folder",
                )
                continue
            try:
                usable = self.resolve_image(image.src) if self.resolve_image else None
            except ImageMissing:
                continue  # the broken-reference check reports it
            if usable is None:
                self.problem(
                    image.line,
                    "unsafe-link",
                    f"image '{image.src}' is not included: it is not a readable image "
                    "file inside the brief's folder",
                )

    def _too_much(self) -> bool:
        """Refuse, with a clear message, what would lose text or make a paper that cannot
        be laid out in reasonable time."""
        offset = self.stream.offset
        limit = self.md.options["maxNesting"]
        deepest = max(self.tokens, key=lambda token: token.level, default=None)
        if deepest is not None and deepest.level >= limit - 1:
            # markdown-it stops reading at its nesting limit: the rest would be lost.
            self.problem(
                self.stream.line_of(deepest, offset),
                "too-deep",
                "lists or quotes are nested too deeply here (more than about ten levels); "
                "flatten them (the rest of the brief could not be read)",
            )
            return True
        rows = [t for t in self.tokens if t.type == "tr_open"]
        if len(rows) > MAX_TABLE_ROWS:
            self.problem(
                self.stream.line_of(rows[MAX_TABLE_ROWS], offset),
                "too-many",
                f"the tables have {len(rows)} rows; a paper holds {MAX_TABLE_ROWS} at most "
                "(put a data set in an annex, not the brief)",
            )
            return True
        return False

    def _collect_references(self) -> None:
        last_line = self.stream.offset
        for token in self.tokens:
            last_line = self.stream.line_of(token, last_line)
            line = last_line
            for child in token.children or []:
                if child.type in ("softbreak", "hardbreak"):
                    line += 1  # a paragraph's later lines
                elif child.type == "image":
                    alt = "".join(c.content for c in child.children or [])
                    self.images.append(Image(str(child.attrGet("src") or ""), alt, line))
                elif child.type in ("link_open", "file_link_open"):
                    self.links.append(Link(str(child.attrGet("href") or ""), line))

    def _anchor(self, title: str) -> str:
        base = "s-" + (section_slug(title) or "section")
        anchor, n = base, 2
        while anchor in self.anchors:
            anchor, n = f"{base}-{n}", n + 1
        self.anchors.add(anchor)
        return anchor

    def _section(self, kind: SectionKind, title: str, line: int, blocks: list[Span]) -> Section:
        section = Section(kind=kind, title=title, line=line, anchor=self._anchor(title))
        if kind not in ITEM_KINDS:
            section.intro = self.prose(blocks)
            return section
        items = sum(
            1
            for start, stop in blocks
            if self.tokens[start].type in ("bullet_list_open", "ordered_list_open")
            for _ in self.stream.blocks(start + 1, stop - 1)
        )
        if items > MAX_ITEMS:
            self.problem(
                line,
                "too-many",
                f"'{title}' has {items} items; a section holds {MAX_ITEMS} at most",
            )
            return section
        reader = ItemReader(self.stream, item_kind(kind), self.lines)
        intro: list[Span] = []
        outro: list[Span] = []
        for start, stop in blocks:
            token = self.tokens[start]
            if token.type in ("bullet_list_open", "ordered_list_open"):
                section.items += reader.list_items(start, stop)
            elif token.type == "table_open":
                section.items += reader.table_items(start, stop)
            else:
                (outro if section.items else intro).append((start, stop))
        section.intro, section.outro = self.prose(intro), self.prose(outro)
        return section


_PLAIN_TITLE = re.compile(r"[A-Za-z0-9]+(?: [A-Za-z0-9]+)*")


def section_slug(title: str) -> str:
    """The slug of a section's title, as slugify makes it. A title of plain words is
    slugged here (slugify would give the same: tests/test_properties.py), so that most
    briefs do not load slugify and its Unicode tables."""
    if _PLAIN_TITLE.fullmatch(title):
        return title.lower().replace(" ", "-")
    from slugify import slugify

    return str(slugify(title))


def _folded(text: str) -> str:
    """Text as it reads: compatibility forms folded (a full-width colon) and invisible
    format characters (a zero-width space) taken out."""
    import unicodedata

    folded = unicodedata.normalize("NFKC", text)
    return "".join(c for c in folded if unicodedata.category(c) != "Cf")


_SENSITIVE_FIELD = re.compile(
    r"^[\W_]*sensitive[\W_]*:"
    r"|(?<!\w)[*_]+\s*sensitive\s*(?::\s*[*_]+|[*_]+\s*:)"
    r"|[^\w\s,]\s*sensitive\s*:",
    re.IGNORECASE,
)
"""The 'Sensitive:' field as a writer may write it: at a line's start (a list item or not,
any emphasis); the word alone in any emphasis before a colon, anywhere in a line ('The
risk. *Sensitive:* yes', 'agreed—***Sensitive***:', which also refuses prose that
emphasises the word alone before a colon: the message says to reword it); or the plain
word and a colon after punctuation (a sentence's end, a bracket, a quote, a dash, a colon).
Not prose where the word ends a phrase ('commercially sensitive: ...', '*commercially
sensitive*: ...')."""
