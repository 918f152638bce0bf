"""Output discipline: atomic writes, unchanged files untouched, stale files removed, safe folders."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cmsite.errors import ContentErrors
from cmsite.render.writer import MARKER
from cmsite.testing import staged_files


def stamp(folder):
    return {
        p.relative_to(folder): (p.stat().st_ino, p.stat().st_mtime_ns)
        for p in folder.rglob("*")
        if p.is_file()
    }


def test_unchanged_files_are_not_rewritten(site_folder):
    site_folder.post("2026-05-01-a.md", "title: A")
    site_folder.post("2026-05-02-b.md", "title: B")
    first = site_folder.build()
    assert first.write.unchanged == 0
    before = stamp(site_folder.output)
    second = site_folder.build()
    assert second.write.written == []
    assert stamp(site_folder.output) == before


def test_an_edit_rewrites_only_what_shows_it(site_folder):
    site_folder.post("2026-05-01-a.md", "title: A", "Old text.\n")
    site_folder.post("2026-05-02-b.md", "title: B")
    site_folder.build()
    site_folder.post("2026-05-01-a.md", "title: A", "New text.\n")
    report = site_folder.build()
    assert "posts/a/index.html" in report.write.written
    assert "posts/b/index.html" not in report.write.written
    assert "New text." in site_folder.read("posts/a/index.html")


def test_stale_files_are_removed(site_folder):
    site_folder.post("2026-05-01-a.md", "title: A\ntags: [gone]")
    site_folder.post("2026-05-02-b.md", "title: B")
    site_folder.build()
    assert (site_folder.output / "tags/gone/index.html").is_file()
    (site_folder.root / "content/posts/2026-05-01-a.md").unlink()
    report = site_folder.build()
    assert "posts/a/index.html" in report.write.removed
    assert not (site_folder.output / "posts/a").exists()
    assert not (site_folder.output / "tags/gone").exists()


def test_the_sweep_walks_an_output_folder_only_when_it_was_there_before(site_folder, monkeypatch):
    """A folder this build made holds only what it wrote: nothing to look for. One that was
    there may hold files cmsite never wrote, which a full build removes."""
    import cmsite.render.writer as writer

    walked = []
    files_under = writer._files_under
    monkeypatch.setattr(writer, "_files_under", lambda output: walked.append(output) or files_under(output))
    site_folder.post("2026-05-01-a.md", "title: A")
    site_folder.build()
    assert walked == []
    (site_folder.output / "left.txt").write_text("not cmsite's")
    site_folder.post("2026-05-02-b.md", "title: B")
    site_folder.build()
    assert walked == [site_folder.output]
    assert not (site_folder.output / "left.txt").exists()


def test_no_temporary_files_are_left_behind(site_folder):
    site_folder.post("2026-05-01-a.md", "title: A")
    site_folder.build()
    assert staged_files(site_folder.root) == []


def test_a_folder_of_someone_elses_files_is_refused(site_folder, tmp_path):
    site_folder.post("2026-05-01-a.md", "title: A")
    foreign = tmp_path / "home"
    foreign.mkdir()
    (foreign / "thesis.txt").write_text("precious")
    with pytest.raises(ContentErrors) as caught:
        site_folder.build(output=foreign)
    assert "files that cmsite did not write" in str(caught.value)
    assert (foreign / "thesis.txt").read_text() == "precious"


def test_the_site_folder_itself_is_refused(site_folder):
    site_folder.post("2026-05-01-a.md", "title: A")
    with pytest.raises(ContentErrors):
        site_folder.build(output=site_folder.root)


def test_other_output_folder_and_clean(site_folder, tmp_path):
    site_folder.post("2026-05-01-a.md", "title: A")
    target = tmp_path / "public"
    site_folder.site().build(target)
    assert (target / MARKER).is_file()
    (target / "leftover.html").write_text("x")
    report = site_folder.site().build(target, clean=True)
    assert not (target / "leftover.html").exists()
    assert report.write.unchanged == 0


def test_static_files_are_copied_and_dotfiles_are_not(site_folder):
    site_folder.post("2026-05-01-a.md", "title: A")
    site_folder.write("content/images/logo.svg", "<svg xmlns='http://www.w3.org/2000/svg'/>")
    site_folder.write("content/.env", "CMSITE_SECRET=hunter2")
    site_folder.write("content/social/2026-05-01-note.md", "---\ntitle: not a page\n---\n")
    site_folder.build()
    assert (site_folder.output / "images/logo.svg").is_file()
    assert (site_folder.output / "theme/style.css").is_file()
    assert not (site_folder.output / ".env").exists()
    assert "hunter2" not in site_folder.all_output_text()
    assert not list(site_folder.output.rglob("*.md"))


def test_writes_are_atomic_renames(site_folder, monkeypatch):
    """A new output folder is the staging folder renamed, once; then each changed file is
    renamed over its target, and a folder the output lacks goes in whole."""
    site_folder.post("2026-05-01-a.md", "title: A\ntags: [old]")
    replaced = []
    real_replace = os.replace
    output = site_folder.output

    def replace(src, dst):
        if Path(dst).is_relative_to(output):  # not the caches' and the state's own renames
            replaced.append(Path(dst))
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    site_folder.build()
    assert replaced == [site_folder.output]
    replaced.clear()
    site_folder.post("2026-05-01-a.md", "title: A\ntags: [old, new]", "Edited.")
    site_folder.build()
    assert site_folder.output / "posts/a/index.html" in replaced
    assert site_folder.output / "tags/new" in replaced
    new_tag = site_folder.output / "tags/new"
    assert not [p for p in replaced if p != new_tag and p.is_relative_to(new_tag)]  # not file by file


def test_a_clean_build_that_fails_leaves_the_last_site_whole(site_folder, tmp_path):
    site_folder.post("2026-05-01-a.md", "title: A")
    target = tmp_path / "public"
    site_folder.site().build(target)
    before = {p.relative_to(target): p.read_bytes() for p in target.rglob("*") if p.is_file()}
    site_folder.post("2026-05-02-b.md", "title: [unclosed")  # a save that does not build
    with pytest.raises(ContentErrors):
        site_folder.site().build(target, clean=True)
    assert {p.relative_to(target): p.read_bytes() for p in target.rglob("*") if p.is_file()} == before
