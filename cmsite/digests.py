"""Digests: short fingerprints of what a page or a file is made of, so an unchanged one is not made again.

A page's fingerprint covers the build key (cmsite, plugins, settings), its template and
everything the template includes or extends, and its context. Items are represented by
their own digest (the file's bytes), so a list page changes when a post it shows changes.
Values cmsite does not know are digested by `repr`; one that differs on every build (an
object address) only costs a re-render, never a stale page.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import fields, is_dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any


def digest_bytes(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def digest(*values: Any) -> str:
    return Fingerprinter()(*values)


class Fingerprinter:
    """Digests values; remembers each item's token for the length of one build."""

    def __init__(self) -> None:
        self._items: dict[str, bytes] = {}  # item digest → token

    def __call__(self, *values: Any) -> str:
        hasher = hashlib.blake2b(digest_size=16)
        for value in values:
            self._feed(hasher, value)
        return hasher.hexdigest()

    def forget(self) -> None:
        """Items were changed in place: their tokens must be made again."""
        self._items.clear()

    def _item_token(self, item: Any) -> bytes:
        """An item's file digest plus the meta plugins may have added, once per item."""
        token = self._items.get(item.digest)
        if token is None:
            token = b"D" + item.digest.encode() + self(getattr(item, "meta", None)).encode()
            self._items[item.digest] = token
        return token

    def _feed(self, hasher: Any, value: Any) -> None:
        if isinstance(value, str | int | float | bool | type(None) | date | datetime | Path):
            hasher.update(repr(value).encode())
        elif isinstance(getattr(value, "digest", None), str):
            hasher.update(self._item_token(value))
        elif isinstance(value, Mapping):
            hasher.update(b"{")
            for key in sorted(value, key=repr):
                self._feed(hasher, key)
                self._feed(hasher, value[key])
            hasher.update(b"}")
        elif isinstance(value, list | tuple):
            hasher.update(b"[")
            for element in value:
                self._feed(hasher, element)
            hasher.update(b"]")
        elif is_dataclass(value) and not isinstance(value, type):
            hasher.update(type(value).__name__.encode())
            for item in fields(value):
                self._feed(hasher, getattr(value, item.name))
        else:
            hasher.update(repr(value).encode())
