"""The site's network accounts: which are configured, what each lacks, and whether its network
accepts it.

An account is a network and a name ("default", or one of `[networks.NAME.accounts]`). What it
lacks — an unset credential variable, an unset required setting — is found offline, from what
its network declares (`Network.missing_settings`), for every account at once: `cmsite accounts`
lists them all, and `cmsite publish` holds the entries of an account that lacks something
before anything is sent. Whether the network accepts the credentials is asked only by
`cmsite accounts` (`Network.verify_credentials`, one read-only request per account): asking
before every publish would double the requests, and some networks count such calls closely
(X's GET /2/users/me, Bluesky's createSession).

Everything the networks answer goes through the site's `Redactor` before it is returned.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cmsite.errors import ContentError
from cmsite.social.network import Credentials, Network, PublishError
from cmsite.social.redact import Redactor
from cmsite.social.settings import account_options

if TYPE_CHECKING:
    from cmsite.site import Site
    from cmsite.social.planner import PlannedPost

# What `cmsite accounts` found for an account; the first two are no problem.
ACCEPTED = "accepted"  # the network said who the account is
UNCHECKED = "unchecked"  # set, but the network gives no way to ask without posting
MISSING = "missing"  # a credential or a required setting is not set: the network was not asked
REFUSED = "refused"  # the network refused the credentials
UNANSWERED = "unanswered"  # no answer, or the network is busy: ask again later
FAILED = "failed"  # the network's plugin failed (a bug to report)
FINE = (ACCEPTED, UNCHECKED)

Key = tuple[str, str]  # (network, account)


def secrets_environment(root: Path) -> dict[str, str]:
    """The environment, with the site's .env underneath it (the environment wins)."""
    from dotenv import dotenv_values

    values = (
        {k: v for k, v in dotenv_values(root / ".env").items() if v is not None}
        if (root / ".env").is_file()
        else {}
    )
    return {**values, **os.environ}


def network_for(site: Site, network: str, account: str, environ: Mapping[str, str]) -> Network | None:
    """The account's network instance, with its settings and credentials; None if no plugin provides it."""
    network_class = site.networks.get(network)
    if network_class is None:
        return None
    return network_class(
        account,
        account_options(site.config, network, account),
        Credentials.for_network(network_class, environ),
    )


def unready(site: Site, accounts: Iterable[Key], environ: Mapping[str, str]) -> dict[Key, list[str]]:
    """What each of these accounts lacks to send, with what to do — for those that lack anything.
    Offline: no network is asked."""
    found = {}
    for key in set(accounts):
        network = network_for(site, *key, environ)
        if network is not None and (missing := network.missing_settings()):
            found[key] = missing
    return found


def mark_unset_settings(
    site: Site, posts: list[PlannedPost], environ: Mapping[str, str]
) -> list[ContentError]:
    """Put on each plan that would go out the settings its account lacks to send (a Pinterest
    board, a Facebook page id), where `cmsite check` shows a plan's errors, once the account's
    secrets are set: `publish` would hold its entries, and only `cmsite accounts` would say why.
    Before (a site tried out before its accounts are set up), they are returned as warnings,
    once per account. Offline: cmsite.toml and the environment are read, no network is asked."""
    warnings: dict[str, ContentError] = {}
    for post in posts:
        network = network_for(site, post.network, post.account, environ) if post.goes_out else None
        if network is None or not (unset := network.unset_settings()):
            continue
        if all(name in network.secrets for name in network.secret_names()):
            post.errors += [ContentError(post.source, post.line, message) for message in unset]
        else:
            warnings |= {
                m: ContentError(post.source, post.line, f"warning: {m}") for m in unset if m not in warnings
            }
    return list(warnings.values())


def configured_accounts(site: Site) -> list[Key]:
    """Every account of an installed network that cmsite.toml sets up — a `[networks.NAME]` table's
    own ("default") unless it holds nothing but accounts, and each of its `accounts` — or that a
    plan names (a post's, a standalone post's, a `[[social.defaults]]`'s). Loads the content."""
    from cmsite.social.planner import each_planned_post

    found: set[Key] = set()
    for name, table in site.config.raw.get("networks", {}).items():
        if name not in site.networks or not isinstance(table, dict):
            continue
        accounts = table.get("accounts", {})
        if table.keys() - {"accounts"} or not accounts:
            found.add((name, "default"))
        found |= {(name, account) for account in accounts}
    defaults = site.config.raw.get("social", {}).get("defaults", [])
    found |= {(d.get("network"), str(d.get("account") or "default")) for d in defaults if isinstance(d, dict)}
    site.load()
    found |= {(post.network, post.account) for post in each_planned_post(site)}
    return sorted(
        (key for key in found if key[0] in site.networks),
        key=lambda key: (key[0], key[1] != "default", key[1]),
    )


@dataclass(frozen=True)
class AccountCheck:
    """One account as `cmsite accounts` found it: `state` (ACCEPTED…), who the network says it is
    (`name`, when accepted), and `details`: what it lacks, or what the network answered."""

    network: str
    label: str
    account: str
    credentials_set: bool  # every credential variable of the account is set
    state: str
    name: str = ""
    details: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.state in FINE

    def as_dict(self) -> dict[str, Any]:
        return {
            "network": self.network, "label": self.label, "account": self.account,
            "credentials": "set" if self.credentials_set else "missing", "state": self.state,
            "ok": self.ok, "name": self.name or None, "details": list(self.details),
        }  # fmt: skip


def check_accounts(site: Site, environ: Mapping[str, str] | None = None) -> list[AccountCheck]:
    """Every configured account, checked: offline first, then, for each that lacks nothing, one
    read-only request to its network (all accounts at the same time)."""
    environ = secrets_environment(site.root) if environ is None else environ
    redact = Redactor.for_networks(site.networks.values(), environ)
    networks = [n for key in configured_accounts(site) if (n := network_for(site, *key, environ)) is not None]
    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(lambda network: check_account(network, redact), networks))


def check_account(network: Network, redact: Redactor) -> AccountCheck:
    """What the account lacks, else what its network says of it; never raises."""
    credentials_set = all(name in network.secrets for name in network.secret_names())

    def found(state: str, details: Iterable[str] = (), name: str = "") -> AccountCheck:
        return AccountCheck(
            network.name, network.label, network.account, credentials_set, state,
            redact(name), tuple(redact(detail) for detail in details),
        )  # fmt: skip

    if missing := network.missing_settings():
        return found(MISSING, missing)
    try:
        return found(ACCEPTED, name=str(network.verify_credentials()))
    except PublishError as exc:
        return found(UNANSWERED if exc.retry else REFUSED, [str(exc)])
    except NotImplementedError as exc:
        return found(UNCHECKED, [str(exc)])
    except Exception as exc:  # a plugin bug: said, so that the other accounts are still shown
        return found(FAILED, [f"the {network.label} plugin failed: {type(exc).__name__}: {exc}"])
