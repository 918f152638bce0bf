"""LinkedIn through the real queue, against a loopback Posts API: a thread whose sending stopped
halfway is finished with each post made once, and a refusal that echoes the token leaves it nowhere."""

from __future__ import annotations

import json
from urllib.parse import parse_qs

import pytest
from cmsite_linkedin import LinkedIn, shown_text

from cmsite.testing import (
    FakeNetwork,
    Reply,
    plan_on,
    publish_and_list,
    publish_until_done,
    queued_entry,
    thread_text,
)

TOKEN = "AQX-linkedin-access-token-0123456789abcdef"
AUTHOR = "urn:li:organization:42"
ENVIRON = {"LINKEDIN_ACCESS_TOKEN": TOKEN}
FINDER = {"author": [AUTHOR], "q": ["author"], "count": ["20"], "sortBy": ["LAST_MODIFIED"]}


class FakeLinkedIn(FakeNetwork):
    """The Posts API for one author: POST /rest/posts makes a post (201, its URN in x-restli-id),
    the author finder lists them newest first. `posts`: (URN, commentary), oldest first. Another
    token than TOKEN is refused (401); /v2/userinfo names the member, or, when the token lacks the
    openid and profile scopes (`openid` False), refuses with 403 as LinkedIn does."""

    bad_request = Reply(400, b'{"message": "not a request the Posts API takes"}')
    refused = Reply(503, b'{"message": "Service Unavailable", "status": 503}')
    lost = Reply(500, b'{"message": "Internal Server Error", "status": 500}')
    unauthorized = Reply(
        401,
        b'{"status": 401, "serviceErrorCode": 65600, "code": "INVALID_ACCESS_TOKEN", "message": "Invalid access token"}',
    )
    no_openid = Reply(
        403,
        b'{"status": 403, "serviceErrorCode": 100, "code": "ACCESS_DENIED", '
        b'"message": "Not enough permissions to access: userinfo.GET.NO_VERSION"}',
    )
    openid = True

    def answer(self, request):
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return self.unauthorized
        if request.path == "/v2/userinfo":  # Sign In with LinkedIn using OpenID Connect
            assert request.method == "GET" and not request.body
            return self.member() if self.openid else self.no_openid
        assert request.headers["LinkedIn-Version"] == "202411"
        assert request.headers["X-Restli-Protocol-Version"] == "2.0.0"
        path, _, query = request.path.partition("?")
        assert path == "/rest/posts"
        if request.method == "GET":
            assert request.headers["X-RestLi-Method"] == "FINDER" and parse_qs(query) == FINDER
            newest = [{"id": urn, "author": AUTHOR, "commentary": text} for urn, text in reversed(self.posts)]
            return Reply(
                200, json.dumps({"elements": newest[:20]}).encode(), {"Content-Type": "application/json"}
            )
        assert request.method == "POST" and not query
        body = request.json()
        assert body["author"] == AUTHOR and body["lifecycleState"] == "PUBLISHED" and "content" not in body
        return self.create(lambda: self.post(body["commentary"]))

    def member(self) -> Reply:
        member = {
            "sub": "782bbtaQ",
            "name": "Camille Carnet",
            "given_name": "Camille",
            "family_name": "Carnet",
        }
        return Reply(200, json.dumps(member).encode(), {"Content-Type": "application/json"})

    def post(self, commentary: str) -> Reply:
        urn = f"urn:li:share:{7001 + len(self.posts)}"
        self.posts.append((urn, commentary))
        return Reply(201, b"", {"x-restli-id": urn})


@pytest.mark.parametrize("variant", ["refused", "lost"])
@pytest.mark.parametrize("failing", [1, 2, 3])
def test_a_thread_stopped_halfway_is_finished_with_each_post_once(
    cmsite_site, loopback_server, failing, variant
):
    linkedin = FakeLinkedIn({failing: variant})
    loopback_server.handler(linkedin)
    settings = {"author": AUTHOR, "api": loopback_server.url}
    site = plan_on(cmsite_site, "linkedin", thread_text(LinkedIn), settings, thread=True)
    runs = publish_until_done(site, ENVIRON)
    assert [o.status for run in runs for o in run] == ["retry", "published"]
    entry = queued_entry(site)
    assert len(entry.texts) == 3 and linkedin.problems == []
    assert [shown_text(text) for _, text in linkedin.posts] == entry.texts  # each once, in order
    assert [part["remote_id"] for part in entry.parts] == [urn for urn, _ in linkedin.posts]
    assert (entry.status, entry.remote_id) == ("published", "urn:li:share:7001")


@pytest.mark.parametrize("status", [401, 403, 422, 500])
def test_a_refusal_that_echoes_the_token_leaves_it_nowhere(cmsite_site, loopback_server, status):
    echo = {"message": f"token {TOKEN} refused; header Authorization: Bearer {TOKEN}", "status": status}
    loopback_server.handler(lambda request: Reply(status, json.dumps(echo).encode()))
    settings = {"author": AUTHOR, "api": loopback_server.url}
    site = plan_on(cmsite_site, "linkedin", "Meetup tonight at 18:30.", settings, thread=True)
    published, _ = publish_and_list(site, [TOKEN], ENVIRON)
    (outcome,) = json.loads(published.stdout)
    assert outcome["status"] == ("retry" if status == 500 else "failed")
    assert "refused; header Authorization: Bearer ***" in outcome["message"]  # the echo, masked
    assert len(loopback_server.requests) == 1
