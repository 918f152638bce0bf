"""Dates as blogs write them → timezone-aware datetimes, within the years every later step can show.

Feeds, the sitemap, archive URLs and the queue write a date with a four-digit year, in the
site's zone and in UTC: a date is refused unless its year is 1001 to 9998, which leaves a
year to spare at each end, so that no time zone moves it out of 1000 to 9999.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, tzinfo

from cmsite.errors import shorten

_FILE_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})-(.+)$")

ACCEPTED = "2026-11-22, 2026-11-22 09:30, 2026-11-22T09:30:00+01:00 or 2013-02-24 12:00:00 +0000"
FIRST_YEAR, LAST_YEAR = 1001, 9998


def parse_date(value: object, tz: tzinfo) -> datetime:
    """Parse a front-matter date; naive values are in the site's zone `tz`.

    Raises ValueError with a message that lists the accepted forms, or the years accepted.
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
            raise ValueError(f"cannot read {shorten(value)} as a date; write it like {ACCEPTED}") from None
    else:
        raise ValueError(f"a date must be text like {ACCEPTED}, not {type(value).__name__}")
    return check_range(parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=tz))


def check_range(moment: datetime) -> datetime:
    """`moment`, if it lies within the years every step can show; ValueError otherwise."""
    if not FIRST_YEAR <= moment.year <= LAST_YEAR:
        raise ValueError(
            f"{moment.date().isoformat()} is out of range; write a year from {FIRST_YEAR} to {LAST_YEAR}"
        )
    return moment


def split_file_name(stem: str) -> tuple[date | None, str]:
    """`2026-11-22-hello` → (date(2026, 11, 22), "hello"); other names → (None, stem)."""
    match = _FILE_DATE.match(stem)
    if not match:
        return None, stem
    try:
        found = date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None, stem
    if not FIRST_YEAR <= found.year <= LAST_YEAR:  # not a date a post can have: part of the name
        return None, stem
    return found, match.group(4)
