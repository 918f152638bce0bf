"""Tag and category pages (paginated) and the index of all tags and categories."""

from __future__ import annotations

from typing import Any

from cmsite.content.grouping import by_term
from cmsite.hookspecs import hookimpl
from cmsite.render.outputs import Page, paginate
from cmsite.urls import TAGS_INDEX_URL


@hookimpl(trylast=True)
def cmsite_pages(site: Any) -> list[Page]:
    pages = []
    listings = {}
    for attr, kind in (("tags", "tag"), ("category", "category")):
        groups = by_term(site.posts, attr)
        listings[attr] = [
            {"name": t.name, "slug": t.slug, "url": t.url, "count": len(posts)} for t, posts in groups.items()
        ]
        for term, posts in groups.items():
            lastmod = max(p.last_modified for p in posts)  # of the whole term, on each of its pages
            for url, items, paginator in paginate(
                posts, site.config.posts_per_page, term.url, site.urls.paginated
            ):
                pages.append(
                    Page(
                        url=url,
                        template="list.html",
                        kind=kind,
                        title=term.name,
                        context={"items": items, "paginator": paginator, "term": term},
                        sources=tuple(p.shown for p in items),
                        lastmod=lastmod,
                        sitemap=paginator.number == 1,
                    )
                )
    if listings["tags"] or listings["category"]:
        pages.append(
            Page(
                url=site.urls.url(TAGS_INDEX_URL),
                template="tags.html",
                kind="tags",
                context={"terms": listings["tags"], "categories": listings["category"]},
            )
        )
    return pages
