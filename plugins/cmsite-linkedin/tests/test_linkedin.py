"""LinkedIn against a loopback server checking the documented Posts API request."""

from __future__ import annotations

import io
import json
from urllib.parse import parse_qs

import pytest
from cmsite_linkedin import LinkedIn, little_text, shown_text
from PIL import Image

from cmsite.social.network import Credentials, Media, Part, Published, PublishError, SocialPost
from cmsite.testing import Reply, make_picture


def network(server, token="tok-123", author="urn:li:organization:42"):
    options = {"author": author, "api": server.url, "api_version": "202411"}
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


def image_api(server):
    """Answers as LinkedIn does: an upload address and an image URN per initializeUpload, 201 for the rest."""
    count = 0

    def answer(request):
        nonlocal count
        if request.path == "/rest/images?action=initializeUpload":
            count += 1
            value = {"uploadUrl": f"{server.url}/dms-uploads/up-{count}", "image": f"urn:li:image:C{count}"}
            return Reply(200, json.dumps({"value": value}).encode(), {"Content-Type": "application/json"})
        return Reply(201, b"", {"x-restli-id": "urn:li:share:7002"})

    server.handler(answer)


def assert_linkedin_headers(request):
    assert request.headers["Authorization"] == "Bearer tok-123"
    assert request.headers["LinkedIn-Version"] == "202411"
    assert request.headers["X-Restli-Protocol-Version"] == "2.0.0"


def test_one_picture_is_the_posts_media(loopback_server, tmp_path):
    image_api(loopback_server)
    chart = make_picture(tmp_path / "chart.png", 640, 360)
    post = SocialPost(["With a chart"], media=[Media(str(chart), "Replies per week, rising")])
    network(loopback_server).publish(post, "key-1")
    start, upload, create = loopback_server.requests
    assert (start.method, start.path) == ("POST", "/rest/images?action=initializeUpload")
    assert start.json() == {"initializeUploadRequest": {"owner": "urn:li:organization:42"}}
    assert (upload.method, upload.path) == ("PUT", "/dms-uploads/up-1")
    assert upload.body == chart.read_bytes() and upload.headers["Content-Type"] == "image/png"
    for request in (start, upload, create):
        assert_linkedin_headers(request)
    assert create.path == "/rest/posts"
    assert create.json()["content"] == {
        "media": {"id": "urn:li:image:C1", "altText": "Replies per week, rising"}
    }


def test_several_pictures_make_a_multi_image_post_on_the_first_of_a_thread(loopback_server, tmp_path):
    image_api(loopback_server)
    chart = make_picture(tmp_path / "chart.png", 640, 360)
    huge = make_picture(tmp_path / "huge.png", 7000, 6000)  # 42 million pixels, over the Images API's limit
    post = SocialPost(
        ["First 1/2", "Second 2/2"],
        media=[Media(str(chart), "Replies per week"), Media(str(huge), "A grey gradient")],
    )
    network(loopback_server).publish(post, "key-2")
    paths = [request.path for request in loopback_server.requests]
    assert paths == [
        "/rest/images?action=initializeUpload",
        "/dms-uploads/up-1",
        "/rest/images?action=initializeUpload",
        "/dms-uploads/up-2",
        "/rest/posts",
        "/rest/posts",
    ]
    with Image.open(io.BytesIO(loopback_server.requests[3].body)) as copy:
        assert copy.width * copy.height <= LinkedIn.max_media_pixels
        assert abs(copy.width / copy.height - 7000 / 6000) < 0.01
    first, second = (request.json() for request in loopback_server.requests[4:])
    assert first["content"] == {
        "multiImage": {
            "images": [
                {"id": "urn:li:image:C1", "altText": "Replies per week"},
                {"id": "urn:li:image:C2", "altText": "A grey gradient"},
            ]
        }
    }
    assert "content" not in second


def test_a_refused_upload_stops_before_the_post(loopback_server, tmp_path):
    loopback_server.reply(403, json_body={"message": "Not enough permissions to upload images"})
    chart = make_picture(tmp_path / "chart.png", 64, 64)
    with pytest.raises(PublishError, match="Not enough permissions to upload images") as caught:
        network(loopback_server).publish(SocialPost(["x"], media=[Media(str(chart), "A chart")]), "k")
    assert not caught.value.retry and len(loopback_server.requests) == 1


def test_refusals_and_retries(loopback_server):
    loopback_server.reply(422, json_body={"message": "commentary too long", "status": 422})
    with pytest.raises(PublishError) as caught:
        network(loopback_server).publish(SocialPost(["x"]), "k")
    assert not caught.value.retry and "commentary too long" in str(caught.value)
    loopback_server.reply(401, json_body={"message": "Invalid access token"})
    with pytest.raises(PublishError, match="renew the access token") as caught:
        network(loopback_server, token="very-secret").publish(SocialPost(["x"]), "k")
    assert "very-secret" not in str(caught.value)


@pytest.mark.parametrize(
    ("reply", "maybe_sent", "wait"),
    [
        (Reply(429, b'{"message": "Too many requests"}', {"Retry-After": "120"}), False, 120.0),
        (Reply(503, b'{"message": "busy"}', {"Retry-After": "30"}), True, 30.0),
        (Reply(500, b"<html>oops</html>"), True, None),
        (Reply(201, b""), True, None),  # a yes without the post's id (x-restli-id)
    ],
)
def test_an_answer_that_is_not_a_refusal_is_retried(loopback_server, reply, maybe_sent, wait):
    loopback_server.handler(lambda request: reply)
    with pytest.raises(PublishError) as caught:
        network(loopback_server).publish(SocialPost(["x"]), "k")
    assert caught.value.retry and caught.value.maybe_sent is maybe_sent
    assert caught.value.retry_after == wait


def test_a_thread_is_separate_posts_resumed_after_the_confirmed_ones(loopback_server):
    count = iter(range(7002, 7010))
    loopback_server.handler(lambda request: Reply(201, b"", {"x-restli-id": f"urn:li:share:{next(count)}"}))
    post = SocialPost(["One 1/3", "Two 2/3", "Three 3/3"])
    first = Published("urn:li:share:7001", "https://www.linkedin.com/feed/update/urn:li:share:7001/")
    seen = []

    class Progress:
        def starting(self, number):
            pass

        def sent(self, number, published):
            seen.append((number, published.remote_id))

    assert network(loopback_server).publish(post, "key", sent=[first], progress=Progress()) == first
    assert [request.json()["commentary"] for request in loopback_server.requests] == ["Two 2/3", "Three 3/3"]
    assert seen == [(1, "urn:li:share:7002"), (2, "urn:li:share:7003")]


def find_one(linkedin, text, number=0):
    post = SocialPost([f"part {n}" for n in range(number)] + [text])
    with linkedin.session() as session:
        return linkedin.find_one(session, Part(post, number, "key-1"))


def test_find_one_looks_through_the_authors_latest_posts(loopback_server):
    text = "New post (with notes) #Planning"
    elements = [
        {"id": "urn:li:share:6999", "commentary": "Older", "author": "urn:li:organization:42"},
        {"id": "urn:li:share:7001", "commentary": little_text(text), "author": "urn:li:organization:42"},
    ]
    loopback_server.reply(200, json_body={"elements": elements, "paging": {"start": 0, "count": 20}})
    found = find_one(network(loopback_server), text)
    assert found.remote_id == "urn:li:share:7001"
    assert found.url == "https://www.linkedin.com/feed/update/urn:li:share:7001/"
    (request,) = loopback_server.requests
    path, _, query = request.path.partition("?")
    assert (request.method, path) == ("GET", "/rest/posts")
    assert parse_qs(query) == {
        "author": ["urn:li:organization:42"], "q": ["author"], "count": ["20"], "sortBy": ["LAST_MODIFIED"],
    }  # fmt: skip
    assert "author=urn%3Ali%3Aorganization%3A42" in query  # Rest.li 2.0 wants the URN encoded
    assert request.headers["X-RestLi-Method"] == "FINDER"
    assert request.headers["Authorization"] == "Bearer tok-123"
    assert request.headers["LinkedIn-Version"] == "202411"
    loopback_server.reply(200, json_body={"elements": elements})
    assert find_one(network(loopback_server), "Older", number=2).remote_id == "urn:li:share:6999"
    loopback_server.reply(200, json_body={"elements": elements})
    assert find_one(network(loopback_server), "Never posted") is None
    loopback_server.reply(403, json_body={"message": "Not enough permissions to access: posts.FINDER-author"})
    with pytest.raises(PublishError, match="Not enough permissions"):
        find_one(network(loopback_server), text)


def test_delete_sends_the_documented_request(loopback_server):
    loopback_server.reply(204)
    network(loopback_server).delete("urn:li:share:7001", "key-1")
    (request,) = loopback_server.requests
    assert (request.method, request.path) == ("DELETE", "/rest/posts/urn%3Ali%3Ashare%3A7001")
    assert request.headers["X-RestLi-Method"] == "DELETE"
    assert_linkedin_headers(request)


def test_a_refused_delete_says_what_to_do_and_never_shows_the_token(loopback_server):
    loopback_server.reply(404, json_body={"message": "Not Found", "status": 404})
    with pytest.raises(PublishError) as caught:
        network(loopback_server).delete("urn:li:share:7001")
    assert str(caught.value).startswith("LinkedIn refused to delete post urn:li:share:7001 (404): Not Found")
    assert "not on LinkedIn" in str(caught.value) and not caught.value.retry
    loopback_server.reply(401, json_body={"message": "Invalid access token"})
    with pytest.raises(PublishError, match="renew the access token") as caught:
        network(loopback_server, token="very-secret").delete("urn:li:share:7001")
    assert "very-secret" not in str(caught.value)
    loopback_server.reply(
        403, json_body={"message": "Not enough permissions to access: partnerApiPosts.DELETE"}
    )
    with pytest.raises(PublishError, match="w_organization_social"):
        network(loopback_server).delete("urn:li:share:7001")


def test_metrics_add_up_the_social_metadata_summary_as_likes_and_replies(loopback_server):
    summary = {
        "reactionSummaries": {
            "LIKE": {"reactionType": "LIKE", "count": 3},
            "PRAISE": {"reactionType": "PRAISE", "count": 2},
        },
        "commentSummary": {"count": 4, "topLevelCount": 3},
        "commentsState": "OPEN",
        "entity": "urn:li:share:7001",
    }
    loopback_server.reply(200, json_body=summary)
    assert network(loopback_server).metrics("urn:li:share:7001") == {"likes": 5, "replies": 4}
    (request,) = loopback_server.requests
    assert (request.method, request.path) == ("GET", "/rest/socialMetadata/urn%3Ali%3Ashare%3A7001")
    assert_linkedin_headers(request)
    loopback_server.reply(200, json_body={"reactionSummaries": {}, "entity": "urn:li:share:7002"})
    assert network(loopback_server).metrics("urn:li:share:7002") == {"likes": 0, "replies": 0}
    loopback_server.reply(403, json_body={"message": "Not enough permissions to access: socialMetadata.GET"})
    with pytest.raises(PublishError, match="r_organization_social"):
        network(loopback_server).metrics("urn:li:share:7001")


def test_account_metrics_ask_for_the_organizations_follower_count(loopback_server):
    loopback_server.reply(200, json_body={"firstDegreeSize": 219145})
    assert network(loopback_server).account_metrics() == {"followers": 219145}
    (request,) = loopback_server.requests
    path, _, query = request.path.partition("?")
    assert (request.method, path) == ("GET", "/rest/networkSizes/urn%3Ali%3Aorganization%3A42")
    assert parse_qs(query) == {"edgeType": ["COMPANY_FOLLOWED_BY_MEMBER"]}
    assert_linkedin_headers(request)


def test_a_refused_follower_count_says_what_to_do_and_never_shows_the_token(loopback_server):
    loopback_server.reply(401, json_body={"message": "Invalid access token", "status": 401})
    with pytest.raises(PublishError, match="renew the access token") as caught:
        network(loopback_server, token="very-secret").account_metrics()
    assert "very-secret" not in str(caught.value) and not caught.value.retry
    loopback_server.reply(403, json_body={"message": "Not enough permissions to access: networkSizes.GET"})
    with pytest.raises(PublishError) as caught:
        network(loopback_server, token="very-secret").account_metrics()
    assert str(caught.value) == (
        "LinkedIn refused the account's figures (403): Not enough permissions to access: networkSizes.GET; "
        "check the author URN and that the token has rw_organization_admin"
    )


def test_a_members_follower_count_is_not_asked(loopback_server):
    with pytest.raises(NotImplementedError, match="follower counts of organization pages only"):
        network(loopback_server, author="urn:li:person:AbCdEf").account_metrics()
    assert loopback_server.requests == []
