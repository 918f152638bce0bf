"""One `cmsite publish` at a time per site on this machine: cron runs that overlap skip quietly."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import IO


class PublishLock:
    def __init__(self, path: Path, *, enabled: bool = True):
        self.path = path
        self.enabled = enabled
        self._handle: IO[str] | None = None

    @classmethod
    def of_site(cls, cache_dir: Path, *, enabled: bool = True) -> PublishLock:
        """The lock every publisher of one site shares: cron's `cmsite publish` and `cmsite serve --publish`."""
        return cls(cache_dir / "publish.lock", enabled=enabled)

    def acquire(self) -> bool:
        """True when this process holds the lock (or locking is off); the OS frees it if we die."""
        if not self.enabled:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._handle = handle
        return True

    def release(self) -> None:
        if self._handle is not None:
            fcntl.flock(self._handle, fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None
