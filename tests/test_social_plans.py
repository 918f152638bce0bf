"""Social plans in front matter, defaults and standalone posts; `cmsite preview` and `cmsite check`."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from cmsite.cli import main
from cmsite.queue.store import QueueStore
from cmsite.social.plans import PlanError, parse_at
from cmsite.testing import TOY_NETWORKS

PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def social_site(site_folder):
    site_folder.write("plugins/networks.py", TOY_NETWORKS)
    return site_folder


def cli(site, *args):
    return CliRunner().invoke(main, ["--site", str(site.root), *args])


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("+2h", datetime(2026, 3, 28, 10, 0, tzinfo=PARIS)),
        ("+30m", datetime(2026, 3, 28, 8, 30, tzinfo=PARIS)),
        ("+0", datetime(2026, 3, 28, 8, 0, tzinfo=PARIS)),
        ("+1d 09:00", datetime(2026, 3, 29, 9, 0, tzinfo=PARIS)),  # the clocks change that night
        ("2026-04-01 18:00", datetime(2026, 4, 1, 18, 0, tzinfo=PARIS)),
        (None, datetime(2026, 3, 28, 8, 0, tzinfo=PARIS)),
    ],
)
def test_when_a_plan_goes_out(value, expected):
    published = datetime(2026, 3, 28, 8, 0, tzinfo=PARIS)
    moment = parse_at(value, published, PARIS)
    assert moment == expected
    if value == "+1d 09:00":
        assert moment.astimezone(UTC).hour == 7  # 09:00 summer time is 07:00 UTC


@pytest.mark.parametrize("value", ["+2x", "+", "tomorrow", "+1d 9"])
def test_unreadable_times_say_what_to_write(value):
    with pytest.raises(PlanError, match=r"write|cannot read"):
        parse_at(value, datetime(2026, 3, 28, tzinfo=UTC), PARIS)


def test_preview_shows_the_exact_text_length_and_time(social_site):
    social_site.post(
        "2026-05-04-plan.md",
        "title: Plan the week\ntags: [editorial-calendar, modération]\nsummary: Ten minutes on Monday keep the calendar alive.\n"
        "social:\n  - network: toot\n    at: +2h\n  - network: chirp\n    at: +1d 09:00",
    )
    result = cli(social_site, "preview", "--json")
    assert result.exit_code == 0, result.output
    toot, chirp = json.loads(result.output)
    assert toot["network"] == "toot" and toot["at"] == "2026-05-04T02:00:00+02:00"
    assert toot["texts"] == [
        "Plan the week\n\nTen minutes on Monday keep the calendar alive.\n\n"
        "https://blog.cmsite.info/posts/plan/ #EditorialCalendar #Modération"
    ]
    assert toot["lengths"][0] <= 120 and toot["limit"] == 120
    assert chirp["at"] == "2026-05-05T09:00:00+02:00"
    assert chirp["lengths"][0] <= 80
    assert chirp["texts"][0].endswith("https://blog.cmsite.info/posts/plan/ #EditorialCalendar #Modération")
    assert any("shortened" in warning for warning in chirp["warnings"])
    text = cli(social_site, "preview")
    assert "toot (default) · 2026-05-04 02:00 Europe/Paris" in text.output
    assert "2 planned social posts, 0 with errors." in text.output


def test_check_reports_plan_problems_with_file_and_line(social_site):
    social_site.post(
        "2026-05-04-bad.md",
        "title: Bad plans\nsocial:\n  - network: myspace\n  - network: toot\n    at: 2026-05-01 10:00\n"
        '  - network: chirp\n    text: "{title} '
        + "word " * 30
        + '"\n  - network: toot\n    media: [/images/chart.png]',
    )
    result = cli(social_site, "check")
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert any(
        line.startswith("content/posts/2026-05-04-bad.md:4: unknown network 'myspace'") for line in lines
    )
    assert any(
        line.startswith(
            "content/posts/2026-05-04-bad.md:5: toot goes out at 2026-05-01 10:00, before the post"
        )
        for line in lines
    )
    assert any(  # at the line of `text:`, not of `network:`
        line.startswith("content/posts/2026-05-04-bad.md:8: the text is") and "over its limit of 80" in line
        for line in lines
    )
    assert any(
        line.startswith("content/posts/2026-05-04-bad.md:9: /images/chart.png has no alt text")
        for line in lines
    )


def test_a_thread_keeps_a_long_text(social_site):
    social_site.post(
        "2026-05-04-long.md",
        'title: Long\nsocial:\n  - network: chirp\n    thread: true\n    text: "'
        + "A sentence that says a thing. " * 12
        + '"',
    )
    result = cli(social_site, "preview", "--json")
    assert result.exit_code == 0, result.output
    (chirp,) = json.loads(result.output)
    assert len(chirp["texts"]) > 2 and all(n <= 80 for n in chirp["lengths"])
    assert chirp["errors"] == []


def test_defaults_from_the_settings_apply_to_posts_without_plans(social_site):
    config = social_site.root / "cmsite.toml"
    config.write_text(
        config.read_text()
        + '\n[[social.defaults]]\nnetwork = "toot"\n\n[[social.defaults]]\nnetwork = "chirp"\nat = "+1d 09:00"\n'
    )
    social_site.post("2026-05-04-a.md", "title: A")
    social_site.post("2026-05-05-b.md", "title: B\nsocial: []")
    result = cli(social_site, "preview", "--json")
    posts = json.loads(result.output)
    assert [(p["source"], p["network"]) for p in posts] == [
        ("content/posts/2026-05-04-a.md", "toot"),
        ("content/posts/2026-05-04-a.md", "chirp"),
    ]


def test_standalone_social_posts(social_site):
    (social_site.root / "content/images").mkdir(parents=True)
    (social_site.root / "content/images/room.jpg").write_bytes(b"\xff\xd8\xff\xe0 a picture's bytes")
    social_site.write(
        "content/social/2026-06-01-meetup.md",
        "---\nnetworks: [toot, chirp]\nat: 2026-06-01 18:00\nmedia: [/images/room.jpg]\nalt: The meetup room, chairs in a circle\n---\n"
        "Meetup **tonight** at 18:30, doors open at 18:00.\n",
    )
    result = cli(social_site, "preview", "--json")
    assert result.exit_code == 0, result.output
    toot, chirp = json.loads(result.output)
    assert toot["texts"] == chirp["texts"] == ["Meetup tonight at 18:30, doors open at 18:00."]
    assert toot["media"] == [
        {
            "path": "/images/room.jpg",
            "alt": "The meetup room, chairs in a circle",
            "url": "https://blog.cmsite.info/images/room.jpg",  # where networks that fetch it find it
            "focus": None,  # the centre
            "copy": None,  # no [social.images]: sent as it is
        }
    ]
    assert toot["at"] == "2026-06-01T18:00:00+02:00"


def test_drafts_plan_nothing(social_site):
    social_site.post("2026-05-04-d.md", "title: D\ndraft: true\nsocial: [toot]")
    result = cli(social_site, "preview", "--json")
    assert json.loads(result.output) == []


def test_drafts_and_future_posts_shown_by_build_are_never_queued(social_site):
    social_site.post("2026-05-04-d.md", "title: D\ndraft: true\nsocial: [toot]")
    social_site.post("2099-05-04-f.md", "title: F\nsocial: [chirp]")
    result = cli(social_site, "build", "--drafts", "--future")
    assert result.exit_code == 0, result.output
    assert "queued" not in result.output
    listing = json.loads(cli(social_site, "queue", "--all", "--json").output)
    # listed beside the queue, not in it (a draft's, once the post is published)
    assert [(row["source"], row["status"]) for row in listing] == [
        ("content/posts/2099-05-04-f.md", "waiting")
    ]
    assert QueueStore(social_site.root / ".cmsite/queue.sqlite").all() == []


def test_plus_zero_and_pages_without_plans(social_site):
    config = social_site.root / "cmsite.toml"
    config.write_text(config.read_text() + '\n[[social.defaults]]\nnetwork = "toot"\n')
    social_site.post(
        "2026-05-04-a.md", "title: A\nsocial:\n  - network: chirp\n    at: +0"
    )  # YAML reads +0 as 0
    social_site.write("content/pages/about.md", "---\ntitle: About\n---\nUs.\n")
    result = cli(social_site, "preview", "--json")
    assert result.exit_code == 0, result.output
    (chirp,) = json.loads(result.output)
    assert chirp["at"] == "2026-05-04T00:00:00+02:00"


SCHEDULING = (
    TOY_NETWORKS
    + """

@hookimpl
def cmsite_schedule(post, site):
    if post.at.weekday() >= 5:  # nothing at the weekend: move to Monday
        from datetime import timedelta
        post.at += timedelta(days=7 - post.at.weekday())


@hookimpl
def cmsite_excerpt(post, network, site):
    if network.name == "toot":
        post.written = [text + " 🧵" for text in post.written]
"""
)


def test_schedule_and_excerpt_hooks_change_the_plan(site_folder):
    site_folder.write("plugins/networks.py", SCHEDULING)
    site_folder.post("2026-05-09-saturday.md", "title: Saturday\nsocial: [toot]")  # 2026-05-09 is a Saturday
    result = cli(site_folder, "preview", "--json")
    (toot,) = json.loads(result.output)
    assert toot["at"].startswith("2026-05-11T00:00")
    assert toot["texts"][0].endswith(" 🧵")
    from cmsite.social.counting import mastodon

    assert toot["lengths"][0] == mastodon(toot["texts"][0])  # counted after the hook changed it


def test_excerpts_are_remembered_between_runs_and_made_again_when_an_input_changes(social_site, monkeypatch):
    from cmsite.social.network import Network
    from cmsite.social.planner import planned_posts

    social_site.post("2026-05-04-a.md", "title: A\nsummary: " + "word " * 60 + "\nsocial: [chirp]")
    site = social_site.site()
    site.load()
    (first,) = planned_posts(site)
    made: list[str] = []
    original = Network.excerpt.__func__

    def counting_excerpt(cls, text, tail, **options):
        made.append(text)
        return original(cls, text, tail, **options)

    monkeypatch.setattr(Network, "excerpt", classmethod(counting_excerpt))
    again = social_site.site()
    again.load()
    (second,) = planned_posts(again)
    assert made == [] and second.written == first.written and second.lengths == first.lengths
    config = social_site.root / "cmsite.toml"
    config.write_text(config.read_text() + '\n[site.extra]\nnote = "settings changed"\n')
    changed = social_site.site()
    changed.load()
    (third,) = planned_posts(changed)
    assert len(made) == 1 and third.written == first.written
    from cmsite.social import counting

    monkeypatch.setattr(counting, "fingerprint", lambda: "another counting rule")  # cmsite's counting changed
    recounted = social_site.site()
    recounted.load()
    planned_posts(recounted)
    assert len(made) == 2


def test_excerpts_are_saved_as_they_are_made_and_old_ones_forgotten(social_site, monkeypatch):
    from cmsite.social import excerpt_cache, planner

    monkeypatch.setattr(excerpt_cache, "SAVE_EVERY", 1)
    for n in range(3):
        social_site.post(f"2026-05-0{n + 1}-p{n}.md", f"title: Post {n}\nsocial: [chirp, toot]")

    def remembered() -> int:
        site = social_site.site()
        site.load()
        planner.planned_posts(site)
        return excerpts_saved(social_site)

    assert remembered() == 6
    (social_site.root / "content/posts/2026-05-01-p0.md").unlink()
    assert remembered() == 4


def excerpts_saved(site_folder) -> int:
    import sqlite3

    with sqlite3.connect(site_folder.root / ".cmsite/excerpts.sqlite") as db:
        return db.execute("SELECT count(*) FROM excerpts").fetchone()[0]


def test_excerpts_have_a_cache_of_their_own_that_a_damaged_or_blocked_file_only_makes_slower(social_site):
    """The excerpts are the planner's: not rows in the content cache. Like that cache, a damaged
    file is started over, and one that cannot be opened at all (a folder in its place) is skipped."""
    import sqlite3

    from cmsite.social.planner import planned_posts

    social_site.post("2026-05-04-a.md", "title: A\nsummary: " + "word " * 60 + "\nsocial: [chirp, toot]")

    def texts() -> list[list[str]]:
        site = social_site.site()
        site.load()
        return [post.written for post in planned_posts(site)]

    first = texts()
    assert excerpts_saved(social_site) == 2
    with sqlite3.connect(social_site.root / ".cmsite/content.sqlite") as db:
        tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert tables == {"items"}
    cache = social_site.root / ".cmsite/excerpts.sqlite"
    cache.write_bytes(b"this is not sqlite at all" * 100)
    assert texts() == first
    assert excerpts_saved(social_site) == 2
    cache.unlink()
    cache.mkdir()
    assert texts() == first
    assert cache.is_dir()


def test_a_build_queues_the_good_plans_and_counts_the_broken_ones(social_site):
    social_site.post("2026-05-01-good.md", "title: Good\nsocial: [chirp]")
    social_site.post("2026-05-02-bad.md", "title: Bad\nsocial: [nosuch, toot]")
    result = cli(social_site, "build")
    assert result.exit_code == 0, result.output
    assert "warning: 1 social plan has errors and is not queued" in result.output
    entries = json.loads(cli(social_site, "queue", "--all", "--json").output)
    assert sorted(e["network"] for e in entries) == ["chirp", "toot"]


def test_a_text_written_by_hand_too_long_is_shown_whole_with_its_length_and_one_error(social_site):
    """Never a shortened text counted 80/80 above an error saying it is too long: what is
    shown is what would be sent, with its real length, and the error."""
    from cmsite.social.counting import counter

    words = "word " * 30
    social_site.post(
        "2026-05-04-long.md", f'title: Long\ntags: [a-b]\nsocial: [{{network: chirp, text: "{words}"}}]'
    )
    whole = f"{words.strip()}\n\nhttps://blog.cmsite.info/posts/long/ #AB"
    length = counter("x")(whole)
    message = (
        f"the text is {length} characters as Chirp counts them, over its limit of 80; "
        "shorten it or add `thread: true`"
    )
    result = cli(social_site, "preview", "--json")
    assert result.exit_code == 1
    (chirp,) = json.loads(result.output)
    assert chirp["texts"] == [whole] and chirp["lengths"] == [length] and length > 80
    assert [error["message"] for error in chirp["errors"]] == [message]
    assert chirp["warnings"] == []
    shown = cli(social_site, "preview").output
    assert f"· {length}/80 ·" in shown and "…" not in shown
    assert f"  ✗ content/posts/2026-05-04-long.md:4: {message}" in shown
    assert f"content/posts/2026-05-04-long.md:4: {message}" in cli(social_site, "check").output


def test_the_preview_shows_what_the_queue_stores_and_the_network_receives(social_site):
    """A network that escapes its text on the wire (LinkedIn does) is still shown the text as
    written: the one the queue keeps, `publish_one` gets and readers see."""
    social_site.write("plugins/wire.py", WIRE)
    config = social_site.root / "cmsite.toml"
    config.write_text(config.read_text() + "\n[queue]\ncatch_up_hours = false\nwait_for_page = false\n")
    social_site.post(
        "2026-05-04-news.md",
        "title: News (in brief)\nsummary: Short (really).\nsocial:\n  - network: wire\n"
        '  - network: wire\n    text: "{title}: read it (now) at {url}"',
    )
    shown = [post["texts"] for post in json.loads(cli(social_site, "preview", "--json").output)]
    queued = [entry["texts"] for entry in json.loads(cli(social_site, "queue", "--json").output)]
    assert sorted(shown) == sorted(queued)
    assert cli(social_site, "publish").exit_code == 0
    sent = [json.loads(line) for line in (social_site.root / "plugins/sent.jsonl").read_text().splitlines()]
    assert sorted(sent) == sorted(text for texts in shown for text in texts)
    assert "News (in brief): read it (now) at https://blog.cmsite.info/posts/news/" in sent


WIRE = """
import json
from pathlib import Path

from cmsite.hookspecs import hookimpl
from cmsite.social.network import Network, Published


class Wire(Network):
    name, label, max_length, counting = "wire", "Wire", 500, "code_points"

    @classmethod
    def prepare(cls, text):
        return text.replace("(", "\\\\(").replace(")", "\\\\)")  # escaped on the wire, shown as typed

    def publish_one(self, session, part):
        with open(Path(__file__).with_name("sent.jsonl"), "a") as sent:
            sent.write(json.dumps(part.text) + "\\n")
        return Published(str(part.number), "https://wire.example/1")


@hookimpl
def cmsite_networks():
    return [Wire]
"""


def test_append_false_keeps_a_template_text_as_written(social_site):
    config = social_site.root / "cmsite.toml"
    config.write_text(
        config.read_text()
        + '\n[[social.defaults]]\nnetwork = "chirp"\ntext = "New: {title}"\nappend = false\n'
    )
    social_site.post("2026-05-03-a.md", "title: Defaults\ntags: [community]")
    social_site.post(
        "2026-05-04-b.md",
        "title: Plan the week\ntags: [community]\nsocial:\n"
        '  - network: toot\n    text: "{title}, this Monday"\n    append: false\n'
        '  - network: toot\n    text: "{title}, this Monday"\n'
        '  - network: chirp\n    text: "{title} {tags}"\n    append: false\n'
        "  - network: chirp\n    append: false",
    )
    result = cli(social_site, "preview", "--json")
    assert result.exit_code == 0, result.output
    texts = {(p["source"][-4:], p["network"], p["line"]): p["texts"] for p in json.loads(result.output)}
    link = "https://blog.cmsite.info/posts/b/"
    assert texts == {
        ("a.md", "chirp", None): ["New: Defaults"],
        ("b.md", "toot", 5): ["Plan the week, this Monday"],
        ("b.md", "toot", 8): [f"Plan the week, this Monday\n\n{link} #Community"],
        ("b.md", "chirp", 10): ["Plan the week #Community"],
        ("b.md", "chirp", 13): ["Plan the week\n\nSome text."],  # title and summary: nothing added
    }


def test_append_must_be_true_or_false(social_site):
    social_site.post("2026-05-04-a.md", 'title: A\nsocial: [{network: toot, append: "no"}]')
    result = cli(social_site, "check")
    assert result.exit_code == 1
    assert "content/posts/2026-05-04-a.md:3: append must be true or false" in result.output


@pytest.mark.parametrize(
    ("template", "problem"),
    [
        ("{titel}: {url}", "unknown field {titel} (did you mean {title}?)"),
        ("{title} {0}", "unknown field {0}"),
        ("{title} {", "Single '{' encountered in format string"),
        ("{title:d}", "Unknown format code 'd' for object of type 'str'"),
    ],
)
def test_a_template_cmsite_cannot_fill_is_an_error_at_its_line_not_a_crash(social_site, template, problem):
    social_site.post("2026-05-04-a.md", f'title: A\nsocial: [{{network: toot, text: "{template}"}}]')
    message = (
        f"content/posts/2026-05-04-a.md:3: text: {problem}; a template takes {{title}}, {{summary}}, {{url}}, "
        "{tags}; write {{ and }} for a literal brace"
    )
    for command in ("check", "preview"):
        result = cli(social_site, command)
        assert result.exit_code == 1 and isinstance(result.exception, SystemExit)  # not a KeyError
        assert message in result.output


def test_a_default_template_cmsite_cannot_fill_is_an_error_in_the_settings(social_site):
    config = social_site.root / "cmsite.toml"
    config.write_text(config.read_text() + '\n[[social.defaults]]\nnetwork = "toot"\ntext = "{titel}"\n')
    social_site.post("2026-05-04-a.md", "title: A")
    result = cli(social_site, "check")
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)  # not a KeyError
    assert "cmsite.toml:" in result.output
    assert "[[social.defaults]] #1: text: unknown field {titel} (did you mean {title}?)" in result.output


def test_errors_about_a_text_point_at_the_line_of_text(social_site):
    """Not at the plan's `network:`, in YAML and TOML front matter alike."""
    social_site.post(
        "2026-05-04-a.md",
        'title: A\nsocial:\n  - network: chirp\n    at: +1h\n    text: "'
        + "word " * 30
        + '"\n  - network: toot\n    text: "{titel}"',
    )
    social_site.write(
        "content/posts/2026-05-05-b.md",
        '+++\ntitle = "B"\n\n[[social]]\nnetwork = "toot"\n\ntext = "{titel}"\n+++\nB.\n',
    )
    result = cli(social_site, "check")
    assert result.exit_code == 1
    errors = [line.split(": ", 1) for line in result.output.splitlines()[:-1]]
    assert [(where, message[:12]) for where, message in errors] == [
        ("content/posts/2026-05-04-a.md:6", "the text is "),
        ("content/posts/2026-05-04-a.md:8", "text: unknow"),
        ("content/posts/2026-05-05-b.md:7", "text: unknow"),
    ]


def test_errors_about_the_text_of_defaults_and_standalone_posts_point_at_it(social_site):
    """A default's text is written in cmsite.toml; a standalone social post's is its body."""
    config = social_site.root / "cmsite.toml"
    settings = (
        config.read_text() + '\n[[social.defaults]]\nnetwork = "chirp"\n\ntext = "{title}: {summary}"\n'
    )
    config.write_text(settings)
    text_line = settings.splitlines().index('text = "{title}: {summary}"') + 1
    social_site.post("2026-05-04-a.md", "title: A\nsummary: " + "word " * 30)
    social_site.write(
        "content/social/meetup.md",
        "---\nnetworks: [chirp]\nat: 2026-06-01 18:00\n---\n\n" + "Meetup tonight, doors open at six. " * 4,
    )
    result = cli(social_site, "check")
    assert result.exit_code == 1
    errors = [
        line.split(" the text is ")[0] for line in result.output.splitlines() if " the text is " in line
    ]
    assert errors == [
        f"cmsite.toml:{text_line}: [[social.defaults]] #1, on content/posts/2026-05-04-a.md:",
        "content/social/meetup.md:6:",
    ]


def test_what_is_over_the_limit_is_an_error_about_the_length_shown(social_site):
    """One verdict: every length over the limit comes with one error that gives that length,
    and no error gives another, whatever made the text (cmsite, the writer, a hook)."""
    social_site.write("plugins/networks.py", SCHEDULING)  # its hook makes every toot longer
    long = "word " * 23 + "w"
    social_site.post(
        "2026-05-04-a.md",
        "title: A\nsummary: " + "word " * 40 + "\nsocial:\n  - network: chirp\n  - network: toot\n"
        f'  - network: chirp\n    text: "{long}"\n  - network: toot\n    text: "{long}"\n'
        '  - network: chirp\n    thread: true\n    text: "' + "A sentence. " * 20 + '"',
    )
    posts = json.loads(cli(social_site, "preview", "--json").output)
    assert len(posts) == 5
    for post in posts:
        over = [f"the text is {n} characters" for n in post["lengths"] if n > post["limit"]]
        said = [e["message"].split(" as ")[0] for e in post["errors"] if "over its limit" in e["message"]]
        assert said == over, post
    assert sum(bool(post["errors"]) for post in posts) == 2  # the two texts written too long


def test_a_key_a_plan_does_not_take_is_an_error_at_its_line_never_ignored(social_site):
    """`txt:` in a post's plan, `text:` in a standalone post (whose text is its body): both used to be
    dropped without a word, and the post went out with another text than the one written."""
    social_site.post("2026-05-04-a.md", 'title: A\nsocial:\n  - network: toot\n    txt: "Read this"')
    social_site.write(
        "content/social/meetup.md",
        '---\nnetworks: [toot, chirp]\nat: 2026-06-01 18:00\ntext: "Meetup tonight"\n---\nThe body.\n',
    )
    result = cli(social_site, "check")
    assert result.exit_code == 1
    assert (
        "content/posts/2026-05-04-a.md:5: unknown key 'txt' (did you mean 'text'?); a plan takes network,"
        in result.output
    )
    assert (
        "content/social/meetup.md:4: a standalone social post's text is its body, below the front matter;"
        in result.output
    )
    assert result.output.count("content/social/meetup.md:4:") == 1  # one error, not one per network


@pytest.mark.parametrize(
    ("front", "line", "problem"),
    [
        ("networks: [toot]\nat: 2026-06-01 18:00\nstatus: sent", 4, "status 'sent' is not one of"),
        ("networks: [toot]\nat: 2026-06-01 18:00\nthread: yes please", 4, "thread must be true or false"),
        ("networks: [toot]\nat: tomorrow", 3, "at: "),
        ("networks: [toot]", 2, "a standalone social post needs `at:`"),
        ("at: 2026-06-01 18:00", 1, "a social post needs `networks: [mastodon, bluesky]`"),
    ],
)
def test_a_standalone_post_is_read_like_a_posts_plan(social_site, front, line, problem):
    social_site.write("content/social/meetup.md", f"---\n{front}\n---\nMeetup tonight.\n")
    result = cli(social_site, "check")
    assert result.exit_code == 1
    assert f"content/social/meetup.md:{line}: {problem}" in result.output


def test_a_plans_picture_is_never_read_from_outside_the_site(social_site):
    """A path climbing out of the content folder, or a file's absolute path, is an error of the
    plan: before, any path not in the content folder was read as it was, and uploaded. (A link
    in content/ leading out is refused when the site opens, as every file the build reads.)"""
    secret = social_site.root.parent / "secret.png"
    secret.write_bytes(b"\x89PNG a secret")
    plans = "\n".join(
        f"  - network: toot\n    media: [{{path: {path}, alt: A picture}}]"
        for path in ("../../secret.png", secret)
    )
    social_site.post("2026-05-04-a.md", f"title: A\nsocial:\n{plans}")
    result = cli(social_site, "check")
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert any(
        line.startswith("content/posts/2026-05-04-a.md:4: ../../secret.png is not a file the site may read")
        for line in lines
    ), lines
    assert any(
        line.startswith(f"content/posts/2026-05-04-a.md:6: {secret} does not exist") for line in lines
    ), lines


def test_a_standalone_post_is_read_like_every_file_of_the_site(social_site):
    """A link in content/social/ to a file outside the site used to be read, and its text sent."""
    outside = social_site.root.parent / "notes.md"
    outside.write_text("---\nnetworks: [toot]\nat: 2026-06-01 18:00\n---\nA private note.\n")
    (social_site.root / "content/social").mkdir(parents=True)
    (social_site.root / "content/social/linked.md").symlink_to(outside)
    result = cli(social_site, "preview")
    assert "A private note" not in result.output
    assert "content/social/linked.md: a symbolic link to a file outside the site folder" in result.output
    (social_site.root / "content/social/linked.md").unlink()
    big = "---\nnetworks: [toot]\nat: 2026-06-01 18:00\n---\n" + "word " * 300_000
    social_site.write("content/social/big.md", big)
    assert "content/social/big.md:5: the file passes 1 MiB here" in cli(social_site, "preview").output
