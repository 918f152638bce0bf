"""Client validation (issue 18, item 4): who approved what and when, kept in the queue; a changed
text or time needs approval again; an approval written in the Markdown; a month approved at once;
and `cmsite preview --since REF --markdown`, the review of what a branch changes."""

from __future__ import annotations

import json
import sqlite3
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from postgres import postgres_server, postgres_url, queue_environment, queue_url

from cmsite.cli import main
from cmsite.queue.approvals import approval_of
from cmsite.queue.store import SCHEMA_VERSION, Entry, QueueStore, Via
from cmsite.site import Site
from cmsite.testing import TOY_NETWORKS, TestSite

PAST = datetime.now(UTC) - timedelta(days=2)  # queued now: the queue holds the entry itself

__all__ = ["postgres_server", "postgres_url", "queue_environment", "queue_url"]  # fixtures


def run(site: TestSite, *args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, ["--site", str(site.root), *args], env=env)


def ok(site: TestSite, *args: str, env: dict[str, str] | None = None) -> str:
    result = run(site, *args, env=env)
    assert result.exit_code == 0, result.output
    return result.output


def rows(site: TestSite) -> dict[str, dict]:
    """`cmsite queue --json`, by post file name and network."""
    found = json.loads(ok(site, "queue", "--json"))
    return {f"{Path(row['source']).name} {row['network']}": row for row in found}


@pytest.fixture
def site(site_folder: TestSite, queue_environment: str | None) -> TestSite:
    """Approval on for toot, off for chirp; old plans are sent however late; no page check. Its queue
    is in SQLite, then in PostgreSQL (CMSITE_QUEUE_URL): each test runs on both stores."""
    site_folder.write("plugins/networks.py", TOY_NETWORKS)
    config = site_folder.root / "cmsite.toml"
    config.write_text(
        config.read_text()
        + "\n[queue]\napproval = true\ncatch_up_hours = false\nwait_for_page = false\n"
        + "\n[networks.chirp]\napproval = false\n"
    )
    return site_folder


def plan(site: TestSite, name: str, date: str, text: str = "Hello", extra: str = "") -> Path:
    return site.post(
        name, f"title: {name}\ndate: {date}\nsocial:\n  - network: toot\n    text: {text}\n{extra}"
    )


def test_approvals_are_recorded_with_who_when_and_note_and_shown_in_queue_json(site):
    plan(site, "a.md", f"{PAST:%Y-%m-%d %H:%M}")
    plan(site, "b.md", f"{PAST:%Y-%m-%d %H:%M}", "Other")
    a, b = rows(site)["a.md toot"], rows(site)["b.md toot"]
    assert (a["awaiting_approval"], a["approval"], a["approvals"]) == (True, None, [])
    before = datetime.now(UTC)
    said = ok(site, "queue", "approve", a["id"], b["id"], "--by", "Claire", "--note", "OK for the launch")
    assert said.splitlines() == [
        f"{a['id']} (toot, content/posts/a.md): approved by Claire for the next publish",
        f"{b['id']} (toot, content/posts/b.md): approved by Claire for the next publish",
    ]
    a = rows(site)["a.md toot"]
    approval = a["approval"]
    assert (approval["by"], approval["note"], approval["via"]) == ("Claire", "OK for the launch", "command")
    assert before <= datetime.fromisoformat(approval["at"]) <= datetime.now(UTC)
    assert approval["at"].endswith("+00:00")  # when, in UTC
    assert (a["approved"], a["awaiting_approval"], a["stale_approval"]) == (True, False, False)
    assert [each["by"] for each in a["approvals"]] == ["Claire"]
    assert "✓ approved by Claire on" in ok(site, "queue") and "“OK for the launch”" in ok(site, "queue")
    assert [o["status"] for o in json.loads(ok(site, "publish", "--json"))] == ["published", "published"]


def test_approve_refuses_them_all_when_one_cannot_be_approved(site):
    plan(site, "a.md", f"{PAST:%Y-%m-%d %H:%M}")
    a = rows(site)["a.md toot"]
    result = run(site, "queue", "approve", a["id"], "nope", "--by", "Claire")
    assert result.exit_code == 1 and "no queue entry 'nope'" in result.output
    assert rows(site)["a.md toot"]["approvals"] == []


def test_approve_names_git_user_then_the_login_name_when_by_is_not_given(site, tmp_path):
    plan(site, "a.md", f"{PAST:%Y-%m-%d %H:%M}")
    entry = rows(site)["a.md toot"]["id"]
    gitconfig = tmp_path / "gitconfig"
    gitconfig.write_text("[user]\n\tname = Dominique Martin\n")
    git = {
        "GIT_CONFIG_GLOBAL": str(gitconfig),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CEILING_DIRECTORIES": str(tmp_path),
    }
    assert "approved by Dominique Martin" in ok(site, "queue", "approve", entry, env=git)
    login = {**git, "GIT_CONFIG_GLOBAL": str(tmp_path / "none"), "LOGNAME": "dmartin"}
    assert "approved by dmartin" in ok(site, "queue", "approve", entry, env=login)
    assert [each["by"] for each in rows(site)["a.md toot"]["approvals"]] == ["Dominique Martin", "dmartin"]


def test_a_changed_text_or_time_needs_approval_again_and_the_old_one_stays_stale(site):
    post = plan(site, "a.md", f"{PAST:%Y-%m-%d %H:%M}")
    entry = rows(site)["a.md toot"]["id"]
    ok(site, "queue", "approve", entry, "--by", "Claire")
    post.write_text(post.read_text().replace("text: Hello", "text: Hello, changed"))
    a = rows(site)["a.md toot"]
    assert (a["approved"], a["awaiting_approval"], a["stale_approval"]) == (False, True, True)
    assert a["changed_since_approval"] == ["text"]
    assert a["reason"].startswith("waits: approved by Claire on ") and "then its text changed" in a["reason"]
    assert [(each["by"], each["stale"]) for each in a["approvals"]] == [("Claire", True)]
    assert [o["status"] for o in json.loads(ok(site, "publish", "--json"))] == ["waiting"]  # not sent

    ok(site, "queue", "approve", entry, "--by", "Claire", "--note", "new text fine")
    assert [(e["note"], e["stale"]) for e in rows(site)["a.md toot"]["approvals"]] == [
        ("", True),
        ("new text fine", False),
    ]
    later = PAST + timedelta(hours=1)
    post.write_text(post.read_text().replace(f"{PAST:%Y-%m-%d %H:%M}", f"{later:%Y-%m-%d %H:%M}"))
    a = rows(site)["a.md toot"]
    assert (a["awaiting_approval"], a["changed_since_approval"]) == (True, ["time"])
    assert [each["stale"] for each in a["approvals"]] == [True, True]


def test_an_approval_in_the_markdown_binds_to_the_text_it_was_written_with(site):
    post = plan(site, "a.md", f"{PAST:%Y-%m-%d %H:%M}", extra="    approved_by: Claire\n")
    a = rows(site)["a.md toot"]
    assert (a["approved"], a["awaiting_approval"]) == (True, False)
    assert {key: a["approval"][key] for key in ("by", "via", "place")} == {
        "by": "Claire",
        "via": "markdown",
        "place": "content/posts/a.md:7",  # the approved_by: line
    }
    post.write_text(post.read_text().replace("text: Hello", "text: Hello, edited after review"))
    a = rows(site)["a.md toot"]
    assert (a["approved"], a["stale_approval"], a["changed_since_approval"]) == (False, True, ["text"])
    post.write_text(
        post.read_text().replace(
            "approved_by: Claire\n", "approved_by: Claire\n    approved_at: 2026-11-20 10:00\n"
        )
    )
    a = rows(site)["a.md toot"]
    assert (a["approved"], a["stale_approval"]) == (True, False)
    assert a["approval"]["at"] == "2026-11-20T09:00:00+00:00"  # Paris time, stored in UTC
    assert [each["stale"] for each in a["approvals"]] == [True, False]
    assert [o["status"] for o in json.loads(ok(site, "publish", "--json"))] == ["published"]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            "    status: pending\n    approved_by: Claire\n",
            "approved_by: says the plan is approved, status: 'pending'",
        ),
        ("    approved_at: 2026-11-20\n", "approved_at: goes with approved_by: NAME"),
        ("    approved_by: ''\n", "approved_by must be the name of who approved it"),
    ],
)
def test_a_markdown_approval_that_contradicts_itself_is_an_error_at_its_line(site, extra, message):
    plan(site, "a.md", f"{PAST:%Y-%m-%d %H:%M}", extra=extra)
    result = run(site, "check")
    assert result.exit_code == 1 and message in result.output
    assert "content/posts/a.md:" in result.output


def test_a_month_is_approved_at_once_in_the_sites_zone(site):
    plan(site, "jan.md", "2099-01-10 09:00")
    plan(site, "late.md", "2099-01-31 23:30")  # 22:30 UTC: still January in Paris
    plan(site, "feb.md", "2099-02-01 00:30")  # 2099-01-31 23:30 UTC: February in Paris
    site.post("chirp.md", "title: Chirp\ndate: 2099-01-12 09:00\nsocial: [chirp]")  # approval off
    ok(site, "queue", "approve", rows(site)["jan.md toot"]["id"], "--by", "Agency")  # already approved
    said = ok(site, "calendar", "--approve", "2099-01", "--by", "Client", "--note", "ok for January")
    late = rows(site)["late.md toot"]
    assert said.splitlines() == [
        f"{late['id']} (toot, content/posts/late.md): approved by Client for 2099-01-31 23:30 Europe/Paris"
    ]
    assert {key: late["approval"][key] for key in ("by", "note", "place")} == {
        "by": "Client",
        "note": "ok for January",
        "place": "cmsite calendar --approve 2099-01",
    }
    assert rows(site)["feb.md toot"]["approvals"] == [] and rows(site)["chirp.md chirp"]["approvals"] == []
    assert [each["by"] for each in rows(site)["jan.md toot"]["approvals"]] == ["Agency"]
    assert (
        ok(site, "calendar", "--approve", "2099-01", "--by", "Client")
        == "Nothing in 2099-01 waits for approval.\n"
    )
    refused = run(site, "calendar", "--approve", "2099-01")
    assert refused.exit_code == 2 and "--approve needs --by NAME" in refused.output


def test_the_calendar_shows_who_approved_and_a_stale_approval(site):
    post = plan(site, "jan.md", "2099-01-10 09:00")
    ok(site, "calendar", "--approve", "2099-01", "--by", "Client", "--note", "fine")

    from cmsite.calendar.model import month_entries

    def shown() -> tuple:
        calendar = Site(site.root)
        calendar.load()
        (entry,) = [e for e in month_entries(calendar, "2099-01") if e.kind == "social"]
        return entry.approval and (entry.approval.by, entry.approval.note), entry.stale_approval

    assert shown() == (("Client", "fine"), False)
    post.write_text(post.read_text().replace("text: Hello", "text: Hello again"))
    assert shown() == (("Client", "fine"), True)


def test_a_store_from_before_approvals_keeps_its_approved_entries_approved(tmp_path):
    path = tmp_path / "queue.sqlite"
    store = QueueStore(path)
    when = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
    with store.transaction() as db:
        store.insert(db, Entry("e1", "content/a.md", "toot", "default", when, ["Hello"], approved=True))
        store.insert(db, Entry("e2", "content/b.md", "toot", "default", when, ["Hi"]))
    store.close()
    with sqlite3.connect(path) as db:  # as SCHEMA_VERSION 1 left it: no approvals table
        db.execute("DROP TABLE approvals")
        db.execute("DROP TABLE metric_snapshots")
        db.execute("PRAGMA user_version = 1")
    store = QueueStore(path)
    (approval,) = store.approvals()
    assert (approval.entry_id, approval.by, approval.via) == ("e1", "", Via.EARLIER)
    state = approval_of(store, store.get("e1"))
    assert (state.approval, state.stale) == (approval, False)
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def git(folder: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=T", "-c", "user.email=t@example.org", *args],
        cwd=folder, check=True, capture_output=True,
    )  # fmt: skip


def test_preview_since_a_commit_shows_the_added_changed_and_removed_posts_as_markdown(site):
    repository = site.root.parent  # the site is a folder of the repository, not its root
    plan(site, "changed.md", "2099-01-10 09:00", "Before the `review`")
    plan(site, "moved.md", "2099-01-11 09:00")
    plan(site, "removed.md", "2099-01-12 09:00", "Going away")
    plan(site, "same.md", "2099-01-13 09:00")
    git(repository, "init", "-q")
    git(repository, "add", "-A")
    git(repository, "commit", "-qm", "plans")
    plan(site, "changed.md", "2099-01-10 09:00", "After the ```review```")
    plan(site, "moved.md", "2099-01-11 10:00")
    (site.root / "content/posts/removed.md").unlink()
    plan(site, "added.md", "2099-01-14 09:00", "Brand new", extra="    approved_by: Claire\n")
    git(repository, "add", "-A")
    git(repository, "commit", "-qm", "changes")

    text = ok(site, "preview", "--since", "HEAD~1", "--markdown")
    assert "Compared with `HEAD~1`: 1 added, 2 changed, 1 removed. Times in Europe/Paris." in text
    changed = text.split("### Changed: Toot (default), Sat 2099-01-10 09:00\n")[1].split("###")[0]
    assert "- changed: text\n" in changed
    assert "````text\nAfter the ```review```\n\nhttps://blog.cmsite.info/posts/changed/\n````" in changed
    assert "-Before the `review`\n+After the ```review```" in changed
    assert "/120 characters" in changed and "cmsite queue approve" in changed  # approval is on for toot
    assert "### Changed: Toot (default), Sun 2099-01-11 10:00 (was Sun 2099-01-11 09:00)" in text
    assert "### Removed: Toot (default), was Mon 2099-01-12 09:00" in text and "Going away" in text
    assert "### Added: Toot (default), Wed 2099-01-14 09:00" in text
    assert "- approved by Claire in the plan (`content/posts/added.md:7`)" in text
    assert "same.md" not in text
    kinds = [
        (row["change"], row["what"]) for row in json.loads(ok(site, "preview", "--since", "HEAD~1", "--json"))
    ]
    assert kinds == [("changed", ["text"]), ("changed", ["time"]), ("removed", []), ("added", [])]
    assert "No social post is added, changed or removed since `HEAD`." in ok(
        site, "preview", "--since", "HEAD", "--markdown"
    )


def test_preview_since_says_what_is_wrong_with_the_ref(site):
    git(site.root, "init", "-q")
    result = run(site, "preview", "--since", "nope", "--markdown")
    assert result.exit_code == 1 and "--since: no commit 'nope' in this git repository" in result.output
    assert run(site, "preview", "--markdown").exit_code == 2  # Markdown is the review of --since
