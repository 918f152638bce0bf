"""What a writer types cannot harm readers or the build: the raw-HTML policy (`raw_html` under
[build]), the summary treated like the body, and the limits on a post's size and nesting."""

from __future__ import annotations

import html
import os
from pathlib import Path

import pytest
from markupsafe import Markup

from cmsite.content import loader
from cmsite.content.loader import MAX_FILE_BYTES
from cmsite.content.markdown import MAX_NESTING, OMITTED, Rendered
from cmsite.errors import ContentErrors
from cmsite.hookspecs import hookimpl
from cmsite.testing import TestSite, run_cmsite

HOSTILE_BODY = """\
Before.

<script>alert("body")</script>

<div class="note" onclick="steal()">
A *note* in a div.
</div>

Inline <span onmouseover="steal()">span</span> and a <!-- private note -->.

[mixed case](jAvAsCrIpT:alert(1)) [entity](&#106;avascript:alert(2))
[vb](VBScript:msgbox) [document](data:text/html;base64,PHNjcmlwdD4=)
[tab](/safe){: href="java\tscript:alert(3)" onmouseover="steal()"}
[tab entity](/safe){: href="java&#9;script:alert(4)"}
[spaced](/safe){: href="&#x20; JaVaScRiPt&colon;alert(8)"}
![shown](data:image/png;base64,iVBORw0KGgo=) ![svg](data:image/svg+xml;base64,PHN2Zz4=)
![script picture](javascript:alert(5)) [fine](https://example.org/a?b=1)
"""

HOSTILE_SUMMARY = 'summary: "Sum <img src=x onerror=alert(6)> [go](javascript:alert(7))"'
DANGERS = [
    "<script",
    "<span onmouseover",
    'class="note"',
    "<img src=x",
    "onclick",
    "onmouseover",
    "onerror",
    "private note",
]
SCHEMES = ["javascript:", "vbscript:", "data:text", "data:image/svg"]


def hostile_site(root: Path, raw_html: str | None) -> TestSite:
    site = TestSite(root)
    config = site.root / "cmsite.toml"  # no share list: its script is the theme's, the dangers the writer's
    config.write_text("[share]\nnetworks = []\n\n" + config.read_text())
    if raw_html:
        config = site.root / "cmsite.toml"
        config.write_text(config.read_text() + f'raw_html = "{raw_html}"\n')
    site.post("2020-01-01-hostile.md", f'title: "Hostile"\n{HOSTILE_SUMMARY}', HOSTILE_BODY)
    site.write("content/posts/x", "")  # the summary's <img src=x>: a missing picture would stop the build
    return site


def outputs(site: TestSite) -> dict[str, str]:
    """Each page and feed a post reaches, entities decoded (a feed escapes the HTML it carries)."""
    files = ["posts/hostile/index.html", "index.html", "feeds/atom.xml", "feeds/rss.xml"]
    return {name: html.unescape(site.read(name)) for name in files}


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_raw_html_is_kept_by_default_and_dropped_everywhere_when_asked(site_folder):
    hostile_site(site_folder.root, None)
    site_folder.build()
    kept = outputs(site_folder)
    assert '<script>alert("body")</script>' in kept["posts/hostile/index.html"]
    assert 'href="jAvAsCrIpT:alert(1)"' in kept["posts/hostile/index.html"]

    config = site_folder.root / "cmsite.toml"
    config.write_text(config.read_text() + 'raw_html = "drop"\n')
    result = run_cmsite(site_folder, "build")
    assert result.returncode == 0, result.stdout + result.stderr
    for name, text in outputs(site_folder).items():
        assert not [danger for danger in DANGERS if danger in text], name
        assert not [scheme for scheme in SCHEMES if scheme in text.lower()], name
        assert OMITTED in text, name
    page = outputs(site_folder)["posts/hostile/index.html"]
    assert "A <em>note</em> in a div." in page  # the text between tags stays, as Markdown
    assert "<a>mixed case</a> <a>entity</a>" in page  # links keep their text, not the address
    assert "<a>tab entity</a>" in page and "<a>spaced</a>" in page
    assert '<img alt="shown" src="data:image/png;base64,iVBORw0KGgo=">' in page
    assert "svg\nscript picture" in page  # pictures without a safe address: their alt text
    assert '<a href="https://example.org/a?b=1">fine</a>' in page


def test_the_summary_is_rendered_like_the_body(site_folder):
    hostile_site(site_folder.root, "drop")
    site = site_folder.site()
    site.load()
    (post,) = site.posts
    assert post.summary == f"<p>Sum {OMITTED} <a>go</a></p>"


def test_a_summary_goes_through_the_renderer_of_its_file(site_folder):
    """A plugin's renderer that escapes its files' text escapes their `summary:` too."""
    site_folder.write(
        "content/posts/2020-01-01-plain.txt", "---\ntitle: Plain\nsummary: Just <b>bold</b>\n---\nText\n"
    )

    class PlainText:
        @hookimpl
        def cmsite_content_loaders(self):
            return {".txt": lambda body: Rendered(Markup("<pre>{}</pre>").format(body), Markup(""), 0)}

    site = site_folder.site(plugins=[PlainText()])
    site.load()
    assert [post.summary for post in site.posts] == ["<pre>Just &lt;b&gt;bold&lt;/b&gt;</pre>"]


def test_a_wrong_raw_html_setting_is_an_error_at_its_line(site_folder):
    hostile_site(site_folder.root, None)
    assert run_cmsite(site_folder, "build").returncode == 0
    before = snapshot(site_folder.output)
    config = site_folder.root / "cmsite.toml"
    config.write_text(config.read_text() + 'raw_html = "strip"\n')
    line = config.read_text().splitlines().index('raw_html = "strip"') + 1

    result = run_cmsite(site_folder, "build")

    assert result.returncode == 1
    assert f'cmsite.toml:{line}: [build] raw_html must be "keep" or "drop", not \'strip\'' in result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert snapshot(site_folder.output) == before


def nested_list(depth: int) -> str:
    return "".join("    " * level + "- item\n" for level in range(depth))


@pytest.mark.parametrize(
    ("body", "deepest"),
    [
        (nested_list(500), MAX_NESTING + 1),  # 2.5 s and a RecursionError without the limit
        ("- " * 2_000 + "item\n", 1),
        ("> " * 2_000 + "quote\n", 1),
        ("> " + "    " * 150 + "- item\n", 1),
    ],
    ids=["indented-list", "markers-on-one-line", "block-quotes", "list-in-quote"],
)
def test_deep_nesting_is_an_error_at_its_line_with_the_old_output_intact(site_folder, body, deepest):
    site_folder.post("2020-01-01-fine.md", 'title: "Fine"')
    assert run_cmsite(site_folder, "build").returncode == 0
    before = snapshot(site_folder.output)
    site_folder.post("2020-01-02-deep.md", 'title: "Deep"', "Intro.\n\n" + body)

    result = run_cmsite(site_folder, "build")

    assert result.returncode == 1
    line = 4 + 2 + deepest - 1  # the body starts on line 4, after "Intro." and a blank line
    expected = (
        f"content/posts/2020-01-02-deep.md:{line}: lists and block quotes nested more than {MAX_NESTING}"
    )
    assert expected in result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert snapshot(site_folder.output) == before


def test_nesting_up_to_the_limit_and_thematic_breaks_are_fine(site_folder):
    site_folder.post(
        "2020-01-01-deep.md", 'title: "Deep"', nested_list(MAX_NESTING) + "\n" + "- " * 300 + "-\n"
    )
    site_folder.post("2020-01-02-summary.md", 'title: "Summary"\nsummary: "' + "> " * 150 + 'x"')
    with pytest.raises(ContentErrors) as caught:
        site_folder.build()
    assert [str(error) for error in caught.value.errors] == [
        f"content/posts/2020-01-02-summary.md:3: lists and block quotes nested more than {MAX_NESTING} "
        "levels deep, cmsite's limit; nest them less"
    ]


def test_html_blocks_nested_too_deep_for_markdown_are_an_error(site_folder):
    body = '<div markdown="1">\n' * 2_000 + "Deep.\n" + "</div>\n" * 2_000
    site_folder.post("2020-01-01-divs.md", 'title: "Divs"', body)
    with pytest.raises(ContentErrors) as caught:
        site_folder.build()
    (error,) = caught.value.errors
    assert str(error).startswith("content/posts/2020-01-01-divs.md:4: nested too deep for Markdown")


def test_a_post_over_the_size_limit_is_an_error_at_the_line_it_passes_it(site_folder):
    site_folder.post("2020-01-01-fine.md", 'title: "Fine"')
    assert run_cmsite(site_folder, "build").returncode == 0
    before = snapshot(site_folder.output)
    header = "---\ntitle: Big\n---\n"
    line_of_text = "word " * 19 + "word\n"  # 100 bytes
    big = site_folder.root / "content/posts/2020-01-02-big.md"
    big.write_text(header + line_of_text * (MAX_FILE_BYTES // 100 + 1))

    result = run_cmsite(site_folder, "build")

    assert result.returncode == 1
    line = 3 + (MAX_FILE_BYTES - len(header)) // 100 + 1
    assert f"content/posts/2020-01-02-big.md:{line}: the file passes 1 MiB here" in result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert snapshot(site_folder.output) == before

    big.write_text(header + line_of_text * ((MAX_FILE_BYTES - len(header)) // 100))
    assert run_cmsite(site_folder, "build").returncode == 0  # just under the limit: built


@pytest.mark.parametrize("extra", [10, MAX_FILE_BYTES])
def test_a_post_that_grows_while_it_is_read_is_read_whole_up_to_the_limit(tmp_path, monkeypatch, extra):
    """The loader asks for as many bytes as the file held when it was measured: one written
    to since then is read on, and still stops at the size limit."""
    text = b"---\ntitle: Growing\n---\n" + b"x" * extra
    post = tmp_path / "growing.md"
    post.write_bytes(text)
    measured = os.fstat

    def measured_before_it_grew(descriptor: int) -> os.stat_result:
        found = measured(descriptor)
        return os.stat_result((*found[:6], 5, *found[7:]))  # st_size, as it was earlier

    monkeypatch.setattr(loader.os, "fstat", measured_before_it_grew)
    if len(text) <= MAX_FILE_BYTES:
        assert loader.read_content(post, "growing.md") == text
    else:
        with pytest.raises(ContentErrors) as caught:
            loader.read_content(post, "growing.md")
        assert "the file passes 1 MiB here" in str(caught.value.errors[0])
