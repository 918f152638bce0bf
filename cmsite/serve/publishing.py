"""`--publish`: the watch session also sends due social posts, with `cmsite publish`'s guarantees.

A thread wakes when the next entry is due (or after a save changed the queue) and runs
the same Publisher as `cmsite publish`, under the same lock, so a cron job on the same
site and this loop never send at once; leases and the "sending" record keep every entry
exactly once. A publish that succeeded asks for a rebuild, so the post shows its
"Also on …" links.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from cmsite.errors import ContentErrors
from cmsite.queue.location import open_store
from cmsite.queue.service import publish, redactor
from cmsite.queue.store import ACTIVE, published_stamp, queue_path
from cmsite.serve.session import WatchSession

LONGEST_WAIT = 60.0  # look again at least this often: an entry retried later, an approval


class PublishLoop:
    def __init__(self, session: WatchSession) -> None:
        self.session = session
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="cmsite-publish", daemon=True)
        self._said: dict[str, str] = {}
        session.after_sync = self.wake

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=30)

    def wake(self) -> None:
        self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.publish_due()
                wait = self._seconds_to_next()
            except ContentErrors as exc:  # a damaged queue database: said, and looked at again later
                for error in exc.errors:
                    self.session.say(str(error), fg="red")
                wait = LONGEST_WAIT
            self._wake.wait(wait)
            self._wake.clear()

    def publish_due(self) -> None:
        site, say = self.session.site, self.session.say
        store = open_store(site)
        try:
            done = publish(site, store)
        except Exception as exc:  # keep watching; the entries' states say what happened
            say(redactor(site)(f"publishing stopped: {exc.__class__.__name__}: {exc}"), fg="red")
            return
        finally:
            store.close()
        outcomes = done.outcomes  # none when `cmsite publish` is running on this site: it sends them
        for outcome in outcomes:
            if self._said.get(outcome.id) == str(outcome):
                continue  # an entry still waiting for approval, or still unknown: said once
            self._said[outcome.id] = str(outcome)
            colour = {"published": "green", "failed": "red", "unknown": "red"}.get(outcome.status, "yellow")
            say(str(outcome), fg=colour)
        if any(outcome.status == "published" for outcome in outcomes):
            self.session.request_rebuild(published_stamp(queue_path(site)))

    def _seconds_to_next(self) -> float:
        store = open_store(self.session.site)
        try:
            upcoming = [entry.next_attempt or entry.at for entry in store.all() if entry.status in ACTIVE]
        finally:
            store.close()
        now = datetime.now(UTC)
        later = [(moment - now).total_seconds() for moment in upcoming if moment > now]
        return max(0.5, min([LONGEST_WAIT, *later]))
