"""The development server: the output folder on 127.0.0.1, with the reload script added on the fly.

Only this server adds the script, to HTML responses as they leave; the files that
`cmsite build` writes never contain it. The script listens to `/_cmsite/events`
(Server-Sent Events, which browsers reconnect by themselves) and reloads the tab when
its page was rewritten, or shows the build's errors over the page until the next good save.
The editorial calendar is made for each request at `/_cmsite/calendar/[YYYY-MM/]`, a path no
built site has, and is never written to the output folder; so are the pictures as networks get
them (with the logo and crop of `[social.images]`, which `cmsite preview` makes and lists), at
`/_cmsite/social-images/DIGEST/NAME`, from the folder they are kept in.

Anything may connect, so the server stays safe and quiet whatever arrives: it answers only
requests addressed to a loopback name (a DNS-rebinding page on another name could otherwise
read the drafts `--drafts` serves), a URL no file can have is a 404, a client that goes
away is not an error, and a client that stops sending loses its connection after a timeout.
"""

from __future__ import annotations

import json
import os
import re
import sys
import threading
from collections.abc import Callable
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from cmsite.serve.reload import News, ReloadHub

PREFIX = "/_cmsite/"
KEEPALIVE_SECONDS = 15.0
CLIENT_TIMEOUT_SECONDS = 30.0  # a client that neither sends nor reads this long loses its connection
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")
NOWHERE = os.path.join(os.devnull, "outside-the-site")  # never a file: a 404
BODY_END = re.compile(rb"</body\s*>", re.IGNORECASE)
CALENDAR_PAGE = re.compile(r"calendar/(?:(\d{4}-\d{2})/)?")  # this month, or one month
SOCIAL_COPY = re.compile(r"social-images/([0-9a-f]{32}/[^/.][^/]*)")  # a copy's digest, then its name


class DevServer(ThreadingHTTPServer):
    daemon_threads = True  # open event streams never keep the process alive

    def __init__(
        self,
        output: Path,
        hub: ReloadHub,
        *,
        port: int = 8000,
        base_path: str = "",
        client_timeout: float = CLIENT_TIMEOUT_SECONDS,
        calendar: Callable[[str | None], str] | None = None,
        social_images: Path | None = None,
    ) -> None:
        self.output = output
        self.calendar = calendar  # a month (`2026-11`, None: this one) → its calendar page
        self.social_images = social_images  # where the copies sent to networks are kept
        self.hub = hub
        self.base_path = base_path.rstrip("/")
        self.client_timeout = client_timeout
        self.script = resources.files("cmsite.serve").joinpath("livereload.js").read_bytes()
        super().__init__(("127.0.0.1", port), partial(DevRequestHandler, directory=str(output)))
        bound = self.server_address[1]
        self.hosts = frozenset(name + suffix for name in LOOPBACK_HOSTS for suffix in ("", f":{bound}"))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}{self.base_path}/"

    @property
    def calendar_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}{PREFIX}calendar/"

    def start(self) -> threading.Thread:
        thread = threading.Thread(target=self.serve_forever, name="cmsite-serve", daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        self.hub.close()
        self.shutdown()
        self.server_close()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up (a closed tab, a cancelled download) is routine, not a fault to print.

        A client that went silent never gets here: the stdlib ends its request on TimeoutError.
        """
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class DevRequestHandler(SimpleHTTPRequestHandler):
    server: DevServer
    error_message_format = "%(code)d %(message)s\n%(explain)s\n"
    error_content_type = "text/plain; charset=utf-8"

    def setup(self) -> None:
        """Reads and writes on this connection give up after the server's client timeout."""
        self.timeout = self.server.client_timeout
        super().setup()

    def parse_request(self) -> bool:
        """Refuse, before any method runs, a request for another host or for something not a path."""
        if not super().parse_request():
            return False
        home = f"http://127.0.0.1:{self.server.server_address[1]}/"
        if (self.headers.get("Host") or "").strip().lower() not in self.server.hosts:
            explain = f"cmsite serve answers only requests for 127.0.0.1, localhost or [::1]; open {home}"
            self.send_error(HTTPStatus.FORBIDDEN, "Not a loopback host", explain)
            return False
        if not self.path.startswith("/"):  # `*` or a proxy's absolute URL: no page of this site
            self.send_error(HTTPStatus.BAD_REQUEST, "Not a path", f"Ask for a path, such as {home}")
            return False
        return True

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        if path.startswith(PREFIX):
            self._cmsite_endpoint(path[len(PREFIX) :])
            return
        html = self._html_page(path)
        if html is None:
            super().do_GET()
        else:
            self._send_html(html, HTTPStatus.OK)

    def translate_path(self, path: str) -> str:
        """A site URL (with the base path of `[site] url`) → the file in the output folder.

        A URL can spell what no file name can (a NUL byte, a lone surrogate); those become
        NOWHERE, so every lookup after this one meets only OSErrors, which mean 404.
        """
        base = self.server.base_path
        plain = urlsplit(path).path
        if base and plain != base and not plain.startswith(base + "/"):
            return NOWHERE
        local = super().translate_path(path[len(base) :] or "/")
        try:
            return NOWHERE if b"\0" in os.fsencode(local) else local
        except UnicodeEncodeError:
            return NOWHERE

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        if code == HTTPStatus.NOT_FOUND and self.command == "GET":
            self._not_found()
        else:
            super().send_error(code, message, explain)

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")  # a reload always shows the latest build
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the terminal is for what the build says."""

    def _html_page(self, url_path: str) -> bytes | None:
        """The HTML page at this URL; None for anything else, which the stdlib serves or 404s.

        A name too long for the file system, or any other OSError, is simply not a page.
        """
        path = Path(self.translate_path(url_path))
        if os.path.isdir(path) and url_path.endswith("/"):
            path = path / "index.html"
        if path.suffix not in (".html", ".htm") or not os.path.isfile(path):  # never wait on a FIFO
            return None
        try:
            return path.read_bytes()
        except OSError:
            return None

    def _not_found(self) -> None:
        """The site's own 404 page (which reloads once the page appears), or a plain one."""
        page = self.server.output / "404.html"
        body = (
            page.read_bytes()
            if page.is_file()
            else b"<!doctype html><title>Not found</title><p>Not found.</p>"
        )
        self._send_html(body, HTTPStatus.NOT_FOUND, missing=True)

    def _send_html(self, body: bytes, status: HTTPStatus, *, missing: bool = False) -> None:
        version = self.server.hub.version
        tag = (
            f'<script src="{PREFIX}livereload.js" data-version="{version}" '
            f'data-missing="{int(missing)}" defer></script>'
        ).encode()
        end = max((match.start() for match in BODY_END.finditer(body)), default=len(body))
        body = body[:end] + tag + body[end:]
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _cmsite_endpoint(self, name: str) -> None:
        if name == "livereload.js":
            script = self.server.script
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", "text/javascript; charset=utf-8")
            self.send_header("Content-Length", str(len(script)))
            self.end_headers()
            self.wfile.write(script)
        elif name == "events":
            self._event_stream()
        elif (found := CALENDAR_PAGE.fullmatch(name)) and self.server.calendar is not None:
            self._calendar(found[1])
        elif (found := SOCIAL_COPY.fullmatch(name)) and self.server.social_images is not None:
            self._social_copy(self.server.social_images / found[1])
        else:
            super().send_error(HTTPStatus.NOT_FOUND)

    def _calendar(self, month: str | None) -> None:
        """The calendar page; it reloads after every build, as any save may change it."""
        from cmsite.errors import ContentErrors

        assert self.server.calendar is not None
        try:
            page = self.server.calendar(month)
        except ValueError:  # 2026-13
            super().send_error(HTTPStatus.NOT_FOUND)
            return
        except ContentErrors as exc:  # a damaged queue database, a broken calendar template
            problems = "\n".join(str(error) for error in exc.errors)
            super().send_error(HTTPStatus.INTERNAL_SERVER_ERROR, "No calendar", problems)
            return
        self._send_html(page.encode(), HTTPStatus.OK, missing=True)

    def _social_copy(self, file: Path) -> None:
        """A picture as a network gets it; a 404 until `cmsite preview` (or a send) made it."""
        try:
            data = file.read_bytes() if file.is_file() else None
        except OSError:
            data = None
        if data is None:
            super().send_error(HTTPStatus.NOT_FOUND)
            return
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", self.guess_type(str(file)))
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _event_stream(self) -> None:
        """Server-Sent Events: what changed since the tab's version, then each build as it happens."""
        query = parse_qs(urlsplit(self.path).query)
        try:
            since = int(self.headers.get("Last-Event-ID") or query.get("since", ["0"])[0])
        except ValueError:
            since = 0
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        hub = self.server.hub
        news: News | None = hub.news_since(since)
        while True:  # a tab that went away ends it with a ConnectionError: see DevServer.handle_error
            if news is not None:
                self._send_event(news)
                since = news.version
            else:
                self.wfile.write(b": still here\n\n")  # finds tabs that went away
                self.wfile.flush()
            news = hub.wait(since, KEEPALIVE_SECONDS)
            if news is None and hub.closed:
                return

    def _send_event(self, news: News) -> None:
        kind = "errors" if news.errors else "build"
        data = json.dumps(
            {"version": news.version, "urls": news.urls, "errors": news.errors}, ensure_ascii=False
        )
        self.wfile.write(f"id: {news.version}\nevent: {kind}\ndata: {data}\n\n".encode())
        self.wfile.flush()
