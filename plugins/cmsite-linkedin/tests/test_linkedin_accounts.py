"""`cmsite accounts` for LinkedIn, against the loopback API that checks the token: a token it
accepts gives the member's name (/v2/userinfo), a missing token and author are both named
(LinkedIn is not asked), a token it refuses says what to do, and one without the openid and profile
scopes is said to be unchecked, not refused; nothing is posted."""

from __future__ import annotations

import pytest
from test_linkedin_queue import AUTHOR, TOKEN, FakeLinkedIn

from cmsite.testing import accounts_checked, plan_on

MISSING = [
    "LINKEDIN_ACCESS_TOKEN is not set; put it in the environment or the site's .env",
    "no author for LinkedIn account 'default'; set author = \"urn:li:organization:1234567\" under [networks.linkedin]",
]
REFUSED = ["LinkedIn refused the account's credentials (401): Invalid access token; renew the access token"]
UNCHECKED = [
    "LinkedIn does not say whose this token is (Not enough permissions to access: userinfo.GET.NO_VERSION): "
    "/v2/userinfo needs the openid and profile scopes, which a token that posts may lack"
]


@pytest.mark.parametrize(
    ("token", "openid", "state", "details"),
    [
        (TOKEN, True, "accepted", []),
        ("", True, "missing", MISSING),
        ("AQX-an-expired-linkedin-token", True, "refused", REFUSED),
        (TOKEN, False, "unchecked", UNCHECKED),
    ],
    ids=["good", "missing", "refused", "no-openid-scope"],
)
def test_cmsite_accounts_asks_linkedin_whose_token_it_is(
    cmsite_site, loopback_server, token, openid, state, details
):
    linkedin = FakeLinkedIn()
    linkedin.openid = openid
    loopback_server.handler(linkedin)
    settings = {"api": loopback_server.url, **({"author": AUTHOR} if token else {})}
    site = plan_on(cmsite_site, "linkedin", "Meetup tonight.", settings, alone=True)
    environ = {"LINKEDIN_ACCESS_TOKEN": token}
    code, rows = accounts_checked(site, environ, [TOKEN, "AQX-an-expired-linkedin-token"])
    row = rows["linkedin (default)"]
    assert (code, row["state"], row["details"]) == (int(state in ("missing", "refused")), state, details)
    assert row["name"] == ("Camille Carnet" if state == "accepted" else None)
    asked = [(r.method, r.path) for r in loopback_server.requests]
    assert asked == ([] if state == "missing" else [("GET", "/v2/userinfo")]) and linkedin.posts == []
