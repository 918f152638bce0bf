"""Posting slots: the weekly times an account posts at, and the slot each `at: slot` plan takes.

    [networks.mastodon]
    slots = ["mon 09:00", "wed 12:30", "fri 17:00"]   # in the site's time zone

A plan with `at: slot` takes the first free slot of its network and account at or after its
post's date. Which slot is free depends on every other plan of that account, so the slots are
given out once for the whole site, before any plan is rendered (`SiteSlots`), in an order
that depends on the content alone — drafts last, then by the post's date, its file, the
plan's place in it — never on the clock, the machine or the order files are read in: the same
content gives the same times everywhere. A plan with a time of its own that falls exactly on
a slot holds that slot first.

Clock changes: a slot whose wall time the clocks skip (02:30 on the night they go forward) is
at the first minute that exists after it (03:00); one they show twice (01:30 when they go
back) is at its first occurrence. Slot times so never go backwards, and slots the clocks skip
into the same minute are one slot that day.
"""

from __future__ import annotations

import contextlib
import difflib
import heapq
import re
import unicodedata
from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import TYPE_CHECKING, Any, NamedTuple

from cmsite.config import SettingsErrors, table_at
from cmsite.content import dates
from cmsite.errors import shorten
from cmsite.messages import examples
from cmsite.social.plans import Plan, PlanError, is_slot, parse_at, plan_account
from cmsite.social.repeat import Repeat, parse_repeat

if TYPE_CHECKING:
    from cmsite.config import SiteConfig

EXAMPLE = 'slots = ["mon 09:00", "thu 12:30"]'  # what an error says to write (in French too: messages.po)
_NAMES = (  # each day's names, English then French, short then long
    ("mon", "monday", "lun", "lundi"),
    ("tue", "tuesday", "mar", "mardi"),
    ("wed", "wednesday", "mer", "mercredi"),
    ("thu", "thursday", "jeu", "jeudi"),
    ("fri", "friday", "ven", "vendredi"),
    ("sat", "saturday", "sam", "samedi"),
    ("sun", "sunday", "dim", "dimanche"),
)
DAYS = {name: weekday for weekday, names in enumerate(_NAMES) for name in names}
# What "did you mean" suggests for a name: the short name in the same language.
_SHORT = {name: names[place // 2 * 2] for names in _NAMES for place, name in enumerate(names)}
_SLOT = re.compile(r"^\s*(\S+)\s+(\d{1,2}):(\d{2})\s*$")
Account = tuple[str, str]  # (network, account)


@dataclass(frozen=True, order=True, slots=True)
class Slot:
    """One weekly slot: a day of the week (0 is Monday) and a time on the site's clock."""

    weekday: int
    wall: time

    def __str__(self) -> str:
        return f"{_NAMES[self.weekday][0]} {self.wall:%H:%M}"


def read_slots(value: Any) -> tuple[tuple[Slot, ...], list[str]]:
    """A `slots` setting: its slots through the week, and what is wrong with each that is not one."""
    if not isinstance(value, list):
        return (), [f"slots must be a list of days and times, like {EXAMPLE}"]
    found: dict[Slot, str] = {}
    problems = []
    for text in value:
        try:
            slot = read_slot(text)
        except ValueError as exc:
            problems.append(str(exc))
            continue
        if slot in found:
            problems.append(f"slot {shorten(text)} is the same as {shorten(found[slot])}; remove one")
        found.setdefault(slot, text)
    return tuple(sorted(found)), problems


def read_slot(text: Any) -> Slot:
    """`"mon 09:00"`, `"lundi 9:00"`; ValueError saying what to write."""
    match = _SLOT.match(text) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"slot {shorten(text)} is not a day and a time; write it like {EXAMPLE}")
    day, hour, minute = match.groups()
    weekday = DAYS.get(day.lower())
    if weekday is None:
        close = difflib.get_close_matches(day.lower(), DAYS, n=1)
        guess = f" (did you mean {_SHORT[close[0]]!r}?)" if close else ""
        raise ValueError(
            f"slot {shorten(text)}: unknown day {shorten(day)}{guess}; write mon, tue, wed, thu, fri, sat "
            "or sun (or lun, mar, mer, jeu, ven, sam, dim)"
        )
    if int(hour) > 23 or int(minute) > 59:
        raise ValueError(f"slot {shorten(text)}: {hour}:{minute} is not a time of day; write 00:00 to 23:59")
    return Slot(weekday, time(int(hour), int(minute)))


def on_the_clock(day: date, wall: time, tz: tzinfo) -> datetime:
    """The moment (in UTC) the site's clocks show `wall` on `day`: the first time when they show it
    twice, the first minute after it when they skip it."""
    moment = datetime.combine(day, wall, tzinfo=tz)
    # Skipped when the offset after a change (fold 1) is larger than the one before: clocks went forward.
    while moment.utcoffset() < moment.replace(fold=1).utcoffset():  # type: ignore[operator]
        moment += timedelta(minutes=1)  # a wall-clock minute: the zone's offset is worked out again
    return moment.astimezone(UTC)


class Week:
    """An account's slots through the weeks: slot number `index` is slot `index % len(slots)` of
    the week `index // len(slots)`, counted from the week of 0001-01-01 (a Monday). Slot times
    never go backwards as the number grows (see the module's note on clock changes)."""

    def __init__(self, slots: Sequence[Slot], tz: tzinfo):
        self.slots = sorted(set(slots))
        self.tz = tz
        self._keys = [(slot.weekday, slot.wall) for slot in self.slots]
        self._moments: dict[int, datetime] = {}  # each is asked for several times while slots are given out

    def moment(self, index: int) -> datetime:
        """When slot number `index` is, in UTC; ValueError or OverflowError past the calendar's end."""
        if index not in self._moments:
            week, place = divmod(index, len(self.slots))
            slot = self.slots[place]
            day = date.fromordinal(week * 7 + slot.weekday + 1)
            self._moments[index] = on_the_clock(day, slot.wall, self.tz)
        return self._moments[index]

    def first(self, moment: datetime) -> int:
        """The number of the first slot at or after `moment`."""
        moment = moment.astimezone(UTC)
        local = moment.astimezone(self.tz)
        week = (local.toordinal() - 1) // 7
        index = week * len(self.slots) + bisect_left(self._keys, (local.weekday(), local.time()))
        # The slot of the same wall time may lie on either side of it on a day the clocks change.
        while index > 0 and self.moment(index - 1) >= moment:
            index -= 1
        while self.moment(index) < moment:
            index += 1
        return index


class Book:
    """Which slots of one account are taken. A taken slot points on to the next one that may be
    free, and each search shortens the paths it walked: giving out n slots takes about n steps,
    however many posts wait for the same slots."""

    def __init__(self, week: Week):
        self.week = week
        self._next: dict[int, int] = {}

    def hold(self, moment: datetime) -> None:
        """A plan with a time of its own takes the slot it falls exactly on, if any."""
        index = self.week.first(moment)
        if self.week.moment(index) == moment:
            self._take(index)

    def take(self, after: datetime) -> datetime:
        """The first free slot at or after `after`, now taken; ValueError past the calendar's end."""
        index = self._free(self.week.first(after))
        self._take(index)
        return dates.check_range(self.week.moment(index))

    def _free(self, index: int) -> int:
        walked = []
        while index in self._next:
            walked.append(index)
            index = self._next[index]
        for taken in walked:
            self._next[taken] = index
        return index

    def _take(self, index: int) -> None:
        """Take a slot, and the slots after it that the clocks skipped into the same minute."""
        moment = self.week.moment(index)
        while self.week.moment(index) == moment:
            self._next[index] = index + 1
            index += 1


class Claim(NamedTuple):
    """A plan's claim on a slot, ordered as slots are given out: drafts last (so that showing them
    never moves another post), then by the post's date, its file and the plan's place in it."""

    draft: bool
    after: datetime  # the post's date, in UTC: the plan's slot is at or after it
    source: str  # the post's file, relative to the site, in one Unicode form on every system
    index: int
    network: str
    account: str
    repetition: int = 0  # of a plan with `repeat:`: its n-th repetition, after its slot + n × every


def claim(draft: bool, after: datetime, source: str, index: int, network: str, account: str) -> Claim:
    return Claim(draft, after.astimezone(UTC), unicodedata.normalize("NFC", source), index, network, account)


def allocate(
    claims: Iterable[Claim],
    held: Iterable[tuple[Account, datetime]],
    weeks: Mapping[Account, Week],
    repeats: Mapping[tuple[str, int], Repeat] | None = None,
) -> dict[tuple[str, int, int], datetime]:
    """The slot each claim takes, by (source, index, repetition), after the plans with times of
    their own (`held`) took theirs. A plan that repeats (`repeats`, by source and index) claims
    a slot for each repetition too, at or after its own slot + n × every, in turn with the other
    claims by time: no two posts of an account share a slot, repetitions included. A claim no
    slot is left for (past the calendar's end) gets none."""
    books = {account: Book(week) for account, week in weeks.items()}
    for account, moment in held:
        with contextlib.suppress(ValueError, OverflowError):  # no slot lies past the calendar's end
            books[account].hold(moment.astimezone(UTC))
    waiting = list(claims)
    heapq.heapify(waiting)
    given = {}
    while waiting:
        wanted = heapq.heappop(waiting)
        book = books[wanted.network, wanted.account]
        try:
            moment = given[wanted.source, wanted.index, wanted.repetition] = book.take(wanted.after)
        except (ValueError, OverflowError):
            continue
        repeat = (repeats or {}).get((wanted.source, wanted.index))
        if repeat is not None and wanted.repetition == 0:
            with contextlib.suppress(ValueError, OverflowError):  # its renderer says what is wrong
                for number, at in enumerate(repeat.moments(moment, book.week.tz), 1):
                    heapq.heappush(waiting, wanted._replace(after=at.astimezone(UTC), repetition=number))
    return given


def slots_at(table: Mapping[str, Any], path: tuple[str, ...], errors: SettingsErrors) -> tuple[Slot, ...]:
    """The `slots` of one `[networks.…]` table, each problem an error at its line."""
    slots, problems = read_slots(table["slots"])
    for problem in problems:
        errors.add((*path, "slots"), f"[{'.'.join(path)}] {problem}")
    return slots


def account_slots(config: SiteConfig, network: str, account: str) -> tuple[Slot, ...]:
    """An account's weekly slots: its own `slots`, else its network's; ContentErrors when wrong."""
    errors = SettingsErrors(config)
    slots: tuple[Slot, ...] = ()
    for path in (("networks", network, "accounts", account), ("networks", network)):
        table = table_at(config.raw, path, errors)
        if "slots" in table:
            slots = slots_at(table, path, errors)
            break
    errors.raise_any()
    return slots


def no_slots(network: str, account: str, lang: str) -> str:
    """What to do when a plan with `at: slot` goes to an account that has no slots."""
    example = examples(lang).gettext(EXAMPLE)
    own = f"[networks.{network}]" if account == "default" else f"[networks.{network}.accounts.{account}]"
    shared = "" if account == "default" else f" (or under [networks.{network}] for all its accounts)"
    return (
        f"at: slot takes a posting slot, and {network} account {account!r} has none; add {example} "
        f"under {own}{shared} in cmsite.toml, or give at: a time"
    )


class SiteSlots:
    """The slot each `at: slot` plan of a site takes. Every plan is shown first (`add`), the slots
    are then given out once (`give_out`), and each plan, rendered one at a time, reads its own
    (`at`). Holds one small claim per plan that needs a slot, not the plans."""

    def __init__(self, config: SiteConfig):
        self.config = config
        self._weeks: dict[Account, Week | None] = {}
        self._claims: list[Claim] = []
        self._held: list[tuple[Account, datetime]] = []
        self._repeats: dict[tuple[str, int], Repeat] = {}
        self._given: dict[tuple[str, int, int], datetime] = {}

    def week(self, network: str, account: str) -> Week | None:
        if (network, account) not in self._weeks:
            slots = account_slots(self.config, network, account)
            self._weeks[network, account] = Week(slots, self.config.tz) if slots else None
        return self._weeks[network, account]

    def add(self, entry: Any, index: int, source: str, published: datetime | None, draft: bool) -> None:
        """One plan as written: a claim when it says `at: slot`, a held slot when its time is one.
        A plan that cannot be read is left to its renderer, which says what is wrong."""
        target = plan_account(entry)
        if target is None or self.week(*target) is None:
            return
        at = entry.get("at") if isinstance(entry, dict) else None
        if is_slot(at):
            if published is not None:
                wanted = claim(draft, published, source, index, *target)
                self._claims.append(wanted)
                with contextlib.suppress(ValueError):  # its renderer says what is wrong
                    if repeat := parse_repeat(entry.get("repeat")):
                        self._repeats[wanted.source, index] = repeat
            return
        with contextlib.suppress(PlanError):
            self._held.append((target, parse_at(at, published, self.config.tz)))

    def give_out(self) -> None:
        weeks = {account: week for account, week in self._weeks.items() if week is not None}
        self._given = allocate(self._claims, self._held, weeks, self._repeats)
        self._claims, self._held, self._repeats = [], [], {}

    def at(self, plan: Plan, source: str) -> datetime:
        """The slot a plan with `at: slot` (or its repetition) took; PlanError about `at` when it has none."""
        if self.week(plan.network, plan.account) is None:
            raise PlanError(no_slots(plan.network, plan.account, self.config.lang), key="at")
        moment = self._given.get((unicodedata.normalize("NFC", source), plan.index, plan.repetition))
        if moment is None:
            raise PlanError(
                f"every slot of {plan.network} account {plan.account!r} after the post's date is taken up "
                f"to the year {dates.LAST_YEAR}; add slots, or give at: a time",
                key="at",
            )
        return moment


def uses_slots(config: SiteConfig) -> bool:
    """Whether any network or account of the settings has posting slots (`slots = [...]`)."""
    networks = config.raw.get("networks")
    if not isinstance(networks, dict):
        return False
    tables = [table for table in networks.values() if isinstance(table, dict)]
    accounts = [
        account
        for table in tables
        if isinstance(table.get("accounts"), dict)
        for account in table["accounts"].values()
        if isinstance(account, dict)
    ]
    return any("slots" in table for table in [*tables, *accounts])
