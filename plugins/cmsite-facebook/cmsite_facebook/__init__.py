"""cmsite plugin: Facebook pages through the Graph API, with httpx (imported when sending)."""

from __future__ import annotations

import json
from typing import Any, ClassVar

from cmsite.hookspecs import hookimpl
from cmsite.social.http import graph_error, no_answer
from cmsite.social.media import Picture
from cmsite.social.network import Network, Published, PublishError, SocialPost

GRAPH = "https://graph.facebook.com"
TOKEN_CODES = {190}


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
        import httpx

        token = self.account_secret("FACEBOOK", "PAGE_TOKEN")
        page = self.required_option("page_id", '"1234567890"')
        version = self.options.get("graph_version", "v21.0")
        pictures = self.pictures(post)
        first = None
        with httpx.Client(
            base_url=self.options.get("api", GRAPH), timeout=self.options.get("timeout", 30)
        ) as client:
            photos = [_unpublished_photo(client, f"/{version}/{page}/photos", token, p) for p in pictures]
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
                remote = str(_send(client, f"/{version}/{page}/feed", data=data).json()["id"])
                first = first or Published(remote, f"https://www.facebook.com/{remote}")
        assert first is not None
        return first

    def find(self, post: SocialPost, idempotency_key: str) -> Published | None:
        return _find(self, post)


def _unpublished_photo(client: Any, path: str, token: str, picture: Picture) -> str:
    """Upload a photo without a story of its own (published=false), to attach to the post: its id."""
    data = {"published": "false", "alt_text_custom": picture.alt, "access_token": token}
    files = {"source": (picture.filename, picture.data, picture.mime)}
    return str(_send(client, path, data=data, files=files).json()["id"])


def _send(client: Any, path: str, **options: Any) -> Any:
    """One POST to the Graph API; a lost answer may have been posted, a refusal says what to do."""
    import httpx

    try:
        response = client.post(path, **options)
    except httpx.TransportError as exc:
        raise no_answer("Facebook", exc) from None
    _check(response)
    return response


def _find(network: FacebookPage, post: SocialPost) -> Published | None:
    """The page's recent posts, looked through for this text (after a send whose outcome is unknown)."""
    import httpx

    token = network.account_secret("FACEBOOK", "PAGE_TOKEN")
    page, version = (
        network.required_option("page_id", '"1234567890"'),
        network.options.get("graph_version", "v21.0"),
    )
    with httpx.Client(
        base_url=network.options.get("api", GRAPH), timeout=network.options.get("timeout", 30)
    ) as client:
        try:
            response = client.get(
                f"/{version}/{page}/feed", params={"fields": "id,message", "limit": 25, "access_token": token}
            )
        except httpx.TransportError as exc:
            raise no_answer("Facebook", exc) from None
        _check(response)
    for found in response.json().get("data", []):
        if found.get("message") == post.texts[0]:
            return Published(str(found["id"]), f"https://www.facebook.com/{found['id']}")
    return None


def _check(response: Any) -> None:
    """Graph API errors: rate-limit codes and 5xx are retried, the rest fail with what to do."""
    if response.status_code < 400:
        return
    code, message, retry = graph_error(response)
    if retry:
        raise PublishError(f"Facebook: {message} (code {code})", retry=True)
    hint = (
        "get a new page access token"
        if code in TOKEN_CODES
        else "check the page id and the token's permissions"
    )
    raise PublishError(f"Facebook refused the post: {message} (code {code}); {hint}", retry=False)


@hookimpl
def cmsite_networks() -> list[type[Network]]:
    return [FacebookPage]
