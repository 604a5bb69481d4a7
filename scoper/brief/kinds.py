"""The sections a brief may have and the kinds of structured item, in one table each.

A new kind of item is one :class:`ItemKind` entry in :data:`ITEM_KINDS` (its section, its
model class, its fields and their values) plus a template ``items/SECTION.html.j2``; see
docs/architecture.md. Nothing else decides what an item is: a section whose kind is not in
the table is free prose, and asking the table for a kind it does not hold is an error.
"""

from __future__ import annotations

import re
from typing import Literal

from msgspec import Struct

from scoper.brief.model import (
    ACTION_STATUSES,
    COMMITMENTS,
    LEVELS,
    LEVERS,
    STRENGTHS,
    Action,
    Evidence,
    Item,
    Partner,
    Risk,
    SectionKind,
)


def choices(values: tuple[str, ...]) -> str:
    """A list of allowed values for a message: 'a, b or c'."""
    return ", ".join(values[:-1]) + " or " + values[-1]


ValueType = Literal["text", "choice", "date", "partial-date", "mark"]


class FieldSpec(Struct, frozen=True):
    """One field an item of a kind may have."""

    name: str
    """The field's name in lower case, as the writer writes it (``Strength:``)."""
    value: ValueType = "text"
    """How the value is read: free text, one of :attr:`choices`, an ISO date, a date
    given as ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``, or a mark (``yes``, ``no``, or the
    exemption that applies, such as ``s.35``)."""
    choices: tuple[str, ...] = ()
    """The values a ``choice`` field accepts."""
    attribute: str | None = None
    """The model attribute the read value goes to; None keeps the field as written only."""
    default: str | None = None
    """The attribute's value when the field is not given."""


COMMON_FIELDS = (FieldSpec("sensitive", "mark", attribute="sensitive"),)
"""Fields every kind of item may have: ``Sensitive:`` marks an item to be withheld from a
public version."""


class ItemKind(Struct, frozen=True):
    """A kind of structured item: what its section's list items and table rows become."""

    section: SectionKind
    """The section whose items are of this kind."""
    model: type[Item]
    """The model class an item is built as."""
    fields: tuple[FieldSpec, ...]
    """The fields the format names for it, in the order the docs list them."""
    noun: str
    """What one item is called in messages: 'evidence item', 'partner'..."""
    article: str
    """The noun with its article: 'an evidence item', 'a partner'..."""
    text_columns: tuple[str, ...]
    """Headings the first column of the table form may have (it holds the item's text)."""
    required: tuple[str, ...] = ()
    """Fields every item must give."""
    required_rule: str = "missing-field"
    """The rule that reports a required field not given."""
    required_message: str = ""
    """Its message; ``{what}`` stands for the fields not given."""
    needs_text: str | None = None
    """The message when an item has no text, if it must have some."""
    headed: bool = False
    """The first line names the item: ``**Name** — sector`` (partners)."""

    @property
    def field_names(self) -> tuple[str, ...]:
        """The fields of this kind, as messages list them (the marks every kind may have,
        such as ``Sensitive:``, are not listed)."""
        return tuple(spec.name for spec in self.fields)

    @property
    def read_fields(self) -> tuple[FieldSpec, ...]:
        """Every field an item of this kind is read with: its own and the common marks."""
        return (*self.fields, *COMMON_FIELDS)

    def field(self, name: str) -> FieldSpec | None:
        return next((spec for spec in self.read_fields if spec.name == name), None)


ITEM_KINDS: dict[SectionKind, ItemKind] = {
    kind.section: kind
    for kind in (
        ItemKind(
            section="evidence",
            model=Evidence,
            fields=(
                FieldSpec("source"),
                FieldSpec("strength", "choice", STRENGTHS, attribute="strength"),
                FieldSpec("date", "partial-date", attribute="published"),
            ),
            noun="evidence item",
            article="an evidence item",
            text_columns=("evidence", "finding", "findings", "statement", "fact"),
            required=("strength",),
            required_message="evidence item has no {what} (" + choices(STRENGTHS) + ")",
            needs_text="an evidence item needs a statement",
        ),
        ItemKind(
            section="partners",
            model=Partner,
            fields=(
                FieldSpec("sector", attribute="sector"),
                FieldSpec("insight"),
                FieldSpec("role"),
                FieldSpec("interests"),
                FieldSpec("commitment", "choice", COMMITMENTS, attribute="commitment"),
                FieldSpec("contact"),
            ),
            noun="partner",
            article="a partner",
            text_columns=(
                "partner",
                "name",
                "organisation",
                "organization",
                "body",
                "stakeholder",
            ),
            headed=True,
        ),
        ItemKind(
            section="actions",
            model=Action,
            fields=(
                FieldSpec("owner", attribute="owner"),
                FieldSpec("due", "date", attribute="due"),
                FieldSpec("lever", "choice", LEVERS, attribute="lever"),
                FieldSpec(
                    "status", "choice", ACTION_STATUSES, attribute="status", default="not-started"
                ),
            ),
            noun="action",
            article="an action",
            text_columns=("action", "action point", "next step", "step"),
            required=("owner", "due"),
            required_rule="action-incomplete",
            required_message="action has no {what}: every action needs an owner and a due date",
            needs_text="an action needs a description",
        ),
        ItemKind(
            section="risks",
            model=Risk,
            fields=(
                FieldSpec("likelihood", "choice", LEVELS, attribute="likelihood"),
                FieldSpec("impact", "choice", LEVELS, attribute="impact"),
                FieldSpec("mitigation"),
            ),
            noun="risk",
            article="a risk",
            text_columns=("risk", "risks", "issue"),
        ),
    )
}


class UnknownItemKind(KeyError):
    """Asked for a kind of item that :data:`ITEM_KINDS` does not hold."""


def item_kind(section: str) -> ItemKind:
    """The kind of item a section holds. Raises :class:`UnknownItemKind` for any section
    that holds no items: an item is never built as some other kind."""
    try:
        return ITEM_KINDS[section]  # type: ignore[index]
    except KeyError:
        raise UnknownItemKind(section) from None


class SectionSpec(Struct, frozen=True):
    """A section the format recognises."""

    kind: SectionKind
    title: str
    """The heading scoper's own skeleton and messages use."""
    aliases: tuple[str, ...] = ()
    """Other headings that mean this section, in lower case."""
    required: bool = False


SECTIONS: tuple[SectionSpec, ...] = (
    SectionSpec("summary", "Summary", ("the issue",), required=True),
    SectionSpec("background", "Background", ("context",)),
    SectionSpec("evidence", "Evidence", ("evidence base",), required=True),
    SectionSpec("partners", "External partners", ("partners", "stakeholders"), required=True),
    SectionSpec("options", "Options"),
    SectionSpec(
        "recommendation",
        "Recommendation",
        ("recommendations", "decision", "decisions sought", "the ask"),
    ),
    SectionSpec("actions", "Action points", ("actions", "next steps"), required=True),
    SectionSpec("risks", "Risks"),
)

SECTION_ALIASES: dict[str, SectionKind] = {
    name: spec.kind for spec in SECTIONS for name in (spec.title.lower(), *spec.aliases)
}
"""Every heading that names a recognised section, in lower case."""
SECTION_TITLES: dict[SectionKind, str] = {spec.kind: spec.title for spec in SECTIONS}
REQUIRED_SECTIONS: tuple[SectionKind, ...] = tuple(s.kind for s in SECTIONS if s.required)


def close_section(heading: str) -> tuple[SectionKind, str] | None:
    """The section a heading probably meant to name, with its title, when it is close to
    one of the names (a slip of the keyboard: 'External Partnres')."""
    import difflib

    name = re.sub(r"\s+", " ", heading.strip().rstrip(":").strip()).lower()
    close = difflib.get_close_matches(name, list(SECTION_ALIASES), n=1, cutoff=0.8)
    if not close:
        return None
    kind = SECTION_ALIASES[close[0]]
    return kind, SECTION_TITLES[kind]


def section_kind(heading: str) -> SectionKind:
    """The section a ``## `` heading names, in any letter case and in the singular or the
    plural (``Risk``, ``Action point``, ``Partner``); ``other`` for free prose."""
    name = re.sub(r"\s+", " ", heading.strip().rstrip(":").strip()).lower()
    for candidate in (name, name[:-1] if name.endswith("s") else name + "s"):
        if candidate in SECTION_ALIASES:
            return SECTION_ALIASES[candidate]
    return "other"
