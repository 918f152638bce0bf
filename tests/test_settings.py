"""Typed settings: `[queue]`, `[social]` and `[networks.NAME]` (and its accounts) are checked
when a site opens, so every command reports a wrong value as `cmsite.toml:LINE`, all of them
at once, before doing anything — never a traceback."""

from __future__ import annotations

import ast
import importlib
import json
import re
import subprocess
import sys
import textwrap
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import REPO

from cmsite.cli import main
from cmsite.config import TomlLines
from cmsite.errors import ContentErrors
from cmsite.social.settings import COMMON_KINDS, account_options, needs_approval, queue_settings

WALL = """
from cmsite.hookspecs import hookimpl
from cmsite.social.network import Network, Published

class Wall(Network):
    name, label, max_length = "wall", "Wall", 500
    settings = {"room": (str, None), "copies": (int, 1), "pause": (float, 0.5)}

    def publish_one(self, session, part):
        return Published("1", "")

@hookimpl
def cmsite_networks():
    return [Wall]
"""


@pytest.fixture
def site(site_folder):
    site_folder.write("plugins/wall.py", WALL)
    return site_folder


def configure(site, text: str) -> str:
    """Add `text` to the site's cmsite.toml; the whole file, to find lines in."""
    path = site.root / "cmsite.toml"
    path.write_text(path.read_text() + "\n" + textwrap.dedent(text))
    return path.read_text()


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def cmsite(site, *args):
    """The CLI in this process; a traceback would surface as the result's exception."""
    result = CliRunner().invoke(main, ["--site", str(site.root), *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ('max_attempts = "five"', "max_attempts must be a whole number, not str"),
        ("max_attempts = 2.5", "max_attempts must be a whole number, not 2.5"),
        ("max_attempts = 0", "max_attempts must be at least 1, not 0"),
        ("approval = 1", "approval must be true or false, not int"),
        ("lease_seconds = 0", "lease_seconds must be over 0, not 0"),
        ("lease_seconds = inf", "lease_seconds must be a number, not inf"),
        ("lease_seconds = true", "lease_seconds must be a number, not bool"),
        ("retry_base_seconds = -1", "retry_base_seconds must be at least 0, not -1"),
        ("catch_up_hours = true", "catch_up_hours must be a number of hours, or false"),
        ("catch_up_hours = 1e12", "catch_up_hours must be at most 8760"),
        ("path = 3", "path must be a string, not int"),
        ("max_attempt = 3", "unknown setting 'max_attempt'; known settings: path, approval, max_attempts,"),
    ],
)
def test_a_wrong_queue_setting_is_an_error_at_its_line(site, setting, message):
    text = configure(site, f"[queue]\n{setting}\n")
    result = cmsite(site, "check")
    assert result.exit_code == 1
    assert f"cmsite.toml:{line_of(text, setting)}: [queue] {message}" in result.output


def test_the_real_command_line_says_where_not_a_traceback(site):
    """`max_attempts = "five"` used to crash `cmsite publish` with a ValueError."""
    text = configure(site, '[queue]\nmax_attempts = "five"\n')
    for command in ("check", "publish"):
        run = subprocess.run(
            [sys.executable, "-m", "cmsite", "--site", str(site.root), command],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert run.returncode == 1
        assert "Traceback" not in run.stderr
        line = line_of(text, "max_attempts")
        assert f"cmsite.toml:{line}: [queue] max_attempts must be a whole number, not str" in run.stderr


@pytest.mark.parametrize("command", ["build", "check", "preview", "queue", "publish", "metrics"])
def test_every_command_stops_before_doing_anything(site, command):
    site.post("2026-11-20-news.md", "title: News\ndate: 2026-11-20 10:00\nsocial: [wall]")
    text = configure(site, '[networks.wall]\ncopies = "two"\n')
    result = cmsite(site, command)
    assert result.exit_code == 1
    assert (
        f"cmsite.toml:{line_of(text, 'copies')}: [networks.wall] copies must be a whole number"
        in result.output
    )
    assert not (site.root / "output").exists()
    assert not (site.root / ".cmsite" / "queue.sqlite").exists()


def test_every_wrong_setting_is_reported_at_once(site):
    site.write(
        "plugins/banner.py",
        """
        from cmsite.config import SettingsSection
        from cmsite.hookspecs import hookimpl

        @hookimpl
        def cmsite_settings():
            return [SettingsSection("banner", {"width": (int, 600)})]
        """,
    )
    text = configure(
        site,
        """
        [queue]
        max_attempts = "five"

        [banner]
        width = "wide"

        [[social.defaults]]
        network = "myspace"

        [networks.wall.accounts.team]
        pause = "long"
        """,
    )
    result = cmsite(site, "check", "--json")
    assert result.exit_code == 1
    errors = [(e["line"], e["message"].split(" ")[0]) for e in json.loads(result.output)["errors"]]
    assert errors == [
        (line_of(text, "max_attempts"), "[queue]"),
        (line_of(text, "width"), "[banner]"),
        (line_of(text, "myspace"), "[[social.defaults]]"),
        (line_of(text, "pause"), "[networks.wall.accounts.team]"),
    ]


@pytest.mark.parametrize(
    ("settings", "needle", "message"),
    [
        (
            "[networks.myspace]\nroom = 'x'\n",
            "[networks.myspace]",
            "[networks.myspace] unknown network 'myspace'; installed networks: wall; "
            "install the plugin that provides it, or remove this table",
        ),
        (
            "[networks.wall]\nroom = 'hall'\n\n[networks.wall.accounts.team]\ncopies = 'two'\n",
            "copies",
            "[networks.wall.accounts.team] copies must be a whole number, not str",
        ),
        (
            "[networks.wall]\nroom = 'hall'\nflavour = 'mint'\n",
            "flavour",
            "[networks.wall] unknown setting 'flavour'; known settings: approval, timeout, api, slots, room, copies, pause",
        ),
        (
            "[networks.wall]\napproval = 'yes'\n",
            "approval",
            "[networks.wall] approval must be true or false, not str",
        ),
        ("[networks.wall]\ntimeout = 0\n", "timeout", "[networks.wall] timeout must be over 0, not 0"),
        ("[networks.wall]\ntimeout = nan\n", "timeout", "[networks.wall] timeout must be a number, not nan"),
        ("[networks.wall]\napi = 'localhost:8080'\n", "api", "[networks.wall] api must be an address like"),
        ("[networks]\nwall = 5\n", "wall = 5", "[networks.wall] must be a table of settings"),
        (
            "[networks.wall.accounts]\nteam = 'x'\n",
            "team = ",
            "[networks.wall.accounts.team] must be a table of settings",
        ),
        (
            "[networks.wall.accounts.team.nested]\nroom = 'x'\n",
            "nested",
            "[networks.wall.accounts.team] unknown setting 'nested'",
        ),
    ],
)
def test_a_wrong_network_setting_is_an_error_at_its_line(site, settings, needle, message):
    text = configure(site, settings)
    result = cmsite(site, "check")
    assert result.exit_code == 1
    assert f"cmsite.toml:{line_of(text, needle)}: {message}" in result.output


def test_an_account_takes_the_network_settings_and_overrides_them(site):
    configure(
        site,
        """
        [queue]
        approval = true

        [networks.wall]
        room = "hall"
        pause = 2          # a whole number is a number
        approval = false

        [networks.wall.accounts.team]
        copies = 3
        approval = true
        """,
    )
    config = site.site().config
    assert account_options(config, "wall", "default") == {"room": "hall", "pause": 2, "approval": False}
    assert account_options(config, "wall", "team") == {
        "room": "hall",
        "pause": 2,
        "approval": True,
        "copies": 3,
    }
    assert [needs_approval(config, "wall", a) for a in ("default", "team")] == [False, True]
    assert needs_approval(config, "board") is True  # no table: the queue's
    assert queue_settings(config).approval is True


def test_queue_settings_are_typed_with_their_defaults(site):
    configure(site, "[queue]\nlease_seconds = 30\ncatch_up_hours = false\n")
    settings = queue_settings(site.site().config)
    assert (settings.lease_seconds, settings.catch_up_hours, settings.max_attempts) == (30, None, 5)


def test_a_reader_given_unchecked_settings_raises_content_errors(site):
    """A config no site opened (a test's, a tool's) still gives a path:line error, not a crash."""
    config = site.site().config
    config.raw["queue"] = {"max_attempts": "five"}
    config.raw["networks"] = {"wall": ["not", "a", "table"]}
    with pytest.raises(ContentErrors, match=r"\[queue\] max_attempts must be a whole number"):
        queue_settings(config)
    with pytest.raises(ContentErrors, match=r"\[networks.wall\] must be a table"):
        account_options(config, "wall", "default")


@pytest.mark.parametrize(
    ("settings", "needle", "message"),
    [
        (
            "[social]\ndefault = []\n",
            "default =",
            "[social] unknown setting 'default'; known settings: defaults, images",
        ),
        ("[social]\ndefaults = 'wall'\n", "defaults =", "[social] defaults must be a list of plans"),
        (
            "[[social.defaults]]\nnetwork = 'wall'\n\n[[social.defaults]]\nnetwork = 'wall'\nwhen = '+2h'\n",
            "when",
            "[[social.defaults]] #2: unknown key 'when'; a plan takes network, account, at, text,",
        ),
        (
            "[[social.defaults]]\nnetwork = 'wall'\n\n[[social.defaults]]  # the second\nat = '+2h'\n",
            "# the second",
            "[[social.defaults]] #2: each social plan needs `network:`",
        ),
        (
            "[[social.defaults]]\nnetwork = 'wall'\nat = '+2x'\n",
            "at = '+2x'",
            "[[social.defaults]] #1: cannot read at: '+2x'; write +2h, +30m, +1d 09:00",
        ),
        (
            "[[social.defaults]]\nnetwork = 'wall'\nthread = 'yes'\n",
            "thread = 'yes'",
            "[[social.defaults]] #1: thread must be true or false",
        ),
        (
            "[[social.defaults]]\nnetwork = 'wall'\n\n[[social.defaults]]\nnetwork = 'Myspace'\n",
            "Myspace",
            "[[social.defaults]] #2: unknown network 'Myspace'; installed networks: wall;",
        ),
        (
            "[social]\ndefaults = ['wall', {network = 'wall', status = 'later'}]\n",
            "defaults =",
            "[[social.defaults]] #2: status 'later' is not one of draft, approved, pending",
        ),
    ],
)
def test_a_wrong_social_default_is_an_error_at_its_line(site, settings, needle, message):
    """Checked once, in cmsite.toml, rather than on every post that takes the defaults."""
    site.post("2026-11-20-a.md", "title: A\ndate: 2026-11-20 10:00")
    site.post("2026-11-21-b.md", "title: B\ndate: 2026-11-21 10:00")
    text = configure(site, settings)
    result = cmsite(site, "check")
    assert result.exit_code == 1
    assert f"cmsite.toml:{line_of(text, needle)}: {message}" in result.output


def test_lines_of_arrays_of_tables_dotted_keys_and_long_strings():
    lines = TomlLines(
        textwrap.dedent(
            '''\
            [[social.defaults]]
            network = "a"
            [[social.defaults]]
            text = """
            network = "not a key"
            """
            network = "b"
            [networks]
            wall.accounts.team.room = "x"
            board = { room = "y" }
            '''
        )
    )
    assert lines.line("social", "defaults", 0, "network") == 2
    assert lines.line("social", "defaults", 1, "network") == 7
    assert lines.line("networks", "wall", "accounts", "team", "room") == 9
    assert lines.line("networks", "board", "room") == 10  # inside an inline table: its line
    assert lines.line("queue", "path") is None


# The settings each installed network plugin declares, reads and documents must agree:
# a setting that is read but not declared is refused in cmsite.toml, and one that is
# declared or documented but never read does nothing.


def network_plugins():
    return sorted({entry.value: entry.name for entry in metadata.entry_points(group="cmsite")}.items())


def options_read(module) -> set[str]:
    """The setting names a plugin's code reads, in any module of its package:
    `self.options.get("k")`, `self.options["k"]`, `self.required_option("k", ...)`."""
    found = set()
    main = Path(module.__file__)
    sources = sorted(main.parent.glob("*.py")) if main.name == "__init__.py" else [main]
    trees = [ast.parse(source.read_text(encoding="utf-8")) for source in sources]
    for node in (node for tree in trees for node in ast.walk(tree)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args:
            owner, first = node.func.value, node.args[0]
            reads = node.func.attr == "required_option" or (
                node.func.attr == "get" and isinstance(owner, ast.Attribute) and owner.attr == "options"
            )
            if reads and isinstance(first, ast.Constant):
                found.add(first.value)
        elif (
            isinstance(node, ast.Subscript)
            and isinstance(node.value, ast.Attribute)
            and node.value.attr == "options"
            and isinstance(node.slice, ast.Constant)
        ):
            found.add(node.slice.value)
    return found


@pytest.mark.parametrize(("module_name", "plugin"), network_plugins())
def test_a_network_declares_every_setting_it_reads_and_reads_every_one_it_declares(module_name, plugin):
    module = importlib.import_module(module_name)
    read = options_read(module)
    for network in module.cmsite_networks():
        declared = set(network.settings)
        assert read - declared - set(COMMON_KINDS) == set(), (
            f"{network.name} reads settings it does not declare"
        )
        assert declared - read == set(), f"{network.name} declares settings it never reads"


def documented_settings() -> list[object]:
    """Every TOML example of the publishing settings in the docs, commented-out keys included."""
    pages = [REPO / "README.md", REPO / "docs" / "social.md", *sorted(REPO.glob("plugins/*/README.md"))]
    blocks = []
    for page in pages:
        for _indent, block in re.findall(r"^( *)```toml\n(.*?)^\1```", page.read_text(), re.M | re.S):
            toml = re.sub(r"^# (\w+ = )", r"\1", textwrap.dedent(block), flags=re.M)
            if tomllib.loads(toml).keys() <= {"queue", "social", "networks"}:
                blocks.append(pytest.param(toml, id=f"{page.relative_to(REPO)}-{len(blocks)}"))
    return blocks


@pytest.mark.parametrize("toml", documented_settings())
def test_every_documented_setting_is_accepted(site_folder, monkeypatch, toml):
    monkeypatch.setenv("CMSITE_DISABLE_PLUGINS", "")  # the installed network plugins, as documented
    site_folder.write(  # the logo of [social.images]
        "images/logo.svg",
        '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="2"><rect width="4" height="2"/></svg>',
    )
    configure(site_folder, toml)
    result = cmsite(site_folder, "check")
    assert result.exit_code == 0, f"{toml}\n{result.output}"
