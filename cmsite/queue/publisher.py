"""Send every due entry exactly once.

For each entry: claim it (a lease, in a transaction, so two publishers never take the
same one), commit "sending", call the network, then commit the result. Each of those
writes is a compare-and-set on the status and on this publisher still holding an
unexpired lease: a publisher that stalled past its lease (a slow hook, a pause) finds
the entry taken over and sends nothing. While a network call is in flight a second
thread renews the lease (cmsite.queue.lease), so a slow answer never lets another publisher in.

A thread is recorded part by part as the network confirms each one, and a retry resumes
at the first part not confirmed. A crash between "sending" and the result leaves the
entry "sending" with a lease that runs out; the next publisher marks it "unknown". An
unknown entry (a crash, or a failure after the request may have reached the network) is
looked for on the network before anything is sent again, whether or not the network
deduplicates: idempotency keys expire (Mastodon keeps them one hour). Where the network
cannot be asked, the entry waits until a person looks and runs `cmsite queue retry ID`
or `cmsite queue cancel ID`.

The page comes first: before the first part of a post that links to its page goes out, that
page (and each picture a network fetches from the deployed site) must answer 200 at its
public address. One that does not gives the claimed entry back, pending, with the reason
in `error` and a later look: nothing was committed as "sending", and no attempt is used.

Retries: 429, 5xx and timeouts wait with exponential backoff and jitter (or the network's
Retry-After, whichever is longer); refusals fail at once with the network's message.
`attempts` counts tries that ended with an answer or a timeout: a killed publisher does
not use one up.

Every message that leaves this module goes through the site's `Redactor`, so a secret a
network echoes back is never printed or stored.
"""

from __future__ import annotations

import os
import random
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cmsite.messages import count
from cmsite.queue.lease import LeaseKeeper
from cmsite.queue.store import ACTIVE, Entry, Status, Store, TakenOver
from cmsite.social.accounts import network_for, secrets_environment, unready
from cmsite.social.http import not_live
from cmsite.social.media import MediaError, OutsideSite, media_file
from cmsite.social.network import Media, Network, Published, PublishError, SocialPost
from cmsite.social.redact import Redactor
from cmsite.social.settings import needs_approval, queue_settings
from cmsite.social.styling import social_copy

if TYPE_CHECKING:
    from cmsite.site import Site

BACKOFF_CAP = 3600.0
LONGEST_WAIT = 7 * 24 * 3600.0  # the longest wait a network may ask for: a longer one would not fit a date


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
        self.redact = Redactor.for_networks(site.networks.values(), self.environ)
        self.owner = owner or f"{os.uname().nodename}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.settings = queue_settings(site.config)
        self.lease = timedelta(seconds=self.settings.lease_seconds)
        # The store's clock: the database server's for PostgreSQL, so skewed machines agree on leases.
        self.clock = clock or store.now
        self.keeper = LeaseKeeper(self.renew, self.lease.total_seconds() / 3)

    def due(self, until: datetime | None = None, only: str | None = None) -> list[Entry]:
        """Active entries whose time has come; an unknown one only when it is to be looked for again
        (`next_attempt` set): one with none waits for a person."""
        now = self.clock()
        until = until or now
        return [
            entry
            for entry in self.store.all()
            if (only is None or entry.id == only)
            and entry.status in ACTIVE
            and entry.at <= until
            and not (entry.status == Status.UNKNOWN and entry.next_attempt is None and only is None)
            and (entry.next_attempt is None or entry.next_attempt <= now or only is not None)
        ]

    def run(
        self, until: datetime | None = None, only: str | None = None, dry_run: bool = False
    ) -> list[Outcome]:
        """Publish what is due; return one outcome per entry looked at.

        The accounts of the due entries are checked first, offline: an entry whose account lacks
        a credential or a setting is "held" (it stays as it is, to go once the account is set),
        and the entries of the other accounts go out."""
        try:
            return self._run(until, only, dry_run)
        finally:
            self.keeper.close()

    def _run(self, until: datetime | None, only: str | None, dry_run: bool) -> list[Outcome]:
        outcomes = []
        due = self.due(until, only)
        lacking = unready(self.site, ((entry.network, entry.account) for entry in due), self.environ)
        for entry in due:
            if (
                entry.status in (Status.PENDING, Status.CLAIMED)
                and needs_approval(self.site.config, entry.network, entry.account)
                and not entry.approved
            ):
                outcomes.append(
                    Outcome(entry.id, entry.network, entry.account, "waiting", "due but not approved")
                )
                continue
            if problems := lacking.get((entry.network, entry.account)):
                outcomes.append(Outcome(entry.id, entry.network, entry.account, "held", "\n".join(problems)))
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
        """Take an entry for this publisher, or None if another holds a live lease on it.

        A "sending" entry whose lease ran out had a publisher die during its send: it
        becomes "unknown", to be looked for before it is sent again.
        """
        now = self.clock()
        with self.store.transaction() as db:
            entry = self.store.lock(db, entry_id)
            if entry is None:  # gone, or another publisher is claiming it right now
                return None
            lease = {"lease_owner": self.owner, "lease_until": now + self.lease}
            lease_over = entry.lease_until is None or entry.lease_until <= now
            if entry.status == Status.PENDING:
                taken = self.store.update(db, entry_id, expect=Status.PENDING, status=Status.CLAIMED, **lease)
            elif entry.status == Status.CLAIMED and lease_over:
                taken = self.store.update(db, entry_id, expect=Status.CLAIMED, **lease)
            elif entry.status == Status.SENDING and lease_over:
                taken = self.store.update(db, entry_id, expect=Status.SENDING, status=Status.UNKNOWN, **lease)
            elif entry.status == Status.UNKNOWN and lease_over:
                taken = self.store.update(db, entry_id, expect=Status.UNKNOWN, **lease)
            else:
                return None
        return self.store.get(entry_id) if taken else None

    def send(self, entry: Entry) -> Outcome:
        network = self.network_for(entry)
        unsure = entry.status == Status.UNKNOWN
        if network is None:
            missing = f"no plugin provides the network {entry.network!r}; install it"
            failed = {"error": missing, "next_attempt": None}
            status = Status.UNKNOWN if unsure else Status.FAILED  # an unknown one may be out there
            return self._record(entry, status, failed, missing, expect=entry.status)
        if unsure and not network.can_find():
            return self._wait_for_a_person(
                entry,
                network,
                f"{network.label} may have received it already and cannot be asked",
                expect=entry.status,
            )
        if (waiting := self._page_not_live(entry, network)) is not None:
            return waiting
        try:
            self.site.pm.hook.cmsite_before_publish(entry=entry, network=network, site=self.site)
        except PublishError as exc:
            if unsure:  # it may be out there already: a person decides
                return self._wait_for_a_person(entry, network, f"not sent again: {exc}", expect=entry.status)
            return self._finish(entry, Status.FAILED, str(exc), expect=entry.status)
        try:
            with self._holding(entry, Status.SENDING, expect=entry.status):
                published = network.publish(
                    self._post(entry, network),
                    entry.id,
                    sent=[Published(p["remote_id"], p["url"]) for p in entry.parts],
                    unsure=unsure,
                    since=entry.tried_at,
                    progress=_Recorder(self, entry.id),
                )
        except TakenOver:
            return self._taken_over(entry)
        except NotImplementedError:  # only find_one raises it: the network cannot be asked
            return self._wait_for_a_person(
                entry, network, "it may have been received already and cannot be asked"
            )
        except PublishError as exc:
            return self._failed(entry, network, exc)
        self.site.pm.hook.cmsite_after_publish(entry=entry, published=published, site=self.site)
        return self._finish(entry, Status.PUBLISHED, "", published=published)

    def _page_not_live(self, entry: Entry, network: Network) -> Outcome | None:
        """Before a first send, with the entry claimed and nothing committed as "sending": the
        outcome of an entry given back to wait when its page, or a picture the network fetches
        from the site, does not answer 200 yet; None when all do, or when nothing is looked at."""
        if not self.settings.wait_for_page or entry.status != Status.CLAIMED or entry.parts:
            return None
        for url in self._public_urls(entry, network):
            if (answer := not_live(url, self.settings.page_timeout_seconds)) is not None:
                return self._wait_for_page(entry, url, answer)
        return None

    def _public_urls(self, entry: Entry, network: Network) -> list[str]:
        """What the post needs live: its page (a post's plan links to it, in its text or as the
        link card), then each picture a network such as Threads fetches from the deployed site."""
        if not network.fetches_media:
            return [entry.link] if entry.link else []
        try:
            pictures = [self.picture(m["path"], m["alt"]).url for m in entry.media]
        except PublishError:  # a picture outside the site: the send refuses it next, and says why
            pictures = []
        return [url for url in (entry.link, *pictures) if url]

    def _wait_for_page(self, entry: Entry, url: str, answer: str) -> Outcome:
        """Pending again, without using up an attempt: the next look waits as long as the entry
        has waited since its time (at least `retry_base_seconds`, at most an hour). Past
        `catch_up_hours` after its time it expires, as a plan first seen that late does."""
        now = self.clock()
        seen = f"waiting for {url} to answer ({answer} at {self._local(now)})"
        hours = self.settings.catch_up_hours
        deadline = None if hours is None else entry.at + timedelta(hours=hours)
        if deadline is not None and now >= deadline:
            message = (
                f"{seen}, `catch_up_hours` after its time: not sent (`cmsite queue retry {entry.id}` sends it "
                "once the page is live; `[queue] wait_for_page = false` sends without looking)"
            )
            values = {"error": message, "next_attempt": None}
            return self._record(entry, Status.EXPIRED, values, message, expect=Status.CLAIMED)
        waited = (now - entry.at).total_seconds()
        later = now + timedelta(seconds=min(BACKOFF_CAP, max(self.settings.retry_base_seconds, waited)))
        later = min(later, deadline) if deadline is not None else later
        message = f"{seen}; next look at {self._local(later)}"
        values = {"error": message, "next_attempt": later}
        return self._record(entry, Status.PENDING, values, message, outcome="waiting", expect=Status.CLAIMED)

    def _local(self, moment: datetime) -> str:
        """A time of day in the site's zone, as `cmsite queue` shows the others."""
        return moment.astimezone(self.site.config.tz).strftime("%H:%M")

    @contextmanager
    def _holding(self, entry: Entry, status: Status, *, expect: Status) -> Iterator[None]:
        """Commit `status` (before the network is called), then keep the lease alive while the
        block runs; TakenOver if the entry is no longer ours. `tried_at` keeps the start of the
        first try of the part not yet confirmed: a lost copy of it went out after that."""
        with self.store.transaction() as db:
            if not self.store.update(
                db, entry.id, expect=expect, owner=self.owner, now=self.clock(), status=status,
                lease_until=self.clock() + self.lease, tried_at=entry.tried_at or self.clock(),
            ):  # fmt: skip
                raise TakenOver(entry.id)
        with self.keeper.keeping(entry.id, status):
            yield

    def renew(self, entry_id: str, status: Status) -> bool:
        """Extend this publisher's lease on an entry in `status`; False when it is no longer ours."""
        now = self.clock()
        with self.store.transaction() as db:
            return self.store.update(
                db, entry_id, expect=status, owner=self.owner, now=now, lease_until=now + self.lease
            )

    def _post(self, entry: Entry, network: Network) -> SocialPost:
        return SocialPost(
            texts=entry.texts,
            media=[
                self._styled(self.picture(m["path"], m["alt"]), network, m.get("focus")) for m in entry.media
            ],
            link=entry.link,
            title=entry.title,
            summary=entry.summary,
        )

    def _failed(self, entry: Entry, network: Network, error: PublishError) -> Outcome:
        attempts = entry.attempts + 1  # the network answered, or the try ran out of time: one attempt
        message = str(error)
        again = error.retry and attempts < self.settings.max_attempts
        given_up = (
            f" (gave up after {count(attempts, 'attempt', 'attempts')})" if error.retry and not again else ""
        )
        if error.maybe_sent and not (again and network.can_find()):  # only a person can tell now
            return self._wait_for_a_person(
                entry, network, f"{message}{given_up}; it may have been posted", attempts=attempts
            )
        if again:
            delay = self._delay(attempts, error)
            status, then = (
                (Status.UNKNOWN, f"it may have been posted: in {delay:.0f} s the next publish looks for it first")
                if error.maybe_sent
                else (Status.PENDING, f"next try in {delay:.0f} s")
            )  # fmt: skip
            values = {
                "error": message,
                "next_attempt": self.clock() + timedelta(seconds=delay),
                "attempts": attempts,
            }
            return self._record(entry, status, values, f"{message}; {then}", outcome="retry")
        reason = f"{message}{given_up}"
        return self._record(entry, Status.FAILED, {"error": reason, "attempts": attempts}, reason)

    def _delay(self, attempts: int, error: PublishError) -> float:
        """Exponential backoff with jitter, never sooner than the network asked."""
        backoff = min(BACKOFF_CAP, self.settings.retry_base_seconds * 2 ** (attempts - 1))
        return min(LONGEST_WAIT, max(backoff * random.uniform(0.5, 1.5), error.retry_after or 0.0))

    def _wait_for_a_person(
        self, entry: Entry, network: Network, why: str, *, expect: Status = Status.SENDING, **values: Any
    ) -> Outcome:
        """Unknown with no next try: only a person can tell whether it went out."""
        message = f"{why}; {_ask_a_person(network.label, entry.id)}"
        values.update(error=message, next_attempt=None)
        return self._record(entry, Status.UNKNOWN, values, message, expect=expect)

    def _finish(
        self,
        entry: Entry,
        status: Status,
        message: str,
        published: Published | None = None,
        *,
        expect: Status = Status.SENDING,
    ) -> Outcome:
        values: dict[str, Any] = {"error": message or None}
        if published is not None:
            values.update(
                remote_id=self.redact(published.remote_id),
                remote_url=self.redact.optional(published.url),
                published_at=self.clock(),
                next_attempt=None,
            )
        return self._record(entry, status, values, message, url=values.get("remote_url"), expect=expect)

    def _record(
        self,
        entry: Entry,
        status: Status,
        values: dict[str, Any],
        message: str,
        *,
        outcome: str | None = None,
        url: str | None = None,
        expect: Status = Status.SENDING,
    ) -> Outcome:
        """Write the result — only if this publisher still holds the entry. If its lease ran out
        and another publisher took it over, that one's record stands, not ours."""
        if "error" in values:
            values["error"] = self.redact.optional(values["error"])
        with self.store.transaction() as db:
            written = self.store.update(
                db, entry.id, expect=expect, owner=self.owner,
                now=self.clock(), status=status, lease_owner=None, lease_until=None, **values,
            )  # fmt: skip
        if not written:
            return self._taken_over(entry)
        return Outcome(
            entry.id, entry.network, entry.account, outcome or str(status), self.redact(message), url
        )

    def _taken_over(self, entry: Entry) -> Outcome:
        return Outcome(
            entry.id, entry.network, entry.account, "taken over",
            "another publisher took it over after this one's lease ran out; nothing was sent",
        )  # fmt: skip

    def network_for(self, entry: Entry) -> Network | None:
        """The entry's network, for its account, with its settings and credentials; None if not installed."""
        return network_for(self.site, entry.network, entry.account, self.environ)

    def picture(self, path: str, alt: str) -> Media:
        """One of the entry's pictures: its file (a site path /images/x.png is one of the content
        folder) and the address the deployed site serves it at, for networks that fetch it there."""
        try:
            file = media_file(self.site, path)
        except OutsideSite as exc:  # checked when planned; a link changed since is never followed
            raise PublishError(str(exc), retry=False) from None
        return Media(str(file), alt, self.site.published_url(file))

    def _styled(self, media: Media, network: Network, focus: list[float] | None) -> Media:
        """The picture with the copy `[social.images]` makes for this network (the site's logo, the
        network's shape around `focus`) as the file to upload; its public address stays the source's."""
        try:
            copy = social_copy(
                self.site, type(network), Path(media.path), (focus[0], focus[1]) if focus else None
            )
        except MediaError as exc:
            raise PublishError(f"{network.label}: {exc}", retry=False) from None
        return replace(media, path=str(copy)) if copy else media


class _Recorder:
    """Follows a send part by part: the lease checked before each part goes out, and each
    confirmed part written to the store at once, so a retry resumes after it."""

    def __init__(self, publisher: Publisher, entry_id: str):
        self.publisher = publisher
        self.entry_id = entry_id

    def starting(self, number: int) -> None:
        if not self.publisher.renew(self.entry_id, Status.SENDING):
            raise TakenOver(self.entry_id)

    def sent(self, number: int, published: Published) -> None:
        publisher, store = self.publisher, self.publisher.store
        part = {"remote_id": publisher.redact(published.remote_id), "url": publisher.redact(published.url)}
        with store.transaction() as db:
            current = store.get(self.entry_id)
            if current is None or not store.update(
                db, self.entry_id, expect=Status.SENDING, owner=publisher.owner, now=publisher.clock(),
                parts=[*current.parts[:number], part], tried_at=publisher.clock(),
            ):  # fmt: skip
                raise TakenOver(self.entry_id)


def _ask_a_person(label: str, entry_id: str) -> str:
    """What to do about an entry only a person can settle: look, then send it again, record it, or drop it."""
    return (
        f"look on {label}, then run `cmsite queue retry {entry_id}` if it is not there, "
        f"`cmsite queue found {entry_id}` if it is (the rest of a thread then goes out), "
        f"or `cmsite queue cancel {entry_id}` to send nothing more"
    )
