"""The queue's sync after a build plans only the files changed since the last sync
(cmsite.queue.changes), and a build after a sync is as quick as the one before it."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

import pytest
from click.testing import CliRunner

from cmsite.cli import main
from cmsite.content.store import ItemStore
from cmsite.queue.changes import sync_changes
from cmsite.queue.location import open_store, queue_address
from cmsite.queue.store import QueueStore, Status
from cmsite.serve.session import WatchSession
from cmsite.serve.watcher import Batch
from cmsite.social import planner
from cmsite.testing import FIXED_NOW

NETWORK_PLUGIN = """
from cmsite.hookspecs import hookimpl
from cmsite.social.network import Network, Published

class Toot(Network):
    name, label, max_length, counting = "toot", "Toot", 500, "mastodon"
    def publish_one(self, session, part):
        return Published(part.key, "https://toot.example/" + part.key)

@hookimpl
def cmsite_networks():
    return [Toot]
"""


def planned_site(site_folder, future: int = 2) -> None:
    """Four posts of the past and `future` dated to come (in 2099), each with a plan."""
    site_folder.write("plugins/networks.py", NETWORK_PLUGIN)
    site_folder.write(
        "cmsite.toml", (site_folder.root / "cmsite.toml").read_text() + "\n[queue]\ncatch_up_hours = false\n"
    )
    for n in range(4):
        site_folder.post(f"2026-0{n + 1}-10-past-{n}.md", f"title: Past {n}\nsocial:\n  - network: toot")
    for n in range(future):
        site_folder.post(f"2099-0{n + 1}-10-later-{n}.md", f"title: Later {n}\nsocial:\n  - network: toot")


@pytest.fixture
def counted(monkeypatch):
    """How many items were read back from the cache or the files, planned, and entries read."""
    counts = {"items": 0, "planned": 0, "entries": 0}
    load, plan, every, some = ItemStore.load, planner._item_posts, QueueStore.all, QueueStore.of_sources

    def counting_load(self, site, files):
        counts["items"] += len(files)
        return load(self, site, files)

    def counting_plan(*args, **kwargs):
        counts["planned"] += 1
        return plan(*args, **kwargs)

    def counting_all(self):
        entries = every(self)
        counts["entries"] += len(entries)
        return entries

    def counting_some(self, sources):
        entries = some(self, sources)
        counts["entries"] += len(entries)
        return entries

    monkeypatch.setattr(ItemStore, "load", counting_load)
    monkeypatch.setattr(planner, "_item_posts", counting_plan)
    monkeypatch.setattr(QueueStore, "all", counting_all)
    monkeypatch.setattr(QueueStore, "of_sources", counting_some)
    return counts


def build(site_folder) -> str:
    result = CliRunner().invoke(main, ["--site", str(site_folder.root), "build"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_builds_with_nothing_changed_take_the_same_quick_path_every_time_and_read_nothing(
    site_folder, counted
):
    planned_site(site_folder)
    assert "Built" in build(site_folder)
    for _ in range(3):
        counted.update(items=0, planned=0, entries=0)
        assert "Nothing changed since the last build" in build(site_folder)
        assert counted == {"items": 0, "planned": 0, "entries": 0}


def test_a_build_after_an_edit_syncs_only_that_file_and_the_next_build_skips(site_folder, counted):
    planned_site(site_folder)
    build(site_folder)
    site_folder.post("2026-02-10-past-1.md", "title: Past 1\nsocial:\n  - network: toot\n    text: Edited.")
    counted.update(items=0, planned=0, entries=0)
    assert "Built" in build(site_folder)
    assert counted["planned"] == 1 and counted["entries"] == 1
    store = QueueStore(site_folder.root / ".cmsite/queue.sqlite")
    edited = [entry for entry in store.all() if entry.source == "content/posts/2026-02-10-past-1.md"]
    assert [entry.texts[0].split("\n")[0] for entry in edited] == ["Edited."]
    # The sync wrote the queue; the queue is not what the pages show (only publications are).
    assert "Nothing changed since the last build" in build(site_folder)


def test_a_removed_post_cancels_its_entries_and_a_post_that_came_due_is_queued(site_folder):
    planned_site(site_folder, future=1)

    def synced(now):
        site = site_folder.site(now=now)
        site.load()
        sync_changes(site, partial(open_store, site), queue_address(site), loaded=True)
        store = open_store(site)
        try:
            return {entry.source: entry.status for entry in store.all()}
        finally:
            store.close()

    later = "content/posts/2099-01-10-later-0.md"
    first = synced(FIXED_NOW)
    assert later not in first and first["content/posts/2026-01-10-past-0.md"] == Status.PENDING
    (site_folder.root / "content/posts/2026-01-10-past-0.md").unlink()
    came = synced(FIXED_NOW.replace(year=2099) + timedelta(days=30))
    assert came["content/posts/2026-01-10-past-0.md"] == Status.CANCELLED
    assert came[later] == Status.PENDING


def test_watch_mode_started_on_a_built_site_rebuilds_a_save_without_reading_every_item(site_folder, counted):
    planned_site(site_folder)
    build(site_folder)  # the session's first build finds nothing to do
    session = WatchSession(site_folder.site, site_folder.output, say=lambda text, fg=None: None)
    session.start()
    try:
        counted.update(items=0, planned=0, entries=0)
        path = site_folder.post(
            "2026-02-10-past-1.md", "title: Past 1\nsocial:\n  - network: toot", "New words.\n"
        )
        assert session.handle(Batch({path.resolve()}))
    finally:
        session.close()
    assert "New words." in site_folder.read("posts/past-1/index.html")
    assert counted == {"items": 0, "planned": 1, "entries": 1}
    store = QueueStore(site_folder.root / ".cmsite/queue.sqlite")
    assert {entry.status for entry in store.all()} == {Status.PENDING}  # the other posts' entries stay


def test_a_broken_plan_is_said_by_every_build_until_it_is_fixed(site_folder, counted):
    """A plan with an error is not queued: a build that planned only the files changed since would
    say it once, and the post would never go out without anyone being told again."""
    planned_site(site_folder)
    post = site_folder.post(
        "2026-03-10-past-2.md", "title: Past 2\nsocial:\n  - network: toot\n    text: " + "x" * 600
    )
    said, source = "1 social plan has errors and is not queued", "content/posts/2026-03-10-past-2.md"
    assert said in build(site_folder)
    counted.update(items=0, planned=0, entries=0)
    assert said in build(site_folder)  # nothing changed: only the broken plan's file is planned again
    assert counted["planned"] == 1
    post.write_text(post.read_text().replace("x" * 600, "Fixed."))
    assert said not in build(site_folder)
    store = QueueStore(site_folder.root / ".cmsite/queue.sqlite")
    assert [entry.texts[0].split("\n")[0] for entry in store.all() if entry.source == source] == ["Fixed."]
    counted.update(items=0, planned=0, entries=0)
    assert said not in build(site_folder)
    assert counted == {"items": 0, "planned": 0, "entries": 0}
