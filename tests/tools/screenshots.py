"""Screenshots of the sample site, as a reader sees it: a wide screen and a phone, light and dark.

    .venv/bin/python tests/tools/screenshots.py docs/screenshots

builds the sample site (this checkout's cmsite.toml and content/) into a temporary folder,
serves it on 127.0.0.1, and saves `PAGE-WIDTH-SCHEME.png` for the home page, a post and a
list (the year 2026), at 1280 and 390 pixels wide, in the light and the dark colour schemes,
each the whole height of the page. The browser is Debian's `chromium` (or CMSITE_CHROMIUM)
driven by Playwright; it may fetch from 127.0.0.1 only: anything else (the site's absolute
`https://carnet.example.org/…` addresses) is refused, never fetched.

The theme's tests (tests/test_theme_polish.py) use `serving`, `chromium` and `new_page` too.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[2]
CHROMIUM_FLAGS = [
    "--no-sandbox",  # CI runs as root
    "--disable-gpu",
    "--disable-background-networking",  # no calls home: the only network here is loopback
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WIDTHS = (1280, 390)
SCHEMES = ("light", "dark")
PAGES = {
    "home": "",
    "post": "posts/markdown-and-git-for-community-teams/",
    "list": "2026/",
}


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Nothing on stderr for each file served."""


@contextmanager
def serving(folder: Path) -> Iterator[str]:
    """Serve `folder` on 127.0.0.1 (a free port) while the block runs; gives its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_QuietHandler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def chromium_executable() -> str | None:
    return os.environ.get("CMSITE_CHROMIUM") or shutil.which("chromium")


@contextmanager
def chromium(executable: str) -> Iterator[Any]:
    """A headless Chromium, through Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def new_page(browser: Any, width: int, scheme: str) -> Iterator[Any]:
    """A tab `width` pixels wide in the `scheme` colour scheme, that may reach 127.0.0.1 only."""
    context = browser.new_context(viewport={"width": width, "height": 800}, color_scheme=scheme)
    context.route("**/*", _loopback_only)
    try:
        yield context.new_page()
    finally:
        context.close()


def _loopback_only(route: Any) -> None:
    if urlsplit(route.request.url).hostname == "127.0.0.1":
        route.continue_()
    else:
        route.abort()


def build_sample(output: Path) -> None:
    """The sample site, published posts only, into `output`."""
    from cmsite.site import Site

    Site(REPO).build(output)


def shoot(base_url: str, browser: Any, folder: Path) -> list[Path]:
    """Every page at every width in every scheme, into `folder`; the files written."""
    written = []
    for width in WIDTHS:
        for scheme in SCHEMES:
            with new_page(browser, width, scheme) as page:
                for name, path in PAGES.items():
                    page.goto(base_url + path, wait_until="load")
                    target = folder / f"{name}-{width}-{scheme}.png"
                    page.screenshot(path=str(target), full_page=True)
                    written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, help="where to save the screenshots (created if missing)")
    folder = parser.parse_args(argv).folder
    executable = chromium_executable()
    try:
        import playwright  # noqa: F401
    except ImportError:
        executable = None
    if not executable:
        print(
            "screenshots: needs Playwright (pip) and Chromium (Debian's chromium, or CMSITE_CHROMIUM); "
            "`python3 tests/run.py` installs them",
            file=sys.stderr,
        )
        return 1
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as temporary:
        output = Path(temporary) / "site"
        build_sample(output)
        with serving(output) as base_url, chromium(executable) as browser:
            for path in shoot(base_url, browser, folder):
                print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
