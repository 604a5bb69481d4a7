"""The typed model of a brief.

Every later stage (checks, HTML, PDF, pack, preview, export) reads only this model, never the
Markdown. Line numbers are 1-based lines of the brief file, so any stage can report a problem
as ``path:line: message``.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Literal

from msgspec import Struct, field

from scoper.brief.prose import EMPTY, Prose
from scoper.problems import Problem

if TYPE_CHECKING:
    from markdown_it.token import Token

CLASSIFICATIONS = ("OFFICIAL", "OFFICIAL-SENSITIVE", "SECRET", "TOP SECRET")
STATUSES = ("draft", "review", "cleared", "final", "superseded")
STRENGTHS = ("strong", "moderate", "weak", "anecdotal")
SECTORS = ("commercial", "third-sector", "public", "academic", "community")
COMMITMENTS = ("committed", "in-principle", "exploratory")
LEVERS = ("spending", "regulation", "legislation", "partnership", "communications", "research")
ACTION_STATUSES = ("not-started", "in-progress", "done", "blocked")
LEVELS = ("low", "medium", "high")
IMAGE_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".svg": "image/svg+xml",
}
"""The images a brief (and the unit's logo) may show, by file ending, with their types."""

SectionKind = Literal[
    "summary",
    "background",
    "evidence",
    "partners",
    "options",
    "recommendation",
    "actions",
    "risks",
    "other",
]


class Field(Struct):
    """One ``Name: value`` line of a structured item (or one cell of the table form)."""

    name: str
    """The field's name in lower case, e.g. ``source``."""
    label: str
    """The name as the author wrote it, for showing an unknown field."""
    value: Prose
    """The value as written, with its inline Markdown (links, emphasis) and anything
    written under the field's line."""
    line: int
    """Line of the field in the brief."""

    @property
    def text(self) -> str:
        """The value as plain text (Markdown markup removed), used for checking."""
        return self.value.text.strip()


class Item(Struct):
    """A top-level list item (or table row) of a structured section."""

    line: int
    """Line where the item starts."""
    body: Prose = EMPTY
    """The item's text: its first paragraph and anything written under it except its
    fields (for a partner, what follows the name and sector)."""
    fields: dict[str, Field] = field(default_factory=dict)
    """Fields the format names for this kind of item, by lower-case name."""
    extra_fields: list[Field] = field(default_factory=list)
    """Fields the format does not name: kept and shown with the item."""
    sensitive: str | None = None
    """Marked sensitive (``Sensitive: yes`` or ``Sensitive: s.35``): the exemption given,
    or "" for none; None when not marked."""
    withheld: str | None = None
    """In a public version, this item was withheld: the exemption, or ""."""

    @property
    def text(self) -> str:
        """The item's text as plain text."""
        return self.body.text

    def value(self, name: str) -> str | None:
        found = self.fields.get(name)
        return found.text if found else None


class PartialDate(Struct):
    """A publication date given as ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``."""

    text: str
    """As written."""
    start: dt.date
    """The first day of the period, for comparing with other dates."""
    end: dt.date
    """The last day of the period (the same day when a full date is given)."""


class Evidence(Item):
    strength: str | None = None
    """One of :data:`STRENGTHS`."""
    published: PartialDate | None = None
    """When the evidence was published, if given."""


class Partner(Item):
    name: str = ""
    """The organisation's name, plain text."""
    sector: str = ""
    """One of :data:`SECTORS`."""
    commitment: str | None = None
    """One of :data:`COMMITMENTS`, if given."""
    heading: Prose = EMPTY
    """The line that names the partner (``**Name** — sector``, or the table's first
    column): ``name`` is read from it, and from its public version in a public paper."""

    @property
    def text(self) -> str:
        """A partner is named by its name."""
        return self.name


class Action(Item):
    owner: str | None = None
    due: dt.date | None = None
    lever: str | None = None
    """One of :data:`LEVERS`, if given."""
    status: str = "not-started"
    """One of :data:`ACTION_STATUSES`."""


class Risk(Item):
    likelihood: str | None = None
    """One of :data:`LEVELS`, if given."""
    impact: str | None = None
    """One of :data:`LEVELS`, if given."""


class Image(Struct):
    """An image the brief refers to."""

    src: str
    """The path or URL as written."""
    alt: str
    """The alt text (may be empty)."""
    line: int


class Link(Struct):
    """A link the brief makes."""

    href: str
    line: int


class Section(Struct):
    """A level-2 section of the brief, in source order."""

    kind: SectionKind
    """Which recognised section this is, or ``other`` for free prose."""
    title: str
    """The heading as written."""
    line: int
    """Line of the heading."""
    anchor: str
    """A unique id for links and bookmarks."""
    intro: Prose = EMPTY
    """Prose before the items (all of the prose, in a prose section)."""
    items: list[Item] = field(default_factory=list)
    """Structured items (evidence, partners, actions, risks), in source order."""
    outro: Prose = EMPTY
    """Prose after the items."""
    heading: Prose = EMPTY
    """The heading as written (``title`` is its plain text): a public version takes a
    ``[span]{.sensitive}`` out of it."""
    sensitive: str | None = None
    """Marked sensitive (``{.sensitive}`` before its heading): the exemption, or ""."""
    withheld: str | None = None
    """In a public version, this section was withheld: the exemption, or ""."""

    @property
    def text(self) -> str:
        """The section's prose as plain text, e.g. for counting words."""
        return " ".join(part for part in (self.intro.text, self.outro.text) if part)


class Clearance(Struct):
    """One person who signed the paper off (``cleared-by``)."""

    name: str
    role: str | None = None
    """Their post, e.g. 'Head of Policy Unit'."""
    date: dt.date | None = None
    """When they cleared it."""

    def __str__(self) -> str:
        parts = [self.name] + ([self.role] if self.role else [])
        when = f" ({self.date.day} {self.date:%b %Y})" if self.date else ""
        return ", ".join(parts) + when


class FrontMatter(Struct):
    """The brief's YAML front matter, validated."""

    title: str
    date: dt.date
    ref: str
    """Reference, e.g. ``PU-2026-014``; derived from the file name when not given."""
    priority: int = 3
    """1 (highest) to 5."""
    status: str = "draft"
    classification: str = "OFFICIAL"
    authors: list[str] = field(default_factory=list)
    lead: str | None = None
    commissioned_by: str | None = None
    tags: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    """Check rules switched off for this brief."""
    version: str | None = None
    """The paper's version as written: '3', '3.1'."""
    cleared_by: list[Clearance] = field(default_factory=list)
    """Who signed the paper off, in the order given."""
    distribution: list[str] = field(default_factory=list)
    """Who the paper goes to."""
    decision_by: dt.date | None = None
    """When the reader's decision is needed."""
    ask: str | None = None
    """One line: what the reader is asked to do."""
    supersedes: str | None = None
    """The ref of an earlier paper this one replaces."""
    numbered_paragraphs: bool | None = None
    """This paper's choice of numbered paragraphs; None leaves it to the project."""
    public: bool = True
    """False: never build a public version of this paper."""
    public_title: str | None = None
    """The title of the public version, if different."""
    lines: dict[str, int] = field(default_factory=dict)
    """Line of each key as written, so checks can point at it."""


class Brief(Struct):
    """A parsed, valid brief."""

    path: str
    """The file as the user named it."""
    meta: FrontMatter
    sections: list[Section]
    preamble: Prose = EMPTY
    """Prose before the first section, if any."""
    footnotes: Prose = EMPTY
    """The numbered notes (markdown-it's footnote block)."""
    images: list[Image] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    """Problems found while parsing that do not stop a paper being made."""
    slug: str = ""
    """Safe file-name stem for outputs, from the file name."""
    withheld: int | None = None
    """In a public version, how many passages were withheld; None for the full paper."""
    marked: bool = False
    """Some block or span of the body is marked ``{.sensitive}``."""
    source: bytes = b""
    """The brief file's bytes as read (empty for a brief parsed from text, and in a public
    version): what the Word paper's digest and the PDF/A record's attachment are made of."""
    marked_texts: tuple[str, ...] = ()
    """The words of every block and span marked ``{.sensitive}``, as parsed: whatever
    the public version withholds, none of these may be left in it."""
    marked_tokens: tuple[Token, ...] = ()
    """Every token the marks rule found marked: the public version's last check finds each
    in the model, or read into a mark of the model (``MARK_READ``), or refuses."""
    unattached_marks: tuple[int, ...] = ()
    """Brief lines of ``{.sensitive}`` lines that no block follows (the last line of a quote,
    a list item or the body): they mark nothing, so the public version refuses them."""
    body_line: int = 1
    """The brief line of the body's first line: a prose token's ``map`` counts from it."""

    def line_of(self, token_map: list[int] | None, fallback: int) -> int:
        """The brief line a prose token starts on."""
        return self.body_line + token_map[0] if token_map else fallback

    def section(self, kind: SectionKind) -> Section | None:
        return next((s for s in self.sections if s.kind == kind), None)

    def items(self, kind: SectionKind) -> list:
        """The items of a structured section; none when the brief lacks it."""
        found = self.section(kind)
        return found.items if found else []

    @property
    def evidence(self) -> list[Evidence]:
        return self.items("evidence")

    @property
    def partners(self) -> list[Partner]:
        return self.items("partners")

    @property
    def actions(self) -> list[Action]:
        return self.items("actions")

    @property
    def risks(self) -> list[Risk]:
        return self.items("risks")

    @property
    def summary_text(self) -> str:
        found = self.section("summary")
        return found.text if found else ""
