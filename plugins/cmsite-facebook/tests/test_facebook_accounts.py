"""`cmsite accounts` for a Facebook page, against the loopback Graph API that checks the token: a
page token it accepts gives the page's name, a missing token and page id are both named (Facebook
is not asked), a token it refuses says what to do; nothing is posted."""

from __future__ import annotations

import pytest
from test_facebook_queue import PAGE, TOKEN, FakePage

from cmsite.testing import accounts_checked, plan_on

MISSING = [
    "FACEBOOK_PAGE_TOKEN is not set; put it in the environment or the site's .env",
    "no page_id for Facebook account 'default'; set page_id = \"1234567890\" under [networks.facebook]",
]
REFUSED = [
    "Facebook refused the account's credentials: Invalid OAuth access token - Cannot parse access token "
    "(code 190); get a new page access token"
]


@pytest.mark.parametrize(
    ("token", "state", "details"),
    [(TOKEN, "accepted", []), ("", "missing", MISSING), ("EAAG-an-expired-page-token", "refused", REFUSED)],
    ids=["good", "missing", "refused"],
)
def test_cmsite_accounts_reads_the_page(cmsite_site, loopback_server, token, state, details):
    page = FakePage()
    loopback_server.handler(page)
    settings = {"api": loopback_server.url, **({"page_id": "555"} if token else {})}
    site = plan_on(cmsite_site, "facebook", "Meetup tonight.", settings, alone=True)
    code, rows = accounts_checked(site, {"FACEBOOK_PAGE_TOKEN": token}, [TOKEN, "EAAG-an-expired-page-token"])
    row = rows["facebook (default)"]
    assert (code, row["state"], row["details"]) == (int(state != "accepted"), state, details)
    assert row["name"] == ("Carnet de route (page 555)" if state == "accepted" else None)
    asked = [(r.method, r.path.partition("?")[0]) for r in loopback_server.requests]
    assert (
        asked == ([] if state == "missing" else [("GET", PAGE)]) and page.posts == [] and page.problems == []
    )
