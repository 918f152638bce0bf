"""Markdown files and their extensions: tables, footnotes, fenced code with Pygments, heading anchors, TOC.

Tables and code blocks scroll in a box of their own, and heading anchors have a name
(cmsite/content/scroll_boxes.py, heading_anchors.py): the words are in the site's language,
from cmsite's catalogue (cmsite/locale/).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import Any, ClassVar

from markdown.extensions.codehilite import CodeHiliteExtension
from markdown.extensions.toc import TocExtension
from pygments.formatters import HtmlFormatter

from cmsite.content import scroll_boxes
from cmsite.content.heading_anchors import HeadingAnchors
from cmsite.hookspecs import hookimpl
from cmsite.messages import examples
from cmsite.render.outputs import File

PYGMENTS_CSS_URL = "/theme/pygments.css"
# Pygments styles whose colours keep 4.5:1 against the theme's --code-bg, light (#f3f1ec) and
# dark (#1d2028); "friendly", the light one before, had comments and numbers at 2.6:1.
LIGHT_STYLE, DARK_STYLE = "xcode", "github-dark"


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


@hookimpl(trylast=True)
def cmsite_markdown_extensions(site: Any) -> list[Any]:
    words = examples(site.config.lang)
    formatter = partial(_HtmlFormatter, box_label=words.gettext("Code"))
    return [
        "extra",  # tables, footnotes, fenced code, attribute lists, definition lists, abbreviations
        "sane_lists",
        CodeHiliteExtension(css_class="codehilite", guess_lang=False, pygments_formatter=formatter),
        TocExtension(permalink=True, permalink_class="headerlink", permalink_title="", toc_depth="2-4"),
        HeadingAnchors("headerlink", words.gettext("Link to this section")),
        scroll_boxes.ScrollBoxes(words.gettext("Table")),
    ]


@hookimpl(trylast=True)
def cmsite_content_loaders(site: Any) -> dict[str, Any]:
    return {".md": site.markdown.render, ".markdown": site.markdown.render}


@hookimpl(trylast=True)
def cmsite_files(site: Any, pages: list[Any]) -> list[File]:
    """The highlighting colours, light by default and dark when the reader's system is dark."""
    light = HtmlFormatter(style=LIGHT_STYLE).get_style_defs(".codehilite")
    dark = HtmlFormatter(style=DARK_STYLE).get_style_defs(".codehilite")
    indented = "\n".join("  " + line for line in dark.splitlines())
    css = f"{light}\n@media (prefers-color-scheme: dark) {{\n{indented}\n}}\n"
    return [File(site.urls.url(PYGMENTS_CSS_URL), data=css.encode("utf-8"))]
