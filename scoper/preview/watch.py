"""The file watcher: each batch of saves becomes one change the open pages hear of."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

from scoper.preview.changes import Changes

RETRY_SECONDS = 1.0
"""How soon a watch that failed (a folder gone, a watch limit reached) starts again."""


def classify(changed: Iterable[str], folder: Path) -> tuple[list[str], bool]:
    """The brief files among ``changed``, by name, and whether anything else changed (the
    theme, the config, an image: every page may depend on those).

    Paths are compared as written, never resolved: a link loop saved into the folder has no
    resolved path, and asking for one is an error.
    """
    root = os.path.abspath(folder)
    names: list[str] = []
    everything = False
    for path in changed:
        path = os.path.abspath(path)
        if path.endswith(".md") and os.path.dirname(path) == root:
            names.append(os.path.basename(path))
        else:
            everything = True
    return names, everything


def watch(folder: Path, changes: Changes, stop: threading.Event) -> None:
    """Report each batch of saves until ``stop`` is set: brief names, or 'everything' for the
    theme, the config or an image."""
    from scoper.config import find_config
    from scoper.render.theme import theme_for

    config = find_config(Path.cwd())
    project = config.parent if config else Path.cwd()
    overrides = project / "templates"
    watched: list[Path] = [folder, *theme_for(None).roots]
    following: set[str] = set()
    if overrides.is_dir():
        watched.append(overrides)
        following.add(os.path.abspath(overrides))

    def on_batch(paths: set[str]) -> None:
        names, everything = classify(paths, folder)
        made = os.path.abspath(overrides)
        if made in map(os.path.abspath, paths) and made not in following and overrides.is_dir():
            # A templates folder made while the preview runs: follow it too.
            following.add(made)
            _start(follow, [overrides], True, None, on_batch, stop)
        changes.publish(names, everything)

    # The project's own folder is watched without its subfolders (it may hold a virtual
    # environment): that catches scoper.toml however it is saved, even by a rename, and a
    # templates folder made after the preview started.
    _start(follow, [project], False, {"scoper.toml", "templates"}, on_batch, stop)
    follow(watched, True, None, on_batch, stop)


def _start(target: Callable[..., None], *args: object) -> None:
    threading.Thread(target=target, args=args, daemon=True).start()


def follow(
    paths: list[Path],
    recursive: bool,
    only: set[str] | None,
    on_batch: Callable[[set[str]], None],
    stop: threading.Event,
) -> None:
    """Watch ``paths`` until ``stop`` is set. Whatever goes wrong (a folder removed, a link
    loop, a fault in handling a batch), the watch starts again: a preview that stopped
    following saves would show stale papers without saying so."""
    import watchfiles

    def relevant(change: object, path: str) -> bool:
        return only is None or os.path.basename(path) in only

    while not stop.is_set():
        try:
            for batch in watchfiles.watch(
                *[p for p in paths if p.exists()],
                stop_event=stop,
                debounce=50,
                step=20,
                recursive=recursive,
                watch_filter=relevant,
                raise_interrupt=False,
            ):
                on_batch({changed for _, changed in batch})
        except Exception:  # see above: never give up
            pass
        else:
            return  # stopped
        stop.wait(RETRY_SECONDS)
