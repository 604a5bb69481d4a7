"""Knowing when an output is up to date: a key made from everything it depends on (the
brief and its images, the theme, the config, scoper's version), kept in a manifest in the
output folder."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from scoper import __version__
from scoper.brief.markdown import is_relative_path
from scoper.brief.model import Brief
from scoper.config import Config
from scoper.output import write_atomic
from scoper.render.theme import Theme

MANIFEST = ".scoper-cache.json"
"""In the output folder; deleting it makes the next run render everything."""


def theme_fingerprint(theme: Theme) -> str:
    digest = hashlib.sha256()
    for root in theme.roots:
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def key_of(*parts: object) -> str:
    digest = hashlib.sha256(__version__.encode())
    for part in parts:
        digest.update(b"\0" + (part if isinstance(part, bytes) else repr(part).encode()))
    return digest.hexdigest()


def paper_key(brief: Brief, config: Config, theme: Theme) -> str:
    """What a paper's HTML and PDF depend on."""
    folder = Path(brief.path).parent
    images = []
    for image in brief.images:
        if is_relative_path(image.src):
            try:
                images.append(image.src.encode() + (folder / image.src).read_bytes())
            except (OSError, ValueError):
                images.append(image.src.encode())
    # The logo is read into every paper: a new logo file with the same name is a change.
    logo = config.logo.read_bytes() if config.logo and config.logo.is_file() else b""
    return key_of(
        Path(brief.path).read_bytes(), *images, logo, repr(config), theme_fingerprint(theme)
    )


def load_manifest(out_dir: Path) -> dict[str, Any]:
    try:
        data = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) and data.get("version") == __version__ else {}


def save_manifest(out_dir: Path, manifest: dict[str, Any]) -> None:
    manifest["version"] = __version__
    write_atomic(out_dir / MANIFEST, json.dumps(manifest, indent=1, sort_keys=True).encode())
