"""A blog written for Hugo or Jekyll (CommonMark/GFM conventions) moves in with
`markdown = "commonmark"`: its posts build, their bodies give the HTML in
tests/data/hugo_posts/expected/, and the front matter cmsite does not read (`layout:`,
`aliases:`, `categories:`) stays with the post for templates (docs/migrating.md)."""

from __future__ import annotations

from pathlib import Path

POSTS = Path(__file__).resolve().parent / "data/hugo_posts"


def test_hugo_and_jekyll_posts_build_with_the_commonmark_engine(site_folder):
    config = site_folder.root / "cmsite.toml"
    config.write_text(config.read_text() + 'markdown = "commonmark"\n')
    for path in sorted(POSTS.glob("20*.md")):
        site_folder.write(f"content/posts/{path.name}", path.read_text(encoding="utf-8"))

    site_folder.build()

    site = site_folder.site()
    site.load()
    for post in site.posts:
        expected = (POSTS / "expected" / f"{post.source.stem}.html").read_text(encoding="utf-8")
        assert str(post.content) == expected, post.source.name
        assert expected in site_folder.read(post.url.strip("/") + "/index.html")
    release, notes = sorted(site.posts, key=lambda post: post.slug)
    assert release.meta["aliases"] == ["/blog/2024/03/release-0-9/"]
    assert release.meta["categories"] == ["releases", "news"]
    assert notes.meta == {"layout": "post", "categories": "notes"}
    assert release.summary.startswith('<p>The ninth release is out: <a href="https://example.org/download">')
    assert "<li>a child item\n<ul>\n<li>and a grandchild</li>" in notes.content  # two spaces nest
