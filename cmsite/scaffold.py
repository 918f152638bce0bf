"""`cmsite new DIR`: a small site that builds at once, to start from."""

from __future__ import annotations

from datetime import date
from pathlib import Path

CONFIG = """\
# cmsite settings: see the README for every key.
[site]
title = "{title}"
url = "https://example.org"        # where the site will live; used for feeds and link previews
description = "Notes, news and plans."
lang = "en"                         # interface and date language (en, fr, …)
timezone = "UTC"                    # naive dates in front matter are in this zone
author = "Your Name"

[build]
output_dir = "output"
posts_per_page = 10
"""

FIRST_POST = """\
---
title: "Hello, world"
date: {today}
tags: [news]
category: Notes
---

This is the first post of **{title}**. Edit it in `content/posts/`, then run
`cmsite build` again.

## What goes where

- posts in `content/posts/`, named `YYYY-MM-DD-slug.md`;
- pages in `content/pages/`;
- pictures and other files anywhere else in `content/`, copied as they are.
"""

ABOUT = """\
---
title: About
menu_order: 1
---

Who writes here, and why.
"""

GITIGNORE = "output/\n.cmsite/\n.env\n"


def create_site(target: Path, title: str) -> list[Path]:
    """Write the starter files; refuse a folder that already has content."""
    if target.exists() and any(target.iterdir()):
        raise FileExistsError(f"{target} is not empty; choose a new folder")
    today = date.today().isoformat()
    files = {
        "cmsite.toml": CONFIG.format(title=title),
        f"content/posts/{today}-hello-world.md": FIRST_POST.format(today=today, title=title),
        "content/pages/about.md": ABOUT,
        ".gitignore": GITIGNORE,
    }
    return write_tree(target, files)


def write_tree(target: Path, files: dict[str, str]) -> list[Path]:
    """Write {relative path: text} under `target`, creating folders; return the paths."""
    written = []
    for relative, text in files.items():
        path = target / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
