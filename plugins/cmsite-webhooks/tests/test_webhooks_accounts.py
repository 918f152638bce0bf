"""`cmsite accounts` for chat webhooks, against the loopback server that answers as each does: a
Discord webhook is read with its own token (its name and channel, or a refusal of a wrong token);
a Slack or Mattermost webhook can only post, so it is never asked, only said to be set; a missing
address is named. Nothing is posted."""

from __future__ import annotations

import pytest
from cmsite_webhooks import Discord, Mattermost, Slack
from test_webhooks_queue import HOOKS, FakeChat

from cmsite.testing import accounts_checked, plan_on

WRONG = "/api/webhooks/77/a-revoked-discord-hook-token-0123456789"


@pytest.mark.parametrize(
    ("cls", "hook", "state", "details"),
    [
        (Discord, HOOKS["discord"], "accepted", []),
        (Discord, WRONG, "refused", ['Discord refused the account\'s credentials (401): {"message": "Invalid Webhook Token", "code": 50027}; check the webhook address']),
        (Slack, HOOKS["slack"], "unchecked", ["Slack gives an incoming webhook no way to be checked without posting a message in its channel; its address is set"]),
        (Mattermost, HOOKS["mattermost"], "unchecked", ["Mattermost gives an incoming webhook no way to be checked without posting a message in its channel; its address is set"]),
        *[(cls, None, "missing", [f"{cls.name.upper()}_WEBHOOK_URL is not set; put it in the environment or the site's .env"]) for cls in (Discord, Slack, Mattermost)],
    ],
    ids=["discord-good", "discord-refused", "slack-set", "mattermost-set", "discord-missing", "slack-missing", "mattermost-missing"],
)  # fmt: skip
def test_cmsite_accounts_asks_only_what_a_webhook_answers_without_posting(
    cmsite_site, loopback_server, cls, hook, state, details
):
    chat = FakeChat(cls.name)
    loopback_server.handler(chat)
    site = plan_on(cmsite_site, cls.name, "Meetup tonight.", {})  # every plugin: "webhooks" has the three
    address = f"{loopback_server.url}{hook}" if hook else ""
    code, rows = accounts_checked(
        site, {f"{cls.name.upper()}_WEBHOOK_URL": address}, [secret for secret in (address, hook) if secret]
    )
    row = rows[f"{cls.name} (default)"]
    assert (code, row["state"], row["details"]) == (int(state in ("missing", "refused")), state, details)
    assert row["name"] == ("webhook 'Carnet' of channel 222" if state == "accepted" else None)
    asked = [(r.method, r.path) for r in loopback_server.requests]
    assert asked == ([("GET", hook)] if cls is Discord and hook else []) and chat.messages == []
