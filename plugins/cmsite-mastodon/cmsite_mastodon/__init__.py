"""cmsite plugin: Mastodon, through Mastodon.py (imported only when something is sent)."""

from __future__ import annotations

import io
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from html.parser import HTMLParser
from typing import Any, ClassVar

from cmsite.hookspecs import hookimpl
from cmsite.social.http import busy
from cmsite.social.network import PUBLISHING, Action, Network, Part, Published, PublishError

DEFAULT_TIMEOUT = 30
RECENT = 40  # statuses per page of the account's timeline (the API's most)
PAGES = 25  # pages looked through at most for a lost part: the 1,000 latest statuses
CLOCK_SKEW = timedelta(minutes=5)  # the server's clock and ours may differ this much
LOOKING = Action("find", "to list the account's statuses")  # for a part whose answer was lost
SCOPES = {  # what the access token needs, by what cmsite asked
    "publish": "write:statuses and write:media",
    "find": "read:accounts and read:statuses",
    "delete": "write:statuses",
    "metrics": "read:statuses",
}
_REMOTE_MENTION = re.compile(r"(?<![\w/@])@(\w+)@[\w.-]*\w")


@dataclass
class _Session:
    """One send's Mastodon.py client, and the last answer its requests session got: its status
    tells a lost answer from a refusal, its headers how long to wait (Mastodon.py keeps neither)."""

    client: Any
    answer: Any = None

    def heard(self, response: Any, *args: Any, **kwargs: Any) -> None:
        """A requests response hook."""
        self.answer = response


class Mastodon(Network):
    name = "mastodon"
    label = "Mastodon"
    max_length = 500
    counting = "mastodon"
    max_media = 4
    max_media_bytes = 16 * 1024 * 1024
    max_alt_length = 1500
    credentials = ("MASTODON_ACCESS_TOKEN",)
    settings: ClassVar[dict[str, tuple[type, Any]]] = {"instance": (str, None)}

    @contextmanager
    def session(self) -> Iterator[_Session]:
        """One client and one connection pool for every part of a send, closed after."""
        import requests
        from mastodon import Mastodon as Client

        token = self.account_secret("MASTODON", "ACCESS_TOKEN")
        instance = self.required_option("instance", '"https://social.example"')
        with requests.Session() as http:
            session = _Session(
                Client(
                    access_token=token,
                    api_base_url=instance,
                    ratelimit_method="throw",
                    request_timeout=self.options.get("timeout", DEFAULT_TIMEOUT),
                    version_check_mode="none",
                    session=http,
                )
            )
            http.hooks["response"].append(session.heard)
            yield session

    def publish_one(self, session: _Session, part: Part) -> Published:
        """POST /api/v1/statuses with the part's Idempotency-Key: within the hour Mastodon keeps
        keys, sending it again gives back the status made the first time."""
        from mastodon import MastodonError

        client = session.client
        try:
            media_ids = [
                client.media_post(
                    io.BytesIO(picture.data),
                    mime_type=picture.mime,
                    description=picture.alt,
                    file_name=picture.filename,
                )["id"]
                for picture in part.pictures
            ]
            status = client.status_post(
                part.text,
                media_ids=media_ids or None,
                in_reply_to_id=part.reply_to.remote_id if part.reply_to else None,
                idempotency_key=part.key,
            )
        except MastodonError as exc:
            raise _publish_error(session, exc) from None
        return _published(status)

    def find_one(self, session: _Session, part: Part) -> Published | None:
        """The account's recent status with the part's text (answering `part.reply_to`, if any).

        Mastodon forgets idempotency keys after an hour, so a part sent again later would
        be posted twice; this look-up is what prevents it.
        """
        from mastodon import MastodonError

        client = session.client
        text = _comparable(part.text)
        answers = part.reply_to.remote_id if part.reply_to else None
        try:
            for status in _since(client, client.me()["id"], part.since):
                if (
                    _id(status.get("in_reply_to_id")) == answers
                    and _comparable(_plain(status["content"])) == text
                ):
                    return _published(status)
        except MastodonError as exc:
            raise _publish_error(session, exc, LOOKING) from None
        return None

    def delete(self, remote_id: str, idempotency_key: str | None = None) -> None:
        """DELETE /api/v1/statuses/:id (the thread's replies stay)."""
        from mastodon import MastodonError

        with self.session() as session:
            try:
                session.client.status_delete(remote_id)
            except MastodonError as exc:
                raise _publish_error(session, exc, Action.deleting(remote_id)) from None

    def metrics(self, remote_id: str) -> dict[str, int]:
        from mastodon import MastodonError

        with self.session() as session:
            try:
                status = session.client.status(remote_id)
            except MastodonError as exc:
                raise _publish_error(session, exc, Action.counting(remote_id)) from None
        return {key: int(status.get(f"{key}_count", 0)) for key in ("replies", "reblogs", "favourites")}


def _published(status: Any) -> Published:
    """The status Mastodon answered; one without an id or address leaves the outcome unknown."""
    if not status.get("id") or not status.get("url"):
        raise PublishError("Mastodon: answered without the status's id or url", retry=True, maybe_sent=True)
    return Published(str(status["id"]), str(status["url"]))


def _id(value: Any) -> str | None:
    return None if value is None else str(value)


class _Text(HTMLParser):
    """The words of a status's HTML: tags dropped (a shortened link's hidden parts kept, so the
    link is whole again), paragraphs and line breaks as spaces, entities decoded."""

    def __init__(self) -> None:
        super().__init__()
        self.words: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("p", "br"):
            self.words.append(" ")

    def handle_data(self, data: str) -> None:
        self.words.append(data)


def _plain(content: str) -> str:
    parser = _Text()
    parser.feed(content)
    parser.close()
    return "".join(parser.words)


def _comparable(text: str) -> str:
    """Text as both sides can be compared: whitespace collapsed, and `@name@server` as the
    `@name` Mastodon shows."""
    return " ".join(_REMOTE_MENTION.sub(r"@\1", text).split())


def _since(client: Any, account: Any, since: datetime | None) -> Iterator[dict[str, Any]]:
    """The account's statuses, newest first, made since `since` (when the lost try began, less
    the clocks' difference: an older one with the same words is another post); the latest
    page only when that time is not known."""
    page = client.account_statuses(account, exclude_reblogs=True, limit=RECENT)
    for _ in range(PAGES):
        for status in page or []:
            if since is not None and status["created_at"] < since - CLOCK_SKEW:
                return
            yield status
        if not page or since is None:
            return
        page = client.fetch_next(page)


def _publish_error(session: _Session, exc: Exception, action: Action = PUBLISHING) -> PublishError:
    """Mastodon.py's exceptions → retry or not, with Mastodon's own message and what to do.

    Mastodon.py raises an API error both for a refusal and for a 2xx it cannot read, and a
    rate-limit error without the answer's headers: the last answer itself tells them apart.
    """
    from mastodon import MastodonAPIError, MastodonNetworkError, MastodonRatelimitError

    if isinstance(exc, MastodonNetworkError):
        return PublishError(
            f"Mastodon: no answer ({_cause(exc)})", retry=True, maybe_sent=not _never_sent(exc.__context__)
        )
    answer = session.answer
    if not isinstance(exc, MastodonAPIError | MastodonRatelimitError) or answer is None:
        return PublishError(f"Mastodon: {exc}", retry=False)  # refused by Mastodon.py before sending
    status = answer.status_code
    if status < 300:
        return PublishError(
            f"Mastodon: answered {status} with a body that cannot be read", retry=True, maybe_sent=True
        )
    if status == 429 or status >= 500:
        error = busy("Mastodon", answer, _detail(exc))
        reset = session.client.ratelimit_reset  # X-RateLimit-Reset, an ISO date Mastodon.py has read
        if error.retry_after is None and status == 429 and reset:
            error.retry_after = max(0.0, float(reset) - time.time())
        return error
    if status in (401, 403):
        scopes = SCOPES[action.kind]
        fix = (
            f"create a new access token with {scopes}" if status == 401 else f"give the access token {scopes}"
        )
        return PublishError(f"Mastodon refused {action.what} ({status}): {_detail(exc)}; {fix}", retry=False)
    hint = f"; {action.not_found('Mastodon')}" if status == 404 and action is not PUBLISHING else ""
    return PublishError(f"Mastodon refused {action.what} ({status}): {_detail(exc)}{hint}", retry=False)


def _never_sent(error: BaseException | None) -> bool:
    """Whether requests failed before the request left: no connection made (refused, no such
    host, connect timeout). A connection cut later, or a read timeout, may come after Mastodon
    made the post."""
    from requests.exceptions import ConnectionError
    from urllib3.exceptions import ConnectTimeoutError, MaxRetryError

    if not isinstance(error, ConnectionError) or not error.args:
        return False
    reason = error.args[0]
    if isinstance(reason, MaxRetryError):
        reason = reason.reason
    return isinstance(reason, ConnectTimeoutError)  # NewConnectionError is one too


def _cause(exc: Exception) -> str:
    return type(exc.__context__ or exc).__name__


def _detail(exc: Exception) -> str:
    """Mastodon's error message (the `error` of its JSON), else the HTTP reason."""
    args = [str(arg) for arg in exc.args[2:] if arg]
    return args[-1] if args else str(exc)


@hookimpl
def cmsite_networks() -> list[type[Network]]:
    return [Mastodon]
