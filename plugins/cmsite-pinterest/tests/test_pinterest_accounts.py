"""`cmsite accounts` for Pinterest, against the loopback API that checks the bearer token: a token it
accepts gives the account's @username, a missing token and board are both named (Pinterest is not
asked), a token it refuses says what to do; nothing is pinned."""

from __future__ import annotations

import pytest
from pinterest_fake import BOARD, TOKEN, FakePinterest

from cmsite.testing import accounts_checked, plan_on

MISSING = [
    "PINTEREST_ACCESS_TOKEN is not set; put it in the environment or the site's .env",
    "no board for Pinterest account 'default'; set board = \"549755885175\" under [networks.pinterest]",
]
REFUSED = [
    "Pinterest refused the account's credentials (401): Authentication failed. (code 2); get a new access "
    "token (Pinterest's last 30 days) and put it in PINTEREST_ACCESS_TOKEN, or run `cmsite accounts login pinterest`"
]


@pytest.mark.parametrize(
    ("token", "board", "state", "details"),
    [
        (TOKEN, BOARD, "accepted", []),
        ("", "", "missing", MISSING),
        ("pina_expired", BOARD, "refused", REFUSED),
    ],
    ids=["good", "missing", "refused"],
)
def test_cmsite_accounts_reads_the_user_account(cmsite_site, loopback_server, token, board, state, details):
    fake = FakePinterest()
    loopback_server.handler(fake)
    settings = {"api": loopback_server.url, **({"board": board} if board else {})}
    site = plan_on(cmsite_site, "pinterest", "Soup of the week.", settings, alone=True)
    code, rows = accounts_checked(site, {"PINTEREST_ACCESS_TOKEN": token}, [TOKEN, "pina_expired"])
    row = rows["pinterest (default)"]
    assert (code, row["state"], row["details"]) == (int(state != "accepted"), state, details)
    assert row["name"] == ("@carnet" if state == "accepted" else None)
    assert [(m, p) for m, p, _, _ in fake.calls] == (
        [] if state == "missing" else [("GET", "/v5/user_account")]
    )
    assert fake.posts == []
