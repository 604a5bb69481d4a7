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
