"""Pictures and links to files of the site, as editors write them, and the check that each leads
to a file the build makes.

A relative address is read from the post's file, as an editor's preview reads it
(`images/x.png`, `../images/x.png` from content/posts/), and the page gets the URL of the
copied file; an address starting with / is a site URL (`/images/x.png`, content/images/x.png),
left as written. Links are checked when they name a file (`cv.pdf`, not `/about/`).

The links are listed while Markdown renders (a treeprocessor, and Python's HTML parser for raw
HTML) and kept with the item; whether their files exist is asked at every build (`broken_links`),
so that a picture added or removed later counts even for a post read from the cache.
"""

from __future__ import annotations

import bisect
import html
import posixpath
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from difflib import SequenceMatcher, get_close_matches
from functools import partial
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit, urlunsplit
from xml.etree import ElementTree as etree

import markdown
from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor
from markdown.util import AMP_SUBSTITUTE, HTML_PLACEHOLDER_RE

from cmsite.content.item import Item, LocalLink
from cmsite.errors import ContentError, display_path

if TYPE_CHECKING:
    from cmsite.site import Site

_ADDRESS = {"img": "src", "a": "href"}  # the element that shows or links a file, and its attribute
_KINDS = {"img": "picture", "a": "link"}
_MAY_LINK = re.compile(r"<(?:img|a)[\s/>]", re.IGNORECASE)  # raw HTML without one is not parsed at all
_DEFINITION = re.compile(r" {0,3}\[[^\]]+\]:")  # a Markdown line `[id]: address`, defining a reference
# The start of an address that urlsplit reads as another site's or a part of the page (a
# scheme, `#`): most addresses of a page, and release notes link hundreds, so none is split.
_ELSEWHERE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:|#")


@dataclass(frozen=True)
class Resolved:
    """Where an address leads: what the page links to, and the site URL to check (None: out of
    the content folder)."""

    value: str
    url: str | None


def resolve(written: str, folder: str | None, base_path: str, *, picture: bool) -> Resolved | None:
    """A local address read from `folder` of the content folder (None: from nowhere, left as it
    is); None for another site's (`https:`, `mailto:`, `//cdn…`), a part of the page (`#notes`)
    and, for a link, a page rather than a file (`/about/`)."""
    if _ELSEWHERE.match(written):
        return None
    try:
        parts = urlsplit(written)
    except ValueError:
        return None
    if parts.scheme or parts.netloc or not parts.path or not (picture or names_a_file(parts.path)):
        return None
    if parts.path.startswith("/"):
        return Resolved(written, unquote(posixpath.normpath(parts.path)))
    if folder is None:
        return None
    joined = posixpath.normpath(posixpath.join(folder, parts.path))
    if joined == ".." or joined.startswith("../"):
        return Resolved(written, None)
    path = f"{base_path}/{joined}"
    return Resolved(urlunsplit(("", "", path, parts.query, parts.fragment)), unquote(path))


def names_a_file(path: str) -> bool:
    """`cv.pdf`, `../a.md`: a file; `/about/`, `../about`: a page."""
    return bool(posixpath.splitext(posixpath.basename(path))[1])


def content_folder(path: Path, content_dir: Path) -> str | None:
    """The folder of a content file within the content folder (`posts`), where its relative
    addresses start; None for a file elsewhere."""
    try:
        return path.parent.relative_to(content_dir).as_posix()
    except ValueError:
        return None


def as_written(md: markdown.Markdown, value: str) -> str:
    """An attribute as the page will have it: Python-Markdown keeps entities (`{: href="&#106;…"}`)
    aside until the end, leaving a placeholder in the tree."""
    stash = md.htmlStash.rawHtmlBlocks
    value = HTML_PLACEHOLDER_RE.sub(lambda found: str(stash[int(found.group(1))]), value)
    return value.replace(AMP_SUBSTITUTE, "&")


@dataclass
class Document:
    """The file being rendered: the folder its relative addresses start from, the file's line of
    the text's first line, and the local links found so far."""

    folder: str | None
    first_line: int
    links: list[LocalLink] = field(default_factory=list)


class Reading:
    """The file being rendered, within `reading()`; outside it (a text that is no file's), None."""

    def __init__(self, base_path: str):
        self.base_path = base_path
        self.document: Document | None = None

    @contextmanager
    def reading(self, folder: str | None, first_line: int) -> Iterator[list[LocalLink]]:
        self.document = Document(folder, first_line)
        try:
            yield self.document.links
        finally:
            self.document = None

    def relink(
        self, elements: Iterable[Any], text: str, address_of: Callable[[str], tuple[str, str]]
    ) -> None:
        """List each picture and file link among `elements` (ElementTree or lxml elements) of the
        document's `text`, and give it its site URL; `address_of(value)` is an attribute's
        (written, address): as written in the text, and as a browser reads it."""
        document = self.document
        if document is None:
            return
        lines = _Lines(text, document.first_line)
        for element in elements:
            attribute = _ADDRESS.get(element.tag)
            value = element.get(attribute) if attribute else None
            if attribute and value is not None:
                written, address = address_of(value)
                new = self.listed(element.tag, address, written, lines.at(written))
                if new is not None and new != address:
                    element.set(attribute, new)

    def listed(self, tag: str, address: str, written: str, line: Callable[[], int]) -> str | None:
        """The address the page gets, once listed with its `line` (looked for only then); None
        for one that is not a local file's."""
        assert self.document is not None
        resolved = resolve(address, self.document.folder, self.base_path, picture=tag == "img")
        if resolved is None:
            return None
        self.document.links.append(LocalLink(line(), _KINDS[tag], written, resolved.url))
        return resolved.value


class LocalFiles(Extension, Reading):
    """Within `reading()`, relative addresses of pictures and file links become site URLs, and
    every local one is listed; outside it (a text that is no file's), nothing changes."""

    def __init__(self, base_path: str):
        Extension.__init__(self)
        Reading.__init__(self, base_path)
        self.lines: list[str] = []

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.preprocessors.register(_KeepLines(md, self), "local_files_lines", 100)  # the text as written
        md.treeprocessors.register(_LocalLinks(md, self), "local_files", -2)  # after drop_script_urls (-1)


class _KeepLines(Preprocessor):
    """The text before any preprocessor changes it (raw HTML blocks become placeholders)."""

    def __init__(self, md: markdown.Markdown, files: LocalFiles):
        super().__init__(md)
        self.files = files

    def run(self, lines: list[str]) -> list[str]:
        self.files.lines = lines
        return lines


class _LocalLinks(Treeprocessor):
    """Each picture and file link of the tree and of the raw HTML, listed and made a site URL."""

    def __init__(self, md: markdown.Markdown, files: LocalFiles):
        super().__init__(md)
        self.files = files

    def run(self, root: etree.Element) -> None:
        document = self.files.document
        if document is None:
            return
        text = "\n".join(self.files.lines)
        stash = self.md.htmlStash.rawHtmlBlocks

        def address_of(value: str) -> tuple[str, str]:
            written = as_written(self.md, value)
            return written, html.unescape(written)  # as a browser reads it: `b&#46;png` is `b.png`

        self.files.relink(_elements(root, stash), text, address_of)
        raw_lines = _Lines(text, document.first_line)
        for index, block in enumerate(stash):
            if isinstance(block, str) and _MAY_LINK.search(block):
                stash[index] = self._raw(block, raw_lines)

    def _raw(self, block: str, lines: _Lines) -> str:
        """Raw HTML with its `<img src>` and `<a href>` listed; a tag whose address changes is
        written again from its parsed attributes, every other byte stays."""
        changes = []
        for start, text, tag, attributes in _StartTags(block).found:
            name = _ADDRESS[tag]
            address = dict(attributes).get(name)  # entities decoded by the parser
            if address is None:
                continue
            new = self.files.listed(tag, address, address, lines.at(text))
            if new is not None and new != address:
                changed = [(key, new if key == name else value) for key, value in attributes]
                changes.append((start, len(text), _start_tag(tag, changed, text)))
        for start, length, tag_text in reversed(changes):
            block = block[:start] + tag_text + block[start + length :]
        return block


def _elements(root: etree.Element, stash: list[str | etree.Element]) -> Iterator[etree.Element]:
    yield from root.iter()
    for block in stash:
        if isinstance(block, etree.Element):  # HTML that an extension keeps as a tree
            yield from block.iter()


class _Lines:
    """The file's line of each address, looked for in the text in the order the addresses come:
    Python-Markdown keeps no positions. A reference's address is found where it is defined
    (`[id]: x.png`), which is where to fix it, and the search goes on from the picture before it;
    an address written otherwise than parsed (`a\\_b.png`) gets the line of the one before it,
    and one also written earlier in a code example, the example's line."""

    def __init__(self, text: str, first_line: int):
        self.text, self.first_line, self.cursor = text, first_line, 0
        self.starts: list[int] = []  # of each line, counted when first needed

    def of(self, needle: str) -> int:
        if not self.starts:
            self.starts = line_starts(self.text)
        at = self.text.find(needle, self.cursor)
        if at < 0:
            at = self.text.find(needle)
        if at < 0:
            return self._line(self.cursor)
        if not _DEFINITION.match(self.text, self.starts[self._line(at) - self.first_line]):
            self.cursor = at + len(needle)
        return self._line(at)

    def _line(self, offset: int) -> int:
        return self.first_line + bisect.bisect_right(self.starts, offset) - 1

    def at(self, needle: str) -> Callable[[], int]:
        """The line of `needle`, for when it is needed."""
        return partial(self.of, needle)


def line_starts(text: str) -> list[int]:
    return [0] + [found.end() for found in re.finditer("\n", text)]


class _StartTags(HTMLParser):
    """The `<img>` and `<a>` start tags of raw HTML: (offset, text, tag, attributes) of each."""

    def __init__(self, block: str):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str, str, list[tuple[str, str | None]]]] = []
        self.line_starts = line_starts(block)
        self.feed(block)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _ADDRESS:
            line, column = self.getpos()
            self.found.append(
                (self.line_starts[line - 1] + column, self.get_starttag_text() or "", tag, attrs)
            )


def _start_tag(tag: str, attributes: list[tuple[str, str | None]], text: str) -> str:
    """A start tag written again from its attributes, self-closing if it was."""
    written = "".join(
        f" {name}" if value is None else f' {name}="{html.escape(value)}"' for name, value in attributes
    )
    return f"<{tag}{written}{' /' if text.endswith('/>') else ''}>"


def broken_links(site: Site, items: Iterable[Item], targets: Mapping[str, str]) -> list[ContentError]:
    """An error for each picture or file link of `items` that leads to no file of the build
    (`targets`: URL → output path), saying what was likely meant."""
    check = _Check(site, targets)
    return [error for item in items for link in item.local_links if (error := check.error(item, link))]


class _Check:
    def __init__(self, site: Site, targets: Mapping[str, str]):
        self.site, self.targets = site, targets
        self.base = site.urls.base_path
        self.content_dir = site.config.content_dir

    def error(self, item: Item, link: LocalLink) -> ContentError | None:
        what = f"image: {link.written}" if link.kind == "image" else f"{link.kind} {link.written}"
        if link.url is None:
            problem = "outside the content folder; move the file into content/ and write its path from there"
        elif self._made(link.url):
            return None
        elif post := self._post(link.url):
            problem = (
                f"Markdown files are not published; link to the page of {post.shown} instead: {post.url}"
            )
        else:
            problem = f"no such file{self._where(link.url)}; {self._fix(item, link)}"
        return ContentError(item.shown, link.line, f"{what}: {problem}")

    def _made(self, url: str) -> bool:
        return url in self.targets or (
            url.endswith("/index.html") and url.removesuffix("index.html") in self.targets
        )

    def _post(self, url: str) -> Item | None:
        """The post or page whose Markdown file the URL names, if any."""
        return next((item for item in self.site.items if self._url_of(item.source) == url), None)

    def _url_of(self, path: Path) -> str | None:
        folder = content_folder(path, self.content_dir)
        return (
            None if folder is None else f"{self.base}/{posixpath.join(folder, path.name).removeprefix('./')}"
        )

    def _where(self, url: str) -> str:
        """`, content/images/x.png`: the file the URL would be copied from."""
        if self.base and not url.startswith(self.base + "/"):
            return " in the site"
        return ", " + display_path(self.content_dir / url[len(self.base) + 1 :], self.site.root)

    def _fix(self, item: Item, link: LocalLink) -> str:
        """Did you mean the closest file the build makes, written as the link was (relative or not)?"""
        assert link.url is not None
        files = [url for url in self.targets if names_a_file(url)]
        closest = closest_name(link.url, files)
        if closest is None:
            return "add the file there, or correct the path"
        folder = content_folder(item.source, self.content_dir)
        if not link.written.startswith("/") and folder is not None:
            closest = posixpath.relpath(closest, f"{self.base}/{folder}")
        return f"did you mean {closest}?"


def closest_name(wanted: str, paths: Iterable[str]) -> str | None:
    """The path whose file name is closest to `wanted`'s (difflib, on names without their
    suffix: `.png` alone makes any two names look alike), then whose folder is; None if no
    name is close."""
    by_name: dict[str, list[str]] = {}
    for path in paths:
        by_name.setdefault(_stem(path), []).append(path)
    names = get_close_matches(_stem(wanted), by_name, n=1)
    if not names:
        return None
    return max(by_name[names[0]], key=lambda path: SequenceMatcher(None, wanted, path).ratio())


def _stem(path: str) -> str:
    return posixpath.splitext(posixpath.basename(path))[0].casefold()
