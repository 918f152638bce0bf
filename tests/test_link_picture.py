"""The picture a page names for link previews, fetched for networks that show only what they are sent."""

from __future__ import annotations

import io

from PIL import Image

from cmsite.social.link_picture import link_picture, og_image
from cmsite.testing import Reply, make_picture

TYPES = frozenset({"image/jpeg", "image/png"})


def test_the_first_og_image_of_the_page():
    page = '<head><meta property="og:title" content="x"><meta property="og:image" content=" /a.png "><meta property="og:image" content="/b.png"></head>'
    assert og_image(page) == "/a.png"
    assert og_image('<meta name="twitter:image" content="/c.png">') is None


def test_fetched_and_made_to_fit(loopback_server, tmp_path):
    big = make_picture(tmp_path / "big.png", 1600, 900, noisy=True)
    files = {
        "/post/": b'<html><head><meta property="og:image" content="/big.png"></head></html>',
        "/big.png": big.read_bytes(),
        "/relative/": b'<meta property="og:image" content="../small.png">',
        "/small.png": make_picture(tmp_path / "small.png", 40, 20).read_bytes(),
        "/elsewhere/": b'<meta property="og:image" content="file:///etc/passwd">',
    }
    loopback_server.handler(
        lambda request: Reply(200, files[request.path]) if request.path in files else Reply(404)
    )
    url = loopback_server.url
    picture = link_picture(f"{url}/post/", timeout=5, max_bytes=200_000, types=TYPES)
    assert picture is not None and picture.mime == "image/jpeg" and len(picture.data) <= 200_000
    assert Image.open(io.BytesIO(picture.data)).size == (picture.width, picture.height)
    small = link_picture(f"{url}/relative/", timeout=5, max_bytes=200_000, types=TYPES)
    assert small is not None and small.data == files["/small.png"]  # fits: sent as it is
    assert link_picture(f"{url}/elsewhere/", timeout=5, max_bytes=200_000, types=TYPES) is None
    assert link_picture(f"{url}/missing/", timeout=5, max_bytes=200_000, types=TYPES) is None
    files["/post/"] = b'<meta property="og:image" content="/gone.png">'
    assert link_picture(f"{url}/post/", timeout=5, max_bytes=200_000, types=TYPES) is None
    files["/post/"] = b'<meta property="og:image" content="/post/">'  # not a picture
    assert link_picture(f"{url}/post/", timeout=5, max_bytes=200_000, types=TYPES) is None
