"""What becomes of each plan, and why: the one view `cmsite queue` and `cmsite preview` share.

The store records what happened to the plans the sync gave it. The plans of posts not yet
published are not given to it (no draft nor future post reaches the queue), so `cmsite queue`
lists them beside its entries, from the sync's report, as waiting. `cmsite preview`, which
writes nothing, runs the same sync on a copy of the store in memory and reads it the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any

from cmsite.queue.approvals import NOT_APPROVED, ApprovalState, approval_state, by_entry
from cmsite.queue.location import open_store
from cmsite.queue.store import SETTLED, Approval, CancelledBy, Entry, Status, Store, Via
from cmsite.queue.sync import Waiting, local_time, sync_site
from cmsite.social.settings import needs_approval

if TYPE_CHECKING:
    from cmsite.site import Site
    from cmsite.social.planner import PlannedPost

WAITING = "waiting"  # not a Status: a plan the queue is given only once its post is published


@dataclass(frozen=True)
class Row:
    """One line of `cmsite queue`: an entry of the store, or a plan still waiting for its post."""

    entry: Entry
    status: str  # the entry's Status, or WAITING
    reason: str = ""  # why it is not sent at its time, and what to do; "" when nothing holds it
    awaiting_approval: bool = False
    approval: ApprovalState = NOT_APPROVED  # who approved it, and whether it changed since

    def as_dict(self, tz: tzinfo) -> dict[str, Any]:
        """The row of `cmsite queue --json`: the entry, its time in the site's zone, status and
        reason, and its approvals (`approval`: the one that holds, else the latest, stale)."""
        return {
            **self.entry.as_dict(),
            "at": self.entry.at.astimezone(tz).isoformat(),
            "status": self.status,
            "reason": self.reason or None,
            "awaiting_approval": self.awaiting_approval,
            **self.approval.as_dict(),
        }


def queue_rows(site: Site, store: Store, waiting: Iterable[Waiting], *, show_all: bool) -> list[Row]:
    """Every entry still to be sent or to be looked at, and every plan waiting for its post, by
    time; with `show_all`, the published, cancelled and deleted ones too."""
    entries = {entry.id: entry for entry in store.all()}
    approvals = by_entry(store.approvals())
    rows = {
        entry_id: _stored_row(site, entry, approvals.get(entry_id, [])) for entry_id, entry in entries.items()
    }
    for plan in waiting:
        current = entries.get(plan.entry.id)
        if current is None or _cancelled_by_plan(current):  # the plan came back, for a later date
            rows[plan.entry.id] = _waiting_row(site, plan, approvals.get(plan.entry.id, []))
    shown = [row for row in rows.values() if show_all or row.status not in SETTLED]
    return sorted(shown, key=lambda row: (row.entry.at, row.entry.network, row.entry.account, row.entry.id))


def _cancelled_by_plan(entry: Entry) -> bool:
    return entry.status == Status.CANCELLED and entry.cancelled_by == CancelledBy.PLAN


def _stored_row(site: Site, entry: Entry, approvals: list[Approval]) -> Row:
    """An entry of the store, and what holds it: its approval, or what its status says."""
    awaiting = (
        entry.status == Status.PENDING
        and not entry.approved
        and needs_approval(site.config, entry.network, entry.account)
    )
    state = approval_state(approvals, entry)
    return Row(entry, entry.status, _reason(site, entry, awaiting, state), awaiting, state)


def _waiting_row(site: Site, plan: Waiting, approvals: list[Approval]) -> Row:
    """A plan waiting for its post; approved, then changed, it says so: approving it now saves a
    wait for approval once it is queued."""
    entry, tz = plan.entry, site.config.tz
    state = approval_state(approvals, entry)
    reason = _waits_reason(plan.until, tz)
    if state.stale and needs_approval(site.config, entry.network, entry.account):
        reason += f"; {_stale(state, entry, tz)}"
    return Row(entry, WAITING, reason, approval=state)


def _stale(state: ApprovalState, entry: Entry, tz: tzinfo) -> str:
    assert state.approval is not None
    return (
        f"{approved_by(state.approval, tz)}, then its {' and '.join(state.changed)} changed: "
        f"to be approved again (`cmsite queue approve {entry.id}`)"
    )


def _reason(site: Site, entry: Entry, awaiting: bool, state: ApprovalState) -> str:
    where = entry.remote_url or entry.remote_id
    if entry.status == Status.PUBLISHED:
        return f"already published: {where}"
    if entry.status == Status.DELETED:
        return f"published ({where}), then deleted: never sent again"
    if awaiting and state.stale:
        return f"waits: {_stale(state, entry, site.config.tz)}"
    if awaiting:
        return f"waits for approval (`cmsite queue approve {entry.id}`)"
    return entry.error or ""  # failed, unknown, expired, cancelled: the store says why, and what to do


def approved_by(approval: Approval, tz: tzinfo) -> str:
    """`approved by Claire on 2026-11-20 14:02 Europe/Paris (content/posts/a.md:7)`: who, when, where."""
    who = f" by {approval.by}" if approval.by else ""
    where = f" ({approval.place})" if approval.via == Via.MARKDOWN else ""
    return f"approved{who} on {local_time(approval.at, tz)}{where}"


def _waits_reason(until: datetime | None, tz: tzinfo) -> str:
    """Why the plan of a post not published yet is not in the queue, and when it will be."""
    if until is None:
        return "its post is a draft: queued once it is published"
    return f"waits until {local_time(until, tz)}, its post's date"


def not_sent(site: Site, posts: list[PlannedPost]) -> dict[str, str]:
    """Why each plan that will not go out at its time does not, by id: what `cmsite preview` marks
    (a plan with errors is left out: its errors say why). The sync runs on a copy of the store."""
    store = open_store(site, copy=True)
    try:
        report = sync_site(site, store, posts)
        rows = {row.entry.id: row for row in queue_rows(site, store, report.waiting, show_all=True)}
    finally:
        store.close()
    held = (rows.get(post.id) for post in posts if post.id and not post.errors)
    return {row.entry.id: row.reason for row in held if row and _holds(row)}


def _holds(row: Row) -> bool:
    """Whether the row's reason keeps it from going out: a pending entry's reasons (its tries, its
    page not live yet) only put it off, unless it waits for an approval."""
    return bool(row.reason) and (row.status != Status.PENDING or row.awaiting_approval)
