"""What the queue commands do — sync, list, approve, retry, cancel, delete, metrics, publish —
as functions that return typed results, so that the command line only parses and prints.

A refusal a person can act on is a `QueueError` whose message says what to do. Every
text that comes from a network has been through the site's `Redactor` (the Publisher's).
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cmsite.errors import ContentErrors, display_path
from cmsite.queue.approvals import by_entry, entry_digest, holds
from cmsite.queue.location import QUEUE_PASSWORD, QUEUE_URL, migrated, open_store, server_store
from cmsite.queue.lock import PublishLock
from cmsite.queue.publisher import Outcome, Publisher
from cmsite.queue.store import (
    ACTIVE,
    CANCELLED_BY_HAND,
    Approval,
    CancelledBy,
    DamagedQueue,
    Entry,
    QueueStore,
    QueueUnreachable,
    Status,
    Store,
    Via,
    damaged_queue,
    queue_path,
)
from cmsite.queue.sync import Waiting, sync_site
from cmsite.social.accounts import secrets_environment, unready
from cmsite.social.network import Network, PublishError, part_key
from cmsite.social.redact import Redactor
from cmsite.social.settings import needs_approval
from cmsite.social.site_url import site_url_errors

if TYPE_CHECKING:
    from cmsite.site import Site
    from cmsite.social.planner import PlannedPost


class QueueError(Exception):
    """A queue command that cannot be done, with what to do instead."""


def redactor(site: Site) -> Redactor:
    """The one redaction step for this site: every credential of every installed network, and the
    queue database's password, from the environment and the site's .env, hidden in whatever is
    about to be printed or logged."""
    from cmsite.social.network import Credentials

    environ = secrets_environment(site.root)
    networks = [
        value
        for network in site.networks.values()
        for value in Credentials.for_network(network, environ).values()
    ]
    return Redactor([*networks, *_queue_secrets(environ)])


def _queue_secrets(environ: Mapping[str, str]) -> list[str]:
    """CMSITE_QUEUE_PASSWORD, and a password written in CMSITE_QUEUE_URL."""
    from urllib.parse import urlsplit

    try:
        in_url = urlsplit(environ.get(QUEUE_URL, "")).password
    except ValueError:
        in_url = None
    return [secret for secret in (environ.get(QUEUE_PASSWORD), in_url) if secret]


@dataclass(frozen=True)
class Migration:
    """What `cmsite queue migrate` copied, to where (the URL without its password, as cmsite.toml
    takes it), and where the SQLite queue is now."""

    url: str
    entries: int
    approvals: int
    snapshots: int
    kept: Path


def migrate(site: Site, url: str) -> Migration:
    """Copy the site's SQLite queue, whole, into the empty PostgreSQL database at `url`, then move the
    SQLite file aside (`migrated`), so that no publisher goes on with it. Under the site's publish
    lock and SQLite's write lock: no publisher of this machine changes the queue meanwhile, and an
    entry a live publisher holds stops it (run it again once that send is over). QueueError or
    ContentErrors when it cannot: nothing is copied nor moved then."""
    from cmsite.queue.postgres import shown_url

    path = queue_path(site)
    if not path.is_file():
        raise QueueError(f"no SQLite queue at {display_path(path, site.root)}: nothing to migrate")
    target = server_store(url, secrets_environment(site.root), copy=False, where="--to")
    lock = PublishLock.of_site(site.cache_dir)
    try:
        if not lock.acquire():
            raise QueueError("a cmsite publish is running on this site; run migrate again once it is done")
        copied = _copy_queue(site, path, target)
        path.rename(migrated(path))  # before the lock is let go: no publish of this machine goes on with it
    finally:
        lock.release()
        target.close()
    return Migration(shown_url(url, mask=""), *copied, migrated(path))


def _copy_queue(site: Site, path: Path, target: Any) -> tuple[int, int, int]:
    """(entries, approvals, snapshots) copied from the SQLite queue at `path` into `target`."""
    try:
        source = QueueStore(path)
    except DamagedQueue as exc:
        raise ContentErrors([damaged_queue(site, path, str(exc))]) from None
    try:
        with source.transaction():
            entries, approvals, snapshots = source.all(), source.approvals(), source.snapshots()
            now = source.now()
            if busy := [e.id for e in entries if e.status in _HELD and e.lease_until and e.lease_until > now]:
                raise QueueError(
                    f"a publisher holds {', '.join(busy)} (claimed or sending); stop the publishers, "
                    "and run migrate again once their leases are over"
                )
            if held := target.fill(entries, approvals, snapshots):
                raise QueueError(
                    f"the database holds a queue already ({held} rows); migrate copies into an empty one only"
                )
    finally:
        source.close()
    return len(entries), len(approvals), len(snapshots)


_HELD = frozenset({Status.CLAIMED, Status.SENDING})


@dataclass(frozen=True)
class Change:
    """What a command did to one entry."""

    name: str  # approve, retry, cancel
    entry: Entry
    approval: Approval | None = None  # what `approve` recorded


# name → (statuses it applies to, what it sets)
_CHANGES: dict[str, tuple[frozenset[Status], dict[str, Any]]] = {
    "retry": (
        frozenset({Status.FAILED, Status.UNKNOWN, Status.CANCELLED, Status.EXPIRED}),
        {
            "status": Status.PENDING,
            "attempts": 0,
            "next_attempt": None,
            "error": None,
            "cancelled_by": None,
            "tried_at": None,
        },
    ),
    "cancel": (
        frozenset({Status.PENDING, Status.FAILED, Status.UNKNOWN, Status.CLAIMED, Status.EXPIRED}),
        {"status": Status.CANCELLED, "error": CANCELLED_BY_HAND, "cancelled_by": CancelledBy.PERSON},
    ),
}


def change(store: Store, name: str, entry_id: str) -> Change:
    """retry or cancel one entry; QueueError when its status does not allow it."""
    allowed, values = _CHANGES[name]
    entry = stored_entry(store, entry_id)
    refusal = QueueError(
        f"entry {entry_id} is {entry.status}; {name} works on {', '.join(sorted(allowed))} entries"
    )
    if entry.status not in allowed:
        raise refusal
    _update(store, entry, **values)
    return Change(name, entry)


APPROVABLE = frozenset({Status.PENDING, Status.FAILED, Status.CLAIMED, Status.UNKNOWN})


def approve(
    site: Site,
    store: Store,
    waiting: Iterable[Waiting],
    entry_ids: Iterable[str],
    *,
    by: str,
    note: str = "",
    place: str = "cmsite queue approve",
) -> list[Change]:
    """Record who approved each entry (or plan still waiting for its post), when, with their note,
    bound to the content it has now — every one or, when one cannot be approved, none.
    Sync first: what is approved is what the plans say now."""
    if not by.strip():
        raise QueueError("who approves? say it with --by NAME")
    plans = {plan.entry.id: plan.entry for plan in waiting}
    entries = [_approvable(store, plans, entry_id) for entry_id in dict.fromkeys(entry_ids)]
    done = []
    with store.transaction() as db:
        for entry in entries:
            approval = Approval(entry.id, by.strip(), site.now, entry_digest(entry), Via.COMMAND, note, place)
            store.add_approval(db, approval)
            stored = entry.id not in plans
            if stored and not store.update(db, entry.id, expect=entry.status, approved=1):
                raise QueueError(f"entry {entry.id} changed meanwhile; `cmsite queue --all` shows it now")
            done.append(Change("approve", entry, approval))
    return done


def _approvable(store: Store, plans: dict[str, Entry], entry_id: str) -> Entry:
    """The entry to approve: a plan waiting for its post, or a stored entry not sent yet."""
    if entry_id in plans:
        return plans[entry_id]
    entry = stored_entry(store, entry_id)
    if entry.status not in APPROVABLE:
        raise QueueError(
            f"entry {entry_id} is {entry.status}; approve works on {', '.join(sorted(APPROVABLE))} entries "
            "and on plans waiting for their post"
        )
    return entry


def awaiting_approval(
    site: Site, store: Store, waiting: Iterable[Waiting], days: Container[date]
) -> list[str]:
    """The ids of the entries, and plans waiting for their post, of the `days` (in the site's
    zone) that wait for an approval: approval is on for their account, and nobody approved
    what they hold now. By time."""
    approvals = by_entry(store.approvals())
    tz = site.config.tz
    stored = [e for e in store.all() if e.status == Status.PENDING and not e.approved]
    plans = [plan.entry for plan in waiting if not holds(approvals.get(plan.entry.id, ()), plan.entry)]
    found = {
        entry.id: entry
        for entry in [*stored, *plans]
        if entry.at.astimezone(tz).date() in days
        and needs_approval(site.config, entry.network, entry.account)
    }
    return [entry.id for entry in sorted(found.values(), key=lambda e: (e.at, e.network, e.account, e.id))]


def approve_month(
    site: Site,
    store: Store,
    waiting: Iterable[Waiting],
    month: Container[date],
    *,
    by: str,
    note: str = "",
) -> list[Change]:
    """Approve every entry of the month (in the site's zone) that waits for an approval, at once."""
    waiting = list(waiting)
    ids = awaiting_approval(site, store, waiting, month)
    return approve(site, store, waiting, ids, by=by, note=note, place=f"cmsite calendar --approve {month}")


def sync_warnings(site: Site, posts: Iterable[PlannedPost]) -> list[str]:
    """What the next sync will warn about (a changed plan whose post was sent, or cancelled by
    hand), found by syncing a copy in memory of the store: `cmsite check` writes nothing."""
    store = open_store(site, copy=True)
    try:
        return sync_site(site, store, posts).warnings
    finally:
        store.close()


def told(done: Change, site: Site) -> str:
    """What approve, retry or cancel did to the entry, in words, and what becomes of it next
    (`done.entry` is the entry as it was before the change)."""
    entry = done.entry
    what = f"{entry.id} ({entry.network}, {entry.source})"
    local = f"{entry.at.astimezone(site.config.tz):%Y-%m-%d %H:%M} {site.config.timezone}"
    when = "the next publish" if entry.at <= site.now else local
    if done.name == "retry":
        return f"{what}: queued again for {when}"
    if done.name == "cancel":
        undo = f"`cmsite queue retry {entry.id}` undoes it"
        return f"{what}: cancelled; never sent, even while its plan stays ({undo})"
    approved = f"approved by {done.approval.by}" if done.approval else "approved"
    if entry.status == Status.PENDING:
        return f"{what}: {approved} for {when}"
    if entry.status == Status.CLAIMED:
        return f"{what}: {approved}; a publish holds it now"
    return f"{what}: {approved}; it is {entry.status}: `cmsite queue retry {entry.id}` queues it again"


def found(store: Store, entry_id: str, url: str = "") -> Change:
    """A person looked: the post whose fate was unknown is on the network. Record it as sent
    (at `url`, when given) — published when it was the last of its thread, else queued for
    the rest, which the next publish sends after it."""
    entry = stored_entry(store, entry_id)
    if entry.status != Status.UNKNOWN:
        raise QueueError(f"entry {entry_id} is {entry.status}; found works on unknown entries")
    parts = [*entry.parts, {"remote_id": part_key(entry.id, len(entry.parts)), "url": url}]
    if len(parts) == len(entry.texts):
        values: dict[str, Any] = {
            "status": Status.PUBLISHED, "remote_id": parts[0]["remote_id"], "remote_url": parts[0]["url"] or None,
        }  # fmt: skip
    else:
        values = {"status": Status.PENDING, "attempts": 0}
    _update(store, entry, parts=parts, next_attempt=None, error=None, tried_at=None, **values)
    return Change("found", entry)


def _update(store: Store, entry: Entry, **values: Any) -> None:
    """A person's change, made only if no publisher or sync moved the entry since it was read."""
    with store.transaction() as db:
        if not store.update(db, entry.id, expect=entry.status, **values):
            raise QueueError(f"entry {entry.id} changed meanwhile; `cmsite queue --all` shows it now")


def stored_entry(store: Store, entry_id: str) -> Entry:
    entry = store.get(entry_id)
    if entry is None:
        raise QueueError(
            f"no queue entry {entry_id!r}; `cmsite queue --all` lists them (a plan `waiting` for its "
            "post's date is queued, and can be approved or cancelled, once the post is published)"
        )
    return entry


@dataclass(frozen=True)
class Deletion:
    """A post taken down (or recorded as taken down by hand), and what is left for a person."""

    entry: Entry
    label: str
    by_hand: bool
    warnings: list[str] = field(default_factory=list)


def delete(site: Site, store: Store, entry_id: str, *, by_hand: bool = False) -> Deletion:
    """Delete a published entry's post on its network (unless a person already did), then record
    the entry as deleted. Anything that stops it is a QueueError; nothing is recorded then."""
    entry = stored_entry(store, entry_id)
    if entry.status != Status.PUBLISHED or not entry.remote_id:
        hint = (
            "; `cmsite queue cancel` keeps an unsent one from going out" if entry.status != "deleted" else ""
        )
        raise QueueError(f"entry {entry_id} is {entry.status}; only a published post can be deleted{hint}")
    publisher = Publisher(site, store)
    network = publisher.network_for(entry)
    if network is None:
        raise QueueError(f"no plugin provides the network {entry.network!r}; install it")
    if not by_hand:
        try:
            network.delete(entry.remote_id, idempotency_key=entry.id)
        except (PublishError, NotImplementedError) as exc:
            raise QueueError(
                f"not deleted: {publisher.redact(str(exc))}. Once it is gone from {network.label} (removed by "
                f"hand, or already), `cmsite queue delete --by-hand {entry_id}` records it"
            ) from None
        except Exception as exc:  # a plugin bug
            raise QueueError(
                f"not deleted: {network.label} plugin failed ({type(exc).__name__}); "
                f"look on {network.label} whether the post is still there"
            ) from None
    with store.transaction() as db:
        store.update(db, entry_id, expect=Status.PUBLISHED, status=Status.DELETED, error=None)
    return Deletion(entry, network.label, by_hand, [] if by_hand else _left_behind(entry, network))


def _left_behind(entry: Entry, network: Network) -> list[str]:
    """A thread's later posts, on a network whose `delete` takes the first one only: a person removes them."""
    left = 0 if network.deletes_threads else len(entry.texts) - 1
    if not left:
        return []
    return [
        f"this was a thread of {len(entry.texts)} posts and {network.label} removed the first only; "
        f"delete the other {left} there by hand"
    ]


@dataclass(frozen=True)
class PublishRun:
    """What one `cmsite publish` did; `locked_out` when another one was running on the site;
    `unready`: what each account whose entries were held lacks, to be said once per account."""

    outcomes: list[Outcome]
    locked_out: bool = False
    unready: dict[tuple[str, str], list[str]] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return any(o.status in ("failed", "unknown", "held") for o in self.outcomes)


# What a run that lost its store half-way leaves, and what becomes of it.
LOST_MID_RUN = (
    "the run stopped there. What it sent before is recorded; a post it was sending then is recorded as "
    "sending, and once its lease is over the next run looks for it on its network before sending it again "
    "(where the network cannot be asked, `cmsite queue` shows it as unknown, for you to look)"
)


def publish(
    site: Site,
    store: Store,
    *,
    until: datetime | None = None,
    only: str | None = None,
    dry_run: bool = False,
    lock: bool = True,
) -> PublishRun:
    """Send what is due, under the site's publish lock (unless `lock` is off or it is a dry run).
    ContentErrors, before anything is sent, while `[site] url` is a placeholder and the queue
    holds entries to send (`cmsite publish` and `cmsite serve --publish` alike)."""
    if errors := site_url_errors(site.config, sum(entry.status in ACTIVE for entry in store.all())):
        raise ContentErrors(errors)
    publish_lock = PublishLock.of_site(site.cache_dir, enabled=lock and not dry_run)
    if not publish_lock.acquire():
        return PublishRun([], locked_out=True)
    try:
        publisher = Publisher(site, store)
        try:
            outcomes = publisher.run(until=until, only=only, dry_run=dry_run)
        except QueueUnreachable as exc:
            raise QueueError(f"{exc}; {LOST_MID_RUN}") from None
        held = {(o.network, o.account) for o in outcomes if o.status == "held"}
        return PublishRun(outcomes, unready=unready(site, held, publisher.environ))
    finally:
        publish_lock.release()
