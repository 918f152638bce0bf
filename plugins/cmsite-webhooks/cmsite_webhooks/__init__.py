"""cmsite plugin: Discord, Slack and Mattermost incoming webhooks, through httpx (imported when sending)."""

from __future__ import annotations

from typing import Any

from cmsite.hookspecs import hookimpl
from cmsite.social.http import no_answer, retry_after
from cmsite.social.network import PUBLISHING, Action, Network, Published, PublishError, SocialPost

TIMEOUT = 20.0
UNKNOWN_WEBHOOK = 10015  # Discord's error code for a webhook that is gone (not the message)


class Webhook(Network):
    """A chat channel's incoming webhook: one JSON message per post of the thread."""

    counting = "code_points"
    max_media = 0
    text_field = "text"
    prefix = ""

    @classmethod
    def variable(cls, account: str) -> str:
        middle = "" if account == "default" else f"{account.upper()}_"
        return f"{cls.prefix}_{middle}WEBHOOK_URL"

    def publish(self, post: SocialPost, idempotency_key: str) -> Published:
        import httpx

        address = self.account_secret(self.prefix, "WEBHOOK_URL")
        first: Any = None
        with httpx.Client(timeout=self.options.get("timeout", TIMEOUT)) as client:
            for text in post.texts:
                try:
                    response = client.post(self.send_url(address), json={self.text_field: text})
                except httpx.TransportError as exc:
                    raise no_answer(self.label, exc) from None
                check(self.label, response)
                first = first if first is not None else response
        return self.published(first, idempotency_key)

    def send_url(self, address: str) -> str:
        return address

    def published(self, response: Any, idempotency_key: str) -> Published:
        """Slack and Mattermost answer "ok" and no id: the entry's key stands for it."""
        return Published(idempotency_key, "")

    def delete(self, remote_id: str, idempotency_key: str | None = None) -> None:
        """An incoming webhook only posts: Slack and Mattermost give no way to remove what it sent."""
        raise NotImplementedError(
            f"{self.label}: an incoming webhook cannot delete the messages it posted; "
            f"delete the message by hand in {self.label} (its menu → Delete)"
        )


class Discord(Webhook):
    name, label, max_length, prefix = "discord", "Discord", 2000, "DISCORD"
    text_field = "content"

    def send_url(self, address: str) -> str:
        return address + ("&" if "?" in address else "?") + "wait=true"

    def published(self, response: Any, idempotency_key: str) -> Published:
        return _discord_message(response.json())

    def delete(self, remote_id: str, idempotency_key: str | None = None) -> None:
        """DELETE /webhooks/{id}/{token}/messages/{message id}, with the webhook's own token (204).

        Only the message `publish` recorded goes: a thread's later messages stay.
        """
        import httpx

        address, _, query = self.account_secret(self.prefix, "WEBHOOK_URL").partition("?")
        with httpx.Client(timeout=self.options.get("timeout", TIMEOUT)) as client:
            try:
                response = client.delete(f"{address}/messages/{remote_id}" + (f"?{query}" if query else ""))
            except httpx.TransportError as exc:
                raise no_answer(self.label, exc) from None
        check(self.label, response, Action.deleting(remote_id))

    def find(self, post: SocialPost, idempotency_key: str) -> Published | None:
        """The channel's 50 latest messages, read with a bot token, looked through for this webhook's text.

        A webhook's own token can fetch a message only by its id, which a lost answer never
        gave; listing the channel needs a bot that can read it (DISCORD_BOT_TOKEN). Without
        one, Discord cannot be asked and the entry waits for a person.
        """
        import httpx

        middle = "" if self.account == "default" else f"{self.account.upper()}_"
        bot = self.secrets.get(f"DISCORD_{middle}BOT_TOKEN")
        if not bot:
            raise NotImplementedError
        address = self.account_secret(self.prefix, "WEBHOOK_URL")
        api = address.split("/webhooks/")[0]
        with httpx.Client(timeout=self.options.get("timeout", TIMEOUT)) as client:
            try:
                webhook = client.get(address)
                check(self.label, webhook)
                messages = client.get(
                    f"{api}/channels/{webhook.json()['channel_id']}/messages",
                    params={"limit": 50},
                    headers={"Authorization": f"Bot {bot}"},
                )
            except httpx.TransportError as exc:
                raise no_answer(self.label, exc) from None
            check(self.label, messages)
        webhook_id = str(webhook.json()["id"])
        for message in messages.json():
            if str(message.get("webhook_id")) == webhook_id and message.get("content") == post.texts[0]:
                return _discord_message(message)
        return None


def _discord_message(message: dict[str, Any]) -> Published:
    return Published(
        str(message["id"]),
        f"https://discord.com/channels/{message.get('guild_id', '@me')}/{message['channel_id']}/{message['id']}",
    )


class Slack(Webhook):
    name, label, max_length, prefix = "slack", "Slack", 4000, "SLACK"


class Mattermost(Webhook):
    name, label, max_length, prefix = "mattermost", "Mattermost", 16383, "MATTERMOST"


def check(label: str, response: Any, action: Action = PUBLISHING) -> None:
    """429 and 5xx are worth retrying (after Retry-After); other refusals are not."""
    status = response.status_code
    if status < 400:
        return
    detail = response.text[:300].strip()
    if status == 429 or status >= 500:
        raise PublishError(f"{label}: {status} {detail}", retry=True, retry_after=retry_after(response))
    if action is PUBLISHING:
        raise PublishError(
            f"{label} refused the message ({status}): {detail}; check the webhook address", retry=False
        )
    gone = status == 404 and _error_code(response) != UNKNOWN_WEBHOOK
    hint = action.not_found(label) if gone else "check the webhook address"
    raise PublishError(f"{label} refused {action.what} ({status}): {detail}; {hint}", retry=False)


def _error_code(response: Any) -> Any:
    """The `code` of a JSON error answer (Discord's), None for any other."""
    try:
        return response.json().get("code")
    except (ValueError, AttributeError):
        return None


@hookimpl
def cmsite_networks() -> list[type[Network]]:
    return [Discord, Slack, Mattermost]
