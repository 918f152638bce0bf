"""What a build produced: the one-line summary of `cmsite build` and `cmsite_build_finished`'s report."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from cmsite.errors import ContentError
from cmsite.render.outputs import Plan
from cmsite.render.writer import WriteReport


@dataclass(frozen=True)
class BuildCounts:
    """How many outputs of each kind a plan has."""

    pages: int = 0
    feeds: int = 0
    files: int = 0
    static: int = 0

    @classmethod
    def of(cls, plan: Plan) -> BuildCounts:
        kinds = [file.kind for file in plan.files]
        return cls(len(plan.pages), kinds.count("feed"), kinds.count("file"), kinds.count("static"))


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
    # (mtime_ns, size) of every input as the build found them: the queue's sync compares the content's
    # with those of its last run (cmsite.queue.changes) rather than looking at every file again.
    inputs: dict[str, tuple[int, int]] = field(default_factory=dict)
    loaded: bool = False  # every item is in memory (`site.items`), not only those the outputs rendered show
    quick: bool = False  # only the outputs that show the saved posts were looked at (the quick rebuild)
