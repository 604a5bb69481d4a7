"""Knowing when an output is up to date: a key made from everything it depends on (the
brief and its images, the theme, the config, scoper's version), kept in a manifest in the
output folder.

The manifest is a file anyone can edit, so it is read as a claim, not a fact: one of any
other shape is ignored (everything is rendered again), and it only ever names files that
the run would read anyway.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from msgspec import Struct, field

from scoper import __version__
from scoper.brief.markdown import is_relative_path
from scoper.brief.source import brief_image_file, read_image
from scoper.config import Config
from scoper.output import write_atomic
from scoper.pack.files import MAX_OUTPUT_BYTES, RunFiles, digest_of, read_limited
from scoper.render.theme import Theme

if TYPE_CHECKING:
    from scoper.brief.model import Brief
    from scoper.problems import Problem

MANIFEST = ".scoper-cache.json"
MAX_FOREIGN = 2_000
"""The most outputs of a pack of another kind that are looked at for removal (a pack of 200
papers leaves about 400)."""
MAX_MANIFEST_BYTES = 64 * 1024 * 1024
"""No manifest larger than this is read (one for 200 papers is well under 1 MB)."""
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


ImageInput = tuple[str, str, str | None]
"""An image a brief names: the brief's folder, the path as written, and the digest of the
file it may be read from (None when there is no such file, or it may not be opened)."""


class Keys:
    """The keys of one run: the theme fingerprinted once, and each file read at most once
    (through ``files``), however many keys depend on it."""

    def __init__(
        self, config: Config, theme: Theme, files: RunFiles | None = None, *, public: bool = False
    ) -> None:
        self.config = config
        # Which version of the papers (full or public, and the public marking): in every
        # key, so a public run never takes a full paper made in its folder, nor the reverse.
        self.kind = pack_kind(public, config)
        self.files = files or RunFiles()
        self.theme = theme_fingerprint(theme)
        # The logo is read into every paper: a new logo file with the same name is a change.
        self.logo = self.files.digest(config.logo, None) if config.logo else None

    def brief(self, path: Path) -> str | None:
        return self.files.digest(path, self.config.max_brief_bytes)

    def image(self, folder: Path, src: str) -> str | None:
        """The digest of an image, if it is a file that may be opened at all (see
        scoper.brief.source.brief_image_file); otherwise the image is known by its name."""
        found = brief_image_file(folder, src)
        if found is None:
            return None
        try:
            # The bytes the papers show (read once, inside the folder as opened).
            return digest_of(read_image(found, folder.resolve()))
        except (OSError, ValueError):
            return None

    def images(self, brief: Brief) -> list[ImageInput]:
        folder = Path(os.path.abspath(Path(brief.path).parent))
        return [
            (str(folder), image.src, self.image(folder, image.src))
            for image in brief.images
            if is_relative_path(image.src)
        ]

    def paper(self, brief: Brief, links: object = ()) -> str:
        """What a paper's HTML and PDF depend on; ``links``, what its ``ref:`` links
        resolve to (scoper.brief.xref.links_of): a paper renamed or retitled is a change
        to the papers that link to it."""
        images = [(src, digest) for _, src, digest in self.images(brief)]
        # The bytes the paper is made from, as read: the file read again by name may have
        # been saved since (a passage marked meanwhile must not key the old paper).
        source = digest_of(brief.source) if brief.source else self.brief(Path(brief.path))
        return key_of(
            self.kind,
            source,
            images,
            self.logo,
            repr(self.config),
            self.theme,
            links,
        )

    def run(self, paths: list[Path], *settings: object) -> str:
        """What a whole run depends on before any brief is read: which briefs, and how."""
        briefs = sorted(str(p.resolve()) for p in paths)
        return key_of(self.kind, briefs, *settings, repr(self.config), self.theme)

    def pack(self, paper_keys: list[str], shown: object) -> str:
        """What the pack's own parts depend on: its papers and what the pack shows of them."""
        return key_of(self.kind, paper_keys, shown, repr(self.config), self.theme)


def pack_kind(public: bool, config: Config) -> str:
    """The kind of papers a run makes, as recorded in its manifest and its keys."""
    return f"public:{config.public_marking}" if public else "full"


def paper_key(brief: Brief, config: Config, theme: Theme, links: object = ()) -> str:
    """A paper's key outside a pack run (the preview's PDFs)."""
    return Keys(config, theme).paper(brief, links)


# -- the manifest ---------------------------------------------------------------------------


class _Partial(dict):
    """A shape of named keys, each of which may be missing."""


_DIGEST = (str, None)
_PROBLEM = {
    "path": str,
    "line": int,
    "column": (int, None),
    "severity": ("error", "warning"),
    "code": str,
    "rule": str,
    "message": str,
}
_RUN = {
    "briefs": {"*": _DIGEST},
    "images": [[str, str, _DIGEST]],
    "logo": _DIGEST,
    "outputs": {"*": _DIGEST},
    "problems": [_PROBLEM],
    "name": str,
    "papers": int,
    "excluded": int,
}
_PAPER = _Partial({"pdf": str, "pdf-digest": str, "html": str, "html-digest": str})
_PACK = {"key": str, "digests": {"*": _DIGEST}}
_SHAPE = _Partial(
    {
        "version": str,
        "papers": {"*": _PAPER},
        "packs": {"*": _PACK},
        "runs": {"*": _RUN},
        "front-pages": int,
        "kind": str,
    }
)


_PAPER_OUTPUT = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,120}\.(?:pdf|html)")
"""A paper's own file, as a pack writes it: ``SLUG.pdf``, ``SLUG.html``."""
_PACK_OUTPUT = re.compile(
    r"pack(?:-\d{4}-W\d{2})?(?:\.pdf|\.html|-actions\.csv)"
    r"|pack-(?:\d{4}-W\d{2}|\d{4}-\d{2}-\d{2})\.snapshot\.json"
)
"""A pack's own file (``scoper.pack.model.pack_name``, ``scoper.pack.snapshot.file_name``):
``pack-2026-W48.pdf`` and ``.html``, its ``-actions.csv`` and ``.snapshot.json``; for a pack
of every brief, ``pack.pdf`` and the rest, its snapshot named by its date."""


def _outputs_named(data: dict[str, Any]) -> list[tuple[str, str]]:
    """The outputs a manifest (of the right shape) names, with the digest it recorded for
    each: its papers' PDFs and HTML, and its packs' and runs' files; only names a pack
    writes (a paper's, the pack's own), in the folder itself, and only those whose digest
    it recorded."""
    named: set[tuple[str, str]] = set()
    for slug, entry in data.get("papers", {}).items():
        for extension in ("pdf", "html"):
            if isinstance(digest := entry.get(extension + "-digest"), str):
                named.add((f"{slug}.{extension}", digest))
    for made in data.get("packs", {}).values():
        named.update((n, d) for n, d in made["digests"].items() if isinstance(d, str))
    for run in data.get("runs", {}).values():
        named.update((n, d) for n, d in run["outputs"].items() if isinstance(d, str))
    # The manifest is a file of the output folder, which someone else may have planted
    # with the digest of a file of the user's they could read: only a name a pack writes
    # can be removed (budget.csv cannot, whatever the manifest says; a user's own
    # report.pdf still can, as a paper's name).
    return sorted(
        (name, digest)
        for name, digest in named
        if _PACK_OUTPUT.fullmatch(name) or _PAPER_OUTPUT.fullmatch(name)
    )


def _fits(value: object, shape: object) -> bool:
    """Whether JSON ``value`` has ``shape``: a type, a literal, a tuple of alternatives,
    ``[shape]`` (a list of those; a list of several shapes is a row of them), ``{"*": shape}``
    (any keys) or a dict of named keys (all of them, unless _Partial, and no others)."""
    if isinstance(shape, tuple):
        return any(_fits(value, alternative) for alternative in shape)
    if shape is None or isinstance(shape, str):
        return value == shape
    if shape is int:  # a count or a line: whole, not negative, not a boolean
        return type(value) is int and value >= 0
    if isinstance(shape, type):
        return type(value) is shape
    if isinstance(shape, list):
        if not isinstance(value, list):
            return False
        if len(shape) == 1:
            return all(_fits(item, shape[0]) for item in value)
        return len(value) == len(shape) and all(map(_fits, value, shape))
    if isinstance(shape, dict):
        if not isinstance(value, dict):
            return False
        if "*" in shape:
            return all(_fits(item, shape["*"]) for item in value.values())
        if not set(value) <= set(shape):
            return False
        if not isinstance(shape, _Partial) and set(value) != set(shape):
            return False
        return all(_fits(item, shape[key]) for key, item in value.items())
    return False


class Manifest(Struct):
    """What the last runs made, and from what. Changed in place by a run, then saved."""

    papers: dict[str, dict[str, str]] = field(default_factory=dict)
    """Per paper (by file-name stem): the key and digest of its PDF and of its HTML."""
    packs: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Per pack name: the key its parts were made with, and the digests of its files."""
    runs: dict[str, dict[str, Any]] = field(default_factory=dict)
    """The last whole run: its key, its inputs' digests, its outputs and what it reported."""
    front_pages: int = 2
    """How long the pack's front came out last time: the first guess for the next."""
    kind: str = "full"
    """Which papers the folder holds (``pack_kind``): full ones, or public ones."""
    foreign: list[tuple[str, str]] = field(default_factory=list)
    """Outputs a manifest of another kind names: see ``remove_foreign``."""
    as_read: str = ""

    @classmethod
    def load(cls, out_dir: Path, kind: str = "full") -> Manifest:
        """The manifest in ``out_dir``; an empty one (of ``kind``) if there is none, it is
        of another version of scoper, it is not of the shape this one writes, or it records
        another kind of pack (a full pack written where the public one goes: none of its
        papers may be taken for public ones)."""
        # Like any file in the output folder, it is read only if it is a regular file (not
        # a FIFO, a device or a link) of a sane size.
        text = read_limited(out_dir / MANIFEST, MAX_MANIFEST_BYTES, follow=False)
        try:
            data = json.loads(text.decode("utf-8")) if text is not None else None
        except ValueError:  # (UnicodeDecodeError is one)
            data = None
        if data is None:
            return cls(kind=kind)
        if not _fits(data, _SHAPE) or data.get("version") != __version__:
            return cls(kind=kind)
        if data.get("kind") != kind:
            return cls(kind=kind, foreign=_outputs_named(data))
        manifest = cls(
            data.get("papers", {}),
            data.get("packs", {}),
            data.get("runs", {}),
            max(1, data.get("front-pages", 2)),
            kind,
        )
        manifest.as_read = manifest._json()
        return manifest

    def remove_foreign(self, out_dir: Path) -> None:
        """Remove the outputs a pack of another kind left in this folder (a full pack
        written where the public one goes), so that none stays beside the public papers,
        even a paper this run leaves out or does not get as far as. Raises OSError."""
        budget = MAX_OUTPUT_BYTES  # read in all, so that many planted giants cannot add up
        for name, digest in self.foreign[:MAX_FOREIGN]:
            # Only the file that pack made, as it made it: a file of the user's own that
            # happens to have such a name is not the pack's to remove.
            try:
                size = os.lstat(out_dir / name).st_size
            except OSError:
                continue
            if size > budget:
                continue
            budget -= size
            data = read_limited(out_dir / name, MAX_OUTPUT_BYTES, follow=False)
            if data is None or digest_of(data) != digest:
                continue
            with contextlib.suppress(FileNotFoundError):
                (out_dir / name).unlink()
        self.foreign = []

    def _json(self) -> str:
        data = {
            "version": __version__,
            "papers": self.papers,
            "packs": self.packs,
            "runs": self.runs,
            "front-pages": self.front_pages,
            "kind": self.kind,
        }
        return json.dumps(data, indent=1, sort_keys=True)

    def save(self, out_dir: Path) -> None:
        """Written (atomically) only if the run changed it. Raises OSError."""
        text = self._json()
        if text != self.as_read:
            write_atomic(out_dir / MANIFEST, text.encode())
            self.as_read = text

    # -- papers and packs -------------------------------------------------------------------

    def fresh(self, slug: str, extension: str, key: str, digest: str | None) -> bool:
        """Made from these inputs, and the file is still the one made then (``digest``:
        another command may have written over it)."""
        entry = self.papers.get(slug, {})
        return entry.get(extension) == key and entry.get(extension + "-digest") == digest

    def made(self, slug: str, extension: str, key: str, digest: str) -> None:
        entry = self.papers.setdefault(slug, {})
        entry.update({extension: key, extension + "-digest": digest})

    def pack_fresh(self, name: str, key: str, digests: dict[str, str | None]) -> bool:
        made = self.packs.get(name, {})
        return made.get("key") == key and made.get("digests") == digests

    def pack_made(self, name: str, key: str, digests: dict[str, str | None]) -> None:
        self.packs[name] = {"key": key, "digests": digests}

    # -- whole runs -------------------------------------------------------------------------

    def remember_run(
        self,
        run_key: str,
        keys: Keys,
        briefs: Iterable[Path],
        images: Iterable[ImageInput],
        outputs: dict[str, str | None],
        problems: list[Problem],
        counts: tuple[str, int, int],
    ) -> None:
        """What a later run needs to see that nothing has changed (see ``repeat``): every
        input's digest, the outputs, and what was reported. Only the last run is kept."""
        from scoper.report import problem_dict

        name, papers, excluded = counts
        self.runs = {
            run_key: {
                "briefs": {os.path.abspath(path): keys.brief(path) for path in briefs},
                "images": [list(image) for image in images],
                "logo": keys.logo,
                "outputs": outputs,
                "problems": [problem_dict(p) for p in problems],
                "name": name,
                "papers": papers,
                "excluded": excluded,
            }
        }

    def repeat(
        self, run_key: str, keys: Keys, paths: list[Path], out_dir: Path
    ) -> dict[str, Any] | None:
        """The last run's record, if this run is the same run over the same bytes and its
        outputs are still there: then nothing need be parsed, checked or rendered. Only the
        files this run would read anyway are read: its briefs, images inside their
        folders, the logo and its own outputs."""
        last = self.runs.get(run_key)
        if not last:
            return None
        named = {os.path.abspath(path): path for path in paths}
        folders = {os.path.abspath(path.parent) for path in paths}
        if set(last["briefs"]) != set(named) or last["logo"] != keys.logo:
            return None
        if any(keys.brief(named[path]) != digest for path, digest in last["briefs"].items()):
            return None
        for folder, src, digest in last["images"]:
            if folder not in folders or keys.image(Path(folder), src) != digest:
                return None
        for name, digest in last["outputs"].items():
            if Path(name).name != name or name.startswith(".") or name == MANIFEST:
                return None
            if keys.files.digest(out_dir / name, None) != digest:
                return None
        return last
