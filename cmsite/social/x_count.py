"""X's weighted length and URLs, as the official twitter-text (v3) finds them.

twitter-text-parser, the Python port, counts otherwise than the official JavaScript in two
places, which tests/test_x_conformance.py found by comparing them over thousands of texts:
its IDNA 2003 codec refuses mixed-script domains ("עבריתexample.com" holds no URL for the
port, a 23-character one for X), and its emoji table makes ⌚️ two emoji (weight 4, not 2)
and © or ® without U+FE0F an emoji (weight 2, not 1). Its functions take no other rules, so
parseTweet and extractUrlsWithIndices are written here again on the port's configuration and
patterns, which it keeps as module constants (pyproject.toml pins its version for them); the
port itself is left as it is.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from typing import NamedTuple

from twitter_text.config import config
from twitter_text.regexp.emoji import emoji_list, multi_codepoint_emoji_joined, single_codepoint_emoji_raw
from twitter_text.regexp.extract_url import extract_url
from twitter_text.regexp.invalid_chars import invalid_chars
from twitter_text.regexp.invalid_url_without_protocol_preceding_chars import (
    invalid_url_without_protocol_preceding_chars,
)
from twitter_text.regexp.valid_ascii_domain import valid_ascii_domain
from twitter_text.regexp.valid_tco_url import valid_tco_url

_RULES = config["defaults"]  # twitter-text v3: weights by code point ranges, URLs 23, emoji parsed
_SCALE = _RULES["scale"]
MAX_URL_LENGTH = 4096
MAX_TCO_SLUG_LENGTH = 40
MAX_LABEL_LENGTH = 63
_LINE_END = re.compile(r"\r\n?")


class Url(NamedTuple):
    start: int
    end: int
    url: str


class XCount(NamedTuple):
    weighted_length: int
    valid: bool


def parse(text: str) -> XCount:
    """twitter-text's parseTweet: each URL weighs 23 and each emoji 2, any other character its
    range's weight, in the NFC text; valid when it weighs 1 to 280 and holds no invalid character."""
    text = _LINE_END.sub("\n", unicodedata.normalize("NFC", text))
    urls = {url.start: url.url for url in extract_urls(text)}
    emoji = {match.start(): match[0] for match in _emoji().finditer(text)}
    weight, valid, index = 0, True, 0
    while index < len(text):
        if index in urls:
            weight += _RULES["transformed_url_length"] * _SCALE
            index += len(urls[index]) - 1
        elif index in emoji:
            weight += _RULES["default_weight"]
            index += len(emoji[index]) - 1
        else:
            weight += _weight(ord(text[index]))
        valid = valid and invalid_chars.match(text, index) is None  # of a URL or emoji, its last character
        index += 1
    length = weight // _SCALE
    return XCount(length, valid and 0 < length <= _RULES["max_weighted_tweet_length"])


def _weight(code_point: int) -> int:
    ranges = _RULES["ranges"]
    return next(
        (r["weight"] for r in ranges if r["start"] <= code_point <= r["end"]), _RULES["default_weight"]
    )


@cache
def _emoji() -> re.Pattern[str]:
    """The port's emoji table, read as twemoji reads it: a one-character emoji of the BMP
    followed by U+FE0F is one emoji, and © and ® are emoji only with U+FE0F. Compiled when
    first asked for: finding URLs does without it. The first lookahead, a character that
    begins an emoji, makes the search three times faster: it skips the table's thousands
    of sequences wherever none can begin."""
    first = "".join(sorted({f"\\U{entry.codepoint.split()[0]:0>8}" for entry in emoji_list}))
    single = f"[{single_codepoint_emoji_raw}]"
    return re.compile(
        rf"(?=[{first}])(?![\u00a9\u00ae](?!\ufe0f))"
        rf"(?:{multi_codepoint_emoji_joined}|(?=[\u0000-\uffff]){single}\ufe0f|{single})"
    )


def extract_urls(text: str, bare_domains: bool = True) -> list[Url]:
    """twitter-text's extractUrlsWithIndices; `bare_domains=False`: only URLs written with http(s)://."""
    if ("." if bare_domains else ":") not in text:
        return []
    urls: list[Url] = []
    for match in extract_url.finditer(text):
        _, before, url, protocol, domain, _, path, _ = match.groups()
        start = match.end() - len(url)
        if not _valid_domain(domain) or len(protocol or "https://") + len(url) > MAX_URL_LENGTH:
            continue
        if protocol:
            urls += _with_protocol(url, start)
        elif bare_domains and not invalid_url_without_protocol_preceding_chars.match(before):
            urls += _bare_domains(url, domain, path, start)
    return urls


def _with_protocol(url: str, start: int) -> list[Url]:
    """The URL; a t.co link ends after its slug and query, and one whose slug is too long is none."""
    tco = valid_tco_url.search(url)
    if tco is None:
        return [Url(start, start + len(url), url)]
    return [] if len(tco[1]) > MAX_TCO_SLUG_LENGTH else [Url(start, start + tco.end(), tco[0])]


def _bare_domains(url: str, domain: str, path: str | None, start: int) -> list[Url]:
    """Each ASCII domain in a URL written without http(s)://; the last one takes the path."""
    urls = [
        Url(start + match.start(), start + match.end(), match[0])
        for match in valid_ascii_domain.finditer(domain)
    ]
    if urls and path:
        urls[-1] = Url(urls[-1].start, start + len(url), url.replace(domain, urls[-1].url))
    return urls


def _valid_domain(domain: str) -> bool:
    """twitter-text's idna.toAscii succeeds: each label, punycoded, is 1 to 63 characters long.
    It gives back the domain as it was, so the URL's length is counted without punycode."""
    if domain.startswith("xn--") and not domain.isascii():
        return False
    return all(
        1
        <= len(label if label.isascii() else "xn--" + label.encode("punycode").decode("ascii"))
        <= MAX_LABEL_LENGTH
        for label in domain.split(".")
    )
