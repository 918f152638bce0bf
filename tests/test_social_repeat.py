"""Evergreen posts (issue 18, item 6): a plan with `repeat:` goes out again every so many days,
each repetition a queue entry of its own — its own stable id, its time on the site's wall
clock, its turn of `texts:` — sent once when due, expired or cancelled on its own."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from cmsite.calendar.model import month_entries
from cmsite.cli import main
from cmsite.queue.publisher import Publisher
from cmsite.queue.store import CancelledBy, QueueStore, Status
from cmsite.queue.sync import sync_site
from cmsite.social.planner import PlannedPost, each_planned_post, planned_posts
from cmsite.testing import FIXED_NOW, TOY_NETWORKS, TestSite

PARIS = ZoneInfo("Europe/Paris")  # the zone of cmsite.testing's site
POST = "content/posts/evergreen.md"


@pytest.fixture
def blog(site_folder: TestSite) -> TestSite:
    site_folder.write("plugins/networks.py", TOY_NETWORKS)
    config = site_folder.root / "cmsite.toml"
    config.write_text(config.read_text() + "\n[queue]\nwait_for_page = false  # the site is not deployed\n")
    return site_folder


def evergreen(blog: TestSite, plan: str, date: str = "2026-11-20 09:00") -> None:
    """`content/posts/evergreen.md`, dated `date`, with one plan on toot: `plan`'s lines under
    `- network: toot` (its line 5; the plan's first key is on line 6)."""
    lines = "".join(f"\n    {line}" for line in plan.strip().splitlines())
    blog.write(POST, f"---\ntitle: Evergreen\ndate: {date}\nsocial:\n  - network: toot{lines}\n---\nBody.\n")


def plans(blog: TestSite, now: datetime = FIXED_NOW) -> list[PlannedPost]:
    site = blog.site(now=now)
    site.load()
    return planned_posts(site)


def local(posts: list[PlannedPost]) -> list[str]:
    return [f"{post.at.astimezone(PARIS):%Y-%m-%d %H:%M}" for post in posts]


def cli(blog: TestSite, *args: str) -> str:
    result = CliRunner().invoke(main, ["--site", str(blog.root), *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_each_repetition_has_its_own_id_and_more_repetitions_change_none_of_the_others(blog):
    evergreen(blog, "at: +0")
    (alone,) = plans(blog)
    evergreen(blog, "repeat: {every: 7d, times: 2}")
    three = [post.id for post in plans(blog)]
    evergreen(blog, "repeat: {every: 7d, times: 4}")
    five = [post.id for post in plans(blog)]
    assert three[0] == alone.id  # adding `repeat:` keeps the post's own entry
    assert len(set(five)) == 5 and five[:3] == three
    assert [post.id for post in plans(blog)] == five  # the same on every build


def test_repetitions_keep_the_wall_clock_time_when_the_clocks_change(blog):
    evergreen(blog, "repeat: {every: 1w, times: 3}", date="2026-03-15 09:00")
    spring = plans(blog, now=datetime(2026, 3, 16, tzinfo=UTC))
    assert local(spring) == ["2026-03-15 09:00", "2026-03-22 09:00", "2026-03-29 09:00", "2026-04-05 09:00"]
    assert [post.at.astimezone(UTC).hour for post in spring] == [8, 8, 7, 7]  # summer time from 29 March
    evergreen(blog, "repeat: {every: 7d, until: 2026-11-01}", date="2026-10-18 09:00")
    autumn = plans(blog, now=datetime(2026, 10, 19, tzinfo=UTC))
    assert local(autumn) == [
        "2026-10-18 09:00",
        "2026-10-25 09:00",
        "2026-11-01 09:00",
    ]  # until: that day too
    assert [post.at.astimezone(UTC).hour for post in autumn] == [7, 8, 8]  # winter time from 25 October
    assert [(post.repetition, post.repetitions) for post in autumn] == [(0, 2), (1, 2), (2, 2)]


def test_texts_are_used_in_turn_and_preview_shows_each_repetition(blog):
    evergreen(blog, 'repeat: {every: 30d, times: 4}\ntexts: ["New: {title}", "Still worth a read: {title}"]')
    posts = plans(blog)
    assert [post.written[0].split("\n")[0] for post in posts] == [
        "New: Evergreen",
        "Still worth a read: Evergreen",
        "New: Evergreen",
        "Still worth a read: Evergreen",
        "New: Evergreen",
    ]
    shown = cli(blog, "preview")
    assert "toot (default) · 2026-11-20 09:00 Europe/Paris · " in shown and "· then repeated 4 times" in shown
    assert "2026-12-20 09:00 Europe/Paris" in shown and "· repeat 1 of 4" in shown
    assert "2027-03-20 09:00 Europe/Paris" in shown and "· repeat 4 of 4" in shown
    assert "5 planned social posts, 0 with errors." in shown
    rows = json.loads(cli(blog, "preview", "--json"))
    assert [(row["repetition"], row["texts"][0][:5]) for row in rows] == [
        (0, "New: "), (1, "Still"), (2, "New: "), (3, "Still"), (4, "New: "),
    ]  # fmt: skip


def test_a_standalone_post_repeats_its_body(blog):
    blog.write(
        "content/social/hiring.md",
        "---\nnetworks: [toot, chirp]\nat: 2026-12-01 10:00\nrepeat: {every: 2w, times: 1}\n---\nWe are hiring.\n",
    )
    posts = plans(blog)
    assert [(post.network, post.written) for post in posts] == [
        ("chirp", ["We are hiring."]), ("toot", ["We are hiring."]),
        ("chirp", ["We are hiring."]), ("toot", ["We are hiring."]),
    ]  # fmt: skip
    assert local(posts)[2:] == ["2026-12-15 10:00", "2026-12-15 10:00"]


def sync(blog: TestSite, now: datetime) -> tuple[QueueStore, object, object]:
    site = blog.site(now=now)
    site.load()
    store = QueueStore(blog.root / ".cmsite/queue.sqlite")
    return store, site, sync_site(site, store, each_planned_post(site))


def test_an_old_post_given_a_repeat_late_expires_the_past_repetitions_and_queues_the_rest(blog):
    evergreen(blog, "repeat: {every: 30d, times: 3}", date="2026-10-01 09:00")
    store, _, report = sync(blog, FIXED_NOW)  # 22 November: a day's catch-up by default
    ids = [post.id for post in plans(blog)]
    assert [entry.id for entry in report.expired] == ids[:2]  # 1 October, 31 October
    assert [entry.id for entry in report.queued] == ids[2:]  # 30 November, 30 December
    assert {entry.id: entry.status for entry in store.all()} == {
        ids[0]: Status.EXPIRED, ids[1]: Status.EXPIRED, ids[2]: Status.PENDING, ids[3]: Status.PENDING,
    }  # fmt: skip


def test_publish_sends_each_repetition_once_when_its_time_comes(blog):
    evergreen(blog, "repeat: {every: 7d, times: 2}")  # 20 and 27 November, 4 December, 09:00 Paris
    store, site, _ = sync(blog, datetime(2026, 11, 20, 8, 0, tzinfo=UTC))
    ids = [post.id for post in plans(blog)]
    assert len(ids) == 3
    clock = {"now": datetime(2026, 11, 20, 8, 0, tzinfo=UTC)}
    publisher = Publisher(site, store, environ={}, clock=lambda: clock["now"])

    def run(now: datetime) -> list[str]:
        clock["now"] = now
        outcomes = publisher.run()
        assert all(outcome.status == "published" for outcome in outcomes), outcomes
        return [outcome.id for outcome in outcomes]

    assert run(datetime(2026, 11, 20, 8, 0, tzinfo=UTC)) == ids[:1]
    assert run(datetime(2026, 11, 20, 9, 0, tzinfo=UTC)) == []
    assert run(datetime(2026, 11, 27, 7, 59, tzinfo=UTC)) == []
    assert run(datetime(2026, 11, 27, 8, 0, tzinfo=UTC)) == ids[1:2]
    assert run(datetime(2027, 1, 1, tzinfo=UTC)) == ids[2:]
    assert run(datetime(2027, 2, 1, tzinfo=UTC)) == []
    assert {entry.status for entry in store.all()} == {Status.PUBLISHED}


def test_a_shorter_repeat_cancels_only_the_repetitions_not_sent_yet(blog):
    evergreen(blog, "repeat: {every: 7d, times: 3}")  # 20, 27 November, 4, 11 December
    december = datetime(2026, 12, 5, tzinfo=UTC)
    store, site, _ = sync(blog, datetime(2026, 11, 20, 8, 0, tzinfo=UTC))
    ids = [post.id for post in plans(blog)]
    assert len(Publisher(site, store, environ={}, clock=lambda: december).run()) == 3

    evergreen(blog, "repeat: {every: 7d, times: 1}")
    store, _, report = sync(blog, december)
    assert [entry.id for entry in report.cancelled] == ids[3:]
    statuses = {entry.id: (entry.status, entry.cancelled_by) for entry in store.all()}
    assert [statuses[entry_id] for entry_id in ids] == [
        (Status.PUBLISHED, None), (Status.PUBLISHED, None),
        (Status.PUBLISHED, None),  # no longer planned, but sent: left as it is
        (Status.CANCELLED, CancelledBy.PLAN),
    ]  # fmt: skip

    evergreen(blog, "repeat: {every: 7d, times: 3}")  # back again: queued again
    store, _, report = sync(blog, december)
    assert [entry.id for entry in report.updated] == ids[3:]
    assert store.get(ids[3]).status == Status.PENDING


def test_the_calendar_shows_each_repetition_on_its_day(blog):
    evergreen(blog, "repeat: {every: 7d, times: 3}")
    site = blog.site(now=datetime(2026, 11, 20, 8, 0, tzinfo=UTC))
    site.load()
    social = [entry for entry in month_entries(site, "2026-12") if entry.kind == "social"]
    ids = [post.id for post in plans(blog)]
    assert [(entry.id, entry.day.isoformat(), entry.status) for entry in social] == [
        (ids[2], "2026-12-04", "queued"), (ids[3], "2026-12-11", "queued"),
    ]  # fmt: skip


BAD_PLANS = {  # a post's plan → the line of the error, and what it says
    "repeat: {every: 12h, times: 3}": (6, "repeat: every '12h' is not a number of days or weeks"),
    "repeat: {every: 0d, times: 3}": (6, "repeat: every '0d' is less than a day"),
    "repeat: {times: 3}": (6, "repeat needs every:"),
    "repeat: {every: 30d}": (6, "a repeat must end: give times: (at most 100) or until: a day"),
    "repeat: {every: 30d, times: 0}": (6, "repeat: times 0 is not a whole number from 1 to 100"),
    "repeat: {every: 30d, times: 101}": (6, "repeat: times 101 is not a whole number from 1 to 100"),
    "repeat: {every: 30d, time: 3}": (6, "repeat: unknown key 'time' (did you mean 'times'?)"),
    "repeat: {every: 30d, until: 2026-12-01 10:00}": (6, "repeat: until "),
    "repeat: {every: 30d, until: 2026-12-01}": (
        6,
        "repeat: until 2026-12-01 leaves no repetition: the first post goes out on 2026-11-20, "
        "the next would on 2026-12-20",
    ),
    "repeat: {every: 1d, until: 2027-12-31}": (6, "repeat: until 2027-12-31 makes more than 100 repetitions"),
    "repeat: 30d": (6, "repeat takes every: and times: or until:"),
    'repeat: {every: 30d, times: 2}\ntexts: ["{titel}"]': (7, "texts #1: unknown field {titel}"),
    'text: "{title}"\ntexts: ["{title}"]': (7, "write text: or texts:, not both"),
    'texts: ["{title}", "{summary}"]': (6, "texts: are used in turn by the posts of repeat:"),
    "repeat: {every: 30d, times: 1}\ntexts: []": (7, "texts must be a list of templates"),
    f'repeat: {{every: 30d, times: 1}}\ntexts: ["{{title}}", "{"long " * 30}"]': (7, "the text is 1"),
}


def test_a_repeat_that_cannot_be_read_or_never_ends_is_an_error_at_its_line(blog):
    for number, plan in enumerate(BAD_PLANS):
        lines = "".join(f"\n    {line}" for line in plan.splitlines())
        blog.write(
            f"content/posts/bad{number}.md",
            f"---\ntitle: Bad\ndate: 2026-11-20 09:00\nsocial:\n  - network: toot{lines}\n---\nBody.\n",
        )
    blog.write(
        "content/social/alone.md", "---\nnetworks: [toot]\nat: 2026-12-01 10:00\ntexts: [A]\n---\nA.\n"
    )
    result = CliRunner().invoke(main, ["--site", str(blog.root), "check"])
    assert result.exit_code == 1
    errors = result.output.splitlines()
    for number, (line, message) in enumerate(BAD_PLANS.values()):
        where = f"content/posts/bad{number}.md:{line}: "
        assert any(error.startswith(where + message) for error in errors), (where + message, errors)
    assert any(error.startswith("content/social/alone.md:4: unknown key 'texts'") for error in errors)


def test_a_default_that_repeats_forever_is_an_error_at_its_line_in_cmsite_toml(blog):
    config = blog.root / "cmsite.toml"
    config.write_text(
        config.read_text() + '\n[[social.defaults]]\nnetwork = "toot"\nrepeat = { every = "30d" }\n'
    )
    result = CliRunner().invoke(main, ["--site", str(blog.root), "check"])
    assert result.exit_code == 1
    line = len(config.read_text().splitlines())  # the last: `repeat =`
    assert f"cmsite.toml:{line}: [[social.defaults]] #1: a repeat must end" in result.output
