"""cmsite plugin: LinkedIn's Posts API, with httpx (imported when sending)."""

from __future__ import annotations

import re
from typing import Any, ClassVar
from urllib.parse import quote

from cmsite.hookspecs import hookimpl
from cmsite.social.http import send
from cmsite.social.media import Picture
from cmsite.social.network import PUBLISHING, Action, Network, Published, PublishError, SocialPost

API = "https://api.linkedin.com"
RESERVED = "\\|{}@[]()<>#*_~"
_HASHTAG = re.compile(r"(?<![\w\\])#(\w+)")
_ESCAPED = re.compile(r"\\(.)")
_TEMPLATE = re.compile(r"\{hashtag\|\\#\|(\w+)\}")
# What a refusal asks of the token, by what was asked (Posts and Social Metadata APIs' permissions)
SCOPES = {
    "publish": "check the author URN and the token's scopes (w_organization_social or w_member_social)",
    "delete": "check that the token has w_organization_social (w_member_social for a member's post)",
    "metrics": "check that the token has r_organization_social (r_member_social for a member's post)",
}


def little_text(text: str) -> str:
    """Escape LinkedIn's reserved characters; hashtags become LinkedIn hashtags."""
    tags: list[str] = []

    def keep(match: re.Match[str]) -> str:
        tags.append(match.group(1))
        return f"\x00{len(tags) - 1}\x00"

    text = _HASHTAG.sub(keep, text)
    text = "".join(f"\\{char}" if char in RESERVED else char for char in text)
    return re.sub("\x00(\\d+)\x00", lambda m: "{hashtag|\\#|" + tags[int(m.group(1))] + "}", text)


def shown_text(text: str) -> str:
    """What readers see of a little-text commentary: `little_text` undone."""
    return _ESCAPED.sub(r"\1", _TEMPLATE.sub(r"#\1", text))


class LinkedIn(Network):
    name = "linkedin"
    label = "LinkedIn"
    max_length = 3000
    counting = "code_points"
    # Images API: JPG, PNG and GIF, under 36,152,320 pixels; a MultiImage post has 2 to 20 images (MultiImage
    # API). No byte limit is published: cmsite keeps 5 MB. altText: 4,086 characters (Posts API media).
    max_media = 20
    max_media_bytes = 5_000_000
    max_media_pixels = 36_152_320
    max_alt_length = 4086
    media_types = frozenset({"image/jpeg", "image/png", "image/gif"})
    credentials = ("LINKEDIN_ACCESS_TOKEN",)
    settings: ClassVar[dict[str, tuple[type, Any]]] = {"author": (str, None), "api_version": (str, "202411")}

    @classmethod
    def prepare(cls, text: str) -> str:
        return little_text(text)

    def _client(self) -> Any:
        """An httpx client with the headers every Posts and Images API call needs."""
        import httpx

        token = self.account_secret("LINKEDIN", "ACCESS_TOKEN")
        headers = {
            "Authorization": f"Bearer {token}",
            "LinkedIn-Version": str(self.options.get("api_version", "202411")),
            "X-Restli-Protocol-Version": "2.0.0",
        }
        return httpx.Client(
            base_url=self.options.get("api", API), headers=headers, timeout=self.options.get("timeout", 30)
        )

    def publish(self, post: SocialPost, idempotency_key: str) -> Published:
        author = self.required_option("author", '"urn:li:organization:1234567"')
        pictures = self.pictures(post)
        first = None
        with self._client() as client:
            content = _content(client, author, pictures)
            for number, text in enumerate(post.texts):
                body: dict[str, Any] = {
                    "author": author,
                    "commentary": little_text(text),
                    "visibility": "PUBLIC",
                    "distribution": {
                        "feedDistribution": "MAIN_FEED",
                        "targetEntities": [],
                        "thirdPartyDistributionChannels": [],
                    },
                    "lifecycleState": "PUBLISHED",
                    "isReshareDisabledByAuthor": False,
                }
                if content and number == 0:
                    body["content"] = content
                response = _send(client, "POST", "/rest/posts", json=body)
                first = first or _published(response.headers.get("x-restli-id", ""))
        assert first is not None
        return first

    def find(self, post: SocialPost, idempotency_key: str) -> Published | None:
        """The author's 20 latest posts (the Posts API's author finder), looked through for this text."""
        author = self.required_option("author", '"urn:li:organization:1234567"')
        query = {"author": author, "q": "author", "count": 20, "sortBy": "LAST_MODIFIED"}
        with self._client() as client:
            response = _send(
                client, "GET", "/rest/posts", params=query, headers={"X-RestLi-Method": "FINDER"}
            )
        wanted = _comparable(post.texts[0])
        for element in response.json().get("elements", []):
            if _comparable(shown_text(element.get("commentary") or "")) == wanted:
                return _published(str(element["id"]))
        return None

    def delete(self, remote_id: str, idempotency_key: str | None = None) -> None:
        """DELETE /rest/posts/{encoded URN} (Posts API); LinkedIn answers 204 (the thread's other posts stay)."""
        with self._client() as client:
            _send(
                client,
                "DELETE",
                f"/rest/posts/{quote(remote_id, safe='')}",
                headers={"X-RestLi-Method": "DELETE"},
                action=Action.deleting(remote_id),
            )

    def metrics(self, remote_id: str) -> dict[str, int]:
        """GET /rest/socialMetadata/{encoded URN}: every reaction (likes, praise…) and every comment."""
        with self._client() as client:
            summary = _send(
                client,
                "GET",
                f"/rest/socialMetadata/{quote(remote_id, safe='')}",
                action=Action.counting(remote_id),
            ).json()
        reactions = summary.get("reactionSummaries") or {}
        return {
            "reactions": sum(int(r.get("count", 0)) for r in reactions.values()),
            "comments": int((summary.get("commentSummary") or {}).get("count", 0)),
        }


def _published(urn: str) -> Published:
    return Published(urn, f"https://www.linkedin.com/feed/update/{urn}/")


def _comparable(text: str) -> str:
    return " ".join(text.split())


def _content(client: Any, owner: str, pictures: list[Picture]) -> dict[str, Any] | None:
    """Upload each picture (Images API); one is the post's `media`, several its `multiImage`."""
    images = []
    for picture in pictures:
        started = _send(
            client,
            "POST",
            "/rest/images",
            params={"action": "initializeUpload"},
            json={"initializeUploadRequest": {"owner": owner}},
        ).json()["value"]
        _send(
            client, "PUT", started["uploadUrl"], content=picture.data, headers={"Content-Type": picture.mime}
        )
        images.append({"id": started["image"], "altText": picture.alt})
    if not images:
        return None
    return {"media": images[0]} if len(images) == 1 else {"multiImage": {"images": images}}


def _send(client: Any, method: str, url: str, *, action: Action = PUBLISHING, **options: Any) -> Any:
    """One request; a lost answer may have been posted, a refusal says what to do."""
    return send("LinkedIn", _check, client, method, url, action=action, **options)


def _check(response: Any, action: Action) -> None:
    status = response.status_code
    if status < 400:
        return
    try:
        message = response.json().get("message", "")
    except ValueError:
        message = response.text[:200]
    if status == 429 or status >= 500:
        raise PublishError(f"LinkedIn: {status} {message}", retry=True)
    if status == 401:
        hint = "renew the access token"
    elif status == 404 and action is not PUBLISHING:
        hint = action.not_found("LinkedIn")
    else:
        hint = SCOPES[action.kind]
    raise PublishError(f"LinkedIn refused {action.what} ({status}): {message}; {hint}", retry=False)


@hookimpl
def cmsite_networks() -> list[type[Network]]:
    return [LinkedIn]
