"""Markdown → HTML with Python-Markdown (the default engine) and the extensions that plugins
contribute, plus the table of contents; what every engine shares: `Rendered`, `BodyError`,
the nesting limit, the summary and the script-address check.

Two things keep what a writer types from harming readers or the build, whoever wrote it:

- the raw-HTML policy (`raw_html` under [build]): by default raw HTML is kept, trusting the
  writers; `drop` omits it and the links a browser would run as a script (DropRawHtml);
- a nesting limit: Python-Markdown parses each level of a list again and recurses, so a
  list nested 2,000 deep held a build past 100 s, then failed with a RecursionError.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit
from xml.etree import ElementTree as etree

import markdown
from markdown.extensions import Extension
from markdown.inlinepatterns import HTML_RE, InlineProcessor
from markdown.treeprocessors import Treeprocessor
from markupsafe import Markup

from cmsite.content.engine import MarkdownEngine
from cmsite.content.figures import Figures
from cmsite.content.item import LocalLink
from cmsite.content.local_files import LocalFiles, as_written

if TYPE_CHECKING:
    from cmsite.site import Site

MORE_MARKER = re.compile(r"^\s*<!--\s*more\s*-->\s*$", re.MULTILINE)

MAX_NESTING = 100  # lists and block quotes inside one another (docs: "Raw HTML and limits")
OMITTED = "<!-- raw HTML omitted -->"

# The start of a line that nests it: spaces, tabs, quote markers (>) and list markers (-, *,
# +, 1., 1)), a list marker only when a space follows. A thematic break (- - -) is no list.
_PREFIX = re.compile(r"(?:[ \t>]|(?:[-*+]|\d{1,9}[.)])(?=[ \t]))*")
_QUOTES = re.compile(r"[ \t>]*")
_RULE = re.compile(r"[ \t>]*([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_LEVEL = re.compile(r">|[-*+]|\d{1,9}[.)]| {4}")  # each marker, each four columns of indentation
# The start of a line long enough to nest it more than MAX_NESTING levels deep: each level
# takes a column at least once tabs are expanded, and no character takes more than four. The
# first line's, then each one after a line break: a pattern that starts with a plain character
# is searched fast, where `^` (MULTILINE) is tried at every position of the text.
_DEEP_START = rf"[ \t>*+\d.)-]{{{MAX_NESTING // 4 + 1},}}"
_DEEP_FIRST = re.compile(_DEEP_START)
_DEEP_NEXT = re.compile("\n" + _DEEP_START)

_SCRIPT_SCHEMES = frozenset({"javascript", "vbscript", "data"})
_PICTURE_DATA = re.compile(r"image/(?:png|gif|jpeg|webp)[;,]", re.IGNORECASE)  # as Hugo allows
_URL_ATTRIBUTES = ("href", "src")  # the attributes Markdown writes addresses in
_C0_AND_SPACE = "".join(map(chr, range(0x21)))


@dataclass
class Rendered:
    html: Markup
    toc: Markup
    headings: int


@dataclass
class MarkdownSource:
    """The text a renderer is about to get, for `cmsite_markdown_source` hooks to change in
    place (shortcodes): `part` is "body" or "summary", `line` the file's line of its first line."""

    text: str
    part: str
    line: int


class BodyError(ValueError):
    """A problem at a line of the text a renderer was given (1 for its first line). The
    renderer sees only a body or a summary; the loader knows where in the file it starts."""

    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line


class PythonMarkdown(MarkdownEngine):
    """The default engine: one Python-Markdown instance per site, reset between documents
    (creating one is slow), with the extensions of every plugin's `cmsite_markdown_extensions`.

    The site's `raw_html = "drop"` comes after every plugin's extension, so that none brings raw
    HTML back. The URL of every copied file starts with the path of `[site] url`.
    """

    name = "python-markdown"

    def __init__(self, site: Site):
        extensions = [
            ext for found in site.pm.hook.cmsite_markdown_extensions(site=site) for ext in found or []
        ]
        self._files = LocalFiles(site.urls.base_path)
        drop = [DropRawHtml()] if site.config.raw_html == "drop" else []
        own = [Figures(), self._files]
        self._md = markdown.Markdown(extensions=[*extensions, *drop, *own], output_format="html")

    def reading(self, folder: str | None, first_line: int) -> AbstractContextManager[list[LocalLink]]:
        return self._files.reading(folder, first_line)

    def render(self, text: str) -> Rendered:
        """HTML of `text`; raise BodyError when it is nested too deep to render."""
        check_nesting(text)
        self._md.reset()
        try:
            output = self._md.convert(text)
        except RecursionError:  # what the line check cannot see: HTML blocks with markdown="1"
            raise BodyError(
                1,
                "nested too deep for Markdown (lists, quotes or HTML blocks inside one another); nest them less",
            ) from None
        tokens = getattr(self._md, "toc_tokens", [])
        return Rendered(Markup(output), Markup(getattr(self._md, "toc", "")), _count(tokens))


def check_nesting(text: str) -> None:
    """Raise BodyError at the first line inside more than MAX_NESTING lists and block quotes.

    Counted from each line's start, as Python-Markdown nests it: every `>`, every list marker
    and every four columns of indentation is one level. Cheap, and done before rendering:
    the time Python-Markdown takes grows with the cube of the depth. The CommonMark engine
    keeps the same limit, so that a post renders with either.
    """
    if not (_DEEP_FIRST.match(text) or _DEEP_NEXT.search(text)):  # most texts: no line need be counted
        return
    for number, line in enumerate(text.split("\n"), 1):
        prefix = (_QUOTES if _RULE.match(line) else _PREFIX).match(line)
        if prefix and len(_LEVEL.findall(prefix.group().expandtabs(4))) > MAX_NESTING:
            raise BodyError(
                number,
                f"lists and block quotes nested more than {MAX_NESTING} levels deep, cmsite's limit; "
                "nest them less",
            )


def summarize(
    render: Callable[[str], Rendered], body: str, rendered: Rendered, explicit: Markup | None
) -> Markup:
    """The front matter's summary, else the part before <!--more-->, else the first paragraph."""
    if explicit is not None:
        return explicit
    # Without a comment there is no <!--more-->: the expression is not tried at every line.
    parts = MORE_MARKER.split(body, maxsplit=1) if "<!--" in body else [body]
    if len(parts) == 2:
        return render(parts[0]).html
    return first_paragraph(rendered.html)


def first_paragraph(html: str) -> Markup:
    """From the first `<p>` to the first `</p>` after it, or nothing (found as plain text:
    a regular expression took as long as the summary's rendering on pages opening with code)."""
    start = html.find("<p>")
    end = html.find("</p>", start + 3) if start != -1 else -1
    return Markup(html[start : end + 4]) if end != -1 else Markup("")


class DropRawHtml(Extension):
    """`raw_html = "drop"`: nothing a writer types runs in a reader's browser.

    Raw HTML tags and comments become OMITTED, as Hugo does; the text between tags stays,
    rendered as Markdown (without the block preprocessor, an HTML block is a paragraph like
    any other). Then the links and pictures of script or inline-document addresses lose
    them, and event-handler attributes (`{: onclick="…"}`) are removed.
    """

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.preprocessors.deregister("html_block", strict=False)
        md.inlinePatterns.register(_OmitHtml(HTML_RE, md), "html", 90)  # the name and priority it replaces
        md.treeprocessors.register(_DropScriptUrls(md), "drop_script_urls", -1)  # after "unescape" (0)


class _OmitHtml(InlineProcessor):
    """Each raw HTML tag or comment, as OMITTED."""

    def handleMatch(self, m: re.Match[str], data: str) -> tuple[str, int, int]:
        return self.md.htmlStash.store(OMITTED), m.start(0), m.end(0)


class _DropScriptUrls(Treeprocessor):
    """Links keep their text without the address; pictures become their alt text."""

    def run(self, root: etree.Element) -> None:
        drop_script_urls(root, lambda value: as_written(self.md, value))


def drop_script_urls(root: etree.Element, as_written: Callable[[str], str]) -> None:
    """Remove event-handler attributes and script addresses from the tree (an ElementTree or
    lxml one: the CommonMark engine's HTML pass calls it too); `as_written(value)`: an
    attribute as the page will have it, entities and all."""
    for parent in list(root.iter()):
        for child in list(parent):
            for name in list(child.attrib):
                if name.lower().startswith("on") or (
                    name in _URL_ATTRIBUTES
                    and _runs_script(as_written(child.attrib[name]), picture=child.tag == "img")
                ):
                    del child.attrib[name]
            if child.tag == "img" and "src" not in child.attrib:
                _put_text_instead(parent, child, child.get("alt", ""))


def _runs_script(url: str, *, picture: bool = False) -> bool:
    """Whether a browser would run `url` as a script or open it as a document written in it.

    Read as the browser reads it: entities decoded (`&#106;avascript:`), leading controls and
    spaces skipped, tabs and new lines removed (`java\\tscript:`), any case. A picture may be
    `data:image/png` (or gif, jpeg, webp): a browser shows it, never runs it.
    """
    try:
        parts = urlsplit(html.unescape(url).lstrip(_C0_AND_SPACE))
    except ValueError:  # "javascript://[": not an address anyone can follow
        return True
    if parts.scheme == "data" and picture:
        return not _PICTURE_DATA.match(parts.path)
    return parts.scheme in _SCRIPT_SCHEMES


def _put_text_instead(parent: etree.Element, child: etree.Element, text: str) -> None:
    """Replace `child` by `text`, keeping the text that follows it."""
    text += child.tail or ""
    index = list(parent).index(child)
    if index:
        before = parent[index - 1]
        before.tail = (before.tail or "") + text
    else:
        parent.text = (parent.text or "") + text
    parent.remove(child)


def _count(tokens: list[dict[str, Any]]) -> int:
    return sum(1 + _count(token.get("children", [])) for token in tokens)
