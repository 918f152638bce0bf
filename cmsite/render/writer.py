"""Write the output folder: only what changed, all at once at the end, and remove what no longer belongs.

Changed files are first written to a staging folder ("staged"), each at its own path there
(`staging/posts/x/index.html`); only when every page rendered do they replace their targets
(`commit`). A file whose folder the output already has is moved in alone; a folder the output
lacks is moved in whole, with every file staged below it, so a build into a new output folder
ends with one rename, and the workers that stage the pages make their folders while others
render. A build that fails removes the staging folder (`remove_staging`) and leaves the
previous output as it was. The staging folder is in the site's `.cmsite/` when that is on
the output's filesystem (a rename there is atomic), so a deploy never ships a half-written
file, even from a killed build; otherwise it is a hidden folder inside the output. Either
way the next build removes it before anything else.

A marker file tells cmsite the folder is its own; it never deletes files in a folder
that lacks the marker and is not empty, so a mistyped `-o ~` cannot wipe a home folder.

A disk that is full or a folder that refuses writes stops the build with the file's name
and what to do, never a traceback, and a refused folder is found before any file is moved
in, so the old output stays whole.
"""

from __future__ import annotations

import errno
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from cmsite.digests import digest_bytes
from cmsite.errors import ContentError, ContentErrors, display_path
from cmsite.render.state import BuildState, OutputRecord

MARKER = ".cmsite-output"
MARKER_TEXT = (
    b"This folder is written by `cmsite build`: files that the build does not produce are removed.\n"
)
STAGING = ".cmsite-staging"  # the staging folder inside the output, when .cmsite/ is on another filesystem
_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


@dataclass
class WriteReport:
    written: list[str] = field(default_factory=list)
    unchanged: int = 0
    removed: list[str] = field(default_factory=list)


@dataclass
class Staged:
    """One output after rendering: where it is staged, or None when the target holds these bytes."""

    relative: str
    fingerprint: str
    content_digest: str
    temp: str | None


@dataclass(frozen=True)
class Unwritable:
    """An output that could not be staged: the disk or folder refuses it, so the build stops there."""

    error: ContentError


def unwritable(shown: str, exc: OSError) -> ContentError:
    """A failed write as the user can act on it: a full disk, a folder without write access, or else."""
    reason = (exc.strerror or str(exc)).lower()
    if exc.errno in _FULL:
        return ContentError(
            shown, None, f"cannot write, the disk is full ({reason}); free some space and build again"
        )
    return ContentError(
        shown, None, f"cannot write here ({reason}); make it writable, or choose another folder with -o"
    )


def check_output_folder(output: Path, root: Path) -> None:
    """Refuse folders that cmsite must not manage: the site itself, or someone else's files."""
    resolved = output.resolve()
    if resolved == root.resolve() or resolved in root.resolve().parents:
        raise ContentErrors(
            [ContentError(str(output), None, "the output folder cannot be the site folder; use -o output")]
        )
    try:
        foreign = resolved.is_dir() and not (resolved / MARKER).exists()
        foreign = foreign and any(path.name != STAGING for path in resolved.iterdir())
    except OSError as exc:
        raise ContentErrors([unwritable(display_path(output, root), exc)]) from None
    if foreign:
        raise ContentErrors(
            [
                ContentError(
                    str(output),
                    None,
                    "this folder has files that cmsite did not write; choose an empty folder with -o, or empty it first",
                )
            ]
        )


def staging_folder(cache: Path, output: Path) -> Path:
    """`cache` if it is on the output's filesystem (moving a file in is then a rename), else `output/STAGING`.

    `cache`'s parent exists: it holds the build lock."""
    existing = output
    while not existing.exists():
        existing = existing.parent
    return cache if cache.parent.stat().st_dev == existing.stat().st_dev else output / STAGING


def remove_staging(cache: Path, output: Path) -> None:
    """Remove what a build staged, wherever it staged it; a killed build's leftovers too."""
    for folder in (cache, output / STAGING):
        shutil.rmtree(folder, ignore_errors=True)


class OutputWriter:
    """Stages outputs during a build, then commits them together (or aborts)."""

    def __init__(self, output: Path, state: BuildState, staging: Path, root: Path):
        self.output = output
        self.state = state
        self.staging = staging
        self.root = root
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

    def stage(self, relative: str, content: bytes | Path, fingerprint: str) -> Staged | Unwritable:
        """Write `content` to the staging folder, unless the target already holds it.

        Runs in forked workers too, so a write that fails comes back as a value, not an exception.
        """
        data = content if isinstance(content, bytes) else content.read_bytes()
        content_digest = digest_bytes(data)
        previous = self.previous(relative)
        if previous is not None and previous.content_digest == content_digest:
            return Staged(relative, fingerprint, content_digest, None)
        temp = self.staging / relative
        made = False
        try:
            temp.parent.mkdir(parents=True, exist_ok=True)
            with temp.open("xb") as handle:  # a build stages each output once
                made = True
                os.fchmod(handle.fileno(), 0o644)
                handle.write(data)
        except OSError as exc:
            if made:
                temp.unlink(missing_ok=True)
            return Unwritable(unwritable(self.shown(self.output / relative), exc))
        return Staged(relative, fingerprint, content_digest, str(temp))

    def add(self, staged: Staged) -> None:
        self.staged.append(staged)

    def shown(self, path: Path) -> str:
        return display_path(path, self.root)

    def commit(
        self, keep: set[str], *, sweep: bool, written: Callable[[Path, str], None] | None = None
    ) -> WriteReport:
        """Move staged files in place and drop outputs the site no longer makes.

        `sweep` also removes files cmsite never wrote (a full build), unless the output folder
        was made by this build; a quick rebuild only removes the outputs it made last time and
        not this time. A write the system refuses
        raises ContentErrors naming the file.
        """
        path = self.output
        try:
            new_folders = self._prepare()
            report = WriteReport()
            outputs = dict(self.kept)
            moved: set[str] = set()
            for staged in self.staged:
                path = self.output / staged.relative
                if staged.temp is not None:
                    folder = new_folders.get(staged.relative)
                    if folder is None:
                        if path.is_dir():
                            shutil.rmtree(path)
                        os.replace(staged.temp, path)
                    elif folder not in moved:  # with every file staged below it
                        os.replace(self.staging / folder, self.output / folder)
                        moved.add(folder)
                    report.written.append(staged.relative)
                    if written is not None:
                        written(path, staged.relative)
                else:
                    report.unchanged += 1
                stat = path.stat()
                outputs[staged.relative] = OutputRecord(
                    staged.fingerprint, staged.content_digest, stat.st_size, stat.st_mtime_ns
                )
            report.unchanged += len(self.kept)
            gone = set(self.state.outputs) - keep
            if sweep and "" not in new_folders.values():  # a folder this build made holds only its files
                gone |= _files_under(self.output) - keep - {MARKER}
            for relative in sorted(gone):
                path = self.output / relative
                if path.is_file() or path.is_symlink():
                    path.unlink()
                    report.removed.append(relative)
                    _remove_empty_parents(path.parent, self.output)
        except OSError as exc:
            raise ContentErrors([unwritable(self.shown(path), exc)]) from None
        self.state.outputs = outputs
        report.written.sort()
        return report

    def _prepare(self) -> dict[str, str]:
        """For each staged file under a folder the output lacks, the highest such folder ("" for
        the output folder itself), which is moved in whole. Checks first that every folder that
        receives a file or a folder takes new files: one that refuses them then leaves the old
        output whole. The output's marker goes in with the rest."""
        present: dict[Path, bool] = {}

        def missing(folder: Path) -> bool:
            if folder not in present:
                present[folder] = folder.exists()
            return not present[folder]

        new_folders: dict[str, str] = {}
        receiving = set()
        for staged in self.staged:
            if staged.temp is None:
                continue
            parts = staged.relative.split("/")[:-1]
            depths = range(len(parts) + 1)
            top = next((d for d in depths if missing(self.output.joinpath(*parts[:d]))), None)
            if top is None:
                receiving.add((self.output / staged.relative).parent)
            else:
                new_folders[staged.relative] = "/".join(parts[:top])
                receiving.add(self.output.joinpath(*parts[:top]).parent)
        if missing(self.output):
            receiving.add(self.output.parent)
        for folder in sorted(receiving):
            try:
                folder.mkdir(parents=True, exist_ok=True)  # only the output's own parents are ever made here
                if not os.access(folder, os.W_OK | os.X_OK):
                    raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))
            except OSError as exc:
                raise ContentErrors([unwritable(self.shown(folder), exc)]) from None
        if "" in new_folders.values():
            marked = self.staging
        else:
            self.output.mkdir(exist_ok=True)  # nothing staged: an output folder all the same
            marked = self.output
        if not (marked / MARKER).exists():
            (marked / MARKER).write_bytes(MARKER_TEXT)
        return new_folders


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
