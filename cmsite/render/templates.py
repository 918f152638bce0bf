"""The Jinja2 environment of one build, and rendering a page with its template."""

from __future__ import annotations

import contextlib
import gettext
import traceback
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
from markupsafe import Markup

from cmsite.errors import ContentError, display_path
from cmsite.messages import load_translations
from cmsite.render.i18n import DateFormatter
from cmsite.render.outputs import Page
from cmsite.render.pictures import Pictures
from cmsite.render.theme import builtin_themes_dir
from cmsite.urls import THEME_STATIC_URL

if TYPE_CHECKING:
    from cmsite.site import Site


class BytecodeCache(jinja2.FileSystemBytecodeCache):
    """Compiled templates kept between builds. One that cannot be saved (a full disk, a
    read-only folder) is compiled again next time: never a reason for the build to fail.
    `read_only` (`cmsite check`): those saved are used, none is saved."""

    def __init__(self, directory: Path, *, read_only: bool = False):
        if not read_only:
            directory.mkdir(parents=True, exist_ok=True)
        super().__init__(str(directory))
        self.read_only = read_only

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if self.read_only:
            return
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


def make_environment(site: Site, theme_dir: Path) -> jinja2.Environment:
    """Templates from the site's own `templates/` first (to override one file), then the theme's,
    then the plugins' (`cmsite_template_dirs`): the site and the theme override a plugin's.
    Each full build makes its own environment, and a quick rebuild happens only when no
    template changed: no need for Jinja to look at a template's file again each time a page
    includes or imports it (`auto_reload`, a `stat` per look-up)."""
    folders = (site.root / "templates", theme_dir / "templates", *plugin_template_dirs(site))
    search = [p for p in folders if p.is_dir()]
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(search),
        bytecode_cache=BytecodeCache(site.cache_dir / "jinja", read_only=site.read_only),
        autoescape=True,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.install_gettext_translations(load_translations(theme_dir, site.config.lang), newstyle=True)  # type: ignore[attr-defined]
    env.globals["gettext"] = env.globals["_"] = _remembered(env.globals["gettext"])
    env.globals["ngettext"] = _remembered(env.globals["ngettext"])
    formatter = DateFormatter(site.config.lang, site.config.tz)
    env.filters.update(date=formatter.date, datetime=formatter.datetime, isodate=formatter.isodate)
    env.globals["theme_url"] = lambda path: site.urls.url(THEME_STATIC_URL + path.lstrip("/"))
    env.globals["url"] = site.urls.url
    env.globals["memo"] = RenderMemo()
    pictures = env.globals["pictures"] = Pictures(site)  # the builder reads their stamps
    env.filters["pictures"] = pictures.enrich
    site.pm.hook.cmsite_jinja_environment(env=env, site=site)
    return env


def standalone_environment(site: Site, lang: str | None = None) -> jinja2.Environment:
    """The build's environment for a page made outside the built site (the calendar, the monthly
    report), in `lang` (the site's language by default); a theme of the site's own that lacks
    the page borrows the default theme's template and its translated labels."""
    lang = lang or site.config.lang
    env = make_environment(site, site.theme_dir)
    default = builtin_themes_dir() / "default"
    if site.theme_dir != default or lang != site.config.lang:
        assert env.loader is not None
        env.loader = jinja2.ChoiceLoader([env.loader, jinja2.FileSystemLoader(default / "templates")])
        env.install_gettext_translations(theme_translations(site, lang), newstyle=True)  # type: ignore[attr-defined]
        env.globals["_"] = env.globals["gettext"]  # make_environment's `_` is the theme's alone
    return env


def theme_translations(site: Site, lang: str) -> gettext.NullTranslations:
    """The site's theme's catalogue for `lang`, the default theme's underneath."""
    translations = load_translations(site.theme_dir, lang)
    default = builtin_themes_dir() / "default"
    if site.theme_dir != default:
        translations.add_fallback(load_translations(default, lang))
    return translations


def plugin_template_dirs(site: Site) -> list[Path]:
    """The template folders plugins ship, in the order their hooks are called. Watch mode and the
    check that nothing changed look at them too, as they look at the theme."""
    return [
        Path(folder) for folders in site.pm.hook.cmsite_template_dirs(site=site) for folder in folders or []
    ]


def _remembered(translate: Any) -> Any:
    """Jinja's gettext (or ngettext), remembering the answers that take no variables: a page
    translates the same two dozen labels as every other page."""
    made: dict[tuple[Any, ...], Any] = {}

    @jinja2.pass_context
    def remembered(context: jinja2.runtime.Context, *args: Any, **variables: Any) -> Any:
        if variables:
            return translate(context, *args, **variables)
        key = (*args, context.eval_ctx.autoescape)
        found = made.get(key)
        if found is None:
            found = made[key] = translate(context, *args)
        return found

    return remembered


def compile_templates(env: jinja2.Environment, names: Iterable[str]) -> None:
    """Compile these templates now (the pages' and those they use: `template_digests`' keys);
    one that does not compile is reported by the pages using it."""
    for name in names:
        with contextlib.suppress(jinja2.TemplateError):
            env.get_template(name)


class RenderMemo:
    """`{{ memo(macro, post, page.lang) }}`: a macro's output for one post, made once per render pass.

    A post's list summary appears on about seven pages (home, tag, category, archives) and is the
    same on each for the same page language. Items are known by their digest (file name and
    bytes). Emptied at the end of every render pass, so an item updated in watch mode is never
    shown stale.
    """

    def __init__(self) -> None:
        self._made: dict[tuple[Any, ...], Markup] = {}

    def __call__(self, macro: jinja2.runtime.Macro, item: Any, *context: Any) -> Markup:
        key = (macro.name, item.digest, *context)
        made = self._made.get(key)
        if made is None:
            made = self._made[key] = Markup(macro(item))
        return made

    def clear(self) -> None:
        self._made.clear()


def render_page(
    env: jinja2.Environment, page: Page, context: dict[str, Any], root: Path
) -> bytes | ContentError:
    """Render one page, or return the template error as `template:line: message`."""
    try:
        return env.get_template(page.template).render(context).encode("utf-8")
    except jinja2.TemplateSyntaxError as exc:
        where = display_path(Path(exc.filename), root) if exc.filename else page.template
        return ContentError(where, exc.lineno, f"template syntax error: {exc.message}")
    except jinja2.TemplateNotFound as exc:
        source = page.sources[0] if page.sources else page.template
        return ContentError(
            source, None, f"template {exc.name!r} not found in the theme; add it or fix the name"
        )
    except Exception as exc:
        where, line = _template_frame(exc, root)
        source = f" (while rendering {page.sources[0]})" if page.sources else ""
        return ContentError(where or page.template, line, f"template error: {exc}{source}")


def _template_frame(exc: BaseException, root: Path) -> tuple[str | None, int | None]:
    """The innermost template file and line in the traceback (Jinja rewrites frames to them)."""
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename.endswith((".html", ".xml", ".j2", ".jinja")):
            return display_path(Path(frame.filename), root), frame.lineno
    return None, None
