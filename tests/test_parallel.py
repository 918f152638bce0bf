"""Parallel cold builds: the jobs' results come back complete, in order, and failures are not lost."""

from __future__ import annotations

import multiprocessing
import os
import signal
import time

import pytest

from cmsite import workers
from cmsite.workers import WorkerFailed, map_jobs

JOBS = list(range(1000))


def slowly(n: int) -> int:
    """A job of about a millisecond: long enough that every process gets some (a real page takes more)."""
    time.sleep(0.001)
    return n


@pytest.fixture(autouse=True)
def three_processes(monkeypatch):
    monkeypatch.setenv("CMSITE_WORKERS", "3")


def test_every_result_comes_back_in_order_and_the_work_is_shared():
    results = list(map_jobs(lambda n: (slowly(n) ** 2, os.getpid()), JOBS))
    assert [square for square, _ in results] == [n * n for n in JOBS]
    assert len({pid for _, pid in results}) == 3  # the parent and two workers each did some


def test_a_worker_held_up_holds_back_only_the_run_it_started(monkeypatch):
    """No job waits in a worker's queue behind a slow one while another process has nothing to
    do: each run of jobs is taken by the process about to start it. Here the worker's first job
    is held up until the parent has done two thirds of the jobs, which it can only do if the
    worker holds no more than the run it is in (runs are at most a quarter of the jobs on two
    processes); with runs handed out ahead, the parent would wait for the worker for ever."""
    monkeypatch.setenv("CMSITE_WORKERS", "2")
    parent = os.getpid()
    context = multiprocessing.get_context("fork")
    done_by_parent, changed = context.Value("q", 0), context.Condition()
    held_up = context.Event()

    def job(n: int) -> int:
        if os.getpid() == parent:
            with changed:
                done_by_parent.value += 1
                changed.notify_all()
        elif not held_up.is_set():
            held_up.set()
            with changed:  # a generous bound, reached only when the parent cannot go on
                if not changed.wait_for(lambda: done_by_parent.value >= 2 * len(JOBS) // 3, timeout=60):
                    raise RuntimeError(f"the parent stopped after {done_by_parent.value} jobs")
        return slowly(n)

    assert list(map_jobs(job, JOBS)) == JOBS
    assert held_up.is_set()


def test_small_jobs_run_in_process():
    assert {pid for pid in map_jobs(lambda _: os.getpid(), JOBS[: workers.MIN_PARALLEL_JOBS - 1])} == {
        os.getpid()
    }


def test_a_job_that_raises_in_a_worker_stops_the_map_with_its_traceback():
    parent = os.getpid()

    def job(n: int) -> int:
        if os.getpid() != parent:
            raise ValueError(f"post {n} is broken")
        return slowly(n)

    with pytest.raises(WorkerFailed, match=r"ValueError: post \d+ is broken"):
        list(map_jobs(job, JOBS))


def test_a_job_that_raises_in_the_parent_raises_there_and_stops_the_workers():
    parent = os.getpid()

    def job(n: int) -> int:
        if os.getpid() == parent:
            raise KeyError("in the parent")
        return slowly(n)

    with pytest.raises(KeyError):
        list(map_jobs(job, JOBS))
    assert not multiprocessing.active_children()


def test_a_worker_that_dies_is_reported_instead_of_waited_for():
    parent = os.getpid()

    def job(n: int) -> int:
        if os.getpid() != parent:
            os.kill(os.getpid(), signal.SIGKILL)
        return slowly(n)

    with pytest.raises(WorkerFailed, match="stopped before sending"):
        list(map_jobs(job, JOBS))


def test_closing_the_results_early_leaves_no_worker_running():
    """A build that stops at its first error cleans its staging folder next: no worker may still write."""
    results = map_jobs(slowly, JOBS)
    assert next(results) == 0
    results.close()
    assert not multiprocessing.active_children()
