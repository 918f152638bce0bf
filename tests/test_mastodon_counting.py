"""Mastodon's length checked against its validator's rules, text by text; graphemes and Threads.

Mastodon has no library in another language, so tests/tools/mastodon_length_oracle.py ports
its Ruby source line by line (StatusLengthValidator, its twitter_regex initializer over
twitter-text 3.1.0, its Extractor, libidn's toASCII, Ruby's grapheme clusters), apart from
cmsite's implementation. This test runs the oracle, as its own process, and cmsite over a few
thousand generated texts, new ones each run: the seed is printed on failure, and
CMSITE_SEED=N runs the same texts again. Every text must get the same length.
"""

from __future__ import annotations

import importlib.util
import json
import os
import random
import subprocess
import sys
import unicodedata
from pathlib import Path
from types import ModuleType

import pytest
import regex

from cmsite.social import counting
from cmsite.testing import assert_agrees, load_script, missing_tool

ORACLE = Path(__file__).parent / "tools/mastodon_length_oracle.py"
CASES = 3000
SEED = int(os.environ.get("CMSITE_SEED") or random.randrange(2**32))
LIMIT = 500

# What the texts are made of: the cases of issue 14 and what is near them.
PIECES = {
    "words": ["hello", "Noël", "a", "café", "e\u0301t\u00e9", "C++", "x_y", "2026", "v1.2", "don't", "«oui»"],
    "urls": [
        "https://example.com",
        "https://example.com/",
        "http://example.org/path?q=1&b=2#frag",
        "https://例え.jp/パス",
        "https://example.com/パス?q=値",
        "https://example.com/é/ü",
        "https://example.com/x…",
        "https://example.com/x»",
        "https://example.com/x'",
        'https://example.com/x"',
        "https://example.com/x'\"»…",
        "«https://example.com/x»",
        "https://example.com/a_(b)",
        "https://en.wikipedia.org/wiki/Foo_(bar_(baz))",
        "https://example.org/a_(b—c)",
        "https://example.org/a_(日本)",
        "(https://example.com/a)",
        "https://example.com/a).",
        "https://example.com/.",
        "https://example.com/a,b;c",
        "https://example.com/a<b>",
        "https://example.com/a\u180eb",
        "https://example.com/p\u0301",
        "https://example.com/x?y=1&",
        "https://example.com/?q=日本&r=値",
        "https://example.com:8080/x",
        "https://carnet.example.org/posts/" + "long-slug-" * 30,
        "https://example.com/" + "x" * 4080,  # over 4,096 characters: no URL
        "https://" + "long-slug-" * 3,
        "https://t.co/AbCdEf1234",
        "https://t.co/" + "a" * 41,
        "https://t.co/abc_def",
        "HTTPS://EXAMPLE.COM/A",
        "Https://Example.Com",
        "gemini://example.org/x",
        "ipfs://bafy.example.com",
        "ftp://example.com/file",
        "example.com",
        "www.example.co.uk/a/b",
        "https://🍕.ws",
        "https://xn--r8jz45g.jp/a",
        "https://עבריתexample.com",
        'https://a"b.com',
        "https://a`b.com",
        "https://a\\b.com",
        "https://ex\x01ample.com",
        "https://" + "a" * 64 + ".com",
        "https://例" * 2 + ".jp",
        "https://example.com/https://example.org",
        "example.com/https://example.org",
        "https://example.com#frag",
        "https://localhost:8000",
        "https://",
    ],
    "mentions": [
        "@camille@social.example.org",
        "@camille",
        "@user@x.org.",
        "@noël@x.org",
        "@user@x.org@y",
        "@user@x.orgé",
        "mail@x.org",
        "@a@" + "b" * 260 + ".org",
        "@user.name@host-name.example",
        "@user@日本.jp",
        "＠user@x.org",
        "@user@x.org://",
        "=@user@x.org",
        "/@user@x.org",
        "@_@x.org",
        "@user@x.org…",
        "@User-Name@X.ORG",
        "https://x.org/@user@y.org",
    ],
    "emoji": [
        "😀",
        "👍🏽",
        "❤️",
        "🇫🇷",
        "🏳️‍🌈",
        "👩‍👩‍👧‍👦",
        "👩🏽‍💻",
        "1️⃣",
        "©",
        "™",
        "©\ufe0f",
        "★",
        "★\u200d★",
    ],
    "cjk": ["日本語", "中文", "한국어", "カタカナ", "ｶﾀｶﾅ", "漢", "𠀋", "\u1100\u1161\u11a8"],
    "marks": ["\u0301", "\u0308", "\u200d", "\ufe0f", "\u200b", "\u00ad", "\u20e3", "\u093f"],
    # what Unicode 15.0 (Ruby 3.4) and 17.0 (Ruby 4.0) cut differently
    "versions": [
        "हिन्दी",
        "क्ष",
        "ক্ষ",
        "ក្ម",
        "မြန်မာ",
        "\u0897",
        "😀\u0cc0\u200d😀",
        "\U0001171e",
        "\U00011a3a",
        "\U000113d1a",
    ],
    "other": ["Ελληνικά", "русский", "עברית", "العربية", "ไทย", "€", "½", "…", "—", "#tag", "$CASH"],
}
WEIGHTS = {
    "words": 30,
    "urls": 12,
    "mentions": 8,
    "emoji": 6,
    "cjk": 5,
    "marks": 4,
    "versions": 3,
    "other": 4,
}
GLUE = [" "] * 12 + [""] * 5 + ["\n", "\t", "\u3000", "\u00a0", "\u2028", "\u180e", "\x85", "\r\n", "  "]


def generated_texts(seed: int, count: int = CASES) -> list[str]:
    """Texts of every mix and length, many near 500, some with white space around, in NFD, or cut anywhere."""
    rng = random.Random(seed)
    kinds, weights = zip(*WEIGHTS.items(), strict=True)
    texts = []
    for index in range(count):
        target = rng.choice([5, 40, 140, 300, 490, 499, 500, 501, 510])
        pieces: list[str] = []
        while sum(map(len, pieces)) < target * 0.8 and len(pieces) < 200:
            pieces.append(rng.choice(PIECES[rng.choices(kinds, weights)[0]]) + rng.choice(GLUE))
        text = "".join(pieces)
        missing = target - counting.mastodon(text)
        if missing > 1 and index % 3:
            text += " " + "a" * (missing - 1)  # made to count exactly the target
        if index % 5 == 0:
            text = unicodedata.normalize("NFD", text)
        elif index % 7 == 0:
            text = text[: rng.randrange(len(text) + 1)]  # cut anywhere, even inside a URL or a pair
        elif index % 11 == 0:
            text = rng.choice([" ", "\n", "\u3000"]) + text + rng.choice([" \n", "\t", "\u00a0"])
        texts.append(text)
    return texts


def oracle_module() -> ModuleType:
    """The oracle, imported: for its Unicode 15.0 data and rules."""
    if importlib.util.find_spec("pyuegc") is None:
        missing_tool("pyuegc 15.0.0 (the Unicode 15.0 data of the Mastodon oracle)")
    return load_script(ORACLE)


def oracle_lengths(texts: list[str]) -> list[int]:
    oracle_module()  # the same check for what it needs
    result = subprocess.run(
        [sys.executable, str(ORACLE)],
        input=json.dumps(texts),
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def texts_and_lengths() -> tuple[list[str], list[int]]:
    texts = generated_texts(SEED)
    return texts, oracle_lengths(texts)


def test_lengths_match_the_rules_of_mastodons_validator(texts_and_lengths):
    texts, lengths = texts_and_lengths
    assert_agrees(texts, lengths, counting.mastodon, SEED)


def test_the_generated_texts_cover_what_matters(texts_and_lengths):
    """The comparison means something only if the texts reach both sides of 500 and each kind."""
    texts, lengths = texts_and_lengths
    assert {LIMIT - 1, LIMIT, LIMIT + 1} <= set(lengths), f"seed {SEED}"
    for kind in ("urls", "mentions", "versions", "emoji"):
        assert sum(any(piece in text for piece in PIECES[kind]) for text in texts) > CASES // 10, (
            f"{kind}, seed {SEED}"
        )
    for case in ("https://例え.jp/パス", "https://example.com/x»", "@camille@social.example.org", "हिन्दी"):
        assert sum(case in text for text in texts) > CASES // 300, f"seed {SEED}: {case!r} too rare"
    assert sum(not unicodedata.is_normalized("NFC", text) for text in texts) > CASES // 10


@pytest.mark.parametrize(
    ("text", "length"),
    [
        ("https://例え.jp/パス", 23),  # a non-ASCII path is part of the URL
        ("see https://example.com/パス?q=値 now", 31),
        ("https://example.com/x»", 23),  # » and … end a URL
        ("https://example.com/x…", 23),
        ("(https://example.com/x'\"»…)", 25),  # ' and " go inside a URL, never at its end
        ("gemini://example.org/x", 23),  # Mastodon links these protocols too
        ("https://🍕.ws", 12),  # libidn refuses a domain with a code point Unicode 3.2 lacked: no URL
        ("@noël@x.org", 11),  # the name stops at ë: not a mention, counted as written
        ("  spaces around\n", 13),  # Status#prepare_contents strips the text
        ("\u3000", 0),  # a blank text counts 0
    ],
)
def test_where_cmsite_counted_otherwise_than_mastodon(text, length):
    """The rules of Mastodon 4.x's validator, worked out by hand from its source."""
    assert counting.mastodon(text) == length


@pytest.mark.parametrize(
    ("text", "length"),
    [
        ("हिन्दी", 3),  # Unicode 15.0 (Ruby 3.4, Node 20.11's ICU) has no conjunct rule: हि न् दी
        ("क्ष", 2),
        ("ក្ម", 2),  # Khmer's conjunct: joined only from Unicode 17.0
        ("★\u200d★", 2),  # ★ is no pictograph in Unicode 17.0: cut there
        ("\U000113d1a", 2),  # a prefix of Unicode 16.0, unassigned in 15.0
    ],
)
def test_graphemes_are_cut_wherever_a_servers_unicode_version_cuts(text, length):
    assert counting.graphemes(text) == length
    assert counting.mastodon(text) == length
    assert len(counting.clusters(text)) == length


@pytest.mark.parametrize(
    ("text", "length"),
    [
        ("\u00a9", 2),  # ©: an emoji written as text still counts its UTF-8 bytes
        ("\u00ae", 2),  # ®
        ("\u2122", 3),  # ™
        ("\u00a9\ufe0f", 5),  # ©️: © and U+FE0F
        ("\u2605", 1),  # ★ is no emoji
        ("Caf\u00e9 \u00a9", 7),
        ("👍", 4),
        ("👩🏽‍💻", 15),
        ("हिन्दी 👍", 8),  # three clusters, a space and four bytes
    ],
)
def test_threads_counts_an_emoji_by_its_bytes_with_or_without_its_selector(text, length):
    assert counting.threads(text) == length


def test_the_unicode_15_classes_are_those_of_ucd_15():
    """Every code point, every Grapheme_Cluster_Break value: cmsite's Unicode 15.0 classes
    (regex's own, changed where they differ) against the UCD 15.0.0 data of the oracle."""
    oracle = oracle_module()
    everything = "".join(chr(cp) for cp in range(0x110000) if not 0xD800 <= cp <= 0xDFFF)
    names = [
        "Control",
        "Extend",
        "Regional_Indicator",
        "Prepend",
        "SpacingMark",
        "L",
        "V",
        "T",
        "LV",
        "LVT",
        "ZWJ",
    ]
    for name in names:
        ours = {ord(c) for c in regex.findall(f"(?V1){counting._unicode_15(name)}", everything)}
        expected = {cp for cp, value in oracle.GCB_15.items() if value == name}
        assert ours == expected, f"{name}: {sorted(map(hex, ours ^ expected))[:20]}"
    joining = {cp for cp, value in oracle.GCB_15.items() if value not in {"Control", "CR", "LF"}}
    assert all(counting._JOINING.match(chr(cp)) for cp in joining), "a joining character of Unicode 15.0"


def test_the_oracle_cuts_as_unicode_15_0_does():
    """The oracle's rules, on the conformance file of Unicode 15.0.0 (shipped with pyuegc)."""
    oracle = oracle_module()
    import pyuegc

    conformance = Path(pyuegc.__file__).parent / "test/data/GraphemeBreakTest.txt"
    lines = conformance.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "# GraphemeBreakTest-15.0.0.txt"
    cases = [line.split("#")[0].split() for line in lines if line.startswith("÷")]
    for case in cases:
        text = "".join(chr(int(item, 16)) for item in case[1::2])
        expected = {n for n, mark in enumerate(case[0:-1:2]) if mark == "÷"}
        assert oracle.unicode_15_cluster_starts(text) == expected, case
    assert len(cases) > 600


def test_the_quick_ways_of_counting_give_the_full_answers():
    """graphemes() skips segmenting the texts without a joining character: never a different answer."""
    texts = generated_texts(SEED, 500)
    for text in texts:
        assert counting.graphemes(text) == len(counting.clusters(text)), f"seed {SEED}: {text!r}"
