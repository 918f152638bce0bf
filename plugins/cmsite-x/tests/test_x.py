"""X against a loopback server checking the documented API v2 request and its OAuth 1.0a signature."""

from __future__ import annotations

import pytest
from cmsite_x import X

from cmsite.social.network import Credentials, PublishError, SocialPost

KEYS = {
    "X_API_KEY": "app-key",
    "X_API_SECRET": "app-secret",
    "X_ACCESS_TOKEN": "user-token",
    "X_ACCESS_TOKEN_SECRET": "user-secret",
}


def network(server):
    return X("default", {"api": server.url}, Credentials(tuple(KEYS), KEYS))


def test_a_thread_is_a_chain_of_replies(loopback_server):
    loopback_server.reply(201, json_body={"data": {"id": "1001", "text": "one"}})
    loopback_server.reply(201, json_body={"data": {"id": "1002", "text": "two"}})
    published = network(loopback_server).publish(SocialPost(["One 1/2", "Two 2/2"]), "key-1")
    first, second = loopback_server.requests
    assert (first.method, first.path) == ("POST", "/2/tweets")
    assert first.json() == {"text": "One 1/2"}
    assert second.json() == {"text": "Two 2/2", "reply": {"in_reply_to_tweet_id": "1001"}}
    auth = first.headers["Authorization"]
    assert auth.startswith("OAuth ")
    for part in (
        'oauth_consumer_key="app-key"',
        'oauth_token="user-token"',
        'oauth_signature_method="HMAC-SHA1"',
        "oauth_signature=",
    ):
        assert part in auth
    assert "secret" not in auth  # secrets sign the request; they are never sent
    assert published.remote_id == "1001" and published.url == "https://x.com/i/web/status/1001"


def test_errors(loopback_server):
    loopback_server.reply(
        429, json_body={"title": "Too Many Requests"}, headers={"x-rate-limit-reset": "9999999999"}
    )
    with pytest.raises(PublishError) as caught:
        network(loopback_server).publish(SocialPost(["x"]), "k")
    assert caught.value.retry and caught.value.retry_after > 0
    loopback_server.reply(
        403,
        json_body={"detail": "You are not allowed to create a Tweet with duplicate content.", "status": 403},
    )
    with pytest.raises(PublishError) as caught:
        network(loopback_server).publish(SocialPost(["x"]), "k")
    assert not caught.value.retry and "duplicate content" in str(caught.value)
    loopback_server.reply(503, json_body={"title": "Service Unavailable"})
    with pytest.raises(PublishError) as caught:
        network(loopback_server).publish(SocialPost(["x"]), "k")
    assert caught.value.retry


def test_missing_keys_are_named():
    with pytest.raises(PublishError, match="X_TEAM_ACCESS_TOKEN, X_TEAM_ACCESS_TOKEN_SECRET not set"):
        X("team", {}, Credentials(tuple(KEYS), KEYS)).publish(SocialPost(["x"]), "k")


def test_find_looks_through_recent_posts_ignoring_shortened_links(loopback_server):
    loopback_server.reply(200, json_body={"data": {"id": "42", "name": "Carnet", "username": "carnet"}})
    loopback_server.reply(
        200,
        json_body={
            "data": [
                {"id": "7", "text": "Plan the week https://t.co/abc123", "edit_history_tweet_ids": ["7"]}
            ],
            "meta": {"result_count": 1},
        },
    )
    found = network(loopback_server).find(
        SocialPost(["Plan the week https://carnet.example.org/posts/plan/"]), "k"
    )
    assert found.remote_id == "7"
    me, tweets = loopback_server.requests
    assert me.path == "/2/users/me"
    assert tweets.path.startswith("/2/users/42/tweets?") and "max_results=20" in tweets.path
    loopback_server.reply(200, json_body={"data": {"id": "42", "name": "Carnet", "username": "carnet"}})
    loopback_server.reply(200, json_body={"meta": {"result_count": 0}})
    assert network(loopback_server).find(SocialPost(["Not there"]), "k") is None
