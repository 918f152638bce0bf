"""Excerpts made before, in `.cmsite/excerpts.sqlite`: fitting a long text to a network is costly,
and on a site of thousands of posts most texts are the same from one command to the next.

An excerpt is found again by the digest of all its inputs: the content key (cmsite, plugins
and settings), the network's class, limit and counting rule, cmsite's excerpt rule, the text,
what follows it and whether it may be threaded. A run forgets the excerpts it did not ask for
(old texts). An unreadable excerpt is made again; a file that cannot be written only makes
the next run slower (`cmsite.cache_file`).
"""

from __future__ import annotations

import pickle
import sqlite3
from functools import cached_property
from pathlib import Path

from cmsite.cache_file import CacheFile
from cmsite.digests import digest
from cmsite.social.excerpt import Excerpt
from cmsite.social.excerpt import fingerprint as excerpt_fingerprint
from cmsite.social.network import Network

FILE_NAME = "excerpts.sqlite"  # in the site's .cmsite/
SAVE_EVERY = 256  # excerpts written at a time, so they are not all held until the end of a run
SCHEMA = "CREATE TABLE IF NOT EXISTS excerpts (key TEXT PRIMARY KEY, value BLOB);"


class ExcerptCache:
    """The excerpts of one run: found in the file, or made and saved as they are made."""

    def __init__(self, path: Path, content_key: str, *, read_only: bool = False):
        self.file = CacheFile(path, SCHEMA, read_only=read_only)
        self.content_key = content_key
        self.new: dict[str, bytes] = {}  # made, not yet written
        self.used: set[str] = set()  # asked for in this run: kept by `save`

    def excerpt(self, network: type[Network], text: str, tail: str, thread: bool) -> Excerpt:
        """`network.excerpt(text, tail, thread=thread)`, made once for the same inputs."""
        key = self._key(network, text, tail, thread)
        self.used.add(key)
        found = self._found(key)
        if found is not None:
            return found
        made = network.excerpt(text, tail, thread=thread)
        self.new[key] = pickle.dumps(made)
        if len(self.new) >= SAVE_EVERY:
            self._write_new()
        return made

    def save(self) -> None:
        """Write what is left, and forget the excerpts this run did not ask for (old texts)."""
        if self.new or self.used:
            self._write_new()
            self.file.write(self._forget_unused)
        self.file.close()

    def _key(self, network: type[Network], text: str, tail: str, thread: bool) -> str:
        kind = f"{network.__module__}.{network.__qualname__}"
        rule = (network.max_length, network.counting, self._rules)
        return digest(self.content_key, kind, *rule, text, tail, thread)

    @cached_property
    def _rules(self) -> str:
        """How excerpts are cut and counted, read once a run (it reads their source files), when
        the first excerpt is asked for (it imports the counting rules)."""
        return excerpt_fingerprint()

    def _found(self, key: str) -> Excerpt | None:
        blob = self.new.get(key)
        if blob is None:
            rows = self.file.read("SELECT value FROM excerpts WHERE key = ?", (key,))
            blob = rows[0][0] if rows else None
        try:
            found = pickle.loads(blob) if blob is not None else None
        except Exception:  # unreadable: made again
            return None
        return found if isinstance(found, Excerpt) else None

    def _write_new(self) -> None:
        rows = list(self.new.items())
        self.file.write(lambda db: db.executemany("INSERT OR REPLACE INTO excerpts VALUES (?, ?)", rows))
        self.new = {}

    def _forget_unused(self, db: sqlite3.Connection) -> None:
        stale = [(key,) for (key,) in db.execute("SELECT key FROM excerpts") if key not in self.used]
        db.executemany("DELETE FROM excerpts WHERE key = ?", stale)
