"""Dates as blogs write them → timezone-aware datetimes."""

from __future__ import annotations

import re
from datetime import date, datetime, time, tzinfo

_FILE_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})-(.+)$")

ACCEPTED = "2026-11-22, 2026-11-22 09:30, 2026-11-22T09:30:00+01:00 or 2013-02-24 12:00:00 +0000"


def parse_date(value: object, tz: tzinfo) -> datetime:
    """Parse a front-matter date; naive values are in the site's zone `tz`.

    Raises ValueError with a message that lists the accepted forms.
    """
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime.combine(value, time())
    elif isinstance(value, str):
        text = value.strip()
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(f"cannot read {value!r} as a date; write it like {ACCEPTED}") from None
    else:
        raise ValueError(f"a date must be text like {ACCEPTED}, not {type(value).__name__}")
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=tz)
    return parsed


def split_file_name(stem: str) -> tuple[date | None, str]:
    """`2026-11-22-hello` → (date(2026, 11, 22), "hello"); other names → (None, stem)."""
    match = _FILE_DATE.match(stem)
    if not match:
        return None, stem
    try:
        found = date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None, stem
    return found, match.group(4)
