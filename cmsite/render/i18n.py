"""Interface strings and dates in the site's language, through Babel."""

from __future__ import annotations

import functools
import gettext
import io
from datetime import datetime
from pathlib import Path

from babel import Locale, dates
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

_NAMED_FORMATS = ("short", "medium", "long", "full")


@functools.cache
def locale_for(lang: str) -> Locale:
    """Parsed once per language: every page's head tags ask for it."""
    return Locale.parse(lang.replace("-", "_"))


def load_translations(theme_dir: Path, lang: str) -> gettext.NullTranslations:
    """Compile the theme's `locale/<lang>/LC_MESSAGES/messages.po` in memory (no .mo to ship)."""
    locale = locale_for(lang)
    for name in (str(locale), locale.language):
        po_path = theme_dir / "locale" / name / "LC_MESSAGES" / "messages.po"
        if po_path.is_file():
            with po_path.open("rb") as po_file:
                catalog = read_po(po_file, locale=locale)
            buffer = io.BytesIO()
            write_mo(buffer, catalog)
            buffer.seek(0)
            return Translations(buffer)
    return gettext.NullTranslations()


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
