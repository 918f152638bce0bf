"""What a build produced: the one-line summary of `cmsite build` and `cmsite_build_finished`'s report."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from cmsite.errors import ContentError
from cmsite.render.writer import WriteReport


@dataclass
class BuildReport:
    """What a build produced, for the one-line summary and for `cmsite_build_finished`."""

    pages: int = 0
    feeds: int = 0
    files: int = 0
    static: int = 0
    seconds: float = 0.0
    output: Path | None = None
    rendered: int = 0
    nothing_changed: bool = False
    write: WriteReport = field(default_factory=WriteReport)
    warnings: list[ContentError] = field(default_factory=list)  # `path:line: warning: …`, for the terminal
