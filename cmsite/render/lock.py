"""One build at a time per output folder: two builds moving files into one folder undo each other.

`cmsite watch` and a manual `cmsite build` on the same folder is the usual way to get there.
The lock is an `flock` on a file in the site's `.cmsite/` folder, never in the output folder
that a deploy ships. The OS releases it when its process ends, however it ends, so a killed
build never blocks the next one. A build holds it only while it runs, and a watch session
only during each rebuild: a manual build between two saves goes through, and one that comes
during a build stops at once and says which process to wait for.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from cmsite.errors import ContentError, ContentErrors, display_path
from cmsite.render.writer import unwritable


@contextmanager
def output_lock(path: Path, output: Path, root: Path) -> Iterator[None]:
    """Hold the lock file `path` for the output folder `output` of the site `root`, or raise ContentErrors.

    The holder writes its process id in the file, for the message the next build shows.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = path.open("a+", encoding="ascii")  # "a+": opening never erases the holder's pid
    except OSError as exc:
        raise ContentErrors([unwritable(display_path(path, root), exc)]) from None
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip()
            who = f"another cmsite build (pid {holder})" if holder.isdigit() else "another cmsite build"
            raise ContentErrors(
                [
                    ContentError(
                        display_path(output, root),
                        None,
                        f"{who} is writing this folder; wait for it or stop it",
                    )
                ]
            ) from None
        holder = f"{os.getpid()}\n"
        handle.seek(0)
        if handle.read() != holder:  # a watch session's next rebuild finds it already: no write
            handle.truncate(0)  # which waits for the disk on ext4 (milliseconds at each save)
            handle.write(holder)
            handle.flush()
        yield  # closing the file releases the lock
