"""Incremental builds give exactly the output of a clean full build, whatever was edited."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

import cmsite
from cmsite.content.store import ItemStore
from cmsite.errors import ContentErrors
from cmsite.hookspecs import hookimpl
from cmsite.render.writer import MARKER
from cmsite.testing import staged_files


def tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def assert_same_as_clean_build(site_folder, tmp_path, output: Path, after: str = "") -> None:
    fresh = tmp_path / f"fresh-{len(list(tmp_path.iterdir()))}"
    _clean_build(site_folder, fresh)
    built, expected = tree(output), tree(fresh)
    assert sorted(built) == sorted(expected), after
    different = [name for name in built if built[name] != expected[name]]
    assert different == [], after


def _clean_build(site_folder, target: Path) -> None:
    cache = site_folder.root / ".cmsite"
    hidden = site_folder.root / ".cmsite-aside"
    os.rename(cache, hidden)
    try:
        site_folder.site().build(target)
    finally:
        import shutil

        shutil.rmtree(cache, ignore_errors=True)
        os.rename(hidden, cache)


def write_posts(site_folder, count=12):
    for n in range(1, count + 1):
        site_folder.post(
            f"2026-0{1 + n % 9}-{10 + n}-post-{n}.md",
            f"title: Post {n}\ntags: [t{n % 3}, shared]\ncategory: C{n % 2}",
            f"Body of post {n}.\n\n## One\n\nText.\n\n## Two\n\nMore.\n",
        )


EDITS = [
    (
        "edit a body",
        lambda s: s.post(
            "2026-02-11-post-1.md", "title: Post 1\ntags: [t1, shared]\ncategory: C1", "Changed.\n"
        ),
    ),
    (
        "edit a title",
        lambda s: s.post("2026-03-12-post-2.md", "title: Retitled\ntags: [t2, shared]\ncategory: C0", "B.\n"),
    ),
    (
        "move tags",
        lambda s: s.post("2026-04-13-post-3.md", "title: Post 3\ntags: [brand-new]\ncategory: C1", "B.\n"),
    ),
    ("add a post", lambda s: s.post("2026-09-30-added.md", "title: Added\ntags: [t0]", "New.\n")),
    ("delete a post", lambda s: (s.root / "content/posts/2026-05-14-post-4.md").unlink()),
    (
        "rename a post",
        lambda s: (s.root / "content/posts/2026-06-15-post-5.md").rename(
            s.root / "content/posts/2026-06-15-renamed.md"
        ),
    ),
    ("make a draft", lambda s: s.post("2026-07-16-post-6.md", "title: Post 6\ndraft: true", "B.\n")),
    (
        "edit a template",
        lambda s: s.write("templates/post.html", "<p>{{ item.title }}</p>{{ item.content }}\n"),
    ),
    ("edit an included template", lambda s: s.write("templates/_pagination.html", "<nav>pages</nav>\n")),
    ("remove a template override", lambda s: (s.root / "templates/post.html").unlink()),
    (
        "change a setting",
        lambda s: s.write("cmsite.toml", (s.root / "cmsite.toml").read_text().replace("= 5", "= 3")),
    ),
    ("add a page", lambda s: s.write("content/pages/about.md", "---\ntitle: About\n---\nUs.\n")),
    ("edit a page", lambda s: s.write("content/pages/about.md", "---\ntitle: About us\n---\nWe.\n")),
    (
        "edit a summary",
        lambda s: s.post(
            "2026-09-18-post-8.md", "title: Post 8\nsummary: New *summary*.\ntags: [t2]", "B.\n"
        ),
    ),
    (
        "edit authors",
        lambda s: s.post("2026-09-18-post-8.md", "title: Post 8\nauthors: [Zoë]\ntags: [t2]", "B.\n"),
    ),
    ("add an image", lambda s: s.write("content/images/a.svg", "<svg xmlns='http://www.w3.org/2000/svg'/>")),
]


# Edits that leave the post where it is listed: a command rebuilds them as watch mode does, from
# the graph the last build saved, without reading every item back.
QUICK = {"edit a body", "edit a title", "edit authors"}


def test_cli_builds_after_every_edit_match_a_clean_build(site_folder, tmp_path, monkeypatch):
    write_posts(site_folder)
    site_folder.build()
    loads = []
    load = ItemStore.load
    monkeypatch.setattr(
        ItemStore, "load", lambda store, site, files: loads.append(files) or load(store, site, files)
    )
    quick = set()
    for _name, edit in EDITS:
        loads.clear()
        edit(site_folder)
        site_folder.build()  # a new Site each time, like a command run
        if not loads:
            quick.add(_name)
        assert_same_as_clean_build(site_folder, tmp_path, site_folder.output, _name)
    assert quick == QUICK


def test_in_process_rebuilds_after_every_edit_match_a_clean_build(site_folder, tmp_path):
    write_posts(site_folder)
    site = site_folder.site()
    site.build()
    for _name, edit in EDITS:
        touched = edited(site_folder, edit)
        if "setting" in _name:
            site = site_folder.site()  # watch mode starts a new Site when cmsite.toml changes
            site.build()
        else:
            site.rebuild(touched)
        assert_same_as_clean_build(site_folder, tmp_path, site_folder.output, _name)


def edited(site_folder, edit) -> list[Path]:
    """Make the edit; the files it touched, as watch mode would report them."""
    before = snapshot(site_folder.root)
    edit(site_folder)
    after = snapshot(site_folder.root)
    return [path for path in before.keys() | after.keys() if before.get(path) != after.get(path)]


def snapshot(root: Path) -> dict[Path, tuple[int, int]]:
    return {
        p: (p.stat().st_mtime_ns, p.stat().st_size)
        for p in root.rglob("*")
        if p.is_file() and not {".cmsite", "output"} & set(p.relative_to(root).parts)
    }


def test_a_body_edit_rerenders_only_what_shows_the_post(site_folder):
    write_posts(site_folder)
    site = site_folder.site()
    site.build()
    path = site_folder.post(
        "2026-02-11-post-1.md", "title: Post 1\ntags: [t1, shared]\ncategory: C1", "Edited body.\n"
    )
    report = site.rebuild([path])
    assert 0 < report.rendered < 15
    assert "posts/post-1/index.html" in report.write.written
    assert "Edited body." in site_folder.read("posts/post-1/index.html")
    assert "posts/post-5/index.html" not in report.write.written


class Backlinks:
    """Changes each item from what it sees of the others: only safe for a quick rebuild if it says so."""

    @hookimpl
    def cmsite_items_collected(self, site):
        for item in site.posts:
            item.meta["neighbours"] = len(site.posts) - 1


class SafeBacklinks(Backlinks):
    quick_rebuild_safe = True


@pytest.mark.parametrize(("plugin", "quick"), [(Backlinks(), False), (SafeBacklinks(), True)])
def test_a_plugin_that_sees_every_item_keeps_the_quick_path_only_if_it_declares_it_safe(
    site_folder, plugin, quick
):
    write_posts(site_folder)
    site = site_folder.site(plugins=[plugin])
    site.build()
    path = site_folder.post(
        "2026-02-11-post-1.md", "title: Post 1\ntags: [t1, shared]\ncategory: C1", "Edited body.\n"
    )
    edited = next(item for item in site.items if item.source == path)
    report = site.rebuild([path])
    assert "Edited body." in site_folder.read("posts/post-1/index.html")
    # the quick path replaces the item every page holds; a full build loads a new one
    assert (next(item for item in site.items if item.source == path) is edited) is quick
    assert report.rendered < 15 if quick else report.rendered > 0


def test_nothing_changed_is_detected_without_loading(site_folder, monkeypatch):
    write_posts(site_folder)
    site_folder.build()
    import cmsite.content.loader as loader

    monkeypatch.setattr(loader, "load_item", lambda *a: pytest.fail("loaded a file"))
    report = site_folder.build()
    assert report.nothing_changed


def test_an_unchanged_post_is_never_rendered_again(site_folder, monkeypatch):
    write_posts(site_folder)
    site_folder.build()
    site_folder.post("2026-02-11-post-1.md", "title: Post 1\ntags: [t1, shared]\ncategory: C1", "New body.\n")
    import cmsite.content.store as store

    loaded = []
    real = store.load_item
    monkeypatch.setattr(
        store, "load_item", lambda path, kind, site: loaded.append(path.name) or real(path, kind, site)
    )
    site_folder.build()
    assert loaded == ["2026-02-11-post-1.md"]


def test_a_touched_output_file_is_written_again(site_folder):
    write_posts(site_folder)
    site_folder.build()
    page = site_folder.output / "posts/post-2/index.html"
    page.write_text("vandalised")
    report = site_folder.build()
    assert not report.nothing_changed
    assert "posts/post-2/index.html" in report.write.written
    assert "Post 2" in page.read_text()


def test_a_future_post_appears_when_due_even_if_nothing_changed(site_folder):
    from datetime import UTC, datetime

    write_posts(site_folder, 3)
    site_folder.post("2026-12-01-soon.md", "title: Soon")
    site_folder.build()
    assert not (site_folder.output / "posts/soon").exists()
    report = site_folder.build(now=datetime(2026, 12, 2, tzinfo=UTC))
    assert not report.nothing_changed
    assert (site_folder.output / "posts/soon/index.html").is_file()


@pytest.mark.parametrize("what", ["cmsite version", "plugin", "setting"])
def test_the_cache_is_invalidated_when_what_it_depends_on_changes(site_folder, monkeypatch, what):
    write_posts(site_folder, 3)
    site_folder.build()
    loaded = []
    import cmsite.content.store as store

    real = store.load_item
    monkeypatch.setattr(
        store, "load_item", lambda path, kind, site: loaded.append(path.name) or real(path, kind, site)
    )
    plugins = []
    if what == "cmsite version":
        monkeypatch.setattr("cmsite.site.__version__", cmsite.__version__ + ".post1")
    elif what == "plugin":

        class Extra:
            @hookimpl
            def cmsite_item_loaded(self, item):
                item.meta["extra"] = True

        plugins = [Extra()]
    else:
        config = site_folder.root / "cmsite.toml"
        config.write_text(config.read_text().replace('author = "Test Author"', 'author = "Someone Else"'))
    report = site_folder.build(plugins=plugins)
    assert len(loaded) == 3
    assert not report.nothing_changed
    assert report.rendered == report.pages


def test_a_corrupt_cache_is_discarded(site_folder, tmp_path):
    write_posts(site_folder, 4)
    site_folder.build()
    (state,) = (site_folder.root / ".cmsite").glob("build-state-*.pickle")
    state.write_bytes(b"\x80\x04garbage")
    with sqlite3.connect(site_folder.root / ".cmsite/content.sqlite") as db:
        db.execute("UPDATE items SET item = ?", (b"not a pickle",))
    report = site_folder.build()
    assert report.rendered == report.pages
    assert_same_as_clean_build(site_folder, tmp_path, site_folder.output)
    (site_folder.root / ".cmsite/content.sqlite").write_bytes(b"this is not sqlite at all" * 100)
    state.unlink()
    site_folder.build()
    assert_same_as_clean_build(site_folder, tmp_path, site_folder.output)


def test_the_summary_memo_of_older_versions_is_dropped_from_the_cache(site_folder):
    write_posts(site_folder, 2)
    site_folder.build()
    cache = site_folder.root / ".cmsite/content.sqlite"
    with sqlite3.connect(cache) as db:  # what a cache written before issue 16 also held
        db.execute("CREATE TABLE memo (key TEXT PRIMARY KEY, value BLOB)")
        db.execute("INSERT INTO memo VALUES ('a summary', zeroblob(100000))")
    site_folder.post("2026-03-01-new.md", "title: New")  # a build that opens the cache
    site_folder.build()
    with sqlite3.connect(cache) as db:
        tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert tables == {"items"}


def test_a_failed_incremental_build_leaves_no_temporary_files(site_folder):
    write_posts(site_folder, 3)
    site_folder.build()
    site_folder.write("templates/post.html", "{{ item.title|nosuch }}")
    with pytest.raises(ContentErrors):
        site_folder.build()
    assert staged_files(site_folder.root) == []
    assert (site_folder.output / MARKER).is_file()
    assert "Post 1" in site_folder.read("posts/post-1/index.html")


def test_a_template_edit_rerenders_only_the_pages_that_use_it(site_folder):
    write_posts(site_folder, 6)
    site_folder.write("content/pages/about.md", "---\ntitle: About\n---\nUs.\n")
    site_folder.build()
    site_folder.write(
        "templates/page.html",
        '{% extends "base.html" %}{% block content %}{{ item.content }}{% endblock %}\n',
    )
    report = site_folder.build()
    assert report.rendered == 1  # the one page; posts and lists use other templates
    site_folder.write("templates/_pagination.html", "<nav>pages</nav>\n")  # included by list.html only
    report = site_folder.build()
    lists = [page for page in site_folder.site().plan().pages if page.template == "list.html"]
    assert report.rendered == len(lists) > 0


def test_a_build_reads_only_the_templates_its_pages_use(site_folder, monkeypatch):
    """The theme's calendar and report templates are for other commands: a build neither
    reads nor compiles them."""
    import jinja2

    read = []
    get_source = jinja2.FileSystemLoader.get_source
    monkeypatch.setattr(
        jinja2.FileSystemLoader,
        "get_source",
        lambda self, env, name: read.append(name) or get_source(self, env, name),
    )
    write_posts(site_folder, 3)
    site_folder.build()
    assert {"post.html", "base.html", "_macros.html", "list.html"} <= set(read)
    assert not [name for name in read if name.startswith(("calendar/", "report/"))]


def test_content_and_static_files_are_found_in_path_order_and_hidden_folders_skipped(tmp_path):
    from cmsite.content.loader import files_under

    for name in ["a/z.txt", "a/b/c.txt", "a-b/x.txt", "a.txt", ".git/config", "a/_draft/x.txt", "a/x.txt~"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    (tmp_path / "a/folder-link").symlink_to(tmp_path / "a-b")
    assert [p.relative_to(tmp_path).as_posix() for p in files_under(tmp_path)] == [
        "a/b/c.txt",
        "a/folder-link/x.txt",  # a link to a folder inside is walked like the folder
        "a/z.txt",
        "a-b/x.txt",
        "a.txt",
    ]


def test_a_command_never_takes_the_quick_path_from_a_graph_older_than_the_last_build(
    site_folder, tmp_path, monkeypatch
):
    write_posts(site_folder)
    site_folder.build()
    graph = next((site_folder.root / ".cmsite").glob("graph-*.pickle"))
    older = graph.read_bytes()
    site_folder.post("2026-04-13-post-3.md", "title: Post 3\ntags: [brand-new]\ncategory: C1", "B.\n")
    site_folder.build()  # a new tag page: the graph on disk is this build's
    graph.write_bytes(older)  # as if this build could not save its own
    loads = []
    load = ItemStore.load
    monkeypatch.setattr(
        ItemStore, "load", lambda store, site, files: loads.append(files) or load(store, site, files)
    )
    site_folder.post("2026-04-13-post-3.md", "title: Post 3\ntags: [brand-new]\ncategory: C1", "Edited.\n")
    site_folder.build()
    assert loads  # the full build, not a quick one from the older graph
    assert_same_as_clean_build(site_folder, tmp_path, site_folder.output)
