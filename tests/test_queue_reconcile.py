"""An entry whose send was interrupted is looked for on networks that cannot deduplicate, never blindly re-sent."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner

from cmsite.cli import main
from cmsite.queue.store import QueueStore, Status

NETWORK = """
import json
from pathlib import Path
from cmsite.hookspecs import hookimpl
from cmsite.social.network import Network, Published


class Wall(Network):
    name, label, max_length = "wall", "Wall", 500
    settings = {{"record": (str, None)}}
    LOOK = "{look}"

    def publish_one(self, session, part):
        with (Path(self.options["record"])).open("a") as handle:
            handle.write(part.text + "\\n")
        return Published("w-1", "https://wall.example/1")

    def find_one(self, session, part):
        if self.LOOK == "cannot":
            raise NotImplementedError
        if self.LOOK == "found":
            return Published("w-0", "https://wall.example/0")
        return None


@hookimpl
def cmsite_networks():
    return [Wall]
"""


@pytest.mark.parametrize(
    ("look", "status", "sent"),
    [("found", "published", 0), ("absent", "published", 1), ("cannot", "unknown", 0)],
)
def test_an_interrupted_send_is_reconciled(site_folder, look, status, sent):
    record = site_folder.root / "sent.txt"
    site_folder.write("plugins/wall.py", NETWORK.format(look=look))
    config = site_folder.root / "cmsite.toml"
    config.write_text(
        config.read_text() + f'\n[queue]\ncatch_up_hours = false\n[networks.wall]\nrecord = "{record}"\n'
    )
    site_folder.write(
        "content/social/2026-11-20-a.md", "---\nnetworks: [wall]\nat: 2026-11-20 10:00\n---\nOn the wall.\n"
    )
    runner = CliRunner()
    assert runner.invoke(main, ["--site", str(site_folder.root), "queue"]).exit_code == 0
    store = QueueStore(site_folder.root / ".cmsite/queue.sqlite")
    (entry,) = store.all()
    with store.transaction() as db:  # as a publisher killed during the HTTP call leaves it
        assert store.update(db, entry.id, expect=Status.PENDING, status=Status.CLAIMED)
        assert store.update(
            db, entry.id, expect=Status.CLAIMED, status=Status.SENDING,
            lease_until=datetime.now(UTC) - timedelta(seconds=1),
        )  # fmt: skip
    result = runner.invoke(main, ["--site", str(site_folder.root), "publish", "--json"])
    (outcome,) = json.loads(result.output)
    assert outcome["status"] == status
    assert (record.read_text().count("On the wall.") if record.exists() else 0) == sent
    if look == "cannot":
        assert f"cmsite queue retry {entry.id}" in outcome["message"]
        assert result.exit_code == 1


def test_a_publisher_whose_lease_ran_out_sends_nothing_and_leaves_the_entry_to_the_one_that_took_over(
    site_folder,
):
    from cmsite.queue.publisher import Publisher

    record = site_folder.root / "sent.txt"
    site_folder.write("plugins/wall.py", NETWORK.format(look="absent"))
    config = site_folder.root / "cmsite.toml"
    config.write_text(
        config.read_text() + f'\n[queue]\ncatch_up_hours = false\n[networks.wall]\nrecord = "{record}"\n'
    )
    site_folder.write(
        "content/social/2026-11-20-a.md", "---\nnetworks: [wall]\nat: 2026-11-20 10:00\n---\nOn the wall.\n"
    )
    assert CliRunner().invoke(main, ["--site", str(site_folder.root), "queue"]).exit_code == 0
    site = site_folder.site()
    store = QueueStore(site_folder.root / ".cmsite/queue.sqlite")
    (entry,) = store.all()
    slow, other = Publisher(site, store, owner="slow"), Publisher(site, store, owner="other")
    claimed = slow.claim(entry.id)
    assert claimed is not None
    with store.transaction() as db:  # the slow publisher stalls (a slow hook, a pause) past its lease
        assert store.update(
            db, entry.id, expect=Status.CLAIMED, lease_until=datetime.now(UTC) - timedelta(seconds=1)
        )
    assert other.send(other.claim(entry.id)).status == "published"
    assert slow.send(claimed).status == "taken over"
    assert record.read_text().count("On the wall.") == 1
    after = store.get(entry.id)
    assert (after.status, after.lease_owner, after.remote_id) == ("published", None, "w-1")
