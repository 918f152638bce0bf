"""`cmsite accounts login bluesky`, against the reference PDS (through the recording proxy): the
handle and an app password are asked (the password unseen, with a word to make an app password and
never give the main one), checked by createSession, then written: the password to .env (mode
0600), the handle to cmsite.toml. A password the PDS refuses writes nothing."""

from __future__ import annotations

import tomllib

import pytest

from cmsite.social.login import LoginError
from cmsite.testing import Answers, env_values, login_with, plan_on

LOGIN = ["/xrpc/com.atproto.server.createSession", "/xrpc/com.atproto.server.getSession"]


def test_the_handle_and_app_password_are_asked_checked_and_written(cmsite_site, pds, account, proxy):
    handle, password = account
    site = plan_on(cmsite_site, "bluesky", "Meetup tonight.", {"service": pds["pds"]}, alone=True)
    answers = Answers(handle, password)
    done = login_with(site, "bluesky", answers)
    assert answers.asked == [("ask", "handle (like carnet.example.org)"), ("secret", "BLUESKY_APP_PASSWORD")]
    assert (
        "App passwords" in answers.said[0]
        and "Never give cmsite the account's own password" in answers.said[0]
    )
    assert done.name == f"@{handle}" and env_values(site.root) == {"BLUESKY_APP_PASSWORD": password}
    table = tomllib.loads((site.root / "cmsite.toml").read_text())["networks"]["bluesky"]
    assert table == {"service": pds["pds"], "handle": handle}
    assert [path.partition("?")[0] for _, path, _ in proxy.log] == LOGIN


def test_a_password_the_pds_refuses_writes_nothing(cmsite_site, pds, account, proxy):
    handle, _ = account
    settings = {"service": pds["pds"], "handle": handle}
    site = plan_on(cmsite_site, "bluesky", "Meetup tonight.", settings, alone=True)
    with pytest.raises(LoginError) as caught:
        login_with(site, "bluesky", Answers("not-the-app-password"))
    assert str(caught.value).startswith("Bluesky refused the account's credentials (401): ")
    assert str(caught.value).endswith("; check the handle and app password; nothing was written")
    assert "not-the-app-password" not in str(caught.value) and not (site.root / ".env").exists()
