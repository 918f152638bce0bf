"""The page a web server shows for a missing URL (most hosts look for /404.html)."""

from __future__ import annotations

from typing import Any

from cmsite.hookspecs import hookimpl
from cmsite.render.outputs import Page


@hookimpl(trylast=True)
def cmsite_pages(site: Any) -> list[Page]:
    return [Page(url=site.urls.url("/404.html"), template="404.html", kind="404", sitemap=False)]
