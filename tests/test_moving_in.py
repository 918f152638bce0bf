"""Blogs move in from Jekyll, Hugo and Pelican: their dates are read, a clash of URLs that dated
URLs end says so once, and what cmsite does not read is named at its line (docs/migrating.md)."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cmsite.content.dates import parse_date
from cmsite.content.foreign import foreign_tags
from cmsite.errors import ContentErrors
from tests.conftest import REPO

PARIS = ZoneInfo("Europe/Paris")
JEKYLL_POSTS = REPO / "tests/data/jekyll_blog/_posts"
DATED = '\n[urls]\npost = "/{year}/{month:02d}/{day:02d}/{slug}/"\n'


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("2013-11-22 5:00:00 +0000", datetime(2013, 11, 22, 5, tzinfo=UTC)),  # Jekyll reads it
        ("2013-11-22 05:00:00 +0000", datetime(2013, 11, 22, 5, tzinfo=UTC)),
        ("2013-11-22 5:00:00 -0700", datetime(2013, 11, 22, 12, tzinfo=UTC)),
        ("2013-11-22 05:00:00 +01:00", datetime(2013, 11, 22, 4, tzinfo=UTC)),
        ("2013-11-22T05:00:00Z", datetime(2013, 11, 22, 5, tzinfo=UTC)),
        ("2013-11-22T5:00Z", datetime(2013, 11, 22, 5, tzinfo=UTC)),
        ("2013-11-22 05:00:00 UTC", datetime(2013, 11, 22, 5, tzinfo=UTC)),
        ("2013-11-22 05:00:00 GMT", datetime(2013, 11, 22, 5, tzinfo=UTC)),
        ("2013-11-22 05:00:00.000000000 -05:00", datetime(2013, 11, 22, 10, tzinfo=UTC)),  # nanoseconds
        ("2019-03-01T10:00:00-07:00", datetime(2019, 3, 1, 17, tzinfo=UTC)),  # Hugo's archetype
        ("2013-11-22 9:30", datetime(2013, 11, 22, 9, 30, tzinfo=PARIS)),  # Pelican, no zone: the site's
        ("2013-11-22  09:30", datetime(2013, 11, 22, 9, 30, tzinfo=PARIS)),
        ("2013-11-22T09:30:15", datetime(2013, 11, 22, 9, 30, 15, tzinfo=PARIS)),
        ("2013-11-22", datetime(2013, 11, 22, tzinfo=PARIS)),
        ("2013-1-5", datetime(2013, 1, 5, tzinfo=PARIS)),
        (date(2013, 11, 22), datetime(2013, 11, 22, tzinfo=PARIS)),  # TOML's and YAML's own values
        (datetime(2013, 11, 22, 5), datetime(2013, 11, 22, 5, tzinfo=PARIS)),
        (datetime(2013, 11, 22, 5, tzinfo=UTC), datetime(2013, 11, 22, 5, tzinfo=UTC)),
    ],
)
def test_every_date_form_blogs_hold(written, expected):
    assert parse_date(written, PARIS) == expected


ZONES = st.sampled_from(["", "Z", " UTC", "+0000", " +00:00", "+05:30", " -0700"])


@given(
    st.datetimes(min_value=datetime(1001, 1, 2), max_value=datetime(9998, 12, 30)).map(
        lambda moment: moment.replace(microsecond=0)
    ),
    st.sampled_from(["T", " ", "  "]),
    st.booleans(),
    st.booleans(),
    ZONES,
)
def test_a_date_written_any_common_way_reads_back(moment, between, padded, seconds, zone):
    """However a generator writes a moment (hour padded or not, seconds or not, any zone form),
    it reads back as that moment."""
    hour = f"{moment.hour:02d}" if padded else str(moment.hour)
    written = f"{moment:%Y-%m-%d}{between}{hour}:{moment:%M}" + (f":{moment:%S}" if seconds else "") + zone
    offset = _offset(zone.strip())
    expected = moment if seconds else moment.replace(second=0)
    assert parse_date(written, PARIS) == expected.replace(tzinfo=offset or PARIS)


def _offset(zone: str) -> timezone | None:
    if not zone:
        return None
    if zone in ("Z", "UTC"):
        return UTC
    digits = zone.replace(":", "")
    minutes = int(digits[1:3]) * 60 + int(digits[3:5])
    return timezone(timedelta(minutes=minutes if digits[0] == "+" else -minutes))


@pytest.mark.parametrize(
    ("written", "says"),
    [
        ("2013-11-22 05:00:00 EST", "the zone name 'EST' is not read"),  # CST, IST… name several zones
        ("2013-02-30", "day is out of range for month"),
        ("2013-11-22 25:00", "hour must be in 0..23"),
        ("22/11/2013", "write it like 2026-11-22"),  # day or month first: no one can tell
        ("next friday", "write it like 2026-11-22"),  # no guessing, unlike dateutil.parser.parse
    ],
)
def test_a_bad_date_is_an_error_at_its_line_that_says_what_to_write(site_folder, written, says):
    site_folder.post("a.md", f"title: A\ndate: {written}")
    with pytest.raises(ContentErrors) as caught:
        site_folder.build()
    (error,) = caught.value.errors
    assert str(error).startswith("content/posts/a.md:3: date: cannot read")
    assert says in error.message
    assert "write" in error.message


def _clash(site_folder, name: str, day: str, slug: str) -> None:
    site_folder.post(f"{day}-{name}.md", f"title: {name}\nslug: {slug}")


def test_seven_clashes_of_dated_posts_get_one_suggestion_naming_seven(site_folder):
    for number in range(7):
        _clash(site_folder, f"first-{number}", f"2013-0{number + 1}-01", f"notes-{number}")
        _clash(site_folder, f"again-{number}", f"2014-0{number + 1}-15", f"notes-{number}")
    with pytest.raises(ContentErrors) as caught:
        site_folder.build()
    errors = caught.value.errors
    suggestions = [error for error in errors if "{year}/{month:02d}/{day:02d}" in error.message]
    assert len(suggestions) == 1
    assert str(suggestions[0]).startswith(
        "cmsite.toml: 7 clashes of URLs are between posts of different days"
    )
    assert 'post = "/{year}/{month:02d}/{day:02d}/{slug}/"' in suggestions[0].message
    assert len([error for error in errors if "give one of them another slug" in error.message]) == 7
    assert len(errors) == 8


def test_the_suggested_pattern_ends_the_clashes(site_folder):
    for number in range(7):
        _clash(site_folder, f"first-{number}", f"2013-0{number + 1}-01", f"notes-{number}")
        _clash(site_folder, f"again-{number}", f"2014-0{number + 1}-15", f"notes-{number}")
    with (site_folder.root / "cmsite.toml").open("a") as config:
        config.write(DATED)
    site_folder.build()
    assert (site_folder.output / "2013/01/01/notes-0/index.html").is_file()
    assert (site_folder.output / "2014/01/15/notes-0/index.html").is_file()


def test_a_clash_that_dated_urls_would_not_end_gets_no_suggestion(site_folder):
    _clash(site_folder, "one", "2026-05-01", "same")
    _clash(site_folder, "two", "2026-05-01", "same")  # the same day: a dated URL clashes too
    site_folder.post("2026-05-02-three.md", "title: Three\nurl: /posts/mine/")
    site_folder.post("2026-05-03-four.md", "title: Four\nurl: /posts/mine/")  # url: wins over the pattern
    with pytest.raises(ContentErrors) as caught:
        site_folder.build()
    assert len(caught.value.errors) == 2
    assert "{year}" not in str(caught.value)


def _jekyll_site(site_folder, urls: str = "") -> None:
    shutil.copytree(JEKYLL_POSTS, site_folder.root / "content/posts")
    with (site_folder.root / "cmsite.toml").open("a") as config:
        config.write(urls)


def test_a_jekyll_blog_moves_in_and_keeps_its_urls(site_folder):
    _jekyll_site(site_folder, '\n[urls]\npost = "/{year}/{month:02d}/{day:02d}/{slug}.html"\n')
    report = site_folder.build()
    for url in [
        "2013/11/22/tarn-0-4.html",
        "2014/02/03/talks.html",
        "2014/03/01/weekly-notes.html",
        "2014/03/08/weekly-notes.html",
        "2014/06/17/security-fix.html",
        "2015/01/09/year-in-review.html",
        "2015/03/02/roadmap.html",  # `published: false` is Jekyll's, not cmsite's: see the warning below
    ]:
        assert (site_folder.output / url).is_file(), url
    # `2013-11-22 5:00:00 +0000`, shown in the site's zone (Paris)
    assert 'datetime="2013-11-22T06:00:00+01:00"' in site_folder.read("2013/11/22/tarn-0-4.html")
    warnings = [str(warning) for warning in report.warnings]
    assert any(
        line.startswith(
            "content/posts/2013-11-22-tarn-0-4.md:10: warning: '{% highlight ruby %}' is a Liquid tag"
        )
        and "fenced code block" in line
        and "also on line 15" in line
        for line in warnings
    ), warnings
    assert any(
        line.startswith("content/posts/2014-06-17-security-fix.md:7: warning: '{{ site.baseurl }}'")
        for line in warnings
    )
    assert any(
        line.startswith("content/posts/2015-03-02-roadmap.md:5: warning: published: false")
        and "draft: true" in line
        for line in warnings
    ), warnings


def test_a_jekyll_blog_as_it_comes_names_the_dated_pattern(site_folder):
    _jekyll_site(site_folder)
    with pytest.raises(ContentErrors) as caught:
        site_folder.build()
    hint, clash = caught.value.errors  # cmsite.toml sorts first
    assert str(hint).startswith("cmsite.toml: 1 clash of URLs is between posts of different days; dated URLs")
    assert "2014-03-01-weekly-notes.md" in str(clash) and "2014-03-08-weekly-notes.md" in str(clash)


@pytest.mark.parametrize(
    ("body", "line", "says"),
    [
        ('{{< figure src="/images/a.jpg" >}}\n', 4, "is a Hugo shortcode"),
        ("{{< highlight go >}}\nx := 1\n{{< /highlight >}}\n", 4, "also on line 6"),
        ("Text.\n\n![Map]({static}/images/map.png)\n", 6, "is a Pelican link prefix"),
        ("{%- include note.html -%}\n", 4, "write what the included file holds"),
    ],
)
def test_tags_of_other_generators_are_named_at_their_line(body, line, says):
    """As the loader calls it: the body of a file whose front matter takes lines 1 to 3."""
    (warning,) = foreign_tags("content/posts/a.md", body, 4)
    assert str(warning).startswith(f"content/posts/a.md:{line}: warning: ")
    assert says in warning.message


def test_tags_shown_in_code_are_left_alone():
    body = "Write `{% raw %}` there.\n\n```liquid\n{% highlight ruby %}\n~~~\n{{ page.title }}\n```\n"
    assert foreign_tags("content/posts/a.md", body, 4) == []


def test_a_dated_url_takes_the_day_in_the_site_zone_as_jekyll_and_the_archives_do(site_folder):
    """23:30 in New York is 05:30 the next day in Paris, the site's zone: the post's URL, its
    monthly archive and the date its page shows all say the 23rd."""
    with (site_folder.root / "cmsite.toml").open("a") as config:
        config.write(DATED)
    site_folder.post("late.md", "title: Late\ndate: 2013-11-22 23:30:00 -0500")
    site_folder.build()
    assert (site_folder.output / "2013/11/23/late/index.html").is_file()
    assert "November 23, 2013" in site_folder.read("2013/11/23/late/index.html")


@pytest.mark.parametrize(
    ("front", "says"),
    [
        ("published: false", "published: false is Jekyll's way"),
        ("status: draft", "status: draft (or hidden) is Pelican's way"),
        ("permalink: /news/a.html", "rename it url:"),
    ],
)
def test_keys_of_other_generators_that_change_what_is_published_are_named(site_folder, front, says):
    site_folder.post("2026-05-01-a.md", f"title: A\n{front}")
    (warning,) = site_folder.build().warnings
    assert str(warning).startswith("content/posts/2026-05-01-a.md:3: warning: ")
    assert says in warning.message


def test_a_draft_marked_both_ways_is_not_warned_about(site_folder):
    site_folder.post("2026-05-01-a.md", "title: A\npublished: false\ndraft: true")
    assert site_folder.build(drafts=True).warnings == []


def test_a_hugo_page_bundle_is_named_by_its_folder_and_keeps_its_pictures(site_folder):
    site_folder.post("2024-05-01-harbour-walk/index.md", "title: Harbour walk", "![The route](route.png)\n")
    site_folder.write("content/posts/2024-05-01-harbour-walk/route.png", "not really a picture")
    site_folder.build()
    page = site_folder.read("posts/harbour-walk/index.html")
    assert "2024-05-01" in page and 'src="/posts/2024-05-01-harbour-walk/route.png"' in page
    assert (site_folder.output / "posts/2024-05-01-harbour-walk/route.png").is_file()
