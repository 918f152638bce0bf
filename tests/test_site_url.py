"""A placeholder site address never goes out (issue 17, problem 1): `cmsite new` writes
https://example.org, and posts linking there were checked OK, previewed and sent."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from cmsite.cli import main
from cmsite.errors import ContentErrors
from cmsite.queue.location import open_store
from cmsite.queue.service import publish
from cmsite.site import Site
from cmsite.social.site_url import placeholder
from cmsite.testing import TOY_NETWORKS, TestSite

PARIS = ZoneInfo("Europe/Paris")  # the zone of cmsite.testing's site
FIX = "set [site] url to the address the site will live at"


def cli(site: TestSite, *args: str):
    return CliRunner().invoke(main, ["--site", str(site.root), *args])


def at(site: TestSite, url: str) -> TestSite:
    """The site, at `url`, with a post of an hour ago announced on toot."""
    config = site.root / "cmsite.toml"
    config.write_text(config.read_text().replace("https://blog.cmsite.info", url))
    site.write("plugins/networks.py", TOY_NETWORKS)
    site.post(
        "news.md",
        f"title: News\ndate: {datetime.now(PARIS) - timedelta(hours=1):%Y-%m-%d %H:%M}\nsocial: [toot]",
    )
    return site


@pytest.mark.parametrize(
    ("url", "what"),
    [
        ("https://example.org", "an example address"),
        ("https://www.example.com/blog", "an example address"),
        ("https://blog.test", "a name reserved for tests (.test)"),
        ("http://localhost:8000", "this computer (localhost)"),
        ("http://127.0.0.1:8000", "this computer (a loopback address)"),
        ("http://[::1]", "this computer (a loopback address)"),
        ("http://192.168.1.20", "an address the internet cannot reach (private, link-local or reserved)"),
        ("http://[fe80::1]", "an address the internet cannot reach (private, link-local or reserved)"),
        ("https://nas.local", "a name of a local network (.local)"),
    ],
)
def test_a_placeholder_url_is_an_error_before_anything_goes_out(site_folder, url, what):
    site = at(site_folder, url)
    error = f"cmsite.toml:3: [site] url {url!r} is {what}, and 1 planned social post would link to it; {FIX}"
    checked = cli(site, "check")
    assert checked.exit_code == 1 and error in checked.output
    previewed = cli(site, "preview", "--json")
    assert previewed.exit_code == 1
    (row,) = json.loads(previewed.output)
    assert row["errors"][0]["path"] == "cmsite.toml" and FIX in row["errors"][0]["message"]
    published = cli(site, "publish")
    assert published.exit_code == 1 and error in published.output and "nothing was sent" in published.output
    assert [entry["status"] for entry in json.loads(cli(site, "queue", "--json").output)] == ["pending"]
    with pytest.raises(ContentErrors, match=re.escape(FIX)):  # what `cmsite serve --publish` runs
        publish(Site(site.root), open_store(Site(site.root)))
    assert cli(site, "build").exit_code == 0  # building and serving the site need no public address


def test_drafts_and_a_site_without_plans_may_keep_a_placeholder(site_folder):
    site = at(site_folder, "https://example.org")
    site.post("news.md", "title: News\ndate: 2026-11-20\ndraft: true\nsocial: [toot]")
    assert cli(site, "check").exit_code == 0
    site.post("news.md", "title: News\ndate: 2026-11-20\n")
    assert cli(site, "check").exit_code == 0
    assert cli(site, "preview").exit_code == 0


@pytest.mark.parametrize(
    "url",
    [
        "https://carnet.fr",
        "https://example.org.fr",
        "https://myexample.org",
        "http://93.184.216.34",
        "https://x.testing",
    ],
)
def test_public_addresses_are_not_placeholders(url):
    assert placeholder(url) is None


def test_plans_of_accounts_not_connected_yet_are_warned_then_stopped_once_connected(site_folder, monkeypatch):
    """The sample site, or a site tried before its accounts are set up: nothing can go out, so
    `check` and `preview` warn; the same plans are errors as soon as the credentials are there."""
    site = at(site_folder, "https://example.org")
    site.write(
        "plugins/networks.py",
        TOY_NETWORKS.replace(
            'counting = "toot", "Toot", 120, "mastodon"',
            'counting = "toot", "Toot", 120, "mastodon"\n    credentials = ("TOOT_TOKEN",)',
        ),
    )
    monkeypatch.delenv("TOOT_TOKEN", raising=False)
    warning = f"cmsite.toml:3: warning: [site] url 'https://example.org' is an example address, and 1 planned social post would link to it once their accounts are connected; {FIX}"
    checked = cli(site, "check")
    assert checked.exit_code == 0 and warning in checked.output
    (row,) = json.loads(cli(site, "preview", "--json").output)
    assert row["errors"] == [] and FIX in row["warnings"][0]
    monkeypatch.setenv("TOOT_TOKEN", "a-token")
    assert cli(site, "check").exit_code == 1
    assert cli(site, "preview").exit_code == 1
