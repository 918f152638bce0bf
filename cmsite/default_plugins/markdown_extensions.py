"""Markdown files and their extensions: tables, footnotes, fenced code with Pygments, heading anchors, TOC.

Code is highlighted as cmsite/content/highlight.py says, whatever the engine. Tables and code
blocks scroll in a box of their own, and heading anchors have a name (cmsite/content/
scroll_boxes.py, heading_anchors.py): the words are in the site's language, from cmsite's
catalogue (cmsite/locale/). The CommonMark engine (cmsite/content/commonmark.py) takes none of
these Python-Markdown extensions: it does the same with its own HTML pass.
"""

from __future__ import annotations

from typing import Any

from markdown.extensions.toc import TocExtension
from pygments.formatters import HtmlFormatter

from cmsite.content import highlight, scroll_boxes
from cmsite.content.heading_anchors import PERMALINK_CLASS, TOC_LEVELS, HeadingAnchors
from cmsite.content.html_pass import Labels
from cmsite.hookspecs import hookimpl
from cmsite.render.outputs import File

PYGMENTS_CSS_URL = "/theme/pygments.css"
# Pygments styles whose colours keep 4.5:1 against the theme's --code-bg, light (#f3f1ec) and
# dark (#1d2028); "friendly", the light one before, had comments and numbers at 2.6:1.
LIGHT_STYLE, DARK_STYLE = "xcode", "github-dark"


@hookimpl(trylast=True)
def cmsite_markdown_extensions(site: Any) -> list[Any]:
    labels = Labels.of(site.config.lang)
    return [
        "extra",  # tables, footnotes, fenced code, attribute lists, definition lists, abbreviations
        "sane_lists",
        highlight.extension(labels.code),
        TocExtension(
            permalink=True,
            permalink_class=PERMALINK_CLASS,
            permalink_title="",
            toc_depth="{}-{}".format(*TOC_LEVELS),
        ),
        HeadingAnchors(PERMALINK_CLASS, labels.anchor),
        scroll_boxes.ScrollBoxes(labels.table),
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
