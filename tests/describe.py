"""A compact, stable text description of a parsed brief, for fixture tests."""

from __future__ import annotations

from scoper.brief.model import Action, Brief, Evidence, Item, Partner, Risk
from scoper.brief.prose import Prose
from scoper.render.prose import prose_html


def _html(prose: Prose, brief: Brief) -> str:
    return prose_html(prose, brief, _fixture_image)


def _fixture_image(src: str) -> str | None:
    return "data:image/png;base64,AAAA" if src == "images/chart.png" else None


def _item(item: Item, brief: Brief) -> str:
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
    lines = ["  - " + " ".join(parts), f"    html: {_html(item.body, brief).strip()}"]
    for field in item.fields.values():
        lines.append(f"    {field.name}@{field.line}: {_html(field.value, brief)}")
    for field in item.extra_fields:
        lines.append(f"    extra {field.label}@{field.line}: {_html(field.value, brief)}")
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
    clearance = {
        "version": meta.version,
        "cleared-by": [str(who) for who in meta.cleared_by],
        "distribution": meta.distribution,
        "decision-by": meta.decision_by,
        "ask": meta.ask,
        "supersedes": meta.supersedes,
        "numbered-paragraphs": meta.numbered_paragraphs,
        "public": meta.public,
        "public-title": meta.public_title,
    }
    defaults = {"cleared-by": [], "distribution": [], "public": True}
    lines += [f"{key}: {value}" for key, value in clearance.items() if value != defaults.get(key)]
    if brief.preamble:
        lines.append(f"preamble: {_html(brief.preamble, brief).strip()}")
    for section in brief.sections:
        lines.append(f"[{section.kind}] {section.title} @{section.line} #{section.anchor}")
        if section.intro:
            lines.append(f"  intro: {_html(section.intro, brief).strip()}")
        lines += [_item(item, brief) for item in section.items]
        if section.outro:
            lines.append(f"  outro: {_html(section.outro, brief).strip()}")
    if brief.footnotes:
        lines.append(f"notes: {_html(brief.footnotes, brief).strip()}")
    for image in brief.images:
        lines.append(f"image @{image.line}: {image.src} alt={image.alt!r}")
    lines += [problem.format() for problem in brief.warnings]
    return "\n".join(lines) + "\n"
