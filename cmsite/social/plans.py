"""Social plans: when and where a post (or a standalone social post) goes out.

In a post's front matter:

    social:
      - network: mastodon          # required
        account: team              # optional: one of the accounts set in cmsite.toml
        at: +2h                    # optional: absolute, relative to the post's date, or `slot`
        text: "{title} — {summary}"  # optional template: {title} {url} {summary} {tags}
        append: false              # optional: add no link and no hashtags after the text
        media: [{path: /images/chart.png, alt: "A chart of replies per week"}]
        thread: true               # split a long text into a numbered thread
        status: approved           # optional: draft, approved
        approved_by: Claire        # who approved it (cmsite.queue.approvals: bound to the text then)
        approved_at: 2026-11-20    # optional: when; a new date approves a changed text again
        repeat: {every: 30d, times: 3}  # optional: goes out again (cmsite.social.repeat)
        texts: ["{title}", "Still worth a read: {title}"]  # with repeat: templates used in turn

Defaults for every post come from cmsite.toml (`[[social.defaults]]`, same keys), and
standalone posts from `content/social/*.md` (the body is the text; front matter
`networks`, `at`, `media`, `alt`, `status`).
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta, tzinfo
from string import Formatter
from typing import Any

from cmsite.content import dates
from cmsite.errors import shorten
from cmsite.social.network import Media
from cmsite.social.repeat import Repeat, parse_repeat

_RELATIVE = re.compile(r"^\+\s*(?:(\d+)\s*([dhm]))?\s*(?:(\d{1,2}):(\d{2}))?$")
SLOT = "slot"  # `at: slot`
STATUSES = ("draft", "approved", "pending")
TEMPLATE_FIELDS = ("title", "summary", "url", "tags")  # what the planner fills in a `text:` template
PLAN_KEYS = (
    "network",
    "account",
    "at",
    "text",
    "append",
    "media",
    "alt",
    "thread",
    "status",
    "approved_by",
    "approved_at",
    "repeat",
    "texts",
)
# A standalone post's text is its body, and nothing follows it: no `text:`, no `append:`.
STANDALONE_KEYS = (
    "networks", "network", "account", "at", "media", "alt", "thread", "status", "approved_by", "approved_at",
    "repeat",
)  # fmt: skip
# Networks known by another name: what people type for them, and what to write instead.
GONE = "Google+ closed in April 2019: there is no such network to send to; remove it from the plan"
FORMER_NAMES = {
    "twitter": "X (the former Twitter) is `x`",
    **dict.fromkeys(("google+", "googleplus", "google-plus", "google plus", "gplus", "g+"), GONE),
}


class PlanError(ValueError):
    """A plan that cannot be understood; the message says what to write instead, and `key`
    names the plan's key it is about (`text`), so the error can point at that key's line."""

    def __init__(self, message: str, key: str | None = None):
        super().__init__(message)
        self.key = key


@dataclass
class Plan:
    """One planned social post: which network and account, when, and how its text is made."""

    network: str
    account: str
    at: datetime
    template: str | None = None
    append: bool = True  # the post's link and hashtags follow the text, unless the template has them
    media: list[Media] = field(default_factory=list)
    thread: bool = False
    status: str = "pending"
    approved_by: str | None = None  # with `status: approved`: who approved it, as the Markdown says
    approved_at: datetime | None = None
    line: int | None = None
    index: int = 0
    slot: bool = False  # `at: slot`: the planner gives it its account's first free slot at or after `at`
    texts: list[str] = field(default_factory=list)  # `texts:`: the templates its posts take in turn
    repeat: Repeat | None = None
    repetition: int = 0  # 0: the plan's first post; n: its n-th repetition

    def again(self, number: int, at: datetime) -> Plan:
        """The plan's `number`-th repetition, at `at`, with its turn of `texts:`."""
        template = self.texts[number % len(self.texts)] if self.texts else self.template
        return replace(self, at=at, template=template, repetition=number)


def parse_at(value: Any, published: datetime | None, tz: tzinfo) -> datetime:
    """`2026-11-22 09:30`, `+2h`, `+30m`, `+1d 09:00` (next day at 09:00 in the site's zone), `+0`;
    `slot`: the post's date, the earliest its posting slot can be (cmsite.social.slots gives the slot)."""
    if is_slot(value):
        if published is None:
            raise PlanError(
                "at: slot takes the first free posting slot after the post's date, and there is no date "
                "here; give at: a date, like at: 2026-11-22 09:30"
            )
        return published
    if (
        value is None
        or value == ""
        or (isinstance(value, int) and not isinstance(value, bool) and value == 0)
    ):
        # `at: +0` reads as the number 0 in YAML: it means "with the post", like no `at:` at all
        if published is None:
            raise PlanError("a standalone social post needs `at:`, like at: 2026-11-22 09:30")
        return published
    if isinstance(value, str) and value.strip().startswith("+"):
        if published is None:
            raise PlanError(
                f"{shorten(value)} is relative to a post's date; a standalone social post needs a date"
            )
        match = _RELATIVE.match(value.strip())
        if value.strip() == "+0":
            return published
        if not match or not any(match.groups()):
            raise PlanError(
                f"cannot read at: {shorten(value)}; write +2h, +30m, +1d 09:00 or a date like 2026-11-22 09:30"
            )
        amount, unit, hour, minute = match.groups()
        moment = published
        if amount:
            units = {"d": "days", "h": "hours", "m": "minutes"}
            try:
                moment = dates.check_range(moment + timedelta(**{units[unit]: int(amount)}))
            except (OverflowError, ValueError):
                raise PlanError(
                    f"at: {shorten(value.strip())} is too far after the post's date; plan it sooner"
                ) from None
        if hour is not None:
            local = moment.astimezone(tz)
            wall = datetime.combine(local.date(), time(int(hour), int(minute)))
            moment = wall.replace(tzinfo=tz)
        return moment
    try:
        return dates.parse_date(value, tz)
    except ValueError as exc:
        raise PlanError(f"at: {exc}") from None


def parse_media(value: Any, default_alt: str = "") -> list[Media]:
    """`media: [{path: x.png, alt: ..., focus: 0.3, 0.6}]`, or `media: [x.png]` with `alt:` beside it."""
    if value is None:
        return []
    if not isinstance(value, list):
        value = [value]
    found = []
    for entry in value:
        if isinstance(entry, str):
            found.append(Media(entry, default_alt))
        elif isinstance(entry, dict) and isinstance(entry.get("path"), str):
            alt = str(entry.get("alt") or default_alt)
            found.append(Media(entry["path"], alt, focus=parse_focus(entry.get("focus"), entry["path"])))
        else:
            raise PlanError("media must be a list of paths or of {path: ..., alt: ...}")
    return found


def parse_focus(value: Any, path: str) -> tuple[float, float] | None:
    """`focus: 0.3, 0.6` (or `[0.3, 0.6]`): the point a crop keeps, as fractions of the picture's
    width and height from its top left corner; None (the centre) when not given."""
    if value is None:
        return None
    parts = value.split(",") if isinstance(value, str) else value if isinstance(value, list) else [value]
    try:
        x, y = (float(part) for part in parts)
    except (TypeError, ValueError):
        x = y = math.nan
    if not (0 <= x <= 1 and 0 <= y <= 1):  # a NaN is in no range
        raise PlanError(
            f"focus of {shorten(path)}: {shorten(str(value))} is not a point of the picture; write two "
            "fractions of its width and height from the top left, like focus: 0.3, 0.6 (0.5, 0.5 is the centre)",
            key="media",
        )
    return (x, y)


def parse_plan(
    entry: Any,
    index: int,
    published: datetime | None,
    tz: tzinfo,
    line: int | None,
    *,
    keys: tuple[str, ...] = PLAN_KEYS,
) -> Plan:
    """One plan from its entry; a key the plan does not take is an error, never silently ignored."""
    target = plan_account(entry)
    if target is None:
        raise PlanError("each social plan needs `network:`, like - network: mastodon")
    entry = {"network": entry} if isinstance(entry, str) else entry
    check_keys(entry, keys)
    status, approved_by, approved_at = _approval(entry, tz)
    thread = entry.get("thread", False)
    if not isinstance(thread, bool):
        raise PlanError("thread must be true or false", key="thread")
    texts = _texts(entry)
    template = texts[0] if texts else entry.get("text")
    if template is not None:
        template_fields(template)
    append = entry.get("append", True)
    if not isinstance(append, bool):
        raise PlanError("append must be true or false", key="append")
    try:
        at = parse_at(entry.get("at"), published, tz)
    except PlanError as exc:
        raise PlanError(str(exc), key="at") from None
    return Plan(
        network=target[0],
        account=target[1],
        at=at,
        slot=is_slot(entry.get("at")),
        template=template,
        append=append,
        media=parse_media(entry.get("media"), str(entry.get("alt") or "")),
        thread=thread,
        status=status,
        approved_by=approved_by,
        approved_at=approved_at,
        line=line,
        index=index,
        texts=texts,
        repeat=_repeat(entry.get("repeat")),
    )


def _repeat(value: Any) -> Repeat | None:
    try:
        return parse_repeat(value)
    except ValueError as exc:
        raise PlanError(str(exc), key="repeat") from None


def _texts(entry: dict[str, Any]) -> list[str]:
    """`texts:`, the templates a repeated plan's posts take in turn, the first post the first."""
    texts = entry.get("texts")
    if texts is None:
        return []
    if "text" in entry:
        raise PlanError("write text: or texts:, not both (texts: are used in turn by repeat:)", key="texts")
    if "repeat" not in entry:
        raise PlanError(
            "texts: are used in turn by the posts of repeat:; add repeat: {every: 30d, times: 3}, "
            "or write one text:",
            key="texts",
        )
    if not isinstance(texts, list) or not texts:
        raise PlanError(
            'texts must be a list of templates, like texts: ["{title}", "Worth a read: {url}"]', key="texts"
        )
    for number, text in enumerate(texts, 1):
        try:
            template_fields(text)
        except PlanError as exc:
            raise PlanError(f"texts #{number}: {str(exc).removeprefix('text: ')}", key="texts") from None
    return texts


def _approval(entry: dict[str, Any], tz: tzinfo) -> tuple[str, str | None, datetime | None]:
    """`status`, and who approved the plan and when: `approved_by:` means `status: approved`,
    which it may say too, never another status."""
    status = str(entry.get("status", "approved" if "approved_by" in entry else "pending"))
    if status not in STATUSES:
        raise PlanError(f"status {shorten(status)} is not one of {', '.join(STATUSES)}", key="status")
    by, at = entry.get("approved_by"), entry.get("approved_at")
    if by is None:
        if at is not None:
            raise PlanError("approved_at: goes with approved_by: NAME, who approved it", key="approved_at")
        return status, None, None
    if not isinstance(by, str) or not by.strip():
        raise PlanError(
            "approved_by must be the name of who approved it, like approved_by: Claire", key="approved_by"
        )
    if status != "approved":
        raise PlanError(
            f"approved_by: says the plan is approved, status: {shorten(status)} that it is not; remove one",
            key="status",
        )
    try:
        return status, by.strip(), None if at is None else dates.parse_date(at, tz)
    except ValueError as exc:
        raise PlanError(f"approved_at: {exc}", key="approved_at") from None


@dataclass(frozen=True, slots=True)
class PlanApproval:
    """An approval written in a plan, and where (`path:line`); recorded once per `mark`."""

    by: str  # "" for `status: approved` with no `approved_by:`
    at: datetime | None
    place: str

    @property
    def mark(self) -> str:
        """`approved_by` and `approved_at` as written: a new one is a new approval."""
        return f"{self.by}\n{self.at.isoformat() if self.at else ''}"


def plan_account(entry: Any) -> tuple[str, str] | None:
    """The network and account a plan as written goes to (`- mastodon` is a plan too); None when
    it names no network."""
    if isinstance(entry, str):
        entry = {"network": entry}
    if not isinstance(entry, dict) or not isinstance(entry.get("network"), str):
        return None
    return entry["network"].strip().lower(), str(entry.get("account") or "default")


def is_slot(value: Any) -> bool:
    """`at: slot`: the plan takes its account's first free posting slot after the post's date."""
    return isinstance(value, str) and value.strip().lower() == SLOT


def check_keys(entry: dict[str, Any], keys: tuple[str, ...]) -> None:
    """Refuse the first key a plan does not take, saying which it may have meant."""
    unknown = sorted(str(key) for key in entry if key not in keys)
    if not unknown:
        return
    key = unknown[0]
    if key == "text" and "text" not in keys:
        raise PlanError(
            "a standalone social post's text is its body, below the front matter; remove `text:` "
            "and write the text after the closing ---",
            key=key,
        )
    close = difflib.get_close_matches(key, keys, n=1)
    guess = f" (did you mean {close[0]!r}?)" if close else ""
    raise PlanError(f"unknown key {shorten(key)}{guess}; a plan takes {', '.join(keys)}", key=key)


def unknown_network(name: str, known: Iterable[str]) -> str:
    """`unknown network 'NAME'`, with the name meant when one is close or was the network's
    old name: every place a network name is read (plans, settings, commands) says it alike."""
    wanted = name.strip().lower()
    if wanted in FORMER_NAMES:
        return f"unknown network {shorten(name)}: {FORMER_NAMES[wanted]}"
    close = difflib.get_close_matches(wanted, sorted(known), n=1)
    guess = f" (did you mean {close[0]!r}?)" if close else ""
    return f"unknown network {shorten(name)}{guess}"


def template_fields(template: Any) -> set[str]:
    """The fields a `text:` template uses; a PlanError about `text` when it cannot be filled."""
    if not isinstance(template, str):
        raise PlanError('text must be a template like "{title} {url}"', key="text")
    try:
        names = {name for _, name, _, _ in Formatter().parse(template) if name is not None}
        unknown = sorted(names - set(TEMPLATE_FIELDS))
        if not unknown:
            template.format_map(dict.fromkeys(TEMPLATE_FIELDS, ""))  # a format the fields do not take
    except ValueError as exc:  # a lone brace, or a format like {title:d}
        raise _template_error(str(exc)) from None
    if unknown:
        close = difflib.get_close_matches(unknown[0], TEMPLATE_FIELDS, n=1)
        guess = f" (did you mean {{{close[0]}}}?)" if close else ""
        raise _template_error(f"unknown field {{{unknown[0]}}}{guess}")
    return names


def _template_error(problem: str) -> PlanError:
    fields = ", ".join(f"{{{name}}}" for name in TEMPLATE_FIELDS)
    return PlanError(
        f"text: {problem}; a template takes {fields}; write {{{{ and }}}} for a literal brace", key="text"
    )
