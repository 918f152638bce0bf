"""Send every due entry exactly once.

For each entry: claim it (a lease, in a transaction, so two publishers never take the
same one), commit "sending", call the network, then commit the result. A crash between
"sending" and the result leaves the entry "sending" with a lease that runs out; the next
publisher marks it "unknown" and reconciles it: a network that is idempotent by design
(Mastodon's Idempotency-Key, Bluesky's record key) is simply sent again with the same
key and makes no second post; any other stays "unknown" until someone checks the
network and runs `cmsite queue retry ID` or `cmsite queue cancel ID`.

Retries: 429, 5xx and timeouts wait with exponential backoff and jitter (or the network's
Retry-After, whichever is longer); refusals fail at once with the network's message.
"""

from __future__ import annotations

import os
import random
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cmsite.queue.store import Entry, Store
from cmsite.social.media import media_file
from cmsite.social.network import Credentials, Media, Network, PublishError, SocialPost

if TYPE_CHECKING:
    from cmsite.site import Site

LEASE = timedelta(minutes=10)
BACKOFF_BASE = 60.0
BACKOFF_CAP = 3600.0


@dataclass
class Outcome:
    """What happened to one entry in this run, for the log and for --json."""

    id: str
    network: str
    account: str
    status: str
    message: str = ""
    url: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)

    def __str__(self) -> str:
        return f"{self.status}: {self.network} ({self.account}) {self.id} {self.url or self.message}".rstrip()


class Publisher:
    def __init__(
        self,
        site: Site,
        store: Store,
        *,
        environ: Mapping[str, str] | None = None,
        owner: str | None = None,
        clock: Any = None,
    ):
        self.site = site
        self.store = store
        self.environ = environ if environ is not None else secrets_environment(site.root)
        self.owner = owner or f"{os.uname().nodename}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        settings = site.config.raw.get("queue", {})
        self.max_attempts = int(settings.get("max_attempts", 5))
        self.lease = timedelta(seconds=float(settings.get("lease_seconds", LEASE.total_seconds())))
        self.backoff_base = float(settings.get("retry_base_seconds", BACKOFF_BASE))
        self.clock = clock or (lambda: datetime.now(UTC))

    def needs_approval(self, network: str) -> bool:
        queue = self.site.config.raw.get("queue", {})
        per_network = self.site.config.raw.get("networks", {}).get(network, {})
        return bool(per_network.get("approval", queue.get("approval", False)))

    def due(self, until: datetime | None = None, only: str | None = None) -> list[Entry]:
        now = self.clock()
        until = until or now
        return [
            entry
            for entry in self.store.all()
            if (only is None or entry.id == only)
            and entry.status in ("pending", "claimed", "sending", "unknown")
            and entry.at <= until
            and (entry.next_attempt is None or entry.next_attempt <= now or only is not None)
        ]

    def run(
        self, until: datetime | None = None, only: str | None = None, dry_run: bool = False
    ) -> list[Outcome]:
        """Publish what is due; return one outcome per entry looked at."""
        outcomes = []
        for entry in self.due(until, only):
            if (
                entry.status in ("pending", "claimed")
                and self.needs_approval(entry.network)
                and not entry.approved
            ):
                outcomes.append(
                    Outcome(entry.id, entry.network, entry.account, "waiting", "due but not approved")
                )
                continue
            if dry_run:
                outcomes.append(
                    Outcome(entry.id, entry.network, entry.account, "would send", entry.texts[0][:60])
                )
                continue
            claimed = self.claim(entry.id)
            if claimed is None:
                continue  # another publisher has it, or it changed since
            outcomes.append(self.send(claimed))
        return outcomes

    def claim(self, entry_id: str) -> Entry | None:
        """Take an entry for this publisher, or None if another holds a live lease on it."""
        now = self.clock()
        with self.store.transaction() as db:
            entry = self.store.get(entry_id)
            if entry is None:
                return None
            lease_over = entry.lease_until is None or entry.lease_until <= now
            if entry.status == "pending" or (entry.status == "claimed" and lease_over):
                self.store.update(
                    db, entry_id, status="claimed", lease_owner=self.owner, lease_until=now + self.lease
                )
            elif entry.status == "sending" and lease_over:
                # Its publisher died after announcing the send: what happened is not known.
                self.store.update(
                    db, entry_id, status="unknown", lease_owner=self.owner, lease_until=now + self.lease
                )
                entry.status = "unknown"
            elif entry.status == "unknown" and lease_over:
                self.store.update(db, entry_id, lease_owner=self.owner, lease_until=now + self.lease)
            else:
                return None
        return self.store.get(entry_id)

    def send(self, entry: Entry) -> Outcome:
        site = self.site
        network_class = site.networks.get(entry.network)
        if network_class is None:
            return self._finish(
                entry, "failed", f"no plugin provides the network {entry.network!r}; install it"
            )
        network = self.network_for(entry)
        assert network is not None
        post = SocialPost(
            texts=entry.texts,
            media=[self.picture(m["path"], m["alt"]) for m in entry.media],
            link=entry.link,
            title=entry.title,
            summary=entry.summary,
        )
        if entry.status == "unknown" and not network_class.idempotent:
            settled = self._reconcile(entry, network, post)
            if settled is not None:
                return settled
        try:
            site.pm.hook.cmsite_before_publish(entry=entry, network=network, site=site)
        except PublishError as exc:
            return self._finish(entry, "failed", str(exc))
        with self.store.transaction() as db:  # committed before the network is called
            self.store.update(
                db,
                entry.id,
                status="sending",
                attempts=entry.attempts + 1,
                lease_until=self.clock() + self.lease,
            )
        try:
            published = network.publish(post, idempotency_key=entry.id)
        except PublishError as exc:
            return self._failed(entry, network_class, exc)
        except Exception as exc:  # a plugin bug: the request may or may not have gone out
            return self._finish(entry, "unknown", f"{network_class.label}: {type(exc).__name__}: {exc}")
        site.pm.hook.cmsite_after_publish(entry=entry, published=published, site=site)
        return self._finish(entry, "published", "", remote_id=published.remote_id, url=published.url)

    def _reconcile(self, entry: Entry, network: Network, post: SocialPost) -> Outcome | None:
        """An earlier send may have gone through: look before sending again (None: not there, send)."""
        try:
            found = network.find(post, entry.id)
        except NotImplementedError:
            return self._finish(
                entry, "unknown", f"{network.label} may have received it already and cannot be asked; "
                + _ask_a_person(network.label, entry.id),
            )  # fmt: skip
        except PublishError as exc:
            return self._finish(
                entry, "unknown", f"could not look on {network.label} for an earlier send: {exc}"
            )
        if found is None:
            return None
        return self._finish(entry, "published", "", remote_id=found.remote_id, url=found.url)

    def _failed(self, entry: Entry, network: type[Network], error: PublishError) -> Outcome:
        attempts = entry.attempts + 1
        if error.retry and error.maybe_sent and not network.idempotent:
            then = (
                f"the next publish looks for it on {network.label} before sending it again"
                if network.find is not Network.find
                else _ask_a_person(network.label, entry.id)
            )
            return self._finish(entry, "unknown", f"{error}; it may have been posted: {then}")
        if error.retry and attempts < self.max_attempts:
            delay = min(BACKOFF_CAP, self.backoff_base * 2 ** (attempts - 1)) * random.uniform(0.5, 1.5)
            delay = max(delay, error.retry_after or 0.0)
            return self._record(
                entry,
                {"status": "pending", "error": str(error), "next_attempt": self.clock() + timedelta(seconds=delay),
                 "lease_owner": None, "lease_until": None},
                Outcome(entry.id, entry.network, entry.account, "retry", f"{error}; next try in {delay:.0f} s"),
            )  # fmt: skip
        reason = str(error) if not error.retry else f"{error} (gave up after {attempts} attempts)"
        return self._finish(entry, "failed", reason)

    def _finish(self, entry: Entry, status: str, message: str, **remote: Any) -> Outcome:
        values: dict[str, Any] = {
            "status": status,
            "error": message or None,
            "lease_owner": None,
            "lease_until": None,
        }
        if status == "published":
            values.update(remote_id=remote["remote_id"], remote_url=remote["url"], published_at=self.clock())
        return self._record(
            entry, values, Outcome(entry.id, entry.network, entry.account, status, message, remote.get("url"))
        )

    def _record(self, entry: Entry, values: dict[str, Any], outcome: Outcome) -> Outcome:
        """Write what happened, unless our lease ran out during the call and another publisher
        took the entry over (it reconciles with the same key): then its record stands, not ours."""
        with self.store.transaction() as db:
            current = self.store.get(entry.id)
            if current is not None and current.lease_owner != self.owner:
                return Outcome(
                    entry.id, entry.network, entry.account, "taken over", "another publisher has it"
                )
            self.store.update(db, entry.id, **values)
        return outcome

    def network_for(self, entry: Entry) -> Network | None:
        """The entry's network, for its account, with its settings and credentials; None if not installed."""
        network_class = self.site.networks.get(entry.network)
        if network_class is None:
            return None
        return network_class(
            entry.account, self.options(entry), Credentials.for_network(network_class, self.environ)
        )

    def options(self, entry: Entry) -> dict[str, Any]:
        """[networks.NAME] settings, overridden by [networks.NAME.accounts.ACCOUNT]."""
        section = dict(self.site.config.raw.get("networks", {}).get(entry.network, {}))
        accounts = section.pop("accounts", {})
        return {**section, **accounts.get(entry.account, {})}

    def picture(self, path: str, alt: str) -> Media:
        """One of the entry's pictures: its file (a site path /images/x.png is one of the content
        folder) and the address the deployed site serves it at, for networks that fetch it there."""
        file = media_file(self.site.config.content_dir, path)
        return Media(str(file), alt, self.site.published_url(file))


def _ask_a_person(label: str, entry_id: str) -> str:
    """What to do about an entry only a person can settle: look, then send it again or drop it."""
    return (
        f"look on {label}, then run `cmsite queue retry {entry_id}` if it is not there "
        f"or `cmsite queue cancel {entry_id}` if it is"
    )


def secrets_environment(root: Path) -> dict[str, str]:
    """The environment, with the site's .env underneath it (the environment wins)."""
    from dotenv import dotenv_values

    values = (
        {k: v for k, v in dotenv_values(root / ".env").items() if v is not None}
        if (root / ".env").is_file()
        else {}
    )
    return {**values, **os.environ}
