"""What the last successful build wrote, kept in the site's `.cmsite/` folder.

It lets the next build skip pages whose fingerprint did not change, and skip everything
when no input changed at all. It is only ever a hint: a file that is missing, unreadable,
from another cmsite version or for another build key is discarded, never trusted, and an
output file that was touched since (size or time differs) is written again.
"""

from __future__ import annotations

import gc
import os
import pickle
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

from cmsite.content.loader import input_files
from cmsite.errors import ContentError

FORMAT = 6


class OutputRecord(NamedTuple):  # a tuple: 16,000 records are read back in 9 ms, not 23 as dataclasses
    fingerprint: str
    content_digest: str
    size: int
    mtime_ns: int


@dataclass
class BuildState:
    key: str
    output: str
    outputs: dict[str, OutputRecord] = field(default_factory=dict)
    inputs: dict[str, tuple[int, int]] = field(default_factory=dict)
    next_due: datetime | None = None
    warnings: list[ContentError] = field(default_factory=list)  # shown again by a build that skips loading
    graph: str = ""  # the name of the dependency graph saved with it (cmsite/render/graph.py)

    def intact(self, output: Path | str, relative: str) -> OutputRecord | None:
        """The record of an output file that is still exactly as this build left it."""
        record = self.outputs.get(relative)
        if record is None:
            return None
        try:
            stat = os.stat(os.path.join(output, relative))
        except OSError:
            return None
        return record if (stat.st_size, stat.st_mtime_ns) == (record.size, record.mtime_ns) else None


def load_state(path: Path, key: str, output: Path) -> BuildState:
    """The saved state if it is readable and for this key and output folder; else a blank one."""
    blank = BuildState(key, str(output.resolve()))
    state = read_hint(path, FORMAT)
    if not isinstance(state, BuildState) or state.key != key or state.output != blank.output:
        return blank
    return state


def save_state(path: Path, state: BuildState) -> None:
    """Save the state for the next build; when the disk refuses, keep the last one.

    The output is complete by then, and the last saved state is still a safe hint: every
    output written since differs from its record and is checked again.
    """
    write_hint(path, FORMAT, state)


def read_hint(path: Path, fmt: int) -> object | None:
    """What `write_hint` saved in `fmt`; None when missing, unreadable or in another format.

    The garbage collector waits meanwhile: reading tens of thousands of objects at once would
    start it over and over, for nothing (it tripled the time of a state of 16,000 outputs)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        with path.open("rb") as handle:
            saved_format, value = pickle.load(handle)
    except Exception:  # missing, truncated, corrupt or from an incompatible version: start over
        return None
    finally:
        if collecting:
            gc.enable()
    return value if saved_format == fmt else None


def write_hint(path: Path, fmt: int, value: object) -> None:
    """Save `value` whole or not at all (a temporary file renamed); a disk that refuses keeps the last one."""
    temp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".state.", suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            pickle.dump((fmt, value), handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temp, path)
    except OSError:
        if temp is not None:
            Path(temp).unlink(missing_ok=True)


def scan_inputs(paths: list[Path], root: Path, *, links_outside: bool = False) -> dict[str, tuple[int, int]]:
    """(mtime_ns, size) of every file under the given files and folders, walked as the build walks
    them (links followed where the build follows them); (-1, -1) for a path the build refuses."""
    found: dict[str, tuple[int, int]] = {}
    for base in paths:
        if base.is_file():
            stat = base.stat()
            found[str(base)] = (stat.st_mtime_ns, stat.st_size)
            continue
        files, refused = input_files(base, root, links_outside=links_outside)
        for full in files:
            try:
                stat = os.stat(full)
            except OSError:  # gone since the walk: the build that follows sees it gone too
                refused.append(full)
                continue
            found[full] = (stat.st_mtime_ns, stat.st_size)
        found.update(dict.fromkeys(refused, (-1, -1)))
    return found
