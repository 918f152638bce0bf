"""The editorial calendar's one model: every blog post and social post of a month, by time.

`cmsite calendar` (text, JSON, ICS) and the HTML calendar read the same list. It is made of
what `cmsite queue` and `cmsite preview` already know: the planner's plans (drafts' included:
the calendar shows what is planned for them) and the queue's rows (`queue_rows`), the sync
run on a copy of the store in memory as `preview` runs it. So it says what the queue says,
and writes nothing. Months and days are the site's zone's: a post at 23:30 in Paris on the
31st is on the 31st, whatever UTC says.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, tzinfo
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from cmsite.queue.approvals import dated
from cmsite.queue.location import open_store
from cmsite.queue.outlook import WAITING, Row, queue_rows
from cmsite.queue.store import Entry
from cmsite.queue.store import Status as Stored
from cmsite.queue.sync import entry_of, sync_site
from cmsite.social.network import Media
from cmsite.social.planner import PlannedPost, planned_posts
from cmsite.social.settings import needs_approval

if TYPE_CHECKING:
    from cmsite.content.item import Item
    from cmsite.site import Site

POST, SOCIAL = "post", "social"  # CalendarEntry.kind
WORDS = 8  # how many of a text's first words the calendar shows


class Status(StrEnum):
    """Where a calendar entry stands: a blog post's first three, a social post's the others
    (and `published`)."""

    PUBLISHED = "published"  # a blog post online, or a social post sent (`remote_url`)
    DRAFT = "draft"
    FUTURE = "future"  # a blog post dated later: online at its date
    PLANNED = "planned"  # a plan with errors (`reason`): not queued until they are fixed
    WAITING = "waiting"  # its blog post is a draft or still to come: queued once it is published
    QUEUED = "queued"  # sent at its time by the next publish
    AWAITING_APPROVAL = "awaiting_approval"  # approval is on, and nobody approved it yet
    APPROVED = "approved"  # approval is on, and it is approved: sent at its time
    FAILED = "failed"  # refused, given up, or stopped without an answer (`reason` says what to do)
    EXPIRED = "expired"  # first seen long after its time: not sent unless a person says so
    CANCELLED = "cancelled"  # its plan was removed, a person cancelled it, or it was deleted after sending


# A stored entry's status, as the calendar says it (pending ones depend on their approval).
_STORED = {
    Stored.PUBLISHED: Status.PUBLISHED,
    Stored.FAILED: Status.FAILED,
    Stored.UNKNOWN: Status.FAILED,
    Stored.EXPIRED: Status.EXPIRED,
    Stored.CANCELLED: Status.CANCELLED,
    Stored.DELETED: Status.CANCELLED,
}
# Statuses of an entry that went (or may have gone) out: a plan's errors do not change what it is.
_SENT = frozenset({Stored.PUBLISHED, Stored.DELETED, Stored.UNKNOWN, Stored.SENDING})


@dataclass(frozen=True, slots=True)
class Approval:
    """Who approved a social post, when, and what they said; `by` is "" and `at` None where
    nothing recorded them (an approval given in the Markdown with `status: approved`)."""

    by: str = ""
    at: datetime | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class CalendarEntry:
    """One blog post (`kind` "post") or one social post on one network and account ("social")."""

    kind: str
    id: str  # the queue entry's id; a blog post's source file
    at: datetime  # in UTC
    day: date  # in the site's zone
    status: Status
    source: str  # the file it is planned in
    line: int | None
    title: str = ""  # the blog post's title (a social post's: the post it announces)
    words: str = ""  # the first words: of the summary for a blog post, of the first text for a social post
    network: str = ""
    network_label: str = ""  # "Mastodon", as people read it
    account: str = ""
    texts: tuple[str, ...] = ()  # every post of the thread, as sent; a blog post's summary
    lengths: tuple[int, ...] = ()  # each one's length as its network counts it
    limit: int = 0
    media: tuple[Media, ...] = ()
    link: str | None = None  # the blog post's address
    remote_url: str | None = None  # where the social post is, once published
    published_at: datetime | None = None  # when the social post went out (UTC)
    reason: str = ""  # why it is held, failed or not queued, and what to do; "" when nothing holds it
    approval: Approval | None = None
    stale_approval: bool = False  # approved, then its text or time changed: to be approved again

    def local(self, tz: tzinfo) -> datetime:
        """Its time in the site's zone."""
        return self.at.astimezone(tz)

    def as_dict(self, tz: tzinfo) -> dict[str, Any]:
        """Every field, for `cmsite calendar --json`: `at` in UTC, `local` in the site's zone."""
        data = {f.name: _plain(getattr(self, f.name)) for f in fields(self)}
        return {**data, "local": self.local(tz).isoformat()}


def _plain(value: Any) -> Any:
    """A field's value as JSON has it."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Approval | Media):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, tuple):
        return [_plain(each) for each in value]
    return value


@dataclass(frozen=True, slots=True, order=True)
class Month:
    """A month of the site's calendar, `2026-11`."""

    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        """`2026-11`; ValueError saying what is expected otherwise."""
        found = re.fullmatch(r"(\d{4})-(\d{2})", text.strip())
        if not found or not 1 <= int(found[2]) <= 12:
            raise ValueError(f"{text!r} is not a month; write it YYYY-MM, like 2026-11")
        return cls(int(found[1]), int(found[2]))

    @classmethod
    def of(cls, moment: datetime, tz: tzinfo) -> Month:
        """The month `moment` falls in, in zone `tz`."""
        local = moment.astimezone(tz)
        return cls(local.year, local.month)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def __contains__(self, day: date) -> bool:
        return (day.year, day.month) == (self.year, self.month)

    @property
    def first(self) -> date:
        return date(self.year, self.month, 1)

    def next(self) -> Month:
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    def previous(self) -> Month:
        return Month(self.year - (self.month == 1), (self.month - 2) % 12 + 1)


def month_of(site: Site, month: Month | str | None) -> Month:
    """The month asked for (`2026-11`), or the site's current month in its zone."""
    if month is None:
        return Month.of(site.now, site.config.tz)
    return month if isinstance(month, Month) else Month.parse(month)


def month_entries(site: Site, month: Month | str | None = None) -> list[CalendarEntry]:
    """Every blog post and social post of the month (`2026-11`; None: this month), by time,
    in the site's zone. The site's content must be loaded; nothing is written."""
    wanted = month_of(site, month)
    return by_time(entry for entry in all_entries(site) if entry.day in wanted)


def by_time(entries: Iterable[CalendarEntry]) -> list[CalendarEntry]:
    """Sorted by time; at the same time, a blog post before the social posts that announce it."""
    return sorted(entries, key=lambda e: (e.at, e.kind != POST, e.network, e.account, e.id))


def all_entries(site: Site, *, drafts: bool = True) -> Iterator[CalendarEntry]:
    """Every dated blog post and every social post of the site, in no useful order; `drafts`:
    drafts and their plans too."""
    tz = site.config.tz
    for item in site.items:
        if item.kind == POST and item.date is not None and (drafts or not item.draft):
            yield _post_entry(site, item, tz)
    yield from _social_entries(site, tz, drafts)


def _post_entry(site: Site, item: Item, tz: tzinfo) -> CalendarEntry:
    assert item.date is not None
    status = Status.DRAFT if item.draft else Status.FUTURE if item.date > site.now else Status.PUBLISHED
    return CalendarEntry(
        kind=POST,
        id=item.shown,
        at=item.date.astimezone(UTC),
        day=item.date.astimezone(tz).date(),
        status=status,
        source=item.shown,
        line=item.line_of("date"),
        title=item.title,
        words=first_words(item.summary_text),
        texts=(item.summary_text,),
        link=item.abs_url,
    )


def _social_entries(site: Site, tz: tzinfo, drafts: bool) -> Iterator[CalendarEntry]:
    """Each queue row (the sync run on a copy of the store), and each plan with errors, which no
    row stands for unless it went out already."""
    plans = planned_posts(site, drafts=drafts)
    store = open_store(site, copy=True)
    report = sync_site(site, store, plans)
    rows = {row.entry.id: row for row in queue_rows(site, store, report.waiting, show_all=True)}
    by_id = {plan.id: plan for plan in plans if plan.id}
    for entry_id, plan in by_id.items():
        row = rows.get(entry_id)
        if plan.errors and (row is None or row.entry.status not in _SENT):
            rows.pop(entry_id, None)
            yield _social_entry(site, tz, _unqueued(plan), plan)
    for entry_id, row in rows.items():
        yield _social_entry(site, tz, row, by_id.get(entry_id))


def _unqueued(plan: PlannedPost) -> Row:
    """A plan with errors, as a row of its own: planned, not queued, its errors for reason."""
    return Row(entry_of(plan), Status.PLANNED, "; ".join(str(error) for error in plan.errors))


def _social_entry(site: Site, tz: tzinfo, row: Row, plan: PlannedPost | None) -> CalendarEntry:
    entry = row.entry
    network = site.networks.get(entry.network)
    lengths, limit = _lengths(entry, plan, network)
    return CalendarEntry(
        kind=SOCIAL,
        id=entry.id,
        at=entry.at.astimezone(UTC),
        day=entry.at.astimezone(tz).date(),
        status=_status(site, row),
        source=entry.source,
        line=entry.line,
        title=entry.title,
        words=first_words(entry.texts[0] if entry.texts else ""),
        network=entry.network,
        network_label=network.label if network else entry.network,
        account=entry.account,
        texts=tuple(entry.texts),
        lengths=lengths,
        limit=limit,
        media=_media(entry, plan),
        link=entry.link,
        remote_url=entry.remote_url,
        published_at=entry.published_at.astimezone(UTC) if entry.published_at else None,
        reason=row.reason,
        approval=_approval(row),
        stale_approval=row.approval.stale,
    )


def _approval(row: Row) -> Approval | None:
    """The approval that holds the entry's content or, when it changed since, the latest one
    (`stale_approval`), from the queue's history (cmsite.queue.approvals)."""
    given = row.approval.approval
    return None if given is None else Approval(given.by, dated(given), given.note)


def _status(site: Site, row: Row) -> Status:
    """The row's status as the calendar says it: a pending entry is queued, or approved or
    awaiting approval when approval is on for its account."""
    if row.status in (Status.PLANNED, WAITING):
        return Status(row.status)
    entry = row.entry
    if entry.status in _STORED:
        return _STORED[entry.status]
    if row.awaiting_approval:
        return Status.AWAITING_APPROVAL
    if entry.approved and needs_approval(site.config, entry.network, entry.account):
        return Status.APPROVED
    return Status.QUEUED


def _lengths(entry: Entry, plan: PlannedPost | None, network: Any) -> tuple[tuple[int, ...], int]:
    """Each text's length as its network counts it, and the network's limit: the plan's, unless
    the texts sent are not the plan's any more."""
    if plan is not None and plan.written == entry.texts:
        return tuple(plan.lengths), plan.limit
    if network is None:
        return (), 0
    return tuple(network.count(text) for text in entry.texts), network.max_length


def _media(entry: Entry, plan: PlannedPost | None) -> tuple[Media, ...]:
    """The entry's pictures, with the address the site serves each at where its plan knows it."""
    urls = {media.path: media.url for media in plan.media} if plan else {}
    return tuple(Media(m["path"], m.get("alt", ""), urls.get(m["path"])) for m in entry.media)


def first_words(text: str, words: int = WORDS) -> str:
    """The first words of a text, on one line, with an ellipsis when there are more."""
    split = text.split()
    return " ".join(split[:words]) + ("…" if len(split) > words else "")
