"""`cmsite accounts login linkedin`: the author URN is asked and the token pasted (unseen, after a
word on LinkedIn's developer portal), the token checked on the loopback API (/v2/userinfo), then
written; a token LinkedIn refuses writes nothing."""

from __future__ import annotations

import pytest
from test_linkedin_queue import AUTHOR, TOKEN, FakeLinkedIn

from cmsite.social.login import LoginError
from cmsite.testing import Answers, env_values, login_with, plan_on


@pytest.mark.parametrize("token", [TOKEN, "AQX-an-expired-linkedin-token"], ids=["good", "refused"])
def test_the_pasted_token_is_checked_then_written(cmsite_site, loopback_server, token):
    linkedin = FakeLinkedIn()
    loopback_server.handler(linkedin)
    site = plan_on(cmsite_site, "linkedin", "Meetup tonight.", {"api": loopback_server.url}, alone=True)
    answers = Answers(AUTHOR, token)
    if token == TOKEN:
        assert login_with(site, "linkedin", answers).name == "Camille Carnet"
        assert env_values(site.root) == {"LINKEDIN_ACCESS_TOKEN": TOKEN}
    else:
        with pytest.raises(LoginError, match=r"^LinkedIn refused the account's credentials \(401\)"):
            login_with(site, "linkedin", answers)
        assert not (site.root / ".env").exists()
    assert answers.asked == [
        ("ask", "author (like urn:li:organization:1234567)"),
        ("secret", "LINKEDIN_ACCESS_TOKEN"),
    ]
    assert "linkedin.com/developers" in answers.said[0] and "OpenID Connect" in answers.said[0]
    assert [(r.method, r.path) for r in loopback_server.requests] == [("GET", "/v2/userinfo")]
