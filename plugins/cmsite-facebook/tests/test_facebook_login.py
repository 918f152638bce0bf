"""`cmsite accounts login facebook`: the page id is asked and the page token pasted (unseen, after
a word on Meta's Graph API Explorer), both checked by reading the page on the loopback Graph API,
then written — the token to .env, the page id to cmsite.toml; a token Facebook refuses writes
nothing."""

from __future__ import annotations

import tomllib

import pytest
from test_facebook_queue import PAGE, TOKEN, FakePage

from cmsite.social.login import LoginError
from cmsite.testing import Answers, env_values, login_with, plan_on


@pytest.mark.parametrize("token", [TOKEN, "EAAG-an-expired-page-token"], ids=["good", "refused"])
def test_the_page_and_its_token_are_checked_then_written(cmsite_site, loopback_server, token):
    page = FakePage()
    loopback_server.handler(page)
    site = plan_on(cmsite_site, "facebook", "Meetup tonight.", {"api": loopback_server.url}, alone=True)
    config = (site.root / "cmsite.toml").read_text()
    answers = Answers("555", token)
    if token == TOKEN:
        assert login_with(site, "facebook", answers).name == "Carnet de route (page 555)"
        assert env_values(site.root) == {"FACEBOOK_PAGE_TOKEN": TOKEN}
        assert (
            tomllib.loads((site.root / "cmsite.toml").read_text())["networks"]["facebook"]["page_id"] == "555"
        )
    else:
        with pytest.raises(
            LoginError, match=r"^Facebook refused the account's credentials.*nothing was written$"
        ):
            login_with(site, "facebook", answers)
        assert not (site.root / ".env").exists() and (site.root / "cmsite.toml").read_text() == config
    assert answers.asked == [("ask", "page_id (like 1234567890)"), ("secret", "FACEBOOK_PAGE_TOKEN")]
    assert "Graph API Explorer" in answers.said[0] and "pages_manage_posts" in answers.said[0]
    assert [(r.method, r.path.partition("?")[0]) for r in loopback_server.requests] == [("GET", PAGE)]
    assert page.posts == [] and page.problems == []
