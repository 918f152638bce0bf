"""Length of a text as each network counts it.

- X: the weighted count of twitter-text v3 (URLs 23, CJK and emoji 2), from the
  twitter-text-parser library.
- Mastodon: extended grapheme clusters, every URL counts 23, a remote mention
  `@name@server` counts as `@name` (what Mastodon's own validator does).
- Bluesky, Threads: extended grapheme clusters.
- LinkedIn, Discord, Slack, Mattermost, Facebook: Unicode code points.
"""

from __future__ import annotations

from functools import cache

import regex

URL_WEIGHT = 23
_GRAPHEME = regex.compile(r"\X")
_REMOTE_MENTION = regex.compile(r"(?<![\w@])(@[\w.]+)@[\w.-]+\w")


def graphemes(text: str) -> int:
    """Extended grapheme clusters: 👩🏽‍💻 and é (e + combining accent) are one each."""
    return len(_GRAPHEME.findall(text))


def code_points(text: str) -> int:
    return len(text)


def x_weighted(text: str) -> int:
    from twitter_text import parse_tweet

    return parse_tweet(text).weightedLength


def mastodon(text: str) -> int:
    text = _REMOTE_MENTION.sub(r"\1", text)
    for url in sorted(find_urls(text), key=len, reverse=True):
        text = text.replace(url, "x" * URL_WEIGHT)
    return graphemes(text)


def find_urls(text: str) -> list[str]:
    """URLs as twitter-text finds them (Mastodon uses the same extractor)."""
    from twitter_text import extract_urls

    return list(extract_urls(text))


@cache
def counter(name: str):  # type: ignore[no-untyped-def]
    """The counting function for a rule name used by networks: x, mastodon, graphemes, code_points."""
    return {"x": x_weighted, "mastodon": mastodon, "graphemes": graphemes, "code_points": code_points}[name]
