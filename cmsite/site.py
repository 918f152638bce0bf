"""The Site: one folder of content, its config and plugins, and the build that turns it into files.

Data flows one way: files → items (`load`) → pages and files (`plan`) → output (`build`,
in cmsite/render/builder.py).
"""

from __future__ import annotations

import contextlib
import inspect
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from functools import cached_property
from pathlib import Path
from typing import Any

from cmsite import __version__
from cmsite.collections import collect, content_folders, read_collections
from cmsite.config import CONFIG_NAME, CORE_SECTIONS, SiteConfig, load_config, read_section
from cmsite.content.cache import ITEM_FORMAT, ContentCache
from cmsite.content.engine import MarkdownEngine, chosen
from cmsite.content.engine import clash as engine_clash
from cmsite.content.item import Item
from cmsite.content.loader import discover, files_under, may_read
from cmsite.content.local_files import broken_links
from cmsite.content.store import ItemStore
from cmsite.digests import digest, digest_bytes
from cmsite.errors import ContentError, ContentErrors, display_path
from cmsite.messages import agree
from cmsite.messages import count as count_of
from cmsite.plugins import PluginError, PluginSelection, make_plugin_manager, unique_results
from cmsite.render.outputs import File, Page, Plan
from cmsite.render.report import BuildReport
from cmsite.render.theme import find_theme
from cmsite.social.network import Network
from cmsite.social.settings import settings_errors
from cmsite.urls import ARCHIVES_URL, TAGS_INDEX_URL, UnsafeURL, Urls

CACHE_DIR = ".cmsite"


@dataclass
class SiteView:
    """What templates see as `site`."""

    title: str
    description: str
    url: str
    home_url: str
    lang: str
    author: str
    menu: list[dict[str, str]]
    feeds: list[dict[str, str]]
    extra: dict[str, Any]
    collections: dict[str, list[Item]] = field(default_factory=dict)  # `[collections.NAME]`'s published items


class Site:
    def __init__(
        self,
        root: Path | str,
        *,
        drafts: bool = False,
        future: bool = False,
        now: datetime | None = None,
        config: SiteConfig | None = None,
        plugins: Iterable[object] = (),
        strict: bool = False,
        read_only: bool = False,
    ):
        """`strict`: settings for networks no installed plugin provides are errors too (`cmsite check`).
        `read_only`: the caches in .cmsite/ are read, never made or written (`cmsite check` writes nothing)."""
        self.root = Path(root).resolve()
        self.config = config or load_config(self.root)
        self.collection_settings, wrong_collections = read_collections(self.config)  # [collections.NAME]
        self.urls = Urls(self.config, {name: c.url for name, c in self.collection_settings.items()})
        selection = PluginSelection.from_settings(
            self.config.enabled_plugins, self.config.disabled_plugins, self.config.plugins_folder, os.environ
        )
        self.pm = make_plugin_manager(selection, plugins)
        self.settings, problems = self._plugin_settings()
        problems += settings_errors(self.config, self.networks, strict=strict) + wrong_collections
        if problems:  # every wrong setting at once, in the file's order, before anything is read or sent
            raise ContentErrors(sorted(problems, key=lambda error: error.line or 0))
        self.drafts = drafts
        self.future = future
        self.fixed_now = now  # tests and previews pin the clock; otherwise each build reads it
        self.now = now or datetime.now(UTC)
        self.cache_dir = self.root / CACHE_DIR
        self.read_only = read_only
        self._builders: dict[Path, Any] = {}
        self.items: list[Item] = []
        self.posts: list[Item] = []
        self.pages: list[Item] = []
        self.feeds: list[dict[str, str]] = []
        self.collections: dict[str, list[Item]] = {}

    @cached_property
    def markdown(self) -> MarkdownEngine:
        """The engine `[build] markdown` names, of those plugins register (cmsite/content/engine.py)."""
        engines = unique_results(self.pm, "cmsite_markdown_engines", lambda engine: engine.name, engine_clash)
        return chosen(engines, self.config)(self)

    def _plugin_settings(self) -> tuple[dict[str, dict[str, Any]], list[ContentError]]:
        """Each plugin's own cmsite.toml table, checked against what the plugin declared."""
        settings: dict[str, dict[str, Any]] = {}
        errors: list[ContentError] = []
        sections = unique_results(
            self.pm,
            "cmsite_settings",
            lambda section: section.name,
            lambda plugin, name, owner: (
                f"plugin {plugin} declares settings [{name}], already declared by {owner}"
            ),
            taken=dict.fromkeys(CORE_SECTIONS, "cmsite"),
        )
        for section in sections:
            settings[section.name], problems = read_section(self.config, section)
            errors += problems
        return settings, errors

    @cached_property
    def networks(self) -> dict[str, type[Network]]:
        """Every network a plugin registered, by name."""
        networks = unique_results(
            self.pm,
            "cmsite_networks",
            lambda network: network.name,
            lambda plugin, name, owner: (
                f"plugin {plugin} registers the network {name!r}, which plugin {owner} already registered; disable one"
            ),
        )
        for network in networks:
            if network.publish is not Network.publish or inspect.isabstract(network):
                raise PluginError(
                    f"the network {network.name!r} ({network.__module__}.{network.__qualname__}) must implement "
                    "publish_one(session, part) and leave publish() to cmsite, which sends a thread part by part "
                    "(docs/plugins.md, cmsite_networks)"
                )
        return {network.name: network for network in networks}

    @cached_property
    def content_loaders(self) -> dict[str, Callable[[str], Any]]:
        """File suffix → body renderer; the first plugin in call order wins a suffix."""
        loaders: dict[str, Callable[[str], Any]] = {}
        for result in reversed(self.pm.hook.cmsite_content_loaders(site=self)):
            loaders.update(result or {})
        return loaders

    @cached_property
    def theme_dir(self) -> Path:
        return find_theme(self.config)

    def is_published(self, item: Item) -> bool:
        """Drafts and future posts stay out of every output unless asked for."""
        if item.draft and not self.drafts:
            return False
        return self.future or item.date is None or item.date <= self.now

    def load(self, changed: Iterable[Path] | None = None) -> None:
        """Read every content file (reusing unchanged ones); raise ContentErrors listing all problems."""
        config = self.config
        files = list(
            discover(
                config.content_dir,
                self.content_loaders,
                self.root,
                links_outside=config.allow_links_outside,
                collections=content_folders(self.collection_settings),
            )
        )
        self.items = self.store.load(self, files)
        published = [item for item in self.items if self.is_published(item)]
        self.posts = sorted(
            (i for i in published if i.kind == "post"),
            key=lambda i: (i.date or self.now, i.slug),
            reverse=True,
        )
        self.pages = sorted((i for i in published if i.kind == "page"), key=_menu_key)
        self.collections = collect(self.collection_settings, published)
        self.feeds = []
        self.pm.hook.cmsite_items_collected(site=self)

    @property
    def warnings(self) -> list[ContentError]:
        """What reading the settings and the loaded content fixed by itself (control characters
        removed), in path order: every build shows it, until the files are fixed."""
        return [*self.config.warnings, *sorted(w for item in self.items for w in item.warnings)]

    @property
    def next_due(self) -> datetime | None:
        """When the next future post becomes due: a build after that time must not be skipped."""
        due = [
            i.date for i in self.items if i.date and i.date > self.now and not (i.draft and not self.drafts)
        ]
        return min(due, default=None)

    @cached_property
    def store(self) -> ItemStore:
        return ItemStore(
            ContentCache(self.cache_dir / "content.sqlite", self.content_key, read_only=self.read_only)
        )

    @cached_property
    def content_key(self) -> str:
        """What every cached item depends on: cmsite, the plugins (and their code) and the settings."""
        plugins = []
        for name, source in sorted(self.pm.sources.items()):
            code = Path(source.path).read_bytes() if source.path else b""
            plugins.append((name, source.source, source.distribution, source.version, digest_bytes(code)))
        return digest(__version__, ITEM_FORMAT, plugins, self.config.raw, str(self.theme_dir))

    @property
    def build_key(self) -> str:
        """What a whole build depends on: the content key, plus the drafts and future switches."""
        return digest(self.content_key, self.drafts, self.future)

    @cached_property
    def view(self) -> SiteView:
        home = self.urls.url("/")
        menu = [{"title": "", "url": home, "kind": "home"}]
        menu += [
            {"title": p.title, "url": p.url, "kind": "page"} for p in self.pages if p.meta.get("menu", True)
        ]
        menu += self._index_links()
        config = self.config
        return SiteView(
            title=config.title,
            description=config.description,
            url=config.url,
            home_url=home,
            lang=config.lang,
            author=config.author,
            menu=menu,
            feeds=self.feeds,
            extra=config.extra,
            collections=self.collections,
        )

    def _index_links(self) -> list[dict[str, str]]:
        """The built-in archives and tags indexes, when they exist: every page leads to the posts
        by date and by subject (the theme names them)."""
        links = []
        if self.posts and self.pm.get_plugin("archives") is not None:
            links.append({"title": "", "url": self.urls.url(ARCHIVES_URL), "kind": "archives"})
        if any(p.tags or p.category for p in self.posts) and self.pm.get_plugin("taxonomies") is not None:
            links.append({"title": "", "url": self.urls.url(TAGS_INDEX_URL), "kind": "tags"})
        return links

    def plan(self, changed: Iterable[Path] | None = None) -> Plan:
        """Load the content and decide every output: pages, files and where each goes."""
        self.__dict__.pop("view", None)
        self.now = self.fixed_now or datetime.now(UTC)
        self.load(changed)
        pages = flatten(self.pm.hook.cmsite_pages(site=self))
        for page in pages:
            page.abs_url = self.urls.absolute(page.url)
            page.lang = page.lang or (page.item.lang if page.item else self.config.lang)
        files = flatten(self.pm.hook.cmsite_files(site=self, pages=pages))
        files += self._static_files()
        targets = self._targets(pages, files)
        # Every build, cached items too: a picture added or removed since counts at once.
        if broken := broken_links(self, [item for item in self.items if self.is_published(item)], targets):
            raise ContentErrors(broken)
        return Plan(pages, files, targets)

    def build(
        self,
        output: Path | None = None,
        *,
        clean: bool = False,
        progress: Callable[[int, int], None] | None = None,
    ) -> BuildReport:
        """Build into the output folder, rendering and writing only what changed."""
        return self._builder(output).build(clean=clean, progress=progress)

    def rebuild(self, changed: Iterable[Path], output: Path | None = None) -> BuildReport:
        """Rebuild after `changed` files were saved, reusing everything this Site already holds.

        For watch mode: items of unchanged files stay in memory, and only the pages whose
        inputs changed are rendered. The report lists what was written and removed.
        """
        builder = self._builder(output)
        changed = [Path(path).resolve() for path in changed]
        return builder.quick_rebuild(changed) or builder.build(changed=changed)

    def ready_for_saves(self, output: Path | None = None) -> None:
        """Watch mode, after a first build that had nothing to do: read the last build back and
        compile the templates now, so that the first save takes no longer than the next ones."""
        self._builder(output).ready_for_saves()

    def forget_builds(self) -> None:
        """Drop what each builder keeps for the next `rebuild` (the last plan, its templates and
        fingerprints): a one-shot command has no next rebuild, and on a large site that is tens of MiB."""
        self._builders.clear()

    def _builder(self, output: Path | None) -> Any:
        """One Builder per output folder, kept so the next rebuild can take the quick path."""
        from cmsite.render.builder import Builder

        target = (Path(output) if output else self.config.output_dir).resolve()
        if target not in self._builders:
            self._builders[target] = Builder(self, target)
        return self._builders[target]

    def _static_files(self) -> list[File]:
        """Every file of the static folders; raise ContentErrors naming each one that cannot be copied."""
        files, errors = [], []
        for folder, prefix in flatten(self.pm.hook.cmsite_static_dirs(site=self)):
            try:
                paths = files_under(Path(folder), self.root, links_outside=self.config.allow_links_outside)
            except ContentErrors as exc:
                errors += exc.errors
                continue
            for path in paths:
                if path.suffix in self.content_loaders:
                    continue
                shown = display_path(path, self.root)
                try:
                    url = self._copied_to(path, Path(folder), prefix)
                except UnsafeURL as exc:
                    errors.append(ContentError(shown, None, f"{exc}; rename the file"))
                    continue
                files.append(File(url, source_path=path, sources=(shown,), kind="static"))
        if errors:
            raise ContentErrors(errors)
        return files

    def _copied_to(self, path: Path, folder: Path, prefix: str) -> str:
        return self.urls.url(prefix.rstrip("/") + "/" + path.relative_to(folder).as_posix())

    def published_url(self, path: Path) -> str | None:
        """The absolute URL the deployed site serves a file at; None if the build does not copy it.

        Some networks (Threads) take a picture's address rather than its bytes and fetch it
        from the site themselves.
        """
        path = Path(os.path.abspath(path))
        for folder, prefix in flatten(self.pm.hook.cmsite_static_dirs(site=self)):
            folder = Path(os.path.abspath(folder))
            if path.suffix in self.content_loaders or not may_read(
                path, folder, self.root, links_outside=self.config.allow_links_outside
            ):
                continue
            with contextlib.suppress(UnsafeURL):
                return self.urls.absolute(self._copied_to(path, folder, prefix))
        return None

    def _targets(self, pages: list[Page], files: list[File]) -> dict[str, str]:
        """Output path of every page and file; two that collide are an error naming both."""
        targets: dict[str, str] = {}
        owners: dict[str, Page | File] = {}
        errors = []
        dated = 0  # clashes between posts of different days, which dated URLs end
        for output in [*pages, *files]:
            try:
                path = self.urls.output_path(output.url)
            except UnsafeURL as exc:
                errors.append(ContentError(_source(output), None, f"{exc}; change its slug or url"))
                continue
            if path in owners:
                first = _source(owners[path])
                errors.append(
                    ContentError(
                        _source(output),
                        _line(output, "slug"),
                        f"writes {output.url}, like {first}; give one of them another slug or url",
                    )
                )
                dated += _days_apart(owners[path], output, self.config.tz)
                continue
            owners[path] = output
            targets[output.url] = path
        if dated:
            errors.append(_dated_urls_hint(dated))
        if errors:
            raise ContentErrors(errors)
        return targets


def flatten(results: list[list[Any] | None]) -> list[Any]:
    """Hook results are one list per plugin; most callers want one list."""
    return [value for result in results if result for value in result]


def _menu_key(item: Item) -> tuple[float, str]:
    order = item.meta.get("menu_order")
    return (order if isinstance(order, int | float) else float("inf"), item.title.casefold())


def _days_apart(one: Page | File, other: Page | File, tz: tzinfo) -> bool:
    """Whether two outputs that clash are posts of different days (in the site's zone, as URLs
    take them) whose URLs come from the pattern: a blog moved in from Jekyll or WordPress,
    whose URLs held the date."""
    items = [getattr(output, "item", None) for output in (one, other)]
    days = {
        item.date.astimezone(tz).date()
        for item in items
        if item and item.kind == "post" and item.date and item.lines.get("url") is None
    }
    return len(days) == 2


def _dated_urls_hint(count: int) -> ContentError:
    """One piece of advice for every clash the dated URL pattern ends, rather than one per clash."""
    clashes = f"{count_of(count, 'clash', 'clashes')} of URLs {agree(count, 'is', 'are')}"
    return ContentError(
        CONFIG_NAME,
        None,
        f"{clashes} between posts of different days; dated URLs, as Jekyll and WordPress make, "
        f"end {agree(count, 'it', 'all')}: "
        'add `post = "/{year}/{month:02d}/{day:02d}/{slug}/"` under [urls] in cmsite.toml',
    )


def _source(output: Page | File) -> str:
    return output.sources[0] if output.sources else output.url


def _line(output: Page | File, key: str) -> int | None:
    item = getattr(output, "item", None)
    return item.line_of(key) if item else None
