"""Threads against a loopback server that checks each documented Graph API request and answers as the docs say."""

from __future__ import annotations

import json
import threading

import pytest
from click.testing import CliRunner
from cmsite_threads import Threads

from cmsite.cli import main
from cmsite.social.network import Credentials, Media, Part, Published, PublishError, SocialPost
from cmsite.testing import FakeGraphApi, GraphMissing, Reply, graph_error, make_picture

TOKEN = "threads-token-1"


# One post: make its container, wait until it is ready, publish it, ask for its permalink.
ONE_POST_STEPS = [
    ("POST", "/v1.0/me/threads"),
    ("GET", "/v1.0/c1"),
    ("POST", "/v1.0/me/threads_publish"),
    ("GET", "/v1.0/9001"),
]


class FakeThreads(FakeGraphApi):
    """The part of graph.threads.net the plugin uses: the token's profile, containers, their status,
    publication, posts. A request with another token than TOKEN is refused as the Graph API refuses it."""

    token = TOKEN

    def __init__(self, user: str = "me") -> None:
        super().__init__()
        self.user = user
        self.containers: dict[str, dict[str, str]] = {}
        self.posts: dict[str, dict[str, str]] = {}
        self.status = ["FINISHED"]  # what the next status checks answer, the last one repeated
        # steps ("create", "publish", "list", "replies", "permalink", "delete"…) for FakeGraphApi's faults
        self.insights: dict[str, dict[str, int]] = {}  # media id → what its insights answer
        self.followers = 0  # what the user insights answer for followers_count
        self.ready: set[str] = set()  # containers whose status was FINISHED when asked
        self.made = 0

    def _route(self, method: str, path: str, fields: dict[str, str]):
        parts = path.strip("/").split("/")
        assert parts[0] == "v1.0", path
        if method == "POST" and parts[1:] == [self.user, "threads"]:
            return "create", lambda: self._create(fields)
        if method == "POST" and parts[1:] == [self.user, "threads_publish"]:
            return "publish", lambda: self._publish(fields)
        if method == "GET" and parts[1:] == [self.user, "threads"]:  # the account's posts, not its replies
            assert fields == {"fields": "id,text,permalink,timestamp", "limit": "25"}, fields
            return "list", lambda: {
                "data": [
                    self._shown(i, ("id", "text", "permalink", "timestamp"))
                    for i in reversed(self.posts)
                    if self.posts[i]["by"] == "me" and "reply_to_id" not in self.posts[i]
                ]
            }
        if method == "GET" and parts[1:] == [self.user]:  # the Threads Profile API: the token's own user
            assert fields == {"fields": "id,username"}, fields
            return "profile", lambda: {"id": "1234567", "username": "carnet"}
        if method == "GET" and len(parts) == 3 and parts[2] == "replies":  # top-level replies, newest first
            assert fields == {"fields": "id,text,permalink,is_reply_owned_by_me"}, fields
            return "replies", lambda: {"data": self._replies(parts[1])}
        if method == "GET" and len(parts) == 2 and parts[1] in self.containers:
            assert fields["fields"] == "status,error_message"
            status = self.status.pop(0) if len(self.status) > 1 else self.status[0]
            if status == "FINISHED":
                self.ready.add(parts[1])
            return (
                "status",
                lambda: (
                    {"id": parts[1], "status": status}
                    | ({"error_message": "UNKNOWN"} if status == "ERROR" else {})
                ),
            )
        if method == "GET" and len(parts) == 2 and parts[1] in self.posts:
            assert fields["fields"] == "permalink"
            return "permalink", lambda: self._shown(parts[1], ("id", "permalink"))
        if method == "DELETE" and len(parts) == 2:
            assert set(fields) == set(), fields  # nothing but the token
            return "delete", lambda: self._delete(parts[1])
        if method == "GET" and parts[1:] == [self.user, "threads_insights"]:  # user insights
            assert fields == {"metric": "followers_count"}, fields
            return "user insights", self._followers
        if method == "GET" and len(parts) == 3 and parts[2] == "insights":
            assert fields == {"metric": "views,likes,replies,reposts,quotes"}, fields
            return "insights", lambda: self._insights(parts[1])
        raise AssertionError(f"not a documented request: {method} {path}")  # fmt: skip

    def _create(self, fields: dict[str, str]) -> dict[str, str]:
        """The container fields the Threads docs give for each media type, and nothing else."""
        kind = fields["media_type"]
        if kind == "TEXT":
            assert fields["text"]
            assert set(fields) <= {"media_type", "text", "reply_to_id", "link_attachment"}
        elif kind == "IMAGE" and fields.get("is_carousel_item") == "true":  # text goes on the carousel
            assert set(fields) <= {"media_type", "image_url", "alt_text", "is_carousel_item"}
        elif kind == "IMAGE":
            assert set(fields) <= {"media_type", "image_url", "alt_text", "text", "reply_to_id"}
        else:
            assert kind == "CAROUSEL", kind
            assert set(fields) <= {"media_type", "children", "text", "reply_to_id"}
            children = fields["children"].split(",")
            assert 2 <= len(children) <= 20 and len(set(children)) == len(children)
            for child in children:
                item = self.containers[child]
                assert item.get("is_carousel_item") == "true", "a carousel lists carousel items"
                assert child in self.ready, "each item is FINISHED before the carousel lists it"
        if kind == "IMAGE":
            assert fields["image_url"].startswith("https://"), "Threads fetches it from a public server"
            assert len(fields.get("alt_text", "")) <= 1000
        if "reply_to_id" in fields:
            assert fields["reply_to_id"] in self.posts, "replies go to a published post"
        self.made += 1
        container = f"c{self.made}"  # never reused, even once an earlier one is published
        self.containers[container] = fields
        return {"id": container}

    def _publish(self, fields: dict[str, str]) -> dict[str, str]:
        assert fields["creation_id"] in self.ready, "published once FINISHED"
        assert self.containers[fields["creation_id"]].get("is_carousel_item") != "true", "not an item alone"
        container = self.containers.pop(fields["creation_id"])  # a container is published once
        media = f"9{len(self.posts) + 1:03d}"
        self.posts[media] = {**container, "id": media, "permalink": f"https://www.threads.net/@carnet/post/P{media}", "timestamp": "2026-11-22T12:00:00+0000", "by": "me"}  # fmt: skip
        return {"id": media}

    def _replies(self, media: str) -> list[dict[str, object]]:
        self._known(media)
        return [
            {
                **self._shown(i, ("id", "text", "permalink")),
                "is_reply_owned_by_me": self.posts[i]["by"] == "me",
            }
            for i in reversed(self.posts)
            if self.posts[i].get("reply_to_id") == media
        ]

    def thread(self) -> list[tuple[str, str | None]]:
        """Every post as (text, the text of the post it answers), in the order they were made."""
        return [
            (post["text"], self.posts.get(post.get("reply_to_id", ""), {}).get("text"))
            for post in self.posts.values()
        ]

    def _delete(self, media: str) -> dict[str, object]:
        self._known(media)
        del self.posts[media]
        return {"success": True, "deleted_id": media}

    def _insights(self, media: str) -> dict[str, object]:
        """Media insights as documented: one lifetime value per metric asked for."""
        self._known(media)
        counts = self.insights.get(media, {})
        return {
            "data": [
                {"name": name, "period": "lifetime", "values": [{"value": counts.get(name, 0)}],
                 "title": name.title(), "id": f"{media}/insights/{name}/lifetime"}
                for name in ("views", "likes", "replies", "reposts", "quotes")
            ]
        }  # fmt: skip

    def _followers(self) -> dict[str, object]:
        """User insights as documented: followers_count is a total now, not a series of values."""
        return {
            "data": [
                {"name": "followers_count", "period": "day", "title": "followers_count",
                 "description": "The number of followers.", "total_value": {"value": self.followers},
                 "id": f"{self.user}/insights/followers_count/day"}
            ]
        }  # fmt: skip

    def _known(self, media: str) -> None:
        """What the Graph API answers for an object it does not have (or not for this token)."""
        if media not in self.posts:
            raise GraphMissing(media)

    def _shown(self, media: str, names: tuple[str, ...]) -> dict[str, str]:
        return {name: self.posts[media][name] for name in names}


@pytest.fixture
def threads(loopback_server):
    fake = FakeThreads()
    loopback_server.handler(fake)
    return fake


def network(server, token=TOKEN, **options):
    settings = {"api": server.url, "ready_interval": 0.01, "ready_wait": 1, **options}
    return Threads(
        "default", settings, Credentials(("THREADS_ACCESS_TOKEN",), {"THREADS_ACCESS_TOKEN": token})
    )


def test_a_post_is_a_container_then_its_publication(loopback_server, threads):
    post = SocialPost(
        ["Plan the week — ten minutes on Monday."], link="https://carnet.example.org/posts/plan/"
    )
    published = network(loopback_server).publish(post, "key-1")
    assert [(method, path) for method, path, _ in threads.calls] == ONE_POST_STEPS
    assert threads.calls[0][2] == {
        "media_type": "TEXT",
        "text": "Plan the week — ten minutes on Monday.",
        "link_attachment": "https://carnet.example.org/posts/plan/",
        "access_token": TOKEN,
    }
    assert threads.calls[2][2] == {"creation_id": "c1", "access_token": TOKEN}
    assert published.remote_id == "9001"
    assert published.url == "https://www.threads.net/@carnet/post/P9001"


def test_a_numbered_thread_is_chained_by_reply_to_id(loopback_server, threads):
    texts = ["1/3 The week starts on Monday.", "2/3 Ten minutes.", "3/3 That is all."]
    post = SocialPost(texts, link="https://carnet.example.org/posts/plan/")
    threads.user = "17841400000"
    published = network(loopback_server, user_id="17841400000").publish(post, "key-2")
    created = [fields for method, path, fields in threads.calls if path == "/v1.0/17841400000/threads"]
    assert [c["text"] for c in created] == texts
    assert "reply_to_id" not in created[0] and created[0]["link_attachment"] == post.link
    assert [c["reply_to_id"] for c in created[1:]] == ["9001", "9002"]  # each answers the one before
    assert all("link_attachment" not in c for c in created[1:])
    assert published.remote_id == "9001" and len(threads.posts) == 3


def test_publishing_waits_until_the_container_is_ready(loopback_server, threads):
    threads.status = ["IN_PROGRESS", "IN_PROGRESS", "FINISHED"]
    network(loopback_server).publish(SocialPost(["Soon."]), "k")
    assert [path for _, path, _ in threads.calls].count("/v1.0/c1") == 3 and len(threads.posts) == 1
    threads.status = ["ERROR"]
    with pytest.raises(PublishError, match="could not prepare the post: UNKNOWN") as caught:
        network(loopback_server).publish(SocialPost(["Never."]), "k")
    assert not caught.value.retry and len(threads.posts) == 1
    threads.status = ["IN_PROGRESS"]
    with pytest.raises(PublishError, match="not ready") as caught:
        network(loopback_server, ready_wait=0.05).publish(SocialPost(["Later."]), "k")
    assert caught.value.retry and not caught.value.maybe_sent


@pytest.mark.parametrize(
    ("reply", "retry", "says"),
    [
        (graph_error(429, "Too many calls", 4, headers={"Retry-After": "120"}), True, "Too many calls"),
        (graph_error(400, "Application request limit reached", 4), True, "request limit"),
        (graph_error(500, "An unexpected error has occurred", 2), True, "unexpected error"),
        (graph_error(400, "Error validating access token", 190), False, "get a new access token"),
        (graph_error(403, "Permissions error", 10), False, "threads_content_publish"),
        (graph_error(400, "Param text must be at most 500 characters long.", 100), False, "500 characters"),
    ],
)
def test_api_errors_are_retried_or_refused_with_what_to_do(loopback_server, threads, reply, retry, says):
    threads.fail["create", 1] = reply
    with pytest.raises(PublishError) as caught:
        network(loopback_server).publish(SocialPost(["x"]), "k")
    assert caught.value.retry is retry and says in str(caught.value)
    assert TOKEN not in str(caught.value) and not threads.posts
    if reply.headers.get("Retry-After"):
        assert caught.value.retry_after == 120


def test_a_wrong_token_is_refused_and_never_shown(loopback_server, threads):
    with pytest.raises(PublishError, match="get a new access token") as caught:
        network(loopback_server, token="wrong-secret").publish(SocialPost(["x"]), "k")
    assert "wrong-secret" not in str(caught.value)


def test_a_lost_answer_is_unknown_only_when_the_publication_was_asked_for(loopback_server, threads):
    for step in ("create", "publish"):
        release = threads.hold[step] = threading.Event()
        with pytest.raises(PublishError) as caught:
            network(loopback_server, timeout=0.2).publish(SocialPost([f"After {step}."]), "k")
        release.set()
        assert caught.value.retry and caught.value.maybe_sent is (step == "publish"), step
    assert [p["text"] for p in threads.posts.values()] == ["After publish."]  # it did go out


def test_an_answer_without_the_new_id_is_unknown_only_for_the_publication(loopback_server, threads):
    for step, maybe_sent in [("create", False), ("publish", True)]:
        threads.lose[step, 1] = Reply(200, b"<html>a proxy's page</html>")
        threads.lose[step, 2] = Reply(200, b'{"success": true}')
        for _ in range(2):
            with pytest.raises(PublishError) as caught:
                network(loopback_server).publish(SocialPost(["x"]), "k")
            assert caught.value.retry and caught.value.maybe_sent is maybe_sent, (step, str(caught.value))


def test_a_server_error_is_unknown_only_for_the_publication(loopback_server, threads):
    threads.fail["create", 1] = graph_error(500, "An unexpected error has occurred", 2)
    threads.fail["publish", 1] = graph_error(503, "Service unavailable", 2, headers={"Retry-After": "30"})
    for maybe_sent in (False, True):
        with pytest.raises(PublishError) as caught:
            network(loopback_server).publish(SocialPost(["x"]), "k")
        assert caught.value.retry and caught.value.maybe_sent is maybe_sent
    assert caught.value.retry_after == 30 and not threads.posts


def test_no_permalink_does_not_undo_a_publication(loopback_server, threads):
    threads.fail["permalink", 1] = graph_error(500, "Temporarily unavailable", 2)
    published = network(loopback_server).publish(SocialPost(["Out."]), "k")
    assert published == published.__class__("9001", "")


def find(threads_network, post, number=0, reply_to=None):
    """What `find_one` answers for part `number` of `post`."""
    with threads_network.session() as client:
        return threads_network.find_one(client, Part(post, number, "k", reply_to=reply_to))


def test_find_looks_through_the_latest_posts(loopback_server, threads):
    network(loopback_server).publish(SocialPost(["Older post"]), "k0")
    network(loopback_server).publish(SocialPost(["Plan the week.\nTen minutes.", "A reply"]), "k1")
    threads.calls.clear()
    found = find(network(loopback_server), SocialPost(["Plan the week.\nTen minutes."]))
    assert found.remote_id == "9002" and found.url.endswith("P9002")
    ((method, path, fields),) = threads.calls
    assert (method, path) == ("GET", "/v1.0/me/threads")
    assert fields == {"fields": "id,text,permalink,timestamp", "limit": "25", "access_token": TOKEN}
    assert find(network(loopback_server), SocialPost(["Never posted"])) is None
    assert find(network(loopback_server), SocialPost(["A reply"])) is None  # a later part is no first post


def test_find_looks_for_a_later_part_among_the_replies_to_the_one_before(loopback_server, threads):
    texts = ["1/2 The week.", "2/2 Ten minutes."]
    first = network(loopback_server).publish(SocialPost(texts), "k")
    threads.posts["9003"] = {
        "text": texts[1],
        "reply_to_id": "9001",
        "id": "9003",
        "permalink": "",
        "by": "fan",
    }
    threads.calls.clear()
    found = find(network(loopback_server), SocialPost(texts), 1, reply_to=first)
    assert found.remote_id == "9002" and found.url.endswith("P9002")  # not the same words by someone else
    ((method, path, fields),) = threads.calls
    assert (method, path) == ("GET", "/v1.0/9001/replies")
    assert fields == {"fields": "id,text,permalink,is_reply_owned_by_me", "access_token": TOKEN}
    elsewhere = Published("9003", "")
    assert find(network(loopback_server), SocialPost(texts), 1, reply_to=elsewhere) is None


def test_counting_and_checks():
    assert Threads.max_length == 500
    assert Threads.count("Plan 👍") == 5 + 4  # an emoji counts its UTF-8 bytes
    assert Threads.count("é" * 500) == 500 and Threads.count("e\u0301") == 1
    assert Threads.validate(SocialPost(["a" * 500])) == []
    (long,) = Threads.validate(SocialPost(["👍" * 126]))  # 504
    assert "504 characters" in long
    links = " ".join(f"https://example.org/{n}" for n in range(5))
    assert Threads.validate(SocialPost([links])) == []
    (many,) = Threads.validate(SocialPost([links], link="https://carnet.example.org/p/"))
    assert "6 different links" in many


def test_delete_removes_the_post(loopback_server, threads):
    keep = network(loopback_server).publish(SocialPost(["Stays."]), "k0")
    gone = network(loopback_server).publish(SocialPost(["Goes."]), "k1")
    threads.calls.clear()
    network(loopback_server).delete(gone.remote_id, "k1")
    assert threads.calls == [("DELETE", f"/v1.0/{gone.remote_id}", {"access_token": TOKEN})]
    assert list(threads.posts) == [keep.remote_id]


@pytest.mark.parametrize(
    ("reply", "says"),
    [
        (None, "the post is not on Threads"),  # already gone: the fake answers as the Graph API does
        (graph_error(403, "Application does not have permission for this action", 10), "threads_delete"),
        (graph_error(400, "Error validating access token", 190), "get a new access token"),
    ],
)
def test_a_refused_delete_says_what_to_do(loopback_server, threads, reply, says):
    published = network(loopback_server).publish(SocialPost(["Out."]), "k")
    if reply is None:
        threads.posts.clear()
    else:
        threads.fail["delete", 1] = reply
    with pytest.raises(PublishError) as caught:
        network(loopback_server).delete(published.remote_id)
    message = str(caught.value)
    assert message.startswith(f"Threads refused to delete post {published.remote_id}")
    assert says in message and TOKEN not in message and not caught.value.retry


def test_metrics_are_the_posts_insights(loopback_server, threads):
    published = network(loopback_server).publish(SocialPost(["Counted."]), "k")
    threads.insights[published.remote_id] = {"views": 120, "likes": 9, "replies": 2, "reposts": 1}
    threads.calls.clear()
    assert network(loopback_server).metrics(published.remote_id) == {
        "views": 120, "likes": 9, "replies": 2, "reposts": 1, "quotes": 0,
    }  # fmt: skip
    ((method, path, fields),) = threads.calls
    assert (method, path) == ("GET", f"/v1.0/{published.remote_id}/insights")
    assert fields == {"metric": "views,likes,replies,reposts,quotes", "access_token": TOKEN}
    threads.fail["insights", 2] = graph_error(403, "Application does not have permission for this action", 10)
    with pytest.raises(PublishError, match="threads_manage_insights"):
        network(loopback_server).metrics(published.remote_id)
    with pytest.raises(PublishError, match="the post is not on Threads"):
        network(loopback_server).metrics("9999")


def test_account_metrics_are_the_followers_threads_counts(loopback_server):
    threads = FakeThreads(user="1234567")
    threads.followers = 4821
    loopback_server.handler(threads)
    assert network(loopback_server, user_id="1234567").account_metrics() == {"followers": 4821}
    assert threads.calls == [
        ("GET", "/v1.0/1234567/threads_insights", {"metric": "followers_count", "access_token": TOKEN})
    ]


@pytest.mark.parametrize(
    ("reply", "says"),
    [
        (
            graph_error(403, "Application does not have permission for this action", 10),
            "threads_manage_insights",
        ),
        (graph_error(400, "Error validating access token", 190), "get a new access token"),
        (
            graph_error(400, "Unsupported get request. Object with ID '42' does not exist", 100, subcode=33),
            "check the user_id setting",
        ),
    ],
)
def test_refused_account_metrics_say_what_to_do(loopback_server, threads, reply, says):
    threads.fail["user insights", 1] = reply
    with pytest.raises(PublishError) as caught:
        network(loopback_server).account_metrics()
    message = str(caught.value)
    assert message.startswith("Threads refused the account's figures (4") and says in message
    assert "post" not in message and TOKEN not in message and not caught.value.retry


SITE = "https://blog.cmsite.info"


def pictures(folder, *names):
    """Pictures of a built site: a file each, and the address the deployed site serves it at."""
    return [
        Media(str(make_picture(folder / name, 400, 300)), f"Picture {name}", f"{SITE}/images/{name}")
        for name in names
    ]


def test_one_picture_is_an_image_container_threads_fetches_from_the_site(loopback_server, threads, tmp_path):
    (room,) = pictures(tmp_path, "room.jpg")
    post = SocialPost(["The meetup room is ready."], media=[room], link=f"{SITE}/posts/meetup/")
    published = network(loopback_server).publish(post, "k")
    assert [(method, path) for method, path, _ in threads.calls] == ONE_POST_STEPS
    assert threads.calls[0][2] == {
        "media_type": "IMAGE",
        "image_url": "https://blog.cmsite.info/images/room.jpg",
        "alt_text": "Picture room.jpg",
        "text": "The meetup room is ready.",  # no link_attachment: Threads cards text posts only
        "access_token": TOKEN,
    }
    assert threads.calls[2][2] == {"creation_id": "c1", "access_token": TOKEN}
    assert published.remote_id == "9001"


def test_several_pictures_are_a_carousel_of_ready_items(loopback_server, threads, tmp_path):
    three = pictures(tmp_path, "a.png", "b.jpg", "c.jpg")
    threads.status = ["IN_PROGRESS", "FINISHED"]  # the first item is still being fetched at first
    post = SocialPost(["1/2 Three pictures of the room.", "2/2 And a word."], media=three)
    published = network(loopback_server).publish(post, "k")
    created = [
        fields for method, path, fields in threads.calls if (method, path) == ("POST", "/v1.0/me/threads")
    ]
    items, carousel, reply = created[:3], created[3], created[4]
    assert items == [
        {
            "media_type": "IMAGE",
            "image_url": f"{SITE}/images/{name}",
            "alt_text": f"Picture {name}",
            "is_carousel_item": "true",
            "access_token": TOKEN,
        }
        for name in ("a.png", "b.jpg", "c.jpg")
    ]
    assert carousel == {
        "media_type": "CAROUSEL",
        "children": "c1,c2,c3",  # in the order of the plan
        "text": "1/2 Three pictures of the room.",
        "access_token": TOKEN,
    }
    assert reply == {
        "media_type": "TEXT",
        "text": "2/2 And a word.",
        "reply_to_id": "9001",
        "access_token": TOKEN,
    }
    checked = [path for method, path, _ in threads.calls if method == "GET" and path.startswith("/v1.0/c")]
    assert checked == ["/v1.0/c1", "/v1.0/c1", "/v1.0/c2", "/v1.0/c3", "/v1.0/c4", "/v1.0/c5"]
    published_ids = [f["creation_id"] for _, path, f in threads.calls if path.endswith("/threads_publish")]
    assert published_ids == ["c4", "c5"]  # the carousel, then the reply; never an item alone
    assert published.remote_id == "9001" and threads.posts["9001"]["children"] == "c1,c2,c3"


def test_a_picture_threads_cannot_fetch_stops_the_send_before_anything_goes(
    loopback_server, threads, tmp_path
):
    (room,) = pictures(tmp_path, "room.jpg")
    webp = make_picture(tmp_path / "room.webp", 400, 300)
    for media, says in [
        (Media(room.path, room.alt), "has no public address"),  # no [site] url, or not a file of the site
        (Media(room.path, room.alt, "http://localhost:8000/images/room.jpg"), "which Threads cannot reach"),
        (Media(room.path, room.alt, "https://10.1.2.3/images/room.jpg"), "which Threads cannot reach"),
        (Media(str(webp), "A room", f"{SITE}/images/room.webp"), "does not take image/webp"),
    ]:
        with pytest.raises(PublishError, match=says) as caught:
            network(loopback_server).publish(SocialPost(["The room."], media=[media]), "k")
        assert not caught.value.retry
    assert threads.calls == []


def test_a_picture_threads_could_not_fetch_says_to_deploy_the_site(loopback_server, threads, tmp_path):
    threads.status = ["ERROR"]
    with pytest.raises(PublishError) as caught:
        network(loopback_server).publish(SocialPost(["The room."], media=pictures(tmp_path, "room.jpg")), "k")
    assert "site is deployed" in str(caught.value) and f"{SITE}/images/room.jpg opens" in str(caught.value)
    assert not caught.value.retry and not threads.posts


def test_the_queue_sends_the_address_of_the_picture_on_the_deployed_site(
    cmsite_site, loopback_server, threads
):
    config = cmsite_site.root / "cmsite.toml"
    config.write_text(
        config.read_text()
        + "\n[queue]\ncatch_up_hours = false  # the plan's date is long past\n"
        + "wait_for_page = false  # blog.cmsite.info is not deployed\n"
        + f'\n[networks.threads]\napi = "{loopback_server.url}"\n'
    )
    make_picture(cmsite_site.root / "content/images/room.jpg", 400, 300)
    cmsite_site.write(
        "content/social/2026-11-20-room.md",
        "---\nnetworks: [threads]\nat: 2026-11-20 10:00\nmedia: [/images/room.jpg]\nalt: Chairs in a circle\n---\n"
        "The room is ready.\n",
    )
    runner = CliRunner(env={"THREADS_ACCESS_TOKEN": TOKEN, "CMSITE_DISABLE_PLUGINS": ""})
    assert runner.invoke(main, ["--site", str(cmsite_site.root), "queue"]).exit_code == 0
    result = runner.invoke(main, ["--site", str(cmsite_site.root), "publish", "--json"])
    (outcome,) = json.loads(result.output)
    assert outcome["status"] == "published", outcome
    (post,) = threads.posts.values()
    assert post["image_url"] == "https://blog.cmsite.info/images/room.jpg"
    assert post["alt_text"] == "Chairs in a circle"
    cmsite_site.build()
    assert (cmsite_site.output / "images/room.jpg").is_file()  # where the built site serves it


def test_check_reports_pictures_threads_could_never_fetch_at_their_line(cmsite_site, tmp_path):
    make_picture(cmsite_site.root / "content/images/room.jpg", 400, 300)
    make_picture(cmsite_site.root / "content/images/room.webp", 400, 300)
    elsewhere = make_picture(tmp_path / "elsewhere.jpg", 400, 300)  # a file the site never publishes
    cmsite_site.write(
        "content/social/2026-11-20-room.md",
        "---\nnetworks: [threads]\nat: 2026-11-20 10:00\nalt: The room\n"
        f"media: [/images/room.jpg, /images/room.webp, {elsewhere}]\n---\nThe room is ready.\n",
    )
    runner = CliRunner(env={"CMSITE_DISABLE_PLUGINS": ""})
    result = runner.invoke(main, ["--site", str(cmsite_site.root), "check"])
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if line.startswith("content/social/")]
    assert len(errors) == 3, result.output  # a picture is a file of the site: never read from elsewhere
    assert all(line.startswith("content/social/2026-11-20-room.md:2: ") for line in errors)
    webp, missing, outside = sorted(
        errors, key=lambda line: ("webp" not in line, "does not exist" not in line)
    )
    assert "Threads does not take image/webp, and it fetches the file from the site as it is" in webp
    assert f"{elsewhere} does not exist; put the picture in the content folder" in missing
    assert f"{elsewhere} has no public address" in outside
    config = cmsite_site.root / "cmsite.toml"
    config.write_text(config.read_text().replace("https://blog.cmsite.info", "http://localhost:8000"))
    cmsite_site.write(
        "content/social/2026-11-20-room.md",
        "---\nnetworks: [threads]\nat: 2026-11-20 10:00\nalt: The room\nmedia: [/images/room.jpg]\n---\nReady.\n",
    )
    result = runner.invoke(main, ["--site", str(cmsite_site.root), "check"])
    assert result.exit_code == 1
    assert "http://localhost:8000/images/room.jpg, which Threads cannot reach" in result.output
