"""Structured items: the list items and table rows of the Evidence, External partners,
Action points and Risks sections, read into the model as the kind table says
(:mod:`scoper.brief.kinds`)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from dateutil.relativedelta import relativedelta
from markdown_it.token import Token
from msgspec import Struct, field

from scoper.brief.frontmatter import full_date, suggest
from scoper.brief.kinds import FieldSpec, ItemKind, choices
from scoper.brief.markdown import MARK_READ
from scoper.brief.model import SECTORS, Field, Item, PartialDate
from scoper.brief.prose import Prose, inline_token, paragraph, plain_children, plain_inline
from scoper.brief.stream import Span, Stream

_LABEL = re.compile(r"[A-Za-z][A-Za-z \-]{0,29}")
_PARTNER_HEAD = re.compile(r"^(?P<name>.+?)\s*(?:[—–]|\s-\s)\s*(?P<sector>[^—–]+?)$")
_PARTIAL_DATE = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$")
_EMPHASIS = {"strong_open": 1, "em_open": 1, "strong_close": -1, "em_close": -1}


class _RawItem(Struct):
    """An item before its fields are interpreted for its kind."""

    line: int
    body: Prose = field(default_factory=Prose)
    fields: list[Field] = field(default_factory=list)
    head: Token | None = None
    """The inline token of the first paragraph (a partner's name and sector)."""
    rest: tuple[Token, ...] = ()
    """Everything of the item after its first paragraph, except the fields."""
    name_field: Field | None = None
    """The table form's first column, for partners."""
    mark: str | None = None
    """A ``{.sensitive}`` line on a block the item reader takes apart (the item's first
    paragraph, its field list, a field's line): the exemption, or "". It marks the whole
    item, since the block that carried it is not kept as a block."""


class ItemReader:
    """Reads the items of one structured section."""

    def __init__(self, stream: Stream, kind: ItemKind, lines: list[str] | None = None) -> None:
        self.stream = stream
        self.tokens = stream.tokens
        self.kind = kind
        self.lines = lines or []
        """The body's source lines, to say how a line is indented."""

    def list_items(self, start: int, stop: int) -> list[Item]:
        """The items of a list, one a top-level list item."""
        raws: list[_RawItem] = []
        stray_run = False
        for a, b in self.stream.blocks(start + 1, stop - 1):
            raw = self._list_item(a, b)
            stray = self._stray_field(raw) if raws else None
            if stray is None:
                raws.append(raw)
                stray_run = False
                continue
            # A field line indented too little became an item of its own: report it once
            # (for the run of such lines) and give the field to the item it belongs to.
            if not stray_run:
                self._indentation_problem(raws[-1], raw)
            stray_run = True
            raws[-1].fields.append(stray)
        return self._marked([self._typed_marked(raw) for raw in raws], start)

    def _typed_marked(self, raw: _RawItem) -> Item:
        item = self._typed(raw)
        if raw.mark is not None and item.sensitive is None:
            item.sensitive = raw.mark
        return item

    def _marked(self, items: list[Item], start: int) -> list[Item]:
        """``{.sensitive}`` before a list or table of items marks every item in it."""
        mark = self.tokens[start].meta.get("sensitive")
        if mark is not None:
            self.tokens[start].meta[MARK_READ] = True
            for item in items:
                if item.sensitive is None:
                    item.sensitive = mark
        return items

    def _stray_field(self, raw: _RawItem) -> Field | None:
        """An item that is only a 'Field: value' line naming one of the kind's fields."""
        if raw.head is None or raw.fields or raw.rest:
            return None
        split = _split_label(raw.head)
        if split is None or split[0].lower() not in self.kind.field_names:
            return None
        label, children = split
        value = Prose((inline_token(children, raw.head),))
        return Field(name=label.lower(), label=label, value=value, line=raw.line)

    def _indentation_problem(self, owner: _RawItem, stray: _RawItem) -> None:
        need = have = None
        index = owner.line - self.stream.offset
        if 0 <= index < len(self.lines):
            marker = re.match(r"^(\s*(?:[-*+]|\d+[.)])\s+)", self.lines[index])
            need = len(marker.group(1)) if marker else None
        index = stray.line - self.stream.offset
        if 0 <= index < len(self.lines):
            have = len(self.lines[index]) - len(self.lines[index].lstrip(" "))
        label = (_split_label(stray.head) or ("Field", []))[0] if stray.head else "Field"
        how = (
            f"it is indented {have} space{'s' if have != 1 else ''}; indent it {need} spaces"
            if need is not None and have is not None
            else "indent it under the item's text"
        )
        self.stream.problem(
            stray.line,
            "invalid-item",
            f"'{label}:' here reads as a new {self.kind.noun}, not a field of the one above: "
            f"{how}, like the item's text (and the lines after it the same way)",
        )

    def table_items(self, start: int, stop: int) -> list[Item]:
        """The items of a table whose header row names the fields, one a row."""
        return self._marked([self._typed(raw) for raw in self._table_rows(start, stop)], start)

    # -- the two forms ----------------------------------------------------------------------

    def _list_item(self, start: int, stop: int) -> _RawItem:
        item = _RawItem(line=self.stream.line_of(self.tokens[start]))
        rest: list[Span] = []
        for position, (a, b) in enumerate(self.stream.blocks(start + 1, stop - 1)):
            token = self.tokens[a]
            if position == 0 and token.type == "paragraph_open":
                item.head = self.tokens[a + 1]
                item.mark = _mark_of(token, item.mark)
            elif token.type == "bullet_list_open" and self._is_field_list(a, b):
                item.mark = _mark_of(token, item.mark)
                for field_start, _ in self.stream.blocks(a + 1, b - 1):
                    for taken in self.tokens[field_start : field_start + 2]:
                        item.mark = _mark_of(taken, item.mark)
                item.fields += self._field_list(a, b)
            else:
                rest.append((a, b))
        item.rest = self.stream.run(rest)
        if item.head is None:
            item.body = Prose(item.rest)
        elif item.rest:
            # The first paragraph of a tight list has no <p>: give it one like the rest.
            item.body = Prose(paragraph(item.head) + item.rest)
        else:
            item.body = Prose((item.head,))
        return item

    def _is_field_list(self, start: int, stop: int) -> bool:
        """A nested list is the item's fields if it names a known field, or if every line
        of it reads 'Label: value' (then unknown labels are pointed out as likely typos)."""
        labels = []
        for a, _ in self.stream.blocks(start + 1, stop - 1):
            inline = self.tokens[a + 2] if a + 2 < stop else None
            split = _split_label(inline) if inline is not None and inline.type == "inline" else None
            labels.append(split[0].lower() if split else None)
        known = self.kind.field_names
        return any(label in known for label in labels) or (bool(labels) and all(labels))

    def _field_list(self, start: int, stop: int) -> list[Field]:
        fields = []
        for a, b in self.stream.blocks(start + 1, stop - 1):
            line = self.stream.line_of(self.tokens[a])
            opens = self.tokens[a + 1].type == "paragraph_open"
            inline = self.tokens[a + 2] if opens else None
            split = _split_label(inline) if inline is not None else None
            if inline is None or split is None:
                self.stream.problem(
                    line,
                    "invalid-item",
                    f"expected a 'Field: value' line in this {self.kind.noun}'s field list, "
                    f"with a field such as {', '.join(self.kind.field_names)}",
                )
                continue
            label, children = split
            # Anything written under the field's line (a nested list, a second paragraph)
            # belongs to the field's value.
            rest = self.stream.run(self.stream.blocks(a + 1, b - 1)[1:])
            value = Prose((inline_token(children, inline), *rest))
            fields.append(Field(name=label.lower(), label=label, value=value, line=line))
        return fields

    def _table_rows(self, start: int, stop: int) -> list[_RawItem]:
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
                rows.append((self.stream.line_of(token), current))
            elif token.type == "inline":
                if in_head:
                    headers.append(plain_inline(token).strip())
                elif current is not None:
                    current.append(token)
        names = [h.lower() for h in headers]
        items = []
        for line, cells in rows:
            item = _RawItem(line=line)
            for column, cell in enumerate(cells):
                value = Prose((cell,))
                if column == 0:
                    item.body = value
                    if self.kind.headed:
                        item.name_field = Field("name", headers[0], value, line)
                elif plain_inline(cell).strip():
                    item.fields.append(Field(names[column], headers[column], value, line))
            items.append(item)
        if names and names[0] not in self.kind.text_columns:
            expected = self.kind.text_columns[0].capitalize()
            self.stream.problem(
                self.stream.line_of(self.tokens[start]),
                "invalid-item",
                f"the first column of this table must be '{expected}', not '{headers[0]}'",
            )
        return items

    # -- from a raw item to the model -------------------------------------------------------

    def _typed(self, raw: _RawItem) -> Item:
        kind = self.kind
        fields, extra = self._sorted_fields(raw.fields)
        values: dict[str, Any] = {}
        for spec in kind.read_fields:
            if spec.attribute is not None:
                found = fields.get(spec.name)
                read = self._read(spec, found) if found is not None else None
                values[spec.attribute] = spec.default if read is None else read
        body = raw.body
        if kind.headed:
            body, values["name"], values["sector"], values["heading"] = self._named(raw, fields)
        elif kind.needs_text and not raw.body.text:
            self.stream.problem(raw.line, "invalid-item", kind.needs_text)
        missing = [name for name in kind.required if name not in fields]
        if missing:
            what = " or ".join(f"'{name.capitalize()}:'" for name in missing)
            self.stream.problem(
                raw.line, kind.required_rule, kind.required_message.format(what=what)
            )
        return kind.model(line=raw.line, body=body, fields=fields, extra_fields=extra, **values)

    def _sorted_fields(self, written: list[Field]) -> tuple[dict[str, Field], list[Field]]:
        """The fields the kind names, by name, and the others as written."""
        known = self.kind.field_names
        readable = {spec.name for spec in self.kind.read_fields}
        fields: dict[str, Field] = {}
        extra: list[Field] = []
        for fld in written:
            if not fld.text and fld.name != "sensitive":
                # "Owner:" with nothing after it is no owner; but "Sensitive:" alone asks
                # for a mark, and is read as "yes" (failing open would publish the item).
                continue
            if fld.name in readable and fld.name not in fields:
                fields[fld.name] = fld
            elif fld.name in readable:
                self.stream.problem(
                    fld.line,
                    "invalid-item",
                    f"'{fld.label}' is given twice for this {self.kind.noun} "
                    f"(first on line {fields[fld.name].line})",
                )
            else:
                extra.append(fld)
                if _close_to_sensitive(fld.name):
                    self.stream.misspelt_marks.append(fld.line)
                self.stream.problem(
                    fld.line,
                    "unknown-field",
                    f"'{fld.label}' is not a field of {self.kind.article} "
                    f"({', '.join(known)}); it is shown as written{suggest(fld.name, known)}",
                )
        return fields, extra

    def _read(self, spec: FieldSpec, fld: Field) -> Any:
        """A field's value as its spec says, or None (with a problem) when it is not valid."""
        if spec.value == "choice":
            return self._choice(fld, spec.choices)
        if spec.value == "date":
            date = full_date(fld.text)
            if date is None:
                self.stream.problem(
                    fld.line,
                    "invalid-date",
                    f"{fld.label} is '{fld.text}', which is not a date; write it as YYYY-MM-DD",
                )
            return date
        if spec.value == "mark":
            value = fld.text.strip()
            if value.lower() in ("no", "false"):
                return None
            return "" if value.lower() in ("yes", "true") else value
        if spec.value == "partial-date":
            published = partial_date(fld.text)
            if published is None:
                self.stream.problem(
                    fld.line,
                    "invalid-date",
                    f"{spec.name.capitalize()} is '{fld.text}'; "
                    "write it as YYYY, YYYY-MM or YYYY-MM-DD",
                )
            return published
        return fld.text

    def _choice(self, fld: Field, allowed: tuple[str, ...]) -> str | None:
        value = re.sub(r"\s+", "-", fld.text.lower())
        if value in allowed:
            return value
        self.stream.problem(
            fld.line,
            "invalid-value",
            f"{fld.label} is '{fld.text}'; it must be {choices(allowed)}{suggest(value, allowed)}",
        )
        return None

    def _named(self, raw: _RawItem, fields: dict[str, Field]) -> tuple[Prose, str, str, Prose]:
        """A partner's description, name, sector and the line naming it: from
        ``**Name** — sector`` and the lines after it, or from the table form's columns."""
        name, sector_text, sector_line = "", "", raw.line
        body = heading = Prose()
        if raw.name_field is not None:
            name, heading = raw.name_field.text, raw.name_field.value
            if "sector" in fields:
                sector_text, sector_line = fields["sector"].text, fields["sector"].line
        elif raw.head is not None:
            # The name may carry markup (a link, say), so it is read from the plain text,
            # and the later lines describe the partner.
            children = raw.head.children or []
            breaks = [i for i, c in enumerate(children) if c.type in ("softbreak", "hardbreak")]
            first = children[: breaks[0]] if breaks else children
            heading = Prose((inline_token(list(first), raw.head),))
            name, sector_text = partner_head(plain_children(first))
            description = children[breaks[0] + 1 :] if breaks else []
            lead = paragraph(inline_token(description, raw.head)) if description else ()
            body = Prose(lead + raw.rest)
        if not name:
            self.stream.problem(
                raw.line,
                "invalid-item",
                "a partner starts '**Name** — sector', e.g. "
                "'**British Beer and Pub Association** — commercial'",
            )
        sector = ""
        if name and not sector_text:
            self.stream.problem(
                sector_line,
                "missing-field",
                f"partner '{name}' has no sector: write '**{name}** — sector', the sector "
                f"being {choices(SECTORS)}",
            )
        elif sector_text:
            normal = re.sub(r"\s+", "-", sector_text.lower().strip(" .*_"))
            if normal in SECTORS:
                sector = normal
            else:
                self.stream.problem(
                    sector_line,
                    "invalid-value",
                    f"sector of '{name}' is '{sector_text}'; it must be {choices(SECTORS)}"
                    f"{suggest(normal, SECTORS)}",
                )
        return body, name, sector, heading


def partner_head(line: str) -> tuple[str, str]:
    """The name and the sector written as ``**Name** — sector`` (as plain text)."""
    match = _PARTNER_HEAD.match(line.strip())
    if not match:
        return line.strip(), ""
    return match["name"].strip(), match["sector"].strip()


def partial_date(text: str) -> PartialDate | None:
    """A date given as ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``, as the period it names."""
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


def _text_token(content: str) -> Token:
    token = Token("text", "", 0)
    token.content = content
    return token


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
            # New tokens, not copies: copying a token is most of what reading fields costs.
            value.append(_text_token(after))
        value += rest
        if value and value[0].type == "text":
            value[0] = _text_token(value[0].content.lstrip())
        return label, value
    return None


def _mark_of(token: Token, mark: str | None) -> str | None:
    """The mark already found, else the token's own (read: it marks the whole item)."""
    if "sensitive" in token.meta:
        token.meta[MARK_READ] = True
    return mark if mark is not None else token.meta.get("sensitive")


def _close_to_sensitive(name: str) -> bool:
    """A field name that is 'sensitive' misspelt (a letter or two off)."""
    import difflib

    return difflib.SequenceMatcher(None, name.lower(), "sensitive").ratio() >= 0.8
