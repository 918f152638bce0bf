"""The thread that keeps a send's lease alive: one for a publisher's whole run, renewing every
third of a lease while a send is in flight, and asking again when the database is out of reach."""

from __future__ import annotations

import threading

from cmsite.queue.lease import LeaseKeeper
from cmsite.queue.store import QueueUnreachable, Status


def keepers() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name == "cmsite-lease"]


def test_a_database_out_of_reach_is_asked_again_at_the_next_third():
    asked: list[str] = []
    renewed_twice = threading.Event()

    def renew(entry_id: str, status: Status) -> bool:
        asked.append(entry_id)
        if len(asked) == 1:
            raise QueueUnreachable("the queue database: connection failed")
        renewed_twice.set()
        return True

    keeper = LeaseKeeper(renew, every=0.01)
    with keeper.keeping("entry-1", Status.SENDING):
        assert renewed_twice.wait(30)
    keeper.close()
    assert asked[:2] == ["entry-1", "entry-1"]


def test_one_thread_keeps_every_lease_of_a_run_and_stops_with_it():
    renewed: dict[str, threading.Event] = {name: threading.Event() for name in ("a", "b", "c")}
    keeper = LeaseKeeper(lambda entry_id, status: renewed[entry_id].set() or True, every=0.01)
    before = len(keepers())
    for name in renewed:
        with keeper.keeping(name, Status.SENDING):
            assert renewed[name].wait(30)
        assert len(keepers()) == before + 1
    keeper.close()
    assert len(keepers()) == before
