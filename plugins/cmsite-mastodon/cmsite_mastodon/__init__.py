"""cmsite plugin: Mastodon, through Mastodon.py (imported only when something is sent)."""

from __future__ import annotations

import io
import time
from typing import Any, ClassVar

from cmsite.hookspecs import hookimpl
from cmsite.social.network import PUBLISHING, Action, Network, Published, PublishError, SocialPost

DEFAULT_TIMEOUT = 30


class Mastodon(Network):
    name = "mastodon"
    label = "Mastodon"
    max_length = 500
    counting = "mastodon"
    max_media = 4
    max_media_bytes = 16 * 1024 * 1024
    max_alt_length = 1500
    credentials = ("MASTODON_ACCESS_TOKEN",)
    idempotent = True  # the Idempotency-Key header
    settings: ClassVar[dict[str, tuple[type, Any]]] = {"instance": (str, None), "max_characters": (int, 500)}

    def _client(self) -> Any:
        from mastodon import Mastodon as Client

        token = self.account_secret("MASTODON", "ACCESS_TOKEN")
        instance = self.required_option("instance", '"https://social.example"')
        return Client(
            access_token=token,
            api_base_url=instance,
            ratelimit_method="throw",
            request_timeout=self.options.get("timeout", DEFAULT_TIMEOUT),
            version_check_mode="none",
        )

    def publish(self, post: SocialPost, idempotency_key: str) -> Published:
        from mastodon import MastodonError

        pictures = self.pictures(post)
        client = self._client()
        try:
            media_ids = [
                client.media_post(
                    io.BytesIO(picture.data),
                    mime_type=picture.mime,
                    description=picture.alt,
                    file_name=picture.filename,
                )["id"]
                for picture in pictures
            ]
            first, previous = None, None
            for number, text in enumerate(post.texts):
                status = client.status_post(
                    text,
                    media_ids=media_ids if number == 0 and media_ids else None,
                    in_reply_to_id=previous,
                    idempotency_key=idempotency_key if number == 0 else f"{idempotency_key}-{number + 1}",
                )
                previous = status["id"]
                first = first or status
        except MastodonError as exc:
            raise _publish_error(client, exc) from None
        assert first is not None
        return Published(str(first["id"]), str(first["url"]))

    def delete(self, remote_id: str, idempotency_key: str | None = None) -> None:
        """DELETE /api/v1/statuses/:id (the thread's replies stay)."""
        from mastodon import MastodonError

        client = self._client()
        try:
            client.status_delete(remote_id)
        except MastodonError as exc:
            raise _publish_error(client, exc, Action.deleting(remote_id)) from None

    def metrics(self, remote_id: str) -> dict[str, int]:
        status = self._client().status(remote_id)
        return {key: int(status.get(f"{key}_count", 0)) for key in ("replies", "reblogs", "favourites")}


def _publish_error(client: Any, exc: Exception, action: Action = PUBLISHING) -> PublishError:
    """Mastodon.py's exceptions → retry or not, with Mastodon's own message and what to do."""
    from mastodon import (
        MastodonNetworkError,
        MastodonRatelimitError,
        MastodonServerError,
        MastodonUnauthorizedError,
    )

    if isinstance(exc, MastodonRatelimitError):
        reset = getattr(client, "ratelimit_reset", None)
        wait = max(0.0, float(reset) - time.time()) if reset else None
        return PublishError("Mastodon: rate limited (429)", retry=True, retry_after=wait)
    if isinstance(exc, MastodonNetworkError):
        return PublishError(f"Mastodon: no answer from the server ({exc.__class__.__name__})", retry=True)
    if isinstance(exc, MastodonServerError):
        return PublishError(f"Mastodon: server error {_status(exc)}", retry=True)
    if isinstance(exc, MastodonUnauthorizedError):
        return PublishError(
            "Mastodon refused the access token (401); create a new one with write:statuses", retry=False
        )
    hint = f"; {action.not_found('Mastodon')}" if _status(exc) == "404" and action is not PUBLISHING else ""
    return PublishError(
        f"Mastodon refused {action.what} ({_status(exc)}): {_message(exc)}{hint}", retry=False
    )


def _status(exc: Exception) -> str:
    return str(exc.args[1]) if len(exc.args) > 1 else "?"


def _message(exc: Exception) -> str:
    return str(exc.args[-1]) if exc.args else str(exc)


@hookimpl
def cmsite_networks() -> list[type[Network]]:
    return [Mastodon]
