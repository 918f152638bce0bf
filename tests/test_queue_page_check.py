"""The page comes first: a post that links to its page, or whose pictures a network fetches from
the deployed site, is held until they answer 200 — with a loopback server standing in for the site."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from cmsite.cli import main
from cmsite.queue.publisher import Publisher
from cmsite.queue.store import QueueStore, Status
from cmsite.queue.sync import sync_site
from cmsite.social.planner import each_planned_post
from cmsite.testing import FIXED_NOW, LoopbackServer, RecordedRequest, Reply, TestSite, make_picture

# Two networks that write what they send to a file: `wall` is given the pictures' bytes,
# `gallery` fetches them from the site, as Threads does.
NETWORKS = """
from pathlib import Path
from cmsite.hookspecs import hookimpl
from cmsite.social.network import Network, Published


class Wall(Network):
    name, label, max_length = "wall", "Wall", 500

    def publish_one(self, session, part):
        with (Path(__file__).parent.parent / "sent.txt").open("a") as handle:
            handle.write(repr(part.text) + "\\n")
        return Published("w-1", "https://wall.example/1")


class Gallery(Wall):
    name, label, fetches_media = "gallery", "Gallery", True


@hookimpl
def cmsite_networks():
    return [Wall, Gallery]
"""

CONFIG = """\
[site]
title = "Carnet"
url = "{url}"
timezone = "Europe/Paris"

[queue]
page_timeout_seconds = 0.5
{queue}
"""

PAGE = "/posts/hello/"


class Site:
    """The blog folder whose `[site] url` is `url`, one post planned on `network`, with a picture;
    and the publisher's clock, which the test moves."""

    def __init__(
        self, root: Path, url: str, network: str = "wall", queue: str = "", date: str = "2026-11-22 10:00"
    ):
        self.folder = TestSite(root)
        self.folder.write("cmsite.toml", CONFIG.format(url=url, queue=queue))
        self.folder.write("plugins/networks.py", NETWORKS)
        make_picture(root / "content/images/salle.png", 40, 30)
        self.folder.post(
            "hello.md",
            f"""
            title: Hello
            date: {date}
            social:
              - network: {network}
                media:
                  - path: /images/salle.png
                    alt: The room
            """,
        )
        self.now = FIXED_NOW

    def publisher(self) -> Publisher:
        site = self.folder.site()
        site.load()
        store = QueueStore(self.folder.root / ".cmsite/queue.sqlite")
        sync_site(site, store, each_planned_post(site))
        return Publisher(site, store, environ={}, clock=lambda: self.now)

    def sent(self) -> int:
        record = self.folder.root / "sent.txt"
        return len(record.read_text().splitlines()) if record.exists() else 0


class Answers:
    """The stand-in site: each path answers the status the test sets (200 unless told)."""

    def __init__(self) -> None:
        self.status: dict[str, Reply] = {}

    def __call__(self, request: RecordedRequest) -> Reply:
        return self.status.get(request.path, Reply(200, b"<p>live</p>"))


@pytest.fixture
def server() -> Iterator[tuple[LoopbackServer, Answers]]:
    answers = Answers()
    with LoopbackServer() as loopback:
        loopback.handler(answers)
        yield loopback, answers


def held(publisher: Publisher, reason: str) -> None:
    """One publish run holds the entry: nothing sent, pending with `reason`, no attempt used."""
    (outcome,) = publisher.run()
    (entry,) = publisher.store.all()
    assert (outcome.status, entry.status, entry.attempts) == ("waiting", Status.PENDING, 0)
    assert reason in entry.error
    assert entry.next_attempt > publisher.clock()


def test_a_post_is_held_while_its_page_answers_404_then_goes_once_it_answers_200(tmp_path, server):
    loopback, answers = server
    blog = Site(tmp_path, loopback.url)
    answers.status[PAGE] = Reply(404)
    publisher = blog.publisher()
    held(publisher, f"waiting for {loopback.url}{PAGE} to answer (404 at 13:00)")  # NOW in Paris
    assert blog.sent() == 0

    looks = len(loopback.requests)
    assert publisher.run() == []  # before its next look: not even the page is asked
    assert len(loopback.requests) == looks

    blog.now = publisher.store.all()[0].next_attempt
    held(publisher, "(404 at 14:00)")  # still missing: looked at again, still pending
    del answers.status[PAGE]  # deployed
    blog.now = publisher.store.all()[0].next_attempt
    (outcome,) = publisher.run()
    assert (outcome.status, blog.sent()) == ("published", 1)
    assert publisher.store.all()[0].error is None


def test_the_next_look_waits_longer_each_time(tmp_path, server):
    loopback, answers = server
    blog = Site(tmp_path, loopback.url, date="2026-11-22 12:59")  # due one minute before NOW
    answers.status[PAGE] = Reply(404)
    publisher = blog.publisher()
    delays = []
    for _ in range(4):
        publisher.run()
        next_attempt = publisher.store.all()[0].next_attempt
        delays.append(next_attempt - blog.now)
        blog.now = next_attempt
    assert delays == sorted(delays) and delays[0] < delays[-1]
    assert delays[0] == timedelta(seconds=60)  # retry_base_seconds at first
    assert publisher.store.all()[0].status == Status.PENDING


@pytest.mark.parametrize("fault", ["timeout", "refused"])
def test_a_page_that_does_not_answer_holds_the_post(tmp_path, server, fault):
    loopback, answers = server
    answers.status[PAGE] = Reply(200, held=30)  # answers only once the publisher hung up
    with socket.socket() as closed:  # bound, never listening: every connection is refused
        closed.bind(("127.0.0.1", 0))
        url, reason = {
            "timeout": (loopback.url, "no answer in 0.5 s"),
            "refused": (f"http://127.0.0.1:{closed.getsockname()[1]}", "no connection"),
        }[fault]
        blog = Site(tmp_path, url)
        held(blog.publisher(), f"{url}{PAGE} to answer ({reason} at 13:00)")
    assert blog.sent() == 0


def test_a_redirect_to_a_live_page_counts_as_live(tmp_path, server):
    loopback, answers = server
    answers.status[PAGE] = Reply(301, headers={"Location": "/2026/hello/"})
    blog = Site(tmp_path, loopback.url)
    (outcome,) = blog.publisher().run()
    assert (outcome.status, blog.sent()) == ("published", 1)
    assert [r.path for r in loopback.requests] == [PAGE, "/2026/hello/"]


def test_the_pictures_a_network_fetches_from_the_site_are_looked_at_too(tmp_path, server):
    loopback, answers = server
    answers.status["/images/salle.png"] = Reply(404)
    fetching = Site(tmp_path / "gallery", loopback.url, network="gallery")
    held(fetching.publisher(), f"waiting for {loopback.url}/images/salle.png to answer (404 at 13:00)")
    uploading = Site(tmp_path / "wall", loopback.url)  # its pictures go with the post: not looked at
    (outcome,) = uploading.publisher().run()
    assert outcome.status == "published"


def test_a_post_whose_page_never_answers_expires_after_catch_up_hours(tmp_path, server):
    loopback, answers = server
    answers.status[PAGE] = Reply(404)
    blog = Site(tmp_path, loopback.url, queue="catch_up_hours = 0.5", date="2026-11-22 12:50")
    publisher = blog.publisher()  # due at 11:50 UTC, first looked at at 12:00, at most until 12:20
    held(publisher, "(404 at 13:00)")
    blog.now = publisher.store.all()[0].next_attempt  # 12:10; the next would be 12:30
    held(publisher, "(404 at 13:10)")
    (entry,) = publisher.store.all()
    assert entry.next_attempt == entry.at + timedelta(minutes=30)  # the last look is at the deadline
    blog.now = entry.next_attempt
    (outcome,) = publisher.run()
    (entry,) = publisher.store.all()
    assert (outcome.status, entry.status, entry.attempts, blog.sent()) == ("expired", Status.EXPIRED, 0, 0)
    assert f"`cmsite queue retry {entry.id}` sends it once the page is live" in entry.error


def test_with_wait_for_page_off_the_post_goes_at_once(tmp_path, server):
    loopback, answers = server
    answers.status[PAGE] = Reply(404)
    blog = Site(tmp_path, loopback.url, queue="wait_for_page = false")
    (outcome,) = blog.publisher().run()
    assert (outcome.status, blog.sent(), loopback.requests) == ("published", 1, [])


def test_cmsite_queue_json_says_what_the_post_waits_for(tmp_path, server):
    loopback, answers = server
    answers.status[PAGE] = Reply(404)
    blog = Site(tmp_path, loopback.url)
    held(blog.publisher(), "")
    runner, site = CliRunner(), ["--site", str(blog.folder.root)]
    (entry,) = json.loads(runner.invoke(main, [*site, "queue", "--json"]).output)
    assert (entry["status"], entry["attempts"]) == ("pending", 0)
    assert entry["error"] == f"waiting for {loopback.url}{PAGE} to answer (404 at 13:00); next look at 14:00"
    assert entry["next_attempt"] == "2026-11-22T13:00:00+00:00"
    assert f"    waiting for {loopback.url}{PAGE} to answer" in runner.invoke(main, [*site, "queue"]).output


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ('wait_for_page = "no"', "[queue] wait_for_page must be true or false, not str"),
        ("page_timeout_seconds = 0", "[queue] page_timeout_seconds must be over 0, not 0"),
    ],
)
def test_a_wrong_page_setting_is_an_error(tmp_path, setting, message):
    blog = Site(tmp_path, "https://carnet.fr")
    blog.folder.write(
        "cmsite.toml", f'[site]\ntitle = "Carnet"\nurl = "https://carnet.fr"\n\n[queue]\n{setting}\n'
    )
    result = CliRunner().invoke(main, ["--site", str(blog.folder.root), "check"])
    assert result.exit_code == 1
    assert f"cmsite.toml:6: {message}" in result.output
