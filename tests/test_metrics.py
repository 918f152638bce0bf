"""`cmsite metrics`: the counts of the recent posts and the accounts' figures, kept as snapshots
with `--collect`, never overwritten; a network that gives none says so, one that fails makes
the command exit 1 without hiding the others, and no secret it echoes reaches the output or
the store."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from click.testing import CliRunner
from conftest import SiteFolder

from cmsite.cli import main
from cmsite.queue.location import open_store
from cmsite.queue.store import Entry, Status
from cmsite.testing import assert_no_secrets

SECRET = "s3cr3t-token-value"
NETWORKS = """
from pathlib import Path

from cmsite.hookspecs import hookimpl
from cmsite.social.network import Network, Published, PublishError


class Board(Network):
    name, label, max_length = "board", "Board", 500

    def publish_one(self, session, part):
        return Published("1", "https://board.example/1")

    def metrics(self, remote_id):
        asked = Path(__file__).with_name("asked.txt")
        times = len(asked.read_text().splitlines()) if asked.exists() else 0
        asked.write_text(asked.read_text() + remote_id + "\\n" if asked.exists() else remote_id + "\\n")
        return {"likes": 3 + times, "replies": 1}

    def account_metrics(self):
        return {"followers": 120}


class Quiet(Network):  # gives no counts: the base class says so
    name, label, max_length = "quiet", "Quiet", 500

    def publish_one(self, session, part):
        return Published("1", "https://quiet.example/1")


class Broken(Network):
    name, label, max_length = "broken", "Broken", 500
    credentials = ("BROKEN_TOKEN",)

    def publish_one(self, session, part):
        return Published("1", "https://broken.example/1")

    def metrics(self, remote_id):
        raise PublishError(f"Broken refused token {self.secrets['BROKEN_TOKEN']}", retry=True)

    def account_metrics(self):
        return {"followers": "many"}  # a plugin's bug: not a whole number


@hookimpl
def cmsite_networks():
    return [Board, Quiet, Broken]
"""


def cli(*args: object):
    return CliRunner().invoke(main, [str(a) for a in args])


def metered_site(folder: SiteFolder) -> SiteFolder:
    """A post published yesterday on each network, and one on Board 40 days ago (out of the window)."""
    folder.write("plugins/networks.py", NETWORKS)
    folder.write(".env", f"BROKEN_TOKEN={SECRET}\n")
    (folder.root / ".env").chmod(0o600)
    now = datetime.now(UTC)
    store = open_store(folder.site())
    with store.transaction() as db:
        for entry_id, network, age in [
            ("b1", "board", 1),
            ("q1", "quiet", 1),
            ("x1", "broken", 1),
            ("old", "board", 40),
        ]:
            when = now - timedelta(days=age)
            store.insert(
                db,
                Entry(
                    entry_id, "content/social/a.md", network, "default", when, ["Hi"], status=Status.PUBLISHED
                ),
            )
            store.update(db, entry_id, expect=Status.PUBLISHED, published_at=when, remote_id=f"r-{entry_id}",
                         remote_url=f"https://{network}.example/{entry_id}")  # fmt: skip
    store.close()
    return folder


def readings(result) -> dict[tuple[str, str | None], dict]:
    return {(r["network"], r["id"]): r for r in json.loads(result.output)["readings"]}


def test_collect_keeps_the_counts_of_recent_posts_and_accounts_and_says_what_is_missing(site_folder):
    site = metered_site(site_folder)
    result = cli("--site", site.root, "metrics", "--collect", "--json")
    assert result.exit_code == 1  # Broken failed; the others were still asked and kept
    found = readings(result)
    assert ("board", "old") not in found  # published 40 days ago: out of the 30-day window
    assert found[("board", "b1")]["counts"] == {"likes": 3, "replies": 1}
    assert found[("board", None)]["counts"] == {"followers": 120}
    assert found[("quiet", "q1")]["unavailable"] == "Quiet gives no counts of a post"
    assert found[("quiet", None)]["unavailable"] == "Quiet gives no figures of an account"
    assert found[("broken", "x1")]["problem"] == "Broken refused token ***"
    assert "not whole numbers" in found[("broken", None)]["problem"]
    kept = json.loads(cli("--site", site.root, "metrics", "--history", "--json").output)["snapshots"]
    assert sorted((s["network"], s["entry"] or "", s["metric"], s["value"]) for s in kept) == [
        ("board", "", "followers", 120), ("board", "b1", "likes", 3), ("board", "b1", "replies", 1),
    ]  # fmt: skip
    assert_no_secrets(site.root, [SECRET], result.output)


def test_every_collection_is_kept_and_asking_alone_keeps_nothing(site_folder):
    site = metered_site(site_folder)
    cli("--site", site.root, "metrics", "--collect")
    asked = cli("--site", site.root, "metrics")  # asks (likes 4 now) but keeps nothing
    assert "Board (default)  content/social/a.md: likes 4, replies 1" in asked.output
    assert "Nothing kept" in asked.output
    cli("--site", site.root, "metrics", "--collect")
    kept = json.loads(cli("--site", site.root, "metrics", "--history", "--json").output)["snapshots"]
    likes = [s["value"] for s in kept if s["metric"] == "likes"]
    assert likes == [3, 5]  # the first is never overwritten by the later one
    assert kept[0]["taken"] < kept[-1]["taken"]


def test_days_widens_the_window(site_folder):
    site = metered_site(site_folder)
    result = cli("--site", site.root, "metrics", "--days", "60", "--json")
    assert ("board", "old") in readings(result)
    config = site.root / "cmsite.toml"
    config.write_text(config.read_text() + "\n[metrics]\ndays = 60\n")
    assert ("board", "old") in readings(cli("--site", site.root, "metrics", "--json"))
