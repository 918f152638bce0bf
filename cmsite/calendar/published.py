"""The plan in the built site: `[calendar] ics_path` in cmsite.toml writes the whole calendar
there as an iCalendar file, for a client to subscribe to from Google Calendar or Outlook
without an account.

Anyone who has the address can read the file: it is only as private as its path is hard to
guess. So the path must hold a random part of at least `MIN_BITS` bits, as estimated below
(a word counts for little, whatever its length), which `secrets.token_urlsafe(32)` gives with
room to spare (the least of 300,000 drawn: 108 bits; with 24 bytes, one in 12,500 fell under 80,
its runs of small letters taken for words); the error suggests one. Unguessable is not private: the address travels in
calendar apps, browser histories and server logs.

The file is an output like the feeds (`cmsite_files`), so a build writes it only when it
changed, and it is in no sitemap, feed or page. Drafts are in it only when the build shows
drafts (`--drafts`), as everywhere else in the built site.
"""

from __future__ import annotations

import functools
import math
import re
import secrets
from typing import TYPE_CHECKING, Any

from cmsite.config import SettingsSection

if TYPE_CHECKING:
    from cmsite.render.outputs import File
    from cmsite.site import Site

SECTION = "calendar"
MIN_BITS = 80
WORD_BITS = 12  # a word, a name or a month counts as one pick from a few thousand
# A word (`calendar`, `Acme`, `ACME`), or one character.
_PART = re.compile(r"[A-Z]?[a-z]{3,}|[A-Z]{3,}|.", re.DOTALL)
_SEPARATORS = "-_/."


def guess_bits(text: str) -> float:
    """How many bits of randomness `text` holds, roughly, as someone guessing it would count:
    each character of a random token counts for its alphabet (letters of both cases and
    digits: ~6 bits), each word for `WORD_BITS`, each separator for 1."""
    alphabet = sum(
        size
        for size, found in ((26, str.islower), (26, str.isupper), (10, str.isdigit))
        if any(map(found, text))
    )
    each = math.log2(max(alphabet, 2))
    total = 0.0
    for part in _PART.findall(text):
        if len(part) > 1:
            total += min(WORD_BITS, each * len(part))
        elif part in _SEPARATORS:
            total += 1
        else:
            total += math.log2(10) if part.isdigit() else each
    return total


def suggested_path() -> str:
    """A path that passes, for the error message to offer."""
    while True:
        path = f"/calendar-{secrets.token_urlsafe(32)}.ics"
        if not path_problem(path):
            return path


def path_problem(path: str) -> str | None:
    """What is wrong with `ics_path`, or None."""
    if not path.endswith(".ics"):
        return "must end with .ics, the name calendar apps expect"
    if any(char.isspace() or char in "?#\\" for char in path) or ".." in path.split("/"):
        return "must be a path in the site: no spaces, ?, #, \\ or .."
    if guess_bits(path.removesuffix(".ics")) < MIN_BITS:  # the suffix is no secret
        return (
            "is too easy to guess, and whoever guesses it reads the plan: it needs a random part, "
            "such as `python3 -c 'import secrets; print(secrets.token_urlsafe(32))'` prints"
        )
    return None


def _check(values: dict[str, Any]) -> list[tuple[str, str]]:
    path = values.get("ics_path")
    if path is None or not (problem := path_problem(path)):
        return []
    example = f'ics_path = "{suggested_path()}"'
    return [
        (
            "ics_path",
            f"ics_path {path!r} {problem}; for example {example} (unguessable is not private: docs/calendar.md)",
        )
    ]


SETTINGS = SettingsSection(SECTION, {"ics_path": (str, None)}, check=_check)


def ics_file(site: Site) -> File | None:
    """The calendar file at `[calendar] ics_path`, or None when it is not set."""
    from cmsite.render.outputs import File

    path = site.settings.get(SECTION, {}).get("ics_path")
    if not path:
        return None
    sources = tuple(item.shown for item in site.items)  # a quick rebuild of any of them makes it again
    return File(site.urls.url("/" + path.lstrip("/")), render=functools.partial(_ics, site), sources=sources)


def _ics(site: Site) -> bytes:
    """Every blog post and social post of the site (drafts as the build shows them)."""
    from cmsite.calendar.ics import ics_bytes
    from cmsite.calendar.model import all_entries, by_time

    return ics_bytes(site, by_time(all_entries(site, drafts=site.drafts)), site.config.title)
