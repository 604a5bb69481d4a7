"""Project configuration: ``scoper.toml`` in the current folder or the nearest parent."""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scoper.frontmatter import suggest
from scoper.model import CLASSIFICATIONS

CONFIG_NAME = "scoper.toml"


@dataclass(frozen=True, slots=True)
class Config:
    """Settings for a project; every field has a default, so no file is needed."""

    organisation: str = ""
    """Shown in the title block and the footer of every paper."""
    default_classification: str = "OFFICIAL"
    """The marking of a brief that does not give its own."""
    output_dir: Path = Path("output")
    """Where papers are written (relative paths are relative to the config file's folder)."""
    path: Path | None = None
    """The config file read, if any."""


class ConfigError(Exception):
    """A problem with scoper.toml, formatted as ``path:line: message``."""

    def __init__(self, path: str, line: int, message: str) -> None:
        self.path, self.line, self.message = path, line, message
        super().__init__(f"{path}:{line}: error: {message}")


KEYS = ("organisation", "default-classification", "output-dir")


def find_config(start: Path) -> Path | None:
    for folder in (start.resolve(), *start.resolve().parents):
        candidate = folder / CONFIG_NAME
        if candidate.is_file():
            return candidate
    return None


def load_config(start: Path | None = None) -> Config:
    """The config found from ``start`` (default: the current folder) upwards, or defaults."""
    path = find_config(start or Path.cwd())
    return parse_config(path.read_bytes(), path) if path else Config()


def _key_line(text: str, key: str) -> int:
    pattern = re.compile(rf"^[ \t]*[\"']?{re.escape(key)}[\"']?[ \t]*=", re.MULTILINE)
    match = pattern.search(text)
    return text[: match.start()].count("\n") + 1 if match else 1


def parse_config(data: bytes, path: Path) -> Config:
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
    return Config(
        organisation=text_value("organisation", "").strip(),
        default_classification=classification,
        output_dir=output_dir,
        path=path,
    )
