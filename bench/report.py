"""How long `cmsite report` takes after a year of daily `cmsite metrics --collect`.

    python3 bench/report.py                       # 3 networks, 2 posts a day each, a year
    python3 bench/report.py --posts-per-day 5 --runs 7

The store is made directly: for each day of 2026, POSTS_PER_DAY posts on each network, each
counted once a day for 30 days (5 counts), and each account's followers once a day — what a
year of daily collections leaves. The script prints the store's size and, as the median of
RUNS runs (each a fresh process), the wall time of `cmsite report 2026-11` (HTML, CSV, JSON)
and of the same report made again `--from` its data file. No other tool makes such a
report, so there is no side-by-side ratio here.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from cmsite.queue.store import Entry, QueueStore, Snapshot, Status  # noqa: E402

NETWORKS = ("mastodon", "bluesky", "linkedin")
METRICS = ("likes", "reposts", "replies", "quotes", "views")


def fill(store: QueueStore, posts_per_day: int) -> int:
    """A year of published posts and of daily snapshots; how many snapshots."""
    start = datetime(2026, 1, 1, 9, tzinfo=UTC)
    snapshots = []
    with store.transaction() as db:
        for day in range(365):
            published = start + timedelta(days=day)
            for network in NETWORKS:
                for number in range(posts_per_day):
                    entry_id = f"{network}-{day}-{number}"
                    store.insert(db, Entry(entry_id, "content/social/x.md", network, "default", published,
                                           [f"Post {entry_id}"], status=Status.PUBLISHED))  # fmt: skip
                    store.update(db, entry_id, expect=Status.PUBLISHED, published_at=published,
                                 remote_id=entry_id, remote_url=f"https://{network}.example/{entry_id}")  # fmt: skip
                    for age in range(30):
                        taken = published + timedelta(days=age, hours=14)
                        snapshots += [
                            Snapshot(taken, network, "default", entry_id, metric, age * (i + 1))
                            for i, metric in enumerate(METRICS)
                        ]
                snapshots.append(
                    Snapshot(
                        published + timedelta(hours=14), network, "default", None, "followers", 1000 + day
                    )
                )
        store.add_snapshots(db, snapshots)
    return len(snapshots)


def timed(command: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts-per-day", type=int, default=2)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        site = Path(folder) / "site"
        shutil.copytree(REPO / "content", site / "content")
        shutil.copy(REPO / "cmsite.toml", site / "cmsite.toml")
        store = QueueStore(site / ".cmsite" / "queue.sqlite")
        count = fill(store, args.posts_per_day)
        store.close()
        size = (site / ".cmsite" / "queue.sqlite").stat().st_size
        cmsite = [sys.executable, "-m", "cmsite", "--site", str(site)]
        made = timed([*cmsite, "report", "2026-11", "-o", f"{folder}/out"], args.runs)
        data = Path(folder) / "out" / "report-2026-11.data.json"
        again = timed([*cmsite, "report", "--from", str(data), "-o", f"{folder}/again"], args.runs)
        print(
            f"{count:,} snapshots of {365 * len(NETWORKS) * args.posts_per_day:,} posts, store {size / 2**20:.1f} MiB"
        )
        print(f"data file {data.stat().st_size / 2**10:.0f} KiB")
        print(f"cmsite report 2026-11          {made:.2f} s (median of {args.runs})")
        print(f"cmsite report --from DATA      {again:.2f} s (median of {args.runs})")


if __name__ == "__main__":
    main()
