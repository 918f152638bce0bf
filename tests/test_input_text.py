"""Text that used to crash a build or be misreported (issue 15): control characters, YAML
aliases without end, nesting, dates out of range, unknown languages, long values, a damaged
queue database. Each gives a warning or a `path:line: what to do` error, never a traceback."""

from __future__ import annotations

import json
import re
import sqlite3
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from cmsite.cli import main
from cmsite.content.frontmatter import FrontMatterError, parse
from cmsite.errors import ContentErrors
from cmsite.queue.store import Entry, QueueStore
from cmsite.social.planner import planned_posts

CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def write(site_folder, relative: str, text: str) -> Path:
    """Write a file byte for byte (the test kit's dedent and strip would touch control characters)."""
    path = site_folder.root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def errors_of(site_folder, **options) -> list[str]:
    with pytest.raises(ContentErrors) as caught:
        site_folder.build(**options)
    return [str(error) for error in caught.value.errors]


def cli(site_folder, *args: str):
    return CliRunner().invoke(main, ["--site", str(site_folder.root), *args])


def assert_clean_output(site_folder) -> None:
    for path in site_folder.output.rglob("*"):
        if path.is_file() and path.suffix in (".html", ".xml", ".json", ".txt"):
            assert not CONTROLS.search(path.read_text(encoding="utf-8")), path


@pytest.mark.parametrize("char", ["\x0b", "\x08", "\x1f"])
def test_a_control_character_is_removed_from_every_output_with_a_warning_at_its_line(site_folder, char):
    write(
        site_folder,
        "content/posts/x.md",
        f'---\ntitle: "Pasted{char} title"\ndate: 2026-11-01\ntags: [a{char}b]\n---\n\nFirst line.\n\n'
        f"A body pasted from Word{char} here.\n",
    )
    report = site_folder.build()
    assert_clean_output(site_folder)
    assert "Pasted title" in site_folder.read("feeds/rss.xml")
    (warning,) = map(str, report.warnings)
    code = f"U+{ord(char):04X}"
    assert warning == (
        f"content/posts/x.md:2: warning: removed 3 control characters {code}, also on lines 4, 9 "
        "(pasted from a word processor?)"
    )


def test_escaped_control_characters_in_yaml_and_toml_values_are_removed_too(site_folder):
    write(
        site_folder, "content/posts/y.md", '---\ntitle: "Y"\ndate: 2026-11-01\nsummary: "a\\vb"\n---\nText\n'
    )
    write(site_folder, "content/posts/t.md", '+++\ntitle = "T\\u0008"\ndate = 2026-11-02\n+++\nText\n')
    config = site_folder.root / "cmsite.toml"
    config.write_text(config.read_text().replace('author = "Test Author"', 'author = "Test\\u000bAuthor"'))
    report = site_folder.build()
    assert_clean_output(site_folder)
    assert [str(warning) for warning in report.warnings] == [
        "cmsite.toml:7: warning: removed a control character U+000B (pasted from a word processor?)",
        "content/posts/t.md:2: warning: removed a control character U+0008 (pasted from a word processor?)",
        "content/posts/y.md:4: warning: removed a control character U+000B (pasted from a word processor?)",
    ]


def test_a_control_character_in_cmsite_toml_is_removed_with_a_warning_at_its_line(site_folder):
    config = site_folder.root / "cmsite.toml"
    config.write_text(config.read_text().replace("A site for tests.", "A site\x0b for tests."))
    site_folder.post("2026-11-01-a.md", "title: A")
    report = site_folder.build()
    assert "A site for tests." in site_folder.read("feeds/rss.xml")
    assert [str(w) for w in report.warnings] == [
        "cmsite.toml:4: warning: removed a control character U+000B (pasted from a word processor?)"
    ]


def test_cmsite_toml_that_is_not_utf8_is_an_error_at_its_line(site_folder):
    config = site_folder.root / "cmsite.toml"
    config.write_bytes(config.read_bytes().replace(b"A site for tests.", b"Caf\xe9"))
    result = cli(site_folder, "build")
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert result.stderr.splitlines()[0] == "cmsite.toml:4: not valid UTF-8; save the file as UTF-8"


def test_a_control_character_on_yaml_line_4_is_reported_at_line_4(site_folder):
    write(site_folder, "content/posts/x.md", "---\ntitle: T\ndate: 2026-11-01\ncategory: a\x1fb\n---\nText\n")
    (warning,) = site_folder.build().warnings
    assert (warning.path, warning.line) == ("content/posts/x.md", 4)


def test_the_warning_comes_back_on_every_build_until_the_file_is_fixed(site_folder):
    post = write(site_folder, "content/posts/x.md", "---\ntitle: T\ndate: 2026-11-01\n---\nA\x0bB\n")
    expected = [
        "content/posts/x.md:5: warning: removed a control character U+000B (pasted from a word processor?)"
    ]
    assert [str(w) for w in site_folder.build().warnings] == expected
    site_folder.post("2026-11-02-other.md", "title: Other")  # a full build again, x.md from the item cache
    again = site_folder.build()
    assert not again.nothing_changed and [str(w) for w in again.warnings] == expected
    skipped = site_folder.build()
    assert skipped.nothing_changed and [str(w) for w in skipped.warnings] == expected
    post.write_text("---\ntitle: T\ndate: 2026-11-01\n---\nAB\n")
    assert site_folder.build().warnings == []


def test_the_command_line_prints_warnings_on_stderr_path_and_line_first(site_folder):
    write(site_folder, "content/posts/x.md", "---\ntitle: T\ndate: 2026-11-01\n---\nA\x0bB\n")
    result = cli(site_folder, "build")
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines()[0] == (
        "content/posts/x.md:5: warning: removed a control character U+000B (pasted from a word processor?)"
    )


def test_cmsite_check_shows_the_warnings_too(site_folder):
    write(site_folder, "content/posts/x.md", "---\ntitle: T\ndate: 2026-11-01\n---\nA\x0bB\n")
    shown = cli(site_folder, "check")
    assert shown.exit_code == 0 and shown.stderr.startswith("content/posts/x.md:5: warning: removed")
    (warning,) = json.loads(cli(site_folder, "check", "--json").stdout)["warnings"]
    assert (warning["path"], warning["line"]) == ("content/posts/x.md", 5)


@pytest.mark.parametrize(
    ("front", "line", "words"),
    [
        ("a: &x [*x]", 4, "inside the value it names"),
        ("a: &x\n  b: *x", 4, "inside the value it names"),  # at the key whose value never ends
        ("a: " + "[" * 200 + "]" * 200, 4, "nested more than 100 deep"),
    ],
)
def test_yaml_that_never_ends_or_nests_too_deep_is_an_error_at_its_line(site_folder, front, line, words):
    write(site_folder, "content/posts/x.md", f"---\ntitle: T\ndate: 2026-11-01\n{front}\n---\nText\n")
    (message,) = errors_of(site_folder)
    assert message.startswith(f"content/posts/x.md:{line}: invalid front matter: ")
    assert words in message


def test_nested_yaml_aliases_are_bounded():
    """ "Billion laughs": 400 bytes that every step after the parser (item cache, fingerprints)
    walked as a billion values; the parser alone shares them, so the bound is checked there."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"{b}: &{b} [{', '.join([f'*{a}'] * 9)}]" for a, b in zip("abcdefgh", "bcdefghi", strict=True)]
    with pytest.raises(FrontMatterError) as caught:
        parse("---\ntitle: T\n" + "\n".join(lines) + "\n---\nText\n", "content/posts/x.md")
    message = str(caught.value.error)
    assert message.startswith("content/posts/x.md:")
    assert "more than 100,000 values once YAML aliases (*name) are expanded" in message


def test_toml_front_matter_nested_too_deep_is_an_error_at_its_line(site_folder):
    deep = "[" * 2000 + "]" * 2000
    write(site_folder, "content/posts/x.md", f'+++\ntitle = "T"\ndate = 2026-11-01\na = {deep}\n+++\nText\n')
    assert errors_of(site_folder) == [
        "content/posts/x.md:4: invalid TOML: lists or tables nested more than 100 deep; nest them less"
    ]


@pytest.mark.parametrize(
    ("front", "where"),
    [
        ("---\ntitle: T\ndate: 0001-01-01\n---\n", "3: date: 0001-01-01"),
        ("---\ntitle: T\ndate: 2026-01-01\nupdated: 9999-12-31 23:59\n---\n", "4: updated: 9999-12-31"),
        ('+++\ntitle = "T"\ndate = 0001-01-01T00:00:00+14:00\n+++\n', "3: date: 0001-01-01"),
    ],
)
def test_a_date_out_of_range_is_an_error_at_its_line_before_anything_is_written(site_folder, front, where):
    """Such dates went through to the queue's sync, which failed after the output was written."""
    site_folder.write("plugins/wall.py", WALL)
    site_folder.post("2026-11-01-good.md", "title: Good")
    site_folder.build()
    before = site_folder.read("index.html")
    write(site_folder, "content/posts/x.md", front + "Text\n")
    (message,) = errors_of(site_folder)
    assert message == f"content/posts/x.md:{where} is out of range; write a year from 1001 to 9998"
    assert site_folder.read("index.html") == before


def test_a_file_name_date_out_of_range_is_part_of_the_slug(site_folder):
    site_folder.post("0001-01-01-old.md", "title: Old\ndate: 2026-11-01")
    site_folder.build()
    assert (site_folder.output / "posts/0001-01-01-old/index.html").is_file()


def test_a_social_plan_too_far_after_its_post_is_an_error_of_the_plan(site_folder):
    site_folder.write("plugins/wall.py", WALL)
    site_folder.post("2026-11-01-x.md", "title: X\nsocial:\n  - network: wall\n    at: +99999999999d")
    site = site_folder.site()
    site.load()
    (post,) = planned_posts(site)
    (error,) = post.errors
    assert str(error).startswith("content/posts/2026-11-01-x.md:5: at: '+99999999999d' is too far after")


def test_an_unknown_language_in_a_post_is_an_error_at_its_line(site_folder):
    site_folder.post("2026-11-01-x.md", "title: X\nlang: zz-ZZ")
    assert errors_of(site_folder) == [
        'content/posts/2026-11-01-x.md:3: unknown language \'zz-ZZ\'; use a code like "en" or "fr"'
    ]


@pytest.mark.parametrize("key", ["date", "draft", "lang", "slug"])
def test_long_values_are_shortened_in_errors(site_folder, key):
    value = "../" * 2000 if key == "slug" else "x" * 5000
    site_folder.post("2026-11-01-x.md", f'title: X\n{key}: "{value}"')
    (message,) = errors_of(site_folder)
    assert message.startswith("content/posts/2026-11-01-x.md:3: ")
    assert "..." in message and len(message) < 300


WALL = """
from cmsite.hookspecs import hookimpl
from cmsite.social.network import Network, Published


class Wall(Network):
    name, label, max_length = "wall", "Wall", 500

    def publish_one(self, session, part):
        raise AssertionError("nothing is sent in these tests")


@hookimpl
def cmsite_networks():
    return [Wall]
"""


@pytest.fixture
def queued(site_folder):
    """A site planning a post on the Wall (never due), and a queue of many pages beside it."""
    site_folder.write("plugins/wall.py", WALL)
    site_folder.post("2026-11-01-x.md", "title: X\nsocial:\n  - network: wall\n    at: 2099-01-01 10:00")
    store = QueueStore(site_folder.root / ".cmsite/queue.sqlite")
    with store.transaction() as db:
        for number in range(100):
            entry = Entry(
                f"e{number}",
                "content/posts/old.md",
                "wall",
                "default",
                datetime(2026, 1, 1, tzinfo=UTC),
                ["t" * 500],
            )
            store.insert(db, entry)
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    return site_folder


def _garbage(path: Path) -> None:
    path.write_bytes(b"not a database, but bytes from a disk that failed" * 50)


def _truncated(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _damaged_page(path: Path) -> None:
    """A page in the middle overwritten: the file opens, and fails only when that page is read."""
    data = bytearray(path.read_bytes())
    data[10 * 4096 : 10 * 4096 + 64] = b"\x07" * 64
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("damage", [_garbage, _truncated, _damaged_page])
@pytest.mark.parametrize(
    "command", [["build"], ["queue"], ["queue", "--json"], ["publish"], ["queue", "cancel", "e1"], ["check"]]
)
def test_a_damaged_queue_database_is_an_error_saying_what_to_do(queued, damage, command):
    path = queued.root / ".cmsite/queue.sqlite"
    damage(path)
    with pytest.raises(sqlite3.DatabaseError):  # the damage is real: SQLite cannot read every entry
        sqlite3.connect(path).execute("SELECT * FROM entries").fetchall()
    result = cli(queued, *command)
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    if "--json" in command:
        (error,) = json.loads(result.stdout)["errors"]
        assert error["path"] == ".cmsite/queue.sqlite"
        return
    first = result.stderr.splitlines()[0]
    assert first.startswith(".cmsite/queue.sqlite: the queue database is damaged (")
    assert "restore it from a backup, or move it away to start an empty queue" in first
    assert "plans more than 24 hours past are then recorded as expired" in first
    assert "Traceback" not in result.output


def test_cmsite_serve_says_warnings_and_that_the_queue_is_damaged_and_keeps_serving(queued):
    """The watch session's build warnings; its sync and its `--publish` loop: the queue's error,
    and the session goes on."""
    from cmsite.serve.publishing import PublishLoop
    from cmsite.serve.reload import ReloadHub
    from cmsite.serve.session import WatchSession

    _garbage(queued.root / ".cmsite/queue.sqlite")
    write(queued, "content/posts/pasted.md", "---\ntitle: P\ndate: 2026-11-01\n---\nA\x0bB\n")
    said: list[str] = []
    published_said = threading.Event()

    def say(text: str, *, fg: str | None = None) -> None:
        said.append(text)
        if (
            len(
                [
                    line
                    for line in said
                    if line.startswith(".cmsite/queue.sqlite: the queue database is damaged")
                ]
            )
            == 2
        ):
            published_said.set()

    session = WatchSession(queued.site, queued.output, say=say, hub=ReloadHub())
    try:
        session.start()
        assert (queued.output / "index.html").is_file()
        loop = PublishLoop(session)
        loop.start()
        assert published_said.wait(60), said
        loop.stop()
    finally:
        session.close()
    assert not any("Traceback" in line for line in said)
    assert (
        "content/posts/pasted.md:5: warning: removed a control character U+000B (pasted from a word processor?)"
        in said
    )


def test_a_standalone_social_post_loses_its_control_characters_and_says_so(site_folder):
    site_folder.write("plugins/wall.py", WALL)
    write(
        site_folder,
        "content/social/2026-11-20-hi.md",
        "---\nnetworks: [wall]\nat: 2026-11-20 10:00\n---\nHi\x0b there\n",
    )
    site = site_folder.site()
    site.load()
    (post,) = planned_posts(site)
    assert post.written == ["Hi there"]
    assert post.warnings == [
        "content/social/2026-11-20-hi.md:5: warning: removed a control character U+000B (pasted from a word processor?)"
    ]
