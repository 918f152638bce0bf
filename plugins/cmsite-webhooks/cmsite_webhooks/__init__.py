"""cmsite plugin: Discord, Slack and Mattermost incoming webhooks, through httpx (imported when sending)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from cmsite.hookspecs import hookimpl
from cmsite.social.http import busy, json_answer, send
from cmsite.social.network import PUBLISHING, VERIFYING, Action, Network, Part, Published, PublishError

TIMEOUT = 20.0
UNKNOWN_WEBHOOK = 10015  # Discord's error code for a webhook that is gone (not the message)


class Webhook(Network):
    """A chat channel's incoming webhook: one JSON message per part of the thread, in order."""

    counting = "code_points"
    max_media = 0
    text_field = "text"

    @property
    def address(self) -> str:
        """The webhook's URL (NAME_WEBHOOK_URL, the one credential): a secret, since whoever has it can post."""
        return self.account_secret(self.credentials[0])

    def verify_credentials(self) -> str:
        """Slack's and Mattermost's incoming webhooks answer nothing but a post: asking one would
        post a message in the channel, so the address is only known to be set."""
        raise NotImplementedError(
            f"{self.label} gives an incoming webhook no way to be checked without posting a message "
            "in its channel; its address is set"
        )

    @contextmanager
    def session(self) -> Iterator[Any]:
        """One httpx client for every message of the send."""
        import httpx

        with httpx.Client(timeout=self.options.get("timeout", TIMEOUT)) as client:
            yield client

    def publish_one(self, session: Any, part: Part) -> Published:
        """POST the part's text as one message of the channel."""
        response = send(
            self.label, self.check, session, "POST", self.send_url(), json={self.text_field: part.text}
        )
        return self.published(response, part)

    def send_url(self) -> str:
        return self.address

    def published(self, response: Any, part: Part) -> Published:
        """Slack and Mattermost answer "ok" and no id: the part's key stands for it (the entry's id first)."""
        return Published(part.key, "")

    def check(self, response: Any, action: Action) -> None:
        """429 and 5xx are worth retrying (after Retry-After; a 5xx may come after the message was
        posted); other refusals are not."""
        status = response.status_code
        if status < 400:
            return
        detail = response.text[:300].strip()
        if status == 429 or status >= 500:
            raise busy(self.label, response, detail)
        if action is PUBLISHING:
            raise PublishError(
                f"{self.label} refused the message ({status}): {detail}; check the webhook address",
                retry=False,
            )
        gone = action is not VERIFYING and status == 404 and _error_code(response) != UNKNOWN_WEBHOOK
        hint = action.not_found(self.label) if gone else "check the webhook address"
        raise PublishError(f"{self.label} refused {action.what} ({status}): {detail}; {hint}", retry=False)

    def account_metrics(self) -> dict[str, int]:
        """A webhook posts into a channel: it is no account that people follow. (Nor do the services
        give it its messages' counts: `metrics` is the base one, which says so.)"""
        raise NotImplementedError(
            f"{self.label} gives an incoming webhook no figures: it posts into a channel, and has no "
            "followers or posts of its own to count"
        )

    def delete(self, remote_id: str, idempotency_key: str | None = None) -> None:
        """An incoming webhook only posts: Slack and Mattermost give no way to remove what it sent."""
        raise NotImplementedError(
            f"{self.label}: an incoming webhook cannot delete the messages it posted; "
            f"delete the message by hand in {self.label} (its menu → Delete)"
        )


class Discord(Webhook):
    name, label, max_length = "discord", "Discord", 2000
    credentials = ("DISCORD_WEBHOOK_URL",)
    login_help = (
        "The channel's webhook URL: in Discord, the channel's settings → Integrations → Webhooks → "
        "New Webhook → Copy Webhook URL. Whoever has it can post in the channel: keep it secret."
    )
    text_field = "content"

    def verify_credentials(self) -> str:
        """GET the webhook's URL (Discord's Get Webhook with Token, read-only): its name and channel."""
        with self.session() as client:
            answer = send(self.label, self.check, client, "GET", self.address, action=VERIFYING)
        webhook = json_answer(self.label, answer)
        return f"webhook {webhook.get('name')!r} of channel {webhook.get('channel_id')}"

    def send_url(self) -> str:
        """With wait=true Discord answers with the message it made, id included."""
        return self.address + ("&" if "?" in self.address else "?") + "wait=true"

    def published(self, response: Any, part: Part) -> Published:
        message = json_answer(self.label, response)
        if not isinstance(message, dict) or not (message.get("id") and message.get("channel_id")):
            raise PublishError(
                f"Discord answered {response.status_code} without the message's id; "
                "it is looked for before it is sent again",
                retry=True,
                maybe_sent=True,
            )
        return _discord_message(message)

    def delete(self, remote_id: str, idempotency_key: str | None = None) -> None:
        """DELETE /webhooks/{id}/{token}/messages/{message id}, with the webhook's own token (204).

        Only the message `publish` recorded goes: a thread's later messages stay.
        """
        import httpx

        address, _, query = self.address.partition("?")
        url = f"{address}/messages/{remote_id}" + (f"?{query}" if query else "")
        with httpx.Client(timeout=self.options.get("timeout", TIMEOUT)) as client:
            send(self.label, self.check, client, "DELETE", url, action=Action.deleting(remote_id))

    def find_one(self, session: Any, part: Part) -> Published | None:
        """The channel's 50 latest messages, read with a bot token, looked through for this webhook's
        message with the part's text.

        A webhook's own token can fetch a message only by its id, which a lost answer never
        gave; listing the channel needs a bot that can read it (DISCORD_BOT_TOKEN). Without
        one, Discord cannot be asked and the entry waits for a person.
        """
        bot = self.secrets.get(self.account_variable(self.account, "DISCORD_BOT_TOKEN"))
        if not bot:
            raise NotImplementedError
        webhook = json_answer(self.label, send(self.label, self.check, session, "GET", self.address))
        messages = send(
            self.label,
            self.check,
            session,
            "GET",
            f"{self.address.split('/webhooks/')[0]}/channels/{webhook['channel_id']}/messages",
            params={"limit": 50},
            headers={"Authorization": f"Bot {bot}"},
        )
        for message in json_answer(self.label, messages):
            if str(message.get("webhook_id")) == str(webhook["id"]) and message.get("content") == part.text:
                return _discord_message(message)
        return None


def _discord_message(message: dict[str, Any]) -> Published:
    return Published(
        str(message["id"]),
        f"https://discord.com/channels/{message.get('guild_id', '@me')}/{message['channel_id']}/{message['id']}",
    )


class Slack(Webhook):
    name, label, max_length = "slack", "Slack", 4000
    credentials = ("SLACK_WEBHOOK_URL",)
    login_help = (
        "The channel's incoming webhook URL: api.slack.com/apps → your app → Incoming Webhooks → Add New "
        "Webhook to Workspace, pick the channel, copy the URL. Whoever has it can post: keep it secret."
    )


class Mattermost(Webhook):
    name, label, max_length = "mattermost", "Mattermost", 16383
    credentials = ("MATTERMOST_WEBHOOK_URL",)
    login_help = (
        "The channel's incoming webhook URL: in Mattermost, Integrations → Incoming Webhooks → Add "
        "Incoming Webhook, pick the channel, copy the URL. Whoever has it can post: keep it secret."
    )


def _error_code(response: Any) -> Any:
    """The `code` of a JSON error answer (Discord's), None for any other."""
    try:
        return response.json().get("code")
    except (ValueError, AttributeError):
        return None


@hookimpl
def cmsite_networks() -> list[type[Network]]:
    return [Discord, Slack, Mattermost]
