"""A loopback Pinterest API v5 that checks every request the plugin sends against the documented shapes.

Documented in developers.pinterest.com/docs/api/v5 (and Pinterest's generated clients): bearer
auth on every request; Create Pin `POST /v5/pins` (JSON `PinCreate`, 201 with the Pin); List Pins
on board `GET /v5/boards/{board_id}/pins` (`page_size`, `bookmark`; `{"items": [...], "bookmark"}`);
Delete Pin `DELETE /v5/pins/{pin_id}` (204); Get Pin analytics `GET /v5/pins/{pin_id}/analytics`
(`start_date`, `end_date` within the last 90 days, `metric_types`, `app_types`, `split_field`);
Get user account `GET /v5/user_account`; List boards `GET /v5/boards`; and the OAuth token
exchange `POST /v5/oauth/token`. A refusal is the `Error` body `{"code", "message"}` with the
status the endpoint documents; the codes here are the fake's own, since the plugin reads the status.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import threading
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import Any
from urllib.parse import parse_qs, urlsplit

from cmsite.testing import FakeNetwork, RecordedRequest, Reply

TOKEN = "pina_AMAQ-test-access-token-0123456789"
BOARD = "549755885175"
OTHER_BOARD = "549755885176"
APP_ID = "1484362"
APP_SECRET = "app-secret-abcdef0123456789"
CODE = "authorization-code-1"
PIN_FIELDS = {
    "board_id",
    "board_section_id",
    "title",
    "description",
    "link",
    "alt_text",
    "media_source",
    "dominant_color",
}
METRIC_TYPES = {"IMPRESSION", "SAVE", "PIN_CLICK", "OUTBOUND_CLICK", "SAVE_RATE", "ENGAGEMENT"}
ANALYTICS_PARAMETERS = {"start_date", "end_date", "metric_types", "app_types", "split_field"}
IMAGE_MAGIC = {"image/jpeg": b"\xff\xd8\xff", "image/png": b"\x89PNG"}


def error(status: int, code: int, message: str, headers: dict[str, str] | None = None) -> Reply:
    """Pinterest's `Error` body, as every refusal of API v5 has it."""
    body = json.dumps({"code": code, "message": message}).encode()
    return Reply(status, body, {"Content-Type": "application/json", **(headers or {})})


def ok(body: Any, status: int = 200) -> Reply:
    return Reply(status, json.dumps(body).encode(), {"Content-Type": "application/json"})


class FakePinterest(FakeNetwork):
    """The boards of one account, its Pins (`posts`: Pin dicts, oldest first), its analytics.

    `fail[(step, n)]` answers the n-th request of a step ("create", "list", "delete", "analytics",
    "account", "boards", "token") instead of doing it; `hold[step]` makes the next answer of that
    step wait until the event is set (the client gives up meanwhile, or is killed); `faults`
    (FakeNetwork's) makes a create "refused" (503, nothing made) or "lost" (made, then a 500)."""

    bad_request = error(400, 1, "Invalid request: not a request this API takes")
    refused = error(503, 16, "Service unavailable. Please try again later.")
    lost = error(500, 15, "Internal error. Please try again later.")

    def __init__(self, faults: dict[int, str] | None = None) -> None:
        super().__init__(faults)
        self.boards = {BOARD: "Recipes", OTHER_BOARD: "Travel"}
        self.calls: list[tuple[str, str, dict[str, str], Any]] = []
        self.fail: dict[tuple[str, int], Reply] = {}
        self.hold: dict[str, threading.Event] = {}
        self.holding = threading.Event()  # set once a held step was done
        self.steps: Counter[str] = Counter()
        self.summary: dict[str, dict[str, int]] = {}  # pin id → its analytics summary
        self.today = datetime.now(UTC).date()  # the day analytics are asked on
        self.granted = "boards:read,pins:read,pins:write,user_accounts:read"
        self.on_create: list[Any] = []  # called with each Create Pin request, before the Pin is made

    def answer(self, request: RecordedRequest) -> Reply:
        url = urlsplit(request.path)
        query = {key: values[0] for key, values in parse_qs(url.query, keep_blank_values=True).items()}
        body = (
            json.loads(request.body)
            if request.headers.get("Content-Type") == "application/json"
            else request.body
        )
        self.calls.append((request.method, url.path, query, body))
        assert url.path.startswith("/v5/"), url.path
        if url.path == "/v5/oauth/token":
            return self._step("token", lambda: self._token(request))
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return error(401, 2, "Authentication failed.")
        step, make = self._route(request.method, url.path.removeprefix("/v5"), query, body)
        return self._step(step, make)

    def _step(self, step: str, make: Any) -> Reply:
        self.steps[step] += 1
        if (step, self.steps[step]) in self.fail:
            return self.fail[step, self.steps[step]]
        answer = self.create(make) if step == "create" else make()
        if held := self.hold.pop(step, None):
            self.holding.set()  # done, its answer not given yet: what a lost answer looks like
            held.wait(10)
        return answer

    def _route(self, method: str, path: str, query: dict[str, str], body: Any) -> tuple[str, Any]:
        """The step a documented request is, and how to answer it, once its parameters are checked."""
        for (verb, pattern), (step, allowed, answer) in self._routes().items():
            if verb == method and (found := re.fullmatch(pattern, path)):
                assert set(query) <= allowed, query
                assert method != "DELETE" or not body
                return step, partial(answer, *found.groups(), query=query, body=body)
        raise AssertionError(f"not a documented request: {method} {path}")

    def _routes(self) -> dict[tuple[str, str], tuple[str, set[str], Any]]:
        """(method, path) → (step, the query parameters it takes, its answer)."""
        return {
            ("POST", r"/pins"): ("create", set(), lambda query, body: self._create(body)),
            ("GET", r"/boards/(\d+)/pins"): ("list", {"page_size", "bookmark"}, self._list),
            ("DELETE", r"/pins/(\d+)"): ("delete", set(), lambda pin, query, body: self._delete(pin)),
            ("GET", r"/pins/(\d+)/analytics"): ("analytics", ANALYTICS_PARAMETERS, self._analytics),
            ("GET", r"/user_account"): ("account", set(), lambda query, body: self._account()),
            ("GET", r"/boards"): ("boards", {"page_size", "bookmark", "privacy"}, self._boards),
        }

    def _create(self, body: dict[str, Any]) -> Reply:
        """PinCreate, with each documented limit and a media source Pinterest can read."""
        assert set(body) <= PIN_FIELDS and body["board_id"].isdigit(), body
        assert len(body.get("title", "")) <= 100 and len(body.get("description", "")) <= 800
        assert len(body.get("alt_text", "")) <= 500 and len(body.get("link", "")) <= 2048
        source = body["media_source"]
        if source["source_type"] == "image_url":
            assert set(source) == {"source_type", "url"} and source["url"].startswith("https://")
        else:
            assert source["source_type"] == "image_base64" and set(source) == {
                "source_type",
                "content_type",
                "data",
            }
            data = base64.b64decode(source["data"], validate=True)
            assert data.startswith(IMAGE_MAGIC[source["content_type"]]), "the content_type is the picture's"
        if body["board_id"] not in self.boards:
            return error(404, 40, "Board not found.")
        for call in self.on_create:
            call(body)
        pin_id = str(813744707000000000 + len(self.posts) + 1)
        made = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S")
        pin = {**{k: v for k, v in body.items() if k != "media_source"}, "id": pin_id, "created_at": made,
               "board_owner": {"username": "carnet"}, "media": {"media_type": "image"}, "source": source}  # fmt: skip
        self.posts.append(pin)
        return ok({k: v for k, v in pin.items() if k != "source"}, 201)

    def _list(self, board: str, query: dict[str, str], body: Any) -> Reply:
        size = int(query["page_size"])
        assert 1 <= size <= 250, size
        if board not in self.boards:
            return error(404, 40, "Board not found.")
        newest = [
            {k: v for k, v in pin.items() if k != "source"}
            for pin in reversed(self.posts)
            if pin["board_id"] == board
        ]
        return ok({"items": newest[:size], "bookmark": "b2" if len(newest) > size else None})

    def _delete(self, pin_id: str) -> Reply:
        if not any(pin["id"] == pin_id for pin in self.posts):
            return error(404, 50, "Pin not found.")
        self.posts = [pin for pin in self.posts if pin["id"] != pin_id]
        return Reply(204)

    def _analytics(self, pin_id: str, query: dict[str, str], body: Any) -> Reply:
        """A Pin's analytics over dates within the last 90 days, each metric asked for a known one."""
        assert set(query) == ANALYTICS_PARAMETERS, query
        start, end = date.fromisoformat(query["start_date"]), date.fromisoformat(query["end_date"])
        assert self.today - timedelta(days=90) <= start <= end <= self.today, "within the last 90 days"
        assert set(query["metric_types"].split(",")) <= METRIC_TYPES
        assert query["app_types"] == "ALL" and query["split_field"] == "NO_SPLIT"
        if not any(pin["id"] == pin_id for pin in self.posts):
            return error(404, 50, "Pin not found.")
        summary = self.summary.get(pin_id, {})
        daily = [{"date": self.today.isoformat(), "data_status": "READY", "metrics": summary}]
        return ok({"all": {"daily_metrics": daily, "summary_metrics": summary, "lifetime_metrics": summary}})

    def _boards(self, query: dict[str, str], body: Any) -> Reply:
        boards = [{"id": board, "name": name, "privacy": "PUBLIC"} for board, name in self.boards.items()]
        return ok({"items": boards, "bookmark": None})

    def _account(self) -> Reply:
        return ok({"account_type": "BUSINESS", "username": "carnet", "business_name": "Carnet de route",
                   "board_count": len(self.boards), "pin_count": len(self.posts), "follower_count": 1204,
                   "following_count": 87, "monthly_views": 52000})  # fmt: skip

    def _token(self, request: RecordedRequest) -> Reply:
        """The authorization-code exchange: HTTP Basic with the app's id and secret, a form body."""
        assert (
            request.method == "POST"
            and request.headers["Content-Type"] == "application/x-www-form-urlencoded"
        )
        form = {
            key: values[0] for key, values in parse_qs(request.body.decode(), strict_parsing=True).items()
        }
        basic = base64.b64encode(f"{APP_ID}:{APP_SECRET}".encode()).decode()
        if request.headers.get("Authorization") != f"Basic {basic}":
            return error(401, 2, "Authentication failed.")
        assert (
            set(form) == {"grant_type", "code", "redirect_uri"} and form["grant_type"] == "authorization_code"
        )
        if form["code"] != CODE:
            return error(400, 1, "Invalid authorization code.")
        return ok({"access_token": TOKEN, "refresh_token": "pinr_refresh", "response_type": "authorization_code",
                   "token_type": "bearer", "expires_in": 2592000, "refresh_token_expires_in": 31536000,
                   "scope": self.granted})  # fmt: skip


def decoded(source: dict[str, str]) -> bytes:
    try:
        return base64.b64decode(source["data"], validate=True)
    except binascii.Error as exc:  # pragma: no cover - the fake refused it already
        raise AssertionError(exc) from None
