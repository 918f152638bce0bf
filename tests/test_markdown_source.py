"""`cmsite_markdown_source`: plugins change an item's text before it is rendered (shortcodes),
one after the other; errors keep pointing at lines of the file; the result is cached."""

from __future__ import annotations

import re

import pytest

from cmsite.errors import ContentError, ContentErrors
from cmsite.hookspecs import hookimpl


class Year:
    """`{{< year >}}`: the year of the item's date, in bold (through the `strong` shortcode)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    @hookimpl
    def cmsite_markdown_source(self, source, item):
        self.calls.append((item.slug, source.part))
        source.text = source.text.replace("{{< year >}}", f"{{{{< strong {item.date.year} >}}}}")


class Strong:
    """`{{< strong TEXT >}}` → **TEXT**; any other shortcode is an error at its line of the file."""

    @hookimpl(trylast=True)  # after Year, whose output it reads
    def cmsite_markdown_source(self, source, item):
        source.text = re.sub(r"\{\{< strong (.*?) >\}\}", r"**\1**", source.text)
        errors = [
            ContentError(item.shown, source.line + number, f"unknown shortcode {match.group(0)}")
            for number, text in enumerate(source.text.splitlines())
            for match in re.finditer(r"\{\{<.*?>\}\}", text)
        ]
        if errors:
            raise ContentErrors(errors)


def test_shortcodes_are_expanded_in_order_in_the_body_and_the_summary(site_folder):
    site_folder.post(
        "2025-06-01-hello.md",
        "title: Hello\nsummary: Written in {{< year >}}.",
        "First.\n\nSince {{< year >}}, and {{< strong always >}}.\n",
    )
    site_folder.build(plugins=[Strong(), Year()])
    page = site_folder.read("posts/hello/index.html")
    assert "<p>Since <strong>2025</strong>, and <strong>always</strong>.</p>" in page
    assert "Written in <strong>2025</strong>." in site_folder.read("index.html")


def test_a_shortcode_error_points_at_its_line_of_the_file(site_folder):
    site_folder.post("2025-06-01-body.md", "title: Body\nsummary: Fine.", "One.\n\nTwo {{< wrong >}}.\n")
    site_folder.post("2025-06-02-summary.md", "title: Summary\nsummary: A {{< nope >}} summary.")
    with pytest.raises(ContentErrors) as caught:
        site_folder.build(plugins=[Strong(), Year()])
    assert sorted(str(error) for error in caught.value.errors) == [
        "content/posts/2025-06-01-body.md:7: unknown shortcode {{< wrong >}}",
        "content/posts/2025-06-02-summary.md:3: unknown shortcode {{< nope >}}",
    ]


def test_the_expanded_text_is_cached_with_the_item(site_folder):
    site_folder.post("2025-06-01-hello.md", "title: Hello", "Since {{< year >}}.\n")
    site_folder.post("2025-07-01-other.md", "title: Other", "Other.\n")
    year = Year()
    site_folder.build(plugins=[Strong(), year])
    assert sorted(year.calls) == [("hello", "body"), ("other", "body")]

    site_folder.post("2025-07-01-other.md", "title: Other", "Changed.\n")
    later = Year()
    site_folder.build(plugins=[Strong(), later])  # a new Site, reading unchanged items from the cache
    assert later.calls == [("other", "body")]
    assert "<strong>2025</strong>" in site_folder.read("posts/hello/index.html")
