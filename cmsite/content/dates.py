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
# What Jekyll, Hugo and Pelican sites hold that `fromisoformat` refuses: a one-digit hour or
# month (`2013-11-22 5:00:00 +0000`, which Jekyll reads with Ruby's Time.parse), several
# spaces, `UTC` or `GMT` for the zone. Read by rewriting it as ISO 8601, rather than with
# dateutil: its `isoparse` refuses these too, and its `parse` reads almost any text as a date.
_BLOG_FORM = re.compile(
    r"(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})"
    r"(?:(?:[Tt]|\s+)(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?P<fraction>\.\d+)?)?"
    r"\s*(?P<zone>[+-]\d{2}(?::?\d{2})?|[A-Za-z]+)?)?"
)
_UTC_NAMES = {"Z", "UTC", "GMT"}  # one meaning everywhere; EST, CST, IST… each name several zones

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
        parsed = _read_text(value.strip())
    else:
        raise ValueError(f"a date must be text like {ACCEPTED}, not {type(value).__name__}")
    return check_range(parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=tz))


def _read_text(text: str) -> datetime:
    """ISO 8601 as Python reads it, or one of the blog forms of `_BLOG_FORM`; a ValueError that
    says why when the form is known but a value is not (`2013-02-30`, `25:00`, `EST`)."""
    found = _BLOG_FORM.fullmatch(text)
    iso = _as_iso(found) if found else text
    try:
        return datetime.fromisoformat(iso)
    except ValueError as exc:
        why = f" ({exc})" if found else ""
        raise ValueError(f"cannot read {shorten(text)} as a date{why}; write it like {ACCEPTED}") from None


def _as_iso(found: re.Match[str]) -> str:
    """A blog form, matched, written as ISO 8601: zero-padded, `T`, an offset for the zone."""
    parts = found.groupdict()
    iso = f"{parts['year']}-{int(parts['month']):02d}-{int(parts['day']):02d}"
    if parts["hour"] is None:
        return iso
    iso += f"T{int(parts['hour']):02d}:{parts['minute']}:{parts['second'] or '00'}{parts['fraction'] or ''}"
    zone = parts["zone"] or ""
    if zone[:1].isalpha():
        if zone.upper() not in _UTC_NAMES:
            raise ValueError(
                f"cannot read {shorten(found.string)} as a date: the zone name {shorten(zone)} is not read, "
                "as such names mean different zones in different places; write the offset instead, "
                "like 2013-11-22 05:00:00 -0500, or leave the zone out for the site's zone"
            )
        zone = "+00:00"
    return iso + zone


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
