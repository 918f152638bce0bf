"""cmsite plugin: Discord, Slack and Mattermost incoming webhooks, through httpx (imported when sending)."""

from __future__ import annotations

from typing import Any

from cmsite.hookspecs import hookimpl
from cmsite.social.network import Network, Published, PublishError, SocialPost

TIMEOUT = 20.0


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
                    raise PublishError(
                        f"{self.label}: no answer from the webhook ({exc.__class__.__name__})", retry=True
                    ) from None
                check(self.label, response)
                first = first if first is not None else response
        return self.published(first, idempotency_key)

    def send_url(self, address: str) -> str:
        return address

    def published(self, response: Any, idempotency_key: str) -> Published:
        """Slack and Mattermost answer "ok" and no id: the entry's key stands for it."""
        return Published(idempotency_key, "")


class Discord(Webhook):
    name, label, max_length, prefix = "discord", "Discord", 2000, "DISCORD"
    text_field = "content"

    def send_url(self, address: str) -> str:
        return address + ("&" if "?" in address else "?") + "wait=true"

    def published(self, response: Any, idempotency_key: str) -> Published:
        message = response.json()
        return Published(
            str(message["id"]),
            f"https://discord.com/channels/{message.get('guild_id', '@me')}/{message['channel_id']}/{message['id']}",
        )


class Slack(Webhook):
    name, label, max_length, prefix = "slack", "Slack", 4000, "SLACK"


class Mattermost(Webhook):
    name, label, max_length, prefix = "mattermost", "Mattermost", 16383, "MATTERMOST"


def check(label: str, response: Any) -> None:
    """429 and 5xx are worth retrying (after Retry-After); other refusals are not."""
    if response.status_code < 400:
        return
    detail = response.text[:300].strip()
    if response.status_code == 429 or response.status_code >= 500:
        retry_after = response.headers.get("Retry-After")
        wait = float(retry_after) if retry_after and retry_after.replace(".", "", 1).isdigit() else None
        raise PublishError(f"{label}: {response.status_code} {detail}", retry=True, retry_after=wait)
    raise PublishError(
        f"{label} refused the message ({response.status_code}): {detail}; check the webhook address",
        retry=False,
    )


@hookimpl
def cmsite_networks() -> list[type[Network]]:
    return [Discord, Slack, Mattermost]
