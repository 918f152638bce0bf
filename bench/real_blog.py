"""A folder of real, long Markdown posts, assembled from the release notes this machine has.

    python3 bench/real_blog.py /tmp/real-blog               # about 1,000 posts
    python3 bench/run.py --folder /tmp/real-blog --runs 3   # cmsite, Pelican and Hugo build it

Issue 23's real blog is 1,042 posts, 17 MiB of long release notes written for GitHub's
CommonMark engine. Such text is other people's and is not committed: this script gathers it
at bench time from the packages installed here — the CHANGELOG, HISTORY, CHANGES, NEWS,
RELEASES and README Markdown files of npm and Python packages (in node_modules,
site-packages, /usr/share/doc, e.g. Node's own changelogs), and the Markdown descriptions of
Python distributions (their METADATA) — below /usr, /opt, /root, /home and this checkout
(not /tmp, where other checkouts and bench runs come and go). Files under 4 KiB are left
out, and so is a text already taken (the same package installed in several places): 330
files remain on the machine this was written on, 17.6 MiB, 9.6 MiB of them Node's changelogs.

A blog of release notes has a post per release, so a release-notes file over 64 KiB (Node's
changelog of a major version is up to 1 MiB) is cut before each of its version headings
(`## 2022-04-05, Version 12.22.12`, `## [1.2.0]`, `### v3.1`, or Rust's `Version 1.80.0` over
a line of `=`), releases under 4 KiB going with the next one: there, 1,037 posts, 16.7 MiB.
Each post gets front matter: its title (the package and the release, or the package and the
file), a tag (the package), a category (release notes or read-me) and a date, one every 37
hours from 2019, in the posts' order. That order is by the hash of their text: one machine
gives the same folder each time; a machine with other packages installed gives another,
which is why a table names the folder's size beside its figures.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
from collections.abc import Iterator
from datetime import datetime, timedelta
from itertools import pairwise
from pathlib import Path

from corpus import PARIS

REPO = Path(__file__).resolve().parents[1]
ROOTS = (Path("/usr"), Path("/opt"), Path("/root"), Path("/home"), REPO)
SKIPPED = {".git", "__pycache__"}
PACKAGE_FOLDERS = {"node_modules", "site-packages", "dist-packages"}
NAMES = re.compile(r"(changelog|changes|history|news|releases?|release[-_]?notes|readme)([-_.][\w.-]*)?\.(md|markdown)", re.I)  # fmt: skip
SMALLEST = 4 * 1024
SPLIT_OVER = 64 * 1024
VERSION_HEADING = re.compile(r"^(#{1,3})[ \t]+(.*\d+\.\d+.*?)[ \t#]*$")
SETEXT_VERSION = re.compile(r"^[ \t]{0,3}(\S.*\d+\.\d+.*?)[ \t]*\n[ \t]{0,3}(=+|-+)[ \t]*$")
FENCE = re.compile(r"^[ \t]{0,3}(```|~~~)")
INLINE = re.compile(r"!?\[([^\]]*)\]\([^)]*\)|<[^>]+>|[`*_\\[\]]")


def documents(roots: list[Path], skip: Path) -> Iterator[tuple[str, str, str]]:
    """(package, kind, text) of each release-notes or read-me file of a package under `roots`,
    in path order; kind is the file's name without its suffix, or "description" (METADATA)."""
    for root in roots:
        for folder, subfolders, files in os.walk(root):
            here = Path(folder)
            subfolders[:] = sorted(d for d in subfolders if d not in SKIPPED and here / d != skip)
            for name in sorted(files):
                path = here / name
                if name == "METADATA" and here.name.endswith(".dist-info"):
                    yield from _description(path)
                elif NAMES.fullmatch(name) and (package := package_of(path)):
                    text = _read(path)
                    if text and len(text.encode()) >= SMALLEST:
                        yield package, path.stem, text


def package_of(path: Path) -> str | None:
    """The package a file belongs to: `node_modules/@scope/name/…` → "@scope/name",
    `site-packages/name/…` and `/usr/share/doc/name/…` → "name"; None outside packages."""
    parts = path.parts
    for n in range(len(parts) - 2, 0, -1):
        if parts[n] in PACKAGE_FOLDERS or parts[n - 1 : n + 1] == ("share", "doc"):
            name = parts[n + 1]
            return f"{name}/{parts[n + 2]}" if name.startswith("@") and n + 3 < len(parts) else name
    return None


def _description(path: Path) -> Iterator[tuple[str, str, str]]:
    """The Markdown description of a distribution, unless it is installed from a checkout
    (`pip install -e`: cmsite's own README, which changes with it)."""
    if '"editable": true' in (_read(path.with_name("direct_url.json")) or ""):
        return
    head, _, body = (_read(path) or "").partition("\n\n")
    fields = dict(line.split(": ", 1) for line in head.splitlines() if ": " in line and line[0] != " ")
    if "markdown" in fields.get("Description-Content-Type", "") and len(body.encode()) >= SMALLEST:
        yield fields.get("Name", path.parent.name), "description", body


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def releases(text: str) -> list[tuple[str, str]]:
    """(title, text) of each release of a release-notes file: cut before each version heading
    of the level most of them have, outside fenced code; a piece under SMALLEST joins the next."""
    lines = text.splitlines(keepends=True)
    headings: list[tuple[int, int, str]] = []  # line, level, text
    fenced = False
    for n, line in enumerate(lines):
        if FENCE.match(line):
            fenced = not fenced
        elif fenced:
            continue
        elif match := VERSION_HEADING.match(line):
            headings.append((n, len(match.group(1)), match.group(2)))
        elif match := SETEXT_VERSION.match("".join(lines[n : n + 2]).rstrip("\n")):
            headings.append((n, 1 if match.group(2)[0] == "=" else 2, match.group(1)))
    levels = [level for _, level, _ in headings]
    if len(headings) < 2:
        return [("", text)]
    level = max(set(levels), key=lambda one: (levels.count(one), -one))
    cuts = [(n, title) for n, one, title in headings if one == level]
    starts = [0, *(n for n, _ in cuts[1:]), len(lines)]  # the text before the first release goes with it
    merged: list[list[str]] = []
    for (start, end), (_, title) in zip(pairwise(starts), cuts, strict=True):
        piece = "".join(lines[start:end])
        if merged and len(merged[-1][1].encode()) < SMALLEST:
            merged[-1][1] += piece
        else:
            merged.append([title, piece])
    if len(merged) > 1 and len(merged[-1][1].encode()) < SMALLEST:  # the oldest release, short
        merged[-2][1] += merged.pop()[1]
    return [(title, piece) for title, piece in merged]


def posts(roots: list[Path], skip: Path) -> list[dict[str, str]]:
    """Title, package, category and text of every post, each text once, in the order of their hashes."""
    found: dict[str, dict[str, str]] = {}
    for package, kind, text in documents(roots, skip):
        notes = not kind.lower().startswith(("readme", "description"))
        pieces = releases(text) if notes and len(text.encode()) > SPLIT_OVER else [("", text)]
        for heading, piece in pieces:
            title = f"{package} {_plain(heading)}" if heading else f"{package}: {kind}"
            post = {"title": title[:120], "package": package, "text": piece}
            post["category"] = "release-notes" if notes else "read-me"
            found.setdefault(hashlib.sha256(piece.encode()).hexdigest(), post)
    return [found[digest] for digest in sorted(found)]


def _plain(heading: str) -> str:
    return " ".join(INLINE.sub(lambda m: m.group(1) or "", heading).split())


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:50]


def write(out: Path, chosen: list[dict[str, str]]) -> None:
    """One file a post in `out` (emptied first), with its front matter; dated one every 37 hours."""
    start = datetime(2019, 1, 1, 9, tzinfo=PARIS)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    for n, post in enumerate(chosen):
        front = (
            f"---\ntitle: {json.dumps(post['title'], ensure_ascii=False)}\n"
            f"date: {(start + timedelta(hours=37 * n)).isoformat(timespec='seconds')}\n"
            f"tags: [{slug(post['package']) or 'package'}]\ncategory: {post['category']}\n---\n\n"
        )
        (out / f"{n:04d}-{slug(post['title'])}.md").write_text(front + post["text"], encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("out", type=Path, help="the folder to write (emptied first)")
    parser.add_argument(
        "--posts", type=int, default=1042, help="at most this many posts (the issue's blog: 1,042)"
    )
    parser.add_argument(
        "--from", dest="roots", type=Path, nargs="+", default=list(ROOTS), help="where to look"
    )
    args = parser.parse_args()
    chosen = posts(args.roots, args.out.resolve())[: args.posts]
    write(args.out, chosen)
    size = sum(len(post["text"].encode()) for post in chosen)
    packages = len({post["package"] for post in chosen})
    print(f"{args.out}: {len(chosen):,} posts, {size / 2**20:.1f} MiB of Markdown, from {packages} packages")


if __name__ == "__main__":
    main()
