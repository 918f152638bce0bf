"""Write the output folder: only what changed, all at once at the end, and remove what no longer belongs.

Changed files are first written beside their target as temporary files ("staged"); only
when every page rendered do they replace their targets (`commit`). A build that fails
removes its temporary files (`abort`) and leaves the previous output as it was.

A marker file tells cmsite the folder is its own; it never deletes files in a folder
that lacks the marker and is not empty, so a mistyped `-o ~` cannot wipe a home folder.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from cmsite.build.fingerprint import digest_bytes
from cmsite.build.state import BuildState, OutputRecord
from cmsite.errors import ContentError, ContentErrors

MARKER = ".cmsite-output"
MARKER_TEXT = (
    b"This folder is written by `cmsite build`: files that the build does not produce are removed.\n"
)


@dataclass
class WriteReport:
    written: list[str] = field(default_factory=list)
    unchanged: int = 0
    removed: list[str] = field(default_factory=list)


@dataclass
class Staged:
    """One output after rendering: a temporary file to move in place, or None when the bytes are the same."""

    relative: str
    fingerprint: str
    content_digest: str
    temp: str | None


def check_output_folder(output: Path, root: Path) -> None:
    """Refuse folders that cmsite must not manage: the site itself, or someone else's files."""
    resolved = output.resolve()
    if resolved == root.resolve() or resolved in root.resolve().parents:
        raise ContentErrors(
            [ContentError(str(output), None, "the output folder cannot be the site folder; use -o output")]
        )
    if resolved.is_dir() and any(resolved.iterdir()) and not (resolved / MARKER).exists():
        raise ContentErrors(
            [
                ContentError(
                    str(output),
                    None,
                    "this folder has files that cmsite did not write; choose an empty folder with -o, or empty it first",
                )
            ]
        )


def stage(
    output: Path, relative: str, content: bytes | Path, fingerprint: str, previous: OutputRecord | None
) -> Staged:
    """Write `content` to a temporary file beside its target, unless the target already holds it."""
    data = content if isinstance(content, bytes) else content.read_bytes()
    content_digest = digest_bytes(data)
    if previous is not None and previous.content_digest == content_digest:
        return Staged(relative, fingerprint, content_digest, None)
    target = output / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.chmod(temp, 0o644)
    return Staged(relative, fingerprint, content_digest, temp)


class OutputWriter:
    """Stages outputs during a build, then commits them together (or aborts)."""

    def __init__(self, output: Path, state: BuildState):
        self.output = output
        self.state = state
        self.staged: list[Staged] = []
        self.kept: dict[str, OutputRecord] = {}

    def unchanged(self, relative: str, fingerprint: str) -> bool:
        """True (and remembered) when the file on disk was made from exactly these inputs."""
        record = self.state.intact(self.output, relative)
        if record is not None and record.fingerprint == fingerprint:
            self.kept[relative] = record
            return True
        return False

    def previous(self, relative: str) -> OutputRecord | None:
        return self.state.intact(self.output, relative)

    def add(self, staged: Staged) -> None:
        self.staged.append(staged)

    def commit(
        self, keep: set[str], *, sweep: bool, written: Callable[[Path, str], None] | None = None
    ) -> WriteReport:
        """Move staged files in place and drop outputs the site no longer makes.

        `sweep` also removes files cmsite never wrote (a full build); a quick rebuild only
        removes the outputs it made last time and not this time.
        """
        report = WriteReport()
        outputs = dict(self.kept)
        marker = self.output / MARKER
        if not marker.exists():
            self.output.mkdir(parents=True, exist_ok=True)
            marker.write_bytes(MARKER_TEXT)
        for staged in self.staged:
            target = self.output / staged.relative
            if staged.temp is not None:
                if target.is_dir():
                    shutil.rmtree(target)
                os.replace(staged.temp, target)
                report.written.append(staged.relative)
                if written is not None:
                    written(target, staged.relative)
            else:
                report.unchanged += 1
            stat = target.stat()
            outputs[staged.relative] = OutputRecord(
                staged.fingerprint, staged.content_digest, stat.st_size, stat.st_mtime_ns
            )
        report.unchanged += len(self.kept)
        gone = set(self.state.outputs) - keep
        if sweep:
            gone |= _files_under(self.output) - keep - {MARKER}
        for relative in sorted(gone):
            path = self.output / relative
            if path.is_file() or path.is_symlink():
                path.unlink()
                report.removed.append(relative)
                _remove_empty_parents(path.parent, self.output)
        self.state.outputs = outputs
        report.written.sort()
        return report

    def abort(self) -> None:
        for staged in self.staged:
            if staged.temp is not None:
                Path(staged.temp).unlink(missing_ok=True)
                _remove_empty_parents(Path(staged.temp).parent, self.output)
        self.staged = []


def _files_under(output: Path) -> set[str]:
    found = set()
    for dirpath, _, filenames in os.walk(output):
        base = Path(dirpath).relative_to(output)
        found.update((base / name).as_posix() for name in filenames)
    return found


def _remove_empty_parents(folder: Path, stop: Path) -> None:
    while folder != stop and folder.is_relative_to(stop):
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent
