"""Bad content gets `path:line: what is wrong and what to do`, every error at once, nothing written."""

from __future__ import annotations

import pytest

from cmsite.errors import ContentErrors
from cmsite.testing import TestSite as SiteFolder


def errors_of(site_folder, **options):
    with pytest.raises(ContentErrors) as caught:
        site_folder.build(**options)
    return [str(e) for e in caught.value.errors]


def test_invalid_yaml_names_file_and_line(site_folder):
    site_folder.post("bad.md", "title: Moderation: a guide\ndate: 2026-01-01")
    (message,) = errors_of(site_folder)
    assert message.startswith("content/posts/bad.md:2: invalid YAML front matter")
    assert "put quotes around" in message


@pytest.mark.parametrize(
    ("front", "line"),
    [
        ("title: T\ndate: 2026-01-01\nsocial:\n\t- network: toot", 5),  # PyYAML: "cannot start any token"
        ("title: T\ndate: 2026-01-01\nsocial:\n  - network: toot\n\t  at: +2h", 6),  # "a tab character"
        ("title: T\ndate: 2026-01-01\nsocial:\n  -\tnetwork: toot\n   \tat: +2h", 5),
    ],
)
def test_a_tab_that_indents_is_named(site_folder, front, line):
    site_folder.post("tab.md", front)
    (message,) = errors_of(site_folder)
    assert message.startswith(f"content/posts/tab.md:{line}: invalid YAML front matter: ")
    assert message.endswith("; a tab indents this line; YAML needs spaces")


@pytest.mark.parametrize(
    ("lang", "example"),
    [
        ("en", 'title: "Moderation: a guide"'),
        ("fr", 'title: "Modération : un guide"'),
        ("fr-CA", 'title: "Modération : un guide"'),
    ],
)
def test_the_colon_example_is_in_the_site_language(tmp_path, lang, example):
    site_folder = SiteFolder(tmp_path / "site", lang=lang)
    site_folder.post("colon.md", "title: Modération : un guide\ndate: 2026-01-01")
    (message,) = errors_of(site_folder)
    assert message.startswith("content/posts/colon.md:2: invalid YAML front matter: mapping values")
    assert f'put quotes around a value that contains ": ", like {example}' in message


def test_unclosed_yaml_quote(site_folder):
    site_folder.write("content/posts/q.md", '---\ntitle: "Open\ndate: 2026-01-01\ntags: [a\n---\nText\n')
    (message,) = errors_of(site_folder)
    assert message.startswith("content/posts/q.md:")
    assert "invalid YAML" in message


def test_invalid_toml_names_file_and_line(site_folder):
    site_folder.write("content/posts/t.md", '+++\ntitle = "T"\ndate = 2026-01-01\ntags = [a, b]\n+++\nText\n')
    (message,) = errors_of(site_folder)
    assert message.startswith("content/posts/t.md:4: invalid TOML")


def test_unclosed_front_matter(site_folder):
    site_folder.write("content/posts/u.md", "---\ntitle: U\n\nText without a closing fence\n")
    (message,) = errors_of(site_folder)
    assert (
        message
        == "content/posts/u.md:1: front matter opened with --- is never closed; add a line --- after it"
    )


def test_missing_title(site_folder):
    site_folder.post("n.md", "date: 2026-01-01")
    (message,) = errors_of(site_folder)
    assert message == 'content/posts/n.md:1: missing title; add `title: "..."` to the front matter'


def test_unparseable_date(site_folder):
    site_folder.post("d.md", "title: D\ntags: [a]\ndate: next tuesday")
    (message,) = errors_of(site_folder)
    assert message.startswith(
        "content/posts/d.md:4: date: cannot read 'next tuesday' as a date; write it like"
    )


def test_missing_date_without_a_dated_file_name(site_folder):
    site_folder.post("nodate.md", "title: No date")
    (message,) = errors_of(site_folder)
    assert "content/posts/nodate.md:1: missing date" in message
    assert "YYYY-MM-DD-slug.md" in message


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("draft: maybe", "draft must be true or false, not 'maybe'"),
        ("tags: {a: 1}", "tags must be a list of names"),
        ("title: [a, b]", "title must be text, not a list"),
        ("authors: 5", "authors must be a list of names"),
    ],
)
def test_wrong_types(site_folder, line, expected):
    key = line.split(":")[0]
    front = f"title: T\ndate: 2026-01-01\n{line}" if key != "title" else f"date: 2026-01-01\n{line}"
    site_folder.post("w.md", front)
    messages = errors_of(site_folder)
    expected_line = 4 if key != "title" else 3
    assert any(m.startswith(f"content/posts/w.md:{expected_line}: {expected}") for m in messages), messages


def test_not_utf8(site_folder):
    path = site_folder.root / "content/posts/latin1.md"
    path.parent.mkdir(parents=True)
    path.write_bytes("---\ntitle: Caf\xe9\n---\n".encode("latin-1"))
    (message,) = errors_of(site_folder)
    assert message == "content/posts/latin1.md:2: not valid UTF-8; save the file as UTF-8"


def test_every_error_is_reported_and_nothing_is_written(site_folder):
    site_folder.post("2026-01-01-good.md", "title: Good")
    site_folder.post("a.md", "title: A\ndate: soon")
    site_folder.post("b.md", "title: [x]\ndate: 2026-01-01\ndraft: nope")
    site_folder.write("content/posts/c.md", "---\ntitle: C: D\n---\n")
    messages = errors_of(site_folder)
    assert len(messages) == 4
    assert [m.split(":")[0] for m in messages] == [
        "content/posts/a.md",
        *["content/posts/b.md"] * 2,
        "content/posts/c.md",
    ]
    assert not site_folder.output.exists()


def test_a_failed_build_leaves_the_previous_output_intact(site_folder):
    site_folder.post("2026-01-01-first.md", "title: First")
    site_folder.build()
    before = {p: p.read_bytes() for p in site_folder.output.rglob("*") if p.is_file()}
    site_folder.post("2026-01-02-second.md", "title: Second")
    site_folder.post("2026-01-03-broken.md", "title: [oops")
    errors_of(site_folder)
    after = {p: p.read_bytes() for p in site_folder.output.rglob("*") if p.is_file()}
    assert after == before


def test_template_error_names_the_template_and_line(site_folder):
    site_folder.post("2026-01-01-a.md", "title: A")
    site_folder.write("templates/post.html", "<p>\n{{ item.title|nosuchfilter }}\n</p>\n")
    (message,) = errors_of(site_folder)
    assert message.startswith("templates/post.html:2: template syntax error: No filter named 'nosuchfilter'")


def test_bad_config_names_the_line(site_folder):
    site_folder.write(
        "cmsite.toml",
        '[site]\ntitle = "T"\nurl = "https://x.org"\ntimezone = "Mars/Olympus"\n\n[build]\nposts_per_page = "ten"\n',
    )
    messages = errors_of(site_folder)
    assert "cmsite.toml:4: unknown time zone 'Mars/Olympus'" in messages[0] or any(
        m.startswith("cmsite.toml:4: unknown time zone") for m in messages
    )
    assert any(m.startswith("cmsite.toml:7: [build] posts_per_page must be a whole number") for m in messages)
