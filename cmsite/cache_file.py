"""A SQLite file in `.cmsite/` that only saves time: whatever goes wrong with it costs a slower run, never a failed one.

The content cache and the excerpt cache are such files. One that is no database any more
is started over; one that cannot be read is removed and read as empty; one that cannot be
written (a full disk, a read-only folder) is not written again for the rest of the run.
A command that writes nothing (`cmsite check`) opens them `read_only`: read if they are
there, never made, changed or removed.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any


def _opened(path: Path, schema: str) -> sqlite3.Connection:
    """The file with its tables. Its writes are not waited for on the disk (`synchronous = OFF`):
    a crash of the machine may lose or damage it, and it is then made again, while waiting for
    the disk took 20 ms of each quick rebuild's item, longer than rendering its pages."""
    db = sqlite3.connect(path)
    db.execute("PRAGMA synchronous = OFF")
    db.executescript(schema)
    return db


class CacheFile:
    """One cache file and its tables (`schema`), opened when first used."""

    def __init__(self, path: Path, schema: str, *, read_only: bool = False):
        self.path = path
        self.schema = schema
        self.read_only = read_only
        self._db: sqlite3.Connection | None = None
        self._pid = os.getpid()
        self._unwritable = read_only

    def _connect(self) -> sqlite3.Connection:
        if self._pid != os.getpid():  # a forked worker: SQLite connections must not cross a fork
            self._db, self._pid = None, os.getpid()
        if self._db is None and self.read_only:
            self._db = read_only(self.path)  # no file: an error, and the read finds nothing
        if self._db is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            try:
                self._db = _opened(self.path, self.schema)
            except sqlite3.DatabaseError:  # not a database any more: start over
                self.path.unlink(missing_ok=True)
                self._db = _opened(self.path, self.schema)
        return self._db

    def read(self, query: str, arguments: tuple[Any, ...] = ()) -> list[Any]:
        """The rows of a query; none when the file cannot be read (it is removed, to be made again)."""
        try:
            return self._connect().execute(query, arguments).fetchall()
        except (sqlite3.DatabaseError, OSError):
            self._reset()
            return []

    def write(self, change: Callable[[sqlite3.Connection], object]) -> None:
        """One change in a transaction; a file that cannot be written is not written again this run."""
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
        """Remove a file that cannot be read; one that cannot be removed either (a folder in its
        place) is read as empty each time."""
        self.close()
        if self.read_only:
            return
        with contextlib.suppress(OSError):
            self.path.unlink(missing_ok=True)

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


def read_only(path: Path) -> sqlite3.Connection:
    """A connection that reads the file and makes or changes none (sqlite3.OperationalError
    when there is no file). A reader of a database in WAL mode makes its -wal and -shm files
    unless it opens it immutable, which is true while no writer has it open (no -wal file);
    while one has, those files are there, and a reader must use them to see the last changes."""
    wal = path.with_name(path.name + "-wal")
    flags = "mode=ro" if wal.exists() else "mode=ro&immutable=1"
    return sqlite3.connect(f"{path.absolute().as_uri()}?{flags}", uri=True)
