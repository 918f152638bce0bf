"""Wide tables and code scroll inside their own box, never the whole page.

A table of ten columns or a 120-character line of code is wider than a phone: left as it
is, it widens the page, and the reader scrolls the whole page sideways to read one line.
Each table is wrapped in a box that scrolls on its own (the theme draws a shadow at the
edge that hides more); code blocks get the same box from the highlighter (`open_tag`).

A box that scrolls must be reachable without a mouse: it is a focusable region (arrow
keys scroll it), and a region needs a name, read out when it takes the focus. The names
come in the site's language, from the caller.
"""

from __future__ import annotations

from xml.etree import ElementTree as etree

import markdown
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor
from markupsafe import escape

CLASS = "scroll-box"


def attributes(label: str) -> dict[str, str]:
    """The attributes of a box named `label`: focusable, a region, its name."""
    return {"class": CLASS, "role": "region", "tabindex": "0", "aria-label": label}


def open_tag(label: str) -> str:
    """The opening `<div>` of a box named `label`, for HTML written as text (highlighted code)."""
    return "<div" + "".join(f' {name}="{escape(value)}"' for name, value in attributes(label).items()) + ">"


class ScrollBoxes(Extension):
    """Puts each table of a document in a box named `table_label`."""

    def __init__(self, table_label: str):
        super().__init__()
        self.table_label = table_label

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.treeprocessors.register(_BoxTables(md, self.table_label), "cmsite_scroll_boxes", 3)


class _BoxTables(Treeprocessor):
    def __init__(self, md: markdown.Markdown, label: str):
        super().__init__(md)
        self.label = label

    def run(self, root: etree.Element) -> None:
        box_tables(root, self.label)


def box_tables(root: etree.Element, label: str) -> None:
    """Puts each table of the tree in a box named `label` (an ElementTree or lxml tree: the
    CommonMark engine's HTML pass calls it too)."""
    if next(root.iter("table"), None) is None:  # most documents: not a walk over every element
        return
    for parent in list(root.iter()):
        for index, child in enumerate(list(parent)):
            if child.tag == "table":
                box = parent.makeelement("div", attributes(label))
                box.tail, child.tail = child.tail, None
                parent[index] = box
                box.append(child)
