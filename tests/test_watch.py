"""Watch mode without a browser: debounced saves, rebuilds, errors, the queue on save, the dev server."""

from __future__ import annotations

import json
import os
import queue
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import SiteFolder
from watchdog.events import (
    FileClosedEvent,
    FileCreatedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileSystemEvent,
)

from cmsite.serve.reload import ReloadHub
from cmsite.serve.server import DevServer
from cmsite.serve.session import WatchSession
from cmsite.serve.watcher import Batch, ChangeWatcher

CMSITE = Path(sys.executable).with_name("cmsite")
NETWORK_PLUGIN = """
from cmsite.hookspecs import hookimpl
from cmsite.social.network import Network, Published

class Toot(Network):
    name, label, max_length, counting = "toot", "Toot", 500, "mastodon"
    def publish_one(self, session, part):
        from pathlib import Path
        with Path(__file__).with_name("sent.txt").open("a") as record:
            record.write(part.text.splitlines()[0] + "\\n")
        return Published(part.key, "https://toot.example/" + part.key)

@hookimpl
def cmsite_networks():
    return [Toot]
"""


class Running:
    """A `cmsite serve` or `cmsite watch` process, with every line it printed."""

    def __init__(self, folder: SiteFolder, *command: str):
        self.folder = folder
        self.url = ""
        self.lines: list[str] = []
        self._printed = threading.Condition()  # notified at each line, and when the output ends
        self.ended = False
        self.process = subprocess.Popen(
            [str(CMSITE), "--site", str(folder.root), *command],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.wait_for(r"Watching ")

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            with self._printed:
                self.lines.append(line.rstrip("\n"))
                self._printed.notify_all()
        with self._printed:
            self.ended = True
            self._printed.notify_all()

    def wait_for(self, pattern: str, after: int = 0) -> re.Match[str]:
        """The first match in a line from line `after` on, as soon as cmsite prints it."""
        match = re.search(pattern, self.lines[self.line_of(pattern, after)])
        assert match is not None
        return match

    def line_of(self, pattern: str, after: int = 0, timeout: float = 30) -> int:
        """The number of the first line from line `after` on that matches, as soon as it is printed;
        `timeout` is only how long to wait before failing."""
        deadline = time.monotonic() + timeout
        number = after
        with self._printed:
            while not (number < len(self.lines) and re.search(pattern, self.lines[number])):
                if number < len(self.lines):
                    number += 1
                elif self.ended or not self._printed.wait(max(0.0, deadline - time.monotonic())):
                    raise AssertionError(f"cmsite never printed {pattern!r}:\n" + "\n".join(self.lines))
        return number

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


class Session:
    """A WatchSession over a test site, with what it said kept for the assertions."""

    def __init__(self, folder):
        self.folder = folder
        self.said: list[str] = []
        self.session = WatchSession(
            folder.site, folder.output, say=lambda text, fg=None: self.said.append(text), hub=ReloadHub()
        )
        self.session.start()

    def save(self, relative: str, text: str) -> bool:
        """Write a file and rebuild for it, as the watcher would after the save."""
        self.said.clear()
        path = self.folder.write(relative, text)
        return self.session.handle(Batch({path.resolve()}))

    @property
    def hub(self) -> ReloadHub:
        return self.session.hub

    def close(self) -> None:
        self.session.close()


@pytest.fixture
def watching(site_folder):
    site_folder.post("2026-05-01-first.md", "title: First post", "The first words.\n")
    site_folder.post("2026-05-02-second.md", "title: Second post", "The second words.\n")
    session = Session(site_folder)
    yield session
    session.close()


def test_a_save_rebuilds_the_page_and_tells_the_tabs_which_urls_changed(watching):
    version = watching.hub.version
    assert watching.save("content/posts/2026-05-01-first.md", "---\ntitle: First post\n---\nNew words.\n")
    assert "New words." in watching.folder.read("posts/first/index.html")
    news = watching.hub.news_since(version)
    assert "/posts/first/" in news.urls
    assert "/posts/second/" not in news.urls
    assert news.errors == []
    assert any("written" in line and "/posts/first/" in line for line in watching.said)


def test_a_broken_save_reports_path_line_keeps_the_last_build_and_the_next_good_save_clears_it(watching):
    post = "content/posts/2026-05-01-first.md"
    assert not watching.save(post, "---\ntitle: First post\ndate: next tuesday\n---\nBroken.\n")
    errors = watching.hub.news_since(0).errors
    assert errors and errors[0].startswith(post + ":3")
    assert any(line.startswith(post + ":3") for line in watching.said)
    assert "The first words." in watching.folder.read("posts/first/index.html")
    assert watching.save(post, "---\ntitle: First post\n---\nFixed.\n")
    assert watching.hub.news_since(0).errors == []
    assert "Fixed." in watching.folder.read("posts/first/index.html")


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda path: path.write_bytes(b"---\ntitle: \xff\xfe\n---\nLatin-1?\n"), id="not-utf8"),
        pytest.param(lambda path: path.write_bytes(b"---\ntitle: Half"), id="half-written"),
        pytest.param(lambda path: path.write_bytes(b""), id="emptied"),
    ],
)
def test_bad_files_never_end_the_session(watching, damage):
    path = watching.folder.root / "content/posts/2026-05-01-first.md"
    damage(path)
    assert not watching.session.handle(Batch({path}))
    assert watching.hub.news_since(0).errors
    assert watching.save("content/posts/2026-05-01-first.md", "---\ntitle: First post\n---\nBack.\n")
    assert "Back." in watching.folder.read("posts/first/index.html")


def test_deleted_and_renamed_posts(watching):
    first = watching.folder.root / "content/posts/2026-05-01-first.md"
    first.unlink()
    assert watching.session.handle(Batch({first}))
    assert not (watching.folder.output / "posts/first").exists()
    assert "/posts/first/" in watching.hub.news_since(0).urls
    second = watching.folder.root / "content/posts/2026-05-02-second.md"
    renamed = second.with_name("2026-05-02-renamed.md")
    second.rename(renamed)
    assert watching.session.handle(Batch({second, renamed}))
    assert (watching.folder.output / "posts/renamed/index.html").is_file()
    assert not (watching.folder.output / "posts/second").exists()


def test_a_template_edit_rewrites_every_page_and_settings_reload(watching):
    version = watching.hub.version
    assert watching.save(
        "templates/base.html", "<!doctype html><title>{{ page.title }}</title><p>new base</p>"
    )
    urls = watching.hub.news_since(version).urls
    assert {"/posts/first/", "/posts/second/", "/"} <= set(urls)
    config = watching.folder.root / "cmsite.toml"
    original = config.read_text()
    assert not watching.save("cmsite.toml", original + "\n[site\n")  # broken settings: the old site stays
    assert watching.hub.news_since(0).errors[0].startswith("cmsite.toml")
    assert watching.save("cmsite.toml", original.replace("Test site", "Renamed Site"))
    assert watching.session.site.config.title == "Renamed Site"


def test_a_save_that_adds_a_social_plan_queues_it_and_says_when_it_goes_out(site_folder):
    site_folder.write("plugins/networks.py", NETWORK_PLUGIN)
    site_folder.post("2026-11-20-news.md", "title: News", "Words.\n")
    watching = Session(site_folder)
    try:
        assert watching.save(
            "content/posts/2026-11-20-news.md",
            "---\ntitle: News\nsocial:\n  - network: toot\n    at: 2026-11-25 09:00\n---\nWords.\n",
        )
        assert any(
            line.startswith(
                "queued: toot (default) 2026-11-25 09:00 Europe/Paris — content/posts/2026-11-20-news.md"
            )
            for line in watching.said
        ), watching.said
        assert watching.save(
            "content/posts/2026-11-20-news.md", "---\ntitle: News\nsocial: []\n---\nWords.\n"
        )
        assert any(line.startswith("cancelled: toot") for line in watching.said), watching.said
    finally:
        watching.close()


def test_the_watcher_hands_an_editors_save_over_as_one_batch_of_the_saved_file(tmp_path):
    content = tmp_path / "content"
    content.mkdir()
    target = content / "post.md"
    target.write_text("one")
    watcher = ChangeWatcher([content])
    done = content / ".done.swp"  # a scratch file, never in a batch: its event comes after the save's
    handled = threading.Event()
    handle = watcher.on_any_event

    def on_any_event(event: FileSystemEvent) -> None:
        handle(event)
        if Path(str(event.src_path)).name == done.name:
            handled.set()

    watcher.on_any_event = on_any_event  # type: ignore[method-assign]
    watcher.start()
    try:
        temporary = content / ".post.md.swp"
        temporary.write_text("two")  # what vim and many editors do: write aside, then rename over
        scratch = content / "post.md.tmp"
        scratch.write_text("two")
        os.replace(scratch, target)
        target.write_text("three")  # and a second save right after
        done.write_text("")
        assert handled.wait(10), "the watcher never saw the save"
        batch = watcher.next_batch(timeout=5)
        assert batch is not None
        assert batch.paths == {target.resolve()}
        later = content / "later.md"
        later.write_text("four")  # the next save comes alone: nothing of the first was left over
        batch = watcher.next_batch(timeout=5)
        assert batch is not None and batch.paths == {later.resolve()}
    finally:
        watcher.stop()


class TestClock:
    """The watcher's clock in a test: the time is what the test sets, and the test can wait until
    `next_batch`, in another thread, has looked at it (so it has seen everything added before)."""

    __test__ = False

    def __init__(self) -> None:
        self.now = 0.0
        self.reads = 0  # by other threads than the test's
        self._test = threading.current_thread()
        self._read = threading.Condition()

    def __call__(self) -> float:
        if threading.current_thread() is not self._test:
            with self._read:
                self.reads += 1
                self._read.notify_all()
        return self.now

    def read_after(self, reads: int) -> None:
        with self._read:
            assert self._read.wait_for(lambda: self.reads > reads, timeout=10), (
                "next_batch no longer looks: it gave a batch early"
            )


def test_saves_closer_than_the_quiet_time_are_one_batch(tmp_path):
    """The batch comes once the quiet time passed after the last save, never sooner."""
    clock = TestClock()
    watcher = ChangeWatcher([tmp_path], quiet=0.1, clock=clock)
    batches: queue.Queue[Batch | None] = queue.Queue()
    threading.Thread(target=lambda: batches.put(watcher.next_batch()), daemon=True).start()
    saves = [tmp_path / name for name in ("a.md", "b.md", "c.md")]
    for moment, path in zip((0.0, 0.08, 0.16), saves, strict=True):
        clock.now = moment  # each save 0.08 s after the one before, within the quiet time
        reads = clock.reads
        watcher.add([path])
        clock.read_after(reads)  # the watcher has seen it, and has not handed the batch over
    clock.now = 0.3  # then quiet
    batch = batches.get(timeout=10)
    assert batch is not None and batch.paths == set(saves)


def test_a_batch_of_complete_files_comes_after_the_short_quiet_time_and_others_wait_the_whole(tmp_path):
    """A file closed after writing or renamed into place is complete: its batch comes once
    `settled` has passed. A file only truncated, written to or renamed away (vim moves the
    original aside, then writes the new one) makes the batch wait the whole quiet time."""
    clock = TestClock()
    watcher = ChangeWatcher([tmp_path], quiet=0.1, settled=0.01, clock=clock)
    batches: queue.Queue[Batch | None] = queue.Queue()

    def next_batch() -> None:
        batches.put(watcher.next_batch())

    def event(moment: float, *events: FileSystemEvent) -> None:
        clock.now = moment
        reads = clock.reads
        for each in events:
            watcher.on_any_event(each)
        clock.read_after(reads)  # the watcher has seen them

    post, other = tmp_path / "post.md", tmp_path / "other.md"
    threading.Thread(target=next_batch, daemon=True).start()
    event(0.0, FileClosedEvent(str(post)))
    clock.now = 0.02
    batch = batches.get(timeout=10)
    assert batch is not None and batch.paths == {post}

    threading.Thread(target=next_batch, daemon=True).start()
    event(1.0, FileMovedEvent(str(tmp_path / "post.md.tmp"), str(post)))  # written aside, renamed over
    clock.now = 1.02
    batch = batches.get(timeout=10)
    assert batch is not None and batch.paths == {post}

    for first in (FileModifiedEvent(str(post)), FileMovedEvent(str(post), str(tmp_path / "post.md~"))):
        threading.Thread(target=next_batch, daemon=True).start()
        event(2.0, first)
        event(2.05)  # past the short quiet time: a batch now would hold the post alone
        event(2.06, FileCreatedEvent(str(other)), FileClosedEvent(str(post)), FileClosedEvent(str(other)))
        clock.now = 2.2
        batch = batches.get(timeout=10)
        assert batch is not None and batch.paths == {post, other}


@pytest.fixture
def dev_server(watching):
    server = DevServer(watching.folder.output, watching.hub, port=0)
    server.start()
    yield server
    server.stop()


def fetch(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_only_the_dev_server_adds_the_reload_script(watching, dev_server):
    status, body = fetch(dev_server.url + "posts/first/")
    assert status == 200
    assert b'<script src="/_cmsite/livereload.js"' in body
    assert body.index(b"livereload.js") < body.rindex(b"</body>")
    on_disk = (watching.folder.output / "posts/first/index.html").read_bytes()
    assert body.replace(body[body.index(b'<script src="/_cmsite') : body.rindex(b"</body>")], b"") == on_disk
    assert "_cmsite" not in watching.folder.all_output_text()
    status, css = fetch(dev_server.url + "theme/style.css")
    assert (status, css) == (200, (watching.folder.output / "theme/style.css").read_bytes())
    status, script = fetch(dev_server.url + "_cmsite/livereload.js")
    assert status == 200 and b"EventSource" in script


def test_a_missing_page_gets_the_sites_404_page_which_reloads_once_it_exists(watching, dev_server):
    status, body = fetch(dev_server.url + "posts/third/")
    assert status == 404
    assert b'data-missing="1"' in body
    assert body.startswith((watching.folder.output / "404.html").read_bytes()[:50])


def test_the_event_stream_sends_each_build_and_the_errors(watching, dev_server):
    version = watching.hub.version
    events: list[str] = []
    arrived = [threading.Event() for _ in range(3)]  # the stream sends the newest build: one at a time

    def listen() -> None:
        with urllib.request.urlopen(f"{dev_server.url}_cmsite/events?since={version}", timeout=60) as stream:
            for raw in stream:
                line = raw.decode()
                if line.startswith("data: "):
                    events.append(line[6:])
                    arrived[len(events) - 1].set()
                if len(events) == 3:
                    return

    listener = threading.Thread(target=listen)
    listener.start()
    assert arrived[0].wait(60)
    watching.save("content/posts/2026-05-02-second.md", "---\ntitle: Second post\n---\nChanged.\n")
    assert arrived[1].wait(60)
    watching.save("content/posts/2026-05-02-second.md", "---\ntitle: Second post\ndate: next tuesday\n---\n")
    listener.join(timeout=60)
    first, built, failed = (json.loads(event) for event in events)
    assert first == {"version": version, "urls": [], "errors": []}
    assert "/posts/second/" in built["urls"] and built["errors"] == []
    assert failed["errors"][0].startswith("content/posts/2026-05-02-second.md:3")


def test_serve_and_watch_are_documented_commands():
    from click.testing import CliRunner

    from cmsite.cli import main

    for command in ("serve", "watch"):
        result = CliRunner().invoke(main, [command, "--help"])
        assert result.exit_code == 0
        assert "--drafts" in result.output and "--publish" in result.output
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    assert "cmsite serve" in readme


def test_watch_with_publish_sends_due_posts_once_and_links_them_from_the_page(site_folder):
    site_folder.write("plugins/networks.py", NETWORK_PLUGIN)
    config = site_folder.root / "cmsite.toml"
    config.write_text(
        config.read_text() + "\n[queue]\nwait_for_page = false  # no deployed site to look at\n"
    )
    posted = datetime.now(UTC) - timedelta(minutes=5)
    site_folder.post("2026-01-01-news.md", f"title: News\ndate: {posted.isoformat()}", "Words.\n")
    watching = Running(site_folder, "watch", "--publish")
    try:
        site_folder.post(
            "2026-01-01-news.md", f"title: News\ndate: {posted.isoformat()}\nsocial: [toot]", "Words.\n"
        )
        watching.wait_for(r"queued: toot \(default\)")
        published = watching.line_of(r"published: toot \(default\) \w+ https://toot\.example/")
        # the rebuild the publish asked for, which links the page to the post
        linked = watching.line_of(r"written.*posts/news/", after=published)
        page = site_folder.output / "posts/news/index.html"
        assert 'class="u-syndication" href="https://toot.example/' in page.read_text()
        site_folder.post(
            "2026-01-01-news.md", f"title: News\ndate: {posted.isoformat()}\nsocial: [toot]", "More words.\n"
        )
        edited = watching.line_of(r"written.*posts/news/", after=linked + 1)
        site_folder.post(  # a later post: once it is out, a second copy of News would be out too
            "2026-01-02-later.md", f"title: Later\ndate: {posted.isoformat()}\nsocial: [toot]", "Words.\n"
        )
        watching.line_of(r"published: toot", after=edited)  # said at the end of a publishing round
    finally:
        watching.stop()
    assert (site_folder.root / "plugins/sent.txt").read_text().splitlines() == ["News", "Later"]


def test_a_templates_folder_made_while_watching_takes_effect(watching):
    watcher = watching.session.watcher
    watching.folder.write(
        "templates/post.html", "<!doctype html><title>t</title><p>custom: {{ item.title }}</p>"
    )
    batch = watcher.next_batch(timeout=10)
    assert batch is not None
    while watching.session.handle(batch) and "custom:" not in watching.folder.read("posts/first/index.html"):
        batch = watching.session.watcher.next_batch(timeout=10)
        assert batch is not None, "the new template never reached the page"
    assert "custom: First post" in watching.folder.read("posts/first/index.html")


def test_a_site_under_a_base_path_is_served_under_it(site_folder):
    config = site_folder.root / "cmsite.toml"
    config.write_text(config.read_text().replace("https://blog.cmsite.info", "https://example.org/blog"))
    site_folder.post("2026-05-01-first.md", "title: First post", "The first words.\n")
    watching = Session(site_folder)
    server = DevServer(
        site_folder.output, watching.hub, port=0, base_path=watching.session.site.urls.base_path
    )
    server.start()
    try:
        assert server.url.endswith("/blog/")
        status, body = fetch(server.url + "posts/first/")
        assert status == 200 and b"The first words." in body and b"livereload.js" in body
        assert fetch(server.url.removesuffix("blog/") + "posts/first/")[0] == 404
        status, _ = fetch(server.url + "theme/style.css")
        assert status == 200
    finally:
        server.stop()
        watching.close()


def test_a_port_in_use_is_a_clear_error_before_anything_is_built(site_folder):
    import socket

    from click.testing import CliRunner

    from cmsite.cli import main

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(main, ["--site", str(site_folder.root), "serve", "--port", str(port)])
    assert result.exit_code == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.output and "--port" in result.output
    assert not (site_folder.root / ".cmsite/serve").exists()
