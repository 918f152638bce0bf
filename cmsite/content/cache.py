"""A cache of loaded items in `.cmsite/content.sqlite`, so an unchanged file is never parsed or rendered again.

Rows are keyed by path and checked against the file's size and modification time and the
build key (cmsite version, plugins, settings). The stored item is the one the loader
made, before any `cmsite_item_loaded` hook, because hooks run on every build. Anything
unreadable is dropped and rebuilt.
"""

from __future__ import annotations

import pickle
import sqlite3
from pathlib import Path

from cmsite.content.item import Item

SCHEMA = "CREATE TABLE IF NOT EXISTS items (path TEXT PRIMARY KEY, key TEXT, mtime_ns INTEGER, size INTEGER, item BLOB)"


class ContentCache:
    def __init__(self, path: Path, key: str):
        self.path = path
        self.key = key
        self._db: sqlite3.Connection | None = None

    def _connect(self) -> sqlite3.Connection:
        if self._db is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            try:
                self._db = sqlite3.connect(self.path)
                self._db.execute(SCHEMA)
            except sqlite3.DatabaseError:  # not a database any more: start over
                self.path.unlink(missing_ok=True)
                self._db = sqlite3.connect(self.path)
                self._db.execute(SCHEMA)
        return self._db

    def load_all(self) -> dict[str, tuple[int, int, bytes]]:
        """Every row for this key: path → (mtime_ns, size, pickled item)."""
        try:
            rows = self._connect().execute(
                "SELECT path, mtime_ns, size, item FROM items WHERE key = ?", (self.key,)
            )
            return {path: (mtime, size, blob) for path, mtime, size, blob in rows}
        except sqlite3.DatabaseError:
            self.close()
            self.path.unlink(missing_ok=True)
            return {}

    def store(self, rows: list[tuple[str, int, int, bytes]], keep: set[str]) -> None:
        """Save new (path, mtime_ns, size, pickled item) rows; forget files that are gone and old keys."""
        db = self._connect()
        with db:
            db.executemany(
                "INSERT OR REPLACE INTO items VALUES (?, ?, ?, ?, ?)",
                [(path, self.key, mtime, size, blob) for path, mtime, size, blob in rows],
            )
            stale = [
                (path,)
                for (path, key) in db.execute("SELECT path, key FROM items")
                if path not in keep or key != self.key
            ]
            db.executemany("DELETE FROM items WHERE path = ?", stale)

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
