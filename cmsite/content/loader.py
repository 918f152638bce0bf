"""Find the content files (never one a link brings in from outside the site) and read each
into an Item, reporting every problem with its file and line."""

from __future__ import annotations

import errno
import os
from collections.abc import Callable, Collection, Iterator, Mapping
from datetime import date as datetime_date
from datetime import datetime
from pathlib import Path
from stat import S_ISBLK, S_ISCHR, S_ISDIR, S_ISFIFO, S_ISREG, S_ISSOCK
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from slugify import slugify

from cmsite import inputs
from cmsite.config import language_problem
from cmsite.content import dates
from cmsite.content.foreign import foreign_keys, foreign_tags
from cmsite.content.frontmatter import FrontMatter, FrontMatterError, parse
from cmsite.content.item import Item, KeyLines, LocalLink, Term
from cmsite.content.local_files import content_folder, resolve
from cmsite.content.markdown import BodyError, MarkdownSource, Rendered, summarize
from cmsite.digests import digest_bytes
from cmsite.errors import ContentError, ContentErrors, display_path, printable, shorten
from cmsite.urls import UnsafeURL, check_name, check_safe

if TYPE_CHECKING:
    from cmsite.site import Site

KIND_FOLDERS = {"posts": "post", "pages": "page"}
MAX_FILE_BYTES = 1 << 20  # one post or page: Markdown takes seconds per MiB, more than linearly
_NEVER_INPUTS = {".git", ".hg", ".svn", "__pycache__"}
_KNOWN = {
    "title", "date", "updated", "slug", "tags", "category", "authors", "author",
    "summary", "draft", "lang", "image", "image_alt", "url",
}  # fmt: skip


def discover(
    content_dir: Path,
    suffixes: Collection[str],
    root: Path,
    *,
    links_outside: bool = False,
    collections: Mapping[str, str] | None = None,
) -> Iterator[tuple[Path, str]]:
    """Every post and page file, then every file of each collection (`collections`: folder →
    name), in a stable order, skipping hidden and editor temp files."""
    for folder, kind in {**KIND_FOLDERS, **(collections or {})}.items():
        for path in files_under(content_dir / folder, root, links_outside=links_outside):
            if path.suffix in suffixes:
                yield path, kind


def files_under(
    base: Path, root: Path | None = None, *, links_outside: bool = False, every: bool = False
) -> list[Path]:
    """Every file under `base` that is not ignored (`every`: even those), in path order; ignored
    folders are not entered. Raise ContentErrors naming every file that cannot be read safely.

    Symbolic links, to files and folders alike, are followed when they lead inside the site
    folder `root` (`base` by default), or inside `base` when a setting or a plugin put it
    outside the site (a theme installed as a package): a link elsewhere would publish a file
    of the machine, unless `links_outside` allows it. Only regular files are ever read.
    """
    walk = _Walk(base, root or base, links_outside=links_outside, every=every)
    found = walk.files()
    if walk.errors:
        raise ContentErrors(walk.errors)
    found.sort(key=lambda path: path.split(os.sep))
    return [Path(path) for path in found]


def input_files(base: Path, root: Path, *, links_outside: bool = False) -> tuple[list[str], list[str]]:
    """(files, refused): every file under `base`, ignored ones too, and each path `files_under`
    would refuse. What a build's inputs are, for the check that nothing changed; a refused path
    is not looked at further, and the build that follows reports it."""
    walk = _Walk(base, root, links_outside=links_outside, every=True)
    return walk.files(), walk.refused


def may_read(path: Path, base: Path, root: Path, *, links_outside: bool = False) -> bool:
    """Whether `files_under(base, root)` gives this file, without walking all of `base`."""
    return _Walk(base, root, links_outside=links_outside, every=False).gives(os.path.abspath(path))


class _Walk:
    """One walk of a folder, its own files and those that links inside lead to, with the
    problems met on the way, each naming the file or link the user sees."""

    def __init__(self, base: Path, root: Path, *, links_outside: bool, every: bool):
        self.base, self.root = os.path.abspath(base), os.path.abspath(root)
        self.links_outside, self.every = links_outside, every
        self.homes = [os.path.realpath(self.root)]
        if not _within(self.base, [self.root]):  # configured outside the site: its own links may stay in it
            self.homes.append(os.path.realpath(self.base))
        self.errors: list[ContentError] = []
        self.refused: list[str] = []

    def files(self) -> list[str]:
        start = self._start()
        if start is None:
            return []
        found: list[str] = []
        folders = [(self.base, (start,))]  # a folder, with the real paths of it and the folders around it
        while folders:
            folder, around = folders.pop()
            for entry in self._entries(folder):
                kind, real = self._follow(entry, around)
                if kind == "file":
                    found.append(entry.path)
                elif kind == "folder":
                    folders.append((entry.path, (*around, real)))
        return found

    def gives(self, path: str) -> bool:
        """Whether the walk finds this file: each folder on the way to it, and it, pass the rules."""
        real = self._start()
        if real is None or not _within(path, [self.base]):
            return False
        around = (real,)
        for step in _steps(self.base, path):
            entry = _entry(step)
            if entry is None or not self._wanted(entry.name):
                return False
            kind, real = self._follow(entry, around)
            if kind != ("file" if step == path else "folder"):
                return False
            around = (*around, real)
        return path != self.base

    def _start(self) -> str | None:
        """The real path of the folder to walk; None when there is none or it leads outside."""
        try:
            is_folder = S_ISDIR(os.stat(self.base).st_mode)
        except OSError as exc:
            if os.path.islink(self.base):
                self._fail(self.base, _broken(exc, _target(self.base)))
            return None
        real = os.path.realpath(self.base)
        if not is_folder or self.links_outside or _within(real, self.homes):
            return real if is_folder else None
        steps = _steps(self.root, self.base)
        link = next((step for step in steps if not _within(os.path.realpath(step), self.homes)), self.base)
        self._fail(link, _outside("folder", _target(link)))
        return None

    def _entries(self, folder: str) -> list[os.DirEntry[str]]:
        try:
            with os.scandir(folder) as entries:
                return [entry for entry in entries if self._wanted(entry.name)]
        except OSError as exc:
            self._fail(folder, f"cannot be read ({exc.strerror}); check its permissions")
            return []

    def _wanted(self, name: str) -> bool:
        """`every` walks hidden files too, but never a version-control or bytecode folder."""
        return name not in _NEVER_INPUTS if self.every else not _ignored(name)

    def _follow(self, entry: os.DirEntry[str], around: tuple[str, ...]) -> tuple[str, str]:
        """("file" | "folder" | "skip", its real path): what the walk does with an entry."""
        try:
            check_name(entry.name)
        except UnsafeURL as exc:
            return self._skip(entry.path, f"the name {exc}; rename it")
        if entry.is_symlink():
            return self._follow_link(entry, around)
        real = os.path.join(around[-1], entry.name)
        if entry.is_dir(follow_symlinks=False):
            return "folder", real
        if not entry.is_file(follow_symlinks=False):
            kind = _special(entry.stat(follow_symlinks=False))
            return self._skip(entry.path, f"not a regular file but {kind}, which is never read; remove it")
        return self._regular(entry.path, real)

    def _follow_link(self, entry: os.DirEntry[str], around: tuple[str, ...]) -> tuple[str, str]:
        target = _target(entry.path)
        try:
            stat = entry.stat()
        except OSError as exc:
            return self._skip(entry.path, _broken(exc, target))
        real = os.path.realpath(entry.path)
        is_folder = S_ISDIR(stat.st_mode)
        if not self.links_outside and not _within(real, self.homes):
            return self._skip(entry.path, _outside("folder" if is_folder else "file", target))
        if is_folder and any(_within(folder, [real]) for folder in around):
            return self._skip(
                entry.path, f"a symbolic link to a folder it is in ({target}), a loop; remove it"
            )
        if is_folder:
            return "folder", real
        if not S_ISREG(stat.st_mode):
            kind = _special(stat)
            return self._skip(
                entry.path, f"a symbolic link to {kind} ({target}), which is never read; remove it"
            )
        return self._regular(entry.path, real)

    def _regular(self, path: str, real: str) -> tuple[str, str]:
        """A regular file, unless the system makes it up (/proc, /sys): no disk holds those."""
        if not _within(real, self.homes) and os.statvfs(real).f_blocks == 0:
            return self._skip(
                path,
                f"{printable(real)} is made up by the system (no disk holds it) and is never read; "
                "copy what you need into a file of the site",
            )
        return "file", real

    def _skip(self, path: str, message: str) -> tuple[str, str]:
        self._fail(path, message)
        return "skip", path

    def _fail(self, path: str, message: str) -> None:
        self.refused.append(path)
        self.errors.append(ContentError(display_path(Path(path), Path(self.root)), None, message))


def _within(path: str, folders: list[str]) -> bool:
    return any(path == folder or path.startswith(folder.rstrip(os.sep) + os.sep) for folder in folders)


def _steps(root: str, path: str) -> Iterator[str]:
    """Each folder from `root` (excluded) down to `path`, to find the link among them."""
    parts = Path(path).relative_to(root).parts if _within(path, [root]) else ()
    for depth in range(1, len(parts) + 1):
        yield os.path.join(root, *parts[:depth])


def _entry(path: str) -> os.DirEntry[str] | None:
    """The entry of `path` in its folder (what a walk sees), None if there is none."""
    folder, name = os.path.split(path)
    try:
        with os.scandir(folder) as entries:
            return next((entry for entry in entries if entry.name == name), None)
    except OSError:
        return None


def _broken(exc: OSError, target: str) -> str:
    """Why a link cannot be followed, and what to do."""
    if exc.errno == errno.ELOOP:
        return f"a symbolic link that leads back to itself ({target}); fix or remove it"
    if exc.errno in (errno.ENOENT, errno.ENOTDIR):
        return f"a symbolic link to nothing ({target}); fix or remove it"
    return f"a symbolic link that cannot be followed ({target}: {exc.strerror}); fix it or remove it"


def _outside(kind: str, target: str) -> str:
    return (
        f"a symbolic link to a {kind} outside the site folder ({target}); copy the {kind} into the site, "
        "or allow links outside with `allow_links_outside = true` under [build] in cmsite.toml"
    )


def _special(stat: os.stat_result) -> str:
    """What a file that is not a regular file is, in words: reading one could hang or never end."""
    if S_ISFIFO(stat.st_mode):
        return "a named pipe (FIFO)"
    if S_ISSOCK(stat.st_mode):
        return "a socket"
    return "a device" if S_ISCHR(stat.st_mode) or S_ISBLK(stat.st_mode) else "a special file"


def _target(link: str) -> str:
    """Where a link leads, as written in it (as `ls -l` shows it)."""
    return printable(os.readlink(link)) if os.path.islink(link) else printable(os.path.realpath(link))


def _ignored(name: str) -> bool:
    return name.startswith((".", "#", "_")) or name.endswith("~")


def load_item(path: Path, kind: str, site: Site) -> Item:
    """Parse, validate and render one file; raise ContentErrors listing all its problems."""
    shown = display_path(path, site.root)
    raw = read_content(path, shown)
    try:
        front = parse(inputs.decode(raw, shown), shown, site.config.lang)
    except FrontMatterError as exc:
        raise ContentErrors([exc.error]) from None
    item = _ItemBuilder(path, shown, kind, front, site).build()
    item.warnings = front.warnings  # cached with the item: shown by every build until the file is fixed
    item.digest = digest_bytes(str(path).encode() + b"\0" + raw)  # the name makes slug and date too
    return item


def read_content(path: Path, shown: str) -> bytes:
    """A post's or page's bytes; raise ContentErrors at the line where the file passes
    MAX_FILE_BYTES, reading no further (50 MB of Markdown would take many minutes to render)."""
    with path.open("rb") as file:
        # What the file holds and one byte more, to see that it holds no more: asking for
        # MAX_FILE_BYTES + 1 at once made Python set aside that much for every post, which took
        # longer than reading it. A file that grew since it was measured is read on.
        wanted = min(os.fstat(file.fileno()).st_size, MAX_FILE_BYTES) + 1
        raw = file.read(wanted)
        if len(raw) == wanted <= MAX_FILE_BYTES:
            raw += file.read(MAX_FILE_BYTES + 1 - wanted)
    if len(raw) > MAX_FILE_BYTES:
        line = raw.count(b"\n", 0, MAX_FILE_BYTES) + 1
        message = (
            f"the file passes {MAX_FILE_BYTES >> 20} MiB here, the most cmsite reads for one post or page; "
            "split it into several, or move what makes it large (pictures embedded as data: addresses, long "
            "tables) into files of their own"
        )
        raise ContentErrors([ContentError(shown, line, message)])
    return raw


class _ItemBuilder:
    """Validates front-matter fields one by one, collecting errors instead of stopping."""

    def __init__(self, path: Path, shown: str, kind: str, front: FrontMatter, site: Site):
        self.path, self.shown, self.kind, self.front, self.site = path, shown, kind, front, site
        self.data = front.data
        self.errors: list[ContentError] = []
        self.folder = content_folder(path, site.config.content_dir)  # where its relative paths start
        self.links: list[LocalLink] = []  # its pictures and file links, checked at every build

    def fail(self, key: str, message: str) -> None:
        self.errors.append(ContentError(self.shown, self.front.line_of(key), message))

    def build(self) -> Item:
        """The item, rendered; every problem of its front matter at once, before any rendering."""
        item = self.item()
        summary = self.text("summary")
        if self.errors:
            raise ContentErrors(self.errors)
        self.render_into(item, summary)
        item.local_links = list(dict.fromkeys(self.links))  # the body before <!--more--> is rendered twice
        return item

    def item(self) -> Item:
        """The item from its front matter and file name, not yet rendered; problems go to `errors`."""
        # A page bundle (Hugo's `hello/index.md`, beside its pictures) is named by its folder.
        name = self.path.parent.name if self.path.stem == "index" else self.path.stem
        file_date, file_slug = dates.split_file_name(name)
        title = self.title()
        date = self.published(file_date)
        updated = self.date("updated")
        lang = self.lang()
        slug = self.slug(file_slug)
        url = self.url(slug, date, lang)
        return Item(
            source=self.path,
            shown=self.shown,
            kind=self.kind,
            title=title,
            slug=slug,
            url=url,
            abs_url=self.site.urls.absolute(url),
            lang=lang,
            date=date,
            updated=updated,
            tags=[self.term("tag", name) for name in self.names("tags")],
            category=self.category(),
            authors=self.authors(),
            image=self.image(),
            image_alt=self.text("image_alt") or "",
            draft=self.boolean("draft"),
            meta=self.meta(),
            lines=KeyLines.of(self.front.lines),
        )

    def render_into(self, item: Item, summary: str | None) -> None:
        """The body as HTML, its table of contents (two headings or more), and the summary:
        the front matter's `summary:` rendered, or one taken from the body."""
        render = self.site.content_loaders[self.path.suffix]
        body = self.source(item, "body", self.front.body, self.front.body_line)
        self.front.warnings += foreign_tags(self.shown, body, self.front.body_line)
        rendered = self.render(render, body, self.front.body_line)
        item.content = rendered.html
        item.toc = rendered.toc if rendered.headings >= 2 else item.toc
        explicit = None
        if summary:
            line = self.front.line_of("summary")
            explicit = self.render(render, self.source(item, "summary", summary, line), line).html
        item.summary = summarize(
            lambda text: self.render(render, text, self.front.body_line), body, rendered, explicit
        )

    def source(self, item: Item, part: str, text: str, line: int) -> str:
        """The text once every `cmsite_markdown_source` hook changed it (shortcodes), in order."""
        source = MarkdownSource(text, part, line)
        self.site.pm.hook.cmsite_markdown_source(source=source, item=item, site=self.site)
        return source.text

    def title(self) -> str:
        """Every post and page needs one: feeds, pages and link previews show it."""
        title = self.text("title")
        if title == "" or "title" not in self.data:
            message = 'missing title; add `title: "..."` to the front matter'
            self.errors.append(ContentError(self.shown, self.front.fence_line, message))
        return title or ""

    def published(self, file_date: datetime_date | None) -> datetime | None:
        """`date:`, or the date in the file's name; a post must have one, a page need not."""
        date = self.date("date")
        if date is None and file_date is not None:
            date = dates.parse_date(file_date, self.site.config.tz)
        if date is None and self.kind == "post" and "date" not in self.data:
            self.fail(
                "date",
                "missing date; add `date: 2026-11-22` to the front matter or name the file YYYY-MM-DD-slug.md",
            )
        return date

    def meta(self) -> dict[str, Any]:
        """Every front-matter key cmsite does not read itself. Social plans are for posts and
        pages only: a collection item's `social:` is refused, never silently dropped."""
        if "social" in self.data and self.kind not in KIND_FOLDERS.values():
            self.fail(
                "social",
                f"social plans are for posts and pages, not for items of the collection {self.kind}; "
                "plan a standalone social post in content/social/ that links to this page",
            )
        self.front.warnings += foreign_keys(self.shown, self.data, self.front.line_of)
        return {k: v for k, v in self.data.items() if k not in _KNOWN}

    def category(self) -> Term | None:
        name = self.text("category")
        return self.term("category", name) if name else None

    def authors(self) -> list[str]:
        """`authors:`, or `author:`, or the site's author."""
        author = self.site.config.author
        return self.names("authors") or self.names("author") or ([author] if author else [])

    def render(self, render: Callable[[str], Rendered], text: str, first_line: int) -> Rendered:
        """`text` (the body, or the summary: the same renderer, the same raw-HTML policy) as HTML;
        a renderer's BodyError becomes an error at its line in the file (`text` starts at `first_line`)."""
        try:
            with self.site.markdown.reading(self.folder, first_line) as links:
                rendered = render(text)
            self.links += links
            return rendered
        except BodyError as exc:
            raise ContentErrors([ContentError(self.shown, first_line + exc.line - 1, str(exc))]) from None

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
            self.fail(key, f"{key} must be true or false, not {shorten(value)}")
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

    def lang(self) -> str:
        """The post's own `lang:`, if Babel knows it (its dates and interface strings need it), or the site's."""
        lang = self.text("lang")
        if lang and (problem := language_problem(lang)):
            self.fail("lang", problem)
        return lang or self.site.config.lang

    def slug(self, file_slug: str) -> str:
        explicit = self.text("slug")
        if explicit is None:
            return slugify(file_slug) or "untitled"
        try:
            check_safe("/" + explicit)
        except UnsafeURL as exc:
            self.fail("slug", f"slug: {exc}; use letters, digits and -")
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
            if explicit is not None:
                self.fail("url", f"{exc}; use a path like /about/")
            else:
                self.fail("slug", f"{exc}; set a shorter `slug:` or rename the file")
            return urls.url("/invalid/")

    def term(self, kind: str, name: str) -> Term:
        slug = slugify(name) or "untitled"
        try:
            return Term(name, slug, self.site.urls.make(kind, slug=slug))
        except UnsafeURL as exc:
            self.fail("tags" if kind == "tag" else kind, f"{kind}: {exc}; use a shorter name")
            return Term(name, slug, "")

    def image(self) -> str | None:
        value = self.text("image")
        if not value:
            return None
        if value.startswith(("http://", "https://")):
            return value
        resolved = resolve(value, self.folder, "", picture=True)  # relative: from this file, as in the body
        if resolved is not None and resolved.url is None:
            self.fail(
                "image", f"image: {value} is outside the content folder; move the picture into content/"
            )
            return None
        try:
            url = self.site.urls.url(resolved.value if resolved else "/" + value.lstrip("/"))
        except UnsafeURL as exc:
            self.fail("image", f"image: {exc}; use a path like /images/photo.jpg")
            return None
        if resolved is not None:
            self.links.append(
                LocalLink(self.front.line_of("image"), "image", value, unquote(urlsplit(url).path))
            )
        return self.site.urls.absolute(url)


def _kind(value: Any) -> str:
    return {dict: "a mapping", list: "a list", bool: "true/false"}.get(type(value), type(value).__name__)
