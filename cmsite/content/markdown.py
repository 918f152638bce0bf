"""Markdown → HTML with the extensions that plugins contribute, plus the table of contents."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import markdown
from markupsafe import Markup

MORE_MARKER = re.compile(r"^\s*<!--\s*more\s*-->\s*$", re.MULTILINE)
_FIRST_PARAGRAPH = re.compile(r"<p>.*?</p>", re.DOTALL)


@dataclass
class Rendered:
    html: Markup
    toc: Markup
    headings: int


class MarkdownRenderer:
    """One Python-Markdown instance per site, reset between documents (creating one is slow)."""

    def __init__(self, extensions: list[Any]):
        self._md = markdown.Markdown(extensions=extensions, output_format="html")

    def render(self, text: str) -> Rendered:
        self._md.reset()
        html = self._md.convert(text)
        tokens = getattr(self._md, "toc_tokens", [])
        return Rendered(Markup(html), Markup(getattr(self._md, "toc", "")), _count(tokens))


def summarize(
    render: Callable[[str], Rendered], body: str, rendered: Rendered, explicit: Markup | None
) -> Markup:
    """The front matter's summary, else the part before <!--more-->, else the first paragraph."""
    if explicit is not None:
        return explicit
    parts = MORE_MARKER.split(body, maxsplit=1)
    if len(parts) == 2:
        return render(parts[0]).html
    match = _FIRST_PARAGRAPH.search(rendered.html)
    return Markup(match.group(0)) if match else Markup("")


def _count(tokens: list[dict[str, Any]]) -> int:
    return sum(1 + _count(token.get("children", [])) for token in tokens)
