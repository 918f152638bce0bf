"""Network accounts: `cmsite accounts` lists every account cmsite.toml sets up or a plan names, with
everything each lacks at once and what its network says of it, no secret shown; `cmsite publish`
(and its dry run) holds the entries of an account that lacks anything, naming all of it in one run,
and sends the others."""

from __future__ import annotations

import json
from importlib import metadata

import pytest
from click.testing import CliRunner

from cmsite.cli import main
from cmsite.testing import TOY_NETWORKS, run_cmsite

# A network whose test double of a server is its plugin: the token says how it answers, and every
# answer echoes the token, as a careless network would.
FORUM = """
from cmsite.hookspecs import hookimpl
from cmsite.social.network import VERIFYING, Network, Published, PublishError


class Forum(Network):
    name, label, max_length = "forum", "Team forum", 500
    credentials = ("FORUM_TOKEN",)
    settings = {"url": (str, None)}
    required_settings = {"url": '"https://forum.example"'}

    def verify_credentials(self):
        token = self.account_secret("FORUM_TOKEN")
        if token.startswith("good"):
            return f"Sam (whose token is {token})"
        if token.startswith("busy"):
            raise PublishError(f"Team forum: 503 busy, token {token}", retry=True)
        if token.startswith("crash"):
            raise RuntimeError(f"a bug, with {token}")
        raise PublishError(f"Team forum refused {VERIFYING.what} (401): unknown token {token}", retry=False)

    def publish_one(self, session, part):
        return Published("1", "https://forum.example/1")


@hookimpl
def cmsite_networks():
    return [Forum]
"""

TOKENS = {
    "FORUM_TOKEN": "good-token-0001",
    "FORUM_TEAM_TOKEN": "nope-token-0002",
    "FORUM_LATE_TOKEN": "busy-token-0003",
    "FORUM_BUGGY_TOKEN": "crash-token-0004",
}


@pytest.fixture
def forum_site(site_folder):
    site_folder.write("plugins/forum.py", FORUM)
    config = site_folder.root / "cmsite.toml"
    config.write_text(
        config.read_text()
        + """
[networks.forum]
url = "https://forum.example"

[networks.forum.accounts.team]
[networks.forum.accounts.late]
[networks.forum.accounts.buggy]
[networks.forum.accounts.bare]
url = ""
"""
    )
    site_folder.write(  # an account no table sets up: a plan names it
        "content/social/2026-11-20-news.md",
        "---\nnetworks: [forum]\naccount: news\nat: 2026-11-20 10:00\n---\nHi.\n",
    )
    return site_folder


def accounts(site, *args, env):
    return CliRunner(env=env).invoke(main, ["--site", str(site.root), "accounts", *args])


def test_cmsite_accounts_checks_every_account_and_says_all_it_lacks_at_once(forum_site):
    result = accounts(forum_site, "--json", env={**TOKENS, "FORUM_BARE_TOKEN": ""})
    assert result.exit_code == 1, result.output
    assert not any(token in result.output for token in TOKENS.values())  # echoed, never shown
    report = json.loads(result.output)
    rows = {row["account"]: row for row in report["accounts"]}
    assert list(rows) == ["default", "bare", "buggy", "late", "news", "team"] and not report["ok"]
    assert rows["default"] | {"details": None} == {
        "network": "forum", "label": "Team forum", "account": "default", "credentials": "set",
        "state": "accepted", "ok": True, "name": "Sam (whose token is ***)", "details": None,
    }  # fmt: skip
    assert rows["bare"]["details"] == [  # everything, at once
        "FORUM_BARE_TOKEN is not set; put it in the environment or the site's .env",
        "no url for Team forum account 'bare'; set url = \"https://forum.example\" under [networks.forum.accounts.bare]",
    ]
    assert (rows["bare"]["state"], rows["bare"]["credentials"]) == ("missing", "missing")
    assert rows["news"]["details"] == [
        "FORUM_NEWS_TOKEN is not set; put it in the environment or the site's .env"
    ]
    assert rows["team"]["state"] == "refused"
    assert rows["team"]["details"] == [
        "Team forum refused the account's credentials (401): unknown token ***"
    ]
    assert (rows["late"]["state"], rows["buggy"]["state"]) == ("unanswered", "failed")
    assert rows["buggy"]["details"] == ["the Team forum plugin failed: RuntimeError: a bug, with ***"]


def test_cmsite_accounts_says_who_each_account_is_and_exits_0_when_all_are_accepted(site_folder):
    site_folder.write("plugins/forum.py", FORUM)
    config = site_folder.root / "cmsite.toml"
    config.write_text(config.read_text() + '\n[networks.forum]\nurl = "https://forum.example"\n')
    result = accounts(site_folder, env={"FORUM_TOKEN": "good-token-0001"})
    assert result.exit_code == 0, result.output
    assert "forum (default)  accepted Sam (whose token is ***)" in result.output
    assert result.output.endswith("1 account, 0 with problems.\n")


def test_cmsite_accounts_with_no_account_says_how_to_set_one_up(site_folder):
    result = accounts(site_folder, env={})
    assert result.exit_code == 0 and "No network account is set up" in result.output


def other_plugins_than(*names: str) -> str:
    return ",".join(entry.name for entry in metadata.entry_points(group="cmsite") if entry.name not in names)


def test_publish_names_every_missing_setting_of_two_networks_in_one_run_and_sends_the_rest(site_folder):
    """The story of issue 17: the Bluesky password, then the Mastodon instance, each found by a
    failed run. Now one run (a dry run too) names all of them, the other network's post goes out,
    and the held entries stay queued, to go once the accounts are set."""
    site_folder.write("plugins/networks.py", TOY_NETWORKS)
    config = site_folder.root / "cmsite.toml"
    config.write_text(config.read_text() + "\n[queue]\ncatch_up_hours = false\n")
    site_folder.write(
        "content/social/2026-11-20-meetup.md",
        "---\nnetworks: [mastodon, bluesky, toot]\nat: 2026-11-20 10:00\n---\nMeetup tonight.\n",
    )
    env = {
        "CMSITE_DISABLE_PLUGINS": other_plugins_than("mastodon", "bluesky"),
        "MASTODON_ACCESS_TOKEN": "",  # not set, whatever this machine's environment holds
        "BLUESKY_APP_PASSWORD": "",
    }
    lacking = {
        "mastodon": [
            "MASTODON_ACCESS_TOKEN is not set; put it in the environment or the site's .env",
            "no instance for Mastodon account 'default'; set instance = \"https://social.example\" under "
            "[networks.mastodon]",
        ],
        "bluesky": [
            "BLUESKY_APP_PASSWORD is not set; put it in the environment or the site's .env",
            "no handle for Bluesky account 'default'; set handle = \"carnet.example.org\" under [networks.bluesky]",
        ],
    }
    dry = run_cmsite(site_folder, "publish", "--dry-run", env=env)
    assert dry.returncode == 1, dry.stderr
    for problem in [*lacking["mastodon"], *lacking["bluesky"]]:
        assert f"  - {problem}\n" in dry.stdout
    assert "would send: toot (default)" in dry.stdout
    sent = run_cmsite(site_folder, "publish", "--json", env=env)
    assert sent.returncode == 1, sent.stderr
    outcomes = {o["network"]: o for o in json.loads(sent.stdout)}
    assert outcomes["toot"]["status"] == "published"
    for network, problems in lacking.items():
        assert (outcomes[network]["status"], outcomes[network]["message"]) == ("held", "\n".join(problems))
    queue = json.loads(run_cmsite(site_folder, "queue", "--json", env=env).stdout)
    assert {(e["network"], e["status"], e["error"]) for e in queue} == {
        ("mastodon", "pending", None),
        ("bluesky", "pending", None),
    }  # held, not failed: they go once the accounts are set


def test_each_account_that_lacks_something_or_is_refused_names_the_command_that_connects_it(forum_site):
    shown = accounts(forum_site, env={**TOKENS, "FORUM_BARE_TOKEN": ""}).output
    assert "`cmsite accounts login forum --account bare` connects it" in shown  # missing
    assert "`cmsite accounts login forum --account team` connects it" in shown  # refused
    assert "--account default" not in shown and "--account late" not in shown
