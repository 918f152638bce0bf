"""Site URLs ↔ output file paths, from the URL patterns in cmsite.toml.

Every URL the engine hands to templates is site-absolute and includes the base path of
`[site] url` (so a site served from https://example.org/blog/ links to /blog/posts/…).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping
from datetime import datetime
from urllib.parse import urlsplit

from cmsite.config import SiteConfig
from cmsite.errors import shorten

MAX_NAME_BYTES = 255  # the longest file or folder name Linux and macOS file systems take
MAX_PATH_BYTES = 2000  # the longest site path; sitemaps and many servers refuse longer URLs
THEME_STATIC_URL = "/theme/"  # where the theme's static files are served
ARCHIVES_URL = "/archives/"  # the built-in archives' index
TAGS_INDEX_URL = "/tags/"  # the built-in taxonomies' index of tags and categories
_UNFIT = re.compile(r"[\x00-\x1f\x7f\\]")  # browsers drop or escape these: the link would miss its file


class UnsafeURL(ValueError):
    """A URL, slug or file name that would write outside the output folder, or that no file system takes."""


class Urls:
    def __init__(self, config: SiteConfig, more: Mapping[str, str] | None = None):
        """`more`: the URL patterns of other kinds than cmsite.toml's `[urls]` (each collection's)."""
        parts = urlsplit(config.url)
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self.base_path = parts.path.rstrip("/")
        self.patterns = {**config.urls, **(more or {})}
        self.tz = config.tz

    def make(self, kind: str, **fields: object) -> str:
        """URL of one kind (post, page, tag, category, year, month, a collection) from its pattern."""
        return self.url(self.patterns[kind].format(**fields))

    def for_item(self, kind: str, slug: str, date: datetime | None, lang: str) -> str:
        """The URL of a post, page or collection item. Its date is taken in the site's zone, as
        archives and pages show it (and as Jekyll makes its URLs), whatever zone it was written in."""
        local = date.astimezone(self.tz) if date else None
        year, month, day = (local.year, local.month, local.day) if local else (0, 0, 0)
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
    """Reject paths that leave the output folder or that no file system or URL can carry."""
    if not path.startswith("/"):
        raise UnsafeURL(f"{_short(path)} must be a site path starting with /")
    segments = path.split("/")
    if ".." in segments or posixpath.normpath(path).startswith("//"):
        raise UnsafeURL(f"{_short(path)} would write outside the output folder")
    _check_names(path, segments)


def check_name(name: str) -> None:
    """Reject a file or folder name that could not be part of a URL or of an output file's path."""
    _check_names(name, [name])


def _check_names(text: str, names: list[str]) -> None:
    """The rules every output path follows, whatever file system it is written on.

    One encode of the whole text settles the usual short path: only a long one is split.
    """
    try:
        size = len(text.encode("utf-8"))
    except UnicodeEncodeError:
        raise UnsafeURL(f"{_short(text)} is not valid UTF-8") from None
    if _UNFIT.search(text):
        raise UnsafeURL(f"{_short(text)} has a backslash or a control character, which no URL path may have")
    if size > MAX_PATH_BYTES:
        raise UnsafeURL(f"{_short(text)} is {size} bytes long; a site path may have at most {MAX_PATH_BYTES}")
    for name in names if size > MAX_NAME_BYTES else ():
        if (length := len(name.encode("utf-8"))) > MAX_NAME_BYTES:
            raise UnsafeURL(
                f"{_short(name)} is {length} bytes long; a file name may have at most {MAX_NAME_BYTES}"
            )


def _short(text: str) -> str:
    """A value cut short for an error line, a name's bytes that are not UTF-8 shown as "?"."""
    return shorten(text.encode("utf-8", "replace").decode("utf-8"))
