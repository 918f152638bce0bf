"""The publishing queue end to end against mastodon-mock: exactly once, through crashes,
concurrent publishers, failures and approval (`cmsite publish` run as a real process)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap

import pytest
from test_mastodon import statuses

from cmsite.testing import (
    KILL_POINTS_PLUGIN,
    Nth,
    TestSite,
    assert_no_secrets,
    plan_on,
    publish_until_done,
    request_in_flight,
    time_passes,
)


@pytest.fixture
def site(server, tmp_path):
    server.reset()
    site = TestSite(tmp_path / "site")
    config = site.root / "cmsite.toml"
    config.write_text(
        config.read_text()
        + textwrap.dedent(f"""
            [plugins]
            enable = ["mastodon", "killer"]  # whatever else is installed

            [queue]
            catch_up_hours = false  # the notes are planned at fixed dates the real clock has passed
            lease_seconds = 1
            retry_base_seconds = 0.05

            [networks.mastodon]
            instance = "{server.base_url}"
            timeout = 1
        """)
    )
    site.write("plugins/killer.py", KILL_POINTS_PLUGIN)
    return site


def social(site, count, day="2026-11-20"):
    for n in range(count):
        site.write(
            f"content/social/{day}-note-{n}.md",
            f"---\nnetworks: [mastodon]\nat: {day} 10:00\n---\nQueue note number {n}.\n",
        )


def cmsite(site, *args, kill_at="", check=False):
    env = {**os.environ, "MASTODON_ACCESS_TOKEN": "alice_token", "KILL_AT": kill_at}
    env.pop("CMSITE_DISABLE_PLUGINS", None)
    return subprocess.run(
        [sys.executable, "-m", "cmsite", "--site", str(site.root), *args],
        capture_output=True,
        text=True,
        env=env,
        check=check,
    )


def posted(server):
    client = server.client("alice")
    statuses = client.fetch_remaining(client.account_statuses(client.me()["id"], limit=40))
    return sorted(s["content"] for s in statuses)


def entries(site):
    return json.loads(cmsite(site, "queue", "--all", "--json", check=True).stdout)


def test_publish_sends_due_entries_once(server, site):
    social(site, 3)
    site.write(
        "content/social/2099-01-01-later.md",
        "---\nnetworks: [mastodon]\nat: 2099-01-01 10:00\n---\nNot yet.\n",
    )
    first = cmsite(site, "publish")
    assert first.returncode == 0, first.stderr + first.stdout
    assert "3 published" in first.stdout
    again = cmsite(site, "publish", "--json", check=True)
    assert json.loads(again.stdout) == []
    assert len(posted(server)) == 3
    statuses = {e["status"] for e in entries(site) if "note" in e["source"]}
    assert statuses == {"published"}
    assert all(e["remote_url"] for e in entries(site) if e["status"] == "published")


@pytest.mark.parametrize("kill_at", ["before-claim", "after-sending", "during-http", "after-response"])
def test_killed_at_any_step_then_run_again_publishes_exactly_once(server, site, proxy, front, kill_at):
    social(site, 2)
    if kill_at == "during-http":  # the first status is made, and its answer held until the publisher is dead
        through_the_proxy(site, server, front)
        proxy.decide = in_flight(site, Nth({1: "hold"}, "/api/v1/statuses", "POST"))
    killed = cmsite(site, "publish", kill_at=kill_at)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    for _ in range(3):
        time_passes(site)  # the dead publisher's lease, and any retry delay, is over
        cmsite(site, "publish")
    assert posted(server) == sorted(f"<p>Queue note number {n}.</p>" for n in range(2))
    assert {e["status"] for e in entries(site)} == {"published"}


def through_the_proxy(site, server, front):
    """The site talks to mastodon-mock through the `proxy`, which answers at `front`."""
    config = site.root / "cmsite.toml"
    config.write_text(config.read_text().replace(server.base_url, front.url))


def in_flight(site, decide):
    """`decide`, telling the kill plugin once the request it holds has come (see KILL_POINTS_PLUGIN)."""

    def deciding(request):
        fault = decide(request)
        if fault == "hold":
            request_in_flight(site)
        return fault

    return deciding


def test_two_publishers_over_200_entries_send_each_once(server, site):
    social(site, 200)
    cmsite(site, "queue", check=True)  # sync once, so both start from the same queue
    publishers = [
        subprocess.Popen(
            [sys.executable, "-m", "cmsite", "--site", str(site.root), "publish", "--no-lock", "--json"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**{k: v for k, v in os.environ.items() if k != "CMSITE_DISABLE_PLUGINS"}, "MASTODON_ACCESS_TOKEN": "alice_token"},
        )
        for _ in range(2)
    ]  # fmt: skip
    results = [json.loads(p.communicate(timeout=300)[0]) for p in publishers]
    sent = [o["id"] for result in results for o in result if o["status"] == "published"]
    assert len(sent) == len(set(sent)) == 200
    assert all(results), "both publishers took a share"
    texts = posted(server)
    assert len(texts) == len(set(texts)) == 200


@pytest.mark.parametrize(
    "fault",
    [
        pytest.param({"type": "status", "status": 503}, id="503"),
        pytest.param({"type": "ratelimit", "status": 429}, id="429"),
        pytest.param({"type": "hold"}, id="timeout"),  # made, its answer held until the client gave up
    ],
)
def test_server_errors_rate_limits_and_timeouts_are_retried(server, site, proxy, front, fault):
    social(site, 1)
    if fault["type"] == "hold":
        through_the_proxy(site, server, front)
        proxy.decide = Nth({1: "hold"}, "/api/v1/statuses", "POST")
    else:
        server.fault(path="/api/v1/statuses", methods=["POST"], count=1, **fault)
    first = cmsite(site, "publish", "--json")
    (outcome,) = json.loads(first.stdout)
    assert outcome["status"] == "retry"
    (entry,) = entries(site)
    # a 429 refused the status unread; after a 5xx or a timeout it may have been made, and is looked for
    assert entry["status"] == ("pending" if fault["type"] == "ratelimit" else "unknown")
    assert entry["attempts"] == 1
    if fault["type"] == "ratelimit":
        assert "next try in 3" in outcome["message"]  # Retry-After: 300 s, longer than the backoff
    cmsite(site, "publish", "--only", entry["id"], check=True)  # --only does not wait
    assert posted(server) == ["<p>Queue note number 0.</p>"]


def test_refusals_fail_at_once_and_are_shown(server, site):
    site.write(
        "content/social/2026-11-20-long.md",
        "---\nnetworks: [mastodon]\nat: 2026-11-20 10:00\n---\n" + "word " * 10 + "\n",
    )
    server.fault(
        path="/api/v1/statuses",
        methods=["POST"],
        status=422,
        body={"error": "Validation failed: Text is odd"},
        count=1,
    )
    result = cmsite(site, "publish")
    assert result.returncode == 1
    assert "failed: mastodon" in result.stdout and "Validation failed: Text is odd" in result.stdout
    shown = cmsite(site, "queue").stdout
    assert "failed" in shown and "Validation failed" in shown


def test_an_unapproved_entry_stays_unsent(server, site):
    config = site.root / "cmsite.toml"
    config.write_text(config.read_text().replace("[queue]\n", "[queue]\napproval = true\n"))
    social(site, 1)
    result = cmsite(site, "publish", "--json", check=True)
    assert [o["status"] for o in json.loads(result.stdout)] == ["waiting"]
    assert posted(server) == []
    (entry,) = entries(site)
    cmsite(site, "queue", "approve", entry["id"], check=True)
    cmsite(site, "publish", check=True)
    assert len(posted(server)) == 1


def test_a_lock_keeps_overlapping_cron_runs_apart(server, site):
    from cmsite.queue.lock import PublishLock

    social(site, 1)
    lock = PublishLock(site.root / ".cmsite/publish.lock")
    assert lock.acquire()
    try:
        result = cmsite(site, "publish", check=True)
        assert "another cmsite publish is running" in result.stderr
        assert posted(server) == []
    finally:
        lock.release()


def test_queue_delete_takes_the_status_down_and_it_stays_down(server, site):
    social(site, 1)
    cmsite(site, "publish", check=True)
    (entry,) = entries(site)
    result = cmsite(site, "queue", "delete", entry["id"], "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["status"] == "deleted"
    assert posted(server) == []
    cmsite(site, "publish", check=True)  # the plan is still in the Markdown: nothing is sent again
    assert posted(server) == [] and [e["status"] for e in entries(site)] == ["deleted"]


def test_a_status_mastodon_does_not_have_is_reported_and_the_entry_stays_published(server, site):
    social(site, 1)
    cmsite(site, "publish", check=True)
    (entry,) = entries(site)
    server.client("alice").status_delete(entry["remote_id"])  # removed by hand in the app
    result = cmsite(site, "queue", "delete", entry["id"])
    assert result.returncode == 1
    assert f"not deleted: Mastodon refused to delete post {entry['remote_id']} (404)" in result.stderr
    assert "the post is not on Mastodon" in result.stderr and "alice_token" not in result.stderr
    assert [e["status"] for e in entries(site)] == ["published"]


THREAD = " ".join(f"Sentence number {n} says a little more about the week ahead." for n in range(20))


@pytest.fixture
def thread_site(front, proxy, tmp_path, monkeypatch):
    """A site planning one 3-part thread on Mastodon, reached through the proxy."""
    monkeypatch.delenv("CMSITE_DISABLE_PLUGINS", raising=False)
    site = TestSite(tmp_path / "site")
    return plan_on(site, "mastodon", THREAD, {"instance": front.url}, thread=True, name="week", alone=True)


@pytest.mark.parametrize("lost", [False, True], ids=["refused-503", "posted-then-500"])
@pytest.mark.parametrize("k", [1, 2, 3])
def test_a_thread_whose_part_failed_is_finished_with_each_part_once(
    server, proxy, fail, thread_site, k, lost
):
    proxy.forget_keys = True  # a try after Mastodon forgot the keys: only the look-up prevents a double post
    posts = fail({k: "lost" if lost else "refuse"})
    runs = publish_until_done(thread_site, {"MASTODON_ACCESS_TOKEN": "alice_token"})
    assert [[outcome.status for outcome in run] for run in runs] == [["retry"], ["published"]]
    thread = list(reversed(statuses(server)))  # oldest first
    parts = [text for text, _ in thread]
    assert len(parts) == 3 and parts[0].endswith("1/3") and parts[2].endswith("3/3")
    assert thread == [(parts[0], None), (parts[1], parts[0]), (parts[2], parts[1])]
    assert posts.calls == 4 - lost  # a lost answer is looked for and found, not sent again


@pytest.mark.parametrize("status", [401, 403, 422, 500])
def test_a_token_that_mastodon_echoes_back_is_never_shown_or_stored(server, site, status):
    echoed = {"error": "The access token alice_token is invalid", "details": {"token": "alice_token"}}
    server.fault(path="/api/v1/statuses", methods=["POST"], status=status, body=echoed, count=1)
    social(site, 1)
    published = cmsite(site, "publish", "--json")
    listed = cmsite(site, "queue", "--all", "--json")
    assert json.loads(listed.stdout) and listed.returncode == 0, listed.stderr
    (entry,) = json.loads(listed.stdout)
    assert entry["status"] == ("unknown" if status == 500 else "failed") and entry["attempts"] == 1
    assert f"{status}" in entry["error"] and "The access token" in entry["error"]  # the echo, shown redacted
    assert_no_secrets(
        site.root, ["alice_token"], published.stdout, published.stderr, listed.stdout, listed.stderr
    )
