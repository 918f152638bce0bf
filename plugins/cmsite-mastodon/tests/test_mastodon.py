"""The Mastodon plugin against mastodon-mock, a real Mastodon API server on loopback."""

from __future__ import annotations

import base64

import pytest
from cmsite_mastodon import Mastodon
from mastodon_mock.testing.server import MockServer

from cmsite.social.network import Credentials, Media, PublishError, SocialPost

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


@pytest.fixture(scope="module")
def server():
    with MockServer() as running:
        yield running


@pytest.fixture
def network(server):
    server.reset()
    return Mastodon(
        "default",
        {"instance": server.base_url, "timeout": 5},
        Credentials(("MASTODON_ACCESS_TOKEN",), {"MASTODON_ACCESS_TOKEN": "alice_token"}),
    )


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
    assert wait is not None and 200 < wait <= 310, wait  # X-RateLimit-Reset is 300 s ahead, in whole seconds


def test_server_errors_are_retried(server, network):
    fault = server.fault(path="/api/v1/statuses", methods=["POST"], status=503, count=1)
    with fault, pytest.raises(PublishError) as caught:
        network.publish(SocialPost(["Soon"]), "entry-7")
    assert caught.value.retry is True and "503" in str(caught.value)
    published = network.publish(SocialPost(["Soon"]), "entry-7")  # the retry goes through
    assert published.remote_id


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
