"""Facebook pages against a loopback server checking the documented Graph API request."""

from __future__ import annotations

import io
import json
from urllib.parse import parse_qs

import pytest
from cmsite_facebook import FacebookPage
from PIL import Image

from cmsite.social.network import Credentials, Media, Part, PublishError, SocialPost
from cmsite.testing import make_picture


def network(server, token="page-token-1"):
    options = {"page_id": "555", "api": server.url, "graph_version": "v21.0"}
    return FacebookPage(
        "default", options, Credentials(("FACEBOOK_PAGE_TOKEN",), {"FACEBOOK_PAGE_TOKEN": token})
    )


def test_publish_posts_message_and_link_to_the_page_feed(loopback_server):
    loopback_server.reply(200, json_body={"id": "555_9001"})
    post = SocialPost(
        ["Plan the week — ten minutes on Monday."], link="https://carnet.example.org/posts/plan/"
    )
    published = network(loopback_server).publish(post, "key-1")
    (request,) = loopback_server.requests
    assert (request.method, request.path) == ("POST", "/v21.0/555/feed")
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    form = {key: values[0] for key, values in parse_qs(request.body.decode()).items()}
    assert form == {
        "message": "Plan the week — ten minutes on Monday.",
        "link": "https://carnet.example.org/posts/plan/",
        "access_token": "page-token-1",
    }
    assert published.remote_id == "555_9001" and published.url == "https://www.facebook.com/555_9001"


def test_pictures_are_unpublished_photos_attached_to_the_post(loopback_server, tmp_path):
    chart = make_picture(tmp_path / "chart.png", 640, 360)
    photo = make_picture(tmp_path / "room.jpg", 2400, 1500, noisy=True)  # over 4 MB
    assert photo.stat().st_size > FacebookPage.max_media_bytes
    loopback_server.reply(200, json_body={"id": "801"})
    loopback_server.reply(200, json_body={"id": "802"})
    loopback_server.reply(200, json_body={"id": "555_9002"})
    post = SocialPost(
        ["Two pictures from the meetup."],
        media=[Media(str(chart), "Replies per week, rising"), Media(str(photo), "The meetup room")],
        link="https://carnet.example.org/posts/plan/",
    )
    published = network(loopback_server).publish(post, "key-2")
    first, second, feed = loopback_server.requests
    assert (first.method, first.path) == ("POST", "/v21.0/555/photos")
    parts = first.form_parts()
    assert parts["source"] == ("chart.png", "image/png", chart.read_bytes())
    assert parts["published"][2] == b"false" and parts["access_token"][2] == b"page-token-1"
    assert parts["alt_text_custom"][2].decode() == "Replies per week, rising"
    filename, kind, sent = second.form_parts()["source"]
    assert (filename, kind) == ("room.jpg", "image/jpeg") and len(sent) <= FacebookPage.max_media_bytes
    with Image.open(io.BytesIO(sent)) as copy:
        assert abs(copy.width / copy.height - 2400 / 1500) < 0.01
    assert second.form_parts()["alt_text_custom"][2].decode() == "The meetup room"
    assert feed.path == "/v21.0/555/feed"
    form = {key: values[0] for key, values in parse_qs(feed.body.decode()).items()}
    assert form == {
        "message": "Two pictures from the meetup.",
        "attached_media[0]": '{"media_fbid": "801"}',
        "attached_media[1]": '{"media_fbid": "802"}',
        "access_token": "page-token-1",
    }
    assert published.remote_id == "555_9002"


@pytest.mark.parametrize(
    ("status", "error", "retry"),
    [
        (400, {"message": "(#4) Application request limit reached", "code": 4}, True),
        (400, {"message": "Error validating access token", "code": 190}, False),
        (400, {"message": "(#100) Invalid parameter", "code": 100}, False),
        (500, {"message": "An unexpected error has occurred", "code": 2}, True),
    ],
)
def test_graph_errors(loopback_server, status, error, retry):
    loopback_server.reply(status, json_body={"error": {**error, "type": "OAuthException", "fbtrace_id": "x"}})
    with pytest.raises(PublishError) as caught:
        network(loopback_server, token="tok-secret").publish(SocialPost(["x"]), "k")
    assert caught.value.retry is retry
    assert error["message"] in str(caught.value) and "tok-secret" not in str(caught.value)


def test_rate_limits_wait_for_retry_after_or_the_pages_regained_access(loopback_server):
    error = {"error": {"message": "(#32) Page request limit reached", "code": 32, "type": "OAuthException"}}
    usage = {"555": [{"type": "pages", "call_count": 100, "total_cputime": 3, "total_time": 4,
                      "estimated_time_to_regain_access": 12}]}  # fmt: skip
    loopback_server.reply(400, json_body=error, headers={"X-Business-Use-Case-Usage": json.dumps(usage)})
    with pytest.raises(PublishError) as caught:
        network(loopback_server).publish(SocialPost(["x"]), "k")
    assert caught.value.retry and not caught.value.maybe_sent and caught.value.retry_after == 12 * 60
    loopback_server.reply(
        429, json_body=error, headers={"Retry-After": "90", "X-Business-Use-Case-Usage": json.dumps(usage)}
    )
    with pytest.raises(PublishError) as caught:
        network(loopback_server).publish(SocialPost(["x"]), "k")
    assert caught.value.retry_after == 90 and not caught.value.maybe_sent


@pytest.mark.parametrize(
    ("reply", "says"),
    [
        ({"status": 503, "body": b"Service Unavailable"}, "Facebook: 503 Service Unavailable"),
        (
            {"status": 200, "body": b"<html>a proxy's page</html>"},
            "answered 200 with a body that is not JSON",
        ),
        ({"status": 200, "json_body": {"success": True}}, "answered 200 without the id of what it made"),
    ],
)
def test_an_answer_that_may_follow_the_post_is_retried_and_looked_for(loopback_server, reply, says):
    loopback_server.reply(**reply)
    with pytest.raises(PublishError, match=says) as caught:
        network(loopback_server).publish(SocialPost(["x"]), "k")
    assert caught.value.retry and caught.value.maybe_sent


def test_a_thread_is_separate_page_posts_only_the_first_with_the_link(loopback_server):
    for n in (1, 2, 3):
        loopback_server.reply(200, json_body={"id": f"555_{n}"})
    post = SocialPost(["One 1/3", "Two 2/3", "Three 3/3"], link="https://carnet.example.org/posts/plan/")
    assert network(loopback_server).publish(post, "key").remote_id == "555_1"
    forms = [parse_qs(request.body.decode()) for request in loopback_server.requests]
    assert [form["message"] for form in forms] == [["One 1/3"], ["Two 2/3"], ["Three 3/3"]]
    assert [form.get("link") for form in forms] == [["https://carnet.example.org/posts/plan/"], None, None]


def find_one(page, text, number=0):
    post = SocialPost([f"part {n}" for n in range(number)] + [text])
    with page.session() as session:
        return page.find_one(session, Part(post, number, "key"))


def test_find_one_looks_through_the_page_feed(loopback_server):
    feed = {"data": [{"id": "555_1", "message": "Older"}, {"id": "555_2", "message": "Plan the week."}]}
    loopback_server.reply(200, json_body=feed)
    assert find_one(network(loopback_server), "Plan the week.").remote_id == "555_2"
    (request,) = loopback_server.requests
    assert request.method == "GET" and request.path.startswith("/v21.0/555/feed?")
    assert query(request) == {"fields": "id,message", "limit": "25", "access_token": "page-token-1"}
    loopback_server.reply(200, json_body=feed)
    assert find_one(network(loopback_server), "Older", number=1).remote_id == "555_1"
    loopback_server.reply(200, json_body=feed)
    assert find_one(network(loopback_server), "Never posted") is None


def query(request):
    return {key: values[0] for key, values in parse_qs(request.path.partition("?")[2]).items()}


def test_delete_sends_the_documented_request(loopback_server):
    loopback_server.reply(200, json_body={"success": True})
    network(loopback_server).delete("555_9001", "key-1")
    (request,) = loopback_server.requests
    assert (request.method, request.path.partition("?")[0]) == ("DELETE", "/v21.0/555_9001")
    assert query(request) == {"access_token": "page-token-1"} and request.body == b""


@pytest.mark.parametrize(
    ("error", "says"),
    [
        (
            {"message": "(#100) Unsupported delete request. Object with ID '555_9001' does not exist",
             "code": 100, "error_subcode": 33},
            "the post is not on Facebook",
        ),
        ({"message": "(#200) Permissions error", "code": 200}, "pages_manage_posts"),
        ({"message": "Error validating access token", "code": 190}, "get a new page access token"),
    ],
)  # fmt: skip
def test_a_refused_delete_says_what_to_do_and_never_shows_the_token(loopback_server, error, says):
    loopback_server.reply(400, json_body={"error": {**error, "type": "OAuthException", "fbtrace_id": "x"}})
    with pytest.raises(PublishError) as caught:
        network(loopback_server, token="tok-secret").delete("555_9001")
    message = str(caught.value)
    assert message.startswith("Facebook refused to delete post 555_9001: " + error["message"])
    assert says in message and "tok-secret" not in message and not caught.value.retry


def test_metrics_ask_for_reactions_comments_and_shares_as_likes_replies_and_reposts(loopback_server):
    answer = {
        "shares": {"count": 2},
        "reactions": {"data": [], "summary": {"total_count": 7, "viewer_reaction": "NONE"}},
        "comments": {"data": [], "summary": {"order": "ranked", "total_count": 3, "can_comment": True}},
        "id": "555_9001",
    }
    loopback_server.reply(200, json_body=answer)
    assert network(loopback_server).metrics("555_9001") == {"likes": 7, "replies": 3, "reposts": 2}
    (request,) = loopback_server.requests
    assert (request.method, request.path.partition("?")[0]) == ("GET", "/v21.0/555_9001")
    assert query(request) == {
        "fields": "shares,reactions.summary(total_count),comments.summary(total_count)",
        "access_token": "page-token-1",
    }
    quiet = {
        "reactions": {"data": [], "summary": {"total_count": 0}},
        "comments": {"data": []},
        "id": "555_1",
    }
    loopback_server.reply(200, json_body=quiet)  # no `shares` when nobody shared it
    assert network(loopback_server).metrics("555_1") == {"likes": 0, "replies": 0, "reposts": 0}
    loopback_server.reply(400, json_body={"error": {"message": "(#10) Permission denied", "code": 10}})
    with pytest.raises(PublishError, match="pages_read_engagement"):
        network(loopback_server).metrics("555_9001")


def test_account_metrics_read_the_pages_followers_and_fans(loopback_server):
    loopback_server.reply(200, json_body={"followers_count": 1520, "fan_count": 1498, "id": "555"})
    assert network(loopback_server).account_metrics() == {"followers": 1520, "fans": 1498}
    (request,) = loopback_server.requests
    assert (request.method, request.path.partition("?")[0]) == ("GET", "/v21.0/555")
    assert query(request) == {"fields": "followers_count,fan_count", "access_token": "page-token-1"}
    loopback_server.reply(200, json_body={"followers_count": 12, "id": "555"})
    assert network(loopback_server).account_metrics() == {"followers": 12}  # what it leaves out is not a zero


@pytest.mark.parametrize(
    ("error", "says"),
    [
        ({"message": "(#10) This endpoint requires the 'pages_read_engagement' permission", "code": 10},
         "check the page id and that the page token has pages_read_engagement"),
        ({"message": "(#100) Object with ID '555' does not exist", "code": 100, "error_subcode": 33},
         "check the page id and that the page token has pages_read_engagement"),
        ({"message": "Error validating access token: Session has expired", "code": 190},
         "get a new page access token"),
    ],
)  # fmt: skip
def test_refused_account_metrics_say_what_to_do_and_never_show_the_token(loopback_server, error, says):
    loopback_server.reply(400, json_body={"error": {**error, "type": "OAuthException", "fbtrace_id": "x"}})
    with pytest.raises(PublishError) as caught:
        network(loopback_server, token="tok-secret").account_metrics()
    message = str(caught.value)
    assert message.startswith("Facebook refused the account's figures: " + error["message"])
    assert message.endswith(f"; {says}") and "tok-secret" not in message and not caught.value.retry
