"""What `cmsite metrics` reads from Mastodon, against mastodon-mock (through the recording proxy):
a status's counts under the names every network shares, and the account's figures; a refusal says
what to do and never shows the token."""

from __future__ import annotations

import pytest
from cmsite_mastodon import Mastodon
from test_mastodon import alice

from cmsite.social.network import Credentials, PublishError


def test_a_statuss_counts_go_by_the_shared_names(server, front, proxy):
    status = server.client("alice").status_post("Counted")
    for name in ("bob", "carol"):
        server.client(name).status_favourite(status["id"])
    server.client("bob").status_reblog(status["id"])
    server.client("carol").status_post("Well said", in_reply_to_id=status["id"])
    assert alice(front.url).metrics(str(status["id"])) == {"likes": 2, "reposts": 1, "replies": 1}
    (asked,) = front.requests
    assert (asked.method, asked.path) == ("GET", f"/api/v1/statuses/{status['id']}")
    assert asked.headers["Authorization"] == "Bearer alice_token"


def test_quotes_are_counted_where_the_server_counts_them(loopback_server):
    """Mastodon 4.5 added `quotes_count`; an older server leaves it out (see the test above)."""
    status = {
        "id": "1", "uri": "https://social.example/s/1", "url": "https://social.example/@alice/1",
        "content": "<p>Quoted</p>", "created_at": "2026-11-22T12:00:00.000Z",
        "replies_count": 0, "reblogs_count": 4, "favourites_count": 9, "quotes_count": 3,
    }  # fmt: skip
    loopback_server.reply(json_body=status)
    assert alice(loopback_server.url).metrics("1") == {"likes": 9, "reposts": 4, "replies": 0, "quotes": 3}


def test_the_accounts_figures_are_its_followers_follows_and_statuses(server, front, proxy):
    alice_id = server.client("alice").me()["id"]
    for name in ("bob", "carol"):
        server.client(name).account_follow(alice_id)
    for text in ("One", "Two", "Three"):
        server.client("alice").status_post(text)
    assert alice(front.url).account_metrics() == {"followers": 2, "following": 1, "posts": 3}
    (asked,) = front.requests  # one read, nothing posted
    assert (asked.method, asked.path) == ("GET", "/api/v1/accounts/verify_credentials")
    assert asked.headers["Authorization"] == "Bearer alice_token"


@pytest.mark.parametrize(
    ("token", "status", "fix"),
    [
        ("not-a-real-token-123", 401, "create a new access token with"),  # a token Mastodon does not know
        ("alice_token", 403, "give the access token"),  # a token without read:accounts
    ],
)
def test_a_refused_count_of_the_account_says_which_scopes_and_never_shows_the_token(
    server, token, status, fix
):
    if status == 403:
        server.fault(
            path="/api/v1/accounts/verify_credentials",
            methods=["GET"],
            status=403,
            body={"error": "This action is outside the authorized scopes"},
            count=1,
        )
    network = Mastodon(
        "default",
        {"instance": server.base_url},
        Credentials(("MASTODON_ACCESS_TOKEN",), {"MASTODON_ACCESS_TOKEN": token}),
    )
    with pytest.raises(PublishError) as caught:
        network.account_metrics()
    message = str(caught.value)
    assert message.startswith(f"Mastodon refused the account's figures ({status}): ")
    assert message.endswith(f"; {fix} read:statuses and read:accounts")
    assert caught.value.retry is False and token not in message
