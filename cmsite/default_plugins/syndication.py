"""Where each post was published on social networks: "Also on …" links and feed links.

Reads the publishing queue (never writes it; the SQLite file, or a team's PostgreSQL store) and gives every post `item.meta["syndication"]`,
a list of {network, url}, which the theme shows with microformats2 `u-syndication` and the
feeds add to the end of each entry's content. A page shows a new link on the next build after publishing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from markupsafe import Markup

from cmsite.hookspecs import hookimpl
from cmsite.messages import load_translations

# Each item's links come from the queue alone: a quick rebuild may call cmsite_items_collected again.
quick_rebuild_safe = True


@hookimpl(trylast=True)
def cmsite_items_collected(site: Any) -> None:
    published = _published(site)
    for item in site.items:
        copies = published.get(item.shown)
        if copies:
            item.meta["syndication"] = copies
        else:
            item.meta.pop("syndication", None)


@hookimpl(trylast=True)
def cmsite_feed_entry(entry: Any, item: Any, site: Any) -> None:
    """Feed readers get the links at the end of the entry's content ("Also on …", translated)."""
    copies = item.meta.get("syndication")
    current = entry.content()
    if not copies or not current:
        return
    label = load_translations(site.theme_dir, site.config.lang).gettext("Also on")
    links = Markup(", ").join(Markup('<a href="{}">{}</a>').format(c["url"], c["network"]) for c in copies)
    entry.content(
        current["content"] + Markup('<p class="syndication">{}: {}</p>').format(label, links),
        type=current.get("type"),
    )


@hookimpl(trylast=True)
def cmsite_watch_paths(site: Any) -> list[Path]:
    """A publish changes what posts show: the file touched when one is published or deleted is
    an input (not the database, which every sync writes: a build after it would look at every
    page again). With a server's queue, the server is asked whether its published links changed."""
    from cmsite.queue.location import published_stamp_of

    return [published_stamp_of(site)]


def _published(site: Any) -> dict[str, list[dict[str, str]]]:
    """Each post's copies on the networks, with each network's label ("Mastodon")."""
    from cmsite.queue.location import published_links

    labels = {name: network.label for name, network in site.networks.items()}
    return {
        source: [{"network": labels.get(network, network), "url": url} for network, url in copies]
        for source, copies in published_links(site).items()
    }
