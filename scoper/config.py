"""Project configuration: ``scoper.toml`` in the current folder or the nearest parent."""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

from msgspec import Struct, field

from scoper.brief.frontmatter import suggest
from scoper.brief.model import CLASSIFICATIONS, IMAGE_TYPES
from scoper.errors import ScoperError
from scoper.pdf import PDF_VARIANTS
from scoper.problems import RULES, Severity
from scoper.usercache import others_can_write

Grade = Severity | Literal["off"]
GRADES = ("error", "warning", "off")


def regradable(rule_name: str) -> bool:
    """Check rules and the format's warnings can be re-graded or switched off; the
    format's errors cannot, since a brief that breaks them cannot be read at all."""
    rule = RULES.get(rule_name)
    return rule is not None and (rule.group == "check" or rule.severity == "warning")


class CheckSettings(Struct, frozen=True):
    """The ``[check]`` table of scoper.toml."""

    grades: Mapping[str, Grade] = field(default_factory=lambda: MappingProxyType({}))
    """Rule name to 'error', 'warning' or 'off', overriding the rule's default."""
    summary_word_limit: int = 200
    """summary-too-long fires above this many words."""
    stale_evidence_years: int = 5
    """stale-evidence fires for evidence older than this, counted back from the brief."""


CONFIG_NAME = "scoper.toml"


class Config(Struct, frozen=True):
    """Settings for a project; every field has a default, so no file is needed."""

    organisation: str = ""
    """Shown in the title block and the footer of every paper."""
    default_classification: str = "OFFICIAL"
    """The marking of a brief that does not give its own."""
    output_dir: Path = Path("output")
    """Where papers are written (relative paths are relative to the config file's folder)."""
    pack_title: str = "Weekly priorities pack"
    """The title on the cover of the pack."""
    logo: Path | None = None
    """An image shown on each paper's title block and on the pack's cover."""
    accent_colour: str | None = None
    """A colour (#rrggbb) for headings, rules and table heads, instead of the theme's."""
    ref_prefix: str = "PU"
    """The start of the refs that ``scoper new`` gives (PREFIX-YEAR-NNN)."""
    max_brief_bytes: int = 2_000_000
    """Larger brief files are refused unread."""
    public_marking: str = ""
    """The marking a public version carries instead of the classification ("" for none)."""
    pdf_variant: str = "pdf/ua-1"
    """pdf/ua-1 (tagged, accessible) or pdf/a-3u (for the record, with the source inside)."""
    pdf_timeout: float = 30.0
    """Seconds one PDF may take before its renderer is stopped (see scoper.pdf.pool)."""
    numbered_paragraphs: bool = True
    """Number the paragraphs of papers (a brief's ``numbered-paragraphs`` overrides it)."""
    check: CheckSettings = field(default_factory=CheckSettings)
    """Settings of ``scoper check``."""
    owners: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """The ``[owners]`` table: each owner's name as the pack's tracker shows it, with the
    other ways briefs write it. Owners are grouped across spellings only as said here."""
    path: Path | None = None
    """The config file read, if any."""


class ConfigError(ScoperError):
    """A problem with scoper.toml, formatted as ``path:line: message``."""

    named = False

    def __init__(self, path: str, line: int, message: str) -> None:
        self.path, self.line, self.message = path, line, message
        super().__init__(f"{path}:{line}: error: {message}")


KEYS = (
    "organisation",
    "logo",
    "accent-colour",
    "default-classification",
    "output-dir",
    "ref-prefix",
    "pack-title",
    "pdf-variant",
    "max-brief-mb",
    "public-marking",
    "pdf-timeout",
    "numbered-paragraphs",
    "check",
    "owners",
)
CHECK_KEYS = ("summary-word-limit", "stale-evidence-years", "rules")


def find_config(start: Path) -> Path | None:
    """The nearest ``scoper.toml`` from ``start`` upwards, up to the project's root: the
    first folder with a ``.git``, or the user's home. A config in a folder above a project
    (a shared parent) must not take it over: it and its templates are run as code."""
    try:
        home: Path | None = Path.home().resolve()
    except (KeyError, RuntimeError):  # no home known
        home = None
    for folder in (start.resolve(), *start.resolve().parents):
        candidate = folder / CONFIG_NAME
        if candidate.exists() or candidate.is_symlink():
            return candidate  # a folder or a broken link: load_config says so
        if (folder / ".git").exists() or folder == home:
            return None
    return None


def load_config(start: Path | None = None) -> Config:
    """The config found from ``start`` (default: the current folder) upwards, or defaults.
    Raises ConfigError for a config that cannot be read, or that someone other than this
    user could have written (it and the ``templates/`` beside it are trusted code)."""
    path = find_config(start or Path.cwd())
    if path is None:
        return Config()
    shown = os.path.relpath(path) if path.is_absolute() else os.fspath(path)
    if not path.is_file():
        kind = "a folder" if path.is_dir() else "not a regular file"
        raise ConfigError(shown, 0, f"{CONFIG_NAME} is {kind}; the config must be a file")
    for checked in (path, path.parent, path.parent / "templates"):
        _refuse_if_others_can_write(checked, shown)
    templates = path.parent / "templates"
    if templates.is_dir():
        for number, inside in enumerate(templates.rglob("*")):
            if number >= 10_000:
                raise ConfigError(shown, 0, f"{templates} holds too many files for a theme")
            _refuse_if_others_can_write(inside, shown)
    from scoper.bounded import read_at_most

    try:
        data = read_at_most(path, 1_000_000)
    except (OSError, ValueError) as error:
        raise ConfigError(shown, 0, f"cannot read {CONFIG_NAME}: {error}") from None
    return parse_config(data, path)


def _refuse_if_others_can_write(path: Path, shown: str) -> None:
    if not (path.exists() or path.is_symlink()):
        return
    reason = others_can_write(path)
    if reason is not None:
        raise ConfigError(
            shown,
            0,
            f"{path} is not used: {reason}, and {CONFIG_NAME} and the templates beside it "
            "are run as code (make it yours and writable only by you, e.g. chmod go-w)",
        )


def _key_line(text: str, key: str) -> int:
    # A key written ``key = ...``, or a table's heading ``[key]``.
    pattern = re.compile(
        rf"^[ \t]*(?:[\"']?{re.escape(key)}[\"']?[ \t]*=|\[[ \t]*{re.escape(key)}[ \t]*\])",
        re.MULTILINE,
    )
    match = pattern.search(text)
    return text[: match.start()].count("\n") + 1 if match else 1


def parse_config(data: bytes, path: Path) -> Config:
    import tomllib  # only with a scoper.toml: its import compiles a dozen patterns

    shown = os.path.relpath(path) if path.is_absolute() else os.fspath(path)
    try:
        text = data.decode("utf-8-sig")
        values: dict[str, Any] = tomllib.loads(text)
    except UnicodeDecodeError:
        raise ConfigError(shown, 1, "the file is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as error:
        found = re.search(r"\(at line (\d+), column (\d+)\)", str(error))
        line = int(found[1]) if found else 1
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(error))
        raise ConfigError(shown, line, f"not valid TOML: {message}") from None

    def fail(key: str, message: str) -> ConfigError:
        return ConfigError(shown, _key_line(text, key), message)

    for key in values:
        if key not in KEYS:
            raise fail(key, f"unknown key '{key}'{suggest(key, KEYS)}")

    def text_value(key: str, default: str) -> str:
        value = values.get(key, default)
        if not isinstance(value, str):
            raise fail(key, f"'{key}' must be a string in quotes")
        return value

    classification = text_value("default-classification", "OFFICIAL").strip().upper()
    if classification not in CLASSIFICATIONS:
        raise fail(
            "default-classification",
            f"'default-classification' is '{values['default-classification']}'; it must be one "
            f"of {', '.join(CLASSIFICATIONS)}",
        )
    output_dir = Path(text_value("output-dir", "output"))
    if not output_dir.is_absolute():
        output_dir = path.parent / output_dir
    logo = None
    if "logo" in values:
        logo = path.parent / text_value("logo", "")
        if logo.suffix.lower() not in IMAGE_TYPES:
            raise fail("logo", f"'logo' must be an image ({', '.join(IMAGE_TYPES)})")
        if not logo.is_file():
            raise fail("logo", f"'logo' names {logo}, which does not exist")
        from scoper.brief.source import image_size_ok

        if logo.stat().st_size > 2_000_000 or not image_size_ok(logo):
            raise fail("logo", "'logo' must be a readable image under 2 MB and 25 megapixels")
    accent = values.get("accent-colour")
    if accent is not None and (
        not isinstance(accent, str) or not re.fullmatch(r"#[0-9a-fA-F]{6}", accent)
    ):
        raise fail("accent-colour", "'accent-colour' must be a colour written #rrggbb")
    prefix = text_value("ref-prefix", "PU")
    if not re.fullmatch(r"[A-Z][A-Z0-9]{0,9}", prefix):
        raise fail("ref-prefix", "'ref-prefix' must be capital letters and digits, e.g. \"PU\"")
    variant = text_value("pdf-variant", PDF_VARIANTS[0]).strip().lower()
    if variant not in PDF_VARIANTS:
        raise fail("pdf-variant", f"'pdf-variant' must be {' or '.join(PDF_VARIANTS)}")
    public_marking = text_value("public-marking", "").strip()
    if not re.fullmatch(r"[A-Za-z0-9 -]{0,40}", public_marking):
        # It is written into the page's CSS too: plain words only.
        raise fail(
            "public-marking", "'public-marking' must be plain words (letters, digits, spaces)"
        )
    size = values.get("max-brief-mb", 2)
    if isinstance(size, bool) or not isinstance(size, (int, float)) or not 0 < size <= 100:
        raise fail("max-brief-mb", "'max-brief-mb' must be a number of megabytes, above 0")
    timeout = values.get("pdf-timeout", 30)
    if seconds_problem(timeout) is not None:
        raise fail("pdf-timeout", f"'pdf-timeout' {seconds_problem(timeout)}")
    numbered = values.get("numbered-paragraphs", True)
    if not isinstance(numbered, bool):
        raise fail("numbered-paragraphs", "'numbered-paragraphs' must be true or false")
    return Config(
        numbered_paragraphs=numbered,
        max_brief_bytes=int(size * 1_000_000),
        pdf_timeout=float(timeout),
        pdf_variant=variant,
        public_marking=public_marking,
        logo=logo,
        accent_colour=accent.lower() if accent else None,
        ref_prefix=prefix,
        check=_check_settings(values.get("check", {}), fail),
        owners=_owners(values.get("owners", {}), fail),
        organisation=text_value("organisation", "").strip(),
        pack_title=text_value("pack-title", "Weekly priorities pack").strip()
        or "Weekly priorities pack",
        default_classification=classification,
        output_dir=output_dir,
        path=path,
    )


MAX_TIMEOUT = 3600
"""The longest time limit for one PDF, in seconds (kept here too: scoper.pdf.pool is not
imported to read a config)."""


def seconds_problem(value: object) -> str | None:
    """Why ``value`` is not a time limit for one PDF (a finite number of seconds from 1
    to MAX_TIMEOUT), or None. NaN compares false with everything, so a range check alone
    would let it through and switch the limit off."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return "must be a number of seconds"
    if not math.isfinite(value) or not 1 <= value <= MAX_TIMEOUT:
        return f"must be a number of seconds from 1 to {MAX_TIMEOUT}"
    return None


def owner_key(name: str) -> str:
    """An owner's name as the tracker compares it: case and spacing aside, as written."""
    return " ".join(name.split()).casefold()


def _owners(values: object, fail: Any) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The ``[owners]`` table: ``"No10 Policy Unit" = ["Policy Unit, No10", "PU No10"]``."""
    if not isinstance(values, dict):
        raise fail("owners", "'owners' must be a table: write it as an [owners] section")
    claimed: dict[str, str] = {}
    groups: list[tuple[str, tuple[str, ...]]] = []
    for name, others in values.items():
        if not name.strip():
            raise fail("owners", "an owner's name in [owners] is empty")
        if not isinstance(others, list) or not all(
            isinstance(other, str) and other.strip() for other in others
        ):
            raise fail(
                name,
                f"'{name}' in [owners] must be a list of the other ways briefs write it, "
                f'e.g. "{name}" = ["another spelling"]',
            )
        for spelling in (name, *others):
            key = owner_key(spelling)
            if key in claimed and claimed[key] != name:
                raise fail(
                    name,
                    f"'{spelling}' is in [owners] under both '{claimed[key]}' and '{name}'; "
                    "an owner can be grouped only once",
                )
            claimed[key] = name
        groups.append((" ".join(name.split()), tuple(" ".join(o.split()) for o in others)))
    return tuple(groups)


def _check_settings(values: object, fail: Any) -> CheckSettings:
    if not isinstance(values, dict):
        raise fail("check", "'check' must be a table: write it as a [check] section")
    for key in values:
        if key not in CHECK_KEYS:
            raise fail(key, f"unknown key '{key}' in [check]{suggest(key, CHECK_KEYS)}")

    def positive(key: str, default: int) -> int:
        value = values.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise fail(key, f"'{key}' must be a whole number above 0")
        return value

    rules = values.get("rules", {})
    if not isinstance(rules, dict):
        raise fail("rules", "'rules' must be a table: write it as a [check.rules] section")
    grades: dict[str, Grade] = {}
    for name, grade in rules.items():
        if name not in RULES:
            raise fail(name, f"unknown rule '{name}'{suggest(name, list(RULES))}")
        if not regradable(name):
            raise fail(name, f"'{name}' cannot be re-graded: a brief that breaks it cannot be read")
        if grade not in GRADES:
            raise fail(name, f'\'{name}\' is {grade!r}; it must be "error", "warning" or "off"')
        grades[name] = grade
    return CheckSettings(
        grades=MappingProxyType(grades),
        summary_word_limit=positive("summary-word-limit", 200),
        stale_evidence_years=positive("stale-evidence-years", 5),
    )
