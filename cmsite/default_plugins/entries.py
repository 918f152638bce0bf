"""A page for every published post and page."""

from __future__ import annotations

from typing import Any

from cmsite.hookspecs import hookimpl
from cmsite.render.outputs import Page


@hookimpl(trylast=True)
def cmsite_pages(site: Any) -> list[Page]:
    pages = []
    posts = site.posts  # newest first
    for index, post in enumerate(posts):
        neighbours = {
            "next": posts[index - 1] if index > 0 else None,
            "previous": posts[index + 1] if index + 1 < len(posts) else None,
        }
        pages.append(item_page(post, "post.html", neighbours))
    pages += [item_page(item, "page.html", {}) for item in site.pages]
    return pages


def item_page(item: Any, template: str, context: dict[str, Any]) -> Page:
    """The page of one item (a post, a page, an item of a collection), at its own URL."""
    return Page(
        url=item.url,
        template=template,
        kind=item.kind,
        title=item.title,
        lang=item.lang,
        context=context,
        item=item,
        sources=(item.shown,),
        lastmod=item.last_modified,
    )
