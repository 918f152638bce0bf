"""Who approved what: approvals bound to the exact texts, pictures and time they approved.

An approval records the `content_digest` of an entry as it was approved. The entry is
approved while one of its approvals holds the digest of what it holds now; once its text,
pictures or time change, it waits for approval again, and its approvals stay in the
history, stale (`approval_state`). Approving the same content again, or bringing the
approved content back, makes it approved again: what goes out is what someone approved.

An approval in the Markdown (`approved_by:`, with `status: approved`) binds to the plan as
the queue first sees it with that approval — the first sync after it is written (or
merged): the sync records it then with that content's digest, once per `approved_by` and
`approved_at` as written. Changing the text afterwards without changing either makes the
approval stale; changing `approved_at` (or the name) approves the new content.
"""

from __future__ import annotations

import getpass
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from cmsite.queue.store import Approval, Entry, Store, Via, content_digest

if TYPE_CHECKING:
    from cmsite.social.plans import PlanApproval

# What each of a digest's three fingerprints stands for (`content_digest`).
_PARTS = ("text", "pictures", "time")


@dataclass(frozen=True)
class ApprovalState:
    """An entry's approval as it stands: the approval that holds its content — or, when none
    does, the latest one, `stale`, with what `changed` since it — and the whole history."""

    approval: Approval | None = None
    stale: bool = False
    changed: tuple[str, ...] = ()  # text, pictures, time
    history: tuple[Approval, ...] = ()

    def as_dict(self) -> dict[str, object]:
        """The approval fields of a `cmsite queue --json` row; each past approval says whether it
        still holds."""
        holding = None if self.stale or self.approval is None else self.approval.digest
        return {
            "approval": self.approval.as_dict() if self.approval else None,
            "stale_approval": self.stale,
            "changed_since_approval": list(self.changed),
            "approvals": [{**each.as_dict(), "stale": each.digest != holding} for each in self.history],
        }


NOT_APPROVED = ApprovalState()


def entry_digest(entry: Entry) -> str:
    return content_digest(entry.texts, entry.media, entry.at)


def approval_state(history: Iterable[Approval], entry: Entry) -> ApprovalState:
    """Whether one of `history` (the entry's approvals, oldest first) approved what it holds now."""
    history = tuple(history)
    if not history:
        return NOT_APPROVED
    digest = entry_digest(entry)
    holding = [approval for approval in history if approval.digest == digest]
    if holding:
        return ApprovalState(holding[-1], False, (), history)
    latest = history[-1]
    return ApprovalState(latest, True, what_changed(latest.digest, digest), history)


def approval_of(store: Store, entry: Entry) -> ApprovalState:
    """One entry's approval as it stands, from the store's history (the calendar's `approval`
    and `stale_approval`)."""
    return approval_state(store.approvals(entry.id), entry)


def dated(approval: Approval) -> datetime | None:
    """When the approval was given, as far as anyone said it: None for one written in the Markdown
    without `approved_at:`, whose `at` is only when this queue first saw it (another machine's
    differs)."""
    undated = approval.via == Via.MARKDOWN and approval.mark.endswith("\n")
    return None if undated else approval.at


def by_entry(approvals: Iterable[Approval]) -> dict[str, list[Approval]]:
    """Approvals grouped by entry, each group oldest first."""
    grouped: dict[str, list[Approval]] = {}
    for approval in approvals:
        grouped.setdefault(approval.entry_id, []).append(approval)
    return grouped


def holds(history: Iterable[Approval], entry: Entry) -> bool:
    """Whether one of the entry's approvals approved its content as it is now (no digest is
    made for an entry nobody approved: the sync asks this of every entry)."""
    digests = {approval.digest for approval in history}
    return bool(digests) and entry_digest(entry) in digests


def what_changed(approved: str, now: str) -> tuple[str, ...]:
    """What differs between two content digests: text, pictures, time."""
    pairs = zip(approved.split("-"), now.split("-"), strict=False)
    return tuple(name for name, (old, new) in zip(_PARTS, pairs, strict=False) if old != new)


def record_plan_approvals(
    store: Store, db: object, plans: Iterable[tuple[PlanApproval, Entry]], now: datetime
) -> dict[str, list[Approval]]:
    """Record each approval written in a plan that the store does not have yet, bound to the
    content the plan has now; every entry's approvals, grouped, for the sync to judge by."""
    history = by_entry(store.approvals())
    for given, entry in plans:
        past = history.setdefault(entry.id, [])
        if any(a.via == Via.MARKDOWN and a.mark == given.mark for a in past):
            continue
        approval = Approval(
            entry.id, given.by, given.at or now, entry_digest(entry), Via.MARKDOWN, place=given.place,
            mark=given.mark,
        )  # fmt: skip
        store.add_approval(db, approval)
        past.append(approval)
    return history


def default_approver(folder: Path) -> str:
    """Who approves when `--by` is not given: git's `user.name` for the site's folder (the name
    its commits carry), else the login name; "" when neither is known."""
    try:
        found = subprocess.run(
            ["git", "config", "user.name"], cwd=folder, capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.SubprocessError):
        found = None
    if found is not None and found.returncode == 0 and found.stdout.strip():
        return found.stdout.strip()
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no LOGNAME/USER, and no account for the process's uid
        return ""
