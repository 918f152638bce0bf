"""Spread a build's many small jobs (Markdown files, pages) over the machine's cores.

Workers are forked, through `concurrent.futures`, so they start with the parent's site
already loaded (its items, plugins and compiled templates): nothing is pickled on the way
in, only results come back. The jobs are cut into chunks that shrink towards the end, taken
in order by the workers (each given a couple ahead, so that none waits for the parent to
hand it the next) and by the parent, which works too (on two cores: one worker and the
parent, which also has the workers' results to take in). The processes finish within a few
milliseconds of one another (bench/worker_tail.py). Where fork is not available (macOS,
Windows) or there are few jobs, the work runs in-process.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
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

    Closing the iterator early (an error) waits for the chunks workers have started, so no
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
    executor = ProcessPoolExecutor(
        processes - 1, mp_context=context, initializer=_receive, initargs=(job, inputs)
    )
    try:
        yield from _Chunks(executor, processes, job, inputs).results()
    except BrokenProcessPool:
        raise WorkerFailed("a build worker stopped before sending its results") from None
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
        gc.unfreeze()


class _Chunks:
    """Runs of jobs that shrink towards the end, taken in order: workers are given a couple
    each ahead, and the parent takes the next one no worker was given."""

    def __init__(
        self, executor: ProcessPoolExecutor, processes: int, job: Callable[[Any], Any], inputs: Sequence[Any]
    ):
        self.executor, self.job, self.inputs = executor, job, inputs
        self.ahead = 2 * (processes - 1)
        self.chunks: list[range] = []
        start = 0
        while start < len(inputs):
            stop = min(len(inputs), start + max(1, (len(inputs) - start) // (2 * processes)))
            self.chunks.append(range(start, stop))
            start = stop
        self.untaken = deque(range(len(self.chunks)))
        self.given: dict[int, Future[list[Any]]] = {}
        self.done: dict[int, list[Any]] = {}

    def results(self) -> Iterator[Any]:
        for position in range(len(self.chunks)):
            while position not in self.done:
                self._give_workers()
                given = self.given.get(position)
                if given is not None and (given.done() or not self.untaken):
                    self.done[position] = _result(given)  # waits when the parent has nothing left to take
                    del self.given[position]
                else:
                    index = self.untaken.popleft()
                    self.done[index] = [self.job(self.inputs[i]) for i in self.chunks[index]]
            yield from self.done.pop(position)

    def _give_workers(self) -> None:
        while self.untaken and sum(not f.done() for f in self.given.values()) < self.ahead:
            index = self.untaken.popleft()
            chunk = self.chunks[index]
            self.given[index] = self.executor.submit(_run_chunk, chunk.start, chunk.stop)


def _result(future: Future[list[R]]) -> list[R]:
    try:
        return future.result()
    except BrokenProcessPool:
        raise
    except Exception as exc:
        remote = exc.__cause__  # concurrent.futures attaches the worker's traceback as the cause
        raise WorkerFailed(str(remote) if remote is not None else repr(exc)) from exc


_job: Callable[[Any], Any] | None = None
_inputs: Sequence[Any] = ()


def _receive(job: Callable[[Any], Any], inputs: Sequence[Any]) -> None:
    """In a new worker: the job and its inputs, inherited through the fork rather than pickled."""
    global _job, _inputs
    _job, _inputs = job, inputs


def _run_chunk(start: int, stop: int) -> list[Any]:
    assert _job is not None
    return [_job(_inputs[index]) for index in range(start, stop)]
