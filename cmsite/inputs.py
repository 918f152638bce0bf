"""What people write, made safe where it is read, so that no later step can trip on it.

Control characters: text pasted from a word processor carries characters such as U+000B
(a line break inside a paragraph) that XML forbids and HTML calls a parse error; one in a
title made the feed step fail. They are removed from a file's text before it is parsed,
and from the values YAML or TOML escapes put back (`"\\v"`, `"\\u000b"`), so no output
format — pages, feeds, sitemap, social texts — ever sees one, and a warning says where
they were. Tab, line feed and carriage return are text, and stay.

Size: front matter and settings are walked as trees by every later step (the item cache,
fingerprints, templates). YAML aliases can make a tree that never ends (`a: &x [*x]`) or one
of a billion values from 400 bytes ("billion laughs"), and TOML nests as deep as brackets
go: values past MAX_VALUES, MAX_DEPTH or with an alias inside itself are an error instead.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from itertools import accumulate
from typing import Any

from cmsite.errors import ContentError, ContentErrors
from cmsite.messages import agree

# C0 controls but tab, line feed and carriage return; DEL and C1 controls; the two
# noncharacters XML forbids (U+FFFE, U+FFFF).
CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
MAX_VALUES = 100_000  # front matter or settings, once YAML aliases are expanded
MAX_DEPTH = 100  # lists and tables inside one another

KeyPath = tuple[str | int, ...]  # where a value is: ("social", 0, "text")
Found = tuple[int | None, str]  # a removed control character: its line, itself


class TooLarge(ValueError):
    """Values that no later step should walk: `path` says where the problem shows."""

    def __init__(self, path: KeyPath, message: str):
        self.path = path
        super().__init__(message)


def decode(raw: bytes, shown: str) -> str:
    """A file's bytes as text; raise ContentErrors at the line of the first byte that is not UTF-8."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ContentErrors([ContentError(shown, line, "not valid UTF-8; save the file as UTF-8")]) from None


def strip_text(text: str) -> tuple[str, list[Found]]:
    """The text without control characters, and the line of each one removed."""
    if CONTROLS.search(text) is None:
        return text, []
    found: list[Found] = []
    line, counted = 1, 0
    for match in CONTROLS.finditer(text):
        line += text.count("\n", counted, match.start())
        counted = match.start()
        found.append((line, match.group()))
    return CONTROLS.sub("", text), found


def clean_values(
    data: dict[str, Any], line_of: Callable[[KeyPath], int | None]
) -> tuple[dict[str, Any], list[Found]]:
    """Parsed values as a tree of at most MAX_VALUES values, MAX_DEPTH deep, control characters
    removed from every string (keys included); raise TooLarge otherwise."""
    walk = _Walk()
    cleaned = walk.value(data, ())
    return cleaned, [(line_of(path), char) for path, char in walk.found]


class _Walk:
    def __init__(self) -> None:
        self.count = 0
        self.found: list[tuple[KeyPath, str]] = []
        self.inside: set[int] = set()  # the containers being walked: a value found in itself is a loop

    def value(self, value: Any, path: KeyPath) -> Any:
        self.count += 1
        if self.count > MAX_VALUES:
            raise TooLarge(
                path,
                f"more than {MAX_VALUES:,} values once YAML aliases (*name) are expanded; write fewer values or fewer aliases",
            )
        if isinstance(value, str):
            return self.text(value, path)
        if not isinstance(value, dict | list | tuple | set):
            return value
        if id(value) in self.inside:
            raise TooLarge(
                path, "a YAML alias (*name) inside the value it names never ends; write the value out instead"
            )
        if len(path) >= MAX_DEPTH:
            raise TooLarge(path, f"lists or tables nested more than {MAX_DEPTH} deep; nest them less")
        self.inside.add(id(value))
        if isinstance(value, dict):
            cleaned: Any = {
                self.text(key, path) if isinstance(key, str) else key: self.value(inner, (*path, str(key)))
                for key, inner in value.items()
            }
        else:  # a list, or what YAML's !!set, !!omap and !!pairs make
            cleaned = type(value)(self.value(inner, (*path, index)) for index, inner in enumerate(value))
        self.inside.discard(id(value))
        return cleaned

    def text(self, value: str, path: KeyPath) -> str:
        if CONTROLS.search(value) is None:
            return value
        self.found += [(path, char) for char in CONTROLS.findall(value)]
        return CONTROLS.sub("", value)


def control_warning(shown: str, found: list[Found]) -> ContentError | None:
    """One warning for the control characters removed from a file, at the first line that had one."""
    if not found:
        return None
    lines = sorted({line for line, _ in found if line is not None})
    codes = sorted({f"U+{ord(char):04X}" for _, char in found})
    what = "a control character" if len(found) == 1 else f"{len(found)} control characters"
    also = f", also on {agree(len(lines) - 1, 'line', 'lines')} {listed(lines[1:])}" if len(lines) > 1 else ""
    return ContentError(
        shown,
        lines[0] if lines else None,
        f"warning: removed {what} {listed(codes)}{also} (pasted from a word processor?)",
    )


def listed(names: list[Any], shown: int = 5) -> str:
    """The first `shown` names, then how many more: a message stays one line however many there are."""
    text = ", ".join(map(str, names[:shown]))
    return text + (f" and {len(names) - shown} more" if len(names) > shown else "")


def deepest_line(text: str) -> int:
    """The first line where brackets and braces open more than MAX_DEPTH deep, to place an error
    the TOML parser could only give as a RecursionError (brackets inside strings count too)."""
    depth = 0
    for number, line in enumerate(text.splitlines(), 1):
        steps = [1 if char in "[{" else -1 if char in "]}" else 0 for char in line]
        if max(accumulate(steps, initial=depth)) > MAX_DEPTH:
            return number
        depth += sum(steps)
    return 1
