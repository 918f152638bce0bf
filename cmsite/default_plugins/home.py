"""The home page: the newest posts, paginated."""

from __future__ import annotations

from typing import Any

from cmsite.hookspecs import hookimpl
from cmsite.render.outputs import Page, paginate


@hookimpl(trylast=True)
def cmsite_pages(site: Any) -> list[Page]:
    home = site.urls.url("/")
    return [
        Page(
            url=url,
            template="list.html",
            kind="index",
            context={"items": items, "paginator": paginator},
            lastmod=items[0].last_modified if items else None,
            sitemap=paginator.number == 1,
        )
        for url, items, paginator in paginate(
            site.posts, site.config.posts_per_page, home, site.urls.paginated
        )
    ]
