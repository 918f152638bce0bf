"""The state store: what was planned, claimed, sent and published, in SQLite (`.cmsite/queue.sqlite`).

Content is the source of truth: entries are derived from the plans (`sync`). The store
only records what happened. Every change of status is a transaction of its own, and the
"sending" record is committed before a network is called, so a crash at any instant
leaves an entry whose state says what may have happened.

Status: pending → claimed → sending → published | failed | unknown; cancelled when its
plan is removed (queued again if the plan comes back) or by `cmsite queue cancel` (stays
cancelled, whatever the plan says); expired when the plan was first seen long after its time (see sync);
deleted when `cmsite queue delete` took a published post down (never sent again, whatever
the plan says). `approved` is separate: with approval on, only approved entries are sent.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from cmsite.site import Site

# The error a cancelled entry holds says who cancelled it: only the sync's own cancel is
# undone when the plan comes back.
PLAN_REMOVED = "its plan is no longer in the source"
CANCELLED_BY_HAND = "cancelled with `cmsite queue cancel` (`cmsite queue retry ID` queues it again)"

SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    id TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    line INTEGER,
    network TEXT NOT NULL,
    account TEXT NOT NULL,
    at TEXT NOT NULL,
    texts TEXT NOT NULL,
    media TEXT NOT NULL,
    link TEXT,
    title TEXT NOT NULL DEFAULT '',
    summary TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'pending',
    approved INTEGER NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt TEXT,
    lease_owner TEXT,
    lease_until TEXT,
    remote_id TEXT,
    remote_url TEXT,
    published_at TEXT,
    error TEXT,
    updated TEXT NOT NULL
)
"""
ACTIVE = ("pending", "claimed", "sending", "unknown")
FINAL = ("published", "cancelled", "deleted")


@dataclass(slots=True)  # a sync holds one per planned post
class Entry:
    """One social post on one network and account, and what happened to it."""

    id: str
    source: str
    network: str
    account: str
    at: datetime
    texts: list[str]
    media: list[dict[str, str]] = field(default_factory=list)
    link: str | None = None
    title: str = ""
    summary: str = ""
    line: int | None = None
    status: str = "pending"
    approved: bool = False
    attempts: int = 0
    next_attempt: datetime | None = None
    lease_owner: str | None = None
    lease_until: datetime | None = None
    remote_id: str | None = None
    remote_url: str | None = None
    published_at: datetime | None = None
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            key: (value.isoformat() if isinstance(value, datetime) else value)
            for key, value in ((f.name, getattr(self, f.name)) for f in fields(self))
        }


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _row(row: sqlite3.Row) -> Entry:
    data = dict(row)
    data.pop("updated")
    return Entry(
        **{
            **data,
            "at": _time(data["at"]),
            "texts": json.loads(data["texts"]),
            "media": json.loads(data["media"]),
            "approved": bool(data["approved"]),
            "next_attempt": _time(data["next_attempt"]),
            "lease_until": _time(data["lease_until"]),
            "published_at": _time(data["published_at"]),
        }
    )


class Store(Protocol):
    """What the publisher and the sync need from a state store. SQLite (below) is the one cmsite
    ships; a server database for teams running publishers on several machines implements the same.
    """

    def transaction(self) -> AbstractContextManager[Any]: ...
    def get(self, entry_id: str) -> Entry | None: ...
    def all(self) -> list[Entry]: ...
    def insert(self, db: Any, entry: Entry) -> None: ...
    def update(self, db: Any, entry_id: str, **values: Any) -> None: ...


def queue_path(site: Site) -> Path:
    """The site's queue database: `[queue] path` in cmsite.toml, or .cmsite/queue.sqlite."""
    configured = site.config.raw.get("queue", {}).get("path")
    return site.root / configured if configured else site.cache_dir / "queue.sqlite"


class QueueStore:
    """SQLite-backed store; safe for several publisher processes at once (transactions + leases)."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.db = sqlite3.connect(path, timeout=30, isolation_level=None)  # explicit transactions below
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.execute(SCHEMA)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE: one writer at a time, so two publishers never claim the same entry."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def get(self, entry_id: str) -> Entry | None:
        row = self.db.execute("SELECT * FROM entries WHERE id = ?", (entry_id,)).fetchone()
        return _row(row) if row else None

    def all(self) -> list[Entry]:
        return [
            _row(row) for row in self.db.execute("SELECT * FROM entries ORDER BY at, network, account, id")
        ]

    def insert(self, db: sqlite3.Connection, entry: Entry) -> None:
        db.execute(
            "INSERT INTO entries (id, source, line, network, account, at, texts, media, link, title, summary, status,"
            " approved, error, updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                entry.id, entry.source, entry.line, entry.network, entry.account, utc(entry.at),
                json.dumps(entry.texts), json.dumps(entry.media), entry.link, entry.title, entry.summary,
                entry.status, int(entry.approved), entry.error, now_text(),
            ),
        )  # fmt: skip

    def update(self, db: sqlite3.Connection, entry_id: str, **values: Any) -> None:
        encoded = {
            key: utc(value)
            if isinstance(value, datetime)
            else json.dumps(value)
            if isinstance(value, list)
            else value
            for key, value in values.items()
        }
        encoded["updated"] = now_text()
        assignments = ", ".join(f"{key} = ?" for key in encoded)
        db.execute(f"UPDATE entries SET {assignments} WHERE id = ?", (*encoded.values(), entry_id))

    def close(self) -> None:
        self.db.close()


def utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def now_text() -> str:
    return datetime.now(UTC).isoformat()
