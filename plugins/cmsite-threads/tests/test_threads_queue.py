"""Exactly once on Threads, which cannot deduplicate: `cmsite publish` killed with SIGKILL at each step,
then run again, leaves every entry posted once — found again through the account's posts, not re-sent."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from test_threads import TOKEN, FakeThreads

from cmsite.testing import KILL_POINTS_PLUGIN


def cmsite(site, *args, kill_at=""):
    env = {**os.environ, "THREADS_ACCESS_TOKEN": TOKEN, "KILL_AT": kill_at}
    env.pop("CMSITE_DISABLE_PLUGINS", None)
    command = [sys.executable, "-m", "cmsite", "--site", str(site.root), *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)


@pytest.mark.parametrize("kill_at", ["after-sending", "during-http", "after-response"])
def test_killed_at_any_step_then_run_again_posts_each_entry_once(cmsite_site, loopback_server, kill_at):
    threads = FakeThreads()
    loopback_server.handler(threads)
    if kill_at == "during-http":
        threads.delay["publish"] = 1.0  # the publication reaches Threads; its answer never comes back
    config = cmsite_site.root / "cmsite.toml"
    config.write_text(
        config.read_text()
        + "\n[queue]\nlease_seconds = 1\ncatch_up_hours = false  # the notes' fixed date is long past\n"
        + f'\n[networks.threads]\napi = "{loopback_server.url}"\n'
    )
    cmsite_site.write("plugins/killer.py", KILL_POINTS_PLUGIN)
    for n in range(2):
        cmsite_site.write(
            f"content/social/2026-11-20-note-{n}.md",
            f"---\nnetworks: [threads]\nat: 2026-11-20 10:00\n---\nThreads note number {n}.\n",
        )
    killed = cmsite(cmsite_site, "publish", kill_at=kill_at)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    time.sleep(1.2)  # the dead publisher's lease runs out (and a slow publication lands)
    for _ in range(3):
        cmsite(cmsite_site, "publish")
    assert sorted(post["text"] for post in threads.posts.values()) == [
        f"Threads note number {n}." for n in range(2)
    ]
    entries = json.loads(cmsite(cmsite_site, "queue", "--all", "--json").stdout)
    assert {e["status"] for e in entries} == {"published"}
    assert all(e["remote_url"].startswith("https://www.threads.net/") for e in entries)
