"""What a post moved in from another site generator holds that cmsite does not read, each
found at its line with what to write instead, as warnings: the page is made all the same.

In the body, template tags: Jekyll's Liquid (`{% highlight %}`, `{{ site.baseurl }}`), Hugo's
shortcodes (`{{< figure >}}`) and Pelican's link prefixes (`{static}`); the page shows the tag
as written, or the link leads nowhere. Code blocks and code spans are left alone: there a tag
is shown on purpose. In the front matter, the keys that would publish what the writer did not
mean to: a draft marked the Jekyll or Pelican way, a URL written as `permalink:`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from cmsite.errors import ContentError, shorten
from cmsite.inputs import listed
from cmsite.messages import agree

_TAG = re.compile(
    r"\{%-?\s*(?P<liquid>\w+)[^%]*%\}"  # {% highlight ruby %}, {%- include x.html -%}
    r"|\{\{[<%]\s*/?\s*(?P<hugo>[\w.-]+)[^}]*[>%]\}\}"  # {{< figure src="…" >}}, {{% /note %}}
    r"|\{\{(?P<liquid_value>[^{}]*)\}\}"  # {{ site.baseurl }}
    r"|\{(?P<pelican>static|filename|attach)\}"  # ![x]({static}/images/x.png)
)
_FENCE = re.compile(r" {0,3}(```|~~~)")
_CODE_SPAN = re.compile(r"(`+).+?\1")

_WHAT = {
    "liquid": "a Liquid tag (Jekyll), which cmsite does not run: the page shows it as written",
    "liquid_value": "a Liquid value (Jekyll), which cmsite does not fill in: the page shows it as written",
    "hugo": "a Hugo shortcode, which cmsite does not run: the page shows it as written",
    "pelican": "a Pelican link prefix, which cmsite does not read: the link leads nowhere",
}
_FENCED = "write a fenced code block instead (```ruby on the line before the code, ``` after it)"
_INSTEAD = {
    ("liquid", "highlight"): _FENCED,
    ("hugo", "highlight"): _FENCED,
    ("liquid", "raw"): "remove it: cmsite shows the text between as written",
    ("liquid", "post_url"): "link to the post's URL instead, like /posts/its-slug/",
    ("liquid", "link"): "link to the page's URL instead, like /about/",
    ("hugo", "ref"): "link to the page's URL instead, like /posts/its-slug/",
    ("hugo", "relref"): "link to the page's URL instead, like /posts/its-slug/",
    ("liquid", "include"): "write what the included file holds into the post",
    ("hugo", "figure"): "write the picture as ![what it shows](/images/name.jpg)",
    ("liquid_value", ""): "write what it stood for (for site.baseurl: the path your site's URL ends with)",
    ("pelican", ""): "write the path the file has on the site, like /images/name.jpg or /posts/its-slug/",
}
_OTHERWISE = "write the Markdown or HTML it made instead"


def foreign_tags(shown: str, text: str, first_line: int) -> list[ContentError]:
    """One warning for each kind of tag in `text` (a file's part that starts at `first_line`),
    at its first line, naming the others: a post of 40 code samples gets one, not 80."""
    if "{" not in text:
        return []
    found: dict[tuple[str, str], tuple[str, list[int]]] = {}
    for number, tag in _tags(text):
        kind = tag.lastgroup or ""
        name = tag.group(kind).removeprefix("end") if kind in ("liquid", "hugo") else ""
        found.setdefault((kind, name), (tag.group(), []))[1].append(first_line + number)
    return [_warning(shown, key, written, lines) for key, (written, lines) in found.items()]


def _tags(text: str) -> Iterator[tuple[int, re.Match[str]]]:
    """Each tag with its line number in `text` (from 0), outside code blocks and code spans."""
    fence = ""
    for number, line in enumerate(text.split("\n")):
        if opening := _FENCE.match(line):
            fence = "" if fence and line.lstrip().startswith(fence) else fence or opening.group(1)
            continue
        if not fence and "{" in line:  # every tag starts with one
            yield from ((number, tag) for tag in _TAG.finditer(_CODE_SPAN.sub("", line)))


def _warning(shown: str, key: tuple[str, str], written: str, lines: list[int]) -> ContentError:
    instead = _INSTEAD.get(key, _INSTEAD.get((key[0], ""), _OTHERWISE))
    more = lines[1:]
    also = f"; also on {agree(len(more), 'line', 'lines')} {listed(more)}" if more else ""
    return ContentError(shown, lines[0], f"warning: {shorten(written)} is {_WHAT[key[0]]}; {instead}{also}")


_PUBLISHED = "; cmsite does not read it and publishes this file: write draft: true instead"
# Keys of other generators that change what is published, each with when it does and what to write.
_KEYS: dict[str, tuple[Callable[[Mapping[str, Any]], bool], str]] = {
    "published": (
        lambda data: data["published"] is False and not data.get("draft"),
        f"published: false is Jekyll's way to keep a post unpublished{_PUBLISHED}",
    ),
    "status": (
        lambda data: str(data["status"]).lower() in ("draft", "hidden") and not data.get("draft"),
        f"status: draft (or hidden) is Pelican's way to keep a post unpublished{_PUBLISHED}",
    ),
    "permalink": (
        lambda data: True,
        "permalink: is Jekyll's name for the URL; cmsite does not read it and makes the URL from [urls]: "
        "rename it url:",
    ),
}


def foreign_keys(shown: str, data: Mapping[str, Any], line_of: Callable[[str], int]) -> list[ContentError]:
    """A warning for each front-matter key of another generator that changes what is published."""
    return [
        ContentError(shown, line_of(key), f"warning: {message}")
        for key, (applies, message) in _KEYS.items()
        if key in data and applies(data)
    ]
