"""X's counting checked against the official twitter-text, string by string.

The twitter-text conformance files (validate.yml) ship with no registry package, so this
test runs the official JavaScript implementation (npm's twitter-text, installed in .tools/
by tests/run.py) over a few thousand generated texts and requires our weighted length
and validity to be the same for every one of them.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from conftest import REPO, missing_tool

from cmsite.social import counting

NODE_MODULES = Path(os.environ.get("CMSITE_TOOLS", REPO / ".tools")) / "node_modules"
ORACLE = Path(__file__).parent / "tools/twitter_text_oracle.js"
CASES = 3000
SEED = 20261122

# Pieces the generated texts are made of: what weighs other than 1 in twitter-text v3.
PIECES = {
    "latin": [
        "hello",
        "world",
        "a",
        "Z",
        " ",
        "  ",
        "\n",
        ".",
        ",",
        "!",
        "?",
        "-",
        "'",
        "#tag",
        "@name",
        "$CASH",
    ],
    "accents": ["é", "e\u0301", "ñ", "n\u0303", "Å", "A\u030a", "ç", "ö", "ő", "ǅ", "ﬁ"],
    "cjk": ["日本語", "中文", "한국어", "カタカナ", "ｶﾀｶﾅ", "漢", "ー", "。", "、", "「", "」", "𠀋", "𪚥"],
    "emoji": [
        "😀",
        "👍",
        "👍🏽",
        "❤️",
        "❤",
        "☺",
        "✌🏿",
        "🇫🇷",
        "🇯🇵",
        "🏳️‍🌈",
        "👩‍👩‍👧‍👦",
        "👩🏽‍💻",
        "🧑‍🚀",
        "#️⃣",
        "1️⃣",
        "©",
        "®",
        "™",
        "🫠",
        "🏴‍☠️",
        "🏴󠁧󠁢󠁳󠁣󠁴󠁿",
    ],
    "marks": ["\u0301", "\u0308", "\u200d", "\ufe0f", "\u200b", "\u00ad", "\u0653"],
    "other": ["Ελληνικά", "русский", "עברית", "العربية", "हिन्दी", "ไทย", "€", "£", "…", "—", "–", "·", "½"],
    "urls": [
        "https://example.com",
        "http://example.org/path?q=1&b=2#frag",
        "example.com",
        "www.example.co.uk/a/b",
        "https://t.co/AbCdEf1234",
        "t.co/xyz",
        "https://carnet.example.org/posts/" + "long-slug-" * 30,
        "https://日本語.jp/パス",
        "http://bit.ly/x",
        "ftp://example.com/file",
        "https://example.com/" + "x" * 200,
        "example.museum",
        "https://例え.テスト",
        "foo.bar",
        "http://localhost:8000",
        "https://a.b.c.d.example.net:8443/p",
    ],
    "invalid": ["\ufffe", "\ufeff", "\uffff", "\u202e"],
}
WEIGHTS = {"latin": 30, "accents": 8, "cjk": 10, "emoji": 10, "marks": 4, "other": 6, "urls": 6, "invalid": 1}


def generated_texts(count: int = CASES, seed: int = SEED) -> list[str]:
    """Texts of every mix and length, many of them just under, at or just over 280, in NFC and NFD."""
    rng = random.Random(seed)
    kinds, weights = zip(*WEIGHTS.items(), strict=True)
    texts = [""]
    for index in range(count):
        target = rng.choice([5, 40, 140, 270, 278, 279, 280, 281, 282, 300, 600])
        pieces: list[str] = []
        while sum(map(len, pieces)) < target * 0.8:
            kind = rng.choices(kinds, weights)[0]
            piece = rng.choice(PIECES[kind])
            pieces.append(" " + piece if kind == "urls" else piece)
        text = "".join(pieces)
        missing = target - counting.x_weighted(text)
        if missing > 1 and index % 3:
            text += " " + "a" * (missing - 1)  # made to weigh exactly the target
        if index % 5 == 0:
            text = unicodedata.normalize("NFD", text)
        elif index % 7 == 0:
            text = text[: rng.randrange(len(text) + 1)]  # cut anywhere, even inside a URL or a pair
        texts.append(text)
    return texts


def official(texts: list[str]) -> list[tuple[int, bool]]:
    """twitter-text's own answers, from Node."""
    node = shutil.which("node")
    if not node or not (NODE_MODULES / "twitter-text").is_dir() or not ORACLE.is_file():
        missing_tool("Node and npm's twitter-text (the official implementation)")
    result = subprocess.run(
        [node, str(ORACLE), str(NODE_MODULES)],
        input=json.dumps(texts),
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return [(length, valid) for length, valid in json.loads(result.stdout)]


@pytest.fixture(scope="module")
def texts_and_answers() -> tuple[list[str], list[tuple[int, bool]]]:
    texts = generated_texts()
    return texts, official(texts)


def test_weighted_length_and_validity_match_the_official_twitter_text(texts_and_answers):
    texts, answers = texts_and_answers
    ours = [(counting.x_weighted(text), counting.x_valid(text)) for text in texts]
    mismatches = [
        (text, expected, got)
        for text, expected, got in zip(texts, answers, ours, strict=True)
        if got != expected
    ]
    shown = "\n".join(f"{t!r}: official {e}, ours {o}" for t, e, o in mismatches[:10])
    assert not mismatches, f"{len(mismatches)} of {len(texts)} texts counted differently:\n{shown}"


def test_the_generated_texts_cover_what_matters(texts_and_answers):
    """The comparison means something only if the texts reach both sides of the limit and each kind."""
    texts, answers = texts_and_answers
    lengths = {length for length, _ in answers}
    assert {279, 280, 281} <= lengths
    assert any(valid for _, valid in answers) and any(not valid for _, valid in answers)
    for kind in ("emoji", "cjk", "urls"):
        assert sum(any(piece in text for piece in PIECES[kind]) for text in texts) > CASES // 4, kind
    assert sum(unicodedata.is_normalized("NFC", t) is False for t in texts) > CASES // 10


@pytest.mark.parametrize(
    ("text", "official_length"),
    [
        ("\u00ae", 1),  # ® without U+FE0F is text
        ("\u00a9\ufe0f", 2),  # ©️ is an emoji
        ("\u231a\ufe0f", 2),  # ⌚️: one emoji, not two characters
        ("\U0001f600\ufe0f", 4),  # 😀 then a lone U+FE0F
        ("\u05e2\u05d1\u05e8\u05d9\u05eaexample.com", 28),  # a URL right after Hebrew letters
    ],
)
def test_where_the_python_port_differed_from_the_official_twitter_text(text, official_length):
    """Answers of the official twitter-text 3.1.0 where twitter-text-parser alone counts otherwise."""
    assert counting.x_weighted(text) == official_length


# Prints, for each module of twitter-text-parser, what each of its names holds, after counting
# the texts given (if any) the way cmsite does. A module is told by its name and by whether the
# import system found it: the fake `pkg_resources` counting once put in sys.modules had no spec.
_TWITTER_TEXT_STATE = """
import hashlib, importlib, json, pkgutil, re, sys, types

def describe(value):
    if isinstance(value, types.ModuleType):
        return ["module", value.__name__, value.__spec__ is not None]
    if isinstance(value, (types.FunctionType, type)):
        return ["code", value.__module__, value.__qualname__]
    return ["value", type(value).__name__, hashlib.sha256(repr(value).encode()).hexdigest()]

texts = json.loads(sys.argv[1])
if texts:
    from cmsite.social import counting
    for text in texts:
        counting.x_weighted(text), counting.x_valid(text), counting.find_urls(text), counting.mastodon(text)
import twitter_text
names = ["twitter_text", *(module.name for module in pkgutil.walk_packages(twitter_text.__path__, "twitter_text."))]
print(json.dumps({
    name: {key: describe(value) for key, value in vars(importlib.import_module(name)).items() if not key.startswith("__")}
    for name in names
}))
"""


def twitter_text_state(texts: list[str]) -> dict[str, dict[str, list]]:
    """What twitter-text-parser's modules hold in a new interpreter, after counting `texts`."""
    result = subprocess.run(
        [sys.executable, "-c", _TWITTER_TEXT_STATE, json.dumps(texts)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        env={**os.environ, "PYTHONHASHSEED": "0"},
    )
    return json.loads(result.stdout)


def test_counting_leaves_twitter_text_as_it_was():
    """cmsite reads twitter-text-parser's names and changes none of them: no function or pattern
    of the port is rebound, no module replaced (as a fake `pkg_resources` and the two fixes once were)."""
    texts = [
        "\u05e2\u05d1\u05e8\u05d9\u05eaexample.com",
        "\u231a\ufe0f \u00a9",
        "see https://example.org 日本語 @a@b.social",
    ]
    as_shipped, after_counting = twitter_text_state([]), twitter_text_state(texts)
    changed = [
        f"{module}.{name}: {as_shipped[module].get(name)} became {after_counting[module].get(name)}"
        for module in as_shipped
        for name in as_shipped[module].keys() | after_counting[module].keys()
        if as_shipped[module].get(name) != after_counting[module].get(name)
    ]
    assert not changed, "\n".join(changed)
