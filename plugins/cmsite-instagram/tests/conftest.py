"""Fixtures of the Instagram tests: the loopback Graph API that checks every request."""

from __future__ import annotations

import pytest
from fake_instagram import FakeInstagram


@pytest.fixture
def instagram(loopback_server):
    fake = FakeInstagram()
    loopback_server.handler(fake)
    yield fake
    for held in fake.hold.values():  # a hold the send never reached
        held.set()
