"""Share links under a post: each network's documented share address, filled in at build time
with the post's title and absolute link.

They are plain links. Nothing of a network (script, picture, cookie, counter) is on the page:
the reader's browser meets the network only when the reader follows a link. Every value is
percent-encoded with `%20` for a space (RFC 3986; RFC 6068 requires it in `mailto:`), so a
title with accents, `&` or `#` comes back whole.

Mastodon has no central site: its share page lives on each server, at `https://SERVER/share`
(Mastodon's own routes: `get '/share', to: 'shares#show'`, and its IntentsController turns
`web+mastodon://share?text=` into `share_path(text: …)`). So the link for Mastodon is only
that path and its query; the theme asks the reader for their server. "copy" is the post's
link itself, for the reader to copy.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from cmsite.errors import shorten


@dataclass(frozen=True)
class ShareLink:
    """One entry of a post's share list, in the order `[share] networks` gives."""

    network: str  # its name in `[share] networks`
    label: str  # how readers know it ("Bluesky"); the theme words e-mail and copy itself
    url: str  # where the link goes; for mastodon the path and query after the server
    text: str  # the title and the link, as a post would say them (shown to copy for Mastodon)


@dataclass(frozen=True)
class _Post:
    title: str
    link: str
    image: str | None


def _address(base: str, **values: str | None) -> str:
    """`base?key=value&…`, every value percent-encoded (spaces as %20), empty ones left out."""
    query = {key: value for key, value in values.items() if value}
    return f"{base}?{urlencode(query, quote_via=quote)}"


def _title_and_link(post: _Post) -> str:
    return f"{post.title} {post.link}"


# name → (label, address). Each address is the one the network documents for share buttons.
NETWORKS: dict[str, tuple[str, Callable[[_Post], str]]] = {
    # The share page of the reader's own server: see the module's docstring.
    "mastodon": ("Mastodon", lambda p: _address("/share", text=_title_and_link(p))),
    # docs.bsky.app "Action Intent Links": https://bsky.app/intent/compose, parameter `text`.
    "bluesky": ("Bluesky", lambda p: _address("https://bsky.app/intent/compose", text=_title_and_link(p))),
    # LinkedIn documents its "Share Plugin" (learn.microsoft.com/linkedin/consumer/integrations/
    # self-serve/plugins/share-plugin) as a script; the address its button opens, and the one to
    # use without the script, is https://www.linkedin.com/sharing/share-offsite/?url= (only the
    # link: LinkedIn reads the title and picture from the page's Open Graph tags).
    "linkedin": (
        "LinkedIn",
        lambda p: _address("https://www.linkedin.com/sharing/share-offsite/", url=p.link),
    ),
    # developers.facebook.com "Share Button": the code it generates links to
    # https://www.facebook.com/sharer/sharer.php?u= (the dialog/share address needs an app id).
    "facebook": ("Facebook", lambda p: _address("https://www.facebook.com/sharer/sharer.php", u=p.link)),
    # docs.x.com "Web intent" (X for Websites, Post button): https://x.com/intent/tweet,
    # parameters `text` and `url` (the documented path is still /intent/tweet, not /intent/post).
    "x": ("X", lambda p: _address("https://x.com/intent/tweet", text=p.title, url=p.link)),
    # developers.facebook.com "Threads Web Intents", Post Intent: https://www.threads.com/intent/post,
    # parameters `text` and `url` (the link attachment); earlier versions of that page gave
    # www.threads.net.
    "threads": (
        "Threads",
        lambda p: _address("https://www.threads.com/intent/post", text=p.title, url=p.link),
    ),
    # developers.pinterest.com "Save button": https://www.pinterest.com/pin/create/button/, with
    # `url`, `media` (the picture to save: the post's cover) and `description` (amp.dev
    # amp-pinterest lists the same three).
    "pinterest": (
        "Pinterest",
        lambda p: _address(
            "https://www.pinterest.com/pin/create/button/", url=p.link, media=p.image, description=p.title
        ),
    ),
    # RFC 6068: mailto:?subject=…&body=…
    "email": ("E-mail", lambda p: _address("mailto:", subject=p.title, body=p.link)),
    "copy": ("Copy link", lambda p: p.link),
}


def network_problem(name: object) -> str | None:
    """What is wrong with one entry of `[share] networks`, or None."""
    if isinstance(name, str) and name in NETWORKS:
        return None
    return f"networks: unknown network {shorten(name)}; the valid ones are {', '.join(NETWORKS)}"


def share_links(networks: Sequence[str], title: str, link: str, image: str | None = None) -> list[ShareLink]:
    """The share list of a post with this title, absolute link and cover picture (an absolute
    address, or None), for the networks named, in their order."""
    post = _Post(title, link, image)
    text = _title_and_link(post)
    return [ShareLink(name, NETWORKS[name][0], NETWORKS[name][1](post), text) for name in networks]
