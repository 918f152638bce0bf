"""`cmsite serve` end to end, in headless Chromium driven by Playwright.

The browser is Debian's `chromium` (or CMSITE_CHROMIUM); `python3 tests/run.py` installs
Playwright, `.ci/run` installs Chromium. Without them these tests skip on a laptop and
fail in CI.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import REPO, SiteFolder, missing_tool
from test_watch import NETWORK_PLUGIN, Running

CMSITE = Path(sys.executable).with_name("cmsite")
POST = "content/posts/2026-05-01-first.md"
CHROMIUM_FLAGS = [
    "--no-sandbox",  # CI runs as root
    "--disable-gpu",
    "--disable-background-networking",  # no calls home: the only network here is loopback
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing_tool("Playwright (pip package playwright)")
    executable = os.environ.get("CMSITE_CHROMIUM") or shutil.which("chromium")
    if not executable:
        missing_tool("Chromium (Debian package chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def served(site_folder: SiteFolder) -> Iterator[Running]:
    site_folder.post("2026-05-01-first.md", "title: First post", "The first words.\n")
    site_folder.post("2026-05-02-second.md", "title: Second post", "The second words.\n")
    site_folder.write("plugins/networks.py", NETWORK_PLUGIN)
    theme_base = REPO / "themes/default/templates/base.html"
    site_folder.write("templates/base.html", theme_base.read_text(encoding="utf-8"))
    server = Running(site_folder, "serve", "--port", "0")
    server.url = server.wait_for(r"Serving (http://127\.0\.0\.1:\d+/)").group(1)
    yield server
    server.stop()


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    context = browser.new_context()  # type: ignore[attr-defined]
    yield context.new_page()
    context.close()


def test_an_edited_post_reloads_by_itself(served, page):
    from playwright.sync_api import expect

    page.goto(served.url + "posts/first/")
    expect(page.locator("article")).to_contain_text("The first words.")
    served.folder.write(POST, "---\ntitle: First post\n---\nWords written a moment ago.\n")
    expect(page.locator("article")).to_contain_text("Words written a moment ago.", timeout=15000)


def test_a_broken_edit_shows_the_overlay_and_the_next_good_edit_clears_it(served, page):
    from playwright.sync_api import expect

    page.goto(served.url + "posts/first/")
    served.folder.write(POST, "---\ntitle: First post\ndate: next tuesday\n---\nBroken.\n")
    overlay = page.locator("#cmsite-errors [role=alert]")
    expect(overlay).to_be_visible(timeout=15000)
    expect(overlay).to_contain_text(f"{POST}:3: date: cannot read")
    expect(page.locator("article")).to_contain_text("The first words.")  # the last good build stays
    served.folder.write(POST, "---\ntitle: First post\n---\nMended.\n")
    expect(page.locator("article")).to_contain_text("Mended.", timeout=15000)
    expect(page.locator("#cmsite-errors")).to_have_count(0)


def test_a_template_edit_reloads_every_open_page(served, page):
    from playwright.sync_api import expect

    pages = [page, page.context.new_page(), page.context.new_page()]
    for tab, path in zip(pages, ("posts/first/", "posts/second/", ""), strict=True):
        tab.goto(served.url + path)
    template = served.folder.root / "templates/base.html"
    text = template.read_text(encoding="utf-8")
    template.write_text(text.replace("</body>", '<p id="banner">Fresh from the template</p></body>'))
    for tab in pages:
        expect(tab.locator("#banner")).to_have_text("Fresh from the template", timeout=15000)


def test_a_save_that_adds_a_social_plan_shows_it_in_cmsite_queue(served, page):
    page.goto(served.url + "posts/first/")
    served.folder.write(
        POST,
        "---\ntitle: First post\nsocial:\n  - network: toot\n    at: 2030-01-02 09:00\n---\nThe first words.\n",
    )
    served.wait_for(r"queued: toot \(default\) 2030-01-02 09:00 Europe/Paris — " + re.escape(POST))
    listing = subprocess.run(
        [str(CMSITE), "--site", str(served.folder.root), "queue", "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    (entry,) = json.loads(listing.stdout)
    assert (entry["network"], entry["source"], entry["status"]) == ("toot", POST, "pending")
    assert entry["texts"][0].startswith("First post")
