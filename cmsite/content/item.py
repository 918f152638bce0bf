"""The item model: one post or page, loaded, validated and rendered."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from html import unescape
from pathlib import Path
from typing import Any, ClassVar

import lz4.frame
from markupsafe import Markup

from cmsite.errors import ContentError

WORDS_PER_MINUTE = 220
# A comment, or a tag: what markupsafe's `striptags` takes out, one match at a time.
_TAG = re.compile(r"<!--.*?-->|<[^>]*>", re.DOTALL)


@dataclass(frozen=True)
class Term:
    """A tag or a category as shown on a page: its name, slug and URL."""

    name: str
    slug: str
    url: str


@dataclass(frozen=True, slots=True, order=True)
class LocalLink:
    """A picture or a link to a file of the site, written in a post: where, as written, and the
    site URL it leads to (decoded; None when it climbs out of the content folder). Kept with the
    item, so that every build checks it against the files of that build, cached item or not."""

    line: int
    kind: str  # "picture" or "link" in the body, "image" for the front matter's `image:`
    written: str
    url: str | None


class KeyLines:
    """The line of each front-matter key (`tags`, `social[0]`…), for `path:line` messages.

    Every item of a site keeps one for the whole build, so it is two tuples rather than a
    dict, and items written with the same keys in the same order (most posts of a blog)
    share one tuple of keys.
    """

    __slots__ = ("keys", "numbers")
    _shared: ClassVar[dict[tuple[str, ...], tuple[str, ...]]] = {}

    def __init__(self, keys: Iterable[str] = (), numbers: Iterable[int] = ()):
        keys = tuple(keys)
        self.keys = self._shared.setdefault(keys, keys)
        self.numbers = tuple(numbers)

    @classmethod
    def of(cls, lines: Mapping[str, int]) -> KeyLines:
        return cls(lines.keys(), lines.values())

    def get(self, key: str) -> int | None:
        try:
            return self.numbers[self.keys.index(key)]
        except ValueError:
            return None

    def __reduce__(self) -> tuple[type[KeyLines], tuple[tuple[str, ...], tuple[int, ...]]]:
        return KeyLines, (self.keys, self.numbers)  # unpickled through __init__: keys shared again

    def __eq__(self, other: object) -> bool:
        return isinstance(other, KeyLines) and (self.keys, self.numbers) == (other.keys, other.numbers)

    def __repr__(self) -> str:
        return f"KeyLines({dict(zip(self.keys, self.numbers, strict=True))})"


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
    lines: KeyLines = field(default_factory=KeyLines)
    local_links: list[LocalLink] = field(default_factory=list, repr=False)
    digest: str = ""  # of the file's bytes: what page fingerprints use to see a change
    # What the loader fixed by itself (control characters removed), for every build to show.
    warnings: list[ContentError] = field(default_factory=list, repr=False, compare=False)
    # Made when first asked for. Declared here, so that filling them does not grow the
    # instance's dict (which Python shares between items until a new attribute appears).
    known_summary_text: str | None = field(default=None, repr=False, compare=False)
    known_reading_minutes: int | None = field(default=None, repr=False, compare=False)

    @property
    def content(self) -> Markup:
        """The rendered body. Kept compressed (a third of its size) because every item of a
        site stays in memory for the whole build, and only its page and a few feeds show each
        body. With LZ4: zlib's fastest level packs the pages of the bench's real blog a quarter
        smaller, but took three times as long to pack and to unpack them (bench/packing.py)."""
        packed = self.packed_content
        return Markup(lz4.frame.decompress(packed).decode()) if packed else Markup()

    @content.setter
    def content(self, html: str) -> None:
        self.packed_content = lz4.frame.compress(html.encode()) if html else b""
        # Counted while the text is at hand: by the loader's workers (and cached with the
        # item) rather than by each page that shows the time, and again when a plugin
        # rewrites the body.
        self.known_reading_minutes = _reading_minutes(html)

    @property
    def summary_text(self) -> str:
        if self.known_summary_text is None:
            self.known_summary_text = self.summary.striptags()
        return self.known_summary_text

    @property
    def reading_minutes(self) -> int:
        if self.known_reading_minutes is None:
            self.known_reading_minutes = _reading_minutes(self.content)
        return self.known_reading_minutes

    @property
    def words(self) -> int:
        """How many words the body has, as a reader sees them (the monthly report counts them)."""
        return word_count(self.content)

    @property
    def last_modified(self) -> datetime | None:
        return self.updated or self.date

    def line_of(self, key: str) -> int:
        return self.lines.get(key) or 1


def word_count(html: str) -> int:
    """The words of `html` as `Markup(html).striptags()` leaves them. Its tags are taken out by
    one regular expression first: striptags walks them one by one in Python, a ninth of the
    CommonMark engine's time on long release notes. Both read a page the same way unless a
    comment is left open, which striptags reads alone. Without tags left, what striptags does
    next is to unescape the text: done here without the copies it makes on the way."""
    last = html.rfind("<!--")
    if last == -1 or html.find("-->", last + 4) != -1:
        html = _TAG.sub("", html)
        if "<" not in html:
            return len((unescape(html) if "&" in html else html).split())
    return len(Markup(html).striptags().split())


def _reading_minutes(html: str) -> int:
    return max(1, math.ceil(word_count(html) / WORDS_PER_MINUTE))
