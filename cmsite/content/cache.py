"""A cache of loaded items in `.cmsite/content.sqlite`, so an unchanged file is never parsed or rendered again.

Rows are keyed by path and checked against the file's size and modification time and the
build key (cmsite version, plugins, settings). The stored item is the one the loader
made, before any `cmsite_item_loaded` hook, because hooks run on every build. Anything
unreadable is dropped and rebuilt; a cache that cannot be written (a full disk, a read-only
folder) is left alone for the rest of the run: it only makes the next build slower.
"""

from __future__ import annotations

import pickle
import sqlite3
from pathlib import Path

from cmsite.cache_file import CacheFile
from cmsite.content.item import Item

ITEM_FORMAT = 9  # part of the content key: raise it when the pickled form of Item, or what the loader makes of a file, changes
SCHEMA = """
CREATE TABLE IF NOT EXISTS items (path TEXT PRIMARY KEY, key TEXT, mtime_ns INTEGER, size INTEGER, item BLOB);
DROP TABLE IF EXISTS memo;  -- the summary memo of older versions (gone since issue 16): its rows were never read again
"""


class ContentCache(CacheFile):
    def __init__(self, path: Path, key: str, *, read_only: bool = False):
        super().__init__(path, SCHEMA, read_only=read_only)
        self.key = key

    def index(self) -> dict[str, tuple[int, int]]:
        """Every row for this key: path → (mtime_ns, size). Items are fetched one by one."""
        rows = self.read("SELECT path, mtime_ns, size FROM items WHERE key = ?", (self.key,))
        return {path: (mtime, size) for path, mtime, size in rows}

    def fetch_as(self, path: str, signature: tuple[int, int]) -> bytes | None:
        """The item of a file as it was when its size and time were `signature` (mtime_ns, size)."""
        rows = self.read(
            "SELECT item FROM items WHERE path = ? AND key = ? AND mtime_ns = ? AND size = ?",
            (path, self.key, *signature),
        )
        return rows[0][0] if rows else None

    def fetch(self, path: str) -> bytes | None:
        rows = self.read("SELECT item FROM items WHERE path = ? AND key = ?", (path, self.key))
        return rows[0][0] if rows else None

    def put(self, rows: list[tuple[str, int, int, bytes]]) -> None:
        """Save (path, mtime_ns, size, pickled item) rows."""
        self.write(
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

        self.write(forget)


def unpickle(blob: bytes) -> Item | None:
    try:
        item = pickle.loads(blob)
    except Exception:
        return None
    return item if isinstance(item, Item) else None
