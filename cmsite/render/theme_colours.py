"""The colours a theme's stylesheet declares, for pictures the build draws in them (cards).

A theme names its colours once, as custom properties of `:root` in `static/style.css`
(`--bg`, `--text`, `--accent`, `--muted`: docs/themes.md); the light scheme's, outside any
`@media` rule, are the ones read. tinycss2 parses the stylesheet, as browsers would.
"""

from __future__ import annotations

from pathlib import Path

import tinycss2
from PIL import ImageColor

STYLESHEET = Path("static") / "style.css"


def theme_colours(theme: Path) -> dict[str, str]:
    """`{"bg": "#fbfaf7", …}`: the custom properties of the theme's top-level `:root` rules
    whose value is a colour Pillow reads; none when the theme has no stylesheet."""
    try:
        text = (theme / STYLESHEET).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return {}
    colours = {}
    for rule in tinycss2.parse_stylesheet(text, skip_comments=True, skip_whitespace=True):
        if rule.type != "qualified-rule" or tinycss2.serialize(rule.prelude).strip() != ":root":
            continue
        for declaration in tinycss2.parse_blocks_contents(
            rule.content, skip_comments=True, skip_whitespace=True
        ):
            if declaration.type == "declaration" and declaration.name.startswith("--"):
                value = tinycss2.serialize(declaration.value).strip()
                if is_colour(value):
                    colours[declaration.name[2:]] = value
    return colours


def is_colour(value: str) -> bool:
    """Whether Pillow can read `value` as a colour (`#4b3bc4`, `rgb(75 59 196)`, `navy`)."""
    try:
        ImageColor.getrgb(value)
    except ValueError:
        return False
    return True
