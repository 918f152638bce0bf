"""RSS 2.0 and Atom feeds, made with feedgen: the whole site, each tag, each category."""

from __future__ import annotations

import functools
import re
from typing import Any

from markupsafe import Markup, escape

from cmsite import __version__
from cmsite.content.grouping import by_term
from cmsite.content.item import Item, Term
from cmsite.digests import Fingerprinter
from cmsite.hookspecs import hookimpl
from cmsite.render.outputs import File, Page

# The feeds list the site's feeds again from the items they are given, and each feed file
# names its posts in `sources`: a quick rebuild may call cmsite_items_collected again.
quick_rebuild_safe = True
FORMATS = {"atom": "application/atom+xml", "rss": "application/rss+xml"}
_RELATIVE_LINK = re.compile(r"""(\s(?:href|src))="(/(?!/)|#)""")


def feed_url(site: Any, fmt: str, term_kind: str | None = None, term: Term | None = None) -> str:
    scope = f"/{term_kind}/{term.slug}" if term else ""
    return site.urls.url(f"/feeds{scope}/{fmt}.xml")


@hookimpl(trylast=True)
def cmsite_items_collected(site: Any) -> None:
    site.feeds.extend(
        {
            "title": fmt.upper() if fmt == "rss" else "Atom",
            "url": feed_url(site, fmt),
            "type": media,
        }
        for fmt, media in FORMATS.items()
    )


@hookimpl(trylast=True)
def cmsite_files(site: Any, pages: list[Page]) -> list[File]:
    files = []
    fingerprint_of = Fingerprinter()  # a post is in several feeds: its token is made once
    scopes: list[tuple[str | None, Term | None, list[Item]]] = [(None, None, site.posts)]
    for attr, kind in (("tags", "tag"), ("category", "category")):
        scopes += [(kind, term, posts) for term, posts in by_term(site.posts, attr).items()]
    for kind, term, posts in scopes:
        latest = posts[: site.config.feed_items]
        for fmt in FORMATS:
            url = feed_url(site, fmt, kind, term)
            files.append(
                File(
                    url,
                    render=functools.partial(_feed, site, fmt, url, term, latest),
                    fingerprint=fingerprint_of(site.build_key, fmt, url, term, latest),
                    sources=tuple(p.shown for p in latest),
                    kind="feed",
                )
            )
    return files


@hookimpl(trylast=True)
def cmsite_head_tags(page: Page, site: Any) -> list[Markup]:
    links = [(f"{site.config.title} — {feed['title']}", feed["url"], feed["type"]) for feed in site.feeds]
    term = page.context.get("term")
    if term is not None and page.kind in ("tag", "category"):
        links += [
            (f"{site.config.title} — {term.name} ({fmt.upper() if fmt == 'rss' else 'Atom'})",
             feed_url(site, fmt, page.kind, term), media)
            for fmt, media in FORMATS.items()
        ]  # fmt: skip
    return [  # escaped by hand: Markup.format goes through string.Formatter, slow on every page
        Markup(f'<link rel="alternate" type="{escape(media)}" title="{escape(title)}" href="{escape(url)}">')
        for title, url, media in links
    ]


def _feed(site: Any, fmt: str, url: str, term: Term | None, posts: list[Item]) -> bytes:
    from feedgen.feed import FeedGenerator  # with lxml: for the builds that write feeds, not every command

    config = site.config
    home = site.urls.absolute(term.url if term else site.urls.url("/"))
    generator = FeedGenerator()
    generator.load_extension("dc")
    generator.id(home)
    generator.title(f"{config.title} — {term.name}" if term else config.title)
    generator.subtitle(config.description or config.title)
    generator.language(config.lang)
    generator.author({"name": config.author or config.title})
    generator.generator("cmsite", __version__)
    generator.link(href=site.urls.absolute(url), rel="self")
    generator.link(href=home, rel="alternate")
    newest = max((p.last_modified for p in posts if p.last_modified), default=site.now)
    generator.updated(newest)
    generator.lastBuildDate(newest)
    for post in reversed(posts):  # feedgen prepends: add oldest first so the newest comes first
        _entry(site, generator.add_entry(), post, fmt)
    return generator.atom_str(pretty=True) if fmt == "atom" else generator.rss_str(pretty=True)


def _entry(site: Any, entry: Any, post: Item, fmt: str) -> None:
    content = absolute_links(post.content, post.abs_url, site.urls.origin)
    entry.id(post.abs_url)
    entry.guid(post.abs_url, permalink=True)
    entry.title(post.title)
    entry.link(href=post.abs_url)
    entry.published(post.date)
    entry.updated(post.last_modified)
    for name in post.authors or [site.config.author or site.config.title]:
        if fmt == "atom":
            entry.author({"name": name})
        else:
            entry.dc.dc_creator(name)
    for term in [*post.tags, *([post.category] if post.category else [])]:
        entry.category(term=term.name, label=term.name)
    summary = absolute_links(post.summary, post.abs_url, site.urls.origin)
    if fmt == "atom":
        entry.summary(summary, type="html")
    else:
        entry.description(summary)
    entry.content(content, type="html" if fmt == "atom" else "CDATA")
    site.pm.hook.cmsite_feed_entry(entry=entry, item=post, site=site)


@functools.lru_cache(maxsize=64)  # each feed comes in RSS and Atom, made one after the other
def absolute_links(html: str, page_url: str, origin: str) -> str:
    """Feed readers have no page to resolve `/images/x.png` or `#fn:1` against: make them absolute."""
    return _RELATIVE_LINK.sub(
        lambda m: f'{m.group(1)}="{origin + "/" if m.group(2) == "/" else page_url + "#"}',
        str(html),
    )
