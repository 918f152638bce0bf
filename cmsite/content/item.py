"""The item model: one post or page, loaded, validated and rendered."""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Any

from markupsafe import Markup

WORDS_PER_MINUTE = 220


@dataclass(frozen=True)
class Term:
    """A tag or a category as shown on a page: its name, slug and URL."""

    name: str
    slug: str
    url: str


@dataclass
class Item:
    """A post or a page. Templates see these attributes (docs/themes.md lists them)."""

    source: Path
    shown: str
    kind: str
    title: str
    slug: str
    url: str
    abs_url: str
    lang: str
    date: datetime | None = None
    updated: datetime | None = None
    tags: list[Term] = field(default_factory=list)
    category: Term | None = None
    authors: list[str] = field(default_factory=list)
    summary: Markup = field(default_factory=Markup)
    packed_content: bytes = field(default=b"", repr=False)  # `content`, compressed: see below
    toc: Markup = field(default_factory=Markup)
    image: str | None = None
    image_alt: str = ""
    draft: bool = False
    meta: dict[str, Any] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    digest: str = ""  # of the file's bytes: what page fingerprints use to see a change

    @property
    def content(self) -> Markup:
        """The rendered body. Kept compressed (a quarter of its size) because every item of a
        site stays in memory for the whole build, and only one or two pages show each body."""
        return Markup(zlib.decompress(self.packed_content).decode()) if self.packed_content else Markup()

    @content.setter
    def content(self, html: str) -> None:
        self.packed_content = zlib.compress(html.encode(), 1) if html else b""

    @cached_property
    def summary_text(self) -> str:
        return self.summary.striptags()

    @cached_property
    def reading_minutes(self) -> int:
        words = len(self.content.striptags().split())
        return max(1, math.ceil(words / WORDS_PER_MINUTE))

    @property
    def last_modified(self) -> datetime | None:
        return self.updated or self.date

    def line_of(self, key: str) -> int:
        return self.lines.get(key, 1)
