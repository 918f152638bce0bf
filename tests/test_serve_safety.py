"""The development server stays safe and quiet whatever connects to it, and the build's hint is safe to paste.

Everything here talks to a real DevServer on a loopback port over raw sockets, so the
requests can be as malformed, slow or rude as a hostile page or client would make them.
"""

from __future__ import annotations

import queue
import re
import socket
import struct
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from cmsite.cli import main
from cmsite.serve.reload import ReloadHub
from cmsite.serve.server import DevServer

WAIT = 10.0  # seconds a test waits for the server before it fails, never a pause
SHORT_TIMEOUT = 0.3


class Served:
    """A DevServer over a small output folder, telling the test when each connection is done."""

    def __init__(self, output: Path, **options: float) -> None:
        self.hub = ReloadHub()
        self.server = DevServer(output, self.hub, port=0, **options)
        self.port = self.server.server_address[1]
        self.finished: queue.Queue[None] = queue.Queue()
        close = self.server.shutdown_request

        def shutdown_request(request: socket.socket) -> None:
            close(request)
            self.finished.put(None)

        self.server.shutdown_request = shutdown_request  # type: ignore[method-assign]
        self.server.start()

    def connect(self) -> socket.socket:
        return socket.create_connection(("127.0.0.1", self.port), timeout=WAIT)

    def exchange(self, request: bytes) -> bytes:
        """Send a request and read the whole answer; the server closes the connection after it."""
        with self.connect() as connection:
            connection.sendall(request)
            return read_to_end(connection)

    def get(self, target: str, host: str | None = "127.0.0.1") -> bytes:
        header = f"Host: {host}\r\n" if host is not None else ""
        return self.exchange(f"GET {target} HTTP/1.1\r\n{header}Connection: close\r\n\r\n".encode())


def read_to_end(connection: socket.socket) -> bytes:
    data = b""
    while chunk := connection.recv(65536):
        data += chunk
    return data


def read_until(connection: socket.socket, end: bytes, data: bytes = b"") -> tuple[bytes, bytes]:
    """What arrives up to and including `end`, and what arrived after it."""
    while end not in data:
        chunk = connection.recv(65536)
        assert chunk, f"the server closed the connection before {end!r}: {data!r}"
        data += chunk
    head, _, rest = data.partition(end)
    return head + end, rest


def status(answer: bytes) -> int:
    match = re.match(rb"HTTP/1\.[01] (\d{3}) ", answer)
    assert match, answer[:200]
    return int(match.group(1))


def make_output(folder: Path) -> Path:
    (folder / "posts/draft").mkdir(parents=True)
    (folder / "index.html").write_text("<!doctype html><title>Home</title><body><p>Home</p></body>")
    (folder / "posts/draft/index.html").write_text("<!doctype html><body><p>A secret draft</p></body>")
    return folder


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """One server for the tests that only ask and read the answer."""
    running = Served(make_output(tmp_path_factory.mktemp("output")), client_timeout=SHORT_TIMEOUT)
    yield running
    running.server.stop()


@pytest.fixture
def output(tmp_path: Path) -> Path:
    return make_output(tmp_path / "output")


@pytest.fixture
def alone(output: Path) -> Iterator[Served]:
    """A server of its own, for the tests that wait for their connection to end."""
    running = Served(output, client_timeout=SHORT_TIMEOUT)
    yield running
    running.server.stop()


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "localhost", "[::1]", "LocalHost", "127.0.0.1:{port}", "[::1]:{port}"]
)
def test_loopback_names_are_answered(served, host):
    answer = served.get("/posts/draft/", host.format(port=served.port))
    assert status(answer) == 200 and b"A secret draft" in answer


@pytest.mark.parametrize(
    "host",
    [
        "evil.example",
        "evil.example:{port}",
        "127.0.0.1.evil.example",
        "localhost.evil.example:{port}",
        "127.0.0.1:{other}",
        "127.0.0.2",
        "",
        None,
    ],
)
@pytest.mark.parametrize("target", ["/posts/draft/", "/_cmsite/events", "/_cmsite/livereload.js", "/nothing"])
def test_any_other_host_is_refused_with_a_plain_reason(served, host, target, capfd):
    """A DNS-rebinding page sends its own name as Host: it must not read drafts or the event stream."""
    host = host if host is None else host.format(port=served.port, other=served.port + 1)
    answer = served.get(target, host)
    assert status(answer) == 403
    head, _, body = answer.partition(b"\r\n\r\n")
    assert b"Content-Type: text/plain" in head
    assert b"127.0.0.1, localhost or [::1]" in body and b"draft" not in body
    assert "Traceback" not in capfd.readouterr().err


def test_a_missing_host_is_refused_on_every_method(served):
    for method in ("GET", "HEAD", "POST"):
        answer = served.exchange(f"{method} /posts/draft/ HTTP/1.1\r\nConnection: close\r\n\r\n".encode())
        assert status(answer) == 403, method


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/" + "a" * 8192, 404),  # one segment longer than any file name
        ("/" + "a" * 300 + ".html", 404),
        ("/" + "a/" * 3000, 404),  # a path longer than any the file system takes
        ("/a%00b.html", 404),  # a NUL byte no file name holds
        ("/a%ed%a0%80.html", 404),  # a lone surrogate no file name holds
        ("/" + "a" * 70000, 414),  # a request line longer than the server reads
        ("http://[x/", 400),  # not a path of this site
        ("*", 400),
    ],
)
def test_urls_no_file_can_have_get_a_clean_answer(served, target, expected, capfd):
    answer = served.get(target)
    assert status(answer) == expected
    assert "Traceback" not in capfd.readouterr().err


def test_a_client_that_hangs_up_mid_answer_is_not_an_error(alone, output, capfd):
    (output / "big.bin").write_bytes(bytes(16 * 1024 * 1024))  # more than the socket buffers hold
    with alone.connect() as connection:
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        connection.sendall(b"GET /big.bin HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        read_until(connection, b"\r\n\r\n")  # the server is sending the body now
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    # closed with a reset: the server's next write fails
    alone.finished.get(timeout=WAIT)
    assert "Traceback" not in capfd.readouterr().err
    assert status(alone.get("/")) == 200  # and it goes on serving


@pytest.mark.parametrize(
    "half",
    [b"GET /posts/dra", b"GET /posts/draft/ HTTP/1.1\r\nHost: 127.0"],
    ids=["request line", "headers"],
)
def test_a_client_that_stops_sending_loses_its_connection(alone, half, capfd):
    with alone.connect() as connection:
        connection.sendall(half)
        assert connection.recv(65536) == b""  # the server closed it, well before WAIT
    alone.finished.get(timeout=WAIT)
    assert "Traceback" not in capfd.readouterr().err


def test_the_event_stream_outlives_the_client_timeout(alone):
    with alone.connect() as stream:
        stream.sendall(b"GET /_cmsite/events?since=0 HTTP/1.1\r\nHost: localhost\r\n\r\n")
        head, rest = read_until(stream, b"\r\n\r\n")
        assert status(head) == 200 and b"text/event-stream" in head
        first, rest = read_until(stream, b"\n\n", rest)
        assert first.startswith((b"id: 0", b": still here"))
        with alone.connect() as slow:  # waiting for the server to drop a silent client
            slow.sendall(b"GET /")  # takes longer than the timeout
            assert slow.recv(65536) == b""
        alone.hub.built(["/posts/draft/"])
        event, _ = read_until(stream, b"\n\n", rest)
        assert b"event: build" in event and b"/posts/draft/" in event


@pytest.mark.parametrize("folder", ["~", "my output", "$HOME", "a'b"])
def test_the_hint_after_a_build_is_safe_to_paste(site_folder, monkeypatch, folder):
    """The command listens on loopback only, and a shell hands http.server the real output folder."""
    config = site_folder.root / "cmsite.toml"
    config.write_text(config.read_text().replace("[build]", f"[build]\noutput_dir = {folder!r}"))
    monkeypatch.chdir(site_folder.root)
    result = CliRunner().invoke(main, ["build"])
    assert result.exit_code == 0, result.output
    assert (site_folder.root / folder / "index.html").is_file()
    command = re.search(r"Look at it: python3 -m http\.server (.+?)  →", result.output)
    assert command, result.output
    words = subprocess.run(
        ["sh", "-c", "printf '%s\\n' " + command.group(1)],
        capture_output=True,
        text=True,
        check=True,
        env={"HOME": "/home-of-someone-else", "PATH": "/usr/bin:/bin"},
    ).stdout.splitlines()
    assert words == ["--bind", "127.0.0.1", "--directory", folder, "8000"]
