"""`[share] networks`: share links under each post, in the order listed (cmsite.render.share
makes them; the theme's `_share.html` shows them).

Every network by default: posts are written to be shared. `networks = []` turns the list off,
for a site that wants no script at all in its pages (the list's small inline one remembers the
reader's Mastodon server and copies the link).
"""

from __future__ import annotations

from typing import Any

from cmsite.config import SettingsSection
from cmsite.hookspecs import hookimpl
from cmsite.render.outputs import Page
from cmsite.render.share import NETWORKS, network_problem, share_links

SECTION = "share"


def _check(values: dict[str, Any]) -> list[tuple[str, str]]:
    problems = [network_problem(name) for name in values["networks"]]
    return [("networks", problem) for problem in problems if problem]


SETTINGS = SettingsSection(SECTION, {"networks": (list, list(NETWORKS))}, check=_check)


@hookimpl(trylast=True)
def cmsite_settings() -> list[SettingsSection]:
    return [SETTINGS]


@hookimpl(trylast=True)
def cmsite_template_context(page: Page, site: Any) -> dict[str, Any] | None:
    """A post's page gets `share_links`: the title and absolute link of its post, and its cover
    picture for Pinterest. The page's fingerprint holds them already (the item and the settings)."""
    item = page.item
    networks = site.settings[SECTION]["networks"]
    if page.kind != "post" or item is None or not networks:
        return None
    return {"share_links": share_links(networks, item.title, item.abs_url, item.image)}
