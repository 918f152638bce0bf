"""Counting by each network's rules, and excerpts that never cut a word, URL, tag or grapheme."""

from __future__ import annotations

import random
from typing import ClassVar

import pytest

from cmsite.hookspecs import hookimpl
from cmsite.plugins import PluginError
from cmsite.social import counting, x_count
from cmsite.social.excerpt import ELLIPSIS, fit, plain_text
from cmsite.social.network import Credentials, Media, Network, Published, PublishError, SocialPost

FAMILY = "👩‍👩‍👧‍👦"  # one grapheme, seven code points
TAIL = "https://carnet.example.org/posts/plan/ #planning"


@pytest.mark.parametrize(
    ("text", "x", "mastodon", "graphemes", "code_points"),
    [
        ("hello", 5, 5, 5, 5),
        ("日本語", 6, 3, 3, 3),  # CJK weighs 2 on X
        (FAMILY, 2, 1, 1, 7),  # an emoji sequence is one grapheme, weighs 2 on X
        (
            "e\u0301te\u0301",
            3,
            3,
            3,
            5,
        ),  # combining accents: X normalizes (NFC), graphemes count what is seen
        ("see https://example.org/" + "a" * 80, 27, 27, 104, 104),  # a URL is 23 on X and Mastodon
        ("hi @camille@social.example.org", 30, 11, 30, 30),  # Mastodon counts the local part only
        ("see www.carnet-example.org/a/long/path", 27, 38, 38, 38),  # no http(s)://: Mastodon counts letters
    ],
)
def test_counting_rules(text, x, mastodon, graphemes, code_points):
    assert counting.x_weighted(text) == x
    assert counting.mastodon(text) == mastodon
    assert counting.graphemes(text) == graphemes
    assert counting.code_points(text) == code_points


def mixed_texts(count: int = 2000) -> list[str]:
    """Texts of words, URLs and every kind of white space and joining character, in any order."""
    from test_x_conformance import PIECES, generated_texts

    rng = random.Random(7)
    joiners = ["\r\n", "\r", "\u1100\u1161\u11a8", "\uac00\u11a8", "\U0001f1eb\U0001f1f7\U0001f1ea", "\u0600٣",
               "क\u093f", "\u200d", "\u0301", ELLIPSIS, "\u00ad", "\x1c"]  # fmt: skip
    spaces = [" ", "\n", "\t", "\u00a0", "\u3000", "\u2028", "\u202f", "\x85", "\x1f", "\u200b"]
    pieces = [*joiners, *spaces, *(piece for kind in PIECES.values() for piece in kind)]
    made = ["".join(rng.choice(pieces) for _ in range(rng.randrange(1, 40))) for _ in range(count)]
    return made + generated_texts(500)


def test_the_quick_ways_of_counting_give_the_full_answers():
    """graphemes() skips segmenting and find_urls() searches word by word: never a different answer."""
    for text in mixed_texts():
        assert counting.graphemes(text) == len(counting.clusters(text)), repr(text)
        for bare_domains in (True, False):
            whole_text = [url.url for url in x_count.extract_urls(text, bare_domains)]
            assert counting.find_urls(text, bare_domains=bare_domains) == whole_text, repr(text)


def test_the_plain_ranges_hold_no_character_that_joins_others():
    plain = "".join(chr(c) for low, high in counting.PLAIN_RANGES for c in range(low, high + 1))
    assert counting._JOINING.search(plain) is None
    assert counting._PLAIN.fullmatch(plain)
    assert not counting._PLAIN.fullmatch("e\u0301") and not counting._PLAIN.fullmatch("a\u200db")


def test_x_limit_boundaries():
    assert counting.x_weighted("a" * 280) == 280
    assert counting.x_weighted("日" * 140) == 280
    assert counting.x_weighted("日" * 140 + "a") == 281


def test_text_that_fits_is_left_alone():
    result = fit("Short and sweet.", TAIL, counting.graphemes, 300)
    assert result.posts == [f"Short and sweet.\n\n{TAIL}"]
    assert not result.cut and result.fits


@pytest.mark.parametrize("limit", range(60, 140, 7))
@pytest.mark.parametrize("count", [counting.x_weighted, counting.mastodon, counting.graphemes])
def test_a_cut_keeps_words_urls_tags_and_graphemes_whole(limit, count):
    text = f"Plan the week on Monday {FAMILY} with #community and @sam@social.example then read https://example.org/guide before Friday. Then publish."
    result = fit(text, TAIL, count, limit)
    (post,) = result.posts
    assert result.fits and count(post) == result.lengths[0] <= limit
    assert post.endswith(TAIL)
    body = post[: -len(TAIL)].strip()
    if body:
        assert body.endswith(ELLIPSIS)
        kept = body.removesuffix(ELLIPSIS).split()
        assert kept == text.split()[: len(kept)]  # whole words, in order, nothing cut inside


def test_a_cut_prefers_the_end_of_a_sentence():
    text = "First sentence is here. Second sentence goes on and on and on for a while."
    result = fit(text, TAIL, counting.graphemes, 90)
    assert result.posts[0].startswith(f"First sentence is here. {ELLIPSIS}")


def test_a_thread_numbers_posts_and_keeps_each_within_the_limit():
    text = " ".join(f"Sentence number {n} says something useful." for n in range(1, 30))
    result = fit(text, TAIL, counting.x_weighted, 140, thread=True)
    total = len(result.posts)
    assert total > 3
    assert all(length <= 140 for length in result.lengths)
    assert [post.rsplit(" ", 1)[-1] for post in result.posts] == [f"{n}/{total}" for n in range(1, total + 1)]
    assert TAIL in result.posts[0]
    words = " ".join(post.replace(TAIL, "").rsplit(" ", 1)[0] for post in result.posts).split()
    assert words == text.split()


def test_plain_text_from_rendered_markdown():
    html = (
        '<h2 id="a">Plan<a class="headerlink" href="#a">¶</a></h2><p>Hello <strong>there</strong>'
        '<sup id="fnref:1"><a href="#fn:1">1</a></sup>.</p><ul><li>one</li><li>two</li></ul>'
        '<div class="codehilite"><pre><code>x = 1</code></pre></div>'
        '<div class="footnote"><hr><ol><li>note</li></ol></div><p>Q&amp;A</p>'
    )
    assert plain_text(html) == "Plan\n\nHello there.\n\n- one\n\n- two\n\nQ&A"


class _Forum(Network):
    name, label, max_length, counting = "forum", "Team forum", 40, "code_points"
    credentials = ("FORUM_TOKEN",)

    def publish_one(self, session, part):
        return Published("1", "https://forum.example/1")


def test_networks_are_registered_by_plugins_and_names_are_unique(site_folder):
    class One:
        @hookimpl
        def cmsite_networks(self):
            return [_Forum]

    class Two:
        @hookimpl
        def cmsite_networks(self):
            return [_Forum]

    assert site_folder.site(plugins=[One()]).networks == {"forum": _Forum}
    with pytest.raises(PluginError) as caught:
        _ = site_folder.site(plugins=[One(), Two()]).networks
    assert "registers the network 'forum', which plugin" in str(caught.value)
    assert "One" in str(caught.value) and "Two" in str(caught.value)


def test_the_network_base_class_counts_cuts_and_validates():
    excerpt = _Forum.excerpt("A long sentence that will not fit in forty.", "https://x.org/p")
    assert excerpt.fits and excerpt.cut
    post = SocialPost(texts=["x" * 41], media=[Media("a.png", "")])
    problems = _Forum.validate(post)
    assert problems[0].startswith("the text is 41 characters as Team forum counts them, over its limit of 40")
    assert problems[1] == "a.png has no alt text; describe the picture with `alt:`"


def test_credentials_never_show_their_values():
    secrets = Credentials(("FORUM_TOKEN", "OTHER"), {"FORUM_TOKEN": "s3cret-value"})
    assert secrets["FORUM_TOKEN"] == "s3cret-value"
    assert secrets.missing == ("OTHER",)
    assert "s3cret" not in repr(secrets) and "s3cret" not in str(secrets)


class _Board(_Forum):
    name = "board"
    credentials = ("BOARD_TOKEN", "BOARD_APP_KEY")
    shared_credentials = ("BOARD_APP_KEY",)
    required_settings: ClassVar[dict[str, str]] = {"url": '"https://x"'}


def test_a_missing_setting_says_where_to_set_it():
    board = _Board("team", {}, Credentials(("BOARD_TEAM_TOKEN",), {}))
    wanted = [
        "BOARD_TEAM_TOKEN is not set; put it in the environment or the site's .env",  # the account's own
        "BOARD_APP_KEY is not set; put it in the environment or the site's .env",  # shared by every account
        "no url for Team forum account 'team'; set url = \"https://x\" under [networks.board.accounts.team]",
    ]
    assert board.missing_settings() == wanted  # all at once, asking nothing of the network
    with pytest.raises(PublishError, match="BOARD_TEAM_TOKEN is not set") as caught:
        board.publish(SocialPost(["Hello"]), "key-1")
    assert str(caught.value) == "; ".join(wanted) and not caught.value.retry
    ready = _Board(
        "default",
        {"url": "u"},
        Credentials(("BOARD_TOKEN", "BOARD_APP_KEY"), {"BOARD_TOKEN": "t", "BOARD_APP_KEY": "k"}),
    )
    assert ready.missing_settings() == [] and ready.required_option("url") == "u"
    assert ready.account_secret("BOARD_TOKEN") == "t"


def test_utf16_counts_code_units_the_most_a_character_may_mean():
    utf16 = counting.counter("utf16")
    assert [utf16(t) for t in ("a", "é", "e\u0301", "👍", "👩🏽‍💻", "Noël 👍")] == [1, 1, 2, 2, 7, 7]
