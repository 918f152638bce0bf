"""Markdown engines as plugins (`cmsite_markdown_engines`, `[build] markdown`), and the
CommonMark engine: GFM's extensions, and the same post-processing as the default engine."""

from __future__ import annotations

import re
from xml.etree.ElementTree import Element

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import Markup

from cmsite.content.engine import MarkdownEngine
from cmsite.content.local_files import Reading
from cmsite.content.markdown import OMITTED, Rendered
from cmsite.errors import ContentErrors, PluginError
from cmsite.hookspecs import hookimpl
from cmsite.testing import TestSite, run_cmsite


def choose(site: TestSite, engine: str, extra: str = "") -> None:
    config = site.root / "cmsite.toml"
    config.write_text(config.read_text() + f'markdown = "{engine}"\n{extra}')


class Shouting(MarkdownEngine):
    """An engine of a plugin: the text in capitals, its one picture listed."""

    name = "shouting"

    def __init__(self, site):
        self.files = Reading(site.urls.base_path)

    def reading(self, folder, first_line):
        return self.files.reading(folder, first_line)

    def render(self, text):
        self.files.relink([Element("img", src="pic.png")], text, lambda value: (value, value))
        return Rendered(Markup("<p>{}</p>").format(text.strip().upper()), Markup(""), 0)


class ShoutingPlugin:
    @hookimpl
    def cmsite_markdown_engines(self):
        return [Shouting]


def test_a_plugin_engine_is_chosen_by_name_and_lists_its_links(site_folder):
    choose(site_folder, "shouting")
    site_folder.post("2020-01-01-hello.md", 'title: "Hello"', "one\ntwo pic.png\n")
    site = site_folder.site(plugins=[ShoutingPlugin()])
    site.load()
    (post,) = site.posts
    assert post.content == "<p>ONE\nTWO PIC.PNG</p>"
    assert [(link.line, link.url) for link in post.local_links] == [(5, "/posts/pic.png")]


def test_an_unknown_engine_is_an_error_at_its_line_listing_the_engines(site_folder):
    choose(site_folder, "goldmark")
    site_folder.post("2020-01-01-hello.md", 'title: "Hello"')
    line = (site_folder.root / "cmsite.toml").read_text().splitlines().index('markdown = "goldmark"') + 1

    result = run_cmsite(site_folder, "build")

    assert result.returncode == 1
    assert (
        f"cmsite.toml:{line}: [build] markdown: no Markdown engine named 'goldmark'; "
        'the engines are "python-markdown", "commonmark"'
    ) in result.stderr
    assert "Traceback" not in result.stdout + result.stderr


def test_two_engines_of_one_name_are_an_error_naming_both_plugins(site_folder):
    class Again:
        @hookimpl
        def cmsite_markdown_engines(self):
            return [type("Again", (Shouting,), {"name": "commonmark"})]

    site_folder.post("2020-01-01-hello.md", 'title: "Hello"')
    with pytest.raises(
        PluginError, match="markdown_engines registers the Markdown engine 'commonmark', which plugin"
    ):
        site_folder.build(plugins=[Again()])


def test_the_engine_is_part_of_the_content_key_so_cached_items_render_again(site_folder):
    site_folder.post("2020-01-01-list.md", 'title: "List"', "- a\n  - b\n")
    site_folder.build()
    default_key = site_folder.site().content_key
    assert "<li>a</li>\n<li>b</li>" in site_folder.read("posts/list/index.html")  # Python-Markdown nests by 4

    choose(site_folder, "commonmark")
    site_folder.build()

    assert site_folder.site().content_key != default_key
    assert "<li>a\n<ul>\n<li>b</li>\n</ul>\n</li>" in site_folder.read("posts/list/index.html")


GFM_BODY = """\
Intro, see https://example.org/a_(b)). and www.example.com, or write to me@example.org.

## Plans & *goals*

| Month | Goal |
|-------|-----:|
| May   | ~~ship~~ done |

- [x] written
- [ ] read

A note[^1].

### Plans & goals

#### Custom {#kept}

```python
print("hi")
```

![The room](room.png "Thursday's workshop")

See [the plan](plan.pdf) and <img src="raw.png" alt="raw">.

[^1]: The footnote.
"""


def render_with(site_folder: TestSite, engine: str, body: str) -> tuple[object, object]:
    if engine != "python-markdown":
        choose(site_folder, engine)
    site_folder.post("2020-01-01-gfm.md", 'title: "GFM"', body)
    for name in ("room.png", "plan.pdf", "raw.png"):
        site_folder.write(f"content/posts/{name}", "x")
    site = site_folder.site()
    site.load()
    (post,) = site.posts
    return post, site


def test_commonmark_gives_gfm_and_what_the_default_engine_adds(site_folder):
    post, _ = render_with(site_folder, "commonmark", GFM_BODY)
    page = str(post.content)
    assert '<a href="https://example.org/a_(b)">https://example.org/a_(b)</a>).' in page
    assert '<a href="http://www.example.com">www.example.com</a>,' in page
    assert '<a href="mailto:me@example.org">me@example.org</a>.' in page
    assert '<div class="scroll-box" role="region" tabindex="0" aria-label="Table"><table>' in page
    assert '<td style="text-align: right"><del>ship</del> done</td>' in page
    assert '<input disabled type="checkbox" checked>\nwritten' in page
    assert (
        '<sup id="fnref:1"><a class="footnote-ref" href="#fn:1">1</a></sup>' in page
    )  # as Python-Markdown's
    assert page.endswith(
        '<p>The footnote.\u00a0<a class="footnote-backref" href="#fnref:1" title="Jump back to '
        'footnote 1 in the text">↩</a></p>\n</li>\n</ol>\n</div>\n'
    )
    assert '<h2 id="plans-goals">Plans &amp; <em>goals</em><a class="headerlink" href="#plans-goals"' in page
    assert '<h3 id="plans-goals_1">' in page and '<h4 id="kept">Custom<a' in page
    assert 'aria-label="Link to this section">¶</a></h2>' in page
    assert (
        '<figure><img src="/posts/room.png" alt="The room"><figcaption>Thursday\'s workshop</figcaption>'
        in page
    )
    assert '<a href="/posts/plan.pdf">the plan</a> and <img src="/posts/raw.png" alt="raw">' in page
    assert [(link.line, link.kind, link.url) for link in post.local_links] == [
        (25, "picture", "/posts/room.png"),
        (27, "link", "/posts/plan.pdf"),
        (27, "picture", "/posts/raw.png"),
    ]


def test_commonmark_headings_code_and_toc_are_the_default_engines(site_folder, tmp_path):
    """Same slugs (links to a section keep working), the same table of contents, and code
    highlighted to the byte as the default engine does (themes style both alike)."""
    body = "## Plans & *goals*\n\n### Plans & goals\n\n```python\nprint('hi')\n```\n\n    indented\n"
    default, _ = render_with(TestSite(tmp_path / "default"), "python-markdown", body)
    common, _ = render_with(site_folder, "commonmark", body)
    assert common.toc == default.toc
    code = re.compile(r'<div class="codehilite">.*?</div></div>', re.DOTALL)
    assert code.findall(common.content) == code.findall(default.content)
    assert len(code.findall(common.content)) == 2
    ids = re.compile(r'<h\d id="([^"]+)"')
    assert ids.findall(common.content) == ids.findall(default.content) == ["plans-goals", "plans-goals_1"]


@pytest.mark.parametrize("lang", ["python", "PYTHON", "no-such-language", "", None])
def test_code_highlighted_once_per_language_as_codehilite_writes_it(lang, monkeypatch):
    """The CommonMark engine's code blocks: codehilite's HTML to the byte, a known language,
    one Pygments does not know, none; the lexer looked up once for a language, not per block."""
    import markdown.extensions.codehilite as codehilite_module

    from cmsite.content import highlight

    configs = highlight.extension("Code").getConfigs()
    code = "\n\nprint('<b>')\nx = 1  # two\n\n"
    local = dict(configs)
    expected = codehilite_module.CodeHilite(
        code, lang=lang, style=local.pop("pygments_style"), **local
    ).hilite(shebang=False)
    looked_up = []
    monkeypatch.setattr(
        highlight, "get_lexer_by_name", lambda name, **options: looked_up.append(name) or get(name, **options)
    )
    get = codehilite_module.get_lexer_by_name
    highlighter = highlight.Highlighter(configs)
    assert highlighter(lang, code) == expected
    assert highlighter(lang, code + "y = 2\n") != expected
    assert looked_up == ([lang] if lang and lang.lower() == "python" else [lang, "text"])


def test_commonmark_links_addresses_outside_code_and_links_only(site_folder):
    """An address after code, after a comment, inside emphasis is linked; one in code, in a
    code block or in a link's text is not."""
    body = (
        "Run `www.in-code.org` then www.after-code.org.\n\n"
        "<!-- a note --> www.after-comment.org\n\n"
        "*see www.in-em.org* and [www.in-link.org](https://example.org)\n\n"
        "```\nwww.in-block.org\n```\n"
    )
    post, _ = render_with(site_folder, "commonmark", body)
    linked = re.findall(r'<a href="http://(www\.[\w.-]+)">', str(post.content))
    assert linked == ["www.after-code.org", "www.after-comment.org", "www.in-em.org"]
    assert "<code>www.in-code.org</code>" in post.content


def test_commonmark_summary_is_the_part_before_more(site_folder):
    post, _ = render_with(site_folder, "commonmark", "First *part*.\n\n<!--more-->\n\nThe rest.\n")
    assert post.summary == "<p>First <em>part</em>.</p>\n"


HOSTILE = """\
Before <span onmouseover="steal()">span</span> and <!-- private note -->.

<div class="note" onclick="steal()">
A note in a div.
</div>

<script>alert("body")</script>

# Title <b>bold</b> {onclick=steal()}

[mixed case](jAvAsCrIpT:alert(1)) ![script picture](javascript:alert(5)) [fine](https://example.org/a)
![shown](data:image/png;base64,iVBORw0KGgo=)

<a title="<b>">x</a>
"""


def test_commonmark_drops_raw_html_and_script_addresses_when_asked(site_folder):
    choose(site_folder, "commonmark", 'raw_html = "drop"\n')
    site_folder.post("2020-01-01-hostile.md", 'title: "Hostile"', HOSTILE)
    site = site_folder.site()
    site.load()
    page = str(site.posts[0].content)
    for danger in ("<span", "private note", "<div class", "onclick", "<script", "steal", "javascript", "<b>"):
        assert danger not in page.lower(), danger
    assert f"<p>Before {OMITTED}span{OMITTED} and {OMITTED}.</p>" in page
    assert "<a>mixed case</a> script picture <a" in page
    assert '<a href="https://example.org/a">fine</a>' in page
    assert f'<h1 id="title-bold">Title {OMITTED}bold{OMITTED}<a' in page  # the slug of the words alone
    assert '<img src="data:image/png;base64,iVBORw0KGgo=" alt="shown">' in page


def test_commonmark_keeps_the_nesting_limit(site_folder):
    choose(site_folder, "commonmark")
    site_folder.post("2020-01-01-deep.md", 'title: "Deep"', "> " * 2_000 + "quote\n")
    with pytest.raises(ContentErrors, match=r"deep\.md:4: lists and block quotes nested more than"):
        site_folder.build()


def test_commonmark_leaves_raw_html_where_the_writer_put_it(site_folder):
    """The HTML pass reads the HTML as a page's body: a comment or a `<title>` first stays first."""
    post, _ = render_with(
        site_folder, "commonmark", "<!-- draft note -->\n<title>Not the page's</title>\n\nText.\n"
    )
    assert post.content == "<!-- draft note -->\n<title>Not the page's</title>\n<p>Text.</p>\n"


CODE_PLACES = [
    "Text.\n\n```python\nprint('<b>') # \"x\" & y\n```\n\nAfter.\n",
    "- one\n\n  ```js\n  let a = 1;\n  ```\n- two\n",
    "> quoted\n>\n> ```\n> plain www.example.org\n> ```\n",
    "Note[^1].\n\n[^1]: With code:\n\n    ```sh\n    ls -l\n    ```\n",
    "<p>An open paragraph\n\n```c\nint x;\n```\n\n<details>\n\n```\nin details\n```\n\n</details>\n",
    "## Code below\n\n    indented code\n\n```text\nlast\n```",
]


@pytest.mark.parametrize("body", CODE_PLACES)
def test_code_blocks_come_out_as_if_the_html_pass_had_read_them(body, site_folder):
    """The HTML pass reads the page with each code block left out (an empty `<div>` in its
    place) and the blocks go back afterwards: the page is the one the pass writes when it
    reads the highlighted code too, wherever the block is."""
    from cmsite.content import commonmark, highlight, html_pass

    post, site = render_with(site_folder, "commonmark", body)
    engine = commonmark.CommonMark(site)
    whole = commonmark.parser(highlight.Highlighter(highlight.extension(engine.labels.code).getConfigs()))
    with engine._files.reading("posts", 1):
        expected = html_pass.run(whole.html(body), body, engine.labels, engine._files, drop=False)
    assert post.content == expected.html
    assert post.content.count('class="codehilite"') == body.count("```") // 2 + ("    indented" in body)


def test_the_html_pass_does_not_read_highlighted_code(site_folder, monkeypatch):
    from cmsite.content import html_pass

    read = []
    run = html_pass.run
    monkeypatch.setattr(
        html_pass, "run", lambda markup, *args, **kwargs: read.append(markup) or run(markup, *args, **kwargs)
    )
    post, _ = render_with(site_folder, "commonmark", CODE_PLACES[0])
    assert '<span class="nb">print</span>' in post.content
    assert read and not any("codehilite" in markup or "<span" in markup for markup in read)


def test_a_writer_cannot_pass_html_off_as_a_code_block(site_folder):
    """Raw HTML shaped like the pass's stand-in for a code block is the writer's: kept as written."""
    body = '<div data-code="0-0"></div>\n\n```\ncode\n```\n\n<div data-code="x-1"></div>\n'
    post, _ = render_with(site_folder, "commonmark", body)
    assert post.content.count('<div data-code="0-0"></div>') == 1
    assert post.content.count('<div data-code="x-1"></div>') == 1
    assert post.content.count('class="codehilite"') == 1


# What `html_pass.may_autolink` must answer, as a regular expression: an address may start at
# the start of the page or after white space or `*_~(>`.
MAY_AUTOLINK = re.compile(r"(?:^|(?<=[\s*_~(>]))(?:https?://|www\.|[\w.+-]+@)")
ADDRESS_PARTS = ["http", "https", "://", ":/", "www.", "ww.", "@", "_", "-", ".", "+", "a", "é", "٣"]
ADDRESS_PARTS += [" ", "\u00a0", "\u2003", "\x1f", "\n", "*", "~", "(", ">", '"', "<a>", "/", "`"]


@pytest.mark.parametrize(
    "markup",
    [
        "", "@", "a@", "_@", "x_@b", "x_y@b", "(a@b", '"a@b', '"a_b@c', "http://", "xhttp://",
        " https://", '"https://', ">www.", "ww.www.", "http:/", "a.b-c+d@e", "\u00a0a@b", "é@",
    ],
)  # fmt: skip
def test_may_autolink_says_what_the_regular_expression_says(markup):
    from cmsite.content.html_pass import may_autolink

    assert may_autolink(markup) == bool(MAY_AUTOLINK.search(markup)), markup


@given(st.lists(st.sampled_from(ADDRESS_PARTS) | st.text(max_size=3), max_size=12).map("".join))
@settings(max_examples=2000, deadline=None)
def test_may_autolink_agrees_with_the_regular_expression_on_any_text(markup):
    from cmsite.content.html_pass import may_autolink

    assert may_autolink(markup) == bool(MAY_AUTOLINK.search(markup)), markup
