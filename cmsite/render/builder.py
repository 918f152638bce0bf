"""The build: decide what changed, render only that (in parallel when there is a lot), write it.

1. If no input file changed since the last build (same sizes and times, no post became
   due, every output file untouched), stop at once.
2. If only posts or pages were saved, and none moved in the site (same URL, date, tags,
   category, status), render only the outputs that show them: the quick rebuild, from the
   last plan in memory (watch mode) or from the graph the last full build saved (a command,
   cmsite/render/graph.py), reading back only the items those outputs show.
3. Otherwise load the content (unchanged files come from the item cache), plan every
   page and file, and give each a fingerprint of what it is made of.
4. Render only the outputs whose fingerprint differs from the last build's, stage them
   (cmsite/render/writer.py), and commit them all at the end — or none, on error.

A build holds the output folder's lock (cmsite/render/lock.py) from its first look at the
folder to its last write; it removes whatever a killed build left staged before anything else.
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2

from cmsite.content.item import Item
from cmsite.content.local_files import broken_links
from cmsite.digests import Fingerprinter, digest, digest_bytes
from cmsite.errors import ContentError, ContentErrors
from cmsite.render.fingerprint import template_digests
from cmsite.render.graph import Restored, load_graph, save_graph
from cmsite.render.lock import output_lock
from cmsite.render.outputs import File, Page, Plan
from cmsite.render.pictures import PICTURE_KINDS
from cmsite.render.report import BuildCounts, BuildReport
from cmsite.render.state import BuildState, load_state, save_state, scan_inputs
from cmsite.render.templates import compile_templates, make_environment, render_page
from cmsite.render.writer import (
    MARKER,
    OutputWriter,
    Staged,
    Unwritable,
    check_output_folder,
    remove_staging,
    staging_folder,
)
from cmsite.workers import forks, map_jobs

if TYPE_CHECKING:
    from cmsite.site import Site


def state_file(cache_dir: Path, output: Path) -> Path:
    """One state file per output folder, so `cmsite build` and `cmsite serve` never undo each other's."""
    return per_output(cache_dir, output, "build-state.pickle")


def graph_file(cache_dir: Path, output: Path) -> Path:
    return per_output(cache_dir, output, "graph.pickle")


def per_output(cache_dir: Path, output: Path, name: str) -> Path:
    """`name` in the site's cache, made unique to one output folder: `build-state-<key>.pickle`."""
    stem, dot, suffix = name.partition(".")
    return cache_dir / f"{stem}-{digest(str(output))[:12]}{dot}{suffix}"


class Builder:
    """Builds one Site into one output folder; kept alive between rebuilds in watch mode.

    After a build it remembers the plan and, for every content file, the outputs that show
    it (the dependency graph), and saves them for the next command. A later save that changes
    only what a post says — not its URL, date, tags, category or status — re-renders just
    those outputs.
    """

    def __init__(self, site: Site, output: Path):
        self.site = site
        self.output = output
        self.state: BuildState | None = None
        self.last: _LastBuild | None = None

    def build(
        self,
        *,
        clean: bool = False,
        progress: Callable[[int, int], None] | None = None,
        changed: list[Path] | None = None,
    ) -> BuildReport:
        """Build everything that changed (only `changed` paths are looked at again, when given)."""
        with self._writing() as staging:
            return self._build(staging, clean, progress, changed)

    @contextmanager
    def _writing(self) -> Iterator[Path]:
        """Hold the output folder's lock, and a staging folder emptied of any killed build's files."""
        site = self.site
        cache = per_output(site.cache_dir, self.output, "staging")
        with output_lock(per_output(site.cache_dir, self.output, "build.lock"), self.output, site.root):
            check_output_folder(self.output, site.root)
            remove_staging(cache, self.output)
            try:
                yield staging_folder(cache, self.output)
            finally:
                remove_staging(cache, self.output)

    def _build(
        self,
        staging: Path,
        clean: bool,
        progress: Callable[[int, int], None] | None,
        changed: list[Path] | None,
    ) -> BuildReport:
        started = time.perf_counter()
        site = self.site
        if clean:  # everything written again, and the full build's sweep removes all else; the old
            # site stays in place until this one is complete, so a build that fails leaves it whole
            self.state = None
            state = BuildState(site.build_key, str(self.output.resolve()))
        else:
            state = self.state or load_state(
                state_file(site.cache_dir, self.output), site.build_key, self.output
            )
        inputs = self._inputs(state, changed)
        untouched = self._untouched(state)
        if untouched and state.inputs == inputs and not self._due(state):
            self.state = state
            return BuildReport(
                pages=len(state.outputs),
                output=self.output,
                nothing_changed=True,
                seconds=time.perf_counter() - started,
                warnings=state.warnings,  # as the last build found them: this one loaded nothing
                inputs=inputs,
            )
        if untouched and changed is None and not clean:
            quick = self._quick_after_saves(staging, state, inputs)
            if quick is not None:
                return quick
        site.pm.hook.cmsite_build_started(site=site)
        writer = OutputWriter(self.output, state, staging, site.root)
        try:
            plan = site.plan(changed)
            report, rendering = self._render(plan, make_environment(site, site.theme_dir), writer, progress)
            report.write = writer.commit(
                set(plan.targets.values()), sweep=changed is None, written=self._written
            )
        except ContentErrors as exc:
            self.last = None  # the items in memory no longer match the last plan: no quick path
            site.pm.hook.cmsite_build_failed(site=site, errors=exc.errors)
            raise
        except BaseException:
            self.last = None
            raise
        dependents, items = _dependents(plan), {str(item.source): item for item in site.items}
        self.last = _LastBuild(
            plan.targets, BuildCounts.of(plan), rendering, items.get,
            lambda shown: dependents.get(shown, []), complete=True,
        )  # fmt: skip
        state.inputs, state.next_due = inputs, site.next_due
        state.warnings = report.warnings = site.warnings
        report.inputs, report.loaded = inputs, True
        state.graph = secrets.token_hex(8)  # a graph that fails to save is never taken for this build's
        save_graph(
            graph_file(site.cache_dir, self.output), state.graph, site, plan, dependents,
            rendering.common, rendering.templates,
        )  # fmt: skip
        save_state(state_file(site.cache_dir, self.output), state)
        self.state = state
        report.output = self.output
        report.seconds = time.perf_counter() - started
        site.pm.hook.cmsite_build_finished(site=site, report=report)
        return report

    def _inputs(self, state: BuildState, changed: Iterable[Path] | None) -> dict[str, tuple[int, int]]:
        """Sizes and times of every input; after a save, only the changed paths are looked at again."""
        if changed is None or not state.inputs:
            watched = [
                p for result in self.site.pm.hook.cmsite_watch_paths(site=self.site) for p in result or []
            ]
            return scan_inputs(watched, self.site.root, links_outside=self.site.config.allow_links_outside)
        inputs = dict(state.inputs)
        for path in changed:
            key = str(Path(path).resolve()) if not Path(path).is_absolute() else str(path)
            try:
                stat = Path(key).stat()
            except OSError:
                inputs.pop(key, None)
                continue
            if Path(key).is_file():
                inputs[key] = (stat.st_mtime_ns, stat.st_size)
        return inputs

    def _untouched(self, state: BuildState) -> bool:
        """Whether the output folder is exactly as the last build left it."""
        if not state.outputs or not (self.output / MARKER).is_file():
            return False
        output = str(self.output)  # joined as text: Path objects for 16,000 outputs took a quarter second
        return all(state.intact(output, relative) for relative in state.outputs)

    def _due(self, state: BuildState) -> bool:
        """Whether a post the last build left out for its date has come due since."""
        return state.next_due is not None and (self.site.fixed_now or datetime.now(UTC)) >= state.next_due

    def _render(
        self,
        plan: Plan,
        env: jinja2.Environment,
        writer: OutputWriter,
        progress: Callable[[int, int], None] | None,
    ) -> tuple[BuildReport, _Rendering]:
        site, view = self.site, self.site.view
        fingerprint_of = Fingerprinter()
        rendering = _Rendering(
            env,
            template_digests(env, {page.template for page in plan.pages}),
            fingerprint_of,
            fingerprint_of(site.build_key, view.menu, view.feeds, view.extra, view.collections),
        )
        todo: list[tuple[Page | File, str, str | None]] = []
        for page in plan.pages:
            relative = plan.target(page)
            if writer.previous(relative) is None:  # nothing to compare with: the worker fingerprints it
                todo.append((page, relative, None))
                continue
            fingerprint = rendering.page(page)
            if not writer.unchanged(relative, fingerprint):
                todo.append((page, relative, fingerprint))
        for file in plan.files:
            relative = plan.target(file)
            fingerprint = _file_fingerprint(file)
            if not writer.unchanged(relative, fingerprint):
                todo.append((file, relative, fingerprint))
        parallel = forks(len(todo))
        if parallel:
            compile_templates(env, rendering.templates)  # before workers fork: each would compile them again
        self._render_jobs(todo, rendering, writer, progress, parallel=parallel)
        report = BuildReport(
            **asdict(BuildCounts.of(plan)), rendered=sum(isinstance(output, Page) for output, _, _ in todo)
        )
        return report, rendering

    def _render_jobs(
        self,
        todo: list[tuple[Page | File, str, str | None]],
        rendering: _Rendering,
        writer: OutputWriter,
        progress: Callable[[int, int], None] | None,
        *,
        parallel: bool,
    ) -> None:
        """Render pages and make files, staging each; raise ContentErrors with every failure."""
        site, env = self.site, rendering.env

        def render_one(job: tuple[Page | File, str, str | None]) -> Staged | Unwritable | ContentError:
            output, relative, fingerprint = job
            if isinstance(output, File):
                content: bytes | Path | ContentError = output.content()
            else:
                content = render_page(env, output, page_context(site, output), site.root)
                fingerprint = fingerprint or rendering.page(output)
            if isinstance(content, ContentError):
                return content
            assert fingerprint is not None
            return writer.stage(relative, content, fingerprint)

        errors = []
        results = map_jobs(render_one, todo) if parallel else map(render_one, todo)
        try:
            for done, result in enumerate(results, 1):
                if isinstance(result, Unwritable):  # the next file would fail the same way
                    raise ContentErrors([*errors, result.error])
                if isinstance(result, ContentError):
                    errors.append(result)
                else:
                    writer.add(result)
                if progress:
                    progress(done, len(todo))
        finally:
            if parallel:  # stop the workers now, not when the error is dropped: they write to staging
                results.close()  # type: ignore[attr-defined]  # map_jobs is a generator
            env.globals["memo"].clear()  # a summary per post: not worth keeping between passes
        if errors:
            raise ContentErrors(errors)

    def quick_rebuild(self, changed: list[Path]) -> BuildReport | None:
        """Re-render only what shows the changed posts, when their place in the site is the same.

        Returns None when a full (fingerprinted) build is needed instead: a file that is new,
        gone or not a post or page, a change of URL, date, tags, category or status, a post
        that became due, or a plugin that reacts to the whole collection of items.
        """
        updates = self._quick_updates(changed)
        if updates is None:
            return None
        with self._writing() as staging:
            return self._quick(staging, updates, changed, keep_state=False)

    def ready_for_saves(self) -> None:
        """Read the last build back from its graph now (see `Site.ready_for_saves`)."""
        if self.last is None and self.state is not None:
            self.last = self._saved_last(self.state)
            if self.last is not None:
                compile_templates(self.last.rendering.env, self.last.rendering.templates)

    def _quick_after_saves(
        self, staging: Path, state: BuildState, inputs: dict[str, tuple[int, int]]
    ) -> BuildReport | None:
        """`cmsite build` after saves: the quick rebuild watch mode would make, from the graph the
        last full build saved (cmsite/render/graph.py); None when a full build is needed."""
        self.state = state
        saved = [
            Path(path)
            for path in inputs.keys() | state.inputs.keys()
            if inputs.get(path) != state.inputs.get(path)
        ]
        updates = self._quick_updates(saved)
        return None if updates is None else self._quick(staging, updates, saved, keep_state=True)

    def _saved_last(self, state: BuildState) -> _LastBuild | None:
        """The last build as its saved graph tells it, with its items read back as it showed them."""
        site = self.site
        graph = load_graph(graph_file(site.cache_dir, self.output), state.graph)
        if graph is None:
            return None
        restored = Restored(site, graph, state.inputs)
        view = restored.view()
        if view is None:
            return None
        site.view, site.feeds = view, view.feeds  # what the templates see, as the last build made it
        env = make_environment(site, site.theme_dir)  # the templates are the last build's: no input changed
        rendering = _Rendering(env, graph.templates, Fingerprinter(), graph.common)
        return _LastBuild(
            graph.targets, graph.counts, rendering, restored.item, restored.shown_in, complete=False
        )

    def _quick_updates(self, changed: list[Path]) -> list[tuple[Item, Item, list[Page | File]]] | None:
        """Each saved item, old and new, with the outputs that show it; None when a full build is needed.
        With no build in memory yet (a command, or watch mode whose first build found nothing to
        do), the last one is read back from the graph it saved."""
        if self.state is None or not changed or self._due(self.state):
            return None
        if self.last is None:
            self.last = self._saved_last(self.state)
        site, last = self.site, self.last
        if last is None:
            return None
        if not all(
            quick_rebuild_safe(impl.plugin) for impl in site.pm.hook.cmsite_items_collected.get_hookimpls()
        ):
            return None
        updates = []
        for path in changed:
            old = last.item(
                os.path.realpath(path)
            )  # a link in a loop is itself: the full build says what is wrong
            if old is None or old.kind not in ("post", "page") or not Path(path).is_file():
                return None  # a collection's items may be shown by any template: every page is checked
            shown_in = last.shown_in(old.shown)
            if shown_in is None:
                return None
            new = site.store.reload(site, old.source, old.kind)  # raises ContentErrors, like a full build
            if _placement(site, old) != _placement(site, new):
                return None
            updates.append((old, new, shown_in))
        published = [new for _, new, _ in updates if site.is_published(new)]
        if broken := broken_links(site, published, last.targets):  # the files are the last build's
            raise ContentErrors(broken)
        return updates

    def _quick(
        self,
        staging: Path,
        updates: list[tuple[Item, Item, list[Page | File]]],
        changed: list[Path],
        *,
        keep_state: bool,
    ) -> BuildReport:
        """Put the new items in place of the old ones, render what shows them and write it.

        `keep_state`: save the state for the next command. Watch mode keeps it in memory: saving
        16,000 records takes 50 to 100 ms, during which the server thread cannot answer (pickle
        holds the interpreter), so the page just written would wait for it. The state on disk then
        no longer matches the output, and the next command checks every page again."""
        site, last, state = self.site, self.last, self.state
        assert last is not None and state is not None
        started = time.perf_counter()
        site.pm.hook.cmsite_build_started(site=site)
        for old, new, _ in updates:
            site.store.replace(old, new)
        site.feeds.clear()  # the same list the templates' `site.feeds` holds
        site.pm.hook.cmsite_items_collected(site=site)  # built-ins only (checked above): feeds, syndication
        todo = self._quick_todo(updates)
        writer = OutputWriter(self.output, state, staging, site.root)
        redone = {relative for _, relative, _ in todo}
        writer.kept = {
            relative: record for relative, record in state.outputs.items() if relative not in redone
        }
        report = BuildReport(**asdict(last.counts), output=self.output, loaded=last.complete, quick=True)
        report.rendered = sum(isinstance(output, Page) for output, _, _ in todo)
        try:
            self._render_jobs(todo, last.rendering, writer, None, parallel=False)
            report.write = writer.commit(set(last.targets.values()), sweep=False, written=self._written)
        except ContentErrors as exc:
            self.last = None  # the new items are in memory, their pages not on disk: a full build next
            site.pm.hook.cmsite_build_failed(site=site, errors=exc.errors)
            raise
        site.store.save()
        state.inputs = report.inputs = self._inputs(state, changed)
        state.warnings = report.warnings = _warnings_after(site, state.warnings, updates)
        if keep_state:
            save_state(state_file(site.cache_dir, self.output), state)
        report.seconds = time.perf_counter() - started
        site.pm.hook.cmsite_build_finished(site=site, report=report)
        return report

    def _quick_todo(
        self, updates: list[tuple[Item, Item, list[Page | File]]]
    ) -> list[tuple[Page | File, str, str | None]]:
        """Each output that shows a saved item, once, with its file and its new fingerprint."""
        last = self.last
        assert last is not None
        affected: dict[str, Page | File] = {}  # by URL: one output each
        for _, _, shown_in in updates:
            affected.update((output.url, output) for output in shown_in)
        olds = [old for old, _, _ in updates]
        for page in affected.values():
            item = page.item if isinstance(page, Page) else None
            if isinstance(page, Page) and item is not None and any(item is old for old in olds):
                page.title, page.lang, page.lastmod = item.title, item.lang, item.last_modified
        last.rendering.fingerprint_of.forget()
        todo: list[tuple[Page | File, str, str | None]] = []
        for output in affected.values():
            relative = last.targets[output.url]
            if isinstance(output, Page):
                todo.append((output, relative, last.rendering.page(output)))
            else:
                digests = [new.digest for _, new, _ in updates]
                todo.append((output, relative, digest(_file_fingerprint(output), digests)))
        return todo

    def _written(self, path: Path, relative: str) -> None:
        url = self.site.urls.of_output(relative)
        self.site.pm.hook.cmsite_page_written(path=path, url=url, site=self.site)


def _warnings_after(
    site: Site, warnings: list[ContentError], updates: list[tuple[Item, Item, list[Page | File]]]
) -> list[ContentError]:
    """The last build's warnings, with the saved files' replaced by what reading them again found."""
    saved = {old.shown for old, _, _ in updates}
    config = site.config.warnings
    kept = [w for w in warnings if w not in config and w.path not in saved]
    return [*config, *sorted(kept + [w for _, new, _ in updates for w in new.warnings])]


def quick_rebuild_safe(plugin: object) -> bool:
    """Whether a plugin declares that a quick rebuild may run its `cmsite_items_collected` again
    with only the saved items replaced (`quick_rebuild_safe = True`, docs/plugins.md)."""
    return getattr(plugin, "quick_rebuild_safe", False) is True


def page_context(site: Site, page: Page) -> dict[str, Any]:
    """Everything a template sees: site, page, item, the page's own context, head tags, plugin extras."""
    context: dict[str, Any] = {"site": site.view, "page": page, "item": page.item, **page.context}
    context["head"] = [
        tag for tags in site.pm.hook.cmsite_head_tags(page=page, site=site) for tag in tags or []
    ]
    for extra in reversed(site.pm.hook.cmsite_template_context(page=page, site=site)):
        context.update(extra or {})
    return context


def check_site(site: Site) -> Plan:
    """Load and render everything in memory, writing nothing; raise ContentErrors on any problem."""
    plan = site.plan()
    env = make_environment(site, site.theme_dir)
    errors = []
    for page in plan.pages:
        result = render_page(env, page, page_context(site, page), site.root)
        if isinstance(result, ContentError):
            errors.append(result)
    for file in plan.files:
        if file.render is not None:
            file.render()
    if errors:
        raise ContentErrors(errors)
    return plan


def _file_fingerprint(file: File) -> str:
    if file.fingerprint is not None:
        return file.fingerprint
    if file.data is not None:
        return digest_bytes(file.data)
    if file.source_path is not None:
        stat = file.source_path.stat()
        return digest(str(file.source_path), stat.st_mtime_ns, stat.st_size)
    return digest(file.url, secrets.token_hex(8))  # made by render() with no fingerprint: always made again


@dataclass
class _Rendering:
    """What a build renders pages with, and what says a page must be rendered again: the
    templates and their digests, and what every page's fingerprint starts with (the site's
    settings, menu, feeds…). A quick rebuild renders with the last full build's."""

    env: jinja2.Environment
    templates: dict[str, str]  # template name → digest of it and of what it includes or extends
    fingerprint_of: Fingerprinter
    common: str

    def page(self, page: Page) -> str:
        """The page's fingerprint: what it is made from, its pictures' files included."""
        template = self.templates.get(page.template, page.template)
        pictures = self.env.globals["pictures"].of_items(_items_in(page.item, page.context))
        return self.fingerprint_of(
            self.common, template, page.url, page.kind, page.title, page.lang, page.item, page.context,
            [(picture.url, picture.stamp) for picture in pictures],
        )  # fmt: skip


@dataclass
class _LastBuild:
    """What a quick rebuild needs of the last full build: in memory after a build in this process,
    or read back from the graph that build saved (cmsite/render/graph.py)."""

    targets: dict[str, str]  # URL → file, of every output
    counts: BuildCounts
    rendering: _Rendering
    item: Callable[[str], Item | None]  # a content file's item, as the last build showed it
    shown_in: Callable[[str], list[Page | File] | None]  # the outputs showing a file (None: cannot tell)
    complete: bool  # every item is in memory; read back from the graph, only those asked for are


def _dependents(plan: Plan) -> dict[str, list[Page | File]]:
    """For each content file (as shown in messages), the pages and files that show it."""
    graph: dict[str, list[Page | File]] = {}
    for page in plan.pages:
        for item in _items_in(page.item, page.context):
            graph.setdefault(item.shown, []).append(page)
    for file in plan.files:
        for shown in file.sources:
            graph.setdefault(shown, []).append(file)
    return graph


def _items_in(*values: Any) -> Iterator[Item]:
    for value in values:
        if isinstance(value, Item):
            yield value
        elif isinstance(value, dict):
            yield from _items_in(*value.values())
        elif isinstance(value, list | tuple):
            yield from _items_in(*value)


def _placement(site: Site, item: Item) -> tuple[Any, ...]:
    """What decides which pages exist, where an item is listed, and what every page shows of it.

    A page's title is in every page's menu; a tag's spelling names its page; a picture shown
    for the first time needs its copies made (cmsite.render.pictures).
    """
    return (
        item.url, item.date, item.updated, item.draft, site.is_published(item), item.lang,
        tuple(t.name for t in item.tags), item.category.name if item.category else None,
        item.title if item.kind != "post" else None,
        tuple(link.url for link in item.local_links if link.kind in PICTURE_KINDS),
    )  # fmt: skip
