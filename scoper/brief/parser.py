"""Parse the text of a brief into the typed model (see ``shared`` brief format).

``parse_brief`` is pure: it takes text and returns a :class:`~scoper.brief.model.Brief` or raises
:class:`~scoper.problems.BriefInvalid` with every problem of the file at once. The only
outside help it takes is an optional image resolver, which the caller supplies.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from dateutil.relativedelta import relativedelta
from markdown_it.token import Token

from scoper.brief.frontmatter import (
    full_date,
    load_front_matter,
    split_front_matter,
    suggest,
    validate_front_matter,
)
from scoper.brief.markdown import ImageMissing, ImageResolver, is_relative_path, make_markdown
from scoper.brief.model import (
    ACTION_STATUSES,
    COMMITMENTS,
    LEVELS,
    LEVERS,
    SECTORS,
    STRENGTHS,
    Action,
    Brief,
    Evidence,
    Field,
    Image,
    Item,
    Link,
    PartialDate,
    Partner,
    Risk,
    Section,
    SectionKind,
)
from scoper.problems import BriefInvalid, Problem, has_errors, problem

SECTION_ALIASES: dict[str, SectionKind] = {
    "summary": "summary",
    "the issue": "summary",
    "background": "background",
    "context": "background",
    "evidence": "evidence",
    "evidence base": "evidence",
    "external partners": "partners",
    "partners": "partners",
    "stakeholders": "partners",
    "options": "options",
    "action points": "actions",
    "actions": "actions",
    "next steps": "actions",
    "risks": "risks",
}
SECTION_TITLES: dict[SectionKind, str] = {
    "summary": "Summary",
    "background": "Background",
    "evidence": "Evidence",
    "partners": "External partners",
    "options": "Options",
    "actions": "Action points",
    "risks": "Risks",
    "other": "",
}
REQUIRED_SECTIONS: tuple[SectionKind, ...] = ("summary", "evidence", "partners", "actions")
ITEM_FIELDS: dict[SectionKind, tuple[str, ...]] = {
    "evidence": ("source", "strength", "date"),
    "partners": ("sector", "insight", "role", "interests", "commitment", "contact"),
    "actions": ("owner", "due", "lever", "status"),
    "risks": ("likelihood", "impact", "mitigation"),
}
# The first column of the table form holds the item's text.
TEXT_COLUMNS: dict[SectionKind, tuple[str, ...]] = {
    "evidence": ("evidence",),
    "partners": ("partner", "name", "organisation", "organization"),
    "actions": ("action",),
    "risks": ("risk",),
}
ITEM_NOUN: dict[SectionKind, str] = {
    "evidence": "evidence item",
    "partners": "partner",
    "actions": "action",
    "risks": "risk",
}
ITEM_WITH_ARTICLE: dict[SectionKind, str] = {
    "evidence": "an evidence item",
    "partners": "a partner",
    "actions": "an action",
    "risks": "a risk",
}
MAX_ITEMS = 500
"""Items (list entries) in one structured section."""
MAX_TABLE_ROWS = 1000
"""Table rows in a whole brief, in every section."""
_LABEL = re.compile(r"[A-Za-z][A-Za-z \-]{0,29}")
_PARTNER_HEAD = re.compile(r"^(?P<name>.+?)\s*(?:[—–]|\s-\s)\s*(?P<sector>[^—–]+?)$")
_PARTIAL_DATE = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$")


def parse_brief(
    text: str,
    path: str,
    *,
    default_ref: str,
    slug: str,
    default_classification: str = "OFFICIAL",
    resolve_image: ImageResolver | None = None,
) -> Brief:
    """Parse a decoded brief. Raises :class:`BriefInvalid` when it has any error."""
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
    problems += body.problems
    if meta is None or has_errors(problems):
        raise BriefInvalid(problems)
    return Brief(
        path=path,
        meta=meta,
        sections=body.sections,
        preamble_html=body.preamble_html,
        footnotes_html=body.footnotes_html,
        images=body.images,
        links=body.links,
        warnings=sorted(problems, key=lambda p: p.sort_key),
        slug=slug,
    )


@dataclass(slots=True)
class _RawItem:
    """An item before its fields are interpreted for its kind."""

    line: int
    text: str
    html: str
    fields: list[Field] = field(default_factory=list)
    head: Token | None = None
    """The inline token of the first paragraph (a partner's name and sector)."""
    rest_html: str = ""
    """Everything of the item after its first paragraph, except the fields."""
    name_field: Field | None = None
    """The table form's first column, for partners."""


class _BodyParser:
    def __init__(
        self, path: str, first_line: int, slug: str, resolve_image: ImageResolver | None
    ) -> None:
        self.path = path
        self.offset = first_line  # body line 0 is this brief line
        self.md = make_markdown()
        self.unresolved: set[str] = set()
        self.missing: set[str] = set()
        self.env: dict[str, Any] = {
            "docId": slug,
            "resolve_image": self._tracking(resolve_image),
        }
        self.problems: list[Problem] = []
        self.sections: list[Section] = []
        self.preamble_html = ""
        self.footnotes_html = ""
        self.images: list[Image] = []
        self.links: list[Link] = []
        self.tokens: list[Token] = []
        self.anchors: set[str] = set()

    def _tracking(self, resolve: ImageResolver | None) -> ImageResolver:
        def tracked(src: str) -> str | None:
            try:
                url = resolve(src) if resolve else None
            except ImageMissing:
                self.missing.add(src)  # the broken-reference check reports it
                raise
            if url is None:
                self.unresolved.add(src)
            return url

        return tracked

    # -- helpers ---------------------------------------------------------------------------

    def line_of(self, token: Token, fallback: int = 0) -> int:
        if token.map:
            return self.offset + token.map[0]
        return fallback

    def problem(self, line: int, rule: str, message: str) -> None:
        self.problems.append(problem(self.path, line, rule, message))

    def render(self, start: int, end: int) -> str:
        return self.md.renderer.render(self.tokens[start:end], self.md.options, self.env)

    def render_inline(self, children: list[Token]) -> str:
        return self.md.renderer.renderInline(children, self.md.options, self.env)

    def blocks(self, start: int, end: int) -> list[tuple[int, int]]:
        """Top-level blocks between start and end, as [first, after-last) index pairs."""
        found = []
        index = start
        while index < end:
            if self.tokens[index].nesting == 1:
                depth, close = 0, index
                for close in range(index, end):
                    depth += self.tokens[close].nesting
                    if depth == 0:
                        break
                found.append((index, close + 1))
                index = close + 1
            else:
                found.append((index, index + 1))
                index += 1
        return found

    def plain(self, start: int, end: int) -> str:
        words = [_plain_inline(t) for t in self.tokens[start:end] if t.type == "inline"]
        return " ".join(w for w in words if w)

    # -- the body --------------------------------------------------------------------------

    def parse(self, body: str) -> None:
        from scoper.brief.limits import text_limits, token_limits

        self.problems += text_limits(body, self.path, self.offset)
        if not self.problems:
            self.tokens = self.md.parse(body, self.env)
            self.problems += token_limits(self.tokens, self.path, self.offset)
        if self.problems or self._too_much():
            return
        end = next(
            (i for i, t in enumerate(self.tokens) if t.type == "footnote_block_open"),
            len(self.tokens),
        )
        if end < len(self.tokens):
            self.footnotes_html = self.render(end, len(self.tokens))
        self._collect_references()

        preamble: list[tuple[int, int]] = []
        current: tuple[Token, int, list[tuple[int, int]]] | None = None
        seen: dict[SectionKind, int] = {}
        sections: list[tuple[Token, int, list[tuple[int, int]]]] = []
        for start, stop in self.blocks(0, end):
            token = self.tokens[start]
            if token.type == "heading_open" and token.tag == "h2":
                current = (self.tokens[start + 1], self.line_of(token), [])
                sections.append(current)
            elif token.type == "heading_open" and token.tag == "h1" and current is None:
                continue  # the title repeated: the title block shows it
            elif current is None:
                preamble.append((start, stop))
            else:
                if token.type == "heading_open" and token.tag == "h1":
                    self.problem(
                        self.line_of(token),
                        "misplaced-heading",
                        "a level-1 heading inside a section; start sections with '## '",
                    )
                current[2].append((start, stop))

        if preamble:
            self.preamble_html = "".join(self.render(a, b) for a, b in preamble)
        for heading, line, blocks in sections:
            title = _plain_inline(heading).strip()
            if not title:
                self.problem(line, "misplaced-heading", "a '## ' heading with no title")
            kind = SECTION_ALIASES.get(_normal_heading(title), "other")
            if kind != "other":
                if kind in seen:
                    self.problem(
                        line,
                        "duplicate-section",
                        f"section '{title}' appears twice (first on line {seen[kind]}); merge them",
                    )
                    continue
                seen[kind] = line
            self.sections.append(self._section(kind, title, line, blocks))

        for section in self.sections:
            if section.kind == "summary" and not section.text.strip():
                self.problem(section.line, "empty-section", "the summary is empty")
            elif section.kind in ("evidence", "partners", "actions") and not section.items:
                noun = ITEM_NOUN[section.kind]
                self.problem(
                    section.line,
                    "empty-section",
                    f"'{section.title}' lists no {noun}s: write each {noun} as a list item "
                    "(or a table row)",
                )
        for kind in REQUIRED_SECTIONS:
            if kind not in seen:
                self.problem(
                    self.offset if self.sections else max(self.offset - 1, 1),
                    "missing-section",
                    f"the brief has no '{SECTION_TITLES[kind]}' section "
                    f"(a '## {SECTION_TITLES[kind]}' heading)",
                )
        for image in self.images:
            if not is_relative_path(image.src):
                self.problem(
                    image.line,
                    "unsafe-link",
                    f"image '{image.src}' is not included: a paper shows only images "
                    "from the brief's own folder",
                )
            elif image.src in self.unresolved:
                self.problem(
                    image.line,
                    "unsafe-link",
                    f"image '{image.src}' is not included: it is not a readable image "
                    "file inside the brief's folder",
                )

    def _too_much(self) -> bool:
        """Refuse, with a clear message, what would lose text or make a paper that cannot
        be laid out in reasonable time."""
        limit = self.md.options["maxNesting"]
        deepest = max(self.tokens, key=lambda token: token.level, default=None)
        if deepest is not None and deepest.level >= limit - 1:
            # markdown-it stops reading at its nesting limit: the rest would be lost.
            self.problem(
                self.line_of(deepest, self.offset),
                "too-deep",
                "lists or quotes are nested too deeply here (more than about ten levels); "
                "flatten them (the rest of the brief could not be read)",
            )
            return True
        rows = [t for t in self.tokens if t.type == "tr_open"]
        if len(rows) > MAX_TABLE_ROWS:
            self.problem(
                self.line_of(rows[MAX_TABLE_ROWS], self.offset),
                "too-many",
                f"the tables have {len(rows)} rows; a paper holds {MAX_TABLE_ROWS} at most "
                "(put a data set in an annex, not the brief)",
            )
            return True
        return False

    def _collect_references(self) -> None:
        last_line = self.offset
        for token in self.tokens:
            last_line = self.line_of(token, last_line)
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
        from slugify import slugify

        base = "s-" + (slugify(title) or "section")
        anchor, n = base, 2
        while anchor in self.anchors:
            anchor, n = f"{base}-{n}", n + 1
        self.anchors.add(anchor)
        return anchor

    def _section(
        self, kind: SectionKind, title: str, line: int, blocks: list[tuple[int, int]]
    ) -> Section:
        section = Section(kind=kind, title=title, line=line, anchor=self._anchor(title))
        if kind not in ITEM_FIELDS:
            section.intro_html = "".join(self.render(a, b) for a, b in blocks)
            section.text = " ".join(self.plain(a, b) for a, b in blocks)
            return section
        intro, outro, prose_text = [], [], []
        items = sum(
            1
            for start, stop in blocks
            if self.tokens[start].type in ("bullet_list_open", "ordered_list_open")
            for _ in self.blocks(start + 1, stop - 1)
        )
        if items > MAX_ITEMS:
            self.problem(
                line,
                "too-many",
                f"'{title}' has {items} items; a section holds {MAX_ITEMS} at most",
            )
            return section
        for start, stop in blocks:
            token = self.tokens[start]
            if token.type in ("bullet_list_open", "ordered_list_open"):
                for item_start, item_stop in self.blocks(start + 1, stop - 1):
                    raw = self._list_item(kind, item_start, item_stop)
                    section.items.append(self._typed_item(kind, raw))
            elif token.type == "table_open":
                for raw in self._table_items(kind, start, stop):
                    section.items.append(self._typed_item(kind, raw))
            else:
                (outro if section.items else intro).append(self.render(start, stop))
                prose_text.append(self.plain(start, stop))
        section.intro_html, section.outro_html = "".join(intro), "".join(outro)
        section.text = " ".join(prose_text)
        return section

    # -- items -----------------------------------------------------------------------------

    def _list_item(self, kind: SectionKind, start: int, stop: int) -> _RawItem:
        line = self.line_of(self.tokens[start])
        inner = self.blocks(start + 1, stop - 1)
        item = _RawItem(line=line, text="", html="")
        html_parts, text_parts = [], []
        for position, (a, b) in enumerate(inner):
            token = self.tokens[a]
            if position == 0 and token.type == "paragraph_open":
                item.head = self.tokens[a + 1]
                html_parts.append(self.render_inline(item.head.children or []))
                text_parts.append(_plain_inline(item.head))
                continue
            if token.type == "bullet_list_open" and self._is_field_list(kind, a, b):
                item.fields += self._field_list(kind, a, b)
                continue
            html_parts.append(self.render(a, b))
            text_parts.append(self.plain(a, b))
        if item.head is not None:
            item.rest_html = "".join(html_parts[1:])
        if len(html_parts) > 1 and item.head is not None:
            # The first paragraph was rendered inline; give it a paragraph like the rest.
            html_parts[0] = f"<p>{html_parts[0]}</p>\n"
        item.html = "".join(html_parts)
        item.text = " ".join(t for t in text_parts if t)
        return item

    def _is_field_list(self, kind: SectionKind, start: int, stop: int) -> bool:
        """A nested list is the item's fields if it names a known field, or if every line
        of it reads 'Label: value' (then unknown labels are pointed out as likely typos)."""
        labels = []
        for a, _ in self.blocks(start + 1, stop - 1):
            inline = self.tokens[a + 2] if a + 2 < stop else None
            split = _split_label(inline) if inline is not None and inline.type == "inline" else None
            labels.append(split[0].lower() if split else None)
        return any(label in ITEM_FIELDS[kind] for label in labels) or (bool(labels) and all(labels))

    def _field_list(self, kind: SectionKind, start: int, stop: int) -> list[Field]:
        fields = []
        for a, b in self.blocks(start + 1, stop - 1):
            line = self.line_of(self.tokens[a])
            inline = self.tokens[a + 2] if self.tokens[a + 1].type == "paragraph_open" else None
            split = _split_label(inline) if inline is not None else None
            # Anything written under the field's line (a nested list, a second paragraph)
            # belongs to the field's value.
            rest = self.blocks(a + 1, b - 1)[1:]
            if split is None:
                self.problem(
                    line,
                    "invalid-item",
                    f"expected a 'Field: value' line in this {ITEM_NOUN[kind]}'s field list, "
                    f"with a field such as {', '.join(ITEM_FIELDS[kind])}",
                )
                continue
            label, children = split
            text = _plain_children(children).strip() or " ".join(self.plain(x, y) for x, y in rest)
            html = self.render_inline(children) + "".join(self.render(x, y) for x, y in rest)
            fields.append(
                Field(name=label.lower(), label=label, text=text.strip(), html=html, line=line)
            )
        return fields

    def _table_items(self, kind: SectionKind, start: int, stop: int) -> list[_RawItem]:
        headers: list[str] = []
        rows: list[tuple[int, list[Token]]] = []
        current: list[Token] | None = None
        in_head = False
        for token in self.tokens[start:stop]:
            if token.type == "thead_open":
                in_head = True
            elif token.type == "thead_close":
                in_head = False
            elif token.type == "tr_open" and not in_head:
                current = []
                rows.append((self.line_of(token), current))
            elif token.type == "inline":
                if in_head:
                    headers.append(_plain_inline(token).strip())
                elif current is not None:
                    current.append(token)
        names = [h.lower() for h in headers]
        items = []
        for line, cells in rows:
            item = _RawItem(line=line, text="", html="")
            for column, cell in enumerate(cells):
                children = cell.children or []
                text = _plain_children(children).strip()
                if column == 0:
                    item.text, item.html = text, self.render_inline(children)
                    if kind == "partners":
                        item.name_field = Field("name", headers[0], text, item.html, line)
                    continue
                if not text:
                    continue
                item.fields.append(
                    Field(names[column], headers[column], text, self.render_inline(children), line)
                )
            items.append(item)
        if names and names[0] not in TEXT_COLUMNS[kind]:
            expected = TEXT_COLUMNS[kind][0].capitalize()
            self.problem(
                self.line_of(self.tokens[start]),
                "invalid-item",
                f"the first column of this table must be '{expected}', not '{headers[0]}'",
            )
        return items

    def _typed_item(self, kind: SectionKind, raw: _RawItem) -> Item:
        known = ITEM_FIELDS[kind]
        fields: dict[str, Field] = {}
        extra: list[Field] = []
        for fld in raw.fields:
            if not fld.text:
                continue  # "Owner:" with nothing after it is no owner
            if fld.name in known and fld.name not in fields:
                fields[fld.name] = fld
            elif fld.name in known:
                self.problem(
                    fld.line,
                    "invalid-item",
                    f"'{fld.label}' is given twice for this {ITEM_NOUN[kind]} "
                    f"(first on line {fields[fld.name].line})",
                )
            else:
                extra.append(fld)
                self.problems.append(
                    problem(
                        self.path,
                        fld.line,
                        "unknown-field",
                        f"'{fld.label}' is not a field of {ITEM_WITH_ARTICLE[kind]} "
                        f"({', '.join(known)}); it is shown as written{suggest(fld.name, known)}",
                    )
                )
        base: dict[str, Any] = {
            "line": raw.line,
            "text": raw.text,
            "html": raw.html,
            "fields": fields,
            "extra_fields": extra,
        }
        if kind == "evidence":
            return self._evidence(raw, base)
        if kind == "partners":
            return self._partner(raw, base)
        if kind == "actions":
            return self._action(raw, base)
        return Risk(
            **base,
            likelihood=self._choice(fields.get("likelihood"), LEVELS),
            impact=self._choice(fields.get("impact"), LEVELS),
        )

    def _choice(self, fld: Field | None, allowed: tuple[str, ...]) -> str | None:
        if fld is None:
            return None
        value = re.sub(r"\s+", "-", fld.text.strip().lower())
        if value in allowed:
            return value
        self.problem(
            fld.line,
            "invalid-value",
            f"{fld.label} is '{fld.text}'; it must be {_choices(allowed)}{suggest(value, allowed)}",
        )
        return None

    def _date(self, fld: Field) -> dt.date | None:
        date = full_date(fld.text)
        if date is None:
            self.problem(
                fld.line,
                "invalid-date",
                f"{fld.label} is '{fld.text}', which is not a date; write it as YYYY-MM-DD",
            )
        return date

    def _evidence(self, raw: _RawItem, base: dict[str, Any]) -> Evidence:
        fields = base["fields"]
        if not raw.text:
            self.problem(raw.line, "invalid-item", "an evidence item needs a statement")
        strength = self._choice(fields.get("strength"), STRENGTHS)
        if "strength" not in fields:
            self.problem(
                raw.line,
                "missing-field",
                f"evidence item has no 'Strength:' ({_choices(STRENGTHS)})",
            )
        published = None
        if "date" in fields:
            published = _partial_date(fields["date"].text)
            if published is None:
                self.problem(
                    fields["date"].line,
                    "invalid-date",
                    f"Date is '{fields['date'].text}'; write it as YYYY, YYYY-MM or YYYY-MM-DD",
                )
        return Evidence(**base, strength=strength, published=published)

    def _partner(self, raw: _RawItem, base: dict[str, Any]) -> Partner:
        fields = base["fields"]
        name, sector_text = "", ""
        sector_line = raw.line
        if raw.name_field is not None:
            name = raw.name_field.text
            base["html"] = ""  # the table's first column is the name, shown as the heading
            sector_text = fields["sector"].text if "sector" in fields else ""
            sector_line = fields["sector"].line if "sector" in fields else raw.line
        elif raw.head is not None:
            # The first line is "**Name** — sector"; the name may carry markup (a link, say),
            # so it is read from the rendered text, and the later lines describe the partner.
            children = raw.head.children or []
            breaks = [i for i, c in enumerate(children) if c.type in ("softbreak", "hardbreak")]
            first_line = _plain_children(children[: breaks[0]] if breaks else children).strip()
            match = _PARTNER_HEAD.match(first_line)
            name = (match["name"] if match else first_line).strip()
            sector_text = match["sector"].strip() if match else ""
            description = self.render_inline(children[breaks[0] + 1 :]) if breaks else ""
            base["html"] = (f"<p>{description}</p>\n" if description else "") + raw.rest_html
            base["text"] = name
        if not name:
            self.problem(
                raw.line,
                "invalid-item",
                "a partner starts '**Name** — sector', e.g. "
                "'**British Beer and Pub Association** — commercial'",
            )
        sector = ""
        if name and not sector_text:
            self.problem(
                sector_line,
                "missing-field",
                f"partner '{name}' has no sector: write '**{name}** — sector', the sector "
                f"being {_choices(SECTORS)}",
            )
        elif sector_text:
            normal = re.sub(r"\s+", "-", sector_text.lower().strip(" .*_"))
            if normal in SECTORS:
                sector = normal
            else:
                self.problem(
                    sector_line,
                    "invalid-value",
                    f"sector of '{name}' is '{sector_text}'; it must be {_choices(SECTORS)}"
                    f"{suggest(normal, SECTORS)}",
                )
        return Partner(
            **base,
            name=name,
            sector=sector,
            commitment=self._choice(fields.get("commitment"), COMMITMENTS),
        )

    def _action(self, raw: _RawItem, base: dict[str, Any]) -> Action:
        fields = base["fields"]
        if not raw.text:
            self.problem(raw.line, "invalid-item", "an action needs a description")
        missing = [name for name in ("owner", "due") if name not in fields]
        if missing:
            what = " or ".join(f"'{m.capitalize()}:'" for m in missing)
            self.problems.append(
                problem(
                    self.path,
                    raw.line,
                    "action-incomplete",
                    f"action has no {what}: every action needs an owner and a due date",
                )
            )
        return Action(
            **base,
            owner=fields["owner"].text if "owner" in fields else None,
            due=self._date(fields["due"]) if "due" in fields else None,
            lever=self._choice(fields.get("lever"), LEVERS),
            status=self._choice(fields.get("status"), ACTION_STATUSES) or "not-started",
        )


def _choices(values: tuple[str, ...]) -> str:
    return ", ".join(values[:-1]) + " or " + values[-1]


def _normal_heading(title: str) -> str:
    return re.sub(r"\s+", " ", title.strip().rstrip(":").strip()).lower()


def _partial_date(text: str) -> PartialDate | None:
    match = _PARTIAL_DATE.match(text.strip())
    if not match:
        return None
    try:
        start = dt.date(int(match[1]), int(match[2] or 1), int(match[3] or 1))
    except ValueError:
        return None
    if match[3]:
        end = start
    elif match[2]:
        end = start + relativedelta(months=1, days=-1)
    else:
        end = dt.date(start.year, 12, 31)
    return PartialDate(text.strip(), start, end)


def _plain_children(children: list[Token]) -> str:
    parts = []
    for child in children:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "image":
            parts.append(_plain_children(child.children or []))
    return "".join(parts)


def _plain_inline(token: Token) -> str:
    return _plain_children(token.children or [])


_EMPHASIS = {"strong_open": 1, "em_open": 1, "strong_close": -1, "em_close": -1}


def _split_label(inline: Token) -> tuple[str, list[Token]] | None:
    """Split ``Label: value`` (the label may be bold) into the label and the value's tokens."""
    children = inline.children or []
    label_parts: list[str] = []
    depth = 0
    for index, child in enumerate(children):
        if child.type in _EMPHASIS:
            depth += _EMPHASIS[child.type]
            continue
        if child.type != "text":
            return None
        if ":" not in child.content:
            label_parts.append(child.content)
            continue
        before, after = child.content.split(":", 1)
        label = ("".join(label_parts) + before).strip()
        if not _LABEL.fullmatch(label):
            return None
        rest = children[index + 1 :]
        # "**Owner:** value": drop the closing emphasis whose opening was in the label.
        while depth > 0 and rest and rest[0].type in ("strong_close", "em_close"):
            rest, depth = rest[1:], depth - 1
        value: list[Token] = []
        if after.strip():
            first = copy.copy(child)
            first.content = after
            value.append(first)
        value += rest
        if value and value[0].type == "text":
            value[0] = copy.copy(value[0])
            value[0].content = value[0].content.lstrip()
        return label, value
    return None
