"""The Mastodon plugin against mastodon-mock, a real Mastodon API server on loopback (behind
cmsite's `FaultProxy` where a test needs an answer lost after the status was made)."""

from __future__ import annotations

import base64
import socket
from datetime import UTC, datetime, timedelta

import pytest
from cmsite_mastodon import Mastodon, _comparable, _plain

from cmsite.social.network import Credentials, Media, Published, PublishError, SocialPost
from cmsite.testing import Reply

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


def alice(instance):
    return Mastodon(
        "default",
        {"instance": instance, "timeout": 5},
        Credentials(("MASTODON_ACCESS_TOKEN",), {"MASTODON_ACCESS_TOKEN": "alice_token"}),
    )


@pytest.fixture
def network(server):
    server.reset()
    return alice(server.base_url)


def timeline(server, pages=1):
    client = server.client("alice")
    found = page = client.account_statuses(client.me()["id"], limit=40)
    for _ in range(pages - 1):
        page = client.fetch_next(page) or []
        found += page
    return found


def statuses(server, pages=1):
    """alice's statuses, newest first, as (its text, the text of the status it answers)."""
    found = timeline(server, pages)
    texts = {s["id"]: _comparable(_plain(s["content"])) for s in found}
    return [(texts[s["id"]], texts.get(s["in_reply_to_id"])) for s in found]


def test_publish_a_post(server, network):
    published = network.publish(
        SocialPost(
            ["Plan the week: ten minutes on Monday. https://carnet.example.org/posts/plan/ #Planning"]
        ),
        "entry-1",
    )
    status = server.client("alice").status(published.remote_id)
    assert status["content"].count("Plan the week") == 1
    assert published.url == status["url"]


def test_media_carries_its_description(server, network, tmp_path):
    picture = tmp_path / "chart.png"
    picture.write_bytes(PNG)
    published = network.publish(
        SocialPost(["With a chart"], media=[Media(str(picture), "Replies per week, rising")]), "entry-2"
    )
    status = server.client("alice").status(published.remote_id)
    assert [m["description"] for m in status["media_attachments"]] == ["Replies per week, rising"]


def test_the_idempotency_key_prevents_a_second_post(server, network):
    first = network.publish(SocialPost(["Exactly once"]), "entry-3")
    again = network.publish(SocialPost(["Exactly once"]), "entry-3")
    assert again.remote_id == first.remote_id
    timeline = server.client("alice").account_statuses(server.client("alice").me()["id"])
    assert sum("Exactly once" in s["content"] for s in timeline) == 1


def test_a_thread_answers_itself(server, network):
    published = network.publish(SocialPost(["Part one 1/3", "Part two 2/3", "Part three 3/3"]), "entry-4")
    context = server.client("alice").status_context(published.remote_id)
    assert [s["content"].count("Part") for s in context["descendants"]] == [1, 1]


def test_too_long_is_refused_and_not_retried(network):
    with pytest.raises(PublishError) as caught:
        network.publish(SocialPost(["x" * 600]), "entry-5")
    assert caught.value.retry is False
    assert "422" in str(caught.value) and "too long" in str(caught.value)


def test_rate_limit_is_retried_after_the_reset(server, network):
    fault = server.fault(path="/api/v1/statuses", methods=["POST"], type="ratelimit", status=429, count=1)
    with fault, pytest.raises(PublishError) as caught:
        network.publish(SocialPost(["Later"]), "entry-6")
    assert caught.value.retry is True
    wait = caught.value.retry_after
    assert wait is not None and 200 < wait <= 310, wait  # Retry-After: 300
    assert not caught.value.maybe_sent  # a 429 refused the request unread


def test_rate_limit_without_retry_after_waits_for_mastodons_reset(server, network):
    reset = (datetime.now(UTC) + timedelta(minutes=5)).isoformat()  # Mastodon sends an ISO date
    headers = {"X-RateLimit-Reset": reset}  # a plain 429, without the Retry-After of mastodon-mock's own
    fault = server.fault(path="/api/v1/statuses", methods=["POST"], status=429, headers=headers, count=1)
    with fault, pytest.raises(PublishError) as caught:
        network.publish(SocialPost(["Later"]), "entry-6b")
    assert caught.value.retry and not caught.value.maybe_sent
    assert 200 < caught.value.retry_after <= 303  # Mastodon.py corrects by the Date header, to the second


def test_server_errors_are_retried(server, network):
    fault = server.fault(path="/api/v1/statuses", methods=["POST"], status=503, count=1)
    with fault, pytest.raises(PublishError) as caught:
        network.publish(SocialPost(["Soon"]), "entry-7")
    assert caught.value.retry is True and "503" in str(caught.value)
    assert caught.value.maybe_sent  # a 5xx may come after the status was made: it is looked for first
    published = network.publish(SocialPost(["Soon"]), "entry-7", unsure=True)  # the retry goes through
    assert published.remote_id and len(statuses(server)) == 1


def test_a_2xx_that_cannot_be_read_may_have_posted(server, network):
    server.fault(path="/api/v1/statuses", methods=["POST"], type="malformed", count=1)
    with pytest.raises(PublishError) as caught:
        network.publish(SocialPost(["Garbled"]), "entry-7b")
    assert caught.value.retry and caught.value.maybe_sent and "cannot be read" in str(caught.value)


def test_a_missing_token_says_which_variable(server):
    network = Mastodon(
        "team", {"instance": server.base_url}, Credentials(("MASTODON_TEAM_ACCESS_TOKEN",), {})
    )
    with pytest.raises(PublishError, match="MASTODON_TEAM_ACCESS_TOKEN is not set"):
        network.publish(SocialPost(["x"]), "entry-8")


def test_a_bad_token_is_not_retried_and_not_shown(server):
    secret = "not-a-real-token-123"
    network = Mastodon(
        "default",
        {"instance": server.base_url},
        Credentials(("MASTODON_ACCESS_TOKEN",), {"MASTODON_ACCESS_TOKEN": secret}),
    )
    with pytest.raises(PublishError) as caught:
        network.publish(SocialPost(["x"]), "entry-9")
    assert caught.value.retry is False and secret not in str(caught.value)


def test_each_part_carries_its_idempotency_key(front, proxy):
    alice(front.url).publish(SocialPost(["One 1/3", "Two 2/3", "Three 3/3"]), "entry-keys")
    posts = [r for r in front.requests if (r.method, r.path) == ("POST", "/api/v1/statuses")]
    assert [r.headers["Idempotency-Key"] for r in posts] == ["entry-keys", "entry-keys-2", "entry-keys-3"]


class Confirmed:
    """A `Progress` that keeps what each try confirmed, as the queue does."""

    def __init__(self) -> None:
        self.parts: list[Published] = []

    def starting(self, number: int) -> None:
        pass

    def sent(self, number: int, published: Published) -> None:
        self.parts.append(published)


def test_a_lost_answer_is_found_after_mastodon_forgot_the_key(server, front, proxy, fail):
    """Mastodon keeps idempotency keys an hour: a later try finds the status instead of posting it again."""
    proxy.forget_keys = True
    posts = fail({2: "lost"})  # made, then the answer lost
    post = SocialPost(["Intro https://carnet.example.org/posts/plan/ 1/2", "More & <more> 2/2"])
    confirmed = Confirmed()
    with pytest.raises(PublishError) as caught:
        alice(front.url).publish(post, "entry-lost", progress=confirmed)
    assert caught.value.retry and caught.value.maybe_sent
    alice(front.url).publish(post, "entry-lost", sent=confirmed.parts, unsure=True, progress=confirmed)
    assert posts.calls == 2  # the second part was found, not sent again
    assert statuses(server) == [("More & <more> 2/2", post.texts[0]), (post.texts[0], None)]
    assert [p.remote_id for p in confirmed.parts] == [str(s["id"]) for s in reversed(timeline(server))]


def test_a_status_with_the_same_words_that_answers_nothing_is_not_the_lost_part(server, front, proxy, fail):
    proxy.forget_keys = True
    fail({2: "refuse"})  # a 503, nothing made
    post = SocialPost(["Week plan 1/2", "Same words 2/2"])
    confirmed = Confirmed()
    with pytest.raises(PublishError):
        alice(front.url).publish(post, "entry-same", progress=confirmed)
    server.client("alice").status_post("Same words 2/2")  # newer than part 1, and answers nothing
    alice(front.url).publish(post, "entry-same", sent=confirmed.parts, unsure=True)
    assert statuses(server) == [
        ("Same words 2/2", "Week plan 1/2"),
        ("Same words 2/2", None),
        ("Week plan 1/2", None),
    ]


def test_mastodons_html_reads_back_as_the_text_that_was_sent():
    """A status as Mastodon renders it: a shortened link, a hashtag, a mention, escaped characters, lines."""
    content = (
        '<p>Plan &amp; do: <a href="https://carnet.example.org/posts/plan-the-week/" rel="nofollow noopener" '
        'translate="no" target="_blank"><span class="invisible">https://</span><span class="ellipsis">'
        'carnet.example.org/posts/plan</span><span class="invisible">-the-week/</span></a></p>'
        '<p><a href="https://social.example/tags/Planning" class="mention hashtag" rel="tag">#<span>Planning'
        '</span></a><br />with <span class="h-card" translate="no"><a href="https://other.example/@sam" '
        'class="u-url mention">@<span>sam</span></a></span> 1/2</p>'
    )
    sent = (
        "Plan & do: https://carnet.example.org/posts/plan-the-week/\n\n#Planning\nwith @sam@other.example 1/2"
    )
    assert _comparable(_plain(content)) == _comparable(sent)


def test_no_connection_is_retried_as_not_sent():
    with socket.create_server(("127.0.0.1", 0)) as taken:
        closed = f"http://127.0.0.1:{taken.getsockname()[1]}"
    with pytest.raises(PublishError) as caught:  # nothing listens there any more
        alice(closed).publish(SocialPost(["x"]), "entry-refused")
    assert caught.value.retry and not caught.value.maybe_sent


def test_a_connection_cut_after_the_request_left_may_have_posted(loopback_server):
    loopback_server.handler(lambda request: Reply(hang_up=True))  # read, then closed without an answer
    with pytest.raises(PublishError) as caught:
        alice(loopback_server.url).publish(SocialPost(["x"]), "entry-cut")
    assert caught.value.retry and caught.value.maybe_sent


def test_a_status_with_the_same_words_made_before_the_lost_try_is_another_post(server, network):
    server.client("alice").status_post("Meetup tonight at 18:30")  # last week's
    lost_try = datetime.now(UTC) + timedelta(minutes=10)  # began well after it, clocks' difference included
    network.publish(SocialPost(["Meetup tonight at 18:30"]), "entry-weekly", unsure=True, since=lost_try)
    assert statuses(server) == [("Meetup tonight at 18:30", None)] * 2


def test_a_lost_part_behind_a_page_of_newer_statuses_is_found(server, front, proxy, fail):
    posts = fail({1: "lost"})
    lost_try = datetime.now(UTC)
    with pytest.raises(PublishError):
        alice(front.url).publish(SocialPost(["Buried"]), "entry-buried")
    for n in range(45):  # more than the 40 of a page
        server.client("alice").status_post(f"Newer {n}")
    proxy.forget_keys = True
    alice(front.url).publish(SocialPost(["Buried"]), "entry-buried", unsure=True, since=lost_try)
    assert posts.calls == 1 and [text for text, _ in statuses(server, pages=2)].count("Buried") == 1


@pytest.mark.parametrize("status", [429, 403])
def test_a_look_up_that_failed_leaves_the_part_unsure(server, network, status):
    """Whatever stops the look-up, the part may be out there: the next try must look again, not send."""
    server.fault(path="/api/v1/accounts/*/statuses", methods=["GET"], status=status, count=1)
    with pytest.raises(PublishError) as caught:
        network.publish(SocialPost(["Maybe out there"]), "entry-look", unsure=True)
    assert caught.value.maybe_sent and caught.value.retry == (status == 429)
    if status == 403:
        assert "give the access token read:accounts and read:statuses" in str(caught.value)
    assert statuses(server) == []
