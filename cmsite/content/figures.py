"""A picture with a title on a paragraph of its own is a figure, its title the caption:

    ![The room, set for the workshop](room.jpg "Thursday's workshop, before the doors opened")

becomes `<figure><img alt="The room…" src="room.jpg"><figcaption>Thursday's workshop…
</figcaption></figure>`. The alt text describes the picture to someone who cannot see it; the
caption says something about it to everyone, so both are kept. A picture inside a sentence
stays a picture.
"""

from __future__ import annotations

from xml.etree import ElementTree as etree

import markdown
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor


class Figures(Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.treeprocessors.register(_Figures(md), "cmsite_figures", 4)  # after the inline patterns (20)


class _Figures(Treeprocessor):
    def run(self, root: etree.Element) -> None:
        make_figures(root)


def make_figures(root: etree.Element) -> None:
    """Each paragraph of the tree that is one picture with a title, as a figure (an
    ElementTree or lxml tree: the CommonMark engine's HTML pass calls it too)."""
    for paragraph in list(root.iter("p")):
        if len(paragraph) != 1 or (paragraph.text or "").strip():
            continue
        picture = paragraph[0]
        if picture.tag != "img" or not (caption := (picture.get("title") or "").strip()):
            continue
        if (picture.tail or "").strip():
            continue
        del picture.attrib["title"]
        picture.tail = None
        paragraph.tag = "figure"
        figcaption = paragraph.makeelement("figcaption", {})
        figcaption.text = caption
        paragraph.append(figcaption)
