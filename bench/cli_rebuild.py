"""`cmsite build` on a large site with posts dated to come, and watch mode on the same site.

    .venv/bin/python bench/cli_rebuild.py                          # 10,000 posts, 500 of them to come
    .venv/bin/python bench/cli_rebuild.py --posts 1000 --runs 7 --edits 10

Runs the cmsite of the Python that runs this script: the checkout's .venv, where the network
plugins are installed, so every build also brings the queue in step with the plans (each
generated post plans a Mastodon and a Bluesky post; bench/run.py's venv has no network plugin,
so its builds sync nothing). The site is bench/corpus.py's (fixed seed), its last `--future`
posts dated one a day from tomorrow. Every command is timed from outside, from its start to its
end, and each run says which path it took:

- **cold**: no output folder, no cache (one run);
- **edit**: one sentence appended to one post, then `cmsite build` (`--runs` times, a new sentence
  each time, each run followed by a "nothing changed" run);
- **nothing changed**: `cmsite build` again; every run should take the "Nothing changed" path;
- **watch**: `cmsite serve` on the same site, save → page served, by bench/watch_latency.py's loop
  (`--edits` saves, 2 s apart).
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
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import corpus
from run import cache_bytecode
from watch_latency import latencies

CMSITE = Path(sys.executable).with_name("cmsite")


def build(root: Path) -> tuple[float, str]:
    """Wall seconds of one `cmsite build`, and the line that says what it did."""
    started = time.perf_counter()
    result = subprocess.run(
        [str(CMSITE), "--site", str(root), "build"], capture_output=True, text=True, check=False
    )
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(f"cmsite build failed:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")
    said = next(line for line in result.stdout.splitlines() if line.startswith(("Built", "Nothing changed")))
    return elapsed, said


def path_of(said: str) -> str:
    """ "nothing changed", or how many pages the build rendered."""
    if said.startswith("Nothing changed"):
        return "nothing changed"
    return said[said.index("(") + 1 : said.index(";")]


def row(name: str, runs: list[tuple[float, str]]) -> str:
    seconds = [elapsed for elapsed, _ in runs]
    paths = sorted({path_of(said) for _, said in runs})
    return (
        f"| {name} | {statistics.median(seconds):.2f} ({min(seconds):.2f}–{max(seconds):.2f}) "
        f"| {len(runs)} | {'; '.join(paths)} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument(
        "--future", type=int, default=500, help="how many of the last posts are dated to come"
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--edits", type=int, default=20, help="saves in watch mode (0: no watch run)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="cmsite-cli-rebuild-"))
    cache_bytecode(work / "pycache")
    root = work / "site"
    root.mkdir()
    corpus.write_cmsite(root, corpus.posts(args.posts, future=args.future))
    post = root / f"content/posts/post-{args.posts // 2}.md"
    try:
        cold = [build(root)]
        print(f"cold: {cold[0][0]:.1f} s", file=sys.stderr, flush=True)
        edits, unchanged = [], []
        for run in range(args.runs):
            with post.open("a") as handle:
                handle.write(f"\nOne more sentence, the {run + 1}th.\n")
            edits.append(build(root))
            unchanged.append(build(root))
            print(f"edit {edits[-1][0]:.2f} s, then {unchanged[-1][0]:.2f} s", file=sys.stderr, flush=True)
        samples, missed = (
            latencies("cmsite", root, post, f"/posts/post-{args.posts // 2}/", args.edits, CMSITE)
            if args.edits
            else ([], 0)
        )
        print(f"watch: {[round(sample * 1000) for sample in samples]} ms", file=sys.stderr, flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    load = os.getloadavg()[0]
    print(
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}; {args.posts:,} posts, {args.future:,} of them dated to "
        f"come; load average {load:.1f} at the end."
    )
    print()
    print("| scenario | seconds, median (fastest–slowest) | runs | path taken |")
    print("|---|---:|---:|---|")
    print(row("cold", cold))
    print(row("one post edited", edits))
    print(row("nothing changed", unchanged))
    if samples:
        shown = f"{statistics.median(samples) * 1000:.0f} ms median, {max(samples) * 1000:.0f} ms slowest"
        print(f"| watch: save → page served | {shown} | {len(samples)} | {missed} missed |")


if __name__ == "__main__":
    main()
