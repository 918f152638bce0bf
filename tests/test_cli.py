"""The command line: build, check, --version, python -m cmsite (`new`: test_scaffold.py)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time

from click.testing import CliRunner

from cmsite import __version__
from cmsite.cli import main


def invoke(*args, cwd=None):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def test_version():
    result = invoke("--version")
    assert result.exit_code == 0
    assert __version__ in result.output


def test_python_dash_m(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "cmsite", "--help"], capture_output=True, text=True, check=True
    )
    assert "build" in result.stdout and "check" in result.stdout and "new" in result.stdout


def test_build_reports_its_own_time_when_a_shell_runs_it_in_its_own_process(site_folder):
    """`bash -c "… && cmsite build"` runs cmsite in the shell's process (exec): the time the
    build reports starts when cmsite does, not when the shell began what came before it."""
    command = f"sleep 3 && exec {sys.executable} -m cmsite --site {site_folder.root} build"
    started = time.perf_counter()
    result = subprocess.run(["bash", "-c", command], capture_output=True, text=True, check=True)
    whole = time.perf_counter() - started
    reported = float(re.search(r" in ([0-9.]+) s → ", result.stdout)[1])
    assert 0 < reported < whole - 3


def test_build_reports_errors_and_exits_non_zero(site_folder):
    site_folder.post("2026-01-01-bad.md", "title: [")
    result = CliRunner().invoke(main, ["--site", str(site_folder.root), "build"])
    assert result.exit_code == 1
    assert "content/posts/2026-01-01-bad.md:" in result.output
    assert "1 error; nothing was written." in result.output
    assert not site_folder.output.exists()


def test_build_options(site_folder, tmp_path):
    site_folder.post("2030-01-01-later.md", "title: Later")
    site_folder.post("2026-01-01-draft.md", "title: Drafty\ndraft: true")
    out = tmp_path / "out"
    result = invoke("--site", site_folder.root, "build", "--drafts", "--future", "-o", out, "--clean")
    assert result.exit_code == 0, result.output
    assert (out / "posts/later/index.html").is_file()
    assert (out / "posts/draft/index.html").is_file()


def test_check_writes_nothing_and_says_what_it_found(site_folder):
    site_folder.post("2026-01-01-a.md", "title: A")
    site_folder.post("2026-01-02-b.md", "title: B\ndraft: true")
    site_folder.post("2099-01-01-c.md", "title: C")
    result = invoke("--site", site_folder.root, "check", "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["ok"] is True
    assert (summary["posts"], summary["drafts"], summary["future"]) == (1, 1, 1)
    assert not site_folder.output.exists()


def test_check_json_lists_every_error(site_folder):
    site_folder.post("a.md", "title: A\ndate: never")
    site_folder.post("b.md", "date: 2026-01-01")
    result = CliRunner().invoke(main, ["--site", str(site_folder.root), "check", "--json"])
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert report["ok"] is False
    assert [(e["path"], e["line"]) for e in report["errors"]] == [
        ("content/posts/a.md", 3),
        ("content/posts/b.md", 1),
    ]


def test_missing_config_is_a_clear_error(tmp_path):
    result = CliRunner().invoke(main, ["--site", str(tmp_path), "build"])
    assert result.exit_code == 1
    assert "no cmsite.toml here" in result.output
