"""What a build produces: template pages and ready-made files, each at one URL."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from cmsite.content.item import Item


@dataclass
class Page:
    """An HTML page rendered from a theme template.

    `sources` names the content files behind the page, for error messages; `sitemap`
    says whether search engines should be told about it.
    """

    url: str
    template: str
    kind: str
    title: str = ""
    lang: str = ""
    context: dict[str, Any] = field(default_factory=dict)
    item: Item | None = None
    sources: tuple[str, ...] = ()
    sitemap: bool = True
    lastmod: datetime | None = None
    abs_url: str = ""


@dataclass
class File:
    """A file written as given (`data`), made on demand (`render()`), or copied (`source_path`).

    With a `fingerprint` (a digest of everything the file is made from), a build whose
    previous output had the same fingerprint skips `render()` altogether. `kind` is
    "feed", "static" or "file"; the build summary counts them apart.
    """

    url: str
    data: bytes | None = None
    source_path: Path | None = None
    sources: tuple[str, ...] = ()
    kind: str = "file"
    render: Callable[[], bytes] | None = None
    fingerprint: str | None = None

    def content(self) -> bytes | Path:
        """The bytes to write (made now if `render` is set) or the file to copy."""
        if self.render is not None:
            return self.render()
        if self.data is not None:
            return self.data
        assert self.source_path is not None, f"{self.url}: a File needs data, render or source_path"
        return self.source_path


@dataclass
class Paginator:
    number: int
    count: int
    previous_url: str | None
    next_url: str | None


def paginate(
    items: list[Item], per_page: int, first_url: str, page_url: Any
) -> list[tuple[str, list[Item], Paginator]]:
    """Split `items` into pages: (url, items on it, paginator). An empty list gives one page."""
    chunks = [items[i : i + per_page] for i in range(0, len(items), per_page)] or [[]]
    urls = [page_url(first_url, n) for n in range(1, len(chunks) + 1)]
    return [
        (
            urls[i],
            chunk,
            Paginator(
                i + 1,
                len(chunks),
                urls[i - 1] if i else None,
                urls[i + 1] if i + 1 < len(urls) else None,
            ),
        )
        for i, chunk in enumerate(chunks)
    ]


@dataclass
class Plan:
    """Every output of a build and the file it goes to (relative to the output folder)."""

    pages: list[Page]
    files: list[File]
    targets: dict[str, str]  # URL → file: each output has a URL of its own

    def target(self, output: Page | File) -> str:
        return self.targets[output.url]
