"""One view of everything planned (issue 17, problem 4): `cmsite queue` lists every plan — queued,
waiting for its post's date, expired with the command that sends it anyway, awaiting approval —
in the site's zone under its own name, and `cmsite preview` says of each plan that will not be
sent why not."""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from cmsite.cli import main
from cmsite.testing import TOY_NETWORKS, TestSite

PARIS = ZoneInfo("Europe/Paris")  # the zone of cmsite.testing's site


def cli(site: TestSite, *args: str) -> dict | list | str:
    """Run cmsite on the site; JSON parsed when asked for, else the output."""
    result = CliRunner().invoke(main, ["--site", str(site.root), *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.output) if "--json" in args else result.output


@pytest.fixture
def blog(site_folder: TestSite) -> TestSite:
    """Last week's post, planned at 18:30 Paris time, and tomorrow's, both announced on toot."""
    site_folder.write("plugins/networks.py", TOY_NETWORKS)
    config = site_folder.root / "cmsite.toml"
    config.write_text(config.read_text() + "\n[queue]\nwait_for_page = false  # the site is not deployed\n")
    today = datetime.now(PARIS)
    site_folder.post(
        "old.md", f"title: Old\ndate: {today - timedelta(days=7):%Y-%m-%d} 18:30\nsocial: [toot]"
    )
    site_folder.post(
        "soon.md", f"title: Soon\ndate: {today + timedelta(days=1):%Y-%m-%d} 09:00\nsocial: [toot]"
    )
    return site_folder


def by_source(rows: list) -> dict[str, dict]:
    return {row["source"].removeprefix("content/posts/"): row for row in rows}


def test_queue_lists_the_expired_plan_and_the_waiting_one_in_the_sites_zone(blog):
    today = datetime.now(PARIS)
    last_week, tomorrow = f"{today - timedelta(days=7):%Y-%m-%d}", f"{today + timedelta(days=1):%Y-%m-%d}"
    text = cli(blog, "queue", "--all")
    assert f"planned for {last_week} 18:30 Europe/Paris, long before" in text and "UTC" not in text
    assert "waiting   toot" in text and f"waits until {tomorrow} 09:00 Europe/Paris, its post's date" in text
    rows = by_source(cli(blog, "queue", "--json"))  # without --all: nothing here is settled
    old, soon = rows["old.md"], rows["soon.md"]
    planned = datetime.combine((today - timedelta(days=7)).date(), time(18, 30), PARIS)
    assert (old["status"], old["at"]) == ("expired", planned.isoformat())  # in the site's zone
    assert old["reason"] == (
        f"planned for {last_week} 18:30 Europe/Paris, long before it was first queued; "
        f"not sent (`cmsite queue retry {old['id']}` sends it anyway)"
    )
    assert (soon["status"], soon["reason"]) == (
        "waiting",
        f"waits until {tomorrow} 09:00 Europe/Paris, its post's date",
    )
    assert cli(blog, "queue", "retry", old["id"]).startswith(old["id"])  # the command it names
    assert [(o["id"], o["status"]) for o in cli(blog, "publish", "--json")] == [(old["id"], "published")]


def test_preview_says_why_each_plan_will_not_be_sent_and_writes_nothing(blog):
    today = datetime.now(PARIS)
    rows = by_source(cli(blog, "preview", "--json"))
    assert "planned for" in rows["old.md"]["not_sent"] and "sends it anyway" in rows["old.md"]["not_sent"]
    assert (
        rows["soon.md"]["not_sent"]
        == f"waits until {today + timedelta(days=1):%Y-%m-%d} 09:00 Europe/Paris, its post's date"
    )
    assert not (blog.root / ".cmsite/queue.sqlite").exists()
    blog.post("draft.md", f"title: Draft\ndraft: true\ndate: {today:%Y-%m-%d}\nsocial: [toot]")
    text = cli(blog, "preview", "--drafts")
    assert "⊘ its post is a draft: queued once it is published" in text

    old = by_source(cli(blog, "queue", "--json"))["old.md"]
    cli(blog, "queue", "retry", old["id"])
    assert by_source(cli(blog, "preview", "--json"))["old.md"]["not_sent"] is None  # goes at the next publish
    cli(blog, "publish")
    assert (
        by_source(cli(blog, "preview", "--json"))["old.md"]["not_sent"]
        == "already published: https://toot.example/1"
    )


def test_preview_marks_a_plan_cancelled_by_hand_and_one_awaiting_approval(blog):
    config = blog.root / "cmsite.toml"
    config.write_text(config.read_text() + "approval = true\n")
    blog.post(
        "new.md",
        f"title: New\ndate: {datetime.now(PARIS) - timedelta(hours=1):%Y-%m-%d %H:%M}\nsocial: [toot]",
    )
    new = by_source(cli(blog, "queue", "--json"))["new.md"]
    assert (new["awaiting_approval"], new["reason"]) == (
        True,
        f"waits for approval (`cmsite queue approve {new['id']}`)",
    )
    assert by_source(cli(blog, "preview", "--json"))["new.md"]["not_sent"] == new["reason"]
    cli(blog, "queue", "cancel", new["id"])
    assert (
        "cancelled with `cmsite queue cancel`"
        in by_source(cli(blog, "preview", "--json"))["new.md"]["not_sent"]
    )
    assert "new.md" not in by_source(cli(blog, "queue", "--json"))  # settled: shown with --all
    assert by_source(cli(blog, "queue", "--all", "--json"))["new.md"]["status"] == "cancelled"
