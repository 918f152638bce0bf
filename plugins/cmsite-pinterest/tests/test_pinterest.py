"""Pinterest against a loopback API v5 (pinterest_fake.py) that checks each documented request:
a Pin on a board, by address or uploaded; refusals with what to do; 429 and 5xx tried again; a
lost answer looked for on the board; delete, analytics and the account's figures."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from cmsite_pinterest import Pinterest
from pinterest_fake import BOARD, OTHER_BOARD, TOKEN, FakePinterest, decoded, error

from cmsite.social.network import Credentials, Media, Part, Published, PublishError, SocialPost
from cmsite.testing import Reply, make_picture

SITE = "https://blog.cmsite.info"
LINK = f"{SITE}/posts/soup/"


@pytest.fixture
def fake(loopback_server):
    fake = FakePinterest()
    loopback_server.handler(fake)
    yield fake
    for held in fake.hold.values():
        held.set()
    assert fake.problems == []


def network(server, token=TOKEN, account="default", variables=None, **options):
    settings = {"api": server.url, "board": BOARD, **options}
    environ = variables or {"PINTEREST_ACCESS_TOKEN": token}
    return Pinterest(account, settings, Credentials(tuple(environ), environ))


@pytest.fixture
def picture(tmp_path):
    path = make_picture(tmp_path / "soup.jpg", 600, 900)
    return Media(str(path), "A bowl of pumpkin soup", f"{SITE}/images/soup.jpg")


def pin_post(picture, text="Pumpkin soup in twenty minutes. #Recipes", **fields):
    return SocialPost([text], media=[picture], link=LINK, title="Pumpkin soup", **fields)


def test_a_pin_goes_on_the_board_with_its_title_description_link_and_picture(loopback_server, fake, picture):
    published = network(loopback_server).publish(pin_post(picture), "k")
    ((method, path, query, body),) = fake.calls
    assert (method, path, query) == ("POST", "/v5/pins", {})
    assert body == {
        "board_id": BOARD,
        "title": "Pumpkin soup",
        "description": "Pumpkin soup in twenty minutes. #Recipes",
        "link": LINK,
        "alt_text": "A bowl of pumpkin soup",
        "media_source": {"source_type": "image_url", "url": f"{SITE}/images/soup.jpg"},
    }
    (pin,) = fake.posts
    assert published == Published(pin["id"], f"https://www.pinterest.com/pin/{pin['id']}/")
    assert loopback_server.requests[0].headers["Authorization"] == f"Bearer {TOKEN}"


def test_a_standalone_post_has_no_title_and_no_link(loopback_server, fake, picture):
    network(loopback_server, board=OTHER_BOARD).publish(SocialPost(["Market day."], media=[picture]), "k")
    (body,) = [call[3] for call in fake.calls]
    assert (
        set(body) == {"board_id", "description", "alt_text", "media_source"}
        and body["board_id"] == OTHER_BOARD
    )


@pytest.mark.parametrize(("name", "mime"), [("soup.png", "image/png"), ("soup.webp", "image/jpeg")])
def test_upload_sends_the_pictures_bytes(loopback_server, fake, tmp_path, name, mime):
    path = make_picture(tmp_path / name, 600, 900)
    media = Media(str(path), "Soup", None)  # no public address needed to upload
    network(loopback_server, upload=True).publish(SocialPost(["Soup."], media=[media]), "k")
    source = fake.posts[0]["source"]
    assert source["source_type"] == "image_base64" and source["content_type"] == mime
    if mime == "image/png":  # taken as it is; a WebP is sent as a JPEG copy
        assert decoded(source) == path.read_bytes()


@pytest.mark.parametrize(
    ("reply", "retry", "maybe_sent", "says"),
    [
        (error(401, 2, "Authentication failed."), False, False, "get a new access token"),
        (error(403, 3, "The Pin's image is too small."), False, False, "picture may be too small"),
        (error(404, 40, "Board not found."), False, False, "check the board setting"),
        (error(400, 1, "Invalid parameters."), False, False, "check the title, the description"),
        (error(429, 8, "Rate limit exceeded.", {"Retry-After": "120"}), True, False, "Rate limit exceeded"),
        (error(500, 15, "Internal error."), True, True, "Internal error"),
        (error(503, 16, "Service unavailable."), True, True, "Service unavailable"),
    ],
)
def test_refusals_are_retried_or_say_what_to_do(
    loopback_server, fake, picture, reply, retry, maybe_sent, says
):
    fake.fail["create", 1] = reply
    with pytest.raises(PublishError) as caught:
        network(loopback_server).publish(pin_post(picture), "k")
    error_ = caught.value
    assert (error_.retry, error_.maybe_sent) == (retry, maybe_sent) and says in str(error_)
    assert f"({reply.status})" in str(error_) or retry
    assert TOKEN not in str(error_) and not fake.posts
    assert error_.retry_after == (120 if reply.status == 429 else None)


def test_a_lost_or_unreadable_answer_to_create_pin_may_have_made_it(loopback_server, fake, picture):
    release = fake.hold["create"] = threading.Event()
    with pytest.raises(PublishError) as caught:
        network(loopback_server, timeout=0.2).publish(pin_post(picture), "k")
    assert fake.holding.wait(10)  # the Pin was made, whenever the loaded machine got to it
    release.set()
    assert caught.value.retry and caught.value.maybe_sent and len(fake.posts) == 1
    fake.fail["create", 2] = Reply(201, b"<html>a proxy's page</html>")
    fake.fail["create", 3] = Reply(201, b'{"board_id": "1"}')
    for _ in range(2):
        with pytest.raises(PublishError) as caught:
            network(loopback_server).publish(pin_post(picture), "k")
        assert caught.value.retry and caught.value.maybe_sent


def find(pinterest, post, since=None):
    with pinterest.session() as client:
        return pinterest.find_one(client, Part(post, 0, "k", since=since))


def test_a_pin_is_found_again_on_the_board_by_its_link_title_and_description(loopback_server, fake, picture):
    first = network(loopback_server).publish(pin_post(picture), "k0")
    network(loopback_server).publish(pin_post(picture, "Another text for the same post."), "k1")
    fake.calls.clear()
    assert find(network(loopback_server), pin_post(picture)) == first
    ((method, path, query, _),) = fake.calls
    assert (method, path, query) == ("GET", f"/v5/boards/{BOARD}/pins", {"page_size": "25"})
    assert find(network(loopback_server), pin_post(picture, "Never pinned.")) is None
    assert find(network(loopback_server), replace_title(pin_post(picture), "Leek soup")) is None
    assert find(network(loopback_server, board=OTHER_BOARD), pin_post(picture)) is None


def replace_title(post, title):
    post.title = title
    return post


def test_a_repetition_pinned_before_the_try_began_is_not_the_pin(loopback_server, fake, picture):
    network(loopback_server).publish(pin_post(picture), "k")
    later = datetime.now(UTC) + timedelta(days=30)  # the plan's next repetition, a month on
    assert find(network(loopback_server), pin_post(picture), since=later) is None
    assert find(network(loopback_server), pin_post(picture), since=datetime.now(UTC)) is not None


def test_delete_takes_the_pin_down(loopback_server, fake, picture):
    keep = network(loopback_server).publish(pin_post(picture), "k0")
    gone = network(loopback_server).publish(pin_post(picture, "Goes."), "k1")
    fake.calls.clear()
    network(loopback_server).delete(gone.remote_id, "k1")
    assert fake.calls == [("DELETE", f"/v5/pins/{gone.remote_id}", {}, b"")]
    assert [pin["id"] for pin in fake.posts] == [keep.remote_id]
    with pytest.raises(PublishError, match=r"refused to delete post \d+ \(404\).*not on Pinterest") as caught:
        network(loopback_server).delete(gone.remote_id)
    assert not caught.value.retry


def test_metrics_are_the_pins_analytics_under_the_shared_names(loopback_server, fake, picture):
    pin = network(loopback_server).publish(pin_post(picture), "k")
    fake.summary[pin.remote_id] = {"IMPRESSION": 2400, "SAVE": 31, "PIN_CLICK": 55, "OUTBOUND_CLICK": 12}
    fake.today = datetime(2026, 11, 27).date()
    pinterest = network(loopback_server)
    pinterest.clock = lambda: datetime(2026, 11, 27, 23, 30, tzinfo=UTC)
    fake.calls.clear()
    assert pinterest.metrics(pin.remote_id) == {
        "views": 2400, "saves": 31, "clicks": 67, "pin_clicks": 55, "outbound_clicks": 12,
    }  # fmt: skip
    ((method, path, query, _),) = fake.calls
    assert (method, path) == ("GET", f"/v5/pins/{pin.remote_id}/analytics")
    assert query == {
        "start_date": "2026-08-30", "end_date": "2026-11-27", "app_types": "ALL", "split_field": "NO_SPLIT",
        "metric_types": "IMPRESSION,SAVE,PIN_CLICK,OUTBOUND_CLICK",
    }  # fmt: skip
    fake.fail["analytics", 2] = error(403, 3, "Not authorized to access board or Pin.")
    with pytest.raises(PublishError, match="the token needs pins:read"):
        pinterest.metrics(pin.remote_id)
    with pytest.raises(PublishError, match="not on Pinterest"):
        pinterest.metrics("1")


def test_a_pin_without_analytics_yet_gives_no_invented_zeros(loopback_server, fake, picture):
    pin = network(loopback_server).publish(pin_post(picture), "k")
    assert network(loopback_server).metrics(pin.remote_id) == {}


def test_the_account_is_its_user_account(loopback_server, fake):
    assert network(loopback_server).verify_credentials() == "@carnet"
    assert network(loopback_server).account_metrics() == {
        "followers": 1204, "following": 87, "posts": 0, "boards": 2, "monthly_views": 52000,
    }  # fmt: skip
    assert [(m, p) for m, p, _, _ in fake.calls] == [("GET", "/v5/user_account")] * 2
    with pytest.raises(PublishError, match=r"refused the account's credentials \(401\).*new access token"):
        network(loopback_server, token="expired").verify_credentials()


def test_a_picture_pinterest_could_not_fetch_stops_the_send_before_any_request(
    loopback_server, fake, tmp_path
):
    jpeg = make_picture(tmp_path / "soup.jpg", 600, 900)
    webp = make_picture(tmp_path / "soup.webp", 600, 900)
    for media, says in [
        ([], "a Pin is a picture"),
        ([Media(str(jpeg), "Soup")], "has no public address"),
        ([Media(str(jpeg), "Soup", "http://localhost:8000/images/soup.jpg")], "which Pinterest cannot reach"),
        ([Media(str(webp), "Soup", f"{SITE}/images/soup.webp")], "does not take image/webp"),
    ]:
        with pytest.raises(PublishError, match=says) as caught:
            network(loopback_server).publish(SocialPost(["Soup."], media=media), "k")
        assert not caught.value.retry
    assert fake.calls == []


def test_the_board_is_the_accounts_own_setting(loopback_server, fake, picture):
    assert network(loopback_server, board="").missing_settings() == [
        "no board for Pinterest account 'default'; set board = \"549755885175\" under [networks.pinterest]"
    ]
    with pytest.raises(PublishError, match="'Recipes' is not a board id"):
        network(loopback_server, board="Recipes").publish(pin_post(picture), "k")
    assert fake.calls == []


def test_a_board_account_may_use_another_accounts_token(loopback_server, fake, picture):
    variables = {"PINTEREST_ACCESS_TOKEN": TOKEN}
    travel = network(loopback_server, account="travel", variables=variables, board=OTHER_BOARD)
    assert travel.missing_settings() == [
        "PINTEREST_TRAVEL_ACCESS_TOKEN is not set; put it in the environment or the site's .env"
    ]
    travel = network(
        loopback_server, account="travel", variables=variables, board=OTHER_BOARD, token_of="default"
    )
    assert travel.missing_settings() == []
    travel.publish(pin_post(picture), "k")
    assert fake.posts[0]["board_id"] == OTHER_BOARD


def test_each_field_is_counted_against_its_own_limit(picture):
    def problems(**fields):
        post = {"texts": ["Soup."], "media": [picture], "link": LINK, "title": "Soup", **fields}
        return Pinterest.validate(SocialPost(**post))

    assert Pinterest.max_length == 500 and Pinterest.count("🎃" * 3) == 3  # code points
    assert problems(texts=["é" * 500], title="t" * 100) == []
    assert problems(texts=["é" * 501]) == [
        "the Pin's description is 501 characters, over Pinterest's limit of 500; shorten the text"
    ]
    assert problems(title="🎃" * 101) == [
        "the Pin's title is 101 characters, over Pinterest's limit of 100; shorten the post's title"
    ]
    assert problems(link=f"{SITE}/{'a' * 2048}") == [
        "the Pin's link is 2073 characters, over Pinterest's limit of 2048; use a shorter address"
    ]
    (alt,) = problems(media=[Media(picture.path, "a" * 501, picture.url)])
    assert "alt text" in alt and "501 characters, over Pinterest's limit of 500" in alt
    assert problems(media=[]) == [
        "a Pin is a picture: add `media:` with one picture (and its `alt:`) to this plan"
    ]
    assert problems(media=[picture, picture]) == ["2 pictures, and a Pin has one; keep one in `media:`"]
    assert problems(texts=["1/2 Soup.", "2/2 More."]) == [
        "Pinterest has no threads (a Pin has one description); remove `thread: true`"
    ]
