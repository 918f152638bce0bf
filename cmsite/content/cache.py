"""A cache of loaded items in `.cmsite/content.sqlite`, so an unchanged file is never parsed or rendered again.

Rows are keyed by path and checked against the file's size and modification time and the
build key (cmsite version, plugins, settings). The stored item is the one the loader
made, before any `cmsite_item_loaded` hook, because hooks run on every build. Anything
unreadable is dropped and rebuilt; a cache that cannot be written (a full disk, a read-only
folder) is left alone for the rest of the run: it only makes the next build slower.
"""

from __future__ import annotations

import os
import pickle
import sqlite3
from collections.abc import Callable
from pathlib import Path

from cmsite.content.item import Item

ITEM_FORMAT = 5  # part of the content key: raise it when the pickled form of Item changes
SCHEMA = """
CREATE TABLE IF NOT EXISTS items (path TEXT PRIMARY KEY, key TEXT, mtime_ns INTEGER, size INTEGER, item BLOB);
CREATE TABLE IF NOT EXISTS memo (key TEXT PRIMARY KEY, value BLOB);
"""


class ContentCache:
    def __init__(self, path: Path, key: str):
        self.path = path
        self.key = key
        self._db: sqlite3.Connection | None = None
        self._pid = os.getpid()
        self._unwritable = False

    def _connect(self) -> sqlite3.Connection:
        if self._pid != os.getpid():  # a forked worker: SQLite connections must not cross a fork
            self._db, self._pid = None, os.getpid()
        if self._db is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            try:
                self._db = sqlite3.connect(self.path)
                self._db.executescript(SCHEMA)
            except sqlite3.DatabaseError:  # not a database any more: start over
                self.path.unlink(missing_ok=True)
                self._db = sqlite3.connect(self.path)
                self._db.executescript(SCHEMA)
        return self._db

    def index(self) -> dict[str, tuple[int, int]]:
        """Every row for this key: path → (mtime_ns, size). Items are fetched one by one."""
        try:
            rows = self._connect().execute(
                "SELECT path, mtime_ns, size FROM items WHERE key = ?", (self.key,)
            )
            return {path: (mtime, size) for path, mtime, size in rows}
        except (sqlite3.DatabaseError, OSError):
            self._reset()
            return {}

    def fetch(self, path: str) -> bytes | None:
        try:
            row = (
                self._connect()
                .execute("SELECT item FROM items WHERE path = ? AND key = ?", (path, self.key))
                .fetchone()
            )
        except (sqlite3.DatabaseError, OSError):
            self._reset()
            return None
        return row[0] if row else None

    def put(self, rows: list[tuple[str, int, int, bytes]]) -> None:
        """Save (path, mtime_ns, size, pickled item) rows."""
        self._write(
            lambda db: db.executemany(
                "INSERT OR REPLACE INTO items VALUES (?, ?, ?, ?, ?)",
                [(path, self.key, mtime, size, blob) for path, mtime, size, blob in rows],
            )
        )

    def prune(self, keep: set[str]) -> None:
        """Forget rows whose file is gone or whose key is old."""

        def forget(db: sqlite3.Connection) -> None:
            stale = [
                (path,)
                for path, key in db.execute("SELECT path, key FROM items")
                if path not in keep or key != self.key
            ]
            db.executemany("DELETE FROM items WHERE path = ?", stale)

        self._write(forget)

    def recall(self, key: str) -> bytes | None:
        """A remembered result of a costly pure computation, by the digest of all its inputs."""
        try:
            row = self._connect().execute("SELECT value FROM memo WHERE key = ?", (key,)).fetchone()
        except (sqlite3.DatabaseError, OSError):
            self._reset()
            return None
        return row[0] if row else None

    def remember(self, rows: dict[str, bytes]) -> None:
        """Save new results."""
        self._write(lambda db: db.executemany("INSERT OR REPLACE INTO memo VALUES (?, ?)", rows.items()))

    def forget_all_but(self, used: set[str]) -> None:
        """Forget the results the last run did not ask for (old texts)."""

        def forget(db: sqlite3.Connection) -> None:
            stale = [(key,) for (key,) in db.execute("SELECT key FROM memo") if key not in used]
            db.executemany("DELETE FROM memo WHERE key = ?", stale)

        self._write(forget)

    def _write(self, change: Callable[[sqlite3.Connection], object]) -> None:
        """One change in a transaction; a cache that cannot be written is not written again this run."""
        if self._unwritable:
            return
        try:
            db = self._connect()
            with db:
                change(db)
        except (sqlite3.DatabaseError, OSError):
            self._unwritable = True
            self.close()

    def _reset(self) -> None:
        self.close()
        self.path.unlink(missing_ok=True)

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


def unpickle(blob: bytes) -> Item | None:
    try:
        item = pickle.loads(blob)
    except Exception:
        return None
    return item if isinstance(item, Item) else None
