"""What changed since the queue was last brought in step with the plans, so that a sync plans
only the files whose plans may differ.

Planning every post again reads every item and renders every text: seconds on a site of
10,000 posts, after each save in watch mode and after every `cmsite build`, where one edited
post needs milliseconds. The mark of the last sync (`.cmsite/synced-<key>.pickle`) holds the
size and time of every content file as that sync saw them, and the date of each
post that was still to come. The next sync plans the files that differ (added, changed,
removed) and the posts whose date came since; with nothing of that, it reads nothing at all.

Everything is planned again when the mark cannot tell: none yet, unreadable, or made under
another key (cmsite, its plugins and settings, the drafts and future switches, another queue),
or when the settings give posting slots, where the time of each plan depends on all the others.
Like the build state, the mark is only ever a hint.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from cmsite.collections import content_folders
from cmsite.content.loader import KIND_FOLDERS, may_read
from cmsite.digests import digest
from cmsite.errors import display_path
from cmsite.render.state import read_hint, scan_inputs, write_hint
from cmsite.social.slots import uses_slots

if TYPE_CHECKING:
    from collections.abc import Callable

    from cmsite.content.item import Item
    from cmsite.queue.store import Store
    from cmsite.queue.sync import SyncReport
    from cmsite.site import Site

FORMAT = 3


@dataclass
class SyncMark:
    key: str
    files: dict[str, tuple[int, int]]  # every content file: (mtime_ns, size), by path
    # The posts still to come at that sync: date, by file (as messages show it).
    upcoming: dict[str, datetime] = field(default_factory=dict)
    # The files whose plans had errors, not queued: planned again by every sync until fixed, so
    # that every build says so (a post whose plan is broken does not go out).
    broken: set[str] = field(default_factory=set)


class SyncScope:
    """The files a sync plans (`sources`, as messages show them; None: all), and the mark it leaves."""

    def __init__(self, site: Site, queue: str, inputs: dict[str, tuple[int, int]] | None = None):
        """`inputs`: those a build just found (BuildReport.inputs), the content's among them;
        without them the content folder is looked at."""
        self.site = site
        self.path = site.cache_dir / f"synced-{digest(queue)[:12]}.pickle"
        self.key = digest(site.build_key, queue)
        content = site.config.content_dir
        if inputs is None:
            self.files = scan_inputs([content], site.root, links_outside=site.config.allow_links_outside)
        else:
            inside = os.path.join(content, "")
            self.files = {path: stat for path, stat in inputs.items() if path.startswith(inside)}
        last = None if uses_slots(site.config) else read_hint(self.path, FORMAT)
        self.last = last if isinstance(last, SyncMark) and last.key == self.key else None
        self.sources = None if self.last is None else self._changed(self.last)

    def _changed(self, last: SyncMark) -> set[str]:
        root, now = self.site.root, self.site.now
        # Added, removed or changed: the (path, stat) pairs of one side only. Compared as sets, in C
        # (a loop over 10,000 paths held the interpreter 5 to 10 ms after each save in watch mode).
        differ = {path for path, _ in last.files.items() ^ self.files.items()}
        due = {shown for shown, date in last.upcoming.items() if date <= now}
        return {display_path(Path(path), root) for path in differ} | due | last.broken

    def save(self, items: list[Item], report: SyncReport) -> None:
        """Leave the mark of a sync that planned `items` (every item, or those of `sources`) and
        reported `report`.

        Each item's file is marked as it was when the item was read: a save since then (while
        the build ran) differs from the mark, and the next sync plans it."""
        site = self.site
        if site.read_only:
            return
        files = dict(self.files)
        for item in items:
            if (signature := site.store.signature(item.source)) is not None:
                files[str(item.source)] = signature
        upcoming = {} if self.last is None or self.sources is None else dict(self.last.upcoming)
        for shown in self.sources or ():
            upcoming.pop(shown, None)
        for item in items:
            if item.date is not None and item.date > site.now and not (item.draft and not site.drafts):
                upcoming[item.shown] = item.date
        upcoming = {shown: date for shown, date in upcoming.items() if date > site.now}
        broken = set() if self.last is None or self.sources is None else self.last.broken - self.sources
        broken |= {problem.path for problem in report.problems}
        write_hint(self.path, FORMAT, SyncMark(self.key, files, upcoming, broken))


def sync_changes(
    site: Site,
    open_store: Callable[[], Store],
    queue: str,
    *,
    loaded: bool,
    inputs: dict[str, tuple[int, int]] | None = None,
) -> SyncReport:
    """`sync_site` for the files changed since the last sync of this `queue` (its address), or for
    every file when that cannot be told: what `cmsite build` and watch mode run after a build
    (`inputs`: what it found, BuildReport.inputs). With nothing changed it neither opens the
    store nor reads the content, nor imports the planner (with the networks' counting rules).
    The content is loaded first unless `loaded`; the store is opened, then closed, here."""
    from cmsite.queue.sync import SyncReport, sync_site
    from cmsite.social.planner import each_planned_post

    scope = SyncScope(site, queue, inputs)
    sources = scope.sources
    if sources is not None and not sources:
        return SyncReport()
    if sources is None and not loaded:
        site.load()
    items = site.items if sources is None else _items_of(site, sources)
    store = open_store()
    try:
        report = sync_site(site, store, each_planned_post(site, only=sources, items=items), sources)
    finally:
        store.close()
    scope.save(items, report)
    return report


def _items_of(site: Site, sources: set[str]) -> list[Item]:
    """The items of these files (as messages show them) as they are now: those in memory or the
    item cache, the others read again. Files that are gone or hold no item are left out."""
    content = site.config.content_dir
    folders = {**KIND_FOLDERS, **content_folders(site.collection_settings)}
    links_outside = site.config.allow_links_outside
    items = []
    for shown in sorted(sources):
        path = site.root / shown
        if path.suffix not in site.content_loaders or not path.is_file():
            continue
        for folder, kind in folders.items():
            if may_read(path, content / folder, site.root, links_outside=links_outside):
                items.append(site.store.current(site, path, kind))
                break
    return items
