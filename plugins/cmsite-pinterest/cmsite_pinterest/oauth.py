"""`cmsite accounts login pinterest`: an access token by Pinterest's OAuth, or pasted; then the board.

OAuth is the authorization-code flow Pinterest documents
(developers.pinterest.com/docs/getting-started/set-up-authentication-and-authorization/): the
person opens `https://www.pinterest.com/oauth/?client_id=…&redirect_uri=…&response_type=code&
scope=…&state=…`, allows the app, and Pinterest sends the browser to the app's redirect URI with
`code` and `state`; cmsite trades the code for a token at `POST /v5/oauth/token` (HTTP Basic
with the app id and secret, form `grant_type=authorization_code`, `code`, `redirect_uri`).
Pinterest has no out-of-band redirect, so the person pastes the address the browser was sent to
(a page that need not load). Without an app, the person pastes a token made on the developer site.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlencode, urlsplit

from cmsite.social.http import json_answer, send
from cmsite.social.network import Action, Login, Prompt, PublishError
from cmsite_pinterest import api

if TYPE_CHECKING:
    from cmsite_pinterest import Pinterest

SCOPES = ("boards:read", "pins:read", "pins:write", "user_accounts:read")
AUTHORISING = Action("login", "the authorisation code")
LISTING = Action("boards", "to list the account's boards")


def log_in(network: Pinterest, prompt: Prompt) -> Login:
    """The token (OAuth when there is an app, pasted otherwise), then the board if none is set."""
    settings: dict[str, str] = {}
    app_id = network.options.get("app_id") or network.secrets.get("PINTEREST_APP_ID")
    if not app_id:
        app_id = prompt.ask("Pinterest app id, for the OAuth login (leave it empty to paste an access token)")
        settings = {"app_id": app_id} if app_id else {}
    with network.session() as client:
        if app_id:
            token = _authorised(network, client, prompt, str(app_id))
        else:
            prompt.say(network.login_help)
            token = prompt.secret(network.secret_names()[0])
        if not network.options.get("board"):
            settings["board"] = _board(client, token, prompt)
    return Login({network.secret_names()[0]: token}, settings)


def _authorised(network: Pinterest, client: Any, prompt: Prompt, app_id: str) -> str:
    """The authorization-code flow: the page to open, the address pasted back, the code traded."""
    state = secrets.token_urlsafe(16)
    redirect = str(network.options["redirect_uri"])
    query = {
        "client_id": app_id,
        "redirect_uri": redirect,
        "response_type": "code",
        "scope": ",".join(SCOPES),
        "state": state,
    }
    prompt.say(
        "Open this address, log in to Pinterest as the account cmsite pins for, and allow the app:\n\n"
        f"  {network.options['oauth_page']}?{urlencode(query)}\n\n"
        f"Pinterest then sends the browser to {redirect} (the page may not load: that is fine)."
    )
    code = _code(prompt.ask("The address the browser was sent to"), state)
    secret = network.secrets.get("PINTEREST_APP_SECRET") or prompt.secret(
        "PINTEREST_APP_SECRET (the app's secret key)"
    )
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect}
    response = send(
        "Pinterest",
        api.check,
        client,
        "POST",
        f"/{api.VERSION}/oauth/token",
        action=AUTHORISING,
        data=form,
        auth=(app_id, secret),
    )
    answer = json_answer("Pinterest", response)
    granted = set(str(answer.get("scope", "")).replace(",", " ").split())
    if missing := [scope for scope in SCOPES if scope not in granted]:
        raise PublishError(
            f"Pinterest granted the token without {', '.join(missing)}; run the login again and allow "
            "everything the page asks",
            retry=False,
        )
    return str(answer["access_token"])


def _code(address: str, state: str) -> str:
    """The code of the address Pinterest redirected to, once its state is this login's."""
    query = parse_qs(urlsplit(address.strip()).query)
    if "error" in query:
        raise PublishError(f"Pinterest did not authorise the app: {query['error'][0]}", retry=False)
    if query.get("state") != [state] or not query.get("code"):
        raise PublishError(
            "that address is not Pinterest's answer to this login (no code, or another login's state); "
            "run the login again and paste the address the browser was sent to",
            retry=False,
        )
    return query["code"][0]


def _board(client: Any, token: str, prompt: Prompt) -> str:
    """GET /v5/boards: the account's boards, numbered; the one picked (by number or id)."""
    listed = api.request(client, token, "GET", "/boards", action=LISTING, params={"page_size": 100})
    boards = [(str(board["id"]), str(board.get("name") or "")) for board in (listed or {}).get("items", [])]
    if not boards:
        raise PublishError(
            "the account has no board to pin to; make one on Pinterest, then log in again", retry=False
        )
    prompt.say("\n".join(f"  {n}. {name} ({board})" for n, (board, name) in enumerate(boards, 1)))
    chosen = prompt.ask("The board to pin to (its number in the list, or its id)").strip()
    if chosen.isdigit() and 1 <= int(chosen) <= len(boards):
        return boards[int(chosen) - 1][0]
    if chosen in {board for board, _ in boards}:
        return chosen
    raise PublishError(f"{chosen!r} is none of the boards listed; run the login again", retry=False)
