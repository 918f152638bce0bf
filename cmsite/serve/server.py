"""The development server: the output folder on 127.0.0.1, with the reload script added on the fly.

Only this server adds the script, to HTML responses as they leave; the files that
`cmsite build` writes never contain it. The script listens to `/_cmsite/events`
(Server-Sent Events, which browsers reconnect by themselves) and reloads the tab when
its page was rewritten, or shows the build's errors over the page until the next good save.
"""

from __future__ import annotations

import json
import os
import re
import threading
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
BODY_END = re.compile(rb"</body\s*>", re.IGNORECASE)


class DevServer(ThreadingHTTPServer):
    daemon_threads = True  # open event streams never keep the process alive

    def __init__(self, output: Path, hub: ReloadHub, *, port: int = 8000, base_path: str = "") -> None:
        self.output = output
        self.hub = hub
        self.base_path = base_path.rstrip("/")
        self.script = resources.files("cmsite.serve").joinpath("livereload.js").read_bytes()
        super().__init__(("127.0.0.1", port), partial(DevRequestHandler, directory=str(output)))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}{self.base_path}/"

    def start(self) -> threading.Thread:
        thread = threading.Thread(target=self.serve_forever, name="cmsite-serve", daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        self.hub.close()
        self.shutdown()
        self.server_close()


class DevRequestHandler(SimpleHTTPRequestHandler):
    server: DevServer

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        if path.startswith(PREFIX):
            self._cmsite_endpoint(path[len(PREFIX) :])
            return
        html = self._html_file(path)
        if html is None:
            super().do_GET()
        else:
            self._send_html(html.read_bytes(), HTTPStatus.OK)

    def translate_path(self, path: str) -> str:
        """A site URL (with the base path of `[site] url`) → the file in the output folder."""
        base = self.server.base_path
        plain = urlsplit(path).path
        if base and plain != base and not plain.startswith(base + "/"):
            return os.path.join(os.devnull, "outside-the-site")  # never a file: a 404
        return super().translate_path(path[len(base) :] or "/")

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

    def _html_file(self, url_path: str) -> Path | None:
        path = Path(self.translate_path(url_path))
        if path.is_dir() and url_path.endswith("/"):
            path = path / "index.html"
        return path if path.suffix in (".html", ".htm") and path.is_file() else None

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
        else:
            super().send_error(HTTPStatus.NOT_FOUND)

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
        try:
            while True:
                if news is not None:
                    self._send_event(news)
                    since = news.version
                else:
                    self.wfile.write(b": still here\n\n")  # finds tabs that went away
                    self.wfile.flush()
                news = hub.wait(since, KEEPALIVE_SECONDS)
                if news is None and hub.closed:
                    return
        except (BrokenPipeError, ConnectionResetError):
            return

    def _send_event(self, news: News) -> None:
        kind = "errors" if news.errors else "build"
        data = json.dumps(
            {"version": news.version, "urls": news.urls, "errors": news.errors}, ensure_ascii=False
        )
        self.wfile.write(f"id: {news.version}\nevent: {kind}\ndata: {data}\n\n".encode())
        self.wfile.flush()
