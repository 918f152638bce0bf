"""Save → rebuilt page served: how long a writer waits in watch mode, beside Hugo and Pelican.

    python3 bench/watch_latency.py                          # sample site, 1,000 and 10,000 posts
    python3 bench/watch_latency.py --sizes 1000 --edits 20 --tools cmsite hugo

Each tool's development server runs on the generated blog (bench/corpus.py, the same one
bench/run.py builds): `cmsite serve`, `hugo server` (renders to memory) and
`pelican --autoreload --listen`. For each edit the script appends a sentence with a
fresh token to one post and polls that post's URL every 5 ms until the served page
contains the token; the time from the write to that answer is one sample. It reports the
median (and the slowest) of the edits, and the ratio to cmsite's median. "sample" is
this repository's own content/ (cmsite only). cmsite serves the last output while its first
build runs: the first edit comes 2 s after it says that build is done. `--future N` dates the
last N posts of the generated blog one a day from tomorrow.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import corpus
from run import BENCH_VENV, REPO, hugo_binary, run_inside_bench_venv

PAUSE = 2.0  # between edits: no two saves in one batch, and each tool's watcher settles (Pelican's misses quick ones)
EDIT_TIMEOUT = 180.0  # an edit a tool has not shown by then counts as missed


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_command(tool: str, root: Path, port: int, cmsite: Path | None = None) -> list[str]:
    """`cmsite`: another installation's command (bench/cli_rebuild.py runs the checkout's own)."""
    bin_dir = BENCH_VENV / "bin"
    return {
        "cmsite": [str(cmsite or bin_dir / "cmsite"), "--site", str(root), "serve", "--port", str(port)],
        "hugo": [hugo_binary(), "server", "--port", str(port), "--bind", "127.0.0.1", "--logLevel", "error"],
        "pelican": [str(bin_dir / "pelican"), "content", "-s", "pelicanconf.py", "-o", "output",
                    "--autoreload", "--listen", "--port", str(port), "--bind", "127.0.0.1", "-q"],
    }[tool]  # fmt: skip


def fetch(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.read().decode("utf-8", "replace")
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None


def wait_until(url: str, check: object, timeout: float) -> float:
    """Poll `url` every 5 ms until `check(body)` holds; return when it did (perf_counter)."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        body = fetch(url)
        if body is not None and check(body):  # type: ignore[operator]
            return time.perf_counter()
        time.sleep(0.005)
    raise TimeoutError(f"{url} did not change within {timeout:.0f} s")


def latencies(
    tool: str, root: Path, post: Path, url_path: str, edits: int, cmsite: Path | None = None
) -> tuple[list[float], int]:
    port = free_port()
    url = f"http://127.0.0.1:{port}{url_path}"
    log = root.parent / f"{root.name}-{tool}-{port}.log"
    with log.open("w") as said:
        process = subprocess.Popen(
            server_command(tool, root, port, cmsite), cwd=root, stdout=said, stderr=subprocess.STDOUT
        )
    try:
        wait_until(url, lambda body: True, timeout=1800)
        # cmsite serves the last output while its first build runs: a save then would wait for
        # that build, which is no save's latency. It says "Watching …" once the build is done.
        deadline = time.perf_counter() + 1800
        while tool == "cmsite" and "Watching" not in log.read_text() and time.perf_counter() < deadline:
            time.sleep(0.05)
        time.sleep(2)  # let the watcher settle
        samples, missed = [], 0
        for _ in range(edits):
            token = uuid.uuid4().hex
            with post.open("a") as handle:
                handle.write(f"\nA sentence added while watching, {token}.\n")
            started = time.perf_counter()
            try:
                samples.append(
                    wait_until(url, lambda body, token=token: token in body, EDIT_TIMEOUT) - started
                )
            except TimeoutError:
                missed += 1
            time.sleep(PAUSE)
        return samples, missed
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def sites_for(size: str, work: Path, future: int = 0) -> dict[str, tuple[Path, Path, str]]:
    """tool → (site folder, the post to edit, its URL path)."""
    if size == "sample":
        root = work / "sample"
        shutil.copytree(REPO / "content", root / "content")
        shutil.copy(REPO / "cmsite.toml", root / "cmsite.toml")
        post = root / "content/posts/2026-05-04-one-post-many-networks.md"
        return {"cmsite": (root, post, "/posts/one-post-many-networks/")}
    roots = corpus.generate(int(size), work / size, future)
    posts = {
        "cmsite": "content/posts/post-7.md",
        "pelican": "content/post-7.md",
        "hugo": "content/posts/post-7.md",
    }
    return {tool: (root, root / posts[tool], "/posts/post-7/") for tool, root in roots.items()}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", nargs="+", default=["sample", "1000", "10000"])
    parser.add_argument("--edits", type=int, default=20)
    parser.add_argument("--future", type=int, default=0, help="how many of the last posts are dated to come")
    parser.add_argument("--tools", nargs="+", default=["cmsite", "hugo", "pelican"])
    parser.add_argument(
        "--peer-edits", type=int, help="fewer edits for the peers (Pelican rebuilds everything)"
    )
    args = parser.parse_args()
    run_inside_bench_venv(__file__)
    results: dict[str, dict[str, tuple[list[float], int]]] = {}
    work = Path(tempfile.mkdtemp(prefix="cmsite-latency-"))
    for size in args.sizes:
        for tool, (root, post, url_path) in sites_for(size, work, args.future).items():
            if tool in args.tools:
                edits = args.edits if tool == "cmsite" else (args.peer_edits or args.edits)
                print(f"{size}: {tool}, {edits} edits…", file=sys.stderr, flush=True)
                samples, missed = results.setdefault(size, {})[tool] = latencies(
                    tool, root, post, url_path, edits
                )
                print(
                    f"  {[round(s * 1000) for s in samples]} ms, {missed} missed", file=sys.stderr, flush=True
                )
    shutil.rmtree(work, ignore_errors=True)  # a server may still be writing as it stops
    print(
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}; save → page served with the change; ratio = tool ÷ cmsite."
    )
    print()
    print("| posts | tool | median ms | slowest ms | edits shown | missed | ratio |")
    print("|---:|---|---:|---:|---:|---:|---:|")
    for size, tools in results.items():
        reference = statistics.median(tools["cmsite"][0]) if tools.get("cmsite", ([],))[0] else float("nan")
        shown = "sample site" if size == "sample" else f"{int(size):,}"
        for tool, (samples, missed) in tools.items():
            median = statistics.median(samples) if samples else float("nan")
            slowest = max(samples, default=float("nan"))
            print(
                f"| {shown} | {tool} | {median * 1000:.0f} | {slowest * 1000:.0f} | {len(samples)} | {missed} "
                f"| {median / reference:.2f}× |"
            )


if __name__ == "__main__":
    main()
