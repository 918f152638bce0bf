"""How long `cmsite` takes to start, command by command, and which imports `--help` waits for.

    .venv/bin/python bench/startup.py                         # 9 runs of each command
    .venv/bin/python bench/startup.py --runs 15 --top 30
    .venv/bin/python bench/startup.py --baseline /tmp/before  # and another checkout, in turn

Run it with the Python that has cmsite installed: it times the `cmsite` script beside that
interpreter. Each command runs in a fresh process, in a copy of the sample site (this
checkout's cmsite.toml and content/, in a temporary folder: its .cmsite/ and queue never touch
the checkout; its `[site] url` made a real address), with the installed plugins the site
enables, and with compiled bytecode cached as any installation has it (in the temporary
folder, whatever PYTHONDONTWRITEBYTECODE says). A first round, not counted, fills the caches
and checks that every command succeeds; then each round runs every command once, in turn, so
that a noisy moment on a shared machine slows all of them rather than one. The table gives the
median wall time and, in brackets, the fastest and slowest run.

`--baseline DIR` runs another checkout of cmsite (an older commit: `git archive` or
`git worktree`) in the same rounds, right after this one for each command, with DIR and
each DIR/plugins/*/ first on PYTHONPATH and a site copy of its own: before and after a change,
on the same machine in the same minutes.

Then one `python -X importtime` run of this checkout's `cmsite --help` lists the imports that
took longest, each with the module that imported it ("top level": the script, or a function
importing it as it runs): where start-up time goes.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SITE_URL = "https://carnet.startup-bench.net"
COMMANDS = (
    ("--version",),
    ("--help",),
    ("plugins", "--json"),
    ("check",),
    ("preview", "--json"),
    ("queue", "--json"),
    ("build",),  # the second and later runs: nothing changed
)


@dataclass(frozen=True)
class Checkout:
    """One cmsite to time: its name in the table, its site copy and its environment."""

    label: str
    site: Path
    env: dict[str, str]


@dataclass(frozen=True)
class Import:
    """One line of `-X importtime`: a module, its own and its cumulative time, and who imported it."""

    name: str
    own_ms: float
    cumulative_ms: float
    importer: str


def cmsite_script() -> Path:
    script = Path(sys.executable).parent / "cmsite"
    if not script.exists():
        sys.exit(
            f"bench/startup.py: no cmsite script beside {sys.executable}; run it as .venv/bin/python bench/startup.py"
        )
    return script


def sample_site(folder: Path) -> Path:
    """A copy of the sample site whose `[site] url` is no placeholder: with one, `check` and
    `preview` stop at that error instead of doing their work (nothing is sent, nor fetched)."""
    folder.mkdir()
    settings = (REPO / "cmsite.toml").read_text(encoding="utf-8")
    settings = re.sub(r'(?m)^url = ".*"$', f'url = "{SITE_URL}"', settings, count=1)
    (folder / "cmsite.toml").write_text(settings, encoding="utf-8")
    shutil.copytree(REPO / "content", folder / "content")
    return folder


def environment(tmp: Path, baseline: Path | None = None) -> dict[str, str]:
    """The caller's environment without cmsite's own switches, which would change what loads, and
    with bytecode cached as in any installation, in a folder of this run (PYTHONDONTWRITEBYTECODE
    would have every run compile cmsite's modules again: 50 ms that no user waits for)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("CMSITE_")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(tmp / "pycache")
    if baseline is not None:
        paths = [baseline, *sorted(path for path in (baseline / "plugins").glob("*/") if path.is_dir())]
        env["PYTHONPATH"] = os.pathsep.join([*map(str, paths), *filter(None, [env.get("PYTHONPATH")])])
    return env


def checkouts(tmp: Path, baseline: Path | None) -> list[Checkout]:
    found = [Checkout("this checkout", sample_site(tmp / "site"), environment(tmp))]
    if baseline is not None:
        found.append(Checkout("baseline", sample_site(tmp / "baseline-site"), environment(tmp, baseline)))
    return found


def run_once(command: list[str], checkout: Checkout) -> float:
    """Seconds from start to exit of one fresh process; a failure stops the benchmark with its reason."""
    start = time.perf_counter()
    done = subprocess.run(
        command,
        cwd=checkout.site,
        env=checkout.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(
            f"bench/startup.py: `{' '.join(command)}` ({checkout.label}) failed (exit {done.returncode}):\n{done.stderr}"
        )
    return seconds


def time_commands(script: Path, found: list[Checkout], runs: int) -> dict[tuple[str, str], list[float]]:
    """Each command's times for each checkout, keyed by (command, checkout label)."""
    commands = {" ".join(["cmsite", *args]): [str(script), *args] for args in COMMANDS}
    times: dict[tuple[str, str], list[float]] = {(name, c.label): [] for name in commands for c in found}
    for round_ in range(runs + 1):  # round 0 is not counted: caches filled, every command known to work
        for name, command in commands.items():
            for checkout in found:
                seconds = run_once(command, checkout)
                if round_:
                    times[name, checkout.label].append(seconds)
    return times


def parse_importtime(stderr: str) -> list[Import]:
    """The lines of `-X importtime` (children before their parent), with each module's importer."""
    rows: list[tuple[int, str, float, float]] = []
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        own, cumulative, name = line.removeprefix("import time:").split("|")
        depth = (len(name) - len(name.lstrip())) // 2
        rows.append((depth, name.strip(), int(own) / 1000, int(cumulative) / 1000))
    imports = []
    for index, (depth, name, own_ms, cumulative_ms) in enumerate(rows):
        parent = next((n for d, n, _, _ in rows[index + 1 :] if d < depth), "top level")
        imports.append(Import(name, own_ms, cumulative_ms, parent))
    return imports


def top_imports(script: Path, checkout: Checkout, count: int) -> list[Import]:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", str(script), "--help"],
        cwd=checkout.site, env=checkout.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        check=True,
    )  # fmt: skip
    return sorted(parse_importtime(done.stderr), key=lambda row: -row.cumulative_ms)[:count]


def spread(samples: list[float]) -> str:
    return f"{statistics.median(samples):.3f} ({min(samples):.3f}–{max(samples):.3f})"


def report(
    times: dict[tuple[str, str], list[float]], labels: list[str], imports: list[Import], runs: int
) -> None:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}; median (fastest–slowest) of {runs} runs, in seconds; "
        f"load average {load:.2f} at the end.\n"
    )
    print(f"| command | {' | '.join(labels)} |\n|---|{'---:|' * len(labels)}")
    for name in dict.fromkeys(name for name, _ in times):
        print(f"| `{name}` | {' | '.join(spread(times[name, label]) for label in labels)} |")
    print(
        f"\nImports of `cmsite --help` by cumulative time (one run of -X importtime), top {len(imports)}:\n"
    )
    print("| module | cumulative ms | own ms | imported by |\n|---|---:|---:|---|")
    for row in imports:
        print(f"| {row.name} | {row.cumulative_ms:.1f} | {row.own_ms:.1f} | {row.importer} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=9, help="Timed runs of each command (default 9).")
    parser.add_argument("--top", type=int, default=20, help="Imports to list (default 20).")
    parser.add_argument(
        "--baseline", type=Path, help="Another checkout of cmsite to time in the same rounds."
    )
    args = parser.parse_args()
    script = cmsite_script()
    with tempfile.TemporaryDirectory(prefix="cmsite-startup-") as tmp:
        found = checkouts(Path(tmp), args.baseline and args.baseline.resolve())
        times = time_commands(script, found, args.runs)
        imports = top_imports(script, found[0], args.top)
    report(times, [checkout.label for checkout in found], imports, args.runs)


if __name__ == "__main__":
    main()
