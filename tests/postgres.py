"""A throwaway PostgreSQL server for the tests: `initdb` and `pg_ctl` in a temporary folder,
listening on 127.0.0.1 only (no Unix socket), on a free port; one per test session (per xdist
worker), one empty database per test. Skipped on a machine without PostgreSQL's programs, failed
where CMSITE_REQUIRE_INTEGRATION=1 (CI, whose .ci/run installs Debian's postgresql).

The server asks for a password (scram-sha-256): the URLs given to the tests hold none, and
`PASSWORD` is given as CMSITE_QUEUE_PASSWORD is, so that the tests see it never printed.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import count
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from cmsite.testing import missing_tool

if TYPE_CHECKING:
    from cmsite.queue.store import Store

PASSWORD = "pg-secret-7f3a9c"  # the throwaway server's, for the tests only
USER = "cmsite"


def binaries() -> Path | None:
    """The folder of initdb and pg_ctl: on PATH, else Debian's newest /usr/lib/postgresql/N/bin."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(os.path.realpath(found)).parent
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parts[-3]))
    return versions[-1].parent if versions else None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class PostgresServer:
    folder: Path
    bin: Path
    port: int
    user: str | None  # who runs it: PostgreSQL refuses to run as root
    names = count(1)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{database}"

    def ctl(self, *args: str) -> None:
        data, log = self.folder / "data", self.folder / "log"
        subprocess.run(
            [self.bin / "pg_ctl", "-D", data, "-l", log, *args],
            check=True,
            capture_output=True,
            user=self.user,
        )

    def start(self) -> None:
        options = (
            f"-c listen_addresses=127.0.0.1 -c port={self.port} -c unix_socket_directories='' -c fsync=off"
        )
        self.ctl("-w", "-o", options, "start")

    def stop(self) -> None:
        self.ctl("-w", "-m", "fast", "stop")

    def admin(self, statement: str) -> None:
        import psycopg

        with psycopg.connect(self.url(), password=PASSWORD, autocommit=True) as db:
            db.execute(statement)

    def database(self) -> str:
        """A new empty database's URL."""
        name = f"test_{next(self.names)}"
        self.admin(f"CREATE DATABASE {name}")
        return self.url(name)


def _unprivileged() -> str:
    """Who runs the server when the tests run as root (CI): Debian's postgres, else nobody."""
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name).pw_name
        except KeyError:
            continue
    raise RuntimeError("no unprivileged user to run PostgreSQL as (it refuses to run as root)")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    folder_bin = binaries()
    if folder_bin is None:
        missing_tool("PostgreSQL's initdb and pg_ctl (apt install postgresql)")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        missing_tool("psycopg, the PostgreSQL store's client (pip install -e '.[test]')")
    assert folder_bin is not None
    user = _unprivileged() if os.geteuid() == 0 else None
    folder = Path(tempfile.mkdtemp(prefix="cmsite-postgres-"))
    (folder / "password").write_text(PASSWORD)
    if user:
        shutil.chown(folder, user)
        shutil.chown(folder / "password", user)
    subprocess.run(
        [folder_bin / "initdb", "-D", folder / "data", "-U", USER, "--auth=scram-sha-256",
         f"--pwfile={folder / 'password'}", "-E", "UTF8", "--no-sync", "--locale=C"],
        check=True, capture_output=True, user=user,
    )  # fmt: skip
    server = PostgresServer(folder, folder_bin, free_port(), user)
    server.start()
    try:
        yield server
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):  # a test stopped it already
            server.ctl("-w", "-m", "immediate", "stop")
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> str:
    """The URL of an empty database of its own (no password in it: see PASSWORD)."""
    return postgres_server.database()


@pytest.fixture(params=["sqlite", "postgresql"])
def queue_url(request: pytest.FixtureRequest) -> str | None:
    """Each store in turn, so that neither drifts from the other: None for SQLite (the default),
    then the URL of an empty PostgreSQL database."""
    return None if request.param == "sqlite" else request.getfixturevalue("postgres_url")


@pytest.fixture
def queue_environment(queue_url: str | None, monkeypatch: pytest.MonkeyPatch) -> str | None:
    """A site's queue on each store in turn: for PostgreSQL, CMSITE_QUEUE_URL and CMSITE_QUEUE_PASSWORD
    set as a team sets them."""
    if queue_url:
        monkeypatch.setenv("CMSITE_QUEUE_URL", queue_url)
        monkeypatch.setenv("CMSITE_QUEUE_PASSWORD", PASSWORD)
    return queue_url


@pytest.fixture
def empty_store(queue_url: str | None, tmp_path: Path) -> Iterator[Store]:
    """An empty store of each kind in turn."""
    from cmsite.queue.postgres import PostgresStore
    from cmsite.queue.store import QueueStore

    store: Store = (
        PostgresStore(queue_url, password=PASSWORD) if queue_url else QueueStore(tmp_path / "queue.sqlite")
    )
    yield store
    store.close()
