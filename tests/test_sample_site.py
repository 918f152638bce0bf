"""The sample site in content/ builds completely, keeps its draft and future post private."""

from __future__ import annotations

import feedparser
from conftest import NOW, REPO, missing_tool

from cmsite.site import Site


def test_the_sample_site_builds(tmp_path):
    site = Site(REPO, now=NOW)
    report = site.build(tmp_path / "out")
    out = tmp_path / "out"
    assert len(site.posts) >= 8 and len(site.pages) == 2
    assert {post.lang for post in site.posts} == {"en", "fr"}
    assert report.feeds >= 2
    everything = "\n".join(
        p.read_text(errors="replace") for p in out.rglob("*") if p.suffix in (".html", ".xml", ".txt")
    )
    for hidden in site.items:
        if not site.is_published(hidden):
            assert hidden.title not in everything, hidden.shown
            assert hidden.url not in everything, hidden.shown
    assert any(item.draft for item in site.items)
    assert any(item.date and item.date > NOW for item in site.items)
    for name in ("atom.xml", "rss.xml"):
        feed = feedparser.parse((out / "feeds" / name).read_bytes())
        assert not feed.bozo
        assert len(feed.entries) == len(site.posts)
    french = next(post for post in site.posts if post.lang == "fr")
    assert 'lang="fr"' in (out / french.url.strip("/") / "index.html").read_text()
    assert (out / "images/editorial-calendar.png").is_file()


NETWORK_PLUGINS = ("mastodon", "bluesky", "x", "linkedin", "facebook", "threads", "webhooks")


def test_preview_of_the_sample_site_with_the_network_plugins(monkeypatch):
    import json

    from click.testing import CliRunner

    from cmsite.cli import main

    monkeypatch.delenv("CMSITE_DISABLE_PLUGINS")  # this test wants the installed network plugins
    listed = CliRunner().invoke(main, ["--site", str(REPO), "plugins", "--json"])
    names = {row["name"] for row in json.loads(listed.output)}
    if not set(NETWORK_PLUGINS) <= names:
        missing_tool(f"the network plugins ({', '.join(sorted(set(NETWORK_PLUGINS) - names))})")
    result = CliRunner().invoke(main, ["--site", str(REPO), "preview", "--json"])
    # Its address is a placeholder, which no plan may carry: a warning while no account is connected.
    assert result.exit_code == 0, result.output
    posts = json.loads(result.output)
    assert {p["network"] for p in posts} >= {"mastodon", "bluesky", "x", "linkedin", "discord"}
    for post in posts:
        assert post["errors"] == []
        assert any("[site] url 'https://carnet.example.org'" in warning for warning in post["warnings"])
        assert all(length <= post["limit"] for length in post["lengths"])
    x_thread = next(p for p in posts if p["network"] == "x")
    assert len(x_thread["texts"]) > 1
