"""Feeds made with feedgen, read back with feedparser: valid, absolute, complete."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import feedparser
import pytest


@pytest.fixture
def built(site_folder):
    site_folder.post(
        "2026-05-01-first.md",
        "title: First post\ntags: [planning, mastodon]\ncategory: Planning\nauthors: [Camille Martin]",
        "See [the about page](/about/) and this ![chart](/images/chart.png).\n\nMore[^1].\n\n[^1]: A note.\n",
    )
    site_folder.post(
        "2026-06-01-second.md", "title: Second post\ntags: [planning]\nupdated: 2026-06-03 08:00"
    )
    site_folder.post("2026-07-01-third.md", "title: Third post\ndraft: true")
    site_folder.write("content/images/chart.png", "a picture")
    site_folder.build()
    return site_folder


def parse(site, path):
    feed = feedparser.parse(site.read(path))
    assert not feed.bozo, feed.bozo_exception
    return feed


@pytest.mark.parametrize("path", ["feeds/atom.xml", "feeds/rss.xml"])
def test_site_feed_round_trips(built, path):
    feed = parse(built, path)
    assert feed.feed.title == "Test site"
    assert [e.title for e in feed.entries] == ["Second post", "First post"]
    first = feed.entries[1]
    assert first.link == "https://blog.cmsite.info/posts/first/"
    assert first.id == "https://blog.cmsite.info/posts/first/"
    assert first.author == "Camille Martin"
    assert {t.term for t in first.tags} == {"planning", "mastodon", "Planning"}
    content = first.content[0].value
    assert 'href="https://blog.cmsite.info/about/"' in content
    assert 'src="https://blog.cmsite.info/images/chart.png"' in content
    assert 'href="https://blog.cmsite.info/posts/first/#fn:1"' in content
    assert first.published_parsed[:3] == (2026, 4, 30)  # midnight in Paris is 22:00 UTC the day before
    self_links = [link.href for link in feed.feed.links if link.rel == "self"]
    assert self_links == [f"https://blog.cmsite.info/{path}"]


def test_atom_has_ids_updated_and_authors(built):
    root = ET.fromstring(built.read("feeds/atom.xml").encode())
    ns = {"a": "http://www.w3.org/2005/Atom"}
    assert root.find("a:id", ns).text == "https://blog.cmsite.info/"
    assert root.find("a:updated", ns).text.startswith("2026-06-03T08:00:00")
    for entry in root.findall("a:entry", ns):
        assert entry.find("a:id", ns).text.startswith("https://")
        assert entry.find("a:updated", ns) is not None
        assert entry.find("a:author/a:name", ns).text
    second = root.findall("a:entry", ns)[0]
    assert second.find("a:updated", ns).text == "2026-06-03T08:00:00+02:00"
    assert second.find("a:author/a:name", ns).text == "Test Author"


def test_rss_has_dates_guids_and_creators(built):
    root = ET.fromstring(built.read("feeds/rss.xml").encode())
    channel = root.find("channel")
    assert channel.find("link").text == "https://blog.cmsite.info/"
    assert channel.find("description").text == "A site for tests."
    item = channel.find("item")
    assert item.find("pubDate").text == "Mon, 01 Jun 2026 00:00:00 +0200"
    assert item.find("guid").get("isPermaLink") == "true"
    assert item.find("{http://purl.org/dc/elements/1.1/}creator").text == "Test Author"
    assert item.find("{http://purl.org/rss/1.0/modules/content/}encoded").text


def test_tag_and_category_feeds(built):
    planning = parse(built, "feeds/tag/planning/atom.xml")
    assert [e.title for e in planning.entries] == ["Second post", "First post"]
    assert planning.feed.link == "https://blog.cmsite.info/tags/planning/"
    mastodon = parse(built, "feeds/tag/mastodon/rss.xml")
    assert [e.title for e in mastodon.entries] == ["First post"]
    category = parse(built, "feeds/category/planning/atom.xml")
    assert [e.title for e in category.entries] == ["First post"]


def test_feeds_are_linked_from_every_page(built):
    html = built.read("posts/first/index.html")
    assert 'type="application/atom+xml"' in html and 'href="/feeds/atom.xml"' in html
    tag_page = built.read("tags/planning/index.html")
    assert 'href="/feeds/tag/planning/atom.xml"' in tag_page


def test_feeds_do_not_change_between_identical_builds(built):
    before = built.read("feeds/atom.xml")
    built.build()
    assert built.read("feeds/atom.xml") == before


def test_feed_length_follows_config(site_folder):
    site_folder.write(
        "cmsite.toml",
        '[site]\ntitle = "T"\nurl = "https://x.org/blog/"\n\n[build]\nfeed_items = 2\n',
    )
    for day in range(1, 5):
        site_folder.post(f"2026-05-0{day}-p{day}.md", f"title: Post {day}")
    site_folder.build()
    feed = parse(site_folder, "feeds/rss.xml")
    assert [e.title for e in feed.entries] == ["Post 4", "Post 3"]
    assert feed.entries[0].link == "https://x.org/blog/posts/p4/"
