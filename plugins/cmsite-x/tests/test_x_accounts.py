"""`cmsite accounts` for X, against the loopback X that checks each request's OAuth 1.0a signature:
keys it accepts give the account's @username, missing ones are each named (X is not asked), keys
it refuses say so; nothing is posted."""

from __future__ import annotations

import pytest
from test_x import KEYS
from test_x_queue import FakeX

from cmsite.testing import accounts_checked, plan_on


@pytest.mark.parametrize(
    ("changed", "state", "says"),
    [
        ({}, "accepted", []),
        (
            {"X_API_KEY": "", "X_ACCESS_TOKEN_SECRET": ""},
            "missing",
            [
                "X_API_KEY is not set; put it in the environment or the site's .env",
                "X_ACCESS_TOKEN_SECRET is not set; put it in the environment or the site's .env",
            ],
        ),
        (
            {"X_ACCESS_TOKEN_SECRET": "another-token-secret"},
            "refused",
            [
                "X refused the account's credentials (401): Unauthorized; "
                "check the keys and the app's write permission"
            ],
        ),
    ],
    ids=["good", "missing", "refused"],
)
def test_cmsite_accounts_asks_x_who_the_keys_belong_to(cmsite_site, loopback_server, changed, state, says):
    x = FakeX()
    loopback_server.handler(x)
    site = plan_on(cmsite_site, "x", "Meetup tonight.", {"api": loopback_server.url}, alone=True)
    code, rows = accounts_checked(site, {**KEYS, **changed}, [*KEYS.values(), "another-token-secret"])
    assert (code, rows["x (default)"]["state"], rows["x (default)"]["details"]) == (
        int(state != "accepted"),
        state,
        says,
    )
    assert rows["x (default)"]["name"] == ("@carnet (Carnet)" if state == "accepted" else None)
    asked = [(r.method, r.path) for r in loopback_server.requests]
    assert asked == ([] if state == "missing" else [("GET", "/2/users/me")]) and x.tweets == {}
