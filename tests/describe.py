"""A compact, stable text description of a parsed brief, for fixture tests."""

from __future__ import annotations

from scoper.brief.model import Action, Brief, Evidence, Item, Partner, Risk


def _item(item: Item) -> str:
    parts = [f"@{item.line}"]
    if isinstance(item, Evidence):
        parts.append(f"strength={item.strength}")
        parts.append(f"published={item.published.start if item.published else None}")
    elif isinstance(item, Partner):
        parts += [f"name={item.name!r}", f"sector={item.sector}", f"commitment={item.commitment}"]
    elif isinstance(item, Action):
        parts += [
            f"owner={item.owner!r}",
            f"due={item.due}",
            f"lever={item.lever}",
            f"status={item.status}",
        ]
    elif isinstance(item, Risk):
        parts += [f"likelihood={item.likelihood}", f"impact={item.impact}"]
    lines = ["  - " + " ".join(parts), f"    html: {item.html.strip()}"]
    for field in item.fields.values():
        lines.append(f"    {field.name}@{field.line}: {field.html}")
    for field in item.extra_fields:
        lines.append(f"    extra {field.label}@{field.line}: {field.html}")
    return "\n".join(lines)


def describe(brief: Brief) -> str:
    meta = brief.meta
    lines = [
        f"title: {meta.title}",
        f"date: {meta.date} ref: {meta.ref} priority: {meta.priority} status: {meta.status} "
        f"classification: {meta.classification}",
        f"authors: {meta.authors} lead: {meta.lead} commissioned-by: {meta.commissioned_by}",
        f"tags: {meta.tags} ignore: {meta.ignore}",
    ]
    if brief.preamble_html:
        lines.append(f"preamble: {brief.preamble_html.strip()}")
    for section in brief.sections:
        lines.append(f"[{section.kind}] {section.title} @{section.line} #{section.anchor}")
        if section.intro_html:
            lines.append(f"  intro: {section.intro_html.strip()}")
        lines += [_item(item) for item in section.items]
        if section.outro_html:
            lines.append(f"  outro: {section.outro_html.strip()}")
    if brief.footnotes_html:
        lines.append(f"notes: {brief.footnotes_html.strip()}")
    for image in brief.images:
        lines.append(f"image @{image.line}: {image.src} alt={image.alt!r}")
    lines += [problem.format() for problem in brief.warnings]
    return "\n".join(lines) + "\n"
