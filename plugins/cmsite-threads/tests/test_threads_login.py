"""`cmsite accounts login threads`: the token is pasted (unseen, after a word on where Meta makes
it), checked against the loopback Graph API (the account's profile), then written to .env; a
token Threads refuses writes nothing."""

from __future__ import annotations

import pytest
from test_threads import TOKEN, FakeThreads

from cmsite.social.login import LoginError
from cmsite.testing import Answers, env_values, login_with, plan_on


@pytest.mark.parametrize("token", [TOKEN, "an-expired-threads-token"], ids=["good", "refused"])
def test_the_pasted_token_is_checked_then_written(cmsite_site, loopback_server, token):
    threads = FakeThreads()
    loopback_server.handler(threads)
    site = plan_on(cmsite_site, "threads", "Meetup tonight.", {"api": loopback_server.url}, alone=True)
    answers = Answers(token)
    if token == TOKEN:
        assert login_with(site, "threads", answers).name == "@carnet"
        assert env_values(site.root) == {"THREADS_ACCESS_TOKEN": TOKEN}
    else:
        with pytest.raises(
            LoginError, match=r"^Threads refused the account's credentials \(400\).*nothing was"
        ):
            login_with(site, "threads", answers)
        assert not (site.root / ".env").exists()
    assert answers.asked == [("secret", "THREADS_ACCESS_TOKEN")]
    assert "developers.facebook.com" in answers.said[0] and "Graph API Explorer" in answers.said[0]
    assert [(method, path) for method, path, _ in threads.calls] == [("GET", "/v1.0/me")]
