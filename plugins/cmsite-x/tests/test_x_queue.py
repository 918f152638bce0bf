"""X through the real queue: a thread whose part fails half-way is finished without a double post,
and credentials that X echoes back never reach an output or the site's state files."""

from __future__ import annotations

import json
from importlib import metadata
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from cmsite_x import API_HOST, X
from test_x import KEYS, ME

from cmsite.testing import Reply, plan_on, publish_and_list, publish_until_done, thread_text


def ok(body: Any, status: int = 200) -> Reply:
    return Reply(status, json.dumps(body).encode(), {"Content-Type": "application/json"})


UNAUTHORIZED = {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"}


def oauth_signed(request, token_secret: str | None) -> dict[str, str] | None:
    """The request's OAuth 1.0a parameters when its signature (HMAC-SHA1) is the one the app's keys
    and `token_secret` make (None: no token yet, as for a request token), for the request as it
    was signed: to api.twitter.com, before the plugin's transport sent it here; else None. A JSON
    body is not signed; the query is."""
    from oauthlib.common import Request
    from oauthlib.oauth1.rfc5849 import signature

    uri = API_HOST + request.path
    oauth = dict(signature.collect_parameters(headers=request.headers, exclude_oauth_signature=False))
    signed = Request(uri, request.method, headers=request.headers)
    signed.params = signature.collect_parameters(uri_query=urlsplit(uri).query, headers=request.headers)
    signed.signature = oauth.get("oauth_signature", "")
    if oauth.get("oauth_consumer_key") != KEYS["X_API_KEY"] or ("oauth_token" in oauth) != bool(token_secret):
        return None
    return oauth if signature.verify_hmac_sha1(signed, KEYS["X_API_SECRET"], token_secret) else None


def signed_with_the_keys(request) -> bool:
    """Whether the request is signed with the app's and the account's keys (KEYS)."""
    oauth = oauth_signed(request, KEYS["X_ACCESS_TOKEN_SECRET"])
    return oauth is not None and oauth["oauth_token"] == KEYS["X_ACCESS_TOKEN"]


class FakeX:
    """The part of X API v2 the plugin uses to post and to look: POST /2/tweets, GET /2/users/me,
    GET /2/users/:id/tweets (newest first, each reply with its `replied_to` referenced tweet).
    A request not signed with the test's keys is refused (401), as X refuses it.

    And the PIN login (docs.x.com, OAuth 1.0a, PIN-based): POST /oauth/request_token signed with
    the app's keys alone, oauth_callback=oob; GET /oauth/authorize?oauth_token=…, the page showing
    the PIN; POST /oauth/access_token signed with the request token too, the PIN as
    oauth_verifier, once; it gives the account's keys of KEYS."""

    PIN = "4829361"
    REQUEST_TOKEN = ("request-token-1", "request-token-secret-1")

    def __init__(self) -> None:
        self.tweets: dict[str, dict[str, Any]] = {}
        self.fail: dict[int, Reply] = {}  # n-th POST /2/tweets → this answer, nothing posted
        self.lose: dict[int, Reply] = {}  # n-th POST /2/tweets → posted, then this answer instead
        self.creates = 0
        self.authorised = False  # the person opened the authorisation page
        self.exchanged = False  # the request token was traded for the access token

    def __call__(self, request) -> Reply:
        if request.path.startswith("/oauth/"):
            return self._login(request)
        if not signed_with_the_keys(request):
            return ok(UNAUTHORIZED, 401)
        path, _, query = request.path.partition("?")
        if (request.method, path) == ("POST", "/2/tweets"):
            return self._create(request.json())
        if (request.method, path) == ("GET", "/2/users/me"):
            return ok(ME)
        if (request.method, path) == ("GET", f"/2/users/{ME['data']['id']}/tweets"):
            assert parse_qs(query) == {"max_results": ["20"], "tweet.fields": ["referenced_tweets"]}, query
            return ok(
                {"data": list(reversed(self.tweets.values())), "meta": {"result_count": len(self.tweets)}}
            )
        raise AssertionError(f"not a documented request: {request.method} {request.path}")

    def _login(self, request) -> Reply:
        path, _, query = request.path.partition("?")
        token, token_secret = self.REQUEST_TOKEN
        if (request.method, path) == ("POST", "/oauth/request_token"):
            oauth = oauth_signed(request, None)
            if oauth is None or oauth.get("oauth_callback") != "oob" or request.body:
                return Reply(401, b"Could not authenticate you.")
            return Reply(200, f"oauth_token={token}&oauth_token_secret={token_secret}"
                              "&oauth_callback_confirmed=true".encode())  # fmt: skip
        if (request.method, path) == ("GET", "/oauth/authorize"):
            assert parse_qs(query) == {"oauth_token": [token]}, query
            self.authorised = True
            return Reply(200, f"<p>Enter this PIN in the app: <code>{self.PIN}</code></p>".encode())
        assert (request.method, path) == ("POST", "/oauth/access_token"), request.path
        oauth = oauth_signed(request, token_secret)
        if oauth is None or oauth["oauth_token"] != token or self.exchanged or not self.authorised:
            return Reply(401, b"Invalid request token.")
        if oauth.get("oauth_verifier") != self.PIN:
            return Reply(401, b"Error processing your OAuth request: Invalid oauth_verifier parameter")
        self.exchanged = True
        return Reply(200, f"oauth_token={KEYS['X_ACCESS_TOKEN']}&oauth_token_secret="
                          f"{KEYS['X_ACCESS_TOKEN_SECRET']}&user_id=42&screen_name=carnet".encode())  # fmt: skip

    def _create(self, body: dict[str, Any]) -> Reply:
        self.creates += 1
        if self.creates in self.fail:
            return self.fail[self.creates]
        assert set(body) <= {"text", "reply", "media"}, body
        reply_to = body.get("reply", {}).get("in_reply_to_tweet_id")
        assert reply_to is None or reply_to in self.tweets, "a reply answers a post X has"
        tweet = {"id": str(1001 + len(self.tweets)), "text": body["text"], "edit_history_tweet_ids": []}
        if reply_to:
            tweet["referenced_tweets"] = [{"type": "replied_to", "id": reply_to}]
        self.tweets[tweet["id"]] = tweet
        return self.lose.get(self.creates) or ok({"data": {"id": tweet["id"], "text": tweet["text"]}}, 201)

    def thread(self) -> list[tuple[str, str | None]]:
        """Every post as (its text, the text of the post it answers), in the order they were made."""
        texts = {tweet["id"]: tweet["text"] for tweet in self.tweets.values()}
        return [
            (
                tweet["text"],
                texts[tweet["referenced_tweets"][0]["id"]] if "referenced_tweets" in tweet else None,
            )
            for tweet in self.tweets.values()
        ]


def other_plugins() -> str:
    """Every installed cmsite plugin but this one: these tests are about X alone."""
    return ",".join(entry.name for entry in metadata.entry_points(group="cmsite") if entry.name != "x")


@pytest.fixture
def x_site(cmsite_site, loopback_server, monkeypatch):
    """A site planning one 3-part thread on X, whose API is the loopback server."""
    monkeypatch.setenv("CMSITE_DISABLE_PLUGINS", other_plugins())  # in this process; `run_cmsite` is told too
    return plan_on(cmsite_site, "x", thread_text(X), {"api": loopback_server.url}, thread=True)


@pytest.mark.parametrize("lost", [False, True], ids=["refused-503", "posted-then-500"])
@pytest.mark.parametrize("k", [1, 2, 3])
def test_a_thread_whose_part_failed_is_finished_with_each_part_once(x_site, loopback_server, k, lost):
    x = FakeX()
    trouble = Reply(503 if not lost else 500, b'{"title": "Service Unavailable"}')
    (x.lose if lost else x.fail)[k] = trouble
    loopback_server.handler(x)
    runs = publish_until_done(x_site, KEYS)
    assert [outcome.status for outcome in runs[-1]] == ["published"]
    parts = [text for text, _ in x.thread()]
    assert len(parts) == 3 and parts[0].endswith("1/3") and parts[2].endswith("3/3")
    assert x.thread() == [(parts[0], None), (parts[1], parts[0]), (parts[2], parts[1])]
    assert x.creates == 4 - lost  # a lost answer is looked for and found, not sent again


@pytest.mark.parametrize("status", [401, 403, 422, 500])
def test_keys_that_x_echoes_back_are_never_shown_or_stored(x_site, loopback_server, status):
    echoed = " ".join(KEYS.values())
    body = {"title": f"Problem {echoed}", "detail": f"Rejected: {echoed}", "errors": [{"message": echoed}]}
    loopback_server.handler(lambda request: ok(body, status))
    environ = {**KEYS, "CMSITE_DISABLE_PLUGINS": other_plugins()}
    published, listed = publish_and_list(x_site, list(KEYS.values()), environ)
    assert json.loads(published.stdout) and json.loads(listed.stdout), (published.stderr, listed.stderr)
    assert "***" in published.stdout, "X's answer was shown, its keys masked"
