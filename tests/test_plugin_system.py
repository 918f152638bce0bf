"""Discovery, switches, safety and the plugin kit (issue: plugin system)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import textwrap
import venv
from datetime import UTC, datetime, timedelta
from importlib import metadata
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from conftest import REPO

from cmsite import hookspecs
from cmsite.cli import main
from cmsite.config import SettingsSection
from cmsite.content.markdown import Rendered
from cmsite.errors import ContentErrors
from cmsite.hookspecs import hookimpl
from cmsite.plugins import PluginError

LOCAL_PLUGIN = """
from markupsafe import Markup
from cmsite.hookspecs import hookimpl

@hookimpl
def cmsite_head_tags(page):
    return [Markup('<meta name="local-plugin" content="yes">')]
"""


def cli(*args, env=None):
    return CliRunner().invoke(main, [str(a) for a in args], env=env)


@pytest.fixture
def with_local_plugin(site_folder):
    site_folder.post("2026-01-01-a.md", "title: A")
    site_folder.write("plugins/hello.py", LOCAL_PLUGIN)
    return site_folder


def test_local_plugin_folder_is_loaded(with_local_plugin):
    with_local_plugin.build()
    assert 'name="local-plugin"' in with_local_plugin.read("posts/a/index.html")
    result = cli("--site", with_local_plugin.root, "plugins", "--json")
    (row,) = json.loads(result.output)
    assert (row["name"], row["source"], row["hooks"]) == ("hello", "local folder", ["cmsite_head_tags"])


@pytest.mark.parametrize(
    ("variable", "value", "loaded"),
    [
        ("CMSITE_LOAD_PLUGINS", "", False),
        ("CMSITE_LOAD_PLUGINS", "other", False),
        ("CMSITE_LOAD_PLUGINS", "hello", True),
        ("CMSITE_DISABLE_PLUGINS", "hello", False),
        ("CMSITE_DISABLE_PLUGINS", "other", True),
    ],
)
def test_environment_switches(with_local_plugin, monkeypatch, variable, value, loaded):
    monkeypatch.setenv(variable, value)
    with_local_plugin.build()
    assert ('name="local-plugin"' in with_local_plugin.read("posts/a/index.html")) is loaded


def test_enable_and_disable_in_config(with_local_plugin):
    config = with_local_plugin.root / "cmsite.toml"
    base = config.read_text()
    config.write_text(base + "\n[plugins]\nenable = []\n")
    with_local_plugin.build()
    assert 'name="local-plugin"' not in with_local_plugin.read("posts/a/index.html")
    config.write_text(base + '\n[plugins]\ndisable = ["hello", "sitemap"]\n')
    with_local_plugin.build()
    assert 'name="local-plugin"' not in with_local_plugin.read("posts/a/index.html")
    assert not (with_local_plugin.output / "sitemap.xml").exists()


def test_trace_prints_each_hook_call(with_local_plugin, monkeypatch, capsys):
    monkeypatch.setenv("CMSITE_TRACE_PLUGINS", "1")
    with_local_plugin.build()
    err = capsys.readouterr().err
    assert "[cmsite trace] cmsite_head_tags(page, site) → hello, feeds, meta" in err
    assert "[cmsite trace] cmsite_build_started(site)" in err


def test_a_misspelled_hook_is_reported_with_the_plugin_name(site_folder):
    site_folder.write(
        "plugins/typo.py",
        "from cmsite.hookspecs import hookimpl\n\n@hookimpl\ndef cmsite_page(site):\n    return []\n",
    )
    with pytest.raises(PluginError) as caught:
        site_folder.site()
    message = str(caught.value)
    assert message.startswith("plugin typo (local file ")
    assert "hook cmsite_page matches no hookspec; did you mean cmsite_pages?" in message
    result = cli("--site", site_folder.root, "build")
    assert result.exit_code == 1
    assert "hook cmsite_page matches no hookspec" in result.output


def test_a_hook_with_unknown_arguments_is_reported(site_folder):
    site_folder.write(
        "plugins/args.py",
        "from cmsite.hookspecs import hookimpl\n\n@hookimpl\ndef cmsite_pages(site, colour):\n    return []\n",
    )
    with pytest.raises(PluginError) as caught:
        site_folder.site()
    assert str(caught.value).startswith("plugin args (local file ")
    assert "colour" in str(caught.value)


def test_an_exception_in_a_plugin_names_plugin_hook_and_file(site_folder):
    site_folder.post("2026-01-01-broken.md", "title: Broken")
    site_folder.write(
        "plugins/fragile.py",
        "from cmsite.hookspecs import hookimpl\n\n@hookimpl\ndef cmsite_item_loaded(item):\n    raise KeyError('colour')\n",
    )
    with pytest.raises(PluginError) as caught:
        site_folder.build()
    assert str(caught.value) == (
        "plugin fragile, hook cmsite_item_loaded, while processing content/posts/2026-01-01-broken.md: KeyError: 'colour'"
    )
    result = cli("--site", site_folder.root, "build")
    assert result.exit_code == 1
    assert "Error: plugin fragile, hook cmsite_item_loaded, while processing content/posts/" in result.output


def test_plugin_commands_and_name_clashes(monkeypatch):
    from cmsite import cli as cli_module

    @click.command("hello")
    def hello():
        click.echo("hello from a plugin")

    class First:
        @hookimpl
        def cmsite_commands(self):
            return [hello]

    class Clash:
        @hookimpl
        def cmsite_commands(self):
            return [click.Command("build")]

    import cmsite.plugins as plugins_module

    factory = plugins_module.make_plugin_manager

    def group_with(*plugins):
        monkeypatch.setattr(
            plugins_module, "make_plugin_manager", lambda selection: factory(selection, plugins)
        )
        return cli_module.PluginCommands(commands=dict(main.commands))

    group = group_with(First())
    result = CliRunner().invoke(group, ["hello"])
    assert result.output == "hello from a plugin\n"
    group = group_with(Clash())
    result = CliRunner().invoke(group, ["--help"])
    assert result.exit_code == 1
    assert "plugin Clash adds the command 'build', which cmsite already has; rename one" in result.output


GREETER = """
import click
from cmsite.hookspecs import hookimpl


@hookimpl
def cmsite_commands():
    @click.command()
    def greet():
        click.echo("hello from a plugin")

    return [greet]
"""


@pytest.fixture
def greeter_installed(tmp_path, monkeypatch):
    """An installed distribution (a module and its .dist-info on sys.path) whose plugin adds `cmsite greet`."""
    packages = tmp_path / "packages"
    (packages / "cmsite_greeter_test.py").parent.mkdir()
    (packages / "cmsite_greeter_test.py").write_text(GREETER)
    info = packages / "cmsite_greeter_test-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: cmsite-greeter-test\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[cmsite]\ngreeter = cmsite_greeter_test\n")
    monkeypatch.syspath_prepend(str(packages))


def test_plugin_commands_follow_the_sites_plugins_table(site_folder, greeter_installed):
    root = site_folder.root
    assert cli("--site", root, "greet").output == "hello from a plugin\n"
    assert "greet" in cli("--help", env={"CMSITE_SITE": str(root)}).output
    config = root / "cmsite.toml"
    config.write_text(config.read_text() + '\n[plugins]\ndisable = ["greeter"]\n')
    result = cli("--site", root, "greet")
    assert result.exit_code == 2 and "No such command 'greet'" in result.output
    assert "greet" not in cli("--site", root, "--help").output
    assert "greet" not in cli("--help", env={"CMSITE_SITE": str(root)}).output
    (disabled,) = [line for line in cli("--site", root, "plugins").output.splitlines() if "Disabled:" in line]
    assert "greeter" in disabled.removeprefix("Disabled: ").split(" (")[0].split(", ")
    rows = json.loads(cli("--site", root, "plugins", "--all", "--json").output)
    (row,) = [row for row in rows if row["name"] == "greeter"]
    assert (row["source"], row["distribution"], row["disabled"]) == (
        "entry point", "cmsite-greeter-test", "disabled ([plugins] disable or CMSITE_DISABLE_PLUGINS)",
    )  # fmt: skip
    assert all(
        row["disabled"] is None for row in rows if row["name"] != "greeter" and row["source"] == "built-in"
    )


def test_plugin_commands_wait_for_a_readable_cmsite_toml(site_folder, greeter_installed):
    """Which plugins may add commands is unknown until cmsite.toml reads: cmsite's own commands still run."""
    config = site_folder.root / "cmsite.toml"
    config.write_text(config.read_text() + "\n[plugins]\ndisable = \n")
    result = cli("--site", site_folder.root, "greet")
    assert result.exit_code == 1
    assert result.output.startswith("cmsite.toml:")
    assert "plugin commands are not available until cmsite.toml is fixed" in result.output
    result = cli("--site", site_folder.root, "check")
    assert result.exit_code == 1 and result.output.startswith("cmsite.toml:")


def test_plugin_settings_sections(site_folder):
    site_folder.post("2026-01-01-a.md", "title: A")

    class Banner:
        @hookimpl
        def cmsite_settings(self):
            return [SettingsSection("banner", {"text": (str, "Hello"), "max_width": (int, 600)})]

    site = site_folder.site(plugins=[Banner()])
    assert site.settings["banner"] == {"text": "Hello", "max_width": 600}
    config = site_folder.root / "cmsite.toml"
    config.write_text(config.read_text() + '\n[banner]\nmax_width = "wide"\ncolour = "red"\n')
    with pytest.raises(ContentErrors) as caught:
        site_folder.site(plugins=[Banner()])
    assert [str(e) for e in caught.value.errors] == [
        "cmsite.toml:13: [banner] max_width must be a whole number, not str",
        "cmsite.toml:14: [banner] unknown setting 'colour'; known settings: text, max_width",
    ]

    class Again:
        @hookimpl
        def cmsite_settings(self):
            return [SettingsSection("banner", {})]

    with pytest.raises(PluginError, match=r"declares settings \[banner\], already declared by"):
        site_folder.site(plugins=[Banner(), Again()])


def test_content_loader_for_another_suffix(site_folder):
    site_folder.write("content/posts/2026-01-01-plain.txt", "---\ntitle: Plain\n---\nJust <text>.\n")

    class PlainText:
        @hookimpl
        def cmsite_content_loaders(self):
            from markupsafe import Markup, escape

            return {
                ".txt": lambda body: Rendered(Markup("<pre>{}</pre>").format(escape(body)), Markup(""), 0)
            }

    site_folder.build(plugins=[PlainText()])
    assert "<pre>Just &lt;text&gt;.\n</pre>" in site_folder.read("posts/plain/index.html")
    assert not (site_folder.output / "posts/2026-01-01-plain.txt").exists()


def test_page_written_is_called_for_changed_files_only(site_folder):
    site_folder.post("2026-01-01-a.md", "title: A")
    written = []

    class Recorder:
        @hookimpl
        def cmsite_page_written(self, path, url):
            written.append((path.name, url))

    site_folder.build(plugins=[Recorder()])
    assert ("index.html", "/posts/a/") in written
    written.clear()
    site_folder.build(plugins=[Recorder()])
    assert written == []


def test_build_started_runs_first(site_folder):
    site_folder.post("2026-01-01-a.md", "title: A")
    order = []

    class Order:
        @hookimpl
        def cmsite_build_started(self, site):
            order.append(("started", len(site.items)))

        @hookimpl
        def cmsite_items_collected(self, site):
            order.append(("collected", len(site.items)))

    site_folder.build(plugins=[Order()])
    assert order == [("started", 0), ("collected", 1)]


def test_watch_paths(site_folder):
    site_folder.post("2026-01-01-a.md", "title: A")

    class Extra:
        @hookimpl
        def cmsite_watch_paths(self, site):
            return [site.root / "data.csv"]

    site = site_folder.site(plugins=[Extra()])
    paths = [p for result in site.pm.hook.cmsite_watch_paths(site=site) for p in result]
    assert site_folder.root / "data.csv" in paths
    assert site_folder.root / "cmsite.toml" in paths
    assert site_folder.root / "content" in paths
    assert site.theme_dir in paths


SDK_MODULES = {"mastodon", "atproto", "tweepy", "httpx", "requests"}
# What only some commands use: rendering, feeds, YAML and Markdown, X's counting rules (issue 17),
# Pillow (a build draws the Open Graph cards of posts with it, issue 20).
HEAVY_MODULES = SDK_MODULES | {
    "PIL", "jinja2", "markdown", "yaml", "feedgen", "lxml", "pygments", "twitter_text", "regex", "sqlite3", "watchdog",
}  # fmt: skip
HEAVY_CMSITE = {"cmsite.site", "cmsite.content.loader", "cmsite.render.templates", "cmsite.social.counting"}


def imported_by(site: Path, *args: str) -> tuple[str, set[str]]:
    """What `cmsite --site SITE ARGS` printed, run in a fresh interpreter, and every module it imported."""
    probe = textwrap.dedent(
        f"""
        import json, sys
        from cmsite.cli import main
        try:
            main({["--site", str(site), *args]!r}, prog_name="cmsite")
        except SystemExit:
            pass
        print(json.dumps(sorted(sys.modules)))
        """
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    output, modules = result.stdout.rstrip("\n").rsplit("\n", 1)
    return output, set(json.loads(modules))


def packages(modules: set[str], wanted: set[str]) -> set[str]:
    """The packages of `wanted` that `modules` imported some of."""
    return {name.split(".")[0] for name in modules} & wanted


@pytest.mark.parametrize("args", [["--help"], ["build"], ["plugins", "--all"]])
def test_the_command_line_imports_no_network_sdk(site_folder, args, monkeypatch):
    monkeypatch.delenv("CMSITE_DISABLE_PLUGINS")  # with every installed network plugin loaded
    site_folder.post("2026-01-01-a.md", "title: A")
    assert packages(imported_by(site_folder.root, *args)[1], SDK_MODULES) == set()


def test_version_and_help_import_only_what_they_use(site_folder, monkeypatch):
    """Which modules, not how long: bench/startup.py times them (docs/performance.md, "Start-up")."""
    monkeypatch.delenv("CMSITE_DISABLE_PLUGINS")  # the network plugins once brought X's counting rules
    output, modules = imported_by(site_folder.root, "--version")
    assert output.startswith("cmsite, version ")
    assert (packages(modules, HEAVY_MODULES), modules & HEAVY_CMSITE) == (set(), set())
    assert {"cmsite.plugins", "pluggy"}.isdisjoint(modules)
    output, modules = imported_by(site_folder.root, "--help")
    assert "build" in output and "queue" in output
    plugin_modules = {entry_point.module for entry_point in metadata.entry_points(group="cmsite")}
    assert plugin_modules and plugin_modules <= modules  # loaded, for their commands
    assert (packages(modules, HEAVY_MODULES), modules & HEAVY_CMSITE) == (set(), set())
    assert not any(name.startswith("cmsite.default_plugins.") for name in modules)  # they add no commands


def test_a_build_of_a_site_without_networks_imports_no_sync_nor_publisher(site_folder):
    """Every build asks the queue which posts were published where (cmsite.queue.location); only
    a site with networks syncs its social plans after it, with the sync, the planner and the
    publisher (a twentieth of a second to import, before any page is built)."""
    site_folder.post("2026-01-02-hello.md", 'title: "Hello"')
    output, modules = imported_by(site_folder.root, "build")
    assert "Built " in output
    assert "cmsite.queue.location" in modules
    assert {"cmsite.queue.service", "cmsite.queue.sync", "cmsite.queue.publisher"}.isdisjoint(modules)


def test_opening_a_site_without_card_colours_leaves_pillow_alone(site_folder):
    """The cards' colour check needs Pillow only for a colour written in cmsite.toml."""
    code = "import sys; from cmsite.site import Site; Site(sys.argv[1]); print('PIL' in sys.modules)"
    run = subprocess.run([sys.executable, "-c", code, str(site_folder.root)], capture_output=True, text=True)
    assert run.stdout.split() == ["False"], run.stderr


def test_every_hook_is_implemented_somewhere_in_the_tests():
    tests = "\n".join(p.read_text(encoding="utf-8") for p in (REPO / "tests").glob("test_*.py"))
    for name in (n for n in dir(hookspecs) if n.startswith("cmsite_")):
        assert f"def {name}(" in tests, f"{name} has no test"


def test_a_scaffolded_plugin_installed_in_a_fresh_environment(tmp_path):
    """`cmsite plugin new`, pip install into a new venv, listed, changes the site, switched off."""
    result = cli("plugin", "new", "shoutout", "--dir", tmp_path)
    assert result.exit_code == 0, result.output
    plugin_dir = tmp_path / "cmsite-shoutout"
    env_dir = tmp_path / "fresh-env"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin/python"
    # The fresh environment sees this one's packages (cmsite, hatchling) so pip works offline.
    site_packages = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    (env_dir / site_packages / "parent-env.pth").parent.mkdir(parents=True, exist_ok=True)
    with open(os.path.join(site_packages, "parent-env.pth"), "w") as pth:  # its own .pth files too
        pth.write(f"import site; site.addsitedir({sysconfig.get_paths()['purelib']!r})\n")
    subprocess.run(
        [
            python,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            str(plugin_dir),
        ],
        check=True,
    )
    site_dir = tmp_path / "blog"
    subprocess.run([python, "-m", "cmsite", "new", site_dir], check=True, capture_output=True)

    listed = subprocess.run(
        [python, "-m", "cmsite", "--site", site_dir, "plugins", "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    (row,) = json.loads(listed.stdout)
    assert (row["name"], row["source"], row["distribution"], row["version"]) == (
        "shoutout", "entry point", "cmsite-shoutout", "0.1.0",
    )  # fmt: skip
    subprocess.run([python, "-m", "cmsite", "--site", site_dir, "build"], check=True, capture_output=True)
    assert 'content="cmsite with shoutout"' in (site_dir / "output/about/index.html").read_text()

    off = {**os.environ, "CMSITE_DISABLE_PLUGINS": "shoutout"}
    subprocess.run(
        [python, "-m", "cmsite", "--site", site_dir, "build"], check=True, capture_output=True, env=off
    )
    assert "cmsite with shoutout" not in (site_dir / "output/about/index.html").read_text()

    tested = subprocess.run(
        [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(plugin_dir / "tests")],
        capture_output=True,
        text=True,
    )
    assert tested.returncode == 0, tested.stdout + tested.stderr


def test_a_wrapper_runs_around_the_built_ins(site_folder):
    site_folder.post("2026-01-01-a.md", "title: A")

    class NoYearlyArchives:
        @hookimpl(wrapper=True)
        def cmsite_pages(self, site):
            results = yield  # one list per plugin
            return [[p for p in pages if p.kind != "year"] for pages in results]

    site_folder.build(plugins=[NoYearlyArchives()])
    assert not (site_folder.output / "2026/index.html").exists()
    assert (site_folder.output / "2026/01/index.html").is_file()


def test_the_tutorial_plugin_from_the_docs(site_folder):
    from markupsafe import Markup, escape

    from cmsite.config import SettingsSection

    class Shoutout:
        @hookimpl
        def cmsite_settings(self):
            return [SettingsSection("shoutout", {"text": (str, "Thanks to")})]

        @hookimpl
        def cmsite_item_loaded(self, item, site):
            names = item.meta.get("thanks")
            if names:
                text = site.settings["shoutout"]["text"]
                item.content += Markup('<p class="thanks">{} {}.</p>').format(text, escape(", ".join(names)))

    site_folder.post("2026-01-01-hello.md", "title: Hello\nthanks: [Sam]")
    site_folder.build(plugins=[Shoutout()])
    assert "Thanks to Sam." in site_folder.read("posts/hello/index.html")


def test_publish_hooks_and_metrics_with_a_network_of_the_test(site_folder):
    """before/after publish and metrics, with a network that writes down what it is asked."""
    site_folder.write(
        "plugins/recorder.py",
        """
from pathlib import Path
from cmsite.hookspecs import hookimpl
from cmsite.social.network import Network, Published, PublishError


def note(site, *words):
    with (site.root / "record.txt").open("a") as handle:
        handle.write(" ".join(map(str, words)) + "\\n")


class Board(Network):
    name, label, max_length = "board", "Board", 500

    def publish_one(self, session, part):
        return Published("r-" + part.key, "https://board.example/" + part.key)

    def metrics(self, remote_id):
        return {"replies": 2}


@hookimpl
def cmsite_networks():
    return [Board]


@hookimpl
def cmsite_before_publish(entry, network, site):
    note(site, "before", entry.texts[0])
    if "held" in entry.texts[0]:
        raise PublishError("held back by a plugin", retry=False)


@hookimpl
def cmsite_after_publish(entry, published, site):
    note(site, "after", published.url)


@hookimpl
def cmsite_metrics(entry, metrics, site):
    note(site, "metrics", metrics["replies"])
""",
    )
    plans_in_the_past_are_sent(site_folder)
    site_folder.write(
        "content/social/2026-11-20-a.md", "---\nnetworks: [board]\nat: 2026-11-20 10:00\n---\nHello board.\n"
    )
    site_folder.write(
        "content/social/2026-11-20-b.md", "---\nnetworks: [board]\nat: 2026-11-20 11:00\n---\nheld one.\n"
    )
    result = cli("--site", site_folder.root, "publish", "--json")
    assert result.exit_code == 1  # one entry failed
    sent, held = json.loads(result.output)
    assert sent["status"] == "published" and sent["url"] == "https://board.example/" + sent["id"]
    assert held["status"] == "failed" and held["message"] == "held back by a plugin"
    assert cli("--site", site_folder.root, "metrics", "--json").exit_code == 0
    assert (site_folder.root / "record.txt").read_text().splitlines() == [
        "before Hello board.",
        f"after {sent['url']}",
        "before held one.",
        "metrics 2",
    ]


def plans_in_the_past_are_sent(site_folder) -> None:
    """These tests plan at fixed dates the real clock has left behind: no catch-up window."""
    config = site_folder.root / "cmsite.toml"
    config.write_text(config.read_text() + "\n[queue]\ncatch_up_hours = false\nwait_for_page = false\n")


BOARD = """
from cmsite.hookspecs import hookimpl
from cmsite.social.network import Network, Published


class Board(Network):
    name, label, max_length = "board", "Team board", 500

    def publish_one(self, session, part):
        return Published("r1", "https://board.example/r1")


@hookimpl
def cmsite_networks():
    return [Board]
"""


def test_published_posts_link_to_their_copies(site_folder):
    """After a publish, the next build shows "Also on" links (u-syndication) and feed links."""
    plans_in_the_past_are_sent(site_folder)
    site_folder.write("plugins/board.py", BOARD)
    site_folder.post("2026-11-20-news.md", "title: News\nsocial: [board]")
    site_folder.build()
    assert "u-syndication" not in site_folder.read("posts/news/index.html")
    assert cli("--site", site_folder.root, "publish").exit_code == 0
    site_folder.build()
    page = site_folder.read("posts/news/index.html")
    assert '<a class="u-syndication" href="https://board.example/r1" rel="syndication">Team board</a>' in page
    assert 'Also on: <a href="https://board.example/r1">Team board</a>' in site_folder.read("feeds/rss.xml")
    assert "Also on: &lt;a href=" in site_folder.read("feeds/atom.xml")  # escaped HTML content in Atom


def test_builds_keep_the_queue_in_step_and_never_cancel_by_mistake(site_folder):
    plans_in_the_past_are_sent(site_folder)
    site_folder.write("plugins/board.py", BOARD)
    site_folder.post("2026-11-20-news.md", "title: News\nsocial: [board]")
    for _ in range(2):  # the second build changes nothing and loads nothing
        result = cli("--site", site_folder.root, "build")
        assert result.exit_code == 0, result.output
    (entry,) = json.loads(cli("--site", site_folder.root, "queue", "--json").output)
    assert entry["status"] == "pending"
    site_folder.post("2026-11-20-news.md", "title: News\nsocial: []")
    cli("--site", site_folder.root, "build")
    (entry,) = json.loads(cli("--site", site_folder.root, "queue", "--all", "--json").output)
    assert entry["status"] == "cancelled"


def test_a_plan_removed_then_put_back_is_queued_again_but_a_cancel_by_hand_stays(site_folder):
    plans_in_the_past_are_sent(site_folder)
    site_folder.write("plugins/board.py", BOARD)

    def entry():
        (only,) = json.loads(cli("--site", site_folder.root, "queue", "--all", "--json").output)
        return only

    site_folder.post("2026-11-20-news.md", "title: News\nsocial: [board]")
    cli("--site", site_folder.root, "build")
    site_folder.post("2026-11-20-news.md", "title: News\nsocial: []")
    cli("--site", site_folder.root, "build")
    assert entry()["status"] == "cancelled"
    site_folder.post("2026-11-20-news.md", "title: News\nsocial: [board]")
    cli("--site", site_folder.root, "build")
    assert entry()["status"] == "pending"  # the sync's own cancel is undone

    assert cli("--site", site_folder.root, "queue", "cancel", entry()["id"]).exit_code == 0
    site_folder.post("2026-11-20-news.md", "title: News, edited\nsocial: [board]")
    result = cli("--site", site_folder.root, "build")
    assert "the board post was cancelled by hand; the change is not queued" in result.output
    assert entry()["status"] == "cancelled"
    assert json.loads(cli("--site", site_folder.root, "publish", "--json").output) == []
    assert cli("--site", site_folder.root, "queue", "retry", entry()["id"]).exit_code == 0
    assert entry()["status"] == "pending"


def test_plans_whose_time_long_passed_are_recorded_as_expired_never_sent(site_folder):
    """The first build of an old blog with social defaults must not announce years of posts at once."""
    site_folder.write("plugins/board.py", BOARD)
    config = site_folder.root / "cmsite.toml"
    config.write_text(config.read_text() + "\n[queue]\nwait_for_page = false  # the site is not deployed\n")
    now = datetime.now(UTC)
    old, recent = now - timedelta(days=30), now - timedelta(hours=2)
    site_folder.post(f"{old:%Y-%m-%d}-old.md", f"title: Old\ndate: {old:%Y-%m-%d %H:%M}\nsocial: [board]")
    site_folder.post(
        f"{recent:%Y-%m-%d}-recent.md", f"title: Recent\ndate: {recent.isoformat()}\nsocial: [board]"
    )
    result = cli("--site", site_folder.root, "build")
    assert "queued: board (default)" in result.output
    assert "not queued: 1 plan whose time had long passed" in result.output
    expired, pending = json.loads(cli("--site", site_folder.root, "queue", "--json").output)  # by time
    assert pending["source"].endswith("-recent.md") and pending["status"] == "pending"
    assert expired["source"].endswith("-old.md") and expired["status"] == "expired"
    assert f"`cmsite queue retry {expired['id']}` sends it anyway" in expired["reason"]
    published = json.loads(cli("--site", site_folder.root, "publish", "--json").output)
    assert [o["id"] for o in published] == [pending["id"]]
    assert cli("--site", site_folder.root, "build").exit_code == 0  # a later build leaves it expired
    assert cli("--site", site_folder.root, "queue", "retry", expired["id"]).exit_code == 0
    published = json.loads(cli("--site", site_folder.root, "publish", "--json").output)
    assert [(o["id"], o["status"]) for o in published] == [(expired["id"], "published")]


def test_a_network_written_for_the_old_interface_is_told_what_to_implement(site_folder):
    site_folder.write(
        "plugins/old.py",
        """
from cmsite.hookspecs import hookimpl
from cmsite.social.network import Network, Published


class Old(Network):
    name, label, max_length = "old", "Old", 500

    def publish(self, post, idempotency_key):
        return Published("1", "https://old.example/1")


@hookimpl
def cmsite_networks():
    return [Old]
""",
    )
    result = cli("--site", site_folder.root, "preview")
    assert result.exit_code == 1
    assert "network 'old'" in result.output and "must implement publish_one(session, part)" in result.output
    assert "Traceback" not in result.output
