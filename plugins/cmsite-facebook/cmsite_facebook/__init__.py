"""cmsite plugin: Facebook pages through the Graph API, with httpx (imported when sending)."""

from __future__ import annotations

import json
from typing import Any, ClassVar

from cmsite.hookspecs import hookimpl
from cmsite.social.http import graph_error, graph_missing, send
from cmsite.social.media import Picture
from cmsite.social.network import PUBLISHING, Action, Network, Published, PublishError, SocialPost

GRAPH = "https://graph.facebook.com"
TOKEN_CODES = {190}
# What a refusal asks of the page token, by what was asked (Graph API Page Post reference)
PERMISSIONS = {
    "publish": "check the page id and the token's permissions",
    "delete": "check that the page token has pages_manage_posts",
    "metrics": "check that the page token has pages_read_engagement",
}
# The post's counts: shares (absent when none), and the totals of reactions and comments without their lists
METRICS_FIELDS = "shares,reactions.summary(total_count),comments.summary(total_count)"


class FacebookPage(Network):
    name = "facebook"
    label = "Facebook"
    max_length = 63206
    counting = "code_points"
    # Photo uploads (developers.facebook.com/docs/graph-api/photo-uploads): JPEG, BMP, PNG, GIF and TIFF,
    # "we recommend uploading photos under 4MB". Alt text goes in the photo's `alt_text_custom` field
    # (Graph API Photo reference). Facebook publishes no count or alt-text limit: cmsite keeps 10 and 1000.
    max_media = 10
    max_media_bytes = 4_000_000
    max_alt_length = 1000
    media_types = frozenset({"image/jpeg", "image/bmp", "image/png", "image/gif", "image/tiff"})
    credentials = ("FACEBOOK_PAGE_TOKEN",)
    settings: ClassVar[dict[str, tuple[type, Any]]] = {
        "page_id": (str, None),
        "graph_version": (str, "v21.0"),
    }

    def publish(self, post: SocialPost, idempotency_key: str) -> Published:
        token = self._token
        page = self.required_option("page_id", '"1234567890"')
        pictures = self.pictures(post)
        first = None
        with self._client() as client:
            photos = [
                _unpublished_photo(client, f"/{self._version}/{page}/photos", token, p) for p in pictures
            ]
            for number, text in enumerate(post.texts):
                data = {"message": text, "access_token": token}
                if number == 0 and photos:  # the photos take the link preview's place
                    data.update(
                        {
                            f"attached_media[{i}]": json.dumps({"media_fbid": id_})
                            for i, id_ in enumerate(photos)
                        }
                    )
                elif post.link and number == 0:
                    data["link"] = post.link
                remote = str(_send(client, "POST", f"/{self._version}/{page}/feed", data=data).json()["id"])
                first = first or Published(remote, f"https://www.facebook.com/{remote}")
        assert first is not None
        return first

    def find(self, post: SocialPost, idempotency_key: str) -> Published | None:
        """The page's recent posts, looked through for this text (after a send whose outcome is unknown)."""
        page = self.required_option("page_id", '"1234567890"')
        query = {"fields": "id,message", "limit": 25, "access_token": self._token}
        with self._client() as client:
            response = _send(client, "GET", f"/{self._version}/{page}/feed", params=query)
        for found in response.json().get("data", []):
            if found.get("message") == post.texts[0]:
                return Published(str(found["id"]), f"https://www.facebook.com/{found['id']}")
        return None

    def delete(self, remote_id: str, idempotency_key: str | None = None) -> None:
        """DELETE /{post-id}; the Graph API answers {"success": true} (a thread's other posts stay)."""
        with self._client() as client:
            answer = _send(
                client,
                "DELETE",
                f"/{self._version}/{remote_id}",
                params={"access_token": self._token},
                action=Action.deleting(remote_id),
            ).json()
        if not answer.get("success"):
            raise PublishError(f"Facebook did not delete post {remote_id}: it answered {answer}", retry=False)

    def metrics(self, remote_id: str) -> dict[str, int]:
        """GET /{post-id} with the counts of its shares, reactions and comments."""
        with self._client() as client:
            post = _send(
                client,
                "GET",
                f"/{self._version}/{remote_id}",
                params={"fields": METRICS_FIELDS, "access_token": self._token},
                action=Action.counting(remote_id),
            ).json()
        return {
            "reactions": int(post.get("reactions", {}).get("summary", {}).get("total_count", 0)),
            "comments": int(post.get("comments", {}).get("summary", {}).get("total_count", 0)),
            "shares": int(post.get("shares", {}).get("count", 0)),
        }

    @property
    def _token(self) -> str:
        return self.account_secret("FACEBOOK", "PAGE_TOKEN")

    @property
    def _version(self) -> str:
        return str(self.options.get("graph_version", "v21.0"))

    def _client(self) -> Any:
        import httpx

        return httpx.Client(base_url=self.options.get("api", GRAPH), timeout=self.options.get("timeout", 30))


def _unpublished_photo(client: Any, path: str, token: str, picture: Picture) -> str:
    """Upload a photo without a story of its own (published=false), to attach to the post: its id."""
    data = {"published": "false", "alt_text_custom": picture.alt, "access_token": token}
    files = {"source": (picture.filename, picture.data, picture.mime)}
    return str(_send(client, "POST", path, data=data, files=files).json()["id"])


def _send(client: Any, method: str, path: str, *, action: Action = PUBLISHING, **options: Any) -> Any:
    """One Graph API request; a lost answer may have been posted, a refusal says what to do."""
    return send("Facebook", _check, client, method, path, action=action, **options)


def _check(response: Any, action: Action) -> None:
    """Graph API errors: rate-limit codes and 5xx are retried, the rest fail with what to do."""
    if response.status_code < 400:
        return
    code, message, retry = graph_error(response)
    if retry:
        raise PublishError(f"Facebook: {message} (code {code})", retry=True)
    if code in TOKEN_CODES:
        hint = "get a new page access token"
    elif action is not PUBLISHING and graph_missing(response):
        hint = action.not_found("Facebook")
    else:
        hint = PERMISSIONS[action.kind]
    raise PublishError(f"Facebook refused {action.what}: {message} (code {code}); {hint}", retry=False)


@hookimpl
def cmsite_networks() -> list[type[Network]]:
    return [FacebookPage]
