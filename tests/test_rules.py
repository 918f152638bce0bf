"""Drafts and future posts reach no output; URLs are unique and stay inside the output folder."""

from __future__ import annotations

import pytest

from cmsite.errors import ContentErrors


@pytest.fixture
def with_hidden_posts(site_folder):
    site_folder.post("2026-05-01-visible.md", "title: Visible post\ntags: [shared]\ncategory: News")
    site_folder.post(
        "2026-05-02-secret.md", "title: Secret draft\ndraft: true\ntags: [draftonly]\ncategory: Hidden"
    )
    site_folder.post("2027-01-15-later.md", "title: Future news\ntags: [futureonly]\ncategory: Later")
    site_folder.write("content/pages/wip.md", "---\ntitle: Work in progress\ndraft: true\n---\nSoon.\n")
    return site_folder


def test_drafts_and_future_posts_reach_no_output(with_hidden_posts):
    site = with_hidden_posts
    site.build()
    everything = site.all_output_text()
    assert "Visible post" in everything
    for hidden in ("Secret draft", "secret", "Future news", "later", "draftonly", "futureonly", "Hidden",
                   "Work in progress", "wip", "2027"):  # fmt: skip
        assert hidden not in everything, hidden
    assert not (site.output / "posts/secret").exists()
    assert not (site.output / "tags/draftonly").exists()
    assert not (site.output / "2027").exists()


def test_drafts_flag_includes_drafts_only(with_hidden_posts):
    site = with_hidden_posts
    site.build(drafts=True)
    assert (site.output / "posts/secret/index.html").is_file()
    assert (site.output / "wip/index.html").is_file()
    assert "Secret draft" in site.read("feeds/atom.xml")
    assert not (site.output / "posts/later").exists()


def test_future_flag_includes_future_posts(with_hidden_posts):
    site = with_hidden_posts
    site.build(future=True)
    assert (site.output / "posts/later/index.html").is_file()
    assert (site.output / "2027/01/index.html").is_file()
    assert "Future news" in site.read("sitemap.xml") or "/posts/later/" in site.read("sitemap.xml")
    assert not (site.output / "posts/secret").exists()


def test_a_post_becomes_visible_when_its_time_comes(with_hidden_posts):
    from datetime import UTC, datetime

    site = with_hidden_posts
    site.build(now=datetime(2027, 1, 15, 12, tzinfo=UTC))
    assert (site.output / "posts/later/index.html").is_file()


def test_two_items_with_the_same_url_name_both_files(site_folder):
    site_folder.post("2026-05-01-one.md", "title: One\nslug: same")
    site_folder.post("2026-05-02-two.md", "title: Two\nslug: same")
    with pytest.raises(ContentErrors) as caught:
        site_folder.build()
    (error,) = [e for e in caught.value.errors if e.path != "cmsite.toml"]  # not the dated-URL advice
    text = str(error)
    assert "content/posts/2026-05-02-two.md:3:" in text or "content/posts/2026-05-01-one.md:3:" in text
    assert "2026-05-01-one.md" in text and "2026-05-02-two.md" in text
    assert "/posts/same/" in text
    assert not site_folder.output.exists()


def test_a_page_and_a_static_file_with_the_same_url_collide(site_folder):
    site_folder.write("content/pages/robots.md", "---\ntitle: Robots\nurl: /robots.txt\n---\n")
    with pytest.raises(ContentErrors) as caught:
        site_folder.build()
    assert "/robots.txt" in str(caught.value)


@pytest.mark.parametrize(
    "front",
    ["slug: ../../escape", "slug: a/../../b", "url: /../../etc/passwd", "url: /posts/../../x/"],
)
def test_slugs_and_urls_cannot_escape_the_output_folder(site_folder, front):
    site_folder.post("2026-05-01-evil.md", f"title: Evil\n{front}")
    with pytest.raises(ContentErrors) as caught:
        site_folder.build()
    assert "outside the output folder" in str(caught.value)
    assert "content/posts/2026-05-01-evil.md:3:" in str(caught.value)
    assert not (site_folder.root / "escape").exists()
    assert not site_folder.output.exists()


def test_nested_slugs_stay_inside(site_folder):
    site_folder.post("2026-05-01-n.md", "title: Nested\nslug: guides/first")
    site_folder.build()
    assert (site_folder.output / "posts/guides/first/index.html").is_file()


def test_tags_with_the_same_slug_share_one_page(site_folder):
    site_folder.post("2026-05-01-a.md", "title: A\ntags: [modération]")
    site_folder.post("2026-05-02-b.md", "title: B\ntags: [moderation]")
    site_folder.post("2026-05-03-c.md", "title: C\ntags: [Moderation, moderation]")
    site_folder.build()
    page = site_folder.read("tags/moderation/index.html")
    links = [page.count(f'href="/posts/{slug}/"') for slug in "abc"]
    assert links[0] > 0 and links == [links[0]] * 3  # each post listed once, however it spells the tag
    assert not (site_folder.output / "tags/moderation-2").exists()
