"""Test helpers for cmsite and its plugins: a pytest plugin, loaded automatically once cmsite is installed.

Fixtures:

- `cmsite_site` — a temporary site (`TestSite`): write posts and files, build it with
  extra plugins registered for this one build, read the output back.
- `loopback_server` — an HTTP server on 127.0.0.1 that records every request and answers
  what the test told it to (`LoopbackServer`), for network plugins.

`make_picture` writes a picture (Pillow) for tests of media upload and resizing.

For network plugins' queue tests: `plan_on` plans one post (or thread, `thread_text`)
on a network whose settings point at a test server; `publish_until_done` runs the queue's
publisher until nothing is left to send; `run_cmsite` runs the command line as cron would;
`FaultProxy` puts faults between a client and a network's test server (`Nth` picks which
request); `FakeNetwork` is the base of a network's own test server that checks each request;
`assert_no_secrets` checks that no credential reached an output or the site's state files
(`publish_and_list` runs publish and queue and checks theirs, `accounts_checked` runs `cmsite accounts`);
`login_with` walks a network's login (`cmsite accounts login`) with `Answers` given as a
person would, and `env_values` reads the .env it wrote;
`queued_entry` reads the queue. `KILL_POINTS_PLUGIN`
is a site plugin that kills `cmsite publish` at a chosen step, for crash tests (`request_in_flight`
tells it the test's server has the request); `time_passes` ends the queue's leases and retry
delays, so that the next run need not wait for them.
"""

from __future__ import annotations

import importlib.util
import json
import os
import select
import subprocess
import sys
import textwrap
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from cmsite.render.report import BuildReport
from cmsite.site import Site

FIXED_NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)

# A site plugin (plugins/networks.py) of two toy networks that send nowhere: `toot` counts
# like Mastodon within 120, `chirp` like X within 80. For tests of plans, texts and inputs.
TOY_NETWORKS = """
from cmsite.hookspecs import hookimpl
from cmsite.social.network import Network, Published

class Toot(Network):
    name, label, max_length, counting = "toot", "Toot", 120, "mastodon"
    def publish_one(self, session, part):
        return Published("1", "https://toot.example/1")

class Chirp(Network):
    name, label, max_length, counting = "chirp", "Chirp", 80, "x"
    def publish_one(self, session, part):
        return Published("1", "https://chirp.example/1")

@hookimpl
def cmsite_networks():
    return [Toot, Chirp]
"""


# A site's address, not a placeholder: `cmsite check`, `preview` and `publish` refuse example.org
# and localhost once a plan would go out (cmsite.social.site_url).
SITE_CONFIG = """\
[site]
title = "Test site"
url = "https://blog.cmsite.info"
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
# exactly once: before-claim (while syncing), after-sending ("sending" is committed, the
# network not yet called), during-http (once the test's server has the request: its handler
# calls `request_in_flight`, then holds the answer until the client is gone), after-response
# (the network has answered, the final commit has not happened). Each point is an event,
# never a delay, so the kill lands at its step however slow the machine is.
KILL_POINTS_PLUGIN = """
import os, signal, threading, time
from pathlib import Path
from cmsite.hookspecs import hookimpl

POINT = os.environ.get("KILL_AT", "")


def die(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)


def die_once_in_flight(site):
    def watch():
        while not (Path(site.root) / "request-in-flight").exists():  # made by the test's server
            time.sleep(0.001)
        die()
    threading.Thread(target=watch, daemon=True).start()


@hookimpl
def cmsite_schedule(post, site):
    if POINT == "before-claim":
        die()


@hookimpl
def cmsite_before_publish(entry, network, site):
    if POINT == "after-sending":
        network.publish = die  # the publisher commits "sending", then calls the network
    elif POINT == "during-http":
        die_once_in_flight(site)


@hookimpl
def cmsite_after_publish(entry, published, site):
    if POINT == "after-response":
        die()
"""


def request_in_flight(site: TestSite) -> None:
    """What the test's server calls once it has the request KILL_POINTS_PLUGIN waits for (during-http)."""
    (site.root / "request-in-flight").touch()


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
    hang_up: bool = False  # close the connection without answering
    held: float = 0.0  # answer only once the client hung up (gave up waiting), at most this many seconds on


class Nth:
    """A `FaultProxy` decision: the n-th request to `path` (its query left out; of `method` only,
    when given) from now gets the fault `faults[n]` ("refuse", "lost"…); `calls` counts them."""

    def __init__(self, faults: dict[int, str], path: str, method: str | None = None) -> None:
        self.faults = faults
        self.path = path
        self.method = method
        self.calls = 0

    def __call__(self, request: RecordedRequest) -> str:
        if request.path.partition("?")[0] != self.path or self.method not in (None, request.method):
            return "pass"
        self.calls += 1
        return self.faults.get(self.calls, "pass")


class FaultProxy:
    """A `LoopbackServer` handler that forwards every request to `upstream` (a network's test
    server) and misbehaves when `decide(request)` says so, to test what a client does when:

    - "refuse": a 503 (or `refuse_status`) comes back and nothing reached the server;
    - "rate-limit": a 429 with Retry-After comes back and nothing reached the server;
    - "lost": the server made the post, but a 500 comes back instead of its answer;
    - "hang-up": the server made the post, and the connection closes with no answer;
    - "hold": the server made the post, and its answer is held until the client gave up waiting
      and closed the connection (or was killed); `hold_seconds` only bounds a client that never does;
    - "pass" (or anything else): forwarded as it is.

    Every made-up answer echoes the request's headers and body back, as some servers do,
    so a test can check that no credential is printed or stored. `forget_keys` strips
    Idempotency-Key headers, as a server that forgot them (Mastodon keeps them an hour).
    `log` lists (method, path, fault) of each request.
    """

    def __init__(
        self,
        upstream: str,
        decide: Callable[[RecordedRequest], str] = lambda request: "pass",
        *,
        forget_keys: bool = False,
        hold_seconds: float = 30.0,
        refuse_status: int = 503,
    ) -> None:
        self.upstream = upstream.rstrip("/")
        self.decide = decide
        self.forget_keys = forget_keys
        self.hold_seconds = hold_seconds
        self.refuse_status = refuse_status
        self.log: list[tuple[str, str, str]] = []

    def __call__(self, request: RecordedRequest) -> Reply:
        fault = self.decide(request)
        self.log.append((request.method, request.path, fault))
        if fault == "refuse":
            return self._echo(self.refuse_status, request)
        if fault == "rate-limit":
            return self._echo(429, request, {"Retry-After": "1"})
        answer = self._forward(request)
        if fault == "lost":
            return self._echo(500, request)
        if fault == "hang-up":
            return Reply(hang_up=True)
        if fault == "hold":
            return replace(answer, held=self.hold_seconds)
        return answer

    def _forward(self, request: RecordedRequest) -> Reply:
        import httpx

        skip = {"host", "content-length", "connection", "transfer-encoding", "accept-encoding"}
        if self.forget_keys:
            skip.add("idempotency-key")
        headers = {k: v for k, v in request.headers.items() if k.lower() not in skip}
        response = httpx.request(
            request.method, self.upstream + request.path, headers=headers, content=request.body, timeout=30
        )
        kept = {k: v for k, v in response.headers.items() if k.lower() not in skip | {"content-encoding"}}
        return Reply(response.status_code, response.content, kept)

    @staticmethod
    def _echo(status: int, request: RecordedRequest, headers: dict[str, str] | None = None) -> Reply:
        echoed = {
            "path": request.path,
            "headers": request.headers,
            "body": request.body.decode(errors="replace"),
        }
        body = {"error": f"something went wrong with this request: {json.dumps(echoed)}"}
        return Reply(
            status, json.dumps(body).encode(), {"Content-Type": "application/json", **(headers or {})}
        )


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
                if reply.held:
                    select.select([self.connection], [], [], reply.held)  # readable: the client hung up
                if reply.hang_up:
                    self.close_connection = True
                    return
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


def load_script(path: Path) -> ModuleType:
    """A Python file that is not part of a package (a test oracle in tests/tools/), imported."""
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def assert_agrees(texts: list[str], official: list[Any], ours: Callable[[str], Any], seed: int) -> None:
    """A differential test's verdict: cmsite's answer for each text (`ours(text)`) is the official
    one; on failure, how many differ, the first few, and the seed that makes the same texts again
    (CMSITE_SEED=N)."""
    mismatches = [(t, e, got) for t, e in zip(texts, official, strict=True) if (got := ours(t)) != e]
    shown = "\n".join(f"{t!r}:\n  official {e}\n  cmsite   {got}" for t, e, got in mismatches[:8])
    assert not mismatches, (
        f"seed {seed} (CMSITE_SEED={seed} to run it again): {len(mismatches)} of {len(texts)} texts differ:\n{shown}"
    )


def missing_tool(what: str) -> None:
    """A test that needs a tool this machine lacks (Java, Node, a reference server): skipped on a
    laptop, failed where CMSITE_REQUIRE_INTEGRATION=1 (CI), so that no check is silently lost."""
    if os.environ.get("CMSITE_REQUIRE_INTEGRATION") == "1":
        pytest.fail(f"{what} is required when CMSITE_REQUIRE_INTEGRATION=1 (run `python3 tests/run.py`)")
    pytest.skip(f"{what} not available; `python3 tests/run.py` installs it")


def plan_on(
    site: TestSite,
    network: str,
    text: str,
    settings: Mapping[str, Any],
    *,
    thread: bool = False,
    name: str | None = None,
    alone: bool = False,
) -> TestSite:
    """Plan `text` on `network` at a time the real clock has passed (the queue's catch-up window
    off, so it is due at once), with `[networks.NAME]` settings such as the test server's address.

    `name` names the plan's file, and so its entry and keys (tests sharing a server each take
    their own); `alone` loads that network's plugin only, whatever else is installed.
    """
    lines = "".join(f"{key} = {json.dumps(value)}\n" for key, value in settings.items())
    plugins = f'[plugins]\nenable = ["{network}"]\n\n' if alone else ""
    config = site.root / "cmsite.toml"
    config.write_text(
        config.read_text() + f"\n{plugins}[queue]\ncatch_up_hours = false\n\n[networks.{network}]\n{lines}"
    )
    site.write(
        f"content/social/2026-11-20-{name or network}.md",
        f"---\nnetworks: [{network}]\nat: 2026-11-20 10:00\nthread: {str(thread).lower()}\n---\n{text}\n",
    )
    return site


def thread_text(network: Any, parts: int = 3) -> str:
    """A text that `network` (a Network class) takes as a thread of exactly `parts` posts."""
    sentences: list[str] = []
    while len(network.excerpt(" ".join(sentences), "", thread=True).posts) < parts:
        sentences.append(f"Sentence {len(sentences)} of the meetup notes, written for a thread.")
    return " ".join(sentences)


def staged_files(root: Path) -> list[Path]:
    """Every file a build staged under `root` and left there: in the site's `.cmsite/staging-…`
    folders or an output's own `.cmsite-staging` (cmsite/render/writer.py)."""
    return [
        path
        for path in root.rglob("*")
        if path.is_file()
        and any(part == ".cmsite-staging" or part.startswith("staging-") for part in path.parts)
    ]


def run_cmsite(
    site: TestSite, *args: str, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`cmsite --site SITE ARGS…` as a real process, the way cron runs it: every installed plugin
    loaded (unless `env` sets CMSITE_DISABLE_PLUGINS), `env` added to this process's environment."""
    environ = {key: value for key, value in os.environ.items() if key != "CMSITE_DISABLE_PLUGINS"}
    command = [sys.executable, "-m", "cmsite", "--site", str(site.root), *args]
    return subprocess.run(
        command, capture_output=True, text=True, env={**environ, **(env or {})}, timeout=300
    )


def graph_error(
    status: int,
    message: str,
    code: int,
    *,
    subcode: int | None = None,
    headers: Mapping[str, str] | None = None,
    user_msg: str | None = None,
) -> Reply:
    """An error answer as Meta's Graph API words it (Threads, Instagram, Facebook)."""
    body: dict[str, Any] = {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "AbC1"}
    if subcode is not None:
        body |= {"error_subcode": subcode, "is_transient": False}
    if user_msg:
        body["error_user_msg"] = user_msg
    return Reply(
        status, json.dumps({"error": body}).encode(), {"Content-Type": "application/json", **(headers or {})}
    )


class GraphMissing(LookupError):
    """An object id a fake Graph API does not have (or not for this token): its answer is Meta's 100/33."""


class GraphRefused(Exception):
    """A request a fake Graph API refuses as documented: `reply` is its answer."""

    def __init__(self, reply: Reply) -> None:
        self.reply = reply


class FakeGraphApi:
    """What a loopback fake of one of Meta's Graph APIs (Threads, Instagram) does with every request,
    whatever the network: the fields of the query and of a form body, the call recorded in `calls`
    as (method, path, fields), a token other than `token` refused with code 190, and faults per
    step: `fail[step, n]` answers the n-th request of that step instead of doing it, `lose[step, n]`
    answers it after doing it, `hold[step]` holds the next answer of the step until the event is set
    (the client may give up waiting: a lost answer). A subclass routes each request:
    `_route(method, path, fields) -> (step, a function that answers or raises GraphMissing or
    GraphRefused)`, asserting that the request is a documented one."""

    token: str

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, dict[str, str]]] = []
        self.fail: dict[tuple[str, int], Reply] = {}
        self.lose: dict[tuple[str, int], Reply] = {}
        self.hold: dict[str, threading.Event] = {}
        self.steps: Counter[str] = Counter()

    def __call__(self, request: RecordedRequest) -> Reply:
        url = urlsplit(request.path)
        fields = {k: v[0] for k, v in parse_qs(url.query).items()}
        if request.method == "POST":
            assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
            fields.update({k: v[0] for k, v in parse_qs(request.body.decode()).items()})
        self.calls.append((request.method, url.path, dict(fields)))
        if fields.pop("access_token", None) != self.token:
            return graph_error(400, "Invalid OAuth access token - Cannot parse access token", 190)
        step, answer = self._route(request.method, url.path, fields)
        self.steps[step] += 1
        if (step, self.steps[step]) in self.fail:
            return self.fail[step, self.steps[step]]
        try:
            body = answer()
        except GraphMissing as missing:
            return graph_error(
                400, f"Unsupported request. Object with ID '{missing}' does not exist", 100, subcode=33
            )
        except GraphRefused as refused:
            return refused.reply
        if held := self.hold.pop(step, None):
            held.wait(10)
        lost = self.lose.get((step, self.steps[step]))
        return lost or Reply(200, json.dumps(body).encode(), {"Content-Type": "application/json"})

    def _route(self, method: str, path: str, fields: dict[str, str]) -> tuple[str, Callable[[], Any]]:
        raise NotImplementedError


class FakeNetwork:
    """A base for a network's test server (a `LoopbackServer` handler) that checks what it is sent.

    A subclass's `answer(request)` asserts what the network's API requires, and answers; a failed
    assertion is kept in `problems` and answered `bad_request`. `create(make)` wraps the making of
    a post (`make()` makes it and gives the answer); `faults` maps the number of a create to what
    goes wrong with it: "refused" (`refused` comes back, nothing made) or "lost" (the post is
    made, then `lost` comes back instead of its answer). Subclasses set these answers as their
    network words them.
    """

    bad_request = Reply(400, b'{"message": "not a request this API takes"}')
    refused = Reply(503, b"Service Unavailable")
    lost = Reply(500, b"Internal Server Error")

    def __init__(self, faults: Mapping[int, str] | None = None) -> None:
        self.posts: list[Any] = []  # what `make` made, oldest first, as the subclass keeps it
        self.faults = dict(faults or {})
        self.creates = 0
        self.problems: list[str] = []

    def __call__(self, request: RecordedRequest) -> Reply:
        try:
            return self.answer(request)
        except AssertionError as exc:
            self.problems.append(f"{request.method} {request.path[:80]}: {exc}")
            return self.bad_request

    def answer(self, request: RecordedRequest) -> Reply:
        raise NotImplementedError

    def create(self, make: Callable[[], Reply]) -> Reply:
        self.creates += 1
        fault = self.faults.pop(self.creates, None)
        if fault == "refused":
            return self.refused
        answer = make()
        return self.lost if fault == "lost" else answer


def queued_entry(site: TestSite) -> Any:
    """The one entry of the site's queue, as it is stored now."""
    from cmsite.queue.location import open_store

    store = open_store(site.site())
    try:
        (entry,) = store.all()
    finally:
        store.close()
    return entry


def publish_and_list(
    site: TestSite, secrets: list[str], env: Mapping[str, str]
) -> tuple[subprocess.CompletedProcess[str], subprocess.CompletedProcess[str]]:
    """`cmsite publish --json`, then `cmsite queue --all --json`, as cron would (`run_cmsite`),
    checking that no secret reached their outputs nor the site's state files."""
    published = run_cmsite(site, "publish", "--json", env=env)
    listed = run_cmsite(site, "queue", "--all", "--json", env=env)
    assert_no_secrets(site.root, secrets, published.stdout, published.stderr, listed.stdout, listed.stderr)
    return published, listed


def accounts_checked(
    site: TestSite, env: Mapping[str, str], secrets: list[str]
) -> tuple[int, dict[str, dict[str, Any]]]:
    """`cmsite accounts --json` as a person runs it (`run_cmsite`), checking that no secret reached
    its output nor the site's state files: its exit code, and each account's row by
    "network (account)". An empty variable in `env` stands for one that is not set."""
    result = run_cmsite(site, "accounts", "--json", env=env)
    assert_no_secrets(site.root, secrets, result.stdout, result.stderr)
    assert result.stdout.startswith("{"), result.stderr
    rows = json.loads(result.stdout)["accounts"]
    return result.returncode, {f"{row['network']} ({row['account']})": row for row in rows}


class Answers:
    """A `Prompt` (cmsite.social.network) that answers a login's questions in order, as a person
    would: each answer a text, or a function of what the login said so far (to open the address
    it gave and read the code there). `said` and `asked` ("ask" or "secret", question) record it."""

    def __init__(self, *answers: str | Callable[[list[str]], str]) -> None:
        self.answers = list(answers)
        self.said: list[str] = []
        self.asked: list[tuple[str, str]] = []

    def say(self, text: str) -> None:
        self.said.append(text)

    def ask(self, question: str) -> str:
        return self._answer("ask", question)

    def secret(self, question: str) -> str:
        return self._answer("secret", question)

    def _answer(self, kind: str, question: str) -> str:
        self.asked.append((kind, question))
        assert self.answers, f"a question the test has no answer for: {question!r}"
        answer = self.answers.pop(0)
        return answer(self.said) if callable(answer) else answer


def login_with(
    site: TestSite,
    network: str,
    answers: Answers,
    environ: Mapping[str, str] | None = None,
    account: str = "default",
) -> Any:
    """`cmsite accounts login NETWORK` for the site, `answers` typed at its questions: the
    `LoggedIn` it gives (LoginError when it fails). `environ` stands for the environment and the
    site's .env, which are not read."""
    from cmsite.social.login import log_in

    return log_in(site.site(), network, account, answers, dict(environ or {}))


def env_values(site_root: Path) -> dict[str, str]:
    """The variables of the site's .env as cmsite reads them, once the file is checked to be its
    owner's only (mode 0600)."""
    import stat

    from dotenv import dotenv_values

    path = site_root / ".env"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600, oct(path.stat().st_mode)
    return {key: value for key, value in dotenv_values(path).items() if value is not None}


def publish_until_done(
    site: TestSite, environ: dict[str, str], *, rounds: int = 10, **site_options: Any
) -> list[list[Any]]:
    """Sync the site's plans into its queue, then run the publisher again and again — each run as
    if every retry delay and every dead publisher's lease had passed — until a run has nothing
    left to do; the outcomes of each run. The clock is the real one, as the network's.

    Entries that wait for a person (unknown, and the network cannot be asked) end the loop.
    """
    from cmsite.queue.location import open_store
    from cmsite.queue.publisher import Publisher
    from cmsite.queue.sync import sync_site
    from cmsite.social.planner import each_planned_post

    built = site.site(**site_options)
    built.load()
    store = open_store(built)
    try:
        sync_site(built, store, each_planned_post(built))
        runs = []
        for _ in range(rounds):
            _time_passes(store)
            outcomes = Publisher(built, store, environ=environ).run()
            if not outcomes:
                return runs
            runs.append(outcomes)
        raise AssertionError(f"still sending after {rounds} runs: {runs[-1]}")
    finally:
        store.close()


def time_passes(site: TestSite) -> None:
    """Every retry delay and every lease in the site's queue over now, as if the time they wait
    for had passed: the test runs the next `cmsite publish` at once instead of sleeping through
    them. Call it between runs: it ends a live publisher's lease too."""
    from cmsite.queue.location import open_store

    store = open_store(site.site())
    try:
        _time_passes(store)
    finally:
        store.close()


def _time_passes(store: Any) -> None:
    """Every retry delay and every lease of the store's active entries over now."""
    from cmsite.queue.store import ACTIVE

    now = store.now() - timedelta(microseconds=1)  # the store's clock: a PostgreSQL server's
    with store.transaction() as db:
        for entry in store.all():
            if entry.status in ACTIVE and (entry.next_attempt or entry.lease_until):
                store.update(
                    db, entry.id, expect=entry.status, next_attempt=entry.next_attempt and now,
                    lease_until=entry.lease_until and now,
                )  # fmt: skip


def assert_no_secrets(site_root: Path, secrets: list[str], *outputs: str) -> None:
    """No secret in any of `outputs` nor in any file of the site's .cmsite/ folder (the queue
    database and its journal included)."""
    places = {f"output {n}": text.encode() for n, text in enumerate(outputs)}
    places |= {str(f): f.read_bytes() for f in (site_root / ".cmsite").rglob("*") if f.is_file()}
    leaking = sorted({where for where, data in places.items() if any(s.encode() in data for s in secrets)})
    assert not leaking, "a secret was found in these places (not shown here)"


@pytest.fixture
def cmsite_site(tmp_path: Path) -> TestSite:
    return TestSite(tmp_path / "site")


@pytest.fixture
def loopback_server() -> Iterator[LoopbackServer]:
    with LoopbackServer() as server:
        yield server
