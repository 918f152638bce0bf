"""How cmsite talks with Pinterest API v5: the addresses, the bearer token, and how a refusal is read.

Pinterest answers a refusal with a status and an `Error` body, `{"code": <int>, "message": <str>}`
(developers.pinterest.com/docs/api/v5, schema `Error`; the same in Pinterest's generated
clients, pinterest/pinterest-python-generated-api-client docs/Error.md). Its codes are not a
documented list one could branch on, so cmsite branches on the status each endpoint documents
(Create Pin: 400 invalid parameters, 403 "the Pin's image is too small, too large or is broken",
404 "board or section not found", 429 "this request exceeded a rate limit") and shows the code
and message as Pinterest gave them.
"""

from __future__ import annotations

from typing import Any

from cmsite.social.http import busy, json_answer, send
from cmsite.social.network import PUBLISHING, Action, PublishError

API = "https://api.pinterest.com"  # the `api` setting replaces it (a proxy, a test server)
VERSION = "v5"
PIN_PAGE = "https://www.pinterest.com/pin/{id}/"  # where people open a Pin
TOKEN_VARIABLE = "PINTEREST_ACCESS_TOKEN"
# The OAuth scopes each kind of request needs (developers.pinterest.com/docs/getting-started/scopes/)
SCOPES = {
    "publish": "pins:write and boards:read",
    "find": "pins:read and boards:read",
    "delete": "pins:write",
    "metrics": "pins:read (and user_accounts:read for the account's figures)",
    "verify": "user_accounts:read",
    "boards": "boards:read",
}
PUBLISH_HINTS = {
    400: "check the title, the description, the link and the picture",
    403: f"the picture may be too small, too large or broken, or the token lacks {SCOPES['publish']}, "
    "or the board is not the account's",
    404: "no such board for this account: check the board setting (the board's id, digits only)",
}
LOGIN_HINTS = {
    400: "run the login again and paste the address at once (a code works once, for minutes)",
    401: "check the app's id and secret key (PINTEREST_APP_ID, PINTEREST_APP_SECRET)",
}
NEW_TOKEN = (
    f"get a new access token (Pinterest's last 30 days) and put it in {TOKEN_VARIABLE}, "
    "or run `cmsite accounts login pinterest`"
)


def error_of(response: Any) -> tuple[str, str]:
    """Pinterest's `code` and `message`, or what can be shown of a body that is not its `Error`."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return "", response.text[:200] or response.reason_phrase
    code = body.get("code")
    return ("" if code is None else f" (code {code})"), str(body.get("message") or response.reason_phrase)


def check(response: Any, action: Action) -> None:
    """429 and 5xx are tried again later (after Retry-After); any other refusal fails with what to do."""
    status = response.status_code
    if status < 400:
        return
    code, message = error_of(response)
    if status == 429 or status >= 500:
        raise busy("Pinterest", response, f"{message}{code}")
    raise PublishError(
        f"Pinterest refused {action.what} ({status}): {message}{code}; {_hint(status, action)}", retry=False
    )


def _hint(status: int, action: Action) -> str:
    """What to do about a refusal, by its status and what was asked."""
    if action.kind == "login":  # the OAuth token exchange
        return LOGIN_HINTS.get(status, LOGIN_HINTS[400])
    if status == 401:
        return NEW_TOKEN
    if action is PUBLISHING:
        return PUBLISH_HINTS.get(status, PUBLISH_HINTS[400])
    if status == 403:
        return f"the token needs {SCOPES[action.kind]}"
    if status == 404 and action.kind in ("delete", "metrics"):
        return action.not_found("Pinterest")
    return {
        "find": "check the board setting",
        "delete": "check the pin id",
        "metrics": "check the pin id",
    }.get(action.kind, "check the account's token and settings")


def request(
    client: Any,
    token: str,
    method: str,
    path: str,
    *,
    action: Action = PUBLISHING,
    publishes: bool = False,
    **options: Any,
) -> Any:
    """One request to /v5`path` with the bearer token; the JSON answer (None for 204 No Content).

    A lost or unreadable answer is `maybe_sent` only for the request that `publishes` (Create
    Pin): nothing else puts a Pin on a board."""
    headers = {"Authorization": f"Bearer {token}"}
    try:
        response = send(
            "Pinterest", check, client, method, f"/{VERSION}{path}", action=action, headers=headers, **options
        )
        return None if response.status_code == 204 else json_answer("Pinterest", response)
    except PublishError as error:
        error.maybe_sent = error.maybe_sent and publishes
        raise
