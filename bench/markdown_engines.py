"""Markdown alone: how long each engine takes to turn the same bodies into HTML, one process.

    python3 bench/markdown_engines.py                       # the generated 1,000-post corpus
    python3 bench/markdown_engines.py --folder ~/blog/content/posts --runs 5
    python3 bench/markdown_engines.py --folder SITE/content/posts --site SITE --engines python-markdown --seconds

Bodies come from bench/corpus.py (fixed seed) or, with `--folder`, from every .md file below
a folder of any blog (front matter dropped, bench/folder.py). Each engine renders all of them
RUNS times; the median is printed with the ratio to Python-Markdown's (with `--seconds`, the
median alone, one line per engine: bench/run.py reads it). Python-Markdown runs with the
extensions cmsite gives it, as the site of `--site` (default: this repository's sample site)
configures them (tables, fenced code with Pygments, footnotes, table of contents, local
pictures and links…); cmsite-commonmark is cmsite's CommonMark engine as a build runs it
(pulldown-cmark, Pygments for code, its HTML pass); pyromark (pulldown-cmark) and
cmarkgfm (cmark-gfm) with their GFM options (tables, strikethrough, autolinks, footnotes), no
highlighting. What each gives for a CommonMark engine in cmsite (issue 23) starts here.

Needs `pip install pyromark cmarkgfm` in the environment it runs in; an engine missing is said
and skipped.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).parent))

import corpus  # noqa: E402
import folder as posts_folder  # noqa: E402


def bodies(folder: Path | None, count: int) -> list[str]:
    posts = corpus.posts(count) if folder is None else posts_folder.posts(folder)
    return [post["body"] for post in posts]


def site_engine(site: Path, name: str) -> Callable[[str], str]:
    """cmsite's engine `name` (`[build] markdown`) as the site in `site` configures it."""
    import os

    from cmsite.config import load_config
    from cmsite.site import Site

    os.environ.setdefault("CMSITE_DISABLE_PLUGINS", "mastodon,bluesky,x,threads,linkedin,facebook,webhooks")
    config = load_config(site)
    config.markdown = name
    renderer = Site(site, config=config).markdown
    return lambda text: str(renderer.render(text).html)


def python_markdown(site: Path) -> Callable[[str], str]:
    """The default engine of the site in `site`, with every extension cmsite gives it there."""
    return site_engine(site, "python-markdown")


def cmsite_commonmark(site: Path) -> Callable[[str], str]:
    """cmsite's CommonMark engine: pulldown-cmark, Pygments for code, and its HTML pass."""
    return site_engine(site, "commonmark")


def pyromark(site: Path) -> Callable[[str], str]:
    import pyromark as engine

    options = (
        engine.Options.ENABLE_TABLES
        | engine.Options.ENABLE_STRIKETHROUGH
        | engine.Options.ENABLE_FOOTNOTES
        | engine.Options.ENABLE_TASKLISTS
        | engine.Options.ENABLE_HEADING_ATTRIBUTES
    )
    return lambda text: engine.html(text, options=options)


def cmarkgfm(site: Path) -> Callable[[str], str]:
    import cmarkgfm as engine
    from cmarkgfm.cmark import Options

    return lambda text: engine.github_flavored_markdown_to_html(text, options=Options.CMARK_OPT_UNSAFE)


ENGINES = {
    "python-markdown": python_markdown,
    "cmsite-commonmark": cmsite_commonmark,
    "pyromark": pyromark,
    "cmarkgfm": cmarkgfm,
}


def timed(render: Callable[[str], str], texts: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        for text in texts:
            render(text)
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=1000, help="size of the generated corpus")
    parser.add_argument("--folder", type=Path, help="a folder of Markdown posts instead of the corpus")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--site", type=Path, default=REPO, help="the cmsite site whose settings Python-Markdown takes"
    )
    parser.add_argument("--engines", nargs="+", choices=ENGINES, default=list(ENGINES))
    parser.add_argument("--seconds", action="store_true", help="print each engine's median seconds alone")
    args = parser.parse_args()
    texts = bodies(args.folder, args.posts)
    size = sum(len(t.encode()) for t in texts)
    if not args.seconds:
        print(f"{len(texts):,} bodies, {size / 2**20:.1f} MiB, median of {args.runs} runs, one process")
    baseline = None
    for name in args.engines:
        try:
            render = ENGINES[name](args.site)
        except ImportError as exc:
            print(f"{name:<16} not installed ({exc.name}): pip install pyromark cmarkgfm", file=sys.stderr)
            continue
        seconds = timed(render, texts, args.runs)
        baseline = baseline or seconds
        print(
            seconds
            if args.seconds
            else f"{name:<16} {seconds:8.3f} s   {seconds / baseline:6.3f} × {args.engines[0]}"
        )


if __name__ == "__main__":
    main()
