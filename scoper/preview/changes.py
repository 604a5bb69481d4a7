"""The change log that open pages follow: the watcher posts what changed, each page's event
stream waits to hear it."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterable

KEPT_EVENTS = 256
"""Changes remembered; a page that has missed older ones than these reloads whole."""

Event = dict[str, object]
RELOAD_ALL: Event = {"paths": [], "all": True}


class Changes:
    """Numbered changes, the last ``keep`` of them kept. A page says how many it has seen
    (``count`` when it was rendered), so that a change made while it loaded still reaches it."""

    def __init__(self, keep: int = KEPT_EVENTS) -> None:
        self._condition = threading.Condition()
        self._events: deque[Event] = deque(maxlen=keep)
        self._count = 0
        self._everything = 0

    @property
    def count(self) -> int:
        """Changes published since the start: the number the next one is after."""
        with self._condition:
            return self._count

    @property
    def generation(self) -> int:
        """Changes to 'everything' (the theme, the config, an image) so far: what was worked
        out before the last one may be stale."""
        with self._condition:
            return self._everything

    def publish(self, paths: Iterable[str], everything: bool) -> None:
        with self._condition:
            self._events.append({"paths": sorted(set(paths)), "all": everything})
            self._count += 1
            self._everything += everything
            self._condition.notify_all()

    def wake(self) -> None:
        """Wake every waiting stream, for those told to end (see ``wait``'s ``stop``)."""
        with self._condition:
            self._condition.notify_all()

    def wait(
        self, seen: int, timeout: float, stop: threading.Event | None = None
    ) -> tuple[int, list[Event]]:
        """The changes after the first ``seen``, waiting up to ``timeout`` seconds for one
        (or until ``stop`` is set and ``wake`` called); a single reload-everything if some
        of them are no longer kept."""
        with self._condition:
            self._condition.wait_for(
                lambda: self._count > seen or (stop is not None and stop.is_set()), timeout
            )
            missed = self._count - seen
            if missed <= 0:
                return self._count, []
            if missed > len(self._events):
                return self._count, [dict(RELOAD_ALL)]
            return self._count, list(self._events)[-missed:]
