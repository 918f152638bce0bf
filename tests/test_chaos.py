"""Exactly once under chaos: `cmsite publish` as real processes, killed at random instants, three at
a time racing over one store, one of them stalling past its lease, against mastodon-mock behind a
proxy that refuses, rate-limits, loses answers after the post was made, holds answers past the
client's timeout and forgets every idempotency key — and against a Slack-like webhook sink.

Each scenario turns on one kind of trouble, and "storm" all of them at once over 126 posts.
At the end every planned post (every part of every thread) is on the server exactly once, every
queue entry agrees with the server, and no credential appears in any output or in the store.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections import Counter
from dataclasses import dataclass

import pytest
from conftest import missing_tool

from cmsite.testing import (
    FaultProxy,
    LoopbackServer,
    Reply,
    TestSite,
    assert_no_secrets,
    run_cmsite,
    time_passes,
)

try:
    from mastodon_mock.testing import server as mastodon_mock
except ImportError:  # the Mastodon plugin's test tools, which `python3 tests/run.py` installs
    mastodon_mock = None

TOKEN = "alice_token"  # mastodon-mock's seeded account
WEBHOOK_TOKEN = "T0CHAOS/B0CHAOS/chaos-webhook-secret-0123456789"
LEASE = 2.0


@dataclass(frozen=True)
class Chaos:
    """One kind of trouble (or all of them), and how many posts go through it."""

    faults: tuple[str, ...] = ()  # what the proxy in front of Mastodon does to some requests
    forget_keys: bool = False  # Mastodon has forgotten every Idempotency-Key (a retry an hour later)
    kills: bool = False  # publishers SIGKILLed at random instants
    publishers: int = 1  # how many run at once over one store
    stall: bool = False  # the first publisher stalls in a hook past its lease
    singles: int = 24
    threads: int = 3
    messages: int = 4
    rounds: int = 3  # rounds of trouble before the calm


SCENARIOS = {
    "kills": Chaos(kills=True, forget_keys=True),  # no key to save a resend: only the queue's own record
    "race": Chaos(publishers=3, forget_keys=True),
    "503-429-timeouts": Chaos(faults=("refuse", "rate-limit", "hold")),
    "answers-lost": Chaos(faults=("lost", "hang-up")),
    "keys-forgotten": Chaos(faults=("lost", "hang-up", "hold"), forget_keys=True),
    "stalled-claims": Chaos(publishers=3, stall=True, forget_keys=True),  # no key to save a second send
    # 84 posts + 10 threads of 3 parts + 12 webhook messages: 126 posts through everything at once
    "storm": Chaos(
        faults=("refuse", "rate-limit", "lost", "hang-up", "hold"), forget_keys=True, kills=True,
        publishers=3, stall=True, singles=84, threads=10, messages=12, rounds=5,
    ),
}  # fmt: skip

STALL_PLUGIN = """
import os, sqlite3, threading, time
from pathlib import Path
from cmsite.hookspecs import hookimpl

MARKER = Path(os.environ["STALL"]) if os.environ.get("STALL") else None


@hookimpl
def cmsite_before_publish(entry, network, site):
    # A slow hook on the first entry: say which, then stall until another publisher, having
    # found this one's lease run out, took the entry over and sent it (a minute at most).
    if MARKER is None or MARKER.exists():
        return
    MARKER.write_text(entry.id)
    db = sqlite3.connect(site.cache_dir / "queue.sqlite")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if db.execute("SELECT status FROM entries WHERE id = ?", (entry.id,)).fetchone()[0] == "published":
            return
        threading.Event().wait(0.05)
"""


def thread_text(n: int) -> str:
    """A text over Mastodon's 500 characters: a thread of three parts."""
    sentences = [
        f"Thread {n}, sentence {k}: the editorial calendar keeps every week in view." for k in range(17)
    ]
    return " ".join(sentences)


@pytest.fixture(params=list(SCENARIOS))
def chaos_site(request, tmp_path):
    if mastodon_mock is None:
        missing_tool("mastodon-mock (the Mastodon plugin's test extra)")
    chaos = SCENARIOS[request.param]
    with mastodon_mock.MockServer() as mastodon, LoopbackServer() as proxy, LoopbackServer() as sink:
        rng = random.Random(13)
        storm = threading.Event()
        storm.set()
        mastodon_faults = FaultProxy(
            mastodon.base_url,
            lambda request: _fault(rng, storm, chaos, request),
            forget_keys=chaos.forget_keys,
        )
        proxy.handler(mastodon_faults)
        sink.handler(lambda request: Reply(200, b"ok"))
        site = TestSite(tmp_path / "site")
        config = site.root / "cmsite.toml"
        config.write_text(
            config.read_text()
            + textwrap.dedent(f"""
                [queue]
                catch_up_hours = false
                lease_seconds = {LEASE}
                retry_base_seconds = 0.01
                max_attempts = 100

                [networks.mastodon]
                instance = "{proxy.url}"
                timeout = {1 if "hold" in chaos.faults else 10}  # a held answer waits for the client to give up
            """)
        )
        site.write("plugins/stall.py", STALL_PLUGIN)
        write_plans(site, chaos, "Chaos")
        environ = {
            **os.environ,
            "MASTODON_ACCESS_TOKEN": TOKEN,
            "SLACK_WEBHOOK_URL": f"{sink.url}/services/{WEBHOOK_TOKEN}",
        }
        environ.pop("CMSITE_DISABLE_PLUGINS", None)
        yield chaos, site, environ, mastodon, sink, storm, mastodon_faults


def _fault(rng: random.Random, storm: threading.Event, chaos: Chaos, request) -> str:
    """During the trouble, one request in three to Mastodon's statuses (sending them, looking
    for them) goes wrong, in one of the scenario's ways."""
    if not chaos.faults or not storm.is_set() or "/statuses" not in request.path:
        return "pass"
    return "pass" if rng.random() < 0.67 else rng.choice(chaos.faults)


def write_plans(site: TestSite, chaos: Chaos, name: str) -> None:
    """The scenario's plans: its notes and threads to Mastodon, its messages to the webhook sink."""
    for n in range(chaos.singles):
        site.write(
            f"content/social/2026-11-20-note-{n}.md",
            f"---\nnetworks: [mastodon]\nat: 2026-11-20 10:00\n---\n{name} note number {n}.\n",
        )
    for n in range(chaos.threads):
        site.write(
            f"content/social/2026-11-20-thread-{n}.md",
            f"---\nnetworks: [mastodon]\nat: 2026-11-20 11:00\nthread: true\n---\n{thread_text(n)}\n",
        )
    for n in range(chaos.messages):
        site.write(
            f"content/social/2026-11-20-message-{n}.md",
            f"---\nnetworks: [slack]\nat: 2026-11-20 12:00\n---\n{name} message number {n}.\n",
        )


def run_publishers(site, environ, rng, chaos: Chaos, *, calm: bool = False) -> list[str]:
    """`chaos.publishers` runs of `cmsite publish --no-lock` at once, some killed at a random instant;
    what each printed. With `stall`, the first round's first publisher stalls in a hook, and the
    others start once its lease is over, so that one of them takes its entry over."""
    marker = site.root / "stalled"
    stalling = chaos.stall and not calm and not marker.exists()
    processes = []
    for number in range(chaos.publishers if not calm else 1):
        env = {**environ, "STALL": str(marker) if stalling and number == 0 else ""}
        command = [sys.executable, "-m", "cmsite", "--site", str(site.root), "publish", "--no-lock", "--json"]
        process = subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        processes.append(process)
        if stalling and number == 0:
            _once_it_stalls(site, marker, process)
        elif chaos.kills and not calm and rng.random() < 0.6:
            threading.Timer(rng.uniform(0.3, 4.0), _kill, args=(process,)).start()
    outputs = []
    for process in processes:
        out, err = process.communicate(timeout=300)
        outputs += [out, err]
    return outputs


def _once_it_stalls(site, marker, process) -> None:
    """Wait until the stalling publisher names its entry (it holds its lease then), and end that
    lease, as if the stall had outlasted it."""
    deadline = time.monotonic() + 60
    while not (marker.exists() and marker.read_text()):
        assert process.poll() is None and time.monotonic() < deadline, "the publisher never stalled"
        threading.Event().wait(0.01)  # the marker is a file another process writes: look again
    time_passes(site)


def _kill(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGKILL)


def queue(site, environ) -> tuple[list[dict], str]:
    result = run_cmsite(site, "queue", "--all", "--json", env=environ)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout), result.stdout + result.stderr


def settled(entries: list[dict]) -> bool:
    """Everything published, but what only a person can settle (a webhook that cannot be asked)."""
    return all(
        e["status"] == "published" or (e["status"] == "unknown" and e["next_attempt"] is None)
        for e in entries
    )


def test_every_post_goes_out_exactly_once(chaos_site):
    chaos, site, environ, mastodon, sink, storm, faults = chaos_site
    rng = random.Random(7)
    outputs = []
    for _ in range(chaos.rounds):  # the trouble
        outputs += run_publishers(site, environ, rng, chaos)
    storm.clear()
    for _ in range(20):  # then calm, until all is settled
        time_passes(site)  # every killed publisher's lease and every retry delay is over
        outputs += run_publishers(site, environ, rng, chaos, calm=True)
        entries, shown = queue(site, environ)
        if settled(entries):
            break
    outputs.append(shown)
    assert settled(entries), [e for e in entries if not settled([e])]
    assert {fault for _, _, fault in faults.log} >= set(chaos.faults)  # each trouble happened
    if not chaos.faults:  # the network never failed: killed, raced or stalled tries use up no attempt
        assert all(entry["attempts"] == 0 for entry in entries), [e["attempts"] for e in entries]
    if chaos.stall:  # the stalled publisher found its entry taken over, and sent nothing
        assert any('"status": "taken over"' in output for output in outputs)

    client = mastodon.client("alice")
    statuses = client.fetch_remaining(client.account_statuses(client.me()["id"], limit=40))
    by_id = {str(s["id"]): s for s in statuses}
    texts = Counter(_plain(s["content"]) for s in statuses)
    doubled = {text: count for text, count in texts.items() if count > 1}
    assert not doubled, f"posted more than once: {doubled}"
    for entry in (e for e in entries if e["network"] == "mastodon"):
        assert entry["status"] == "published", entry["error"]
        parts = [by_id[p["remote_id"]] for p in entry["parts"]]
        assert [_plain(p["content"]) for p in parts] == [_plain(t) for t in entry["texts"]]
        assert entry["remote_id"] == parts[0]["id"]
        for earlier, later in itertools.pairwise(parts):  # each part answers the one before
            assert str(later["in_reply_to_id"]) == str(earlier["id"])
    assert len(statuses) == chaos.singles + 3 * chaos.threads

    messages = Counter(json.loads(r.body)["text"] for r in sink.requests)
    assert max(messages.values()) == 1, messages
    for entry in (e for e in entries if e["network"] == "slack"):
        sent = messages[entry["texts"][0]]
        assert sent == 1 if entry["status"] == "published" else sent <= 1

    assert_no_secrets(site.root, [TOKEN, WEBHOOK_TOKEN, environ["SLACK_WEBHOOK_URL"]], *outputs)


def _plain(html: str) -> str:
    """A status's text without its HTML, whitespace made single."""
    import re
    from html import unescape

    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())
