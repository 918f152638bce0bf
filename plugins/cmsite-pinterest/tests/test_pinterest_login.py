"""`cmsite accounts login pinterest`: a pasted token, or Pinterest's OAuth (authorization code, the
redirected address pasted back, the code traded at POST /v5/oauth/token with HTTP Basic), then the
board picked among the account's; checked with GET /v5/user_account, then written. A refusal
writes nothing."""

from __future__ import annotations

import re
import tomllib
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from pinterest_fake import APP_ID, APP_SECRET, BOARD, CODE, OTHER_BOARD, TOKEN, FakePinterest

from cmsite.social.login import LoginError
from cmsite.testing import Answers, env_values, login_with, plan_on

REDIRECT = "http://localhost:8085/"
APP = {"PINTEREST_APP_ID": APP_ID, "PINTEREST_APP_SECRET": APP_SECRET}


@pytest.fixture
def fake(loopback_server):
    fake = FakePinterest()
    loopback_server.handler(fake)
    yield fake
    assert fake.problems == []


@pytest.fixture
def site(cmsite_site, loopback_server):
    return plan_on(cmsite_site, "pinterest", "Soup of the week.", {"api": loopback_server.url}, alone=True)


def board_setting(site) -> str:
    return tomllib.loads((site.root / "cmsite.toml").read_text())["networks"]["pinterest"]["board"]


def authorise(code: str = CODE, state: str | None = None):
    """The person: open the authorisation page the login gave (asked as Pinterest documents it),
    allow the app, and paste the address Pinterest sent the browser to."""

    def person(said: list[str]) -> str:
        (address,) = re.findall(r"https://www\.pinterest\.com/oauth/\S+", said[-1])
        query = {
            key: values[0] for key, values in parse_qs(urlsplit(address).query, strict_parsing=True).items()
        }
        assert query == {
            "client_id": APP_ID, "redirect_uri": REDIRECT, "response_type": "code",
            "scope": "boards:read,pins:read,pins:write,user_accounts:read", "state": query["state"],
        }  # fmt: skip
        return f"{REDIRECT}?{urlencode({'code': code, 'state': state or query['state']})}"

    return person


def test_a_pasted_token_then_a_board_picked_from_the_list(site, fake):
    answers = Answers("", TOKEN, "2")
    done = login_with(site, "pinterest", answers)
    assert [question for _, question in answers.asked] == [
        "Pinterest app id, for the OAuth login (leave it empty to paste an access token)",
        "PINTEREST_ACCESS_TOKEN",
        "The board to pin to (its number in the list, or its id)",
    ]
    assert answers.asked[1][0] == "secret" and "developers.pinterest.com" in answers.said[0]
    assert answers.said[1] == f"  1. Recipes ({BOARD})\n  2. Travel ({OTHER_BOARD})"
    assert done.name == "@carnet" and env_values(site.root) == {"PINTEREST_ACCESS_TOKEN": TOKEN}
    assert board_setting(site) == OTHER_BOARD
    assert [(m, p) for m, p, _, _ in fake.calls] == [("GET", "/v5/boards"), ("GET", "/v5/user_account")]


def test_the_oauth_flow_trades_the_code_for_a_token(site, fake):
    answers = Answers(authorise(), BOARD)
    done = login_with(site, "pinterest", answers, environ=APP)
    assert [kind for kind, _ in answers.asked] == ["ask", "ask"]  # the app's id and secret were known
    assert done.name == "@carnet" and env_values(site.root) == {"PINTEREST_ACCESS_TOKEN": TOKEN}
    assert board_setting(site) == BOARD
    (token_call,) = [call for call in fake.calls if call[1] == "/v5/oauth/token"]
    assert parse_qs(token_call[3].decode()) == {
        "grant_type": ["authorization_code"], "code": [CODE], "redirect_uri": [REDIRECT],
    }  # fmt: skip
    assert not any(TOKEN in text for text in [*answers.said, *done.notes])


def test_the_app_asked_for_is_kept_for_the_next_login(site, fake):
    answers = Answers(APP_ID, authorise(), APP_SECRET, "1")
    login_with(site, "pinterest", answers)
    assert answers.asked[2] == ("secret", "PINTEREST_APP_SECRET (the app's secret key)")
    config = tomllib.loads((site.root / "cmsite.toml").read_text())["networks"]["pinterest"]
    assert (config["app_id"], config["board"]) == (APP_ID, BOARD)
    assert "PINTEREST_APP_SECRET" not in env_values(site.root)  # sending needs the token only


@pytest.mark.parametrize(
    ("person", "granted", "says"),
    [
        (authorise(state="another-login"), None, "not Pinterest's answer to this login"),
        (
            authorise(code="stale-code"),
            None,
            r"refused the authorisation code \(400\): Invalid authorization code",
        ),
        (authorise(), "boards:read,pins:read", "granted the token without pins:write, user_accounts:read"),
        (lambda said: f"{REDIRECT}?error=access_denied", None, "did not authorise the app: access_denied"),
    ],
    ids=["state", "code", "scopes", "denied"],
)
def test_a_failed_oauth_login_writes_nothing(site, fake, person, granted, says):
    fake.granted = granted or fake.granted
    config = (site.root / "cmsite.toml").read_text()
    with pytest.raises(LoginError, match=says) as caught:
        login_with(site, "pinterest", Answers(person, BOARD), environ=APP)
    assert str(caught.value).endswith("nothing was written") and APP_SECRET not in str(caught.value)
    assert not (site.root / ".env").exists() and (site.root / "cmsite.toml").read_text() == config


def test_a_refused_token_writes_nothing(site, fake):
    with pytest.raises(LoginError, match=r"refused to list the account's boards \(401\).*new access token"):
        login_with(site, "pinterest", Answers("", "pina_expired", "1"))
    assert not (site.root / ".env").exists()


def test_a_wrong_app_secret_says_so_and_is_never_shown(site, fake):
    wrong = {**APP, "PINTEREST_APP_SECRET": "not-the-secret"}
    with pytest.raises(LoginError, match=r"\(401\).*check the app's id and secret key") as caught:
        login_with(site, "pinterest", Answers(authorise(), BOARD), environ=wrong)
    assert "not-the-secret" not in str(caught.value) and not (site.root / ".env").exists()
