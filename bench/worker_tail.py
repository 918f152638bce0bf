"""How long the build's processes wait for one another at the end of each parallel phase.

    python3 bench/worker_tail.py --folder ~/blog/content/posts --engine commonmark
    python3 bench/worker_tail.py --posts 1000 --runs 5 --baseline /tmp/before

A cold build spreads two maps of jobs over the cores (cmsite/workers.py): the content files,
then the pages and files. Whatever one process still has to do once the others have run out of
jobs, the others wait for: on two cores that is wall time for nothing. Each run here is one cold
build of the generated corpus (bench/corpus.py) or of a folder's posts (bench/folder.py), with
every job's end noted by the process that ran it (`map_jobs` wrapped before cmsite's modules
import it, so the same wrapping works on an older checkout); for each map, the tail is the time
from the first process's last job to the last process's last job. Medians of the runs; with
`--baseline DIR`, another checkout (a `git worktree` of an older commit) runs in turn with this
one, in its own venv (as bench/run.py's `--baseline`).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import corpus
import folder
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


def tails(python: Path, site: Path) -> list[float]:
    """Seconds from the first process's last job to the last one's, for each map of one cold build."""
    run.clean("cmsite", site)
    with tempfile.NamedTemporaryFile("r", suffix=".log") as log:
        subprocess.run(
            [str(python), "-c", TIMED_JOBS, "--site", str(site), "build"],
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
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument(
        "--folder", type=Path, help="a folder of Markdown posts instead of the generated ones"
    )
    parser.add_argument("--engine", choices=("default", "commonmark"), default="commonmark")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--baseline", type=Path, help="another checkout of cmsite, run in turn with this one")
    args = parser.parse_args()
    run.run_inside_bench_venv(__file__)
    pythons = {"this checkout": run.python()}
    if args.baseline:
        run.setup_baseline(args.baseline.resolve())
        pythons["baseline"] = run.BASELINE_VENV / "bin/python"
    work = Path(tempfile.mkdtemp(prefix="cmsite-tail-"))
    run.cache_bytecode(work / "pycache")
    tool = "cmsite-commonmark" if args.engine == "commonmark" else "cmsite"
    posts = folder.posts(args.folder) if args.folder else corpus.posts(args.posts)
    site = run.write_sites(posts, work / "site", [tool])[tool]
    measured: dict[str, list[list[float]]] = {name: [] for name in pythons}
    for round_ in range(args.runs):  # checkouts take turns: a slow minute of the machine hits both
        for name, python in pythons.items():
            measured[name].append(tails(python, site))
        print(f"  round {round_ + 1}/{args.runs} done", file=sys.stderr, flush=True)
    run.empty_trash(work)
    what = f"{len(posts):,} posts" + (f" of {args.folder.name}" if args.folder else "")
    print(
        f"{what}, {args.engine} engine, cold build: the processes' wait at the end of each map, median of {args.runs} runs"
    )
    print()
    print("| checkout | loading the content, s | rendering, s |")
    print("|---|---:|---:|")
    for name, runs in measured.items():
        cells = [
            f"{statistics.median(r[i] for r in runs):.3f}" if all(len(r) > i for r in runs) else "–"
            for i in range(2)
        ]
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
