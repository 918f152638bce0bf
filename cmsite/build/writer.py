"""Write the output folder: atomically, only what changed, and remove what no longer belongs.

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
                    "this folder has files that cmsite did not write; choose an empty folder with -o, "
                    "or empty it first",
                )
            ]
        )


def write_output(
    output: Path,
    files: dict[str, bytes | Path],
    *,
    clean: bool = False,
    written: Callable[[Path, str], None] | None = None,
) -> WriteReport:
    """Make `output` hold exactly `files` (relative path → bytes, or a file to copy).

    `written(path, relative)` is called for each file that was actually (re)written.
    """
    report = WriteReport()
    if clean and output.exists():
        shutil.rmtree(output)
    output.mkdir(parents=True, exist_ok=True)
    files = {**files, MARKER: MARKER_TEXT}
    for relative, content in sorted(files.items()):
        target = output / relative
        if _same(target, content):
            report.unchanged += 1
            continue
        _atomic_write(target, content)
        report.written.append(relative)
        if written is not None and relative != MARKER:
            written(target, relative)
    report.removed = _remove_stale(output, set(files))
    return report


def _same(target: Path, content: bytes | Path) -> bool:
    try:
        if isinstance(content, bytes):
            return target.stat().st_size == len(content) and target.read_bytes() == content
        return target.stat().st_size == content.stat().st_size and target.read_bytes() == content.read_bytes()
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return False


def _atomic_write(target: Path, content: bytes | Path) -> None:
    """Write beside the target and rename over it, so a reader never sees half a file."""
    if target.is_dir():
        shutil.rmtree(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            if isinstance(content, bytes):
                handle.write(content)
            else:
                with content.open("rb") as source:
                    shutil.copyfileobj(source, handle)
        os.chmod(temp, 0o644)
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _remove_stale(output: Path, keep: set[str]) -> list[str]:
    removed = []
    for dirpath, dirnames, filenames in os.walk(output, topdown=False):
        folder = Path(dirpath)
        for name in filenames:
            relative = (folder / name).relative_to(output).as_posix()
            if relative not in keep:
                (folder / name).unlink()
                removed.append(relative)
        for name in dirnames:
            child = folder / name
            if not any(child.iterdir()):
                child.rmdir()
    return sorted(removed)
