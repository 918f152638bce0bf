"""The one step that keeps secrets out of every message: each credential value becomes ***.

A network may echo what it was sent (a token in a 401 body, a webhook URL in a 404
page). Everything cmsite says about a network (outcomes, stored errors, JSON, the
live-reload overlay, logs) passes through a `Redactor` made from every credential of
every installed network, so no such echo is printed or stored. A value is also hidden
in the forms it travels in: URL-encoded, JSON-escaped, and for a URL (a webhook) each
long piece of its path and query, which is where such URLs keep their token.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, quote, quote_plus, urlsplit

if TYPE_CHECKING:
    from cmsite.social.network import Network

MASK = "***"
SHORTEST = 6  # shorter values (a port, "true") are not secrets worth hiding, and would mask everything


def _forms(value: str) -> set[str]:
    """The value, and the ways it is written when it travels inside a URL or a JSON body."""
    forms = {value, quote(value, safe=""), quote_plus(value), json.dumps(value)[1:-1]}
    parts = urlsplit(value)
    if parts.scheme in ("http", "https") and parts.netloc:
        forms |= {piece for piece in parts.path.split("/") if len(piece) >= 16}
        forms |= {v for _, v in parse_qsl(parts.query) if len(v) >= 16}
        forms.add(f"{parts.netloc}{parts.path}")
    return {form for form in forms if len(form) >= SHORTEST}


class Redactor:
    """Replaces each secret (in each of its forms) by *** in a text."""

    def __init__(self, secrets: Iterable[str]):
        forms = {form for value in secrets if value and len(value) >= SHORTEST for form in _forms(value)}
        # the longest first, so a URL goes whole before its token alone
        alternatives = sorted(forms, key=len, reverse=True)
        self._pattern = re.compile("|".join(map(re.escape, alternatives))) if alternatives else None

    @classmethod
    def for_networks(cls, networks: Iterable[type[Network]], environ: Mapping[str, str]) -> Redactor:
        """Every credential of every network: what it declares and every variable named after it."""
        from cmsite.social.network import Credentials

        return cls(
            value for network in networks for value in Credentials.for_network(network, environ).values()
        )

    def __call__(self, text: str) -> str:
        return self._pattern.sub(MASK, text) if self._pattern and text else text

    def optional(self, text: str | None) -> str | None:
        return None if text is None else self(text)

    def guard_logging(self) -> None:
        """Hide secrets in every record a library logs (httpx logs request URLs, and a webhook's URL
        is its secret): a filter on each handler of the root logger, which gets one if it has none."""
        root = logging.getLogger()
        if not root.handlers:
            logging.basicConfig(format="%(name)s: %(message)s")
        for handler in root.handlers:
            handler.addFilter(_Hide(self))


class _Hide(logging.Filter):
    def __init__(self, redact: Redactor):
        super().__init__()
        self.redact = redact

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = self.redact(record.getMessage()), None
        return True
