"""Mastodon's status length, ported line by line from its Ruby source: the test oracle.

Mastodon has no library of its own in another language, so this file writes down what its
server runs, kept apart from cmsite's implementation (cmsite/social/counting.py) and written
without it: each name below is the Ruby constant or method it ports, from

- twitter-text 3.1.0 (the gem Mastodon's Gemfile asks for): lib/twitter-text/regex.rb
  (REGEXEN, UNICODE_SPACES, DIRECTIONAL_CHARACTERS, INVALID_CHARACTERS, LATIN_ACCENTS,
  PUNCTUATION_CHARS, SPACE_CHARS, CTRL_CHARS, DOMAIN_VALID_CHARS) and lib/twitter-text/
  extractor.rb (extract_urls_with_indices, is_valid_domain, remove_overlapping_entities);
- Mastodon: config/initializers/twitter_regex.rb (what it changes in REGEXEN, in that
  order), app/lib/extractor.rb (extract_mentions_or_lists_with_indices, MAX_DOMAIN_LENGTH),
  app/models/account.rb (USERNAME_RE, MENTION_RE), app/models/status.rb (prepare_contents),
  app/validators/status_length_validator.rb (countable_text, rewrite_entities,
  countable_length);
- idn-ruby's IDN::Idna.toASCII: libidn's idna_to_ascii_8z with no flags, RFC 3490 ToASCII
  with nameprep (RFC 3491), unassigned code points refused;
- Ruby's String#each_grapheme_cluster: Unicode 15.0 in Ruby 3.2 to 3.4 (the rules of UAX #29
  revision 41, with pyuegc 15.0.0's copy of UCD 15.0.0 as data), 17.0 from Ruby 4.0 (the
  regex module's \\X). A length is counted with a cut wherever either version cuts.

The lists of top-level domains are twitter-text 3.1.0's tld_lib.yml, read from the
twitter-text-parser package (its lists are the same, name for name).

Run as a script it reads a JSON list of texts on stdin and writes their lengths.
"""

from __future__ import annotations

import json
import stringprep
import sys
import unicodedata

import regex
from twitter_text.regexp.valid_cctld import valid_cctld
from twitter_text.regexp.valid_gtld import valid_gtld


def regex_range(start: int, end: int | None = None) -> str:
    """Regex.regex_range"""
    return f"\\U{start:08x}" + (f"-\\U{end:08x}" if end is not None else "")


def joined(code_points: list[int]) -> str:
    return "".join(regex_range(code_point) for code_point in code_points)


# lib/twitter-text/regex.rb
UNICODE_SPACES = joined(
    [*range(0x0009, 0x000E), 0x0020, 0x0085, 0x00A0, 0x1680, 0x180E, *range(0x2000, 0x200B), 0x2028, 0x2029,
     0x202F, 0x205F, 0x3000]
)  # fmt: skip
DIRECTIONAL_CHARACTERS = joined([0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)])
INVALID_CHARACTERS = joined([0xFFFE, 0xFEFF, 0xFFFF])
LATIN_ACCENTS = "".join(
    [
        regex_range(0xC0, 0xD6),
        regex_range(0xD8, 0xF6),
        regex_range(0xF8, 0xFF),
        regex_range(0x0100, 0x024F),
        regex_range(0x0253, 0x0254),
        regex_range(0x0256, 0x0257),
        regex_range(0x0259),
        regex_range(0x025B),
        regex_range(0x0263),
        regex_range(0x0268),
        regex_range(0x026F),
        regex_range(0x0272),
        regex_range(0x0289),
        regex_range(0x028B),
        regex_range(0x02BB),
        regex_range(0x0300, 0x036F),
        regex_range(0x1E00, 0x1EFF),
    ]
)
PUNCTUATION_CHARS = r"""!"#$%&'()*+,-./:;<=>?@\[\]^_`{|}~"""
SPACE_CHARS = r" \t\n\x0B\f\r"
CTRL_CHARS = r"\x00-\x1F\x7F"


def tld_names(pattern: str) -> list[str]:
    """The names of tld_lib.yml, from twitter-text-parser's "(?:(?:a|b|…)(?=…))"."""
    return pattern[len("(?:(?:") : pattern.index(")(?=")].split("|")


TLDS = {"generic": tld_names(valid_gtld.pattern), "country": tld_names(valid_cctld.pattern)}

REGEXEN: dict[str, str] = {}
REGEXEN["valid_url_preceding_chars"] = (
    rf"(?i:(?:[^A-Z0-9@＠$#＃{INVALID_CHARACTERS}]|[{DIRECTIONAL_CHARACTERS}]|^))"
)
DOMAIN_VALID_CHARS = f"[^{DIRECTIONAL_CHARACTERS}{PUNCTUATION_CHARS}{SPACE_CHARS}{CTRL_CHARS}{INVALID_CHARACTERS}{UNICODE_SPACES}]"
REGEXEN["valid_subdomain"] = (
    rf"(?i:(?:(?:{DOMAIN_VALID_CHARS}(?:[_-]|{DOMAIN_VALID_CHARS})*)?{DOMAIN_VALID_CHARS}\.))"
)
REGEXEN["valid_domain_name"] = (
    rf"(?i:(?:(?:{DOMAIN_VALID_CHARS}(?:[-]|{DOMAIN_VALID_CHARS})*)?{DOMAIN_VALID_CHARS}\.))"
)
REGEXEN["valid_gTLD"] = rf"(?i:(?:(?:{'|'.join(TLDS['generic'])})(?=[^0-9a-z@+-]|$)))"
REGEXEN["valid_ccTLD"] = rf"(?i:(?:(?:{'|'.join(TLDS['country'])})(?=[^0-9a-z@+-]|$)))"
REGEXEN["valid_punycode"] = r"(?i:(?:xn--[0-9a-z]+))"
REGEXEN["valid_domain"] = (
    rf"(?i:(?:{REGEXEN['valid_subdomain']}*{REGEXEN['valid_domain_name']}"
    rf"(?:{REGEXEN['valid_gTLD']}|{REGEXEN['valid_ccTLD']}|{REGEXEN['valid_punycode']})))"
)
REGEXEN["valid_tco_url"] = r"(?i:^https?:\/\/t\.co\/([a-z0-9]+))"
REGEXEN["valid_port_number"] = r"[0-9]+"
REGEXEN["valid_general_url_path_chars"] = (
    rf"(?i:[a-z\p{{Script=Cyrillic}}0-9!\*';:=\+\,\.\$\/%#\[\]\p{{Pd}}_~&\|@{LATIN_ACCENTS}])"
)


def balanced_parens(chars: str) -> str:
    """REGEXEN[:valid_url_balanced_parens] around the path characters of its time."""
    return rf"(?i:\((?:{chars}+|(?:{chars}*\({chars}+\){chars}*))\))"


REGEXEN["valid_url_balanced_parens"] = balanced_parens(REGEXEN["valid_general_url_path_chars"])
AT_SIGNS = r"[@＠]"
REGEXEN["latin_accents"] = rf"[{LATIN_ACCENTS}]+"
REGEXEN["end_mention_match"] = rf"(?i:\A(?:{AT_SIGNS}|{REGEXEN['latin_accents']}|:\/\/))"

# config/initializers/twitter_regex.rb, in its order: the ending characters read the
# balanced parentheses of twitter-text before the next line redefines them.
REGEXEN["valid_general_url_path_chars"] = r"(?i:[^\p{White_Space}<>()?])"
REGEXEN["valid_url_path_ending_chars"] = (
    r"""(?i:[^\p{White_Space}()?!*"'「」<>;:=,.$%\[\]~&|@]|"""
    rf"(?:{REGEXEN['valid_url_balanced_parens']}))"
)
REGEXEN["valid_url_balanced_parens"] = balanced_parens(REGEXEN["valid_general_url_path_chars"])
UCHARS = (
    r"\u00A0-\uD7FF\uF900-\uFDCF\uFDF0-\uFFEF\U00010000-\U0001FFFD\U00020000-\U0002FFFD"
    r"\U00030000-\U0003FFFD\U00040000-\U0004FFFD\U00050000-\U0005FFFD\U00060000-\U0006FFFD"
    r"\U00070000-\U0007FFFD\U00080000-\U0008FFFD\U00090000-\U0009FFFD\U000A0000-\U000AFFFD"
    r"\U000B0000-\U000BFFFD\U000C0000-\U000CFFFD\U000D0000-\U000DFFFD\U000E1000-\U000EFFFD"
    r"\uE000-\uF8FF\U000F0000-\U000FFFFD\U00100000-\U0010FFFD"
)
REGEXEN["valid_url_query_chars"] = rf"(?i:[a-z0-9!?*'();:&=+$/%#\[\]\-_.,~|@\^{UCHARS}])"
REGEXEN["valid_url_query_ending_chars"] = rf"(?i:[a-z0-9_&=#/\-{UCHARS}])"
REGEXEN["valid_url_path"] = (
    rf"(?i:(?:(?:{REGEXEN['valid_general_url_path_chars']}*"
    rf"(?:{REGEXEN['valid_url_balanced_parens']}{REGEXEN['valid_general_url_path_chars']}*)*"
    rf"{REGEXEN['valid_url_path_ending_chars']})|(?:{REGEXEN['valid_general_url_path_chars']}+/)))"
)
REGEXEN["valid_url"] = (
    rf"(?i:(({REGEXEN['valid_url_preceding_chars']})"
    r"(((?:https?|dat|dweb|ipfs|ipns|ssb|gopher|gemini)://)?"
    rf"({REGEXEN['valid_domain']})"
    rf"(?::({REGEXEN['valid_port_number']}))?"
    rf"(/{REGEXEN['valid_url_path']}*)?"
    rf"(\?{REGEXEN['valid_url_query_chars']}*{REGEXEN['valid_url_query_ending_chars']})?)))"
)

# Ruby's ^ and $ are always line anchors.
VALID_URL = regex.compile(REGEXEN["valid_url"], regex.MULTILINE)
VALID_TCO_URL = regex.compile(REGEXEN["valid_tco_url"], regex.MULTILINE)
END_MENTION_MATCH = regex.compile(REGEXEN["end_mention_match"])

# lib/twitter-text/extractor.rb
MAX_URL_LENGTH = 4096
MAX_TCO_SLUG_LENGTH = 40
URL_PROTOCOL_LENGTH = len("https://")


def extract_urls_with_indices(text: str, extract_url_without_protocol: bool) -> list[dict]:
    if ("." if extract_url_without_protocol else ":") not in text:
        return []
    urls = []
    for match in VALID_URL.finditer(text):  # String#scan: each match after the last one
        _all, _before, url, protocol, domain, _port, _path, _query = match.groups()
        start_position, end_position = match.start(3), match.end(3)
        if not protocol:
            if not extract_url_without_protocol:
                continue
            raise NotImplementedError("Mastodon counts with extract_url_without_protocol: false")
        tco = VALID_TCO_URL.search(url)
        if tco:
            if tco[1] and len(tco[1]) > MAX_TCO_SLUG_LENGTH:
                continue
            url = tco[0]
            end_position = start_position + len(url)
        if not is_valid_domain(len(url), domain, protocol):
            continue
        urls.append({"url": url, "indices": [start_position, end_position]})
    return urls


def is_valid_domain(url_length: int, domain: str, protocol: str | None) -> bool:
    try:
        original_domain_length = len(domain)
        encoded_domain = idna_to_ascii(domain)
        updated_domain_length = len(encoded_domain)
        if updated_domain_length > original_domain_length:
            url_length += updated_domain_length - original_domain_length
        if not protocol:
            url_length += URL_PROTOCOL_LENGTH
        return url_length <= MAX_URL_LENGTH
    except IdnaError:
        return False


def remove_overlapping_entities(entities: list[dict]) -> list[dict]:
    entities = sorted(entities, key=lambda entity: entity["indices"][0])
    kept: list[dict] = []
    for entity in entities:
        if kept and kept[-1]["indices"][1] > entity["indices"][0]:
            continue
        kept.append(entity)
    return kept


# IDN::Idna.toASCII (libidn, no flags): RFC 3490 section 4.1 for each label.
class IdnaError(Exception):
    pass


LABEL_SEPARATORS = regex.compile("[\u002e\u3002\uff0e\uff61]")


def idna_to_ascii(domain: str) -> str:
    return ".".join(label_to_ascii(label) for label in LABEL_SEPARATORS.split(domain))


def label_to_ascii(label: str) -> str:
    if not label.isascii():
        label = nameprep(label)
        if not label.isascii():
            if label.lower().startswith("xn--"):
                raise IdnaError("ACE prefix")
            label = "xn--" + label.encode("punycode").decode("ascii")
    if not 1 <= len(label) <= 63:
        raise IdnaError("label length")
    return label


def nameprep(label: str) -> str:
    """RFC 3491: map (B.1, B.2), NFKC (of Unicode 3.2), prohibit, check bidi, no unassigned."""
    mapped = "".join(stringprep.map_table_b2(c) for c in label if not stringprep.in_table_b1(c))
    prepared = unicodedata.ucd_3_2_0.normalize("NFKC", mapped)
    prohibited = (
        stringprep.in_table_c12,
        stringprep.in_table_c22,
        stringprep.in_table_c3,
        stringprep.in_table_c4,
        stringprep.in_table_c5,
        stringprep.in_table_c6,
        stringprep.in_table_c7,
        stringprep.in_table_c8,
        stringprep.in_table_c9,
        stringprep.in_table_a1,
    )
    if any(test(c) for c in prepared for test in prohibited):
        raise IdnaError("prohibited or unassigned")
    if any(map(stringprep.in_table_d1, prepared)):
        if any(map(stringprep.in_table_d2, prepared)):
            raise IdnaError("bidi: RandALCat beside LCat")
        if not (stringprep.in_table_d1(prepared[0]) and stringprep.in_table_d1(prepared[-1])):
            raise IdnaError("bidi: RandALCat not at both ends")
    return prepared


# app/models/account.rb: [[:word:]] is Letter | Mark | Decimal_Number | Connector_Punctuation
WORD = r"[\p{L}\p{M}\p{Nd}\p{Pc}]"
USERNAME_RE = r"(?i:[a-z0-9_]+([.-]+[a-z0-9_]+)*)"
MENTION_RE = regex.compile(
    rf"(?<![=/\p{{L}}\p{{M}}\p{{Nd}}\p{{Pc}}])@(({USERNAME_RE})(?:@{WORD}+([.-]+{WORD}+)*)?)"
)

# app/lib/extractor.rb
MAX_DOMAIN_LENGTH = 253


def extract_mentions_or_lists_with_indices(text: str) -> list[dict]:
    if not regex.search(AT_SIGNS, text):
        return []
    possible_entries = []
    for match in MENTION_RE.finditer(text):
        screen_name = match[1]
        after = text[match.end() :]
        if END_MENTION_MATCH.match(after):
            continue
        domain = screen_name.split("@")[1] if "@" in screen_name else None
        if domain and len(domain) > MAX_DOMAIN_LENGTH:
            continue
        possible_entries.append({"screen_name": screen_name, "indices": [match.start(1) - 1, match.end(1)]})
    return possible_entries


# app/validators/status_length_validator.rb
URL_PLACEHOLDER = "x" * 23
# ActiveSupport's String#blank?: /\A[[:space:]]*\z/, Onigmo's [[:space:]]
BLANK_RE = regex.compile(r"\A[\p{Zs}\p{Zl}\p{Zp}\t\n\x0B\f\r\x85]*\Z")


def countable_text(text: str) -> str:
    if BLANK_RE.match(text):
        return ""
    entities = remove_overlapping_entities(
        extract_urls_with_indices(text, extract_url_without_protocol=False)
        + extract_mentions_or_lists_with_indices(text)
    )
    result, last_index = "", 0
    for entity in entities:  # rewrite_entities
        result += text[last_index : entity["indices"][0]]
        result += URL_PLACEHOLDER if "url" in entity else "@" + entity["screen_name"].split("@")[0]
        last_index = entity["indices"][1]
    return result + text[last_index:]


def ruby_strip(text: str) -> str:
    """String#strip: null, horizontal tab, line feed, vertical tab, form feed, carriage return, space."""
    whitespace = "\0\t\n\v\f\r "
    start, end = 0, len(text)
    while start < end and text[start] in whitespace:
        start += 1
    while end > start and text[end - 1] in whitespace:
        end -= 1
    return text[start:end]


def status_length(text: str) -> int:
    """Status#prepare_contents, then StatusLengthValidator#countable_length (no content warning)."""
    return grapheme_count(countable_text(ruby_strip(text)))


# String#each_grapheme_cluster
def unicode_15_data() -> tuple[dict[int, str], set[int]]:
    """Grapheme_Cluster_Break and Extended_Pictographic of UCD 15.0.0, as pyuegc 15.0.0 ships them."""
    from pyuegc import UCD_VERSION
    from pyuegc.unicode import _EXT_PICTOGR, _GCB_PROP_VAL

    assert UCD_VERSION == "15.0.0", f"pyuegc {UCD_VERSION}: the oracle needs pyuegc==15.0.0"
    pictographic = set(_EXT_PICTOGR)
    # pyuegc's segmenter writes Extended_Pictographic over the property of those code points,
    # all of which are Other.
    properties = {cp: value for cp, value in _GCB_PROP_VAL.items() if value != "Extended_Pictographic"}
    return properties, pictographic


GCB_15, PICTOGRAPHIC_15 = unicode_15_data()
CONTROLS = {"Control", "CR", "LF"}


def unicode_15_cluster_starts(text: str) -> set[int]:
    """UAX #29 revision 41 (Unicode 15.0), rule by rule: where a cluster starts."""
    values = [GCB_15.get(ord(c), "Other") for c in text]
    return {i for i in range(len(text)) if i == 0 or not unicode_15_joins(text, values, i)}


def unicode_15_joins(text: str, values: list[str], i: int) -> bool:
    """Whether no cluster starts at i, by the first rule that applies."""
    before, after = values[i - 1], values[i]
    if before == "CR" and after == "LF":  # GB3
        return True
    if before in CONTROLS or after in CONTROLS:  # GB4, GB5
        return False
    if before == "L" and after in {"L", "V", "LV", "LVT"}:  # GB6
        return True
    if before in {"LV", "V"} and after in {"V", "T"}:  # GB7
        return True
    if before in {"LVT", "T"} and after == "T":  # GB8
        return True
    if after in {"Extend", "ZWJ", "SpacingMark"} or before == "Prepend":  # GB9, GB9a, GB9b
        return True
    if before == "ZWJ" and ord(text[i]) in PICTOGRAPHIC_15:  # GB11
        j = i - 2
        while j >= 0 and values[j] == "Extend":
            j -= 1
        return j >= 0 and ord(text[j]) in PICTOGRAPHIC_15
    if before == after == "Regional_Indicator":  # GB12, GB13: an odd number of them before i
        run = 0
        while run < i and values[i - 1 - run] == "Regional_Indicator":
            run += 1
        return run % 2 == 1
    return False  # GB999


def grapheme_count(text: str) -> int:
    """Clusters cut wherever Unicode 15.0 (Ruby 3.2 to 3.4) or 17.0 (Ruby 4.0) cuts."""
    unicode_17 = {match.start() for match in regex.finditer(r"\X", text)}
    return len(unicode_15_cluster_starts(text) | unicode_17)


if __name__ == "__main__":
    json.dump([status_length(text) for text in json.load(sys.stdin)], sys.stdout)
