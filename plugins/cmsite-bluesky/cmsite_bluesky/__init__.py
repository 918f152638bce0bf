"""cmsite plugin: Bluesky through the atproto SDK (imported when sending)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, ClassVar

from cmsite.hookspecs import hookimpl
from cmsite.social.http import busy, no_answer
from cmsite.social.media import Picture
from cmsite.social.network import (
    COUNTING_ACCOUNT,
    PUBLISHING,
    VERIFYING,
    Action,
    Network,
    Part,
    Published,
    PublishError,
    SocialPost,
)

_BASE32_SORT = "234567abcdefghijklmnopqrstuvwxyz"
POST = "app.bsky.feed.post"
TIMEOUT = 30  # seconds without an answer before giving up (setting `timeout`)
LOOKING = Action("find", "to read the post's record")  # for a part whose answer was lost
# The counts of app.bsky.feed.defs#postView and app.bsky.actor.defs#profileViewDetailed
# (lexicons/app/bsky/, bluesky-social/atproto) → the names `cmsite metrics` gives them
METRICS = {"replyCount": "replies", "repostCount": "reposts", "quoteCount": "quotes", "likeCount": "likes"}
ACCOUNT_METRICS = {"followersCount": "followers", "followsCount": "following", "postsCount": "posts"}
THUMB_BYTES = 1_000_000  # app.bsky.embed.external#external: thumb, image/*, maxSize 1000000 (its lexicon)


def record_key(idempotency_key: str, number: int = 0) -> str:
    """A valid TID record key derived only from the entry's key: the same entry, the same record."""
    value = int.from_bytes(hashlib.sha256(f"{idempotency_key}/{number}".encode()).digest()[:8], "big") >> 1
    return "".join(_BASE32_SORT[(value >> shift) & 31] for shift in range(60, -1, -5))


@dataclass
class _Session:
    """One send's login: the SDK client, the account's repository (its DID) and handle, and the
    cid of each post of the thread seen so far, which a reply's strong references need."""

    client: Any
    did: str
    handle: str
    cids: dict[str, str] = field(default_factory=dict)


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
    login_help = (
        "Make an app password for cmsite in Bluesky (Settings → Privacy and security → App passwords) "
        "and paste it here. Never give cmsite the account's own password: an app password can be "
        "revoked alone, and cannot change the account."
    )
    required_settings: ClassVar[dict[str, str]] = {"handle": '"carnet.example.org"'}
    deletes_threads = True  # the same keys find a thread's replies
    settings: ClassVar[dict[str, tuple[type, Any]]] = {
        "service": (str, "https://bsky.social"),
        "handle": (str, None),
        # counts come from an AppView (a PDS keeps records, not likes); the public one needs no login
        "appview": (str, "https://public.api.bsky.app"),
        # a link card's picture: the og:image of the post's page, fetched and uploaded (`_card`)
        "link_thumb": (bool, True),
    }

    def _client(self, base_url: str) -> Any:
        """The SDK's client for `base_url`, giving up after the `timeout` setting (seconds)."""
        from atproto import Client
        from atproto_client.request import Request

        return Client(base_url=base_url, request=Request(timeout=float(self.options.get("timeout", TIMEOUT))))

    @contextmanager
    def session(self, action: Action = PUBLISHING) -> Iterator[_Session]:
        """Log in once for the whole thread (or deletion); the connections are closed after."""
        password = self.account_secret("BLUESKY_APP_PASSWORD")
        handle = self.required_option("handle")
        client = self._client(self.options.get("service", "https://bsky.social"))
        try:
            with _failures(action):
                client.login(handle, password, fetch_bsky_profile=False)  # only the PDS is needed
                me = client.com.atproto.server.get_session()
            yield _Session(client, did=me.did, handle=me.handle)
        finally:
            client.request.close()

    def verify_credentials(self) -> str:
        """com.atproto.server.createSession then getSession: the account's handle, as its PDS has it."""
        with self.session(VERIFYING) as session:
            return f"@{session.handle}"

    def publish_one(self, session: _Session, part: Part) -> Published:
        """com.atproto.repo.createRecord under the part's own record key, so that it is made once."""
        from atproto import models

        from cmsite_bluesky.richtext import facets  # the counting rules: only when sending

        client = session.client
        with _failures(PUBLISHING):
            record: dict[str, Any] = {
                "$type": POST,
                "text": part.text,
                "createdAt": client.get_current_time_iso(),
                "facets": _resolved(client, facets(part.text)),
            }
            if part.pictures or part.link:
                record["embed"] = (
                    _images(client, part.pictures) if part.pictures else self._card(client, part.post)
                )
            if part.reply_to and part.root:
                record["reply"] = {"root": _ref(session, part.root), "parent": _ref(session, part.reply_to)}
            created = client.com.atproto.repo.create_record(
                models.ComAtprotoRepoCreateRecord.Data(
                    repo=session.did,
                    collection=POST,
                    rkey=record_key(part.entry_key, part.number),
                    record=record,
                )
            )
        session.cids[created.uri] = created.cid
        return self._published(created.uri)

    def find_one(self, session: _Session, part: Part) -> Published | None:
        """The record under the part's key (com.atproto.repo.getRecord), None when there is none."""
        with _failures(LOOKING):
            found = _record(session.client, session.did, record_key(part.entry_key, part.number))
        if found is None:
            return None
        session.cids[found.uri] = found.cid
        return self._published(found.uri)

    def _card(self, client: Any, post: SocialPost) -> dict[str, Any]:
        """The link card of the post's page, with the picture the page names for link previews
        (its `image:`, or the card cmsite drew) as `thumb`: Bluesky shows only what is uploaded
        ("Website card embeds", docs.bsky.app). A page whose picture cannot be had gets none."""
        from atproto import models

        from cmsite.social.link_picture import link_picture

        external: dict[str, Any] = {
            "uri": post.link,
            "title": post.title or post.link,
            "description": post.summary,
        }
        picture = self.options.get("link_thumb", True) and link_picture(
            str(post.link),
            timeout=float(self.options.get("timeout", TIMEOUT)),
            max_bytes=THUMB_BYTES,
            types=self.media_types,
        )
        if picture:
            blob = client.com.atproto.repo.upload_blob(
                picture.data, headers={"Content-Type": picture.mime}
            ).blob
            external["thumb"] = models.get_model_as_dict(blob)
        return {"$type": "app.bsky.embed.external", "external": external}

    def _published(self, uri: str) -> Published:
        handle = self.options.get("handle")
        return Published(uri, f"https://bsky.app/profile/{handle}/post/{uri.rsplit('/', 1)[-1]}")

    def delete(self, remote_id: str, idempotency_key: str | None = None) -> None:
        """com.atproto.repo.deleteRecord of the post, then of each reply of its thread.

        The replies' record keys come from the entry's key, as `publish` made them; only
        records that answer this post are removed.
        """
        from atproto import models

        action = Action.deleting(remote_id)
        repo, _, rkey = remote_id.removeprefix("at://").split("/")
        with self.session(action) as session:
            if session.did != repo:
                raise PublishError(
                    f"Bluesky: post {remote_id} is not in the repository of {self.options.get('handle')}; "
                    "delete it from the account that posted it",
                    retry=False,
                )
            with _failures(action):
                for key in [rkey, *_replies(session.client, repo, remote_id, idempotency_key)]:
                    session.client.com.atproto.repo.delete_record(
                        models.ComAtprotoRepoDeleteRecord.Data(repo=repo, collection=POST, rkey=key)
                    )

    def metrics(self, remote_id: str) -> dict[str, int]:
        """app.bsky.feed.getPosts on the AppView (no login: the counts are public)."""
        action = Action.counting(remote_id)
        with self._appview(action) as appview:
            posts = appview.app.bsky.feed.get_posts({"uris": [remote_id]}).posts
        if not posts:  # getPosts leaves out what it cannot find
            raise PublishError(
                f"Bluesky has no post {remote_id}; {action.not_found(self.label)}", retry=False
            )
        return _counts(posts[0], METRICS)

    def account_metrics(self) -> dict[str, int]:
        """app.bsky.actor.getProfile of the account's handle on the AppView, as `metrics` asks it
        (a PDS does not count followers either)."""
        actor = self.required_option("handle")
        with self._appview(COUNTING_ACCOUNT) as appview:
            profile = appview.app.bsky.actor.get_profile({"actor": actor})
        return _counts(profile, ACCOUNT_METRICS)

    @contextmanager
    def _appview(self, action: Action) -> Iterator[Any]:
        """A client of the `appview` setting, without login (what it counts is public): its
        failures as PublishError for `action`, its connections closed after."""
        client = self._client(self.options["appview"])
        try:
            with _failures(action):
                yield client
        finally:
            client.request.close()


def _counts(view: Any, names: dict[str, str]) -> dict[str, int]:
    """The counts of `names` that the AppView's view holds (each is optional in the lexicon),
    by cmsite's names; one it leaves out stays out (a zero would be made up)."""
    found = view.model_dump(by_alias=True)
    return {name: int(found[field]) for field, name in names.items() if found.get(field) is not None}


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


def _ref(session: _Session, published: Published) -> dict[str, str]:
    """A strong reference (uri and cid) to a post of the thread, for a reply's root and parent.

    `Published` keeps the uri only (what delete and metrics take); the cid comes from this
    send when it made or found the post, else from the record itself (a thread resumed by a
    later try).
    """
    uri = published.remote_id
    if uri not in session.cids:
        repo, _, rkey = uri.removeprefix("at://").split("/")
        found = _record(session.client, repo, rkey)
        if found is None:
            raise PublishError(
                f"Bluesky: {uri}, which the rest of the thread answers, is gone (deleted by hand?); "
                "post the rest of the thread by hand",
                retry=False,
            )
        session.cids[uri] = found.cid
    return {"uri": uri, "cid": session.cids[uri]}


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
    """A post record of the repo (uri, cid, value), or None when there is none with that key
    (another refusal, such as a repository taken down, says nothing of the record)."""
    from atproto import models
    from atproto.exceptions import BadRequestError

    try:
        return client.com.atproto.repo.get_record(
            models.ComAtprotoRepoGetRecord.Params(repo=repo, collection=POST, rkey=rkey)
        )
    except BadRequestError as exc:
        if getattr(exc.response.content, "error", None) == "RecordNotFound":
            return None
        raise


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


@contextmanager
def _failures(action: Action) -> Iterator[None]:
    """Turn what the SDK raises into a PublishError that says whether to try again."""
    import httpx
    from atproto.exceptions import AtProtocolError

    try:
        yield
    except (AtProtocolError, httpx.TransportError) as exc:
        raise _publish_error(exc, action) from None


def _publish_error(exc: Exception, action: Action = PUBLISHING) -> PublishError:
    """The SDK's exceptions → retry or not, with the server's own message and what to do.

    The SDK raises the transport's error itself, or its own with the transport's error as
    the cause; without an answer, `no_answer` tells whether the request had left.
    """
    import httpx

    cause = exc if isinstance(exc, httpx.TransportError) else exc.__cause__
    if isinstance(cause, httpx.TransportError):
        return no_answer("Bluesky", cause)
    response = getattr(exc, "response", None)
    if response is None:  # the server said yes in a shape the SDK cannot read (no uri, no JSON)
        return PublishError(
            f"Bluesky: an answer that cannot be read ({exc.__class__.__name__}: {exc})",
            retry=True,
            maybe_sent=True,
        )
    status = response.status_code
    content = response.content
    message = getattr(content, "message", None) or getattr(content, "error", None) or str(exc)
    if status == 429 or status >= 500:
        # the SDK keeps the headers in a plain dict with lowercase names
        answer = SimpleNamespace(status_code=status, headers=httpx.Headers(response.headers))
        return busy("Bluesky", answer, message, "ratelimit-reset")
    if action is COUNTING_ACCOUNT:  # asked of the AppView, without the app password
        hint = "check the handle and the appview setting"
    elif status in (401, 403):
        hint = "check the handle and app password"
    elif action is PUBLISHING:
        hint = "fix the post"
    elif status == 404:
        hint = action.not_found("Bluesky")
    else:
        hint = {
            "metrics": "check the appview setting",
            "find": "check the service setting",
            "verify": "check the handle and the service setting",
        }.get(action.kind, "check the post's address")
    return PublishError(f"Bluesky refused {action.what} ({status}): {message}; {hint}", retry=False)


@hookimpl
def cmsite_networks() -> list[type[Network]]:
    return [Bluesky]
