"""The CommonMark engine's pass over the HTML it wrote: what the default engine's own
Python-Markdown extensions do to its tree, done by the same functions on an lxml tree.

In the default engine's order: heading ids (the toc extension's slugs, so that links to a
section keep working when a site changes engine) with their ¶ link and its name, the table
of contents (h2 to h4); GFM's extended autolinks, which pulldown-cmark does not make;
figures; tables in scroll boxes; with `raw_html = "drop"`, script addresses and event
handlers removed; last, local pictures and files listed and given their site URLs.

lxml's HTML parser (libxml2) reads the HTML: a well-kept parser, already installed with
feedgen, that gives an ElementTree-like tree those functions work on (lxml.etree's plain
elements: lxml.html's classes would cost a Python look-up per element).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from lxml import etree
from markdown.extensions.toc import nest_toc_tokens, slugify, unique

from cmsite.content import footnotes, scroll_boxes
from cmsite.content.figures import make_figures
from cmsite.content.heading_anchors import HEADINGS, PERMALINK_CLASS, TOC_LEVELS, name_anchors
from cmsite.content.local_files import Reading
from cmsite.content.markdown import drop_script_urls
from cmsite.messages import examples

_PARSER = etree.HTMLParser(huge_tree=True)  # nesting as deep as the writer's raw HTML goes
_OPENER = "<br>"
_FOOTNOTE_REFERENCE = "footnote-reference"  # pulldown-cmark's class for `[^1]`, left out of a slug
_NOT_LINKED = frozenset({"a", "code", "pre", "script", "style", "textarea"})  # text never autolinked

# GFM's extended autolinks (https://github.github.com/gfm/#autolinks-extension-): after the
# start of a text, a space or one of `*_~(`, a www. or http(s):// address, or an email address.
_AUTOLINK = re.compile(
    r"(?:^|(?<=[\s*_~(]))"
    r"(?:(?P<url>(?:https?://|www\.)[\w-]+(?:\.[\w-]+)+[^\s<]*)|(?P<email>[\w.+-]+@[\w-]+(?:\.[\w-]+)+))"
)
_BEFORE_ADDRESS = "*_~(>"  # besides white space, what an address may follow (`>`: after a tag)
_IN_EMAIL_NAME = "_.+-"  # besides letters and digits
_TRAILING = "?!.,:*_~"
_ENTITY_END = re.compile(r"&[A-Za-z0-9]+;$")
_IDS = etree.XPath("descendant-or-self::*/@id", smart_strings=False)  # every id of a tree, found by libxml2


@dataclass(frozen=True)
class Labels:
    """The names of code boxes, table boxes and heading links, in the site's language."""

    code: str
    table: str
    anchor: str

    @classmethod
    def of(cls, lang: str) -> Labels:
        words = examples(lang)
        return cls(words.gettext("Code"), words.gettext("Table"), words.gettext("Link to this section"))


@dataclass
class Pass:
    """What one HTML pass made: the HTML, the table of contents, how many headings it lists."""

    html: str
    toc: str
    headings: int


def run(markup: str, text: str, labels: Labels, files: Reading, *, drop: bool) -> Pass:
    """The pass over `markup`, the HTML of the Markdown `text` (where links' lines are found)."""
    root = _parsed(markup)
    tokens = _headings(root)
    name_anchors(root, PERMALINK_CLASS, labels.anchor)
    if may_autolink(markup):
        _autolink(root)
    make_figures(root)
    footnotes.rearrange(root)
    scroll_boxes.box_tables(root, labels.table)
    if drop:
        drop_script_urls(root, lambda value: value)
    files.relink(root.iter("img", "a"), text, lambda value: (value, value))
    written = etree.tostring(root, encoding="unicode", method="html")
    return Pass(written[len("<body>") : -len("</body>")], toc(tokens), _count(tokens))


def _parsed(markup: str) -> Any:
    """The `<body>` holding `markup`: after a `<br>` that opens it, so that what could start a
    page's `<head>` (a comment, `<title>`, `<meta>`) stays where the writer put it."""
    body = etree.HTML(_OPENER + markup, _PARSER).find("body")
    opener = body[0]
    body.text, opener.tail = opener.tail, None
    body.remove(opener)
    return body


def _headings(root: Any) -> list[dict[str, Any]]:
    """Give every heading an id (unless it has one: `{#id}`) and a ¶ link, as the toc extension
    does; the toc tokens of the headings it lists."""
    used = set(_IDS(root))
    counters: dict[str, int] = {}
    tokens = []
    for heading in root.iter(*HEADINGS):
        name = "".join(_text(heading)).strip()
        if heading.get("id") is None:
            heading.set("id", unique(slugify(name, "-"), used, counters))
        ident = heading.get("id")
        if TOC_LEVELS[0] <= int(heading.tag[1]) <= TOC_LEVELS[1]:
            tokens.append({"level": int(heading.tag[1]), "id": ident, "name": html.escape(name, quote=False)})
        link = heading.makeelement("a", {"class": PERMALINK_CLASS, "href": "#" + ident})
        link.text = "¶"
        heading.append(link)
    return nest_toc_tokens(tokens)


def _text(element: Any) -> Iterator[str]:
    """The text of a heading, without its footnote references and comments (as the toc extension
    reads it)."""
    yield element.text or ""
    for child in element:
        if isinstance(child.tag, str) and child.get("class") != _FOOTNOTE_REFERENCE:  # not a comment
            yield from _text(child)
        yield child.tail or ""


def toc(tokens: list[dict[str, Any]]) -> str:
    """The table of contents as the toc extension writes it, so that themes style both alike."""
    return f'<div class="toc">\n{_list(tokens)}</div>\n'


def _list(tokens: list[dict[str, Any]]) -> str:
    items = "".join(
        f'<li><a href="#{html.escape(token["id"])}">{token["name"]}</a>'
        f"{_list(token['children']) if token['children'] else ''}</li>\n"
        for token in tokens
    )
    return f"<ul>\n{items}</ul>\n"


def _count(tokens: list[dict[str, Any]]) -> int:
    return sum(1 + _count(token["children"]) for token in tokens)


def may_autolink(markup: str) -> bool:
    """Whether an address may start in `markup`'s text, after a tag too: at the start, or after
    white space or one of `*_~(>`, `http://`, `https://`, `www.` or an email address's name
    and its `@`. Most pages have none (the addresses of their links follow a quote), and then
    the walk of `_autolink` is spared. The same test as the regular expression
    `(?:^|[\\s*_~(>])(?:https?://|www\\.|[\\w.+-]+@)` (tests/test_markdown_engines.py), which
    Python tries at every position of the page: going from one `http`, `www.` or `@` to the
    next with `str.find` is several times quicker on long pages."""
    for word in ("http", "www."):
        at = markup.find(word)
        while at != -1:
            if _may_follow(markup, at) and (word == "www." or markup.startswith(("://", "s://"), at + 4)):
                return True
            at = markup.find(word, at + 1)
    at = markup.find("@")
    while at != -1:
        start = at  # of the name before the `@`
        while start and (markup[start - 1].isalnum() or markup[start - 1] in _IN_EMAIL_NAME):
            start -= 1
        # A name may also start after one of its own `_`, which an address may follow.
        if start < at and (_may_follow(markup, start) or "_" in markup[start : at - 1]):
            return True
        at = markup.find("@", at + 1)
    return False


def _may_follow(markup: str, at: int) -> bool:
    """Whether an address may start at `at`: the start of `markup`, or after white space or `*_~(>`."""
    return at == 0 or markup[at - 1].isspace() or markup[at - 1] in _BEFORE_ADDRESS


def _autolink(root: Any) -> None:
    """GFM's extended autolinks in every text outside links and code: each element's text,
    unless it is one of those, and each element's tail (which its parent holds). The walk
    does not enter links and code, and looks for an address only in a text holding `http`,
    `www.` or `@`: the regular expression is tried at every position of a text, which on
    long release notes cost more than the walk itself."""
    walk = etree.iterwalk(root, events=("start", "comment", "pi"))
    texts, tails = [], []  # first all of them, then the links: the walk never meets a link made here
    for _, element in walk:
        tag = element.tag
        if tag in _NOT_LINKED:
            walk.skip_subtree()
        elif isinstance(tag, str):  # not a comment
            text = element.text
            if text and _may_link(text):
                texts.append(element)
        tail = element.tail
        if tail and element is not root and _may_link(tail):
            tails.append(element)
    for element in texts:
        element.text, links = _linked(element, element.text)
        for index, link in enumerate(links):
            element.insert(index, link)
    for element in tails:
        parent = element.getparent()
        element.tail, links = _linked(parent, element.tail)
        at = parent.index(element)
        for offset, link in enumerate(links, 1):
            parent.insert(at + offset, link)


def _may_link(text: str) -> bool:
    return ("http" in text or "www." in text or "@" in text) and _AUTOLINK.search(text) is not None


def _linked(parent: Any, text: str) -> tuple[str, list[Any]]:
    """`text` as the part before its first address, and an `<a>` for each address, the text
    after it as its tail."""
    head, links, start = text, [], 0
    for found in _AUTOLINK.finditer(text):
        url, email = found.group("url"), found.group("email")
        shown = _trimmed(url or email)
        if email and shown[-1] in "-_":
            continue
        href = ("http://" + shown if shown.startswith("www.") else shown) if url else "mailto:" + shown
        link = parent.makeelement("a", {"href": href})
        link.text = shown
        if links:
            links[-1].tail = text[start : found.start()]
        else:
            head = text[: found.start()]
        links.append(link)
        start = found.start() + len(shown)
    if links:
        links[-1].tail = text[start:]
    return head, links


def _trimmed(address: str) -> str:
    """An address without the trailing punctuation GFM leaves out of it: `.`, `,`, `?`…, a `)`
    that closes no `(` of it, and an entity-like `&hl;`."""
    while address:
        unclosed = address.endswith(")") and address.count(")") > address.count("(")
        if address[-1] in _TRAILING or unclosed:
            address = address[:-1]
        elif entity := _ENTITY_END.search(address):
            address = address[: entity.start()]
        else:
            break
    return address
