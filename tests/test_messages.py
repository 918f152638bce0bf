"""What the commands say: names of networks meant, paths that name no content, counts that
agree with their number, what each queue command did, and a `cmsite check` that writes nothing."""

from __future__ import annotations

import hashlib
import json
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from cmsite.cli import main
from cmsite.messages import count
from cmsite.testing import TOY_NETWORKS, run_cmsite

# The two toy networks, named like real ones, for the names people mistype.
NAMED_NETWORKS = TOY_NETWORKS.replace('"toot", "Toot", 120', '"bluesky", "Sky", 300').replace(
    '"chirp", "Chirp", 80', '"x", "Ex", 280'
)


def cli(site, *args):
    return CliRunner().invoke(main, ["--site", str(site.root), *map(str, args)])


def configure(site, text: str) -> str:
    """Add `text` to the site's cmsite.toml; the whole file, to find lines in."""
    config = site.root / "cmsite.toml"
    config.write_text(config.read_text() + "\n" + text)
    return config.read_text()


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


@pytest.fixture
def named_site(site_folder):
    site_folder.write("plugins/networks.py", NAMED_NETWORKS)
    return site_folder


@pytest.fixture
def social_site(site_folder):
    site_folder.write("plugins/networks.py", TOY_NETWORKS)
    configure(site_folder, "[queue]\ncatch_up_hours = false\n")
    return site_folder


def test_a_mistyped_network_in_a_plan_gets_the_name_meant(named_site):
    named_site.post(
        "2026-05-04-a.md",
        "title: A\nsocial:\n  - network: blueksy\n  - network: twitter\n  - network: myspace",
    )
    named_site.write(
        "content/social/2026-05-05-note.md", "---\nnetworks: [Twitter]\nat: 2026-05-05 10:00\n---\nHi\n"
    )
    lines = cli(named_site, "check").output.splitlines()
    known = "known networks: bluesky, x (see `cmsite plugins`)"
    assert (
        f"content/posts/2026-05-04-a.md:4: unknown network 'blueksy' (did you mean 'bluesky'?); {known}"
        in lines
    )
    assert (
        f"content/posts/2026-05-04-a.md:5: unknown network 'twitter': X (the former Twitter) is `x`; {known}"
        in lines
    )
    assert f"content/posts/2026-05-04-a.md:6: unknown network 'myspace'; {known}" in lines
    assert (
        f"content/social/2026-05-05-note.md:2: unknown network 'twitter': X (the former Twitter) is `x`; {known}"
        in lines
    )


def test_google_plus_is_said_to_be_gone_not_unknown(named_site):
    named_site.post("2026-05-04-a.md", "title: A\nsocial:\n  - network: google+\n  - network: GooglePlus")
    lines = cli(named_site, "check").output.splitlines()
    gone = "Google+ closed in April 2019: there is no such network to send to; remove it from the plan"
    assert (
        f"content/posts/2026-05-04-a.md:4: unknown network 'google+': {gone}; known networks: bluesky, x (see `cmsite plugins`)"
        in lines
    )
    assert any(
        line.startswith("content/posts/2026-05-04-a.md:5: unknown network 'googleplus': Google+ closed")
        for line in lines
    )


def test_a_mistyped_network_in_the_settings_gets_the_name_meant(named_site):
    text = configure(
        named_site, "[networks.blueksy]\ntimeout = 5\n\n[[social.defaults]]\nnetwork = 'Twitter'\n"
    )
    lines = cli(named_site, "check").output.splitlines()
    installed = "installed networks: bluesky, x; install the plugin that provides it"
    assert any(
        line.startswith(
            f"cmsite.toml:{line_of(text, 'blueksy')}: [networks.blueksy] unknown network 'blueksy' (did you mean 'bluesky'?); {installed}"
        )
        for line in lines
    ), lines
    assert any(
        line.startswith(
            f"cmsite.toml:{line_of(text, 'Twitter')}: [[social.defaults]] #1: unknown network 'Twitter': X (the former Twitter) is `x`; {installed}"
        )
        for line in lines
    ), lines


def test_preview_of_a_path_that_names_no_content_is_an_error(social_site, monkeypatch):
    monkeypatch.chdir(social_site.root)  # paths are read from the current folder, as typed
    social_site.post("2026-05-04-plan.md", "title: Plan\nsocial: [toot]")
    social_site.write("content/images/chart.png", "not read")
    result = cli(social_site, "preview", "content/posts/nope.md", "content/images/chart.png", "cmsite.toml")
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "cmsite.toml: not a post, page or social post of this site (cmsite reads those under content/)",
        "content/images/chart.png: not a post, page or social post of this site (cmsite reads those under content/)",
        "content/posts/nope.md: no such file or folder; give a post, page or social post under content/",
        "3 errors; fix them and run `cmsite preview` again.",
    ]
    result = cli(social_site, "preview", "--json", "content/posts/nope.md")
    assert result.exit_code == 1
    assert json.loads(result.output)["errors"][0]["path"] == "content/posts/nope.md"


def test_preview_of_content_that_plans_nothing_says_so(social_site, monkeypatch):
    monkeypatch.chdir(social_site.root)
    social_site.post("2026-05-04-plan.md", "title: Plan\nsocial: [toot]")
    social_site.post("2026-05-05-quiet.md", "title: Quiet")
    result = cli(social_site, "preview", "content/posts/2026-05-05-quiet.md")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "content/posts/2026-05-05-quiet.md plans no social posts.",
        "0 planned social posts, 0 with errors.",
    ]
    both = cli(social_site, "preview", "content/posts")  # a folder of the content: the files under it
    assert both.exit_code == 0 and both.output.endswith("1 planned social post, 0 with errors.\n")


def _tree(root: Path) -> dict[str, tuple[int, int, str]]:
    """Every file and folder under `root` (.cmsite/ too): its kind, size, time and bytes."""
    return {
        path.relative_to(root).as_posix(): (
            path.is_dir(),
            path.stat().st_mtime_ns,
            "" if path.is_dir() else hashlib.sha256(path.read_bytes()).hexdigest(),
        )
        for path in sorted(root.rglob("*"))
    }


def test_check_creates_and_changes_no_file(social_site, monkeypatch):
    monkeypatch.setattr(sys, "dont_write_bytecode", False)  # as on a machine without PYTHONDONTWRITEBYTECODE
    when = datetime.now(UTC) - timedelta(days=2)
    social_site.post(
        f"{when:%Y-%m-%d}-news.md", f"title: News\ndate: {when:%Y-%m-%d %H:%M}\nsocial: [toot, chirp]"
    )
    social_site.post("2026-05-05-draft.md", "title: Draft\ndraft: true\nsocial: [toot]")
    before = _tree(social_site.root)
    result = cli(social_site, "check")
    assert result.exit_code == 0, result.output
    assert _tree(social_site.root) == before  # nothing made: no .cmsite/, no queue, no cache

    # Now the caches and the queue are there, made by commands run as people run them: each
    # its own process, which leaves no SQLite -wal or -shm file behind. The same plugins as
    # this process's, so that the check finds the cached items and excerpts it may use.
    same = {"CMSITE_DISABLE_PLUGINS": os.environ["CMSITE_DISABLE_PLUGINS"]}
    assert run_cmsite(social_site, "build", env=same).returncode == 0
    (entry, _) = json.loads(run_cmsite(social_site, "queue", "--json", env=same).stdout)
    assert run_cmsite(social_site, "queue", "cancel", entry["id"], env=same).returncode == 0
    social_site.post(
        f"{when:%Y-%m-%d}-news.md", f"title: News, edited\ndate: {when:%Y-%m-%d %H:%M}\nsocial: [toot, chirp]"
    )
    before = _tree(social_site.root)
    assert ".cmsite/queue.sqlite" in before and ".cmsite/content.sqlite" in before
    result = cli(social_site, "check")
    assert result.exit_code == 0, result.output
    assert f"the {entry['network']} post was cancelled by hand; the change is not queued" in result.output
    assert _tree(social_site.root) == before


@pytest.mark.parametrize(("number", "expected"), [(0, "0 posts"), (1, "1 post"), (2, "2 posts")])
def test_a_count_agrees_with_its_number(number, expected):
    assert count(number, "post", "posts") == expected


def test_the_commands_count_in_the_singular_when_there_is_one(social_site):
    long_ago = datetime.now(UTC) - timedelta(days=60)
    social_site.post(
        f"{long_ago:%Y-%m-%d}-old.md", f"title: Old\ndate: {long_ago:%Y-%m-%d %H:%M}\nsocial: [toot]"
    )
    social_site.post("2026-05-05-draft.md", "title: Draft\ndraft: true")
    social_site.write("content/pages/about.md", "---\ntitle: About\n---\nUs.\n")
    result = cli(social_site, "check")
    assert result.exit_code == 0, result.output
    assert (
        "OK: 3 files checked — 1 post and 1 page published, 1 draft, 0 scheduled for later; 1 social post planned."
        in result.output
    )
    assert "1 planned social post, 0 with errors." in cli(social_site, "preview").output
    config = social_site.root / "cmsite.toml"  # a catch-up window: the old plan expires when first seen
    config.write_text(config.read_text().replace("catch_up_hours = false", "catch_up_hours = 24"))
    built = cli(social_site, "build").output
    assert "not queued: 1 plan whose time had long passed" in built
    assert "1 entry (Europe/Paris)." in cli(social_site, "queue", "--all").output
    social_site.post("2026-05-06-bad.md", "title: Bad\nsocial: [myspace]")
    assert "warning: 1 social plan has errors and is not queued" in cli(social_site, "build").output


def test_each_queue_command_says_what_it_did(social_site):
    past = datetime.now(UTC) - timedelta(days=2)
    social_site.post(f"{past:%Y-%m-%d}-now.md", f"title: Now\ndate: {past:%Y-%m-%d %H:%M}\nsocial: [toot]")
    social_site.post(
        f"{past:%Y-%m-%d}-later.md",
        f"title: Later\ndate: {past:%Y-%m-%d %H:%M}\nsocial:\n  - network: toot\n    at: 2099-01-01 09:30",
    )
    assert cli(social_site, "build").exit_code == 0
    due, later = json.loads(cli(social_site, "queue", "--json").output)
    at_due = f"{due['id']} (toot, {due['source']})"
    at_later = f"{later['id']} (toot, {later['source']})"

    def said(*args: str) -> str:
        result = cli(social_site, "queue", *args)
        assert result.exit_code == 0, result.output
        return result.output.strip()

    assert (
        said("approve", due["id"], "--by", "Claire") == f"{at_due}: approved by Claire for the next publish"
    )
    assert (
        said("approve", later["id"], "--by", "Claire")
        == f"{at_later}: approved by Claire for 2099-01-01 09:30 Europe/Paris"
    )
    assert said("cancel", due["id"]) == (
        f"{at_due}: cancelled; never sent, even while its plan stays (`cmsite queue retry {due['id']}` undoes it)"
    )
    assert said("retry", due["id"]) == f"{at_due}: queued again for the next publish"
    assert said("cancel", later["id"]).startswith(f"{at_later}: cancelled")
    assert said("retry", later["id"]) == f"{at_later}: queued again for 2099-01-01 09:30 Europe/Paris"
