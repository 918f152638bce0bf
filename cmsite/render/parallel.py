"""Spread work over the machine's cores for large cold builds.

Workers are forked, so they start with the parent's site already loaded (its items, plugins
and templates) and nothing has to be pickled on the way in; only results come back. The
parent works too. Every process claims the next run of jobs from a shared counter, large
runs first and small ones at the end, so none sits idle while another still has a queue:
the parent also has the workers' results to take in, and a busy machine can slow any one
process. Where fork is not available (macOS, Windows) or the job is small, the work runs
in-process.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import queue
import traceback
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from typing import Any, Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")

MIN_PARALLEL_JOBS = 200
_job: Callable[[Any], Any] | None = None
_inputs: Sequence[Any] = ()


class WorkerFailed(RuntimeError):
    """A job raised in a worker, or a worker died; the message holds the worker's traceback."""


def workers() -> int:
    wanted = chosen_workers()
    if wanted is not None:
        return wanted
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def chosen_workers() -> int | None:
    """The number of processes the user asked for (`CMSITE_WORKERS`), if any."""
    wanted = os.environ.get("CMSITE_WORKERS")
    return max(1, int(wanted)) if wanted and wanted.isdigit() else None


class Deferred(Generic[R]):
    """Work whose result is wanted later: done by the parent while forked workers take the
    jobs (see `map_jobs`), or at the latest when `result()` asks for it."""

    def __init__(self, work: Callable[[], R]):
        self.work = work
        self.future: Future[R] | None = None

    def run(self) -> None:
        if self.future is None:
            self.future = Future()
            try:
                self.future.set_result(self.work())
            except Exception as exc:  # raised again by result(), where the caller expects it
                self.future.set_exception(exc)

    @property
    def done(self) -> bool:
        return self.future is not None

    def result(self) -> R:
        self.run()
        assert self.future is not None
        return self.future.result()


def forks(jobs: int) -> bool:
    """Whether `map_jobs` spreads this many jobs over forked workers."""
    return workers() >= 2 and jobs >= MIN_PARALLEL_JOBS and "fork" in multiprocessing.get_all_start_methods()


def map_jobs(
    job: Callable[[T], R], inputs: Sequence[T], *, meanwhile: Deferred[Any] | None = None
) -> Iterator[R]:
    """`job(x)` for every input, in order; forked workers when it pays off.

    With workers, the parent first does the `meanwhile` work, then joins in: the workers
    take more of the jobs, and that work costs no time of its own.
    """
    if not forks(len(inputs)):
        yield from map(job, inputs)
        return
    global _job, _inputs
    _job, _inputs = job, inputs
    # Frozen objects are never scanned by the workers' garbage collector, which would otherwise
    # write to (and so copy) every page of the parent's objects it looks at.
    gc.freeze()
    try:
        shared = _Shared(workers())
        if meanwhile is not None:
            meanwhile.run()
        yield from shared.results()
    finally:
        gc.unfreeze()
        _job, _inputs = None, ()


class _Shared:
    """The parent's side: the counter every process claims jobs from, and the workers' results."""

    def __init__(self, processes: int):
        context = multiprocessing.get_context("fork")
        self.total = len(_inputs)
        self.processes = processes
        self.counter = context.Value("q", 0)
        self.sent: multiprocessing.Queue[tuple[int, list[Any] | str]] = context.Queue()
        self.workers = [
            context.Process(target=_work, args=(self,), daemon=True) for _ in range(processes - 1)
        ]
        for worker in self.workers:
            worker.start()

    def claim(self) -> range | None:
        """The next run of jobs: a share of what is left, so the runs shrink towards the end."""
        with self.counter.get_lock():
            start = self.counter.value
            if start >= self.total:
                return None
            stop = min(self.total, start + max(1, (self.total - start) // (2 * self.processes)))
            self.counter.value = stop
        return range(start, stop)

    def results(self) -> Iterator[Any]:
        assert _job is not None
        done: dict[int, list[Any]] = {}
        position = 0
        try:
            while position < self.total:
                mine = self.claim()
                if mine is not None:
                    done[mine.start] = [_job(_inputs[index]) for index in mine]
                self._collect(done, wait=mine is None and position not in done)
                while position in done:
                    chunk = done.pop(position)
                    position += len(chunk)
                    yield from chunk
        finally:
            for worker in self.workers:
                if worker.is_alive() and position < self.total:
                    worker.terminate()  # the caller stopped early (an error): nothing more is wanted
                worker.join()

    def _collect(self, done: dict[int, list[Any]], *, wait: bool) -> None:
        """Take in what the workers sent; when `wait`, block until something comes."""
        while True:
            try:
                start, chunk = self.sent.get(timeout=1) if wait else self.sent.get_nowait()
            except queue.Empty:
                if not wait:
                    return
                if not any(worker.is_alive() for worker in self.workers):
                    raise WorkerFailed("a build worker stopped before sending its results") from None
                continue
            if isinstance(chunk, str):
                raise WorkerFailed(chunk)
            done[start] = chunk
            wait = False


def _work(shared: _Shared) -> None:
    """A worker's life: claim runs of jobs until none are left, sending each run's results."""
    assert _job is not None
    while (mine := shared.claim()) is not None:
        try:
            shared.sent.put((mine.start, [_job(_inputs[index]) for index in mine]))
        except BaseException:
            shared.sent.put((mine.start, traceback.format_exc()))
            return
    shared.sent.close()
    shared.sent.join_thread()
