"""The interface of a Markdown engine, and the choice of one by `[build] markdown`.

One engine renders every Markdown body and summary of a site. Plugins register engine
classes by name through `cmsite_markdown_engines`, as networks register through
`cmsite_networks`; the built-in ones are Python-Markdown (the default, "python-markdown")
and CommonMark with GitHub's extensions ("commonmark"), see docs/markdown.md.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, ClassVar

from cmsite.config import CONFIG_NAME, SiteConfig, key_line
from cmsite.errors import ContentError, ContentErrors, shorten

if TYPE_CHECKING:
    from cmsite.content.item import LocalLink
    from cmsite.content.markdown import Rendered
    from cmsite.site import Site


class MarkdownEngine(ABC):
    """Turns a body (or a front-matter summary) into `Rendered(html, toc, headings)`.

    Made once per site, with the site (its settings, its plugins): `Engine(site)`, then
    `render(text)` for each text, inside `reading(folder, first_line)` for a file's texts.
    Raise `cmsite.content.markdown.BodyError(line, message)` for a problem at a line of the text.
    """

    name: ClassVar[str]  # what `[build] markdown` says to choose it

    @abstractmethod
    def __init__(self, site: Site) -> None: ...

    @abstractmethod
    def render(self, text: str) -> Rendered:
        """The HTML of `text`, its table of contents, and how many headings that lists."""

    @abstractmethod
    def reading(self, folder: str | None, first_line: int) -> AbstractContextManager[list[LocalLink]]:
        """Render the texts of a file whose folder in the content folder is `folder` (where its
        relative addresses start) and whose text starts at `first_line`: gives the list that the
        pictures and file links of what is rendered within are added to, with their lines."""


def clash(plugin: str, name: str, owner: str) -> str:
    """The error for two plugins that register an engine of one name."""
    return f"plugin {plugin} registers the Markdown engine {name!r}, which plugin {owner} already registered; disable one"


def chosen(engines: list[type[MarkdownEngine]], config: SiteConfig) -> type[MarkdownEngine]:
    """The engine of `engines` that the site's `[build] markdown` names; a name none has is a
    `cmsite.toml:line` error listing the ones there are."""
    by_name = {engine.name: engine for engine in engines}
    if config.markdown not in by_name:
        text = config.path.read_text(encoding="utf-8") if config.path else ""
        known = ", ".join(f'"{name}"' for name in by_name) or "none (a plugin disabled them)"
        message = (
            f"[build] markdown: no Markdown engine named {shorten(config.markdown)}; the engines are {known}"
        )
        raise ContentErrors([ContentError(CONFIG_NAME, key_line(text, "markdown", "build"), message)])
    return by_name[config.markdown]
