"""cmsite plugin: Bluesky through the atproto SDK (imported when sending)."""

from __future__ import annotations

import hashlib
import re
from typing import Any, ClassVar

from cmsite.hookspecs import hookimpl
from cmsite.social.counting import find_urls
from cmsite.social.media import Picture
from cmsite.social.network import PUBLISHING, Action, Network, Published, PublishError, SocialPost

_TAG = re.compile(r"(?<![\w#])#([^\s#.,;:!?()\[\]{}'\"]+)")
_MENTION = re.compile(r"(?<![\w@])@([a-zA-Z0-9][a-zA-Z0-9.-]*\.[a-zA-Z]{2,})")
_BASE32_SORT = "234567abcdefghijklmnopqrstuvwxyz"
POST = "app.bsky.feed.post"
# app.bsky.feed.defs#postView counts → the names `cmsite metrics` shows
METRICS = {"replyCount": "replies", "repostCount": "reposts", "quoteCount": "quotes", "likeCount": "likes"}


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
    deletes_threads = True  # the same keys find a thread's replies
    settings: ClassVar[dict[str, tuple[type, Any]]] = {
        "service": (str, "https://bsky.social"),
        "handle": (str, None),
        # counts come from an AppView (a PDS keeps records, not likes); the public one needs no login
        "appview": (str, "https://public.api.bsky.app"),
    }

    def _client(self, action: Action = PUBLISHING) -> Any:
        """The SDK's client, logged in to the account's PDS."""
        from atproto import Client

        password = self.account_secret("BLUESKY", "APP_PASSWORD")
        handle = self.required_option("handle", '"carnet.example.org"')
        client = Client(base_url=self.options.get("service", "https://bsky.social"))
        try:
            client.login(handle, password, fetch_bsky_profile=False)  # only the PDS is needed
        except Exception as exc:
            raise _publish_error(exc, action) from None
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

    def delete(self, remote_id: str, idempotency_key: str | None = None) -> None:
        """com.atproto.repo.deleteRecord of the post, then of each reply of its thread.

        The replies' record keys come from the entry's key, as `publish` made them; only
        records that answer this post are removed.
        """
        from atproto import models
        from atproto.exceptions import AtProtocolError

        action = Action.deleting(remote_id)
        repo, _, rkey = remote_id.removeprefix("at://").split("/")
        client = self._client(action)
        try:
            if client.com.atproto.server.get_session().did != repo:
                raise PublishError(
                    f"Bluesky: post {remote_id} is not in the repository of {self.options.get('handle')}; "
                    "delete it from the account that posted it",
                    retry=False,
                )
            for key in [rkey, *_replies(client, repo, remote_id, idempotency_key)]:
                client.com.atproto.repo.delete_record(
                    models.ComAtprotoRepoDeleteRecord.Data(repo=repo, collection=POST, rkey=key)
                )
        except AtProtocolError as exc:
            raise _publish_error(exc, action) from None

    def metrics(self, remote_id: str) -> dict[str, int]:
        """app.bsky.feed.getPosts on the AppView (no login: the counts are public)."""
        from atproto import Client
        from atproto.exceptions import AtProtocolError

        action = Action.counting(remote_id)
        appview = Client(base_url=self.options.get("appview", "https://public.api.bsky.app"))
        try:
            posts = appview.app.bsky.feed.get_posts({"uris": [remote_id]}).posts
        except AtProtocolError as exc:
            raise _publish_error(exc, action) from None
        if not posts:  # getPosts leaves out what it cannot find
            raise PublishError(
                f"Bluesky has no post {remote_id}; {action.not_found(self.label)}", retry=False
            )
        view = posts[0].model_dump(by_alias=True)
        return {name: int(view.get(field) or 0) for field, name in METRICS.items()}


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
    found = _record(client, did, rkey)
    return None if found is None else {"uri": found.uri, "cid": found.cid}


def _replies(client: Any, repo: str, root: str, idempotency_key: str | None) -> list[str]:
    """The record keys of the thread's replies: `record_key(key, 1)`, 2… while they exist and answer `root`."""
    keys: list[str] = []
    while idempotency_key is not None:
        rkey = record_key(idempotency_key, len(keys) + 1)
        found = _record(client, repo, rkey)
        if found is None or _root_of(found.value) != root:
            break
        keys.append(rkey)
    return keys


def _record(client: Any, repo: str, rkey: str) -> Any:
    """A post record of the repo (uri, cid, value), or None when there is none with that key."""
    from atproto import models
    from atproto.exceptions import BadRequestError

    try:
        return client.com.atproto.repo.get_record(
            models.ComAtprotoRepoGetRecord.Params(repo=repo, collection=POST, rkey=rkey)
        )
    except BadRequestError:
        return None


def _root_of(record: Any) -> str | None:
    reply = getattr(record, "reply", None)
    return reply.root.uri if reply is not None else None


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


def _publish_error(exc: Exception, action: Action = PUBLISHING) -> PublishError:
    """The SDK's exceptions → retry or not, with the server's own message and what to do."""
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
    if status == 401:
        hint = "check the handle and app password"
    elif action is PUBLISHING:
        hint = "fix the post"
    elif status == 404:
        hint = action.not_found("Bluesky")
    else:
        hint = "check the appview setting" if action.kind == "metrics" else "check the post's address"
    return PublishError(f"Bluesky refused {action.what} ({status}): {message}; {hint}", retry=False)


@hookimpl
def cmsite_networks() -> list[type[Network]]:
    return [Bluesky]
