"""`cmsite accounts login NETWORK`: connect an account, check it, and keep its secrets.

The network's plugin walks its own authorisation flow (`Network.login`: Mastodon's OAuth, X's
PIN, or a token pasted) through a `Prompt`. What it gives back is checked with the same
read-only request as `cmsite accounts` (`Network.verify_credentials`) before anything is
written: a refused token never replaces a working one. Then the secrets go to the site's
`.env` — mode 0600, each variable updated where it stands, every other line and comment
kept, the file listed in `.gitignore` — and the settings the login asked for (an instance, a
handle) to the account's table in cmsite.toml. No secret is ever printed: every message goes
through a `Redactor` that knows the new values too.
"""

from __future__ import annotations

import io
import json
import os
import re
import stat
import tempfile
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from cmsite.social.accounts import network_for, secrets_environment
from cmsite.social.network import Credentials, Login, Network, Prompt, PublishError
from cmsite.social.plans import unknown_network
from cmsite.social.redact import Redactor
from cmsite.social.settings import account_options

if TYPE_CHECKING:
    from cmsite.site import Site

ACCOUNT_NAME = re.compile(r"[A-Za-z0-9_]+")  # it names variables: MASTODON_TEAM_ACCESS_TOKEN


class LoginError(Exception):
    """What stopped a login, with what to do; nothing was written."""


@dataclass(frozen=True)
class LoggedIn:
    """A login that worked: who the network says the account is (empty when it cannot be asked
    without posting), the variables written to .env, and what else was done or is left to do."""

    label: str
    account: str
    name: str
    variables: tuple[str, ...]
    notes: tuple[str, ...]


class TerminalPrompt:
    """The `Prompt` of `cmsite accounts login`: questions on the terminal, secrets typed unseen."""

    def say(self, text: str) -> None:
        import click

        click.echo(text)

    def ask(self, question: str) -> str:
        import click

        return str(click.prompt(question)).strip()

    def secret(self, question: str) -> str:
        import click

        return str(click.prompt(f"{question} (hidden)", hide_input=True)).strip()


def log_in(
    site: Site, name: str, account: str, prompt: Prompt, environ: Mapping[str, str] | None = None
) -> LoggedIn:
    """Walk the network's login for the account, check the result with the network, then write
    it (.env, cmsite.toml, .gitignore); LoginError, with nothing written, when any step fails."""
    if name not in site.networks:
        installed = ", ".join(sorted(site.networks)) or "none"
        raise LoginError(f"{unknown_network(name, site.networks)}; installed networks: {installed}")
    if not ACCOUNT_NAME.fullmatch(account):
        raise LoginError(
            f"--account {account!r}: use letters, digits and _ only (it names the account's variables)"
        )
    environ = secrets_environment(site.root) if environ is None else environ
    network = network_for(site, name, account, environ)
    assert network is not None  # the name is installed
    try:
        found = network.login(prompt)
    except PublishError as exc:
        raise LoginError(_redactor(site, environ, {})(f"{exc}; nothing was written")) from None
    redact = _redactor(site, environ, found.secrets)
    who, notes = _checked(site, network, found, environ, redact)
    notes += write_env(site.root / ".env", found.secrets)
    notes += ignore_env(site.root)
    notes += write_settings(site.config.path or site.root / "cmsite.toml", _section(network), found.settings)
    notes += [
        f"{variable} is set in the environment too, which wins over .env: unset it (or set it to the new value)"
        for variable, value in found.secrets.items()
        if os.environ.get(variable, value) != value
    ]
    return LoggedIn(
        network.label, account, redact(who), tuple(found.secrets), tuple(redact(n) for n in notes)
    )


def _checked(
    site: Site, network: Network, found: Login, environ: Mapping[str, str], redact: Redactor
) -> tuple[str, list[str]]:
    """Who the network says the new credentials are, and what to tell about the check."""
    options = {**account_options(site.config, network.name, network.account), **found.settings}
    secrets = Credentials.for_network(type(network), {**environ, **found.secrets})
    checked = type(network)(network.account, options, secrets)
    if missing := checked.missing_settings():
        raise LoginError("; ".join(missing) + "; nothing was written")
    try:
        return checked.verify_credentials(), []
    except PublishError as exc:
        again = "try again later" if exc.retry else "nothing was written"
        raise LoginError(redact(f"{exc}; {again}")) from None
    except NotImplementedError as exc:
        return "", [f"not checked: {redact(str(exc))}"]


def _redactor(site: Site, environ: Mapping[str, str], secrets: Mapping[str, str]) -> Redactor:
    """Every credential of every network, the ones the login just got included."""
    return Redactor.for_networks(site.networks.values(), {**environ, **secrets})


def _section(network: Network) -> tuple[str, ...]:
    """The account's table in cmsite.toml."""
    own = () if network.account == "default" else ("accounts", network.account)
    return ("networks", network.name, *own)


def write_env(path: Path, values: Mapping[str, str]) -> list[str]:
    """Set each variable of `values` in the .env at `path`: where it stands if it is there (each
    time it is there), at the end if not; every other line kept as it is. The file is replaced
    whole (written beside it, then renamed) with mode 0600; what was changed is said."""
    from dotenv.parser import parse_stream

    target = path.resolve()  # a .env that is a link: its target is updated, the link kept
    notes = []
    text = target.read_text(encoding="utf-8") if target.is_file() else ""
    if target.is_file() and (mode := stat.S_IMODE(target.stat().st_mode)) & 0o077:
        notes.append(
            f"{path.name} could be read by other users of this machine (mode {mode:04o}); it is 0600 "
            "now. Renew any secret in it that someone else may have read."
        )
    lines, left = [], dict(values)
    for binding in parse_stream(io.StringIO(text)):
        original = binding.original.string
        if binding.key in values:
            left.pop(binding.key, None)
            original = _assigned(original, binding.key, values[binding.key])
        lines.append(original)
    if left and lines and not lines[-1].endswith("\n"):
        lines.append("\n")
    lines += [f"{key}={_quoted(value)}\n" for key, value in left.items()]
    _replace(target, "".join(lines))
    return notes


def _assigned(original: str, key: str, value: str) -> str:
    """A .env binding with a new value: the blank lines before it, `export ` and its line end kept."""
    body = original.lstrip()
    lead = original[: len(original) - len(body)]
    export = "export " if re.match(r"export[ \t]+", body) else ""
    return f"{lead}{export}{key}={_quoted(value)}" + ("\n" if original.endswith("\n") else "")


def _quoted(value: str) -> str:
    """Single quotes, as python-dotenv and shells read them (`\\` and `'` escaped for dotenv)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _replace(target: Path, text: str, mode: int = 0o600) -> None:
    """Write `text` beside `target` (mode 0600 from the start, then `mode`), then rename it over
    `target`: a reader sees the old file or the new one, never half of it."""
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def ignore_env(root: Path) -> list[str]:
    """`.env` listed in the site's .gitignore (made if there is none), so that git never takes it."""
    ignore = root / ".gitignore"
    text = ignore.read_text(encoding="utf-8") if ignore.is_file() else ""
    if any(line.strip() in (".env", "/.env") for line in text.splitlines()):
        return []
    separator = "\n" if text and not text.endswith("\n") else ""
    ignore.write_text(f"{text}{separator}.env\n", encoding="utf-8")
    return [f"added .env to {ignore.name}, so that git leaves the secrets out"]


def write_settings(config: Path, section: tuple[str, ...], settings: Mapping[str, str]) -> list[str]:
    """Add `settings` (keys the account's table lacks) to cmsite.toml: under the table's header
    when it has one, in a new table at the end when not, every other line kept. The file must
    read back with exactly these values added, else it is left as it was and what to add is said."""
    if not settings:
        return []
    name = ".".join(section)
    lines = [f"{key} = {json.dumps(value, ensure_ascii=False)}" for key, value in settings.items()]
    text = config.read_text(encoding="utf-8")
    dotted = r"[ \t]*\.[ \t]*".join(map(re.escape, section))
    header = re.compile(rf"^[ \t]*\[[ \t]*{dotted}[ \t]*\][ \t]*(#.*)?$", re.M)
    if match := header.search(text):
        updated = text[: match.end()] + "".join(f"\n{line}" for line in lines) + text[match.end() :]
    else:
        updated = text + ("" if text.endswith("\n") or not text else "\n") + f"\n[{name}]\n"
        updated += "".join(f"{line}\n" for line in lines)
    if _table(updated, section) != {**(_table(text, section) or {}), **settings}:
        return [f"{config.name} was left as it was: add {'; '.join(lines)} under [{name}] yourself"]
    _replace(config, updated, stat.S_IMODE(config.stat().st_mode))
    return [f"{config.name}: set {', '.join(settings)} under [{name}]"]


def _table(text: str, section: tuple[str, ...]) -> dict[str, object] | None:
    """The table at `section` of a TOML text ({} when it has none); None when the text is not TOML."""
    try:
        table: object = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return None
    for key in section:
        table = table.get(key, {}) if isinstance(table, dict) else None
    return table if isinstance(table, dict) else None
