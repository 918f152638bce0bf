"""The queue's side of a thread: each part recorded as soon as it is confirmed, a retry resuming at the
first part not confirmed, a part whose fate is unknown looked for before it is sent again, and attempts
counting network answers — with a network of the test that keeps its posts in a file."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from click.testing import CliRunner

from cmsite.cli import main
from cmsite.queue.location import open_store
from cmsite.queue.publisher import LONGEST_WAIT, Publisher
from cmsite.queue.store import Status
from cmsite.queue.sync import sync_site
from cmsite.social.planner import each_planned_post
from cmsite.testing import publish_until_done

WALL = """
import json
from pathlib import Path
from cmsite.hookspecs import hookimpl
from cmsite.social.network import Network, Published, PublishError


class Wall(Network):
    name, label, max_length = "wall", "Wall", 60
    settings = {"board": (str, None), "fail_part": (int, 0), "fail": (str, "refused"), "can_find": (bool, True),
                "wait": (float, 30.0)}

    def board(self):
        path = Path(self.options["board"])
        return json.loads(path.read_text()) if path.exists() else {"posts": [], "failed": False}

    def publish_one(self, session, part):
        board = self.board()
        failing = part.number + 1 == self.options.get("fail_part") and not board["failed"]
        if failing:
            board["failed"] = True
        if failing and self.options.get("fail") == "refused":
            Path(self.options["board"]).write_text(json.dumps(board))
            raise PublishError("Wall: 503 busy", retry=True, retry_after=self.options["wait"])
        post = {"id": f"w{len(board['posts'])}", "text": part.text,
                "reply_to": part.reply_to.remote_id if part.reply_to else None}
        board["posts"].append(post)
        Path(self.options["board"]).write_text(json.dumps(board))
        if failing:  # "lost": the post is made, the answer never comes back
            raise PublishError("Wall: no answer (ReadTimeout)", retry=True, maybe_sent=True)
        return Published(post["id"], "https://wall.example/" + post["id"])

    def find_one(self, session, part):
        if not self.options.get("can_find", True):
            raise NotImplementedError
        answering = part.reply_to.remote_id if part.reply_to else None
        for post in self.board()["posts"]:
            if post["text"] == part.text and post["reply_to"] == answering:
                return Published(post["id"], "https://wall.example/" + post["id"])
        return None


@hookimpl
def cmsite_networks():
    return [Wall]
"""

TEXT = (
    "One two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty twenty-one."
)  # three parts of at most 60 characters


def wall_site(site, **settings):
    site.write("plugins/wall.py", WALL)
    lines = "".join(f"{key} = {json.dumps(value)}\n" for key, value in settings.items())
    config = site.root / "cmsite.toml"
    config.write_text(
        config.read_text()
        + "\n[queue]\ncatch_up_hours = false\nretry_base_seconds = 0\n"
        + f'\n[networks.wall]\nboard = "{site.root / "board.json"}"\n{lines}'
    )
    site.write(
        "content/social/2026-11-20-a.md",
        f"---\nnetworks: [wall]\nat: 2026-11-20 10:00\nthread: true\n---\n{TEXT}\n",
    )
    return site


def board(site):
    return json.loads((site.root / "board.json").read_text())["posts"]


@pytest.mark.parametrize("fail", ["refused", "lost"])
@pytest.mark.parametrize("part", [1, 2, 3])
def test_a_thread_whose_part_fails_once_ends_with_each_part_once_in_order(cmsite_site, part, fail):
    site = wall_site(cmsite_site, fail_part=part, fail=fail)
    runs = publish_until_done(site, {})
    posts = board(site)
    assert [p["text"][-3:] for p in posts] == ["1/3", "2/3", "3/3"], posts
    assert len({p["text"] for p in posts}) == 3
    assert [p["reply_to"] for p in posts] == [None, posts[0]["id"], posts[1]["id"]]
    store = open_store(site.site())
    (entry,) = store.all()
    assert entry.status == Status.PUBLISHED and entry.remote_id == posts[0]["id"]
    assert [p["remote_id"] for p in entry.parts] == [p["id"] for p in posts]
    assert entry.attempts == 1  # the one failed try; the try that succeeded is not counted as a failure
    assert [o.status for run in runs for o in run] == ["retry", "published"]


def test_a_part_whose_fate_is_unknown_on_a_network_that_cannot_be_asked_waits_for_a_person(cmsite_site):
    site = wall_site(cmsite_site, fail_part=2, fail="lost", can_find=False)
    runs = publish_until_done(site, {})
    assert [o.status for run in runs for o in run] == ["retry", "unknown"]  # to look later; then it cannot
    assert len(board(site)) == 2  # the lost second part is there; the third is never sent on a guess
    (entry,) = open_store(site.site()).all()
    assert entry.status == Status.UNKNOWN and entry.next_attempt is None
    assert len(entry.parts) == 1
    assert f"cmsite queue found {entry.id}" in entry.error
    result = CliRunner().invoke(main, ["--site", str(site.root), "queue", "found", entry.id])
    assert result.exit_code == 0 and "the rest of its thread (1 more)" in result.output
    assert [o.status for run in publish_until_done(site, {}) for o in run] == ["published"]
    posts = board(site)
    assert [p["text"][-3:] for p in posts] == ["1/3", "2/3", "3/3"]  # the third part, once, after the second
    (entry,) = open_store(site.site()).all()
    assert entry.status == Status.PUBLISHED and [p["remote_id"] for p in entry.parts][:1] == [posts[0]["id"]]


@pytest.mark.parametrize(("wait", "at_least", "at_most"), [(30, 30, 31), (1e300, LONGEST_WAIT, LONGEST_WAIT)])
def test_retry_after_is_honoured_up_to_a_week(cmsite_site, wait, at_least, at_most):
    site = wall_site(cmsite_site, fail_part=1, fail="refused", wait=wait)
    built = site.site()
    built.load()
    store = open_store(built)
    sync_site(built, store, each_planned_post(built))
    moment = built.now + timedelta(days=30)
    (outcome,) = Publisher(built, store, environ={}, clock=lambda: moment).run()
    (entry,) = store.all()
    assert outcome.status == "retry"
    waited = (entry.next_attempt - moment).total_seconds()  # what the network asked; backoff is 0
    assert at_least <= waited <= at_most  # a wait of 1e300 s would not fit in a date: a week at most


def test_a_look_that_fails_keeps_the_part_unknown_so_the_next_try_looks_again(cmsite_site):
    site = wall_site(cmsite_site, fail_part=1, fail="lost")
    site.write(
        "plugins/busy_look.py",
        """
from pathlib import Path
from cmsite.hookspecs import hookimpl
from cmsite.social.network import PublishError


@hookimpl
def cmsite_before_publish(entry, network, site):
    flag = site.root / "looked-once"
    original = type(network).find_one

    def find_one(session, part):
        if not flag.exists():  # the first look is rate-limited: nothing is known yet
            flag.write_text("")
            raise PublishError("Wall: 429 slow down", retry=True, retry_after=1)
        return original(network, session, part)

    network.find_one = find_one
""",
    )
    runs = publish_until_done(site, {})
    assert [o.status for run in runs for o in run] == ["retry", "retry", "published"]
    assert [p["text"][-3:] for p in board(site)] == ["1/3", "2/3", "3/3"]  # the lost first part, never twice
