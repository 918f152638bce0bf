"""Writing the output folder safely: one build at a time, no temporary file where a deploy sees
it (even after a SIGKILL), and a full disk or a read-only folder is a `path:` error that
leaves the old output whole."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from cmsite.render.lock import output_lock
from cmsite.render.state import BuildState, save_state
from cmsite.render.writer import STAGING
from cmsite.serve.reload import ReloadHub
from cmsite.serve.session import WatchSession
from cmsite.serve.watcher import Batch
from cmsite.testing import staged_files

# A site plugin that stops a build at its PAUSE_AT-th page: it prints "paused" and waits for a
# line on stdin. The test then knows, without guessing at times, that the build is mid-write.
PAUSE_PLUGIN = """
import os, sys
from cmsite.hookspecs import hookimpl

rendered = 0


@hookimpl
def cmsite_template_context(page, site):
    global rendered
    rendered += 1
    if str(rendered) == os.environ.get("PAUSE_AT"):
        print("paused", flush=True)
        sys.stdin.readline()
"""

# `cmsite ARGS…` with writes limited to LIMIT bytes a file: past it, a write fails with EFBIG,
# as on a full disk (Python ignores SIGXFSZ, so the process is not killed).
LIMITED = """
import resource, runpy, sys
limit = int(sys.argv.pop(1))
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
sys.argv[0] = "cmsite"
runpy.run_module("cmsite", run_name="__main__")
"""

# save_state(PATH, a state of some MB) with writes limited to LIMIT bytes a file.
SAVE_LARGE_STATE = """
import resource, sys
from pathlib import Path
from cmsite.render.state import BuildState, save_state
limit = int(sys.argv[2])
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
save_state(Path(sys.argv[1]), BuildState("key", "output", inputs={str(n): (n, n) for n in range(100_000)}))
"""


@pytest.fixture
def site(site_folder):
    for number in range(1, 31):
        site_folder.post(f"2026-05-{number:02d}-p{number}.md", f"title: Post {number}\ntags: [t{number % 5}]")
    site_folder.write("plugins/pause.py", PAUSE_PLUGIN)
    site_folder.build()
    return site_folder


def cmsite(site, *args: str, pause_at: int | None = None) -> subprocess.Popen[str]:
    """`cmsite --site SITE ARGS…` as its own process; with `pause_at`, it stops at that page."""
    env = {**os.environ, "PAUSE_AT": str(pause_at or "")}
    return subprocess.Popen(
        [sys.executable, "-m", "cmsite", "--site", str(site.root), *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def paused(process: subprocess.Popen[str]) -> subprocess.Popen[str]:
    assert process.stdout is not None
    line = process.stdout.readline()  # blocks until the build reaches the page
    assert line == "paused\n", (line, process.stderr.read() if process.poll() is not None else "")
    return process


def finish(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    """Let a paused build go on (a build that does not pause ignores stdin), and wait for its end."""
    stdout, stderr = process.communicate("go on\n", timeout=120)
    return process.returncode, stdout, stderr


def files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def temporary_files(site) -> list[Path]:
    return staged_files(site.root)


def test_a_second_build_says_which_process_is_writing_the_folder(site):
    before = files(site.output)
    first = paused(cmsite(site, "build", "--clean", pause_at=3))
    code, _, stderr = finish(cmsite(site, "build"))
    assert code == 1
    assert (
        f"output: another cmsite build (pid {first.pid}) is writing this folder; wait for it or stop it"
        in stderr.splitlines()
    )
    assert "Traceback" not in stderr
    assert files(site.output) == before
    code, _, stderr = finish(first)
    assert code == 0, stderr
    code, _, stderr = finish(cmsite(site, "build"))
    assert code == 0, stderr  # the lock went with the process that held it


def test_a_watch_session_holds_the_lock_only_while_it_builds(site):
    session = WatchSession(site.site, site.output, say=lambda text, fg=None: None, hub=ReloadHub())
    try:
        session.start()
        code, _, stderr = finish(cmsite(site, "build", "--clean"))
        assert code == 0, stderr
        saved = site.post("2026-05-01-p1.md", "title: Post 1\ntags: [t1]", "Saved while watching.\n")
        assert session.handle(Batch({saved.resolve()}))
    finally:
        session.close()
    assert "Saved while watching." in site.read("posts/p1/index.html")


def test_the_lock_file_names_its_holder_and_a_holder_that_locks_again_leaves_it_as_it_is(tmp_path):
    """A watch session takes the lock at every save: writing its pid again each time waited for
    the disk (on ext4, a file emptied and written again is flushed when closed)."""
    path = tmp_path / "build.lock"
    path.write_text("4242424242\n")  # what a process that ended left
    with output_lock(path, tmp_path / "output", tmp_path):
        assert path.read_text() == f"{os.getpid()}\n"
    os.utime(path, ns=(1_000_000_000, 1_000_000_000))
    with output_lock(path, tmp_path / "output", tmp_path):
        pass
    assert path.read_text() == f"{os.getpid()}\n"
    assert path.stat().st_mtime_ns == 1_000_000_000


def test_a_killed_build_leaves_no_temporary_file_in_the_output(site):
    before = files(site.output)
    killed = paused(cmsite(site, "build", "--clean", pause_at=20))
    staged = temporary_files(site)
    assert staged, "the build had staged files when it was killed"
    assert not [path for path in staged if path.is_relative_to(site.output)]
    killed.kill()  # SIGKILL: no clean-up of its own
    killed.wait(timeout=120)
    assert files(site.output) == before

    following = paused(cmsite(site, "build", "--clean", pause_at=1))
    assert not [path for path in staged if path.exists()], "leftovers are removed before any page"
    code, _, stderr = finish(following)
    assert code == 0, stderr
    assert temporary_files(site) == []
    assert "Post 30" in site.read("index.html")


def test_a_full_disk_is_an_error_and_the_old_output_stays(site):
    before = files(site.output)
    site.root.joinpath("content/big.bin").write_bytes(b"\0" * 2_000_000)
    result = subprocess.run(
        [sys.executable, "-c", LIMITED, "1000000", "--site", str(site.root), "build"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert (
        "output/big.bin: cannot write, the disk is full (file too large); free some space and build again"
        in result.stderr.splitlines()
    )
    assert "Traceback" not in result.stderr
    assert files(site.output) == before
    assert temporary_files(site) == []


@pytest.mark.parametrize("limit", [4_000, 30_000])
def test_a_full_disk_on_a_first_build_stops_at_the_output_not_in_a_cache(site_folder, limit):
    """The content cache and the compiled templates in .cmsite/ are written first: a disk that
    refuses them (SQLite's "disk I/O error", Jinja's bytecode) only makes the next build slower."""
    for number in range(1, 6):
        site_folder.post(f"2026-05-{number:02d}-p{number}.md", f"title: Post {number}", "Words. " * 400)
    result = subprocess.run(
        [sys.executable, "-c", LIMITED, str(limit), "--site", str(site_folder.root), "build"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr, result.stderr
    errors = result.stderr.splitlines()
    assert errors[-1] == "1 error; nothing was written.", result.stderr
    assert errors[0].startswith("output/") and "cannot write, the disk is full (file too large)" in errors[0]
    assert not site_folder.output.exists() or files(site_folder.output) == {}


def test_the_build_state_is_kept_when_the_disk_refuses_the_new_one(tmp_path):
    path = tmp_path / "build-state.pickle"
    save_state(path, BuildState("key", "output"))
    saved = path.read_bytes()
    result = subprocess.run(
        [sys.executable, "-c", SAVE_LARGE_STATE, str(path), str(len(saved) * 2)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert path.read_bytes() == saved
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


def bound_by_permissions() -> list[str]:
    """Root writes into read-only folders: as root, the build runs without the capability that
    overrides a folder's permissions (util-linux `setpriv`), so that a read-only folder means something."""
    if os.geteuid() != 0:
        return []
    drop = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--"]
    try:
        usable = subprocess.run([*drop, sys.executable, "-c", "import cmsite"], capture_output=True)
    except FileNotFoundError:
        usable = None
    if usable is None or usable.returncode != 0:
        pytest.skip(
            "root, and `setpriv` cannot drop the right to write anywhere: a read-only folder cannot be made"
        )
    return drop


def test_a_read_only_output_folder_is_an_error_and_the_old_output_stays(site):
    site.post("2026-05-01-p1.md", "title: Post one, renamed\ntags: [t1]")
    root = site.root
    before = files(root / "output")
    locked = root / "output/posts/p1"
    locked.chmod(0o555)
    try:
        result = subprocess.run(
            [*bound_by_permissions(), sys.executable, "-m", "cmsite", "--site", str(root), "build"],
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        locked.chmod(0o755)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert (
        "output/posts/p1: cannot write here (permission denied); make it writable, or choose another folder with -o"
        in result.stderr.splitlines()
    )
    assert files(root / "output") == before  # the other folders were writable, and nothing was moved in
    assert staged_files(root) == []


def test_an_output_folder_on_another_filesystem_is_written_too(site):
    shared = Path("/dev/shm")
    if not shared.is_dir() or shared.stat().st_dev == site.root.stat().st_dev:
        pytest.skip("no second filesystem (/dev/shm) here")
    output = shared / f"cmsite-{uuid.uuid4().hex}"
    try:
        report = site.site().build(output)
        assert report.write.written and "Post 30" in (output / "index.html").read_text(encoding="utf-8")
        assert not (output / STAGING).exists()
    finally:
        shutil.rmtree(output, ignore_errors=True)
