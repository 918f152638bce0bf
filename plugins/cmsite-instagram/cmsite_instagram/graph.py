"""Requests to the Instagram Graph API and what its refusals mean, for either login.

Instagram API with Facebook Login (Facebook Login for Business, a Facebook user token, host
graph.facebook.com) and Instagram API with Instagram Login (Business Login for Instagram, an
Instagram user token, host graph.instagram.com) take the same requests; they differ in host and
in the names of the permissions (Meta's Instagram Platform overview and each endpoint's
"Requirements" table). Errors are the Graph API's `{"error": {"message", "code",
"error_subcode", "error_user_msg", …}}` (Instagram Platform, Error Codes).
"""

from __future__ import annotations

from typing import Any

from cmsite.social.http import busy, graph_error, graph_missing, json_answer, send
from cmsite.social.network import COUNTING_ACCOUNT, PUBLISHING, VERIFYING, Action, PublishError

HOSTS = {"facebook": "https://graph.facebook.com", "instagram": "https://graph.instagram.com"}
TOKEN_CODES = {190}
PERMISSION_CODES = {10, 200}
PUBLISHING_LIMIT = (9, 2207042)  # code, subcode: the account's publishing limit is reached (media_publish)
# The permissions each kind of request needs, by login (each endpoint's "Requirements" table)
PERMISSIONS = {
    "facebook": {
        "publish": "instagram_basic, instagram_content_publish and pages_read_engagement "
        "(instagram_manage_comments for a first comment)",
        "delete": "instagram_basic and instagram_manage_contents",
        "metrics": "instagram_basic and instagram_manage_insights",
        "verify": "instagram_basic and pages_read_engagement",
    },
    "instagram": {
        "publish": "instagram_business_basic and instagram_business_content_publish "
        "(instagram_business_manage_comments for a first comment)",
        "delete": "instagram_business_basic",
        "metrics": "instagram_business_basic and instagram_business_manage_insights",
        "verify": "instagram_business_basic",
    },
}


def request(
    client: Any,
    method: str,
    path: str,
    fields: dict[str, Any],
    *,
    token: str,
    login: str,
    publishes: bool = False,
    action: Action = PUBLISHING,
) -> dict[str, Any]:
    """One request, the token as the API takes it (a form field for POST, else the query).

    A failure is `maybe_sent` only for a request that `publishes` (media_publish, a comment):
    a container alone shows nothing on Instagram, and asking again is harmless."""
    fields = {**fields, "access_token": token}
    options = {"data": fields} if method == "POST" else {"params": fields}

    def check(response: Any, action: Action) -> None:
        _check(response, action, login)

    try:
        response = send("Instagram", check, client, method, path, action=action, **options)
        answer: dict[str, Any] = json_answer("Instagram", response)
    except PublishError as error:
        error.maybe_sent = error.maybe_sent and publishes
        raise
    return answer


def _check(response: Any, action: Action, login: str) -> None:
    """429, 5xx, rate-limit codes and the publishing limit are tried again later; the rest fail
    with what to do."""
    if response.status_code < 400:
        return
    code, message, retry = graph_error(response)
    if retry or (code, _subcode(response)) == PUBLISHING_LIMIT:
        raise busy("Instagram", response, f"{message} (code {code})")
    raise PublishError(
        f"Instagram refused {action.what} ({response.status_code}): {message} (code {code}); "
        f"{_hint(response, code, action, login)}",
        retry=False,
    )


def _hint(response: Any, code: int | None, action: Action, login: str) -> str:
    if code in TOKEN_CODES or response.status_code == 401:
        return "get a new access token and put it in INSTAGRAM_ACCESS_TOKEN"
    if code in PERMISSION_CODES or response.status_code == 403:
        return f"give the token {PERMISSIONS[login][action.kind]}"
    if action is PUBLISHING:
        return "check the caption, the pictures and the user_id setting"
    if action in (VERIFYING, COUNTING_ACCOUNT):  # about the account, not a post
        return "check the user_id setting"
    return action.not_found("Instagram") if graph_missing(response) else "check the post id"


def _subcode(response: Any) -> int | None:
    try:
        return response.json().get("error", {}).get("error_subcode")
    except (ValueError, AttributeError):
        return None
