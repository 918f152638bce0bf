"""Loading every content file, reusing what was already loaded: first from memory (the same
Site rebuilt in watch mode), then from the on-disk cache, and only then by parsing and
rendering the file — in parallel when there are many.
"""

from __future__ import annotations

import os
import pickle
from dataclasses import fields
from pathlib import Path
from typing import TYPE_CHECKING

from cmsite.content.cache import ContentCache, unpickle
from cmsite.content.item import Item, Term
from cmsite.content.loader import load_item
from cmsite.errors import ContentError, ContentErrors
from cmsite.workers import map_jobs

if TYPE_CHECKING:
    from cmsite.site import Site


SAVE_EVERY = 256  # items written to the cache at a time, so their pickles are not all held at once


class ItemStore:
    def __init__(self, cache: ContentCache):
        self.cache = cache
        self.memory: dict[str, tuple[int, int, Item]] = {}  # items after their hooks ran
        self.unsaved: list[tuple[str, int, int, bytes]] = []  # items read again, for the cache (`save`)
        self.terms: dict[Term, Term] = {}  # one object per tag or category, shared by its posts

    def load(self, site: Site, files: list[tuple[Path, str]]) -> list[Item]:
        """Every item, hooks applied; raise ContentErrors naming every bad file."""
        index = self.cache.index() if not self.memory else {}
        items: list[Item | None] = []
        fresh: list[tuple[int, Path, str, int, int]] = []
        for path, kind in files:
            key = str(path)
            stat = os.stat(path)
            signature = (stat.st_mtime_ns, stat.st_size)
            remembered = self.memory.get(key)
            if remembered is not None and remembered[:2] == signature:
                items.append(remembered[2])
                continue
            blob = self.cache.fetch(key) if index.get(key) == signature else None
            cached = unpickle(blob) if blob is not None else None
            if cached is not None:
                items.append(self._hooked(site, cached, signature))
                continue
            fresh.append((len(items), path, kind, *signature))
            items.append(None)
        errors: list[ContentError] = []
        batch: list[tuple[str, int, int, bytes]] = []
        for (index_in_items, path, _kind, mtime, size), result in zip(
            fresh, map_jobs(lambda job: _load(site, job[1], job[2]), fresh), strict=True
        ):
            if isinstance(result, list):
                errors.extend(result)
                self.memory.pop(str(path), None)
                continue
            # Stored as the loader made it: hooks change items in place, and run on every build.
            batch.append((str(path), mtime, size, result))
            if len(batch) >= SAVE_EVERY:
                self.cache.put(batch)
                batch = []
            try:
                items[index_in_items] = self._hooked(site, pickle.loads(result), (mtime, size))
            except ContentErrors as exc:
                errors.extend(exc.errors)
        self.cache.put(batch)
        self.save()  # items a quick rebuild read again, then left to this full load
        keep = {str(path) for path, _ in files}
        for gone in set(self.memory) - keep:
            del self.memory[gone]
        if fresh or index.keys() - keep:
            self.cache.prune(keep)
        if errors:
            raise ContentErrors(errors)
        return [item for item in items if item is not None]

    def restore(self, site: Site, path: Path, signature: tuple[int, int]) -> Item | None:
        """The item of a file as it was when its size and time were `signature`, hooks applied,
        from memory or the cache; None when neither has it (a quick rebuild from the command
        line reads back only the items the outputs to render show)."""
        key = str(path)
        remembered = self.memory.get(key)
        if remembered is not None and remembered[:2] == signature:
            return remembered[2]
        blob = self.cache.fetch_as(key, signature)
        cached = unpickle(blob) if blob is not None else None
        return self._hooked(site, cached, signature) if cached is not None else None

    def current(self, site: Site, path: Path, kind: str) -> Item:
        """The item of a file as it is now: from memory or the cache when unchanged, else read again."""
        stat = os.stat(path)
        return self.restore(site, path, (stat.st_mtime_ns, stat.st_size)) or self.reload(site, path, kind)

    def reload(self, site: Site, path: Path, kind: str) -> Item:
        """A file read again after a save, hooked (a quick rebuild), and kept for the cache until
        `save`; raise ContentErrors when it has problems, like a full build."""
        stat = os.stat(path)  # before reading: a save meanwhile makes the cached row stale, never wrong
        blob = _load(site, path, kind)
        if isinstance(blob, list):
            raise ContentErrors(blob)
        self.unsaved.append((str(path), stat.st_mtime_ns, stat.st_size, blob))
        return self._hooked(site, pickle.loads(blob), (stat.st_mtime_ns, stat.st_size))

    def save(self) -> None:
        """Write the items read again to the cache: after the pages that show them, since a write
        to the database waits for the disk (the next command reads them back from there)."""
        if self.unsaved:
            self.cache.put(self.unsaved)
            self.unsaved = []

    def signature(self, path: Path) -> tuple[int, int] | None:
        """(mtime_ns, size) of the file as it was when its item in memory was read."""
        remembered = self.memory.get(str(path))
        return remembered[:2] if remembered is not None else None

    def replace(self, old: Item, new: Item) -> None:
        """Put a reloaded item in place of the one every page and list of the last plan holds
        (a quick rebuild): `old` takes `new`'s values, and the next load keeps it."""
        for each in fields(Item):
            setattr(old, each.name, getattr(new, each.name))
        stat = os.stat(old.source)
        self.memory[str(old.source)] = (stat.st_mtime_ns, stat.st_size, old)

    def _hooked(self, site: Site, item: Item, signature: tuple[int, int]) -> Item:
        item.tags = [self.terms.setdefault(term, term) for term in item.tags]
        if item.category is not None:
            item.category = self.terms.setdefault(item.category, item.category)
        site.pm.hook.cmsite_item_loaded(item=item, site=site)
        self.memory[str(item.source)] = (*signature, item)
        return item


def _load(site: Site, path: Path, kind: str) -> bytes | list[ContentError]:
    """The item pickled, as the cache keeps it: a worker's result crosses to the parent as it is."""
    try:
        return pickle.dumps(load_item(path, kind, site), pickle.HIGHEST_PROTOCOL)
    except ContentErrors as exc:
        return exc.errors
