"""Link-preview and search meta: canonical URL, description, Open Graph and Twitter cards."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup, escape

from cmsite.hookspecs import hookimpl
from cmsite.render.i18n import locale_for
from cmsite.render.outputs import Page


@hookimpl(trylast=True)
def cmsite_head_tags(page: Page, site: Any) -> list[Markup]:
    """The canonical URL, the description, and what link previews show (Open Graph, Twitter card)."""
    config = site.config
    item = page.item
    title = page.title or config.title
    description = _shorten((item.summary_text if item else "") or config.description)
    tags = [Markup(f'<link rel="canonical" href="{escape(page.abs_url)}">')]
    if description:
        tags.append(_meta("name", "description", description))
    tags += [_meta("property", key, value) for key, value in _open_graph(page, config, title, description)]
    card = {
        "twitter:card": "summary_large_image" if item and item.image else "summary",
        "twitter:title": title,
    }
    tags += [_meta("name", key, value) for key, value in card.items()]
    return tags


def _open_graph(page: Page, config: Any, title: str, description: str) -> list[tuple[str, str]]:
    """The page's Open Graph properties, in the order they are written."""
    item = page.item
    properties = [
        ("og:type", "article" if item and item.kind == "post" else "website"),
        ("og:site_name", config.title),
        ("og:title", title),
        ("og:url", page.abs_url),
        ("og:locale", str(locale_for(page.lang or config.lang))),
    ]
    if description:
        properties.append(("og:description", description))
    if item:
        properties += _image(item) + _article(item)
    return properties


def _image(item: Any) -> list[tuple[str, str]]:
    """The picture a link preview shows, and its description."""
    if not item.image:
        return []
    return [("og:image", item.image)] + ([("og:image:alt", item.image_alt)] if item.image_alt else [])


def _article(item: Any) -> list[tuple[str, str]]:
    """A dated post's times and tags; pages and undated items have none."""
    if item.kind != "post" or not item.date:
        return []
    times = [("article:published_time", item.date.isoformat())]
    if item.updated:
        times.append(("article:modified_time", item.updated.isoformat()))
    return times + [("article:tag", tag.name) for tag in item.tags]


def _meta(attribute: str, key: str, value: str) -> Markup:
    """`<meta attribute="key" content="value">`, escaped. Not Markup.format: its string.Formatter
    machinery was most of this hook's time, and the hook runs for every page."""
    return Markup(f'<meta {attribute}="{escape(key)}" content="{escape(value)}">')


def _shorten(text: str, limit: int = 200) -> str:
    """Search engines and link previews show about 160 to 200 characters; cut at a word."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0] + "…"
