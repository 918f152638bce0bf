"""The state store on a PostgreSQL server, for teams whose publishers run on several machines.

The same tables, statuses, transitions and compare-and-set updates as the SQLite store
(cmsite.queue.store, which holds everything both share); here the times are `timestamptz`,
the lists `jsonb`. What differs:

- a claim locks its entry with `SELECT … FOR UPDATE SKIP LOCKED`: a publisher never waits for
  another one's claim, it goes on to the next entry;
- `now()` is the server's clock, which the publisher measures leases by: a machine whose clock
  is an hour off neither takes over a live lease nor keeps one past its end;
- the schema's version is kept in `cmsite_schema`, and brought up to date in one transaction
  under an advisory lock, so that two publishers starting at once migrate it once.

Chosen by `[queue] url = "postgresql://…"` or CMSITE_QUEUE_URL; the password comes from
CMSITE_QUEUE_PASSWORD (the environment or .env), or libpq's own PGPASSWORD and ~/.pgpass, and is
never printed: every error about the server goes through `QueueUnreachable`, redacted.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import fields
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from cmsite.queue.store import (
    ENTRIES_INDEXES,
    Approval,
    Entry,
    QueueUnreachable,
    Snapshot,
    Status,
    approval_from_row,
    compare_and_set,
    entry_from_row,
    snapshot_from_row,
    snapshots_query,
)
from cmsite.social.redact import Redactor

if TYPE_CHECKING:
    import psycopg

SCHEMES = ("postgresql", "postgres")
# The entries whose copy on a network pages link to ("Also on …").
_PUBLISHED = (
    "FROM entries WHERE status = 'published' AND remote_url IS NOT NULL AND remote_url != ''"
    " AND published_at IS NOT NULL"
)
_STATUSES = ", ".join(f"'{status}'" for status in Status)
ENTRIES = f"""
CREATE TABLE entries (
    id TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    line INTEGER,
    network TEXT NOT NULL,
    account TEXT NOT NULL,
    at TIMESTAMPTZ NOT NULL,
    texts JSONB NOT NULL,
    media JSONB NOT NULL,
    link TEXT,
    title TEXT NOT NULL DEFAULT '',
    summary TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ({_STATUSES})),
    approved BOOLEAN NOT NULL DEFAULT FALSE,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt TIMESTAMPTZ,
    lease_owner TEXT,
    lease_until TIMESTAMPTZ,
    remote_id TEXT,
    remote_url TEXT,
    published_at TIMESTAMPTZ,
    error TEXT,
    updated TIMESTAMPTZ NOT NULL DEFAULT now(),
    cancelled_by TEXT,
    parts JSONB NOT NULL DEFAULT '[]',
    tried_at TIMESTAMPTZ
)
"""
APPROVALS = """
CREATE TABLE approvals (
    number BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    entry_id TEXT NOT NULL,
    "by" TEXT NOT NULL,
    at TIMESTAMPTZ NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    digest TEXT NOT NULL,
    via TEXT NOT NULL,
    place TEXT NOT NULL DEFAULT '',
    mark TEXT NOT NULL DEFAULT ''
)
"""
SNAPSHOTS = """
CREATE TABLE metric_snapshots (
    number BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    taken TIMESTAMPTZ NOT NULL,
    network TEXT NOT NULL,
    account TEXT NOT NULL,
    entry_id TEXT,
    metric TEXT NOT NULL,
    value BIGINT NOT NULL
)
"""
# version → the statements that bring a store from the version before to it (in one transaction)
MIGRATIONS: dict[int, list[str | Callable[[Any], None]]] = {
    1: [
        ENTRIES,
        "CREATE INDEX entries_by_time ON entries (at, network, account, id)",
        APPROVALS,
        "CREATE INDEX approvals_of_entry ON approvals (entry_id)",
        SNAPSHOTS,
        "CREATE INDEX metric_snapshots_by_time ON metric_snapshots (taken)",
    ],
    2: list(ENTRIES_INDEXES),  # as SQLite's: the reads each save in watch mode makes
}
SCHEMA_VERSION = max(MIGRATIONS)
# SQLite's order, byte by byte, whatever collation the server's database has
_BY_TIME = 'at, network COLLATE "C", account COLLATE "C", id COLLATE "C"'
_TABLES = ("entries", "approvals", "metric_snapshots")
_NUMBERED = ("approvals", "metric_snapshots")  # numbered in the order they were added
_MIGRATING = 0x636D73697465  # "cmsite": the advisory lock held while the schema is brought up to date


def is_server_url(url: str | None) -> bool:
    return bool(url) and urlsplit(url or "").scheme in SCHEMES


def shown_url(url: str, mask: str = ":***") -> str:
    """The URL as it may be printed: its password, if it holds one, replaced by `mask`."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{parts.username or ''}{mask}@{host}"))


class PostgresStore:
    """The `Store` on a PostgreSQL server (psycopg 3). Each thread has a connection of its own, as
    in the SQLite store: a publisher renews its lease from a second thread.

    `copy`: work on a copy of the tables, made when the store is opened and dropped when it is
    closed, on one thread: what a sync would change, for a command that writes nothing (`cmsite
    check`), without holding a lock on any entry a publisher may claim meanwhile.
    """

    def __init__(self, url: str, *, password: str | None = None, copy: bool = False):
        self.url = url
        self.copy = copy
        self._password = password
        self._redact = Redactor([secret for secret in (password, urlsplit(url).password) if secret])
        self._local = threading.local()
        self._opening = threading.Lock()
        self._opened: list[psycopg.Connection[Any]] = []
        self._migrate()
        if copy:
            self._copy_tables()

    def unreachable(self, error: Exception) -> QueueUnreachable:
        """What went wrong with the server, said without the password."""
        reason = " ".join(str(error).split()) or type(error).__name__
        return QueueUnreachable(self._redact(f"the queue database {shown_url(self.url)}: {reason}"))

    @property
    def db(self) -> psycopg.Connection[Any]:
        connection = getattr(self._local, "db", None)
        if connection is None:
            import psycopg
            from psycopg.rows import dict_row

            extra = {"password": self._password} if self._password else {}
            try:
                connection = psycopg.connect(
                    self.url, autocommit=True, row_factory=dict_row, connect_timeout=10,
                    options="-c TimeZone=UTC", application_name="cmsite", **extra,
                )  # fmt: skip
            except psycopg.Error as exc:
                raise self.unreachable(exc) from None
            self._local.db = connection
            with self._opening:
                self._opened.append(connection)
        return connection

    def _migrate(self) -> None:
        """Create the tables, or bring a store made by an older cmsite up to SCHEMA_VERSION: once,
        whoever else starts at the same moment (they wait for the advisory lock). A store that is up
        to date is only read: its user need not have the right to create tables."""
        if self._up_to_date():
            return
        with self._errors(), self.db.transaction():
            db = self.db
            db.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATING,))
            db.execute("CREATE TABLE IF NOT EXISTS cmsite_schema (version INTEGER NOT NULL)")
            row = db.execute("SELECT version FROM cmsite_schema").fetchone()
            version = row["version"] if row else 0
            for step in range(version + 1, SCHEMA_VERSION + 1):
                for statement in MIGRATIONS[step]:
                    statement(db) if callable(statement) else db.execute(statement)  # type: ignore[arg-type]
            if row is None:
                db.execute("INSERT INTO cmsite_schema (version) VALUES (%s)", (SCHEMA_VERSION,))
            elif version != SCHEMA_VERSION:
                db.execute("UPDATE cmsite_schema SET version = %s", (SCHEMA_VERSION,))

    def _up_to_date(self) -> bool:
        with self._errors():
            if self.db.execute("SELECT to_regclass('cmsite_schema') AS found").fetchone()["found"] is None:
                return False
            row = self.db.execute("SELECT version FROM cmsite_schema").fetchone()
        return row is not None and row["version"] == SCHEMA_VERSION

    def _copy_tables(self) -> None:
        """Temporary tables of this connection, holding what the store holds now, in front of the
        store's (PostgreSQL looks in pg_temp first): what is written goes there, locks no row of
        the store, and is gone when the connection closes."""
        from psycopg.sql import SQL, Identifier

        with self._errors(), self.db.transaction():
            db = self.db
            schema = Identifier(db.execute("SELECT current_schema() AS name").fetchone()["name"])
            for table in map(Identifier, _TABLES):
                db.execute(
                    SQL("CREATE TEMPORARY TABLE {0} (LIKE {1}.{0} INCLUDING ALL)").format(table, schema)
                )
                db.execute(
                    SQL("INSERT INTO pg_temp.{0} OVERRIDING SYSTEM VALUE SELECT * FROM {1}.{0}").format(
                        table, schema
                    )
                )
            for table in _NUMBERED:
                following = db.execute(
                    f"SELECT coalesce(max(number), 0) + 1 AS n FROM pg_temp.{table}"
                ).fetchone()
                db.execute(
                    f"ALTER TABLE pg_temp.{table} ALTER COLUMN number RESTART WITH {int(following['n'])}"
                )

    def version(self) -> int:
        return int(self._one("SELECT version FROM cmsite_schema")["version"])

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """A server gone away (or refusing) is QueueUnreachable, redacted; a bug raises as it is."""
        import psycopg

        try:
            yield
        except (psycopg.OperationalError, psycopg.errors.InsufficientPrivilege) as exc:
            raise self.unreachable(exc) from None

    def _one(self, query: str, arguments: Iterable[Any] = ()) -> Any:
        with self._errors():
            return self.db.execute(query, list(arguments)).fetchone()

    def _rows(self, query: str, arguments: Iterable[Any] = ()) -> list[Any]:
        with self._errors():
            return self.db.execute(query, list(arguments)).fetchall()

    @contextmanager
    def transaction(self) -> Iterator[psycopg.Connection[Any]]:
        """One transaction (a savepoint inside the copy's): rolled back when the block raises."""
        with self._errors(), self.db.transaction():
            yield self.db

    def now(self) -> datetime:
        """The server's clock: every publisher measures leases by the same one."""
        return self._one("SELECT clock_timestamp() AS now")["now"]

    def get(self, entry_id: str) -> Entry | None:
        row = self._one("SELECT * FROM entries WHERE id = %s", (entry_id,))
        return entry_from_row(row) if row else None

    def lock(self, db: psycopg.Connection[Any], entry_id: str) -> Entry | None:
        """The entry, locked until the transaction ends; None at once if another transaction holds it."""
        row = db.execute("SELECT * FROM entries WHERE id = %s FOR UPDATE SKIP LOCKED", (entry_id,)).fetchone()
        return entry_from_row(row) if row else None

    def all(self) -> list[Entry]:
        return [entry_from_row(row) for row in self._rows(f"SELECT * FROM entries ORDER BY {_BY_TIME}")]

    def published_links(self) -> list[tuple[str, str, str]]:
        """(source, network, URL) of every post published with its address, by network then time."""
        rows = self._rows(f"SELECT source, network, remote_url {_PUBLISHED} ORDER BY network, published_at")
        return [(row["source"], row["network"], row["remote_url"]) for row in rows]

    def of_sources(self, sources: Collection[str]) -> list[Entry]:
        """The entries planned in these files (a sync of the files that changed)."""
        return [
            entry_from_row(row)
            for row in self._rows("SELECT * FROM entries WHERE source = ANY(%s)", [list(sources)])
        ]

    def insert(self, db: psycopg.Connection[Any], entry: Entry) -> None:
        """Add an entry; one another sync added meanwhile (from the same plan) is left as it is."""
        db.execute(
            "INSERT INTO entries (id, source, line, network, account, at, texts, media, link, title, summary,"
            " status, approved, error) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
            " ON CONFLICT (id) DO NOTHING",
            [
                entry.id, entry.source, entry.line, entry.network, entry.account, entry.at,
                *map(_encoded, (entry.texts, entry.media)), entry.link, entry.title, entry.summary,
                str(entry.status), entry.approved, entry.error,
            ],
        )  # fmt: skip

    def update(
        self,
        db: psycopg.Connection[Any],
        entry_id: str,
        *,
        expect: Status | Iterable[Status],
        owner: str | None = None,
        now: datetime | None = None,
        **values: Any,
    ) -> bool:
        """As the SQLite store's: a compare-and-set on the status and, with `owner`, on the lease
        (`now` is the time the caller read from `now()`, the server's)."""
        encoded = {key: _encoded(value, key) for key, value in values.items()}
        if owner is not None and now is None:
            now = self.now()
        statement, arguments = compare_and_set(
            entry_id, expect, owner, now, encoded, "%s", also="updated = clock_timestamp()"
        )
        return db.execute(statement, arguments).rowcount == 1

    def approvals(self, entry_id: str | None = None) -> list[Approval]:
        """Every approval (of one entry), oldest first."""
        where, arguments = ("WHERE entry_id = %s", [entry_id]) if entry_id is not None else ("", [])
        return [
            approval_from_row(row)
            for row in self._rows(f"SELECT * FROM approvals {where} ORDER BY number", arguments)
        ]

    def add_approval(self, db: psycopg.Connection[Any], approval: Approval) -> None:
        db.execute(
            'INSERT INTO approvals (entry_id, "by", at, note, digest, via, place, mark)'
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
            [
                approval.entry_id, approval.by, approval.at, approval.note, approval.digest,
                str(approval.via), approval.place, approval.mark,
            ],
        )  # fmt: skip

    def snapshots(self, until: datetime | None = None, since: datetime | None = None) -> list[Snapshot]:
        """Every snapshot (taken from `since`, up to `until`, both included), oldest first."""
        rows = self._rows(*snapshots_query(until, since, "%s"))
        return [snapshot_from_row(list(row.values())) for row in rows]

    def add_snapshots(self, db: psycopg.Connection[Any], snapshots: Iterable[Snapshot]) -> None:
        rows = [(s.taken, s.network, s.account, s.entry_id, s.metric, s.value) for s in snapshots]
        if rows:
            with db.cursor() as cursor:
                cursor.executemany(
                    "INSERT INTO metric_snapshots (taken, network, account, entry_id, metric, value)"
                    " VALUES (%s, %s, %s, %s, %s, %s)",
                    rows,
                )

    def fill(
        self, entries: Iterable[Entry], approvals: Iterable[Approval], snapshots: Iterable[Snapshot]
    ) -> int:
        """Copy a whole queue in, as it is — ids, statuses, leases, tries, approvals with their
        numbers, snapshots in their order — in one transaction, into a store that holds nothing
        (`cmsite queue migrate`). What it already held, counted, when that is not nothing: 0 when
        the copy is made."""
        columns = [f.name for f in fields(Entry)]
        with self.transaction() as db:
            db.execute("LOCK TABLE entries, approvals, metric_snapshots IN EXCLUSIVE MODE")
            held = db.execute(
                "SELECT (SELECT count(*) FROM entries) + (SELECT count(*) FROM approvals)"
                " + (SELECT count(*) FROM metric_snapshots) AS n"
            ).fetchone()["n"]
            if held:
                return int(held)
            with db.cursor() as cursor:
                cursor.executemany(
                    f"INSERT INTO entries ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})",
                    [[_encoded(getattr(entry, column), column) for column in columns] for entry in entries],
                )
                cursor.executemany(
                    'INSERT INTO approvals (number, entry_id, "by", at, note, digest, via, place, mark)'
                    " OVERRIDING SYSTEM VALUE VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                    [
                        (a.number, a.entry_id, a.by, a.at, a.note, a.digest, str(a.via), a.place, a.mark)
                        for a in approvals
                    ],
                )
            following = db.execute("SELECT coalesce(max(number), 0) + 1 AS n FROM approvals").fetchone()["n"]
            db.execute(f"ALTER TABLE approvals ALTER COLUMN number RESTART WITH {int(following)}")
            self.add_snapshots(db, snapshots)  # numbered in the order given: the source's
        return 0

    def close(self) -> None:
        """Close every connection the store opened (each thread's: a publisher's lease renewals have
        their own), once those threads are done with them; the copy's tables go with its own."""
        with self._opening:
            opened, self._opened = self._opened, []
        for connection in opened:
            connection.close()
        self._local = threading.local()


def _encoded(value: Any, key: str = "") -> Any:
    from psycopg.types.json import Jsonb

    if key == "approved":
        return bool(value)
    if isinstance(value, list):
        return Jsonb(value)
    if isinstance(value, StrEnum):
        return str(value)
    return value
