"""cmsite plugin: X, through tweepy (imported when sending)."""

from __future__ import annotations

import re
import time
from typing import Any

from cmsite.hookspecs import hookimpl
from cmsite.social.network import Network, Published, PublishError, SocialPost

API_HOST = "https://api.twitter.com"


class X(Network):
    name = "x"
    label = "X"
    max_length = 280
    counting = "x"
    max_media = 0
    credentials = ("X_API_KEY", "X_API_SECRET", "X_ACCESS_TOKEN", "X_ACCESS_TOKEN_SECRET")

    def _names(self) -> tuple[str, str]:
        middle = "" if self.account == "default" else f"{self.account.upper()}_"
        return f"X_{middle}ACCESS_TOKEN", f"X_{middle}ACCESS_TOKEN_SECRET"

    def _client(self) -> Any:
        import tweepy

        token, secret = self._names()
        missing = [name for name in ("X_API_KEY", "X_API_SECRET", token, secret) if name not in self.secrets]
        if missing:
            raise PublishError(
                f"{', '.join(missing)} not set; put the X app's and account's keys in the environment or .env",
                retry=False,
            )
        client = tweepy.Client(
            consumer_key=self.secrets["X_API_KEY"],
            consumer_secret=self.secrets["X_API_SECRET"],
            access_token=self.secrets[token],
            access_token_secret=self.secrets[secret],
        )
        if self.options.get("api"):  # another address for the API (a proxy, or a test server)
            client.session.mount(API_HOST, _Redirect(API_HOST, self.options["api"]))
        return client

    def publish(self, post: SocialPost, idempotency_key: str) -> Published:
        import tweepy

        client = self._client()
        first, previous = None, None
        try:
            for text in post.texts:
                response = client.create_tweet(text=text, in_reply_to_tweet_id=previous, user_auth=True)
                previous = response.data["id"]
                first = first or previous
        except tweepy.TweepyException as exc:
            raise _publish_error(exc) from None
        return Published(str(first), f"https://x.com/i/web/status/{first}")

    def find(self, post: SocialPost, idempotency_key: str) -> Published | None:
        """Look through the account's 20 latest posts for this text."""
        import tweepy

        client = self._client()
        try:
            me = client.get_me(user_auth=True).data
            recent = client.get_users_tweets(me["id"], max_results=20, user_auth=True).data or []
        except tweepy.TweepyException as exc:
            raise _publish_error(exc) from None
        wanted = _comparable(post.texts[0])
        for tweet in recent:
            if _comparable(tweet["text"]) == wanted:
                return Published(str(tweet["id"]), f"https://x.com/i/web/status/{tweet['id']}")
        return None


def _comparable(text: str) -> str:
    """X rewrites links to t.co: compare texts without their links and extra spaces."""
    return " ".join(re.sub(r"https?://\S+", "", text).split())


class _Redirect:
    """A requests transport adapter sending one host's requests to another address."""

    def __new__(cls, host: str, target: str) -> Any:
        from requests.adapters import HTTPAdapter

        class Redirect(HTTPAdapter):
            def send(self, request: Any, **kwargs: Any) -> Any:
                request.url = target.rstrip("/") + request.url[len(host) :]
                return super().send(request, **kwargs)

        return Redirect()


def _publish_error(exc: Exception) -> PublishError:
    import tweepy

    if isinstance(exc, tweepy.TooManyRequests):
        reset = exc.response.headers.get("x-rate-limit-reset")
        wait = max(0.0, float(reset) - time.time()) if reset else None
        return PublishError("X: rate limited (429)", retry=True, retry_after=wait)
    if isinstance(exc, tweepy.TwitterServerError):
        return PublishError(f"X: server error {exc.response.status_code}", retry=True)
    if isinstance(exc, tweepy.HTTPException):
        messages = "; ".join(exc.api_messages) or str(exc.response.status_code)
        hint = (
            "check the keys and the app's write permission"
            if exc.response.status_code in (401, 403)
            else "fix the post"
        )
        return PublishError(
            f"X refused the post ({exc.response.status_code}): {messages}; {hint}", retry=False
        )
    return PublishError(f"X: no answer ({exc.__class__.__name__})", retry=True)


@hookimpl
def cmsite_networks() -> list[type[Network]]:
    return [X]
