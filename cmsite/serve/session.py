"""One watch session: build, then rebuild after every batch of saves, and say what happened.

It never stops on bad input. A save that does not build is reported in the terminal
and in the open tabs, and the last good output stays where it is; the next good save
clears it. A change to cmsite.toml or to the site's plugins opens the site anew, so new
settings and plugin code take effect without a restart. After each good build the
publishing queue is brought in step with the plans, and the terminal says what was
queued, updated or cancelled. The editorial calendar is made from the same site, between
builds, whenever a tab asks for it.
"""

from __future__ import annotations

import gc
import threading
import traceback
from collections.abc import Callable
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from cmsite.config import CONFIG_NAME
from cmsite.errors import ContentErrors
from cmsite.plugins import PluginError
from cmsite.serve.reload import ReloadHub
from cmsite.serve.watcher import Batch, ChangeWatcher

if TYPE_CHECKING:
    from cmsite.render.report import BuildReport
    from cmsite.site import Site


class Say(Protocol):
    def __call__(self, text: str, *, fg: str | None = None) -> None: ...


class WatchSession:
    def __init__(
        self,
        open_site: Callable[[], Site],
        output: Path | None,
        *,
        say: Say,
        hub: ReloadHub | None = None,
    ) -> None:
        self.open_site = open_site
        self.site = open_site()  # without readable settings there is nothing to watch: the caller reports it
        self.output = (output or self.site.config.output_dir).resolve()
        self.say = say
        self.hub = hub or ReloadHub()
        self.watcher: ChangeWatcher | None = None
        self.after_sync: Callable[[], None] = lambda: None  # the publishing loop wakes up here
        self._problems: set[str] = set()
        self._loaded = False  # every item of the site is in memory (a build that skipped, or read back only some, loads none)
        self._lock = threading.Lock()  # a build, or a calendar made from the site: one at a time

    def start(self) -> None:
        """Watch first, then build, so a save during the first build is not missed. The networks'
        counting rules are imported now, not by the sync after the first save (a second, at
        which a save that follows would wait)."""
        self._watch()
        if self.site.networks:
            import cmsite.social.counting  # noqa: F401
        with self._lock:
            self._build(lambda: self.site.build(self.output))

    def run(self, stop: threading.Event) -> None:
        """Rebuild after each batch of saves until `stop` is set."""
        while not stop.is_set():
            assert self.watcher is not None
            batch = self.watcher.next_batch(timeout=0.25)
            if batch is not None:
                self.handle(batch)

    def close(self) -> None:
        if self.watcher is not None:
            self.watcher.stop()

    def handle(self, batch: Batch) -> bool:
        """Rebuild for one batch of saved paths; True when it built."""
        with self._lock:
            return self._handle(batch)

    def calendar_page(self, month: str | None) -> str:
        """The HTML calendar of a month (`2026-11`; None: this month) as the site now stands, made
        in memory: nothing of it is written to the output folder. ValueError for a wrong month."""
        from cmsite.calendar.html import render_month

        with self._lock:
            if not self._loaded:
                self.site.load()
                self._loaded = True
            return render_month(self.site, month)

    def _handle(self, batch: Batch) -> bool:
        if self._settings_changed(batch.paths):
            try:
                site = self.open_site()
            except (ContentErrors, PluginError) as exc:
                return self._failed(_messages(exc))
            self.site = site
            self._watch()
            return self._build(lambda: site.build(self.output))
        if batch.folders:  # a folder appeared, moved or went away: look at everything again
            return self._build(lambda: self.site.build(self.output))
        return self._build(lambda: self.site.rebuild(sorted(batch.paths), self.output))

    def request_rebuild(self, path: Path) -> None:
        """Rebuild as if `path` was saved (the publisher does, so pages show "Also on" links)."""
        if self.watcher is not None:
            self.watcher.add([path])

    def _settings_changed(self, paths: set[Path]) -> bool:
        config = self.site.root / CONFIG_NAME
        plugins = self.site.config.plugins_folder
        appeared = self.watcher.files if self.watcher is not None else set()
        return any(
            path == config
            or (plugins is not None and path.is_relative_to(plugins))
            or (path in appeared and path.is_dir())  # a watched folder that did not exist: watch it now
            for path in paths
        )

    def _watch(self) -> None:
        if self.watcher is not None:
            self.watcher.stop()
        site = self.site
        roots = [path for result in site.pm.hook.cmsite_watch_paths(site=site) for path in result or []]
        roots = [
            path for path in roots if not path.is_relative_to(site.cache_dir)
        ]  # the queue: see request_rebuild
        self.watcher = ChangeWatcher(roots, skipped=[self.output, site.cache_dir])
        self.watcher.start()

    def _build(self, action: Callable[[], BuildReport]) -> bool:
        try:
            report = action()
        except (ContentErrors, PluginError) as exc:
            return self._failed(_messages(exc))
        except Exception as exc:  # a bug must not end the session the writer relies on
            self.say(traceback.format_exc().rstrip(), fg="red")
            return self._failed(
                [f"cmsite failed unexpectedly ({exc.__class__.__name__}: {exc}); please report it"]
            )
        self._loaded = report.loaded or (self._loaded and report.nothing_changed)
        if not report.quick:  # make the next save's rebuild quick
            self.site.ready_for_saves(self.output)
            _settle()
        write = report.write
        urls = [self.site.urls.of_output(relative) for relative in (*write.written, *write.removed)]
        self.hub.built(urls)
        self.say(f"{_clock()} {_summary(report, urls)}", fg="green")
        for warning in report.warnings:  # what the build fixed by itself, until the file is fixed
            self.say(str(warning), fg="yellow")
        self._sync(report)
        return True

    def _failed(self, messages: list[str]) -> bool:
        self.hub.failed(messages)
        self.say(f"{_clock()} the save did not build; the last good build is still served:", fg="red")
        for message in messages:
            self.say(message, fg="red")
        return False

    def _sync(self, built: BuildReport) -> None:
        """Queue what the plans of the files changed since the last sync now say; tell the writer
        what will go out and when."""
        from cmsite.queue.changes import sync_changes
        from cmsite.queue.location import open_store, queue_address

        site = self.site
        if not site.networks:
            return
        try:  # opening the store raises ContentErrors when its database is damaged
            report = sync_changes(
                site, partial(open_store, site), queue_address(site), loaded=built.loaded, inputs=built.inputs
            )
        except (ContentErrors, PluginError) as exc:
            self._failed(_messages(exc))
            return
        for line in report.lines(site.config.tz):
            self.say(line)
        for warning in report.warnings:
            self.say(f"warning: {warning}", fg="yellow")
        problems = [str(problem) for problem in report.problems]
        for problem in problems:
            if problem not in self._problems:  # said once, not again at every save
                self.say(f"not queued: {problem}", fg="yellow")
        self._problems = set(problems)
        if report.changed:
            self.after_sync()


def _settle() -> None:
    """After a build that read the site (not a quick rebuild): collect what the last one left,
    then keep every object alive now out of later collections. On a site of 10,000 posts each
    full collection during a quick rebuild walked them all again: pauses of 35 to 60 ms, as
    long as the rest of the rebuild."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()


def _messages(exc: Exception) -> list[str]:
    if isinstance(exc, ContentErrors):
        return [str(error) for error in exc.errors]
    return [str(exc)]


def _summary(report: BuildReport, urls: list[str]) -> str:
    if report.nothing_changed or not urls:
        return f"nothing to rewrite ({report.seconds * 1000:.0f} ms)"
    pages_first = sorted(urls, key=lambda url: (not url.endswith("/"), -url.count("/"), url))
    shown = ", ".join(pages_first[:3]) + (f" and {len(urls) - 3} more" if len(urls) > 3 else "")
    return (
        f"{len(report.write.written)} written, {len(report.write.removed)} removed "
        f"in {report.seconds * 1000:.0f} ms: {shown}"
    )


def _clock() -> str:
    return datetime.now().strftime("%H:%M:%S")
