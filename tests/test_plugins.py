"""The pluggy core: one manager per site, built-ins as plugins that others can extend or replace."""

from __future__ import annotations

import inspect
import re

import pytest
from conftest import REPO
from markupsafe import Markup

from cmsite import hookspecs
from cmsite.errors import ContentErrors
from cmsite.hookspecs import hookimpl
from cmsite.plugins import DEFAULT_PLUGINS, PluginError
from cmsite.render.outputs import File, Page


def test_each_site_has_its_own_plugin_manager(site_folder):
    first, second = site_folder.site(), site_folder.site()
    assert first.pm is not second.pm
    assert set(DEFAULT_PLUGINS) <= {name for name, _ in first.pm.list_name_plugin()}


def test_built_in_plugins_run_last(site_folder):
    site = site_folder.site()
    for hook_name in ("cmsite_pages", "cmsite_files", "cmsite_head_tags"):
        for impl in getattr(site.pm.hook, hook_name).get_hookimpls():
            if impl.plugin_name in DEFAULT_PLUGINS:
                assert impl.trylast, (hook_name, impl.plugin_name)


def test_a_plugin_adds_pages_files_filters_context_and_head_tags(site_folder):
    site_folder.post("2026-01-01-a.md", "title: A")
    site_folder.write("templates/hello.html", "{{ greeting|shout }} {{ extra }}")
    calls = []

    class Hello:
        @hookimpl
        def cmsite_pages(self, site):
            return [
                Page(
                    url=site.urls.url("/hello/"),
                    template="hello.html",
                    kind="hello",
                    context={"greeting": "hi"},
                )
            ]

        @hookimpl
        def cmsite_files(self, site):
            return [File(site.urls.url("/humans.txt"), data=b"Made with care\n")]

        @hookimpl
        def cmsite_jinja_environment(self, env):
            env.filters["shout"] = str.upper

        @hookimpl
        def cmsite_template_context(self, page):
            return {"extra": f"[{page.kind}]"}

        @hookimpl
        def cmsite_head_tags(self, page):
            return [Markup('<meta name="generator" content="cmsite">')]

        @hookimpl
        def cmsite_item_loaded(self, item):
            item.meta["seen"] = True

        @hookimpl
        def cmsite_items_collected(self, site):
            calls.append(("collected", len(site.posts)))

        @hookimpl
        def cmsite_build_finished(self, report):
            calls.append(("finished", report.pages))

    site_folder.build(plugins=[Hello()])
    assert site_folder.read("hello/index.html") == "HI [hello]"
    assert site_folder.read("humans.txt") == "Made with care\n"
    assert '<meta name="generator" content="cmsite">' in site_folder.read("posts/a/index.html")
    assert calls[0] == ("collected", 1)
    assert calls[1][0] == "finished"


def test_a_built_in_feature_can_be_turned_off(site_folder):
    site_folder.write(
        "cmsite.toml",
        '[site]\ntitle = "T"\nurl = "https://x.org"\n\n[plugins]\ndisable = ["feeds", "archives"]\n',
    )
    site_folder.post("2026-01-01-a.md", "title: A")
    site_folder.build()
    assert not (site_folder.output / "feeds").exists()
    assert not (site_folder.output / "archives").exists()
    assert (site_folder.output / "posts/a/index.html").is_file()


def test_markdown_extensions_come_from_plugins(site_folder):
    site_folder.post("2026-01-01-a.md", "title: A", "Water is H~2~O.\n")

    class Subscript:
        @hookimpl
        def cmsite_markdown_extensions(self):
            from markdown.extensions import Extension
            from markdown.inlinepatterns import SimpleTagInlineProcessor

            class Sub(Extension):
                def extendMarkdown(self, md):
                    md.inlinePatterns.register(SimpleTagInlineProcessor(r"(~)(.+?)~", "sub"), "sub", 70)

            return [Sub()]

    site_folder.build(plugins=[Subscript()])
    assert "H<sub>2</sub>O" in site_folder.read("posts/a/index.html")


def test_feed_entry_hook_changes_entries(site_folder):
    site_folder.post("2026-01-01-a.md", "title: A")

    class Rights:
        @hookimpl
        def cmsite_feed_entry(self, entry, item):
            entry.rights(f"© {item.authors[0]}")

    site_folder.build(plugins=[Rights()])
    assert "<rights>© Test Author</rights>" in site_folder.read("feeds/atom.xml")


def test_build_failed_hook_receives_every_error(site_folder):
    site_folder.post("a.md", "title: A\ndate: x")
    seen = []

    class Watcher:
        @hookimpl
        def cmsite_build_failed(self, errors):
            seen.extend(errors)

    with pytest.raises(ContentErrors):
        site_folder.build(plugins=[Watcher()])
    assert [e.path for e in seen] == ["content/posts/a.md"]


def test_static_dirs_hook(site_folder, tmp_path):
    site_folder.post("2026-01-01-a.md", "title: A")
    extra = tmp_path / "brand"
    extra.mkdir()
    (extra / "logo.txt").write_text("logo")

    class Brand:
        @hookimpl
        def cmsite_static_dirs(self):
            return [(extra, "/brand/")]

    site_folder.build(plugins=[Brand()])
    assert site_folder.read("brand/logo.txt") == "logo"


def test_every_hookspec_is_documented():
    spec_names = [name for name in dir(hookspecs) if name.startswith("cmsite_")]
    assert len(spec_names) >= 13
    for name in spec_names:
        assert getattr(hookspecs, name).__doc__, name


def documented_hooks(docs: str) -> dict[str, list[str]]:
    r"""Each hook's arguments as its `### \`cmsite_x(a, b) -> …\`` heading in docs/plugins.md shows them."""
    found = re.findall(r"^### `(cmsite_\w+)\(([^)]*)\)", docs, flags=re.MULTILINE)
    assert len({name for name, _ in found}) == len(found), "a hook has two sections"
    return {name: [arg.strip() for arg in args.split(",") if arg.strip()] for name, args in found}


def test_every_hook_is_documented_with_its_signature():
    """As datasette does: the docs show every hook, and each with the hookspec's arguments in order."""
    specs = {
        name: list(inspect.signature(getattr(hookspecs, name)).parameters)
        for name in dir(hookspecs)
        if name.startswith("cmsite_")
    }
    assert documented_hooks((REPO / "docs/plugins.md").read_text(encoding="utf-8")) == specs


def test_the_plugins_own_functions_are_what_pluggy_calls(site_folder):
    """cmsite catches hook errors with a wrapper of its own, not by replacing pluggy's HookImpl.function."""
    site_folder.write(
        "plugins/tagger.py",
        "from cmsite.hookspecs import hookimpl\n\n@hookimpl\ndef cmsite_pages(site):\n    return []\n",
    )

    class Counter:
        @hookimpl
        def cmsite_item_loaded(self, item):
            pass

    site = site_folder.site(plugins=[Counter()])
    impls = [impl for caller in vars(site.pm.hook).values() for impl in caller.get_hookimpls()]
    assert {impl.plugin_name for impl in impls} >= {"tagger", "Counter", "entries"}
    for impl in impls:
        attributes = [getattr(impl.plugin, name) for name in dir(impl.plugin)]
        assert any(impl.function == attribute for attribute in attributes), (impl.plugin_name, impl.function)


def test_an_exception_through_another_plugins_wrapper_names_the_plugin_that_raised(site_folder):
    site_folder.post("2026-01-01-a.md", "title: A")
    seen = []

    class Around:
        @hookimpl(wrapper=True)
        def cmsite_item_loaded(self, item):
            try:
                return (yield)
            except Exception as exc:
                seen.append(type(exc).__name__)
                raise

    class Fragile:
        def __init__(self, fails):
            self.fails = fails

        @hookimpl
        def cmsite_item_loaded(self, item):
            if self.fails:
                raise KeyError("colour")

    fragile, sturdy = Fragile(fails=True), Fragile(fails=False)
    sturdy.__name__ = "Sturdy"  # two instances of one class are two plugins
    with pytest.raises(PluginError) as caught:
        site_folder.build(plugins=[sturdy, fragile, Around()])
    assert str(caught.value) == (
        "plugin Fragile, hook cmsite_item_loaded, while processing content/posts/2026-01-01-a.md: KeyError: 'colour'"
    )
    assert seen == ["KeyError"]  # other plugins' wrappers see the exception itself, as pluggy passes it
