"""Saved files, from watchdog's events, handed over in debounced batches.

Editors rarely save in one step: many write a temporary file and rename it over the
original, some save twice, a `git checkout` touches hundreds of files. The watcher
collects every path an event names and returns them once nothing has happened for a
short quiet time (or a longer limit has passed), so one save is one rebuild.

The quiet time is what a save waits before its rebuild starts, so it is shortened when
the events say every saved file is complete: its last event closed it after writing, or
renamed it into place (Linux's inotify says both; where no close is reported, the quiet
time holds). A file whose last event so far truncated it, wrote to it, created it or renamed
it away (vim moves the original aside before writing the new one) keeps the batch waiting for
the whole quiet time: a save is still one rebuild, of the final content.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from watchdog.events import (
    EVENT_TYPE_CLOSED,
    EVENT_TYPE_CREATED,
    EVENT_TYPE_DELETED,
    EVENT_TYPE_MODIFIED,
    EVENT_TYPE_MOVED,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer

CHANGES = {EVENT_TYPE_CREATED, EVENT_TYPE_DELETED, EVENT_TYPE_MODIFIED, EVENT_TYPE_MOVED, EVENT_TYPE_CLOSED}
SKIPPED_FOLDERS = {".git", ".hg", ".svn", ".cmsite", "__pycache__", "node_modules", ".venv"}
# Editors' temporary and lock files: vim's swap files and its "4913" probe, emacs's
# `.#name` locks and `name~` backups, LibreOffice's `.~lock`, JetBrains' safe writes,
# downloads in progress.
TEMPORARY_SUFFIXES = (
    ".swp",
    ".swx",
    ".swo",
    ".tmp",
    ".part",
    ".crdownload",
    "~",
    "___jb_tmp___",
    "___jb_old___",
)


@dataclass
class Batch:
    """Paths saved together; `folders` is true when a whole folder appeared, moved or went away."""

    paths: set[Path] = field(default_factory=set)
    folders: bool = False


def is_temporary(path: Path) -> bool:
    name = path.name
    return name.startswith((".", "#")) or name.endswith(TEMPORARY_SUFFIXES) or name == "4913"


class ChangeWatcher(FileSystemEventHandler):
    """Watches folders (recursively) and single files; `next_batch` waits for the next save.

    `quiet`: the calm after the last event that ends a batch; `settled`: the same when every
    path of the batch is complete (see the module's docstring). `clock` tells the time in
    seconds for both, the limit and `next_batch`'s timeout: a test gives a clock of its own, to
    say when each save happened without waiting.
    """

    def __init__(
        self,
        roots: Iterable[Path],
        skipped: Iterable[Path] = (),
        *,
        quiet: float = 0.03,
        settled: float = 0.005,
        limit: float = 0.5,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.roots = [Path(root).resolve() for root in roots]
        self.skipped = [Path(path).resolve() for path in skipped]
        self.quiet, self.settled, self.limit, self.clock = quiet, settled, limit, clock
        self.files = {root for root in self.roots if not root.is_dir()}  # files, and folders yet to come
        self.folders = {root for root in self.roots if root.is_dir()}
        self._batch = Batch()
        self._incomplete: set[Path] = set()  # paths of the batch whose last event may not be their last
        self._last_event = 0.0
        self._ready = threading.Condition()
        self._observer = Observer()

    def start(self) -> None:
        folders = self.folders
        for folder in sorted(folders):
            if not any(parent in folders for parent in folder.parents):
                self._observer.schedule(self, str(folder), recursive=True)
        for parent in sorted({file.parent for file in self.files}):
            if not parent.is_dir() or any(parent.is_relative_to(folder) for folder in folders):
                continue
            self._observer.schedule(self, str(parent), recursive=False)
        self._observer.daemon = True
        self._observer.start()

    def stop(self) -> None:
        self._observer.stop()
        self._observer.join(timeout=5)

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type not in CHANGES:
            return
        if event.is_directory and event.event_type in (EVENT_TYPE_MODIFIED, EVENT_TYPE_CLOSED):
            return  # a file inside changed: its own event follows
        file = not event.is_directory
        # Each path the event names, and whether it is complete: closed after writing, or renamed into place.
        paths = {Path(str(event.src_path)): file and event.event_type == EVENT_TYPE_CLOSED}
        if dest := getattr(event, "dest_path", ""):
            paths[Path(str(dest))] = file
        wanted = {path: complete for path, complete in paths.items() if self.wanted(path)}
        if wanted:
            with self._ready:
                self._batch.folders |= event.is_directory
            self._saved(wanted)

    def wanted(self, path: Path) -> bool:
        """A path inside what is watched that is not an editor's scratch file, the output or a cache."""
        if path in self.files:
            return True
        if is_temporary(path) or SKIPPED_FOLDERS.intersection(path.parts):
            return False
        if any(path.is_relative_to(skip) for skip in self.skipped):
            return False
        return any(path.is_relative_to(folder) for folder in self.folders)

    def add(self, paths: Iterable[Path]) -> None:
        """Treat these paths as saved now (for changes no file event reports)."""
        self._saved(dict.fromkeys(paths, False))

    def _saved(self, paths: dict[Path, bool]) -> None:
        """Add paths to the batch, each with whether this event leaves it complete."""
        with self._ready:
            self._batch.paths.update(paths)
            for path, complete in paths.items():
                if complete:
                    self._incomplete.discard(path)
                else:
                    self._incomplete.add(path)
            self._last_event = self.clock()
            self._ready.notify_all()

    def next_batch(self, timeout: float | None = None) -> Batch | None:
        """The next debounced batch of saved paths, or None if nothing was saved within `timeout`."""
        deadline = None if timeout is None else self.clock() + timeout
        with self._ready:
            while not self._batch.paths:
                left = None if deadline is None else deadline - self.clock()
                if left is not None and left <= 0:
                    return None
                self._ready.wait(left)
            first = self.clock()
            while True:
                now = self.clock()
                calm = self._last_event + (self.quiet if self._incomplete else self.settled) - now
                if calm <= 0 or now - first >= self.limit:
                    break
                self._ready.wait(min(calm, self.limit - (now - first)))
            batch, self._batch, self._incomplete = self._batch, Batch(), set()
            return batch
