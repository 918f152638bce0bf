"""Dates and locales in the site's language, through Babel (the catalogues of interface
strings are compiled by `cmsite.messages.load_translations`)."""

from __future__ import annotations

import functools
from datetime import datetime

from babel import Locale, dates

_NAMED_FORMATS = ("short", "medium", "long", "full")


@functools.cache
def locale_for(lang: str) -> Locale:
    """Parsed once per language: every page's head tags ask for it."""
    return Locale.parse(lang.replace("-", "_"))


class DateFormatter:
    """Jinja filters `date`, `datetime` and `isodate`, shown in the site's zone and language."""

    def __init__(self, lang: str, tz: object):
        self.locale = locale_for(lang)
        self.tz = tz

    def date(self, value: datetime | None, format: str = "long") -> str:
        if value is None:
            return ""
        return dates.format_date(value.astimezone(self.tz).date(), format=format, locale=self.locale)

    def datetime(self, value: datetime | None, format: str = "long") -> str:
        if value is None:
            return ""
        if format in _NAMED_FORMATS:
            date_part = dates.format_date(value.astimezone(self.tz).date(), format=format, locale=self.locale)
            time_part = dates.format_time(value, format="short", tzinfo=self.tz, locale=self.locale)
            return f"{date_part}, {time_part}"
        return dates.format_datetime(value, format=format, tzinfo=self.tz, locale=self.locale)

    def isodate(self, value: datetime | None) -> str:
        return value.astimezone(self.tz).isoformat() if value else ""
