"""The state store: its state machine enforced, compare-and-set updates, and stores made by cmsite 0.1 migrated."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

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


@pytest.fixture
def store(tmp_path):
    store = QueueStore(tmp_path / "queue.sqlite")
    with store.transaction() as db:
        store.insert(db, Entry("e1", "content/a.md", "mastodon", "default", NOW, ["Hello"]))
    yield store
    store.close()


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


def test_snapshots_are_added_never_replaced_and_read_up_to_a_time(tmp_path):
    store = QueueStore(tmp_path / "queue.sqlite")
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
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 3
