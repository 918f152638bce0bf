"""mastodon-mock on loopback, alone or behind cmsite's `FaultProxy`, shared by the plugin's tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from mastodon_mock.testing.server import MockServer

from cmsite.testing import FaultProxy, LoopbackServer, Nth


@pytest.fixture(scope="session")
def server() -> Iterator[MockServer]:
    with MockServer() as running:
        yield running


@pytest.fixture(scope="session")
def front() -> Iterator[LoopbackServer]:
    """The loopback server the proxy answers from: point the plugin's `instance` at its url."""
    with LoopbackServer() as loopback:
        yield loopback


@pytest.fixture
def proxy(server: MockServer, front: LoopbackServer) -> FaultProxy:
    """mastodon-mock, emptied, behind a proxy that passes everything on until the test sets `decide`."""
    server.reset()
    front.requests.clear()
    proxy = FaultProxy(server.base_url)
    front.handler(proxy)
    return proxy


@pytest.fixture
def fail(proxy: FaultProxy) -> Callable[[dict[int, str]], Nth]:
    """`fail({2: "lost"})`: the second status post from now is made, and its answer lost."""

    def fail(faults: dict[int, str]) -> Nth:
        proxy.decide = Nth(faults, "/api/v1/statuses", "POST")
        return proxy.decide

    return fail
