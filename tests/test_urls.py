"""URL patterns: pretty or .html, custom patterns, sites served from a sub-path."""

from __future__ import annotations


def test_plain_html_urls(site_folder):
    site_folder.write(
        "cmsite.toml",
        '[site]\ntitle = "T"\nurl = "https://x.org"\n\n[build]\npretty_urls = false\nposts_per_page = 1\n',
    )
    site_folder.post("2026-05-01-a.md", "title: A\ntags: [t]")
    site_folder.post("2026-05-02-b.md", "title: B\ntags: [t]")
    site_folder.write("content/pages/about.md", "---\ntitle: About\n---\n")
    site_folder.build()
    out = site_folder.output
    for path in (
        "posts/a.html",
        "about.html",
        "tags/t.html",
        "tags/t-2.html",
        "page/2/index.html",
        "2026/index.html",
    ):
        assert (out / path).is_file(), path
    assert 'href="/posts/b.html"' in site_folder.read("index.html")


def test_custom_patterns(site_folder):
    site_folder.write(
        "cmsite.toml",
        '[site]\ntitle = "T"\nurl = "https://x.org"\n\n[urls]\npost = "/{year}/{month:02d}/{slug}/"\ntag = "/topics/{slug}/"\n',
    )
    site_folder.post("2026-05-01-a.md", "title: A\ntags: [news]")
    site_folder.build()
    assert (site_folder.output / "2026/05/a/index.html").is_file()
    assert (site_folder.output / "topics/news/index.html").is_file()


def test_site_under_a_sub_path(site_folder):
    site_folder.write("cmsite.toml", '[site]\ntitle = "T"\nurl = "https://x.org/blog/"\n')
    site_folder.post("2026-05-01-a.md", "title: A\nimage: /images/a.png")
    site_folder.write("content/images/a.png", "a picture")
    site_folder.build()
    post = site_folder.read("posts/a/index.html")
    assert 'href="https://x.org/blog/posts/a/"' in post  # canonical
    assert 'href="/blog/theme/style.css"' in post
    assert 'content="https://x.org/blog/images/a.png"' in post
    assert "<loc>https://x.org/blog/posts/a/</loc>" in site_folder.read("sitemap.xml")
    assert "Sitemap: https://x.org/blog/sitemap.xml" in site_folder.read("robots.txt")


def test_unknown_url_kind_is_an_error(site_folder):
    import pytest

    from cmsite.errors import ContentErrors

    site_folder.write(
        "cmsite.toml", '[site]\ntitle = "T"\nurl = "https://x.org"\n\n[urls]\npots = "/p/{slug}/"\n'
    )
    with pytest.raises(ContentErrors) as caught:
        site_folder.build()
    assert str(caught.value).startswith("cmsite.toml:6: unknown URL kind 'pots'")
