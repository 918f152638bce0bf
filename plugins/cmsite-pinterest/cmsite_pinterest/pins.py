"""What a Pin is made of, and how a Pin on the board is known again: pure functions, no requests.

Create Pin (`POST /v5/pins`, developers.pinterest.com/docs/api/v5/pins-create) takes a JSON body:
`board_id` (digits), `title` (at most 100 characters), `description` (the v5 schema's
`maxLength` is 800; schedulers' guides report 500 for Pinterest's own Pin builder, and issue 21
asks for 500: cmsite holds to the stricter), `link` (at most 2,048), `alt_text`
(at most 500) and a
`media_source`: `{"source_type": "image_url", "url": …}`, which Pinterest fetches, or
`{"source_type": "image_base64", "content_type": "image/jpeg" | "image/png", "data": …}`
(schemas `PinCreate`, `PinMediaSourceImageURL`, `PinMediaSourceImageBase64`).
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from typing import Any

from cmsite.social.media import Picture
from cmsite.social.network import Media, Part

MAX_TITLE = 100
MAX_DESCRIPTION = 500
MAX_LINK = 2048
MAX_ALT = 500
# A Pin made by an earlier try is at most this much older than the try's start as this machine
# saw it: Pinterest's clock and ours may differ a little, never by a day.
CLOCK_SLACK = timedelta(minutes=10)
# Pin analytics (`GET /v5/pins/{pin_id}/analytics`, metric_types) → the shared names of
# POST_METRICS; PIN_CLICK (to the Pin's close-up) and OUTBOUND_CLICK (to the link) are both
# clicks, kept under their own names as well.
METRICS = {
    "IMPRESSION": "views",
    "SAVE": "saves",
    "PIN_CLICK": "pin_clicks",
    "OUTBOUND_CLICK": "outbound_clicks",
}
ANALYTICS_DAYS = 90  # Pinterest gives a Pin's analytics over the last 90 days at most
# GET /v5/user_account → ACCOUNT_METRICS (and its own names for the rest)
ACCOUNT = {
    "follower_count": "followers",
    "following_count": "following",
    "pin_count": "posts",
    "board_count": "boards",
    "monthly_views": "monthly_views",
}


def pin_body(board: str, part: Part, pictures: list[Picture]) -> dict[str, Any]:
    """The Create Pin body for the part: its board, words, link, and its one picture — the bytes
    cmsite prepared when there are some (`upload`), else the address Pinterest fetches it from."""
    post = part.post
    body: dict[str, Any] = {"board_id": board, "description": part.text}
    if post.title:
        body["title"] = post.title
    if part.link:
        body["link"] = part.link
    (media,) = part.media  # `validate` and the publish checks let exactly one through
    if media.alt:
        body["alt_text"] = media.alt
    body["media_source"] = _uploaded(pictures[0]) if pictures else _fetched(media)
    return body


def _fetched(media: Media) -> dict[str, str]:
    return {"source_type": "image_url", "url": str(media.url)}


def _uploaded(picture: Picture) -> dict[str, str]:
    return {
        "source_type": "image_base64",
        "content_type": picture.mime,
        "data": base64.b64encode(picture.data).decode("ascii"),
    }


def comparable(text: str | None) -> str:
    """Words as Pinterest may give them back: spacing aside."""
    return " ".join((text or "").split())


def is_the_pin(found: dict[str, Any], part: Part) -> bool:
    """Whether a Pin of the board is the part an earlier try made: the same link, title and
    description (a repetition of the plan has its own words), made no earlier than that try."""
    post = part.post
    same = (
        comparable(found.get("link")) == comparable(part.link)
        and comparable(found.get("title")) == comparable(post.title)
        and comparable(found.get("description")) == comparable(part.text)
    )
    return same and not _older(found.get("created_at"), part.since)


def _older(created_at: Any, since: datetime | None) -> bool:
    """Made before the earlier try began (clock slack allowed); an unreadable date is not older."""
    if since is None or not created_at:
        return False
    try:
        made = datetime.fromisoformat(str(created_at).replace("Z", "+00:00"))
    except ValueError:
        return False
    made = made if made.tzinfo else made.replace(tzinfo=UTC)  # Pinterest's times are UTC
    return made < since - CLOCK_SLACK


def analytics_window(now: datetime) -> dict[str, str]:
    """The widest range Pin analytics take, ending today (UTC): a Pin's counts since it was made,
    for the Pins `cmsite metrics` counts (the last 30 days by default)."""
    today = now.astimezone(UTC).date()
    return {
        "start_date": (today - timedelta(days=ANALYTICS_DAYS - 1)).isoformat(),
        "end_date": today.isoformat(),
    }


def counts(summary: dict[str, Any]) -> dict[str, int]:
    """Pin analytics' summary as cmsite's names: views, saves, clicks (Pin and outbound clicks
    together), and each kind of click on its own. A metric Pinterest left out stays out."""
    found = {METRICS[name]: int(value) for name, value in summary.items() if name in METRICS}
    clicks = [found[name] for name in ("pin_clicks", "outbound_clicks") if name in found]
    return {**found, **({"clicks": sum(clicks)} if clicks else {})}


def account_counts(account: dict[str, Any]) -> dict[str, int]:
    """The user account's figures under ACCOUNT's names; those Pinterest does not give stay out."""
    return {name: int(account[key]) for key, name in ACCOUNT.items() if isinstance(account.get(key), int)}
