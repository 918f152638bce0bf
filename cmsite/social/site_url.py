"""The site's address as social posts carry it: a placeholder is an error once a post would go out.

Posts link to their pages at `[site] url`, and some networks fetch their pictures from it.
`cmsite new` writes example.org until told otherwise, and a site tried out on this computer
may say localhost: posts sent with either link nowhere, publicly, and cannot be taken back.
`cmsite check`, `preview` and `publish` (and `serve --publish`) refuse them once an account
that would send them is connected (before, they warn); `build` and `serve` never look, and a
site without plans, or whose plans are all drafts', may keep a placeholder as long as it likes.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from cmsite.config import SettingsErrors
from cmsite.errors import ContentError, shorten
from cmsite.messages import count

if TYPE_CHECKING:
    from cmsite.config import SiteConfig
    from cmsite.site import Site
    from cmsite.social.planner import PlannedPost

# Kept for examples and tests, never delegated to anyone (RFC 2606, RFC 6761).
EXAMPLE_DOMAINS = ("example.org", "example.com", "example.net")
RESERVED_NAMES = ("example", "test", "invalid")
# Names that only a local network answers (RFC 6762, RFC 8375, ICANN's .internal).
LOCAL_NAMES = ("local", "internal", "home.arpa")


def placeholder(url: str) -> str | None:
    """What the address is when nobody on the internet can reach a site there, or None."""
    host = (urlsplit(url).hostname or "").rstrip(".").lower()
    if _under(host, EXAMPLE_DOMAINS):
        return "an example address"
    if name := _under(host, RESERVED_NAMES):
        return f"a name reserved for tests (.{name})"
    if _under(host, ("localhost",)):
        return "this computer (localhost)"
    if name := _under(host, LOCAL_NAMES):
        return f"a name of a local network (.{name})"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None
    if address.is_loopback:
        return "this computer (a loopback address)"
    return (
        None
        if address.is_global
        else "an address the internet cannot reach (private, link-local or reserved)"
    )


def _under(host: str, names: Iterable[str]) -> str | None:
    """The one of `names` that `host` is, or is a name under; None if none."""
    return next((name for name in names if host == name or host.endswith("." + name)), None)


def site_url_errors(config: SiteConfig, outgoing: int, *, once: str = "") -> list[ContentError]:
    """The error at `[site] url` when it is a placeholder and `outgoing` plans would carry it
    (`once`: when they would, if not at once)."""
    what = placeholder(config.url)
    if what is None or not outgoing:
        return []
    errors = SettingsErrors(config)
    errors.add(
        ("site", "url"),
        f"[site] url {shorten(config.url)} is {what}, and "
        f"{count(outgoing, 'planned social post', 'planned social posts')} would link to it{once}; "
        "set [site] url to the address the site will live at",
    )
    return errors.errors


def mark_site_url(site: Site, posts: list[PlannedPost]) -> list[ContentError]:
    """Put that error on each plan that would go out, where `check` and `preview` show a plan's
    errors; return it as a warning for the plans of accounts not connected yet.

    A plan of an account whose credentials or settings are missing cannot go out (`publish`
    holds it, and refuses the placeholder once the account is connected): the sample site and
    a site tried out before its accounts are set up are warned, not stopped."""
    outgoing = [post for post in posts if post.goes_out]
    if not outgoing or placeholder(site.config.url) is None:
        return []
    from cmsite.social.accounts import secrets_environment, unready

    accounts = {(post.network, post.account) for post in outgoing}
    lacking = unready(site, accounts, secrets_environment(site.root))
    connected = [post for post in outgoing if (post.network, post.account) not in lacking]
    for error in site_url_errors(site.config, len(connected)):
        for post in connected:
            post.errors.append(error)
    later = site_url_errors(
        site.config, len(outgoing) - len(connected), once=" once their accounts are connected"
    )
    for post in outgoing:
        if (post.network, post.account) in lacking:
            post.warnings += [warning.message for warning in later]
    return [ContentError(w.path, w.line, f"warning: {w.message}") for w in later]
