"""The planned posts that the paths given to `cmsite preview PATH…` name.

A path is a post, a page, a file of a collection or a standalone social post
(`content/social/*.md`), or a folder of the content holding some; anything else is an
error naming it, so that a typo never reads as "nothing planned".
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from cmsite.errors import ContentError, ContentErrors, display_path
from cmsite.social.planner import SOCIAL_FOLDER, PlannedPost

if TYPE_CHECKING:
    from cmsite.site import Site


def planned_in(
    site: Site, posts: list[PlannedPost], paths: Sequence[Path]
) -> tuple[list[PlannedPost], list[Path]]:
    """The posts planned in these files or folders (named however: relative to the current
    folder, absolute, through a link), in their order, and the paths that plan none.

    ContentErrors names every path that does not exist or is not content of the site.
    """
    targets: dict[Path, Path] = {}
    errors = []
    for path in paths:
        target, problem = _content(site, Path.cwd() / path)
        if problem:
            errors.append(ContentError(str(path), None, problem))
        targets[path] = target
    if errors:
        raise ContentErrors(errors)
    where = {post.source: (site.root / post.source).resolve() for post in posts}

    def named(post: PlannedPost, target: Path) -> bool:
        return where[post.source].is_relative_to(target)

    chosen = [post for post in posts if any(named(post, target) for target in targets.values())]
    empty = [path for path, target in targets.items() if not any(named(post, target) for post in chosen)]
    return chosen, empty


def _content(site: Site, path: Path) -> tuple[Path, str | None]:
    """The file or folder a path names, resolved, and what is wrong with it (None: content)."""
    content = site.config.content_dir.resolve()
    shown = display_path(content, site.root)
    if not path.exists():
        return path, f"no such file or folder; give a post, page or social post under {shown}/"
    real = path.resolve()
    if real.is_dir() and real.is_relative_to(content):
        return real, None
    read = {item.source.resolve() for item in site.items}
    if real in read or (real.parent == content / SOCIAL_FOLDER and real.suffix == ".md"):
        return real, None
    return real, f"not a post, page or social post of this site (cmsite reads those under {shown}/)"
