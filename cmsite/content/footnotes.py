"""The CommonMark engine's footnotes laid out as the default engine's, so that a theme styles
both alike and `#fn:…` links keep working when a site changes engine.

pulldown-cmark writes a reference as `<sup class="footnote-reference"><a href="#note">1</a></sup>`
and each definition where it is written, as `<div class="footnote-definition" id="note">`.
Python-Markdown's footnotes (and so the theme's stylesheet) have `<sup id="fnref:note"><a
class="footnote-ref" href="#fn:note">1</a></sup>`, and every definition at the end, in the
order of their numbers, in `<div class="footnote"><hr><ol><li id="fn:note">`, each ending with
a link back to its first reference.
"""

from __future__ import annotations

from typing import Any

_REFERENCE, _DEFINITION, _NUMBER = "footnote-reference", "footnote-definition", "footnote-definition-label"
_BACK = "\u21a9"  # ↩, as Python-Markdown's footnotes write it


def rearrange(root: Any) -> None:
    """Footnote references and definitions of the (lxml) tree, as Python-Markdown writes them."""
    seen: dict[str, int] = {}
    for reference in list(root.iter("sup")):
        link = next(iter(reference), None)
        if reference.get("class") != _REFERENCE or link is None or link.tag != "a":
            continue
        label = (link.get("href") or "").removeprefix("#")
        seen[label] = seen.get(label, 0) + 1
        del reference.attrib["class"]
        reference.set("id", f"fnref{'' if seen[label] == 1 else seen[label]}:{label}")
        link.attrib.clear()
        link.set("class", "footnote-ref")
        link.set("href", f"#fn:{label}")
    definitions = [element for element in root.iter("div") if element.get("class") == _DEFINITION]
    if not definitions:
        return
    box = root.makeelement("div", {"class": "footnote"})
    box.text = "\n"
    box.append(root.makeelement("hr", {}))
    listed = root.makeelement("ol", {})
    box[-1].tail, listed.text, box.tail = "\n", "\n", "\n"
    box.append(listed)
    for definition in sorted(definitions, key=_number):
        listed.append(_item(definition, seen))
    listed[-1].tail = "\n"
    listed.tail = "\n"
    root.append(box)


def _number(definition: Any) -> int:
    label = next(iter(definition), None)
    text = label.text if label is not None and label.get("class") == _NUMBER else ""
    return int(text) if text and text.isdigit() else 0


def _item(definition: Any, seen: dict[str, int]) -> Any:
    """The `<li>` of a definition, taken out of where it was written (its tail stays there)."""
    label = definition.get("id") or ""
    parent = definition.getparent()
    previous = definition.getprevious()
    kept = (definition.tail or "").lstrip("\n")  # the line end after the definition goes with it
    if previous is not None:
        previous.tail = (previous.tail or "") + kept
    else:
        parent.text = (parent.text or "") + kept
    parent.remove(definition)
    item = definition.makeelement("li", {"id": f"fn:{label}"})
    item.text, item.tail = "\n", "\n"
    number = str(_number(definition))
    for child in list(definition):
        if child.get("class") != _NUMBER:
            item.append(child)
    if label not in seen:  # a definition no reference points to: nothing to go back to
        return item
    paragraph = item[-1] if len(item) and item[-1].tag == "p" else item
    if len(paragraph):
        paragraph[-1].tail = (paragraph[-1].tail or "").rstrip("\n") + "\u00a0"
    else:
        paragraph.text = (paragraph.text or "").rstrip("\n") + "\u00a0"
    for times in range(1, seen.get(label, 0) + 1):
        back = item.makeelement(
            "a",
            {
                "class": "footnote-backref",
                "href": f"#fnref{'' if times == 1 else times}:{label}",
                "title": f"Jump back to footnote {number} in the text",
            },
        )
        back.text = _BACK
        paragraph.append(back)
    return item
