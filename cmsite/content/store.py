"""Loading every content file, reusing what was already loaded: first from memory (the same
Site rebuilt in watch mode), then from the on-disk cache, and only then by parsing and
rendering the file — in parallel when there are many.
"""

from __future__ import annotations

import os
import pickle
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cmsite.content.cache import ContentCache, unpickle
from cmsite.content.item import Item, Term
from cmsite.content.loader import load_item
from cmsite.errors import ContentError, ContentErrors, display_path
from cmsite.render.parallel import map_jobs

if TYPE_CHECKING:
    from cmsite.site import Site


# Above this many items cmsite favours memory over time: bodies stay in the item cache
# until a page shows them (`CachedBody`), pages are rendered in one process (see
# cmsite/render/builder.py), and the summary memo is compressed (cmsite/render/templates.py).
LARGE_SITE = 5000


def is_large(items: int) -> bool:
    """Whether a site of this many items takes the memory-saving path (see LARGE_SITE)."""
    return items > LARGE_SITE


SHARED_LENGTH = 40  # front-matter strings this short are interned (see `_shared`)
SAVE_EVERY = 256  # items written to the cache at a time, so their pickles are not all held at once


class ItemStore:
    def __init__(self, cache: ContentCache):
        self.cache = cache
        self.memory: dict[str, tuple[int, int, Item]] = {}  # items after their hooks ran
        self.bodies_in_cache = False
        self.terms: dict[Term, Term] = {}  # one object per tag or category, shared by its posts

    def load(self, site: Site, files: list[tuple[Path, str]]) -> list[Item]:
        """Every item, hooks applied; raise ContentErrors naming every bad file."""
        index = self.cache.index() if not self.memory else {}
        self.bodies_in_cache = is_large(len(files))
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
        keep = {str(path) for path, _ in files}
        for gone in set(self.memory) - keep:
            del self.memory[gone]
        if fresh or index.keys() - keep:
            self.cache.prune(keep)
        if errors:
            raise ContentErrors(errors)
        return [item for item in items if item is not None]

    def remember(self, item: Item) -> None:
        """An item was reloaded outside `load` (a quick rebuild): the next load must not reload it."""
        stat = os.stat(item.source)
        self.memory[str(item.source)] = (stat.st_mtime_ns, stat.st_size, item)

    def _hooked(self, site: Site, item: Item, signature: tuple[int, int]) -> Item:
        item.tags = [self.terms.setdefault(term, term) for term in item.tags]
        if item.category is not None:
            item.category = self.terms.setdefault(item.category, item.category)
        item.authors = [sys.intern(name) for name in item.authors]
        item.meta = _shared(item.meta)
        as_loaded = item.packed_content
        site.pm.hook.cmsite_item_loaded(item=item, site=site)
        key = str(item.source)
        if self.bodies_in_cache and as_loaded and item.packed_content is as_loaded:
            # The cache row holds these very bytes (rows are stored before hooks run; a hook
            # that rewrote the body leaves it here). The row is written before `load` returns.
            item.packed_content = CachedBody(site, item.source, item.kind, item.digest)
        self.memory[key] = (*signature, item)
        return item


@dataclass(frozen=True, slots=True)
class CachedBody:
    """An item's body left in `.cmsite/content.sqlite` until a page shows it: on a large site
    the bodies are most of what the items weigh, and each is shown on one or two pages."""

    site: Site
    source: Path
    kind: str
    digest: str

    def packed(self) -> bytes:
        row = self.site.store.cache.fetch(str(self.source))
        item = unpickle(row) if row is not None else None
        if item is not None and item.digest == self.digest and isinstance(item.packed_content, bytes):
            return item.packed_content
        # Another cmsite, with other settings, replaced the row: read the file again.
        try:
            item = load_item(self.source, self.kind, self.site)
        except OSError:  # removed meanwhile
            item = None
        if item is not None:
            self.site.pm.hook.cmsite_item_loaded(item=item, site=self.site)
        if item is None or item.digest != self.digest or not isinstance(item.packed_content, bytes):
            shown = display_path(self.source, self.site.root)
            raise ContentErrors([ContentError(shown, None, "changed during the build; build again")])
        return item.packed_content


def _shared(value: Any) -> Any:
    """Front-matter values with their short strings interned: the same keys and words
    (`network`, `mastodon`, `+1d`) recur in every post, and every item stays in memory."""
    if isinstance(value, str):
        return sys.intern(value) if len(value) <= SHARED_LENGTH else value
    if isinstance(value, dict):
        return {_shared(key): _shared(inner) for key, inner in value.items()}
    if isinstance(value, list):
        return [_shared(inner) for inner in value]
    return value


def _load(site: Site, path: Path, kind: str) -> bytes | list[ContentError]:
    """The item pickled, as the cache keeps it: a worker's result crosses to the parent as it is."""
    try:
        return pickle.dumps(load_item(path, kind, site), pickle.HIGHEST_PROTOCOL)
    except ContentErrors as exc:
        return exc.errors
