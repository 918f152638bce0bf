"""Facebook through the real queue, against a loopback Graph API: a thread whose sending stopped
halfway is finished with each page post made once, and a refusal that echoes the page token leaves
it nowhere."""

from __future__ import annotations

import json
from urllib.parse import parse_qs

import pytest
from cmsite_facebook import FacebookPage

from cmsite.testing import (
    FakeNetwork,
    Reply,
    plan_on,
    publish_and_list,
    publish_until_done,
    queued_entry,
    thread_text,
)

TOKEN = "EAAG-facebook-page-token-0123456789abcdef"
ENVIRON = {"FACEBOOK_PAGE_TOKEN": TOKEN}
PAGE = "/v21.0/555"
FEED = f"{PAGE}/feed"


def fields(text: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(text, keep_blank_values=True).items()}


class FakePage(FakeNetwork):
    """A page on the Graph API: GET /{page}?fields=name reads it, POST /{page}/feed makes a post
    ({"id": ...}), GET lists them newest first. `posts`: (id, message), oldest first. Another token
    than TOKEN is refused (code 190), as the Graph API refuses it."""

    bad_request = Reply(
        400, b'{"error": {"message": "(#100) not a request the Graph API takes", "code": 100}}'
    )
    refused = Reply(503, b"Service Unavailable")
    lost = Reply(500, b'{"error": {"message": "An unexpected error has occurred.", "code": 2}}')
    bad_token = Reply(
        400,
        b'{"error": {"message": "Invalid OAuth access token - Cannot parse access token", '
        b'"type": "OAuthException", "code": 190, "fbtrace_id": "Ab1"}}',
    )

    def answer(self, request):
        path, _, query = request.path.partition("?")
        if {**fields(query), **fields(request.body.decode())}.get("access_token") != TOKEN:
            return self.bad_token
        if path == PAGE:
            assert request.method == "GET" and fields(query) == {"fields": "name", "access_token": TOKEN}
            return Reply(
                200, b'{"name": "Carnet de route", "id": "555"}', {"Content-Type": "application/json"}
            )
        assert path == FEED
        if request.method == "GET":
            assert fields(query) == {"fields": "id,message", "limit": "25", "access_token": TOKEN}
            newest = [{"id": id_, "message": message} for id_, message in reversed(self.posts)]
            return Reply(
                200, json.dumps({"data": newest[:25]}).encode(), {"Content-Type": "application/json"}
            )
        form = fields(request.body.decode())
        assert request.method == "POST" and not query and form.keys() == {"message", "access_token"}
        assert form["access_token"] == TOKEN
        return self.create(lambda: self.post(form["message"]))

    def post(self, message: str) -> Reply:
        id_ = f"555_{9001 + len(self.posts)}"
        self.posts.append((id_, message))
        return Reply(200, json.dumps({"id": id_}).encode(), {"Content-Type": "application/json"})


@pytest.mark.parametrize("variant", ["refused", "lost"])
@pytest.mark.parametrize("failing", [1, 2, 3])
def test_a_thread_stopped_halfway_is_finished_with_each_post_once(
    cmsite_site, loopback_server, failing, variant
):
    page = FakePage({failing: variant})
    loopback_server.handler(page)
    settings = {"page_id": "555", "api": loopback_server.url}
    site = plan_on(cmsite_site, "facebook", thread_text(FacebookPage), settings, thread=True)
    runs = publish_until_done(site, ENVIRON)
    assert [o.status for run in runs for o in run] == ["retry", "published"]
    entry = queued_entry(site)
    assert len(entry.texts) == 3 and page.problems == []
    assert [message for _, message in page.posts] == entry.texts  # each once, in order
    assert [part["remote_id"] for part in entry.parts] == [id_ for id_, _ in page.posts]
    assert (entry.status, entry.remote_url) == ("published", "https://www.facebook.com/555_9001")


@pytest.mark.parametrize("status", [401, 403, 422, 500])
def test_a_refusal_that_echoes_the_token_leaves_it_nowhere(cmsite_site, loopback_server, status):
    error = {"message": f"Invalid OAuth access token - Cannot parse access token: {TOKEN}", "code": 190}
    body = json.dumps(
        {"error": {**error, "error_user_msg": f"access_token={TOKEN}", "type": "OAuthException"}}
    )
    loopback_server.handler(
        lambda request: Reply(status, body.encode(), {"Content-Type": "application/json"})
    )
    settings = {"page_id": "555", "api": loopback_server.url}
    site = plan_on(cmsite_site, "facebook", "Meetup tonight at 18:30.", settings, thread=True)
    published, _ = publish_and_list(site, [TOKEN], ENVIRON)
    (outcome,) = json.loads(published.stdout)
    assert outcome["status"] == ("retry" if status == 500 else "failed")
    assert "access_token=***" in outcome["message"]  # the echo, masked
    assert len(loopback_server.requests) == 1
