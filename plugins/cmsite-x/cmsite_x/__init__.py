"""cmsite plugin: X, through tweepy (imported when sending)."""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from cmsite.hookspecs import hookimpl
from cmsite.social.http import busy
from cmsite.social.media import Picture
from cmsite.social.network import (
    COUNTING_ACCOUNT,
    PUBLISHING,
    VERIFYING,
    Action,
    Login,
    Network,
    Part,
    Prompt,
    Published,
    PublishError,
)

API_HOST = "https://api.twitter.com"
TIMEOUT = 30  # seconds without an answer before giving up (setting `timeout`)
UPLOAD_HOST = "https://upload.twitter.com"  # v1.1 media/upload and media/metadata/create
RECENT = 20  # how many of the account's latest posts `find_one` looks through
# A post's public_metrics → the shared names of POST_METRICS (impressions only for the account's own posts)
METRICS = {
    "reply_count": "replies",
    "retweet_count": "reposts",
    "quote_count": "quotes",
    "like_count": "likes",
    "bookmark_count": "saves",
    "impression_count": "views",
}
# The account's public_metrics → ACCOUNT_METRICS; the lists it is on keep a name of their own
ACCOUNT = {
    "followers_count": "followers",
    "following_count": "following",
    "tweet_count": "posts",
    "listed_count": "listed",
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
    # X's media best practices (developer.x.com, upload media): a post with one picture is shown at
    # 16:9 (1200×675 recommended), the rest cut off in the timeline; cmsite crops to it around `focus:`.
    preferred_aspect = "16:9"
    credentials = ("X_API_KEY", "X_API_SECRET", "X_ACCESS_TOKEN", "X_ACCESS_TOKEN_SECRET")
    shared_credentials = ("X_API_KEY", "X_API_SECRET")  # the app's keys; each account has its own tokens
    login_help = (
        "X_API_KEY and X_API_SECRET are your app's API Key and Secret (developer.x.com → your project's "
        "app → Keys and tokens). Its user authentication settings need Read and write permissions, and "
        "a callback URL, which the PIN login does not use but X requires."
    )

    def _keys(self) -> dict[str, str]:
        """The app's and the account's OAuth 1.0a keys, as tweepy names them."""
        names = ("consumer_key", "consumer_secret", "access_token", "access_token_secret")
        return {key: self.account_secret(name) for key, name in zip(names, self.credentials, strict=True)}

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

    @contextmanager
    def session(self) -> Iterator[Any]:
        """The API v2 client every part of a thread is posted with (pictures go through `_upload`)."""
        client = self._client()
        try:
            yield client
        finally:
            client.session.close()

    def _upload(self, pictures: list[Picture]) -> list[str]:
        """v1.1 media upload, then the alt text of each picture; the media ids for the post.

        An upload alone shows nothing on X, so a lost answer here is never `maybe_sent`."""
        import tweepy

        if not pictures:
            return []
        api = tweepy.API(tweepy.OAuth1UserHandler(**self._keys()))
        self._redirected(api.session, UPLOAD_HOST)
        media_ids = []
        try:
            for picture in pictures:
                media = _ask(api.media_upload, picture.filename, file=io.BytesIO(picture.data))
                _ask(api.create_media_metadata, media.media_id_string, picture.alt)
                media_ids.append(media.media_id_string)
        except PublishError as error:
            error.maybe_sent = False
            raise
        finally:
            api.session.close()
        return media_ids

    def verify_credentials(self) -> str:
        """GET /2/users/me (OAuth 1.0a user context): the account's @username and name."""
        with self.session() as client:
            me = _ask(client.get_me, user_auth=True, action=VERIFYING).data
        return f"@{me['username']} ({me['name']})"

    def login(self, prompt: Prompt) -> Login:
        """X's PIN-based OAuth 1.0a, with the app's keys from the environment or asked: a request
        token (POST oauth/request_token, oauth_callback=oob), the authorisation page opened by the
        person, who types the PIN it shows, then the account's access token (POST
        oauth/access_token). Signed by requests-oauthlib, as tweepy signs every request."""
        from requests_oauthlib import OAuth1Session

        asked = {}
        if missing := [name for name in self.shared_credentials if name not in self.secrets]:
            prompt.say(self.login_help)
            asked = {name: prompt.secret(name) for name in missing}
        key, secret = ({**self.secrets, **asked}[name] for name in self.shared_credentials)
        with OAuth1Session(key, client_secret=secret, callback_uri="oob") as session:
            self._redirected(session, API_HOST)
            _token(session.fetch_request_token, f"{API_HOST}/oauth/request_token")
            prompt.say(
                "Open this address, log in to X as the account cmsite posts as, and authorise the app:"
                f"\n\n  {session.authorization_url(f'{API_HOST}/oauth/authorize')}\n"
            )
            pin = prompt.ask("The PIN X shows")
            access = _token(session.fetch_access_token, f"{API_HOST}/oauth/access_token", verifier=pin)
        token, token_secret = (self.account_variable(self.account, name) for name in self.credentials[2:])
        return Login({**asked, token: access["oauth_token"], token_secret: access["oauth_token_secret"]})

    def publish_one(self, session: Any, part: Part) -> Published:
        """POST /2/tweets: the part, answering the one before it, with the first part's pictures."""
        media_ids = self._upload(part.pictures)
        answer = _ask(
            session.create_tweet,
            text=part.text,
            in_reply_to_tweet_id=part.reply_to.remote_id if part.reply_to else None,
            media_ids=media_ids or None,
            user_auth=True,
        )
        tweet_id = (answer.data or {}).get("id")
        if not tweet_id:
            raise PublishError(
                f"X: answered without the post's id ({answer.errors or answer.data})",
                retry=True,
                maybe_sent=True,
            )
        return _published(tweet_id)

    def find_one(self, session: Any, part: Part) -> Published | None:
        """The account's latest posts, looked through for the part's text answering `part.reply_to`
        (X gives a reply's parent as its `replied_to` referenced tweet)."""
        me = _ask(session.get_me, user_auth=True).data
        recent = _ask(
            session.get_users_tweets,
            me["id"],
            max_results=RECENT,
            tweet_fields=["referenced_tweets"],
            user_auth=True,
        ).data
        wanted = (_comparable(part.text), part.reply_to.remote_id if part.reply_to else None)
        for tweet in recent or []:
            if (_comparable(tweet.text), _replied_to(tweet.data)) == wanted:
                return _published(tweet.id)
        return None

    def delete(self, remote_id: str, idempotency_key: str | None = None) -> None:
        """DELETE /2/tweets/:id; X answers `{"data": {"deleted": true}}` (the thread's replies stay)."""
        with self.session() as client:
            answer = _ask(client.delete_tweet, remote_id, user_auth=True, action=Action.deleting(remote_id))
        if not (answer.data or {}).get("deleted"):
            raise PublishError(f"X did not delete post {remote_id}: it answered {answer.data}", retry=False)

    def metrics(self, remote_id: str) -> dict[str, int]:
        """GET /2/tweets/:id?tweet.fields=public_metrics: each count of METRICS that X gives."""
        action = Action.counting(remote_id)
        with self.session() as client:
            answer = _ask(
                client.get_tweet, remote_id, tweet_fields=["public_metrics"], user_auth=True, action=action
            )
        if answer.data is None:  # X answers 200 with only `errors` for a post it does not have
            detail = "; ".join(str(e.get("detail") or e.get("title")) for e in answer.errors or [])
            raise PublishError(
                f"X refused {action.what}: {detail}; {action.not_found(self.label)}", retry=False
            )
        return _counts(answer.data.public_metrics, METRICS)

    def account_metrics(self) -> dict[str, int]:
        """GET /2/users/me?user.fields=public_metrics (docs.x.com, Users lookup: the user object's
        public_metrics): followers, following, posts and the lists the account is on."""
        with self.session() as client:
            me = _ask(
                client.get_me, user_fields=["public_metrics"], user_auth=True, action=COUNTING_ACCOUNT
            ).data
        return _counts(me.public_metrics, ACCOUNT)


def _counts(public_metrics: dict[str, Any] | None, names: dict[str, str]) -> dict[str, int]:
    """Each count X gave, under cmsite's name for it: one X leaves out is not a zero."""
    counts = public_metrics or {}
    return {name: int(counts[field]) for field, name in names.items() if field in counts}


def _published(tweet_id: Any) -> Published:
    return Published(str(tweet_id), f"https://x.com/i/web/status/{tweet_id}")


def _replied_to(tweet: dict[str, Any]) -> str | None:
    """The id of the post `tweet` answers (its `replied_to` referenced tweet), None for a first post."""
    for referenced in tweet.get("referenced_tweets") or []:
        if referenced.get("type") == "replied_to":
            return str(referenced["id"])
    return None


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


def _ask(call: Callable[..., Any], *args: Any, action: Action = PUBLISHING, **kwargs: Any) -> Any:
    """One tweepy call; its failure as a PublishError that says whether to retry and what to do."""
    import requests
    import tweepy

    try:
        return call(*args, **kwargs)
    except (tweepy.TweepyException, requests.RequestException) as exc:
        raise _publish_error(exc, action) from None


def _publish_error(exc: Exception, action: Action = PUBLISHING) -> PublishError:
    """tweepy's exceptions → retry or not, with X's own message and what to do."""
    import requests
    import tweepy

    if isinstance(exc, tweepy.TooManyRequests | tweepy.TwitterServerError):
        detail = "rate limited" if isinstance(exc, tweepy.TooManyRequests) else "server error"
        said = "; ".join(exc.api_messages)
        return busy("X", exc.response, f"{detail}: {said}" if said else detail, "x-rate-limit-reset")
    if isinstance(exc, tweepy.HTTPException):
        status = exc.response.status_code
        messages = "; ".join(exc.api_messages) or str(status)
        if status in (401, 403):
            hint = "check the keys and the app's write permission"
        elif action is PUBLISHING:
            hint = "fix the post"
        elif action in (VERIFYING, COUNTING_ACCOUNT):  # about the account, not a post
            hint = "check the keys and the app's access level"
        else:
            hint = action.not_found("X") if status == 404 else "check the post id"
        return PublishError(f"X refused {action.what} ({status}): {messages}; {hint}", retry=False)
    if isinstance(exc, requests.exceptions.JSONDecodeError):  # a proxy's page, a cut body: it may be out
        return PublishError("X: answered with a body that is not JSON", retry=True, maybe_sent=True)
    return PublishError(
        f"X: no answer ({exc.__class__.__name__})", retry=True, maybe_sent=not _never_sent(exc)
    )


def _token(fetch: Callable[..., dict[str, str]], url: str, **kwargs: Any) -> dict[str, str]:
    """One step of the PIN login; X's refusal (a wrong PIN, keys it does not know) as a PublishError.
    Nothing is posted: a retry is harmless."""
    import requests
    from requests_oauthlib.oauth1_session import TokenRequestDenied

    step = url.rsplit("/", 1)[-1]
    try:
        token = fetch(url, **kwargs)
    except TokenRequestDenied as exc:
        answer = exc.response
        if answer.status_code == 429 or answer.status_code >= 500:
            raise busy("X", answer, answer.reason or "", "x-rate-limit-reset") from None
        hint = (
            "check the PIN (each works once)"
            if step == "access_token"
            else "check X_API_KEY and X_API_SECRET"
        )
        raise PublishError(
            f"X refused {step} ({answer.status_code}): {answer.text[:200]}; {hint}", retry=False
        ) from None
    except ValueError:  # requests-oauthlib's TokenMissing, or a body that is no token at all
        raise PublishError(f"X: the answer to {step} holds no token", retry=False) from None
    except requests.RequestException as exc:
        raise PublishError(f"X: no answer to {step} ({type(exc).__name__})", retry=True) from None
    if not token.get("oauth_token_secret"):
        raise PublishError(f"X: the answer to {step} holds no token secret", retry=False)
    return token


def _never_sent(exc: Exception) -> bool:
    """A failure before the request left this machine (no connection): safe to send again blindly."""
    import requests
    from urllib3.exceptions import NewConnectionError

    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(exc, requests.exceptions.ConnectTimeout) or isinstance(reason, NewConnectionError)


@hookimpl
def cmsite_networks() -> list[type[Network]]:
    return [X]
