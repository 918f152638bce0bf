"""The Bluesky plugin: facets and record keys, then real posts on the reference PDS on loopback."""

from __future__ import annotations

import io
import json
import socket
import threading
import time
from urllib.parse import quote

import pytest
from cmsite_bluesky import Bluesky, _publish_error, record_key
from cmsite_bluesky.richtext import facets
from PIL import Image

from cmsite.social.network import Credentials, Media, Published, PublishError, SocialPost
from cmsite.testing import Reply, make_picture

TEXT = "Café ☕ plan: https://carnet.example.org/posts/plan/ #Planning #Modération"


def test_facets_use_utf8_byte_offsets():
    found = facets(TEXT + " @carnet.test")
    encoded = (TEXT + " @carnet.test").encode()
    link, planning, moderation, mention = found
    assert (
        encoded[link["index"]["byteStart"] : link["index"]["byteEnd"]]
        == b"https://carnet.example.org/posts/plan/"
    )
    assert link["features"] == [
        {"$type": "app.bsky.richtext.facet#link", "uri": "https://carnet.example.org/posts/plan/"}
    ]
    assert encoded[planning["index"]["byteStart"] : planning["index"]["byteEnd"]] == b"#Planning"
    assert (
        encoded[moderation["index"]["byteStart"] : moderation["index"]["byteEnd"]] == "#Modération".encode()
    )
    assert moderation["features"][0]["tag"] == "Modération"
    assert mention["features"][0]["handle"] == "carnet.test"


def test_record_keys_are_valid_tids_and_deterministic():
    keys = {record_key(f"entry-{n}") for n in range(200)}
    assert len(keys) == 200
    for key in keys:
        assert (
            len(key) == 13
            and key[0] in "234567abcdefghij"
            and set(key) <= set("234567abcdefghijklmnopqrstuvwxyz")
        )
    assert record_key("entry-1") == record_key("entry-1") != record_key("entry-1", 1)


def network(pds, account, password=None, **more):
    handle, secret = account
    options = {"service": pds["pds"], "handle": handle, "link_thumb": False, **more}  # pages of example.org
    return Bluesky(
        "default",
        options,
        Credentials(("BLUESKY_APP_PASSWORD",), {"BLUESKY_APP_PASSWORD": password or secret}),
    )


def read_record(pds, uri):
    from atproto import Client, models

    repo, collection, rkey = uri.removeprefix("at://").split("/")
    return Client(base_url=pds["pds"]).com.atproto.repo.get_record(
        models.ComAtprotoRepoGetRecord.Params(repo=repo, collection=collection, rkey=rkey)
    )


def read_back(pds, uri):
    return read_record(pds, uri).value


def test_publish_and_read_the_record_back(pds, account):
    post = SocialPost(
        [TEXT + " with @sam.test"],
        link="https://carnet.example.org/posts/plan/",
        title="Plan the week",
        summary="Ten minutes on Monday keep the calendar alive.",
    )
    published = network(pds, account).publish(post, "entry-publish")
    record = read_back(pds, published.remote_id)
    assert record.text == TEXT + " with @sam.test"
    encoded = record.text.encode()
    spans = {encoded[f.index.byte_start : f.index.byte_end].decode(): f.features[0] for f in record.facets}
    assert spans["https://carnet.example.org/posts/plan/"].uri == "https://carnet.example.org/posts/plan/"
    assert spans["#Modération"].tag == "Modération"
    assert spans["@sam.test"].did.startswith("did:plc:")
    assert record.embed.external.uri == "https://carnet.example.org/posts/plan/"
    assert record.embed.external.title == "Plan the week"
    assert published.url.startswith("https://bsky.app/profile/carnet.test/post/")


def fetch_blob(pds, did, cid):
    from atproto import Client, models

    return Client(base_url=pds["pds"]).com.atproto.sync.get_blob(
        models.ComAtprotoSyncGetBlob.Params(did=did, cid=cid)
    )


def test_pictures_are_uploaded_with_alt_text_and_replace_the_link_card(pds, account, tmp_path):
    chart = make_picture(tmp_path / "chart.png", 640, 360)
    photo = make_picture(tmp_path / "room.jpg", 1600, 1000, noisy=True)  # over 1,000,000 bytes
    assert photo.stat().st_size > Bluesky.max_media_bytes
    post = SocialPost(
        ["Two pictures"],
        media=[Media(str(chart), "Replies per week, rising"), Media(str(photo), "The meetup room")],
        link="https://carnet.example.org/posts/plan/",
        title="Plan the week",
    )
    published = network(pds, account).publish(post, "entry-pictures")
    record = read_back(pds, published.remote_id)
    assert record.embed.py_type == "app.bsky.embed.images"  # one embed: the pictures, not the card
    first, second = record.embed.images
    assert (first.alt, second.alt) == ("Replies per week, rising", "The meetup room")
    assert (first.image.mime_type, second.image.mime_type) == ("image/png", "image/jpeg")
    assert (first.aspect_ratio.width, first.aspect_ratio.height) == (640, 360)
    assert abs(second.aspect_ratio.width / second.aspect_ratio.height - 1.6) < 0.01
    did = published.remote_id.split("/")[2]
    sent = fetch_blob(pds, did, first.image.cid.encode())
    assert sent == chart.read_bytes() and first.image.size == len(sent)  # small: byte for byte
    smaller = fetch_blob(pds, did, second.image.cid.encode())
    assert second.image.size == len(smaller) <= Bluesky.max_media_bytes
    with Image.open(io.BytesIO(smaller)) as copy:
        assert copy.format == "JPEG" and copy.size == (second.aspect_ratio.width, second.aspect_ratio.height)


def test_an_unreadable_picture_stops_the_send_before_anything_is_posted(pds, account, tmp_path):
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG not really")
    with pytest.raises(PublishError, match=r"broken\.png cannot be read as a picture") as caught:
        network(pds, account).publish(SocialPost(["x"], media=[Media(str(broken), "Broken")]), "entry-broken")
    assert not caught.value.retry
    did = published_did(pds, account)
    from atproto import Client, models
    from atproto.exceptions import BadRequestError

    with pytest.raises(BadRequestError):
        Client(base_url=pds["pds"]).com.atproto.repo.get_record(
            models.ComAtprotoRepoGetRecord.Params(
                repo=did, collection="app.bsky.feed.post", rkey=record_key("entry-broken")
            )
        )


def published_did(pds, account):
    from atproto import Client

    return Client(base_url=pds["pds"]).resolve_handle(account[0]).did


def test_the_same_entry_never_posts_twice(pds, account):
    first = network(pds, account).publish(SocialPost(["Exactly once"]), "entry-once")
    assert first.remote_id.endswith("/" + record_key("entry-once"))
    with pytest.raises(PublishError) as caught:  # the record key is taken: the PDS makes no second post
        network(pds, account).publish(SocialPost(["Exactly once"]), "entry-once")
    assert caught.value.retry and caught.value.maybe_sent  # so the next try looks before sending
    again = network(pds, account).publish(SocialPost(["Exactly once"]), "entry-once", unsure=True)
    assert again == first


def test_a_thread_replies_to_its_root(pds, account):
    published = network(pds, account).publish(SocialPost(["One 1/3", "Two 2/3", "Three 3/3"]), "entry-thread")
    did = published.remote_id.split("/")[2]
    third = read_back(pds, f"at://{did}/app.bsky.feed.post/{record_key('entry-thread', 2)}")
    assert third.reply.root.uri == published.remote_id
    assert third.reply.parent.uri.endswith(record_key("entry-thread", 1))


def test_a_wrong_password_is_not_retried_and_not_shown(pds, account):
    with pytest.raises(PublishError) as caught:
        network(pds, account, password="wrong-password-xyz").publish(SocialPost(["x"]), "entry-bad")
    assert not caught.value.retry and "wrong-password-xyz" not in str(caught.value)


def test_too_long_is_refused(pds, account):
    with pytest.raises(PublishError) as caught:
        network(pds, account).publish(SocialPost(["x" * 3001]), "entry-long")
    assert not caught.value.retry


def test_counting_is_graphemes():
    assert Bluesky.count("👩‍👩‍👧‍👦" * 300) == 300
    assert Bluesky.validate(SocialPost(["a" * 301]))


def exists(pds, uri):
    from atproto.exceptions import BadRequestError

    try:
        read_back(pds, uri)
    except BadRequestError:
        return False
    return True


def test_delete_removes_the_post_and_its_thread_and_nothing_else(pds, account):
    keep = network(pds, account).publish(SocialPost(["Stays 1/2", "Stays too 2/2"]), "entry-keep")
    gone = network(pds, account).publish(SocialPost(["One 1/3", "Two 2/3", "Three 3/3"]), "entry-gone")
    did = gone.remote_id.split("/")[2]
    thread = [f"at://{did}/app.bsky.feed.post/{record_key('entry-gone', n)}" for n in range(3)]
    assert thread[0] == gone.remote_id and all(exists(pds, uri) for uri in thread)
    network(pds, account).delete(gone.remote_id, "entry-gone")
    assert not any(exists(pds, uri) for uri in thread)
    assert exists(pds, keep.remote_id)
    assert exists(pds, f"at://{did}/app.bsky.feed.post/{record_key('entry-keep', 1)}")


def test_delete_without_the_entry_key_removes_the_first_post_only(pds, account):
    published = network(pds, account).publish(SocialPost(["First 1/2", "Second 2/2"]), "entry-first")
    did = published.remote_id.split("/")[2]
    network(pds, account).delete(published.remote_id)
    assert not exists(pds, published.remote_id)
    assert exists(pds, f"at://{did}/app.bsky.feed.post/{record_key('entry-first', 1)}")


def test_a_refused_delete_says_why_and_never_shows_the_password(pds, account):
    published = network(pds, account).publish(SocialPost(["Not yours"]), "entry-not-yours")
    with pytest.raises(PublishError) as caught:
        network(pds, account, password="wrong-password-xyz").delete(published.remote_id, "entry-not-yours")
    assert "check the handle and app password" in str(caught.value)
    assert "wrong-password-xyz" not in str(caught.value) and exists(pds, published.remote_id)
    sam = network(pds, ("sam.test", "correct horse battery staple"))
    with pytest.raises(PublishError, match=r"is not in the repository of sam\.test") as caught:
        sam.delete(published.remote_id, "entry-not-yours")  # another account's post
    assert exists(pds, published.remote_id)


def test_the_reference_pds_alone_does_not_answer_get_posts(pds, account):
    """A PDS keeps records; likes and reposts are counted by an AppView, which this test network lacks."""
    published = network(pds, account).publish(SocialPost(["Counted elsewhere"]), "entry-counted")
    on_the_pds = Bluesky("default", {"appview": pds["pds"]}, Credentials((), {}))
    with pytest.raises(PublishError, match=r"No service configured for app\.bsky\.feed\.getPosts") as caught:
        on_the_pds.metrics(published.remote_id)
    assert "check the appview setting" in str(caught.value)


POST_URI = "at://did:plc:abc123/app.bsky.feed.post/3kabcdefghij2"


def appview(request):
    """An AppView answering getPosts as the lexicon says: a postView per post it has, counts included."""
    from urllib.parse import parse_qs, urlsplit

    url = urlsplit(request.path)
    assert (request.method, url.path) == ("GET", "/xrpc/app.bsky.feed.getPosts")
    assert "Authorization" not in request.headers  # public counts: no login, no password sent
    uris = parse_qs(url.query)["uris"]
    posts = [
        {
            "uri": uri,
            "cid": "bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm",
            "author": {"did": "did:plc:abc123", "handle": "carnet.test"},
            "record": {"$type": "app.bsky.feed.post", "text": "Plan", "createdAt": "2026-11-22T12:00:00.000Z"},
            "replyCount": 2, "repostCount": 3, "likeCount": 11, "quoteCount": 1,
            "indexedAt": "2026-11-22T12:00:01.000Z",
        }
        for uri in uris
        if uri == POST_URI
    ]  # fmt: skip
    return Reply(200, json.dumps({"posts": posts}).encode(), {"Content-Type": "application/json"})


def test_metrics_read_the_counts_from_the_appview(loopback_server):
    loopback_server.handler(appview)
    bluesky = Bluesky("default", {"appview": loopback_server.url}, Credentials((), {}))
    assert bluesky.metrics(POST_URI) == {"replies": 2, "reposts": 3, "quotes": 1, "likes": 11}
    (request,) = loopback_server.requests
    assert request.path == "/xrpc/app.bsky.feed.getPosts?uris=" + quote(POST_URI, safe="")
    with pytest.raises(PublishError, match=r"Bluesky has no post at://.*; the post is not on Bluesky"):
        bluesky.metrics(POST_URI.replace("3kabcdefghij2", "3kabcdefghij3"))


def test_a_count_the_appview_leaves_out_is_not_made_a_zero(loopback_server):
    """Each count of a postView is optional in the lexicon (an older AppView gives no quoteCount)."""
    view = {
        "uri": POST_URI, "cid": "bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm",
        "author": {"did": "did:plc:abc123", "handle": "carnet.test"},
        "record": {"$type": "app.bsky.feed.post", "text": "Plan", "createdAt": "2026-11-22T12:00:00.000Z"},
        "replyCount": 0, "repostCount": 1, "likeCount": 4, "indexedAt": "2026-11-22T12:00:01.000Z",
    }  # fmt: skip
    loopback_server.reply(json_body={"posts": [view]})
    bluesky = Bluesky("default", {"appview": loopback_server.url}, Credentials((), {}))
    assert bluesky.metrics(POST_URI) == {"replies": 0, "reposts": 1, "likes": 4}


def profile_view(request):
    """An AppView answering getProfile as the lexicon says: a profileViewDetailed of carnet.test,
    the error the AppView gives for any other actor."""
    from urllib.parse import parse_qs, urlsplit

    url = urlsplit(request.path)
    if parse_qs(url.query)["actor"] != ["carnet.test"]:
        error = {"error": "InvalidRequest", "message": "Profile not found"}
        return Reply(400, json.dumps(error).encode(), {"Content-Type": "application/json"})
    profile = {
        "did": "did:plc:abc123", "handle": "carnet.test", "displayName": "Carnet",
        "followersCount": 120, "followsCount": 35, "postsCount": 412,
    }  # fmt: skip
    return Reply(200, json.dumps(profile).encode(), {"Content-Type": "application/json"})


def counted(appview, handle):
    """The account `handle`, with an app password that the AppView must never be sent."""
    return Bluesky(
        "default",
        {"appview": appview, "handle": handle},
        Credentials(("BLUESKY_APP_PASSWORD",), {"BLUESKY_APP_PASSWORD": "app-password-xyz"}),
    )


def test_the_accounts_figures_come_from_its_profile_on_the_appview(loopback_server):
    loopback_server.handler(profile_view)
    figures = counted(loopback_server.url, "carnet.test").account_metrics()
    assert figures == {"followers": 120, "following": 35, "posts": 412}
    (request,) = loopback_server.requests
    assert (request.method, request.path) == ("GET", "/xrpc/app.bsky.actor.getProfile?actor=carnet.test")
    assert "Authorization" not in request.headers  # public figures: no login, no password sent


LOGIN_WANTED = {"error": "AuthMissing", "message": "Authentication Required"}


@pytest.mark.parametrize(
    ("handle", "answer", "refusal"),
    [
        ("nobody.test", None, "(400): Profile not found"),  # a handle the AppView does not know
        ("carnet.test", LOGIN_WANTED, "(401): Authentication Required"),  # a service that is no AppView
    ],
)
def test_a_refused_count_of_the_account_says_what_to_check(loopback_server, handle, answer, refusal):
    loopback_server.handler(profile_view)
    if answer:
        loopback_server.reply(401, json_body=answer)
    with pytest.raises(PublishError) as caught:
        counted(loopback_server.url, handle).account_metrics()
    message = str(caught.value)
    assert (
        message
        == f"Bluesky refused the account's figures {refusal}; check the handle and the appview setting"
    )
    assert caught.value.retry is False and "app-password-xyz" not in message


def test_a_rate_limit_is_retried_after_the_wait_asked_and_posted_nothing(pds, account, fail):
    fail({1: "rate-limit"})  # a 429 with Retry-After: 1
    with pytest.raises(PublishError) as caught:
        network(pds, account).publish(SocialPost(["Later"]), "entry-429")
    assert caught.value.retry and not caught.value.maybe_sent and caught.value.retry_after == 1


def test_a_rate_limit_without_retry_after_waits_for_the_reset():
    """The SDK's 429 as the PDS sends it: the window's end in `ratelimit-reset` (Unix seconds)."""
    from atproto_client.exceptions import RateLimitExceededError
    from atproto_client.models.common import XrpcError
    from atproto_client.request import Response

    reset = int(time.time()) + 120
    content = XrpcError(error="RateLimitExceeded", message="Rate Limit Exceeded")
    error = _publish_error(
        RateLimitExceededError(Response(False, 429, content, {"ratelimit-reset": str(reset)}))
    )
    assert error.retry and not error.maybe_sent and 100 < error.retry_after <= 120
    assert str(error) == "Bluesky: 429 Rate Limit Exceeded"


def test_a_server_error_may_have_posted(pds, account, fail):
    fail({1: "refuse"})  # a 503
    with pytest.raises(PublishError) as caught:
        network(pds, account).publish(SocialPost(["Soon"]), "entry-503")
    assert caught.value.retry and caught.value.maybe_sent


def test_a_lost_answer_is_looked_for_and_found(pds, account, fail):
    creates = fail({1: "lost"})  # the post is made, a 500 comes back
    with pytest.raises(PublishError) as caught:
        network(pds, account).publish(SocialPost(["Made, answer lost"]), "entry-lost")
    assert caught.value.retry and caught.value.maybe_sent
    found = network(pds, account).publish(SocialPost(["Made, answer lost"]), "entry-lost", unsure=True)
    assert creates.calls == 1 and read_back(pds, found.remote_id).text == "Made, answer lost"


def test_a_yes_the_sdk_cannot_read_may_have_posted():
    """A 2xx without the uri, or not JSON (a proxy's page): the SDK's model error, after the post may be made."""
    from atproto_client.exceptions import ModelError

    error = _publish_error(
        ModelError("Can't properly parse response model because JSON is expected in response")
    )
    assert error.retry and error.maybe_sent and "cannot be read" in str(error)


def test_a_resumed_thread_answers_the_parts_an_earlier_try_made(pds, account, fail):
    """A later try has only the uris of the parts made before: the cids replies need come from the PDS."""
    fail({3: "refuse"})
    post = SocialPost(["One 1/3", "Two 2/3", "Three 3/3"])
    with pytest.raises(PublishError):
        network(pds, account).publish(post, "entry-resumed")
    did = published_did(pds, account)
    made = [
        Published(f"at://{did}/app.bsky.feed.post/{record_key('entry-resumed', n)}", "") for n in range(2)
    ]
    network(pds, account).publish(post, "entry-resumed", sent=made, unsure=True)
    third = read_back(pds, f"at://{did}/app.bsky.feed.post/{record_key('entry-resumed', 2)}")
    assert (third.reply.root.uri, third.reply.parent.uri) == (made[0].remote_id, made[1].remote_id)
    assert third.reply.parent.cid == read_record(pds, made[1].remote_id).cid


def test_no_connection_is_retried_as_not_sent(account):
    with socket.create_server(("127.0.0.1", 0)) as taken:
        closed = f"http://127.0.0.1:{taken.getsockname()[1]}"
    with pytest.raises(PublishError) as caught:  # nothing listens there any more
        network({"pds": closed}, account).publish(SocialPost(["x"]), "entry-refused")
    assert caught.value.retry and not caught.value.maybe_sent and "no answer" in str(caught.value)


def test_a_server_that_never_answers_is_given_up_after_the_timeout_setting(
    account, loopback_server, monkeypatch
):
    import httpx

    made = []
    real = httpx.Client
    monkeypatch.setattr(httpx, "Client", lambda **options: made.append(options) or real(**options))
    answer = threading.Event()  # set when the test ends: the server holds every answer until then
    loopback_server.handler(lambda request: answer.wait(30) and Reply(500))
    handle, secret = account
    options = {"service": loopback_server.url, "handle": handle, "timeout": 0.2}
    bluesky = Bluesky(
        "default", options, Credentials(("BLUESKY_APP_PASSWORD",), {"BLUESKY_APP_PASSWORD": secret})
    )
    try:
        with pytest.raises(PublishError) as caught:
            bluesky.publish(SocialPost(["x"]), "entry-slow")
    finally:
        answer.set()
    assert caught.value.retry and "no answer (ReadTimeout)" in str(caught.value)
    assert [client.get("timeout") for client in made] == [0.2]  # the SDK's connections wait that long


@pytest.mark.parametrize("fault", ["rate-limit", "refuse"])
def test_a_look_up_that_failed_leaves_the_part_unsure(pds, account, proxy, fail, fault):
    """Whatever stops the look-up, the part may be out there: the next try must look again, not send."""
    proxy.refuse_status = 403
    fail({1: fault}, "com.atproto.repo.getRecord")
    with pytest.raises(PublishError) as caught:
        network(pds, account).publish(SocialPost(["Maybe out there"]), "entry-look", unsure=True)
    assert caught.value.maybe_sent and caught.value.retry == (fault == "rate-limit")
    if fault == "refuse":
        assert "refused to read the post's record (403)" in str(caught.value)


def test_a_look_up_refused_for_another_reason_is_not_taken_for_no_post(pds, account, proxy, fail):
    proxy.refuse_status = 400  # as for a repository taken down; only RecordNotFound means no post
    fail({1: "refuse"}, "com.atproto.repo.getRecord")
    with pytest.raises(PublishError, match=r"refused to read the post's record \(400\)") as caught:
        network(pds, account).publish(SocialPost(["Maybe out there"]), "entry-deactivated", unsure=True)
    assert caught.value.maybe_sent
