"""Every hook cmsite calls, in the order a build calls them.

Plugins implement these with `@cmsite.hookimpl`. Built-in features are plugins too
(`cmsite/default_plugins/`), registered `trylast`, so any plugin runs before them and can
add to or replace what they do. docs/plugins.md documents each hook with an example.

Hooks that collect (`cmsite_markdown_engines`, `cmsite_markdown_extensions`, `cmsite_pages`,
`cmsite_files`, `cmsite_head_tags`, `cmsite_static_dirs`, `cmsite_template_dirs`) gather one
list from every plugin; none is `firstresult`. A plugin's hook may accept fewer arguments than the spec lists.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    import click
    import jinja2
    import markdown
    from feedgen.entry import FeedEntry
    from markupsafe import Markup

    from cmsite.calendar.model import Month
    from cmsite.config import SettingsSection
    from cmsite.content.engine import MarkdownEngine
    from cmsite.content.item import Item
    from cmsite.content.markdown import MarkdownSource, Rendered
    from cmsite.errors import ContentError
    from cmsite.queue.store import Entry
    from cmsite.render.outputs import File, Page
    from cmsite.render.report import BuildReport
    from cmsite.report.data import ReportData, Section
    from cmsite.site import Site
    from cmsite.social.network import Network, Published
    from cmsite.social.planner import PlannedPost

hookspec = pluggy.HookspecMarker("cmsite")
hookimpl = pluggy.HookimplMarker("cmsite")


@hookspec
def cmsite_commands() -> list[click.Command]:
    """Return click commands to add to the `cmsite` command line.

    Called once when the command line lists its commands (`--help`) or looks up a name that is
    not one of cmsite's own, for the installed plugins (not a site's local folder, nor the
    built-in ones) that the site's `[plugins]` table and the environment let load. A name that
    another plugin already uses is an error naming both plugins.
    """


@hookspec
def cmsite_settings() -> list[SettingsSection]:
    """Declare this plugin's own table in cmsite.toml: its keys, types, defaults and checks.

    Called when a Site is created; the checked values are in `site.settings[NAME]`, and a
    bad value is a `cmsite.toml:line` error.
    """


@hookspec
def cmsite_build_started(site: Site) -> None:
    """A build begins, before any file is read. Reset per-build state here."""


@hookspec
def cmsite_markdown_engines() -> list[type[MarkdownEngine]]:
    """Return the Markdown engines this plugin provides (subclasses of
    `cmsite.content.engine.MarkdownEngine`), which `[build] markdown` chooses by `name`.

    Called once per site, when its engine is first needed. An engine name that another
    plugin already registered is an error naming both plugins.
    """


@hookspec
def cmsite_markdown_extensions(site: Site) -> list[str | markdown.Extension]:
    """Return Python-Markdown extensions (names or instances) to render every item with.

    Called once per site, when its Markdown engine is first needed, if that is Python-Markdown
    (the default); other engines do not take them.
    """


@hookspec
def cmsite_content_loaders(site: Site) -> dict[str, Callable[[str], Rendered]]:
    """Return {file suffix: renderer}: how to turn the body of such a file into HTML.

    A renderer takes the body text (front matter removed) and returns
    `cmsite.content.markdown.Rendered(html, toc, headings)`. The built-in plugin handles
    `.md` and `.markdown`; a plugin that returns the same suffix replaces it.
    """


@hookspec
def cmsite_markdown_source(source: MarkdownSource, item: Item, site: Site) -> None:
    """An item's text is about to be rendered: change `source.text` in place (shortcodes, macros).

    Called for the body and for a front-matter `summary:` (`source.part`), before the
    item's renderer, whatever its suffix; each plugin gets the text as the one before it
    left it. The result is cached with the item, so it may depend only on the text, the
    item and the settings. Keep the number of lines: errors point at lines of the file.
    """


@hookspec
def cmsite_item_loaded(item: Item, site: Site) -> None:
    """An item was read and rendered; change it in place (add meta, rewrite content).

    Called for every item, drafts and future posts included; raise
    `cmsite.errors.ContentErrors` to report a problem with the file.
    """


@hookspec
def cmsite_items_collected(site: Site) -> None:
    """All items are loaded; `site.posts`, `site.pages` and `site.collections` hold what will be published."""


@hookspec
def cmsite_template_dirs(site: Site) -> list[Path]:
    """Return folders of templates this plugin ships, searched after the site's `templates/`
    and the theme's: a site or a theme overrides a plugin's template by its name."""


@hookspec
def cmsite_jinja_environment(env: jinja2.Environment, site: Site) -> None:
    """The build's Jinja environment is ready: add filters, globals or tests to it."""


@hookspec
def cmsite_pages(site: Site) -> list[Page]:
    """Return the HTML pages this plugin adds to the site (posts, lists, archives…)."""


@hookspec
def cmsite_head_tags(page: Page, site: Site) -> list[Markup]:
    """Return tags for the `<head>` of `page`: meta, canonical and alternate links."""


@hookspec
def cmsite_template_context(page: Page, site: Site) -> dict[str, Any] | None:
    """Return extra variables for `page`'s template; later plugins' keys win."""


@hookspec
def cmsite_files(site: Site, pages: list[Page]) -> list[File]:
    """Return non-HTML files to write (feeds, sitemap, robots.txt…); `pages` is every page."""


@hookspec
def cmsite_feed_entry(entry: FeedEntry, item: Item, site: Site) -> None:
    """A feed entry for `item` was filled in; change it in place (feedgen's FeedEntry)."""


@hookspec
def cmsite_static_dirs(site: Site) -> list[tuple[Path, str]]:
    """Return (folder, URL prefix) pairs whose files are copied as-is to the output."""


@hookspec
def cmsite_page_written(path: Path, url: str, site: Site) -> None:
    """A file of the output was written (it is new or its bytes changed) at `path`."""


@hookspec
def cmsite_build_finished(site: Site, report: BuildReport) -> None:
    """The output folder was written; `report` says what was written and removed."""


@hookspec
def cmsite_build_failed(site: Site, errors: list[ContentError]) -> None:
    """The build stopped on errors and wrote nothing; `errors` lists every one."""


@hookspec
def cmsite_watch_paths(site: Site) -> list[Path]:
    """Return files or folders whose changes should trigger a rebuild in watch mode.

    The built-in plugin returns cmsite.toml, the content folder, the theme, the site's
    `templates/`, the plugins' template folders and the site's plugin folder. A path that does not exist yet is watched for
    its creation. Builds also use these paths to tell whether anything changed at all.
    """


@hookspec
def cmsite_networks() -> list[type[Network]]:
    """Return the social networks this plugin can post to (subclasses of `cmsite.social.network.Network`).

    Called once per site, when it first needs its networks (`site.networks`). A network
    name that another plugin already registered is an error naming both plugins.
    """


@hookspec
def cmsite_schedule(post: PlannedPost, site: Site) -> None:
    """A planned social post got its time (`post.at`, aware); change it in place to move it.

    Called by `cmsite preview`, `check`, `build` and `publish` for every plan, before its
    text is made. For instance: nothing on weekends, or not during a launch freeze.
    """


@hookspec
def cmsite_excerpt(post: PlannedPost, network: type[Network], site: Site) -> None:
    """The text of a planned social post was made (`post.written`, one string per post of
    a thread); change it in place. cmsite checks the result against the network's limit.
    """


@hookspec
def cmsite_before_publish(entry: Entry, network: Network, site: Site) -> None:
    """An entry is about to be sent; raise `cmsite.social.network.PublishError` to stop it."""


@hookspec
def cmsite_after_publish(entry: Entry, published: Published, site: Site) -> None:
    """An entry was published (`published.remote_id`, `published.url`), before that is recorded."""


@hookspec
def cmsite_metrics(entry: Entry, metrics: dict[str, int], site: Site) -> None:
    """`cmsite metrics` read a published entry's counts from its network (`{"likes": 12,
    "reposts": 5, "replies": 3}`, under the names of `cmsite.social.network.POST_METRICS`)."""


@hookspec
def cmsite_report_sections(site: Site, month: Month, data: ReportData) -> list[Section]:
    """Return sections to add to `cmsite report`'s month (figures compared with the previous
    month, a table, day-by-day series drawn as a chart), e.g. web analytics from a CSV export.

    Called once when the report's data is gathered, never when it is made again `--from` its
    data file: the sections are kept in that file. `data` holds what cmsite gathered already
    (the blog's posts, the social posts, the snapshots).
    """
