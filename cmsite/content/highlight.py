"""Fenced code highlighted by Pygments, the same way whichever engine renders the Markdown.

The settings are Python-Markdown's codehilite extension's: the default engine takes them as
that extension, the CommonMark engine hands each code block to codehilite's own `CodeHilite`
with them, so both write the same HTML (`<div class="codehilite">`, Pygments' token classes)
and a theme's stylesheet works for both. Code scrolls in a box of its own (scroll_boxes.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import Any, ClassVar

import pygments
from markdown.extensions.codehilite import CodeHilite, CodeHiliteExtension
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

from cmsite.content import scroll_boxes

CSS_CLASS = "codehilite"


class _HtmlFormatter(HtmlFormatter):  # type: ignore[type-arg]
    """Pygments' HTML formatter with its token-class table built once per style, not once per code block.

    Codehilite makes a formatter for every block, and HtmlFormatter.__init__ rebuilds that table
    from the style each time (a third of the highlighting time). The table is only read afterwards.
    """

    _stylesheets: ClassVar[dict[tuple[Any, str], tuple[dict[Any, str], dict[str, Any]]]] = {}

    def _create_stylesheet(self) -> None:
        key = (self.style, self.classprefix)
        if key not in self._stylesheets:
            super()._create_stylesheet()
            self._stylesheets[key] = (self.ttype2class, self.class2style)
        self.ttype2class, self.class2style = self._stylesheets[key]

    def wrap(self, source: Iterator[tuple[int, str]]) -> Iterator[tuple[int, str]]:
        """The code in a box that scrolls on its own (Pygments' documented way to wrap it)."""
        yield 0, scroll_boxes.open_tag(self.options["box_label"])
        yield from super().wrap(source)
        yield 0, "</div>"


def extension(box_label: str) -> CodeHiliteExtension:
    """Codehilite with cmsite's settings: code boxes named `box_label`, no language guessed."""
    formatter = partial(_HtmlFormatter, box_label=box_label)
    return CodeHiliteExtension(css_class=CSS_CLASS, guess_lang=False, pygments_formatter=formatter)


class Highlighter:
    """Fenced code blocks as Python-Markdown's fenced code writes them with codehilite's
    `configs` (`extension(label).getConfigs()`: Pygments, no language guessed), each
    language's lexer looked up once.

    `CodeHilite.hilite` looks its lexer up by name for every block: Pygments walks its table
    of lexers, and for a language it does not know, the installed packages' entry points
    too; 8% of the CommonMark engine's time on release notes full of code. A lexer keeps
    only its options, the same for every block here, so one serves them all. The HTML is
    codehilite's, byte for byte (tests/test_markdown_engines.py)."""

    def __init__(self, configs: dict[str, Any]):
        self.configs = configs
        self._lexers: dict[str | None, Lexer] = {}

    def __call__(self, lang: str | None, code: str) -> str:
        """The block of `code` in `lang` (None: none said), arguments in pulldown-cmark's order."""
        local = dict(self.configs)
        block = CodeHilite(code, lang=lang, style=local.pop("pygments_style"), **local)
        lexer = self._lexers.get(block.lang)
        if lexer is None:
            lexer = self._lexers[block.lang] = _lexer(block.lang, block.options)
        name = block.lang or lexer.aliases[0]  # a block without a language is "text"
        formatter = block.pygments_formatter(lang_str=f"{block.lang_prefix}{name}", **block.options)
        return pygments.highlight(block.src.strip("\n"), lexer, formatter)


def _lexer(lang: str | None, options: dict[str, Any]) -> Lexer:
    """Pygments' lexer for `lang`, or its plain-text one for a language it does not know (as
    codehilite does when it guesses no language)."""
    try:
        return get_lexer_by_name(lang, **options)
    except ClassNotFound:
        return get_lexer_by_name("text", **options)
