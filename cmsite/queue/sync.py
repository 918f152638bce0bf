"""Keep the queue in step with the content: new plans queued, changed ones updated, removed ones cancelled.

An entry that was already sent is never sent again because its source changed; the
sync says so instead. An entry is approved while one of its approvals approved the content
it has now (cmsite.queue.approvals): a changed text or time takes the approval away, and the
approvals written in the plans are recorded here, the first time the sync sees each.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any

from cmsite.errors import ContentError
from cmsite.messages import count
from cmsite.queue.approvals import holds, record_plan_approvals
from cmsite.queue.store import PLAN_REMOVED, Approval, CancelledBy, Entry, Status, Store
from cmsite.social.planner import PlannedPost
from cmsite.social.plans import PlanApproval
from cmsite.social.settings import needs_approval, queue_settings

if TYPE_CHECKING:
    from cmsite.site import Site

CHANGEABLE = frozenset({Status.PENDING, Status.FAILED, Status.CANCELLED})


@dataclass(frozen=True, slots=True)
class Waiting:
    """A plan the queue is not given yet: its post is a draft, or dated `until`, still to come."""

    entry: Entry
    until: datetime | None  # None: a draft


@dataclass
class SyncReport:
    queued: list[Entry] = field(default_factory=list)
    updated: list[Entry] = field(default_factory=list)
    cancelled: list[Entry] = field(default_factory=list)
    expired: list[Entry] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    broken: int = 0  # plans with errors, not queued
    problems: list[ContentError] = field(default_factory=list)  # their errors
    waiting: list[Waiting] = field(default_factory=list)  # plans of posts not published yet
    unapproved: list[Entry] = field(default_factory=list)  # approved, then changed: to approve again

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
                when = local_time(entry.at, tz)
                lines.append(f"{label}: {entry.network} ({entry.account}) {when} — {entry.source}")
        for entry in self.unapproved:
            lines.append(
                f"approved, then changed: {entry.network} ({entry.account}) {local_time(entry.at, tz)} — "
                f"{entry.source} waits for approval again (`cmsite queue approve {entry.id}`)"
            )
        if self.expired:
            lines.append(
                f"not queued: {count(len(self.expired), 'plan', 'plans')} whose time had long passed "
                "when first seen "
                "(`cmsite queue --all` lists them; `cmsite queue retry ID` sends one anyway)"
            )
        return lines


def local_time(moment: datetime, tz: tzinfo) -> str:
    """A time as people read it: in the site's zone, with the zone's name (`2026-11-20 18:30 Europe/Paris`)."""
    return f"{moment.astimezone(tz):%Y-%m-%d %H:%M} {tz}"


def expired_reason(entry: Entry, tz: tzinfo) -> str:
    """Why a plan first seen long after its time is not sent, and the command that sends it anyway."""
    return (
        f"planned for {local_time(entry.at, tz)}, long before it was first queued; "
        f"not sent (`cmsite queue retry {entry.id}` sends it anyway)"
    )


def entry_of(post: PlannedPost) -> Entry:
    return Entry(
        id=post.id,
        source=post.source,
        line=post.line,
        network=post.network,
        account=post.account,
        at=post.at,
        texts=post.written,
        media=[
            {"path": m.path, "alt": m.alt, **({"focus": list(m.focus)} if m.focus else {})}
            for m in post.media
        ],
        link=post.link,
        title=post.title,
        summary=post.summary,
    )


def sync(
    store: Store,
    posts: Iterable[PlannedPost],
    *,
    now: datetime | None = None,
    catch_up: timedelta | None = None,
    tz: tzinfo = UTC,
    scope: Collection[str] | None = None,
) -> SyncReport:
    """Apply the plans to the store in one transaction; plans with errors or not yet due are left out
    (the report lists the latter as waiting). `scope`: the plans are those of these files only
    (as messages show them), and only their entries are read, updated or cancelled.

    A plan first seen more than `catch_up` after its time (the announcements of a blog's
    old posts, the first time it is built with social defaults) is recorded as expired,
    not sent: `cmsite queue retry ID` sends one anyway. `tz` is the zone its reason says the time in.
    """
    report = SyncReport()
    now = now or datetime.now(UTC)
    late = now - catch_up if catch_up is not None else None
    planned, given = _queueable(posts, report)
    with store.transaction() as db:
        entries = store.all() if scope is None else store.of_sources(scope)
        existing = {entry.id: entry for entry in entries}
        approvals = record_plan_approvals(store, db, given, now)
        apply = _Apply(store, db, late, tz, report, approvals)
        for entry_id, wanted in planned.items():
            apply.plan(wanted, existing.get(entry_id))
        apply.cancel_removed(existing, planned)
    return report


def _queueable(
    posts: Iterable[PlannedPost], report: SyncReport
) -> tuple[dict[str, Entry], list[tuple[PlanApproval, Entry]]]:
    """The entries the plans want, by id: those with errors are counted in the report instead,
    and those waiting for their post to be published are left for a later sync (and listed).
    Also the approvals the plans give, waiting ones' included, with the content they approve."""
    planned, given = {}, []
    for post in posts:
        if post.errors:
            report.broken += 1
            report.problems += post.problems()
            continue
        if not post.id:
            continue
        entry = entry_of(post)
        if post.waiting:
            report.waiting.append(Waiting(entry, post.waits_until))
        else:
            planned[post.id] = entry
        if post.approval is not None:
            given.append((post.approval, entry))
    return planned, given


# What a plan may change in an entry not yet sent.
_FROM_PLAN = ("at", "texts", "media", "link", "title", "summary", "source", "line")


@dataclass
class _Apply:
    """One sync's transaction: each plan set against the entry the store has for it."""

    store: Store
    db: Any
    late: datetime | None  # a new plan before this time is recorded as expired
    tz: tzinfo  # the site's zone, for the reasons stored
    report: SyncReport
    approvals: dict[str, list[Approval]]  # every entry's, oldest first

    def approved(self, wanted: Entry) -> bool:
        return holds(self.approvals.get(wanted.id, ()), wanted)

    def plan(self, wanted: Entry, current: Entry | None) -> None:
        if current is None:
            self.insert(wanted)
        elif current.status == Status.EXPIRED:
            self.revive(wanted, current)
        else:
            self.change(wanted, current)

    def insert(self, wanted: Entry) -> None:
        wanted.approved = self.approved(wanted)
        if not wanted.approved and self.approvals.get(wanted.id):  # approved while it waited, then changed
            self.report.unapproved.append(wanted)
        if self.late is not None and wanted.at < self.late:
            wanted.status = Status.EXPIRED
            wanted.error = expired_reason(wanted, self.tz)
            self.report.expired.append(wanted)
        else:
            self.report.queued.append(wanted)
        self.store.insert(self.db, wanted)

    def revive(self, wanted: Entry, current: Entry) -> None:
        """An expired entry is left alone unless its plan moves it to a time still to come."""
        if self.late is not None and wanted.at >= self.late and wanted.at != current.at:
            self.store.update(
                self.db, wanted.id, expect=Status.EXPIRED, at=wanted.at, texts=wanted.texts,
                status=Status.PENDING, error=None, approved=int(self.approved(wanted)),
            )  # fmt: skip
            self.report.updated.append(wanted)

    def change(self, wanted: Entry, current: Entry) -> None:
        """Bring an entry not yet sent in line with its plan; of one sent, or cancelled by a
        person, only say that the change of its text or time is not sent."""
        changes = _changes(wanted, current)
        by_hand = current.status == Status.CANCELLED and current.cancelled_by != CancelledBy.PLAN
        if current.status in CHANGEABLE and not by_hand and not current.parts:
            if (approved := self.approved(wanted)) != current.approved:
                changes["approved"] = int(approved)
                if not approved:
                    self.report.unapproved.append(wanted)
            if changes or current.status == Status.CANCELLED:
                self.update(wanted, current, changes)
        elif {"at", "texts", "media"} & changes.keys():
            self.report.warnings.append(_not_sent_again(wanted, current, by_hand))

    def update(self, wanted: Entry, current: Entry, changes: dict[str, Any]) -> None:
        """Write the changes; an entry that failed or whose plan came back is pending again, afresh."""
        if current.status != Status.PENDING:
            changes.update(
                status=Status.PENDING, attempts=0, error=None, next_attempt=None, cancelled_by=None
            )
        self.store.update(self.db, wanted.id, expect=current.status, **changes)
        self.report.updated.append(wanted)

    def cancel_removed(self, existing: dict[str, Entry], planned: dict[str, Entry]) -> None:
        """Cancel the entries not yet sent whose plan left the source (queued again if it comes back)."""
        for entry_id, current in existing.items():
            if entry_id not in planned and current.status in (Status.PENDING, Status.FAILED):
                self.store.update(
                    self.db, entry_id, expect=current.status, status=Status.CANCELLED, error=PLAN_REMOVED,
                    cancelled_by=CancelledBy.PLAN,
                )  # fmt: skip
                self.report.cancelled.append(current)


def _changes(wanted: Entry, current: Entry) -> dict[str, Any]:
    """What the plan changes in the entry (its approval follows: `_Apply.change`)."""
    return {key: getattr(wanted, key) for key in _FROM_PLAN if getattr(wanted, key) != getattr(current, key)}


def _not_sent_again(wanted: Entry, current: Entry, by_hand: bool) -> str:
    """Why a changed plan does not reach its network: a person cancelled it, or it is (partly) sent."""
    if by_hand:
        return (
            f"{wanted.source}: the {wanted.network} post was cancelled by hand; the change is "
            f"not queued (`cmsite queue retry {wanted.id}` queues it again)"
        )
    state = "partly sent" if current.parts and current.status in CHANGEABLE else current.status
    return (
        f"{wanted.source}: the {wanted.network} post was already {state}; "
        "the change is not sent again (remove it there and add a new plan if needed)"
    )


def sync_site(
    site: Site, store: Store, posts: Iterable[PlannedPost], scope: Collection[str] | None = None
) -> SyncReport:
    """`sync` on the site's clock and in its zone, with `[queue] catch_up_hours` (24 unless set;
    false: send however late)."""
    hours = queue_settings(site.config).catch_up_hours
    catch_up = None if hours is None else timedelta(hours=hours)
    report = sync(store, posts, now=site.now, catch_up=catch_up, tz=site.config.tz, scope=scope)
    report.unapproved = [e for e in report.unapproved if needs_approval(site.config, e.network, e.account)]
    return report
