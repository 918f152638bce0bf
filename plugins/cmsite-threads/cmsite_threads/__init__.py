"""cmsite plugin: Threads, through its Graph API (graph.threads.net), with httpx (imported when sending).

A Threads post is made in two steps: a container (`POST /{user}/threads`), then its
publication (`POST /{user}/threads_publish`). Only the second one puts something on
Threads, so only a lost answer to it leaves the outcome unknown.

Threads takes no picture uploads: it fetches each picture from a public address. cmsite gives
it the address of the file on the deployed site, so the site must be online before the post.
"""

from __future__ import annotations

import ipaddress
import time
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlsplit

from cmsite.hookspecs import hookimpl
from cmsite.social.counting import find_urls
from cmsite.social.http import graph_error, graph_missing, no_answer, retry_after
from cmsite.social.media import media_problems
from cmsite.social.network import PUBLISHING, Action, Media, Network, Published, PublishError, SocialPost

API = "https://graph.threads.net"
MAX_LINKS = 5  # Threads refuses a post with more distinct links (THREADS_API__LINK_LIMIT_EXCEEDED)
TOKEN_CODES = {190}
PERMISSION_CODES = {10, 200}
# The permissions a refusal asks for, by what was asked
PERMISSIONS = {
    "publish": "give the app threads_basic and threads_content_publish (and threads_manage_replies for threads)",
    "delete": "give the app threads_basic and threads_delete",
    "metrics": "give the app threads_basic and threads_manage_insights",
}
INSIGHTS = "views,likes,replies,reposts,quotes"  # the media insights `cmsite metrics` asks for


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
    settings: ClassVar[dict[str, tuple[type, Any]]] = {
        "user_id": (str, "me"),
        "api_version": (str, "v1.0"),
    }

    @classmethod
    def validate(cls, post: SocialPost) -> list[str]:
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

    def publish(self, post: SocialPost, idempotency_key: str) -> Published:
        self._check_pictures(post)
        sent: list[Published] = []
        with self._client() as client:
            for number, text in enumerate(post.texts):
                reply_to = sent[-1].remote_id if sent else None
                first = number == 0  # the link card and the pictures go with the first post
                try:
                    sent.append(
                        self._post(
                            client, text, reply_to, post.link if first else None, post.media if first else []
                        )
                    )
                except PublishError as error:
                    if not sent:
                        raise
                    raise _partly_sent(error, sent[0], len(sent), len(post.texts), idempotency_key) from None
        return sent[0]

    def find(self, post: SocialPost, idempotency_key: str) -> Published | None:
        """The account's 25 latest posts, looked through for the first text (replies are not listed)."""
        with self._client() as client:
            recent = self._call(
                client,
                "GET",
                f"/{self._version}/{self._user}/threads",
                {"fields": "id,text,permalink,timestamp", "limit": 25},
            )
        wanted = _comparable(post.texts[0])
        for found in recent.get("data", []):
            if _comparable(found.get("text") or "") == wanted:
                return Published(str(found["id"]), found.get("permalink") or "")
        return None

    @property
    def _version(self) -> str:
        return str(self.options.get("api_version", "v1.0"))

    @property
    def _user(self) -> str:
        return str(self.options.get("user_id", "me"))

    def _client(self) -> Any:
        import httpx

        return httpx.Client(base_url=self.options.get("api", API), timeout=self.options.get("timeout", 30))

    def _check_pictures(self, post: SocialPost) -> None:
        """Before anything is sent: each picture must be a JPEG or PNG within the limits, at an
        address Threads can fetch, since Threads gets the file itself and cmsite cannot shrink it."""
        errors, _ = media_problems(type(self), post.media, Path)
        errors += [problem for item in post.media if (problem := _unreachable(item))]
        if len(post.media) > self.max_media:
            errors.append(f"{len(post.media)} pictures, and Threads takes at most {self.max_media}")
        if errors:
            raise PublishError(f"Threads: {'; '.join(errors)}", retry=False)

    def _post(
        self, client: Any, text: str, reply_to: str | None, link: str | None, pictures: list[Media]
    ) -> Published:
        """One post: its container, the wait until Threads has it ready, then its publication."""
        fields = self._content(client, text, link, pictures)
        if reply_to:
            fields["reply_to_id"] = reply_to
        container = self._container(client, fields)
        self._wait_until_ready(client, container, _hint(pictures))
        media = self._call(
            client,
            "POST",
            f"/{self._version}/{self._user}/threads_publish",
            {"creation_id": container},
            publishes=True,
        )["id"]
        return Published(str(media), self._permalink(client, str(media)))

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
        items = [self._container(client, {**_image(p), "is_carousel_item": "true"}) for p in pictures]
        for item, picture in zip(items, pictures, strict=True):  # Threads fetches them meanwhile
            self._wait_until_ready(client, item, _hint([picture]))
        return {"media_type": "CAROUSEL", "children": ",".join(items), "text": text}

    def _container(self, client: Any, fields: dict[str, str]) -> str:
        return str(self._call(client, "POST", f"/{self._version}/{self._user}/threads", fields)["id"])

    def _wait_until_ready(self, client: Any, container: str, hint: str) -> None:
        """Threads prepares a container before it can be published: at once for text most of the
        time, once it has fetched the picture for an image. The wait is bounded by `ready_wait`."""
        deadline = time.monotonic() + float(self.options.get("ready_wait", 60))
        while True:
            answer = self._call(
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
            time.sleep(float(self.options.get("ready_interval", 3)))

    def _permalink(self, client: Any, media: str) -> str:
        """The post's address; empty when Threads does not give it (the post is out all the same)."""
        try:
            answer = self._call(client, "GET", f"/{self._version}/{media}", {"fields": "permalink"})
        except PublishError:
            return ""
        return str(answer.get("permalink") or "")

    def _call(
        self,
        client: Any,
        method: str,
        path: str,
        fields: dict[str, Any],
        *,
        publishes: bool = False,
        action: Action = PUBLISHING,
    ) -> dict[str, Any]:
        """One request, with the access token as the API wants it (form field for POST, else query)."""
        import httpx

        token = self.account_secret("THREADS", "ACCESS_TOKEN")
        fields = {**fields, "access_token": token}
        try:
            if method == "POST":
                response = client.post(path, data=fields)
            else:
                response = client.request(method, path, params=fields)
        except httpx.TransportError as exc:
            error = no_answer("Threads", exc)
            error.maybe_sent = error.maybe_sent and publishes  # a container alone posts nothing
            raise error from None
        _check(response, action)
        return response.json()

    def delete(self, remote_id: str, idempotency_key: str | None = None) -> None:
        """DELETE /{media-id}; Threads answers {"success": true, "deleted_id": …} (a thread's replies stay)."""
        action = Action.deleting(remote_id)
        with self._client() as client:
            answer = self._call(client, "DELETE", f"/{self._version}/{remote_id}", {}, action=action)
        if not answer.get("success"):
            raise PublishError(f"Threads did not delete post {remote_id}: it answered {answer}", retry=False)

    def metrics(self, remote_id: str) -> dict[str, int]:
        """GET /{media-id}/insights: views, likes, replies, reposts and quotes, each as Threads names it."""
        action = Action.counting(remote_id)
        with self._client() as client:
            answer = self._call(
                client, "GET", f"/{self._version}/{remote_id}/insights", {"metric": INSIGHTS}, action=action
            )
        return {item["name"]: int(item["values"][0]["value"]) for item in answer.get("data", [])}


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
    host = urlsplit(item.url).hostname or ""
    if not _public(host):
        return (
            f"{item.path} would be fetched from {item.url}, which Threads cannot reach; "
            "set [site] url to the address the site is deployed at"
        )
    return None


def _public(host: str) -> bool:
    """A host name or address another server on the internet can reach."""
    try:
        return ipaddress.ip_address(host).is_global
    except ValueError:
        return bool(host) and host != "localhost" and not host.endswith((".localhost", ".local", ".internal"))


def _comparable(text: str) -> str:
    return " ".join(text.split())


def _partly_sent(error: PublishError, first: Published, sent: int, total: int, key: str) -> PublishError:
    """A thread that stopped half-way is never sent again whole: a person finishes or removes it."""
    where = first.url or f"post id {first.remote_id}"
    return PublishError(
        f"Threads: {sent} of the {total} posts of the thread went out ({where}), then: {error}; "
        f"finish the thread there by hand, or delete it and run `cmsite queue retry {key}`",
        retry=False,
    )


def _check(response: Any, action: Action) -> None:
    """Graph API errors: 429, 5xx and rate-limit codes are retried; the rest fail with what to do."""
    if response.status_code < 400:
        return
    code, message, retry = graph_error(response)
    if retry:
        raise PublishError(
            f"Threads: {message} ({response.status_code}, code {code})",
            retry=True,
            retry_after=retry_after(response),
        )
    if code in TOKEN_CODES or response.status_code == 401:
        hint = "get a new access token and put it in THREADS_ACCESS_TOKEN"
    elif code in PERMISSION_CODES or response.status_code == 403:
        hint = PERMISSIONS[action.kind]
    elif action is PUBLISHING:
        hint = "check the text, the link and the user_id setting"
    else:
        hint = action.not_found("Threads") if graph_missing(response) else "check the post id"
    raise PublishError(
        f"Threads refused {action.what} ({response.status_code}): {message} (code {code}); {hint}",
        retry=False,
    )


@hookimpl
def cmsite_networks() -> list[type[Network]]:
    return [Threads]
