"""The settings publishing reads from cmsite.toml — `[queue]`, `[[social.defaults]]`,
`[social.images]` (cmsite/social/image_settings.py), and `[networks.NAME]` with its
accounts — checked when a site opens, and read into typed values.

Every command opens the site first (`settings_errors`, which needs the installed networks'
declarations), so a wrong value is a `cmsite.toml:LINE` error, all of them at once, before
anything is built or sent. The readers used afterwards check again what they can without
those declarations, and trust the rest.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from cmsite.config import Range, SettingsErrors, is_web_address, read_table, table_at
from cmsite.errors import ContentErrors, shorten
from cmsite.social.image_settings import check_images
from cmsite.social.plans import PlanError, parse_plan, unknown_network
from cmsite.social.slots import account_slots, no_slots, slots_at

if TYPE_CHECKING:
    from cmsite.config import SiteConfig
    from cmsite.errors import ContentError
    from cmsite.social.network import Network

HOUR, DAY = 3600.0, 86400.0


@dataclass(frozen=True)
class QueueSettings:
    """`[queue]`: how the publisher sends, retries and waits for approval."""

    path: str | None = None  # the store, relative to the site; .cmsite/queue.sqlite when unset
    # a PostgreSQL store instead (postgresql://user@host/db; the password in CMSITE_QUEUE_PASSWORD)
    url: str | None = None
    approval: bool = False  # only approved entries are sent
    max_attempts: int = 5  # network answers before a retried entry is failed
    lease_seconds: float = 600.0  # how long a claim holds without being renewed
    retry_base_seconds: float = 60.0  # the first retry's delay, doubled each time (with jitter)
    catch_up_hours: float | None = 24.0  # plans first seen later than this expire; None: send however late
    wait_for_page: bool = True  # hold a post until its page (and the pictures a network fetches) answer 200
    page_timeout_seconds: float = 10.0  # how long one look at a page waits for its answer


_QUEUE_KINDS = {
    "path": str,
    "approval": bool,
    "max_attempts": int,
    "lease_seconds": float,
    "retry_base_seconds": float,
    "catch_up_hours": float,
    "wait_for_page": bool,
    "page_timeout_seconds": float,
    "url": str,
}
_QUEUE_RANGES = {
    "max_attempts": Range(1),
    "lease_seconds": Range(0, DAY, above=True),  # a claim held longer keeps a crashed run's entry for days
    "retry_base_seconds": Range(0, DAY),
    "catch_up_hours": Range(0, 24 * 365),  # a year; longer: `false`, send however late
    "page_timeout_seconds": Range(0, 300, above=True),  # a look longer than that holds the publish run
}

# Keys every network's tables take: the queue reads `approval`; plugins pass `timeout` to
# their HTTP client and send to `api` instead of the network's address (a proxy, a test server);
# the planner reads `slots` (cmsite/social/slots.py).
COMMON_KINDS = {"approval": bool, "timeout": float, "api": str, "slots": list}
_COMMON_RANGES = {"timeout": Range(0, HOUR, above=True)}

# What a social plan may say (cmsite/social/plans.py reads them).
_SOME_DATE = datetime(2000, 1, 1, tzinfo=UTC)  # a default's `at: +2h` is read against any post's date


def settings_errors(
    config: SiteConfig, networks: Mapping[str, type[Network]], *, strict: bool = False
) -> list[ContentError]:
    """Every problem in `[queue]`, `[social]` and the `[networks.*]` of installed networks.

    A network no installed plugin provides is one only when `strict` (`cmsite check`): the
    blog builds without its network plugins (on a deploy machine, say).
    """
    errors = SettingsErrors(config)
    _read_queue(config.raw, errors)
    _check_social(config, errors)
    check_images(config, errors, networks, strict=strict)
    for name in table_at(config.raw, ("networks",), errors):
        if name in networks:
            _check_network(config.raw, networks[name], errors)
    return errors.errors + (unknown_networks(config, networks) if strict else [])


def unknown_networks(config: SiteConfig, networks: Mapping[str, type[Network]]) -> list[ContentError]:
    """`[networks.NAME]` tables and `[[social.defaults]]` plans for networks no installed plugin provides."""
    errors = SettingsErrors(config)
    for name in table_at(config.raw, ("networks",), errors):
        if name not in networks:
            errors.add(("networks", name), f"[networks.{name}] {_unknown(name, networks, 'this table')}")
    defaults = table_at(config.raw, ("social",), errors).get("defaults", [])
    for index, entry in enumerate(defaults if isinstance(defaults, list) else []):
        network = entry.get("network") if isinstance(entry, dict) else None
        if isinstance(network, str) and network not in networks:
            where = f"[[social.defaults]] #{index + 1}"
            errors.add(
                ("social", "defaults", index, "network"),
                f"{where}: {_unknown(network, networks, 'this plan')}",
            )
    return errors.errors


def queue_settings(config: SiteConfig) -> QueueSettings:
    """`[queue]`, defaults filled in; ContentErrors when a value is wrong."""
    errors = SettingsErrors(config)
    settings = _read_queue(config.raw, errors)
    errors.raise_any()
    return settings


def account_options(config: SiteConfig, network: str, account: str) -> dict[str, Any]:
    """The settings an account's network instance gets: `[networks.NAME]`, overridden by
    `[networks.NAME.accounts.ACCOUNT]`. Checked against what the network declares when the
    site opened (`settings_errors`); the network fills in its own defaults."""
    errors = SettingsErrors(config)
    section = table_at(config.raw, ("networks", network), errors)
    own = table_at(config.raw, ("networks", network, "accounts", account), errors)
    errors.raise_any()
    return {**{key: value for key, value in section.items() if key != "accounts"}, **own}


def needs_approval(config: SiteConfig, network: str, account: str = "default") -> bool:
    """Whether an entry of this account waits for approval: the account's `approval`, else the
    network's, else the queue's."""
    return bool(account_options(config, network, account).get("approval", queue_settings(config).approval))


def _read_queue(raw: Mapping[str, Any], errors: SettingsErrors) -> QueueSettings:
    table = dict(table_at(raw, ("queue",), errors))
    hours = table.get("catch_up_hours")
    if isinstance(hours, bool):  # false: no window; true means nothing
        del table["catch_up_hours"]
        if hours:
            errors.add(
                ("queue", "catch_up_hours"),
                "[queue] catch_up_hours must be a number of hours, or false to send plans however late",
            )
    values = read_table(table, _QUEUE_KINDS, ("queue",), errors, _QUEUE_RANGES)
    if hours is False:
        values["catch_up_hours"] = None
    if (url := values.get("url")) is not None and (problem := _queue_url_problem(url)):
        errors.add(("queue", "url"), problem)
        del values["url"]
    return QueueSettings(**values)


def _queue_url_problem(url: str) -> str | None:
    """What is wrong with `[queue] url`: not a PostgreSQL address, or one holding its password
    (cmsite.toml is committed, a secret is not)."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        parts, password = None, None
    if parts is None or parts.scheme not in ("postgresql", "postgres") or not parts.hostname:
        return "[queue] url must be a PostgreSQL address, postgresql://USER@HOST[:PORT]/DATABASE"
    if password is not None:
        return (
            "[queue] url holds a password: take it out, and put it in the environment or the site's "
            ".env as CMSITE_QUEUE_PASSWORD"
        )
    return None


def _check_network(raw: Mapping[str, Any], network: type[Network], errors: SettingsErrors) -> None:
    """`[networks.NAME]` and each of its accounts: the keys every network takes, and its own."""
    path = ("networks", network.name)
    kinds = {**COMMON_KINDS, **{key: kind for key, (kind, _) in network.settings.items()}}
    section = table_at(raw, path, errors)
    _check_settings({key: value for key, value in section.items() if key != "accounts"}, path, kinds, errors)
    for name in table_at(raw, (*path, "accounts"), errors):
        where = (*path, "accounts", name)
        _check_settings(table_at(raw, where, errors), where, kinds, errors)


def _check_settings(
    table: Mapping[str, Any], path: tuple[str, ...], kinds: Mapping[str, type], errors: SettingsErrors
) -> None:
    others = {key: value for key, value in table.items() if key != "slots"}  # slots: an error with an example
    values = read_table(others, kinds, path, errors, _COMMON_RANGES)
    if "api" in values and not is_web_address(values["api"]):
        errors.add(
            (*path, "api"), f'[{".".join(path)}] api must be an address like "https://api.example.org"'
        )
    if "slots" in table:
        slots_at(table, path, errors)


def _check_social(config: SiteConfig, errors: SettingsErrors) -> None:
    """`[social]` holds `defaults`: the plans of every post without its own, checked once here
    rather than on each post; and `images` (cmsite/social/image_settings.py)."""
    social = table_at(config.raw, ("social",), errors)
    for key in social.keys() - {"defaults", "images"}:
        errors.add(
            ("social", key), f"[social] unknown setting {shorten(key)}; known settings: defaults, images"
        )
    defaults = social.get("defaults", [])
    if not isinstance(defaults, list):
        errors.add(
            ("social", "defaults"),
            '[social] defaults must be a list of plans: write [[social.defaults]] then network = "mastodon"',
        )
        return
    for index, entry in enumerate(defaults):
        _check_default(config, index, entry, errors)


def _check_default(config: SiteConfig, index: int, entry: Any, errors: SettingsErrors) -> None:
    path = ("social", "defaults", index)
    where = f"[[social.defaults]] #{index + 1}"
    try:
        plan = parse_plan(entry, index, _SOME_DATE, config.tz, None)
    except PlanError as exc:
        errors.add((*path, exc.key) if exc.key else path, f"{where}: {exc}")
        return
    with contextlib.suppress(ContentErrors):  # slots that are wrong have errors of their own
        if plan.slot and not account_slots(config, plan.network, plan.account):
            errors.add((*path, "at"), f"{where}: {no_slots(plan.network, plan.account, config.lang)}")


def _unknown(name: str, networks: Mapping[str, type[Network]], what: str) -> str:
    installed = ", ".join(sorted(networks)) or "none"
    return (
        f"{unknown_network(name, networks)}; installed networks: {installed}; install the plugin that provides it, "
        f"or remove {what}"
    )
