"""What `cmsite calendar` prints and writes: the month by day as text, as JSON, and the folder
for a client — `calendar.ics`, `calendar.json` and the HTML calendar (`index.html`), made by
the same functions the command prints with and `cmsite serve` shows."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cmsite.calendar.ics import ics_bytes
from cmsite.calendar.model import POST, CalendarEntry, Month
from cmsite.messages import count

if TYPE_CHECKING:
    from datetime import date

    from cmsite.site import Site

ICS_NAME, JSON_NAME, HTML_NAME = "calendar.ics", "calendar.json", "index.html"
STATUS_WIDTH = len("awaiting_approval")


def calendar_name(site: Site, month: Month) -> str:
    """What calendar apps call the month's file: `Carnet de bord — 2026-11`."""
    return f"{site.config.title} — {month}"


def month_ics(site: Site, month: Month, entries: list[CalendarEntry]) -> bytes:
    return ics_bytes(site, entries, calendar_name(site, month))


def month_json(site: Site, month: Month, entries: list[CalendarEntry]) -> dict[str, Any]:
    """`cmsite calendar --json`: the month, the site's zone, and every field of every entry."""
    tz = site.config.tz
    return {
        "month": str(month),
        "timezone": site.config.timezone,
        "entries": [e.as_dict(tz) for e in entries],
    }


def text_lines(site: Site, month: Month, entries: list[CalendarEntry]) -> list[str]:
    """The month for a person, day by day (dates in the site's language), each entry on a line —
    time in the site's zone, status, network and account, first words — and under it why it is
    held and where it went out."""
    from babel import dates

    from cmsite.render.i18n import locale_for

    locale = locale_for(site.config.lang)
    lines = [f"{month} ({site.config.timezone})"]
    day: date | None = None
    for entry in entries:
        if entry.day != day:
            day = entry.day
            lines += ["", dates.format_date(day, format="full", locale=locale)]
        lines += _entry_lines(site, entry)
    posts = sum(entry.kind == POST for entry in entries)
    lines += [
        "",
        f"{count(posts, 'blog post', 'blog posts')}, "
        f"{count(len(entries) - posts, 'social post', 'social posts')} in {month}.",
    ]
    return lines


def _entry_lines(site: Site, entry: CalendarEntry) -> list[str]:
    when = entry.local(site.config.tz).strftime("%H:%M")
    if entry.kind == POST:
        where, what = "blog", entry.title
    else:
        where = (
            entry.network_label if entry.account == "default" else f"{entry.network_label} ({entry.account})"
        )
        what = entry.words
    lines = [f"  {when}  {entry.status:<{STATUS_WIDTH}}  {where:<16}  {what}"]
    notes = [entry.reason, _approval_note(entry)]
    if entry.remote_url and entry.remote_url not in entry.reason:
        notes.append(entry.remote_url)
    return lines + [f"         {note}" for note in notes if note]


def _approval_note(entry: CalendarEntry) -> str:
    """Who approved it, when — or that it changed since and is to be approved again."""
    approval = entry.approval
    if approval is None or not (approval.by or entry.stale_approval):
        return ""
    who = f"approved by {approval.by}" if approval.by else "approved"
    when = f" on {approval.at:%Y-%m-%d}" if approval.at else ""
    if entry.stale_approval:
        return f"{who}{when}, then changed: to be approved again"
    return f"{who}{when}" + (f" ({approval.note})" if approval.note else "")


def write_folder(site: Site, month: Month, entries: list[CalendarEntry], folder: Path) -> list[Path]:
    """The month for a client in `folder` (made if needed): the ICS, the JSON and the HTML page."""
    from cmsite.calendar.html import render_month

    folder.mkdir(parents=True, exist_ok=True)
    files = {
        ICS_NAME: month_ics(site, month, entries),
        JSON_NAME: (
            json.dumps(month_json(site, month, entries), indent=2, ensure_ascii=False) + "\n"
        ).encode(),
        HTML_NAME: render_month(site, month, entries=entries, browse=False).encode(),
    }
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return [folder / name for name in files]
