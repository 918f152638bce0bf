"""A name for the ¶ link each heading ends with (the table-of-contents extension adds it).

Its text, the pilcrow, says nothing to someone who hears the page: a screen reader reads
"pilcrow" or nothing at all. Each link gets a name in the site's language instead
("Link to this section"); the theme shows the ¶ on hover and on keyboard focus only, and
the link stays in the tab order and in the accessibility tree all the time.
"""

from __future__ import annotations

from xml.etree import ElementTree as etree

import markdown
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

TOC_PRIORITY = 5  # Python-Markdown's "toc" tree processor, which adds the links
PERMALINK_CLASS = "headerlink"  # the class of each heading's ¶ link
TOC_LEVELS = (2, 4)  # the headings a table of contents lists: h2 to h4
HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})


class HeadingAnchors(Extension):
    """Names every link of class `link_class` inside a heading `label`."""

    def __init__(self, link_class: str, label: str):
        super().__init__()
        self.link_class, self.label = link_class, label

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.treeprocessors.register(_NameAnchors(md, self), "cmsite_heading_anchors", TOC_PRIORITY - 1)


class _NameAnchors(Treeprocessor):
    def __init__(self, md: markdown.Markdown, settings: HeadingAnchors):
        super().__init__(md)
        self.settings = settings

    def run(self, root: etree.Element) -> None:
        name_anchors(root, self.settings.link_class, self.settings.label)


def name_anchors(root: etree.Element, link_class: str, label: str) -> None:
    """Names every link of class `link_class` inside a heading of the tree `label` (an
    ElementTree or lxml tree: the CommonMark engine's HTML pass calls it too). Each kind of
    heading is looked for by the tree itself, not by a Python loop over every element."""
    for tag in HEADINGS:
        for heading in root.iter(tag):
            for link in heading.iter("a"):
                if link.get("class") == link_class:
                    link.set("aria-label", label)
