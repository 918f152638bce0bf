"""Length of a text as each network counts it.

- X: the weighted count of twitter-text v3 (URLs 23, CJK and emoji 2), from the
  twitter-text-parser library.
- Mastodon: extended grapheme clusters, every URL counts 23, a remote mention
  `@name@server` counts as `@name` (what Mastodon's own validator does).
- Bluesky: extended grapheme clusters.
- Threads: extended grapheme clusters, except that one holding an emoji counts as many
  as its UTF-8 bytes (what Meta's documentation says of emoji).
- LinkedIn, Discord, Slack, Mattermost, Facebook: Unicode code points.
"""

from __future__ import annotations

import hashlib
import importlib
import re
import sys
import types
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import regex

URL_WEIGHT = 23
_GRAPHEME = regex.compile(r"\X")
# Characters that can join the one before or after them into one grapheme cluster (UAX #29:
# marks, joiners, Hangul jamo, flag halves). A text without any is one cluster per code
# point, but for CR LF. Most texts are made of characters from ranges that hold none of
# them (Latin, general punctuation, currency signs), which a plain pattern sees at once.
PLAIN_RANGES = ((0x0000, 0x02FF), (0x2000, 0x200B), (0x200E, 0x206F), (0x20A0, 0x20C0))
_PLAIN = re.compile("[" + "".join(f"\\U{low:08x}-\\U{high:08x}" for low, high in PLAIN_RANGES) + "]*")
_JOINING = regex.compile(
    r"[\p{Grapheme_Cluster_Break=Extend}\p{Grapheme_Cluster_Break=ZWJ}"
    r"\p{Grapheme_Cluster_Break=SpacingMark}\p{Grapheme_Cluster_Break=Prepend}"
    r"\p{Grapheme_Cluster_Break=L}\p{Grapheme_Cluster_Break=V}\p{Grapheme_Cluster_Break=T}"
    r"\p{Grapheme_Cluster_Break=LV}\p{Grapheme_Cluster_Break=LVT}"
    r"\p{Grapheme_Cluster_Break=Regional_Indicator}]"
)
# twitter-text's white space: no URL holds it, and its URL pattern looks no further than it.
_TWITTER_SPACES = re.compile(r"[\t-\r \x85\xa0\u1680\u180e\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+")
_EMOJI = regex.compile(r"[\p{Extended_Pictographic}\p{Regional_Indicator}\u20e3]")
_REMOTE_MENTION = regex.compile(r"(?<![\w@])(@[\w.]+)@[\w.-]+\w")


def graphemes(text: str) -> int:
    """Extended grapheme clusters: 👩🏽‍💻 and é (e + combining accent) are one each.

    Most texts hold nothing that joins characters, and for them the answer is the length:
    the excerpt search counts a text a dozen times, and segmenting it is 50 times slower.
    """
    if _PLAIN.fullmatch(text) or _JOINING.search(text) is None:
        return len(text) - text.count("\r\n")
    return len(_GRAPHEME.findall(text))


def threads(text: str) -> int:
    """Threads: grapheme clusters, but one with an emoji counts its UTF-8 bytes (👍 is 4, 👩🏽‍💻 is 15)."""
    if _EMOJI.search(text) is None:
        return graphemes(text)
    return sum(len(cluster.encode()) if _EMOJI.search(cluster) else 1 for cluster in _GRAPHEME.findall(text))


def code_points(text: str) -> int:
    return len(text)


def x_weighted(text: str) -> int:
    return _x_counting().parse_tweet(text).weightedLength


def x_valid(text: str) -> bool:
    """Whether X takes the text: not empty, within 280 weighted, no invalid character."""
    return bool(_x_counting().parse_tweet(text).valid)


# tests/test_x_conformance.py runs the official JavaScript twitter-text over thousands of
# texts; it found two places where the Python port, twitter-text-parser, counts otherwise.
# The two functions below bring it in line.


@cache
def _twitter_text() -> Any:
    """twitter-text-parser, with domains checked as twitter-text checks them.

    Each label, punycoded, must be 1 to 63 characters; Python's IDNA 2003 codec, which the
    port uses, refuses mixed scripts: "עבריתexample.com" held no URL for the port and a
    23-character one for X.
    """
    with _pkg_resources_shim():
        import twitter_text

    extract_urls = importlib.import_module("twitter_text.extract_urls")
    extract_urls.idna_to_ascii = _domain_as_twitter_text  # type: ignore[attr-defined]
    return twitter_text


@cache
def _x_counting() -> Any:
    """twitter-text-parser, with emoji found as twemoji finds them (X's weights only).

    A one-character emoji of the BMP followed by U+FE0F is one emoji (⌚️ weighs 2, not 4),
    and © and ® without U+FE0F are text (weight 1, not 2).
    """
    twitter_text = _twitter_text()
    extract_emojis = importlib.import_module("twitter_text.extract_emojis")
    table = importlib.import_module("twitter_text.regexp.emoji")
    single = f"[{table.single_codepoint_emoji_raw}]"
    extract_emojis.emoji = re.compile(  # type: ignore[attr-defined]
        r"(?![\u00a9\u00ae](?!\ufe0f))"  # © and ® are emoji only with U+FE0F
        rf"(?:{table.multi_codepoint_emoji_joined}|(?=[\u0000-\uffff]){single}\ufe0f|{single})"
    )
    return twitter_text


@contextmanager
def _pkg_resources_shim() -> Iterator[None]:
    """twitter-text-parser reads its emoji table with `pkg_resources.resource_string`, and
    importing pkg_resources (it scans every installed distribution) costs 0.15 s of every
    command that counts. While it is imported, that one function reads the file directly."""
    if "pkg_resources" in sys.modules:
        yield
        return
    shim = types.ModuleType("pkg_resources")
    shim.resource_string = _resource_bytes  # type: ignore[attr-defined]
    sys.modules["pkg_resources"] = shim
    try:
        yield
    finally:
        if sys.modules.get("pkg_resources") is shim:
            del sys.modules["pkg_resources"]


def _resource_bytes(module: str, name: str) -> bytes:
    return Path(sys.modules[module].__file__ or "").with_name(name).read_bytes()


def _domain_as_twitter_text(domain: str) -> str | None:
    """The domain if every label, punycoded, is 1 to 63 characters long; None if not (twitter-text's idna)."""
    if domain.startswith("xn--") and not domain.isascii():
        return None
    for label in domain.split("."):
        encoded = label if label.isascii() else "xn--" + label.encode("punycode").decode("ascii")
        if not 1 <= len(encoded) <= 63:
            return None
    return domain


def mastodon(text: str) -> int:
    """Mastodon's own validator: only a URL with its http(s):// counts 23 (twitter-text's
    extractor with `extract_url_without_protocol: false`); `example.org` counts its letters."""
    text = _REMOTE_MENTION.sub(r"\1", text)
    for url in sorted(find_urls(text, bare_domains=False), key=len, reverse=True):
        text = text.replace(url, "x" * URL_WEIGHT)
    return graphemes(text)


def find_urls(text: str, *, bare_domains: bool = True) -> list[str]:
    """URLs as twitter-text finds them; `bare_domains=False`: only those written with http(s)://.

    A URL never spans white space and its pattern reads no further than the white space
    around it, so each word is searched alone (after a space, as in the text: at the very
    start a combining mark would be read as the character before the URL), and remembered:
    the excerpt search counts the same words again and again, one more or one fewer each time.
    """
    if "." not in text:  # twitter-text's own shortcut: every URL has a domain
        return []
    words = _TWITTER_SPACES.split(text)
    return [
        url
        for n, word in enumerate(words)
        if "." in word
        for url in _urls_in(f" {word}" if n else word, bare_domains)
    ]


@lru_cache(maxsize=8192)
def _urls_in(word: str, bare_domains: bool) -> tuple[str, ...]:
    return tuple(_twitter_text().extract_urls(word, bare_domains))


@cache
def fingerprint() -> str:
    """What the counts depend on (this module and twitter-text-parser), for caches of excerpts:
    a change of rule, such as the twitter-text conformance fixes, must not reuse old excerpts."""
    from importlib.metadata import version

    source = Path(__file__).read_bytes()
    return hashlib.sha256(source + version("twitter-text-parser").encode()).hexdigest()[:16]


@cache
def counter(name: str):  # type: ignore[no-untyped-def]
    """The counting function for a rule name used by networks: x, mastodon, graphemes, threads, code_points."""
    rules = {"x": x_weighted, "mastodon": mastodon, "graphemes": graphemes, "threads": threads}
    return {**rules, "code_points": code_points}[name]
