"""Chat webhooks through the real queue, against a loopback server that answers as Discord, Slack and
Mattermost do: a thread whose sending stopped halfway is finished with each message once where the
channel can be read (Discord with a bot), and waits for a person where it cannot (Slack, Mattermost);
a refusal that echoes the webhook address leaves it nowhere."""

from __future__ import annotations

import json
from urllib.parse import parse_qs

import pytest
from cmsite_webhooks import Discord, Mattermost, Slack

from cmsite.queue.location import open_store
from cmsite.queue.service import change
from cmsite.testing import (
    FakeNetwork,
    Reply,
    plan_on,
    publish_and_list,
    publish_until_done,
    queued_entry,
    thread_text,
)

BOT = "discord-bot-token-0123456789abcdefghijkl"
HOOKS = {  # each network's webhook path; its last piece is the secret token
    "discord": "/api/webhooks/77/discord-hook-token-0123456789abcdefghij",
    "slack": "/services/T0001/B0001/slack-hook-secret-0123456789abcdef",
    "mattermost": "/hooks/mattermost-hook-secret-0123456789ab",
}


class FakeChat(FakeNetwork):
    """One channel behind one incoming webhook, answering as `network` does: Slack and Mattermost
    "ok", Discord the message it made (with ?wait=true), the webhook itself to a GET with its token
    (another token is refused, 401), and to a bot the channel's latest messages."""

    bad_request = Reply(400, b'{"message": "not a request this webhook takes"}')
    refused = Reply(503, b"upstream connect error")

    def __init__(self, network: str, faults: dict[int, str] | None = None):
        super().__init__(faults)
        self.network = network
        self.hook = HOOKS[network]
        self.messages: list[str] = []

    def answer(self, request):
        path, _, query = request.path.partition("?")
        if request.method == "GET":
            return self.read(path, query, request.headers)
        assert (request.method, path) == ("POST", self.hook)
        assert parse_qs(query) == ({"wait": ["true"]} if self.network == "discord" else {})
        field = "content" if self.network == "discord" else "text"
        return self.create(lambda: self.post(request.json()[field]))

    def post(self, text: str) -> Reply:
        self.messages.append(text)
        if self.network != "discord":
            return Reply(200, b"ok")
        return Reply(200, json.dumps(self.message(len(self.messages) - 1)).encode())

    def read(self, path: str, query: str, headers: dict[str, str]) -> Reply:
        """Discord only: the webhook read with its own token, the channel read by the bot."""
        assert self.network == "discord"
        if path == self.hook:  # Get Webhook with Token: the object, its token included
            token = self.hook.rsplit("/", 1)[1]
            webhook = {
                "id": "77",
                "type": 1,
                "name": "Carnet",
                "channel_id": "222",
                "guild_id": "333",
                "token": token,
            }
            return Reply(200, json.dumps(webhook).encode())
        if path.startswith("/api/webhooks/"):
            return Reply(401, b'{"message": "Invalid Webhook Token", "code": 50027}')
        assert path == "/api/channels/222/messages" and parse_qs(query) == {"limit": ["50"]}
        assert headers["Authorization"] == f"Bot {BOT}"
        newest = [self.message(n) for n in reversed(range(len(self.messages)))]
        return Reply(200, json.dumps(newest[:50]).encode())

    def message(self, number: int) -> dict[str, str]:
        return {
            "id": str(501 + number),
            "channel_id": "222",
            "guild_id": "333",
            "webhook_id": "77",
            "content": self.messages[number],
        }


def secrets(network: str, server) -> dict[str, str]:
    """The account's credentials: the webhook address, and for Discord a bot that can read the channel."""
    hook = {f"{network.upper()}_WEBHOOK_URL": f"{server.url}{HOOKS[network]}"}
    return {**hook, "DISCORD_BOT_TOKEN": BOT} if network == "discord" else hook


def half_sent(cmsite_site, server, cls, failing, variant):
    chat = FakeChat(cls.name, {failing: variant})
    server.handler(chat)
    site = plan_on(
        cmsite_site, cls.name, thread_text(cls), {}, thread=True
    )  # no settings: the address is a secret
    return chat, site, publish_until_done(site, secrets(cls.name, server))


@pytest.mark.parametrize("variant", ["refused", "lost"])
@pytest.mark.parametrize("failing", [1, 2, 3])
def test_discord_finishes_a_thread_stopped_halfway_with_each_message_once(
    cmsite_site, loopback_server, failing, variant
):
    chat, site, runs = half_sent(cmsite_site, loopback_server, Discord, failing, variant)
    assert [o.status for run in runs for o in run] == ["retry", "published"]
    entry = queued_entry(site)
    assert len(entry.texts) == 3 and chat.problems == []
    assert chat.messages == entry.texts  # each once, in order
    assert [part["remote_id"] for part in entry.parts] == ["501", "502", "503"]
    assert entry.remote_url == "https://discord.com/channels/333/222/501"


@pytest.mark.parametrize("cls", [Slack, Mattermost])
@pytest.mark.parametrize("failing", [1, 2, 3])
def test_slack_and_mattermost_wait_for_a_person_then_finish_the_thread(
    cmsite_site, loopback_server, cls, failing
):
    chat, site, runs = half_sent(cmsite_site, loopback_server, cls, failing, "refused")
    assert [o.status for run in runs for o in run] == ["unknown"]  # may be in the channel: never resent alone
    entry = queued_entry(site)
    assert chat.messages == entry.texts[: failing - 1] and entry.status == "unknown"
    assert f"cmsite queue retry {entry.id}` if it is not there" in entry.error
    store = open_store(site.site())
    change(store, "retry", entry.id)  # a person looked: the message is not in the channel
    store.close()
    publish_until_done(site, secrets(cls.name, loopback_server))
    entry = queued_entry(site)
    assert chat.messages == entry.texts and chat.problems == []  # each once, in order
    assert [part["remote_id"] for part in entry.parts] == [entry.id, f"{entry.id}-2", f"{entry.id}-3"]
    assert (entry.status, entry.remote_id) == ("published", entry.id)


@pytest.mark.parametrize("cls", [Slack, Mattermost])
@pytest.mark.parametrize("failing", [1, 2, 3])
def test_slack_and_mattermost_never_send_a_message_again_whose_answer_was_lost(
    cmsite_site, loopback_server, cls, failing
):
    chat, site, runs = half_sent(cmsite_site, loopback_server, cls, failing, "lost")
    assert [o.status for run in runs for o in run] == ["unknown"]
    entry = queued_entry(site)
    assert chat.messages == entry.texts[:failing] and chat.problems == []  # the lost one is there, once
    assert len(entry.parts) == failing - 1 and entry.status == "unknown"


@pytest.mark.parametrize("status", [401, 403, 422, 500])
@pytest.mark.parametrize("cls", [Discord, Slack, Mattermost])
def test_a_refusal_that_echoes_the_webhook_leaves_it_nowhere(cmsite_site, loopback_server, cls, status):
    environ = secrets(cls.name, loopback_server)
    token = HOOKS[cls.name].rsplit("/", 1)[1]
    echo = " ".join(f"{value} {token}" for value in environ.values())
    loopback_server.handler(lambda request: Reply(status, f"no webhook at {echo}".encode()))
    site = plan_on(cmsite_site, cls.name, "Meetup tonight at 18:30.", {})
    published, _ = publish_and_list(site, [*environ.values(), token], environ)
    (outcome,) = json.loads(published.stdout)
    assert outcome["status"] == ("failed" if status < 500 else "retry" if cls is Discord else "unknown")
    assert f"no webhook at {' '.join(['*** ***'] * len(environ))}" in outcome["message"]  # the echo, masked
    assert len(loopback_server.requests) == 1
