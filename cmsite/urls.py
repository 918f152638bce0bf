"""Site URLs ↔ output file paths, from the URL patterns in cmsite.toml.

Every URL the engine hands to templates is site-absolute and includes the base path of
`[site] url` (so a site served from https://example.org/blog/ links to /blog/posts/…).
"""

from __future__ import annotations

import posixpath
from datetime import datetime
from urllib.parse import urlsplit

from cmsite.config import SiteConfig


class UnsafeURL(ValueError):
    """A URL or slug that would write outside the output folder."""


class Urls:
    def __init__(self, config: SiteConfig):
        parts = urlsplit(config.url)
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self.base_path = parts.path.rstrip("/")
        self.patterns = config.urls

    def make(self, kind: str, **fields: object) -> str:
        """URL of one kind (post, page, tag, category, year, month) from its pattern."""
        return self.url(self.patterns[kind].format(**fields))

    def for_item(self, kind: str, slug: str, date: datetime | None, lang: str) -> str:
        year, month, day = (date.year, date.month, date.day) if date else (0, 0, 0)
        return self.make(kind, slug=slug, year=year, month=month, day=day, lang=lang)

    def url(self, path: str) -> str:
        """A site path like `/tags/` → the URL to link to, base path included. Rejects escapes."""
        check_safe(path)
        return self.base_path + path

    def of_output(self, relative: str) -> str:
        """File path in the output folder → its URL (`posts/x/index.html` → `/posts/x/`)."""
        return self.url("/" + relative.removesuffix("index.html"))

    def absolute(self, url: str) -> str:
        return self.origin + url

    def paginated(self, first_url: str, number: int) -> str:
        """Page N of a list whose first page is `first_url` (`/tags/x/` → `/tags/x/page/2/`)."""
        if number == 1:
            return first_url
        if first_url.endswith("/"):
            return f"{first_url}page/{number}/"
        stem, dot, ext = first_url.rpartition(".")
        return f"{stem}-{number}.{ext}" if dot else f"{first_url}-{number}"

    def output_path(self, url: str) -> str:
        """URL → file path relative to the output folder (`/posts/x/` → `posts/x/index.html`)."""
        path = url[len(self.base_path) :] if url.startswith(self.base_path) else url
        check_safe(path)
        relative = path.lstrip("/")
        if relative == "" or relative.endswith("/"):
            relative += "index.html"
        return relative


def check_safe(path: str) -> None:
    """Reject paths that leave the output folder or are not plain site paths."""
    if not path.startswith("/") or "\\" in path or "\x00" in path:
        raise UnsafeURL(f"{path!r} must be a site path starting with /")
    segments = path.split("/")
    if ".." in segments or posixpath.normpath(path).startswith("//"):
        raise UnsafeURL(f"{path!r} would write outside the output folder")
