"""Counts over time: what each network says of the recently published posts and of the
accounts, and, with `record`, kept as snapshots in the store (`cmsite metrics --collect`, run
by cron like `cmsite publish`), from which the monthly report is made.

A network that gives no counts, or no figures for an account, says so (NotImplementedError):
nothing is recorded for it and the reading says why, rather than a zero the report would
believe. One network down never hides the others, and a failure makes the command exit 1. Every
word a network answers goes through the site's Redactor, so a secret it echoes reaches neither
the screen nor the store; counts are whole numbers, or the reading is a plugin's failure.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from cmsite.messages import count
from cmsite.queue.store import Entry, Snapshot, Status, Store
from cmsite.social.accounts import configured_accounts, network_for, secrets_environment
from cmsite.social.redact import Redactor

if TYPE_CHECKING:
    from cmsite.site import Site
    from cmsite.social.network import Network

SECTION = "metrics"  # [metrics] days: how far back published posts are still counted
DEFAULT_DAYS = 30


@dataclass(frozen=True)
class Reading:
    """What one question got: a post's counts (`entry`) or the account's (no entry); else why not —
    `problem` when the network refused or failed, `unavailable` when it gives no such counts."""

    network: str
    label: str
    account: str
    entry: Entry | None
    counts: dict[str, int] = field(default_factory=dict)
    problem: str | None = None
    unavailable: str | None = None

    def as_dict(self) -> dict[str, Any]:
        entry = self.entry
        return {
            "network": self.network, "account": self.account, "of": "post" if entry else "account",
            "id": entry.id if entry else None, "source": entry.source if entry else None,
            "url": entry.remote_url if entry else None, "counts": self.counts,
            "problem": self.problem, "unavailable": self.unavailable,
        }  # fmt: skip


@dataclass(frozen=True)
class Collection:
    """One round of questions, all at `taken`; `recorded` when its counts went into the store."""

    taken: datetime
    days: int
    readings: list[Reading]
    recorded: bool

    @property
    def failed(self) -> bool:
        return any(reading.problem for reading in self.readings)

    def snapshots(self) -> list[Snapshot]:
        return [
            Snapshot(self.taken, r.network, r.account, r.entry.id if r.entry else None, metric, value)
            for r in self.readings
            for metric, value in r.counts.items()
        ]


def collection_days(site: Site) -> int:
    """`[metrics] days`: published posts younger than this are counted."""
    return int(site.settings.get(SECTION, {}).get("days", DEFAULT_DAYS))


def collect(
    site: Site,
    store: Store,
    *,
    record: bool = False,
    days: int | None = None,
    environ: Mapping[str, str] | None = None,
    clock: Callable[[], datetime] | None = None,
) -> Collection:
    """Ask every network for the counts of the posts it published in the last `days` and for the
    figures of every account that sends or sent them; with `record`, add them to the store as
    snapshots (one transaction). Each question is asked once, at most eight at a time."""
    environ = secrets_environment(site.root) if environ is None else environ
    taken = (clock or (lambda: datetime.now(UTC)))()
    days = collection_days(site) if days is None else days
    since = taken - timedelta(days=days)
    entries = [
        e
        for e in store.all()
        if e.status == Status.PUBLISHED and e.remote_id and e.published_at and e.published_at >= since
    ]
    accounts = sorted({*configured_accounts(site), *((e.network, e.account) for e in entries)})
    networks = {key: found for key in accounts if (found := network_for(site, *key, environ)) is not None}
    redact = Redactor.for_networks(site.networks.values(), environ)
    questions: list[tuple[Network, Entry | None]] = [
        *((networks[key], None) for key in networks),
        *((networks[(e.network, e.account)], e) for e in entries if (e.network, e.account) in networks),
    ]
    with ThreadPoolExecutor(max_workers=8) as pool:
        readings = list(pool.map(lambda question: _read(*question, redact), questions))
    for reading in readings:
        if reading.entry is not None and not reading.problem and not reading.unavailable:
            site.pm.hook.cmsite_metrics(entry=reading.entry, metrics=reading.counts, site=site)
    collection = Collection(taken, days, readings, record)
    if record:
        with store.transaction() as db:
            store.add_snapshots(db, collection.snapshots())
    return collection


def _read(network: Network, entry: Entry | None, redact: Redactor) -> Reading:
    """One question to one network; never raises."""
    from cmsite.social.network import PublishError

    reading = Reading(network.name, network.label, network.account, entry)
    if missing := network.missing_settings():
        return replace(reading, problem=redact("; ".join(missing)))
    try:
        counts = network.metrics(entry.remote_id) if entry and entry.remote_id else network.account_metrics()
    except NotImplementedError as exc:
        return replace(reading, unavailable=redact(str(exc)))
    except PublishError as exc:
        return replace(reading, problem=redact(str(exc)))
    except Exception as exc:  # a plugin's bug: said, and the other networks still asked
        return replace(reading, problem=redact(f"{network.label}: {type(exc).__name__}: {exc}"))
    if not _whole_counts(counts):
        return replace(reading, problem=f"{network.label}: the plugin gave counts that are not whole numbers")
    return replace(reading, counts=dict(counts))


def _whole_counts(counts: Any) -> bool:
    return isinstance(counts, dict) and all(
        isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool) and v >= 0
        for k, v in counts.items()
    )


def reading_lines(collection: Collection) -> list[tuple[str, bool]]:
    """What `cmsite metrics` prints, line by line, each with whether it is a problem (for stderr)."""
    lines = []
    for reading in collection.readings:
        what = reading.entry.source if reading.entry else "account"
        where = f"{reading.label} ({reading.account})  {what}"
        if reading.problem:
            lines.append((f"{where}: {reading.problem}", True))
        elif reading.unavailable:
            lines.append((f"{where}: none ({reading.unavailable})", False))
        else:
            counts = ", ".join(f"{name} {value}" for name, value in reading.counts.items())
            lines.append((f"{where}: {counts or 'none'}", False))
    numbers = len(collection.snapshots())
    if collection.recorded:
        lines.append(
            (f"{count(numbers, 'count', 'counts')} kept, taken {collection.taken:%Y-%m-%d %H:%M} UTC.", False)
        )
    else:
        lines.append(
            ("Nothing kept: `cmsite metrics --collect` keeps the counts for `cmsite report`.", False)
        )
    return lines
