"""The CommonMark engine passes every example of the CommonMark spec (0.31.2, npm's
`commonmark-spec`, in .tools/): all 652, in every section, none left out.

They run against the engine's pulldown-cmark parser with the options the engine gives it
(tables, footnotes, strikethrough, task lists, heading attributes: none of them changes a spec
example), before cmsite's HTML pass, which adds what the spec does not say (heading ids and
links, highlighted code, autolinks): tests/test_markdown_engines.py checks that pass. Both
sides are compared as the spec's own test runner does, as HTML (entities and the space
between tags aside): parsed by lxml, written again.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import lxml.etree
import lxml.html

from cmsite.content.commonmark import parser
from cmsite.testing import missing_tool

REPO = Path(__file__).resolve().parents[1]
SPEC = Path(os.environ.get("CMSITE_TOOLS", REPO / ".tools")) / "node_modules/commonmark-spec/spec.txt"
# As the package's index.js reads its examples: each between two fences of 32 backticks,
# Markdown then HTML around a line holding a dot, `→` for a tab; the headings name the sections.
EXAMPLE = re.compile(r"^`{32} example\n([\s\S]*?)^\.\n([\s\S]*?)^`{32}$|^#{1,6} *(.*)$", re.MULTILINE)
SPEC_EXAMPLES = 652  # in spec 0.31.2


def examples() -> list[tuple[int, str, str, str]]:
    """(number, section, Markdown, HTML) of each example."""
    text = re.sub(r"^<!-- END TESTS -->[\s\S]*", "", SPEC.read_text(encoding="utf-8"), flags=re.MULTILINE)
    found, section = [], ""
    for match in EXAMPLE.finditer(text):
        if match.group(3) is not None:
            section = match.group(3)
            continue
        markdown, html = (part.replace("→", "\t") for part in match.group(1, 2))
        found.append((len(found) + 1, section, markdown, html))
    return found


def normalized(html: str) -> str:
    try:
        root = lxml.html.fragment_fromstring(html, create_parent="div")
    except lxml.etree.ParserError:  # nothing but a doctype, or nothing at all
        return html.strip()
    return re.sub(r">\s+<", "><", lxml.html.tostring(root, encoding="unicode")).strip()


def test_the_commonmark_engine_passes_the_spec_examples():
    if not SPEC.is_file():
        missing_tool("npm's commonmark-spec (the CommonMark spec's examples)")
    render = parser()
    cases = examples()
    assert len(cases) == SPEC_EXAMPLES
    failed = [
        f"example {number} ({section}):\n{markdown!r}\nwanted {html!r}\ngot    {render.html(markdown)!r}"
        for number, section, markdown, html in cases
        if normalized(render.html(markdown)) != normalized(html)
    ]
    assert not failed, f"{len(failed)} of {len(cases)} examples differ:\n" + "\n".join(failed[:10])
