"""A page for every published item of each collection (`[collections.NAME]` in cmsite.toml),
and the collection's list, paginated like a tag's, when it has a `list_url`."""

from __future__ import annotations

from typing import Any

from cmsite.collections import Collection
from cmsite.content.item import Item
from cmsite.default_plugins.entries import item_page
from cmsite.hookspecs import hookimpl
from cmsite.render.outputs import Page, paginate


@hookimpl(trylast=True)
def cmsite_pages(site: Any) -> list[Page]:
    pages = []
    for name, collection in site.collection_settings.items():
        items = site.collections[name]
        pages += [item_page(item, collection.template, {}) for item in items]
        if collection.list_url is not None:
            pages += _list_pages(site, collection, items)
    return pages


def _list_pages(site: Any, collection: Collection, items: list[Item]) -> list[Page]:
    """`list_template` with `items`, `paginator` and `collection` (the name); `page.kind` is "collection"."""
    lastmod = max((item.last_modified for item in items if item.last_modified), default=None)
    first = site.urls.url(collection.list_url)
    return [
        Page(
            url=url,
            template=collection.list_template,
            kind="collection",
            title=collection.title,
            context={"items": chunk, "paginator": paginator, "collection": collection.name},
            sources=tuple(item.shown for item in chunk),
            lastmod=lastmod,
            sitemap=paginator.number == 1,
        )
        for url, chunk, paginator in paginate(items, site.config.posts_per_page, first, site.urls.paginated)
    ]
