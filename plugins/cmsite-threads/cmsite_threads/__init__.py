"""cmsite plugin: Threads, through its Graph API (graph.threads.net), with httpx (imported when sending).

A Threads post is made in two steps: a container (`POST /{user}/threads`), then its
publication (`POST /{user}/threads_publish`). Only the second one puts something on
Threads, so only a lost answer to it leaves the outcome unknown.

Threads takes no picture uploads: it fetches each picture from a public address. cmsite gives
it the address of the file on the deployed site, so the site must be online before the post.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ClassVar

from cmsite.hookspecs import hookimpl
from cmsite.social.http import busy, graph_error, graph_missing, json_answer, send
from cmsite.social.media import Picture, media_problems
from cmsite.social.network import (
    COUNTING_ACCOUNT,
    PUBLISHING,
    VERIFYING,
    Action,
    Media,
    Network,
    Part,
    Published,
    PublishError,
    SocialPost,
)

API = "https://graph.threads.net"
MAX_LINKS = 5  # Threads refuses a post with more distinct links (THREADS_API__LINK_LIMIT_EXCEEDED)
TOKEN_CODES = {190}
PERMISSION_CODES = {10, 200}
# The permissions a refusal asks for, by what was asked
PERMISSIONS = {
    "publish": (
        "give the app threads_basic and threads_content_publish "
        "(and threads_manage_replies and threads_read_replies for threads)"
    ),
    "delete": "give the app threads_basic and threads_delete",
    "metrics": "give the app threads_basic and threads_manage_insights",
    "verify": "give the app threads_basic",
}
INSIGHTS = "views,likes,replies,reposts,quotes"  # the media insights `cmsite metrics` asks for: shared names
# The user insights that are the account's figures → the names of ACCOUNT_METRICS
ACCOUNT_INSIGHTS = {"followers_count": "followers"}


class Threads(Network):
    name = "threads"
    label = "Threads"
    max_length = 500
    counting = "threads"
    # Threads' media specifications: JPEG or PNG, 8 MB at most, fetched from image_url; a
    # carousel holds 2 to 20 items; alt_text is at most 1,000 characters.
    max_media = 20
    max_media_bytes = 8_000_000
    media_types = frozenset({"image/jpeg", "image/png"})
    max_alt_length = 1000
    fetches_media = True
    credentials = ("THREADS_ACCESS_TOKEN",)
    login_help = (
        "A Threads user access token: in Meta's developer site (developers.facebook.com), an app with the "
        "Threads use case, permissions threads_basic and threads_content_publish (threads_manage_replies "
        "for threads), your Threads account added as a tester; then get the token in the Graph API "
        "Explorer, on graph.threads.net. Exchange it for a long-lived one (60 days) and paste it here."
    )
    settings: ClassVar[dict[str, tuple[type, Any]]] = {
        "user_id": (str, "me"),
        "api_version": (str, "v1.0"),
        "ready_wait": (float, 60.0),  # seconds to wait for a container to be ready to publish
        "ready_interval": (float, 3.0),  # seconds between two looks at its status
    }

    @classmethod
    def validate(cls, post: SocialPost) -> list[str]:
        from cmsite.social.counting import find_urls  # slow to import: only when a post is checked

        problems = super().validate(post)
        for number, text in enumerate(post.texts):
            links = set(find_urls(text)) | ({post.link} if post.link and number == 0 else set())
            if len(links) > MAX_LINKS:
                where = f"post {number + 1} of the thread" if len(post.texts) > 1 else "the text"
                problems.append(
                    f"{where} has {len(links)} different links and Threads takes at most {MAX_LINKS}; "
                    "remove some"
                )
        problems += [problem for item in post.media if (problem := _unreachable(item))]
        return problems

    def pictures(self, post: SocialPost) -> list[Picture]:
        """None to upload: Threads fetches each picture from the site itself. They are checked
        all the same, before anything is sent, since cmsite cannot send a smaller copy."""
        self._check_pictures(post)
        return []

    @contextmanager
    def session(self) -> Iterator[Any]:
        """One connection pool for every request of the thread's parts."""
        import httpx

        with httpx.Client(
            base_url=self.options.get("api", API), timeout=self.options.get("timeout", 30)
        ) as client:
            yield client

    def verify_credentials(self) -> str:
        """GET /{threads-user-id}?fields=id,username (the Threads Profile API): the account's @username."""
        with self.session() as client:
            profile = self._request(
                client, "GET", f"/{self._version}/{self._user}", {"fields": "id,username"}, action=VERIFYING
            )
        return f"@{profile.get('username') or profile.get('id')}"

    def publish_one(self, session: Any, part: Part) -> Published:
        """One post: its container, the wait until Threads has it ready, then its publication.

        The link card and the pictures go with the first part; a later part answers the one before."""
        fields = self._content(session, part.text, part.link, part.media)
        if part.reply_to:
            fields["reply_to_id"] = part.reply_to.remote_id
        container = self._create(session, "threads", fields)
        self._wait_until_ready(session, container, _hint(part.media))
        media = self._create(session, "threads_publish", {"creation_id": container})
        return Published(media, self._permalink(session, media))

    def find_one(self, session: Any, part: Part) -> Published | None:
        """The account's 25 latest posts for a first part; for a later one, the replies to the part
        it answers (`GET /{media-id}/replies`), looked through for the text."""
        if part.reply_to:
            path = f"/{self._version}/{part.reply_to.remote_id}/replies"
            fields = {"fields": "id,text,permalink,is_reply_owned_by_me"}
        else:
            path = f"/{self._version}/{self._user}/threads"
            fields = {"fields": "id,text,permalink,timestamp", "limit": 25}
        candidates = self._request(session, "GET", path, fields).get("data", [])
        if part.reply_to:  # anyone may answer the post: only the account's own reply can be the part
            candidates = [reply for reply in candidates if reply.get("is_reply_owned_by_me") is True]
        wanted = _comparable(part.text)
        for found in candidates:
            if _comparable(found.get("text") or "") == wanted:
                return Published(str(found["id"]), found.get("permalink") or "")
        return None

    @property
    def _version(self) -> str:
        return str(self.options["api_version"])

    @property
    def _user(self) -> str:
        return str(self.options["user_id"])

    def _check_pictures(self, post: SocialPost) -> None:
        """Before anything is sent: each picture must be a JPEG or PNG within the limits, at an
        address Threads can fetch, since Threads gets the file itself and cmsite cannot shrink it."""
        errors, _ = media_problems(type(self), post.media, Path)
        errors += [problem for item in post.media if (problem := _unreachable(item))]
        if len(post.media) > self.max_media:
            errors.append(f"{len(post.media)} pictures, and Threads takes at most {self.max_media}")
        if errors:
            raise PublishError(f"Threads: {'; '.join(errors)}", retry=False)

    def _content(self, client: Any, text: str, link: str | None, pictures: list[Media]) -> dict[str, str]:
        """What the post's container holds: text with its link card, one picture, or a carousel.

        A carousel is made of one container per picture (`is_carousel_item`), each ready before
        the carousel container lists them in `children`. Threads shows a link card on text
        posts only, so a post with pictures keeps its link in the text.
        """
        if not pictures:
            return {"media_type": "TEXT", "text": text, **({"link_attachment": link} if link else {})}
        if len(pictures) == 1:
            return {**_image(pictures[0]), "text": text}
        items = [self._create(client, "threads", {**_image(p), "is_carousel_item": "true"}) for p in pictures]
        for item, picture in zip(items, pictures, strict=True):  # Threads fetches them meanwhile
            self._wait_until_ready(client, item, _hint([picture]))
        return {"media_type": "CAROUSEL", "children": ",".join(items), "text": text}

    def _create(self, client: Any, edge: str, fields: dict[str, str]) -> str:
        """A container (edge `threads`) or its publication (`threads_publish`): the new object's id.

        Only a publication puts something on Threads, so only its unknown outcome is `maybe_sent`."""
        publishes = edge == "threads_publish"
        answer = self._request(
            client, "POST", f"/{self._version}/{self._user}/{edge}", fields, publishes=publishes
        )
        if not answer.get("id"):
            raise PublishError(
                f"Threads: answered {edge} without an id ({answer})", retry=True, maybe_sent=publishes
            )
        return str(answer["id"])

    def _wait_until_ready(self, client: Any, container: str, hint: str) -> None:
        """Threads prepares a container before it can be published: at once for text most of the
        time, once it has fetched the picture for an image. The wait is bounded by `ready_wait`."""
        deadline = time.monotonic() + float(self.options["ready_wait"])
        while True:
            answer = self._request(
                client, "GET", f"/{self._version}/{container}", {"fields": "status,error_message"}
            )
            status = answer.get("status")
            if status == "FINISHED":
                return
            if status == "ERROR":
                raise PublishError(
                    f"Threads could not prepare the post: {answer.get('error_message', 'no reason given')}; {hint}",
                    retry=False,
                )
            if status == "EXPIRED" or time.monotonic() >= deadline:
                raise PublishError(f"Threads: the post was not ready to publish ({status})", retry=True)
            time.sleep(float(self.options["ready_interval"]))

    def _permalink(self, client: Any, media: str) -> str:
        """The post's address; empty when Threads does not give it (the post is out all the same)."""
        try:
            answer = self._request(client, "GET", f"/{self._version}/{media}", {"fields": "permalink"})
        except PublishError:
            return ""
        return str(answer.get("permalink") or "")

    def _request(
        self,
        client: Any,
        method: str,
        path: str,
        fields: dict[str, Any],
        *,
        publishes: bool = False,
        action: Action = PUBLISHING,
    ) -> dict[str, Any]:
        """One request, with the access token as the API wants it (form field for POST, else query).

        A failure is `maybe_sent` only for a request that `publishes`: nothing else shows on Threads."""
        fields = {**fields, "access_token": self.account_secret("THREADS_ACCESS_TOKEN")}
        options = {"data": fields} if method == "POST" else {"params": fields}
        try:
            response = send("Threads", _check, client, method, path, action=action, **options)
            answer: dict[str, Any] = json_answer("Threads", response)
        except PublishError as error:
            error.maybe_sent = error.maybe_sent and publishes
            raise
        return answer

    def delete(self, remote_id: str, idempotency_key: str | None = None) -> None:
        """DELETE /{media-id}; Threads answers {"success": true, "deleted_id": …} (a thread's replies stay)."""
        action = Action.deleting(remote_id)
        with self.session() as client:
            answer = self._request(client, "DELETE", f"/{self._version}/{remote_id}", {}, action=action)
        if not answer.get("success"):
            raise PublishError(f"Threads did not delete post {remote_id}: it answered {answer}", retry=False)

    def metrics(self, remote_id: str) -> dict[str, int]:
        """GET /{media-id}/insights: views, likes, replies, reposts and quotes, whose Threads names are
        the shared ones of POST_METRICS already."""
        action = Action.counting(remote_id)
        with self.session() as client:
            answer = self._request(
                client, "GET", f"/{self._version}/{remote_id}/insights", {"metric": INSIGHTS}, action=action
            )
        return {item["name"]: int(item["values"][0]["value"]) for item in answer.get("data", [])}

    def account_metrics(self) -> dict[str, int]:
        """GET /{threads-user-id}/threads_insights?metric=followers_count (the Threads Insights API,
        User Insights): the followers now, as its `total_value`; Threads gives no following or posts
        count. Needs threads_manage_insights."""
        with self.session() as client:
            answer = self._request(
                client,
                "GET",
                f"/{self._version}/{self._user}/threads_insights",
                {"metric": ",".join(ACCOUNT_INSIGHTS)},
                action=COUNTING_ACCOUNT,
            )
        return {
            ACCOUNT_INSIGHTS[item["name"]]: int(item["total_value"]["value"])
            for item in answer.get("data", [])
            if item.get("name") in ACCOUNT_INSIGHTS
        }


def _image(picture: Media) -> dict[str, str]:
    """An image container's fields: where Threads fetches the picture, and its description."""
    return {
        "media_type": "IMAGE",
        "image_url": str(picture.url),
        **({"alt_text": picture.alt} if picture.alt else {}),
    }


def _hint(pictures: list[Media]) -> str:
    """What to look at when Threads cannot prepare a container."""
    if not pictures:
        return "check the text and the link"
    where = ", ".join(str(p.url) for p in pictures)
    return f"check that the site is deployed and that {where} opens (Threads fetches the pictures there)"


def _unreachable(item: Media) -> str | None:
    """Why Threads could never fetch the picture from the site (None if it can)."""
    if not item.url:
        return (
            f"{item.path} has no public address, and Threads fetches each picture from the deployed site: "
            "the picture must be a file of the content folder, and the site needs its [site] url"
        )
    from cmsite.social.site_url import placeholder

    if what := placeholder(item.url):
        return (
            f"{item.path} would be fetched from {item.url}, which Threads cannot reach ({what}); "
            "set [site] url to the address the site is deployed at"
        )
    return None


def _comparable(text: str) -> str:
    return " ".join(text.split())


def _check(response: Any, action: Action) -> None:
    """Graph API errors: 429, 5xx and rate-limit codes are retried; the rest fail with what to do."""
    if response.status_code < 400:
        return
    code, message, retry = graph_error(response)
    if retry:
        raise busy("Threads", response, f"{message} (code {code})")
    if code in TOKEN_CODES or response.status_code == 401:
        hint = "get a new access token and put it in THREADS_ACCESS_TOKEN"
    elif code in PERMISSION_CODES or response.status_code == 403:
        hint = PERMISSIONS[action.kind]
    elif action is PUBLISHING:
        hint = "check the text, the link and the user_id setting"
    elif action in (VERIFYING, COUNTING_ACCOUNT):  # about the account, not a post
        hint = "check the user_id setting"
    else:
        hint = action.not_found("Threads") if graph_missing(response) else "check the post id"
    raise PublishError(
        f"Threads refused {action.what} ({response.status_code}): {message} (code {code}); {hint}",
        retry=False,
    )


@hookimpl
def cmsite_networks() -> list[type[Network]]:
    return [Threads]
