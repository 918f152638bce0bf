"""Spread work over the machine's cores for large cold builds.

Workers are forked, so they start with the parent's site already loaded (its items, plugins
and templates) and nothing has to be pickled on the way in; only results come back. Where
fork is not available (macOS, Windows) or the job is small, the work runs in-process.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

MIN_PARALLEL_JOBS = 200
_job: Callable[[Any], Any] | None = None
_inputs: Sequence[Any] = ()


def workers() -> int:
    wanted = os.environ.get("CMSITE_WORKERS")
    if wanted and wanted.isdigit():
        return max(1, int(wanted))
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def map_jobs(job: Callable[[T], R], inputs: Sequence[T]) -> Iterator[R]:
    """`job(x)` for every input, in order; forked workers when it pays off."""
    count = workers()
    if count < 2 or len(inputs) < MIN_PARALLEL_JOBS or "fork" not in multiprocessing.get_all_start_methods():
        yield from map(job, inputs)
        return
    global _job, _inputs
    _job, _inputs = job, inputs
    # Frozen objects are never scanned by the workers' garbage collector, which would otherwise
    # write to (and so copy) every page of the parent's objects it looks at.
    gc.freeze()
    try:
        context = multiprocessing.get_context("fork")
        chunk = max(1, len(inputs) // (count * 8))
        # The parent takes a share itself instead of waiting: the same cores are busy with one
        # worker fewer, and each worker costs memory as it touches the parent's objects.
        share = len(inputs) // count
        with context.Pool(count - 1) as pool:
            theirs = pool.imap(_run, range(share, len(inputs)), chunksize=chunk)
            mine = [job(value) for value in inputs[:share]]
            yield from mine
            yield from theirs
    finally:
        gc.unfreeze()
        _job, _inputs = None, ()


def _run(index: int) -> Any:
    assert _job is not None
    return _job(_inputs[index])
