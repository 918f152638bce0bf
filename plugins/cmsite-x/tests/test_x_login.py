"""`cmsite accounts login x`: X's PIN-based OAuth 1.0a against the loopback X (FakeX), which checks
each request's signature — the request token signed with the app's keys alone and oauth_callback=oob,
the access token with the request token and the PIN as oauth_verifier — then the keys it gives are
checked with GET /2/users/me before they are written to .env. Once through a terminal (pexpect), as
a person types it: the app's keys are typed unseen, and no secret is ever shown."""

from __future__ import annotations

import io
import os
import re
import sys
from pathlib import Path

import httpx
import pexpect
import pytest
from test_x import KEYS
from test_x_queue import FakeX

from cmsite.social.login import LoginError
from cmsite.testing import Answers, env_values, login_with, plan_on

APP = {name: KEYS[name] for name in ("X_API_KEY", "X_API_SECRET")}
CMSITE = Path(sys.executable).parent / "cmsite"


def pin_on_the_page(server: str, address: str) -> str:
    """The person opens the authorisation address (X's, served here by the loopback X) and reads
    the PIN the page shows."""
    assert address == "https://api.twitter.com/oauth/authorize?oauth_token=request-token-1"
    page = httpx.get(address.replace("https://api.twitter.com", server))
    return re.search(r"<code>(\d+)</code>", page.text).group(1)


@pytest.fixture
def x(cmsite_site, loopback_server):
    """The loopback X, and the site's [networks.x] pointing at it."""
    fake = FakeX()
    loopback_server.handler(fake)
    plan_on(cmsite_site, "x", "Meetup tonight.", {"api": loopback_server.url}, alone=True)
    return fake


@pytest.fixture
def person(loopback_server):
    """An answer for the PIN question: what the person reads on the page the login gave, or
    `typed` instead once the page was opened."""

    def reading(typed: str | None = None):
        def answer(said: list[str]) -> str:
            (address,) = re.findall(r"https?://\S+", said[-1])
            shown = pin_on_the_page(loopback_server.url, address)
            return typed or shown

        return answer

    return reading


def test_the_app_keys_are_asked_then_the_pin_gives_the_accounts_keys(cmsite_site, loopback_server, x, person):
    answers = Answers(APP["X_API_KEY"], APP["X_API_SECRET"], person())
    done = login_with(cmsite_site, "x", answers)
    assert answers.asked == [("secret", "X_API_KEY"), ("secret", "X_API_SECRET"), ("ask", "The PIN X shows")]
    assert "developer.x.com" in answers.said[0] and "Read and write" in answers.said[0]
    assert [(r.method, r.path.partition("?")[0]) for r in loopback_server.requests] == [
        ("POST", "/oauth/request_token"), ("GET", "/oauth/authorize"), ("POST", "/oauth/access_token"),
        ("GET", "/2/users/me"),
    ]  # fmt: skip
    assert done.name == "@carnet (Carnet)" and env_values(cmsite_site.root) == KEYS
    assert x.tweets == {}


def test_app_keys_in_the_environment_are_not_asked_and_another_account_has_its_own_tokens(
    cmsite_site, x, person
):
    answers = Answers(person())
    done = login_with(cmsite_site, "x", answers, environ=APP, account="team")
    assert answers.asked == [("ask", "The PIN X shows")]
    assert env_values(cmsite_site.root) == {
        "X_TEAM_ACCESS_TOKEN": KEYS["X_ACCESS_TOKEN"],
        "X_TEAM_ACCESS_TOKEN_SECRET": KEYS["X_ACCESS_TOKEN_SECRET"],
    }
    assert done.variables == ("X_TEAM_ACCESS_TOKEN", "X_TEAM_ACCESS_TOKEN_SECRET")


@pytest.mark.parametrize(
    ("app", "pin", "says"),
    [
        (
            {**APP, "X_API_SECRET": "not-the-app-secret"},
            None,
            "X refused request_token (401): Could not authenticate you.; check X_API_KEY and X_API_SECRET",
        ),
        (
            APP,
            "1234567",
            "X refused access_token (401): Error processing your OAuth request: Invalid oauth_verifier "
            "parameter; check the PIN (each works once)",
        ),
    ],
    ids=["wrong-app-secret", "wrong-pin"],
)
def test_a_refusal_writes_nothing_and_shows_no_key(cmsite_site, x, person, app, pin, says):
    with pytest.raises(LoginError) as caught:
        login_with(cmsite_site, "x", Answers(person(pin)), environ=app)
    assert str(caught.value) == f"{says}; nothing was written"
    assert not (cmsite_site.root / ".env").exists()


def test_cmsite_accounts_login_in_a_terminal(cmsite_site, loopback_server, x):
    """The whole command as a person runs it: the app's keys typed unseen, the address opened, the
    PIN typed; no secret is in what the terminal showed."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("X_", "CMSITE_"))}
    child = pexpect.spawn(
        str(CMSITE), ["--site", str(cmsite_site.root), "accounts", "login", "x"],
        env={**env, "TERM": "dumb"}, encoding="utf-8", timeout=60,
    )  # fmt: skip
    child.logfile_read = shown = io.StringIO()
    child.expect_exact("X_API_KEY (hidden): ")
    child.sendline(APP["X_API_KEY"])
    child.expect_exact("X_API_SECRET (hidden): ")
    child.sendline(APP["X_API_SECRET"])
    child.expect(r"https://api\.twitter\.com/oauth/authorize\S+")
    address = child.match.group(0)
    child.expect_exact("The PIN X shows: ")
    child.sendline(pin_on_the_page(loopback_server.url, address))
    child.expect_exact("X account 'default' connected as @carnet (Carnet): ")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert env_values(cmsite_site.root) == KEYS
    assert "X_ACCESS_TOKEN, X_ACCESS_TOKEN_SECRET written to .env" in shown.getvalue()
    assert not any(secret in shown.getvalue() for secret in KEYS.values())
