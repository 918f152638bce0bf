"""`[calendar] ics_path`: the editorial calendar as an iCalendar file in the built site
(cmsite.calendar.published says why its path must be unguessable, and what that is worth)."""

from __future__ import annotations

from typing import Any

from cmsite.calendar import published
from cmsite.config import SettingsSection
from cmsite.hookspecs import hookimpl
from cmsite.render.outputs import File, Page


@hookimpl(trylast=True)
def cmsite_settings() -> list[SettingsSection]:
    return [published.SETTINGS]


@hookimpl(trylast=True)
def cmsite_files(site: Any, pages: list[Page]) -> list[File]:
    found = published.ics_file(site)
    return [found] if found else []
