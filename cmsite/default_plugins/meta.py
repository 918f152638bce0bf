"""Link-preview and search meta: canonical URL, description, Open Graph and Twitter cards."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup, escape

from cmsite.default_plugins.cards import card_url
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
    picture = _picture(item, site) if item else []
    properties = _open_graph(page, config, title, description) + picture + _article(item)
    tags += [_meta("property", key, value) for key, value in properties]
    shown = dict(picture)
    card = {
        "twitter:card": "summary_large_image" if picture else "summary",
        "twitter:title": title,
        "twitter:image": shown.get("og:image", ""),
        "twitter:image:alt": shown.get("og:image:alt", ""),
    }
    card = {key: value for key, value in card.items() if value}
    tags += [_meta("name", key, value) for key, value in card.items()]
    return tags


def _open_graph(page: Page, config: Any, title: str, description: str) -> list[tuple[str, str]]:
    """The page's Open Graph properties but its picture and article's, in the order they are written."""
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
    return properties


def _picture(item: Any, site: Any) -> list[tuple[str, str]]:
    """The picture a link preview shows, and its description: the item's own, or its card
    (cmsite.default_plugins.cards), whose size is known before a network fetches it."""
    if item.image:
        return [("og:image", item.image)] + ([("og:image:alt", item.image_alt)] if item.image_alt else [])
    card = card_url(site, item)
    if card is None:
        return []
    from cmsite.render.cards import SIZE  # Pillow, imported by builds only

    width, height = SIZE
    return [
        ("og:image", site.urls.absolute(card)),
        ("og:image:type", "image/png"),
        ("og:image:width", str(width)),
        ("og:image:height", str(height)),
        ("og:image:alt", item.title),
    ]


def _article(item: Any) -> list[tuple[str, str]]:
    """A dated post's times and tags; pages and undated items have none."""
    if item is None or item.kind != "post" or not item.date:
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
