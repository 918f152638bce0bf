"""The Markdown engines cmsite ships: Python-Markdown, the default, and CommonMark with
GitHub's extensions (`[build] markdown = "commonmark"`). docs/markdown.md compares them."""

from __future__ import annotations

from cmsite.content.commonmark import CommonMark
from cmsite.content.engine import MarkdownEngine
from cmsite.content.markdown import PythonMarkdown
from cmsite.hookspecs import hookimpl


@hookimpl(trylast=True)
def cmsite_markdown_engines() -> list[type[MarkdownEngine]]:
    return [PythonMarkdown, CommonMark]
