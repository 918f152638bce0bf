"""What the last successful build wrote, kept in the site's `.cmsite/` folder.

It lets the next build skip pages whose fingerprint did not change, and skip everything
when no input changed at all. It is only ever a hint: a file that is missing, unreadable,
from another cmsite version or for another build key is discarded, never trusted, and an
output file that was touched since (size or time differs) is written again.
"""

from __future__ import annotations

import os
import pickle
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

FORMAT = 3


@dataclass
class OutputRecord:
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

    def intact(self, output: Path, relative: str) -> OutputRecord | None:
        """The record of an output file that is still exactly as this build left it."""
        record = self.outputs.get(relative)
        if record is None:
            return None
        try:
            stat = (output / relative).stat()
        except OSError:
            return None
        return record if (stat.st_size, stat.st_mtime_ns) == (record.size, record.mtime_ns) else None


def load_state(path: Path, key: str, output: Path) -> BuildState:
    """The saved state if it is readable and for this key and output folder; else a blank one."""
    blank = BuildState(key, str(output.resolve()))
    try:
        with path.open("rb") as handle:
            fmt, state = pickle.load(handle)
    except Exception:  # missing, truncated, corrupt or from an incompatible version: start over
        return blank
    if fmt != FORMAT or not isinstance(state, BuildState) or state.key != key or state.output != blank.output:
        return blank
    return state


def save_state(path: Path, state: BuildState) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".state.", suffix=".tmp")
    with os.fdopen(fd, "wb") as handle:
        pickle.dump((FORMAT, state), handle, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(temp, path)


def scan_inputs(paths: list[Path]) -> dict[str, tuple[int, int]]:
    """(mtime_ns, size) of every file under the given files and folders."""
    found: dict[str, tuple[int, int]] = {}
    for base in paths:
        if base.is_file():
            stat = base.stat()
            found[str(base)] = (stat.st_mtime_ns, stat.st_size)
            continue
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames[:] = [d for d in dirnames if d not in ("__pycache__", ".git")]
            for name in filenames:
                full = os.path.join(dirpath, name)
                stat = os.stat(full)
                found[full] = (stat.st_mtime_ns, stat.st_size)
    return found
