"""Where a cold build's time and memory go, and what each of cmsite's memory savings is worth.

    python3 bench/phases.py                              # 10,000 posts, 3 runs, every variant
    python3 bench/phases.py --posts 1000 --runs 5 --variants as-is no-gc-freeze
    python3 bench/phases.py --folder ~/blog/content/posts --engine commonmark --variants as-is

Each run is `cmsite build` of the generated corpus (bench/corpus.py), or of the posts of any
folder (bench/folder.py), from nothing, in a process
of its own. A local plugin in the corpus site notes the time at each phase's start, so each
phase gets its seconds (the median of the runs nobody watches) and its peak memory (from one
more run per variant, watched: the proportional set size, PSS, of the build and its workers
summed every 20 ms; sampling costs CPU, so it would slow the timed runs):

- **start**: Python, cmsite and the plugins are imported, the site's settings read;
- **load**: every content file found, parsed and rendered to HTML (or read from the cache);
- **plan**: the pages and files decided;
- **render**: pages rendered and written;
- **social**: the social posts planned and the queue synced, and the process gone.

A variant undoes one of the savings before the build starts, by replacing a cmsite function
in the build's own process (only here, never in cmsite): the figure that says whether the
saving still pays for the code it costs (docs/performance.md).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import run

PHASES = ("start", "load", "plan", "render", "social")

CLOCK_PLUGIN = '''
"""The benchmark's clock: one line on stderr as each phase of the build starts."""
import sys, time
from cmsite.hookspecs import hookimpl

def mark(name):
    print(f"PHASE {name} {time.monotonic()}", file=sys.stderr, flush=True)

@hookimpl(tryfirst=True)
def cmsite_build_started(site):
    mark("load")

@hookimpl(tryfirst=True)
def cmsite_items_collected(site):
    mark("plan")

@hookimpl(trylast=True)
def cmsite_files(site, pages):
    mark("render")

@hookimpl(trylast=True)
def cmsite_build_finished(site, report):
    mark("social")
'''

# Each variant runs this before cmsite's command line, in the build's process.
VARIANTS = {
    "as-is": "",
    "no-compressed-bodies": """
import types, cmsite.content.item as item
assert hasattr(item, "lz4"), "cmsite no longer packs bodies with LZ4: change this variant"
item.lz4 = types.SimpleNamespace(frame=types.SimpleNamespace(compress=lambda data: data, decompress=lambda data: data))
""",
    "no-gc-freeze": """
import types, cmsite.workers as workers
workers.gc = types.SimpleNamespace(freeze=lambda: None, unfreeze=lambda: None)
""",
    "no-shared-key-lines": """
import cmsite.content.item as item
item.KeyLines._shared = type("NotShared", (dict,), {"setdefault": lambda self, key, value: value})()
""",
    "no-summary-memo": """
from markupsafe import Markup
import cmsite.render.templates as templates
templates.RenderMemo.__call__ = lambda self, macro, item, *context: Markup(macro(item))
""",
}


def one_build(site: Path, variant: str, *, watch: bool) -> dict[str, tuple[float, int]]:
    """Seconds and (when watched) peak MiB of each phase of one cold build."""
    import psutil

    run.clean("cmsite", site)
    code = "import time, sys\nprint(f'PHASE start {time.monotonic()}', file=sys.stderr, flush=True)\n"
    code += VARIANTS[variant] + "\nfrom cmsite.cli import main\nmain()\n"
    command = [str(run.python()), "-c", code, "--site", str(site), "build"]
    started = time.monotonic()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    marks: list[tuple[str, float]] = []
    errors: list[str] = []

    def read_marks() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            if line.startswith("PHASE "):
                _, name, at = line.split()
                marks.append((name, float(at)))
            else:
                errors.append(line)

    reader = threading.Thread(target=read_marks)
    reader.start()
    peaks: dict[str, int] = {}
    watched = psutil.Process(process.pid)
    while watch and process.poll() is None:
        phase = marks[-1][0] if marks else "start"
        try:
            pss = sum(p.memory_full_info().pss for p in [watched, *watched.children(recursive=True)])
            peaks[phase] = max(peaks.get(phase, 0), pss)
        except psutil.Error:
            pass
        time.sleep(0.02)
    process.wait()
    ended = time.monotonic()
    reader.join()
    if process.returncode != 0:
        raise RuntimeError(f"cmsite build failed ({variant}):\n{''.join(errors)[-2000:]}")
    starts = dict(marks)
    starts["start"] = started
    bounds = [starts[name] for name in PHASES] + [ended]
    return {
        name: (bounds[index + 1] - bounds[index], peaks.get(name, 0) // (1024 * 1024))
        for index, name in enumerate(PHASES)
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    run.add_site_arguments(parser, posts=10000, engine="default")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--variants", nargs="+", choices=VARIANTS, default=list(VARIANTS))
    parser.add_argument("--json", action="store_true", help="print the medians as JSON")
    args = parser.parse_args()
    run.run_inside_bench_venv(__file__)
    work = Path(tempfile.mkdtemp(prefix="cmsite-phases-"))
    run.cache_bytecode(work / "pycache")
    site, name, count = run.one_site(args, work / "site")
    (site / "plugins").mkdir(exist_ok=True)
    (site / "plugins/bench_clock.py").write_text(CLOCK_PLUGIN, encoding="utf-8")
    results: dict[str, list[dict[str, tuple[float, int]]]] = {variant: [] for variant in args.variants}
    watched = {variant: one_build(site, variant, watch=True) for variant in args.variants}
    for round_ in range(args.runs):  # variants take turns, so a slow minute of the machine hits all
        for variant in args.variants:
            results[variant].append(one_build(site, variant, watch=False))
        print(f"  round {round_ + 1}/{args.runs} done", file=sys.stderr, flush=True)
    run.empty_trash(work)
    medians = {
        variant: {
            name: (statistics.median(r[name][0] for r in runs), watched[variant][name][1]) for name in PHASES
        }
        for variant, runs in results.items()
    }
    if args.json:
        print(
            json.dumps(
                {"posts": count, "site": name, "engine": args.engine, "runs": args.runs, "medians": medians},
                indent=2,
            )
        )
        return
    print(
        f"{name}, {args.engine} engine, cold build, median seconds of {args.runs} runs / peak MiB (PSS, one watched run) of each phase"
    )
    print()
    print("| variant | " + " | ".join(PHASES) + " | total s | peak MiB |")
    print("|---|" + "---:|" * (len(PHASES) + 2))
    for variant, phases in medians.items():
        cells = [f"{phases[name][0]:.2f} / {phases[name][1]}" for name in PHASES]
        total = sum(phases[name][0] for name in PHASES)
        peak = max(phases[name][1] for name in PHASES)
        print(f"| {variant} | " + " | ".join(cells) + f" | {total:.2f} | {peak} |")


if __name__ == "__main__":
    main()
