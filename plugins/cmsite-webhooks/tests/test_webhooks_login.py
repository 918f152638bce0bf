"""`cmsite accounts login discord|slack|mattermost`: the webhook's address is pasted (unseen, after
a word on where the chat makes it) and checked as `cmsite accounts` checks it — Discord's read with
its own token, Slack's and Mattermost's only said to be set, since they answer nothing but a post —
then written to .env; an address Discord refuses writes nothing."""

from __future__ import annotations

import pytest
from cmsite_webhooks import Discord, Mattermost, Slack
from test_webhooks_accounts import WRONG
from test_webhooks_queue import HOOKS, FakeChat

from cmsite.social.login import LoginError
from cmsite.testing import Answers, env_values, login_with, plan_on


@pytest.mark.parametrize(
    ("cls", "hook"),
    [
        (Discord, HOOKS["discord"]),
        (Discord, WRONG),
        (Slack, HOOKS["slack"]),
        (Mattermost, HOOKS["mattermost"]),
    ],
    ids=["discord", "discord-refused", "slack", "mattermost"],
)
def test_the_pasted_address_is_checked_as_far_as_the_chat_allows_then_written(
    cmsite_site, loopback_server, cls, hook
):
    chat = FakeChat(cls.name)
    loopback_server.handler(chat)
    site = plan_on(cmsite_site, cls.name, "Meetup tonight.", {})
    address = f"{loopback_server.url}{hook}"
    answers = Answers(address)
    variable = f"{cls.name.upper()}_WEBHOOK_URL"
    if hook == WRONG:
        with pytest.raises(LoginError) as caught:
            login_with(site, cls.name, answers)
        assert str(caught.value).startswith("Discord refused the account's credentials (401)")
        assert hook not in str(caught.value) and not (site.root / ".env").exists()
    else:
        done = login_with(site, cls.name, answers)
        assert env_values(site.root) == {variable: address}
        said = done.name if cls is Discord else done.notes[0]
        assert said == (
            "webhook 'Carnet' of channel 222" if cls is Discord
            else f"not checked: {cls.label} gives an incoming webhook no way to be checked without posting "
            "a message in its channel; its address is set"
        )  # fmt: skip
    assert answers.asked == [("secret", variable)] and "webhook" in answers.said[0].lower()
    assert [(r.method, r.path) for r in loopback_server.requests] == (
        [("GET", hook)] if cls is Discord else []
    )
    assert chat.messages == []
