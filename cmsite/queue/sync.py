"""Keep the queue in step with the content: new plans queued, changed ones updated, removed ones cancelled.

An entry that was already sent is never sent again because its source changed; the
sync says so instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING

from cmsite.errors import ContentError
from cmsite.queue.store import PLAN_REMOVED, CancelledBy, Entry, Status, Store
from cmsite.social.planner import PlannedPost
from cmsite.social.settings import queue_settings

if TYPE_CHECKING:
    from cmsite.site import Site

CHANGEABLE = frozenset({Status.PENDING, Status.FAILED, Status.CANCELLED})


@dataclass
class SyncReport:
    queued: list[Entry] = field(default_factory=list)
    updated: list[Entry] = field(default_factory=list)
    cancelled: list[Entry] = field(default_factory=list)
    expired: list[Entry] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    broken: int = 0  # plans with errors, not queued
    problems: list[ContentError] = field(default_factory=list)  # their errors

    @property
    def changed(self) -> bool:
        return bool(self.queued or self.updated or self.cancelled)

    def lines(self, tz: tzinfo) -> list[str]:
        """One line per queued, updated or cancelled entry, with when it goes out in the site's zone."""
        lines = []
        for label, entries in (
            ("queued", self.queued),
            ("updated", self.updated),
            ("cancelled", self.cancelled),
        ):
            for entry in entries:
                when = entry.at.astimezone(tz).strftime("%Y-%m-%d %H:%M")
                lines.append(f"{label}: {entry.network} ({entry.account}) {when} — {entry.source}")
        if self.expired:
            lines.append(
                f"not queued: {len(self.expired)} plans whose time had long passed when first seen "
                "(`cmsite queue --all` lists them; `cmsite queue retry ID` sends one anyway)"
            )
        return lines


def entry_of(post: PlannedPost) -> Entry:
    return Entry(
        id=post.id,
        source=post.source,
        line=post.line,
        network=post.network,
        account=post.account,
        at=post.at,
        texts=post.written,
        media=[{"path": m.path, "alt": m.alt} for m in post.media],
        link=post.link,
        title=post.title,
        summary=post.summary,
        approved=post.status == "approved",
    )


def sync(
    store: Store,
    posts: Iterable[PlannedPost],
    *,
    now: datetime | None = None,
    catch_up: timedelta | None = None,
) -> SyncReport:
    """Apply the plans to the store in one transaction; plans with errors or not yet due are left out.

    A plan first seen more than `catch_up` after its time (the announcements of a blog's
    old posts, the first time it is built with social defaults) is recorded as expired,
    not sent: `cmsite queue retry ID` sends one anyway.
    """
    report = SyncReport()
    late = (now or datetime.now(UTC)) - catch_up if catch_up is not None else None
    planned = {}
    for post in posts:
        if post.errors:
            report.broken += 1
            report.problems += post.problems()
        elif post.id and not post.waiting:
            planned[post.id] = entry_of(post)
    with store.transaction() as db:
        existing = {entry.id: entry for entry in store.all()}
        for entry_id, wanted in planned.items():
            current = existing.get(entry_id)
            if current is None:
                if late is not None and wanted.at < late:
                    wanted.status = Status.EXPIRED
                    wanted.error = (
                        f"planned for {wanted.at:%Y-%m-%d %H:%M} UTC, long before it was first queued; "
                        f"not sent (`cmsite queue retry {entry_id}` sends it anyway)"
                    )
                    report.expired.append(wanted)
                else:
                    report.queued.append(wanted)
                store.insert(db, wanted)
                continue
            if current.status == Status.EXPIRED:  # left alone unless moved to a time still to come
                if late is not None and wanted.at >= late and wanted.at != current.at:
                    store.update(
                        db, entry_id, expect=Status.EXPIRED, at=wanted.at, texts=wanted.texts,
                        status=Status.PENDING, error=None,
                    )  # fmt: skip
                    report.updated.append(wanted)
                continue
            changes = {
                key: getattr(wanted, key)
                for key in ("at", "texts", "media", "link", "title", "summary", "source", "line")
                if getattr(wanted, key) != getattr(current, key)
            }
            if wanted.approved and not current.approved:
                changes["approved"] = 1
            by_hand = current.status == Status.CANCELLED and current.cancelled_by != CancelledBy.PLAN
            if current.status in CHANGEABLE and not by_hand and not current.parts:
                if changes or current.status == Status.CANCELLED:
                    if current.status != Status.PENDING:
                        changes.update(
                            status=Status.PENDING,
                            attempts=0,
                            error=None,
                            next_attempt=None,
                            cancelled_by=None,
                        )
                    store.update(db, entry_id, expect=current.status, **changes)
                    report.updated.append(wanted)
            elif {"at", "texts", "media"} & changes.keys():
                report.warnings.append(
                    f"{wanted.source}: the {wanted.network} post was cancelled by hand; the change is "
                    f"not queued (`cmsite queue retry {entry_id}` queues it again)"
                    if by_hand
                    else f"{wanted.source}: the {wanted.network} post was already "
                    f"{'partly sent' if current.parts and current.status in CHANGEABLE else current.status}; "
                    "the change is not sent again (remove it there and add a new plan if needed)"
                )
        for entry_id, current in existing.items():
            if entry_id not in planned and current.status in (Status.PENDING, Status.FAILED):
                store.update(
                    db, entry_id, expect=current.status, status=Status.CANCELLED, error=PLAN_REMOVED,
                    cancelled_by=CancelledBy.PLAN,
                )  # fmt: skip
                report.cancelled.append(current)
    return report


def sync_site(site: Site, store: Store, posts: Iterable[PlannedPost]) -> SyncReport:
    """`sync` on the site's clock, with `[queue] catch_up_hours` (24 unless set; false: send however late)."""
    hours = queue_settings(site.config).catch_up_hours
    return sync(store, posts, now=site.now, catch_up=None if hours is None else timedelta(hours=hours))
