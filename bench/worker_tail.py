"""How long the build's processes wait for one another at the end of each parallel phase.

    python3 bench/worker_tail.py --folder ~/blog/content/posts --engine commonmark
    python3 bench/worker_tail.py --posts 1000 --runs 5 --baseline /tmp/before
    python3 bench/worker_tail.py --folder ~/blog/content/posts --delete --baseline /tmp/before

A cold build spreads two maps of jobs over the cores (cmsite/workers.py): the content files,
then the pages and files. Whatever one process still has to do once the others have run out of
jobs, the others wait for: on two cores that is wall time for nothing. Each run here is one cold
build of the generated corpus (bench/corpus.py) or of a folder's posts (bench/folder.py), with
every job's end noted by the process that ran it (`map_jobs` wrapped before cmsite's modules
import it, so the same wrapping works on an older checkout); for each map, the tail is the time
from the first process's last job to the last process's last job. Medians of the runs; with
`--baseline DIR`, another checkout (a `git worktree` of an older commit) runs in turn with this
one, in its own venv (as bench/run.py's `--baseline`).

Each build starts as bench/run.py's do, the last one's output and cache moved aside. With
`--delete` they are deleted just before, as `rm -rf output .cmsite && cmsite build` does: on a
filesystem that is slow to reuse the inodes it just freed (ext4 without a journal, this
machine's: docs/performance.md, "Measuring"), writing files then slows by an amount that
changes from moment to moment, so one process may fall behind the other.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import run

# Run in the build's own process, before cmsite's command line: every job's end, with its
# process and the map it belongs to, one line each (short appends to one file do not mix).
TIMED_JOBS = """
import os, time, itertools
import cmsite.workers as workers
_log, _maps, _map_jobs = open(os.environ["TAIL_LOG"], "a", buffering=1), itertools.count(), workers.map_jobs

def map_jobs(job, inputs):
    number = next(_maps)
    def timed(value):
        result = job(value)
        _log.write(f"{number} {os.getpid()} {time.monotonic()}\\n")
        return result
    return _map_jobs(timed, inputs)

workers.map_jobs = map_jobs
from cmsite.cli import main
main()
"""


def tails(python: Path, site: Path, *, delete: bool) -> list[float]:
    """Seconds from the first process's last job to the last one's, for each map of one cold build."""
    if delete:  # as `rm -rf output .cmsite && cmsite build` does
        for name in ("output", ".cmsite"):
            shutil.rmtree(site / name, ignore_errors=True)
    else:
        run.clean("cmsite", site)
    with tempfile.NamedTemporaryFile("r", suffix=".log") as log:
        # Run in the site's folder: `python -c` imports first from the folder it runs in, and
        # in this checkout's that is this cmsite, whichever venv runs it.
        subprocess.run(
            [str(python), "-c", TIMED_JOBS, "--site", str(site), "build"], cwd=site,
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            env={**os.environ, "TAIL_LOG": log.name},
        )  # fmt: skip
        last: dict[int, dict[int, float]] = {}
        for line in log.read().splitlines():
            number, pid, at = line.split()
            ends = last.setdefault(int(number), {})
            ends[int(pid)] = max(ends.get(int(pid), 0.0), float(at))
    return [max(ends.values()) - min(ends.values()) for _, ends in sorted(last.items()) if len(ends) > 1]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    run.add_site_arguments(parser, posts=1000, engine="commonmark")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--baseline", type=Path, help="another checkout of cmsite, run in turn with this one")
    parser.add_argument(
        "--delete",
        action="store_true",
        help="delete the last build's output and cache just before each build, rather than move them aside",
    )
    args = parser.parse_args()
    run.run_inside_bench_venv(__file__)
    pythons = {"this checkout": run.python()}
    if args.baseline:
        run.setup_baseline(args.baseline.resolve())
        pythons["baseline"] = run.BASELINE_VENV / "bin/python"
    work = Path(tempfile.mkdtemp(prefix="cmsite-tail-"))
    run.cache_bytecode(work / "pycache")
    site, what, _ = run.one_site(args, work / "site")
    measured: dict[str, list[list[float]]] = {name: [] for name in pythons}
    for round_ in range(args.runs):  # checkouts take turns: a slow minute of the machine hits both
        for name, python in pythons.items():
            measured[name].append(tails(python, site, delete=args.delete))
        print(f"  round {round_ + 1}/{args.runs} done", file=sys.stderr, flush=True)
    run.empty_trash(work)
    print(
        f"{what}, {args.engine} engine, cold build: the processes' wait at the end of each map, "
        f"median (shortest–longest; mean) of {args.runs} runs"
    )
    print()
    print("| checkout | loading the content, s | rendering, s |")
    print("|---|---:|---:|")
    for name, runs in measured.items():
        cells = [_spread([r[i] for r in runs if len(r) > i]) for i in range(2)]
        print(f"| {name} | " + " | ".join(cells) + " |")


def _spread(values: list[float]) -> str:
    if not values:
        return "–"
    median, mean = statistics.median(values), statistics.mean(values)
    return f"{median:.3f} ({min(values):.3f}–{max(values):.3f}; {mean:.3f})"


if __name__ == "__main__":
    main()
