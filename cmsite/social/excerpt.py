"""Turn a post into the exact text a network accepts: plain text, cut cleanly, or a numbered thread.

The text is split only at white space, so a word, URL, hashtag, mention or grapheme
is never cut in two; a cut prefers the end of a sentence and is marked with an
ellipsis. The tail (the post's link and hashtags) is kept whole in the first post.

Each network finds links, hashtags and mentions in the text itself, so whatever a cut
leaves next to one may change it: Bluesky and Mastodon read `https://example.org/x…` as a
link to another page. So the ellipsis is glued only to a plain word (`week…`) and stands
apart after anything else (`#Noël …`, `https://example.org/x …`). And a cut falls
only on ASCII white space, where every network ends a link, a tag or a mention: Bluesky
reads U+0085 inside a link, Mastodon U+3000 and the no-break space inside a link's query,
and a no-break space holds two words together anyway.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import regex

ELLIPSIS = "…"
_SENTENCE_END = re.compile(r"[.!?…»\"”)]$")
_BREAKS = "\t\n\v\f\r "  # where a cut may fall: no network reads it inside a link, tag or mention
_TOKEN = re.compile(f"[^{_BREAKS}]+[{_BREAKS}]*")
_LAST_WORD = regex.compile(rf"(?r)[^{_BREAKS}]+")  # searched from the end: as fast on a long text
# A word that no network reads as part of a link, hashtag or mention: the ellipsis may touch it.
_PLAIN_WORD = regex.compile(r"[\p{L}\p{M}\p{N}'’-]+")
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


def fingerprint() -> str:
    """What an excerpt depends on — how it is cut (this module) and how it is counted — for the
    cache of excerpts: a change of either must not reuse old ones. The counting rules (X's
    among them) are imported here, by what counts: a build that syncs nothing never needs them."""
    from cmsite.social import counting

    source = Path(__file__).read_bytes() + counting.fingerprint().encode()
    return hashlib.sha256(source).hexdigest()[:16]


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
    """`text` marked as cut: `week…` after a plain word, `#Noël …` and `done. …` after anything else."""
    text = text.rstrip(_BREAKS)
    if not text:
        return ""
    last = _LAST_WORD.search(text)
    glued = last is not None and _PLAIN_WORD.fullmatch(last[0])
    return f"{text}{ELLIPSIS}" if glued else f"{text} {ELLIPSIS}"


def _tokens(text: str) -> list[str]:
    """Words with the white space after them: joining any prefix gives back the text's start."""
    return _TOKEN.findall(text)


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
        if end and _SENTENCE_END.search(tokens[end - 1].rstrip(_BREAKS)):
            return "".join(tokens[:end]).rstrip(_BREAKS)
    return "".join(tokens[:low]).rstrip(_BREAKS)


def _thread(text: str, tail: str, count: Callable[[str], int], limit: int) -> Excerpt:
    """Numbered posts, each within the limit; the first carries the tail.

    Each post keeps room for its number, " 99/99"; a thread of a hundred posts or more is
    made again with room for " 999/999", and so on.
    """
    tokens = _tokens(text)
    digits = 2
    while len(chunks := _chunks(tokens, tail, count, limit, f" {'9' * digits}/{'9' * digits}")) >= 10**digits:
        digits += 1
    total = len(chunks)
    posts = [
        join(chunk, tail if n == 0 else "") + f" {n + 1}/{total}" if total > 1 else join(chunk, tail)
        for n, chunk in enumerate(chunks)
    ]
    return Excerpt(posts, [count(post) for post in posts], limit, cut=total > 1)


def _chunks(tokens: list[str], tail: str, count: Callable[[str], int], limit: int, reserve: str) -> list[str]:
    """The text of each post of the thread, each within the limit with `reserve` after it."""
    chunks: list[str] = []
    while tokens:
        first = not chunks
        chunk = _longest_prefix(
            tokens,
            lambda prefix, first=first: (
                count(join(prefix.rstrip(_BREAKS), tail if first else "") + reserve) <= limit
            ),
        )
        if not chunk:  # a single token longer than a whole post: it goes alone, counted honestly
            chunk = tokens[0].rstrip(_BREAKS)
        chunks.append(chunk)
        tokens = tokens[len(_tokens(chunk)) :]
    return chunks
