"""Errors that point at a file and a line, and a build failure that carries all of them."""

from __future__ import annotations

import os
import re
import reprlib
from dataclasses import dataclass
from pathlib import Path

_SHORT = reprlib.Repr()
_SHORT.maxstring = _SHORT.maxother = 60
# Characters that end a line for str.splitlines or a terminal: a path holding one is escaped.
_LINE_BREAKING = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_SHORT.maxlist = _SHORT.maxtuple = _SHORT.maxdict = _SHORT.maxset = 3


@dataclass(frozen=True, order=True)
class ContentError:
    """One problem in one file: where it is, what is wrong and what to do about it."""

    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        path = printable(self.path)
        where = path if self.line is None else f"{path}:{self.line}"
        return f"{where}: {self.message}"

    def as_dict(self) -> dict[str, object]:
        return {"path": self.path, "line": self.line, "message": self.message}


class ContentErrors(Exception):
    """Raised with every error found, so the user fixes them all in one pass."""

    def __init__(self, errors: list[ContentError]):
        self.errors = sorted(
            set(errors), key=lambda e: (e.path, e.line or 0, e.message)
        )  # a file's error may have no line
        super().__init__("\n".join(str(e) for e in self.errors))


class PluginError(Exception):
    """A plugin that cannot load, or that failed inside a hook; the message names it.

    Here rather than in cmsite.plugins so that the command line can catch it without
    importing the plugin machinery (`cmsite --version` imports none of it)."""


def shorten(value: object) -> str:
    """A value as Python writes it, cut to about 60 characters with `...`: a message that echoes
    what the user wrote must stay one readable line, whatever the length of the value."""
    return _SHORT.repr(value)


def printable(name: str) -> str:
    """A file name as the file system gave it, on one line: bytes that are not UTF-8 and
    control or line-breaking characters written as escapes (`\\xff`, `\\r`, `\\x85`)."""
    name = os.fsencode(name).decode("utf-8", "backslashreplace")
    return _LINE_BREAKING.sub(lambda found: repr(found.group())[1:-1], name)


def display_path(path: Path, root: Path) -> str:
    """Show a path relative to the site root when it is inside it, as users typed it."""
    if path.is_absolute() and ".." not in path.parts and path.is_relative_to(root):
        return path.relative_to(root).as_posix()  # the usual case, found under the root: no disk access
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)
