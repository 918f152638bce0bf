"""`cmsite queue delete ID`: a published post taken down from its network, its entry kept as deleted and
never sent again, through the command line with a network of the test that writes down what it is asked."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from cmsite.cli import main

WALL = """
from pathlib import Path
from cmsite.hookspecs import hookimpl
from cmsite.social.network import Network, Published, PublishError


class Wall(Network):
    name, label, max_length = "wall", "Wall", 60
    deletes_threads = {threads}
    settings = {{"record": (str, None), "delete": (str, "ok")}}

    def note(self, *words):
        with Path(self.options["record"]).open("a") as handle:
            handle.write(" ".join(words) + "\\n")

    def publish_one(self, session, part):
        if part.first:
            self.note("published", part.key, str(len(part.post.texts)))
        return Published("w-" + part.key, "https://wall.example/" + part.key)

    def delete(self, remote_id, idempotency_key=None):
        mode = self.options.get("delete", "ok")
        if mode == "cannot":
            return super().delete(remote_id, idempotency_key)
        if mode == "refuses":
            raise PublishError(f"Wall refused to delete post {{remote_id}} (404): no such post", retry=False)
        if mode == "crashes":
            raise RuntimeError("https://wall.example/hook/secret-hook-token")
        self.note("deleted", remote_id, str(idempotency_key))


@hookimpl
def cmsite_networks():
    return [Wall]
"""

NEWS = "title: News\nsocial: [wall]"


@pytest.fixture
def wall(site_folder):
    """A site whose post `news` is announced on the Wall, with plans in the past sent at once."""

    def make(delete="ok", threads=False):
        site_folder.write("plugins/wall.py", WALL.format(threads=threads))
        config = site_folder.root / "cmsite.toml"
        config.write_text(
            config.read_text()
            + "\n[queue]\ncatch_up_hours = false\nwait_for_page = false  # no deployed site to look at\n"
            + f'\n[networks.wall]\nrecord = "{site_folder.root / "record.txt"}"\ndelete = "{delete}"\n'
        )
        site_folder.post("2026-11-20-news.md", NEWS)
        return site_folder

    return make


def cli(site, *args):
    return CliRunner().invoke(main, ["--site", str(site.root), *args])


def record(site):
    path = site.root / "record.txt"
    return path.read_text().splitlines() if path.exists() else []


def published_entry(site):
    (outcome,) = json.loads(cli(site, "publish", "--json").stdout)
    assert outcome["status"] == "published", outcome
    return outcome["id"]


def entries(site, *flags):
    return json.loads(cli(site, "queue", *flags, "--json").stdout)


def test_a_deleted_post_is_taken_down_kept_as_deleted_and_never_sent_again(wall):
    site = wall()
    entry = published_entry(site)
    site.build()
    assert 'class="u-syndication" href="https://wall.example/' in site.read("posts/news/index.html")
    result = cli(site, "queue", "delete", entry, "--json")
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert shown == {
        "id": entry, "network": "wall", "account": "default", "source": shown["source"],
        "remote_id": f"w-{entry}", "ok": True, "status": "deleted", "url": f"https://wall.example/{entry}",
        "warnings": [],
    }  # fmt: skip
    assert record(site) == [f"published {entry} 1", f"deleted w-{entry} {entry}"]
    (kept,) = entries(site, "--all")
    assert kept["status"] == "deleted" and kept["remote_id"] == f"w-{entry}"
    assert entries(site) == []  # like published ones, listed with --all only
    site.post("2026-11-20-news.md", NEWS + "\nsummary: A changed announcement.")  # the plan is still there
    synced = cli(site, "queue")
    assert "already deleted; the change is not sent again" in synced.output
    assert json.loads(cli(site, "publish", "--json").stdout) == []
    assert cli(site, "queue", "retry", entry).exit_code == 1  # retry takes no deleted entry
    assert [e["status"] for e in entries(site, "--all")] == ["deleted"]
    assert len(record(site)) == 2  # sent once, deleted once, nothing after
    site.build()
    assert "u-syndication" not in site.read("posts/news/index.html")  # no link to a post that is gone


def test_only_a_published_entry_can_be_deleted(wall):
    site = wall()
    (pending,) = entries(site)
    result = cli(site, "queue", "delete", pending["id"])
    assert result.exit_code == 1
    assert f"entry {pending['id']} is pending; only a published post can be deleted" in result.output
    assert "cmsite queue cancel" in result.output
    as_json = cli(site, "queue", "delete", pending["id"], "--json")
    assert as_json.exit_code == 1
    assert json.loads(as_json.stdout) == {
        "ok": False,
        "id": pending["id"],
        "error": f"entry {pending['id']} is pending; only a published post can be deleted; "
        "`cmsite queue cancel` keeps an unsent one from going out",
    }
    assert cli(site, "queue", "delete", "nope").exit_code == 1
    entry = published_entry(site)
    assert cli(site, "queue", "delete", entry).exit_code == 0
    again = cli(site, "queue", "delete", entry)
    assert again.exit_code == 1 and "is deleted; only a published post can be deleted" in again.output
    assert record(site) == [f"published {entry} 1", f"deleted w-{entry} {entry}"]  # asked once


@pytest.mark.parametrize(
    ("mode", "says"),
    [
        ("cannot", "not deleted: Wall: this plugin cannot delete posts; delete it by hand on Wall"),
        ("refuses", "not deleted: Wall refused to delete post w-"),
        (
            "crashes",
            "not deleted: Wall plugin failed (RuntimeError); look on Wall whether the post is still there",
        ),
    ],
)
def test_a_post_the_network_does_not_delete_stays_published(wall, mode, says):
    site = wall(delete=mode)
    entry = published_entry(site)
    result = cli(site, "queue", "delete", entry, "--json")
    assert result.exit_code == 1
    answer = json.loads(result.stdout)
    assert answer["ok"] is False and answer["error"].startswith(says)
    assert "secret-hook-token" not in result.output
    assert [e["status"] for e in entries(site, "--all")] == ["published"]
    text = cli(site, "queue", "delete", entry)
    assert text.exit_code == 1 and says in text.output


def test_a_post_removed_by_hand_on_the_network_is_recorded_as_deleted_without_asking_it(wall):
    site = wall(delete="refuses")  # the network no longer knows the post
    entry = published_entry(site)
    refused = cli(site, "queue", "delete", entry)
    assert refused.exit_code == 1 and f"`cmsite queue delete --by-hand {entry}` records it" in refused.output
    result = cli(site, "queue", "delete", "--by-hand", entry)
    assert result.exit_code == 0, result.output
    assert f"{entry}: recorded as deleted by hand on Wall" in result.output
    assert record(site) == [f"published {entry} 1"]  # the network was not asked
    assert [e["status"] for e in entries(site, "--all")] == ["deleted"]
    assert json.loads(cli(site, "publish", "--json").stdout) == []


@pytest.mark.parametrize("threads", [False, True])
def test_a_thread_left_half_on_the_network_is_said(wall, threads):
    site = wall(threads=threads)
    site.post("2026-11-20-news.md", NEWS, body="A long announcement. " * 6)
    site.write(
        "content/social/2026-11-20-long.md",
        "---\nnetworks: [wall]\nat: 2026-11-20 10:00\nthread: true\n---\n" + "Word after word. " * 8 + "\n",
    )
    sent = json.loads(cli(site, "publish", "--json").stdout)
    (entry,) = [e for e in entries(site, "--all") if e["source"].endswith("2026-11-20-long.md")]
    assert len(entry["texts"]) > 1 and len(sent) == 2
    result = cli(site, "queue", "delete", entry["id"])
    assert result.exit_code == 0
    left = f"this was a thread of {len(entry['texts'])} posts and Wall removed the first only"
    assert (left in result.output) is not threads
