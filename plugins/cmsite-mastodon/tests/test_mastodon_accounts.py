"""`cmsite accounts` for Mastodon, against mastodon-mock (through the recording proxy): a token it
knows gives the account as @name@server, a missing token and instance are both named (Mastodon is
not asked), a token it refuses says what to do; nothing is posted."""

from __future__ import annotations

import pytest

from cmsite.testing import accounts_checked, plan_on

REFUSED = (
    "Mastodon refused the account's credentials (401): This method requires an authenticated user; "
    "create a new access token with read:accounts (write:statuses and write:media to post)"
)


@pytest.mark.parametrize(
    ("token", "instance", "state"),
    [("alice_token", True, "accepted"), ("", False, "missing"), ("not-a-real-token-123", True, "refused")],
    ids=["good", "missing", "refused"],
)
def test_cmsite_accounts_asks_mastodon_who_the_token_belongs_to(
    cmsite_site, front, proxy, token, instance, state
):
    settings = {"instance": front.url} if instance else {}
    site = plan_on(cmsite_site, "mastodon", "Meetup tonight.", settings, alone=True)
    code, rows = accounts_checked(
        site, {"MASTODON_ACCESS_TOKEN": token}, ["alice_token", "not-a-real-token-123"]
    )
    row = rows["mastodon (default)"]
    assert (code, row["state"]) == (int(state != "accepted"), state)
    if state == "accepted":
        assert (
            row["name"] == "@alice@mock.local" and row["details"] == []
        )  # the server's domain, from its answer
    elif state == "missing":
        assert row["details"] == [
            "MASTODON_ACCESS_TOKEN is not set; put it in the environment or the site's .env",
            "no instance for Mastodon account 'default'; set instance = \"https://social.example\" under "
            "[networks.mastodon]",
        ]
    else:
        assert row["details"] == [REFUSED]
    asked = [(r.method, r.path) for r in front.requests]
    assert asked == ([] if state == "missing" else [("GET", "/api/v1/accounts/verify_credentials")])
