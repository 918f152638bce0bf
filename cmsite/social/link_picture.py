"""The picture a page names for link previews (`og:image`), fetched as a network's crawler would.

Most networks fetch a shared link's page themselves and show its `og:image` beside it. Some
show only what the client sends: Bluesky's link card (`app.bsky.embed.external`) has a picture
only when the client uploads one as its `thumb` — its guide says to fetch the page, read its
`og:` tags and upload the image (docs.bsky.app, "Website card embeds"). Every post of a cmsite
site names one (its `image:`, or the card the build draws: cmsite.default_plugins.cards), and a
post is sent only once its page is live, so such a network plugin asks `link_picture`.

A page or picture that cannot be had gives None, never an error: the post then goes out with a
link card without a picture, as it would have without this.
"""

from __future__ import annotations

import tempfile
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath
from urllib.parse import urljoin, urlsplit

from cmsite.social.media import MediaError, Picture, prepare

MAX_PAGE = 2_000_000  # bytes of HTML read to find the tag: it is in the head
MAX_PICTURE = 20_000_000  # bytes of a picture fetched, before it is made to fit the network's limit


def link_picture(url: str, *, timeout: float, max_bytes: int, types: frozenset[str]) -> Picture | None:
    """The picture the page at `url` names in `og:image`, within `max_bytes` and `types` (a
    smaller JPEG copy when it is not), or None when there is none to be had."""
    page = _fetch(url, timeout, MAX_PAGE)
    address = og_image(page.decode("utf-8", "replace")) if page else None
    if not address:
        return None
    address = urljoin(url, address)
    data = _fetch(address, timeout, MAX_PICTURE)
    if data is None:
        return None
    name = PurePosixPath(urlsplit(address).path).name or "picture"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        try:
            return prepare(path, "", max_bytes=max_bytes, types=types)
        except MediaError:
            return None


def og_image(html: str) -> str | None:
    """The first `<meta property="og:image" content="…">` of a page."""
    finder = _OgImage()
    finder.feed(html)
    finder.close()
    return finder.found


def _fetch(url: str, timeout: float, limit: int) -> bytes | None:
    """The body at `url` (redirects followed) when it answers 200 within `limit` bytes, else None."""
    import httpx

    if urlsplit(url).scheme not in ("http", "https"):
        return None
    try:
        with httpx.stream("GET", url, follow_redirects=True, timeout=timeout) as response:
            if response.status_code != 200:
                return None
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > limit:
                    return None
            return bytes(body)
    except httpx.HTTPError:
        return None


class _OgImage(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if self.found is None and tag == "meta" and values.get("property") == "og:image":
            self.found = (values.get("content") or "").strip() or None
