"""The model as data: ``scoper export`` (briefs as JSON, documented in docs/export.md) and
``scoper schema`` (a JSON Schema of the front matter, for editors)."""

from __future__ import annotations

import datetime as dt
from pathlib import PurePath
from typing import Any

from scoper.brief.figures import CHART_TYPES
from scoper.brief.frontmatter import KNOWN_KEYS
from scoper.brief.kinds import ITEM_KINDS, ItemKind
from scoper.brief.model import (
    ACTION_STATUSES,
    CLASSIFICATIONS,
    COMMITMENTS,
    LEVELS,
    LEVERS,
    SECTORS,
    STATUSES,
    STRENGTHS,
    Brief,
    Item,
    PartialDate,
)
from scoper.problems import RULES, Problem

EXPORT_SCHEMA = "scoper-brief/1"
"""Changes only when a field changes meaning or goes; new fields may be added within it."""


def _item_data(item: Item, kind: ItemKind) -> dict[str, Any]:
    """One item as the kind table describes it: its text (or name), each field the format
    names, read or as written, and the others as written."""
    data: dict[str, Any] = {"line": item.line}
    if kind.headed:
        data["name"] = item.text
    else:
        data["text"] = item.text
    for spec in kind.fields:
        if spec.attribute is None:
            data[spec.name] = item.value(spec.name)
            continue
        value = getattr(item, spec.attribute)
        if isinstance(value, dt.date):
            value = value.isoformat()
        elif isinstance(value, PartialDate):
            value = value.text
        data[spec.attribute] = value
    data["other_fields"] = {field.label: field.text for field in item.extra_fields}
    return data


def brief_data(brief: Brief, problems: list[Problem]) -> dict[str, Any]:
    from scoper.report import problem_dict

    meta = brief.meta
    return {
        # A public version names its brief by file name only: the folder may name an
        # official (as the public Word file names no path at all).
        "path": PurePath(brief.path).name if brief.withheld is not None else brief.path,
        "ref": meta.ref,
        "title": meta.title,
        "date": meta.date.isoformat(),
        "priority": meta.priority,
        "status": meta.status,
        "classification": meta.classification,
        "authors": meta.authors,
        "lead": meta.lead,
        "commissioned_by": meta.commissioned_by,
        "tags": meta.tags,
        "sections": [
            {"kind": s.kind, "title": s.title, "line": s.line, "text": s.text}
            for s in brief.sections
        ],
        **{
            section: [_item_data(item, kind) for item in brief.items(section)]
            for section, kind in ITEM_KINDS.items()
        },
        "problems": [problem_dict(p) for p in problems],
    }


def export_document(briefs: list[tuple[Brief, list[Problem]]]) -> dict[str, Any]:
    return {"schema": EXPORT_SCHEMA, "briefs": [brief_data(b, p) for b, p in briefs]}


def _choice(values: tuple[str, ...]) -> dict[str, Any]:
    """Editors complete from the enum; scoper itself also takes other cases and spaces."""
    return {"type": "string", "enum": list(values)}


def front_matter_schema() -> dict[str, Any]:
    """JSON Schema (2020-12) of a brief's front matter."""
    text_list = {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}
    properties: dict[str, Any] = {
        "title": {"type": "string", "minLength": 1, "description": "The paper's title."},
        "topic": {"type": "string", "minLength": 1, "description": "Another name for title."},
        "date": {"type": "string", "format": "date", "description": "The paper's date."},
        "ref": {"type": "string", "maxLength": 60, "description": "e.g. PU-2026-014."},
        "priority": {"type": "integer", "minimum": 1, "maximum": 5, "default": 3},
        "status": {**_choice(STATUSES), "default": "draft"},
        "classification": _choice(CLASSIFICATIONS),
        "authors": {**text_list, "description": "A list of names, or one name."},
        "lead": {"type": "string", "description": "The owning team."},
        "commissioned-by": {"type": "string"},
        "tags": text_list,
        "ignore": {
            "type": "array",
            "items": {"enum": sorted(n for n, r in RULES.items() if r.group == "check")},
            "description": "Check rules switched off for this brief.",
        },
        "version": {
            "oneOf": [{"type": "integer", "minimum": 1}, {"type": "string", "maxLength": 20}],
            "description": "The paper's version: 3, or '3.1'.",
        },
        "cleared-by": {
            "type": "array",
            "items": {
                "oneOf": [
                    {"type": "string"},
                    {
                        "type": "object",
                        "properties": {
                            "name": {"type": "string"},
                            "role": {"type": "string"},
                            "date": {"type": "string", "format": "date"},
                        },
                        "required": ["name"],
                        "additionalProperties": False,
                    },
                ]
            },
            "description": "Who signed the paper off.",
        },
        "distribution": {**text_list, "description": "Who the paper goes to."},
        "decision-by": {"type": "string", "format": "date"},
        "ask": {"type": "string", "maxLength": 300, "description": "What the reader is asked."},
        "supersedes": {"type": "string", "maxLength": 60, "description": "An earlier ref."},
        "numbered-paragraphs": {"type": "boolean"},
        "public": {"type": "boolean", "default": True},
        "public-title": {"type": "string", "maxLength": 200},
    }
    assert set(properties) == set(KNOWN_KEYS)  # one list of keys, kept in step
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://scoper.invalid/schema/front-matter/1",
        "title": "scoper brief front matter",
        "type": "object",
        "properties": properties,
        "required": ["date"],
        "anyOf": [{"required": ["title"]}, {"required": ["topic"]}],
        "additionalProperties": False,
        "$comment": (
            "Item fields inside the Markdown take these values: strength "
            f"{list(STRENGTHS)}, sector {list(SECTORS)}, commitment {list(COMMITMENTS)}, "
            f"lever {list(LEVERS)}, action status {list(ACTION_STATUSES)}, "
            f"likelihood and impact {list(LEVELS)}. A line "
            '{.chart type=bar highlight="2025"} directly before a table of numbers draws '
            "it as a chart: see $defs/chart-marker."
        ),
        "$defs": {
            "chart-marker": {
                "description": (
                    "The attributes of a {.chart ...} line in the Markdown, directly before a "
                    "table of numbers: the first column gives the categories, each further "
                    "column a series."
                ),
                "type": "object",
                "properties": {
                    "type": {**_choice(CHART_TYPES), "default": "bar"},
                    "highlight": {
                        "type": "string",
                        "description": "A category or series drawn in a contrasting colour.",
                    },
                },
                "additionalProperties": False,
            }
        },
    }
