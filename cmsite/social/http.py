"""What the network plugins that speak HTTP share: how a failed request is read and reported.

A request that got no answer may still have reached the network (a read timeout after the
body went out), and sending it again could post twice. Only a failure before anything was
sent (no connection) or a 429 (the network refused to look at it) is safe to retry blindly;
any other failure after the request left (no answer, a 5xx, a 2xx whose body cannot be
read) is marked `maybe_sent`, so the queue looks for the post (or asks a person) before
sending again.

The publisher uses `not_live` too: a post that links to its page waits until the page answers.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from cmsite.social.network import PUBLISHING, Action, PublishError


def no_answer(label: str, error: Exception) -> PublishError:
    """The PublishError for a transport failure: retried, and `maybe_sent` unless nothing left this machine."""
    import httpx

    never_sent = (
        httpx.ConnectError,
        httpx.ConnectTimeout,
        httpx.PoolTimeout,
        httpx.ProxyError,
        httpx.UnsupportedProtocol,
        httpx.LocalProtocolError,
    )
    return PublishError(
        f"{label}: no answer ({type(error).__name__})",
        retry=True,
        maybe_sent=not isinstance(error, never_sent),
    )


def send(
    label: str,
    check: Callable[[Any, Action], None],
    client: Any,
    method: str,
    url: str,
    *,
    action: Action = PUBLISHING,
    **options: Any,
) -> Any:
    """One httpx request: a lost answer is `no_answer` (it may have been posted), and the
    network's `check` turns a refusal into a PublishError that says what to do."""
    import httpx

    try:
        response = client.request(method, url, **options)
    except httpx.TransportError as exc:
        raise no_answer(label, exc) from None
    check(response, action)
    return response


def not_live(url: str, timeout: float) -> str | None:
    """Why the page at `url` is not live yet — its status, or what stopped the look — or None
    when it answers 200, redirects followed: what a network's fetch of it would find. Only the
    status is read, never the body."""
    import httpx

    try:
        with httpx.stream("GET", url, follow_redirects=True, timeout=timeout) as response:
            status = response.status_code
    except httpx.TimeoutException:
        return f"no answer in {timeout:g} s"
    except httpx.ConnectError:
        return "no connection"
    except httpx.TooManyRedirects:
        return "too many redirects"
    except httpx.HTTPError as exc:
        return type(exc).__name__
    return None if status == 200 else str(status)


def retry_after(response: Any, reset_header: str | None = None, *, now: float | None = None) -> float | None:
    """How long the network asks to wait, in seconds: its Retry-After header (a number of
    seconds or an HTTP date), else its rate-limit reset header (`reset_header`, a Unix time,
    such as X's x-rate-limit-reset or Bluesky's ratelimit-reset); None when it says nothing
    readable."""
    clock = datetime.now(UTC).timestamp() if now is None else now
    value = (response.headers.get("Retry-After") or "").strip()
    if (seconds := _seconds(value)) is not None:
        return max(0.0, seconds)
    until = _http_date(value)
    if until is None and reset_header:
        until = _seconds((response.headers.get(reset_header) or "").strip())
    return None if until is None else max(0.0, until - clock)


def _seconds(value: str) -> float | None:
    """A number, or None: not one, or not finite (an endless wait is no wait the queue can keep)."""
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _http_date(value: str) -> float | None:
    """An HTTP date as a Unix time, or None. HTTP dates are in UTC, the asctime form too, which
    says no zone (email.utils leaves that one without a time zone: it is not the local time)."""
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp()


def busy(label: str, response: Any, detail: str, reset_header: str | None = None) -> PublishError:
    """A 429 or 5xx: try again later, after what the network asked. A 429 refused the request
    unread; a 5xx may have come after the post was made (a proxy's 502 or 504, a crash after
    the write), so it is `maybe_sent` and the post is looked for before it is sent again."""
    status = response.status_code
    return PublishError(
        f"{label}: {status} {detail}".rstrip(),
        retry=True,
        retry_after=retry_after(response, reset_header),
        maybe_sent=status >= 500,
    )


def json_answer(label: str, response: Any) -> Any:
    """The JSON body of an answer that said yes. One that cannot be read leaves the outcome
    unknown (a proxy's page, a cut connection): `maybe_sent`, never a refusal."""
    try:
        return response.json()
    except ValueError:
        raise PublishError(
            f"{label}: answered {response.status_code} with a body that is not JSON",
            retry=True,
            maybe_sent=True,
        ) from None


GRAPH_RATE_LIMIT_CODES = frozenset({4, 17, 32, 613})  # Meta's Graph APIs: "too many calls"


def graph_error(response: Any) -> tuple[int | None, str, bool]:
    """A Meta Graph API error (Facebook, Threads): its code, its message, and whether to try again later."""
    try:
        error = response.json().get("error", {})
    except ValueError:
        error = {}
    code = error.get("code")
    message = error.get("error_user_msg") or error.get("message") or response.text[:200]
    retry = response.status_code == 429 or response.status_code >= 500 or code in GRAPH_RATE_LIMIT_CODES
    return code, message, retry


def graph_missing(response: Any) -> bool:
    """A Graph API answer saying the object does not exist: a 404, or code 100 with subcode 33."""
    if response.status_code == 404:
        return True
    try:
        error = response.json().get("error", {})
    except ValueError:
        return False
    return error.get("code") == 100 and error.get("error_subcode") == 33
