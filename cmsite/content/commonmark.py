"""The CommonMark engine (`[build] markdown = "commonmark"`): CommonMark with GitHub's
extensions, as Hugo, Jekyll, Zola and GitHub read Markdown.

pulldown-cmark (through pyromark) renders the text with tables, footnotes, strikethrough,
task lists and heading attributes (`# Title {#id}`); fenced code goes to Pygments through the
default engine's codehilite settings (cmsite/content/highlight.py); then one HTML pass
(cmsite/content/html_pass.py) does what the default engine's own extensions do. The pass
reads the page with each code block left out, an empty `<div>` standing for it, and the
highlighted blocks go back into the HTML it writes: nothing in the pass changes code, and
Pygments' many `<span>`s were most of what lxml parsed and wrote again. On the
1,000-post corpus pulldown-cmark alone took 0.007 s, cmark-gfm 0.051 s and Python-Markdown
2.77 s (bench/markdown_engines.py): hence pulldown-cmark.

With `raw_html = "drop"`, each piece of raw HTML (an inline tag or comment, each line of an
HTML block) is taken out of the text before rendering and becomes `<!-- raw HTML omitted -->`,
as Hugo and cmark do: the lines of an HTML block go with it.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING

import pyromark
from markupsafe import Markup

from cmsite.content import highlight, html_pass
from cmsite.content.engine import MarkdownEngine
from cmsite.content.item import LocalLink
from cmsite.content.local_files import Reading
from cmsite.content.markdown import OMITTED, Rendered, check_nesting

if TYPE_CHECKING:
    from cmsite.site import Site

OPTIONS = (
    pyromark.Options.ENABLE_TABLES
    | pyromark.Options.ENABLE_FOOTNOTES
    | pyromark.Options.ENABLE_STRIKETHROUGH
    | pyromark.Options.ENABLE_TASKLISTS
    | pyromark.Options.ENABLE_HEADING_ATTRIBUTES
)
_RAW = ("Html", "InlineHtml")  # pulldown-cmark's events for raw HTML: a block's line, an inline tag
_MARK = "\ue000"  # stands for a piece of raw HTML taken out (a private-use character: plain text)
_MARKS = re.compile(f"{_MARK}(?:\\s*{_MARK})*")
# Stands for the code block numbered N: the same element as a highlighted block's outer one,
# so the parser nests what follows alike; a number no text can guess, so that no raw HTML a
# writer puts in a post is taken for one.
_CODE_KEY = secrets.token_hex(8)
_CODE_BLOCK = re.compile(f'<div data-code="{_CODE_KEY}-(\\d+)"></div>')


def parser(highlight: Callable[[str | None, str], str | None] | None = None) -> pyromark.Markdown:
    """pulldown-cmark with the engine's extensions; `highlight(lang, code)` writes code blocks.
    The CommonMark spec's examples run against it (tests/test_commonmark_spec.py)."""
    return pyromark.Markdown(options=OPTIONS, highlight=highlight)


class CommonMark(MarkdownEngine):
    name = "commonmark"

    def __init__(self, site: Site):
        self.labels = html_pass.Labels.of(site.config.lang)
        self.drop = site.config.raw_html == "drop"
        self._files = Reading(site.urls.base_path)
        self._code = _CodeBlocks(highlight.Highlighter(highlight.extension(self.labels.code).getConfigs()))
        self._md = parser(self._code)

    def reading(self, folder: str | None, first_line: int) -> AbstractContextManager[list[LocalLink]]:
        return self._files.reading(folder, first_line)

    def render(self, text: str) -> Rendered:
        """HTML of `text`; raise BodyError when it is nested deeper than the default engine allows."""
        check_nesting(text)
        self._code.start()
        if self.drop:
            markup = _MARKS.sub(OMITTED, self._md.html(self._without_raw_html(text)))
        else:
            markup = self._md.html(text)
        done = html_pass.run(markup, text, self.labels, self._files, drop=self.drop)
        return Rendered(Markup(self._code.put_back(done.html)), Markup(done.toc), done.headings)

    def _without_raw_html(self, text: str) -> str:
        """`text` with each piece of raw HTML replaced by _MARK, its lines kept (errors and
        links point at lines). Again until none is left: a tag taken out may leave text that
        reads as HTML once it is gone."""
        data = text.encode()
        while b"<" in data:
            pieces = [
                span
                for event, span in self._md.events_with_range(data.decode())
                if isinstance(event, dict) and next(iter(event)) in _RAW
            ]
            if not pieces:
                break
            for span in reversed(pieces):
                start, end = span["start"], span["end"]
                kept = b"\n" if data[start:end].endswith(b"\n") else b""
                data = data[:start] + _MARK.encode() + kept + data[end:]
        return data.decode()


class _CodeBlocks:
    """pulldown-cmark's `highlight` callback: highlights each block of a page, keeps it, and
    gives the parser the `<div>` that stands for it until the HTML pass is done."""

    def __init__(self, highlighter: highlight.Highlighter):
        self.highlighter = highlighter
        self.blocks: list[str] = []

    def start(self) -> None:
        """A new page: the last page's blocks are done with."""
        self.blocks.clear()

    def put_back(self, html: str) -> str:
        """`html` with each stand-in replaced by its highlighted block."""
        blocks = self.blocks
        return _CODE_BLOCK.sub(lambda found: blocks[int(found[1])], html) if blocks else html

    def __call__(self, lang: str | None, code: str) -> str:
        # Without the block's last line break: pulldown-cmark writes one after what it is given.
        self.blocks.append(self.highlighter(lang, code).removesuffix("\n"))
        return f'<div data-code="{_CODE_KEY}-{len(self.blocks) - 1}"></div>'
