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

from markdown.extensions.codehilite import CodeHilite, CodeHiliteExtension
from pygments.formatters import HtmlFormatter

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


def highlighted(code: str, lang: str | None, configs: dict[str, Any]) -> str:
    """A fenced code block in `lang` (None: none said) as Python-Markdown's fenced code writes
    it with codehilite's `configs` (`extension(label).getConfigs()`)."""
    local = dict(configs)
    return CodeHilite(code, lang=lang, style=local.pop("pygments_style"), **local).hilite(shebang=False)
