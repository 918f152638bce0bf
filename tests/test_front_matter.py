"""Front matter: YAML and TOML, every field, dates as blogs write them, slugs and summaries."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from markupsafe import Markup

from cmsite.content.item import word_count
from cmsite.content.loader import load_item
from cmsite.content.markdown import first_paragraph

PARIS = ZoneInfo("Europe/Paris")


def load(site_folder, name, text, kind="post"):
    path = site_folder.write(f"content/{kind}s/{name}", text)
    return load_item(path, kind, site_folder.site())


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("2026-11-22", datetime(2026, 11, 22, 0, 0, tzinfo=PARIS)),
        ("'2026-11-22'", datetime(2026, 11, 22, 0, 0, tzinfo=PARIS)),
        ("2026-11-22 09:30", datetime(2026, 11, 22, 9, 30, tzinfo=PARIS)),
        ('"2026-11-22 09:30"', datetime(2026, 11, 22, 9, 30, tzinfo=PARIS)),
        ("2013-02-24 12:00:00 +0000", datetime(2013, 2, 24, 12, 0, tzinfo=UTC)),
        ("'2013-03-21T16:09:59.000Z'", datetime(2013, 3, 21, 16, 9, 59, tzinfo=UTC)),
        ("2013-03-21T16:09:59.000Z", datetime(2013, 3, 21, 16, 9, 59, tzinfo=UTC)),
        ("2026-06-12T08:15:00+02:00", datetime(2026, 6, 12, 6, 15, tzinfo=UTC)),
    ],
)
def test_yaml_dates_quoted_or_not(site_folder, written, expected):
    item = load(site_folder, "a.md", f"---\ntitle: A\ndate: {written}\n---\nText.\n")
    assert item.date == expected
    assert item.date.tzinfo is not None


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("2026-11-22", datetime(2026, 11, 22, tzinfo=PARIS)),
        ("2026-11-22T09:30:00", datetime(2026, 11, 22, 9, 30, tzinfo=PARIS)),
        ("2026-11-22T09:30:00Z", datetime(2026, 11, 22, 9, 30, tzinfo=UTC)),
        ('"2013-02-24 12:00:00 +0000"', datetime(2013, 2, 24, 12, tzinfo=UTC)),
    ],
)
def test_toml_dates_native_or_text(site_folder, written, expected):
    item = load(site_folder, "a.md", f'+++\ntitle = "A"\ndate = {written}\n+++\nText.\n')
    assert item.date == expected


def test_naive_times_follow_daylight_saving_in_the_site_zone(site_folder):
    winter = load(site_folder, "w.md", "---\ntitle: W\ndate: 2026-01-15 09:00\n---\n")
    summer = load(site_folder, "s.md", "---\ntitle: S\ndate: 2026-07-15 09:00\n---\n")
    change_day = load(site_folder, "c.md", "---\ntitle: C\ndate: 2026-03-29 09:00\n---\n")
    assert winter.date.astimezone(UTC).hour == 8
    assert summer.date.astimezone(UTC).hour == 7
    assert change_day.date.astimezone(UTC).hour == 7  # clocks went forward at 02:00 that morning


def test_date_and_slug_come_from_the_file_name(site_folder):
    item = load(site_folder, "2026-04-03-plan-the-week.md", "---\ntitle: Plan\n---\nText.\n")
    assert item.date == datetime(2026, 4, 3, tzinfo=PARIS)
    assert item.slug == "plan-the-week"
    assert item.url == "/posts/plan-the-week/"


def test_front_matter_date_wins_over_the_file_name(site_folder):
    item = load(site_folder, "2026-04-03-x.md", "---\ntitle: X\ndate: 2026-05-01\n---\n")
    assert item.date.date().isoformat() == "2026-05-01"


def test_slug_transliterates_accents(site_folder):
    item = load(site_folder, "Modération à l'été.md", "---\ntitle: M\ndate: 2026-01-01\n---\n")
    assert item.slug == "moderation-a-l-ete"


def test_every_field_and_extra_keys(site_folder):
    item = load(
        site_folder,
        "full.md",
        """\
        ---
        title: "Moderation: a field guide"
        date: 2026-05-04
        updated: 2026-05-06 10:00
        slug: field-guide
        tags: [moderation, Community Care]
        category: Community
        authors: [Camille Martin, Sam Okafor]
        summary: A *short* summary.
        lang: fr
        image: /images/cover.png
        image_alt: A cover
        series: Getting started
        ---
        Body.
        """,
    )
    assert item.title == "Moderation: a field guide"
    assert item.updated == datetime(2026, 5, 6, 10, tzinfo=PARIS)
    assert item.slug == "field-guide"
    assert [(t.name, t.slug, t.url) for t in item.tags] == [
        ("moderation", "moderation", "/tags/moderation/"),
        ("Community Care", "community-care", "/tags/community-care/"),
    ]
    assert item.category.url == "/categories/community/"
    assert item.authors == ["Camille Martin", "Sam Okafor"]
    assert item.summary == "<p>A <em>short</em> summary.</p>"
    assert item.summary_text == "A short summary."
    assert item.lang == "fr"
    assert item.image == "https://blog.cmsite.info/images/cover.png"
    assert item.image_alt == "A cover"
    assert item.meta == {"series": "Getting started"}


def test_tags_as_comma_separated_text(site_folder):
    item = load(site_folder, "t.md", "---\ntitle: T\ndate: 2026-01-01\ntags: a, b , c\n---\n")
    assert [t.name for t in item.tags] == ["a", "b", "c"]


def test_summary_before_the_more_marker(site_folder):
    item = load(
        site_folder,
        "m.md",
        "---\ntitle: M\ndate: 2026-01-01\n---\nIntro **bold**.\n\nSecond.\n\n<!--more-->\n\nRest.\n",
    )
    assert item.summary == "<p>Intro <strong>bold</strong>.</p>\n<p>Second.</p>"
    assert "Rest." in item.content


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        (
            "<pre><code>x</code></pre>\n<p>After <em>code</em>.</p>\n<p>Two.</p>",
            "<p>After <em>code</em>.</p>",
        ),
        ('<p class="note">Styled.</p><p>Plain.</p>', "<p>Plain.</p>"),
        ("<h2>A heading alone</h2>", ""),
        ("<p>Never closed", ""),
    ],
)
def test_the_first_paragraph_is_the_first_plain_p_to_its_end(html, expected):
    assert first_paragraph(html) == expected


def test_summary_defaults_to_the_first_paragraph(site_folder):
    item = load(
        site_folder, "p.md", "---\ntitle: P\ndate: 2026-01-01\n---\n## Heading\n\nFirst one.\n\nSecond one.\n"
    )
    assert item.summary == "<p>First one.</p>"


def test_toc_and_heading_anchors(site_folder):
    item = load(
        site_folder, "h.md", "---\ntitle: H\ndate: 2026-01-01\n---\n## Plan ahead\n\n### Étape une\n\nText.\n"
    )
    assert 'id="plan-ahead"' in item.content
    assert 'class="headerlink" href="#plan-ahead"' in item.content
    assert 'href="#etape-une"' in item.toc


def test_markdown_features(site_folder):
    body = "```python\nprint('hi')\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\nNote[^1].\n\n[^1]: The note.\n"
    item = load(site_folder, "f.md", f"---\ntitle: F\ndate: 2026-01-01\n---\n{body}")
    assert '<div class="codehilite">' in item.content
    assert '<span class="nb">print</span>' in item.content
    assert "<table>" in item.content
    assert 'class="footnote"' in item.content


def test_bom_and_windows_line_endings(site_folder):
    path = site_folder.root / "content/posts/w.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes("\ufeff---\r\ntitle: Windows\r\ndate: 2026-01-01\r\n---\r\nText.\r\n".encode())
    item = load_item(path, "post", site_folder.site())
    assert item.title == "Windows"


def test_pages_need_no_date(site_folder):
    item = load(site_folder, "about.md", "---\ntitle: About\n---\nMe.\n", kind="page")
    assert item.date is None
    assert item.url == "/about/"


def test_key_lines_are_kept_compactly_and_survive_the_item_cache(site_folder):
    import pickle

    text = "---\ntitle: A\ndate: 2026-11-22\ntags: [one, two]\nsocial:\n  - mastodon\n  - network: bluesky\n---\nBody.\n"
    first = load(site_folder, "a.md", text)
    second = load(site_folder, "b.md", text)
    assert first.line_of("title") == 2 and first.line_of("tags") == 4
    assert first.lines.get("social[1]") == 7 and first.lines.get("nowhere") is None
    assert first.line_of("nowhere") == 1
    assert first.lines.keys is second.lines.keys  # posts written alike share their keys
    cached = pickle.loads(pickle.dumps(first))
    assert cached.lines == first.lines and cached.lines.keys is first.lines.keys


def test_reading_time_is_counted_again_when_a_plugin_rewrites_the_body(site_folder):
    item = load(site_folder, "a.md", "---\ntitle: A\ndate: 2026-11-22\n---\n" + "word " * 300)
    assert item.reading_minutes == 2  # 300 words at 220 a minute
    item.content += "<p>" + "more " * 500 + "</p>"
    assert item.reading_minutes == 4


@pytest.mark.parametrize(
    "html",
    [
        "<p>One <em>two</em>\nthree</p>",
        "a <!-- a <b>comment</b> --> b",
        "a <!--> b --> c <i>d</i>",
        "a <!-- left open <b>x</b> y",  # striptags stops at it: three words
        "a <b c d",  # a tag left open: the rest stays
        "<<b>> x &amp; y&nbsp;z &#32;w",
        "<p>x &lt;b&gt; &amp;amp; y&#x2003;z &notanentity; &</p>\n<p>w</p>",
        "<p>Plain words,\n\tno entity.</p>",
    ],
)
def test_words_are_counted_as_striptags_reads_the_page(html):
    assert word_count(html) == len(Markup(html).striptags().split())
