"""`cmsite accounts` for Threads, against the loopback Graph API that checks the token: a token it
accepts gives the account's @username, a missing one is named (Threads is not asked), one it
refuses says what to do; nothing is posted."""

from __future__ import annotations

import pytest
from test_threads import TOKEN, FakeThreads

from cmsite.testing import accounts_checked, plan_on

REFUSED = (
    "Threads refused the account's credentials (400): Invalid OAuth access token - Cannot parse access "
    "token (code 190); get a new access token and put it in THREADS_ACCESS_TOKEN"
)


@pytest.mark.parametrize(
    ("token", "state", "details"),
    [
        (TOKEN, "accepted", []),
        ("", "missing", ["THREADS_ACCESS_TOKEN is not set; put it in the environment or the site's .env"]),
        ("an-expired-threads-token", "refused", [REFUSED]),
    ],
    ids=["good", "missing", "refused"],
)
def test_cmsite_accounts_reads_the_threads_profile(cmsite_site, loopback_server, token, state, details):
    threads = FakeThreads()
    loopback_server.handler(threads)
    site = plan_on(cmsite_site, "threads", "Meetup tonight.", {"api": loopback_server.url}, alone=True)
    code, rows = accounts_checked(site, {"THREADS_ACCESS_TOKEN": token}, [TOKEN, "an-expired-threads-token"])
    row = rows["threads (default)"]
    assert (code, row["state"], row["details"]) == (int(state != "accepted"), state, details)
    assert row["name"] == ("@carnet" if state == "accepted" else None)
    asked = [(method, path) for method, path, _ in threads.calls]
    assert asked == ([] if state == "missing" else [("GET", "/v1.0/me")]) and threads.posts == {}
