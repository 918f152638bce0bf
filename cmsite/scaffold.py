"""`cmsite new DIR`: a small site that builds at once, in its writer's language, to start from.

The starter files are data, not code: `cmsite/starter/LANG/` holds the files of a site in
that language (cmsite.toml, the first post, the About page, .gitignore), `LANG.toml` its
short texts, and `common/` what every language shares (the sample picture). In file names
and texts, `$name` is filled in; a leading `_` in a file name becomes a dot (a real
`.gitignore` in the package would apply to cmsite's own repository). A language without
starter files gets the English ones, its dates and theme strings still in its own language.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from string import Template
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import click
from babel import Locale

from cmsite.config import is_web_address, language_problem, timezone_problem

if TYPE_CHECKING:
    from cmsite.social.network import Network

STARTER = Path(__file__).parent / "starter"
FALLBACK = "en"
PLACEHOLDER_URL = "https://example.org"


@dataclass(frozen=True)
class SiteOptions:
    """What `cmsite new` asks: the [site] settings a writer should choose before the first build."""

    lang: str
    title: str
    author: str
    timezone: str
    url: str


@dataclass(frozen=True)
class Question:
    """One option: how it is asked on a terminal, checked, and filled in when nobody is asked."""

    key: str
    prompt: str
    problem: Callable[[str], str | None]
    default: Callable[[Mapping[str, str]], str]  # from the answers so far; what scripts get
    suggestion: Callable[[Mapping[str, str], Mapping[str, str]], str] | None = None  # (answers, environ)


def _title_problem(title: str) -> str | None:
    return None if title.strip() else "the title is empty; write the site's name"


def _url_problem(url: str) -> str | None:
    if is_web_address(url):
        return None
    return f"{url!r} is not a web address; write one like https://example.org (example.org until you know)"


def _lang_suggestion(answers: Mapping[str, str], environ: Mapping[str, str]) -> str:
    """The language of the terminal's locale (fr for LANG=fr_FR.UTF-8), when Babel knows it."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        code = environ.get(name, "").split(".")[0].split("@")[0]
        if code and code not in ("C", "POSIX") and language_problem(code) is None:
            return Locale.parse(code).language
    return "en"


def _timezone_suggestion(answers: Mapping[str, str], environ: Mapping[str, str]) -> str:
    """The machine's zone: $TZ, or the zone /etc/localtime links to (Europe/Paris), else UTC."""
    candidates = [
        environ.get("TZ", "").lstrip(":"),
        os.path.realpath("/etc/localtime").partition("zoneinfo/")[2],
    ]
    return next((name for name in candidates if name and timezone_problem(name) is None), "UTC")


# In the order they are asked: the language first, since the title's default is in it.
QUESTIONS = (
    Question(
        "lang",
        "Language of the site (a code like en, fr, de)",
        language_problem,
        lambda _: "en",
        _lang_suggestion,
    ),
    Question(
        "title", "Title of the site", _title_problem, lambda answers: starter_texts(answers["lang"])["title"]
    ),
    Question(
        "author", "Author, shown in the footer and the feeds (empty: none)", lambda _: None, lambda _: ""
    ),
    Question(
        "timezone",
        "Time zone of the dates you write (like Europe/Paris)",
        timezone_problem,
        lambda _: "UTC",
        _timezone_suggestion,
    ),
    Question("url", "Address where the site will be published", _url_problem, lambda _: PLACEHOLDER_URL),
)


def settle_options(given: Mapping[str, str | None], *, ask: bool, environ: Mapping[str, str]) -> SiteOptions:
    """The options given on the command line, checked; each missing one asked on a terminal
    (`ask`, with a suggestion from the environment, asked again until it is right) or, for
    scripts, its default. A wrong given value is a usage error naming the option."""
    answers: dict[str, str] = {}
    if ask and any(given.get(question.key) is None for question in QUESTIONS):
        click.echo("A few questions about the new site (Enter keeps the suggestion in brackets):")
    for question in QUESTIONS:
        value = given.get(question.key)
        if value is not None:
            if problem := question.problem(value):
                raise click.BadParameter(problem, param_hint=f"--{question.key}")
            answers[question.key] = value
        elif ask:
            answers[question.key] = _ask(question, answers, environ)
        else:
            answers[question.key] = question.default(answers)
    return SiteOptions(**answers)


def _ask(question: Question, answers: Mapping[str, str], environ: Mapping[str, str]) -> str:
    suggest = question.suggestion or (lambda answers, _: question.default(answers))

    def checked(text: str) -> str:
        if problem := question.problem(text.strip()):
            raise click.UsageError(problem)
        return text.strip()

    default = suggest(answers, environ)
    return str(click.prompt(question.prompt, default=default, show_default=bool(default), value_proc=checked))


def check_target(target: Path) -> None:
    """Refuse a folder that has files already, before anything is asked."""
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise FileExistsError(f"{target} is not empty; choose a new folder")


def starter_language(lang: str) -> str:
    """The starter files for `lang`: its own, those of its language (fr for fr-CA), else English."""
    locale = Locale.parse(lang.replace("-", "_"))
    return next(
        (name for name in (str(locale), locale.language) if (STARTER / name).is_dir()),
        FALLBACK,
    )


def fallback_note(lang: str) -> str | None:
    """What to say when `lang` has no starter files and got the English ones, or None."""
    if starter_language(lang) != FALLBACK or Locale.parse(lang.replace("-", "_")).language == FALLBACK:
        return None
    return (
        f"note: cmsite has no starter texts in {lang!r} yet: the first post, the About page and the "
        "comments of cmsite.toml are in English; translate them (dates are in your language)"
    )


def starter_texts(lang: str) -> dict[str, str]:
    """The short texts of `cmsite new` in the site's language (cmsite/starter/LANG.toml)."""
    return tomllib.loads((STARTER / f"{starter_language(lang)}.toml").read_text(encoding="utf-8"))


def create_site(target: Path, options: SiteOptions, networks: Iterable[type[Network]]) -> list[Path]:
    """Write the starter files in the site's language, with a commented [networks.NAME]
    example for each of `networks`; refuse a folder that already has content."""
    check_target(target)
    lang = starter_language(options.lang)
    today = datetime.now(ZoneInfo(options.timezone)).date().isoformat()  # not in the future there
    markdown = {"today": today, "title": options.title}
    settings = {key: toml_string(value) for key, value in asdict(options).items()}
    settings["networks"] = networks_section(networks, starter_texts(lang))
    files: dict[str, str | bytes] = {}
    for source, relative in _starter_files(STARTER / lang):
        text = Template(source.read_text("utf-8"))
        files[Template(relative).substitute(today=today)] = text.substitute(
            settings if source.suffix == ".toml" else markdown
        )
    for source, relative in _starter_files(STARTER / "common"):
        files[relative] = source.read_bytes()
    return write_tree(target, files)


def _starter_files(folder: Path) -> list[tuple[Path, str]]:
    """Each file under `folder` and where it goes in the new site (`_gitignore` → `.gitignore`)."""
    found = []
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            relative = path.relative_to(folder)
            name = "." + relative.name[1:] if relative.name.startswith("_") else relative.name
            found.append((path, (relative.parent / name).as_posix()))
    return found


def networks_section(networks: Iterable[type[Network]], texts: Mapping[str, str]) -> str:
    """A commented example per network, each saying which variables hold its secrets; once
    uncommented, the `[networks.NAME]` lines and the keys below them are valid settings."""
    blocks = [_network_example(network, texts) for network in sorted(networks, key=lambda n: n.name)]
    return "\n\n".join(blocks) if blocks else f"# {texts['no_networks']}"


def _network_example(network: type[Network], texts: Mapping[str, str]) -> str:
    said = texts["secrets"] if network.credentials else texts["no_secrets"]
    lines = [
        "# " + Template(said).substitute(label=network.label, variables=", ".join(network.credentials)),
        f"# [networks.{network.name}]",
        *(f"# {key} = {example}" for key, example in network.required_settings.items()),
    ]
    return "\n".join(lines)


def installed_networks(environ: Mapping[str, str]) -> list[type[Network]]:
    """The networks of the plugins cmsite would load here (the CMSITE_*_PLUGINS switches count)."""
    from cmsite.plugins import PluginSelection, make_plugin_manager

    pm = make_plugin_manager(PluginSelection.from_settings(None, (), None, environ))
    found = {network.name: network for result in pm.hook.cmsite_networks() for network in result}
    return list(found.values())


def toml_string(text: str) -> str:
    """`text` as a TOML basic string: JSON's escapes are TOML's, except that TOML escapes DEL too."""
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def run_command(argv0: str, executable: str, which: Callable[[str], str | None] = shutil.which) -> str:
    """How to run this very cmsite again from any folder: `cmsite` when PATH finds this one,
    else the full path of the running script, or its Python with `-m cmsite`."""
    script = Path(argv0)
    if script.stem == "cmsite" and script.is_file():
        found = which("cmsite")
        return "cmsite" if found and os.path.samefile(found, script) else shlex.quote(str(script.absolute()))
    for name in ("python3", "python"):
        found = which(name)
        if found and _same_environment(Path(found), Path(executable)):
            return f"{name} -m cmsite"  # the same environment's Python, under the name PATH knows
    return f"{shlex.quote(executable)} -m cmsite"


def _same_environment(found: Path, executable: Path) -> bool:
    """The same interpreter in the same bin folder: a venv's python3 links to the system's."""
    return found.absolute().parent == executable.absolute().parent and os.path.samefile(found, executable)


def write_tree(target: Path, files: Mapping[str, str | bytes]) -> list[Path]:
    """Write {relative path: text or bytes} under `target`, creating folders; return the paths."""
    written = []
    for relative, content in files.items():
        path = target / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        written.append(path)
    return written
