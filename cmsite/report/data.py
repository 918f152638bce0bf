"""What a month's report is made from, gathered once and written beside it as JSON.

`gather` reads the site (blog posts and their words), the queue (what was sent, failed or
cancelled) and the metric snapshots taken before the month ended, for the month and the one
before (each figure is compared with it), and asks plugins for their sections. Everything
after that is a function of this data alone, so `cmsite report MONTH --from FILE` makes the
same HTML, CSV and JSON again, byte for byte, from a file committed with the report.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from cmsite.calendar.model import Month
from cmsite.queue.store import Entry, Snapshot, Status, Store

if TYPE_CHECKING:
    from cmsite.site import Site

FORMAT = 1  # the data file's layout; a later cmsite reads older files, or says it cannot
SENT = (Status.PUBLISHED, Status.DELETED)
# How far before the previous month an account's last count is looked for, as its start value:
# collected daily, it is hours old; not collected for longer, the month's first count is used.
LOOKBACK = timedelta(days=31)


class DataError(ValueError):
    """A data file that is not one (`--from`): what is wrong with it."""


@dataclass(frozen=True)
class BlogPost:
    """A post of the blog published in one of the two months."""

    source: str
    title: str
    url: str
    published: str  # ISO time, UTC
    words: int

    @property
    def when(self) -> datetime:
        return datetime.fromisoformat(self.published)


@dataclass(frozen=True)
class SocialPost:
    """A queue entry of one of the two months: sent, failed, cancelled or waiting."""

    id: str
    network: str
    label: str  # the network's name for people; the plugin may be gone when the report is made again
    account: str
    source: str
    link: str | None
    text: str  # the first post of a thread
    status: str
    at: str  # planned for (ISO, UTC)
    published: str | None
    url: str | None
    attempts: int
    error: str | None
    cancelled_by: str | None

    @property
    def when(self) -> datetime:
        """When it belongs to a month: when it went out, else when it was planned."""
        sent = self.status in SENT and self.published
        return datetime.fromisoformat(self.published if sent else self.at)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Section:
    """A plugin's part of the report (`cmsite_report_sections`): a title, a few words, figures
    compared with the previous month, and optionally a table and day-by-day series drawn as a
    chart. Values are numbers (None: not known); it is kept in the data file as it is."""

    id: str
    title: str
    text: str = ""
    figures: list[dict[str, Any]] = field(default_factory=list)  # {"label", "value", "previous"}
    columns: list[str] = field(default_factory=list)
    rows: list[list[Any]] = field(default_factory=list)
    series: dict[str, list[list[Any]]] = field(default_factory=dict)  # name -> [[YYYY-MM-DD, value], …]


@dataclass(frozen=True)
class ReportData:
    month: Month
    made: datetime
    title: str
    site_url: str
    lang: str
    timezone: str
    posts: list[BlogPost]
    social: list[SocialPost]
    snapshots: list[Snapshot]
    sections: list[Section]

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def bounds(self, month: Month) -> tuple[datetime, datetime]:
        """The month's first and last instant as UTC times, its days in the site's zone."""
        return start_of(month.first, self.tz), start_of(month.next().first, self.tz)

    def as_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT, "month": str(self.month), "made": self.made.isoformat(),
            "site": {"title": self.title, "url": self.site_url, "lang": self.lang, "timezone": self.timezone},
            "posts": [asdict(p) for p in self.posts], "social": [asdict(s) for s in self.social],
            "snapshots": [s.as_dict() for s in self.snapshots], "sections": [asdict(s) for s in self.sections],
        }  # fmt: skip

    def write(self, path: Path) -> None:
        path.write_text(json.dumps(self.as_dict(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def start_of(day: Any, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tz).astimezone(UTC)


def read(path: Path) -> ReportData:
    """A data file written beside a report; DataError saying what is wrong otherwise."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        if raw.get("format") != FORMAT:
            raise DataError(f"it is of format {raw.get('format')!r}; this cmsite reads format {FORMAT}")
        site = raw["site"]
        return ReportData(
            month=Month.parse(raw["month"]),
            made=datetime.fromisoformat(raw["made"]),
            title=site["title"], site_url=site["url"], lang=site["lang"], timezone=site["timezone"],
            posts=[BlogPost(**p) for p in raw["posts"]],
            social=[SocialPost(**s) for s in raw["social"]],
            snapshots=[Snapshot.from_dict(s) for s in raw["snapshots"]],
            sections=[Section(**s) for s in raw["sections"]],
        )  # fmt: skip
    except DataError:
        raise
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise DataError(f"{type(exc).__name__}: {exc}") from None


def gather(site: Site, store: Store, month: Month, made: datetime) -> ReportData:
    """The month's data and the previous month's, as the site, its queue and its snapshots hold
    them now, plugins' sections included. The site's content must be loaded."""
    config = site.config
    tz = config.tz
    start, end = start_of(month.previous().first, tz), start_of(month.next().first, tz)
    until = min(end, made)  # a report made before the month ends shows it so far

    def within(moment: datetime | None) -> bool:
        return moment is not None and start <= moment < until

    posts = [
        BlogPost(item.shown, item.title, item.abs_url, item.date.astimezone(UTC).isoformat(), item.words)
        for item in site.items
        if item.kind == "post" and not item.draft and within(item.date)
    ]
    labels = {name: network.label for name, network in site.networks.items()}
    social = [post for post in (_social(entry, labels) for entry in store.all()) if within(post.when)]
    kept = {post.id for post in social}
    snapshots = _snapshots(store.snapshots(until=until, since=start - LOOKBACK), kept, start, tz)
    data = ReportData(
        month, made, config.title, config.url, config.lang, config.timezone, posts, social, snapshots, []
    )
    found = site.pm.hook.cmsite_report_sections(site=site, month=month, data=data)
    sections = [section for each in found for section in each or ()]
    return ReportData(**{**data.__dict__, "sections": sections})


def _social(entry: Entry, labels: dict[str, str]) -> SocialPost:
    return SocialPost(
        id=entry.id, network=entry.network, label=labels.get(entry.network, entry.network),
        account=entry.account, source=entry.source, link=entry.link, text=entry.texts[0] if entry.texts else "",
        status=str(entry.status), at=entry.at.astimezone(UTC).isoformat(),
        published=entry.published_at.astimezone(UTC).isoformat() if entry.published_at else None,
        url=entry.remote_url, attempts=entry.attempts, error=entry.error,
        cancelled_by=str(entry.cancelled_by) if entry.cancelled_by else None,
    )  # fmt: skip


def _snapshots(
    snapshots: Iterable[Snapshot], entries: set[str], start: datetime, tz: ZoneInfo
) -> list[Snapshot]:
    """The snapshots the report uses: those of the two months' posts, and the accounts' from
    `start` on with, for each account and figure, the last one before (where its curve starts).
    Of each count, the last of each day (in the site's zone) is enough: the report looks at
    days' and months' ends, so collecting every hour does not make the data file 24 times longer."""
    last: dict[tuple[str, str, str | None, str, Any], Snapshot] = {}
    for snapshot in snapshots:  # oldest first: a later one of the same day replaces it
        if snapshot.entry_id is not None and snapshot.entry_id not in entries:
            continue
        day = (
            "before"
            if snapshot.entry_id is None and snapshot.taken < start
            else snapshot.taken.astimezone(tz).date()
        )
        last[(snapshot.network, snapshot.account, snapshot.entry_id, snapshot.metric, day)] = snapshot
    return sorted(last.values(), key=lambda s: (s.taken, s.network, s.account, s.entry_id or "", s.metric))
