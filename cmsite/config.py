"""cmsite.toml → a typed, validated SiteConfig, with `path:line` errors."""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import babel

from cmsite import inputs
from cmsite.errors import ContentError, ContentErrors, shorten

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
    ("build", "raw_html"): (str, "keep"),
    ("build", "markdown"): (str, "python-markdown"),  # the engine's name: checked once plugins load
    ("build", "allow_links_outside"): (bool, False),
    ("plugins", "enable"): (list, None),
    ("plugins", "disable"): (list, []),
    ("plugins", "folder"): (str, "plugins"),
}

RAW_HTML = ("keep", "drop")  # [build] raw_html: trust the writers' HTML, or leave it out

# The tables cmsite reads itself: no plugin may declare a settings section of these names.
CORE_SECTIONS = frozenset({"site", "build", "urls", "collections", "plugins", "queue", "social", "networks"})

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
    raw_html: str = "keep"  # or "drop": raw HTML and script links out of Markdown (cmsite.content.markdown)
    markdown: str = "python-markdown"  # the Markdown engine (cmsite.content.engine), docs/markdown.md
    allow_links_outside: bool = False  # symbolic links in the site may lead outside its folder
    enabled_plugins: list[str] | None = None
    disabled_plugins: list[str] = field(default_factory=list)
    plugins_folder: Path | None = None
    urls: dict[str, str] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None
    warnings: list[ContentError] = field(default_factory=list)  # shown by every build

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
    text, removed = inputs.strip_text(inputs.decode(path.read_bytes(), shown))
    data = parse_toml(text, shown, 0)
    try:
        data, escaped = inputs.clean_values(data, lambda key: TomlLines(text).line(*key))
    except inputs.TooLarge as exc:
        raise ContentErrors(
            [ContentError(shown, TomlLines(text).line(*exc.path), f"invalid settings: {exc}")]
        ) from None
    config = config_from_dict(data, root, text=text, shown=shown, path=path)
    warning = inputs.control_warning(shown, removed + escaped)
    config.warnings = [warning] if warning else []
    return config


def parse_toml(text: str, shown: str, offset: int) -> dict[str, Any]:
    """TOML text → data; raise ContentErrors at the line (`offset` lines into the file) of a syntax error."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ContentErrors([toml_error(shown, exc, offset)]) from None
    except RecursionError:  # tomllib reads nested lists and tables recursively
        line = inputs.deepest_line(text) + offset
        message = f"invalid TOML: lists or tables nested more than {inputs.MAX_DEPTH} deep; nest them less"
        raise ContentErrors([ContentError(shown, line, message)]) from None


# A problem with one setting: its [section], its key, and what to do (placed at the key's line).
_Fail = Callable[[str, str, str], None]


def config_from_dict(
    data: dict[str, Any],
    root: Path,
    *,
    text: str = "",
    shown: str = CONFIG_NAME,
    path: Path | None = None,
) -> SiteConfig:
    """Settings → SiteConfig; raise ContentErrors naming every bad setting, not only the first."""
    errors: list[ContentError] = []

    def fail(section: str, key: str, message: str) -> None:
        errors.append(ContentError(shown, key_line(text, key, section), message))

    values = _typed_values(data, fail)
    _check_site(values, fail)
    _check_build(values, fail)
    urls = _url_patterns(data.get("urls", {}), values.get("pretty_urls", True), fail)
    if errors:
        raise ContentErrors(errors)
    return _site_config(root, values, urls, data, path)


def _typed_values(data: dict[str, Any], fail: _Fail) -> dict[str, Any]:
    """Every setting of `_FIELDS`, or its default; one missing or of the wrong type is reported and left out."""
    values: dict[str, Any] = {}
    for (section, key), (kind, default) in _FIELDS.items():
        value = data.get(section, {}).get(key, default)
        if value is REQUIRED:
            fail(section, key, f'[{section}] {key} is required; add `{key} = "..."` under [{section}]')
        elif value is not None and (problem := type_problem(key, value, kind)):
            fail(section, key, f"[{section}] {problem}")
        else:
            values[key] = value
    return values


def _check_site(values: dict[str, Any], fail: _Fail) -> None:
    """The [site] settings of the right type that still cannot be used."""
    if "title" in values and not values["title"].strip():  # feeds and pages need a name
        fail(
            "site",
            "title",
            '[site] title is empty; write the blog\'s name, like title = "Notes from the shop"',
        )
    if "url" in values and not is_web_address(values["url"]):
        fail("site", "url", '[site] url must be absolute, like "https://example.org"')
    if "timezone" in values and (problem := timezone_problem(values["timezone"])):
        fail("site", "timezone", problem)
    if "lang" in values and (problem := language_problem(values["lang"])):
        fail("site", "lang", problem)


def timezone_problem(name: str) -> str | None:
    """What is wrong with `[site] timezone`, or None: every date without a zone is read in it."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name too long for a file
        return f'unknown time zone {shorten(name)}; use a name like "Europe/Paris"'
    return None


def _check_build(values: dict[str, Any], fail: _Fail) -> None:
    """The [build] settings of the right type that still cannot be used."""
    if values.get("raw_html", "keep") not in RAW_HTML:
        choice = f'"keep" or "drop", not {shorten(values["raw_html"])}'
        fail("build", "raw_html", f"[build] raw_html must be {choice}")
    for key in ("posts_per_page", "feed_items"):
        if values.get(key, 1) < 1:
            fail("build", key, f"[build] {key} must be at least 1")


def _url_patterns(written: dict[str, Any], pretty: bool, fail: _Fail) -> dict[str, str]:
    """The URL pattern of each kind of page: `[urls]` over the defaults of `pretty_urls`."""
    urls = dict(_PRETTY_URLS if pretty else _FILE_URLS)
    for kind, pattern in written.items():
        if kind not in urls:
            fail("urls", kind, f"unknown URL kind {shorten(kind)}; known kinds: {', '.join(urls)}")
        elif not isinstance(pattern, str) or not pattern.startswith("/"):
            fail("urls", kind, f'[urls] {kind} must be a path starting with /, like "/posts/{{slug}}/"')
        else:
            urls[kind] = pattern
    return urls


def _site_config(
    root: Path, values: dict[str, Any], urls: dict[str, str], data: dict[str, Any], path: Path | None
) -> SiteConfig:
    """The checked values as a SiteConfig; unknown [site] keys reach templates as `extra`."""
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
        raw_html=values["raw_html"],
        markdown=values["markdown"],
        allow_links_outside=values["allow_links_outside"],
        enabled_plugins=None if values["enable"] is None else [str(p) for p in values["enable"]],
        disabled_plugins=[str(p) for p in values["disable"]],
        plugins_folder=root / values["folder"],
        urls=urls,
        extra={k: v for k, v in data.get("site", {}).items() if k not in known_site},
        raw=data,
        path=path,
    )


def language_problem(code: str) -> str | None:
    """What is wrong with a language code (`lang` of the site or of a post), or None: every
    page's dates and interface strings are made with it, so Babel must know it."""
    try:
        babel.Locale.parse(code.replace("-", "_"))
    except (ValueError, babel.UnknownLocaleError):
        return f'unknown language {shorten(code)}; use a code like "en" or "fr"'
    return None


def key_line(text: str, key: str, section: str | None = None) -> int | None:
    """The 1-based line where `key` is set in TOML text: at the top, or in [section] when given."""
    path = (*section.split("."), key) if section else (key,)
    return TomlLines(text).lines.get(path)


def toml_error(shown: str, exc: tomllib.TOMLDecodeError, offset: int) -> ContentError:
    """Turn tomllib's message "(at line N, column M)" into a path:line error."""
    message = str(exc)
    match = re.search(r"\(at line (\d+), column \d+\)", message)
    line = int(match.group(1)) + offset if match else None
    reason = re.sub(r"\s*\(at line \d+, column \d+\)", "", message) or "invalid TOML"
    if "end of document" in message and match is None:
        line = None
    if reason.startswith("Illegal character"):  # a lone carriage return: the others were removed
        return ContentError(
            shown, line, f"invalid TOML: {reason}; save the file with Unix or Windows line ends"
        )
    return ContentError(shown, line, f"invalid TOML: {reason}; fix the syntax (see https://toml.io)")


def is_web_address(text: str) -> bool:
    """Whether `text` is an absolute http(s) address, like https://example.org/blog."""
    parts = urlsplit(text)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def type_problem(key: str, value: Any, kind: type | tuple[type, ...]) -> str | None:
    """What is wrong with a setting's value for its declared type (or types), or None.

    TOML writes `60` for sixty seconds, so a `float` setting takes whole numbers too; `true`
    is never a number, and neither are `inf` and `nan` (no duration or limit is infinite).
    """
    if isinstance(kind, tuple):
        ok = any(type_problem(key, value, one) is None for one in kind)
    elif isinstance(value, bool) and kind is not bool:
        ok = False
    elif kind is float:
        ok = isinstance(value, int | float) and math.isfinite(value)
    else:
        ok = isinstance(value, kind)
    if ok:
        return None
    shown = repr(value) if isinstance(value, float) else type(value).__name__
    return f"{key} must be {_type_name(kind)}, not {shown}"


def _type_name(kind: type | tuple[type, ...]) -> str:
    if isinstance(kind, tuple):
        return " or ".join(map(_type_name, kind))
    names = {
        str: "a string",
        bool: "true or false",
        int: "a whole number",
        float: "a number",
        list: "a list",
        dict: "a table",
    }
    return names.get(kind) or kind.__name__


@dataclass(frozen=True)
class Range:
    """The values a number setting may take: from `low` (left out when `above`) to `high`."""

    low: float
    high: float = math.inf
    above: bool = False

    def problem(self, key: str, value: float) -> str | None:
        if value < self.low or (self.above and value == self.low):
            return f"{key} must be {'over' if self.above else 'at least'} {self.low:g}, not {value:g}"
        if value > self.high:
            return f"{key} must be at most {self.high:g}, not {value:g}"
        return None


class TomlLines:
    """Where each table and key of a TOML text is set, to point an error at its line.

    A path names a table or key as the parsed data nests it: `("networks", "x", "accounts",
    "team", "timeout")`, with the index of an array of tables: `("social", "defaults", 1)`.
    """

    _HEADER = re.compile(r"""^\s*(\[\[?)\s*([\w\-."' ]+?)\s*\]\]?\s*(?:#.*)?$""")
    _KEY = re.compile(r"""^\s*((?:[\w\-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[\w\-]+|"[^"]*"|'[^']*'))*)\s*=""")
    _PART = re.compile(r"""[\w\-]+|"[^"]*"|'[^']*'""")

    def __init__(self, text: str):
        self.lines: dict[tuple[str | int, ...], int] = {}
        self._arrays: dict[tuple[str | int, ...], int] = {}  # an array of tables → its last index
        table: tuple[str | int, ...] = ()
        closing = None  # the quotes that end the multi-line string being read
        for number, line in enumerate(text.splitlines(), 1):
            if closing:
                closing = None if closing in line else closing
            elif header := self._HEADER.match(line):
                table = self._table(self._parts(header.group(2)), array=header.group(1) == "[[")
                self._note(table, number)
            elif key := self._KEY.match(line):
                self._note((*table, *self._parts(key.group(1))), number)
                value = line[key.end() :].strip()
                closing = next(
                    (q for q in ('"""', "'''") if value.startswith(q) and value.count(q) == 1), None
                )

    def line(self, *path: str | int) -> int | None:
        """The line of `path`, or of the nearest table around it that the text names."""
        while path and path not in self.lines:
            path = path[:-1]
        return self.lines.get(path)

    def _parts(self, dotted: str) -> tuple[str, ...]:
        return tuple(part.strip("\"'") for part in self._PART.findall(dotted))

    def _table(self, parts: tuple[str, ...], *, array: bool) -> tuple[str | int, ...]:
        """A header's path: within an array of tables, the last one; `[[name]]` opens the next."""
        path: tuple[str | int, ...] = ()
        for number, part in enumerate(parts, 1):
            path = (*path, part)
            if array and number == len(parts):
                self._arrays[path] = self._arrays.get(path, -1) + 1
            if path in self._arrays:
                path = (*path, self._arrays[path])
        return path

    def _note(self, path: tuple[str | int, ...], number: int) -> None:
        for end in range(1, len(path) + 1):
            self.lines.setdefault(path[:end], number)


class SettingsErrors:
    """The problems found in cmsite.toml, each at the line of the key or table it is about."""

    def __init__(self, config: SiteConfig):
        self.path = config.path
        self.errors: list[ContentError] = []

    @cached_property
    def lines(self) -> TomlLines:
        """Read only when there is an error to place: settings are read on every send."""
        path = self.path
        return TomlLines(path.read_text(encoding="utf-8") if path and path.is_file() else "")

    def add(self, path: Sequence[str | int], message: str) -> None:
        self.errors.append(ContentError(CONFIG_NAME, self.lines.line(*path), message))

    def raise_any(self) -> None:
        if self.errors:
            raise ContentErrors(self.errors)


def table_at(data: Mapping[str, Any], path: tuple[str, ...], errors: SettingsErrors) -> dict[str, Any]:
    """The table at `path` in the settings (empty when it is not set); a value that is not a
    table, there or on the way, is an error."""
    table: Any = data
    for depth in range(1, len(path) + 1):
        table = table.get(path[depth - 1], {})
        if not isinstance(table, dict):
            name = ".".join(path[:depth])
            errors.add(
                path[:depth], f"[{name}] must be a table of settings: write [{name}] then key = value lines"
            )
            return {}
    return table


def read_table(
    table: Mapping[str, Any],
    kinds: Mapping[str, type | tuple[type, ...]],
    path: tuple[str, ...],
    errors: SettingsErrors,
    ranges: Mapping[str, Range] | None = None,
) -> dict[str, Any]:
    """The settings set in one table, each known, of its type and within its range; an error
    (at its line) for every other one. Defaults are the caller's to fill in."""
    where = f"[{'.'.join(path)}]"
    values = {}
    for key, value in table.items():
        if key not in kinds:
            known = ", ".join(kinds) or "none"
            errors.add((*path, key), f"{where} unknown setting {shorten(key)}; known settings: {known}")
        elif problem := type_problem(key, value, kinds[key]) or _range_problem(key, value, ranges):
            errors.add((*path, key), f"{where} {problem}")
        else:
            values[key] = value
    return values


def _range_problem(key: str, value: Any, ranges: Mapping[str, Range] | None) -> str | None:
    limits = (ranges or {}).get(key)
    return limits.problem(key, value) if limits else None


@dataclass(frozen=True)
class SettingsSection:
    """A plugin's own table in cmsite.toml: its keys with (type, default), and an optional check.

    `check(values)` returns a list of (key, message) problems, e.g. a URL that is not one.
    """

    name: str
    fields: dict[str, tuple[type | tuple[type, ...], Any]]
    check: Callable[[dict[str, Any]], list[tuple[str, str]]] | None = None


def read_section(config: SiteConfig, section: SettingsSection) -> tuple[dict[str, Any], list[ContentError]]:
    """Values of a plugin's section, defaults filled in, with `cmsite.toml:line` errors."""
    errors = SettingsErrors(config)
    path = (section.name,)
    table = table_at(config.raw, path, errors)
    values = read_table(table, {key: kind for key, (kind, _) in section.fields.items()}, path, errors)
    for key, (_, default) in section.fields.items():
        if key in values or key in table:
            continue
        if default is REQUIRED:
            errors.add((*path, key), f"[{section.name}] {key} is required; add it under [{section.name}]")
        else:
            values[key] = default
    if not errors.errors and section.check:
        for key, message in section.check(values):
            errors.add((*path, key), f"[{section.name}] {message}")
    return values, errors.errors
