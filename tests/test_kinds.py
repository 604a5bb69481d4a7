"""The table of item kinds is the one thing that decides what an item is."""

from __future__ import annotations

from pathlib import Path

import pytest

from scoper.brief import kinds
from scoper.brief.kinds import ITEM_KINDS, SECTIONS, FieldSpec, ItemKind, UnknownItemKind
from scoper.brief.model import Item
from scoper.brief.parser import parse_brief
from scoper.render.theme import default_theme_dir

BRIEF = """---
title: Kinds
date: 2026-11-23
---
## Summary
One line.
## Evidence
- A claim.
  - Source: ONS
  - Strength: strong
## External partners
- **Acme Ltd** — commercial
  - Interests: Market share.
## Action points
- Do the thing.
  - Owner: Policy Unit
  - Due: 2026-12-11
## Options
- Option one.
  - Likelihood: high
"""


@pytest.mark.parametrize("section", ["options", "summary", "background", "other", "decisions"])
def test_a_kind_the_table_does_not_know_cannot_be_built(section: str) -> None:
    with pytest.raises(UnknownItemKind):
        kinds.item_kind(section)


def test_a_list_in_a_section_without_a_kind_stays_prose() -> None:
    brief = parse_brief(BRIEF, "b.md", default_ref="b", slug="b")
    options = brief.section("options")
    assert options is not None and options.items == []
    assert "Option one." in options.text
    # Fields there are text, never taken for a risk's likelihood.
    assert "Likelihood: high" in options.text


@pytest.mark.parametrize("kind", ITEM_KINDS.values(), ids=lambda k: k.section)
def test_each_kind_has_a_model_a_section_and_a_template(kind: ItemKind) -> None:
    assert issubclass(kind.model, Item)
    attributes = set(kind.model.__struct_fields__)
    for spec in kind.fields:
        assert spec.attribute is None or spec.attribute in attributes, spec
        assert spec.value != "choice" or spec.choices, spec
    assert kind.section in {spec.kind for spec in SECTIONS}
    assert (default_theme_dir() / "items" / f"{kind.section}.html.j2").is_file()


class Decision(Item):
    deadline: object = None


def test_a_new_kind_is_one_table_entry(monkeypatch: pytest.MonkeyPatch) -> None:
    """What docs/architecture.md promises: an entry in the tables makes a new kind."""
    decision = ItemKind(
        section="decisions",  # type: ignore[arg-type]
        model=Decision,
        fields=(FieldSpec("by", "date", attribute="deadline"),),
        noun="decision",
        article="a decision",
        text_columns=("decision",),
    )
    monkeypatch.setitem(ITEM_KINDS, "decisions", decision)  # type: ignore[arg-type]
    monkeypatch.setitem(kinds.SECTION_ALIASES, "decisions", "decisions")  # type: ignore[arg-type]
    text = BRIEF + "## Decisions\n- Agree the roundtable.\n  - By: 2026-12-04\n  - Note: x\n"
    brief = parse_brief(text, "b.md", default_ref="b", slug="b")
    section = brief.section("decisions")  # type: ignore[arg-type]
    assert section is not None
    [item] = section.items
    assert isinstance(item, Decision)
    assert item.text == "Agree the roundtable."
    assert str(item.deadline) == "2026-12-04"
    assert [w.rule for w in brief.warnings] == ["unknown-field"]


def test_architecture_map_names_files_that_exist() -> None:
    root = Path(__file__).resolve().parent.parent
    text = (root / "docs" / "architecture.md").read_text(encoding="utf-8")
    import re

    named = set(re.findall(r"`((?:scoper|templates|tests|bench|docs)/[\w/.-]+)`", text))
    assert len(named) >= 20
    for path in sorted(named):
        assert (root / path).exists(), path
