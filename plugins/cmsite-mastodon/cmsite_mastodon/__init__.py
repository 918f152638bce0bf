"""cmsite plugin: Mastodon, through Mastodon.py (imported only when something is sent)."""

from __future__ import annotations

import io
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from html.parser import HTMLParser
from typing import Any, ClassVar
from urllib.parse import urlencode, urlsplit

from cmsite.hookspecs import hookimpl
from cmsite.social.http import busy
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

DEFAULT_TIMEOUT = 30
RECENT = 40  # statuses per page of the account's timeline (the API's most)
PAGES = 25  # pages looked through at most for a lost part: the 1,000 latest statuses
CLOCK_SKEW = timedelta(minutes=5)  # the server's clock and ours may differ this much
LOOKING = Action("find", "to list the account's statuses")  # for a part whose answer was lost
SCOPES = {  # what the access token needs, by what cmsite asked
    "publish": "write:statuses and write:media",
    "find": "read:accounts and read:statuses",
    "delete": "write:statuses",
    "metrics": "read:statuses and read:accounts",  # a status's counts, the account's figures
    "verify": "read:accounts (write:statuses and write:media to post)",
}
# `cmsite accounts login`: OAuth out of band (Mastodon shows the code instead of redirecting), asking
# for what SCOPES lists; each step's hint when Mastodon refuses it.
OUT_OF_BAND = "urn:ietf:wg:oauth:2.0:oob"
LOGIN_SCOPES = ("read:accounts", "read:statuses", "write:media", "write:statuses")
REGISTERING = Action("register", "to register cmsite as an app")
AUTHORISING = Action("authorise", "the authorisation code")
LOGIN_HINTS = {
    "register": "check that the instance is the address of a Mastodon server, like https://mastodon.social",
    "authorise": "run the login again and paste the code the page shows (each code works once, for minutes)",
}
# The counts of a Status (https://docs.joinmastodon.org/entities/Status/) and of an Account
# (https://docs.joinmastodon.org/entities/Account/), by the names `cmsite metrics` gives them.
STATUS_COUNTS = {
    "favourites_count": "likes",
    "reblogs_count": "reposts",
    "replies_count": "replies",
    "quotes_count": "quotes",  # since Mastodon 4.5: an older server gives none
}
ACCOUNT_COUNTS = {"followers_count": "followers", "following_count": "following", "statuses_count": "posts"}
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
    required_settings: ClassVar[dict[str, str]] = {"instance": '"https://social.example"'}

    @contextmanager
    def session(self) -> Iterator[_Session]:
        """One client and one connection pool for every part of a send, closed after."""
        import requests
        from mastodon import Mastodon as Client

        token = self.account_secret("MASTODON_ACCESS_TOKEN")
        instance = self.required_option("instance")
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

    def _request(self, action: Action, ask: Callable[[Any], Any]) -> Any:
        """One request of `action` outside a send, with a client of its own: Mastodon's answer,
        or its refusal as a PublishError that says what to do."""
        from mastodon import MastodonError

        with self.session() as session:
            try:
                return ask(session.client)
            except MastodonError as exc:
                raise _publish_error(session, exc, action) from None

    def verify_credentials(self) -> str:
        """GET /api/v1/accounts/verify_credentials: the token's account, as @name@server."""
        account = self._request(VERIFYING, lambda client: client.account_verify_credentials())
        acct = str(account.get("acct") or account.get("username") or "")
        server = urlsplit(str(account.get("url") or self.options["instance"])).hostname
        return f"@{acct}" if "@" in acct or not server else f"@{acct}@{server}"

    def login(self, prompt: Prompt) -> Login:
        """Mastodon's OAuth, out of band: cmsite registers as an app on the instance (POST
        /api/v1/apps), the person opens the authorisation page and pastes the code it shows, and
        cmsite trades the code for an access token with LOGIN_SCOPES (POST /oauth/token)."""
        import requests

        settings = self.ask_settings(prompt)
        if "instance" in settings:
            settings["instance"] = _address(settings["instance"])
        instance = str(settings.get("instance") or self.options["instance"]).rstrip("/")
        timeout = float(self.options.get("timeout", DEFAULT_TIMEOUT))
        scope = " ".join(LOGIN_SCOPES)
        with requests.Session() as http:
            app_form = {"client_name": "cmsite", "redirect_uris": OUT_OF_BAND, "scopes": scope}
            app = _oauth(http, f"{instance}/api/v1/apps", REGISTERING, timeout, app_form)
            client = {"client_id": app["client_id"], "redirect_uri": OUT_OF_BAND, "scope": scope}
            again = {"force_login": "true"} if self.account != "default" else {}  # another account
            page = f"{instance}/oauth/authorize?{urlencode({'response_type': 'code', **client, **again})}"
            prompt.say(
                f"Open this address, log in to {urlsplit(instance).hostname} as the account cmsite "
                f"posts as, and authorise cmsite:\n\n  {page}\n"
            )
            code = prompt.ask("The authorisation code the page shows")
            form = {
                "grant_type": "authorization_code",
                "code": code,
                "client_secret": app.get("client_secret"),
            }
            token = _oauth(http, f"{instance}/oauth/token", AUTHORISING, timeout, {**form, **client})
        _check_granted(str(token.get("scope", "")))
        variable = self.account_variable(self.account, "MASTODON_ACCESS_TOKEN")
        return Login({variable: str(token["access_token"])}, settings)

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
        self._request(Action.deleting(remote_id), lambda client: client.status_delete(remote_id))

    def metrics(self, remote_id: str) -> dict[str, int]:
        """GET /api/v1/statuses/:id: the status's STATUS_COUNTS, those the server gives."""
        status = self._request(Action.counting(remote_id), lambda client: client.status(remote_id))
        return _counts(status, STATUS_COUNTS)

    def account_metrics(self) -> dict[str, int]:
        """GET /api/v1/accounts/verify_credentials: the token's own account, with the counts of
        its followers, follows and statuses (ACCOUNT_COUNTS)."""
        account = self._request(COUNTING_ACCOUNT, lambda client: client.account_verify_credentials())
        return _counts(account, ACCOUNT_COUNTS)


def _counts(entity: Any, names: dict[str, str]) -> dict[str, int]:
    """The counts of `names` that Mastodon's answer holds, by cmsite's names; one it leaves out
    stays out (a zero would be made up)."""
    return {name: int(entity[key]) for key, name in names.items() if entity.get(key) is not None}


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


def _address(instance: str) -> str:
    """An instance as people write it (mastodon.social) as the address cmsite.toml keeps."""
    instance = instance.strip().rstrip("/")
    return instance if "://" in instance else f"https://{instance}"


def _oauth(http: Any, url: str, action: Action, timeout: float, form: dict[str, Any]) -> dict[str, Any]:
    """One step of the login: a form POST, as Mastodon's docs show them; its JSON answer, or a
    PublishError with what Mastodon said and what to do. Nothing is posted: a retry is harmless."""
    import requests

    try:
        answer = http.post(url, data=form, timeout=timeout)
    except requests.RequestException as exc:
        raise PublishError(f"Mastodon: no answer from {url} ({type(exc).__name__})", retry=True) from None
    try:
        body = answer.json()
    except ValueError:
        body = None
    said = body.get("error_description") or body.get("error") if isinstance(body, dict) else None
    if answer.status_code == 429 or answer.status_code >= 500:
        raise busy("Mastodon", answer, str(said or answer.reason))
    needed = "access_token" if action is AUTHORISING else "client_id"
    if answer.status_code >= 300 or not isinstance(body, dict) or not body.get(needed):
        detail = said or (answer.reason if answer.status_code >= 300 else "not an answer Mastodon gives")
        raise PublishError(
            f"Mastodon refused {action.what} ({answer.status_code}): {detail}; {LOGIN_HINTS[action.kind]}",
            retry=False,
        )
    return body


def _check_granted(granted: str) -> None:
    """Mastodon may grant fewer scopes than asked: each of LOGIN_SCOPES must be in the token's
    scope, or the whole of it ("write" holds "write:media")."""
    have = set(granted.split())
    if missing := [s for s in LOGIN_SCOPES if s not in have and s.partition(":")[0] not in have]:
        raise PublishError(
            f"Mastodon granted the token {granted or 'no scope'}, without {', '.join(missing)}; "
            "run the login again and authorise every permission cmsite asks for",
            retry=False,
        )


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
