"""cmsite plugin: Facebook pages through the Graph API, with httpx (imported when sending)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, ClassVar

from cmsite.hookspecs import hookimpl
from cmsite.social.http import busy, graph_error, graph_missing, json_answer, send
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

GRAPH = "https://graph.facebook.com"
GRAPH_VERSION = "v21.0"  # unless the account sets graph_version
TOKEN_CODES = {190}
# What a refusal asks of the page token, by what was asked (Graph API Page Post reference)
PERMISSIONS = {
    "publish": "check the page id and the token's permissions",
    "delete": "check that the page token has pages_manage_posts",
    "metrics": "check that the page token has pages_read_engagement",
    "verify": "check the page id and that the token is this page's",
}
# The post's counts: shares (absent when none), and the totals of reactions and comments without their lists
METRICS_FIELDS = "shares,reactions.summary(total_count),comments.summary(total_count)"
# The page's figures (Graph API Page reference), by the name cmsite gives them: fans are the page's likes
PAGE_FIGURES = {"followers_count": "followers", "fan_count": "fans"}


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
    login_help = (
        "A page access token: in Meta's Graph API Explorer (developers.facebook.com/tools/explorer), pick "
        "your app, add the permissions pages_manage_posts and pages_read_engagement, choose the page "
        "under User or Page, and copy its token (the Access Token Debugger extends it to a long-lived "
        "one). The page id is in the page's About section, or in the Explorer's answer to /me/accounts."
    )
    settings: ClassVar[dict[str, tuple[type, Any]]] = {
        "page_id": (str, None),
        "graph_version": (str, GRAPH_VERSION),
    }
    required_settings: ClassVar[dict[str, str]] = {"page_id": '"1234567890"'}

    @contextmanager
    def session(self) -> Iterator[Any]:
        """One httpx client for every part of the send (and the photos' uploads)."""
        with self._client() as client:
            yield client

    def verify_credentials(self) -> str:
        """GET /{page-id}?fields=name with the page token: the page's name."""
        with self._client() as client:
            answer = _send(
                client,
                "GET",
                f"/{self._version}/{self._page}",
                params={"fields": "name", "access_token": self._token},
                action=VERIFYING,
            )
        page = json_answer("Facebook", answer)
        return f"{page.get('name')} (page {page.get('id') or self._page})"

    def publish_one(self, session: Any, part: Part) -> Published:
        """POST /{page-id}/feed: each part of a thread is a page post of its own (Facebook has no
        threads). The first carries the photos, uploaded unpublished and attached, or else the link."""
        token, page = self._token, self._page
        data = {"message": part.text, "access_token": token}
        photos = [
            _unpublished_photo(session, f"/{self._version}/{page}/photos", token, p) for p in part.pictures
        ]
        data.update({f"attached_media[{i}]": json.dumps({"media_fbid": id_}) for i, id_ in enumerate(photos)})
        if part.link and not photos:  # photos take the link preview's place
            data["link"] = part.link
        return _published(_id(_send(session, "POST", f"/{self._version}/{page}/feed", data=data)))

    def find_one(self, session: Any, part: Part) -> Published | None:
        """The page's 25 latest posts, looked through for this part's text."""
        query = {"fields": "id,message", "limit": 25, "access_token": self._token}
        response = _send(session, "GET", f"/{self._version}/{self._page}/feed", params=query)
        for found in json_answer("Facebook", response).get("data", []):
            if found.get("id") and found.get("message") == part.text:
                return _published(str(found["id"]))
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
            )
        if not json_answer("Facebook", answer).get("success"):
            raise PublishError(
                f"Facebook did not delete post {remote_id}: it answered {answer.text[:200]}", retry=False
            )

    def metrics(self, remote_id: str) -> dict[str, int]:
        """GET /{post-id} with the counts of its reactions (likes), comments (replies) and shares (reposts)."""
        with self._client() as client:
            answer = _send(
                client,
                "GET",
                f"/{self._version}/{remote_id}",
                params={"fields": METRICS_FIELDS, "access_token": self._token},
                action=Action.counting(remote_id),
            )
        post = json_answer("Facebook", answer)
        return {
            "likes": int(post.get("reactions", {}).get("summary", {}).get("total_count", 0)),
            "replies": int(post.get("comments", {}).get("summary", {}).get("total_count", 0)),
            "reposts": int(post.get("shares", {}).get("count", 0)),
        }

    def account_metrics(self) -> dict[str, int]:
        """GET /{page-id}?fields=followers_count,fan_count with the page token: its followers and fans.
        A field the page lacks is left out, not counted as zero; the Graph API gives no count of posts."""
        with self._client() as client:
            answer = _send(
                client,
                "GET",
                f"/{self._version}/{self._page}",
                params={"fields": ",".join(PAGE_FIGURES), "access_token": self._token},
                action=COUNTING_ACCOUNT,
            )
        page = json_answer("Facebook", answer)
        return {name: int(page[field]) for field, name in PAGE_FIGURES.items() if field in page}

    @property
    def _token(self) -> str:
        return self.account_secret("FACEBOOK_PAGE_TOKEN")

    @property
    def _page(self) -> str:
        return str(self.required_option("page_id"))

    @property
    def _version(self) -> str:
        return str(self.options.get("graph_version", GRAPH_VERSION))

    def _client(self) -> Any:
        import httpx

        return httpx.Client(base_url=self.options.get("api", GRAPH), timeout=self.options.get("timeout", 30))


def _unpublished_photo(client: Any, path: str, token: str, picture: Picture) -> str:
    """Upload a photo without a story of its own (published=false), to attach to the post: its id."""
    data = {"published": "false", "alt_text_custom": picture.alt, "access_token": token}
    files = {"source": (picture.filename, picture.data, picture.mime)}
    return _id(_send(client, "POST", path, data=data, files=files))


def _id(response: Any) -> str:
    """The id of what the Graph API made; a yes without one leaves the outcome unknown."""
    made = json_answer("Facebook", response)
    if not isinstance(made, dict) or not made.get("id"):
        raise PublishError(
            f"Facebook answered {response.status_code} without the id of what it made; "
            "the post is looked for before it is sent again",
            retry=True,
            maybe_sent=True,
        )
    return str(made["id"])


def _published(remote_id: str) -> Published:
    return Published(remote_id, f"https://www.facebook.com/{remote_id}")


def _send(client: Any, method: str, path: str, *, action: Action = PUBLISHING, **options: Any) -> Any:
    """One Graph API request; a lost answer may have been posted, a refusal says what to do."""
    return send("Facebook", _check, client, method, path, action=action, **options)


def _check(response: Any, action: Action) -> None:
    """Graph API errors: rate-limit codes and 5xx are retried, the rest fail with what to do."""
    if response.status_code < 400:
        return
    code, message, retry = graph_error(response)
    if retry:
        raise _busy(response, f"{message} (code {code})")
    if code in TOKEN_CODES:
        hint = "get a new page access token"
    elif action is COUNTING_ACCOUNT:
        hint = "check the page id and that the page token has pages_read_engagement"
    elif action not in (PUBLISHING, VERIFYING) and graph_missing(response):
        hint = action.not_found("Facebook")
    else:
        hint = PERMISSIONS[action.kind]
    raise PublishError(f"Facebook refused {action.what}: {message} (code {code}); {hint}", retry=False)


def _busy(response: Any, detail: str) -> PublishError:
    """Too many calls, or Facebook failing: try again after Retry-After or, without one, after the
    page's `estimated_time_to_regain_access` (minutes, X-Business-Use-Case-Usage)."""
    error = busy("Facebook", response, detail)
    if error.retry_after is None:
        error.retry_after = _regain_access(response)
    return error


def _regain_access(response: Any) -> float | None:
    """Seconds until Meta lets the page token's calls through again, from the usage header it sends
    with page-token (Business Use Case) rate limits: {"<object id>": [{"estimated_time_to_regain_access":
    minutes, ...}]}; None when absent or unreadable."""
    try:
        usage = json.loads(response.headers.get("X-Business-Use-Case-Usage") or "{}")
        minutes = max(
            (
                float(limit.get("estimated_time_to_regain_access") or 0)
                for limits in usage.values()
                for limit in limits
            ),
            default=0.0,
        )
    except (ValueError, TypeError, AttributeError):
        return None
    return minutes * 60 or None


@hookimpl
def cmsite_networks() -> list[type[Network]]:
    return [FacebookPage]
