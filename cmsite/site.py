"""The Site: one folder of content, its config and plugins, and the build that turns it into files.

Data flows one way: files → items (`load`) → pages and files (`render`) → output (`build`).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import Any

from cmsite.build.outputs import File, Page
from cmsite.build.templates import make_environment, render_page
from cmsite.build.theme import find_theme
from cmsite.build.writer import WriteReport, check_output_folder, write_output
from cmsite.config import CORE_SECTIONS, SiteConfig, load_config, read_section
from cmsite.content.item import Item
from cmsite.content.loader import discover, is_ignored, load_item
from cmsite.content.markdown import MarkdownRenderer
from cmsite.errors import ContentError, ContentErrors
from cmsite.plugins import PluginError, PluginSelection, call_each, make_plugin_manager
from cmsite.urls import UnsafeURL, Urls


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


@dataclass
class BuildReport:
    """What a build produced, for the one-line summary and for `cmsite_build_finished`."""

    pages: int = 0
    feeds: int = 0
    files: int = 0
    static: int = 0
    seconds: float = 0.0
    output: Path | None = None
    write: WriteReport = field(default_factory=WriteReport)


@dataclass
class Rendered:
    """Everything a build would write, held in memory until every page rendered without error."""

    files: dict[str, bytes | Path]
    report: BuildReport


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
    ):
        self.root = Path(root).resolve()
        self.config = config or load_config(self.root)
        self.urls = Urls(self.config)
        selection = PluginSelection.from_settings(
            self.config.enabled_plugins, self.config.disabled_plugins, self.config.plugins_folder, os.environ
        )
        self.pm = make_plugin_manager(selection, plugins)
        self.settings = self._plugin_settings()
        self.drafts = drafts
        self.future = future
        self.now = now or datetime.now(UTC)
        self.items: list[Item] = []
        self.posts: list[Item] = []
        self.pages: list[Item] = []
        self.feeds: list[dict[str, str]] = []

    @cached_property
    def markdown(self) -> MarkdownRenderer:
        return MarkdownRenderer(flatten(self.pm.hook.cmsite_markdown_extensions(site=self)))

    def _plugin_settings(self) -> dict[str, dict[str, Any]]:
        """Each plugin's own cmsite.toml table, checked against what the plugin declared."""
        settings: dict[str, dict[str, Any]] = {}
        owners: dict[str, str] = {}
        errors: list[ContentError] = []
        for plugin, sections in call_each(self.pm, "cmsite_settings"):
            for section in sections:
                if section.name in owners or section.name in CORE_SECTIONS:
                    owner = owners.get(section.name, "cmsite")
                    raise PluginError(
                        f"plugin {plugin} declares settings [{section.name}], already declared by {owner}"
                    )
                owners[section.name] = plugin
                settings[section.name], problems = read_section(self.config, section)
                errors += problems
        if errors:
            raise ContentErrors(errors)
        return settings

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

    def load(self) -> None:
        """Read every content file; raise ContentErrors listing the problems of all of them."""
        self.items, errors = [], []
        for path, kind in discover(self.config.content_dir, self.content_loaders):
            try:
                item = load_item(path, kind, self)
                self.pm.hook.cmsite_item_loaded(item=item, site=self)
            except ContentErrors as exc:
                errors.extend(exc.errors)
                continue
            self.items.append(item)
        if errors:
            raise ContentErrors(errors)
        published = [item for item in self.items if self.is_published(item)]
        self.posts = sorted(
            (i for i in published if i.kind == "post"),
            key=lambda i: (i.date or self.now, i.slug),
            reverse=True,
        )
        self.pages = sorted((i for i in published if i.kind == "page"), key=_menu_key)
        self.feeds = []
        self.pm.hook.cmsite_items_collected(site=self)

    @cached_property
    def view(self) -> SiteView:
        home = self.urls.url("/")
        menu = [{"title": "", "url": home, "kind": "home"}]
        menu += [
            {"title": p.title, "url": p.url, "kind": "page"} for p in self.pages if p.meta.get("menu", True)
        ]
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
        )

    def render(self, progress: Callable[[int, int], None] | None = None) -> Rendered:
        """Load content and render every output in memory; raise ContentErrors, writing nothing."""
        started = time.perf_counter()
        self.__dict__.pop("view", None)
        self.pm.hook.cmsite_build_started(site=self)
        try:
            self.load()
            pages = flatten(self.pm.hook.cmsite_pages(site=self))
            for page in pages:
                page.abs_url = self.urls.absolute(page.url)
                page.lang = page.lang or (page.item.lang if page.item else self.config.lang)
            files = flatten(self.pm.hook.cmsite_files(site=self, pages=pages))
            files += self._static_files()
            targets = self._targets(pages, files)
            rendered = self._render_pages(pages, targets, progress)
        except ContentErrors as exc:
            self.pm.hook.cmsite_build_failed(site=self, errors=exc.errors)
            raise
        for file in files:
            rendered[targets[id(file)]] = file.data if file.data is not None else file.source_path  # type: ignore[assignment]
        report = BuildReport(
            pages=len(pages),
            feeds=sum(f.kind == "feed" for f in files),
            files=sum(f.kind == "file" for f in files),
            static=sum(f.kind == "static" for f in files),
            seconds=time.perf_counter() - started,
        )
        return Rendered(rendered, report)

    def build(
        self,
        output: Path | None = None,
        *,
        clean: bool = False,
        progress: Callable[[int, int], None] | None = None,
    ) -> BuildReport:
        """Render, then write the output folder atomically, only what changed."""
        started = time.perf_counter()
        output = Path(output) if output else self.config.output_dir
        check_output_folder(output, self.root)
        result = self.render(progress)
        report = result.report
        report.write = write_output(output, result.files, clean=clean, written=self._written)
        report.output = output
        report.seconds = time.perf_counter() - started
        self.pm.hook.cmsite_build_finished(site=self, report=report)
        return report

    def _written(self, path: Path, relative: str) -> None:
        url = self.urls.url("/" + relative.removesuffix("index.html"))
        self.pm.hook.cmsite_page_written(path=path, url=url, site=self)

    def _static_files(self) -> list[File]:
        files = []
        for folder, prefix in flatten(self.pm.hook.cmsite_static_dirs(site=self)):
            for path in sorted(Path(folder).rglob("*")):
                relative = path.relative_to(folder)
                if (
                    path.is_file()
                    and not is_ignored(path, folder)
                    and path.suffix not in self.content_loaders
                ):
                    shown = str(path.relative_to(self.root)) if path.is_relative_to(self.root) else str(path)
                    url = self.urls.url(prefix.rstrip("/") + "/" + relative.as_posix())
                    files.append(File(url, source_path=path, sources=(shown,), kind="static"))
        return files

    def _targets(self, pages: list[Page], files: list[File]) -> dict[int, str]:
        """Output path of every page and file; two that collide are an error naming both."""
        targets: dict[int, str] = {}
        owners: dict[str, Page | File] = {}
        errors = []
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
                continue
            owners[path] = output
            targets[id(output)] = path
        if errors:
            raise ContentErrors(errors)
        return targets

    def _render_pages(
        self,
        pages: list[Page],
        targets: dict[int, str],
        progress: Callable[[int, int], None] | None,
    ) -> dict[str, bytes | Path]:
        env = make_environment(self, self.theme_dir)
        rendered: dict[str, bytes | Path] = {}
        errors = []
        for page in pages:
            context: dict[str, Any] = {
                "site": self.view,
                "page": page,
                "item": page.item,
                **page.context,
            }
            context["head"] = flatten(self.pm.hook.cmsite_head_tags(page=page, site=self))
            for extra in reversed(self.pm.hook.cmsite_template_context(page=page, site=self)):
                context.update(extra or {})
            result = render_page(env, page, context, self.root)
            if isinstance(result, ContentError):
                errors.append(result)
            else:
                rendered[targets[id(page)]] = result
            if progress:
                progress(len(rendered) + len(errors), len(pages))
        if errors:
            raise ContentErrors(errors)
        return rendered


def flatten(results: list[list[Any] | None]) -> list[Any]:
    """Hook results are one list per plugin; most callers want one list."""
    return [value for result in results if result for value in result]


def _menu_key(item: Item) -> tuple[float, str]:
    order = item.meta.get("menu_order")
    return (order if isinstance(order, int | float) else float("inf"), item.title.casefold())


def _source(output: Page | File) -> str:
    return output.sources[0] if output.sources else output.url


def _line(output: Page | File, key: str) -> int | None:
    item = getattr(output, "item", None)
    return item.line_of(key) if item else None
