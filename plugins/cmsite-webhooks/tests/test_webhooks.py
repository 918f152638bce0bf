"""Webhook networks against a loopback server that answers as Discord, Slack and Mattermost do."""

from __future__ import annotations

import json
import socket
import threading

import pytest
from click.testing import CliRunner
from cmsite_webhooks import Discord, Mattermost, Slack

from cmsite.cli import main
from cmsite.social.network import Credentials, Part, PublishError, SocialPost
from cmsite.testing import Reply


def network(cls, server, account="default"):
    variable = cls.account_variable(account, cls.credentials[0])
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


@pytest.mark.parametrize("cls", [Slack, Mattermost])
def test_a_thread_is_one_message_per_part_each_known_by_its_key(loopback_server, cls):
    seen = []

    class Progress:
        def starting(self, number):
            pass

        def sent(self, number, published):
            seen.append(published.remote_id)

    post = SocialPost(["One 1/3", "Two 2/3", "Three 3/3"])
    assert network(cls, loopback_server).publish(post, "key-7", progress=Progress()).remote_id == "key-7"
    assert seen == ["key-7", "key-7-2", "key-7-3"]
    assert [request.json()["text"] for request in loopback_server.requests] == post.texts


def test_rate_limits_and_server_errors_are_retried(loopback_server):
    loopback_server.reply(
        429,
        json_body={"message": "You are being rate limited.", "retry_after": 1.5},
        headers={"Retry-After": "2"},
    )
    with pytest.raises(PublishError) as caught:
        network(Discord, loopback_server).publish(SocialPost(["x"]), "key-3")
    assert caught.value.retry and caught.value.retry_after == 2.0 and not caught.value.maybe_sent
    loopback_server.reply(503, body=b"down")
    with pytest.raises(PublishError) as caught:
        network(Slack, loopback_server).publish(SocialPost(["x"]), "key-4")
    assert caught.value.retry and caught.value.maybe_sent  # the message may be in the channel already


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b"<html>a proxy's page</html>", "Discord: answered 200 with a body that is not JSON"),
        (b'{"channel_id": "222"}', "Discord answered 200 without the message's id"),
    ],
)
def test_a_discord_yes_without_the_message_id_may_have_been_posted(loopback_server, body, says):
    loopback_server.reply(200, body=body)
    with pytest.raises(PublishError, match=says) as caught:
        network(Discord, loopback_server).publish(SocialPost(["x"]), "key-5")
    assert caught.value.retry and caught.value.maybe_sent


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


class Held:
    """A webhook that records the message, then holds its answer until the test lets it go:
    the client gives up waiting first (its timeout), so the message is posted but its answer lost."""

    def __init__(self):
        self.release = threading.Event()

    def __call__(self, request):
        self.release.wait(10)
        return Reply(200, b"ok")


@pytest.fixture
def held(loopback_server):
    hold = Held()
    loopback_server.handler(hold)
    yield hold
    hold.release.set()


def test_a_lost_answer_may_have_been_posted_a_refused_connection_not(loopback_server, held):
    hook = Slack(
        "default",
        {"timeout": 0.2},
        Credentials(("SLACK_WEBHOOK_URL",), {"SLACK_WEBHOOK_URL": loopback_server.url}),
    )
    with pytest.raises(PublishError) as caught:
        hook.publish(SocialPost(["Maybe there"]), "k")
    assert caught.value.retry and caught.value.maybe_sent
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        address = f"http://127.0.0.1:{closed.getsockname()[1]}/hook"  # bound, not listening: refused
        hook = Slack(
            "default", {"timeout": 1}, Credentials(("SLACK_WEBHOOK_URL",), {"SLACK_WEBHOOK_URL": address})
        )
        with pytest.raises(PublishError) as caught:
            hook.publish(SocialPost(["Not there"]), "k")
    assert caught.value.retry and not caught.value.maybe_sent  # nothing left this machine


def discord_api(request):
    """Discord: the webhook read with its token, and a channel's messages read by a bot."""
    if request.path == "/api/webhooks/77/hook-token":
        return Reply(
            200,
            json.dumps({"id": "77", "channel_id": "222", "guild_id": "333", "token": "hook-token"}).encode(),
        )
    assert request.path == "/api/channels/222/messages?limit=50"
    if request.headers.get("Authorization") != "Bot bot-secret":
        return Reply(401, b'{"message": "401: Unauthorized", "code": 0}')
    messages = [
        {"id": "503", "channel_id": "222", "content": "Plan the week", "author": {"id": "9", "bot": True}},
        {"id": "502", "channel_id": "222", "content": "Plan the week", "webhook_id": "77"},
        {"id": "501", "channel_id": "222", "content": "Older", "webhook_id": "77"},
    ]
    return Reply(200, json.dumps(messages).encode())


def find_one(discord, text, number=0):
    post = SocialPost([f"part {n}" for n in range(number)] + [text])
    with discord.session() as session:
        return discord.find_one(session, Part(post, number, "k"))


def test_discord_is_looked_up_with_a_bot_token_and_without_one_cannot_be(loopback_server):
    loopback_server.handler(discord_api)
    hook = f"{loopback_server.url}/api/webhooks/77/hook-token"
    secrets = {"DISCORD_WEBHOOK_URL": hook, "DISCORD_BOT_TOKEN": "bot-secret"}
    discord = Discord("default", {}, Credentials(tuple(secrets), secrets))
    found = find_one(discord, "Plan the week")
    assert found.remote_id == "502"  # the webhook's own message, not the bot's with the same text
    assert found.url == "https://discord.com/channels/@me/222/502"
    assert find_one(discord, "Older", number=1).remote_id == "501"  # a later part of a thread
    assert find_one(discord, "Never sent") is None
    wrong = {**secrets, "DISCORD_BOT_TOKEN": "nope"}
    with pytest.raises(PublishError, match="401"):
        find_one(Discord("default", {}, Credentials(tuple(wrong), wrong)), "Plan the week")
    without = Discord("default", {}, Credentials(("DISCORD_WEBHOOK_URL",), secrets))
    with pytest.raises(NotImplementedError):
        find_one(without, "Plan the week")
    assert all("bot-secret" not in str(r.path) for r in loopback_server.requests)


def test_an_unknown_outcome_on_slack_is_shown_and_never_sent_again_blindly(
    cmsite_site, loopback_server, held
):
    config = cmsite_site.root / "cmsite.toml"
    config.write_text(
        config.read_text() + "\n[queue]\ncatch_up_hours = false\n\n[networks.slack]\ntimeout = 0.2\n"
    )
    cmsite_site.write(
        "content/social/2026-11-20-a.md",
        "---\nnetworks: [slack]\nat: 2026-11-20 10:00\n---\nTeam call at 18:00.\n",
    )
    runner = CliRunner(env={"SLACK_WEBHOOK_URL": f"{loopback_server.url}/hook", "CMSITE_DISABLE_PLUGINS": ""})
    site = ["--site", str(cmsite_site.root)]
    first = runner.invoke(main, [*site, "publish", "--json"])
    (outcome,) = json.loads(first.output)
    assert first.exit_code == 1 and outcome["status"] == "unknown"
    assert f"cmsite queue retry {outcome['id']}" in outcome["message"]
    second = runner.invoke(main, [*site, "publish", "--json"])
    assert json.loads(second.output) == []  # it waits for a person: not even looked at
    assert len(loopback_server.requests) == 1  # sent once, never again on its own
    shown = runner.invoke(main, [*site, "queue"]).output
    assert "unknown" in shown and f"cmsite queue cancel {outcome['id']}" in shown
    held.release.set()
    assert runner.invoke(main, [*site, "queue", "retry", outcome["id"]]).exit_code == 0  # a person looked
    third = runner.invoke(main, [*site, "publish", "--json"])
    assert [o["status"] for o in json.loads(third.output)] == ["published"]
    assert len(loopback_server.requests) == 2


def discord_messages(request):
    """Discord's Delete Webhook Message: the webhook's id and token in the path, no other credential."""
    path = request.path.partition("?")[0]
    assert request.method == "DELETE" and "Authorization" not in request.headers
    if not path.startswith("/api/webhooks/77/hook-token/"):
        return Reply(404, b'{"message": "Unknown Webhook", "code": 10015}')
    if path != "/api/webhooks/77/hook-token/messages/111":
        return Reply(404, b'{"message": "Unknown Message", "code": 10008}')
    return Reply(204)


def discord_at(server, hook="/api/webhooks/77/hook-token"):
    secrets = {"DISCORD_WEBHOOK_URL": f"{server.url}{hook}"}
    return Discord("default", {"timeout": 5}, Credentials(tuple(secrets), secrets))


def test_discord_deletes_the_message_it_recorded(loopback_server):
    loopback_server.handler(discord_messages)
    discord_at(loopback_server).delete("111", "key-1")
    discord_at(loopback_server, "/api/webhooks/77/hook-token?thread_id=5").delete("111")
    first, in_a_thread = loopback_server.requests
    assert first.path == "/api/webhooks/77/hook-token/messages/111" and first.body == b""
    assert in_a_thread.path == "/api/webhooks/77/hook-token/messages/111?thread_id=5"


def test_a_refused_discord_delete_says_what_to_do_and_hides_the_webhook(loopback_server):
    loopback_server.handler(discord_messages)
    with pytest.raises(PublishError) as caught:
        discord_at(loopback_server).delete("112")
    message = str(caught.value)
    assert message.startswith("Discord refused to delete post 112 (404)") and "Unknown Message" in message
    assert "the post is not on Discord" in message and "hook-token" not in message
    with pytest.raises(PublishError, match=r"Unknown Webhook.*check the webhook address") as caught:
        discord_at(loopback_server, "/api/webhooks/78/old-token").delete("111")
    assert "old-token" not in str(caught.value) and not caught.value.retry


@pytest.mark.parametrize("cls", [Slack, Mattermost])
def test_slack_and_mattermost_cannot_delete_and_say_so(loopback_server, cls):
    with pytest.raises(NotImplementedError, match=f"delete the message by hand in {cls.label}"):
        network(cls, loopback_server).delete("key-2", "key-2")
    assert loopback_server.requests == []  # nothing is asked of the webhook


@pytest.mark.parametrize("cls", [Discord, Slack, Mattermost])
def test_webhooks_give_no_counts_and_say_so(loopback_server, cls):
    with pytest.raises(NotImplementedError, match=f"{cls.label} gives no counts of a post"):
        network(cls, loopback_server).metrics("111")
    with pytest.raises(NotImplementedError, match=f"{cls.label} gives an incoming webhook no figures"):
        network(cls, loopback_server).account_metrics()
    assert loopback_server.requests == []  # nothing is asked of the webhook
