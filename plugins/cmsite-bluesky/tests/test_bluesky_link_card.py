"""A link card on Bluesky shows the picture the post's page names for link previews, uploaded as
its `thumb`: the card cmsite drew for a post without `image:`, the post's own picture else."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_bluesky import fetch_blob, network, read_back

from cmsite.social.network import SocialPost
from cmsite.testing import LoopbackServer, Reply, TestSite, make_picture


@pytest.fixture
def blog(tmp_path, monkeypatch):
    """A cmsite site (with no installed plugin: it needs none) served on loopback once built:
    its `[site] url` is the server's."""
    monkeypatch.setenv("CMSITE_LOAD_PLUGINS", "")
    with LoopbackServer() as server:
        site = TestSite(tmp_path / "site")
        config = site.root / "cmsite.toml"
        config.write_text(config.read_text().replace("https://blog.cmsite.info", server.url))
        server.handler(lambda request: _file(site.output, request.path))
        yield site, server


def _file(output: Path, path: str) -> Reply:
    relative = path.split("?")[0].lstrip("/")
    file = output / (relative + "index.html" if relative.endswith("/") or not relative else relative)
    return Reply(200, file.read_bytes()) if file.is_file() else Reply(404, b"not here")


def test_the_card_of_a_post_without_a_picture_is_the_thumb(pds, account, blog):
    site, server = blog
    site.post("2026-06-12-plan.md", "title: Plan the week")
    site.build()
    card = (site.output / "cards/posts/plan.png").read_bytes()
    post = SocialPost(["Plan the week"], link=f"{server.url}/posts/plan/", title="Plan the week")
    published = network(pds, account, link_thumb=True).publish(post, "entry-link-card")
    external = read_back(pds, published.remote_id).embed.external
    assert external.uri == f"{server.url}/posts/plan/"
    assert external.thumb.mime_type == "image/png"
    did = published.remote_id.split("/")[2]
    assert fetch_blob(pds, did, external.thumb.cid.encode()) == card  # byte for byte
    assert [r.path for r in server.requests] == ["/posts/plan/", "/cards/posts/plan.png"]


def test_a_post_with_a_picture_sends_its_picture_and_a_page_without_one_sends_none(pds, account, blog):
    site, server = blog
    make_picture(site.root / "content/images/room.jpg", 800, 420)
    site.post("2026-06-12-room.md", "title: The room\nimage: /images/room.jpg")
    site.build()
    post = SocialPost(["The room"], link=f"{server.url}/posts/room/", title="The room")
    published = network(pds, account, link_thumb=True).publish(post, "entry-link-picture")
    external = read_back(pds, published.remote_id).embed.external
    did = published.remote_id.split("/")[2]
    assert external.thumb.mime_type == "image/jpeg"
    assert (
        fetch_blob(pds, did, external.thumb.cid.encode())
        == (site.root / "content/images/room.jpg").read_bytes()
    )

    gone = SocialPost(["Gone"], link=f"{server.url}/posts/gone/", title="Gone")  # a 404: no picture
    published = network(pds, account, link_thumb=True).publish(gone, "entry-link-none")
    assert read_back(pds, published.remote_id).embed.external.thumb is None
