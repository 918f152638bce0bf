"""Posting slots (issue 18, item 5): `slots = ["mon 09:00"]` per network and account, and
plans with `at: slot` taking the first free one after their post, the same on every machine.

Property tests drive the allocator itself (`allocate`) over random slots, posts and held
times around the days the clocks change in Paris and New York, against an oracle that finds
a slot's moment by trying every minute of the day; example tests drive the planner and
`cmsite check` / `cmsite preview` on sites.
"""

from __future__ import annotations

import json
import random
import unicodedata
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cmsite.cli import main
from cmsite.social.planner import planned_posts
from cmsite.social.repeat import Repeat
from cmsite.social.slots import Slot, Week, allocate, claim, read_slot, read_slots
from cmsite.testing import TOY_NETWORKS, TestSite

PARIS = ZoneInfo("Europe/Paris")
NEW_YORK = ZoneInfo("America/New_York")
# The days the clocks change in 2026: forward in New York and Paris, back in Paris and New York.
CHANGES = [date(2026, 3, 8), date(2026, 3, 29), date(2026, 10, 25), date(2026, 11, 1)]
ACCOUNTS = [("toot", "default"), ("toot", "team"), ("chirp", "default")]
SOURCES = [
    "content/posts/a.md",
    "content/posts/b.md",
    "content/posts/e\u0301te\u0301.md",
    "content/posts/été.md",
]


# The oracle: the moment the clocks first show a wall time on a day, or the first minute after
# it they show, found by trying each minute and each reading of it (fold) — not the code's way.
def oracle(day: date, wall: time, tz: ZoneInfo) -> datetime:
    start = datetime.combine(day, wall)
    for minutes in range(24 * 60):
        shown = start + timedelta(minutes=minutes)
        readings = [shown.replace(tzinfo=tz, fold=fold).astimezone(UTC) for fold in (0, 1)]
        real = [moment for moment in readings if moment.astimezone(tz).replace(tzinfo=None) == shown]
        if real:
            return min(real)
    raise AssertionError(f"no minute after {start} exists in {tz}")


def slot_moments(slots: list[Slot], tz: ZoneInfo, start: datetime, end: datetime) -> set[datetime]:
    """Every slot's moment from `start` to `end` (both included), by the oracle."""
    found = set()
    day = start.astimezone(tz).date() - timedelta(days=1)
    while day <= end.astimezone(tz).date() + timedelta(days=1):
        for slot in slots:
            if slot.weekday == day.weekday():
                moment = oracle(day, slot.wall, tz)
                if start <= moment <= end:
                    found.add(moment)
        day += timedelta(days=1)
    return found


# Slots mostly on Sundays, the day the clocks change, and near the hour they do.
walls = st.builds(time, st.sampled_from([0, 1, 2, 2, 3, 3, 9, 23]), st.sampled_from([0, 15, 30, 45]))
weekdays = st.one_of(st.just(6), st.integers(0, 6))
slot_lists = st.lists(st.builds(Slot, weekdays, walls), min_size=1, max_size=5, unique=True)
moments = st.builds(
    lambda day, minutes: datetime.combine(day, time(), tzinfo=UTC) + timedelta(minutes=minutes),
    st.sampled_from(CHANGES),
    st.integers(-3 * 24 * 60, 3 * 24 * 60),
)


@st.composite
def plans(draw: st.DrawFn) -> dict:
    """Slots for some accounts, in a zone; posts claiming slots; plans holding times of their own."""
    tz = draw(st.sampled_from([PARIS, NEW_YORK]))
    accounts = draw(st.lists(st.sampled_from(ACCOUNTS), min_size=1, unique=True))
    slots = {account: draw(slot_lists) for account in accounts}
    claims = {}
    for _ in range(draw(st.integers(0, 25))):
        network, account = draw(st.sampled_from(accounts))
        wanted = claim(
            draw(st.booleans()),
            draw(moments),
            draw(st.sampled_from(SOURCES)),
            draw(st.integers(0, 9)),
            network,
            account,
        )
        claims[wanted.source, wanted.index] = wanted  # one claim per plan
    held = []
    for _ in range(draw(st.integers(0, 8))):
        account, moment = draw(st.sampled_from(accounts)), draw(moments)
        if draw(st.booleans()):  # exactly on one of the account's slots
            week = Week(slots[account], tz)
            moment = week.moment(week.first(moment))
        held.append((account, moment))
    return {"tz": tz, "slots": slots, "claims": list(claims.values()), "held": held}


def give_out(plan: dict, claims: list | None = None) -> dict:
    """Each claim's slot, by (source, index): these plans do not repeat."""
    weeks = {account: Week(slots, plan["tz"]) for account, slots in plan["slots"].items()}
    given = allocate(plan["claims"] if claims is None else claims, plan["held"], weeks)
    assert {repetition for _, _, repetition in given} <= {0}
    return {(source, index): moment for (source, index, _), moment in given.items()}


PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(plans())
def test_no_two_plans_of_an_account_share_a_slot(plan):
    given_out = give_out(plan)
    by_claim = {(c.source, c.index): c for c in plan["claims"]}
    taken = [((by_claim[key].network, by_claim[key].account), moment) for key, moment in given_out.items()]
    assert len(set(taken)) == len(taken)
    held = set(plan["held"])
    assert not [one for one in taken if one in held], "a plan took a slot a plan with its own time holds"
    assert len(given_out) == len(plan["claims"])


@PROPERTY
@given(plans(), st.integers(min_value=1, max_value=15), st.integers(min_value=1, max_value=3))
def test_repetitions_take_slots_too_and_never_share_one(plan, every, times):
    """A plan with `repeat:` and `at: slot` claims a slot for each repetition, at or after its
    own slot + n × every: a weekly repetition must not land on the slot a later post took."""
    weeks = {account: Week(slots, plan["tz"]) for account, slots in plan["slots"].items()}
    repeats = {(c.source, c.index): Repeat(every=every, times=times) for c in plan["claims"][::2]}
    given = allocate(plan["claims"], plan["held"], weeks, repeats)
    by_claim = {(c.source, c.index): c for c in plan["claims"]}
    taken = [
        ((by_claim[s, i].network, by_claim[s, i].account), moment) for (s, i, _), moment in given.items()
    ]
    assert len(set(taken)) == len(taken)
    assert not set(taken) & set(plan["held"])
    for (source, index, repetition), moment in given.items():
        if repetition:
            first = given[source, index, 0].astimezone(plan["tz"]).replace(tzinfo=None)
            earliest = (first + timedelta(days=every * repetition)).replace(tzinfo=plan["tz"])
            assert moment >= earliest.astimezone(UTC) - timedelta(hours=1)  # a clock change at most


@PROPERTY
@given(plans(), st.randoms(use_true_random=False))
def test_the_same_plans_in_any_order_take_the_same_slots(plan, shuffler):
    claims, held = list(plan["claims"]), list(plan["held"])
    shuffler.shuffle(claims)
    shuffler.shuffle(held)
    assert give_out({**plan, "held": held}, claims) == give_out(plan)


@PROPERTY
@given(plans())
def test_each_plan_takes_the_first_free_slot_after_its_post_on_the_site_clock(plan):
    given_out = give_out(plan)
    tz = plan["tz"]
    for wanted in plan["claims"]:
        account = (wanted.network, wanted.account)
        moment = given_out[wanted.source, wanted.index]
        assert moment >= wanted.after
        local = moment.astimezone(tz)
        on_that_day = [slot for slot in plan["slots"][account] if slot.weekday == local.weekday()]
        assert moment in {oracle(local.date(), slot.wall, tz) for slot in on_that_day}
        # Every slot from the post's date up to this one is taken, by a plan with a time of
        # its own or by one given out before it.
        before = {
            given_out[other.source, other.index]
            for other in plan["claims"]
            if (other.network, other.account) == account and other < wanted
        }
        held = {held_at for held_account, held_at in plan["held"] if held_account == account}
        passed = slot_moments(plan["slots"][account], tz, wanted.after, moment) - {moment}
        assert passed <= before | held, f"{sorted(passed - before - held)} were free"


@PROPERTY
@given(plans())
def test_showing_drafts_never_moves_another_post(plan):
    published = [c for c in plan["claims"] if not c.draft]
    with_drafts = give_out(plan)
    assert {(c.source, c.index): with_drafts[c.source, c.index] for c in published} == give_out(
        plan, published
    )


@pytest.mark.parametrize(
    ("tz", "slot", "after", "expected"),
    [
        # Paris goes forward at 02:00 on 2026-03-29: 02:30 is never shown; the next minute is 03:00.
        (PARIS, "sun 02:30", datetime(2026, 3, 28, tzinfo=UTC), datetime(2026, 3, 29, 3, 0, tzinfo=PARIS)),
        # New York goes back at 02:00 on 2026-11-01: 01:30 is shown twice; the first is 05:30 UTC.
        (NEW_YORK, "sun 01:30", datetime(2026, 10, 31, tzinfo=UTC), datetime(2026, 11, 1, 5, 30, tzinfo=UTC)),
        (NEW_YORK, "dim 2:00", datetime(2026, 3, 7, tzinfo=UTC), datetime(2026, 3, 8, 3, 0, tzinfo=NEW_YORK)),
        # Paris goes back at 03:00 on 2026-10-25: 02:30 summer time (00:30 UTC) comes first.
        (
            PARIS,
            "dimanche 02:30",
            datetime(2026, 10, 24, tzinfo=UTC),
            datetime(2026, 10, 25, 0, 30, tzinfo=UTC),
        ),
    ],
)
def test_slots_on_the_days_the_clocks_change(tz, slot, after, expected):
    (moment,) = allocate(
        [claim(False, after, "p.md", 0, "toot", "default")],
        [],
        {("toot", "default"): Week([read_slot(slot)], tz)},
    ).values()
    assert moment == expected


def test_slots_the_clocks_skip_into_the_same_minute_are_one_slot_that_day():
    week = Week([read_slot("sun 02:30"), read_slot("sun 03:00")], PARIS)
    claims = [
        claim(False, datetime(2026, 3, 28, tzinfo=UTC), f"p{n}.md", 0, "toot", "default") for n in range(3)
    ]
    moments = sorted(allocate(claims, [], {("toot", "default"): week}).values())
    assert [m.astimezone(PARIS) for m in moments] == [
        datetime(2026, 3, 29, 3, 0, tzinfo=PARIS),  # 02:30 and 03:00 both: one post
        datetime(2026, 4, 5, 2, 30, tzinfo=PARIS),
        datetime(2026, 4, 5, 3, 0, tzinfo=PARIS),
    ]


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (["mon 09:00", "lun 9:00"], "slot 'lun 9:00' is the same as 'mon 09:00'; remove one"),
        (["mnd 09:00"], "unknown day 'mnd' (did you mean 'mon'?); write mon, tue"),
        (["mon 24:00"], "24:00 is not a time of day; write 00:00 to 23:59"),
        (["mon 9h"], "slot 'mon 9h' is not a day and a time; write it like slots = [\"mon 09:00\""),
        ("mon 09:00", "slots must be a list of days and times"),
    ],
)
def test_slots_that_are_wrong_say_what_to_write(value, problem):
    _, problems = read_slots(value)
    assert len(problems) == 1 and problem in problems[0]


def test_english_and_french_days_both_read():
    assert read_slots(["Mon 9:00", "mardi 12:30", "dim 23:59"])[0] == (
        Slot(0, time(9, 0)),
        Slot(1, time(12, 30)),
        Slot(6, time(23, 59)),
    )


# Sites: the planner gives out slots once for the whole site.

SLOTS = """
[networks.toot]
slots = ["mon 09:00", "wed 12:30", "fri 17:00"]

[networks.toot.accounts.team]
slots = ["tue 08:00"]
"""


@pytest.fixture
def slot_site(site_folder):
    site_folder.write("plugins/networks.py", TOY_NETWORKS)
    site_folder.write("cmsite.toml", (site_folder.root / "cmsite.toml").read_text() + SLOTS)
    return site_folder


def cli(site, *args):
    return CliRunner().invoke(main, ["--site", str(site.root), *args])


def times(site, **options) -> dict[tuple[str, str], str]:
    """(file, account) → the local time its plan goes out."""
    opened = site.site(**options)
    opened.load()
    return {
        (post.source.rsplit("/", 1)[-1], post.account): post.at.astimezone(PARIS).strftime("%a %d %H:%M")
        for post in planned_posts(opened)
    }


def test_plans_take_the_first_free_slots_after_their_posts(slot_site):
    plan = "social:\n  - network: toot\n    at: slot"
    slot_site.post("2026-05-04-b.md", f"title: B\ndate: 2026-05-04 08:00\n{plan}")
    slot_site.post(
        "2026-05-04-a.md",
        f"title: A\ndate: 2026-05-04 08:00\n{plan}\n  - network: toot\n    account: team\n    at: Slot",
    )
    # A time of its own that falls on a slot holds it, though its post is dated after B's.
    slot_site.post(
        "2026-05-05-c.md",
        "title: C\ndate: 2026-05-05 08:00\nsocial:\n  - network: toot\n    at: 2026-05-06 12:30",
    )
    slot_site.post("2026-05-02-d.md", f"title: D\ndate: 2026-05-08 17:00\n{plan}")  # by date, not name
    assert times(slot_site) == {
        ("2026-05-04-a.md", "default"): "Mon 04 09:00",  # the same date as B: by file
        ("2026-05-04-a.md", "team"): "Tue 05 08:00",  # another account, its own slots
        ("2026-05-05-c.md", "default"): "Wed 06 12:30",
        ("2026-05-04-b.md", "default"): "Fri 08 17:00",
        ("2026-05-02-d.md", "default"): "Mon 11 09:00",
    }


def test_the_same_files_written_in_any_order_take_the_same_slots(tmp_path):
    """Written in another order, and with names in the Unicode form macOS gives (é as e + ´),
    the same posts take the same slots: one of them between `e…` and `f…` in one form only."""
    plan = "social:\n  - network: toot\n    at: slot"
    names = [f"2026-05-0{day}-{name}" for day in (4, 5) for name in ("e", "été", "f", "z")]
    found = []
    for seed, form in enumerate(["NFC", "NFD", "NFC"]):
        order = list(names)
        random.Random(seed).shuffle(order)
        site = TestSite(tmp_path / f"site{seed}")
        site.write("plugins/networks.py", TOY_NETWORKS)
        site.write("cmsite.toml", (site.root / "cmsite.toml").read_text() + SLOTS)
        for name in order:
            site.post(
                unicodedata.normalize(form, f"{name}.md"), f"title: {name}\ndate: {name[:10]} 10:00\n{plan}"
            )
        found.append({unicodedata.normalize("NFC", name): at for (name, _), at in times(site).items()})
    assert found[0] == found[1] == found[2]
    assert len(set(found[0].values())) == len(names)


def test_drafts_take_the_slots_left_and_move_no_other_post(slot_site):
    slot_site.post(
        "2026-05-04-a.md", "title: A\ndate: 2026-05-04 10:00\nsocial:\n  - network: toot\n    at: slot"
    )
    slot_site.post(
        "2026-05-03-draft.md",
        "title: D\ndate: 2026-05-03 10:00\ndraft: true\nsocial:\n  - network: toot\n    at: slot",
    )
    assert times(slot_site) == {("2026-05-04-a.md", "default"): "Wed 06 12:30"}
    assert times(slot_site, drafts=True) == {
        ("2026-05-04-a.md", "default"): "Wed 06 12:30",
        ("2026-05-03-draft.md", "default"): "Mon 04 09:00",
    }


def test_defaults_with_at_slot_announce_every_post_in_a_slot(slot_site):
    slot_site.write(
        "cmsite.toml",
        (slot_site.root / "cmsite.toml").read_text()
        + '\n[[social.defaults]]\nnetwork = "toot"\nat = "slot"\n',
    )
    for day in (4, 5):
        slot_site.post(
            f"2026-05-0{day}-p.md".replace("-p", f"-p{day}"), f"title: P{day}\ndate: 2026-05-0{day} 10:00"
        )
    result = cli(slot_site, "preview", "--json")
    assert result.exit_code == 0, result.output
    assert sorted(row["at"] for row in json.loads(result.output)) == [
        "2026-05-06T12:30:00+02:00",
        "2026-05-08T17:00:00+02:00",
    ]


def test_at_slot_on_an_account_without_slots_says_how_to_add_them(slot_site):
    slot_site.post(
        "2026-05-04-a.md", "title: A\ndate: 2026-05-04 10:00\nsocial:\n  - network: chirp\n    at: slot"
    )
    result = cli(slot_site, "check")
    assert result.exit_code == 1
    assert (
        "content/posts/2026-05-04-a.md:6: at: slot takes a posting slot, and chirp account 'default' has none; "
        'add slots = ["mon 09:00", "thu 12:30"] under [networks.chirp] in cmsite.toml, or give at: a time'
    ) in result.output


def test_a_default_with_at_slot_on_an_account_without_slots_is_one_error_in_cmsite_toml(site_folder):
    site = TestSite(site_folder.root, lang="fr")
    site.write("plugins/networks.py", TOY_NETWORKS)
    config = (
        site.root / "cmsite.toml"
    ).read_text() + '\n[[social.defaults]]\nnetwork = "chirp"\naccount = "team"\nat = "slot"\n'
    site.write("cmsite.toml", config)
    line = config.splitlines().index('at = "slot"') + 1
    site.post("2026-05-04-a.md", "title: A\ndate: 2026-05-04 10:00")
    site.post("2026-05-05-b.md", "title: B\ndate: 2026-05-05 10:00")
    result = cli(site, "check")
    assert result.exit_code == 1
    assert result.output.count("has none") == 1
    assert (
        f"cmsite.toml:{line}: [[social.defaults]] #1: at: slot takes a posting slot, and chirp account 'team' has none; "
        'add slots = ["lun 09:00", "jeu 12:30"] under [networks.chirp.accounts.team] '
        "(or under [networks.chirp] for all its accounts) in cmsite.toml, or give at: a time"
    ) in result.output


def test_wrong_slots_are_errors_at_their_line_in_cmsite_toml(site_folder):
    site_folder.write("plugins/networks.py", TOY_NETWORKS)
    config = (site_folder.root / "cmsite.toml").read_text() + (
        '\n[networks.toot]\nslots = ["mon 09:00", "funday 10:00"]\n\n'
        '[networks.toot.accounts.team]\nslots = ["tue 08:00", "mar 8:00", "wed 7:61"]\n'
    )
    site_folder.write("cmsite.toml", config)
    lines = [number for number, text in enumerate(config.splitlines(), 1) if text.startswith("slots")]
    result = cli(site_folder, "check")
    assert result.exit_code == 1
    assert (
        f"cmsite.toml:{lines[0]}: [networks.toot] slot 'funday 10:00': unknown day 'funday'" in result.output
    )
    assert (
        f"cmsite.toml:{lines[1]}: [networks.toot.accounts.team] slot 'mar 8:00' is the same as 'tue 08:00'"
        in result.output
    )
    assert (
        f"cmsite.toml:{lines[1]}: [networks.toot.accounts.team] slot 'wed 7:61': 7:61 is not a time of day"
        in result.output
    )


def test_a_standalone_post_needs_a_date_not_a_slot(slot_site):
    slot_site.write("content/social/meetup.md", "---\nnetworks: [toot]\nat: slot\n---\nMeetup tonight.\n")
    result = cli(slot_site, "check")
    assert result.exit_code == 1
    assert (
        "content/social/meetup.md:3: at: slot takes the first free posting slot after the post's date"
        in result.output
    )


def test_a_weekly_repetition_takes_the_next_free_slot_not_one_a_later_post_took(slot_site):
    weekly = "social:\n  - network: toot\n    at: slot\n    repeat: {every: 7d, times: 1}"
    slot_site.post("2026-05-04-a.md", f"title: A\ndate: 2026-05-04 08:00\n{weekly}")
    slot_site.post(
        "2026-05-11-b.md", "title: B\ndate: 2026-05-11 08:00\nsocial:\n  - network: toot\n    at: slot"
    )
    opened = slot_site.site()
    opened.load()
    moments = [post.at for post in planned_posts(opened)]
    assert len(moments) == 3 and len(set(moments)) == 3  # A, A's repetition and B: three slots
