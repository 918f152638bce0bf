"""cmsite plugin: Bluesky through the atproto SDK (imported when sending)."""

from __future__ import annotations

import hashlib
import re
from typing import Any, ClassVar

from cmsite.hookspecs import hookimpl
from cmsite.social.counting import find_urls
from cmsite.social.media import Picture
from cmsite.social.network import Network, Published, PublishError, SocialPost

_TAG = re.compile(r"(?<![\w#])#([^\s#.,;:!?()\[\]{}'\"]+)")
_MENTION = re.compile(r"(?<![\w@])@([a-zA-Z0-9][a-zA-Z0-9.-]*\.[a-zA-Z]{2,})")
_BASE32_SORT = "234567abcdefghijklmnopqrstuvwxyz"


def facets(text: str) -> list[dict[str, Any]]:
    """Links, hashtags and mentions of `text`, with UTF-8 byte offsets (mentions still carry their handle)."""
    found = []

    def span(start: int, end: int) -> dict[str, int]:
        return {"byteStart": len(text[:start].encode()), "byteEnd": len(text[:end].encode())}

    cursor = 0
    for url in find_urls(text):
        start = text.index(url, cursor)
        cursor = start + len(url)
        uri = url if "://" in url else f"https://{url}"
        found.append(
            {
                "index": span(start, cursor),
                "features": [{"$type": "app.bsky.richtext.facet#link", "uri": uri}],
            }
        )
    for match in _TAG.finditer(text):
        if any(
            f["index"]["byteStart"] <= len(text[: match.start()].encode()) < f["index"]["byteEnd"]
            for f in found
        ):
            continue  # a # inside a link
        tag = match.group(1)
        found.append(
            {
                "index": span(match.start(), match.end()),
                "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": tag}],
            }
        )
    for match in _MENTION.finditer(text):
        found.append(
            {
                "index": span(match.start(), match.end()),
                "features": [{"$type": "app.bsky.richtext.facet#mention", "handle": match.group(1)}],
            }
        )
    return sorted(found, key=lambda facet: facet["index"]["byteStart"])


def record_key(idempotency_key: str, number: int = 0) -> str:
    """A valid TID record key derived only from the entry's key: the same entry, the same record."""
    value = int.from_bytes(hashlib.sha256(f"{idempotency_key}/{number}".encode()).digest()[:8], "big") >> 1
    return "".join(_BASE32_SORT[(value >> shift) & 31] for shift in range(60, -1, -5))


class Bluesky(Network):
    name = "bluesky"
    label = "Bluesky"
    max_length = 300
    counting = "graphemes"
    # app.bsky.embed.images: at most 4 images of 1,000,000 bytes each (lexicons/app/bsky/embed/images.json,
    # bluesky-social/atproto); alt text: 2,000 graphemes in the Bluesky app (MAX_ALT_TEXT in
    # bluesky-social/social-app src/lib/constants.ts). The lexicon takes image/*; other types than these
    # are sent as a JPEG copy.
    max_media = 4
    max_media_bytes = 1_000_000
    max_alt_length = 2000
    alt_counting = "graphemes"
    media_types = frozenset({"image/jpeg", "image/png", "image/webp"})
    credentials = ("BLUESKY_APP_PASSWORD",)
    idempotent = True  # record keys derived from the entry
    settings: ClassVar[dict[str, tuple[type, Any]]] = {
        "service": (str, "https://bsky.social"),
        "handle": (str, None),
    }

    def _client(self) -> Any:
        from atproto import Client

        password = self.account_secret("BLUESKY", "APP_PASSWORD")
        handle = self.required_option("handle", '"carnet.example.org"')
        client = Client(base_url=self.options.get("service", "https://bsky.social"))
        try:
            client.login(handle, password, fetch_bsky_profile=False)  # only the PDS is needed
        except Exception as exc:
            raise _publish_error(exc) from None
        return client

    def publish(self, post: SocialPost, idempotency_key: str) -> Published:
        from atproto import models
        from atproto.exceptions import AtProtocolError

        pictures = self.pictures(post)  # before logging in: a broken picture stops the send at once
        client = self._client()
        root: dict[str, str] | None = None
        parent: dict[str, str] | None = None
        try:
            did = client.com.atproto.server.get_session().did
            for number, text in enumerate(post.texts):
                rkey = record_key(idempotency_key, number)
                existing = _existing(client, did, rkey)
                if existing is None:
                    record: dict[str, Any] = {
                        "$type": "app.bsky.feed.post",
                        "text": text,
                        "createdAt": client.get_current_time_iso(),
                        "facets": _resolved(client, facets(text)),
                    }
                    if number == 0 and (pictures or post.link):
                        record["embed"] = _images(client, pictures) if pictures else _card(post)
                    if root and parent:
                        record["reply"] = {"root": root, "parent": parent}
                    data = models.ComAtprotoRepoCreateRecord.Data(
                        repo=did, collection="app.bsky.feed.post", rkey=rkey, record=record
                    )
                    created = client.com.atproto.repo.create_record(data)
                    existing = {"uri": created.uri, "cid": created.cid}
                parent = existing
                root = root or existing
        except AtProtocolError as exc:
            raise _publish_error(exc) from None
        assert root is not None
        handle = self.options.get("handle")
        return Published(
            root["uri"], f"https://bsky.app/profile/{handle}/post/{root['uri'].rsplit('/', 1)[-1]}"
        )


def _card(post: SocialPost) -> dict[str, Any]:
    """The link card of the post's page."""
    return {
        "$type": "app.bsky.embed.external",
        "external": {"uri": post.link, "title": post.title or post.link, "description": post.summary},
    }


def _images(client: Any, pictures: list[Picture]) -> dict[str, Any]:
    """Upload each picture as a blob; a post has one embed, so pictures replace the link card."""
    from atproto import models

    images = []
    for picture in pictures:
        blob = client.com.atproto.repo.upload_blob(picture.data, headers={"Content-Type": picture.mime}).blob
        images.append(
            {
                "alt": picture.alt,
                "image": models.get_model_as_dict(blob),
                "aspectRatio": {"width": picture.width, "height": picture.height},
            }
        )
    return {"$type": "app.bsky.embed.images", "images": images}


def _existing(client: Any, did: str, rkey: str) -> dict[str, str] | None:
    """The post already made for this entry, if a previous attempt got through."""
    from atproto import models
    from atproto.exceptions import BadRequestError

    try:
        found = client.com.atproto.repo.get_record(
            models.ComAtprotoRepoGetRecord.Params(repo=did, collection="app.bsky.feed.post", rkey=rkey)
        )
    except BadRequestError:
        return None
    return {"uri": found.uri, "cid": found.cid}


def _resolved(client: Any, found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Mentions need DIDs: resolve each handle, and drop the facet of one that does not exist."""
    result = []
    for facet in found:
        feature = facet["features"][0]
        if feature["$type"].endswith("#mention"):
            try:
                did = client.resolve_handle(feature["handle"]).did
            except Exception:
                continue
            facet = {"index": facet["index"], "features": [{"$type": feature["$type"], "did": did}]}
        result.append(facet)
    return result


def _publish_error(exc: Exception) -> PublishError:
    from atproto.exceptions import NetworkError, RequestException

    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None)
    content = getattr(response, "content", None)
    message = getattr(content, "message", None) or str(exc) or exc.__class__.__name__
    if isinstance(exc, NetworkError) or (status is None and isinstance(exc, RequestException)):
        return PublishError(f"Bluesky: no answer ({exc.__class__.__name__})", retry=True)
    if status == 429 or (status or 0) >= 500:
        headers = getattr(response, "headers", {}) or {}
        reset = headers.get("ratelimit-reset")
        import time

        wait = max(0.0, float(reset) - time.time()) if reset else None
        return PublishError(f"Bluesky: {status} {message}", retry=True, retry_after=wait)
    hint = "check the handle and app password" if status == 401 else "fix the post"
    return PublishError(f"Bluesky refused the post ({status}): {message}; {hint}", retry=False)


@hookimpl
def cmsite_networks() -> list[type[Network]]:
    return [Bluesky]
