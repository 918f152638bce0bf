"""What the open browser tabs must learn: a new build and the URLs it rewrote, or the current errors.

Each build or failure gets the next version number. A tab is served with the version
its page comes from and asks for everything after it, so a save that lands between the
page load and the event stream's connection still reloads it.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field

HISTORY = 100  # builds remembered for tabs that reconnect; an older tab simply reloads


@dataclass(frozen=True)
class News:
    """What a tab that last saw version `since` needs: URLs rewritten since, and errors now."""

    version: int
    urls: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


class ReloadHub:
    def __init__(self) -> None:
        self.version = 0
        self.errors: list[str] = []
        self._builds: deque[tuple[int, list[str]]] = deque(maxlen=HISTORY)
        self._changed = threading.Condition()
        self._closed = False

    def built(self, urls: list[str]) -> None:
        """A good build wrote these URLs: tabs showing one of them reload; the overlay goes."""
        with self._changed:
            self.version += 1
            self._builds.append((self.version, urls))
            self.errors = []
            self._changed.notify_all()

    def failed(self, errors: list[str]) -> None:
        """A save broke the build: every tab shows the errors over the last good page."""
        with self._changed:
            self.version += 1
            self.errors = list(errors)
            self._changed.notify_all()

    def close(self) -> None:
        with self._changed:
            self._closed = True
            self._changed.notify_all()

    @property
    def closed(self) -> bool:
        return self._closed

    def news_since(self, since: int) -> News:
        with self._changed:
            return self._news(since)

    def wait(self, since: int, timeout: float) -> News | None:
        """Block until there is something after `since`; None on timeout or when the server stops."""
        with self._changed:
            self._changed.wait_for(lambda: self.version > since or self._closed, timeout)
            if self._closed or self.version <= since:
                return None
            return self._news(since)

    def _news(self, since: int) -> News:
        urls: list[str] = []
        if since < self.version:
            oldest = self._builds[0][0] if self._builds else self.version + 1
            if since < oldest - 1 and self._builds:
                urls = ["*"]  # older than what is remembered: reload whatever the tab shows
            else:
                urls = sorted({url for version, built in self._builds if version > since for url in built})
        return News(self.version, urls, list(self.errors))
