"""The month as one self-contained web page: a grid for wide screens and paper, an agenda for phones.

The page is the theme's `calendar/month.html` (a site overrides it in its own `templates/`, like
any theme template; a theme without one borrows the default theme's), rendered with the build's
Jinja environment, so its labels come from the theme's catalogue and its dates from Babel, in
the site's language and zone. It needs no JavaScript and no other file: its stylesheet is inside,
so the same page is served by `cmsite serve` at `/_cmsite/calendar/` (from memory, never into
the output folder) and written by `cmsite calendar -o` for a client.
"""

from __future__ import annotations

import calendar
import zlib
from dataclasses import dataclass
from datetime import date, tzinfo
from typing import TYPE_CHECKING, Any

from babel import dates

from cmsite.calendar.model import POST, CalendarEntry, Month, month_entries, month_of
from cmsite.errors import ContentError, ContentErrors
from cmsite.render.i18n import DateFormatter, locale_for
from cmsite.render.outputs import Page
from cmsite.render.templates import render_page, standalone_environment

if TYPE_CHECKING:
    from babel import Locale

    from cmsite.site import Site

TEMPLATE = "calendar/month.html"
SERVED_AT = "/_cmsite/calendar/"  # `cmsite serve` only: no built site has this path

# One colour per network, each at least 3:1 against white (a border that carries meaning) and
# always beside the network's name; networks not listed take one of OTHER_COLOURS by name.
NETWORK_COLOURS = {
    "mastodon": "#6d28d9",
    "bluesky": "#0369a1",
    "x": "#18181b",
    "linkedin": "#1e40af",
    "facebook": "#b45309",
    "threads": "#be185d",
    "webhooks": "#15803d",
    "discord": "#4f46e5",
}
OTHER_COLOURS = ("#0f766e", "#a16207", "#9333ea", "#4d7c0f", "#c2410c", "#0e7490")
POST_COLOUR = "#57534e"  # the blog's own posts


def served_url(month: Month) -> str:
    """Where `cmsite serve` shows this month."""
    return f"{SERVED_AT}{month}/"


def render_month(
    site: Site,
    month: Month | str | None = None,
    *,
    entries: list[CalendarEntry] | None = None,
    browse: bool = True,
) -> str:
    """The month's page (None: the site's current month), of `entries` if the caller has them
    already. `browse` links the months before and after, as `cmsite serve` shows them; a page
    written for a client stands alone. The site's content must be loaded. ValueError for a month
    that is not one; ContentErrors (`template:line: what`) for a template that does not render."""
    shown = month_of(site, month)
    context = month_context(site, shown, month_entries(site, shown) if entries is None else entries)
    if browse:
        locale = locale_for(site.config.lang)
        context["previous"] = _month_link(shown.previous(), locale)
        context["next"] = _month_link(shown.next(), locale)
    page = Page(url=served_url(shown), template=TEMPLATE, kind="calendar", sitemap=False)
    made = render_page(standalone_environment(site), page, context, site.root)
    if isinstance(made, ContentError):
        raise ContentErrors([made])
    return made.decode("utf-8")


@dataclass(frozen=True)
class Shown:
    """A calendar entry with what the page says about it in the site's language and zone."""

    entry: CalendarEntry
    anchor: str  # the agenda item's id, which the grid links to
    time: str
    iso: str
    label: str  # the network's name, or "" for a blog post (the template names it)
    colour: str


def month_context(site: Site, month: Month, entries: list[CalendarEntry]) -> dict[str, Any]:
    """What `calendar/month.html` is given."""
    config = site.config
    locale, tz = locale_for(config.lang), config.tz
    shown = [_shown(entry, number, locale, tz) for number, entry in enumerate(entries, 1)]
    by_day: dict[date, list[Shown]] = {}
    for item in shown:  # in time order, so the agenda's days are too
        by_day.setdefault(item.entry.day, []).append(item)
    today = site.now.astimezone(tz).date()
    return {
        "lang": config.lang,
        "site_title": config.title,
        "zone": config.timezone,
        "month": month,
        "month_name": _month_name(month, locale),
        "as_of": DateFormatter(config.lang, tz).datetime(site.now),
        "weekdays": _weekdays(locale),
        "weeks": _weeks(month, by_day, locale, today),
        "agenda": [_day(day, found, locale, today) for day, found in by_day.items()],
        "networks": _legend(shown),
        "statuses": list(dict.fromkeys(s.entry.status.value for s in shown)),
        "previous": None,
        "next": None,
    }


def network_colour(network: str) -> str:
    """A network's colour, the same on every page and every site."""
    return NETWORK_COLOURS.get(network) or OTHER_COLOURS[zlib.crc32(network.encode()) % len(OTHER_COLOURS)]


def _shown(entry: CalendarEntry, number: int, locale: Locale, tz: tzinfo) -> Shown:
    local = entry.local(tz)
    is_post = entry.kind == POST
    return Shown(
        entry=entry,
        anchor=f"entry-{number}",
        time=dates.format_time(local, format="short", locale=locale),
        iso=local.isoformat(),
        label="" if is_post else entry.network_label,
        colour=POST_COLOUR if is_post else network_colour(entry.network),
    )


def _legend(shown: list[Shown]) -> list[tuple[str, str]]:
    """(label, colour) of each network of the month, by name; the blog's posts first ("")."""
    found = {(s.label, s.colour) for s in shown}
    return sorted(found, key=lambda pair: (pair[0] != "", pair[0].casefold()))


def _month_name(month: Month, locale: Locale) -> str:
    """`November 2026`, `novembre 2026`."""
    return dates.format_skeleton("yMMMM", month.first, locale=locale)


def _month_link(month: Month, locale: Locale) -> dict[str, str]:
    return {"url": served_url(month), "name": _month_name(month, locale)}


def _weekdays(locale: Locale) -> list[dict[str, str]]:
    """The days of the week from the locale's first (Monday in France, Sunday in the US)."""
    names = locale.days["format"]
    order = [(locale.first_week_day + shift) % 7 for shift in range(7)]
    return [{"short": names["abbreviated"][day], "long": names["wide"][day]} for day in order]


def _weeks(
    month: Month, by_day: dict[date, list[Shown]], locale: Locale, today: date
) -> list[list[dict[str, Any] | None]]:
    """The grid's rows: whole weeks; days of the months around it are blank cells (None)."""
    weeks = calendar.Calendar(locale.first_week_day).monthdatescalendar(month.year, month.month)
    return [
        [_day(day, by_day.get(day, []), locale, today) if day in month else None for day in week]
        for week in weeks
    ]


def _day(day: date, entries: list[Shown], locale: Locale, today: date) -> dict[str, Any]:
    return {
        "date": day,
        "iso": day.isoformat(),
        "number": day.day,
        "name": dates.format_date(day, format="full", locale=locale),
        "today": day == today,
        "entries": entries,
    }
