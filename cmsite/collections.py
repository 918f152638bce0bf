"""Collections: content folders other than posts/ and pages/ (talks, projects, recipes), declared
in cmsite.toml as `[collections.NAME]`. Their items are loaded like pages, with `kind == NAME`;
the built-in plugin `collections` gives each one its page, and each collection an optional list.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from operator import attrgetter
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from cmsite.config import SettingsErrors, SiteConfig, read_table, table_at
from cmsite.errors import ContentError, shorten
from cmsite.urls import UnsafeURL, check_safe

if TYPE_CHECKING:
    from cmsite.content.item import Item

SORTS = ("date", "title")
KEYS = ("folder", "url", "template", "sort", "title", "list_url", "list_template")
OWN_FOLDERS = ("posts", "pages", "social")  # content/social/ holds the standalone social posts
# Kinds of items and pages cmsite makes itself: a collection's name is its items' kind.
PAGE_KINDS = ("post", "page", "tag", "category", "year", "month", "index", "tags", "archives", "404")
RESERVED = frozenset({*OWN_FOLDERS, *PAGE_KINDS, "collection"})  # "collection": the kind of list pages
_NAME = re.compile(r"[a-z][a-z0-9_]*")
_SAMPLE = {"slug": "a-slug", "year": 2026, "month": 11, "day": 22, "lang": "en"}  # the fields of item URLs


@dataclass(frozen=True)
class Collection:
    """One `[collections.NAME]` table, checked, defaults filled in."""

    name: str
    folder: str  # under the content folder
    url: str  # the pattern of an item's URL, with {slug}
    template: str = "page.html"
    sort: str = "date"  # newest first (undated items last), or "title"
    title: str = ""  # the list page's heading
    list_url: str | None = None  # the first page of the list, paginated like a tag's; None: no list
    list_template: str = "list.html"


def read_collections(config: SiteConfig) -> tuple[dict[str, Collection], list[ContentError]]:
    """Every `[collections.NAME]` table, checked, with a `cmsite.toml:line` error for each problem;
    a collection with one is left out."""
    errors = SettingsErrors(config)
    found = {}
    for name in table_at(config.raw, ("collections",), errors):
        collection = _collection(config, name, errors)
        if collection is not None:
            found[name] = collection
    _check_folders(found.values(), errors)
    return found, errors.errors


def _collection(config: SiteConfig, name: str, errors: SettingsErrors) -> Collection | None:
    path, where = ("collections", name), f"[collections.{name}]"
    if problem := _name_problem(name):
        errors.add(path, f"{where} {problem}")
        return None
    before = len(errors.errors)
    values = read_table(table_at(config.raw, path, errors), dict.fromkeys(KEYS, str), path, errors)
    for key, value in values.items():
        if problem := _value_problem(key, value):
            errors.add((*path, key), f"{where} {problem}")
    if len(errors.errors) > before:
        return None
    values.setdefault("url", f"/{name}/{{slug}}{'/' if config.pretty_urls else '.html'}")
    values.setdefault("title", name.replace("_", " ").capitalize())
    return Collection(name=name, folder=values.pop("folder", name).strip("/"), **values)


def _name_problem(name: str) -> str | None:
    if name in RESERVED:
        return (
            f"the name {name!r} is one cmsite uses itself (posts, pages, tags, archives…); "
            "give the collection another name, like [collections.talks]"
        )
    if not _NAME.fullmatch(name):
        return (
            "a collection's name is its items' kind and `site.collections.NAME` in templates: "
            "use lowercase letters, digits and _, starting with a letter"
        )
    return None


def _value_problem(key: str, value: str) -> str | None:
    """What is wrong with one setting of a collection (a string, `read_table` checked), or None."""
    if not value.strip():
        return f"{key} must not be empty"
    checks: dict[str, Callable[[str], str | None]] = {
        "folder": _folder_problem,
        "url": _url_problem,
        "list_url": _list_url_problem,
        "sort": lambda sort: (
            None if sort in SORTS else f'sort must be "date" or "title", not {shorten(sort)}'
        ),
    }
    check = checks.get(key)
    return check(value) if check else None


def _folder_problem(folder: str) -> str | None:
    path = PurePosixPath(folder)
    if path.is_absolute() or ".." in path.parts or folder.strip("/") in ("", "."):
        return f'folder must be a folder under content/, like "talks", not {shorten(folder)}'
    return None


def _url_problem(pattern: str) -> str | None:
    if "{slug}" not in pattern:
        return 'url must contain {slug}, so that each item has a page of its own, like "/talks/{slug}/"'
    try:
        sample = pattern.format(**_SAMPLE)
    except (KeyError, IndexError, ValueError):
        fields = ", ".join(f"{{{field}}}" for field in _SAMPLE)
        return f"url {shorten(pattern)} can only use the fields {fields}"
    return _unsafe("url", sample)


def _list_url_problem(url: str) -> str | None:
    if "{" in url or "}" in url:
        return f'list_url is the address of the list\'s first page, like "/talks/", not a pattern: {shorten(url)}'
    return _unsafe("list_url", url)


def _unsafe(key: str, path: str) -> str | None:
    """Why a site path would not make a file of the output, or None (cmsite.urls.check_safe)."""
    try:
        check_safe(path)
    except UnsafeURL as exc:
        return f"{key} {exc}"
    return None


def _check_folders(collections: Iterable[Collection], errors: SettingsErrors) -> None:
    """No file may belong to two kinds: a collection's folder is neither in, nor around, another's."""
    taken = {folder: f"content/{folder}/" for folder in OWN_FOLDERS}
    for collection in collections:
        mine, where = PurePosixPath(collection.folder), f"[collections.{collection.name}]"
        owner = next(
            (owner for folder, owner in taken.items() if _overlap(mine, PurePosixPath(folder))), None
        )
        if owner is None:
            taken[collection.folder] = f"the folder of {where}"
            continue
        errors.add(
            ("collections", collection.name, "folder"),
            f"{where} folder {collection.folder!r} overlaps {owner}; "
            "give each collection a folder of its own under content/",
        )


def _overlap(one: PurePosixPath, other: PurePosixPath) -> bool:
    return one == other or other in one.parents or one in other.parents


def content_folders(collections: Mapping[str, Collection]) -> dict[str, str]:
    """Folder under content/ → collection name, for `discover`."""
    return {collection.folder: name for name, collection in collections.items()}


def collect(collections: Mapping[str, Collection], items: Iterable[Item]) -> dict[str, list[Item]]:
    """The published items of each collection, in its order: what templates see as
    `site.collections.NAME`, and what the list pages show."""
    found: dict[str, list[Item]] = {name: [] for name in collections}
    for item in items:
        if item.kind in found:
            found[item.kind].append(item)
    return {name: _ordered(found[name], collections[name].sort) for name in collections}


def _ordered(items: list[Item], sort: str) -> list[Item]:
    """By title; or newest first, the undated after them by title."""
    by_title = sorted(items, key=lambda item: (item.title.casefold(), item.slug))
    if sort == "title":
        return by_title
    dated = sorted((item for item in by_title if item.date), key=attrgetter("date"), reverse=True)
    return dated + [item for item in by_title if not item.date]
