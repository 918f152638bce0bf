"""Spread a build's many small jobs (Markdown files, pages) over the machine's cores.

Workers are forked, through `concurrent.futures`, so they start with the parent's site
already loaded (its items, plugins and compiled templates): nothing is pickled on the way
in, only results come back. The parent works too (on two cores: one worker and the parent,
which also takes in the workers' results). Each process takes its next run of jobs from a
count they share, in shared memory, when it is about to start it: a share of what is left, so
runs shrink towards the end and the processes finish within milliseconds of one another
(bench/worker_tail.py). A worker is handed tickets, "take the next run", a couple ahead so
that it never waits for the parent; runs handed out ahead waited behind a slow one while
the parent, done with its own, waited for them (a third of a second at the end of each of the
real blog's two maps). Where fork is not available (macOS, Windows) or there are few jobs, the
work runs in-process.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

MIN_PARALLEL_JOBS = 200


class WorkerFailed(RuntimeError):
    """A job raised in a worker, or a worker died; the message holds the worker's traceback."""


def workers() -> int:
    """Processes to use, the parent included: `CMSITE_WORKERS`, or one per core this process may use."""
    wanted = os.environ.get("CMSITE_WORKERS")
    if wanted and wanted.isdigit():
        return max(1, int(wanted))
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def forks(jobs: int) -> bool:
    """Whether `map_jobs` spreads this many jobs over forked workers."""
    return workers() >= 2 and jobs >= MIN_PARALLEL_JOBS and "fork" in multiprocessing.get_all_start_methods()


def map_jobs(job: Callable[[T], R], inputs: Sequence[T]) -> Iterator[R]:
    """`job(x)` for every input, in order; on forked workers too when it pays off.

    Closing the iterator early (an error) waits for the runs workers have started, so no
    worker is still writing when the caller cleans up.
    """
    if not forks(len(inputs)):
        yield from map(job, inputs)
        return
    processes = workers()
    # Frozen objects are never scanned by the workers' garbage collector, which would otherwise
    # write to (and so copy) every memory page of the parent's objects it looks at.
    gc.freeze()
    context = multiprocessing.get_context("fork")
    shared = _Shared(job, inputs, context.Value("q", 0), processes)
    executor = ProcessPoolExecutor(
        processes - 1, mp_context=context, initializer=_receive, initargs=(shared,)
    )
    try:
        yield from _Runs(executor, shared).results()
    except BrokenProcessPool:
        raise WorkerFailed("a build worker stopped before sending its results") from None
    finally:
        shared.take_all()  # a worker that starts a ticket now finds nothing left to do
        executor.shutdown(wait=True, cancel_futures=True)
        gc.unfreeze()


@dataclass(frozen=True)
class _Shared:
    """What the parent and its forked workers share: the job, its inputs, and in shared memory
    the first job no process has taken yet."""

    job: Callable[[Any], Any]
    inputs: Sequence[Any]
    taken: Any  # multiprocessing.Value
    processes: int

    def take(self) -> range:
        """The next run of jobs, for the process about to start it: a share of what is left,
        so that runs shrink towards the end and the processes finish close together; empty
        when every job is taken."""
        with self.taken.get_lock():
            start = self.taken.value
            stop = min(len(self.inputs), start + max(1, (len(self.inputs) - start) // (2 * self.processes)))
            self.taken.value = stop
        return range(start, stop)

    def run(self, jobs: range) -> list[Any]:
        return [self.job(self.inputs[index]) for index in jobs]

    def left(self) -> bool:
        return self.taken.value < len(self.inputs)

    def take_all(self) -> None:
        with self.taken.get_lock():
            self.taken.value = len(self.inputs)


class _Runs:
    """The parent's side: tickets that keep each worker busy, its own runs, and the results in order.

    A ticket says "take the next run", not which: a ticket that waits in a worker's queue
    behind a slow run holds back no job from a process that has nothing left to do.
    """

    def __init__(self, executor: ProcessPoolExecutor, shared: _Shared):
        self.executor, self.shared = executor, shared
        self.ahead = 2 * (shared.processes - 1)  # per worker, a ticket running and one waiting
        self.tickets: set[Future[tuple[int, int, list[Any]]]] = set()
        self.done: dict[int, tuple[int, list[Any]]] = {}  # a run's first job → its end, its results

    def results(self) -> Iterator[Any]:
        position, shared = 0, self.shared
        while position < len(shared.inputs):
            self._take_in()
            if position in self.done:
                position, results = self.done.pop(position)
                yield from results
            elif run := shared.take():
                self.done[run.start] = (run.stop, shared.run(run))
            else:  # every job is taken: the last ones are with the workers
                wait(self.tickets, return_when=FIRST_COMPLETED)

    def _take_in(self) -> None:
        """Keep the runs the workers finished, and give each worker tickets while jobs are left."""
        for ticket in [ticket for ticket in self.tickets if ticket.done()]:
            self.tickets.discard(ticket)
            start, stop, results = _result(ticket)
            if stop > start:
                self.done[start] = (stop, results)
        while len(self.tickets) < self.ahead and self.shared.left():
            self.tickets.add(self.executor.submit(_run_ticket))


def _result(future: Future[T]) -> T:
    try:
        return future.result()
    except BrokenProcessPool:
        raise
    except Exception as exc:
        remote = exc.__cause__  # concurrent.futures attaches the worker's traceback as the cause
        raise WorkerFailed(str(remote) if remote is not None else repr(exc)) from exc


_shared: _Shared | None = None


def _receive(shared: _Shared) -> None:
    """In a new worker: what it shares with the parent, inherited through the fork rather than pickled."""
    global _shared
    _shared = shared


def _run_ticket() -> tuple[int, int, list[Any]]:
    """In a worker: the next run's first job and end, and its results."""
    assert _shared is not None
    run = _shared.take()
    return run.start, run.stop, _shared.run(run)
