"""Webhook networks against a loopback server that answers as Discord, Slack and Mattermost do."""

from __future__ import annotations

import json

import pytest
from cmsite_webhooks import Discord, Mattermost, Slack

from cmsite.social.network import Credentials, PublishError, SocialPost
from cmsite.testing import Reply


def network(cls, server, account="default"):
    variable = cls.variable(account)
    return cls(
        account, {"timeout": 5}, Credentials((variable,), {variable: f"{server.url}/hooks/secret-{cls.name}"})
    )


def test_discord_waits_for_the_message_and_returns_its_address(loopback_server):
    loopback_server.reply(200, json_body={"id": "111", "channel_id": "222", "guild_id": "333"})
    loopback_server.reply(200, json_body={"id": "112", "channel_id": "222", "guild_id": "333"})
    published = network(Discord, loopback_server).publish(SocialPost(["One 1/2", "Two 2/2"]), "key-1")
    assert published.remote_id == "111"
    assert published.url == "https://discord.com/channels/333/222/111"
    first, second = loopback_server.requests
    assert first.method == "POST" and first.path == "/hooks/secret-discord?wait=true"
    assert first.headers["Content-Type"] == "application/json"
    assert first.json() == {"content": "One 1/2"} and second.json() == {"content": "Two 2/2"}


@pytest.mark.parametrize("cls", [Slack, Mattermost])
def test_slack_and_mattermost_post_text(loopback_server, cls):
    loopback_server.reply(200, body=b"ok")
    published = network(cls, loopback_server, account="team").publish(
        SocialPost(["Hello *team* — <3"]), "key-2"
    )
    (request,) = loopback_server.requests
    assert request.path == f"/hooks/secret-{cls.name}"
    assert json.loads(request.body) == {"text": "Hello *team* — <3"}
    assert published.remote_id == "key-2"


def test_rate_limits_and_server_errors_are_retried(loopback_server):
    loopback_server.reply(
        429,
        json_body={"message": "You are being rate limited.", "retry_after": 1.5},
        headers={"Retry-After": "2"},
    )
    with pytest.raises(PublishError) as caught:
        network(Discord, loopback_server).publish(SocialPost(["x"]), "key-3")
    assert caught.value.retry and caught.value.retry_after == 2.0
    loopback_server.reply(503, body=b"down")
    with pytest.raises(PublishError) as caught:
        network(Slack, loopback_server).publish(SocialPost(["x"]), "key-4")
    assert caught.value.retry


def test_a_wrong_webhook_is_not_retried_and_its_address_not_shown(loopback_server):
    loopback_server.handler(lambda request: Reply(404, b'{"message": "Unknown Webhook", "code": 10015}'))
    with pytest.raises(PublishError) as caught:
        network(Discord, loopback_server).publish(SocialPost(["x"]), "key-5")
    assert not caught.value.retry
    assert "Unknown Webhook" in str(caught.value) and "secret-discord" not in str(caught.value)


def test_a_missing_address_names_the_variable():
    discord = Discord("events", {}, Credentials(("DISCORD_EVENTS_WEBHOOK_URL",), {}))
    with pytest.raises(PublishError, match="DISCORD_EVENTS_WEBHOOK_URL is not set"):
        discord.publish(SocialPost(["x"]), "key-6")


def test_limits_are_each_networks():
    assert (Discord.max_length, Slack.max_length, Mattermost.max_length) == (2000, 4000, 16383)
    assert Discord.validate(SocialPost(["x" * 2001]))[0].startswith(
        "the text is 2001 characters as Discord counts them"
    )
