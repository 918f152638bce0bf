"""`cmsite new`: options or questions on a terminal, starter files in the site's language,
a picture to start from, an example per installed network, and a next command that works."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pexpect
import pytest
from click.testing import CliRunner

from cmsite.cli import main
from cmsite.config import load_config
from cmsite.scaffold import run_command
from cmsite.site import Site

CMSITE = Path(sys.executable).parent / "cmsite"  # the script pip made in this environment


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def built(root: Path, page: str) -> str:
    result = invoke("--site", root, "build")
    assert result.exit_code == 0, result.output
    return (root / "output" / page).read_text(encoding="utf-8")


def nav(html: str) -> list[str]:
    """The labels of the main menu, in order."""
    menu = re.search(r'<nav class="site-nav".*?</nav>', html, re.S)
    assert menu, html
    return re.findall(r"<a [^>]*>([^<]*)</a>", menu.group(0))


def test_new_site_builds_at_once(tmp_path):
    target = tmp_path / "blog"
    result = invoke("new", target, "--title", "Notes de Léa")
    assert result.exit_code == 0, result.output
    assert (target / "cmsite.toml").is_file()
    build = invoke("--site", target, "build")
    assert build.exit_code == 0, build.output
    assert "Built " in build.output and "pages" in build.output and "feeds" in build.output
    assert "http.server" in build.output
    home = (target / "output/index.html").read_text(encoding="utf-8")
    assert "Hello, world" in home and "Notes de Léa" in home
    assert nav(home) == ["Home", "About", "Archives", "Tags"]


def test_new_refuses_a_folder_with_files(tmp_path):
    (tmp_path / "keep.txt").write_text("x")
    result = invoke("new", tmp_path)
    assert result.exit_code != 0
    assert "not empty" in result.output


def test_without_a_terminal_nothing_is_asked_and_the_defaults_build(tmp_path):
    target = tmp_path / "blog"
    result = invoke("new", target)
    assert result.exit_code == 0, result.output
    assert "?" not in result.output and "[" not in result.output  # no question, no suggestion
    config = load_config(target)
    assert (config.title, config.lang, config.timezone, config.url, config.author) == (
        "My cmsite blog", "en", "UTC", "https://example.org", "",
    )  # fmt: skip
    assert (target / "content/images/sample.png").read_bytes().startswith(b"\x89PNG")
    post = built(target, "posts/hello-world/index.html")
    assert (
        '<img alt="Green hills under a yellow sun" src="/images/sample.png" width=' in post
    )  # and its size (pictures)
    assert (target / "output/images/sample.png").is_file()
    assert ".env" in (target / ".gitignore").read_text().splitlines()


def test_each_option_reaches_the_settings_and_the_starter_files_are_french(tmp_path):
    target = tmp_path / "carnet"
    options = {
        "--title": 'Le "carnet" de Léa',  # quoted in TOML as it must be
        "--lang": "fr",
        "--timezone": "Europe/Paris",
        "--url": "https://carnet.example.net",
        "--author": "Léa Martin",
    }
    result = invoke("new", target, *(part for pair in options.items() for part in pair))
    assert result.exit_code == 0, result.output
    config = load_config(target)
    assert (config.title, config.lang, config.timezone, config.url, config.author) == tuple(options.values())
    toml = (target / "cmsite.toml").read_text(encoding="utf-8")
    assert "# Réseaux sociaux" in toml and "Social networks" not in toml
    assert "hors de git" in (target / ".gitignore").read_text(encoding="utf-8")
    home = built(target, "index.html")
    assert nav(home) == ["Accueil", "À propos", "Archives", "Étiquettes"]
    assert "Bonjour tout le monde" in home and "Voici le premier billet" in home
    assert "Qui écrit ici" in (target / "output/a-propos/index.html").read_text(encoding="utf-8")


def test_a_language_without_starter_files_gets_the_english_ones_and_is_told(tmp_path):
    result = invoke("new", tmp_path / "blog", "--lang", "de")
    assert result.exit_code == 0, result.output
    assert "no starter texts in 'de'" in result.output
    assert load_config(tmp_path / "blog").lang == "de"
    assert "Hello, world" in built(tmp_path / "blog", "index.html")


@pytest.mark.parametrize(
    ("option", "value", "said"),
    [
        ("--lang", "xx", "unknown language 'xx'"),
        ("--timezone", "Europe/Pariss", "unknown time zone 'Europe/Pariss'"),
        ("--url", "carnet.example.net", "is not a web address"),
        ("--title", " ", "the title is empty"),
    ],
)
def test_a_wrong_option_is_refused_before_anything_is_written(tmp_path, option, value, said):
    result = invoke("new", tmp_path / "blog", option, value)
    assert result.exit_code == 2
    assert f"Invalid value for {option}: " in result.output and said in result.output
    assert not (tmp_path / "blog").exists()


@pytest.mark.parametrize("zone", ["Etc/GMT+12", "Etc/GMT-14"])
def test_the_first_post_is_dated_today_where_the_site_is(tmp_path, zone):
    """Dated with the machine's day, the post would be in the future for a site far behind it."""
    assert invoke("new", tmp_path / "blog", "--timezone", zone).exit_code == 0
    assert "Hello, world" in built(tmp_path / "blog", "index.html")


def uncommented(toml: str) -> str:
    """cmsite.toml with its [networks.*] examples turned on, as a writer does: each
    `# [networks.NAME]` line and the `# key = value` lines right under it."""
    lines, inside = [], False
    for line in toml.splitlines():
        inside = line.startswith("# [networks.") or (inside and re.match(r"# \w+ = ", line) is not None)
        lines.append(line.removeprefix("# ") if inside else line)
    return "\n".join(lines) + "\n"


def test_every_installed_network_has_an_example_that_is_valid_once_uncommented(tmp_path, monkeypatch):
    monkeypatch.delenv("CMSITE_DISABLE_PLUGINS")  # the network plugins installed beside cmsite
    target = tmp_path / "blog"
    assert invoke("new", target).exit_code == 0
    toml = (target / "cmsite.toml").read_text(encoding="utf-8")
    (target / "cmsite.toml").write_text(uncommented(toml), encoding="utf-8")
    site = Site(target, strict=True)  # raises ContentErrors for any wrong key or value
    assert site.networks, "no network plugin installed: run tests/run.py"
    assert set(tomllib.loads(uncommented(toml))["networks"]) == set(site.networks)
    for network in site.networks.values():
        block = toml.split(f"# [networks.{network.name}]")[0].rsplit("\n\n", 1)[-1]
        assert block.startswith(f"# {network.label}: ")
        assert all(variable in block for variable in network.credentials), block
        assert all(f"# {key} = " in toml for key in network.required_settings)
    assert "never go in this file" in toml and ".env" in toml


def test_the_next_command_runs_this_cmsite(tmp_path):
    """`cmsite` only when PATH finds this very script; else its full path, or `python -m cmsite`."""
    script, python, other_script, other_python = (
        tmp_path / name
        for name in ("venv/bin/cmsite", "venv/bin/python3", "usr/bin/cmsite", "usr/bin/python3")
    )
    for path in (script, python, other_script, other_python):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(path.name)
    on_path = {"cmsite": str(script), "python3": str(python)}.get
    elsewhere = {"cmsite": str(other_script), "python3": str(other_python)}.get
    assert run_command(str(script), str(python), on_path) == "cmsite"
    assert run_command(str(script), str(python), lambda name: None) == str(script)
    assert run_command(str(script), str(python), elsewhere) == str(script)
    main_py = str(tmp_path / "cmsite/__main__.py")
    assert run_command(main_py, str(python), on_path) == "python3 -m cmsite"
    assert run_command(main_py, str(python), elsewhere) == f"{python} -m cmsite"


def test_on_a_terminal_it_asks_in_turn_then_the_next_command_builds_a_french_site(tmp_path):
    """A French writer answers the questions (two wrong answers asked again); cmsite is not on PATH."""
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": str(tmp_path), "TERM": "dumb"}
    env |= {name: os.environ[name] for name in ("PYTHONPATH",) if name in os.environ}  # the cmsite under test
    child = pexpect.spawn(str(CMSITE), ["new", "carnet"], cwd=tmp_path, env=env, encoding="utf-8", timeout=60)
    for prompt, answer in [
        ("Language of the site", "fr"),
        ("Title of the site [Mon blog cmsite]", "Carnet de Léa"),
        ("Author", "Léa Martin"),
        ("Time zone", "Europe/Pariss"),
        ("unknown time zone 'Europe/Pariss'", None),
        ("Time zone", "Europe/Paris"),
        ("Address where the site will be published [https://example.org]", "carnet"),
        ("is not a web address", None),
        ("Address where the site", "https://carnet.example.net"),
    ]:
        child.expect_exact(prompt)
        if answer is not None:
            child.sendline(answer)
    child.expect(r"Next: (.+?)\r?\n")
    command = child.match.group(1)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert command == f"cd carnet && {CMSITE} build"  # not `cmsite`: PATH does not have it
    subprocess.run(["bash", "-c", command], cwd=tmp_path, env=env, check=True, capture_output=True)
    site = tmp_path / "carnet"
    config = load_config(site)
    assert (config.title, config.lang, config.timezone, config.url, config.author) == (
        "Carnet de Léa", "fr", "Europe/Paris", "https://carnet.example.net", "Léa Martin",
    )  # fmt: skip
    home = (site / "output/index.html").read_text(encoding="utf-8")
    assert nav(home) == ["Accueil", "À propos", "Archives", "Étiquettes"]
    assert "Bonjour tout le monde" in home and "Carnet de Léa" in home
    post = (site / "output/posts/bonjour/index.html").read_text(encoding="utf-8")
    assert 'alt="Des collines vertes sous un soleil jaune" src="/images/sample.png"' in post
