"""`cmsite accounts login`'s shared part (cmsite/social/login.py), with a network that needs no
server: the default login asks for the settings the account lacks and has each credential pasted,
the network checks them before anything is written, then .env gets them (mode 0600, each variable
updated where it stands, every other line kept), cmsite.toml the settings, .gitignore the .env.
No secret is ever shown, even when the network echoes it."""

from __future__ import annotations

import os
import tomllib

import pytest
from dotenv import dotenv_values

from cmsite.hookspecs import hookimpl
from cmsite.social.login import LoginError, log_in, write_env, write_settings
from cmsite.social.network import VERIFYING, Network, Published, PublishError
from cmsite.testing import Answers, env_values

GOOD = "good-vault-token-0001"


class Vault(Network):
    """Accepts GOOD, cannot be asked about "unaskable…" tokens, refuses others; echoes every token."""

    name, label, max_length = "vault", "Vault", 500
    credentials = ("VAULT_TOKEN",)
    settings = {"room": (str, None)}  # noqa: RUF012
    required_settings = {"room": '"main"'}  # noqa: RUF012
    login_help = "Make a token at vault.example/settings."

    def verify_credentials(self) -> str:
        token = self.account_secret("VAULT_TOKEN")
        if token.startswith("unaskable"):
            raise NotImplementedError("Vault cannot be asked without posting")
        if token != GOOD:
            raise PublishError(f"Vault refused {VERIFYING.what} (401): unknown token {token}", retry=False)
        return f"#{self.options['room']} (token {token})"  # an echo, as a careless network's

    def publish_one(self, session, part):
        return Published("1", "https://vault.example/1")


class VaultPlugin:
    @hookimpl
    def cmsite_networks(self):
        return [Vault]


def login(cmsite_site, answers, account="default", environ=None, network="vault"):
    return log_in(cmsite_site.site(plugins=[VaultPlugin()]), network, account, answers, environ or {})


def test_the_default_login_asks_checks_and_writes(cmsite_site):
    answers = Answers("main", GOOD)
    done = login(cmsite_site, answers)
    assert answers.asked == [("ask", "room (like main)"), ("secret", "VAULT_TOKEN")]
    assert answers.said == ["Make a token at vault.example/settings."]
    assert (done.label, done.account, done.name, done.variables) == (
        "Vault",
        "default",
        "#main (token ***)",
        ("VAULT_TOKEN",),
    )
    assert env_values(cmsite_site.root) == {"VAULT_TOKEN": GOOD}  # mode 0600 checked there
    assert tomllib.loads((cmsite_site.root / "cmsite.toml").read_text())["networks"] == {
        "vault": {"room": "main"}
    }
    assert (cmsite_site.root / ".gitignore").read_text() == ".env\n"
    assert done.notes == (
        "added .env to .gitignore, so that git leaves the secrets out",
        "cmsite.toml: set room under [networks.vault]",
    )


def test_a_refused_token_writes_nothing_and_is_never_shown(cmsite_site):
    config = (cmsite_site.root / "cmsite.toml").read_text()
    with pytest.raises(LoginError) as caught:
        login(cmsite_site, Answers("main", "wrong-vault-token-0002"))
    assert str(caught.value) == (
        "Vault refused the account's credentials (401): unknown token ***; nothing was written"
    )
    assert not (cmsite_site.root / ".env").exists() and not (cmsite_site.root / ".gitignore").exists()
    assert (cmsite_site.root / "cmsite.toml").read_text() == config


def test_a_token_that_cannot_be_checked_is_written_and_said_unchecked(cmsite_site):
    cmsite_site.write(
        "cmsite.toml", (cmsite_site.root / "cmsite.toml").read_text() + '\n[networks.vault]\nroom = "main"\n'
    )
    answers = Answers("unaskable-token-0003")
    done = login(cmsite_site, answers, account="team")
    assert answers.asked == [("secret", "VAULT_TEAM_TOKEN")]  # the room is set: not asked
    assert done.name == "" and done.notes[0] == "not checked: Vault cannot be asked without posting"
    assert env_values(cmsite_site.root) == {"VAULT_TEAM_TOKEN": "unaskable-token-0003"}


def test_an_existing_env_is_updated_in_place_and_made_private(cmsite_site):
    env = cmsite_site.root / ".env"
    env.write_text(
        "# the site's secrets\nOTHER_KEY=kept  # a comment\n\nexport VAULT_TOKEN='old'\n"
        "# Vault again below\nVAULT_TOKEN=older\nLAST=1"
    )
    env.chmod(0o644)
    (cmsite_site.root / ".gitignore").write_text("output/\n/.env")
    done = login(cmsite_site, Answers("main", GOOD))
    assert env.read_text() == (
        "# the site's secrets\nOTHER_KEY=kept  # a comment\n\nexport VAULT_TOKEN='good-vault-token-0001'\n"
        "# Vault again below\nVAULT_TOKEN='good-vault-token-0001'\nLAST=1"
    )
    assert env_values(cmsite_site.root) == {"OTHER_KEY": "kept", "VAULT_TOKEN": GOOD, "LAST": "1"}
    assert done.notes[0] == (
        ".env could be read by other users of this machine (mode 0644); it is 0600 now. "
        "Renew any secret in it that someone else may have read."
    )
    assert (cmsite_site.root / ".gitignore").read_text() == "output/\n/.env"  # listed already


def test_new_variables_go_at_the_end_and_every_value_reads_back(tmp_path):
    env = tmp_path / ".env"
    env.write_text("A=1")
    values = {"HOOK_URL": "https://hooks.example/T0/B1?x=1&y=2", "ODD": "it's a \\ back'slash \"q\" #x"}
    write_env(env, values)
    assert env.read_text().startswith("A=1\nHOOK_URL='https://hooks.example/T0/B1?x=1&y=2'\n")
    assert dotenv_values(env) == {"A": "1", **values}


def test_a_linked_env_is_written_through_its_link(tmp_path):
    real = tmp_path / "secrets.env"
    real.write_text("A=1\n")
    (tmp_path / ".env").symlink_to(real)
    write_env(tmp_path / ".env", {"B": "two"})
    assert (tmp_path / ".env").is_symlink() and dotenv_values(real) == {"A": "1", "B": "two"}
    assert oct(real.stat().st_mode & 0o777) == "0o600"


def test_settings_go_under_the_tables_header_or_are_left_to_the_person(tmp_path):
    config = tmp_path / "cmsite.toml"
    config.write_text('[site]\ntitle = "T"\n\n[networks.vault]  # the team\'s vault\ntimeout = 5\n')
    config.chmod(0o640)
    assert write_settings(config, ("networks", "vault"), {"room": "main"}) == [
        "cmsite.toml: set room under [networks.vault]"
    ]
    assert config.read_text() == (
        '[site]\ntitle = "T"\n\n[networks.vault]  # the team\'s vault\nroom = "main"\ntimeout = 5\n'
    )
    assert oct(config.stat().st_mode & 0o777) == "0o640"
    inline = "[networks.vault.accounts]\nteam = { timeout = 5 }\n"
    config.write_text(inline)
    assert write_settings(config, ("networks", "vault", "accounts", "team"), {"room": "main"}) == [
        'cmsite.toml was left as it was: add room = "main" under [networks.vault.accounts.team] yourself'
    ]
    assert config.read_text() == inline


def test_a_variable_the_environment_also_sets_is_said_to_win(cmsite_site, monkeypatch):
    monkeypatch.setitem(os.environ, "VAULT_TOKEN", "an-old-token-in-the-shell")
    done = login(cmsite_site, Answers("main", GOOD))
    assert done.notes[-1] == (
        "VAULT_TOKEN is set in the environment too, which wins over .env: unset it (or set it to the new value)"
    )


@pytest.mark.parametrize(
    ("network", "account", "says"),
    [
        (
            "twitter",
            "default",
            "unknown network 'twitter': X (the former Twitter) is `x`; installed networks: vault",
        ),
        ("vaul", "default", "unknown network 'vaul' (did you mean 'vault'?)"),
        ("vault", "my-team", "--account 'my-team': use letters, digits and _ only"),
    ],
)
def test_a_wrong_network_or_account_name_is_said_before_anything_is_asked(
    cmsite_site, network, account, says
):
    with pytest.raises(LoginError) as caught:
        login(cmsite_site, Answers(), account=account, network=network)
    assert str(caught.value).startswith(says)
