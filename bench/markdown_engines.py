"""Markdown alone: how long each engine takes to turn the same bodies into HTML, one process.

    python3 bench/markdown_engines.py                       # the generated 1,000-post corpus
    python3 bench/markdown_engines.py --folder ~/blog/content/posts --runs 5

Bodies come from bench/corpus.py (fixed seed) or, with `--folder`, from every .md file below
a folder of any blog (front matter dropped). Each engine renders all of them RUNS times; the
median is printed with the ratio to Python-Markdown's. Python-Markdown runs with the
extensions cmsite gives it (cmsite's own MarkdownRenderer: tables, fenced code with Pygments,
footnotes, table of contents, local pictures and links…); pyromark (pulldown-cmark) and
cmarkgfm (cmark-gfm) with their GFM options (tables, strikethrough, autolinks, footnotes), no
highlighting. What each gives for a CommonMark engine in cmsite (issue 23) starts here.

Needs `pip install pyromark cmarkgfm` in the environment it runs in; an engine missing is said
and skipped.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).parent))

import corpus  # noqa: E402

FRONT_MATTER = re.compile(r"\A---\n.*?\n---\n", re.DOTALL)


def bodies(folder: Path | None, count: int) -> list[str]:
    if folder is None:
        return [post["body"] for post in corpus.posts(count)]
    return [FRONT_MATTER.sub("", path.read_text(encoding="utf-8")) for path in sorted(folder.rglob("*.md"))]


def python_markdown() -> Callable[[str], str]:
    """The renderer of this repository's sample site, with every extension cmsite gives it."""
    import os

    from cmsite.site import Site

    os.environ.setdefault("CMSITE_DISABLE_PLUGINS", "mastodon,bluesky,x,threads,linkedin,facebook,webhooks")
    renderer = Site(REPO).markdown
    return lambda text: str(renderer.render(text).html)


def pyromark() -> Callable[[str], str]:
    import pyromark as engine

    options = (
        engine.Options.ENABLE_TABLES
        | engine.Options.ENABLE_STRIKETHROUGH
        | engine.Options.ENABLE_FOOTNOTES
        | engine.Options.ENABLE_TASKLISTS
        | engine.Options.ENABLE_HEADING_ATTRIBUTES
    )
    return lambda text: engine.html(text, options=options)


def cmarkgfm() -> Callable[[str], str]:
    import cmarkgfm as engine
    from cmarkgfm.cmark import Options

    return lambda text: engine.github_flavored_markdown_to_html(text, options=Options.CMARK_OPT_UNSAFE)


ENGINES = {"python-markdown": python_markdown, "pyromark": pyromark, "cmarkgfm": cmarkgfm}


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
    args = parser.parse_args()
    texts = bodies(args.folder, args.posts)
    size = sum(len(t.encode()) for t in texts)
    print(f"{len(texts):,} bodies, {size / 2**20:.1f} MiB, median of {args.runs} runs, one process")
    baseline = None
    for name, make in ENGINES.items():
        try:
            render = make()
        except ImportError as exc:
            print(f"{name:<16} not installed ({exc.name}): pip install pyromark cmarkgfm")
            continue
        seconds = timed(render, texts, args.runs)
        baseline = baseline or seconds
        print(f"{name:<16} {seconds:8.3f} s   {seconds / baseline:6.3f} × Python-Markdown")


if __name__ == "__main__":
    main()
