"""Files, folders, links and names in a site: nothing outside the site is read, and every input
the build cannot take is a `path: what to do` error with exit 1, no traceback, old output intact.

Each test builds a good site first, then adds one hostile input and runs `cmsite build` as a
real process (a FIFO that hung it would hit the timeout instead of hanging the suite).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from cmsite.testing import TestSite

SECRET = "s3cr3t-token-that-must-never-be-published"


@pytest.fixture
def site(site_folder: TestSite, tmp_path: Path) -> TestSite:
    """A site that built once, with a file holding a secret next to it, outside its folder."""
    site_folder.post("2026-05-01-hello.md", "title: Hello")
    site_folder.write("content/images/real.txt", "a real static file\n")
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside/secret.txt").write_text(SECRET)
    assert build(site_folder).returncode == 0
    return site_folder


def build(site: TestSite, **env: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "cmsite", "--site", str(site.root), "build"]
    environ = {**os.environ, "CMSITE_TEST_SECRET": SECRET, **env}
    return subprocess.run(command, capture_output=True, text=True, env=environ, timeout=120)


def output_files(site: TestSite) -> dict[str, bytes]:
    return {
        p.relative_to(site.output).as_posix(): p.read_bytes() for p in site.output.rglob("*") if p.is_file()
    }


def fails(site: TestSite, *expected: str) -> str:
    """Build once more: exit 1, each expected text among the errors, no traceback, output untouched."""
    before = output_files(site)
    result = build(site)
    errors = result.stdout + result.stderr
    assert result.returncode == 1, errors
    assert "Traceback" not in errors
    for text in expected:
        assert text in errors
    assert output_files(site) == before
    return errors


def secret_nowhere(site: TestSite) -> None:
    assert not any(SECRET.encode() in data for data in output_files(site).values())


def link(site: TestSite, relative: str, target: Path | str) -> None:
    path = site.root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to(target)


@pytest.mark.parametrize(
    ("relative", "target", "kind"),
    [
        ("content/images/env.png", "/proc/self/environ", "file"),
        ("content/images/leak.txt", "outside/secret.txt", "file"),
        ("content/posts/2026-05-02-leak.md", "outside/secret.txt", "file"),
        ("content/images/shared", "outside", "folder"),
        ("content/pages", "outside", "folder"),
        ("templates/post.html", "outside/secret.txt", "file"),
    ],
)
def test_a_link_to_outside_the_site_is_an_error_naming_the_link(site, tmp_path, relative, target, kind):
    resolved = target if target.startswith("/") else str(tmp_path / target)
    link(site, relative, resolved)
    fails(
        site,
        f"{relative}: a symbolic link to a {kind} outside the site folder ({resolved}); copy the {kind} "
        "into the site, or allow links outside with `allow_links_outside = true` under [build] in cmsite.toml",
    )
    secret_nowhere(site)


def test_a_folder_under_a_link_outside_the_site_names_the_link(site, tmp_path):
    (tmp_path / "outside/templates").mkdir()
    (tmp_path / "outside/templates/post.html").write_text(SECRET)
    link(site, "themes/mine", tmp_path / "outside")
    site.write("cmsite.toml", site.root.joinpath("cmsite.toml").read_text() + 'theme = "mine"\n')
    fails(site, f"themes/mine: a symbolic link to a folder outside the site folder ({tmp_path / 'outside'})")
    secret_nowhere(site)


def test_links_inside_the_site_keep_working_files_and_folders_alike(site):
    site.write("brand/logo.svg", "<svg>logo</svg>\n")
    site.write("assets/gallery/one.txt", "one\n")
    link(site, "content/images/logo.svg", "../../brand/logo.svg")
    link(site, "content/gallery", "../assets/gallery")
    assert build(site).returncode == 0
    assert site.read("images/logo.svg") == "<svg>logo</svg>\n"
    assert site.read("gallery/one.txt") == "one\n"
    (site.root / "assets/gallery/one.txt").write_text("one, edited\n")
    assert build(site).returncode == 0  # the check that nothing changed looks behind links too
    assert site.read("gallery/one.txt") == "one, edited\n"


def test_the_address_of_a_linked_picture_is_where_the_build_copies_it(site, tmp_path):
    site.write("brand/logo.png", "png")
    link(site, "content/images/logo.png", "../../brand/logo.png")
    link(site, "content/images/leak.png", tmp_path / "outside/secret.txt")
    opened = site.site()
    assert (
        opened.published_url(site.root / "content/images/logo.png")
        == "https://blog.cmsite.info/images/logo.png"
    )
    assert opened.published_url(site.root / "content/images/leak.png") is None


def test_links_outside_are_followed_once_allowed(site, tmp_path):
    site.write("cmsite.toml", site.root.joinpath("cmsite.toml").read_text() + "allow_links_outside = true\n")
    (tmp_path / "outside/photo.txt").write_text("a shared photo\n")
    link(site, "content/images/photo.txt", tmp_path / "outside/photo.txt")
    assert build(site).returncode == 0
    assert site.read("images/photo.txt") == "a shared photo\n"


@pytest.mark.parametrize("target", ["/proc/self/environ", "fifo", "/dev/zero"])
def test_files_the_system_makes_up_are_never_read_even_when_links_outside_are_allowed(site, tmp_path, target):
    site.write("cmsite.toml", site.root.joinpath("cmsite.toml").read_text() + "allow_links_outside = true\n")
    if target == "fifo":
        target = str(tmp_path / "outside/pipe")
        os.mkfifo(target)
    link(site, "content/images/env.png", target)
    errors = fails(site, "content/images/env.png: ")
    assert "never read" in errors
    secret_nowhere(site)


@pytest.mark.parametrize("relative", ["content/images/pipe.png", "content/posts/2026-05-02-pipe.md"])
def test_a_fifo_in_the_content_is_an_error_not_a_hang(site, relative):
    os.mkfifo(site.root / relative)
    fails(site, f"{relative}: not a regular file but a named pipe (FIFO), which is never read; remove it")


def test_dangling_links_and_loops_are_errors_naming_the_link(site):
    link(site, "content/images/gone.png", "nothing-here.png")
    link(site, "content/images/a.png", "b.png")
    link(site, "content/images/b.png", "a.png")
    link(site, "content/images/again", "..")
    fails(
        site,
        "content/images/gone.png: a symbolic link to nothing (nothing-here.png); fix or remove it",
        "content/images/a.png: a symbolic link that leads back to itself (b.png); fix or remove it",
        "content/images/b.png: a symbolic link that leads back to itself (a.png); fix or remove it",
        "content/images/again: a symbolic link to a folder it is in (..), a loop; remove it",
    )


@pytest.mark.parametrize(("name", "shown"), [("a\\b.png", "a\\b.png"), ("a\rb.png", "a\\rb.png")])
def test_a_backslash_or_control_character_in_a_file_name_is_an_error_saying_to_rename_it(site, name, shown):
    site.write(f"content/images/{name}", "png")
    fails(site, f"content/images/{shown}: the name ", "has a backslash or a control character", "; rename it")


@pytest.mark.parametrize("folder", ["content/images", "content/posts"])
def test_a_file_name_that_is_not_utf8_is_an_error_saying_to_rename_it(site, folder):
    name = os.fsencode(site.root / folder) + b"/2026-05-02-caf\xe9.md"
    with open(name, "wb") as handle:
        handle.write(b"---\ntitle: Cafe\n---\n")
    fails(
        site, f"{folder}/2026-05-02-caf\\xe9.md: the name '2026-05-02-caf?.md' is not valid UTF-8; rename it"
    )


@pytest.mark.parametrize(
    ("front", "expected"),
    [
        (f"slug: {'a' * 300}", ":3: slug: 'aaaa"),
        (f"url: {'/a' * 3000}/", ":3: '/a/a/"),
        (f"tags: [{'t' * 300}]", ":3: tag: 'tttt"),
    ],
)
def test_names_and_paths_too_long_for_a_file_system_are_errors_at_their_line(site, front, expected):
    site.post("2026-05-02-long.md", f"title: Long\n{front}")
    errors = fails(site, f"content/posts/2026-05-02-long.md{expected}")
    assert ("is 300 bytes long; a file name may have at most 255" in errors) != (
        "is 6001 bytes long; a site path may have at most 2000" in errors
    )
    assert max(len(line) for line in errors.splitlines()) < 400  # the long value is not echoed whole


def test_a_file_name_whose_slug_outgrows_a_file_name_is_an_error_naming_it(site):
    site.post(f"2026-05-02-{'中' * 80}.md", "title: Long")
    fails(
        site,
        f"content/posts/2026-05-02-{'中' * 80}.md",
        "a file name may have at most 255",
        "set a shorter `slug:` or rename the file",
    )
