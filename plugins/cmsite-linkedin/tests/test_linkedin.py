"""LinkedIn against a loopback server checking the documented Posts API request."""

from __future__ import annotations

import pytest
from cmsite_linkedin import LinkedIn, little_text, shown_text

from cmsite.social.network import Credentials, PublishError, SocialPost
from cmsite.testing import Reply


def network(server, token="tok-123"):
    options = {"author": "urn:li:organization:42", "api": server.url, "api_version": "202411"}
    return LinkedIn(
        "default", options, Credentials(("LINKEDIN_ACCESS_TOKEN",), {"LINKEDIN_ACCESS_TOKEN": token})
    )


def test_little_text_escaping_and_hashtags():
    text = "Q&A (live) at 18:00 — *bring* [notes] <3 @team_lead {ok} ~ | \\ #Planning #Modération"
    escaped = little_text(text)
    assert escaped == (
        "Q&A \\(live\\) at 18:00 — \\*bring\\* \\[notes\\] \\<3 \\@team\\_lead \\{ok\\} \\~ \\| \\\\ "
        "{hashtag|\\#|Planning} {hashtag|\\#|Modération}"
    )
    assert shown_text(escaped) == text
    assert LinkedIn.count(text) == len(text)  # the limit counts what readers see


def test_publish_sends_the_documented_request(loopback_server):
    loopback_server.handler(lambda request: Reply(201, b"", {"x-restli-id": "urn:li:share:7001"}))
    published = network(loopback_server).publish(SocialPost(["New post (with notes) #Planning"]), "key-1")
    (request,) = loopback_server.requests
    assert (request.method, request.path) == ("POST", "/rest/posts")
    assert request.headers["Authorization"] == "Bearer tok-123"
    assert request.headers["LinkedIn-Version"] == "202411"
    assert request.headers["X-Restli-Protocol-Version"] == "2.0.0"
    body = request.json()
    assert body["author"] == "urn:li:organization:42"
    assert body["commentary"] == "New post \\(with notes\\) {hashtag|\\#|Planning}"
    assert body["visibility"] == "PUBLIC" and body["lifecycleState"] == "PUBLISHED"
    assert body["distribution"]["feedDistribution"] == "MAIN_FEED"
    assert published.remote_id == "urn:li:share:7001"
    assert published.url == "https://www.linkedin.com/feed/update/urn:li:share:7001/"


def test_refusals_and_retries(loopback_server):
    loopback_server.reply(422, json_body={"message": "commentary too long", "status": 422})
    with pytest.raises(PublishError) as caught:
        network(loopback_server).publish(SocialPost(["x"]), "k")
    assert not caught.value.retry and "commentary too long" in str(caught.value)
    loopback_server.reply(401, json_body={"message": "Invalid access token"})
    with pytest.raises(PublishError, match="renew the access token") as caught:
        network(loopback_server, token="very-secret").publish(SocialPost(["x"]), "k")
    assert "very-secret" not in str(caught.value)
    loopback_server.reply(503, json_body={"message": "busy"})
    with pytest.raises(PublishError) as caught:
        network(loopback_server).publish(SocialPost(["x"]), "k")
    assert caught.value.retry
