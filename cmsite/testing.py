"""Test helpers for cmsite and its plugins: a pytest plugin, loaded automatically once cmsite is installed.

Fixtures:

- `cmsite_site` — a temporary site (`TestSite`): write posts and files, build it with
  extra plugins registered for this one build, read the output back.
- `loopback_server` — an HTTP server on 127.0.0.1 that records every request and answers
  what the test told it to (`LoopbackServer`), for network plugins.

`make_picture` writes a picture (Pillow) for tests of media upload and resizing.

`KILL_POINTS_PLUGIN` is a site plugin that kills `cmsite publish` at a chosen step, for
crash tests of a network's exactly-once sending.
"""

from __future__ import annotations

import json
import textwrap
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from cmsite.site import BuildReport, Site

FIXED_NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)

SITE_CONFIG = """\
[site]
title = "Test site"
url = "https://blog.example.org"
description = "A site for tests."
lang = "{lang}"
timezone = "Europe/Paris"
author = "Test Author"

[build]
posts_per_page = {per_page}
"""


class TestSite:
    """A site in a temporary folder that a test fills with files, then builds."""

    __test__ = False  # not a test class, whatever pytest thinks of its name

    def __init__(self, root: Path, lang: str = "en", per_page: int = 5):
        self.root = root
        self.write("cmsite.toml", SITE_CONFIG.format(lang=lang, per_page=per_page))

    def write(self, relative: str, text: str) -> Path:
        """Write a file of the site (dedented), creating its folders."""
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    def post(self, name: str, front: str, body: str = "Some text.\n") -> Path:
        """Write `content/posts/NAME` with YAML front matter `front` (no fences needed)."""
        return self.write(f"content/posts/{name}", f"---\n{textwrap.dedent(front).strip()}\n---\n{body}")

    def site(self, **options: Any) -> Site:
        """A Site for this folder; the clock is fixed at FIXED_NOW unless `now=` says otherwise."""
        options.setdefault("now", FIXED_NOW)
        return Site(self.root, **options)

    def build(self, **options: Any) -> BuildReport:
        """Build into `output/` (or `output=`); `plugins=[...]` registers plugins for this build only."""
        output = options.pop("output", None)
        return self.site(**options).build(output)

    @property
    def output(self) -> Path:
        return self.root / "output"

    def read(self, relative: str) -> str:
        return (self.output / relative).read_text(encoding="utf-8")

    def all_output_text(self) -> str:
        """Every output file's text, to check that something appears nowhere."""
        files = sorted(p for p in self.output.rglob("*") if p.is_file())
        return "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in files)


# A site plugin (write it to plugins/killer.py) that kills `cmsite publish` with SIGKILL at the
# step named by the KILL_AT environment variable, to prove that a rerun sends every entry
# exactly once: before-claim (while syncing), after-sending (as soon as "sending" is
# committed), during-http (half a second later: make the server slow), after-response
# (the network has answered, the final commit has not happened).
KILL_POINTS_PLUGIN = """
import os, signal, sqlite3, threading, time
from cmsite.hookspecs import hookimpl

POINT = os.environ.get("KILL_AT", "")


def die():
    os.kill(os.getpid(), signal.SIGKILL)


def die_when_sending(site, entry_id, delay):
    def watch():
        db = sqlite3.connect(site.cache_dir / "queue.sqlite")
        while db.execute("SELECT status FROM entries WHERE id = ?", (entry_id,)).fetchone()[0] != "sending":
            time.sleep(0.001)
        time.sleep(delay)
        die()
    threading.Thread(target=watch, daemon=True).start()


@hookimpl
def cmsite_schedule(post, site):
    if POINT == "before-claim":
        die()


@hookimpl
def cmsite_before_publish(entry, network, site):
    if POINT == "after-sending":
        die_when_sending(site, entry.id, 0)
    elif POINT == "during-http":
        die_when_sending(site, entry.id, 0.5)


@hookimpl
def cmsite_after_publish(entry, published, site):
    if POINT == "after-response":
        die()
"""


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def form_parts(self) -> dict[str, tuple[str | None, str | None, bytes]]:
        """A multipart/form-data body, by field name: (filename, declared content type or None, bytes)."""
        from email import policy
        from email.parser import BytesParser

        head = f"Content-Type: {self.headers['Content-Type']}\r\n\r\n".encode()
        message = BytesParser(policy=policy.HTTP).parsebytes(head + self.body)
        return {
            str(part.get_param("name", header="content-disposition")): (
                part.get_filename(),
                part.get("Content-Type"),
                part.get_payload(decode=True),
            )
            for part in message.iter_parts()  # type: ignore[attr-defined]
        }


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


class LoopbackServer:
    """An HTTP server on 127.0.0.1 that records requests and answers as told.

    `reply(status, json=..., headers=...)` queues one answer; `handler(fn)` answers every
    request with `fn(request) -> Reply`; with neither, it answers 200 with an empty body.
    """

    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self._replies: list[Reply] = []
        self._handler: Callable[[RecordedRequest], Reply] | None = None
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._make_handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def reply(
        self,
        status: int = 200,
        *,
        json_body: Any = None,
        body: bytes = b"",
        headers: dict[str, str] | None = None,
    ) -> None:
        headers = dict(headers or {})
        if json_body is not None:
            body = json.dumps(json_body).encode()
            headers.setdefault("Content-Type", "application/json")
        self._replies.append(Reply(status, body, headers))

    def handler(self, function: Callable[[RecordedRequest], Reply]) -> None:
        self._handler = function

    def _answer(self, request: RecordedRequest) -> Reply:
        with self._lock:
            self.requests.append(request)
            if self._replies:
                return self._replies.pop(0)
        return self._handler(request) if self._handler else Reply()

    def _make_handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                request = RecordedRequest(
                    self.command, self.path, dict(self.headers.items()), self.rfile.read(length)
                )
                reply = server._answer(request)
                try:
                    self.send_response(reply.status)
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(reply.body)))
                    self.end_headers()
                    self.wfile.write(reply.body)
                except ConnectionError:  # the client gave up waiting, as timeout tests make it do
                    self.close_connection = True

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet: tests read `server.requests` instead of a log."""

        return Handler

    def __enter__(self) -> LoopbackServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def make_picture(path: Path, width: int, height: int, *, noisy: bool = False, seed: int = 5) -> Path:
    """Write a picture for media tests; its format follows the suffix (.png, .jpg…).

    `noisy` fills it with random pixels, which compress badly: a big file from a modest size.
    A JPEG carries an EXIF block (a camera name), so a test can see metadata go.
    """
    import random

    from PIL import Image

    if noisy:
        image = Image.frombytes("RGB", (width, height), random.Random(seed).randbytes(width * height * 3))
    else:
        image = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    path.parent.mkdir(parents=True, exist_ok=True)
    options: dict[str, Any] = {}
    if path.suffix.lower() in (".jpg", ".jpeg"):
        exif = Image.Exif()
        exif[0x0110] = "cmsite test camera"  # Model
        options = {"exif": exif.tobytes(), "quality": 95}
    image.save(path, **options)
    return path


@pytest.fixture
def cmsite_site(tmp_path: Path) -> TestSite:
    return TestSite(tmp_path / "site")


@pytest.fixture
def loopback_server() -> Iterator[LoopbackServer]:
    with LoopbackServer() as server:
        yield server
