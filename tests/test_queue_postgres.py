"""What only the PostgreSQL store does: its schema versions and migrations, claims that skip an entry
another transaction holds, a copy whose writes are not kept, the store chosen by `[queue] url` or
CMSITE_QUEUE_URL, and its password never shown. What both stores do is tested on both in
tests/test_queue_store.py."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from postgres import PASSWORD, postgres_server, postgres_url

from cmsite.queue import postgres
from cmsite.queue.postgres import PostgresStore, QueueUnreachable
from cmsite.queue.store import Approval, Entry, Status, Via

__all__ = ["postgres_server", "postgres_url"]  # fixtures

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def add(store: PostgresStore, *ids: str) -> None:
    with store.transaction() as db:
        for entry_id in ids:
            store.insert(db, Entry(entry_id, "content/a.md", "mastodon", "default", NOW, ["Hello"]))


def test_a_new_store_records_its_schema_version_and_an_older_one_is_migrated_once(postgres_url, monkeypatch):
    store = PostgresStore(postgres_url, password=PASSWORD)
    add(store, "e1")
    assert store.version() == postgres.SCHEMA_VERSION
    store.close()
    ran = []
    later = {**postgres.MIGRATIONS, postgres.SCHEMA_VERSION + 1: [
        "ALTER TABLE entries ADD COLUMN colour TEXT", lambda db: ran.append(db),
    ]}  # fmt: skip
    monkeypatch.setattr(postgres, "MIGRATIONS", later)
    monkeypatch.setattr(postgres, "SCHEMA_VERSION", max(later))
    store = PostgresStore(postgres_url, password=PASSWORD)
    assert store.version() == max(later) and len(ran) == 1
    assert store.db.execute("SELECT id, colour FROM entries").fetchall() == [{"id": "e1", "colour": None}]
    store.close()
    PostgresStore(postgres_url, password=PASSWORD).close()  # opened again: nothing runs twice
    assert len(ran) == 1


def test_a_store_of_the_first_version_gets_the_indexes_of_entries_by_status_and_file(
    postgres_url, monkeypatch
):
    monkeypatch.setattr(postgres, "MIGRATIONS", {1: postgres.MIGRATIONS[1]})
    monkeypatch.setattr(postgres, "SCHEMA_VERSION", 1)
    PostgresStore(postgres_url, password=PASSWORD).close()
    monkeypatch.undo()
    store = PostgresStore(postgres_url, password=PASSWORD)
    indexes = {row["indexname"] for row in store.db.execute("SELECT indexname FROM pg_indexes")}
    assert {"entries_by_status", "entries_of_source"} <= indexes
    assert store.version() == postgres.SCHEMA_VERSION
    store.close()


def test_an_entry_another_transaction_holds_is_skipped_at_once_not_waited_for(postgres_url):
    store = PostgresStore(postgres_url, password=PASSWORD)
    add(store, "e1", "e2")
    held, seen = threading.Event(), threading.Event()
    found: dict[str, object] = {}

    def other_publisher() -> None:
        with store.transaction() as db:
            found["e1"] = store.lock(db, "e1")
            held.set()
            seen.wait(30)

    other = threading.Thread(target=other_publisher)
    other.start()
    assert held.wait(30)
    with store.transaction() as db:
        assert store.lock(db, "e1") is None  # held by the other: not waited for
        assert store.lock(db, "e2").id == "e2"
    seen.set()
    other.join()
    assert found["e1"].id == "e1"
    with store.transaction() as db:
        assert store.lock(db, "e1").id == "e1"  # free again
    assert len(store._opened) == 2  # this thread's connection and the other's
    store.close()  # both
    assert store._opened == [] and store.get("e1").id == "e1"  # opened again when used again
    store.close()


def test_a_copy_keeps_nothing_it_writes(postgres_url):
    store = PostgresStore(postgres_url, password=PASSWORD)
    add(store, "e1")
    with store.transaction() as db:
        store.add_approval(db, Approval("e1", "Dom", NOW, "d", Via.COMMAND))
    copy = PostgresStore(postgres_url, password=PASSWORD, copy=True)
    with copy.transaction() as db:
        assert copy.update(db, "e1", expect=Status.PENDING, status=Status.CANCELLED)
        copy.insert(db, Entry("e2", "content/b.md", "mastodon", "default", NOW, ["Hi"]))
    assert [(e.id, e.status) for e in copy.all()] == [("e1", Status.CANCELLED), ("e2", Status.PENDING)]
    with store.transaction() as db:  # the copy holds no lock: a publisher claims meanwhile
        assert store.lock(db, "e1").status == Status.PENDING
    with copy.transaction() as db:  # approvals are numbered after those copied
        copy.add_approval(db, Approval("e1", "Claire", NOW, "d", Via.COMMAND))
    assert [a.number for a in copy.approvals()] == [1, 2]
    copy.close()
    assert [a.number for a in store.approvals()] == [1]
    assert [(e.id, e.status) for e in store.all()] == [("e1", Status.PENDING)]
    store.close()


def test_a_server_that_cannot_be_reached_or_refuses_says_so_without_the_password(postgres_server):
    wrong = postgres_server.url().replace("@", ":a-wrong-secret@")
    with pytest.raises(QueueUnreachable) as refused:
        PostgresStore(wrong)
    message = str(refused.value)
    assert "password authentication failed" in message and "a-wrong-secret" not in message
    assert f"postgresql://cmsite:***@127.0.0.1:{postgres_server.port}/postgres" in message
    with pytest.raises(QueueUnreachable) as refused:
        PostgresStore(postgres_server.url(), password="another-wrong-one")
    assert "another-wrong-one" not in str(refused.value)


def test_a_user_who_may_only_read_and_write_the_tables_works_on_a_store_made_by_another(
    postgres_server, postgres_url
):
    """A DBA makes the tables (any first open does), then grants the publishers' user no more than
    reading and writing rows: opening the store, sending, and `cmsite check`'s copy need no more."""
    PostgresStore(postgres_url, password=PASSWORD).close()
    database = postgres_url.rsplit("/", 1)[1]
    postgres_server.admin(f"CREATE ROLE publisher_{database} LOGIN PASSWORD 'publisher-pass-1'")
    import psycopg

    with psycopg.connect(postgres_url, password=PASSWORD, autocommit=True) as db:
        db.execute(f"GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA public TO publisher_{database}")
    url = postgres_url.replace("cmsite@", f"publisher_{database}@")
    store = PostgresStore(url, password="publisher-pass-1")
    add(store, "e1")
    with store.transaction() as db:
        store.add_approval(db, Approval("e1", "Claire", NOW, "d", Via.COMMAND))
        assert store.lock(db, "e1").id == "e1"
    store.close()
    copy = PostgresStore(url, password="publisher-pass-1", copy=True)
    assert [e.id for e in copy.all()] == ["e1"]
    copy.close()
