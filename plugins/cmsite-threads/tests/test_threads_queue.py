"""Exactly once on Threads, which cannot deduplicate, through the real queue: `cmsite publish` killed
with SIGKILL at each step, or a thread's part failing half-way, then run again, leaves every post
made once — found again among the account's posts or the replies, not re-sent. And the token that
Threads echoes back never reaches an output or the site's state files."""

from __future__ import annotations

import json
import signal
import threading
from importlib import metadata

import pytest
from cmsite_threads import Threads
from test_threads import TOKEN, FakeThreads

from cmsite.testing import (
    KILL_POINTS_PLUGIN,
    graph_error,
    plan_on,
    publish_and_list,
    publish_until_done,
    request_in_flight,
    run_cmsite,
    thread_text,
)

ENVIRON = {"THREADS_ACCESS_TOKEN": TOKEN}


def other_plugins() -> str:
    """Every installed cmsite plugin but this one: these tests are about Threads alone."""
    return ",".join(entry.name for entry in metadata.entry_points(group="cmsite") if entry.name != "threads")


def cli_environ(**extra: str) -> dict[str, str]:
    """The environment `run_cmsite` is given: the token, and the other plugins disabled."""
    return {**ENVIRON, "CMSITE_DISABLE_PLUGINS": other_plugins(), **extra}


@pytest.fixture
def threads(loopback_server):
    fake = FakeThreads()
    loopback_server.handler(fake)
    yield fake
    for held in fake.hold.values():  # a hold the send never reached
        held.set()


@pytest.fixture
def site(cmsite_site, monkeypatch):
    """A site for Threads alone (each test plans on it with `plan_on` and `settings`)."""
    monkeypatch.setenv("CMSITE_DISABLE_PLUGINS", other_plugins())  # in this process; `run_cmsite` is told too
    return cmsite_site


@pytest.fixture
def settings(loopback_server):
    """The [networks.threads] settings: the loopback server as the API."""
    return {"api": loopback_server.url, "ready_interval": 0.01}


@pytest.mark.parametrize("kill_at", ["after-sending", "during-http", "after-response"])
def test_killed_at_any_step_then_run_again_posts_each_entry_once(
    site, settings, threads, loopback_server, kill_at
):
    release = threading.Event()
    if kill_at == "during-http":  # the publication lands; its answer waits until the publisher is dead
        threads.hold["publish"] = release
        loopback_server.handler(in_flight(site, threads))
    site.write("plugins/killer.py", KILL_POINTS_PLUGIN)
    plan_on(site, "threads", "Threads note number 0.", settings)
    site.write(  # a second entry, planned at the same time
        "content/social/2026-11-20-note-1.md",
        "---\nnetworks: [threads]\nat: 2026-11-20 10:00\n---\nThreads note number 1.\n",
    )
    killed = run_cmsite(site, "publish", env=cli_environ(KILL_AT=kill_at))
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    release.set()
    publish_until_done(site, ENVIRON)  # a day later: the dead publisher's lease is long over
    assert sorted(post["text"] for post in threads.posts.values()) == [
        f"Threads note number {n}." for n in range(2)
    ]
    entries = json.loads(run_cmsite(site, "queue", "--all", "--json", env=cli_environ()).stdout)
    assert {e["status"] for e in entries} == {"published"}
    assert all(e["remote_url"].startswith("https://www.threads.net/") for e in entries)


def in_flight(site, threads):
    """`threads`, telling the kill plugin once the publication is asked for (see KILL_POINTS_PLUGIN)."""

    def answer(request):
        if request.path.partition("?")[0].endswith("/threads_publish"):
            request_in_flight(site)
        return threads(request)

    return answer


@pytest.mark.parametrize(
    ("step", "how"),
    [("create", "fail"), ("publish", "fail"), ("publish", "lose")],
    ids=["container-503", "publication-503", "published-then-500"],
)
@pytest.mark.parametrize("k", [1, 2, 3])
def test_a_thread_whose_part_failed_is_finished_with_each_part_once(site, settings, threads, k, step, how):
    getattr(threads, how)[step, k] = graph_error(503 if how == "fail" else 500, "Service unavailable", 2)
    plan_on(site, "threads", thread_text(Threads), settings, thread=True)
    runs = publish_until_done(site, ENVIRON)
    assert [outcome.status for outcome in runs[-1]] == ["published"]
    parts = [text for text, _ in threads.thread()]
    assert len(parts) == 3 and parts[0].endswith("1/3") and parts[2].endswith("3/3")
    assert threads.thread() == [(parts[0], None), (parts[1], parts[0]), (parts[2], parts[1])]
    looked = threads.steps["list"] + threads.steps["replies"]
    assert looked == (step == "publish")  # only a publication can have gone out unseen: looked for once


@pytest.mark.parametrize("status", [401, 403, 422, 500])
def test_a_token_that_threads_echoes_back_is_never_shown_or_stored(site, settings, loopback_server, status):
    echo = graph_error(status, f"Invalid token {TOKEN} (access_token={TOKEN})", 190 if status == 401 else 100)
    loopback_server.handler(lambda request: echo)
    plan_on(site, "threads", "A note.", settings)
    published, listed = publish_and_list(site, [TOKEN], cli_environ())
    assert json.loads(published.stdout) and json.loads(listed.stdout), (published.stderr, listed.stderr)
    assert "***" in published.stdout, "Threads' answer was shown, its token masked"
