"""The pack's own parts (its front, its closing parts, its page-number stamp), kept from the
last run and used again when they would come out the same.

A part is laid out from HTML alone, so its key is a digest of that HTML and of everything
else the renderer is given. When one brief's summary changes, the tracker, the register
and the annex come out as they were, and so do the contents if no paper changed length:
laying them out again would take longer than the changed paper itself. Each part is kept
in ``OUTPUT/.scoper-parts/`` as ``KEY.pdf`` with ``KEY.json`` (its page count, anchors,
renderer warnings and the PDF's digest, checked before it is used: a file changed or
replaced since is laid out again).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import stat
from pathlib import Path
from typing import TYPE_CHECKING

from scoper import __version__
from scoper.output import write_atomic
from scoper.pack.files import read_limited

if TYPE_CHECKING:
    from scoper.pdf.pool import PdfJob, PdfOutcome

FOLDER = ".scoper-parts"
MAX_PART_BYTES = 200 * 1024 * 1024
"""No part file larger than this is read back (a pack's closing parts are a few MB)."""


def part_key(job: PdfJob) -> str:
    """The digest of everything a part is laid out from."""
    digest = hashlib.sha256()
    # A part laid out only to be counted has no PDF: never the same as one written.
    written = "counted" if job.length_only else "written"
    for value in (__version__, written, job.variant, job.title, job.created, *map(str, job.roots)):
        digest.update(value.encode("utf-8", "surrogatepass") + b"\0")
    for name, data, about in job.attachments:
        digest.update(name.encode() + b"\0" + hashlib.sha256(data).digest() + about.encode())
    digest.update(job.html.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


class PartCache:
    """The parts kept in one output folder."""

    def __init__(self, out_dir: Path) -> None:
        from scoper.output import PinnedFolder

        self.folder = out_dir / FOLDER
        self.used: set[str] = set()
        self.usable = _own_folder(self.folder)
        """Whether the folder is one to keep parts in: a real folder in the output folder.
        A link planted there would have parts written, and old ones removed, wherever it
        points: then nothing is kept, read or removed."""
        if self.usable:
            with contextlib.suppress(OSError):
                self.folder.mkdir(exist_ok=True)
            # Reached through itself from here on: a link swapped in for it during the
            # run is not followed (see PinnedFolder).
            pinned = PinnedFolder(self.folder)
            self.usable, self.folder = pinned.opened, pinned.path
            self.pinned = pinned

    def load(self, key: str) -> PdfOutcome | None:
        """The part made from ``key``, if it is kept and unchanged."""
        from scoper.pdf.pool import PdfOutcome

        self.used.add(key)
        if not self.usable:
            return None
        about = read_limited(self.folder / f"{key}.json", 1024 * 1024, follow=False)
        if about is None:
            return None
        try:
            kept = json.loads(about)
            pages, anchors, warnings = kept["pages"], kept["anchors"], kept["warnings"]
            if not (
                isinstance(pages, int)
                and isinstance(anchors, dict)
                and all(isinstance(k, str) and isinstance(v, int) for k, v in anchors.items())
                and isinstance(warnings, list)
                and all(isinstance(w, str) for w in warnings)
            ):
                return None
            digest = kept["digest"]
        except (ValueError, KeyError, TypeError):
            return None
        pdf = read_limited(self.folder / f"{key}.pdf", MAX_PART_BYTES, follow=False)
        if pdf is None or hashlib.sha256(pdf).hexdigest() != digest:
            return None
        return PdfOutcome(pdf, warnings, None, pages, anchors)

    def save(self, key: str, outcome: PdfOutcome) -> None:
        """Keep a part just laid out (a part that failed is not kept)."""
        self.used.add(key)
        if outcome.pdf is None or not self.usable:
            return
        about = {
            "digest": hashlib.sha256(outcome.pdf).hexdigest(),
            "pages": outcome.pages,
            "anchors": outcome.anchors,
            "warnings": outcome.warnings,
        }
        with contextlib.suppress(OSError):  # a part not kept is laid out again next time
            write_atomic(self.folder / f"{key}.pdf", outcome.pdf)
            write_atomic(self.folder / f"{key}.json", json.dumps(about).encode("utf-8"))

    def prune(self) -> None:
        """Remove the parts this run did not use: only the last run's are worth keeping."""
        if not self.usable:
            return
        with contextlib.suppress(OSError):
            for found in self.folder.iterdir():
                # Only names scoper gives parts: a digest, .pdf or .json.
                if _PART_NAME.fullmatch(found.name) and found.stem not in self.used:
                    with contextlib.suppress(OSError):
                        found.unlink()  # (a link is removed, never what it points to)


_PART_NAME = re.compile(r"[0-9a-f]{64}\.(?:pdf|json)")


def _own_folder(folder: Path) -> bool:
    """Whether ``folder`` is a real folder (not a link to one), or does not exist yet."""
    try:
        found = os.lstat(folder)
    except FileNotFoundError:
        return True
    except OSError:
        return False
    return stat.S_ISDIR(found.st_mode)
