"""`cmsite accounts` for Bluesky, against the reference PDS (through the recording proxy): a handle
and app password it accepts give the account's handle, a missing password and handle are both named
(the PDS is not asked), a password it refuses says what to do; nothing is posted."""

from __future__ import annotations

import pytest

from cmsite.testing import accounts_checked, plan_on

LOGIN = ["/xrpc/com.atproto.server.createSession", "/xrpc/com.atproto.server.getSession"]


@pytest.mark.parametrize(
    ("password", "with_handle", "state"),
    [(None, True, "accepted"), ("", False, "missing"), ("not-the-app-password", True, "refused")],
    ids=["good", "missing", "refused"],
)
def test_cmsite_accounts_logs_in_to_the_pds(cmsite_site, pds, account, proxy, password, with_handle, state):
    handle, real = account
    settings = {"service": pds["pds"], **({"handle": handle} if with_handle else {})}
    site = plan_on(cmsite_site, "bluesky", "Meetup tonight.", settings, alone=True)
    environ = {"BLUESKY_APP_PASSWORD": real if password is None else password}
    code, rows = accounts_checked(site, environ, [real, "not-the-app-password"])
    row = rows["bluesky (default)"]
    assert (code, row["state"]) == (int(state != "accepted"), state)
    if state == "accepted":
        assert row["name"] == f"@{handle}" and row["details"] == []
    elif state == "missing":
        assert row["details"] == [
            "BLUESKY_APP_PASSWORD is not set; put it in the environment or the site's .env",
            "no handle for Bluesky account 'default'; set handle = \"carnet.example.org\" under [networks.bluesky]",
        ]
    else:
        (refusal,) = row["details"]
        assert refusal.startswith("Bluesky refused the account's credentials (401): ")
        assert refusal.endswith("; check the handle and app password")
    asked = [path.partition("?")[0] for _, path, _ in proxy.log]
    assert asked == {"accepted": LOGIN, "missing": [], "refused": LOGIN[:1]}[state]
