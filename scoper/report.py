"""Problems as JSON, in the documented schema (docs/check-rules.md, "JSON output")."""

from __future__ import annotations

import json
from collections.abc import Iterable

from scoper.problems import Problem

SCHEMA = "scoper-check/1"


def problem_dict(found: Problem) -> dict[str, object]:
    return {
        "path": found.path,
        "line": found.line,
        "column": found.column,
        "severity": found.severity,
        "code": found.code,
        "rule": found.rule,
        "message": found.message,
    }


def problems_json(problems: Iterable[Problem], briefs: int) -> str:
    items = [problem_dict(p) for p in problems]
    errors = sum(item["severity"] == "error" for item in items)
    return json.dumps(
        {
            "schema": SCHEMA,
            "briefs": briefs,
            "errors": errors,
            "warnings": len(items) - errors,
            "problems": items,
        },
        indent=2,
        ensure_ascii=False,
    )


def _escape(text: str, property_value: bool = False) -> str:
    """GitHub's workflow-command escaping: '%', CR and LF always; ':' and ',' in a property."""
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if property_value:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def github_annotation(found: Problem) -> str:
    """A problem as a GitHub Actions annotation, shown on the line of the pull request."""
    level = "error" if found.severity == "error" else "warning"
    place = f"file={_escape(found.path, True)}"
    if found.line:
        place += f",line={found.line}"
    title = _escape(f"{found.code} {found.rule}", True)
    return f"::{level} {place},title={title}::{_escape(found.message)}"
