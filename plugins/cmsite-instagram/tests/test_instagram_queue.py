"""Exactly once on Instagram, which cannot deduplicate, through the real queue: `cmsite publish`
killed with SIGKILL at each step, or a request failing with 429 or 5xx, then run again, leaves each
post made once with its first comment once — found again among the account's media, not re-sent.
And a token that Instagram echoes back never reaches an output or the site's state files."""

from __future__ import annotations

import json
import signal
import threading
from importlib import metadata

import pytest
from fake_instagram import TOKEN, USER

from cmsite.testing import (
    KILL_POINTS_PLUGIN,
    graph_error,
    make_picture,
    publish_and_list,
    publish_until_done,
    request_in_flight,
    run_cmsite,
)

ENVIRON = {"INSTAGRAM_ACCESS_TOKEN": TOKEN}
COMMENT = "More pictures on the blog."


def other_plugins() -> str:
    """Every installed cmsite plugin but this one: these tests are about Instagram alone."""
    return ",".join(e.name for e in metadata.entry_points(group="cmsite") if e.name != "instagram")


def cli_environ(**extra: str) -> dict[str, str]:
    return {**ENVIRON, "CMSITE_DISABLE_PLUGINS": other_plugins(), **extra}


@pytest.fixture
def site(cmsite_site, monkeypatch, loopback_server):
    """A site planning two Instagram posts with a picture each, its account on the loopback API."""
    monkeypatch.setenv("CMSITE_DISABLE_PLUGINS", other_plugins())
    config = cmsite_site.root / "cmsite.toml"
    config.write_text(
        config.read_text()
        + "\n[queue]\ncatch_up_hours = false  # the plans' date is long past\n"
        + "wait_for_page = false  # blog.cmsite.info is not deployed\n"
        + f'\n[networks.instagram]\napi = "{loopback_server.url}"\nuser_id = "{USER}"\n'
        + f'first_comment = "{COMMENT}"\nready_interval = 0.01\n'
    )
    make_picture(cmsite_site.root / "content/images/room.jpg", 400, 400)
    for number in range(2):
        cmsite_site.write(
            f"content/social/2026-11-20-note-{number}.md",
            "---\nnetworks: [instagram]\nat: 2026-11-20 10:00\nmedia: [/images/room.jpg]\nalt: Chairs in a circle\n"
            f"---\nInstagram note number {number}.\n",
        )
    return cmsite_site


def made_once(instagram) -> None:
    assert sorted(instagram.posts()) == [(f"Instagram note number {n}.", [COMMENT]) for n in range(2)]


@pytest.mark.parametrize("kill_at", ["after-sending", "during-http", "after-response"])
def test_killed_at_any_step_then_run_again_posts_each_entry_once(site, instagram, loopback_server, kill_at):
    release = threading.Event()
    if kill_at == "during-http":  # the publication lands; its answer waits until the publisher is dead
        instagram.hold["publish"] = release

        def answer(request):
            if request.path.partition("?")[0].endswith("/media_publish"):
                request_in_flight(site)
            return instagram(request)

        loopback_server.handler(answer)
    site.write("plugins/killer.py", KILL_POINTS_PLUGIN)
    killed = run_cmsite(site, "publish", env=cli_environ(KILL_AT=kill_at))
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    release.set()
    (site.root / "plugins/killer.py").unlink()
    publish_until_done(site, ENVIRON)  # a day later: the dead publisher's lease is long over
    made_once(instagram)
    entries = json.loads(run_cmsite(site, "queue", "--all", "--json", env=cli_environ()).stdout)
    assert {e["status"] for e in entries} == {"published"}
    assert all(e["remote_url"].startswith("https://www.instagram.com/p/") for e in entries)
    if kill_at == "during-http":
        assert instagram.steps["list"] == 1  # the lost publication was looked for, and found


@pytest.mark.parametrize(
    ("step", "how", "reply"),
    [
        ("limit", "fail", graph_error(429, "Too many calls", 4, headers={"Retry-After": "1"})),
        ("create", "fail", graph_error(429, "Too many calls", 4)),
        ("status", "fail", graph_error(500, "An unexpected error has occurred", 2)),
        ("publish", "fail", graph_error(503, "Service unavailable", 2)),
        ("publish", "lose", graph_error(500, "An unexpected error has occurred", 2)),
        ("comment", "lose", graph_error(502, "Bad gateway", 2)),
    ],
    ids=[
        "limit-429",
        "container-429",
        "status-500",
        "publication-503",
        "published-then-500",
        "commented-then-502",
    ],
)
def test_429_and_5xx_are_tried_again_and_each_post_is_made_once(site, instagram, step, how, reply):
    getattr(instagram, how)[step, 1] = reply
    runs = publish_until_done(site, ENVIRON)
    assert len(runs) == 2 and {o.status for o in runs[-1]} == {"published"}, runs
    made_once(instagram)
    unknown = step in ("publish", "comment")  # only a publication can have gone out unseen: looked for
    assert instagram.steps["list"] == unknown


@pytest.mark.parametrize("status", [401, 403, 422, 500])
def test_a_token_that_instagram_echoes_back_is_never_shown_or_stored(site, loopback_server, status):
    echo = graph_error(status, f"Invalid token {TOKEN} (access_token={TOKEN})", 190 if status == 401 else 100)
    loopback_server.handler(lambda request: echo)
    published, listed = publish_and_list(site, [TOKEN], cli_environ())
    assert json.loads(published.stdout) and json.loads(listed.stdout), (published.stderr, listed.stderr)
    assert "***" in published.stdout, "Instagram's answer was shown, its token masked"


def entries(site) -> list[dict]:
    return json.loads(run_cmsite(site, "queue", "--all", "--json", env=cli_environ()).stdout)


@pytest.mark.parametrize("login", ["facebook", "instagram"])
def test_queue_delete_takes_the_post_down_with_facebook_login_only(site, instagram, login):
    config = site.root / "cmsite.toml"
    config.write_text(config.read_text() + f'login = "{login}"\n')
    instagram.login = login
    publish_until_done(site, ENVIRON)
    entry = entries(site)[0]
    result = run_cmsite(site, "queue", "delete", entry["id"], "--json", env=cli_environ())
    if login == "facebook":
        assert result.returncode == 0 and json.loads(result.stdout)["status"] == "deleted", result.stderr
        assert entry["remote_id"] not in instagram.media and len(instagram.media) == 1
        assert not [c for c in instagram.comments.values() if c["media"] == entry["remote_id"]]
    else:
        said = " ".join(str(value) for value in json.loads(result.stdout).values())
        assert result.returncode == 1 and 'login = "facebook"' in said and "delete it by hand" in said, said
        assert len(instagram.media) == 2 and instagram.steps["delete"] == 0
    assert [e["status"] for e in entries(site)].count("deleted") == (login == "facebook")


def test_metrics_reads_each_posts_insights_and_the_accounts_figures(site, instagram):
    publish_until_done(site, ENVIRON)
    for media in instagram.media:
        instagram.insights[media] = {
            "views": 300,
            "likes": 12,
            "comments": 2,
            "shares": 1,
            "saved": 4,
            "reach": 250,
        }
    result = run_cmsite(site, "metrics", "--json", env=cli_environ())
    assert result.returncode == 0, result.stderr
    assert instagram.steps["insights"] == 2 and instagram.steps["user"] >= 1
    readings = {(r["of"], r["source"]): r["counts"] for r in json.loads(result.stdout)["readings"]}
    assert readings.pop(("account", None)) == {"followers": 1520, "following": 87, "posts": 412}
    assert (
        list(readings.values())
        == [{"views": 300, "likes": 12, "replies": 2, "reposts": 1, "saves": 4, "reach": 250}] * 2
    )  # under the shared names, for the monthly report
