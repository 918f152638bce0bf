"""Length of a text as each network counts it.

- X: the weighted count of twitter-text v3 (URLs 23, CJK and emoji 2), as the official
  twitter-text counts (see `x_count`).
- Mastodon: what its StatusLengthValidator counts: grapheme clusters of the text once each
  URL its extractor links is made 23 characters and each mention `@name@server` is made
  `@name` (see `mastodon`).
- Bluesky: extended grapheme clusters.
- Threads: extended grapheme clusters, except that one holding an emoji counts as many
  as its UTF-8 bytes (what Meta's documentation says of emoji).
- LinkedIn, Discord, Slack, Mattermost, Facebook: Unicode code points.

Grapheme clusters are cut wherever one of the Unicode versions the servers follow cuts (see
`clusters`): a count is never lower than a server's.
"""

from __future__ import annotations

import hashlib
import re
import string
import stringprep
from collections.abc import Iterator
from encodings import idna
from functools import cache, lru_cache
from itertools import pairwise
from pathlib import Path

import regex
from twitter_text.regexp.directional_markers_group import directional_markers_group
from twitter_text.regexp.invalid_chars_group import invalid_chars_group
from twitter_text.regexp.latin_accent_chars import latin_accent_chars
from twitter_text.regexp.spaces_group import spaces_group
from twitter_text.regexp.valid_cctld import valid_cctld
from twitter_text.regexp.valid_gtld import valid_gtld
from twitter_text.regexp.valid_url_preceding_chars import valid_url_preceding_chars

from cmsite.social import x_count

URL_WEIGHT = 23
# Grapheme clusters as the regex module cuts them: Unicode 17.0.
_GRAPHEME = regex.compile(r"\X")
# Characters that can join the one before or after them into one grapheme cluster (UAX #29:
# marks, joiners, Hangul jamo, flag halves), in Unicode 17.0 and in 15.0 (U+11A3A was a
# prefix then). A text without any is one cluster per code point, but for CR LF. Most texts
# are made of characters from ranges that hold none of them (Latin, general punctuation,
# currency signs), which a plain pattern sees at once.
PLAIN_RANGES = ((0x0000, 0x02FF), (0x2000, 0x200B), (0x200E, 0x206F), (0x20A0, 0x20C0))
_PLAIN = re.compile("[" + "".join(f"\\U{low:08x}-\\U{high:08x}" for low, high in PLAIN_RANGES) + "]*")
_JOINING = regex.compile(
    r"[\p{Grapheme_Cluster_Break=Extend}\p{Grapheme_Cluster_Break=ZWJ}"
    r"\p{Grapheme_Cluster_Break=SpacingMark}\p{Grapheme_Cluster_Break=Prepend}"
    r"\p{Grapheme_Cluster_Break=L}\p{Grapheme_Cluster_Break=V}\p{Grapheme_Cluster_Break=T}"
    r"\p{Grapheme_Cluster_Break=LV}\p{Grapheme_Cluster_Break=LVT}"
    r"\p{Grapheme_Cluster_Break=Regional_Indicator}\U00011a3a]"
)
# The servers do not all cut by Unicode 17.0. Mastodon runs on Ruby 3.2 to 3.4, whose
# String#each_grapheme_cluster follows Unicode 15.0 (Ruby 4.0 moves to 17.0), and so does the
# Bluesky PDS image (Node 20.11, ICU 73). Unicode 15.0 has no rule GB9c, so a conjunct such
# as Devanagari न्द is two clusters there and one in 17.0; Unicode 17.0 took ★ and 700 other
# symbols out of Extended_Pictographic, so ★‍★ is one cluster in 15.0 and two in 17.0. The
# code points whose Grapheme_Cluster_Break was another in Unicode 15.0 (UCD 15.0.0
# GraphemeBreakProperty.txt; tests/test_mastodon_counting.py checks every code point):
_UNICODE_15_CHANGES = {
    "Other": "05C8-05C9 0897 0B53-0B54 1ACF-1AF0 10D69-10D6D 10ECB-10ECF 10EF0-10EFC 113B8-113C0 113C2 "
    "113C5 113C7-113CA 113CC-113D2 113E1-113E2 11B60-11B67 11DF0 11F5A 1611E-1612F 16D63 16D67-16D6A "
    "1D127-1D128 1D250-1D252 1D25B-1D25C 1D25F 1D280-1D281 1E5EE-1E5EF 1E6E3 1E6E6 1E6EE-1E6EF 1E6F5",
    "SpacingMark": "0CC0 0CC7-0CC8 0CCA-0CCB 1715 1734 1B3B 1B3D 1B43-1B44 1BAA 1BF2-1BF3 A953 A9C0 111C0 "
    "11235 1134D 116B6 1193D 11F41 16FF0-16FF1 1D166 1D16D",
    "Extend": "1171E",
    "Prepend": "11A3A",
}


def _class_set(ranges: str) -> str:
    """Ranges written "0CC0 0CC7-0CC8", as the inside of a character class."""
    return "".join("-".join(f"\\U{int(end, 16):08x}" for end in item.split("-")) for item in ranges.split())


def _unicode_15(name: str) -> str:
    """The characters of a Grapheme_Cluster_Break value in Unicode 15.0, as a regex (V1) class."""
    changed = _class_set(" ".join(_UNICODE_15_CHANGES.values()))
    added = _class_set(_UNICODE_15_CHANGES.get(name, ""))
    return rf"[[\p{{Grapheme_Cluster_Break={name}}}--[{changed}]]{'||[' + added + ']' if added else ''}]"


def _unicode_15_clusters() -> regex.Pattern[str]:
    """UAX #29's extended grapheme cluster as a pattern (its table 1b), with Unicode 15.0's
    classes. Extended_Pictographic is 17.0's: where 15.0's longer list joins a cluster, 17.0
    cuts it, and counting cuts wherever one of them does."""
    extend, spacing, prepend = _unicode_15("Extend"), _unicode_15("SpacingMark"), _unicode_15("Prepend")
    hangul_l, hangul_v, hangul_t = (_unicode_15(name) for name in ("L", "V", "T"))
    lv, lvt, ri = (_unicode_15(name) for name in ("LV", "LVT", "Regional_Indicator"))
    control = r"[\p{Grapheme_Cluster_Break=Control}\r\n]"
    hangul = rf"(?:{hangul_l}*(?:{hangul_v}+|{lv}{hangul_v}*|{lvt}){hangul_t}*|{hangul_l}+|{hangul_t}+)"
    pictographic = rf"\p{{Extended_Pictographic}}(?:{extend}*\u200d\p{{Extended_Pictographic}})*"
    core = rf"(?:{hangul}|{ri}{ri}|{pictographic}|[^\p{{Grapheme_Cluster_Break=Control}}\r\n])"
    return regex.compile(rf"(?V1)\r\n|{control}|{prepend}*{core}(?:{extend}|\u200d|{spacing})*")


_GRAPHEME_15 = _unicode_15_clusters()
_EMOJI = regex.compile(r"[\p{Extended_Pictographic}\p{Regional_Indicator}\u20e3]")


def graphemes(text: str) -> int:
    """Extended grapheme clusters: 👩🏽‍💻 and é (e + combining accent) are one each.

    Most texts hold nothing that joins characters, and for them the answer is the length:
    the excerpt search counts a text a dozen times, and segmenting it is 50 times slower.
    """
    if _PLAIN.fullmatch(text) or _JOINING.search(text) is None:
        return len(text) - text.count("\r\n")
    return len(_cluster_starts(text))


def clusters(text: str) -> list[str]:
    """The text cut wherever Unicode 17.0 or Unicode 15.0 ends a grapheme cluster."""
    return [text[start:end] for start, end in pairwise([*sorted(_cluster_starts(text)), len(text)])]


def _cluster_starts(text: str) -> set[int]:
    return {match.start() for pattern in (_GRAPHEME, _GRAPHEME_15) for match in pattern.finditer(text)}


def threads(text: str) -> int:
    """Threads: grapheme clusters, but one with an emoji counts its UTF-8 bytes (👍 is 4, 👩🏽‍💻 is 15,
    © is 2 and ©️ 5: an emoji written as text, without U+FE0F, is still one)."""
    if _EMOJI.search(text) is None:
        return graphemes(text)
    return sum(len(cluster.encode()) if _EMOJI.search(cluster) else 1 for cluster in clusters(text))


def code_points(text: str) -> int:
    return len(text)


def utf16(text: str) -> int:
    """UTF-16 code units (an emoji is 2): the most a limit given in "characters" without saying
    which may mean, so that a text within it is within the network's whatever it counts."""
    return len(text.encode("utf-16-le")) // 2


def x_weighted(text: str) -> int:
    return x_count.parse(text).weighted_length


def x_valid(text: str) -> bool:
    """Whether X takes the text: not empty, within 280 weighted, no invalid character."""
    return x_count.parse(text).valid


# Mastodon. StatusLengthValidator (app/validators/status_length_validator.rb) counts
# `countable_text`: the text with every URL that `Extractor.extract_urls_with_indices(text,
# extract_url_without_protocol: false)` finds made URL_PLACEHOLDER ("x" * 23), and every mention
# of `Extractor.extract_mentions_or_lists_with_indices` made "@" + its name before any "@server",
# overlaps removed (twitter-text's remove_overlapping_entities); then
# `str.each_grapheme_cluster.size`. Before that, Status#prepare_contents strips the text
# (Ruby's String#strip), and a blank text counts 0. The URLs are twitter-text 3.1.0's
# (lib/twitter-text/regex.rb and extractor.rb) with what config/initializers/twitter_regex.rb
# changes in REGEXEN: a path of anything but white space and `<>()?`, ending on anything but
# `()?!*"'「」<>;:=,.$%[]~&|@` or a pair of parentheses (twitter-text's own pair: the line reads
# :valid_url_balanced_parens before redefining it), a query that takes any non-ASCII letter
# (UCHARS), and the protocols dat, dweb, ipfs, ipns, ssb, gopher and gemini beside http(s).
_LATIN_ACCENTS = latin_accent_chars.pattern
# twitter-text's DOMAIN_VALID_CHARS: not its PUNCTUATION_CHARS (ASCII's, but the backslash),
# SPACE_CHARS, CTRL_CHARS, INVALID_CHARACTERS, UNICODE_SPACES or DIRECTIONAL_CHARACTERS.
_DOMAIN_CHAR = (
    "[^" + regex.escape(string.punctuation.replace("\\", ""), special_only=False)
    + rf"\x00-\x1f\x7f{spaces_group}{invalid_chars_group}{directional_markers_group}]"
)  # fmt: skip
_DOMAIN = (
    rf"(?:(?:{_DOMAIN_CHAR}(?:[_-]|{_DOMAIN_CHAR})*)?{_DOMAIN_CHAR}\.)*"  # :valid_subdomain
    rf"(?:(?:{_DOMAIN_CHAR}(?:-|{_DOMAIN_CHAR})*)?{_DOMAIN_CHAR}\.)"  # :valid_domain_name
    rf"(?:{valid_gtld.pattern}|{valid_cctld.pattern}|xn--[0-9a-z]+)"
)
_PATH_CHAR = r"[^\p{White_Space}<>()?]"
_TWITTER_PATH_CHAR = rf"[a-z\p{{Script=Cyrillic}}0-9!*';:=+,.$/%#\[\]\p{{Pd}}_~&|@{_LATIN_ACCENTS}]"


def _parenthesized(char: str) -> str:
    """A pair of parentheses around `char`s, with at most one pair inside (:valid_url_balanced_parens)."""
    return rf"\((?:{char}+|{char}*\({char}+\){char}*)\)"


_PATH_END = rf"""(?:[^\p{{White_Space}}()?!*"'「」<>;:=,.$%\[\]~&|@]|{_parenthesized(_TWITTER_PATH_CHAR)})"""
_PATH = rf"(?:{_PATH_CHAR}*(?:{_parenthesized(_PATH_CHAR)}{_PATH_CHAR}*)*{_PATH_END}|{_PATH_CHAR}+/)"
# UCHARS: RFC 3987's ucschar and iprivate.
_IRI_CHARS = (
    r"\xa0-\ud7ff\uf900-\ufdcf\ufdf0-\uffef\ue000-\uf8ff"
    + "".join(f"\\U{plane:04x}0000-\\U{plane:04x}fffd" for plane in range(0x1, 0xE))
    + r"\U000e1000-\U000efffd\U000f0000-\U000ffffd\U00100000-\U0010fffd"
)
_MASTODON_URL = regex.compile(
    rf"(?P<before>{valid_url_preceding_chars.pattern})"
    r"(?P<url>(?P<protocol>(?:https?|dat|dweb|ipfs|ipns|ssb|gopher|gemini)://)?"
    rf"(?P<domain>{_DOMAIN})(?::[0-9]+)?(?:/{_PATH}*)?"
    rf"(?:\?[a-z0-9!?*'();:&=+$/%#\[\]\-_.,~|@^{_IRI_CHARS}]*[a-z0-9_&=#/\-{_IRI_CHARS}])?)",
    regex.IGNORECASE | regex.MULTILINE,
)
_TCO_URL = regex.compile(r"https?://t\.co/([a-z0-9]+)", regex.IGNORECASE)  # :valid_tco_url
MAX_TCO_SLUG_LENGTH = 40
MAX_URL_LENGTH = 4096
# Account::MENTION_RE, where [[:word:]] is a letter, a mark, a digit or a connector (Onigmo).
_WORD = r"[\p{L}\p{M}\p{Nd}\p{Pc}]"
_MASTODON_MENTION = regex.compile(
    rf"(?<![=/{_WORD[1:-1]}])@((?i:[a-z0-9_]+(?:[.-]+[a-z0-9_]+)*)(?:@{_WORD}+(?:[.-]+{_WORD}+)*)?)"
)
_END_MENTION = regex.compile(rf"[@＠]|[{_LATIN_ACCENTS}]+|://", regex.IGNORECASE)  # :end_mention_match
MAX_MENTION_DOMAIN_LENGTH = 253  # Extractor::MAX_DOMAIN_LENGTH
_RUBY_STRIP = "\0\t\n\v\f\r "
_BLANK = regex.compile(r"\p{White_Space}*")
# What no URL or mention holds: a query takes U+3000 and the other white space beyond ASCII.
_ASCII_SPACE = r"\t-\r \x85"
# A word that may hold a URL (none lacks a `:`) or a mention: the only words Mastodon rewrites.
_REWRITABLE_WORD = regex.compile(
    rf"(?:^|(?<=[{_ASCII_SPACE}]))[^{_ASCII_SPACE}:@＠]*[:@＠][^{_ASCII_SPACE}]*"
)


def mastodon(text: str) -> int:
    """Mastodon's StatusLengthValidator: each URL Mastodon links is 23, `@name@server` is `@name`,
    the rest is grapheme clusters; `example.org` without a scheme counts its letters.

    No URL or mention spans ASCII white space, so each word that may hold one is rewritten
    alone (after a space, as in the text) and remembered: the excerpt search counts the same
    words again and again.
    """
    text = text.strip(_RUBY_STRIP)
    if _BLANK.fullmatch(text):  # String#blank?
        return 0
    return graphemes(
        _REWRITABLE_WORD.sub(lambda word: _countable_word(word[0], after_space=word.start() > 0), text)
    )


@lru_cache(maxsize=8192)
def _countable_word(word: str, *, after_space: bool) -> str:
    """The word as StatusLengthValidator#countable_text rewrites it."""
    text = " " + word if after_space else word
    kept: list[tuple[int, int, str]] = []
    for start, end, replacement in sorted([*_mastodon_urls(text), *_mastodon_mentions(text)]):
        if not kept or kept[-1][1] <= start:  # remove_overlapping_entities
            kept.append((start, end, replacement))
    pieces, last = [], 0
    for start, end, replacement in kept:
        pieces += [text[last:start], replacement]
        last = end
    return ("".join(pieces) + text[last:])[len(text) - len(word) :]


def _mastodon_urls(text: str) -> Iterator[tuple[int, int, str]]:
    """The URLs twitter-text's extract_urls_with_indices finds, without those lacking a protocol."""
    if ":" not in text:
        return
    for match in _MASTODON_URL.finditer(text):
        if not match["protocol"]:
            continue
        start, end = match.span("url")
        if tco := _TCO_URL.match(match["url"]):
            if len(tco[1]) > MAX_TCO_SLUG_LENGTH:
                continue
            end = start + tco.end()
        ascii_domain = _idna_2003(match["domain"])
        if (
            ascii_domain is not None
            and end - start + max(0, len(ascii_domain) - len(match["domain"])) <= MAX_URL_LENGTH
        ):
            yield start, end, "x" * URL_WEIGHT


def _idna_2003(domain: str) -> str | None:
    """The domain in ASCII as libidn's idna_to_ascii (IDN::Idna.toASCII, twitter-text's
    is_valid_domain) makes it: IDNA 2003, no unassigned code point (of Unicode 3.2); None if it fails."""
    try:
        for label in idna.dots.split(domain):
            if not label.isascii() and any(map(stringprep.in_table_a1, idna.nameprep(label))):
                return None
        return domain.encode("idna").decode("ascii")
    except UnicodeError:
        return None


def _mastodon_mentions(text: str) -> Iterator[tuple[int, int, str]]:
    """Mastodon's Extractor.extract_mentions_or_lists_with_indices, each made `@name`."""
    if "@" not in text and "＠" not in text:
        return
    for match in _MASTODON_MENTION.finditer(text):
        name, _, domain = match[1].partition("@")
        if not _END_MENTION.match(text, match.end()) and len(domain) <= MAX_MENTION_DOMAIN_LENGTH:
            yield match.start(1) - 1, match.end(1), "@" + name


# twitter-text's white space: no URL holds it, and its URL pattern looks no further than it.
_TWITTER_SPACES = re.compile(r"[\t-\r \x85\xa0\u1680\u180e\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+")


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
    return tuple(url.url for url in x_count.extract_urls(word, bare_domains))


@cache
def fingerprint() -> str:
    """What the counts depend on (this module, `x_count` and twitter-text-parser), for caches of
    excerpts: a change of rule, such as the twitter-text conformance fixes, must not reuse old excerpts."""
    from importlib.metadata import version

    source = Path(__file__).read_bytes() + Path(x_count.__file__).read_bytes()
    return hashlib.sha256(source + version("twitter-text-parser").encode()).hexdigest()[:16]


@cache
def counter(name: str):  # type: ignore[no-untyped-def]
    """The counting function for a rule name used by networks: x, mastodon, graphemes, threads,
    code_points, utf16."""
    rules = {"x": x_weighted, "mastodon": mastodon, "graphemes": graphemes, "threads": threads}
    return {**rules, "code_points": code_points, "utf16": utf16}[name]
