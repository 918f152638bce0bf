"""The one redaction step: every credential, in every form it travels in, becomes ***."""

from __future__ import annotations

import json
import logging
from urllib.parse import quote

from cmsite.social.network import Network
from cmsite.social.redact import MASK, Redactor

TOKEN = "s3cr3t+token/with=odd&chars"
HOOK = "https://hooks.example.com/services/T01ABCDEFG/B01ABCDEFG/XyZ0123456789abcdefABCDEF"


class Chat(Network):
    name, label, max_length = "chat", "Chat", 500
    credentials = ("CHAT_TOKEN",)

    def publish_one(self, session, part):
        raise NotImplementedError


def test_a_secret_is_hidden_as_it_is_url_encoded_and_json_escaped():
    redact = Redactor([TOKEN])
    for form in (TOKEN, quote(TOKEN, safe=""), json.dumps(TOKEN)[1:-1]):
        assert redact(f"401: bad token {form}!") == f"401: bad token {MASK}!"


def test_a_webhook_url_is_hidden_whole_and_its_token_alone():
    redact = Redactor([HOOK])
    assert redact(f"404 for {HOOK}") == f"404 for {MASK}"
    assert redact("no such hook: XyZ0123456789abcdefABCDEF") == f"no such hook: {MASK}"
    assert (
        redact("services/T01ABCDEFG/B01ABCDEFG") == "services/T01ABCDEFG/B01ABCDEFG"
    )  # too short to be secret


def test_every_credential_of_every_network_is_hidden_and_nothing_else():
    environ = {"CHAT_TOKEN": TOKEN, "CHAT_TEAM_TOKEN": "another-secret-value", "HOME": "/home/camille"}
    redact = Redactor.for_networks([Chat], environ)
    text = f"echo: {TOKEN} and another-secret-value in /home/camille"
    assert redact(text) == f"echo: {MASK} and {MASK} in /home/camille"


def test_a_log_record_of_a_library_is_redacted(caplog):
    Redactor([TOKEN]).guard_logging()
    handler = logging.getLogger().handlers[-1]
    record = logging.LogRecord(
        "httpx", logging.WARNING, __file__, 1, "POST %s failed", (f"/hook/{TOKEN}",), None
    )
    handler.filter(record)
    assert record.getMessage() == f"POST /hook/{MASK} failed"
