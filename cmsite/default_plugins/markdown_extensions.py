"""Markdown files and their extensions: tables, footnotes, fenced code with Pygments, heading anchors, TOC."""

from __future__ import annotations

from typing import Any

from markdown.extensions.codehilite import CodeHiliteExtension
from markdown.extensions.toc import TocExtension
from pygments.formatters import HtmlFormatter

from cmsite.build.outputs import File
from cmsite.hookspecs import hookimpl

PYGMENTS_CSS_URL = "/theme/pygments.css"
LIGHT_STYLE, DARK_STYLE = "friendly", "github-dark"


@hookimpl(trylast=True)
def cmsite_markdown_extensions(site: Any) -> list[Any]:
    return [
        "extra",  # tables, footnotes, fenced code, attribute lists, definition lists, abbreviations
        "sane_lists",
        CodeHiliteExtension(css_class="codehilite", guess_lang=False),
        TocExtension(permalink=True, permalink_class="headerlink", permalink_title="", toc_depth="2-4"),
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
