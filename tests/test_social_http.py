"""How long a network asks the queue to wait: Retry-After in each form HTTP allows, else the
network's rate-limit reset, and nothing from a value that cannot be read."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from cmsite.social.http import retry_after

SENT = datetime(1994, 11, 6, 8, 48, 7, tzinfo=UTC).timestamp()  # 90 s before the dates below


@pytest.fixture
def far_from_utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A machine whose local time is not UTC: HTTP dates must not be read in it."""
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def answer(**headers: str) -> httpx.Response:
    return httpx.Response(429, headers=headers)


@pytest.mark.parametrize(
    "value",
    [
        "90",
        "Sun, 06 Nov 1994 08:49:37 GMT",  # the HTTP date
        "Sunday, 06-Nov-94 08:49:37 GMT",  # the obsolete forms a recipient must still read
        "Sun Nov  6 08:49:37 1994",
    ],
)
def test_retry_after_in_seconds_or_as_an_http_date(far_from_utc, value):
    assert retry_after(answer(**{"Retry-After": value}), now=SENT) == 90


def test_a_time_already_past_is_no_wait():
    assert retry_after(answer(**{"Retry-After": "-5"}), now=SENT) == 0
    assert retry_after(answer(**{"Retry-After": "Sun, 06 Nov 1994 08:00:00 GMT"}), now=SENT) == 0
    assert retry_after(answer(**{"X-Reset": str(SENT - 1)}), "X-Reset", now=SENT) == 0


@pytest.mark.parametrize("value", ["", "soon", "inf", "nan", "Sun, 06 Nov 1994 25:00:00 GMT"])
def test_a_retry_after_that_cannot_be_read_leaves_the_reset_header_or_nothing(value):
    assert retry_after(answer(**{"Retry-After": value, "X-Reset": str(SENT + 30)}), "X-Reset", now=SENT) == 30
    assert retry_after(answer(**{"Retry-After": value}), "X-Reset", now=SENT) is None
    assert retry_after(answer(**{"Retry-After": value, "X-Reset": "inf"}), "X-Reset", now=SENT) is None
