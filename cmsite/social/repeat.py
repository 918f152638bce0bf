"""Evergreen posts: a plan with `repeat:` goes out again, every so many days, a set number of
times or until a day.

    repeat: {every: 30d, times: 3}          # three more times after the first, 30 days apart
    repeat: {every: 2w, until: 2027-06-01}  # every two weeks, the last on or before that day

Each repetition is a queue entry of its own (the planner gives it an id of its own), so each
is sent exactly once, and expires, waits or is cancelled on its own. A repeat must end, and
makes at most MAX_REPEATS repetitions: a plan never floods a network by mistake.

Errors are ValueErrors saying what to write; the plan's reader places them at `repeat:`.
"""

from __future__ import annotations

import contextlib
import difflib
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from cmsite.content import dates
from cmsite.errors import shorten
from cmsite.messages import count

MAX_REPEATS = 100
KEYS = ("every", "times", "until")
EXAMPLE = "repeat: {every: 30d, times: 3}"
_EVERY = re.compile(r"^(\d+)\s*([dw])$")
_UNIT_DAYS = {"d": 1, "w": 7}


@dataclass(frozen=True, slots=True)
class Repeat:
    """How a plan goes out again: every `every` days, `times` more times or until the day `until`
    (whichever ends first when both are given)."""

    every: int
    times: int | None = None
    until: date | None = None

    def moments(self, first: datetime, tz: tzinfo) -> list[datetime]:
        """When each repetition goes out: n × `every` days after `first` on the site's wall clock,
        so that a 09:00 post stays at 09:00 when the clocks change. ValueError when `until` leaves
        no repetition, or more than MAX_REPEATS."""
        wall = first.astimezone(tz).replace(tzinfo=None)
        found: list[datetime] = []
        for number in range(1, (self.times or MAX_REPEATS + 1) + 1):
            local = _later(wall, number * self.every, number)
            if self.until is not None and local.date() > self.until:
                break
            found.append(local.replace(tzinfo=tz))
        if not found:
            nearest = _later(wall, self.every, 1)
            raise ValueError(
                f"until {self.until} leaves no repetition: the first post goes out on {wall.date()}, "
                f"the next would on {nearest.date()}; set a later day, or write times: 3"
            )
        if len(found) > MAX_REPEATS:
            raise ValueError(
                f"until {self.until} makes more than {MAX_REPEATS} repetitions, one every "
                f"{count(self.every, 'day', 'days')}; "
                "set an earlier day or a longer every:"
            )
        return found


def _later(wall: datetime, days: int, number: int) -> datetime:
    """`days` days after the wall-clock time `wall`, within the years every step can show."""
    try:
        return dates.check_range(wall + timedelta(days=days))
    except (OverflowError, ValueError):
        raise ValueError(
            f"repetition {number} would fall after the year {dates.LAST_YEAR}; repeat fewer times"
        ) from None


def parse_repeat(value: Any) -> Repeat | None:
    """`repeat:` as written in a plan (None when there is none); ValueError saying what to write."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ValueError(f"repeat takes every: and times: or until:, like {EXAMPLE}")
    unknown = sorted(str(key) for key in value if key not in KEYS)
    if unknown:
        close = difflib.get_close_matches(unknown[0], KEYS, n=1)
        guess = f" (did you mean {close[0]!r}?)" if close else ""
        raise ValueError(f"repeat: unknown key {shorten(unknown[0])}{guess}; it takes {', '.join(KEYS)}")
    every, times, until = _every(value.get("every")), _times(value.get("times")), _until(value.get("until"))
    if times is None and until is None:
        raise ValueError(
            f"a repeat must end: give times: (at most {MAX_REPEATS}) or until: a day, like {EXAMPLE}"
        )
    return Repeat(every, times, until)


def _every(value: Any) -> int:
    """`30d` or `4w` → days; at least one day, as a post repeated within a day is a flood."""
    if value is None:
        raise ValueError(f"repeat needs every: (how many days or weeks apart), like {EXAMPLE}")
    match = _EVERY.match(value.strip()) if isinstance(value, str) else None
    if match is None:
        raise ValueError(
            f"repeat: every {shorten(value)} is not a number of days or weeks; write every: 30d or every: 2w"
        )
    days = int(match.group(1)) * _UNIT_DAYS[match.group(2)]
    if days < 1:
        raise ValueError(f"repeat: every {shorten(value)} is less than a day; write every: 1d or more")
    return days


def _times(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_REPEATS:
        raise ValueError(
            f"repeat: times {shorten(value)} is not a whole number from 1 to {MAX_REPEATS} "
            "(how many times the post goes out again after the first)"
        )
    return value


def _until(value: Any) -> date | None:
    """A day (`2027-06-01`): the last day a repetition may go out on."""
    if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
        return value
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            return date.fromisoformat(value.strip())
    raise ValueError(f"repeat: until {shorten(value)} is not a day; write one like until: 2027-06-01")
