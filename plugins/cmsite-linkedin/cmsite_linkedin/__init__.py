"""cmsite plugin: LinkedIn's Posts API, with httpx (imported when sending)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, ClassVar
from urllib.parse import quote

from cmsite.hookspecs import hookimpl
from cmsite.social.http import busy, json_answer, send
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
)

API = "https://api.linkedin.com"
API_VERSION = "202411"  # the LinkedIn-Version header (YYYYMM), unless the account sets api_version
RESERVED = "\\|{}@[]()<>#*_~"
_HASHTAG = re.compile(r"(?<![\w\\])#(\w+)")
_ESCAPED = re.compile(r"\\(.)")
_TEMPLATE = re.compile(r"\{hashtag\|\\#\|(\w+)\}")
# What a refusal asks of the token, by what was asked (Posts and Social Metadata APIs' permissions)
SCOPES = {
    "publish": "check the author URN and the token's scopes (w_organization_social or w_member_social)",
    "delete": "check that the token has w_organization_social (w_member_social for a member's post)",
    "metrics": "check that the token has r_organization_social (r_member_social for a member's post)",
    "verify": "check the access token",
}
# A refused follower count (Organization Lookup API): another page's URN, or a token without its permission
FOLLOWERS_HINT = "check the author URN and that the token has rw_organization_admin"


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
    login_help = (
        "A LinkedIn access token: an app in LinkedIn's developer portal (linkedin.com/developers) with "
        "Share on LinkedIn (w_member_social) or the Community Management API (w_organization_social), "
        "and Sign In with LinkedIn using OpenID Connect so that cmsite can check the token; make the token "
        "with the portal's OAuth token generator (linkedin.com/developers/tools/oauth). The author is "
        "urn:li:person:ID (ID: the sub the token's /v2/userinfo gives) or urn:li:organization:ID (the "
        "number in the page's admin address)."
    )
    settings: ClassVar[dict[str, tuple[type, Any]]] = {
        "author": (str, None),
        "api_version": (str, API_VERSION),
    }
    required_settings: ClassVar[dict[str, str]] = {"author": '"urn:li:organization:1234567"'}

    @classmethod
    def prepare(cls, text: str) -> str:
        return little_text(text)

    def _client(self) -> Any:
        """An httpx client with the headers every Posts and Images API call needs."""
        import httpx

        token = self.account_secret("LINKEDIN_ACCESS_TOKEN")
        headers = {
            "Authorization": f"Bearer {token}",
            "LinkedIn-Version": str(self.options.get("api_version", API_VERSION)),
            "X-Restli-Protocol-Version": "2.0.0",
        }
        return httpx.Client(
            base_url=self.options.get("api", API), headers=headers, timeout=self.options.get("timeout", 30)
        )

    @property
    def _author(self) -> str:
        return str(self.required_option("author"))

    @contextmanager
    def session(self) -> Iterator[Any]:
        """One httpx client for every part of the send (and the pictures' uploads)."""
        with self._client() as client:
            yield client

    def verify_credentials(self) -> str:
        """GET /v2/userinfo (Sign In with LinkedIn using OpenID Connect): the name of the member the
        token belongs to. LinkedIn answers 403 to a token without the openid and profile scopes,
        which may still post: such a token cannot be checked this way, and is not called refused."""
        with self._client() as client:
            response = send("LinkedIn", _check_userinfo, client, "GET", "/v2/userinfo", action=VERIFYING)
        member = json_answer("LinkedIn", response)
        return str(member.get("name") or member.get("sub"))

    def publish_one(self, session: Any, part: Part) -> Published:
        """POST /rest/posts; LinkedIn answers 201 with the post's URN in x-restli-id. A thread is not a
        LinkedIn idea: each part is a post of its own, the first with the pictures."""
        author = self._author
        body: dict[str, Any] = {
            "author": author,
            "commentary": little_text(part.text),
            "visibility": "PUBLIC",
            "distribution": {
                "feedDistribution": "MAIN_FEED",
                "targetEntities": [],
                "thirdPartyDistributionChannels": [],
            },
            "lifecycleState": "PUBLISHED",
            "isReshareDisabledByAuthor": False,
        }
        if content := _content(session, author, part.pictures):
            body["content"] = content
        response = _send(session, "POST", "/rest/posts", json=body)
        urn = response.headers.get("x-restli-id", "").strip()
        if not urn:
            raise _unreadable(response, "the post's id (x-restli-id)")
        return _published(urn)

    def find_one(self, session: Any, part: Part) -> Published | None:
        """The author's 20 latest posts (the Posts API's author finder), looked through for this part's text."""
        query = {"author": self._author, "q": "author", "count": 20, "sortBy": "LAST_MODIFIED"}
        response = _send(session, "GET", "/rest/posts", params=query, headers={"X-RestLi-Method": "FINDER"})
        wanted = _comparable(part.text)
        for element in json_answer("LinkedIn", response).get("elements", []):
            if element.get("id") and _comparable(shown_text(element.get("commentary") or "")) == wanted:
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
        """GET /rest/socialMetadata/{encoded URN}: every reaction (likes, praise…) as likes, and every
        comment as replies."""
        with self._client() as client:
            answer = _send(
                client,
                "GET",
                f"/rest/socialMetadata/{quote(remote_id, safe='')}",
                action=Action.counting(remote_id),
            )
        summary = json_answer("LinkedIn", answer)
        reactions = summary.get("reactionSummaries") or {}
        return {
            "likes": sum(int(r.get("count", 0)) for r in reactions.values()),
            "replies": int((summary.get("commentSummary") or {}).get("count", 0)),
        }

    def account_metrics(self) -> dict[str, int]:
        """GET /rest/networkSizes/{encoded URN}?edgeType=COMPANY_FOLLOWED_BY_MEMBER (Organization
        Lookup API, "Retrieve Organization Follower Count"): the page's followers. LinkedIn gives
        no such count of a member, nor how many posts or follows a page has."""
        author = self._author
        if not author.startswith("urn:li:organization:"):
            raise NotImplementedError(
                f"LinkedIn gives follower counts of organization pages only, and the author {author} is not one"
            )
        with self._client() as client:
            answer = _send(
                client,
                "GET",
                f"/rest/networkSizes/{quote(author, safe='')}",
                params={"edgeType": "COMPANY_FOLLOWED_BY_MEMBER"},
                action=COUNTING_ACCOUNT,
            )
        return {"followers": int(json_answer("LinkedIn", answer)["firstDegreeSize"])}


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
        )
        value = json_answer("LinkedIn", started).get("value") or {}
        if not (value.get("uploadUrl") and value.get("image")):
            raise _unreadable(started, "the picture's upload address and image id")
        _send(client, "PUT", value["uploadUrl"], content=picture.data, headers={"Content-Type": picture.mime})
        images.append({"id": value["image"], "altText": picture.alt})
    if not images:
        return None
    return {"media": images[0]} if len(images) == 1 else {"multiImage": {"images": images}}


def _unreadable(response: Any, missing: str) -> PublishError:
    """A yes without the id: the post may be there, so it is looked for before it is sent again."""
    return PublishError(
        f"LinkedIn answered {response.status_code} without {missing}; the post is looked for before any resend",
        retry=True,
        maybe_sent=True,
    )


def _send(client: Any, method: str, url: str, *, action: Action = PUBLISHING, **options: Any) -> Any:
    """One request; a lost answer may have been posted, a refusal says what to do."""
    return send("LinkedIn", _check, client, method, url, action=action, **options)


def _check_userinfo(response: Any, action: Action) -> None:
    """A 403 from /v2/userinfo: a token without the openid and profile scopes, not a refused one."""
    if response.status_code == 403:
        raise NotImplementedError(
            f"LinkedIn does not say whose this token is ({_message(response)}): /v2/userinfo needs the "
            "openid and profile scopes, which a token that posts may lack"
        )
    _check(response, action)


def _check(response: Any, action: Action) -> None:
    status = response.status_code
    if status < 400:
        return
    message = _message(response)
    if status == 429 or status >= 500:
        raise busy("LinkedIn", response, message)
    if status == 401:
        hint = "renew the access token"
    elif action is COUNTING_ACCOUNT:
        hint = FOLLOWERS_HINT
    elif status == 404 and action is not PUBLISHING:
        hint = action.not_found("LinkedIn")
    else:
        hint = SCOPES[action.kind]
    raise PublishError(f"LinkedIn refused {action.what} ({status}): {message}; {hint}", retry=False)


def _message(response: Any) -> str:
    """LinkedIn's error message (the `message` of its JSON), else the start of the body."""
    try:
        return str(response.json().get("message", ""))
    except ValueError:
        return response.text[:200]


@hookimpl
def cmsite_networks() -> list[type[Network]]:
    return [LinkedIn]
