"""The state store: what was planned, claimed, sent and published, in SQLite (`.cmsite/queue.sqlite`).

Content is the source of truth: entries are derived from the plans (`sync`). The store
only records what happened. Every change of status is a transaction of its own, and the
"sending" record is committed before a network is called, so a crash at any instant
leaves an entry whose state says what may have happened.

An entry's status moves only along `TRANSITIONS`, and every update names the statuses it
expects the entry to be in (and, for a publisher, the lease it must still hold): the
update changes nothing and says so when another process got there first. A thread's
parts are recorded one by one in `parts` as each is confirmed, so a retry resumes after
them. `approved` is separate from the status: with approval on, only approved entries
are sent. `cancelled_by` says who cancelled an entry: only the sync's own cancel (its
plan was removed) is undone when the plan comes back.

Who approved what is kept in `approvals`, one row per approval, never changed nor removed:
each holds the `content_digest` of the texts, pictures and time it approved, and an entry
is `approved` while one of its approvals holds its content's digest (cmsite.queue.approvals).

What the networks said of the published posts and of the accounts over time is kept in
`metric_snapshots`, one row per count per collection, only ever added to: a month's report
is made from the snapshots taken before the month ended, so it comes out the same whenever
it is made (cmsite.report).

SQLite in WAL mode is safe for several publishers on one machine, not on a network
filesystem: its locks do not hold there.

A transaction that publishes or deletes a post touches `queue.sqlite-published` once it is
committed: pages show where posts were published, so the build takes that file as an input
(cmsite.default_plugins.syndication), rather than the database, which every sync writes.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import threading
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from cmsite.cache_file import read_only
from cmsite.digests import digest_bytes
from cmsite.errors import ContentError, display_path

if TYPE_CHECKING:
    from cmsite.site import Site


class Status(StrEnum):
    """Where an entry stands; `TRANSITIONS` says where it may go next."""

    PENDING = "pending"  # waiting for its time (or its next try)
    CLAIMED = "claimed"  # a publisher holds its lease and is about to send
    SENDING = "sending"  # committed before the network call: what happened is known only after it
    UNKNOWN = "unknown"  # a send stopped without an answer: look on the network before sending again
    PUBLISHED = "published"
    FAILED = "failed"  # refused, or given up after too many tries
    CANCELLED = "cancelled"  # its plan was removed, or a person cancelled it (`cancelled_by`)
    EXPIRED = "expired"  # first seen long after its time: not sent unless a person says so
    DELETED = "deleted"  # taken down with `cmsite queue delete`: never sent again


class CancelledBy(StrEnum):
    PLAN = "plan"  # the sync: its plan left the source (queued again if it comes back)
    PERSON = "person"  # `cmsite queue cancel`: stays cancelled whatever the plan says


TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.PENDING: frozenset({Status.CLAIMED, Status.CANCELLED}),
    # pending again, or expired, when its page is not live yet: nothing was sent
    Status.CLAIMED: frozenset(
        {Status.CLAIMED, Status.SENDING, Status.FAILED, Status.CANCELLED, Status.PENDING, Status.EXPIRED}
    ),
    Status.SENDING: frozenset({Status.PUBLISHED, Status.PENDING, Status.FAILED, Status.UNKNOWN}),
    Status.UNKNOWN: frozenset(
        {Status.UNKNOWN, Status.SENDING, Status.PUBLISHED, Status.PENDING, Status.CANCELLED}
    ),
    Status.PUBLISHED: frozenset({Status.DELETED}),
    Status.FAILED: frozenset({Status.PENDING, Status.CANCELLED}),
    Status.CANCELLED: frozenset({Status.PENDING}),
    Status.EXPIRED: frozenset({Status.PENDING, Status.CANCELLED}),
    Status.DELETED: frozenset(),
}
ACTIVE = frozenset({Status.PENDING, Status.CLAIMED, Status.SENDING, Status.UNKNOWN})
# Nothing more happens to these unless a person acts (`cmsite queue` leaves them out without --all).
SETTLED = frozenset({Status.PUBLISHED, Status.CANCELLED, Status.DELETED})

PLAN_REMOVED = "its plan is no longer in the source"
CANCELLED_BY_HAND = "cancelled with `cmsite queue cancel` (`cmsite queue retry ID` queues it again)"


class InvalidTransition(Exception):
    """A code path asked for a move the state machine does not allow: a bug, never bad input."""


class TakenOver(Exception):
    """The entry is no longer where this publisher left it: another one holds it now."""


class QueueUnreachable(Exception):
    """A server store cannot be reached, or refused us: the message says which, its password hidden."""


class DamagedQueue(Exception):
    """The database file is not one SQLite can read (garbage, truncated): `damaged_queue` says what to do."""


# What SQLite says of a damaged file; a lock or a full disk is not damage, and raises as it is.
_DAMAGED = frozenset({"SQLITE_CORRUPT", "SQLITE_NOTADB"})


SCHEMA_VERSION = 4
ENTRIES = """
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
    updated TEXT NOT NULL,
    cancelled_by TEXT,
    parts TEXT NOT NULL DEFAULT '[]',
    tried_at TEXT
)
"""
# Not tied to `entries`: the plan of a post still to come is approved before it is queued.
APPROVALS = """
CREATE TABLE IF NOT EXISTS approvals (
    number INTEGER PRIMARY KEY AUTOINCREMENT,
    entry_id TEXT NOT NULL,
    by TEXT NOT NULL,
    at TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    digest TEXT NOT NULL,
    via TEXT NOT NULL,
    place TEXT NOT NULL DEFAULT '',
    mark TEXT NOT NULL DEFAULT ''
)
"""
APPROVALS_INDEX = "CREATE INDEX IF NOT EXISTS approvals_of_entry ON approvals (entry_id)"
# One count of one post (`entry_id`) or of one account (`entry_id` NULL) as a network gave it at `taken`.
SNAPSHOTS = """
CREATE TABLE IF NOT EXISTS metric_snapshots (
    number INTEGER PRIMARY KEY AUTOINCREMENT,
    taken TEXT NOT NULL,
    network TEXT NOT NULL,
    account TEXT NOT NULL,
    entry_id TEXT,
    metric TEXT NOT NULL,
    value INTEGER NOT NULL
)
"""
SNAPSHOTS_INDEX = "CREATE INDEX IF NOT EXISTS metric_snapshots_by_time ON metric_snapshots (taken)"
# Each save in watch mode reads the published links (every page shows its post's) and the entries of
# the saved file (the sync): without an index each read every row, 10 ms at 20,000 entries.
ENTRIES_INDEXES = (
    "CREATE INDEX IF NOT EXISTS entries_by_status ON entries (status)",
    "CREATE INDEX IF NOT EXISTS entries_of_source ON entries (source)",
)
TABLES = (ENTRIES, *ENTRIES_INDEXES, APPROVALS, APPROVALS_INDEX, SNAPSHOTS, SNAPSHOTS_INDEX)


class Via(StrEnum):
    """How an approval was given."""

    COMMAND = "command"  # `cmsite queue approve`, `cmsite calendar --approve`
    MARKDOWN = "markdown"  # `approved_by:` (or `status: approved`) in the plan
    EARLIER = "earlier"  # `approved` in a store made before approvals were recorded: who is unknown


def _approvals_kept(db: sqlite3.Connection) -> None:
    """Stores made before SCHEMA_VERSION 2 knew only that an entry was approved: each such entry
    gets one approval of what it holds now, by no one known, at its last change."""
    rows = db.execute("SELECT id, at, texts, media, updated FROM entries WHERE approved = 1").fetchall()
    for entry_id, at, texts, media, updated in rows:
        digest = content_digest(json.loads(texts), json.loads(media), datetime.fromisoformat(at))
        db.execute(
            "INSERT INTO approvals (entry_id, by, at, digest, via) VALUES (?, '', ?, ?, ?)",
            (entry_id, updated, digest, str(Via.EARLIER)),
        )


# Stores made before SCHEMA_VERSION 1 (cmsite 0.1) knew who cancelled an entry only from its error text.
MIGRATIONS: dict[int, list[str | Callable[[sqlite3.Connection], None]]] = {
    1: [
        "ALTER TABLE entries ADD COLUMN cancelled_by TEXT",
        "ALTER TABLE entries ADD COLUMN parts TEXT NOT NULL DEFAULT '[]'",
        "ALTER TABLE entries ADD COLUMN tried_at TEXT",
        f"UPDATE entries SET cancelled_by = CASE WHEN error = '{PLAN_REMOVED}' THEN 'plan' ELSE 'person' END"
        " WHERE status = 'cancelled'",
    ],
    2: [APPROVALS, APPROVALS_INDEX, _approvals_kept],
    3: [SNAPSHOTS, SNAPSHOTS_INDEX],
    4: [*ENTRIES_INDEXES],
}


def content_digest(texts: list[str], media: list[dict[str, str]], at: datetime) -> str:
    """What an approval approves, as three fingerprints — the texts, the pictures (path and alt)
    and the time — so that a changed one can be named. Written in the store: never change it."""
    parts = (texts, [[m.get("path", ""), m.get("alt", "")] for m in media], utc(at))
    return "-".join(digest_bytes(json.dumps(part, ensure_ascii=False).encode())[:12] for part in parts)


@dataclass(frozen=True, slots=True)
class Approval:
    """One approval of one entry's content (`digest`), as recorded; never changed afterwards."""

    entry_id: str
    by: str  # "" when no one was named (`status: approved` alone, or a store older than approvals)
    at: datetime
    digest: str
    via: Via
    note: str = ""
    place: str = ""  # the plan's `path:line` for the Markdown, the command for a command
    mark: str = ""  # a Markdown approval's `approved_by` and `approved_at` as written: recorded once
    number: int = 0  # its order in the store

    def as_dict(self) -> dict[str, Any]:
        return {
            "by": self.by, "at": self.at.isoformat(), "note": self.note, "via": str(self.via),
            "place": self.place, "digest": self.digest,
        }  # fmt: skip


@dataclass(frozen=True, slots=True)
class Snapshot:
    """One count a network gave at `taken`: of a post (`entry_id`), or of the account (None)."""

    taken: datetime
    network: str
    account: str
    entry_id: str | None
    metric: str
    value: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "taken": utc(self.taken), "network": self.network, "account": self.account,
            "entry": self.entry_id, "metric": self.metric, "value": self.value,
        }  # fmt: skip

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Snapshot:
        return cls(
            datetime.fromisoformat(data["taken"]), data["network"], data["account"], data["entry"],
            data["metric"], int(data["value"]),
        )  # fmt: skip


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
    status: Status = Status.PENDING
    approved: bool = False
    attempts: int = 0
    next_attempt: datetime | None = None
    lease_owner: str | None = None
    lease_until: datetime | None = None
    remote_id: str | None = None
    remote_url: str | None = None
    published_at: datetime | None = None
    error: str | None = None
    cancelled_by: CancelledBy | None = None
    # each confirmed post of the thread (remote_id, url): a retry resumes after them
    parts: list[dict[str, str]] = field(default_factory=list)
    tried_at: datetime | None = None  # when the first try of the part not yet confirmed began

    def as_dict(self) -> dict[str, Any]:
        return {
            key: (value.isoformat() if isinstance(value, datetime) else value)
            for key, value in ((f.name, getattr(self, f.name)) for f in fields(self))
        }


def _time(value: str | datetime | None) -> datetime | None:
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value) if value else None


def _json(value: Any) -> Any:
    """A JSON column: text in SQLite, already decoded in PostgreSQL (jsonb)."""
    return json.loads(value) if isinstance(value, str) else value


def entry_from_row(data: Mapping[str, Any]) -> Entry:
    """An entry from one row of `entries`, as either store gives it (one decoder for both)."""
    data = dict(data)  # a sqlite3.Row too
    data.pop("updated", None)
    return Entry(
        **{
            **data,
            "at": _time(data["at"]),
            "texts": _json(data["texts"]),
            "media": _json(data["media"]),
            "status": Status(data["status"]),
            "cancelled_by": CancelledBy(data["cancelled_by"]) if data["cancelled_by"] else None,
            "parts": _json(data["parts"]),
            "approved": bool(data["approved"]),
            "next_attempt": _time(data["next_attempt"]),
            "lease_until": _time(data["lease_until"]),
            "published_at": _time(data["published_at"]),
            "tried_at": _time(data["tried_at"]),
        }
    )


def approval_from_row(data: Mapping[str, Any]) -> Approval:
    """An approval from one row of `approvals`, as either store gives it."""
    return Approval(**{**data, "at": _time(data["at"]), "via": Via(data["via"])})


def snapshot_from_row(row: Sequence[Any]) -> Snapshot:
    """A snapshot from (taken, network, account, entry_id, metric, value), as either store gives it."""
    return Snapshot(_time(row[0]) or datetime.min, *row[1:])


def snapshots_query(until: datetime | None, since: datetime | None, mark: str) -> tuple[str, list[datetime]]:
    """The SELECT both stores run for `Store.snapshots` (`mark`: their placeholder), and its arguments."""
    bounds = [(f"taken >= {mark}", since), (f"taken <= {mark}", until)]
    where = " AND ".join(test for test, moment in bounds if moment is not None)
    return (
        "SELECT taken, network, account, entry_id, metric, value FROM metric_snapshots"
        f"{' WHERE ' + where if where else ''} ORDER BY taken, number",
        [moment for _, moment in bounds if moment is not None],
    )


def compare_and_set(
    entry_id: str,
    expect: Status | Iterable[Status],
    owner: str | None,
    now: datetime | None,
    values: dict[str, Any],
    mark: str,
    also: str = "",
) -> tuple[str, list[Any]]:
    """The UPDATE both stores run for `Store.update` (`mark`: their placeholder, ? or %s), and its
    arguments: `values` (encoded for the store) set only while the entry is in one of the
    `expect`ed statuses and, with `owner`, while that publisher holds a lease running past `now`
    (`also`: one more assignment, written as it is). InvalidTransition when the state machine
    does not allow the move."""
    expected = [expect] if isinstance(expect, Status) else list(expect)
    check_transition(expected, values)
    assignments = ", ".join([*(f"{key} = {mark}" for key in values), *([also] if also else [])])
    condition = f"id = {mark} AND status IN ({', '.join([mark] * len(expected))})"
    arguments: list[Any] = [*values.values(), entry_id, *map(str, expected)]
    if owner is not None:
        condition += f" AND lease_owner = {mark} AND lease_until > {mark}"
        arguments += [owner, now or local_now()]
    return f"UPDATE entries SET {assignments} WHERE {condition}", arguments


class Store(Protocol):
    """What the publisher and the sync need from a state store: SQLite (`QueueStore`, below), the
    embedded default, or PostgreSQL (cmsite.queue.postgres) for publishers on several machines.

    `now` is the clock leases are measured by: the machine's for SQLite, the database server's
    for PostgreSQL, so that publishers whose clocks disagree still agree on whose lease runs.
    `lock` takes an entry for the transaction it is called in, or gives None at once when another
    transaction holds it (PostgreSQL: FOR UPDATE SKIP LOCKED; SQLite holds the whole file already).
    """

    def transaction(self) -> AbstractContextManager[Any]: ...
    def now(self) -> datetime: ...
    def get(self, entry_id: str) -> Entry | None: ...
    def lock(self, db: Any, entry_id: str) -> Entry | None: ...
    def all(self) -> list[Entry]: ...
    def of_sources(self, sources: Collection[str]) -> list[Entry]: ...
    def insert(self, db: Any, entry: Entry) -> None: ...
    def update(
        self,
        db: Any,
        entry_id: str,
        *,
        expect: Status | Iterable[Status],
        owner: str | None = None,
        now: datetime | None = None,
        **values: Any,
    ) -> bool: ...
    def approvals(self, entry_id: str | None = None) -> list[Approval]: ...
    def add_approval(self, db: Any, approval: Approval) -> None: ...
    def snapshots(self, until: datetime | None = None, since: datetime | None = None) -> list[Snapshot]: ...
    def add_snapshots(self, db: Any, snapshots: Iterable[Snapshot]) -> None: ...
    def close(self) -> None: ...


def queue_path(site: Site) -> Path:
    """The site's queue database: `[queue] path` in cmsite.toml, or .cmsite/queue.sqlite."""
    from cmsite.social.settings import queue_settings

    configured = queue_settings(site.config).path
    return site.root / configured if configured else site.cache_dir / "queue.sqlite"


def published_stamp(path: Path) -> Path:
    """The file a queue at `path` touches whenever a post is published or deleted."""
    return path.with_name(path.name + "-published")


def published_urls(path: Path) -> dict[str, list[tuple[str, str]]]:
    """Where each post was published: source → [(network, URL)], by network then time of
    publishing; empty when there is no queue or it cannot be read. A reader only: the file is
    opened read-only, never made, migrated or locked for writing, while publishers may write it."""
    if not path.is_file():
        return {}
    try:
        with contextlib.closing(read_only(path)) as db:
            rows = db.execute(
                "SELECT source, network, remote_url FROM entries WHERE status = ? AND remote_url != '' "
                "ORDER BY network, published_at",
                (str(Status.PUBLISHED),),
            ).fetchall()
    except sqlite3.Error:
        return {}
    found: dict[str, list[tuple[str, str]]] = {}
    for source, network, url in rows:
        found.setdefault(source, []).append((network, url))
    return found


def damaged_queue(site: Site, path: Path, reason: str) -> ContentError:
    """What to do about a queue database that cannot be read, and what moving it away means.

    The queue is made again from the plans, but the plans do not say what was sent: only
    `catch_up_hours` keeps old ones from going out again, and among the networks only
    Bluesky (its record key is the entry's) always refuses a second send of one entry.
    """
    from cmsite.messages import agree
    from cmsite.social.settings import queue_settings

    hours = queue_settings(site.config).catch_up_hours
    kept = (
        "every plan is then queued again"
        if hours is None
        else f"plans more than {hours:g} {agree(hours, 'hour', 'hours')} past are then recorded as expired and the others queued again"
    )
    return ContentError(
        display_path(path, site.root),
        None,
        f"the queue database is damaged ({reason}); restore it from a backup, or move it away to start an "
        f"empty queue: {kept} — those already sent included, which the next publish would send a second "
        "time (only Bluesky refuses; Mastodon only within an hour), so cancel them first with "
        "`cmsite queue cancel ID`",
    )


def check_transition(expected: Iterable[Status], values: dict[str, Any]) -> None:
    """Refuse an update whose new status is not a move the state machine allows from every expected one."""
    target = values.get("status")
    if target is None:
        return
    for current in expected:
        if Status(target) not in TRANSITIONS[current] and Status(target) != current:
            raise InvalidTransition(f"an entry cannot go from {current} to {target}")


class QueueStore:
    """SQLite-backed store; safe for several publisher processes at once (transactions + leases).

    Each thread has a connection of its own: a publisher renews its lease from a second
    thread while the first waits for a network.
    """

    def __init__(self, path: Path, *, copy: bool = False):
        """`copy`: work on a copy in memory of the file, which is only read (and need not exist):
        what a sync would change, for a command that writes nothing (`cmsite check`); one thread."""
        if not copy:
            path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.copy = copy
        self._local = threading.local()
        self._published = threading.local()  # a post published or deleted in this thread's transaction
        if problem := self._damage():
            if connection := getattr(self._local, "db", None):
                connection.close()
            raise DamagedQueue(problem)
        self._migrate()

    def _damage(self) -> str | None:
        """What SQLite finds wrong with the file, reading every page once (`PRAGMA quick_check`,
        milliseconds for a queue): a file with a page damaged in its middle opens without
        complaint, and would fail later, in the middle of a sync or a send."""
        try:
            problems = [row[0] for row in self.db.execute("PRAGMA quick_check")]
        except sqlite3.DatabaseError as exc:
            if exc.sqlite_errorname not in _DAMAGED:
                raise
            return str(exc)
        return None if problems == ["ok"] else problems[-1]

    @property
    def db(self) -> sqlite3.Connection:
        connection = getattr(self._local, "db", None)
        if connection is None:
            connection = (
                _memory_copy(self.path)
                if self.copy
                else sqlite3.connect(self.path, timeout=30, isolation_level=None)  # explicit transactions
            )
            connection.row_factory = sqlite3.Row
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=FULL")
            self._local.db = connection
        return connection

    def _migrate(self) -> None:
        """Create the table, or bring a store made by an older cmsite up to SCHEMA_VERSION (in one transaction)."""
        if _version(self.db) == SCHEMA_VERSION:
            return
        with self.transaction() as db:
            version = _version(db)
            if not _has_entries(db):
                for statement in TABLES:
                    db.execute(statement)
            else:
                for step in range(version + 1, SCHEMA_VERSION + 1):
                    for statement in MIGRATIONS[step]:
                        statement(db) if callable(statement) else db.execute(statement)
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE: one writer at a time, so two publishers never claim the same entry."""
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        self._published.changed = False
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
        if self._published.changed and not self.copy:
            published_stamp(self.path).touch()

    def now(self) -> datetime:
        return local_now()

    def get(self, entry_id: str) -> Entry | None:
        row = self.db.execute("SELECT * FROM entries WHERE id = ?", (entry_id,)).fetchone()
        return entry_from_row(row) if row else None

    def lock(self, db: sqlite3.Connection, entry_id: str) -> Entry | None:
        """The entry: a transaction (BEGIN IMMEDIATE) holds the whole file already."""
        return self.get(entry_id)

    def all(self) -> list[Entry]:
        return [
            entry_from_row(row)
            for row in self.db.execute("SELECT * FROM entries ORDER BY at, network, account, id")
        ]

    def of_sources(self, sources: Collection[str]) -> list[Entry]:
        """The entries planned in these files (a sync of the files that changed)."""
        rows = self.db.execute(
            "SELECT * FROM entries WHERE source IN (SELECT value FROM json_each(?))",
            (json.dumps(list(sources)),),
        )
        return [entry_from_row(row) for row in rows]

    def insert(self, db: sqlite3.Connection, entry: Entry) -> None:
        db.execute(
            "INSERT INTO entries (id, source, line, network, account, at, texts, media, link, title, summary, status,"
            " approved, error, updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                entry.id, entry.source, entry.line, entry.network, entry.account, utc(entry.at),
                json.dumps(entry.texts), json.dumps(entry.media), entry.link, entry.title, entry.summary,
                str(entry.status), int(entry.approved), entry.error, now_text(),
            ),
        )  # fmt: skip

    def update(
        self,
        db: sqlite3.Connection,
        entry_id: str,
        *,
        expect: Status | Iterable[Status],
        owner: str | None = None,
        now: datetime | None = None,
        **values: Any,
    ) -> bool:
        """Set `values` if the entry is in one of the `expect`ed statuses — and, with `owner`, if that
        publisher still holds a lease running past `now`. False when it changed nothing."""
        encoded = {key: _encoded(value) for key, value in values.items()}
        encoded["updated"] = now_text()
        statement, arguments = compare_and_set(entry_id, expect, owner, now, encoded, "?")
        done = db.execute(statement, [_encoded(argument) for argument in arguments]).rowcount == 1
        if done and values.get("status") in (Status.PUBLISHED, Status.DELETED):
            self._published.changed = True
        return done

    def approvals(self, entry_id: str | None = None) -> list[Approval]:
        """Every approval (of one entry), oldest first."""
        where, arguments = ("WHERE entry_id = ?", (entry_id,)) if entry_id is not None else ("", ())
        rows = self.db.execute(f"SELECT * FROM approvals {where} ORDER BY number", arguments).fetchall()
        return [approval_from_row(dict(row)) for row in rows]

    def add_approval(self, db: sqlite3.Connection, approval: Approval) -> None:
        db.execute(
            "INSERT INTO approvals (entry_id, by, at, note, digest, via, place, mark) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                approval.entry_id, approval.by, utc(approval.at), approval.note, approval.digest,
                str(approval.via), approval.place, approval.mark,
            ),
        )  # fmt: skip

    def snapshots(self, until: datetime | None = None, since: datetime | None = None) -> list[Snapshot]:
        """Every snapshot (taken from `since`, up to `until`, both included), oldest first."""
        query, moments = snapshots_query(until, since, "?")
        rows = self.db.execute(query, [utc(moment) for moment in moments])
        return [snapshot_from_row(row) for row in rows]

    def add_snapshots(self, db: sqlite3.Connection, snapshots: Iterable[Snapshot]) -> None:
        db.executemany(
            "INSERT INTO metric_snapshots (taken, network, account, entry_id, metric, value) VALUES (?, ?, ?, ?, ?, ?)",
            [(utc(s.taken), s.network, s.account, s.entry_id, s.metric, s.value) for s in snapshots],
        )

    def close(self) -> None:
        self.db.close()
        self._local.db = None


def _encoded(value: Any) -> Any:
    if isinstance(value, datetime):
        return utc(value)
    if isinstance(value, list):
        return json.dumps(value)
    if isinstance(value, StrEnum):
        return str(value)
    return value


def _memory_copy(path: Path) -> sqlite3.Connection:
    """A database in memory holding what the file holds (nothing when there is no file)."""
    memory = sqlite3.connect(":memory:", isolation_level=None)
    if path.is_file():
        with contextlib.closing(read_only(path)) as source:
            source.backup(memory)
    return memory


def _version(db: sqlite3.Connection) -> int:
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def _has_entries(db: sqlite3.Connection) -> bool:
    return db.execute("SELECT 1 FROM sqlite_master WHERE name = 'entries'").fetchone() is not None


def utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def now_text() -> str:
    return datetime.now(UTC).isoformat()


CLOCK_OFFSET = "CMSITE_CLOCK_OFFSET_SECONDS"


def local_now() -> datetime:
    """This machine's time, in UTC. `CMSITE_CLOCK_OFFSET_SECONDS` (for tests) moves it by that
    many seconds, as a machine whose clock is off would: the PostgreSQL store does not read it."""
    offset = float(os.environ.get(CLOCK_OFFSET) or 0)
    return datetime.now(UTC) + timedelta(seconds=offset)
