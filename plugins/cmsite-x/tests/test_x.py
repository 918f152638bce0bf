"""X against a loopback server checking the documented API v2 request and its OAuth 1.0a signature."""

from __future__ import annotations

import io
from urllib.parse import parse_qs

import pytest
from cmsite_x import X
from PIL import Image

from cmsite.social.network import Credentials, Media, Part, Published, PublishError, SocialPost
from cmsite.testing import Reply, make_picture

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


def assert_signed(request):
    auth = request.headers["Authorization"]
    for part in ('oauth_consumer_key="app-key"', 'oauth_token="user-token"', "oauth_signature="):
        assert part in auth
    assert "secret" not in auth


def test_pictures_are_uploaded_described_then_attached(loopback_server, tmp_path):
    chart = make_picture(tmp_path / "chart.png", 640, 360)
    photo = make_picture(tmp_path / "room.jpg", 2700, 1800, noisy=True)  # over 5 MB
    assert photo.stat().st_size > X.max_media_bytes
    for media_id in ("7001", "7002"):
        loopback_server.reply(200, json_body={"media_id": int(media_id), "media_id_string": media_id})
        loopback_server.reply(200)  # metadata/create answers with an empty body
    loopback_server.reply(201, json_body={"data": {"id": "1001", "text": "one"}})
    loopback_server.reply(201, json_body={"data": {"id": "1002", "text": "two"}})
    post = SocialPost(
        ["With pictures 1/2", "More 2/2"],
        media=[Media(str(chart), "Replies per week, rising"), Media(str(photo), "The meetup room")],
    )
    network(loopback_server).publish(post, "key-1")
    upload, describe, upload2, describe2, first, second = loopback_server.requests
    assert (upload.method, upload.path) == ("POST", "/1.1/media/upload.json")
    assert upload.headers["Content-Type"].startswith("multipart/form-data; boundary=")
    assert upload.form_parts()["media"] == ("chart.png", None, chart.read_bytes())  # small: byte for byte
    filename, _, sent = upload2.form_parts()["media"]
    assert filename == "room.jpg" and len(sent) <= X.max_media_bytes and sent != photo.read_bytes()
    with Image.open(io.BytesIO(sent)) as copy:
        assert copy.format == "JPEG" and abs(copy.width / copy.height - 1.5) < 0.01
    assert (describe.method, describe.path) == ("POST", "/1.1/media/metadata/create.json")
    assert describe.json() == {"media_id": "7001", "alt_text": {"text": "Replies per week, rising"}}
    assert describe2.json() == {"media_id": "7002", "alt_text": {"text": "The meetup room"}}
    for request in (upload, describe, upload2, describe2, first):
        assert_signed(request)
    assert first.json() == {"text": "With pictures 1/2", "media": {"media_ids": ["7001", "7002"]}}
    assert second.json() == {"text": "More 2/2", "reply": {"in_reply_to_tweet_id": "1001"}}


def test_a_refused_upload_is_not_retried_and_posts_nothing(loopback_server, tmp_path):
    chart = make_picture(tmp_path / "chart.png", 64, 64)
    loopback_server.reply(400, json_body={"errors": [{"code": 324, "message": "Image file is invalid."}]})
    with pytest.raises(PublishError, match="Image file is invalid") as caught:
        network(loopback_server).publish(SocialPost(["x"], media=[Media(str(chart), "A chart")]), "k")
    assert not caught.value.retry
    assert [request.path for request in loopback_server.requests] == ["/1.1/media/upload.json"]


@pytest.mark.parametrize(
    ("reply", "retry", "maybe_sent", "says"),
    [
        (Reply(429, b"{}", {"x-rate-limit-reset": "9999999999"}), True, False, "429 rate limited"),
        (Reply(429, b"{}", {"Retry-After": "120"}), True, False, "429 rate limited"),
        (Reply(503, b'{"title": "Service Unavailable"}'), True, True, "503 server error"),
        (Reply(500, b"Internal Server Error"), True, True, "500 server error"),  # may be out: look first
        (Reply(201, b"<html>gateway</html>"), True, True, "not JSON"),
        (Reply(201, b'{"errors": [{"message": "odd"}]}'), True, True, "without the post's id"),
        (
            Reply(403, b'{"detail": "You are not allowed to create a Tweet with duplicate content."}'),
            False,
            False,
            "duplicate content",
        ),
    ],
)
def test_errors(loopback_server, reply, retry, maybe_sent, says):
    loopback_server.reply(reply.status, body=reply.body, headers=reply.headers)
    with pytest.raises(PublishError) as caught:
        network(loopback_server).publish(SocialPost(["x"]), "k")
    error = caught.value
    assert (error.retry, error.maybe_sent) == (retry, maybe_sent) and says in str(error)
    if reply.status == 429:
        assert error.retry_after > 100  # X's reset time, or its Retry-After


def test_a_failed_upload_never_leaves_a_post_unsure(loopback_server, tmp_path):
    chart = make_picture(tmp_path / "chart.png", 64, 64)
    loopback_server.reply(503, json_body={"errors": [{"message": "Over capacity"}]})
    with pytest.raises(PublishError) as caught:
        network(loopback_server).publish(SocialPost(["x"], media=[Media(str(chart), "A chart")]), "k")
    assert caught.value.retry and not caught.value.maybe_sent  # an upload alone shows nothing on X
    assert [request.path for request in loopback_server.requests] == ["/1.1/media/upload.json"]


def test_missing_keys_are_named():
    team = X("team", {}, Credentials(tuple(KEYS), KEYS))
    app, account = ["X_API_KEY", "X_API_SECRET"], ["X_TEAM_ACCESS_TOKEN", "X_TEAM_ACCESS_TOKEN_SECRET"]
    assert team.secret_names() == app + account  # the app's keys are shared, the tokens are the account's
    with pytest.raises(
        PublishError, match=r"X_TEAM_ACCESS_TOKEN is not set.*X_TEAM_ACCESS_TOKEN_SECRET is not"
    ):
        team.publish(SocialPost(["x"]), "k")


ME = {"data": {"id": "42", "name": "Carnet", "username": "carnet"}}


def find(x, text, reply_to=None):
    """What `find_one` answers for a part with `text`, first of its thread or answering `reply_to`."""
    number = 1 if reply_to else 0
    post = SocialPost(["first"] * number + [text])
    with x.session() as client:
        return x.find_one(client, Part(post, number, "k", reply_to=reply_to))


def tweets(*found):
    return {
        "data": [{"edit_history_tweet_ids": [t["id"]], **t} for t in found],
        "meta": {"result_count": len(found)},
    }


def test_find_looks_through_recent_posts_ignoring_shortened_links(loopback_server):
    loopback_server.reply(200, json_body=ME)
    loopback_server.reply(200, json_body=tweets({"id": "7", "text": "Plan the week https://t.co/abc123"}))
    found = find(network(loopback_server), "Plan the week https://carnet.example.org/posts/plan/")
    assert found.remote_id == "7" and found.url == "https://x.com/i/web/status/7"
    me, recent = loopback_server.requests
    assert me.path == "/2/users/me"
    path, query = recent.path.split("?")
    assert path == "/2/users/42/tweets"
    assert parse_qs(query) == {"max_results": ["20"], "tweet.fields": ["referenced_tweets"]}
    for request in (me, recent):
        assert_signed(request)
    loopback_server.reply(200, json_body=ME)
    loopback_server.reply(200, json_body={"meta": {"result_count": 0}})
    assert find(network(loopback_server), "Not there") is None


def test_find_tells_a_later_part_by_the_post_it_answers(loopback_server):
    first = Published("100", "https://x.com/i/web/status/100")
    recent = tweets(
        {"id": "9", "text": "Same words", "referenced_tweets": [{"type": "replied_to", "id": "99"}]},
        {"id": "7", "text": "Same words", "referenced_tweets": [{"type": "replied_to", "id": "100"}]},
        {"id": "6", "text": "Same words"},
    )
    for _ in range(2):
        loopback_server.reply(200, json_body=ME)
        loopback_server.reply(200, json_body=recent)
    assert find(network(loopback_server), "Same words", reply_to=first).remote_id == "7"
    assert find(network(loopback_server), "Same words").remote_id == "6"  # a first part answers nothing


def test_delete_sends_the_documented_signed_request(loopback_server):
    loopback_server.reply(200, json_body={"data": {"deleted": True}})
    network(loopback_server).delete("1001", "key-1")
    (request,) = loopback_server.requests
    assert (request.method, request.path, request.body) == ("DELETE", "/2/tweets/1001", b"")
    assert_signed(request)


def test_a_refused_delete_says_why_and_never_shows_the_keys(loopback_server):
    loopback_server.reply(
        401,
        json_body={"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"},
    )
    with pytest.raises(PublishError) as caught:
        network(loopback_server).delete("1001")
    message = str(caught.value)
    assert message.startswith("X refused to delete post 1001 (401)") and "check the keys" in message
    assert not any(secret in message for secret in KEYS.values())
    loopback_server.reply(200, json_body={"data": {"deleted": False}})
    with pytest.raises(PublishError, match="X did not delete post 1001"):
        network(loopback_server).delete("1001")


def test_metrics_are_the_public_metrics_x_gives(loopback_server):
    counts = {
        "retweet_count": 2,
        "reply_count": 1,
        "like_count": 5,
        "quote_count": 0,
        "impression_count": 120,
    }
    tweet = {"id": "1001", "text": "one", "edit_history_tweet_ids": ["1001"], "public_metrics": counts}
    loopback_server.reply(200, json_body={"data": tweet})
    assert network(loopback_server).metrics("1001") == {
        "reposts": 2, "replies": 1, "likes": 5, "quotes": 0, "views": 120,
    }  # fmt: skip
    (request,) = loopback_server.requests
    assert request.method == "GET"
    assert request.path == "/2/tweets/1001?tweet.fields=public_metrics"
    assert_signed(request)


def test_metrics_of_a_post_x_does_not_have(loopback_server):
    not_found = {
        "detail": "Could not find tweet with id: [1001].",
        "title": "Not Found Error",
        "type": "https://api.twitter.com/2/problems/resource-not-found",
    }
    loopback_server.reply(200, json_body={"errors": [not_found]})  # X answers 200 with only errors
    with pytest.raises(PublishError, match=r"Could not find tweet with id: \[1001\]\.; the post is not on X"):
        network(loopback_server).metrics("1001")


def test_account_metrics_are_the_public_metrics_of_the_account(loopback_server):
    figures = {"followers_count": 310, "following_count": 42, "tweet_count": 1250, "listed_count": 7,
               "like_count": 90}  # fmt: skip
    loopback_server.reply(200, json_body={"data": {**ME["data"], "public_metrics": figures}})
    assert network(loopback_server).account_metrics() == {
        "followers": 310, "following": 42, "posts": 1250, "listed": 7,
    }  # fmt: skip
    (request,) = loopback_server.requests
    assert (request.method, request.path) == ("GET", "/2/users/me?user.fields=public_metrics")
    assert_signed(request)


@pytest.mark.parametrize(
    ("status", "body", "says"),
    [
        (401, {"title": "Unauthorized", "status": 401, "detail": "Unauthorized"}, "check the keys"),
        (
            400,
            {"title": "Invalid Request", "detail": "One or more parameters to your request was invalid."},
            "check the keys and the app's access level",
        ),
    ],
)
def test_refused_account_metrics_say_what_to_do_and_never_show_the_keys(loopback_server, status, body, says):
    loopback_server.reply(status, json_body=body)
    with pytest.raises(PublishError) as caught:
        network(loopback_server).account_metrics()
    message = str(caught.value)
    assert message.startswith(f"X refused the account's figures ({status})") and says in message
    assert "post" not in message and not caught.value.retry
    assert not any(secret in message for secret in KEYS.values())


def test_a_server_that_never_answers_is_given_up_on_and_may_have_the_post():
    """requests waits forever by default; the plugin gives up after its `timeout` setting."""
    import socket

    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()  # takes the connection, never answers
        port = silent.getsockname()[1]
        slow = X("default", {"api": f"http://127.0.0.1:{port}", "timeout": 0.5},
                 Credentials(tuple(KEYS), KEYS))  # fmt: skip
        with pytest.raises(PublishError, match=r"X: no answer \(ReadTimeout\)") as caught:
            slow.publish(SocialPost(["Hello"]), "k")
        assert caught.value.retry and caught.value.maybe_sent  # the post may be on X: look before resending
        with pytest.raises(PublishError, match="no answer"):
            slow.delete("1")
    closed = X(  # the port is closed now: nothing can have been sent
        "default", {"api": f"http://127.0.0.1:{port}"}, Credentials(tuple(KEYS), KEYS)
    )
    with pytest.raises(PublishError, match="no answer") as caught:
        closed.publish(SocialPost(["Hello"]), "k")
    assert caught.value.retry and not caught.value.maybe_sent
