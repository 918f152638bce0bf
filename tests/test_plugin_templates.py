"""A plugin ships a folder of templates (`cmsite_template_dirs`): searched after the site's and
the theme's, and watched like them, so an edit to one of its templates is built."""

from __future__ import annotations

from test_incremental import assert_same_as_clean_build

from cmsite.hookspecs import hookimpl

# A local plugin whose templates live outside every folder cmsite watches by itself, as those
# of an installed plugin live in site-packages.
WIDGET_PLUGIN = """
from cmsite.hookspecs import hookimpl

@hookimpl
def cmsite_template_dirs(site):
    return [site.root / "vendor" / "widget" / "templates"]
"""

PAGE_WITH_WIDGET = """{% extends "base.html" %}{% block content %}{{ item.content }}{% include "widget.html" %}{% endblock %}"""


def widget_site(site_folder) -> None:
    site_folder.write("plugins/widget.py", WIDGET_PLUGIN)
    site_folder.write("vendor/widget/templates/widget.html", "<aside>the plugin's widget</aside>")
    site_folder.write("vendor/widget/templates/page.html", "<p>the plugin's page template</p>")
    site_folder.write("themes/plain/templates/page.html", PAGE_WITH_WIDGET)
    site_folder.write("themes/plain/templates/base.html", "<main>{% block content %}{% endblock %}</main>\n")
    for name in ("list.html", "404.html"):
        site_folder.write(f"themes/plain/templates/{name}", "<main>{{ page.kind }}</main>\n")
    site_folder.write(
        "cmsite.toml",
        (site_folder.root / "cmsite.toml").read_text().replace("[build]", '[build]\ntheme = "plain"'),
    )
    site_folder.write("content/pages/about.md", "---\ntitle: About\n---\nAbout us.\n")


def test_a_page_includes_a_plugin_template_that_the_site_and_the_theme_override(site_folder):
    widget_site(site_folder)
    site_folder.build()
    assert site_folder.read("about/index.html") == (
        "<main><p>About us.</p><aside>the plugin's widget</aside></main>"
    )  # the theme's page.html, not the plugin's

    site_folder.write("templates/widget.html", "<aside>the site's widget</aside>")
    site_folder.build()
    assert "<aside>the site's widget</aside>" in site_folder.read("about/index.html")


def test_an_edited_plugin_template_is_built_again(site_folder, tmp_path):
    widget_site(site_folder)
    site_folder.build()
    site_folder.write("vendor/widget/templates/widget.html", "<aside>the plugin's new widget</aside>")
    report = site_folder.build()  # a new Site, like a command run: it first checks whether anything changed
    assert not report.nothing_changed
    assert "the plugin's new widget" in site_folder.read("about/index.html")
    assert_same_as_clean_build(site_folder, tmp_path, site_folder.output)


def test_plugin_template_folders_are_searched_in_hook_order(site_folder, tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    for folder in (first, second):
        folder.mkdir()
        (folder / "widget.html").write_text(f"<aside>{folder.name}</aside>")

    class First:
        @hookimpl
        def cmsite_template_dirs(self):
            return [first]

    class Second:
        @hookimpl(trylast=True)
        def cmsite_template_dirs(self):
            return [second]

    site_folder.write("templates/page.html", PAGE_WITH_WIDGET)
    site_folder.write("content/pages/about.md", "---\ntitle: About\n---\nAbout us.\n")
    site_folder.build(plugins=[Second(), First()])
    assert "<aside>first</aside>" in site_folder.read("about/index.html")
