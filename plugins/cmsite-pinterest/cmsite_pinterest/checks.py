"""What `cmsite check` (through `Pinterest.validate`) and a send say about a Pin before it goes out.

Each field of a Pin has its own limit (pins.py), counted in code points as the v5 schema's
`maxLength` counts them; the writer is told which field is over, by how much, and what to change.
"""

from __future__ import annotations

from collections.abc import Callable

from cmsite.social.network import Media, SocialPost
from cmsite_pinterest import pins

NO_PICTURE = "a Pin is a picture: add `media:` with one picture (and its `alt:`) to this plan"


def pin_problems(post: SocialPost) -> list[str]:
    """Every problem of the Pin's words and picture, all at once, as `cmsite check` sees them.

    A `[site] url` nobody can reach (example.org, localhost) is left to the site-wide rule
    (cmsite/social/site_url.py): an error once the account is connected, a warning before, so
    that the sample site and a site tried out before its accounts are set up still pass."""
    return text_problems(post) + picture_problems(post, fetched=True, reachable=lambda url: True)


def text_problems(post: SocialPost) -> list[str]:
    """The description (one, never a thread), the title and the link, each against its limit."""
    problems = []
    if len(post.texts) > 1:
        problems.append("Pinterest has no threads (a Pin has one description); remove `thread: true`")
    for text in post.texts[:1]:
        problems += _over("description", len(text), pins.MAX_DESCRIPTION, "shorten the text")
    problems += _over("title", len(post.title), pins.MAX_TITLE, "shorten the post's title")
    problems += _over("link", len(post.link or ""), pins.MAX_LINK, "use a shorter address")
    return problems


def picture_problems(
    post: SocialPost,
    *,
    fetched: bool,
    reachable: Callable[[str], bool] | None = None,
) -> list[str]:
    """No picture, or more than one; for a picture Pinterest fetches, one the built site does not
    publish, or one at an address Pinterest could not reach (as `reachable` judges it)."""
    if not post.media:
        return [NO_PICTURE]
    if len(post.media) > 1:
        return [f"{len(post.media)} pictures, and a Pin has one; keep one in `media:`"]
    if not fetched:
        return []
    return [problem for item in post.media if (problem := unreachable(item, reachable or _public))]


def _over(field: str, length: int, limit: int, fix: str) -> list[str]:
    if length <= limit:
        return []
    return [f"the Pin's {field} is {length} characters, over Pinterest's limit of {limit}; {fix}"]


def unreachable(item: Media, reachable: Callable[[str], bool]) -> str | None:
    """Why Pinterest could never fetch the picture from the deployed site (None if it can)."""
    if not item.url:
        return (
            f"{item.path} has no public address, and Pinterest fetches the picture from the deployed site: "
            "use a file of the content folder, and set [site] url (or `upload = true` for this account)"
        )
    if not reachable(item.url):
        from cmsite.social.site_url import placeholder

        return (
            f"{item.path} would be fetched from {item.url}, which Pinterest cannot reach "
            f"({placeholder(item.url)}); set [site] url to the address the site is deployed at"
        )
    return None


def _public(url: str) -> bool:
    """Whether the internet can reach `url` (imported here: slow to import, and seldom needed)."""
    from cmsite.social.site_url import placeholder

    return placeholder(url) is None
