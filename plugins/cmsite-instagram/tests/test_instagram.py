"""Instagram against a loopback Graph API that checks each documented request and answers as the
docs say: a picture, a carousel, the container's status polled on an injected clock, the first
comment, the publishing limit, refusals, errors retried or not, reconciliation, delete, metrics."""

from __future__ import annotations

import re

import pytest
from fake_instagram import SITE, TOKEN, USER, Clock, FakeInstagram, network, pictures

from cmsite.social.network import Media, Part, Published, PublishError, SocialPost
from cmsite.testing import graph_error, make_picture

V = "/v25.0"
# A picture post: the limit read, the container made, its status looked at, published, its address asked.
ONE_POST = [
    ("GET", f"{V}/{USER}/content_publishing_limit"),
    ("POST", f"{V}/{USER}/media"),
    ("GET", f"{V}/c1"),
    ("POST", f"{V}/{USER}/media_publish"),
    ("GET", f"{V}/17900001"),
]
LINK = f"{SITE}/posts/meetup/"


def steps(fake: FakeInstagram) -> list[tuple[str, str]]:
    return [(method, path) for method, path, _ in fake.calls]


def test_one_picture_is_an_image_container_then_its_publication(loopback_server, instagram, tmp_path):
    post = SocialPost(["The meetup room is ready. #meetup"], media=pictures(tmp_path, "room.jpg"), link=LINK)
    published = network(loopback_server).publish(post, "k")
    assert steps(instagram) == ONE_POST
    assert instagram.calls[0][2] == {"fields": "config,quota_usage", "access_token": TOKEN}
    assert instagram.calls[1][2] == {
        "image_url": f"{SITE}/images/room.jpg",  # Instagram fetches it from the deployed site
        "alt_text": "Picture room.jpg",
        "caption": "The meetup room is ready. #meetup",
        "access_token": TOKEN,
    }
    assert instagram.calls[2][2] == {"fields": "status_code,status", "access_token": TOKEN}
    assert instagram.calls[3][2] == {"creation_id": "c1", "access_token": TOKEN}
    assert published == Published("17900001", "https://www.instagram.com/p/P17900001/")
    assert instagram.posts() == [("The meetup room is ready. #meetup", [])]


def test_several_pictures_are_a_carousel_of_finished_items(loopback_server, instagram, tmp_path):
    three = pictures(tmp_path, "a.jpg", "b.jpg", "c.jpg")
    instagram.status = ["IN_PROGRESS", "FINISHED"]  # the first item is still being fetched at first
    clock = Clock()
    published = network(loopback_server, clock=clock).publish(SocialPost(["Three views."], media=three), "k")
    created = [
        fields for method, path, fields in instagram.calls if (method, path) == ("POST", f"{V}/{USER}/media")
    ]
    assert created[:3] == [
        {
            "image_url": f"{SITE}/images/{n}",
            "alt_text": f"Picture {n}",
            "is_carousel_item": "true",
            "access_token": TOKEN,
        }
        for n in ("a.jpg", "b.jpg", "c.jpg")
    ]  # alt text on each item; the caption on the carousel only
    assert created[3] == {
        "media_type": "CAROUSEL",
        "children": "c1,c2,c3",
        "caption": "Three views.",
        "access_token": TOKEN,
    }
    looked = [path for method, path, _ in instagram.calls if method == "GET" and path.startswith(f"{V}/c")]
    assert looked == [f"{V}/c1", f"{V}/c1", f"{V}/c2", f"{V}/c3", f"{V}/c4"]
    assert clock.slept == [5.0]  # one wait of ready_interval, on the injected clock
    published_ids = [f["creation_id"] for _, path, f in instagram.calls if path.endswith("/media_publish")]
    assert published_ids == ["c4"] and published.remote_id == "17900001"


def test_a_carousel_takes_at_most_ten_pictures(loopback_server, instagram, tmp_path):
    eleven = pictures(tmp_path, *(f"p{n}.jpg" for n in range(11)))
    with pytest.raises(PublishError, match="11 pictures, and Instagram takes at most 10") as caught:
        network(loopback_server).publish(SocialPost(["Too many."], media=eleven), "k")
    assert not caught.value.retry and instagram.calls == []
    ten = network(loopback_server).publish(SocialPost(["Ten."], media=eleven[:10]), "k")
    assert instagram.containers[instagram.media[ten.remote_id]["container"]]["children"].count(",") == 9


def test_the_status_code_is_polled_until_finished(loopback_server, instagram, tmp_path):
    room = pictures(tmp_path, "room.jpg")
    instagram.status = ["IN_PROGRESS", "IN_PROGRESS", "FINISHED"]
    clock = Clock()
    network(loopback_server, clock=clock).publish(SocialPost(["Soon."], media=room), "k")
    assert steps(instagram).count(("GET", f"{V}/c1")) == 3 and clock.slept == [5.0, 5.0]
    instagram.status = ["IN_PROGRESS"]  # never ready: given up after ready_wait, on the clock
    clock = Clock()
    with pytest.raises(PublishError, match=r"not ready to publish \(IN_PROGRESS\)") as caught:
        network(loopback_server, clock=clock, ready_wait=60).publish(SocialPost(["Later."], media=room), "k")
    assert caught.value.retry and not caught.value.maybe_sent and sum(clock.slept) == 60
    instagram.status = ["EXPIRED"]  # not published within 24 hours: a new container next time
    with pytest.raises(PublishError, match=r"\(EXPIRED\)") as caught:
        network(loopback_server).publish(SocialPost(["Expired."], media=room), "k")
    assert caught.value.retry and not caught.value.maybe_sent
    instagram.status = ["PUBLISHED"]  # only a publication makes it so: looked for before a new one
    with pytest.raises(PublishError, match="published already") as caught:
        network(loopback_server).publish(SocialPost(["Out."], media=room), "k")
    assert caught.value.retry and caught.value.maybe_sent
    assert len(instagram.media) == 1


def test_a_picture_instagram_could_not_take_says_what_to_check(loopback_server, instagram, tmp_path):
    instagram.status = ["ERROR"]  # its `status` is the error subcode, 2207009: the aspect ratio
    with pytest.raises(PublishError) as caught:
        network(loopback_server).publish(SocialPost(["The room."], media=pictures(tmp_path, "room.jpg")), "k")
    message = str(caught.value)
    assert "could not prepare the post (2207009)" in message and f"{SITE}/images/room.jpg opens" in message
    assert not caught.value.retry and not instagram.media


def test_the_first_comment_carries_the_link_after_the_post(loopback_server, instagram, tmp_path):
    post = SocialPost(["The room is ready."], media=pictures(tmp_path, "room.jpg"), link=LINK, title="Meetup")
    account = network(loopback_server, first_comment="Read it on the blog: {link} ({title})")
    published = account.publish(post, "k")
    assert instagram.posts() == [("The room is ready.", [f"Read it on the blog: {LINK} (Meetup)"])]
    comment = [(m, p, f) for m, p, f in instagram.calls if p.endswith("/comments")]
    assert comment == [("POST", f"{V}/{published.remote_id}/comments", {"message": f"Read it on the blog: {LINK} (Meetup)", "access_token": TOKEN})]  # fmt: skip
    assert steps(instagram).index(comment[0][:2]) > steps(instagram).index(
        ("POST", f"{V}/{USER}/media_publish")
    )
    instagram.calls.clear()
    account.publish(SocialPost(["No link."], media=post.media), "k3")  # {link} and no link: no comment
    assert not [p for _, p, _ in instagram.calls if p.endswith("/comments")]


@pytest.mark.parametrize("how", ["fail", "lose"], ids=["comment-503", "commented-then-500"])
def test_a_first_comment_whose_answer_was_lost_is_made_once_when_the_post_is_found(
    loopback_server, instagram, tmp_path, how
):
    getattr(instagram, how)["comment", 1] = graph_error(
        503 if how == "fail" else 500, "Service unavailable", 2
    )
    post = SocialPost(["The room is ready."], media=pictures(tmp_path, "room.jpg"), link=LINK)
    account = network(loopback_server, first_comment="{link}")
    with pytest.raises(PublishError, match=r"published the post .* but not its first comment") as caught:
        account.publish(post, "k")
    assert caught.value.retry and caught.value.maybe_sent  # the post is looked for, not sent again
    published = account.publish(post, "k", unsure=True)  # the next try: found, and its comment completed
    assert published.remote_id == "17900001"
    assert instagram.posts() == [("The room is ready.", [LINK])]
    account.publish(post, "k", unsure=True)  # found again, its comment there already: nothing made
    assert instagram.posts() == [("The room is ready.", [LINK])]


def test_a_refused_first_comment_waits_for_a_person_since_the_post_is_out(
    loopback_server, instagram, tmp_path
):
    instagram.fail["comment", 1] = graph_error(403, "Permissions error", 10)
    post = SocialPost(["The room."], media=pictures(tmp_path, "room.jpg"), link=LINK)
    with pytest.raises(PublishError) as caught:
        network(loopback_server, first_comment="{link}").publish(post, "k")
    assert not caught.value.retry and caught.value.maybe_sent
    assert "instagram_business_manage_comments" in str(caught.value) and "add the comment by hand" in str(
        caught.value
    )
    with pytest.raises(PublishError, match=re.escape("first_comment '{url}' cannot be filled")):
        network(loopback_server, first_comment="{url}").publish(post, "k")
    assert len(instagram.media) == 1  # the bad template stopped the second send before anything


def test_a_thread_goes_on_in_comments(loopback_server, instagram, tmp_path):
    post = SocialPost(["1/2 The room.", "2/2 And the chairs."], media=pictures(tmp_path, "room.jpg"))
    network(loopback_server).publish(post, "k")
    assert instagram.posts() == [("1/2 The room.", ["2/2 And the chairs."])]


def test_the_publishing_limit_is_read_before_sending_and_said(loopback_server, instagram, tmp_path):
    instagram.quota = (100, 100)
    with pytest.raises(PublishError) as caught:
        network(loopback_server).publish(SocialPost(["Full."], media=pictures(tmp_path, "room.jpg")), "k")
    assert "published 100 posts through the API in the last 24 hours, its limit of 100" in str(caught.value)
    assert caught.value.retry and caught.value.retry_after == 3600 and not caught.value.maybe_sent
    assert steps(instagram) == ONE_POST[:1]  # nothing made


def test_a_limit_reached_at_publication_is_tried_again(loopback_server, instagram, tmp_path):
    instagram.fail["publish", 1] = graph_error(400, "Application request limit reached", 9, subcode=2207042)
    with pytest.raises(PublishError, match="request limit reached") as caught:
        network(loopback_server).publish(SocialPost(["Full."], media=pictures(tmp_path, "room.jpg")), "k")
    assert caught.value.retry and not instagram.media


def test_refusals_are_said_before_anything_is_sent(loopback_server, instagram, tmp_path):
    (room,) = pictures(tmp_path, "room.jpg")
    png = make_picture(tmp_path / "room.png", 1080, 1080)
    wide = make_picture(tmp_path / "wide.jpg", 2000, 1000)  # 2:1
    tall = make_picture(tmp_path / "tall.jpg", 1000, 1600)  # 5:8
    for post, says in [
        (SocialPost(["é" * 2201], media=[room]), "2201 characters as Instagram counts them, over its limit of 2200"),
        (SocialPost(["👍" * 1101], media=[room]), "2202 characters"),  # an emoji is two UTF-16 units
        (SocialPost([" ".join(f"#tag{n}" for n in range(31))], media=[room]), "31 hashtags and Instagram takes at most 30"),
        (SocialPost([" ".join(f"@user{n}" for n in range(21))], media=[room]), "tags 21 accounts"),
        (SocialPost(["No picture."]), "no post without a picture"),
        (SocialPost(["PNG."], media=[Media(str(png), "A room", f"{SITE}/images/room.png")]), "does not take image/png"),
        (SocialPost(["Wide."], media=[Media(str(wide), "A room", f"{SITE}/images/wide.jpg")]), "2000×1000 pixels, too wide"),
        (SocialPost(["Tall."], media=[Media(str(tall), "A room", f"{SITE}/images/tall.jpg")]), "too tall"),
        (SocialPost(["Local."], media=[Media(room.path, "A room", "http://localhost:8000/images/room.jpg")]), "which Instagram cannot reach"),
        (SocialPost(["Unpublished."], media=[Media(room.path, "A room")]), "has no public address"),
    ]:  # fmt: skip
        with pytest.raises(PublishError, match=says) as caught:
            network(loopback_server).publish(post, "k")
        assert not caught.value.retry, says
    assert instagram.calls == []
    fits = [
        (SocialPost(["é" * 2200], media=[room])),
        SocialPost([" ".join(f"#tag{n}" for n in range(30))], media=[room]),
    ]
    for post in fits:
        network(loopback_server).publish(post, "k")
    assert len(instagram.media) == 2


def test_the_fake_refuses_what_instagram_refuses(loopback_server, instagram, tmp_path):
    """The loopback API itself refuses an over-long caption, as Instagram does (code 100): what the
    checks above keep from ever being sent."""
    account = network(loopback_server)
    (room,) = pictures(tmp_path, "room.jpg")
    with (
        account.session() as client,
        pytest.raises(PublishError, match=r"\(400\): The caption is too long") as caught,
    ):
        account._create(client, {"image_url": str(room.url), "caption": "a" * 2201})
    assert not caught.value.retry


@pytest.mark.parametrize(
    ("reply", "retry", "says"),
    [
        (graph_error(429, "Too many calls", 4, headers={"Retry-After": "120"}), True, "Too many calls"),
        (graph_error(400, "Application request limit reached", 4), True, "request limit"),
        (graph_error(500, "An unexpected error has occurred", 2), True, "unexpected error"),
        (graph_error(503, "Service temporarily unavailable", 2), True, "unavailable"),
        (graph_error(400, "Error validating access token", 190), False, "get a new access token"),
        (graph_error(403, "Permissions error", 10), False, "instagram_business_content_publish"),
    ],
)
def test_api_errors_are_retried_or_refused_with_what_to_do(
    loopback_server, instagram, tmp_path, reply, retry, says
):
    instagram.fail["create", 1] = reply
    with pytest.raises(PublishError) as caught:
        network(loopback_server).publish(SocialPost(["x"], media=pictures(tmp_path, "room.jpg")), "k")
    assert caught.value.retry is retry and says in str(caught.value) and TOKEN not in str(caught.value)
    assert not caught.value.maybe_sent  # a container alone shows nothing on Instagram
    if reply.status == 429:
        assert caught.value.retry_after == 120


def test_permissions_are_named_for_the_login(loopback_server, instagram, tmp_path):
    instagram.fail["create", 1] = graph_error(403, "Permissions error", 10)
    with pytest.raises(PublishError, match="instagram_content_publish and pages_read_engagement"):
        network(loopback_server, login="facebook").publish(
            SocialPost(["x"], media=pictures(tmp_path, "r.jpg")), "k"
        )


def test_a_server_error_is_unknown_only_for_the_publication(loopback_server, instagram, tmp_path):
    room = pictures(tmp_path, "room.jpg")
    instagram.fail["publish", 1] = graph_error(503, "Service unavailable", 2, headers={"Retry-After": "30"})
    with pytest.raises(PublishError) as caught:
        network(loopback_server).publish(SocialPost(["x"], media=room), "k")
    assert caught.value.retry and caught.value.maybe_sent and caught.value.retry_after == 30


def test_no_permalink_does_not_undo_a_publication(loopback_server, instagram, tmp_path):
    instagram.fail["permalink", 1] = graph_error(500, "Temporarily unavailable", 2)
    published = network(loopback_server).publish(SocialPost(["Out."], media=pictures(tmp_path, "r.jpg")), "k")
    assert published == Published("17900001", "")


def find(account, post, number=0, root=None):
    with account.session() as client:
        return account.find_one(client, Part(post, number, "k", reply_to=root, root=root))


def test_find_looks_for_the_caption_among_the_latest_media(loopback_server, instagram, tmp_path):
    room = pictures(tmp_path, "room.jpg")
    network(loopback_server).publish(SocialPost(["Older post"], media=room), "k0")
    network(loopback_server).publish(
        SocialPost(["Thanks @carla.m for the room.\nSee you."], media=room), "k1"
    )
    instagram.calls.clear()
    found = find(
        network(loopback_server), SocialPost(["Thanks @carla.m for the room.\nSee you."], media=room)
    )
    assert found == Published("17900002", "https://www.instagram.com/p/P17900002/")  # read back without its @
    assert instagram.calls == [
        (
            "GET",
            f"{V}/{USER}/media",
            {"fields": "id,caption,permalink,timestamp", "limit": "25", "access_token": TOKEN},
        )
    ]
    assert find(network(loopback_server), SocialPost(["Never posted"], media=room)) is None


def test_find_looks_for_a_comment_among_the_accounts_own(loopback_server, instagram, tmp_path):
    post = SocialPost(["The room.", f"Read it: {LINK}"], media=pictures(tmp_path, "room.jpg"))
    root = network(loopback_server).publish(post, "k")
    instagram._comment(root.remote_id, f"Read it: {LINK}", "a.fan")  # the same words by someone else
    instagram.calls.clear()
    found = find(network(loopback_server), post, 1, root)
    assert found == Published("18000001", root.url)
    assert instagram.calls[0] == ("GET", f"{V}/{root.remote_id}/comments", {"fields": "id,text,from,timestamp", "access_token": TOKEN})  # fmt: skip
    del instagram.comments["18000001"]
    assert find(network(loopback_server), post, 1, root) is None  # only the fan's: not ours


def test_delete_with_facebook_login(loopback_server, instagram, tmp_path):
    instagram.login = "facebook"
    room = pictures(tmp_path, "room.jpg")
    keep = network(loopback_server, login="facebook").publish(SocialPost(["Stays."], media=room), "k0")
    gone = network(loopback_server, login="facebook").publish(SocialPost(["Goes."], media=room), "k1")
    instagram.calls.clear()
    network(loopback_server, login="facebook").delete(gone.remote_id, "k1")
    assert instagram.calls == [("DELETE", f"{V}/{gone.remote_id}", {"access_token": TOKEN})]
    assert list(instagram.media) == [keep.remote_id]
    with pytest.raises(PublishError) as caught:
        network(loopback_server, login="facebook").delete(gone.remote_id)
    assert str(caught.value).startswith(f"Instagram refused to delete post {gone.remote_id} (400)")
    assert "the post is not on Instagram" in str(caught.value) and not caught.value.retry
    instagram.fail["delete", 3] = graph_error(403, "Permissions error", 10)
    with pytest.raises(PublishError, match="instagram_basic and instagram_manage_contents"):
        network(loopback_server, login="facebook").delete(keep.remote_id)


def test_instagram_login_cannot_delete_and_says_so(loopback_server, instagram):
    with pytest.raises(NotImplementedError, match=r'login = "facebook".*delete it by hand'):
        network(loopback_server).delete("17900001")
    assert instagram.calls == []


def test_metrics_are_the_posts_insights_under_the_shared_names(loopback_server, instagram, tmp_path):
    published = network(loopback_server).publish(
        SocialPost(["Counted."], media=pictures(tmp_path, "r.jpg")), "k"
    )
    instagram.insights[published.remote_id] = {
        "views": 900,
        "likes": 41,
        "comments": 6,
        "shares": 3,
        "saved": 8,
        "reach": 700,
    }
    instagram.calls.clear()
    assert network(loopback_server).metrics(published.remote_id) == {
        "views": 900, "likes": 41, "replies": 6, "reposts": 3, "saves": 8, "reach": 700,
    }  # fmt: skip
    assert instagram.calls == [
        ("GET", f"{V}/{published.remote_id}/insights", {"metric": "views,likes,comments,shares,saved,reach", "access_token": TOKEN})
    ]  # fmt: skip
    instagram.fail["insights", 2] = graph_error(403, "Permissions error", 10)
    with pytest.raises(PublishError, match="instagram_business_manage_insights"):
        network(loopback_server).metrics(published.remote_id)
    with pytest.raises(PublishError, match="the post is not on Instagram"):
        network(loopback_server).metrics("17999999")


def test_account_metrics_are_followers_following_and_posts(loopback_server, instagram):
    assert network(loopback_server).account_metrics() == {"followers": 1520, "following": 87, "posts": 412}
    assert instagram.calls == [
        ("GET", f"{V}/{USER}", {"fields": "followers_count,follows_count,media_count", "access_token": TOKEN})
    ]
    instagram.fail["user", 2] = graph_error(400, "Error validating access token", 190)
    with pytest.raises(
        PublishError, match=r"^Instagram refused the account's figures \(400\).*new access token"
    ):
        network(loopback_server).account_metrics()


def test_a_wrong_login_setting_is_said_before_anything_is_sent(loopback_server, instagram, tmp_path):
    with pytest.raises(PublishError, match="login = 'twitter' is not a way to log in"):
        network(loopback_server, login="twitter").publish(
            SocialPost(["x"], media=pictures(tmp_path, "r.jpg")), "k"
        )
    assert instagram.calls == []
