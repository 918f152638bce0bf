"""Posts from any folder of Markdown, in the shape bench/corpus.py gives its generated posts.

    python3 bench/run.py --folder ~/blog/content/posts        # builds them with each tool
    python3 bench/markdown_engines.py --folder ~/blog/content/posts

Every .md file below the folder, in path order, becomes one post: its body as it is, its
title from the front matter, else from its first heading, else from the file's name; its date
from the front matter (a date alone is 09:00, a time without a zone is Paris time, as the
generated posts are), else from the file's modification time; tags, category, author and
summary from the front matter where they are there. bench/corpus.py then writes the same
posts for cmsite, Pelican and Hugo as it writes the generated ones, so a real blog is measured
as the generated one is. Front matter is read by cmsite's own reader (YAML `---` or TOML `+++`).

Only the posts are copied, not the pictures and files beside them, so each relative address
(`![](logo.svg)`, `[notes](../CHANGELOG.md)`, `<img src="x.png">`, `[id]: docs/a.md`) becomes
an absolute one, as if the folder were at https://example.org/: cmsite refuses to build a post
linking to a file it does not have (release notes written for GitHub have many such links),
where Hugo and Pelican leave the link broken.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from corpus import PARIS

HEADING = re.compile(r"^#{1,6}[ \t]+(.+?)[ \t#]*$|^(\S.*)\n(?:=+|-+)[ \t]*$", re.MULTILINE)
INLINE = re.compile(r"!?\[([^\]]*)\]\([^)]*\)|<[^>]+>|[`*_]")  # links, tags, emphasis: their text
ADDRESS = re.compile(
    # after `](`, `[id]:` (not a footnote's `[^1]:`), `src="` or `href='`
    r"(?P<before>\]\([ \t]*<?|^[ ]{0,3}\[(?!\^)[^\]\n]+\]:[ \t]*<?|\b(?:src|href)[ \t]*=[ \t]*[\"'])"
    r"(?P<address>(?![a-zA-Z][a-zA-Z0-9+.-]*:|#|//)[^\s)>\"']+)",
    re.MULTILINE,
)
ORIGIN = "https://example.org/"


def posts(folder: Path) -> list[dict]:
    """One post (the keys bench/corpus.py's `posts` gives) for each .md file below `folder`."""
    paths = sorted(path for path in folder.rglob("*.md") if path.is_file())
    if not paths:
        raise SystemExit(f"{folder}: no .md file in this folder; give a folder of Markdown posts")
    return [post(n, path, path.relative_to(folder).as_posix()) for n, path in enumerate(paths)]


def post(n: int, path: Path, where: str) -> dict:
    """Post number `n`, from the file at `path`, `where` in its folder."""
    from cmsite.content import frontmatter  # imported here: run.py starts outside bench/.venv

    text = path.read_text(encoding="utf-8", errors="replace")
    try:
        front = frontmatter.parse(text, str(path))
        meta, body = front.data, front.body
    except frontmatter.FrontMatterError:  # a front matter no tool would read: the whole file is the body
        meta, body = {}, text
    return {
        "n": n,
        "title": _text(meta.get("title")) or title_of(body) or path.stem.replace("-", " ").replace("_", " "),
        "date": date_of(meta.get("date"), path).isoformat(timespec="seconds"),
        "tags": [slug for tag in _list(meta.get("tags")) if (slug := _slug(tag))],
        "category": _slug(meta.get("category") or meta.get("categories")) or "notes",
        "author": re.sub(r"[^\w .-]", "", _text(meta.get("author") or meta.get("authors")) or "") or "Bench",
        "summary": _text(meta.get("summary") or meta.get("description")),
        "body": absolute(body, urljoin(ORIGIN, where)),
    }


def absolute(body: str, base: str) -> str:
    """`body` with each relative address of a link or picture made absolute from `base`."""
    return ADDRESS.sub(lambda m: m["before"] + urljoin(base, m["address"]), body)


def title_of(body: str) -> str:
    """The text of the first heading (ATX or setext) of a Markdown body, or ""."""
    match = HEADING.search(body)
    return (
        INLINE.sub(lambda m: m.group(1) or "", match.group(1) or match.group(2)).strip()[:120]
        if match
        else ""
    )


def date_of(value: Any, path: Path) -> datetime:
    """The front matter's date (text, or a TOML date), else the file's modification time."""
    if isinstance(value, str):
        text = value.strip()
        try:
            value = (
                datetime.fromisoformat(text) if len(text) > len("2026-01-01") else date.fromisoformat(text)
            )
        except ValueError:
            value = None
    if isinstance(value, date) and not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day, 9)
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=PARIS)
    return datetime.fromtimestamp(path.stat().st_mtime, PARIS).replace(microsecond=0)


def _list(value: Any) -> list:
    return value if isinstance(value, list) else [] if value is None else [value]


def _text(value: Any) -> str | None:
    """A one-line text of a front-matter value (the first of a list), or None."""
    value = value[0] if isinstance(value, list) and value else value
    return " ".join(value.split()) or None if isinstance(value, str) else None


def _slug(value: Any) -> str:
    """A tag or category as the flow lists of corpus.py's front matter can hold it."""
    value = value[0] if isinstance(value, list) and value else value
    return re.sub(r"[^a-z0-9]+", "-", str(value).lower()).strip("-")[:40] if value else ""
