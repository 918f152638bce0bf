"""Share links under posts (`[share] networks`): each network's documented share address with
the post's title and link, checked by parsing the addresses back, then followed in Chromium
with every request outside the machine intercepted (nothing leaves it)."""

from __future__ import annotations

import functools
import os
import re
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from importlib import metadata
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import SiteFolder, nu_problems
from test_live_reload import browser  # noqa: F401 (fixture: Chromium through Playwright)

from cmsite.errors import ContentErrors
from cmsite.render.share import NETWORKS, share_links
from cmsite.testing import run_cmsite

ALL = ["mastodon", "bluesky", "linkedin", "facebook", "x", "threads", "pinterest", "email", "copy"]
TITLE = "Café & crème : 100 % #local?"
LINK = "https://blog.example.org/posts/cafe-creme/"
IMAGE = "https://blog.example.org/images/tasse.png"
BOTH = f"{TITLE} {LINK}"

# network → (scheme, host, path, the query it must carry), as each network documents it.
DOCUMENTED = {
    "mastodon": ("", "", "/share", {"text": BOTH}),  # after https://READER'S-SERVER
    "bluesky": ("https", "bsky.app", "/intent/compose", {"text": BOTH}),
    "linkedin": ("https", "www.linkedin.com", "/sharing/share-offsite/", {"url": LINK}),
    "facebook": ("https", "www.facebook.com", "/sharer/sharer.php", {"u": LINK}),
    "x": ("https", "x.com", "/intent/tweet", {"text": TITLE, "url": LINK}),
    "threads": ("https", "www.threads.com", "/intent/post", {"text": TITLE, "url": LINK}),
    "pinterest": (
        "https",
        "www.pinterest.com",
        "/pin/create/button/",
        {"url": LINK, "media": IMAGE, "description": TITLE},
    ),
    "email": ("mailto", "", "", {"subject": TITLE, "body": LINK}),
}


def query_of(url: str) -> dict[str, str]:
    """The query of an address, each key once, decoded strictly (`+` stays a plus sign)."""
    values = parse_qs(urlsplit(url).query, keep_blank_values=True, strict_parsing=True)
    assert all(len(found) == 1 for found in values.values()), url
    return {key: found[0] for key, found in values.items()}


def test_the_networks_are_the_documented_ones():
    assert list(NETWORKS) == ALL


@pytest.mark.parametrize("network", sorted(DOCUMENTED))
def test_each_share_address_is_the_documented_one_with_the_title_and_link(network):
    (link,) = share_links([network], TITLE, LINK, IMAGE)
    scheme, host, path, query = DOCUMENTED[network]
    parts = urlsplit(link.url)
    assert (parts.scheme, parts.netloc, parts.path) == (scheme, host, path)
    assert query_of(link.url) == query
    assert " " not in link.url and "+" not in link.url  # spaces as %20: mailto (RFC 6068) needs it
    assert link.text == BOTH


def test_copy_is_the_link_itself_and_pinterest_has_no_picture_when_the_post_has_none():
    copy, pinterest = share_links(["copy", "pinterest"], TITLE, LINK)
    assert copy.url == LINK
    assert query_of(pinterest.url) == {"url": LINK, "description": TITLE}


def share_site(root: Path, networks: list[str] | None = ALL, lang: str = "en") -> SiteFolder:
    site = SiteFolder(root, lang=lang)
    if networks is not None:
        config = site.root / "cmsite.toml"
        config.write_text(config.read_text() + f"\n[share]\nnetworks = {networks!r}\n".replace("'", '"'))
    site.post(
        "2026-05-01-cafe-creme.md",
        f'title: "{TITLE}"\nimage: /images/tasse.png\nimage_alt: Une tasse',
        "Words about coffee.\n",
    )
    site.write("content/images/tasse.png", "not really a png")
    site.post("2026-05-02-plain.md", "title: Plain", "No picture.\n")
    site.build()
    return site


def test_posts_show_the_share_list_in_the_order_given_every_network_by_default_and_none_when_empty(tmp_path):
    site = share_site(tmp_path / "on", ["copy", "bluesky", "mastodon"])
    page = site.read("posts/cafe-creme/index.html")
    order = [page.index(marker) for marker in ('id="share-copy-link"', "bsky.app", "share-mastodon-form")]
    assert order == sorted(order)
    assert "linkedin.com" not in page
    assert "share-title" not in site.read("index.html")  # posts only, not the lists
    default = share_site(tmp_path / "default", None).read("posts/cafe-creme/index.html")
    for marker in ("share-mastodon-text", "bsky.app", "linkedin.com", "facebook.com", "x.com", "threads.com",
                   "pinterest.com", "mailto:", "share-copy-link"):  # fmt: skip
        assert marker in default, marker
    off = share_site(tmp_path / "off", [])
    assert 'class="share"' not in off.read("posts/cafe-creme/index.html") and "<script" not in off.read(
        "posts/cafe-creme/index.html"
    )


def test_the_labels_are_in_the_site_language(tmp_path):
    site = share_site(tmp_path / "fr", lang="fr")
    page = site.read("posts/cafe-creme/index.html")
    for label in ("Partager cet article", 'aria-label="Partager sur Bluesky"', "Envoyer par e-mail",
                  "Copier le lien", "Lien copié", "Votre serveur Mastodon", "Texte à publier"):  # fmt: skip
        assert label in page


def test_an_unknown_network_is_an_error_at_its_line(site_folder):
    config = site_folder.root / "cmsite.toml"
    lines = config.read_text().splitlines()
    config.write_text("\n".join([*lines, "", "[share]", 'networks = ["bluesky", "nope"]', ""]))
    line = len(lines) + 3
    with pytest.raises(ContentErrors) as caught:
        site_folder.site()
    (error,) = caught.value.errors
    assert (error.path, error.line) == ("cmsite.toml", line)
    assert "unknown network 'nope'" in error.message
    assert ", ".join(ALL) in error.message
    result = run_cmsite(
        site_folder, "build", env={"CMSITE_DISABLE_PLUGINS": os.environ["CMSITE_DISABLE_PLUGINS"]}
    )
    assert result.returncode != 0
    assert f"cmsite.toml:{line}: [share] networks: unknown network 'nope'" in result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr


def test_the_pages_pass_the_nu_checker(tmp_path, vnu_command):
    share_site(tmp_path / "en")
    share_site(tmp_path / "fr", lang="fr")
    assert nu_problems(vnu_command, tmp_path) == []


# In Chromium -------------------------------------------------------------------------------


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        """Nothing on stderr: the test reads what the browser asked for instead."""


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The built site over HTTP on loopback; yields the post's address."""
    with pytest.MonkeyPatch.context() as patch:  # as `without_installed_plugins`, for the module
        names = [entry_point.name for entry_point in metadata.entry_points(group="cmsite")]
        patch.setenv("CMSITE_DISABLE_PLUGINS", ",".join(names))
        site = share_site(tmp_path_factory.mktemp("share") / "site")
    handler = functools.partial(_Quiet, directory=str(site.output))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/posts/cafe-creme/"
    server.shutdown()
    thread.join()


def open_post(browser, url: str, *, javascript: bool = True) -> tuple[object, list[str]]:  # noqa: F811
    """A page on the post, every request that would leave the machine answered here and recorded."""
    context = browser.new_context(java_script_enabled=javascript, viewport={"width": 390, "height": 844})
    outside: list[str] = []

    def answer(route) -> None:
        outside.append(route.request.url)
        route.fulfill(status=200, content_type="text/html", body="<!DOCTYPE html><title>shared</title>")

    context.route(re.compile(r"^(?!http://127\.0\.0\.1[:/])"), answer)
    page = context.new_page()
    page.goto(url)
    return page, outside


def post_link(page) -> str:
    """The post's absolute link as the page gives it (the test site's address, not loopback)."""
    return page.locator("#share-copy-link").input_value()


@pytest.mark.parametrize("name", ["Bluesky", "LinkedIn", "Facebook", "X", "Threads", "Pinterest"])
def test_each_link_opens_the_network_with_the_title_and_link(served, browser, name):  # noqa: F811
    page, outside = open_post(browser, served)
    link = post_link(page)
    with page.expect_request(lambda request: not request.url.startswith("http://127.0.0.1")) as sent:
        page.get_by_role("link", name=f"Share on {name}", exact=True).click()
    network = name.lower()
    scheme, host, path, _ = DOCUMENTED[network]
    parts = urlsplit(sent.value.url)
    assert (parts.scheme, parts.netloc, parts.path) == (scheme, host, path)
    values = query_of(sent.value.url)
    assert link in values.values() or any(value.endswith(" " + link) for value in values.values())
    if network not in ("linkedin", "facebook"):  # these two read the title from the page itself
        assert any(value.startswith(TITLE) for value in values.values())
    assert outside[0] == sent.value.url  # nothing went out before the click
    assert {urlsplit(url).netloc for url in outside} == {host}
    page.context.close()


def test_the_email_link_is_a_mailto_address(served, browser):  # noqa: F811
    """A browser hands mailto: to the mail program: no request to intercept, so read the link."""
    page, outside = open_post(browser, served)
    href = page.get_by_role("link", name="Send by e-mail").get_attribute("href")
    assert href.startswith("mailto:?")
    assert query_of(href) == {"subject": TITLE, "body": post_link(page)}
    assert outside == []
    page.context.close()


def test_mastodon_without_javascript_gives_the_text_to_copy(served, browser):  # noqa: F811
    from playwright.sync_api import expect

    page, outside = open_post(browser, served, javascript=False)
    page.get_by_text("Share on Mastodon").click()  # <details>: opens without a script
    text = page.get_by_label("Text to post")
    expect(text).to_be_visible()
    expect(text).to_have_value(f"{TITLE} {post_link(page)}")
    expect(page.get_by_text("paste it into a new post on your Mastodon server")).to_be_visible()
    expect(page.get_by_label("Your Mastodon server")).to_be_hidden()  # a form that could not work
    assert outside == []
    page.context.close()


def test_mastodon_with_javascript_asks_the_server_once_and_remembers_it(served, browser):  # noqa: F811
    from playwright.sync_api import expect

    page, outside = open_post(browser, served)
    link = post_link(page)
    page.get_by_text("Share on Mastodon").click()
    expect(page.get_by_label("Text to post")).to_be_hidden()
    server = page.get_by_label("Your Mastodon server")
    server.fill("not a server!")
    page.get_by_role("button", name="Share", exact=True).click()
    assert server.evaluate("field => field.validity.valid") is False and outside == []
    server.fill("@camille@social.example")
    with page.expect_request("https://social.example/**") as sent:
        page.get_by_role("button", name="Share", exact=True).click()
    assert urlsplit(sent.value.url).path == "/share"
    assert query_of(sent.value.url) == {"text": f"{TITLE} {link}"}
    page.goto(served)
    page.get_by_text("Share on Mastodon").click()
    expect(page.get_by_label("Your Mastodon server")).to_have_value("social.example")
    page.context.close()


def test_copy_link_copies_with_javascript_and_is_a_selectable_field_without(served, browser):  # noqa: F811
    from playwright.sync_api import expect

    page, _ = open_post(browser, served)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.get_by_role("button", name="Copy link").click()
    expect(page.get_by_role("status")).to_have_text("Link copied")
    assert page.evaluate("navigator.clipboard.readText()") == post_link(page)
    page.context.close()

    page, _ = open_post(browser, served, javascript=False)
    expect(page.get_by_role("button", name="Copy link")).to_be_hidden()
    field = page.get_by_label("Link to this post")
    expect(field).to_have_attribute("readonly", "")
    field.select_text()
    selected = field.evaluate("input => input.value.slice(input.selectionStart, input.selectionEnd)")
    assert selected == field.input_value() and selected.endswith("/posts/cafe-creme/")
    page.context.close()


def test_the_list_fits_a_phone_and_shows_where_the_focus_is(served, browser):  # noqa: F811
    page, _ = open_post(browser, served)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.get_by_role("link", name="Share on Bluesky").focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")  # focus by keyboard: :focus-visible applies
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == "Share on Bluesky"
    assert outline == "solid"
    page.context.close()
