"""Turn a post into the exact text a network accepts: plain text, cut cleanly, or a numbered thread.

The text is split only at white space, so a word, URL, hashtag, mention or grapheme
is never cut in two; a cut prefers the end of a sentence and is marked with an
ellipsis. The tail (the post's link and hashtags) is kept whole in the first post.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser

ELLIPSIS = "…"
_SENTENCE_END = re.compile(r"[.!?…»\"”)]$")
_BLOCKS = {
    "p",
    "div",
    "li",
    "blockquote",
    "pre",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "tr",
    "table",
    "ul",
    "ol",
}


@dataclass
class Excerpt:
    """The posts to send (one, or a thread), and each one's length as the network counts it."""

    posts: list[str]
    lengths: list[int]
    limit: int
    cut: bool = False

    @property
    def fits(self) -> bool:
        return all(length <= self.limit for length in self.lengths)


def plain_text(html: str) -> str:
    """Rendered HTML → plain text: paragraphs kept, list items as "- ", markup and code blocks dropped."""
    parser = _PlainText()
    parser.feed(html)
    parser.close()
    text = "".join(parser.parts)
    paragraphs = [" ".join(block.split()) for block in text.split("\n\n")]
    return "\n\n".join(p for p in paragraphs if p)


class _PlainText(HTMLParser):
    """Collects text; skips code blocks, footnotes, footnote marks and heading anchors whole."""

    _VOID = frozenset({"br", "hr", "img", "input", "meta", "link", "source", "wbr"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0  # depth inside a skipped element

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._VOID:
            if tag == "br" and not self._skipping:
                self.parts.append("\n")
            return
        classes = dict(attrs).get("class") or ""
        if (
            self._skipping
            or tag in ("pre", "script", "style", "sup")
            or "footnote" in classes
            or "headerlink" in classes
        ):
            self._skipping += 1
        elif tag == "li":
            self.parts.append("\n\n- ")
        elif tag in _BLOCKS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._VOID:
            return
        if self._skipping:
            self._skipping -= 1
        elif tag in _BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def fit(text: str, tail: str, count: Callable[[str], int], limit: int, *, thread: bool = False) -> Excerpt:
    """Make `text` followed by `tail` fit `limit`: whole, cut with an ellipsis, or as a thread."""
    whole = join(text, tail)
    length = count(whole)
    if length <= limit:
        return Excerpt([whole], [length], limit)
    if thread:
        return _thread(text, tail, count, limit)
    cut = _longest_prefix(_tokens(text), lambda prefix: count(join(mark_cut(prefix), tail)) <= limit)
    post = join(mark_cut(cut), tail) if cut else tail
    return Excerpt([post], [count(post)], limit, cut=True)


def join(text: str, tail: str) -> str:
    return f"{text}\n\n{tail}" if text and tail else text or tail


def mark_cut(text: str) -> str:
    text = text.rstrip()
    if not text:
        return ""
    return f"{text} {ELLIPSIS}" if _SENTENCE_END.search(text) else f"{text}{ELLIPSIS}"


def _tokens(text: str) -> list[str]:
    """Words with the white space after them: joining any prefix gives back the text's start."""
    return re.findall(r"\S+\s*", text)


def _longest_prefix(tokens: list[str], fits: Callable[[str], bool]) -> str:
    """The longest prefix that fits, moved back to a sentence end when one is not too far back."""
    # Counting costs time in the length of the text (URLs, graphemes, X's weights), and a
    # post's text is often far longer than what fits: gallop to a bound first, so that
    # nothing much longer than the answer is ever counted, then search between.
    bound = 1
    while bound < len(tokens) and fits("".join(tokens[:bound])):
        bound *= 2
    low = bound // 2
    high = min(bound, len(tokens))
    while low < high:  # binary search
        middle = (low + high + 1) // 2
        if fits("".join(tokens[:middle])):
            low = middle
        else:
            high = middle - 1
    for end in range(low, max(low // 2, 1) - 1, -1):
        if end and _SENTENCE_END.search(tokens[end - 1].rstrip()):
            return "".join(tokens[:end]).rstrip()
    return "".join(tokens[:low]).rstrip()


def _thread(text: str, tail: str, count: Callable[[str], int], limit: int) -> Excerpt:
    """Numbered posts, each within the limit; the first carries the tail."""
    tokens = _tokens(text)
    chunks: list[str] = []
    reserve = " 99/99"
    while tokens:
        first = not chunks
        chunk = _longest_prefix(
            tokens,
            lambda prefix, first=first: (
                count(join(prefix.rstrip(), tail if first else "") + reserve) <= limit
            ),
        )
        if not chunk:  # a single token longer than a whole post: it goes alone, counted honestly
            chunk = tokens[0].rstrip()
        taken = len(_tokens(chunk))
        chunks.append(chunk)
        tokens = tokens[taken:]
    total = len(chunks)
    posts = [
        join(chunk, tail if n == 0 else "") + f" {n + 1}/{total}" if total > 1 else join(chunk, tail)
        for n, chunk in enumerate(chunks)
    ]
    return Excerpt(posts, [count(post) for post in posts], limit, cut=total > 1)
