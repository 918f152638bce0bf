"""Read one Markdown file into an Item, reporting every problem with its line."""

from __future__ import annotations

import os
from collections.abc import Collection, Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from slugify import slugify

from cmsite.build.fingerprint import digest_bytes
from cmsite.content import dates
from cmsite.content.frontmatter import FrontMatter, FrontMatterError, parse
from cmsite.content.item import Item, KeyLines, Term
from cmsite.content.markdown import summarize
from cmsite.errors import ContentError, ContentErrors, display_path
from cmsite.urls import UnsafeURL, check_safe

if TYPE_CHECKING:
    from cmsite.site import Site

KIND_FOLDERS = {"posts": "post", "pages": "page"}
_KNOWN = {
    "title", "date", "updated", "slug", "tags", "category", "authors", "author",
    "summary", "draft", "lang", "image", "image_alt", "url",
}  # fmt: skip


def discover(content_dir: Path, suffixes: Collection[str]) -> Iterator[tuple[Path, str]]:
    """Every post and page file, in a stable order, skipping hidden and editor temp files."""
    for folder, kind in KIND_FOLDERS.items():
        for path in files_under(content_dir / folder):
            if path.suffix in suffixes:
                yield path, kind


def files_under(base: Path) -> list[Path]:
    """Every file under `base` that is not ignored, in path order; ignored folders are not entered.

    Like a sorted `rglob`, without making and comparing a Path for each of a large site's files.
    """
    found = []
    for folder, subfolders, names in os.walk(base):
        subfolders[:] = [name for name in subfolders if not _ignored(name)]
        found += [os.path.join(folder, name) for name in names if not _ignored(name)]
    found.sort(key=lambda path: path.split(os.sep))
    return [Path(path) for path in found if os.path.isfile(path)]


def is_ignored(path: Path, base: Path) -> bool:
    """Hidden files, editor backups and lock files are never content."""
    return any(_ignored(part) for part in path.relative_to(base).parts)


def _ignored(name: str) -> bool:
    return name.startswith((".", "#", "_")) or name.endswith("~")


def load_item(path: Path, kind: str, site: Site) -> Item:
    """Parse, validate and render one file; raise ContentErrors listing all its problems."""
    shown = display_path(path, site.root)
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ContentErrors([ContentError(shown, line, "not valid UTF-8; save the file as UTF-8")]) from None
    try:
        front = parse(text, shown)
    except FrontMatterError as exc:
        raise ContentErrors([exc.error]) from None
    item = _ItemBuilder(path, shown, kind, front, site).build()
    item.digest = digest_bytes(str(path).encode() + b"\0" + raw)  # the name makes slug and date too
    return item


class _ItemBuilder:
    """Validates front-matter fields one by one, collecting errors instead of stopping."""

    def __init__(self, path: Path, shown: str, kind: str, front: FrontMatter, site: Site):
        self.path, self.shown, self.kind, self.front, self.site = path, shown, kind, front, site
        self.data = front.data
        self.errors: list[ContentError] = []

    def fail(self, key: str, message: str) -> None:
        self.errors.append(ContentError(self.shown, self.front.line_of(key), message))

    def build(self) -> Item:
        config = self.site.config
        file_date, file_slug = dates.split_file_name(self.path.stem)
        title = self.text("title")
        if title == "" or "title" not in self.data:
            self.errors.append(
                ContentError(
                    self.shown,
                    self.front.fence_line,
                    'missing title; add `title: "..."` to the front matter',
                )
            )
        date = self.date("date")
        if date is None and file_date is not None:
            date = dates.parse_date(file_date, config.tz)
        if date is None and self.kind == "post" and "date" not in self.data:
            self.fail(
                "date",
                "missing date; add `date: 2026-11-22` to the front matter or name the file YYYY-MM-DD-slug.md",
            )
        updated = self.date("updated")
        lang = self.text("lang") or config.lang
        slug = self.slug(file_slug)
        url = self.url(slug, date, lang)
        item = Item(
            source=self.path,
            shown=self.shown,
            kind=self.kind,
            title=title or "",
            slug=slug,
            url=url,
            abs_url=self.site.urls.absolute(url),
            lang=lang,
            date=date,
            updated=updated,
            tags=[self.term("tag", name) for name in self.names("tags")],
            category=self.term("category", self.text("category")) if self.text("category") else None,
            authors=self.names("authors")
            or self.names("author")
            or ([config.author] if config.author else []),
            image=self.image(),
            image_alt=self.text("image_alt") or "",
            draft=self.boolean("draft"),
            meta={k: v for k, v in self.data.items() if k not in _KNOWN},
            lines=KeyLines.of(self.front.lines),
        )
        summary = self.text("summary")
        if self.errors:
            raise ContentErrors(self.errors)
        render = self.site.content_loaders[self.path.suffix]
        rendered = render(self.front.body)
        item.content = rendered.html
        item.toc = rendered.toc if rendered.headings >= 2 else item.toc
        explicit = self.site.markdown.render(summary).html if summary else None
        item.summary = summarize(render, self.front.body, rendered, explicit)
        return item

    def text(self, key: str) -> str | None:
        value = self.data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.fail(key, f'{key} must be text, not {_kind(value)}; write `{key}: "..."`')
            return None
        return str(value).strip()

    def names(self, key: str) -> list[str]:
        """A list of names, written as a YAML/TOML list or as "a, b, c"."""
        value = self.data.get(key)
        if value is None:
            return []
        if isinstance(value, str):
            value = value.split(",")
        if not isinstance(value, list) or not all(isinstance(v, str | int | float) for v in value):
            self.fail(key, f"{key} must be a list of names, like `{key}: [one, two]`, not {_kind(value)}")
            return []
        return [str(v).strip() for v in value if str(v).strip()]

    def boolean(self, key: str) -> bool:
        value = self.data.get(key, False)
        if not isinstance(value, bool):
            self.fail(key, f"{key} must be true or false, not {value!r}")
            return False
        return value

    def date(self, key: str) -> datetime | None:
        if key not in self.data:
            return None
        try:
            return dates.parse_date(self.data[key], self.site.config.tz)
        except ValueError as exc:
            self.fail(key, f"{key}: {exc}")
            return None

    def slug(self, file_slug: str) -> str:
        explicit = self.text("slug")
        if explicit is None:
            return slugify(file_slug) or "untitled"
        try:
            check_safe("/" + explicit)
        except UnsafeURL:
            self.fail(
                "slug",
                f"slug {explicit!r} would write outside the output folder; use letters, digits and -",
            )
            return "invalid"
        return explicit.strip("/")

    def url(self, slug: str, date: datetime | None, lang: str) -> str:
        urls = self.site.urls
        explicit = self.text("url")
        try:
            if explicit is not None:
                return urls.url(explicit if explicit.startswith("/") else "/" + explicit)
            return urls.for_item(self.kind, slug, date, lang)
        except UnsafeURL as exc:
            self.fail("url" if explicit is not None else "slug", f"{exc}; use a path like /about/")
            return urls.url("/invalid/")

    def term(self, kind: str, name: str) -> Term:
        slug = slugify(name) or "untitled"
        return Term(name, slug, self.site.urls.make(kind, slug=slug))

    def image(self) -> str | None:
        value = self.text("image")
        if not value:
            return None
        if value.startswith(("http://", "https://")):
            return value
        try:
            return self.site.urls.absolute(self.site.urls.url("/" + value.lstrip("/")))
        except UnsafeURL as exc:
            self.fail("image", f"image: {exc}; use a path like /images/photo.jpg")
            return None


def _kind(value: Any) -> str:
    return {dict: "a mapping", list: "a list", bool: "true/false"}.get(type(value), type(value).__name__)
