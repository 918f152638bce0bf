"""Whether Instagram can fetch and take a plan's pictures, said before anything is sent.

Instagram cURLs each picture "so the media must be hosted on a publicly accessible server at the
time of the attempt" (content publishing guide): cmsite gives it the file's address on the
deployed site, which a picture outside the content folder or a `[site] url` such as localhost
does not have.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cmsite.social.network import Media

if TYPE_CHECKING:
    from cmsite.social.planner import PlannedPost


def unpublished(item: Media) -> str | None:
    """Why the site gives the picture no address at all (None if it does)."""
    if item.url:
        return None
    return (
        f"{item.path} has no public address, and Instagram fetches each picture from the deployed site: "
        "the picture must be a file of the content folder, and the site needs its [site] url"
    )


def unreachable(item: Media) -> str | None:
    """Why Instagram could never fetch the picture from the site (None if it can): no address, or
    a placeholder one. `cmsite check` leaves the placeholder to cmsite's own `[site] url` check, a
    warning until an account is connected (cmsite/social/site_url.py); a send refuses it here."""
    if problem := unpublished(item):
        return problem
    from cmsite.social.site_url import placeholder

    if what := placeholder(str(item.url)):
        return (
            f"{item.path} would be fetched from {item.url}, which Instagram cannot reach ({what}); "
            "set [site] url to the address the site is deployed at"
        )
    return None


def hint(pictures: list[Media]) -> str:
    """What to look at when Instagram could not prepare a container."""
    where = ", ".join(str(p.url) for p in pictures)
    return (
        f"check that the site is deployed and that {where} opens, a JPEG from 4:5 to 1.91:1 "
        "(Instagram fetches the pictures there)"
    )


def check_pictures(post: PlannedPost, site: Any) -> None:
    """Add an error at the plan's line for each picture of `post` that Instagram would refuse. A
    picture that is missing, outside the site or not a JPEG by name is left to cmsite's own checks."""
    from cmsite.errors import ContentError
    from cmsite.social.media import OutsideSite, media_file
    from cmsite_instagram.pictures import picture_problem

    for item in post.media:
        try:
            path = media_file(site, item.path)
        except OutsideSite:
            continue
        jpeg = path.suffix.lower() in (".jpg", ".jpeg") and path.is_file()
        if jpeg and (problem := picture_problem(path, item.path)):
            post.errors.append(ContentError(post.source, post.line, problem))
