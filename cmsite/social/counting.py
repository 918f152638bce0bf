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
from functools import cache
from pathlib import Path
from typing import Any

import regex

URL_WEIGHT = 23
_GRAPHEME = regex.compile(r"\X")
_EMOJI = regex.compile(r"[\p{Extended_Pictographic}\p{Regional_Indicator}\u20e3]")
_REMOTE_MENTION = regex.compile(r"(?<![\w@])(@[\w.]+)@[\w.-]+\w")


def graphemes(text: str) -> int:
    """Extended grapheme clusters: 👩🏽‍💻 and é (e + combining accent) are one each."""
    return len(_GRAPHEME.findall(text))


def threads(text: str) -> int:
    """Threads: grapheme clusters, but one with an emoji counts its UTF-8 bytes (👍 is 4, 👩🏽‍💻 is 15)."""
    return sum(len(cluster.encode()) if _EMOJI.search(cluster) else 1 for cluster in _GRAPHEME.findall(text))


def code_points(text: str) -> int:
    return len(text)


def x_weighted(text: str) -> int:
    return _twitter_text().parse_tweet(text).weightedLength


def x_valid(text: str) -> bool:
    """Whether X takes the text: not empty, within 280 weighted, no invalid character."""
    return bool(_twitter_text().parse_tweet(text).valid)


@cache
def _twitter_text() -> Any:
    """twitter-text-parser, brought in line with the official twitter-text where the two differ.

    tests/test_x_conformance.py runs the official JavaScript implementation over thousands
    of texts; it found two places where the Python port counts otherwise:

    - a domain is checked as twitter-text does (each label, punycoded, 1 to 63 characters),
      not with Python's IDNA 2003 codec, which refuses mixed scripts: "עבריתexample.com"
      held no URL for the port and a 23-character one for X;
    - emoji are found as twemoji finds them: a one-character emoji of the BMP followed by
      U+FE0F is one emoji (⌚️ weighs 2, not 4), and © and ® without U+FE0F are text
      (weight 1, not 2).
    """
    import twitter_text

    extract_urls = importlib.import_module("twitter_text.extract_urls")
    extract_emojis = importlib.import_module("twitter_text.extract_emojis")
    extract_urls.idna_to_ascii = _domain_as_twitter_text  # type: ignore[attr-defined]
    table = importlib.import_module("twitter_text.regexp.emoji")
    single = f"[{table.single_codepoint_emoji_raw}]"
    extract_emojis.emoji = re.compile(  # type: ignore[attr-defined]
        r"(?![\u00a9\u00ae](?!\ufe0f))"  # © and ® are emoji only with U+FE0F
        rf"(?:{table.multi_codepoint_emoji_joined}|(?=[\u0000-\uffff]){single}\ufe0f|{single})"
    )
    return twitter_text


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
    text = _REMOTE_MENTION.sub(r"\1", text)
    for url in sorted(find_urls(text), key=len, reverse=True):
        text = text.replace(url, "x" * URL_WEIGHT)
    return graphemes(text)


def find_urls(text: str) -> list[str]:
    """URLs as twitter-text finds them (Mastodon uses the same extractor)."""
    return list(_twitter_text().extract_urls(text))


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
