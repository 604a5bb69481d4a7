"""Front matter: split it from the body, load it as restricted YAML, validate it."""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from typing import Any

import yaml
from msgspec import Struct

from scoper.brief.model import CLASSIFICATIONS, STATUSES, Clearance, FrontMatter
from scoper.problems import Problem, problem

KNOWN_KEYS = (
    "title",
    "topic",
    "date",
    "ref",
    "priority",
    "status",
    "classification",
    "authors",
    "lead",
    "commissioned-by",
    "tags",
    "ignore",
    "version",
    "cleared-by",
    "distribution",
    "decision-by",
    "ask",
    "supersedes",
    "numbered-paragraphs",
    "public",
    "public-title",
)
_FENCE = re.compile(r"^---[ \t]*$")
_END_FENCE = re.compile(r"^(?:---|\.\.\.)[ \t]*$")


class SplitBrief(Struct):
    yaml_text: str
    yaml_first_line: int
    """Line of the brief on which the YAML starts (the line after the opening ``---``)."""
    body: str
    body_first_line: int
    """Line of the brief on which the Markdown body starts."""


def split_front_matter(text: str, path: str) -> SplitBrief | Problem:
    lines = text.split("\n")
    if not _FENCE.match(lines[0]):
        return problem(
            path,
            1,
            "not-a-brief",
            "not a brief: a brief starts with YAML front matter between '---' lines "
            "(title and date at least)",
        )
    size = 0
    for index in range(1, len(lines)):
        size += len(lines[index]) + 1
        if size > MAX_FRONT_MATTER_CHARS:
            # A brief's front matter is a few lines: parsing megabytes of YAML would take
            # the check (and every preview page waiting on it) tens of seconds.
            return problem(
                path,
                1,
                "too-large",
                f"the front matter is over {MAX_FRONT_MATTER_CHARS // 1000:,} thousand "
                "characters; a brief's front matter is a few lines (put the text in the body)",
            )
        if _END_FENCE.match(lines[index]):
            return SplitBrief(
                yaml_text="\n".join(lines[1:index]),
                yaml_first_line=2,
                body="\n".join(lines[index + 1 :]),
                body_first_line=index + 2,
            )
    return problem(
        path, 1, "not-a-brief", "the front matter opened on line 1 is never closed with '---'"
    )


MAX_YAML_DEPTH = 20
MAX_FRONT_MATTER_CHARS = 64_000
"""The front matter's largest size: a real brief's is under two thousand characters."""
MAX_YAML_NODES = 5_000
"""The most values (keys, items, scalars) the front matter may hold."""
MAX_NUMBER_CHARS = 40
"""The longest number the front matter may write (no value of a brief needs more)."""


class _RestrictedLoader(yaml.SafeLoader):
    """Safe YAML without aliases (a brief has no use for them, and they allow 'billion
    laughs' expansion) and without deep nesting (which would exhaust Python's stack)."""

    depth = 0
    nodes = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, "YAML aliases (*name) are not allowed in a brief", event.start_mark
            )
        if self.depth >= MAX_YAML_DEPTH:
            raise yaml.composer.ComposerError(
                None,
                None,
                f"the front matter is nested more than {MAX_YAML_DEPTH} levels deep",
                self.peek_event().start_mark,
            )
        self.nodes += 1
        if self.nodes > MAX_YAML_NODES:
            raise yaml.composer.ComposerError(
                None,
                None,
                f"the front matter holds more than {MAX_YAML_NODES:,} values",
                self.peek_event().start_mark,
            )
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1

    def construct_yaml_int(self, node: Any) -> int:
        _short_number(node)
        return int(super().construct_yaml_int(node))

    def construct_yaml_float(self, node: Any) -> float:
        _short_number(node)
        return float(super().construct_yaml_float(node))


def _short_number(node: Any) -> None:
    """YAML 1.1 reads '1:59:59:...' (and '...:59.5') as one base-60 number: thousands of
    digits, more than Python will turn into text. No value of a brief is a number that
    long."""
    if len(str(node.value)) > MAX_NUMBER_CHARS:
        raise yaml.constructor.ConstructorError(
            None, None, f"a number longer than {MAX_NUMBER_CHARS} characters", node.start_mark
        )


_RestrictedLoader.add_constructor("tag:yaml.org,2002:int", _RestrictedLoader.construct_yaml_int)
_RestrictedLoader.add_constructor("tag:yaml.org,2002:float", _RestrictedLoader.construct_yaml_float)


# What PyYAML's safe constructors raise for a value they cannot build, such as
# "!!bool maybe" or "!!int ''", besides their own ConstructorError.
_CONSTRUCTION_ERRORS = (ValueError, TypeError, KeyError, IndexError, AttributeError)


def _yaml_line(error: yaml.YAMLError, first_line: int) -> int:
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    return first_line + mark.line if mark is not None else first_line


def load_front_matter(
    split: SplitBrief, path: str
) -> tuple[dict[str, tuple[Any, int]], list[Problem]]:
    """Load the YAML mapping as ``{key: (value, line)}``, with every problem found."""
    first = split.yaml_first_line
    if not split.yaml_text.strip():
        return {}, [
            problem(path, 1, "missing-field", "the front matter is empty: give title and date")
        ]
    loader = None
    try:
        loader = _RestrictedLoader(split.yaml_text)  # reading starts here: it may fail too
        root = loader.get_single_node()
    except yaml.composer.ComposerError as error:
        reason = str(error.problem)
        rule = (
            "yaml-unsafe"
            if "alias" in reason
            else "too-many"
            if reason.endswith(" values")
            else "yaml-syntax"
        )
        return {}, [problem(path, _yaml_line(error, first), rule, str(error.problem))]
    except yaml.reader.ReaderError as error:
        line = first + split.yaml_text[: error.position].count("\n")
        message = f"the front matter holds a control character (U+{error.character:04X})"
        return {}, [problem(path, line, "yaml-syntax", message)]
    except yaml.YAMLError as error:
        tab = _tab_line(split.yaml_text)
        if tab is not None:
            message = (
                "this line of the front matter is indented with a tab; YAML needs spaces: "
                "replace the tab with two spaces"
            )
            return {}, [problem(path, first + tab, "yaml-syntax", message)]
        detail = getattr(error, "problem", None) or str(error).split("\n")[0]
        message = f"the front matter is not valid YAML: {detail}"
        return {}, [problem(path, _yaml_line(error, first), "yaml-syntax", message)]
    finally:
        if loader is not None:
            loader.dispose()
    if not isinstance(root, yaml.MappingNode):
        return {}, [
            problem(path, first, "yaml-syntax", "the front matter must be 'key: value' lines")
        ]

    values: dict[str, tuple[Any, int]] = {}
    problems: list[Problem] = []
    constructor = _RestrictedLoader("")
    for key_node, value_node in root.value:
        line = first + key_node.start_mark.line
        key = str(key_node.value).strip().lower() if isinstance(key_node, yaml.ScalarNode) else ""
        if not key:
            problems.append(problem(path, line, "yaml-syntax", "a key must be plain text"))
            continue
        if key in values:
            problems.append(
                problem(
                    path,
                    line,
                    "duplicate-key",
                    f"'{key}' is given twice (first on line {values[key][1]})",
                )
            )
            continue
        try:
            value = constructor.construct_object(value_node, deep=True)
        except yaml.constructor.ConstructorError as error:
            message = f"'{key}': {error.problem}"
            problems.append(problem(path, line, "yaml-unsafe", message))
            values[key] = (_Rejected(), line)
            continue
        except _CONSTRUCTION_ERRORS as error:
            if isinstance(value_node, yaml.ScalarNode) and value_node.tag.endswith(":timestamp"):
                # The resolver took the value for a timestamp that is not a real date.
                values[key] = (_InvalidScalar(value_node.value, str(error)), line)
            else:
                message = f"'{key}': the value cannot be read as {value_node.tag.split(':')[-1]}"
                problems.append(problem(path, line, "yaml-syntax", message))
                values[key] = (_Rejected(), line)
            continue
        unprintable = _first_unprintable(value) or _first_unprintable(key)
        if unprintable is not None:
            # An escape ("\\u0001", "\\ud800") makes what the reader refuses when it is
            # typed: refused alike, since it breaks the PDF's metadata (XML) and encoding.
            problems.append(
                problem(
                    path,
                    first + value_node.start_mark.line,
                    "yaml-syntax",
                    f"'{key}' holds {unprintable}, written as an escape; remove it",
                )
            )
            values[key] = (_Rejected(), line)
            continue
        values[key] = (value, line)
    return values, problems


# The characters PyYAML's reader refuses in a file (yaml.reader.Reader.NON_PRINTABLE), and
# lone surrogates, which no UTF-8 text can hold.
UNPRINTABLE = re.compile(
    "[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)


def unprintable_character(text: str) -> str | None:
    """'a control character (U+0001)' or 'a lone surrogate (U+D800)' for the first
    character of ``text`` that no brief may hold, or None."""
    found = UNPRINTABLE.search(text)
    if found is None:
        return None
    code = ord(found[0])
    kind = "a lone surrogate" if 0xD800 <= code <= 0xDFFF else "a control character"
    return f"{kind} (U+{code:04X})"


def _first_unprintable(value: Any) -> str | None:
    if isinstance(value, str):
        return unprintable_character(value)
    if isinstance(value, dict):
        items: list[Any] = [*value.keys(), *value.values()]
    elif isinstance(value, (list, tuple, set)):
        items = list(value)
    else:
        return None
    for item in items:
        found = _first_unprintable(item)
        if found is not None:
            return found
    return None


_FULL_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def full_date(text: str) -> dt.date | None:
    """The date written exactly YYYY-MM-DD, or None: Python also reads 20261123 and
    2026-W48-1 as dates, which the format does not allow."""
    text = text.strip()
    if not _FULL_DATE.fullmatch(text):
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:  # 2026-02-30
        return None


def _tab_line(yaml_text: str) -> int | None:
    """The 0-based line of the first tab in a line's indentation, if any."""
    for index, line in enumerate(yaml_text.split("\n")):
        if "\t" in line[: len(line) - len(line.lstrip(" \t"))]:
            return index
    return None


class _Rejected:
    """A value already reported as a problem: validation says nothing more about it."""


class _InvalidScalar(Struct):
    text: str
    reason: str


def suggest(word: str, choices: tuple[str, ...] | list[str]) -> str:
    import difflib  # only when a value is wrong

    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def _choices(values: tuple[str, ...]) -> str:
    return ", ".join(values[:-1]) + " or " + values[-1]


class _Validator:
    def __init__(self, values: dict[str, tuple[Any, int]], path: str) -> None:
        self.values = values
        self.path = path
        self.problems: list[Problem] = []

    def error(self, key: str, rule: str, message: str) -> None:
        line = self.values[key][1] if key in self.values else 1
        self.problems.append(problem(self.path, line, rule, message))

    def text(self, key: str) -> str | None:
        if key not in self.values:
            return None
        value = self.values[key][0]
        if value is None or isinstance(value, _Rejected):
            return None
        if isinstance(value, _InvalidScalar):
            return value.text
        if isinstance(value, (bool, dict, list)):
            self.error(key, "invalid-value", f"'{key}' must be text, not {_describe(value)}")
            return None
        text = str(value).strip()
        return text or None

    def text_list(self, key: str) -> list[str]:
        if key not in self.values or isinstance(self.values[key][0], (type(None), _Rejected)):
            return []
        value = self.values[key][0]
        if isinstance(value, str):
            return [value.strip()] if value.strip() else []
        if isinstance(value, list) and all(
            isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in value
        ):
            return [str(v).strip() for v in value if str(v).strip()]
        self.error(key, "invalid-value", f"'{key}' must be a list of text, or one text")
        return []

    def choice(self, key: str, allowed: tuple[str, ...], default: str, upper: bool) -> str:
        raw = self.text(key)
        if raw is None:
            return default
        normal = re.sub(r"[\s_]+", "-" if not upper else " ", raw.strip())
        normal = normal.upper() if upper else normal.lower()
        if upper:
            # 'OFFICIAL SENSITIVE' and 'official_sensitive' both mean OFFICIAL-SENSITIVE.
            candidates = {c.replace("-", " "): c for c in allowed}
            normal = candidates.get(normal.replace("-", " "), normal)
        if normal in allowed:
            return normal
        self.error(
            key,
            "invalid-value",
            f"'{key}' is '{raw}'; it must be {_choices(allowed)}{suggest(normal, allowed)}",
        )
        return default

    def flag(self, key: str) -> bool | None:
        """A yes/no key: true or false (YAML's own), or None when not given."""
        if key not in self.values or self.values[key][0] is None:
            return None
        value = self.values[key][0]
        if isinstance(value, bool):
            return value
        if not isinstance(value, _Rejected):
            shown = value.text if isinstance(value, _InvalidScalar) else value
            self.error(key, "invalid-value", f"'{key}' is '{shown}'; it must be true or false")
        return None

    def one_line(self, key: str, limit: int) -> str | None:
        text = self.text(key)
        if text is not None and ("\n" in text or len(text) > limit):
            self.error(
                key, "invalid-value", f"'{key}' must be one line ({limit} characters at most)"
            )
        return text

    def version(self) -> str | None:
        if "version" not in self.values or self.values["version"][0] is None:
            return None
        value = self.values["version"][0]
        if isinstance(value, bool) or (isinstance(value, int) and value < 1):
            self.error("version", "invalid-value", "'version' must be a positive number or '3.1'")
            return None
        if isinstance(value, (int, float)):
            return str(value)
        return self.one_line("version", 20)

    def clearances(self) -> list[Clearance]:
        if "cleared-by" not in self.values or self.values["cleared-by"][0] is None:
            return []
        value = self.values["cleared-by"][0]
        entries = value if isinstance(value, list) else [value]
        found = []
        for entry in entries:
            if isinstance(entry, str) and entry.strip():
                found.append(Clearance(entry.strip()))
                continue
            if isinstance(entry, dict) and isinstance(entry.get("name"), str):
                role, when = entry.get("role"), entry.get("date")
                if isinstance(when, str):
                    with contextlib.suppress(ValueError):  # reported as not a date below
                        when = dt.date.fromisoformat(when.strip())
                unknown = sorted(str(k) for k in entry if k not in ("name", "role", "date"))
                if unknown or not (role is None or isinstance(role, str)):
                    break
                if when is not None and not isinstance(when, dt.date):
                    self.error(
                        "cleared-by",
                        "invalid-date",
                        f"the date '{when}' in 'cleared-by' is not a date; write it as YYYY-MM-DD",
                    )
                    return found
                found.append(Clearance(entry["name"].strip(), role, when))
                continue
            break
        else:
            return found
        self.error(
            "cleared-by",
            "invalid-value",
            "'cleared-by' must be a list of names, or of mappings with name, role and date",
        )
        return found

    def date(self, key: str) -> dt.date | None:
        value = self.values[key][0]
        if isinstance(value, _Rejected):
            return None
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value  # YAML reads only YYYY-MM-DD as a date without a time
        text = value.text if isinstance(value, _InvalidScalar) else str(value)
        date = full_date(text)
        if date is None:
            self.error(
                key,
                "invalid-date",
                f"'{key}' is '{text}', which is not a date; write it as YYYY-MM-DD",
            )
        return date


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def validate_front_matter(
    values: dict[str, tuple[Any, int]],
    path: str,
    default_ref: str,
    default_classification: str,
) -> tuple[FrontMatter | None, list[Problem]]:
    check = _Validator(values, path)
    for key, (_, line) in values.items():
        if key not in KNOWN_KEYS:
            check.problems.append(
                problem(
                    path,
                    line,
                    "unknown-key",
                    f"unknown front-matter key '{key}'{suggest(key, KNOWN_KEYS)}",
                )
            )

    if "title" in values and "topic" in values:
        check.error("topic", "duplicate-key", "give 'title' or its alias 'topic', not both")
    title_key = "title" if "title" in values else "topic"
    known_problems = len(check.problems)
    title = check.text(title_key)
    rejected = isinstance(values.get(title_key, (None,))[0], _Rejected)
    if title is None and len(check.problems) == known_problems and not rejected:
        message = "'title' is empty" if title_key in values else "the brief has no 'title'"
        check.error(title_key, "missing-field", message)

    date = None
    if "date" in values and values["date"][0] is not None:
        date = check.date("date")
    else:
        check.error("date", "missing-field", "the brief has no 'date' (YYYY-MM-DD)")

    priority = 3
    if "priority" in values and not isinstance(values["priority"][0], (type(None), _Rejected)):
        raw = values["priority"][0]
        if isinstance(raw, str) and re.fullmatch(r"[0-9]{1,3}", raw.strip()):
            raw = int(raw)  # priority: "1" means 1
        if isinstance(raw, int) and not isinstance(raw, bool) and 1 <= raw <= 5:
            priority = raw
        else:
            shown = raw.text if isinstance(raw, _InvalidScalar) else raw
            check.error(
                "priority", "invalid-value", f"'priority' is '{shown}'; it must be 1 (highest) to 5"
            )

    ref = check.text("ref")
    if ref is not None and ("\n" in ref or len(ref) > 60):
        check.error("ref", "invalid-value", "'ref' must be one short line (60 characters at most)")
    ref = ref or default_ref
    decision_by = None
    if "decision-by" in values and values["decision-by"][0] is not None:
        decision_by = check.date("decision-by")
    public = check.flag("public")

    meta = FrontMatter(
        title=title or "",
        date=date or dt.date.min,
        ref=ref,
        priority=priority,
        status=check.choice("status", STATUSES, "draft", upper=False),
        classification=check.choice(
            "classification", CLASSIFICATIONS, default_classification, upper=True
        ),
        authors=check.text_list("authors"),
        lead=check.text("lead"),
        commissioned_by=check.text("commissioned-by"),
        tags=check.text_list("tags"),
        ignore=[name.lower() for name in check.text_list("ignore")],
        version=check.version(),
        cleared_by=check.clearances(),
        distribution=check.text_list("distribution"),
        decision_by=decision_by,
        ask=check.one_line("ask", 300),
        supersedes=check.one_line("supersedes", 60),
        numbered_paragraphs=check.flag("numbered-paragraphs"),
        public=True if public is None else public,
        public_title=check.one_line("public-title", 200),
        lines={key: line for key, (_, line) in values.items()},
    )
    ok = title is not None and date is not None
    return (meta if ok else None), check.problems
