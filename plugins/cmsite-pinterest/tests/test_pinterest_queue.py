"""Exactly once on Pinterest, which has no idempotency key, through the real queue: `cmsite publish`
killed with SIGKILL at each step, or a Create Pin refused (429, 503) or answered with a 500 after the
Pin was made, then run again, leaves each Pin made once — found again on the board, not re-sent.
And a token Pinterest echoes back never reaches an output or the site's state files."""

from __future__ import annotations

import json
import signal
import threading
from importlib import metadata

import pytest
from pinterest_fake import BOARD, TOKEN, FakePinterest, error

from cmsite.testing import (
    KILL_POINTS_PLUGIN,
    make_picture,
    publish_and_list,
    publish_until_done,
    queued_entry,
    request_in_flight,
    run_cmsite,
)

ENVIRON = {"PINTEREST_ACCESS_TOKEN": TOKEN}


def other_plugins() -> str:
    """Every installed cmsite plugin but this one: these tests are about Pinterest alone."""
    return ",".join(e.name for e in metadata.entry_points(group="cmsite") if e.name != "pinterest")


def cli_environ(**extra: str) -> dict[str, str]:
    return {**ENVIRON, "CMSITE_DISABLE_PLUGINS": other_plugins(), **extra}


@pytest.fixture
def fake(loopback_server):
    fake = FakePinterest()
    loopback_server.handler(fake)
    yield fake
    for held in fake.hold.values():
        held.set()
    assert fake.problems == []


@pytest.fixture
def site(cmsite_site, loopback_server, monkeypatch):
    """A site whose plans pin to the loopback API's board, with a picture in its content folder."""
    monkeypatch.setenv("CMSITE_DISABLE_PLUGINS", other_plugins())
    config = cmsite_site.root / "cmsite.toml"
    config.write_text(
        config.read_text()
        + "\n[queue]\ncatch_up_hours = false  # the plans' date is long past\n"
        + "wait_for_page = false  # blog.cmsite.info is not deployed\n"
        + f'\n[networks.pinterest]\napi = "{loopback_server.url}"\nboard = "{BOARD}"\n'
    )
    make_picture(cmsite_site.root / "content/images/soup.jpg", 600, 900)
    return cmsite_site


def plan_pin(site, name: str, text: str) -> None:
    site.write(
        f"content/social/2026-11-20-{name}.md",
        "---\nnetworks: [pinterest]\nat: 2026-11-20 10:00\nmedia: [/images/soup.jpg]\nalt: A bowl of soup\n---\n"
        f"{text}\n",
    )


@pytest.mark.parametrize("kill_at", ["after-sending", "during-http", "after-response"])
def test_killed_at_any_step_then_run_again_pins_each_entry_once(site, fake, kill_at):
    release = threading.Event()
    if kill_at == "during-http":  # the Pin is made; its answer waits until the publisher is dead
        fake.hold["create"] = release
        fake.on_create.append(lambda body: request_in_flight(site))
    site.write("plugins/killer.py", KILL_POINTS_PLUGIN)
    for n in range(2):
        plan_pin(site, f"pin-{n}", f"Soup of the week number {n}.")
    killed = run_cmsite(site, "publish", env=cli_environ(KILL_AT=kill_at))
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    release.set()
    publish_until_done(site, ENVIRON)
    assert sorted(pin["description"] for pin in fake.posts) == [
        f"Soup of the week number {n}." for n in range(2)
    ]
    entries = json.loads(run_cmsite(site, "queue", "--all", "--json", env=cli_environ()).stdout)
    assert {e["status"] for e in entries} == {"published"}
    assert all(e["remote_url"].startswith("https://www.pinterest.com/pin/") for e in entries)
    assert all(pin["source"]["url"] == "https://blog.cmsite.info/images/soup.jpg" for pin in fake.posts)


@pytest.mark.parametrize(
    ("fault", "looked"),
    [
        (error(429, 8, "Rate limit exceeded.", {"Retry-After": "1"}), 0),  # refused unread: sent again
        (error(503, 16, "Service unavailable."), 1),  # may have been made: looked for, then sent
        ("lost", 1),  # made, then a 500: looked for and found
    ],
    ids=["429", "503", "made-then-500"],
)
def test_a_create_pin_tried_again_makes_one_pin(site, fake, fault, looked):
    if fault == "lost":
        fake.faults[1] = "lost"
    else:
        fake.fail["create", 1] = fault
    plan_pin(site, "pin", "Soup of the week.")
    runs = publish_until_done(site, ENVIRON)
    assert [outcome.status for run in runs for outcome in run] == ["retry", "published"]
    assert len(fake.posts) == 1 and fake.steps["list"] == looked
    entry = queued_entry(site)
    assert entry.remote_id == fake.posts[0]["id"]


@pytest.mark.parametrize("status", [401, 403, 400, 500])
def test_a_token_that_pinterest_echoes_back_is_never_shown_or_stored(site, loopback_server, status):
    echo = error(status, 2, f"Authentication failed for Bearer {TOKEN}")
    loopback_server.handler(lambda request: echo)
    plan_pin(site, "pin", "Soup of the week.")
    published, listed = publish_and_list(site, [TOKEN], cli_environ())
    assert json.loads(published.stdout) and json.loads(listed.stdout), (published.stderr, listed.stderr)
    assert "***" in published.stdout, "Pinterest's answer was shown, its token masked"


def test_cmsite_metrics_then_queue_delete_ask_pinterest_about_the_pin(site, fake):
    plan_pin(site, "pin", "Soup of the week.")
    publish_until_done(site, ENVIRON)
    ((pin_id, entry),) = [(pin["id"], queued_entry(site)) for pin in fake.posts]
    fake.summary[pin_id] = {"IMPRESSION": 310, "SAVE": 4, "PIN_CLICK": 9, "OUTBOUND_CLICK": 2}
    counted = run_cmsite(site, "metrics", "--json", env=cli_environ())
    readings = {(r["network"], r["id"]): r for r in json.loads(counted.stdout)["readings"]}
    assert readings[("pinterest", entry.id)]["counts"] == {
        "views": 310, "saves": 4, "clicks": 11, "pin_clicks": 9, "outbound_clicks": 2,
    }  # fmt: skip
    assert readings[("pinterest", None)]["counts"]["followers"] == 1204
    deleted = run_cmsite(site, "queue", "delete", entry.id, env=cli_environ())
    assert deleted.returncode == 0, deleted.stderr
    assert fake.posts == [] and ("DELETE", f"/v5/pins/{pin_id}", {}, b"") in fake.calls
    assert queued_entry(site).status == "deleted"
