"""The state store: its state machine enforced, compare-and-set updates, and stores made by cmsite 0.1
migrated. The tests of what both stores do run against each (SQLite, PostgreSQL): see tests/postgres.py."""

from __future__ import annotations

import shutil
import sqlite3
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from postgres import empty_store, postgres_server, postgres_url, queue_url

from cmsite.queue.store import (
    SCHEMA_VERSION,
    TRANSITIONS,
    CancelledBy,
    Entry,
    InvalidTransition,
    QueueStore,
    Snapshot,
    Status,
    published_urls,
)

RELEASE_0_1 = Path(__file__).parent / "data" / "queue-0.1-release.sqlite"  # made by cmsite 0.1 (e393179)
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


__all__ = ["empty_store", "postgres_server", "postgres_url", "queue_url"]  # fixtures


@pytest.fixture
def store(empty_store):
    """A store of each kind in turn, holding one pending entry, e1."""
    with empty_store.transaction() as db:
        empty_store.insert(db, Entry("e1", "content/a.md", "mastodon", "default", NOW, ["Hello"]))
    return empty_store


def test_every_status_has_its_transitions_and_deleted_is_final():
    assert set(TRANSITIONS) == set(Status)
    assert TRANSITIONS[Status.DELETED] == frozenset()
    assert Status.SENDING not in TRANSITIONS[Status.PENDING]  # never sent without a claim


def test_a_move_the_state_machine_does_not_allow_is_refused(store):
    with store.transaction() as db, pytest.raises(InvalidTransition, match="from pending to published"):
        store.update(db, "e1", expect=Status.PENDING, status=Status.PUBLISHED)
    assert store.get("e1").status == Status.PENDING


def test_an_update_changes_nothing_when_the_entry_moved_on_or_the_lease_is_not_ours(store):
    lease = {"lease_owner": "a", "lease_until": NOW + timedelta(minutes=1)}
    with store.transaction() as db:
        assert store.update(db, "e1", expect=Status.PENDING, status=Status.CLAIMED, **lease)
        assert not store.update(db, "e1", expect=Status.PENDING, status=Status.CLAIMED)  # claimed already
        assert not store.update(db, "e1", expect=Status.CLAIMED, owner="b", now=NOW, status=Status.SENDING)
        late = NOW + timedelta(minutes=2)  # a's lease is over: a may not write either
        assert not store.update(db, "e1", expect=Status.CLAIMED, owner="a", now=late, status=Status.SENDING)
        assert store.update(db, "e1", expect=Status.CLAIMED, owner="a", now=NOW, status=Status.SENDING)
    assert store.get("e1").status == Status.SENDING


def test_a_store_made_by_cmsite_0_1_is_migrated_once_keeping_who_cancelled_what(tmp_path):
    path = tmp_path / "queue.sqlite"
    shutil.copy(RELEASE_0_1, path)
    before = {
        row[0]: row[1:] for row in sqlite3.connect(path).execute("SELECT id, status, remote_id FROM entries")
    }
    store = QueueStore(path)
    entries = {entry.id: entry for entry in store.all()}
    assert {key: (str(e.status), e.remote_id) for key, e in entries.items()} == before
    assert (
        entries["a2"].cancelled_by == CancelledBy.PLAN
    )  # its plan was removed: queued again if it comes back
    assert entries["a3"].cancelled_by == CancelledBy.PERSON  # `cmsite queue cancel`: stays cancelled
    assert all(e.cancelled_by is None for key, e in entries.items() if key not in ("a2", "a3"))
    assert all(e.parts == [] for e in entries.values())
    store.close()
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    again = QueueStore(path)  # a second open changes nothing
    assert {e.id: e.cancelled_by for e in again.all()} == {e.id: e.cancelled_by for e in entries.values()}


def test_published_urls_are_read_without_changing_the_queue_wherever_it_is(tmp_path):
    """The read API of "Also on …" links: only published entries with a URL, by network then
    time; the file is not written (nor migrated), and a folder named with URI characters
    (`#`, `?`, `%`) is the folder it names."""
    path = tmp_path / "site #1?a=%20" / "queue.sqlite"
    queue = QueueStore(path)
    sent = {"e1": ("mastodon", "https://m.example/1", NOW), "e2": ("bluesky", "https://b.example/2", NOW)}
    sent["e3"] = ("mastodon", "https://m.example/3", NOW - timedelta(hours=1))
    with queue.transaction() as db:
        for entry_id, (network, _, _) in sent.items():
            queue.insert(db, Entry(entry_id, "content/a.md", network, "default", NOW, ["Hello"]))
        queue.insert(db, Entry("e4", "content/a.md", "x", "default", NOW, ["Not sent yet"]))
        for entry_id, (_, url, when) in sent.items():
            db.execute(
                "UPDATE entries SET status = 'published', remote_url = ?, published_at = ? WHERE id = ?",
                (url, when.isoformat(), entry_id),
            )
    queue.close()
    before = path.read_bytes()
    assert published_urls(path) == {
        "content/a.md": [
            ("bluesky", "https://b.example/2"),
            ("mastodon", "https://m.example/3"),
            ("mastodon", "https://m.example/1"),
        ]
    }
    assert path.read_bytes() == before
    assert published_urls(tmp_path / "none" / "queue.sqlite") == {}
    assert not (tmp_path / "none").exists()
    path.write_bytes(b"not a database")
    assert published_urls(path) == {}


def test_snapshots_are_added_never_replaced_and_read_up_to_a_time(empty_store):
    store = empty_store
    first, second = NOW, NOW + timedelta(days=1)
    with store.transaction() as db:
        store.add_snapshots(db, [Snapshot(first, "toot", "default", "e1", "likes", 3)])
        store.add_snapshots(db, [Snapshot(first, "toot", "default", None, "followers", 120)])
    with store.transaction() as db:
        store.add_snapshots(db, [Snapshot(second, "toot", "default", "e1", "likes", 5)])
    assert [(s.taken, s.entry_id, s.value) for s in store.snapshots()] == [
        (first, "e1", 3), (first, None, 120), (second, "e1", 5),
    ]  # fmt: skip
    assert [s.value for s in store.snapshots(until=first)] == [3, 120]
    again = Snapshot.from_dict(store.snapshots()[-1].as_dict())
    assert again == store.snapshots()[-1]


def test_a_store_from_before_snapshots_gets_their_table_and_keeps_the_rest(tmp_path):
    path = tmp_path / "queue.sqlite"
    store = QueueStore(path)
    with store.transaction() as db:
        store.insert(db, Entry("e1", "content/a.md", "toot", "default", NOW, ["Hello"]))
    store.close()
    with sqlite3.connect(path) as db:  # as SCHEMA_VERSION 2 left it
        db.execute("DROP TABLE metric_snapshots")
        db.execute("PRAGMA user_version = 2")
    store = QueueStore(path)
    assert [e.id for e in store.all()] == ["e1"]
    with store.transaction() as db:
        store.add_snapshots(db, [Snapshot(NOW, "toot", "default", "e1", "likes", 1)])
    assert len(store.snapshots()) == 1
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_a_store_from_before_its_indexes_gets_them_and_the_saved_files_reads_use_them(tmp_path):
    """The reads of each save in watch mode (the published links, the saved file's entries) look
    up an index rather than every entry."""
    path = tmp_path / "queue.sqlite"
    QueueStore(path).close()
    with sqlite3.connect(path) as db:  # as SCHEMA_VERSION 3 left it
        db.execute("DROP INDEX entries_by_status")
        db.execute("DROP INDEX entries_of_source")
        db.execute("PRAGMA user_version = 3")
    store = QueueStore(path)
    with store.transaction() as db:
        store.insert(db, Entry("e1", "content/a.md", "toot", "default", NOW, ["Hello"]))
    assert [e.id for e in store.of_sources(["content/a.md"])] == ["e1"]
    store.close()
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    plans = [
        " ".join(
            row[-1]
            for row in db.execute(f"EXPLAIN QUERY PLAN SELECT * FROM entries WHERE {where} = ?", ("x",))
        )
        for where in ("status", "source")
    ]
    assert plans == [
        "SEARCH entries USING INDEX entries_by_status (status=?)",
        "SEARCH entries USING INDEX entries_of_source (source=?)",
    ]


def test_an_entry_reads_back_as_it_was_written_with_what_happened_to_it(store):
    """Every field, through each store's types (text and JSON in SQLite, timestamptz and jsonb in
    PostgreSQL), comes back the same: one decoder, `entry_from_row`, reads both."""
    full = Entry(
        "e2", "content/b.md", "bluesky", "team", NOW, ["One", "Two ✓"], [{"path": "/a.png", "alt": "A"}],
        "https://blog.example/b/", "B", "About b", 7,
    )  # fmt: skip
    later = NOW + timedelta(hours=1, microseconds=5)
    with store.transaction() as db:
        store.insert(db, full)
        assert store.update(db, "e2", expect=Status.PENDING, approved=1)
        assert store.update(
            db, "e2", expect=Status.PENDING, status=Status.CANCELLED, cancelled_by=CancelledBy.PLAN
        )
        assert store.update(
            db, "e2", expect=Status.CANCELLED, status=Status.PENDING, parts=[{"remote_id": "r1", "url": "u1"}],
            tried_at=later, next_attempt=later, attempts=2, error="503 busy",
        )  # fmt: skip
    entry = store.get("e2")
    assert entry.as_dict() == {
        **full.as_dict(), "approved": True, "cancelled_by": CancelledBy.PLAN, "attempts": 2, "error": "503 busy",
        "parts": [{"remote_id": "r1", "url": "u1"}], "tried_at": later.isoformat(), "next_attempt": later.isoformat(),
    }  # fmt: skip
    assert entry.at.utcoffset() == timedelta(0)
    assert [e.id for e in store.all()] == ["e2", "e1"]  # by time, then network: bluesky first
    assert store.get("nope") is None


def test_a_transaction_that_raises_leaves_nothing_behind(store):
    with pytest.raises(RuntimeError), store.transaction() as db:
        store.update(db, "e1", expect=Status.PENDING, status=Status.CANCELLED)
        store.insert(db, Entry("e2", "content/b.md", "mastodon", "default", NOW, ["Hi"]))
        raise RuntimeError("stopped half-way")
    assert [(e.id, e.status) for e in store.all()] == [("e1", Status.PENDING)]


def test_approvals_are_kept_in_order_and_read_per_entry(empty_store):
    from cmsite.queue.store import Approval, Via

    first = Approval("e1", "Claire", NOW, "d1", Via.COMMAND, "fine", "cmsite queue approve")
    second = Approval("e2", "", NOW + timedelta(minutes=1), "d2", Via.MARKDOWN, place="a.md:7", mark="Claire")
    third = Approval("e1", "Dom", NOW + timedelta(minutes=2), "d3", Via.COMMAND)
    with empty_store.transaction() as db:
        for approval in (first, second, third):
            empty_store.add_approval(db, approval)
    assert [(a.entry_id, a.by, a.number) for a in empty_store.approvals()] == [
        ("e1", "Claire", 1), ("e2", "", 2), ("e1", "Dom", 3),
    ]  # fmt: skip
    kept = empty_store.approvals("e1")
    assert kept == [replace(first, number=1), replace(third, number=3)]
    assert empty_store.approvals()[1] == replace(second, number=2)


def test_the_store_clock_is_in_utc_and_moves(empty_store):
    before = empty_store.now()
    assert before.utcoffset() == timedelta(0)
    assert empty_store.now() >= before


def test_the_entries_of_some_files_are_read_alone(store):
    with store.transaction() as db:
        store.insert(db, Entry("e2", "content/b.md", "mastodon", "default", NOW, ["Hi"]))
        store.insert(db, Entry("e3", "content/c.md", "mastodon", "default", NOW, ["Hey"]))
    assert sorted(entry.id for entry in store.of_sources(["content/a.md", "content/c.md"])) == ["e1", "e3"]
    assert store.of_sources([]) == []


def test_a_publication_touches_the_file_builds_watch_and_a_sync_does_not(tmp_path):
    store = QueueStore(tmp_path / "queue.sqlite")
    stamp = tmp_path / "queue.sqlite-published"
    with store.transaction() as db:
        store.insert(db, Entry("e1", "content/a.md", "mastodon", "default", NOW, ["Hello"]))
        store.update(db, "e1", expect=Status.PENDING, texts=["Hello again"])
    assert not stamp.exists()  # what a sync writes: the pages show nothing of it
    with store.transaction() as db:
        for status in (Status.CLAIMED, Status.SENDING, Status.PUBLISHED):
            store.update(
                db, "e1", expect=store.get("e1").status, status=status, remote_url="https://m.example/1"
            )
    assert stamp.exists()
