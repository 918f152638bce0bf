"""The plan as an iCalendar file (RFC 5545, written with `icalendar`): one event per blog post
and social post, for calendar apps to import or subscribe to.

An event's UID is made of what never changes for it — the queue entry's id (its post's URL,
network, account and plan number) or the blog post's source file — and the site's host: the
same plan has the same UID on every machine and after its text is edited, so an app reading
the file again updates the event instead of adding a second one. Times are in UTC (`…Z`);
the site's zone is named (X-WR-TIMEZONE, and a VTIMEZONE) for apps that show it.

LAST-MODIFIED, DTSTAMP and SEQUENCE say when the event last changed: its file's modification
time (and cmsite.toml's for a social post: `[[social.defaults]]` are written there), its
publication, its approval. Never the time the file is made: the same plan makes the same file,
which a build then leaves alone. SEQUENCE is that moment in seconds since 2020, so it only
grows as the plan is edited.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from cmsite import __version__
from cmsite.calendar.model import POST, CalendarEntry, Status
from cmsite.config import CONFIG_NAME
from cmsite.digests import digest

if TYPE_CHECKING:
    from icalendar import Calendar, Event

    from cmsite.site import Site

SEQUENCE_EPOCH = datetime(2020, 1, 1, tzinfo=UTC)
REFRESH = timedelta(hours=1)  # how often a subscribed app should read the file again
# What calendar apps understand of each status; the status itself is among the CATEGORIES.
_ICS_STATUS = {
    Status.PLANNED: "TENTATIVE",
    Status.WAITING: "TENTATIVE",
    Status.AWAITING_APPROVAL: "TENTATIVE",
    Status.DRAFT: "TENTATIVE",
    Status.FAILED: "TENTATIVE",  # not out yet: a person retries it or gives up
    Status.EXPIRED: "TENTATIVE",
    Status.QUEUED: "CONFIRMED",
    Status.APPROVED: "CONFIRMED",
    Status.FUTURE: "CONFIRMED",
    Status.PUBLISHED: "CONFIRMED",
    Status.CANCELLED: "CANCELLED",
}


def ics_bytes(site: Site, entries: Iterable[CalendarEntry], name: str) -> bytes:
    """The iCalendar file of these entries, called `name` in calendar apps."""
    from icalendar import Calendar

    entries = list(entries)
    calendar = Calendar()
    calendar.add("prodid", f"-//cmsite//cmsite {__version__}//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("name", name)
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", site.config.timezone)
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    _add_zone(calendar, site, entries)
    stamps = _Stamps(site)
    host = urlsplit(site.config.url).hostname or "cmsite"
    for entry in entries:
        calendar.add_component(_event(entry, host, stamps.modified(entry)))
    return calendar.to_ical()


def uid(entry: CalendarEntry, host: str) -> str:
    """The event's UID: the same for the same plan on every machine, whatever its text says."""
    if entry.kind == POST:
        return f"post-{digest(entry.id)[:16]}@{host}"
    return f"social-{entry.id}@{host}"


def summary(entry: CalendarEntry) -> str:
    """`Mastodon: first words…` for a social post (with its account when not the default one);
    the title for a blog post."""
    if entry.kind == POST:
        return entry.title
    who = entry.network_label if entry.account == "default" else f"{entry.network_label} ({entry.account})"
    return f"{who}: {entry.words}"


def _event(entry: CalendarEntry, host: str, modified: datetime) -> Event:
    from icalendar import Event

    event = Event()
    event.add("uid", uid(entry, host))
    event.add("dtstamp", modified)
    event.add("last-modified", modified)
    event.add("sequence", int((modified - SEQUENCE_EPOCH).total_seconds()))
    event.add("dtstart", entry.at)
    event.add("summary", summary(entry))
    event.add("description", "\n\n".join(entry.texts))  # a thread's posts, one after the other
    event.add("status", _ICS_STATUS[entry.status])
    event.add("categories", [entry.network_label or "blog", str(entry.status)])
    if url := entry.remote_url or entry.link:
        event.add("url", url)
    if entry.reason:
        event.add("comment", entry.reason)
    return event


def _add_zone(calendar: Calendar, site: Site, entries: list[CalendarEntry]) -> None:
    """The site's zone, with its rules over the years the entries fall in."""
    from icalendar import Timezone

    years = [entry.day.year for entry in entries] or [site.now.year]
    first, last = date(min(years), 1, 1), date(max(years) + 1, 1, 1)
    calendar.add_component(Timezone.from_tzinfo(site.config.tz, site.config.timezone, first, last))


class _Stamps:
    """When each entry last changed, from its files' modification times (read once each)."""

    def __init__(self, site: Site):
        self.root = site.root
        self.seen: dict[Path, datetime | None] = {}

    def modified(self, entry: CalendarEntry) -> datetime:
        files = [entry.source] if entry.kind == POST else [entry.source, CONFIG_NAME]
        moments = [self._mtime(self.root / name) for name in files]
        moments += [entry.published_at, entry.approval.at if entry.approval else None]
        return max((moment for moment in moments if moment), default=SEQUENCE_EPOCH).replace(microsecond=0)

    def _mtime(self, path: Path) -> datetime | None:
        if path not in self.seen:
            try:
                self.seen[path] = datetime.fromtimestamp(path.stat().st_mtime, UTC)
            except OSError:  # a plan whose file is gone: its entry is cancelled
                self.seen[path] = None
        return self.seen[path]
