"""Parallel cold builds: the jobs' results come back complete, in order, and failures are not lost."""

from __future__ import annotations

import multiprocessing
import os
import signal
import time

import pytest

from cmsite.render import parallel
from cmsite.render.parallel import Deferred, WorkerFailed, map_jobs

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


def test_small_jobs_run_in_process():
    assert {pid for pid in map_jobs(lambda _: os.getpid(), JOBS[: parallel.MIN_PARALLEL_JOBS - 1])} == {
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


def test_meanwhile_work_is_done_by_the_parent_while_the_workers_take_the_jobs():
    parent = os.getpid()
    meanwhile = Deferred(lambda: (os.getpid(), time.sleep(0.2))[0])
    results = list(map_jobs(lambda n: (slowly(n), os.getpid()), JOBS, meanwhile=meanwhile))
    assert meanwhile.future is not None and meanwhile.result() == parent  # done during the map
    assert [n for n, _ in results] == JOBS
    done_by_parent = sum(pid == parent for _, pid in results)
    assert done_by_parent < len(JOBS) / 3  # the workers took the jobs while the parent was busy


def test_meanwhile_work_waits_for_its_result_when_the_jobs_run_in_process_and_keeps_its_error():
    calls = []
    meanwhile = Deferred(lambda: calls.append("made") or len(calls))
    list(map_jobs(slowly, JOBS[:10], meanwhile=meanwhile))
    assert calls == []  # nothing to overlap with: done when asked for
    assert meanwhile.result() == 1 and meanwhile.result() == 1 and calls == ["made"]

    failing = Deferred(lambda: 1 / 0)
    list(map_jobs(slowly, JOBS, meanwhile=failing))  # the map itself goes on
    with pytest.raises(ZeroDivisionError):
        failing.result()


def test_deferred_work_runs_once_and_says_when_it_has():
    calls = []
    later = Deferred(lambda: calls.append(1) or len(calls))
    assert not later.done
    later.run()
    assert later.done and later.result() == 1 and calls == [1]


@pytest.mark.parametrize(("chosen", "forked"), [(None, False), ("2", True)])
def test_pages_of_a_large_site_render_in_one_process_unless_workers_are_chosen(
    site_folder, monkeypatch, chosen, forked
):
    """Above LARGE_SITE items a forked worker would copy the pages holding them."""
    from cmsite.content import store
    from cmsite.render import builder

    for n in range(12):
        site_folder.post(f"2026-01-{n + 1:02d}-p{n}.md", f"title: Post {n}")
    monkeypatch.setattr(parallel, "MIN_PARALLEL_JOBS", 1)
    monkeypatch.setattr(store, "LARGE_SITE", 10)
    if chosen is None:
        monkeypatch.delenv("CMSITE_WORKERS")
    else:
        monkeypatch.setenv("CMSITE_WORKERS", chosen)
    monkeypatch.setattr(parallel.os, "sched_getaffinity", lambda _: {0, 1}, raising=False)
    mapped = []
    real_map = builder.map_jobs
    monkeypatch.setattr(builder, "map_jobs", lambda *a, **k: mapped.append(1) or real_map(*a, **k))
    report = site_folder.build()
    assert report.rendered > 12
    assert bool(mapped) is forked
