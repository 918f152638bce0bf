"""Bluesky through the real queue, against the reference PDS: a thread whose part failed half-way
is finished without a double post, and a password the server echoes back is never shown or stored."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from cmsite.testing import Reply, TestSite, assert_no_secrets, plan_on, publish_until_done

TEXT = " ".join(f"Sentence number {n} says a little more about the week ahead." for n in range(12))


def bluesky_site(tmp_path, pds, account, name: str, text: str) -> TestSite:
    """A site planning `text` on Bluesky (a thread when long), `name` making its entry, and so its
    record keys, its own."""
    settings = {"service": pds["pds"], "handle": account[0]}
    return plan_on(TestSite(tmp_path / "site"), "bluesky", text, settings, thread=True, name=name, alone=True)


def thread(pds, account, opening: str) -> list[tuple[str, str | None, str | None]]:
    """Every post of the thread that opens with `opening` (however many times it was made), oldest
    first, as (uri, the uri of the post it answers, the uri of its thread's root)."""
    from atproto import Client, models

    client = Client(base_url=pds["pds"])
    did = client.resolve_handle(account[0]).did
    records = client.com.atproto.repo.list_records(
        models.ComAtprotoRepoListRecords.Params(repo=did, collection="app.bsky.feed.post", limit=100)
    ).records
    roots = {r.uri for r in records if r.value.text.startswith(opening)}
    ours = [r for r in records if r.uri in roots or (r.value.reply and r.value.reply.root.uri in roots)]
    return [
        (r.uri, *((r.value.reply.parent.uri, r.value.reply.root.uri) if r.value.reply else (None, None)))
        for r in sorted(ours, key=lambda r: r.value.created_at)
    ]


@pytest.mark.parametrize("lost", [False, True], ids=["refused-503", "posted-then-500"])
@pytest.mark.parametrize("k", [1, 2, 3])
def test_a_thread_whose_part_failed_is_finished_with_each_part_once(
    pds, account, fail, tmp_path, monkeypatch, k, lost
):
    monkeypatch.delenv("CMSITE_DISABLE_PLUGINS", raising=False)
    name = f"thread-{k}-{'lost' if lost else 'refused'}"
    site = bluesky_site(tmp_path, pds, account, name, f"{name}: {TEXT}")
    creates = fail({k: "lost" if lost else "refuse"})
    runs = publish_until_done(site, {"BLUESKY_APP_PASSWORD": account[1]})
    assert [[outcome.status for outcome in run] for run in runs] == [["retry"], ["published"]]
    posts = thread(pds, account, name)
    first, second, third = (uri for uri, _, _ in posts)  # each part once
    assert posts == [(first, None, None), (second, first, first), (third, second, first)]
    assert creates.calls == 4 - lost  # a lost answer is looked for and found, not sent again


def cmsite(site, password, *args):
    env = {**os.environ, "BLUESKY_APP_PASSWORD": password}
    env.pop("CMSITE_DISABLE_PLUGINS", None)
    command = [sys.executable, "-m", "cmsite", "--site", str(site.root), *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)


@pytest.mark.parametrize("status", [401, 403, 422, 500])
def test_a_password_the_server_echoes_back_is_never_shown_or_stored(pds, account, proxy, tmp_path, status):
    site = bluesky_site(tmp_path, pds, account, f"echo-{status}", "Echo")
    handle, password = account
    echoed = {
        "error": "AuthenticationRequired",
        "message": f"Invalid identifier or password: {handle} {password}",
    }
    logins = []

    def echoing(request):
        """The login's answer echoes the password in the message the plugin reports."""
        if request.path != "/xrpc/com.atproto.server.createSession":
            return proxy(request)
        logins.append(request)
        return Reply(status, json.dumps(echoed).encode(), {"Content-Type": "application/json"})

    pds["front"].handler(echoing)
    published = cmsite(site, password, "publish", "--json")
    listed = cmsite(site, password, "queue", "--all", "--json")
    assert listed.returncode == 0, listed.stderr
    (entry,) = json.loads(listed.stdout)
    assert entry["attempts"] == 1 and len(logins) == 1
    assert f"{status}" in entry["error"] and "Invalid identifier or password" in entry["error"]
    assert_no_secrets(site.root, [password], published.stdout, published.stderr, listed.stdout, listed.stderr)
