"""Publishers of a team sharing one PostgreSQL store, each run as cron runs it.

Their machines' clocks may disagree: leases are measured by the database server's clock, so a
publisher whose clock is an hour ahead does not take over an entry another one is sending (with
its own clock, the other one's lease would look an hour over). The clock of a machine is moved with
CMSITE_CLOCK_OFFSET_SECONDS (cmsite.queue.store.local_now), in one publisher's process only.

A server that cannot be reached stops a run before anything is sent, says so, and the next run sends;
one that goes away half-way stops the run, and the next one sends nothing twice. `cmsite queue migrate`
copies a SQLite queue over, whole."""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import psycopg
import pytest
from postgres import PASSWORD, postgres_server, postgres_url

from cmsite.errors import ContentErrors
from cmsite.queue import location
from cmsite.queue.location import open_store
from cmsite.queue.postgres import PostgresStore
from cmsite.queue.publisher import Publisher
from cmsite.queue.service import QueueError, migrate, redactor
from cmsite.queue.store import Approval, Entry, QueueStore, Snapshot, Status, Via
from cmsite.queue.sync import sync_site
from cmsite.social.planner import each_planned_post
from cmsite.testing import LoopbackServer, RecordedRequest, Reply, TestSite, run_cmsite, time_passes

__all__ = ["postgres_server", "postgres_url"]  # fixtures

# A network that posts to the test's server (`api`, a `Board`), and can ask it for a post by its text.
BOARD = """
import json
import urllib.error
import urllib.parse
import urllib.request
from cmsite.hookspecs import hookimpl
from cmsite.social.network import Network, Published


class Board(Network):
    name, label, max_length = "board", "Board", 200

    def publish_one(self, session, part):
        request = urllib.request.Request(
            self.options["api"], data=json.dumps({"text": part.text}).encode(), method="POST"
        )
        with urllib.request.urlopen(request, timeout=60) as answer:
            number = json.loads(answer.read())["id"]
        return Published(number, f"https://board.example/{number}")

    def find_one(self, session, part):
        query = urllib.parse.urlencode({"text": part.text})
        try:
            with urllib.request.urlopen(f"{self.options['api']}?{query}", timeout=60) as answer:
                number = json.loads(answer.read())["id"]
        except urllib.error.HTTPError as error:
            if error.code == 404:
                return None
            raise
        return Published(number, f"https://board.example/{number}")


@hookimpl
def cmsite_networks():
    return [Board]
"""


class Board:
    """The board's server side (a LoopbackServer handler): each post kept, in order; `on_post(text)`
    runs before a post is answered."""

    def __init__(self, on_post: Callable[[str], None] = lambda text: None) -> None:
        self.posted: list[str] = []
        self.on_post = on_post

    def __call__(self, request: RecordedRequest) -> Reply:
        if request.method == "GET":
            (text,) = parse_qs(urlsplit(request.path).query)["text"]
            found = [number for number, posted in enumerate(self.posted, 1) if posted == text]
            return Reply(200, json.dumps({"id": str(found[0])}).encode()) if found else Reply(404)
        text = request.json()["text"]
        self.posted.append(text)
        self.on_post(text)
        return Reply(200, json.dumps({"id": str(len(self.posted))}).encode())


def board_site(site: TestSite, api: str) -> TestSite:
    site.write("plugins/networks.py", BOARD)
    config = site.root / "cmsite.toml"
    config.write_text(
        config.read_text()
        + "\n[queue]\ncatch_up_hours = false\nwait_for_page = false\nlease_seconds = 600\n"
        + f'\n[networks.board]\napi = "{api}"\n'
    )
    for name in ("first", "second"):
        site.write(
            f"content/social/2026-11-20-{name}.md",
            f"---\nnetworks: [board]\nat: 2026-11-20 10:00\n---\n{name}\n",
        )
    return site


@pytest.fixture
def team(postgres_url, monkeypatch) -> str:
    """This process, and each cmsite it runs, on the test's PostgreSQL database."""
    monkeypatch.setenv("CMSITE_QUEUE_URL", postgres_url)
    monkeypatch.setenv("CMSITE_QUEUE_PASSWORD", PASSWORD)
    return postgres_url


def test_a_publisher_an_hour_ahead_never_takes_an_entry_another_one_is_sending(site_folder, team):
    in_flight, release = threading.Event(), threading.Event()

    def hold(text: str) -> None:
        if text == "first":  # the first publisher's send waits here until the second one has run
            in_flight.set()
            release.wait(120)

    board = Board(hold)
    posted = board.posted
    with LoopbackServer() as server:
        server.handler(board)
        site = board_site(site_folder, server.url)
        built = site.site()
        built.load()
        store = open_store(built)
        sync_site(built, store, each_planned_post(built))
        first: list = []
        sending = threading.Thread(target=lambda: first.extend(Publisher(built, store).run()))
        sending.start()
        assert in_flight.wait(120)
        try:  # the first one holds "first" (sending, leased for 10 minutes): the second, an hour ahead, runs
            ahead = run_cmsite(site, "publish", "--json", env={"CMSITE_CLOCK_OFFSET_SECONDS": "3600"})
        finally:
            release.set()
            sending.join()
        second = {(o["id"], o["status"]) for o in json.loads(ahead.stdout)}
        texts = {entry.id: entry.texts[0] for entry in store.all()}
        assert {texts[entry_id] for entry_id, _ in second} == {"second"}, second  # "first" left alone
        assert ahead.returncode == 0, ahead.stderr
        assert {(texts[o.id], o.status) for o in first} == {("first", "published")}
        assert sorted(posted) == ["first", "second"]  # each once
        assert {entry.status for entry in store.all()} == {Status.PUBLISHED}
        store.close()


def test_with_the_server_stopped_nothing_is_sent_the_run_says_why_and_the_next_one_sends(
    site_folder, postgres_server, team
):
    board = Board()
    posted = board.posted
    with LoopbackServer() as server:
        server.handler(board)
        site = board_site(site_folder, server.url)
        postgres_server.stop()
        try:
            stopped = run_cmsite(site, "publish")
        finally:
            postgres_server.start()
        said = stopped.stdout + stopped.stderr
        assert stopped.returncode == 1, said
        assert f"CMSITE_QUEUE_URL: the queue database {team}: connection failed" in said
        assert "nothing was sent nor changed, and the next run tries again" in said
        assert PASSWORD not in said and posted == []
        assert not (site.root / ".cmsite" / "queue.sqlite").exists()  # no SQLite store made instead
        again = run_cmsite(site, "publish")
        assert again.returncode == 0, again.stdout + again.stderr
        assert "2 published" in again.stdout and sorted(posted) == ["first", "second"]


def test_queue_url_in_cmsite_toml_with_the_password_in_dot_env_chooses_the_server(site_folder, postgres_url):
    site = board_site(site_folder, "http://127.0.0.1:9/unused")
    config = site.root / "cmsite.toml"
    config.write_text(config.read_text().replace("[queue]\n", f'[queue]\nurl = "{postgres_url}"\n'))
    (site.root / ".env").write_text(f"CMSITE_QUEUE_PASSWORD={PASSWORD}\n")
    listed = run_cmsite(site, "queue", "--json")
    assert listed.returncode == 0, listed.stderr
    assert len(json.loads(listed.stdout)) == 2
    server = PostgresStore(postgres_url, password=PASSWORD)
    assert sorted(entry.texts[0] for entry in server.all()) == ["first", "second"]
    server.close()
    assert not (site.root / ".cmsite" / "queue.sqlite").exists()


def test_a_password_written_in_queue_url_is_refused_at_its_line_and_not_shown(site_folder, postgres_server):
    site = board_site(site_folder, "http://127.0.0.1:9/unused")
    config = site.root / "cmsite.toml"
    url = postgres_server.url().replace("@", f":{PASSWORD}@")
    config.write_text(config.read_text().replace("[queue]\n", f'[queue]\nurl = "{url}"\n'))
    line = config.read_text().splitlines().index(f'url = "{url}"') + 1
    checked = run_cmsite(site, "check")
    assert checked.returncode == 1
    assert f"cmsite.toml:{line}: [queue] url holds a password: take it out" in checked.stderr
    assert PASSWORD not in checked.stdout + checked.stderr


RELEASE_0_1 = Path(__file__).parent / "data" / "queue-0.1-release.sqlite"  # made by cmsite 0.1 (e393179)


def test_migrate_copies_a_release_queue_whole_and_keeps_the_sqlite_file_aside(
    site_folder, postgres_url, monkeypatch
):
    monkeypatch.setenv("CMSITE_QUEUE_PASSWORD", PASSWORD)
    site = board_site(site_folder, "http://127.0.0.1:9/unused").site()
    path = site.cache_dir / "queue.sqlite"
    path.parent.mkdir(parents=True)
    shutil.copy(RELEASE_0_1, path)
    source = QueueStore(path)  # brought up to date first, as any command would
    when = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    with source.transaction() as db:
        source.add_approval(db, Approval("a1", "Claire", when, "d", Via.COMMAND, "fine"))
        source.add_snapshots(db, [Snapshot(when, "mastodon", "default", "a1", "likes", 4)])
    before = ([e.as_dict() for e in source.all()], source.approvals(), source.snapshots())
    source.close()

    done = migrate(site, postgres_url)
    assert (done.entries, done.approvals, done.snapshots) == (len(before[0]), 1, 1)
    assert not path.exists() and done.kept == path.with_name("queue.sqlite.migrated") and done.kept.is_file()
    server = PostgresStore(postgres_url, password=PASSWORD)
    assert ([e.as_dict() for e in server.all()], server.approvals(), server.snapshots()) == before
    with server.transaction() as db:  # numbered after those copied
        server.add_approval(db, Approval("a1", "Dom", when, "d", Via.COMMAND))
    assert [a.number for a in server.approvals()] == [1, 2]
    server.close()

    with pytest.raises(ContentErrors, match="moved to a PostgreSQL database by `cmsite queue migrate`"):
        open_store(site)  # no new empty SQLite queue, which would send everything again
    shutil.copy(done.kept, path)
    with pytest.raises(QueueError, match=r"holds a queue already \(\d+ rows\)"):
        migrate(site, postgres_url)
    assert path.is_file()  # nothing moved


def test_migrate_stops_while_a_publisher_holds_an_entry(site_folder, postgres_url, monkeypatch):
    monkeypatch.setenv("CMSITE_QUEUE_PASSWORD", PASSWORD)
    site = board_site(site_folder, "http://127.0.0.1:9/unused").site()
    site.load()
    store = open_store(site)
    sync_site(site, store, each_planned_post(site))
    first = store.all()[0]
    with store.transaction() as db:
        lease = {"lease_owner": "other", "lease_until": store.now() + timedelta(minutes=10)}
        assert store.update(db, first.id, expect=Status.PENDING, status=Status.CLAIMED, **lease)
    store.close()
    with pytest.raises(QueueError, match=f"a publisher holds {first.id} \\(claimed or sending\\)"):
        migrate(site, postgres_url)
    server = PostgresStore(postgres_url, password=PASSWORD)
    assert server.all() == []
    server.close()
    assert (site.cache_dir / "queue.sqlite").is_file()


def test_cmsite_queue_migrate_then_publish_on_the_server_sends_nothing_twice(
    site_folder, postgres_url, monkeypatch
):
    monkeypatch.setenv("CMSITE_QUEUE_PASSWORD", PASSWORD)
    board = Board()
    posted = board.posted
    with LoopbackServer() as server:
        server.handler(board)
        site = board_site(site_folder, server.url)
        assert run_cmsite(site, "publish").returncode == 0 and sorted(posted) == ["first", "second"]
        moved = run_cmsite(site, "queue", "migrate", "--to", postgres_url)
        assert moved.returncode == 0, moved.stderr
        assert moved.stdout.startswith(f"copied 2 entries, 0 approvals and 0 snapshots to {postgres_url};")
        assert f'set `[queue] url = "{postgres_url}"`' in moved.stdout
        refused = run_cmsite(site, "publish")
        assert refused.returncode == 1 and "moved to a PostgreSQL database" in refused.stderr
        again = run_cmsite(site, "publish", "--json", env={"CMSITE_QUEUE_URL": postgres_url})
        assert again.returncode == 0, again.stderr
        assert json.loads(again.stdout) == [] and sorted(posted) == ["first", "second"]
        listed = run_cmsite(site, "queue", "--all", "--json", env={"CMSITE_QUEUE_URL": postgres_url})
        assert [row["status"] for row in json.loads(listed.stdout)] == ["published", "published"]


def test_a_server_gone_half_way_stops_the_run_and_the_next_one_sends_nothing_twice(
    site_folder, postgres_server, team
):
    board = Board(lambda text: postgres_server.stop() if text == "first" else None)  # as "first" goes out
    with LoopbackServer() as server:
        server.handler(board)
        site = board_site(site_folder, server.url)
        try:
            stopped = run_cmsite(site, "publish")
        finally:
            postgres_server.start()
        said = stopped.stdout + stopped.stderr
        assert stopped.returncode == 1, said
        assert f"the queue database {team}:" in said and "the run stopped there" in said
        assert "Traceback" not in said and PASSWORD not in said
        assert board.posted == ["first"]
        time_passes(site)  # the lost run's lease is over
        again = run_cmsite(site, "publish", "--json")
        assert again.returncode == 0, again.stderr
        assert {o["status"] for o in json.loads(again.stdout)} == {"published"}
        assert board.posted == ["first", "second"]  # "first" found on the board, not sent again


def test_a_run_of_many_slow_sends_holds_two_connections_to_the_server(site_folder, team):
    """The lease of each send outlasting a third of it is renewed from one thread for the whole run:
    a thread per send, each with its own connection kept until the end, took a server's hundred
    clients in a run of a hundred sends."""

    class Watched(Publisher):
        def renew(self, entry_id: str, status: Status) -> bool:
            kept = super().renew(entry_id, status)
            if threading.current_thread() is not threading.main_thread():
                renewed.set()  # by the thread that keeps leases, not by the send itself
            return kept

    def slow(text: str) -> None:  # each post answered once its lease was renewed while in flight
        assert renewed.wait(60), "the lease was not renewed during the send"
        renewed.clear()

    renewed = threading.Event()
    board = Board(slow)
    with LoopbackServer() as server:
        server.handler(board)
        site = board_site(site_folder, server.url)
        config = site.root / "cmsite.toml"
        config.write_text(config.read_text().replace("lease_seconds = 600", "lease_seconds = 0.3"))
        for number in range(10):
            site.write(
                f"content/social/2026-11-20-more-{number}.md",
                f"---\nnetworks: [board]\nat: 2026-11-20 10:00\n---\nmore {number}\n",
            )
        built = site.site()
        built.load()
        store = open_store(built)
        sync_site(built, store, each_planned_post(built))
        outcomes = Watched(built, store).run()
        assert [o.status for o in outcomes] == ["published"] * 12
        with psycopg.connect(team, password=PASSWORD, autocommit=True) as watcher:
            (clients,) = watcher.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'cmsite'"
            ).fetchone()
        store.close()
    assert clients == 2  # the run's own, and the lease keeper's


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("mysql://cmsite@db.example.org/cmsite", "the queue's url must be a PostgreSQL address"),
        (
            "postgresql://cmsite:a-secret-in-the-url@127.0.0.1:9/cmsite",
            "the queue database postgresql://cmsite:***@127.0.0.1:9/cmsite: connection failed",
        ),
    ],
)
def test_a_wrong_or_unreachable_cmsite_queue_url_stops_every_command_without_its_password(
    site_folder, url, said
):
    site = board_site(site_folder, "http://127.0.0.1:9/unused")
    listed = run_cmsite(site, "queue", env={"CMSITE_QUEUE_URL": url})
    assert listed.returncode == 1 and f"CMSITE_QUEUE_URL: {said}" in listed.stderr
    assert "a-secret-in-the-url" not in listed.stdout + listed.stderr
    assert not (site.root / ".cmsite" / "queue.sqlite").exists()


def test_the_sites_one_redaction_step_hides_the_queue_password(site_folder, monkeypatch):
    monkeypatch.setenv("CMSITE_QUEUE_PASSWORD", PASSWORD)
    monkeypatch.setenv("CMSITE_QUEUE_URL", "postgresql://cmsite:url-secret-9@db.example.org/cmsite")
    redact = redactor(board_site(site_folder, "http://127.0.0.1:9/unused").site())
    assert redact(f"said {PASSWORD} and url-secret-9") == "said *** and ***"


def published_on_the_server(team: str) -> PostgresStore:
    """The server's store, holding entry e1: the news post published on the board."""
    when = datetime(2026, 11, 20, 12, tzinfo=UTC)
    server = PostgresStore(team, password=PASSWORD)
    with server.transaction() as db:
        server.insert(db, Entry("e1", "content/posts/2026-11-20-news.md", "board", "default", when, ["News"],
                                status=Status.PUBLISHED))  # fmt: skip
        server.update(
            db, "e1", expect=Status.PUBLISHED, remote_url="https://board.example/e1", published_at=when
        )
    return server


def test_a_build_shows_the_also_on_links_the_server_holds(site_folder, team):
    site_folder.write("plugins/networks.py", BOARD)
    site_folder.post("2026-11-20-news.md", "title: News\ndate: 2026-11-20")
    published_on_the_server(team).close()
    site_folder.build()
    assert '<a class="u-syndication" href="https://board.example/e1" rel="syndication">' in site_folder.read(
        "posts/news/index.html"
    )
    assert not (site_folder.root / ".cmsite" / "queue.sqlite").exists()


def test_each_build_asks_the_server_whether_posts_were_published_or_deleted(site_folder, team):
    """Publishers on other machines touch nothing in the site's folder: a build with no file
    changed still shows a link the server got since the last build, and drops one taken down."""
    site_folder.write("plugins/networks.py", BOARD)
    site_folder.post("2026-11-20-news.md", "title: News\ndate: 2026-11-20")
    link = '<a class="u-syndication" href="https://board.example/e1" rel="syndication">'
    built = run_cmsite(site_folder, "build")
    assert built.returncode == 0, built.stderr
    assert link not in site_folder.read("posts/news/index.html")

    server = published_on_the_server(team)  # from elsewhere
    built = run_cmsite(site_folder, "build")
    assert built.returncode == 0 and "Nothing changed" not in built.stdout, built.stdout + built.stderr
    assert link in site_folder.read("posts/news/index.html")
    again = run_cmsite(site_folder, "build")
    assert "Nothing changed since the last build" in again.stdout  # asked again, and nothing new

    with server.transaction() as db:  # taken down from elsewhere
        server.update(db, "e1", expect=Status.PUBLISHED, status=Status.DELETED)
    server.close()
    built = run_cmsite(site_folder, "build")
    assert built.returncode == 0 and "Nothing changed" not in built.stdout, built.stdout + built.stderr
    assert link not in site_folder.read("posts/news/index.html")


def test_while_the_server_is_away_pages_keep_the_links_the_last_build_saw(site_folder, team, monkeypatch):
    """The server away, a build with nothing to do keeps its pages, and one that goes on (a post
    written) still shows the links the last build that reached the server saw: they were
    published, and stay so. (The command still fails while the server is away: its sync of the
    social plans cannot run.) Back, the server says what changed meanwhile."""
    site_folder.post("2026-11-20-news.md", "title: News\ndate: 2026-11-20")
    server = published_on_the_server(team)
    link = '<a class="u-syndication" href="https://board.example/e1" rel="syndication">'
    assert run_cmsite(site_folder, "build").returncode == 0
    assert link in site_folder.read("posts/news/index.html")

    monkeypatch.setenv("CMSITE_QUEUE_URL", "postgresql://cmsite@127.0.0.1:9/cmsite")  # nothing listens there
    away = run_cmsite(site_folder, "build")  # nothing else to do: the pages stay as they are
    assert link in site_folder.read("posts/news/index.html"), away.stdout + away.stderr
    site_folder.post("2026-11-21-more.md", "title: More\ndate: 2026-11-21")
    away = run_cmsite(site_folder, "build")  # it goes on: the news page is written again
    assert "More" in site_folder.read("posts/news/index.html"), away.stdout + away.stderr  # its next post
    assert link in site_folder.read("posts/news/index.html")
    assert PASSWORD not in away.stdout + away.stderr

    with server.transaction() as db:  # taken down while this machine could not ask
        server.update(db, "e1", expect=Status.PUBLISHED, status=Status.DELETED)
    server.close()
    monkeypatch.setenv("CMSITE_QUEUE_URL", team)
    back = run_cmsite(site_folder, "build")
    assert back.returncode == 0 and "Nothing changed" not in back.stdout, back.stdout + back.stderr
    assert link not in site_folder.read("posts/news/index.html")


def test_a_build_asks_the_server_once(site_folder, team, monkeypatch):
    """Whether posts were published since, and where: one question, whose answer the pages use.
    A server that never answers makes each question wait for the connection's time-out."""
    site_folder.post("2026-11-20-news.md", "title: News\ndate: 2026-11-20")
    published_on_the_server(team).close()
    opened = []
    real = location.server_store
    monkeypatch.setattr(
        location,
        "server_store",
        lambda url, *args, **kwargs: opened.append(url) or real(url, *args, **kwargs),
    )
    site_folder.build()
    assert len(opened) == 1
    assert '<a class="u-syndication" href="https://board.example/e1"' in site_folder.read(
        "posts/news/index.html"
    )
