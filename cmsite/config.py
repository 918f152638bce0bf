"""cmsite.toml → a typed, validated SiteConfig, with `path:line` errors."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import babel

from cmsite.errors import ContentError, ContentErrors

CONFIG_NAME = "cmsite.toml"

REQUIRED = object()

# (section, key) → (expected type, default). Anything else in [site] reaches templates.
_FIELDS: dict[tuple[str, str], tuple[type | tuple[type, ...], Any]] = {
    ("site", "title"): (str, REQUIRED),
    ("site", "url"): (str, REQUIRED),
    ("site", "description"): (str, ""),
    ("site", "lang"): (str, "en"),
    ("site", "timezone"): (str, "UTC"),
    ("site", "author"): (str, ""),
    ("build", "content_dir"): (str, "content"),
    ("build", "output_dir"): (str, "output"),
    ("build", "theme"): (str, "default"),
    ("build", "pretty_urls"): (bool, True),
    ("build", "posts_per_page"): (int, 10),
    ("build", "feed_items"): (int, 20),
    ("plugins", "enable"): (list, None),
    ("plugins", "disable"): (list, []),
    ("plugins", "folder"): (str, "plugins"),
}

CORE_SECTIONS = frozenset({"site", "build", "urls", "plugins"})

_PRETTY_URLS = {
    "post": "/posts/{slug}/",
    "page": "/{slug}/",
    "tag": "/tags/{slug}/",
    "category": "/categories/{slug}/",
    "year": "/{year}/",
    "month": "/{year}/{month:02d}/",
}
_FILE_URLS = {
    "post": "/posts/{slug}.html",
    "page": "/{slug}.html",
    "tag": "/tags/{slug}.html",
    "category": "/categories/{slug}.html",
    "year": "/{year}/index.html",
    "month": "/{year}/{month:02d}/index.html",
}


@dataclass
class SiteConfig:
    """Everything the engine needs to know about one site, already checked."""

    root: Path
    title: str
    url: str
    description: str = ""
    lang: str = "en"
    timezone: str = "UTC"
    author: str = ""
    content_dir: Path = Path("content")
    output_dir: Path = Path("output")
    theme: str = "default"
    pretty_urls: bool = True
    posts_per_page: int = 10
    feed_items: int = 20
    enabled_plugins: list[str] | None = None
    disabled_plugins: list[str] = field(default_factory=list)
    plugins_folder: Path | None = None
    urls: dict[str, str] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def load_config(root: Path) -> SiteConfig:
    """Read `root/cmsite.toml`; raise ContentErrors naming every bad setting."""
    path = root / CONFIG_NAME
    shown = CONFIG_NAME
    if not path.is_file():
        raise ContentErrors(
            [ContentError(str(path), None, "no cmsite.toml here; run `cmsite new DIR` or cd to a site")]
        )
    text = path.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ContentErrors([toml_error(shown, exc, 0)]) from None
    return config_from_dict(data, root, text=text, shown=shown, path=path)


def config_from_dict(
    data: dict[str, Any],
    root: Path,
    *,
    text: str = "",
    shown: str = CONFIG_NAME,
    path: Path | None = None,
) -> SiteConfig:
    errors: list[ContentError] = []
    values: dict[str, Any] = {}

    def fail(section: str, key: str, message: str) -> None:
        errors.append(ContentError(shown, key_line(text, key, section), message))

    for (section, key), (kind, default) in _FIELDS.items():
        value = data.get(section, {}).get(key, default)
        if value is None:
            values[key] = None
            continue
        if value is REQUIRED:
            fail(
                section,
                key,
                f'[{section}] {key} is required; add `{key} = "..."` under [{section}]',
            )
            continue
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            fail(
                section,
                key,
                f"[{section}] {key} must be {_type_name(kind)}, not {type(value).__name__}",
            )
            continue
        values[key] = value

    if "url" in values:
        parts = urlsplit(values["url"])
        if parts.scheme not in ("http", "https") or not parts.netloc:
            fail("site", "url", '[site] url must be absolute, like "https://example.org"')
    if "timezone" in values:
        try:
            ZoneInfo(values["timezone"])
        except (ZoneInfoNotFoundError, ValueError):
            fail(
                "site",
                "timezone",
                f'unknown time zone {values["timezone"]!r}; use a name like "Europe/Paris"',
            )
    if "lang" in values:
        try:
            babel.Locale.parse(values["lang"].replace("-", "_"))
        except (ValueError, babel.UnknownLocaleError):
            fail("site", "lang", f'unknown language {values["lang"]!r}; use a code like "en" or "fr"')
    for key in ("posts_per_page", "feed_items"):
        if values.get(key, 1) < 1:
            fail("build", key, f"[build] {key} must be at least 1")

    urls = dict(_PRETTY_URLS if values.get("pretty_urls", True) else _FILE_URLS)
    for kind, pattern in data.get("urls", {}).items():
        if kind not in urls:
            fail("urls", kind, f"unknown URL kind {kind!r}; known kinds: {', '.join(urls)}")
        elif not isinstance(pattern, str) or not pattern.startswith("/"):
            fail(
                "urls",
                kind,
                f'[urls] {kind} must be a path starting with /, like "/posts/{{slug}}/"',
            )
        else:
            urls[kind] = pattern

    if errors:
        raise ContentErrors(errors)
    known_site = {k for s, k in _FIELDS if s == "site"}
    return SiteConfig(
        root=root,
        title=values["title"],
        url=values["url"].rstrip("/"),
        description=values["description"],
        lang=values["lang"],
        timezone=values["timezone"],
        author=values["author"],
        content_dir=root / values["content_dir"],
        output_dir=root / values["output_dir"],
        theme=values["theme"],
        pretty_urls=values["pretty_urls"],
        posts_per_page=values["posts_per_page"],
        feed_items=values["feed_items"],
        enabled_plugins=None if values["enable"] is None else [str(p) for p in values["enable"]],
        disabled_plugins=[str(p) for p in values["disable"]],
        plugins_folder=root / values["folder"],
        urls=urls,
        extra={k: v for k, v in data.get("site", {}).items() if k not in known_site},
        raw=data,
        path=path,
    )


def key_line(text: str, key: str, section: str | None = None) -> int | None:
    """The 1-based line where `key = ` is set in TOML text (inside [section] when given)."""
    current = None
    pattern = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=")
    for number, line in enumerate(text.splitlines(), 1):
        header = re.match(r"^\s*\[([^\]]+)\]", line)
        if header:
            current = header.group(1).strip()
        elif pattern.match(line) and (section is None or current == section):
            return number
    return None


def toml_error(shown: str, exc: tomllib.TOMLDecodeError, offset: int) -> ContentError:
    """Turn tomllib's message "(at line N, column M)" into a path:line error."""
    message = str(exc)
    match = re.search(r"\(at line (\d+), column \d+\)", message)
    line = int(match.group(1)) + offset if match else None
    reason = re.sub(r"\s*\(at line \d+, column \d+\)", "", message) or "invalid TOML"
    if "end of document" in message and match is None:
        line = None
    return ContentError(shown, line, f"invalid TOML: {reason}; fix the syntax (see https://toml.io)")


def _type_name(kind: type | tuple[type, ...]) -> str:
    names = {
        str: "a string",
        bool: "true or false",
        int: "a whole number",
        float: "a number",
        list: "a list",
        dict: "a table",
    }
    return names.get(kind, str(kind)) if isinstance(kind, type) else " or ".join(map(str, kind))


@dataclass(frozen=True)
class SettingsSection:
    """A plugin's own table in cmsite.toml: its keys with (type, default), and an optional check.

    `check(values)` returns a list of (key, message) problems, e.g. a URL that is not one.
    """

    name: str
    fields: dict[str, tuple[type, Any]]
    check: Callable[[dict[str, Any]], list[tuple[str, str]]] | None = None


def read_section(config: SiteConfig, section: SettingsSection) -> tuple[dict[str, Any], list[ContentError]]:
    """Values of a plugin's section, defaults filled in, with `cmsite.toml:line` errors."""
    text = config.path.read_text(encoding="utf-8") if config.path and config.path.is_file() else ""
    table = config.raw.get(section.name, {})
    errors = []

    def fail(key: str, message: str) -> None:
        errors.append(
            ContentError(CONFIG_NAME, key_line(text, key, section.name), f"[{section.name}] {message}")
        )

    if not isinstance(table, dict):
        return {}, [ContentError(CONFIG_NAME, None, f"[{section.name}] must be a table of settings")]
    values = {}
    for key in table:
        if key not in section.fields:
            fail(key, f"unknown setting {key!r}; known settings: {', '.join(section.fields) or 'none'}")
    for key, (kind, default) in section.fields.items():
        value = table.get(key, default)
        if value is REQUIRED:
            fail(key, f"{key} is required; add it under [{section.name}]")
        elif value is not None and (not isinstance(value, kind) or (kind is int and isinstance(value, bool))):
            fail(key, f"{key} must be {_type_name(kind)}, not {type(value).__name__}")
        else:
            values[key] = value
    if not errors and section.check:
        for key, message in section.check(values):
            fail(key, message)
    return values, errors
