"""cmsite plugin: X, through tweepy (imported when sending)."""

from __future__ import annotations

import io
import re
import time
from typing import Any

from cmsite.hookspecs import hookimpl
from cmsite.social.media import Picture
from cmsite.social.network import PUBLISHING, Action, Network, Published, PublishError, SocialPost

API_HOST = "https://api.twitter.com"
TIMEOUT = 30  # seconds without an answer before giving up (setting `timeout`)
UPLOAD_HOST = "https://upload.twitter.com"  # v1.1 media/upload and media/metadata/create
# public_metrics fields → the names `cmsite metrics` shows (impressions only for the account's own posts)
METRICS = {
    "reply_count": "replies",
    "retweet_count": "retweets",
    "quote_count": "quotes",
    "like_count": "likes",
    "bookmark_count": "bookmarks",
    "impression_count": "impressions",
}


class X(Network):
    name = "x"
    label = "X"
    max_length = 280
    counting = "x"
    # Up to 4 pictures per post, 5 MB per image (docs.x.com/x-api/media: "Image: 5 MB"; read as 5,000,000
    # bytes to be safe); alt text up to 1,000 characters (media/metadata/create); JPEG, PNG, GIF, WebP.
    max_media = 4
    max_media_bytes = 5_000_000
    max_alt_length = 1000
    media_types = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})
    credentials = ("X_API_KEY", "X_API_SECRET", "X_ACCESS_TOKEN", "X_ACCESS_TOKEN_SECRET")

    def _keys(self) -> dict[str, str]:
        """The app's and the account's OAuth 1.0a keys; missing ones stop the send with their names."""
        middle = "" if self.account == "default" else f"{self.account.upper()}_"
        names = {
            "consumer_key": "X_API_KEY",
            "consumer_secret": "X_API_SECRET",
            "access_token": f"X_{middle}ACCESS_TOKEN",
            "access_token_secret": f"X_{middle}ACCESS_TOKEN_SECRET",
        }
        missing = [name for name in names.values() if name not in self.secrets]
        if missing:
            raise PublishError(
                f"{', '.join(missing)} not set; put the X app's and account's keys in the environment or .env",
                retry=False,
            )
        return {key: self.secrets[name] for key, name in names.items()}

    def _redirected(self, session: Any, host: str) -> None:
        """Give up on `host` after the `timeout` setting (requests waits forever by default), and send
        its requests to the `api` setting's address instead when there is one (a proxy, a test server)."""
        target = self.options.get("api") or host
        session.mount(host, _Transport(host, target, float(self.options.get("timeout", TIMEOUT))))

    def _client(self) -> Any:
        import tweepy

        client = tweepy.Client(**self._keys())
        self._redirected(client.session, API_HOST)
        return client

    def _upload(self, pictures: list[Picture]) -> list[str]:
        """v1.1 media upload, then the alt text of each picture; the media ids for the post."""
        import tweepy

        if not pictures:
            return []
        api = tweepy.API(tweepy.OAuth1UserHandler(**self._keys()))
        self._redirected(api.session, UPLOAD_HOST)
        media_ids = []
        for picture in pictures:
            media = api.media_upload(picture.filename, file=io.BytesIO(picture.data))
            api.create_media_metadata(media.media_id_string, picture.alt)
            media_ids.append(media.media_id_string)
        return media_ids

    def publish(self, post: SocialPost, idempotency_key: str) -> Published:
        import requests
        import tweepy

        pictures = self.pictures(post)
        client = self._client()
        first, previous = None, None
        try:
            media_ids = self._upload(pictures)
            for text in post.texts:
                response = client.create_tweet(
                    text=text,
                    in_reply_to_tweet_id=previous,
                    media_ids=None if first else (media_ids or None),
                    user_auth=True,
                )
                previous = response.data["id"]
                first = first or previous
        except (tweepy.TweepyException, requests.RequestException) as exc:
            raise _publish_error(exc) from None
        return Published(str(first), f"https://x.com/i/web/status/{first}")

    def find(self, post: SocialPost, idempotency_key: str) -> Published | None:
        """Look through the account's 20 latest posts for this text."""
        import requests
        import tweepy

        client = self._client()
        try:
            me = client.get_me(user_auth=True).data
            recent = client.get_users_tweets(me["id"], max_results=20, user_auth=True).data or []
        except (tweepy.TweepyException, requests.RequestException) as exc:
            raise _publish_error(exc) from None
        wanted = _comparable(post.texts[0])
        for tweet in recent:
            if _comparable(tweet["text"]) == wanted:
                return Published(str(tweet["id"]), f"https://x.com/i/web/status/{tweet['id']}")
        return None

    def delete(self, remote_id: str, idempotency_key: str | None = None) -> None:
        """DELETE /2/tweets/:id; X answers `{"data": {"deleted": true}}` (the thread's replies stay)."""
        import requests
        import tweepy

        action = Action.deleting(remote_id)
        try:
            answer = self._client().delete_tweet(remote_id, user_auth=True)
        except (tweepy.TweepyException, requests.RequestException) as exc:
            raise _publish_error(exc, action) from None
        if not (answer.data or {}).get("deleted"):
            raise PublishError(f"X did not delete post {remote_id}: it answered {answer.data}", retry=False)

    def metrics(self, remote_id: str) -> dict[str, int]:
        """GET /2/tweets/:id?tweet.fields=public_metrics: each count of METRICS that X gives."""
        import requests
        import tweepy

        action = Action.counting(remote_id)
        try:
            answer = self._client().get_tweet(remote_id, tweet_fields=["public_metrics"], user_auth=True)
        except (tweepy.TweepyException, requests.RequestException) as exc:
            raise _publish_error(exc, action) from None
        if answer.data is None:  # X answers 200 with only `errors` for a post it does not have
            detail = "; ".join(str(e.get("detail") or e.get("title")) for e in answer.errors or [])
            raise PublishError(
                f"X refused {action.what}: {detail}; {action.not_found(self.label)}", retry=False
            )
        counts = answer.data.public_metrics or {}
        return {name: int(counts[field]) for field, name in METRICS.items() if field in counts}


def _comparable(text: str) -> str:
    """X rewrites links to t.co: compare texts without their links and extra spaces."""
    return " ".join(re.sub(r"https?://\S+", "", text).split())


class _Transport:
    """A requests transport adapter for one host: a timeout on every request, and another address."""

    def __new__(cls, host: str, target: str, timeout: float) -> Any:
        from requests.adapters import HTTPAdapter

        class Transport(HTTPAdapter):
            def send(self, request: Any, **kwargs: Any) -> Any:
                request.url = target.rstrip("/") + request.url[len(host) :]
                kwargs["timeout"] = kwargs.get("timeout") or timeout
                return super().send(request, **kwargs)

        return Transport()


def _publish_error(exc: Exception, action: Action = PUBLISHING) -> PublishError:
    """tweepy's exceptions → retry or not, with X's own message and what to do."""
    import tweepy

    if isinstance(exc, tweepy.TooManyRequests):
        reset = exc.response.headers.get("x-rate-limit-reset")
        wait = max(0.0, float(reset) - time.time()) if reset else None
        return PublishError("X: rate limited (429)", retry=True, retry_after=wait)
    if isinstance(exc, tweepy.TwitterServerError):
        return PublishError(f"X: server error {exc.response.status_code}", retry=True)
    if isinstance(exc, tweepy.HTTPException):
        status = exc.response.status_code
        messages = "; ".join(exc.api_messages) or str(status)
        if status in (401, 403):
            hint = "check the keys and the app's write permission"
        elif action is PUBLISHING:
            hint = "fix the post"
        else:
            hint = action.not_found("X") if status == 404 else "check the post id"
        return PublishError(f"X refused {action.what} ({status}): {messages}; {hint}", retry=False)
    return PublishError(
        f"X: no answer ({exc.__class__.__name__})", retry=True, maybe_sent=not _never_sent(exc)
    )


def _never_sent(exc: Exception) -> bool:
    """A failure before the request left this machine (no connection): safe to send again blindly."""
    import requests
    from urllib3.exceptions import NewConnectionError

    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(exc, requests.exceptions.ConnectTimeout) or isinstance(reason, NewConnectionError)


@hookimpl
def cmsite_networks() -> list[type[Network]]:
    return [X]
