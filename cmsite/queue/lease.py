"""One thread per publisher run that keeps the lease of the entry in flight alive.

A network call may outlast a lease (a slow answer, a network's own timeout): while it is in
flight, every third of a lease this thread pushes the lease's end further, so that no other
publisher takes the entry over. One thread for the whole run, not one per send: each thread
has its own database connection (neither sqlite3 nor psycopg connections are shared between
threads), and a PostgreSQL server takes about a hundred clients, so a run of hundreds of sends
must not open a connection for each.

A database out of reach is asked again at the next third: the network call goes on, and the
send's next write, a compare-and-set in the publisher's thread, says whether the entry is
still ours.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial

from cmsite.queue.store import QueueUnreachable, Status


@dataclass(frozen=True)
class _Hold:
    number: int  # two holds of the same entry are two holds: each counts its own thirds
    entry_id: str
    status: Status


class LeaseKeeper:
    """`renew(entry_id, status)` extends the lease and says whether the entry is still ours;
    `every` is a third of the lease, in seconds."""

    def __init__(self, renew: Callable[[str, Status], bool], every: float) -> None:
        self._renew = renew
        self._every = every
        self._held: _Hold | None = None
        self._closed = False
        self._changed = threading.Condition()
        self._numbers = itertools.count()
        self._thread: threading.Thread | None = None

    @contextmanager
    def keeping(self, entry_id: str, status: Status) -> Iterator[None]:
        """Renew the entry's lease while the block runs."""
        with self._changed:
            self._held = _Hold(next(self._numbers), entry_id, status)
            if self._thread is None:
                self._thread = threading.Thread(target=self._keep, name="cmsite-lease", daemon=True)
                self._thread.start()
            self._changed.notify()
        try:
            yield
        finally:
            with self._changed:
                self._held = None
                self._changed.notify()

    def close(self) -> None:
        """End the thread (before its store's connections are closed); a later hold starts another."""
        with self._changed:
            self._closed = True
            self._changed.notify()
        if self._thread is not None:
            self._thread.join()
        self._thread, self._closed = None, False

    def _keep(self) -> None:
        with self._changed:
            while not self._closed:
                held = self._held
                if held is None:
                    self._changed.wait()
                elif not self._changed.wait_for(partial(self._moved_on, held), self._every):
                    self._extend(held)

    def _extend(self, held: _Hold) -> None:
        """One renewal; an entry no longer ours is left alone until its hold ends."""
        try:
            kept = self._renew(held.entry_id, held.status)
        except QueueUnreachable:
            return
        if not kept:
            self._changed.wait_for(partial(self._moved_on, held))

    def _moved_on(self, held: _Hold) -> bool:
        """The hold ended (or another began), or the keeper is closing."""
        return self._held is not held or self._closed
