"""What the network plugins that speak HTTP through httpx share: how a failed request is read and reported.

A request that got no answer may still have reached the network (a read timeout after the
body went out), and sending it again could post twice. Only a failure before anything was
sent (no connection) is safe to retry blindly; any other is marked `maybe_sent`, so the
queue looks for the post (or asks a person) before sending again.
"""

from __future__ import annotations

from collections.abc import Callable
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


def retry_after(response: Any) -> float | None:
    """The Retry-After header in seconds, when the server sent one as a number."""
    value = response.headers.get("Retry-After", "")
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


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
