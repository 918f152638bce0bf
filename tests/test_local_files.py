"""Pictures and links to files of the site: relative paths read from the post's file, as editors
write them, and rendered to the copied file's URL; every one that leads to no file is an error at
its `path:line`, with the closest name there is (issue 17, problem 7)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from cmsite.cli import main
from cmsite.errors import ContentErrors
from cmsite.testing import TOY_NETWORKS

POST = "content/posts/2026-01-01-a.md"


def errors_of(site_folder, **options) -> list[str]:
    with pytest.raises(ContentErrors) as failure:
        site_folder.build(**options)
    return [str(error) for error in failure.value.errors]


def cli(site_folder, *args):
    return CliRunner().invoke(main, ["--site", str(site_folder.root), *args])


def test_a_missing_picture_in_the_body_or_the_front_matter_fails_check_and_build(site_folder):
    site_folder.write("content/images/salle.jpeg", "a picture")
    site_folder.write("content/images/couverture.png", "a picture")
    site_folder.post(
        "2026-01-01-a.md",
        "title: La salle\nimage: /images/couverture.jpg",
        "Intro.\n\n![La salle](/images/salle.jpg)\n",
    )
    checked = cli(site_folder, "check")
    assert checked.exit_code == 1
    assert (
        f"{POST}:3: image: /images/couverture.jpg: no such file, content/images/couverture.jpg; "
        in checked.output
    )
    assert "did you mean /images/couverture.png?" in checked.output
    assert (
        f"{POST}:7: picture /images/salle.jpg: no such file, content/images/salle.jpg; "
        "did you mean /images/salle.jpeg?"
    ) in checked.output
    built = cli(site_folder, "build")
    assert built.exit_code == 1 and "2 errors; nothing was written." in built.output
    assert not site_folder.output.exists()


def test_relative_paths_are_read_from_the_post_file_and_written_as_the_copied_file_url(site_folder):
    site_folder.write("content/posts/images/x.png", "a picture")
    site_folder.write("content/images/y.png", "a picture")
    site_folder.write("content/files/cv.pdf", "a file")
    site_folder.post(
        "2026-01-01-a.md",
        "title: A\nimage: ../images/y.png",
        '![x](images/x.png) ![y](../images/y.png "Y") [cv](../files/cv.pdf#page=2) [about](/about/)\n\n'
        '<div><img src="images/x.png" alt="raw"></div>\n',
    )
    site_folder.build()
    page = site_folder.read("posts/a/index.html")
    assert '<img alt="x" src="/posts/images/x.png">' in page
    assert '<img alt="y" src="/images/y.png" title="Y">' in page
    assert '<a href="/files/cv.pdf#page=2">cv</a>' in page and '<a href="/about/">about</a>' in page
    assert '<div><img src="/posts/images/x.png" alt="raw"></div>' in page
    assert '<meta property="og:image" content="https://blog.cmsite.info/images/y.png">' in page
    assert (site_folder.output / "posts/images/x.png").is_file()


def test_relative_paths_of_a_site_served_from_a_sub_path_start_with_it(site_folder):
    config = site_folder.root / "cmsite.toml"
    config.write_text(config.read_text().replace("https://blog.cmsite.info", "https://example.net/blog"))
    site_folder.write("content/images/y.png", "a picture")
    site_folder.post("2026-01-01-a.md", "title: A", "![y](../images/y.png) ![z](/images/y.png)\n")
    assert errors_of(site_folder) == [
        f"{POST}:4: picture /images/y.png: no such file in the site; did you mean /blog/images/y.png?"
    ]


def test_links_to_missing_files_and_to_markdown_files_say_what_to_link_to(site_folder):
    site_folder.post("2026-01-02-b.md", "title: B")
    site_folder.write("content/posts/files/notes-2026.pdf", "a file")
    site_folder.post(
        "2026-01-01-a.md",
        "title: A",
        "[notes](files/notes-2025.pdf), [b](2026-01-02-b.md), [elsewhere](../../secret.txt)\n\n"
        "<p><a href='files/none.zip'>raw</a></p>\n",
    )
    assert errors_of(site_folder) == [
        f"{POST}:4: link ../../secret.txt: outside the content folder; move the file into content/ and "
        "write its path from there",
        f"{POST}:4: link 2026-01-02-b.md: Markdown files are not published; link to the page of "
        "content/posts/2026-01-02-b.md instead: /posts/b/",
        f"{POST}:4: link files/notes-2025.pdf: no such file, content/posts/files/notes-2025.pdf; "
        "did you mean files/notes-2026.pdf?",
        f"{POST}:6: link files/none.zip: no such file, content/posts/files/none.zip; add the file there, "
        "or correct the path",
    ]


def test_the_line_of_each_picture_is_its_line_in_the_file(site_folder):
    site_folder.write(
        POST,
        "---\ntitle: A\nsummary: 'Look: ![s](s.png)'\n---\n\nIntro.\n\n"  # the body starts at line 5
        "![one](one.png)\n\n```\n![in code](code.png)\n```\n\n"  # line 8; code shows no picture
        "Text ![ref][r] and <img src='raw.png'>\n\n"  # line 14
        "![one again](one.png)\n\n"  # line 16
        "[r]: ref.png\n",  # line 18: where a reference's address is written
    )
    lines = [error.split(": ", 2)[:2] for error in errors_of(site_folder)]
    assert lines == [
        [f"{POST}:3", "picture s.png"],
        [f"{POST}:8", "picture one.png"],
        [f"{POST}:14", "picture raw.png"],
        [f"{POST}:16", "picture one.png"],
        [f"{POST}:18", "picture ref.png"],
    ]


def test_a_picture_added_later_fixes_the_build_and_one_removed_breaks_it(site_folder):
    site_folder.post("2026-01-01-a.md", "title: A", "![x](images/x.png)\n")
    site_folder.post("2026-01-02-b.md", "title: B", "![y](/images/y.png)\n")
    site_folder.write("content/images/y.png", "a picture")
    site = site_folder.site()
    with pytest.raises(ContentErrors, match=r"picture images/x\.png: no such file"):
        site.build()
    picture = site_folder.write("content/posts/images/x.png", "a picture")
    site.rebuild([picture])  # as watch mode does after a save
    assert 'src="/posts/images/x.png"' in site_folder.read("posts/a/index.html")
    (site_folder.root / "content/images/y.png").unlink()
    with pytest.raises(ContentErrors, match=r"picture /images/y\.png: no such file"):
        site.rebuild([site_folder.root / "content/images/y.png"])
    site_folder.write("content/images/y.png", "a picture")
    assert cli(site_folder, "build").exit_code == 0  # a new process: the items come from the cache
    (site_folder.root / "content/images/y.png").unlink()
    built = cli(site_folder, "build")
    assert built.exit_code == 1 and "content/posts/2026-01-02-b.md:4: picture /images/y.png" in built.output


def test_an_edit_that_adds_a_missing_picture_is_an_error_on_the_quick_path_too(site_folder):
    post = site_folder.post("2026-01-01-a.md", "title: A", "No picture yet.\n")
    site = site_folder.site()
    site.build()
    site_folder.post("2026-01-01-a.md", "title: A", "No picture yet.\n\n![x](x.png)\n")
    with pytest.raises(ContentErrors, match=r"2026-01-01-a\.md:6: picture x\.png: no such file"):
        site.rebuild([post])


def test_a_draft_is_checked_only_when_drafts_are_built(site_folder):
    site_folder.post("2026-01-01-a.md", "title: A\ndraft: true", "![x](x.png)\n")
    site_folder.build()
    assert errors_of(site_folder, drafts=True) == [
        f"{POST}:5: picture x.png: no such file, content/posts/x.png; add the file there, or correct the path"
    ]


def test_pages_without_relative_paths_keep_their_bytes(site_folder):
    site_folder.write("content/images/y.png", "a picture")
    body = (
        "![y](/images/y.png) [site](https://example.com/a.png) [top](#top) [mail](mailto:a@b.c)\n\n"
        "<IMG SRC='/images/y.png' ALT=y> <a href=https://example.com/x.pdf>x</a>\n"
    )
    site_folder.post("2026-01-01-a.md", "title: A", body)
    site_folder.build()
    page = site_folder.read("posts/a/index.html")
    assert '<img alt="y" src="/images/y.png">' in page and '<a href="#top">top</a>' in page
    assert "<IMG SRC='/images/y.png' ALT=y> <a href=https://example.com/x.pdf>x</a>" in page


def test_a_plan_picture_that_does_not_exist_gets_the_closest_name(site_folder):
    site_folder.write("plugins/networks.py", TOY_NETWORKS)
    site_folder.write("content/images/salle.jpeg", "a picture")
    site_folder.post(
        "2026-01-01-a.md",
        "title: A\nsocial:\n  - network: toot\n    media: [/images/salle.jpg]\n    alt: La salle",
    )
    checked = cli(site_folder, "check")
    assert checked.exit_code == 1
    assert f"{POST}:4: /images/salle.jpg does not exist; did you mean /images/salle.jpeg?" in checked.output
